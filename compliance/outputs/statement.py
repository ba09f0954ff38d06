"""Conformance statements: per target (usually an IoT device) and per clause of a framework, what
is met, not met or not applicable, with the justification the facts give. Suppliers hand this to
municipalities for ETSI EN 303 645; it is built from an assessment, so it never says more than
the assessment does: an unknown stays unknown."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from typing import Any

from compliance.core.controls import Catalogue, catalogue, direct_status
from compliance.core.models.assessment import Assessment, ControlStatus, Finding
from compliance.core.models.rules import Outcome

# How a rule's outcome reads in a conformance statement.
STATEMENT_STATUS = {
    Outcome.PASS: "met",
    Outcome.FAIL: "not_met",
    Outcome.UNKNOWN: "unknown",
    Outcome.ACCEPTED: "not_met_risk_accepted",
    Outcome.PENDING: "pending",
    Outcome.NOT_APPLICABLE: "not_applicable",
}
CSV_COLUMNS = (
    "system",
    "system_name",
    "clause",
    "clause_title",
    "clause_status",
    "provision",
    "requirement",
    "rule",
    "status",
    "justification",
    "as_of",
    "tool",
)


def statement(a: Assessment, framework_key: str, cat: Catalogue | None = None) -> dict[str, Any]:
    """The conformance statement of one framework for every target its rules apply to."""
    cat = cat or catalogue()
    fw = cat.framework(framework_key)
    if fw is None:
        raise KeyError(framework_key)
    controls = cat.controls_of(fw)
    rule_controls = {rid: info.controls for rid, info in a.rules.items() if info.framework == fw.name}
    per_target: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for f in a.results():
        if f.rule_id in rule_controls:
            key = (
                (f.target.kind.value, f.target.id, f.target.name)
                if f.target
                else ("solution", "", a.solution["name"])
            )
            per_target[key].append(f)
    targets = []
    for (kind, tid, name), findings in per_target.items():
        if all(f.status is Outcome.NOT_APPLICABLE for f in findings):
            continue  # the framework does not apply to this target at all
        clauses = []
        for control in controls:
            own = [f for f in findings if control.id in rule_controls[f.rule_id]]
            status = direct_status(own)
            clauses.append(
                {
                    "control": control.id,
                    "clause": control.citation.removeprefix(fw.citation_prefix),
                    "title": control.title,
                    "status": (status or ControlStatus.UNKNOWN).value,
                    "provisions": [
                        {
                            "rule": f.rule_id,
                            "provision": f.citation.removeprefix(fw.citation_prefix),
                            "requirement": f.title,
                            "status": STATEMENT_STATUS[f.status],
                            "justification": f.explanation,
                        }
                        for f in sorted(own, key=lambda f: _provision_key(f.citation))
                    ],
                }
            )
        targets.append(
            {
                "kind": kind,
                "id": tid,
                "name": name,
                "summary": {s.value: sum(c["status"] == s.value for c in clauses) for s in ControlStatus},
                "clauses": clauses,
            }
        )
    return {
        "statement": f"{fw.name} conformance statement",
        "standard": fw.source,
        "solution": {"id": a.solution["id"], "name": a.solution["name"]},
        "as_of": a.as_of.isoformat(),
        "tool": {"name": a.tool.name, "version": a.tool.version},
        "rule_packs": [{"id": p.id, "version": p.version, "sha256": p.sha256} for p in a.rule_packs],
        "meaning": {
            "met": "every applicable provision of the clause is shown to be met",
            "partial": "some provisions of the clause are met, others are not or are unknown",
            "not_met": "no provision of the clause is met and at least one is not",
            "unknown": "the facts needed to decide are not stated; not shown to be met",
            "not_applicable": "the clause does not apply to this target",
        },
        "targets": targets,
    }


def _provision_key(citation: str) -> tuple[Any, ...]:
    """Sort '5.3-2' before '5.3-10', and '5.3-4A' after '5.3-4'."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", citation))


def _cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (names come from user input)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def statement_csv(st: dict[str, Any]) -> str:
    """The statement as CSV: one row per provision checked, with its clause's status."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for t in st["targets"]:
        for c in t["clauses"]:
            rows = c["provisions"] or [
                {"rule": "", "provision": "", "requirement": "", "status": c["status"], "justification": ""}
            ]
            for p in rows:
                writer.writerow(
                    _cell(str(v))
                    for v in (
                        t["id"],
                        t["name"],
                        c["clause"],
                        c["title"],
                        c["status"],
                        p["provision"],
                        p["requirement"],
                        p["rule"],
                        p["status"],
                        p["justification"],
                        st["as_of"],
                        f"{st['tool']['name']} {st['tool']['version']}",
                    )
                )
    return buf.getvalue()
