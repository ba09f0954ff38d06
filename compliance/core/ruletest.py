"""Run every rule's own test cases, and check each rule has a case for every outcome it can produce."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from compliance.core.engine import evaluate_rule, finding_of
from compliance.core.facts import DERIVERS, data_system, derive_solution_own
from compliance.core.models.assessment import Finding, Target
from compliance.core.models.rules import Outcome, RuleCase, Scope
from compliance.core.packs import CompiledRule, LoadedPack


@dataclass(frozen=True)
class CaseResult:
    """One case run: what it expected and what the rule produced."""

    rule: str
    case: str
    expected: Outcome
    actual: Outcome
    location: str

    @property
    def ok(self) -> bool:
        """Whether the rule produced the expected outcome."""
        return self.expected is self.actual


@dataclass(frozen=True)
class CoverageGap:
    """A rule lacking a case for an outcome it can produce."""

    rule: str
    missing: tuple[Outcome, ...]
    location: str


def case_context(rule: CompiledRule, case: RuleCase, as_of: date | None = None) -> dict[str, Any]:
    """The evaluation context a case describes, with derived facts added as in a real run (those
    read against the assessment date, such as an assurance report's age, on `as_of`)."""
    given = case.given
    ctx: dict[str, Any] = {
        "solution": derive_solution_own(dict(given.get("solution", {}))),
        "dpia": dict(given.get("dpia", {})),
        "safeguards": dict(given.get("safeguards", {})),
        "scan": dict(given.get("scan", {})),
    }
    scope = rule.rule.scope.value
    if scope in DERIVERS:
        ctx[scope] = DERIVERS[scope](dict(given.get(scope, {})), as_of)
    # the systems that hold the personal data, for `on: data_systems` safeguard tests
    ctx["data_systems"] = [
        data_system(s, ctx["safeguards"], s.get("certain", True)) for s in given.get("data_systems", [])
    ]
    return ctx


def run_case(rule: CompiledRule, case: RuleCase, default_date: date) -> Outcome:
    """The outcome the rule produces for a case."""
    as_of = case.as_of or default_date
    decided = None if case.review is None else Outcome(case.review)
    return evaluate_rule(
        rule,
        case_context(rule, case, as_of),
        as_of,
        accepted=case.accepted_risk,
        review=lambda _facts: decided,
    ).outcome


# The names a case's result is given for its flow, party or system (`case_finding`).
CASE_TARGETS = {
    Scope.FLOW: Target(Scope.FLOW, "readings", "Meter readings to the billing platform"),
    Scope.PARTY: Target(Scope.PARTY, "supplier", "Nordlys Data ApS"),
    Scope.SYSTEM: Target(Scope.SYSTEM, "gateway", "Sensor gateway in the pumping station"),
}


def case_finding(rule: CompiledRule, case: RuleCase, default_date: date) -> Finding:
    """The result a case produces, as an assessment records it, for a flow, party or system of a
    made-up name: to read what the result says."""
    as_of = case.as_of or default_date
    decided = None if case.review is None else Outcome(case.review)
    ctx = case_context(rule, case, as_of)
    result = evaluate_rule(rule, ctx, as_of, accepted=case.accepted_risk, review=lambda _facts: decided)
    return finding_of(rule, result, CASE_TARGETS.get(rule.rule.scope), as_of, ctx)


def run_all(packs: Iterable[LoadedPack]) -> tuple[list[CaseResult], list[CoverageGap]]:
    """Run every case of every rule; report failures and coverage gaps."""
    results: list[CaseResult] = []
    gaps: list[CoverageGap] = []
    for pack in packs:
        for rule in pack.rules:
            where = f"{rule.file}:{rule.line}" if rule.line else rule.file
            for case in rule.rule.cases:
                actual = run_case(rule, case, pack.meta.law_as_of)
                results.append(CaseResult(rule.id, case.name, case.expect, actual, where))
            covered = {c.expect for c in rule.rule.cases}
            missing = tuple(o for o in Outcome if o in rule.possible_outcomes() and o not in covered)
            if missing:
                gaps.append(CoverageGap(rule.id, missing, where))
    return results, gaps
