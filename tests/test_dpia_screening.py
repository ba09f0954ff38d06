"""DPIA screening: WP248 criteria, Art. 35(3) cases, the Danish and Swedish lists, and DPIA status."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from helpers import load_pack, minimal_solution, only_finding, rule_dict, solution_model

from compliance.core.dpia import dpia_status, screen
from compliance.core.engine import assess
from compliance.core.facts import registry, solution_facts
from compliance.core.models.assessment import DpiaScreening

AS_OF = date(2026, 12, 1)

# Every WP248 fact of a flow given, and none of them met: tests switch criteria on one by one.
SETTLED_FLOW: dict[str, Any] = {
    "id": "records",
    "name": "Patient records",
    "source": "clinic",
    "destination": "journal",
    "data_categories": ["user.name"],
    "data_subjects": ["customers"],
    "purposes": ["care_delivery"],
    "profiling": False,
    "automated_decision": {"solely_automated": False, "legal_or_similar_effect": False},
    "public_area_monitoring": False,
    "systematic_monitoring": False,
    "combines_datasets": False,
    "prevents_right_or_service": False,
    "technologies": ["web_portal"],
    "scale": {"subjects": 300, "extent": "site", "duration": "continuous"},
}


def solution_with(
    flow_changes: dict[str, Any], jurisdiction: str = "other-eea", **changes: Any
) -> dict[str, Any]:
    data = minimal_solution()
    data["jurisdiction"] = jurisdiction
    data["systems"] = [
        {"id": "clinic", "name": "Clinic PCs", "kind": "device", "operator": "city"},
        {"id": "journal", "name": "Journal system", "kind": "database", "operator": "city"},
    ]
    flow = {**SETTLED_FLOW, **flow_changes}
    data["flows"] = [{k: v for k, v in flow.items() if v is not None}]
    data.update(changes)
    return data


def screening(data: dict[str, Any], as_of: date = AS_OF) -> DpiaScreening:
    solution = solution_model(data)
    return screen(solution_facts(solution), solution.jurisdiction.value, as_of)


def met(items: list[Any]) -> dict[str, bool | None]:
    return {c.id: c.met for c in items}


def test_settled_flow_meets_no_criterion_and_needs_no_dpia() -> None:
    result = screening(solution_with({}))

    assert set(met(result.criteria).values()) == {False}
    assert result.required is False


# ---------------------------------------------------------------------------------------------
# WP248 and Art. 35(3)


def doctor() -> dict[str, Any]:
    """An individual doctor's patients: health data (C4) of vulnerable subjects (C7), small scale."""
    return {"data_categories": ["user.name", "user.health.condition"], "data_subjects": ["patients"]}


def test_individual_doctor_is_not_required_to_carry_out_a_dpia() -> None:
    result = screening(solution_with(doctor()))

    assert [c.id for c in result.criteria if c.met] == ["C4", "C7"]
    assert met(result.criteria)["C5"] is False
    assert result.required is False
    assert any("Recital 91" in r for r in texts(result.reasons))


def test_doctor_with_a_third_criterion_needs_a_dpia() -> None:
    result = screening(solution_with({**doctor(), "combines_datasets": True}))

    assert result.required is True


def test_two_criteria_at_large_scale_need_a_dpia() -> None:
    result = screening(solution_with({**doctor(), "scale": {"subjects": 20000}}))

    assert met(result.criteria)["C5"] is True
    assert result.required is True


def test_public_area_monitoring_at_large_scale_needs_a_dpia_per_se() -> None:
    flow = {
        "data_categories": ["user.media.video"],
        "data_subjects": ["pedestrians"],
        "public_area_monitoring": True,
        "scale": {"subjects": 40000, "extent": "municipal", "duration": "continuous"},
    }

    result = screening(solution_with(flow))

    assert [c.id for c in result.criteria if c.met] == ["C3", "C5"]
    assert met(result.per_se) == {"Art. 35(3)(a)": False, "Art. 35(3)(b)": False, "Art. 35(3)(c)": True}
    assert result.required is True
    assert any(r.startswith("Art. 35(3)(c)") for r in texts(result.reasons))


def test_public_area_monitoring_per_se_case_holds_even_with_other_facts_missing() -> None:
    flow = {
        "data_categories": ["user.media.video"],
        "public_area_monitoring": True,
        "scale": {"subjects": 100000},
        "profiling": None,
        "automated_decision": None,
        "combines_datasets": None,
    }

    result = screening(solution_with(flow))

    assert met(result.per_se)["Art. 35(3)(c)"] is True
    assert result.required is True


def test_large_scale_special_categories_need_a_dpia_per_se() -> None:
    result = screening(
        solution_with({**doctor(), "data_subjects": ["customers"], "scale": {"extent": "national"}})
    )

    assert met(result.per_se)["Art. 35(3)(b)"] is True
    assert result.required is True


# ---------------------------------------------------------------------------------------------
# National lists


def location_with_employees() -> dict[str, Any]:
    """Location traces (C4) of employees (C7), small scale: two criteria, no WP248 requirement."""
    return {"data_categories": ["user.location.trace"], "data_subjects": ["employees"]}


def test_danish_list_requires_a_dpia_for_location_data_with_another_criterion() -> None:
    danish = screening(solution_with(location_with_employees(), jurisdiction="DK"))
    elsewhere = screening(solution_with(location_with_employees(), jurisdiction="other-eea"))

    assert met(danish.national)["DK-3"] is True
    assert danish.required is True
    assert any(r.startswith("national list DK-3") for r in texts(danish.reasons))
    assert elsewhere.national == []
    assert elsewhere.required is False


def test_danish_location_item_needs_a_criterion_besides_location_itself() -> None:
    alone = screening(solution_with({"data_categories": ["user.location.trace"]}, jurisdiction="DK"))

    assert met(alone.national)["DK-3"] is False
    assert alone.required is False


def test_danish_access_decision_item_covers_profiling_as_well_as_solely_automated_decisions() -> None:
    profiled = screening(
        solution_with({"profiling": True, "prevents_right_or_service": True}, jurisdiction="DK")
    )
    automated = screening(
        solution_with(
            {
                "automated_decision": {"solely_automated": True, "legal_or_similar_effect": False},
                "prevents_right_or_service": True,
            },
            jurisdiction="DK",
        )
    )
    no_access_decision = screening(solution_with({"profiling": True}, jurisdiction="DK"))

    assert met(profiled.national)["DK-5"] is True
    assert met(automated.national)["DK-5"] is True
    assert met(no_access_decision.national)["DK-5"] is False
    assert profiled.required is True


def test_national_list_items_name_the_item_number_they_come_from() -> None:
    danish = screening(solution_with(location_with_employees(), jurisdiction="DK"))
    swedish = screening(solution_with(doctor(), jurisdiction="SE"))

    assert [c.title.split(":")[0] for c in danish.national] == [
        f"Datatilsynet's Art. 35(4) list, item {n}" for n in range(1, 6)
    ]
    assert any(
        r.startswith("national list DK-3: Datatilsynet's Art. 35(4) list, item 3")
        for r in texts(danish.reasons)
    )
    assert swedish.national[0].title.startswith("IMY's Art. 35(4) list")


def test_swedish_list_requires_a_dpia_for_two_criteria_even_at_small_scale() -> None:
    swedish = screening(solution_with(doctor(), jurisdiction="SE"))

    assert met(swedish.criteria)["C5"] is False
    assert met(swedish.national) == {"SE-1": True}
    assert swedish.required is True


def test_swedish_list_does_not_apply_to_one_criterion() -> None:
    swedish = screening(solution_with({"data_subjects": ["patients"]}, jurisdiction="SE"))

    assert met(swedish.national) == {"SE-1": False}
    assert swedish.required is False


# ---------------------------------------------------------------------------------------------
# Unknown and not applicable


def test_missing_facts_leave_the_answer_unknown() -> None:
    data = minimal_solution()
    data["jurisdiction"] = "other-eea"  # location traces only; nothing else about the flow is known

    result = screening(data)

    assert met(result.criteria)["C4"] is True
    assert met(result.criteria)["C1"] is None
    assert result.required is None
    assert any("missing facts" in r for r in texts(result.reasons))


def test_unknown_criterion_names_the_flows_missing_facts() -> None:
    result = screening(solution_with({"combines_datasets": None}))

    (c6,) = [c for c in result.criteria if c.id == "C6"]
    assert c6.met is None
    assert texts(c6.reasons) == ["cannot tell: facts missing for flow: records"]


def test_no_personal_data_needs_no_dpia() -> None:
    flow = {"data_categories": ["non_personal.environment"], "data_subjects": None, "scale": None}

    result = screening(solution_with(flow, jurisdiction="DK"))

    assert result.required is False
    assert texts(result.reasons) == ["no flow carries personal data, so Art. 35 does not apply"]


def test_solution_without_flows_needs_no_dpia() -> None:
    data = minimal_solution()
    data["flows"] = []

    assert screening(data).required is False


# ---------------------------------------------------------------------------------------------
# DPIA status


@pytest.mark.parametrize(
    ("dpia", "exists", "current", "reason"),
    [
        (
            {"status": "done", "completed_on": "2025-03-01", "covers_current_processing": True},
            True,
            True,
            "completed on 2025-03-01; covers the current processing",
        ),
        (
            {"status": "done", "completed_on": "2022-03-01", "covers_current_processing": True},
            True,
            None,
            "last completed or reviewed on 2022-03-01, more than three years ago (Art. 35(11));"
            " no review date is given",
        ),
        (
            {
                "status": "done",
                "completed_on": "2021-03-01",
                "last_reviewed_on": "2022-03-01",
                "covers_current_processing": True,
            },
            True,
            False,
            "last completed or reviewed on 2022-03-01, more than three years ago (Art. 35(11))",
        ),
        (
            {
                "status": "done",
                "completed_on": "2022-03-01",
                "last_reviewed_on": "2025-09-01",
                "covers_current_processing": True,
            },
            True,
            True,
            "completed on 2022-03-01; covers the current processing",
        ),
        (
            {"status": "done", "completed_on": "2025-03-01", "covers_current_processing": False},
            True,
            False,
            "completed on 2025-03-01; does not cover the current processing",
        ),
        (
            {"status": "done", "completed_on": "2025-03-01"},
            True,
            None,
            "not stated whether the DPIA covers the processing as it is now",
        ),
        (
            {"status": "done", "completed_on": "2027-01-01", "covers_current_processing": True},
            False,
            False,
            "the DPIA's completion date 2027-01-01 is after the assessment date",
        ),
        ({"status": "in_progress"}, False, False, "the DPIA is in progress, not completed"),
        ({"status": "none"}, False, False, "no DPIA has been carried out"),
        ({}, None, None, "the DPIA status is not given"),
        (None, None, None, "the DPIA status is not given"),
    ],
    ids=[
        "done-and-current",
        "done-over-three-years-ago-no-review-date",
        "reviewed-over-three-years-ago",
        "done-long-ago-but-reviewed",
        "done-but-outdated",
        "done-coverage-not-stated",
        "done-in-the-future",
        "in-progress",
        "none",
        "status-not-stated",
        "no-dpia-section",
    ],
)
def test_dpia_status_says_whether_a_current_dpia_exists(
    dpia: dict[str, Any] | None, exists: bool | None, current: bool | None, reason: str
) -> None:
    data = minimal_solution()
    if dpia is not None:
        data["dpia"] = dpia

    status = screening(data).status

    assert (status.exists, status.current) == (exists, current)
    assert texts(status.reasons) == [reason]


def test_dpia_status_of_raw_facts_matches_the_model() -> None:
    status = dpia_status(
        {"status": "done", "completed_on": "2024-01-01", "covers_current_processing": True}, AS_OF
    )

    assert status.completed_on == date(2024, 1, 1)
    assert status.current is True


# ---------------------------------------------------------------------------------------------
# Rules read the screening


def dpia_rule(rule_id: str, fact: str) -> dict[str, Any]:
    rule = rule_dict(rule_id, scope="solution", require={"fact": fact, "present": True}, cases=[])
    del rule["applies_when"]
    return rule


def test_every_dpia_fact_a_rule_may_read_is_given_when_the_screening_is_decided() -> None:
    facts = sorted(p for p in registry() if p.startswith("dpia."))
    rules = [dpia_rule(f"TEST-DPIA-{i}", fact) for i, fact in enumerate(facts)]
    data = solution_with(
        {}, dpia={"status": "done", "completed_on": "2025-03-01", "covers_current_processing": True}
    )

    assessment = assess(solution_model(data), [load_pack(*rules)], AS_OF)

    statuses = {
        fact: only_finding(assessment.model_dump(mode="json"), f"TEST-DPIA-{i}")["status"]
        for i, fact in enumerate(facts)
    }
    assert statuses == dict.fromkeys(facts, "pass")


def test_rule_reads_dpia_required_from_the_screening(write_solution, write_pack, cli) -> None:
    rule = rule_dict(
        "TEST-DPIA-CURRENT",
        scope="solution",
        applies_when={"fact": "dpia.required", "equals": True},
        require={"fact": "dpia.current", "equals": True},
        cases=[],
    )
    data = solution_with(location_with_employees(), jurisdiction="DK", dpia={"status": "in_progress"})

    run = cli(
        "assess",
        write_solution(data),
        "--rules",
        write_pack(rule),
        "--as-of",
        "2026-12-01",
        "--format",
        "json",
    )

    assert run.code == 0, run.err
    result = run.json()
    assert result["dpia"]["required"] is True
    assert only_finding(result, "TEST-DPIA-CURRENT")["status"] == "fail"


def texts(reasons) -> list[str]:
    """The reasons as the English sentences they say."""
    return [r.text for r in reasons]
