"""The explanation of a result, phrased from the facts that decided it, in any language.

The engine phrases every result in English when it assesses; a report phrases the same result
in Danish or Swedish from the saved assessment. Both call `explain` with the result's outcome and
the trace of fact tests it rests on (`FactUsed` in the assessment), so one function, and one set
of message IDs, says it in every language. Fact names and their values stay as the solution file
writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol

from compliance.core.messages import ENGLISH, N_, Translator
from compliance.core.models.rules import Outcome

# How each operator of the rule language reads after "test:"; symbols are the same in every language.
OP_WORDS: dict[str, str] = {
    "equals": N_("is"),
    "in": N_("is one of"),
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "present": N_("is given"),
    "contains": N_("contains"),
    "contains_any": N_("contains any of"),
    "contains_all": N_("contains all of"),
    "any_under": N_("has an item under"),
    "all_under": N_("has every item under"),
    "empty": N_("is empty"),
    "at_least": N_("is at least"),
    "is": N_("is"),
}
SYMBOLS = frozenset({">", "≥", "<", "≤"})
NO_OPERAND = frozenset({"present", "empty"})


class Test(Protocol):
    """One fact test as evaluated (`LeafResult` while assessing, `FactUsed` in an assessment)."""

    @property
    def fact(self) -> str: ...
    @property
    def op(self) -> str: ...
    @property
    def operand(self) -> Any: ...
    @property
    def value(self) -> Any: ...
    @property
    def result(self) -> bool | None: ...
    @property
    def negated(self) -> bool: ...


class PartTest(Test, Protocol):
    """A test and the part of the rule it belongs to: 'applies_when' or 'require'."""

    @property
    def part(self) -> str: ...


def show(value: Any) -> str:
    """A value as the solution file writes it: true/false, lists in brackets, 3 not 3.0."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_words(op: str, operand: Any, tr: Translator = ENGLISH) -> str:
    """`is one of [a, b]`, `≤ 365`, `is given`."""
    words = OP_WORDS.get(op, op)
    if words not in SYMBOLS and op in OP_WORDS:
        words = tr.gettext(words)
    return words if op in NO_OPERAND else f"{words} {show(operand)}"


def describe(test: Test, tr: Translator = ENGLISH) -> str:
    """`flow.lawful_basis = f; test: is f (must not hold)`."""
    value = tr.gettext("unknown (not given)") if test.value is None else show(test.value)
    words = test_words(test.op, test.operand, tr)
    if test.negated:
        words = tr.gettext("{test} (must not hold)").format(test=words)
    return tr.gettext("{fact} = {value}; test: {test}").format(fact=test.fact, value=value, test=words)


def counts_for(test: Test, outcome: bool) -> bool:
    """Whether a test pushed its condition towards `outcome` (true or false)."""
    return test.result is not None and (test.result != test.negated) is outcome


def missing_facts(tests: Sequence[Test]) -> list[str]:
    """The facts an unknown result lacks, sorted."""
    return sorted({t.fact for t in tests if t.result is None})


def explain(
    outcome: Outcome,
    tests: Sequence[PartTest],
    *,
    to_state: Sequence[str] = (),
    effective_from: date | None = None,
    effective_until: date | None = None,
    risk_expired_on: date | None = None,
    review: ReviewLike | None = None,
    would_be: Outcome | None = None,
    tr: Translator = ENGLISH,
    date_text: Callable[[date], str] = date.isoformat,
) -> str:
    """A plain explanation of one result from the tests that decided it; for unknown, the facts
    to state (`to_state`: the stated facts a derived fact is computed from); for a result that
    needs review, why, and what became of a recorded decision (`review`)."""
    if outcome is Outcome.NEEDS_REVIEW or (review is not None and review.counts):
        frame = (
            tr.gettext("Decided on review: the stated facts left this to a person's judgement: {tests}")
            if outcome is not Outcome.NEEDS_REVIEW
            else tr.gettext("Needs review: the stated facts leave this to a person's judgement: {tests}")
        )
        text = frame.format(
            tests=_listed(
                [t for t in tests if t.part == "review_when"],
                True,
                tr.gettext("the rule's review conditions hold."),
                tr,
            )
        )
        if review is not None:
            text += " " + _review_note(review, tr, date_text)
        if outcome is Outcome.ACCEPTED:
            text += " " + tr.gettext("The failure is covered by an accepted risk.")
    elif outcome is Outcome.NOT_APPLICABLE:
        applies = [t for t in tests if t.part == "applies_when"]
        if effective_until is not None and not applies:
            text = tr.gettext("Not applicable: the obligation ended on {date}.").format(
                date=date_text(effective_until)
            )
        else:
            text = tr.gettext("Not applicable: {tests}").format(
                tests=_listed(applies, False, tr.gettext("the rule's conditions are not met."), tr)
            )
    elif outcome is Outcome.PENDING:
        when = date_text(effective_from) if effective_from is not None else "?"
        text = tr.gettext("Pending: the obligation applies from {date}.").format(date=when)
        if would_be is not None:
            text += " " + _WOULD_BE.get(would_be, _WOULD_BE[Outcome.UNKNOWN])(tr)
    elif outcome is Outcome.PASS:
        require = [t for t in tests if t.part == "require"]
        text = tr.gettext("Met: {tests}").format(
            tests=_listed(require, True, tr.gettext("requirement met."), tr)
        )
    elif outcome is Outcome.UNKNOWN:
        missing = missing_facts(tests)
        text = tr.gettext("Unknown: facts needed to decide are missing: {facts}.").format(
            facts=", ".join(missing)
        )
        if list(to_state) != missing:
            text += " " + tr.gettext("To decide, state: {facts}.").format(facts=", ".join(to_state))
    else:
        require = [t for t in tests if t.part == "require"]
        text = tr.gettext("Not met: {tests}").format(
            tests=_listed(require, False, tr.gettext("the requirement is not met."), tr)
        )
        if outcome is Outcome.ACCEPTED:
            text += " " + tr.gettext("The failure is covered by an accepted risk.")
    if risk_expired_on is not None:
        text += " " + tr.gettext("An accepted risk for this rule expired on {date}.").format(
            date=date_text(risk_expired_on)
        )
    return text


_WOULD_BE: dict[Outcome, Callable[[Translator], str]] = {
    Outcome.PASS: lambda tr: tr.gettext("If it applied today, it would be met."),
    Outcome.FAIL: lambda tr: tr.gettext("If it applied today, it would not be met."),
    Outcome.NEEDS_REVIEW: lambda tr: tr.gettext("If it applied today, a person would have to judge it."),
    Outcome.UNKNOWN: lambda tr: tr.gettext(
        "If it applied today, it could not be decided: facts needed to decide are missing."
    ),
}


class ReviewLike(Protocol):
    """A review decision as a result records it (`ReviewInfo`)."""

    @property
    def outcome(self) -> Outcome: ...
    @property
    def decided_by(self) -> str: ...
    @property
    def organisation(self) -> str: ...
    @property
    def decided_on(self) -> date: ...
    @property
    def counts(self) -> bool: ...
    @property
    def lapsed(self) -> bool: ...
    @property
    def by_supplier(self) -> bool: ...


def _review_note(review: ReviewLike, tr: Translator, date_text: Callable[[date], str]) -> str:
    words = {
        "who": f"{review.decided_by} ({review.organisation})",
        "date": date_text(review.decided_on),
    }
    decided = tr.gettext("met") if review.outcome is Outcome.PASS else tr.gettext("not met")
    if review.counts:
        return tr.gettext("On review, {who} decided on {date}: {decision}.").format(decision=decided, **words)
    if review.by_supplier:
        return tr.gettext(
            "The assessed supplier's own decision ({decision}, {who}, {date}) is shown but is no review."
        ).format(decision=decided, **words)
    return tr.gettext(
        "The review decision of {date} by {who} lapsed: the facts it judged have changed since."
    ).format(**words)


def _listed(tests: Sequence[Test], outcome: bool, fallback: str, tr: Translator) -> str:
    decisive = [t for t in tests if counts_for(t, outcome)]
    if not decisive:
        return fallback
    return "; ".join(describe(t, tr) for t in decisive) + "."
