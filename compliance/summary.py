"""The terminal summary of an assessment: plain text for people, not for parsing."""

from __future__ import annotations

import textwrap
from collections import defaultdict

from compliance.models.assessment import Assessment, Counts, Finding, Verdict
from compliance.models.rules import Outcome

VERDICT_TEXT = {
    Verdict.READY: "READY for a pilot",
    Verdict.READY_WITH_CONDITIONS: "READY WITH CONDITIONS",
    Verdict.NOT_READY: "NOT READY for a pilot",
}
SHOWN = (Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED, Outcome.PENDING)
WIDTH = 100


def _score(score: float, counts: Counts) -> str:
    """The score, or 'n/a' where no rule applied (the score then carries no information)."""
    applied = counts.pass_ + counts.fail + counts.unknown + counts.accepted + counts.pending
    return f"{score:g}" if applied else "n/a"


def _tri(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def _counts(c: Counts) -> str:
    parts = [
        f"{n} {label}"
        for n, label in (
            (c.pass_, "pass"),
            (c.fail, "fail"),
            (c.unknown, "unknown"),
            (c.accepted, "accepted"),
            (c.pending, "pending"),
            (c.not_applicable, "n/a"),
        )
        if n
    ]
    return ", ".join(parts) or "no results"


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(text, WIDTH, initial_indent=pad, subsequent_indent=pad) or [pad]


def render(a: Assessment) -> str:
    """The readable summary printed by `compliance assess`."""
    sol = a.solution
    lines = [
        f"Assessment of {sol['name']} ({sol['id']}), as of {a.as_of}",
        "Rule packs: " + ", ".join(f"{p.id} {p.version} (law as of {p.law_as_of})" for p in a.rule_packs),
        "",
        f"Verdict: {VERDICT_TEXT[a.verdict]}    Score: {a.score:g}/100",
    ]
    for reason in a.verdict_reasons:
        lines += _wrap(f"- {reason}", 2)
    lines += ["", "Scores by framework:"]
    width = max((len(name) for name in a.frameworks), default=0)
    for name, group in a.frameworks.items():
        lines.append(f"  {name:<{width}}  {_score(group.score, group.counts):>5}   ({_counts(group.counts)})")
    if a.flows:
        lines += ["", "Scores by data flow:"]
        for flow in a.flows:
            lines.append(f"  {flow.id:<24} {flow.score:>5g}   {flow.name}")
    lines += ["", f"DPIA screening: required: {_tri(a.dpia.required)}"]
    for reason in a.dpia.reasons:
        lines += _wrap(f"- {reason}", 2)
    met = [c for c in a.dpia.criteria + a.dpia.per_se + a.dpia.national if c.met is not False]
    for c in met:
        lines += _wrap(f"{c.id} {_tri(c.met)}: {c.title} ({'; '.join(c.reasons)})", 4)
    st = a.dpia.status
    lines.append(f"  DPIA on file: {st.status or 'not stated'}; current: {_tri(st.current)}")
    for reason in st.reasons:
        lines += _wrap(f"- {reason}", 4)
    open_items = [f for f in a.findings if f.status in SHOWN]
    lines += ["", f"Findings to act on ({len(open_items)}), by provision:"]
    if not open_items:
        lines.append("  none")
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for f in open_items:
        grouped[f.citation].append(f)
    for citation in (c for c in a.provisions if c in grouped):
        lines.append(f"  {citation}")
        for f in grouped[citation]:
            target = f" - {f.target.kind.value} {f.target.id}" if f.target else ""
            lines.append(f"    [{f.status.value.upper()} {f.severity.value}] {f.rule_id}: {f.title}{target}")
            lines += _wrap(f.explanation, 8)
            if f.status in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED):
                lines += _wrap(f"Remediation: {f.remediation}", 8)
            if f.accepted_risk is not None:
                r = f.accepted_risk
                state = "expired" if r.expired else "accepted"
                lines += _wrap(f"Risk {state} by {r.approved_by} until {r.expires}: {r.reason}", 8)
    lines += ["", f"All results: {_counts(a.counts)}"]
    return "\n".join(lines) + "\n"
