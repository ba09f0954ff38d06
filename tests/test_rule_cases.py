"""Every case of every built-in rule runs as its own test, and every rule has a case per outcome.

A rule is data: its cases are the only evidence that its condition says what its title claims.
The suite collects them from the packs, so a new rule is tested the moment it is added, and a
rule without a case for an outcome it can produce fails here (as `compliance rules test` does).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from compliance.core.engine import evaluate_rule
from compliance.core.models.rules import Outcome, RuleCase
from compliance.core.packs import CompiledRule, LoadedPack
from compliance.core.ruletest import case_context, run_all, run_case
from compliance.inputs.loader import load_packs

PACKS: list[LoadedPack] = load_packs()
RULES: list[tuple[LoadedPack, CompiledRule]] = [(pack, rule) for pack in PACKS for rule in pack.rules]
CASES: list[tuple[CompiledRule, RuleCase, date]] = [
    (rule, case, pack.meta.law_as_of) for pack, rule in RULES for case in rule.rule.cases
]


def _where(rule: CompiledRule) -> str:
    return f"{rule.file}:{rule.line}" if rule.line else rule.file


def test_the_built_in_packs_hold_at_least_one_rule() -> None:
    # Without this an empty or unfound rules folder would make every test below vanish silently.
    assert RULES, "no built-in rules were found"
    assert CASES, "no built-in rule has cases"


@pytest.mark.parametrize(
    ("rule", "case", "law_as_of"),
    [pytest.param(rule, case, as_of, id=f"{rule.id}::{case.name}") for rule, case, as_of in CASES],
)
def test_rule_case_produces_its_expected_outcome(rule: CompiledRule, case: RuleCase, law_as_of: date) -> None:
    actual = run_case(rule, case, law_as_of)
    if actual is not case.expect:
        as_of = case.as_of or law_as_of
        result = evaluate_rule(rule, case_context(rule, case, as_of), as_of, accepted=case.accepted_risk)
        trace = [
            leaf.describe() + f" -> {leaf.result}" for leaf in result.applies_trace + result.require_trace
        ]
        pytest.fail(
            f"{_where(rule)}: {rule.id}: case '{case.name}' expected {case.expect.value}, got "
            f"{actual.value} on {as_of}\n  " + "\n  ".join(trace or ["(no fact was read)"])
        )


@pytest.mark.parametrize(("pack", "rule"), [pytest.param(p, r, id=r.id) for p, r in RULES])
def test_rule_has_a_case_for_every_outcome_it_can_produce(pack: LoadedPack, rule: CompiledRule) -> None:
    covered = {case.expect for case in rule.rule.cases}
    missing = [o.value for o in Outcome if o in rule.possible_outcomes() and o not in covered]
    assert not missing, f"{_where(rule)}: {rule.id} has no case for: {', '.join(missing)}"


@pytest.mark.parametrize(("pack", "rule"), [pytest.param(p, r, id=r.id) for p, r in RULES])
def test_rule_case_names_are_unique_within_the_rule(pack: LoadedPack, rule: CompiledRule) -> None:
    # The names are the test ids above; a repeated name would hide which case broke.
    repeated = [name for name, n in Counter(c.name for c in rule.rule.cases).items() if n > 1]
    assert not repeated, f"{_where(rule)}: {rule.id} repeats case names: {repeated}"


def test_compliance_rules_test_agrees_with_the_suite() -> None:
    # `compliance rules test` and `rules lint` use run_all; they must see what this suite sees.
    results, gaps = run_all(PACKS)
    assert len(results) == len(CASES)
    assert [f"{r.rule}::{r.case}" for r in results if not r.ok] == []
    assert [gap.rule for gap in gaps] == []
