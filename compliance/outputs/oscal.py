"""The assessment as OSCAL assessment results, for GRC tools (`assess --format oscal`, or an output
named `FILE.oscal.json`), written by this project's own code.

One result holds a finding per catalogue control the assessment decided (met is `satisfied`; not
met, met in part, unknown and a failure covered by an accepted risk are `not-satisfied`, with the
reason `fail` or `other` and a remark, since unknown is never compliant; controls that do not apply
or apply only later are left out), each linked to the observations of the rule results behind it:
one observation per result that applies, with the rule, its outcome and what the result says. The
assessment plan the results import is minimal and travels inside them: a back-matter resource
holding its JSON (base64), which imports the solution file as its system description (another
resource, named with its SHA-256). Identifiers are UUIDs derived from the run, so the same
assessment gives the same document.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, time
from typing import Any

from compliance import __version__
from compliance.core.models.assessment import Assessment, ControlStatus, Finding
from compliance.core.models.rules import Outcome
from compliance.outputs.sentences import reader_text

OSCAL_VERSION = "1.2.1"
# The namespace of this project's own properties.
NS = "urn:compliance-engine:oscal"
_STATES: dict[ControlStatus, tuple[str, str]] = {
    ControlStatus.MET: ("satisfied", "pass"),
    ControlStatus.NOT_MET: ("not-satisfied", "fail"),
    ControlStatus.PARTIAL: ("not-satisfied", "fail"),
    ControlStatus.UNKNOWN: ("not-satisfied", "other"),
    ControlStatus.ACCEPTED: ("not-satisfied", "other"),
}
_REMARKS = {
    ControlStatus.PARTIAL: "Met in part.",
    ControlStatus.UNKNOWN: "Not decided: facts it needs are missing; unknown is never compliant.",
    ControlStatus.ACCEPTED: "Not met; the failure is covered by an accepted risk.",
}


def _uuid(seed: str, *parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(["compliance-engine", seed, *parts])))


def _when(a: Assessment) -> str:
    return datetime.combine(a.as_of, time(0), tzinfo=UTC).isoformat()


def _metadata(title: str, a: Assessment) -> dict[str, Any]:
    return {"title": title, "last-modified": _when(a), "version": __version__, "oscal-version": OSCAL_VERSION}


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": value}


def _observation(seed: str, f: Finding, a: Assessment) -> dict[str, Any]:
    where = f" ({f.target.kind.value} {f.target.id})" if f.target is not None else ""
    text = (
        reader_text(f, a, "en")[0]
        if f.status in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED)
        else f.explanation
    )
    return {
        "uuid": _uuid(seed, "observation", f.rule_id, f.target.ref if f.target else ""),
        "title": f"{f.rule_id}{where}",
        "description": f"{f.title}. {text}",
        "props": [_prop("rule", f.rule_id), _prop("outcome", f.status.value), _prop("citation", f.citation)],
        "methods": ["TEST"],
        "collected": _when(a),
    }


def _plan(seed: str, a: Assessment, solution_resource: str) -> dict[str, Any]:
    return {
        "assessment-plan": {
            "uuid": _uuid(seed, "plan"),
            "metadata": _metadata(f"Assessment plan: {a.solution.get('name')}", a),
            "import-ssp": {"href": f"#{solution_resource}"},
            "reviewed-controls": {"control-selections": [{"include-all": {}}]},
            "back-matter": {"resources": [_solution_resource(a, solution_resource)]},
        }
    }


def _solution_resource(a: Assessment, resource: str) -> dict[str, Any]:
    """The solution file the assessment read, as a resource named with its SHA-256."""
    solution = next((i for i in a.inputs if i.role == "solution"), None)
    out: dict[str, Any] = {
        "uuid": resource,
        "title": f"Solution file: {a.solution.get('name')} ({a.solution.get('id')})",
    }
    if solution is not None:
        out["rlinks"] = [
            {"href": solution.path, "hashes": [{"algorithm": "SHA-256", "value": solution.sha256}]}
        ]
    return out


def assessment_results(a: Assessment) -> dict[str, Any]:
    """The OSCAL assessment results of an assessment, as a JSON-ready dictionary."""
    seed = a.run.id if a.run is not None else f"{a.solution.get('id')}/{a.as_of.isoformat()}"
    solution_resource = _uuid(seed, "solution")
    plan_resource = _uuid(seed, "plan-resource")
    plan = json.dumps(_plan(seed, a, solution_resource), indent=2, ensure_ascii=False)
    by_rule: dict[str, list[Finding]] = {}
    for f in a.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    observations = [_observation(seed, f, a) for f in a.findings if f.status is not Outcome.PENDING]
    known = {o["uuid"] for o in observations}
    findings = []
    for cid, control in a.controls.items():
        if control.status not in _STATES:
            continue  # not applicable, or applies only later
        state, reason = _STATES[control.status]
        related = [
            _uuid(seed, "observation", f.rule_id, f.target.ref if f.target else "")
            for rule in control.rules
            for f in by_rule.get(rule, ())
            if f.status is not Outcome.PENDING
        ]
        target: dict[str, Any] = {
            "type": "objective-id",
            "target-id": cid,
            "title": f"{control.citation}: {control.title}",
            "status": {"state": state, "reason": reason},
        }
        if control.status in _REMARKS:
            target["status"]["remarks"] = _REMARKS[control.status]
        finding: dict[str, Any] = {
            "uuid": _uuid(seed, "finding", cid),
            "title": f"{control.citation}: {control.title}",
            "description": control.explanation_text,
            "target": target,
        }
        links = [{"observation-uuid": u} for u in dict.fromkeys(related) if u in known]
        if links:
            finding["related-observations"] = links
        findings.append(finding)
    result: dict[str, Any] = {
        "uuid": _uuid(seed, "result"),
        "title": f"Assessment of {a.solution.get('name')} as of {a.as_of.isoformat()}",
        "description": f"Verdict: {a.verdict.value}. Made by {a.tool.name} {a.tool.version}"
        + (f", assessed by {a.assessor}" if a.assessor else "")
        + ".",
        "start": _when(a),
        "props": [_prop("verdict", a.verdict.value)],
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
    }
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    return {
        "assessment-results": {
            "uuid": _uuid(seed, "results"),
            "metadata": _metadata(f"Assessment results: {a.solution.get('name')}", a),
            "import-ap": {"href": f"#{plan_resource}"},
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": plan_resource,
                        "title": "The assessment plan these results import",
                        "base64": {
                            "filename": "assessment-plan.json",
                            "media-type": "application/json",
                            "value": base64.b64encode(plan.encode("utf-8")).decode("ascii"),
                        },
                    },
                    _solution_resource(a, solution_resource),
                ]
            },
        }
    }


def as_json(a: Assessment) -> str:
    """The OSCAL assessment results as JSON text."""
    return json.dumps(assessment_results(a), indent=2, ensure_ascii=False) + "\n"
