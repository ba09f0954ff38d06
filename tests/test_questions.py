"""The questions an assessment asks: the bank is checked against the solution format, covers
every fact that can decide a verdict, and the questions come in one documented order."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import REPO, minimal_solution, solution_model

from compliance.core.engine import assess
from compliance.core.errors import RulePackError
from compliance.core.facts import facts_to_state, registry
from compliance.core.models.rules import Obligation, Severity
from compliance.core.questions import bank, fill, parse_bank
from compliance.inputs.loader import load_packs, load_solution

AS_OF = date(2026, 12, 1)


def test_every_fact_a_critical_legal_rule_or_the_dpia_screening_can_ask_for_has_a_question() -> None:
    from compliance.core.dpia import DK_ITEMS, PER_SE, WP248

    asked: set[str] = set()
    for pack in load_packs():
        if pack.meta.obligation is not Obligation.LAW:
            continue
        for rule in pack.rules:
            if rule.rule.severity is Severity.CRITICAL:
                for condition in (rule.applies, rule.require):
                    for fact in condition.facts if condition else ():
                        asked |= {s for s in facts_to_state(fact, None) if s in registry()}
    for definition in [*WP248, *PER_SE, *(d for d, _ in DK_ITEMS)]:
        asked |= {f"flow.{f}" for f in ("data_categories", *definition.facts)}
    always_stated = {"flow.source", "flow.destination", "system.kind"}  # every valid file states them
    missing = sorted(asked - always_stated - set(bank()))
    assert not missing, f"no question in rules/questions/questions.yaml for: {missing}"


def test_the_bank_refuses_a_question_for_an_unknown_fact_and_choices_that_miss_a_value() -> None:
    text = """\
version: 1
questions:
  - fact: flow.lawfull_basis
    ask: On which ground?
  - fact: flow.profiling
    ask: Does it profile?
    choices: {true: "Yes, it does"}
  - fact: flow.data_categories
    ask: Which data?
    choices: {user: People}
"""
    with pytest.raises(RulePackError) as caught:
        parse_bank(text, "questions.yaml")
    messages = [str(p) for p in caught.value.problems]
    assert any("questions.yaml:3" in m and "no fact 'flow.lawfull_basis'" in m for m in messages)
    assert any("questions[1].choices" in m and "missing false" in m for m in messages)
    assert any("questions[2].choices" in m and "no closed set" in m for m in messages)


def test_a_starter_file_asks_first_whether_the_critical_rules_apply_and_then_by_weight() -> None:
    a = assess(load_solution(REPO / "compliance" / "starter_solution.yaml").solution, load_packs(), AS_OF)
    assert a.verdict.value == "incomplete" and a.blocking
    assert a.questions
    assert all(q.in_bank for q in a.questions)
    flags = [q.applicability for q in a.questions]
    assert flags == sorted(flags, reverse=True)  # applicability questions first
    first = [q for q in a.questions if q.applicability]
    rest = [q for q in a.questions if not q.applicability]
    for group in (first, rest):
        assert [q.weight for q in group] == sorted((q.weight for q in group), reverse=True)
    assert a.questions[0].fact == "flow.data_categories"  # whether the flow carries personal data at all


def test_a_fully_stated_example_asks_nothing() -> None:
    a = assess(
        load_solution(REPO / "examples" / "building-energy-dk" / "solution.yaml").solution,
        load_packs(),
        AS_OF,
    )
    assert a.questions == []


def test_an_undecided_dpia_criterion_is_asked_for_with_the_flows_it_is_undecided_on() -> None:
    data = minimal_solution()
    data["flows"][0]["data_subjects"] = ["citizens"]
    a = assess(solution_model(data), load_packs(), AS_OF)
    assert a.dpia.required is None
    profiling = next(q for q in a.questions if q.fact == "flow.profiling")
    assert any(d.startswith("DPIA screening C1 (readings)") for d in profiling.decides)
    assert profiling.target is not None and profiling.target.id == "readings"
    assert profiling.ask == fill(bank()["flow.profiling"].ask, profiling.target)
    assert profiling.target.name in profiling.ask and "{flow}" not in profiling.ask
