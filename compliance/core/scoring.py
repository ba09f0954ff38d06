"""Scores and the verdict: one documented formula, applied at every level.

    weight(result) = rule.weight x severity points (critical 8, high 4, medium 2, low 1)
    credit(result) = 1 for pass; 0 for fail, unknown and accepted
    score(group)   = 100 x sum(weight x credit) / sum(weight), over results that are not
                     `not_applicable` or `pending`; 100 when no result counts

Unknown weighs exactly like fail. An accepted risk earns no credit (the risk is still there);
it only keeps a failure from blocking the verdict. Because every rule is monotone in the facts
and credit only grows with better facts, adding an implemented safeguard never lowers a score
and removing a fact never raises one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from compliance.core.messages import N_, NP_, Message, say, say_n
from compliance.core.models.assessment import Counts, Finding, Verdict
from compliance.core.models.rules import Outcome, Severity

SEVERITY_POINTS = {Severity.CRITICAL: 8, Severity.HIGH: 4, Severity.MEDIUM: 2, Severity.LOW: 1}
CREDIT = {Outcome.PASS: 1.0, Outcome.FAIL: 0.0, Outcome.UNKNOWN: 0.0, Outcome.ACCEPTED: 0.0}
NOT_READY_BELOW = 50.0

FORMULA = {
    "weight": "rule weight x severity points",
    "severity_points": {s.value: p for s, p in SEVERITY_POINTS.items()},
    "credit": {o.value: c for o, c in CREDIT.items()},
    "excluded": [Outcome.NOT_APPLICABLE.value, Outcome.PENDING.value],
    "score": "100 x sum(weight x credit) / sum(weight); 100 when nothing counts",
    "verdict": {
        "not_ready": f"any critical fail or unknown, or an overall score below {NOT_READY_BELOW:g}",
        "ready_with_conditions": "otherwise, any fail, unknown or accepted risk",
        "ready": "otherwise",
    },
}


def weight_of(severity: Severity, rule_weight: float) -> float:
    """The weight a result carries in every score it counts towards."""
    return rule_weight * SEVERITY_POINTS[severity]


def score(findings: Iterable[Finding]) -> float:
    """The score of a group of results, 0-100, one decimal."""
    total = earned = 0.0
    for f in findings:
        credit = CREDIT.get(f.status)
        if credit is None:
            continue
        total += f.weight
        earned += f.weight * credit
    if total == 0:
        return 100.0
    return round(100.0 * earned / total, 1)


def counts(findings: Iterable[Finding]) -> Counts:
    """Results per outcome."""
    c = Counter(f.status for f in findings)
    return Counts.model_validate({o.value: c.get(o, 0) for o in Outcome})


WORST_FIRST = [
    Outcome.FAIL,
    Outcome.UNKNOWN,
    Outcome.ACCEPTED,
    Outcome.PASS,
    Outcome.PENDING,
    Outcome.NOT_APPLICABLE,
]


def worst(findings: Iterable[Finding]) -> Outcome:
    """The outcome that best summarises a group: its worst, not-applicable when empty."""
    present = {f.status for f in findings}
    for outcome in WORST_FIRST:
        if outcome in present:
            return outcome
    return Outcome.NOT_APPLICABLE


# The critical reason names the rule by its title, which a report says in its own language.
CRITICAL_REASON = N_("critical {status}: {rule} {title}")
CRITICAL_REASON_AT = N_("critical {status}: {rule} {title} ({target})")
OUTCOME_WORDS = {
    Outcome.PASS: N_("pass"),
    Outcome.FAIL: N_("fail"),
    Outcome.UNKNOWN: N_("unknown"),
    Outcome.ACCEPTED: N_("accepted"),
    Outcome.PENDING: N_("pending"),
    Outcome.NOT_APPLICABLE: N_("not applicable"),
}
TARGET_WORDS = {"flow": N_("flow {id}"), "party": N_("party {id}"), "system": N_("system {id}")}


def verdict(findings: list[Finding], overall: float) -> tuple[Verdict, list[Message]]:
    """The verdict and the reasons for it."""
    blockers = [
        f for f in findings if f.severity is Severity.CRITICAL and f.status in (Outcome.FAIL, Outcome.UNKNOWN)
    ]
    reasons: list[Message] = []
    for f in blockers:
        status = say(OUTCOME_WORDS[f.status])
        if f.target is not None:
            target = say(TARGET_WORDS[f.target.kind.value], id=f.target.id)
            reasons.append(
                say(CRITICAL_REASON_AT, status=status, rule=f.rule_id, title=f.title, target=target)
            )
        else:
            reasons.append(say(CRITICAL_REASON, status=status, rule=f.rule_id, title=f.title))
    if overall < NOT_READY_BELOW:
        reasons.append(
            say(N_("overall score {score} is below {threshold}"), score=overall, threshold=NOT_READY_BELOW)
        )
    if reasons:
        return Verdict.NOT_READY, reasons
    c = counts(findings)
    if c.fail or c.unknown or c.accepted:
        items = [
            say_n(*forms, n)
            for n, forms in (
                (c.fail, NP_("{n} failed", "{n} failed")),
                (c.unknown, NP_("{n} unknown", "{n} unknown")),
                (c.accepted, NP_("{n} accepted risk", "{n} accepted risks")),
            )
            if n
        ]
        return Verdict.READY_WITH_CONDITIONS, [say(N_("open items: {items}; none critical"), items=items)]
    return Verdict.READY, [say(N_("every applicable rule passes"))]
