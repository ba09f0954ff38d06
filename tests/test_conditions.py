"""The condition language: Kleene three-valued logic, every operator, and the explain trace."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from helpers import compiled, rule_dict

from compliance.core.conditions import Compiler, Condition, Trace
from compliance.core.engine import evaluate_rule
from compliance.core.engine import explain_result as explain
from compliance.core.facts import derive_flow
from compliance.core.models.rules import Outcome
from compliance.core.yamlio import Located

Truth = bool | None
TRUTHS: list[Truth] = [True, None, False]

# Kleene's strong logic as an order: false < unknown < true; AND is the minimum, OR the maximum.
_RANK = {False: 0, None: 1, True: 2}
_BY_RANK = {v: k for k, v in _RANK.items()}


def kleene_and(*values: Truth) -> Truth:
    return _BY_RANK[min(_RANK[v] for v in values)]


def kleene_or(*values: Truth) -> Truth:
    return _BY_RANK[max(_RANK[v] for v in values)]


def kleene_not(value: Truth) -> Truth:
    return None if value is None else not value


def compile_condition(raw: dict[str, Any], scope: str = "flow", part: str = "require") -> Condition:
    """Compile a condition through the real compiler; fail the test on any load problem."""
    compiler = Compiler(Located(raw, "test.yaml", {}), scope)
    condition = compiler.compile_part(raw, (), part=part)
    assert compiler.problems == []
    return condition


def context(flow: dict[str, Any] | None = None, **namespaces: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {"solution": {}, "dpia": {}, "safeguards": {}, "flow": flow or {}}
    ctx.update(namespaces)
    return ctx


# Three boolean facts; each leaf is true, false or unknown depending on what the flow gives.
FACTS = ["profiling", "public_area_monitoring", "combines_datasets"]


def leaf(index: int) -> dict[str, Any]:
    return {"fact": f"flow.{FACTS[index]}", "equals": True}


def flow_giving(*values: Truth) -> dict[str, Any]:
    """A flow whose fact i is values[i]; unknown means the fact is left out."""
    return {FACTS[i]: v for i, v in enumerate(values) if v is not None}


def evaluate(raw: dict[str, Any], flow: dict[str, Any]) -> tuple[Truth, Trace]:
    trace: Trace = []
    return compile_condition(raw)(context(flow), trace), trace


# ---------------------------------------------------------------------------------------------
# Truth tables


@pytest.mark.parametrize(("a", "b"), list(itertools.product(TRUTHS, repeat=2)))
def test_all_follows_the_kleene_and_table(a: Truth, b: Truth) -> None:
    result, _ = evaluate({"all": [leaf(0), leaf(1)]}, flow_giving(a, b))

    assert result is kleene_and(a, b)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(TRUTHS, repeat=2)))
def test_any_follows_the_kleene_or_table(a: Truth, b: Truth) -> None:
    result, _ = evaluate({"any": [leaf(0), leaf(1)]}, flow_giving(a, b))

    assert result is kleene_or(a, b)


@pytest.mark.parametrize("a", TRUTHS)
def test_not_swaps_true_and_false_and_keeps_unknown(a: Truth) -> None:
    result, _ = evaluate({"not": leaf(0)}, flow_giving(a))

    assert result is kleene_not(a)


@pytest.mark.parametrize(("a", "b", "c"), list(itertools.product(TRUTHS, repeat=3)))
def test_nested_conditions_compose_by_kleene_rules(a: Truth, b: Truth, c: Truth) -> None:
    raw = {"any": [{"all": [leaf(0), {"not": leaf(1)}]}, {"not": {"any": [leaf(2), leaf(0)]}}]}

    result, _ = evaluate(raw, flow_giving(a, b, c))

    assert result is kleene_or(kleene_and(a, kleene_not(b)), kleene_not(kleene_or(c, a)))


@pytest.mark.parametrize("values", list(itertools.product(TRUTHS, repeat=3)))
def test_three_way_all_and_any_follow_kleene(values: tuple[Truth, Truth, Truth]) -> None:
    flow = flow_giving(*values)

    assert evaluate({"all": [leaf(0), leaf(1), leaf(2)]}, flow)[0] is kleene_and(*values)
    assert evaluate({"any": [leaf(0), leaf(1), leaf(2)]}, flow)[0] is kleene_or(*values)


def test_single_item_junctions_equal_their_item() -> None:
    for value in TRUTHS:
        flow = flow_giving(value)
        assert evaluate({"all": [leaf(0)]}, flow)[0] is value
        assert evaluate({"any": [leaf(0)]}, flow)[0] is value


# ---------------------------------------------------------------------------------------------
# Operators


@pytest.mark.parametrize(
    ("condition", "flow", "expected"),
    [
        # equals
        ({"fact": "flow.lawful_basis", "equals": "a"}, {"lawful_basis": "a"}, True),
        ({"fact": "flow.lawful_basis", "equals": "a"}, {"lawful_basis": "f"}, False),
        ({"fact": "flow.lawful_basis", "equals": "a"}, {}, None),
        ({"fact": "flow.profiling", "equals": False}, {"profiling": False}, True),
        ({"fact": "flow.profiling", "equals": False}, {"profiling": True}, False),
        # in
        ({"fact": "flow.lawful_basis", "in": ["a", "b"]}, {"lawful_basis": "b"}, True),
        ({"fact": "flow.lawful_basis", "in": ["a", "b"]}, {"lawful_basis": "f"}, False),
        ({"fact": "flow.lawful_basis", "in": ["a", "b"]}, {}, None),
        # numeric comparisons
        ({"fact": "flow.retention_days", "gt": 30}, {"retention_days": 31}, True),
        ({"fact": "flow.retention_days", "gt": 30}, {"retention_days": 30}, False),
        ({"fact": "flow.retention_days", "gte": 30}, {"retention_days": 30}, True),
        ({"fact": "flow.retention_days", "gte": 30}, {"retention_days": 29.5}, False),
        ({"fact": "flow.retention_days", "lt": 30}, {"retention_days": 29}, True),
        ({"fact": "flow.retention_days", "lt": 30}, {"retention_days": 30}, False),
        ({"fact": "flow.retention_days", "lte": 30}, {"retention_days": 30}, True),
        ({"fact": "flow.retention_days", "lte": 30}, {"retention_days": 30.5}, False),
        ({"fact": "flow.retention_days", "lte": 30}, {}, None),
        ({"fact": "flow.scale.subjects", "gte": 5000}, {"scale": {"subjects": 5000}}, True),
        ({"fact": "flow.scale.subjects", "gte": 5000}, {"scale": {}}, None),
        # present: true when given, unknown otherwise, never false
        ({"fact": "flow.retention_justification", "present": True}, {"retention_justification": "x"}, True),
        ({"fact": "flow.retention_justification", "present": True}, {}, None),
        ({"fact": "flow.retention_justification", "present": True}, {"retention_justification": ""}, None),
        ({"fact": "flow.purposes", "present": True}, {"purposes": []}, None),
        ({"fact": "flow.profiling", "present": True}, {"profiling": False}, True),
        # list membership
        ({"fact": "flow.purposes", "contains": "research"}, {"purposes": ["research", "statistics"]}, True),
        ({"fact": "flow.purposes", "contains": "research"}, {"purposes": ["statistics"]}, False),
        ({"fact": "flow.purposes", "contains": "research"}, {}, None),
        (
            {"fact": "flow.purposes", "contains_any": ["research", "marketing"]},
            {"purposes": ["marketing"]},
            True,
        ),
        (
            {"fact": "flow.purposes", "contains_any": ["research", "marketing"]},
            {"purposes": ["security"]},
            False,
        ),
        ({"fact": "flow.purposes", "contains_any": ["research", "marketing"]}, {"purposes": []}, False),
        (
            {"fact": "flow.purposes", "contains_all": ["research", "statistics"]},
            {"purposes": ["statistics", "research", "security"]},
            True,
        ),
        (
            {"fact": "flow.purposes", "contains_all": ["research", "statistics"]},
            {"purposes": ["research"]},
            False,
        ),
        ({"fact": "flow.purposes", "contains_all": ["research", "statistics"]}, {}, None),
        # vocabulary hierarchy
        (
            {"fact": "flow.data_categories", "any_under": ["user.health"]},
            {"data_categories": ["user.health"]},
            True,
        ),
        (
            {"fact": "flow.data_categories", "any_under": ["user.health"]},
            {"data_categories": ["user.name", "user.health.medication"]},
            True,
        ),
        (
            {"fact": "flow.data_categories", "any_under": ["user.health"]},
            {"data_categories": ["user.name", "user.healthy"]},
            False,
        ),
        ({"fact": "flow.data_categories", "any_under": ["user.health"]}, {}, None),
        (
            {"fact": "flow.data_categories", "all_under": ["user.location", "non_personal"]},
            {"data_categories": ["user.location.trace", "non_personal.environment"]},
            True,
        ),
        (
            {"fact": "flow.data_categories", "all_under": ["user.location", "non_personal"]},
            {"data_categories": ["user.location.trace", "user.name"]},
            False,
        ),
        ({"fact": "flow.data_categories", "all_under": ["user.location"]}, {"data_categories": []}, True),
        # empty: the list is given and empty
        ({"fact": "flow.purposes", "empty": True}, {"purposes": []}, True),
        ({"fact": "flow.purposes", "empty": True}, {"purposes": ["research"]}, False),
        ({"fact": "flow.purposes", "empty": True}, {}, None),
    ],
)
def test_operator_gives_true_false_or_unknown(
    condition: dict[str, Any], flow: dict[str, Any], expected: Truth
) -> None:
    result, trace = evaluate(condition, flow)

    assert result is expected
    assert [leaf.result for leaf in trace] == [expected]


@pytest.mark.parametrize(
    ("operand_op", "completed_on", "expected"),
    [
        ("gte", "2024-01-01", True),
        ("gte", "2023-12-31", False),
        ("lt", "2023-12-31", True),
        ("lt", "2024-01-01", False),
        ("gt", None, None),
    ],
)
def test_dates_compare_as_dates(operand_op: str, completed_on: str | None, expected: Truth) -> None:
    condition = compile_condition(
        {"fact": "solution.dpia.last_reviewed_on", operand_op: "2024-01-01"}, "solution"
    )
    dpia = {} if completed_on is None else {"last_reviewed_on": completed_on}

    result = condition(context(solution={"dpia": dpia}), [])

    assert result is expected


@pytest.mark.parametrize(
    ("op", "wanted", "status", "expected"),
    [
        ("at_least", "partial", "implemented", True),
        ("at_least", "partial", "partial", True),
        ("at_least", "partial", "planned", False),
        ("at_least", "partial", "absent", False),
        ("at_least", "partial", None, None),
        ("is", "implemented", "implemented", True),
        ("is", "implemented", "partial", False),
        ("is", "implemented", None, None),
    ],
)
def test_safeguard_tests_order_statuses(op: str, wanted: str, status: str | None, expected: Truth) -> None:
    condition = compile_condition({"safeguard": "mfa", op: wanted})
    safeguards = {} if status is None else {"mfa": status}
    trace: Trace = []

    assert condition(context(safeguards=safeguards), trace) is expected
    assert trace[0].fact == "safeguards.mfa"


def test_fact_path_through_a_missing_parent_is_unknown() -> None:
    result, trace = evaluate({"fact": "flow.scale.subjects", "gte": 1}, {})

    assert result is None
    assert trace[0].value is None


def test_condition_text_reads_as_the_rule() -> None:
    raw = {"all": [leaf(0), {"any": [{"fact": "flow.retention_days", "lte": 365}, {"not": leaf(1)}]}]}

    assert compile_condition(raw).text == (
        "flow.profiling is true and (flow.retention_days ≤ 365 or not (flow.public_area_monitoring is true))"
    )


# ---------------------------------------------------------------------------------------------
# The trace


def test_trace_names_every_missing_fact_even_when_the_result_is_decided() -> None:
    raw = {"all": [leaf(0), leaf(1), leaf(2)]}

    result, trace = evaluate(raw, flow_giving(False, None, None))

    assert result is False
    assert [(t.fact, t.result) for t in trace] == [
        ("flow.profiling", False),
        ("flow.public_area_monitoring", None),
        ("flow.combines_datasets", None),
    ]


def test_trace_records_value_operand_and_result() -> None:
    _, trace = evaluate({"fact": "flow.retention_days", "lte": 365}, {"retention_days": 730})

    (only,) = trace
    assert (only.fact, only.op, only.operand, only.value, only.result) == (
        "flow.retention_days",
        "lte",
        365,
        730,
        False,
    )
    assert only.describe() == "flow.retention_days = 730; test: ≤ 365"


def test_trace_shows_a_missing_value_as_not_given() -> None:
    _, trace = evaluate(leaf(0), {})

    assert trace[0].describe() == "flow.profiling = unknown (not given); test: is true"


def test_unknown_explanation_names_exactly_the_missing_facts() -> None:
    rule = compiled(
        rule_dict(
            "TEST-TWO-FACTS",
            applies_when={"fact": "flow.profiling", "equals": True},
            require={
                "all": [
                    {"fact": "flow.retention_days", "lte": 365},
                    {"fact": "flow.lawful_basis", "equals": "a"},
                ]
            },
            cases=[],
        )
    )
    ctx = context({"retention_days": 30})
    result = evaluate_rule(rule, ctx, date(2026, 1, 1), accepted=False)

    assert result.outcome is Outcome.UNKNOWN
    assert explain(result.outcome, result, rule) == (
        "Unknown: facts needed to decide are missing: flow.lawful_basis, flow.profiling."
    )


def test_fail_explanation_names_the_deciding_fact() -> None:
    rule = compiled(rule_dict("TEST-RETENTION-SET", cases=[]))
    ctx = context(derive_flow({"data_categories": ["user.contact.email"], "retention": "P2Y"}))
    result = evaluate_rule(rule, ctx, date(2026, 1, 1), accepted=False)

    assert result.outcome is Outcome.FAIL
    assert explain(result.outcome, result, rule) == "Not met: flow.retention_days = 730; test: ≤ 365."


@pytest.mark.parametrize("wanted", ["absent", "planned", "partial"])
def test_safeguard_is_a_status_below_implemented_is_refused(wanted: str) -> None:
    compiler = Compiler(Located({}, "test.yaml", {}), "flow")
    compiler.compile_part({"safeguard": "mfa", "is": wanted}, (), part="require")

    assert any("would fail once the safeguard is implemented" in p.message for p in compiler.problems)


def test_a_failure_under_not_is_explained_by_the_test_that_held_and_must_not() -> None:
    rule = compiled(
        rule_dict(
            applies_when=None,
            require={
                "all": [
                    {"fact": "flow.retention_indefinite", "equals": False},
                    {"not": {"fact": "flow.lawful_basis", "equals": "f"}},
                ]
            },
            cases=[],
        )
    )
    ctx = {
        "solution": {},
        "dpia": {},
        "safeguards": {},
        "flow": derive_flow({"retention": "P1Y", "lawful_basis": "f"}),
    }

    result = evaluate_rule(rule, ctx, date(2026, 11, 22), accepted=False)
    text = explain(result.outcome, result, rule)

    assert result.outcome is Outcome.FAIL
    assert "flow.lawful_basis = f; test: is f (must not hold)" in text
    assert "retention_indefinite" not in text
