"""SARIF 2.1.0 out: an assessment for code-scanning dashboards.

The assessment's failed and unknown results are one run of `compliance-engine`, and each scan run
passed in is a run of its own tool. Each run gets its own `automationDetails.id`, because code
scanning refuses a file whose runs share a tool and a category.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from compliance.core.models.assessment import Assessment, Finding, RuleInfo
from compliance.core.models.rules import Outcome
from compliance.core.models.scan import FindingState, RunStatus, ScanFinding, ScanRun, ScanSeverity
from compliance.evidence.sarif import (
    SARIF_SCHEMA_URI,
    SARIF_VERSION,
    absolute_file,
    clean_relative,
    relative_to,
)
from compliance.inputs.loader import LoadedSolution

_SCORES = {  # security-severity written for each severity: inside its band, so it reads back the same
    ScanSeverity.CRITICAL: "9.5",
    ScanSeverity.HIGH: "8.0",
    ScanSeverity.MEDIUM: "5.5",
    ScanSeverity.LOW: "2.0",
    ScanSeverity.INFO: "0.0",
}
_EXPORTED = (Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW)
_UNKNOWN_SAYS = "Unknown: facts needed to decide are missing"  # how the engine explains an unknown


def export_sarif(
    assessment: Assessment,
    scan_runs: Sequence[ScanRun] = (),
    *,
    base: Path | None = None,
    target_lines: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The assessment as a SARIF 2.1.0 log for code-scanning dashboards.

    One run of `compliance-engine` holds a result for every failed (level error for critical and
    high rules, warning otherwise) and unknown (level note) finding, located in the solution file
    and at the flow, party or system it is about; then one run per scan run, with its own tool.
    Absolute paths under `base` (the repository root, usually) are written relative to it; other
    absolute paths as `file:` URIs. `target_lines` (see `solution_target_lines`) gives the line of
    each target in the solution file; without it, results name the file only.
    """
    solution_id = str(assessment.solution.get("id") or "solution")
    solution_file = next((i.path for i in assessment.inputs if i.role == "solution"), None)
    solution_uri = _export_uri(solution_file, base) if solution_file else None
    runs = [_assessment_run(assessment, solution_id, solution_uri, target_lines or {})]
    categories = {runs[0]["automationDetails"]["id"]}
    for scan_run in scan_runs:
        category = f"{scan_run.tool}/{solution_id}/"
        n = 1
        while category in categories:
            n += 1
            category = f"{scan_run.tool}/{solution_id}-{n}/"
        categories.add(category)
        runs.append(_scan_run(scan_run, category, base))
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": runs}


def solution_target_lines(loaded: LoadedSolution) -> dict[str, int]:
    """The line of each flow, party and system in its solution file, keyed 'flow:ID' and so on."""
    lines: dict[str, int] = {}
    line, _ = loaded.located.where(("id",))
    if line is not None:
        lines["solution"] = line
    groups: tuple[tuple[str, str, Iterable[Any]], ...] = (
        ("flow", "flows", loaded.solution.flows),
        ("party", "parties", loaded.solution.parties),
        ("system", "systems", loaded.solution.systems),
    )
    for kind, key, items in groups:
        for i, item in enumerate(items):
            line, _ = loaded.located.where((key, i))
            if line is not None:
                lines[f"{kind}:{item.id}"] = line
    return lines


def _assessment_run(
    assessment: Assessment, solution_id: str, solution_uri: str | None, target_lines: Mapping[str, int]
) -> dict[str, Any]:
    exported = [f for f in assessment.findings if f.status in _EXPORTED]
    rule_ids = sorted({f.rule_id for f in exported})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    first = {f.rule_id: f for f in reversed(exported)}
    rules = [_rule_descriptor(first[r], assessment.rules.get(r)) for r in rule_ids]
    results = [
        _assessment_result(f, index[f.rule_id], solution_id, solution_uri, target_lines) for f in exported
    ]
    return {
        "tool": {
            "driver": {"name": assessment.tool.name, "version": assessment.tool.version, "rules": rules}
        },
        "automationDetails": {
            "id": f"{assessment.tool.name}/{solution_id}/",
            # The run that wrote this log, the same in the JSON and the report written with it.
            **({"guid": assessment.run.id} if assessment.run is not None else {}),
        },
        "invocations": [{"executionSuccessful": True}],
        "results": results,
        "properties": {
            "asOf": assessment.as_of.isoformat(),
            "verdict": assessment.verdict.value,
            "score": assessment.score,
        },
    }


def _fail_level(severity: str) -> str:
    return "error" if severity in ("critical", "high") else "warning"


def _rule_descriptor(finding: Finding, info: RuleInfo | None) -> dict[str, Any]:
    severity = ScanSeverity(finding.severity.value)
    controls = list(info.controls) if info else []
    descriptor: dict[str, Any] = {
        "id": finding.rule_id,
        "shortDescription": {"text": info.title if info else finding.title},
    }
    if info and info.rationale:
        descriptor["fullDescription"] = {"text": info.rationale}
    remediation = info.remediation if info else finding.remediation
    if remediation:
        descriptor["help"] = {"text": remediation}
    descriptor["defaultConfiguration"] = {"level": _fail_level(severity.value)}
    properties: dict[str, Any] = {
        "citation": finding.citation,
        "framework": finding.framework,
        "pack": finding.pack,
        "severity": severity.value,
        "security-severity": _SCORES[severity],
        "tags": list(dict.fromkeys(["compliance", finding.framework, *controls])),
    }
    if finding.national_citation:
        properties["nationalCitation"] = finding.national_citation
    if info and info.references:
        properties["references"] = list(info.references)
    descriptor["properties"] = properties
    return descriptor


def _assessment_result(
    finding: Finding,
    rule_index: int,
    solution_id: str,
    solution_uri: str | None,
    target_lines: Mapping[str, int],
) -> dict[str, Any]:
    target = finding.target
    kind, name = (target.kind.value, target.id) if target else ("solution", solution_id)
    about = f" ({kind} {target.id}: {target.name})" if target else ""
    text = f"{finding.title}{about}. {finding.explanation}"
    level = _fail_level(finding.severity.value)
    if finding.status is Outcome.NEEDS_REVIEW:
        level = "warning"  # the facts are known; a person must judge them
    if finding.status is Outcome.UNKNOWN:
        level = "note"
        if not finding.explanation.startswith(_UNKNOWN_SAYS):
            text = f"{finding.title}{about}. {_UNKNOWN_SAYS}. {finding.explanation}"
    location: dict[str, Any] = {}
    if solution_uri:
        physical: dict[str, Any] = {"artifactLocation": {"uri": solution_uri}}
        line = target_lines.get(f"{kind}:{name}" if target else "solution")
        if line is not None:
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    logical: dict[str, Any] = {"name": name, "kind": kind}
    if target:
        logical["properties"] = {"title": target.name}
    location["logicalLocations"] = [logical]
    properties: dict[str, Any] = {"status": finding.status.value}
    if finding.to_state:
        properties["factsToState"] = list(finding.to_state)
    if finding.facts_sha256:
        properties["factsSha256"] = finding.facts_sha256
    if finding.review is not None:
        properties["review"] = {
            "outcome": finding.review.outcome.value,
            "decidedBy": f"{finding.review.decided_by} ({finding.review.organisation})",
            "decidedOn": finding.review.decided_on.isoformat(),
            "counts": finding.review.counts,
            "lapsed": finding.review.lapsed,
            "bySupplier": finding.review.by_supplier,
        }
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text.strip()},
        "locations": [location],
        "partialFingerprints": {"complianceFinding/v1": f"{finding.rule_id}:{kind}:{name}"},
        "properties": properties,
    }


def _scan_level(severity: ScanSeverity) -> str:
    if severity in (ScanSeverity.CRITICAL, ScanSeverity.HIGH):
        return "error"
    return "warning" if severity is ScanSeverity.MEDIUM else "note"


_SEVERITY_ORDER = list(ScanSeverity)  # most severe first


def _scan_run(run: ScanRun, category: str, base: Path | None) -> dict[str, Any]:
    rule_ids = sorted({f.rule_id for f in run.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    by_rule: dict[str, list[ScanFinding]] = {r: [] for r in rule_ids}
    for finding in run.findings:
        by_rule[finding.rule_id].append(finding)
    rules = [_scan_rule(rule_id, by_rule[rule_id]) for rule_id in rule_ids]
    driver: dict[str, Any] = {"name": run.tool}
    if run.version:
        driver["version"] = run.version
    driver["rules"] = rules
    manifest = _export_uri(run.inputs[0], base) if run.inputs else None
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": category},
        "invocations": [_invocation(run)],
        "results": [_scan_result(f, index[f.rule_id], manifest, base) for f in run.findings],
        "properties": {"status": run.status.value, "kind": run.kind},
    }


def _scan_rule(rule_id: str, findings: list[ScanFinding]) -> dict[str, Any]:
    worst = min((f.severity for f in findings), key=_SEVERITY_ORDER.index)
    cwes = list(dict.fromkeys(c for f in findings for c in f.cwe))
    tags = ["security", *(f"external/cwe/cwe-{c.removeprefix('CWE-')}" for c in cwes)]
    summary = findings[0].message.strip().splitlines()[0] if findings[0].message.strip() else rule_id
    return {
        "id": rule_id,
        "shortDescription": {"text": summary[:200]},
        "defaultConfiguration": {"level": _scan_level(worst)},
        "properties": {"security-severity": _SCORES[worst], "tags": tags},
    }


def _scan_result(
    finding: ScanFinding, rule_index: int, manifest: str | None, base: Path | None
) -> dict[str, Any]:
    location: dict[str, Any] = {}
    file = _export_uri(finding.file, base) if finding.file else manifest
    if file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": file}}
        if finding.file and finding.line is not None:
            region: dict[str, Any] = {"startLine": finding.line}
            if finding.column is not None:
                region["startColumn"] = finding.column
            physical["region"] = region
        location["physicalLocation"] = physical
    if finding.package:
        location["logicalLocations"] = [{"name": finding.package, "kind": "package"}]
    properties: dict[str, Any] = {"security-severity": _SCORES[finding.severity]}
    optional: dict[str, Any] = {
        "toolSeverity": finding.tool_severity,
        "confidence": finding.confidence,
        "package": finding.package,
        "version": finding.version,
        "advisoryIds": finding.advisory_ids,
        "aliases": finding.aliases,
        "fixedVersions": finding.fixed_versions,
    }
    properties.update({k: v for k, v in optional.items() if v})
    if finding.state is not FindingState.OPEN:
        # A suppression is reported, not applied: the result stays a result for every consumer.
        properties["state"] = finding.state.value
    if finding.suppression is not None:
        properties["suppression"] = finding.suppression.model_dump(exclude_none=True)
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _scan_level(finding.severity),
        "message": {"text": finding.message.strip() or finding.rule_id},
    }
    if finding.state is FindingState.NO_PROBLEM:
        result.update(kind="pass", level="none")  # §3.27.9: a result that is no problem
    elif finding.state is FindingState.FIXED:
        result["baselineState"] = "absent"  # §3.27.24: in the baseline, gone now
    if location:
        result["locations"] = [location]
    result["properties"] = properties
    return result


def _invocation(run: ScanRun) -> dict[str, Any]:
    """The run's status as an invocation: failed, missing, timed out or not run is not successful."""
    succeeded = run.status in (RunStatus.COMPLETED, RunStatus.INCOMPLETE)
    invocation: dict[str, Any] = {"executionSuccessful": succeeded}
    if run.command:
        invocation["arguments"] = list(run.command)
    if run.exit_code is not None:
        invocation["exitCode"] = run.exit_code
    notifications: list[dict[str, Any]] = [
        {
            "level": "error",
            "message": {"text": item.reason},
            "locations": [{"logicalLocations": [{"name": item.item}]}],
        }
        for item in run.not_assessed
    ]
    error_level = "warning" if run.status is RunStatus.COMPLETED else "error"
    notifications.extend({"level": error_level, "message": {"text": error}} for error in run.errors)
    if not succeeded and not run.errors:
        notifications.append(
            {"level": "error", "message": {"text": f"the scanner's status is {run.status.value}"}}
        )
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _export_uri(path: str, base: Path | None) -> str:
    """A relative URI reference for a path; absolute paths outside `base` as `file:` URIs."""
    absolute = absolute_file(path)
    if absolute is None:
        return quote(clean_relative(path.replace("\\", "/")), safe="/")
    if base is not None and (relative := relative_to(absolute, base.resolve().as_posix())) is not None:
        return quote(relative, safe="/")
    return "file://" + quote(absolute if absolute.startswith("/") else "/" + absolute, safe="/:")
