"""Scanner runs as facts for the rules (`scan.code.*`, `scan.dependencies.*`).

A run that did not look at everything never reads as clean: what it found counts, but "nothing
found" is a fact only when every run of that kind completed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compliance.core.models.scan import RunStatus, ScanRun, ScanSeverity
from compliance.core.models.solution import Evidence
from compliance.core.scanner_definitions import cwe_controls

# Which run kinds feed which fact group.
KINDS = {"code": ("code", "sarif"), "dependencies": ("dependencies", "sbom")}
WORST_FIRST = [
    RunStatus.FAILED,
    RunStatus.TIMEOUT,
    RunStatus.MISSING,
    RunStatus.NOT_RUN,
    RunStatus.NO_INPUT,
    RunStatus.INCOMPLETE,
    RunStatus.COMPLETED,
]
SERIOUS = {ScanSeverity.CRITICAL, ScanSeverity.HIGH}
OTHER = {ScanSeverity.MEDIUM, ScanSeverity.LOW}


def declared(evidence: Evidence) -> dict[str, bool]:
    """Which kinds of evidence the solution asks to be scanned."""
    return {
        "code": bool(evidence.code or evidence.sarif),
        "dependencies": bool(evidence.dependencies or evidence.sboms),
    }


def scan_facts(evidence: Evidence, runs: Sequence[ScanRun]) -> dict[str, Any]:
    """The `scan` namespace of the facts."""
    out: dict[str, Any] = {}
    wanted = declared(evidence)
    for group, kinds in KINDS.items():
        mine = [r for r in runs if r.kind in kinds]
        statuses = {r.status for r in mine}
        status = next((s for s in WORST_FIRST if s in statuses), None)
        if status is None and wanted[group]:
            status = RunStatus.NOT_RUN
        complete = bool(mine) and all(r.status is RunStatus.COMPLETED for r in mine)
        found = {f.severity for r in mine for f in r.counted_findings}
        out[group] = {
            "declared": wanted[group],
            "status": None if status is None else status.value,
            "serious_findings": True if found & SERIOUS else (False if complete else None),
            "other_findings": True if found & OTHER else (False if complete else None),
        }
    return out


def cwe_hits(runs: Sequence[ScanRun]) -> dict[str, list[tuple[bool, str]]]:
    """Controls hit by code findings through their CWE (scanners/cwe-controls.yaml): for each,
    (serious, what) per finding."""
    table = cwe_controls()
    hits: dict[str, list[tuple[bool, str]]] = {}
    for run in runs:
        if run.kind not in KINDS["code"]:
            continue
        for f in run.counted_findings:
            where = f"{f.file}:{f.line}" if f.file else (f.package or "")
            for cwe in f.cwe:
                for control in table.get(cwe, []):
                    hits.setdefault(control, []).append(
                        (f.severity in SERIOUS, f"{cwe} ({run.tool} {f.rule_id} in {where})")
                    )
    return hits


def undecided_controls(evidence: Evidence, runs: Sequence[ScanRun]) -> dict[str, str]:
    """Controls a code scan bears on through a CWE it maps, when the solution declares code but not
    every code scan completed: what a completed scan would have found is unknown, so these controls
    can be at most unknown (a failed scan never leaves a control better off than a finding would).
    For each, the statuses of the runs that did not complete ("bandit: timeout")."""
    if not declared(evidence)["code"]:
        return {}
    mine = [r for r in runs if r.kind in KINDS["code"]]
    short = [f"{r.tool}: {r.status.value}" for r in mine if r.status is not RunStatus.COMPLETED]
    if mine and not short:
        return {}
    why = ", ".join(short) or "code: not_run"
    return {control: why for controls in cwe_controls().values() for control in controls}
