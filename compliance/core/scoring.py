"""Scores and the verdict: one documented formula, applied at every level (docs/scoring.md).

    weight(result) = rule.weight x severity points (critical 8, high 4, medium 2, low 1)
    credit(result) = 1 for pass; 0 for fail, unknown, needs review and accepted
    score(group)   = 100 x sum(weight x credit) / sum(weight), over results that are not
                     `not_applicable` or `pending`; 100 when no result counts

Unknown and needs review (the facts are known, a person must judge them) weigh exactly like
fail in a score. An accepted risk earns no credit (the risk is still
there); it only keeps a failure from blocking the verdict. Because every rule is monotone in the
facts and credit only grows with better facts, adding an implemented safeguard never lowers a
score and removing a fact never raises one.

The verdict tells "fix these" from "answer these", and only legal duties decide it:

    not ready             a critical result of a legal duty fails, or failed and accepted
                          results hold more than half of the legal duties' decided weight
    incomplete            otherwise, a critical result of a legal duty is unknown or needs
                          review, or the legal duties' score is below 50 only because of such
                          results
    ready with conditions otherwise, any result fails, is unknown, needs review or is an
                          accepted risk
                          (a critical result of a voluntary baseline at most makes it this)
    ready                 otherwise

Incomplete and not ready both block a pilot or a purchase.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress
from operator import attrgetter

from compliance.core.messages import N_, NP_, Message, say, say_n
from compliance.core.models.assessment import Counts, Finding, GroupStatus, Verdict
from compliance.core.models.rules import Outcome, Severity

SEVERITY_POINTS = {Severity.CRITICAL: 8, Severity.HIGH: 4, Severity.MEDIUM: 2, Severity.LOW: 1}
CREDIT = {
    Outcome.PASS: 1.0,
    Outcome.FAIL: 0.0,
    Outcome.UNKNOWN: 0.0,
    Outcome.NEEDS_REVIEW: 0.0,
    Outcome.ACCEPTED: 0.0,
}
OPEN = (Outcome.UNKNOWN, Outcome.NEEDS_REVIEW)  # not decided yet: a fact, or a person's judgement, is missing
NOT_READY_BELOW = 50.0

FORMULA = {
    "weight": "rule weight x severity points",
    "severity_points": {s.value: p for s, p in SEVERITY_POINTS.items()},
    "credit": {o.value: c for o, c in CREDIT.items()},
    "excluded": [Outcome.NOT_APPLICABLE.value, Outcome.PENDING.value],
    "score": "100 x sum(weight x credit) / sum(weight); 100 when nothing counts",
    "verdict": {
        "not_ready": "a critical fail of a legal duty, or failed and accepted results above half of the "
        "legal duties' decided weight (pass, fail, accepted)",
        "incomplete": "otherwise, a critical unknown or needs-review result of a legal duty, or the legal "
        f"duties' score below {NOT_READY_BELOW:g} only because of unknown and needs-review results",
        "ready_with_conditions": "otherwise, any fail, unknown, needs-review result or accepted risk, a "
        "voluntary baseline's critical results included",
        "ready": "otherwise",
        "blocking": ["not_ready", "incomplete"],
        "legal_duties": "the packs whose obligation is law, and the voluntary standards a contract requires",
    },
}


def weight_of(severity: Severity, rule_weight: float) -> float:
    """The weight a result carries in every score it counts towards."""
    return rule_weight * SEVERITY_POINTS[severity]


# Scores and counts walk every result several times (overall, per framework, provision and flow),
# so they look outcomes up by identity: an enum member is a singleton, and hashing one runs Python
# code (`Enum.__hash__`), which costs more than the rest of the step. The identities of a group's
# outcomes are read by `map` (`_status_ids`), without a Python step per result.
_CREDIT_BY_ID = {id(outcome): credit for outcome, credit in CREDIT.items()}
_CREDITED_IDS = frozenset(_CREDIT_BY_ID)
_status = attrgetter("status")


def _status_ids(findings: Iterable[Finding]) -> Iterator[int]:
    return map(id, map(_status, findings))


def score(findings: Iterable[Finding]) -> float:
    """The score of a group of results, 0-100, one decimal."""
    total = earned = 0.0
    credit_of = _CREDIT_BY_ID.get
    for f in findings:
        credit = credit_of(id(f.status))
        if credit is None:
            continue
        total += f.weight
        earned += f.weight * credit
    if total == 0:
        return 100.0
    return round(100.0 * earned / total, 1)


def group_score(findings: Iterable[Finding]) -> tuple[float | None, GroupStatus]:
    """The score of a group of results and whether it has one: a group none of whose results
    counts (nothing applies, or only duties not yet in force) is not assessed, never 100."""
    items = list(findings)
    if _CREDITED_IDS.isdisjoint(_status_ids(items)):
        return None, GroupStatus.NOT_ASSESSED
    return score(items), GroupStatus.ASSESSED


def counts(findings: Iterable[Finding]) -> Counts:
    """Results per outcome."""
    return _counts(Counter(_status_ids(findings)))


_OUTCOME_IDS = [(o.value, id(o)) for o in Outcome]


def _counts(tally: Counter[int]) -> Counts:
    return Counts.model_validate({value: tally.get(key, 0) for value, key in _OUTCOME_IDS})


def summary(findings: Sequence[Finding]) -> tuple[float | None, GroupStatus, Counts]:
    """What `group_score` and `counts` give for a group, reading its outcomes once (for the many
    groups of an assessment: its frameworks, provisions and flows)."""
    ids = list(_status_ids(findings))
    tally = Counter(ids)
    if _CREDITED_IDS.isdisjoint(tally):
        return None, GroupStatus.NOT_ASSESSED, _counts(tally)
    # The score of the results that count, in their order: the same sums as over the whole group.
    credited = compress(findings, map(_CREDITED_IDS.__contains__, ids))
    return score(credited), GroupStatus.ASSESSED, _counts(tally)


WORST_FIRST = [
    Outcome.FAIL,
    Outcome.UNKNOWN,
    Outcome.NEEDS_REVIEW,
    Outcome.ACCEPTED,
    Outcome.PASS,
    Outcome.PENDING,
    Outcome.NOT_APPLICABLE,
]


def worst(findings: Iterable[Finding]) -> Outcome:
    """The outcome that best summarises a group: its worst, not-applicable when empty."""
    present = set(_status_ids(findings))
    for outcome in WORST_FIRST:
        if id(outcome) in present:
            return outcome
    return Outcome.NOT_APPLICABLE


# The critical reason names the rule by its title, which a report says in its own language.
CRITICAL_REASON = N_("critical {status}: {rule} {title}")
CRITICAL_REASON_AT = N_("critical {status}: {rule} {title} ({target})")
OUTCOME_WORDS = {
    Outcome.PASS: N_("pass"),
    Outcome.FAIL: N_("fail"),
    Outcome.UNKNOWN: N_("unknown"),
    Outcome.NEEDS_REVIEW: N_("needs review"),
    Outcome.ACCEPTED: N_("accepted"),
    Outcome.PENDING: N_("pending"),
    Outcome.NOT_APPLICABLE: N_("not applicable"),
}
TARGET_WORDS = {"flow": N_("flow {id}"), "party": N_("party {id}"), "system": N_("system {id}")}


@functools.cache
def _outcome_word(outcome: Outcome) -> Message:
    """The word for an outcome as a message: one (immutable) instance shared by every reason that
    names the outcome."""
    return say(OUTCOME_WORDS[outcome])


def decided_score(findings: Iterable[Finding]) -> float:
    """The score counting decided results only (pass, fail, accepted): unknown and needs-review
    results left out."""
    return score(f for f in findings if f.status not in OPEN)


def _critical(f: Finding, reason_status: Outcome) -> Message:
    status = _outcome_word(reason_status)
    if f.target is not None:
        target = say(TARGET_WORDS[f.target.kind.value], id=f.target.id)
        return say(CRITICAL_REASON_AT, status=status, rule=f.rule_id, title=f.title, target=target)
    return say(CRITICAL_REASON, status=status, rule=f.rule_id, title=f.title)


def verdict(
    findings: list[Finding], deciding: Callable[[Finding], bool] = lambda f: True
) -> tuple[Verdict, list[Message]]:
    """The verdict and the reasons for it; `deciding` says which results are legal duties (the
    others are voluntary baselines, which advise)."""
    # Results that do not apply count in nothing below but `counts`: left out of `legal` first,
    # `deciding` is asked of a third of the results.
    legal = [f for f in findings if f.status is not Outcome.NOT_APPLICABLE and deciding(f)]
    critical = [f for f in legal if f.severity is Severity.CRITICAL]
    fails = [f for f in critical if f.status is Outcome.FAIL]
    unknowns = [f for f in critical if f.status in OPEN]
    decided = [f for f in legal if f.status in (Outcome.PASS, Outcome.FAIL, Outcome.ACCEPTED)]
    decided_weight = sum(f.weight for f in decided)
    failed_weight = sum(f.weight for f in decided if f.status is not Outcome.PASS)
    outweighed = decided_weight > 0 and failed_weight > decided_weight / 2
    reasons = [_critical(f, Outcome.FAIL) for f in fails]
    if outweighed:
        share = round(100 * failed_weight / decided_weight, 1)
        reasons.append(
            say(
                N_(
                    "failed results and accepted risks hold {share}% of the decided weight of the legal duties (more than half)"
                ),
                share=share,
            )
        )
    unknown_reasons = [_critical(f, f.status) for f in unknowns]
    legal_score = score(legal)
    low = legal_score < NOT_READY_BELOW
    if low and not outweighed:
        unknown_reasons.append(
            say(
                N_(
                    "the legal duties' score {score} is below {threshold} only because of unknown and needs-review results (decided results score {decided})"
                ),
                score=legal_score,
                threshold=NOT_READY_BELOW,
                decided=decided_score(legal),
            )
        )
    if fails or outweighed:
        return Verdict.NOT_READY, reasons + unknown_reasons
    if unknown_reasons:
        return Verdict.INCOMPLETE, unknown_reasons
    advice = [
        _critical(f, f.status)
        for f in findings
        if f.status in (Outcome.FAIL, *OPEN) and f.severity is Severity.CRITICAL and not deciding(f)
    ]
    c = counts(findings)
    if c.fail or c.unknown or c.needs_review or c.accepted:
        items = [
            say_n(*forms, n)
            for n, forms in (
                (c.fail, NP_("{n} failed", "{n} failed")),
                (c.unknown, NP_("{n} unknown", "{n} unknown")),
                (c.needs_review, NP_("{n} needs review", "{n} need review")),
                (c.accepted, NP_("{n} accepted risk", "{n} accepted risks")),
            )
            if n
        ]
        reasons = [say(N_("open items: {items}; none critical for a legal duty"), items=items)]
        if advice:
            reasons.append(
                say_n(
                    *NP_(
                        "{n} critical result of a voluntary baseline is open: advice, as no contract requires the standard",
                        "{n} critical results of voluntary baselines are open: advice, as no contract requires the standards",
                    ),
                    len(advice),
                )
            )
        return Verdict.READY_WITH_CONDITIONS, reasons + advice
    return Verdict.READY, [say(N_("every applicable rule passes"))]
