"""The terminal summary of an assessment: plain text for people, not for parsing."""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict

from compliance.core.models.assessment import Assessment, ControlStatus, Counts, Finding, Verdict
from compliance.core.models.rules import Outcome

VERDICT_TEXT = {
    Verdict.READY: "READY for a pilot",
    Verdict.READY_WITH_CONDITIONS: "READY WITH CONDITIONS",
    Verdict.NOT_READY: "NOT READY for a pilot",
}
SHOWN = (Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED)
WIDTH = 100


def _score(score: float, counts: Counts) -> str:
    """The score, or 'n/a' where no rule applied (the score then carries no information)."""
    applied = counts.pass_ + counts.fail + counts.unknown + counts.accepted + counts.pending
    return f"{score:g}" if applied else "n/a"


def _tri(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def _counts(c: Counts) -> str:
    return c.describe() or "no results"


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(text, WIDTH, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False) or [
        pad
    ]


COVERAGE_COLUMNS = (
    (ControlStatus.MET, "met"),
    (ControlStatus.PARTIAL, "partial"),
    (ControlStatus.NOT_MET, "not met"),
    (ControlStatus.UNKNOWN, "unknown"),
    (ControlStatus.ACCEPTED, "accepted"),
    (ControlStatus.PENDING, "pending"),
    (ControlStatus.NOT_APPLICABLE, "n/a"),
)


def _coverage(a: Assessment) -> list[str]:
    """Controls per status for each framework, and the controls not met, unknown or partial."""
    if not a.coverage:
        return []
    width = max(len(name) for name in a.coverage)
    lines = ["", "Control coverage by framework (controls per status; crosswalk applied):"]
    header = "  " + " " * width + "  " + "".join(f"{label:>9}" for _, label in COVERAGE_COLUMNS)
    lines.append(header)
    for name, cov in a.coverage.items():
        cells = "".join(f"{cov.counts.get(status.value, 0):>9}" for status, _ in COVERAGE_COLUMNS)
        lines.append(f"  {name:<{width}}  {cells}")
    gaps = [
        (cid, c)
        for cid, c in a.controls.items()
        if c.status in (ControlStatus.NOT_MET, ControlStatus.PARTIAL)
    ]
    if gaps:
        lines.append("  Controls not met or only partly met (unknown ones: see the findings or the JSON):")
        for cid, c in gaps:
            via = f" (via {', '.join(c.via)})" if c.via else ""
            lines += _wrap(f"{c.status.value.replace('_', ' '):<8} {cid}: {c.title}{via}", 4)
    return lines


def _facts_to_state(a: Assessment, top: int = 10) -> list[str]:
    """The missing facts that decide the most unknown results: what to fill in first."""
    decides: Counter[str] = Counter()
    for f in a.findings:
        if f.status is Outcome.UNKNOWN:
            decides.update(f.to_state)
    if not decides:
        return []
    unknown = sum(1 for f in a.findings if f.status is Outcome.UNKNOWN)
    lines = [
        "",
        f"Facts to state ({len(decides)} missing facts leave {unknown} results unknown; most decisive first):",
    ]
    for fact, n in decides.most_common(top):
        lines.append(f"  {fact:<56} {n:>4} result(s)")
    if len(decides) > top:
        lines.append(f"  ... and {len(decides) - top} more (each unknown finding below names its own)")
    return lines


def _scanners(a: Assessment) -> list[str]:
    """Each scanner run: tool, version, status, findings by severity, and what it left out."""
    if not a.scanners:
        return []
    lines = ["", "Scanners:"]
    for run in a.scanners:
        version = f" {run.version}" if run.version else ""
        found = ", ".join(f"{n} {sev}" for sev, n in run.counts.items() if n) or "no findings"
        lines += _wrap(f"{run.tool}{version} ({run.kind}): {run.status.value.upper()}; {found}", 2)
        for error in run.errors:
            lines += _wrap(f"- {error}", 4)
        if run.not_assessed:
            lines += _wrap(f"- not assessed: {len(run.not_assessed)} item(s)", 4)
            for item in run.not_assessed[:5]:
                lines += _wrap(f"{item.item}: {item.reason}", 6)
            if len(run.not_assessed) > 5:
                lines += _wrap(f"... and {len(run.not_assessed) - 5} more (see the JSON)", 6)
        for f in run.findings[:10]:
            where = f"{f.package}=={f.version}" if f.package else f"{f.file}:{f.line}"
            fix = f" (fixed in {', '.join(f.fixed_versions)})" if f.fixed_versions else ""
            lines += _wrap(f"{f.severity.value:<8} {f.rule_id} {where}{fix}", 4)
        if len(run.findings) > 10:
            lines += _wrap(f"... and {len(run.findings) - 10} more (see the JSON)", 4)
    return lines


def _pending(a: Assessment) -> list[str]:
    """Obligations that apply only from a later date, by framework and date (not to act on yet)."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in a.findings:
        if f.status is Outcome.PENDING:
            groups[(f.framework, str(f.effective_from))].append(f)
    if not groups:
        return []
    lines = ["", "Obligations that apply from a later date (pending; they do not count in the scores yet):"]
    for (framework, start), group in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rules = len({f.rule_id for f in group})
        lines += _wrap(f"{framework}: {rules} rule(s), {len(group)} result(s), from {start}", 2)
    return lines


def render(a: Assessment) -> str:
    """The readable summary printed by `compliance assess`."""
    sol = a.solution
    lines = [
        f"Assessment of {sol['name']} ({sol['id']}), as of {a.as_of}",
        *textwrap.wrap(
            "Rule packs: " + ", ".join(f"{p.id} {p.version} (law as of {p.law_as_of})" for p in a.rule_packs),
            WIDTH,
            subsequent_indent="  ",
            break_on_hyphens=False,
        ),
        "",
        f"Verdict: {VERDICT_TEXT[a.verdict]}    Score: {a.score:g}/100",
    ]
    for reason in a.verdict_reasons:
        lines += _wrap(f"- {reason}", 2)
    lines += ["", "Scores by framework:"]
    width = max((len(name) for name in a.frameworks), default=0)
    for name, group in a.frameworks.items():
        lines.append(f"  {name:<{width}}  {_score(group.score, group.counts):>5}   ({_counts(group.counts)})")
    lines += _coverage(a)
    lines += _scanners(a)
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
    lines += _facts_to_state(a)
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
            if f.national_citation:
                lines += _wrap(f"National law: {f.national_citation}", 8)
            lines += _wrap(f.explanation, 8)
            if f.status in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED):
                lines += _wrap(f"Remediation: {f.remediation}", 8)
            if f.accepted_risk is not None:
                r = f.accepted_risk
                state = "expired" if r.expired else "accepted"
                lines += _wrap(f"Risk {state} by {r.approved_by} until {r.expires}: {r.reason}", 8)
    lines += _pending(a)
    lines += ["", f"All results: {_counts(a.counts)}"]
    return "\n".join(lines) + "\n"
