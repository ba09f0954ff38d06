"""DPIA screening: WP248 criteria, Art. 35(3) cases, the Danish and Swedish lists, and DPIA status;
and the upgrade of version-1 solution files whose DPIA facts version 2 reads more weakly."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml
from helpers import (
    MINIMAL_SOLUTION_YAML,
    load_pack,
    minimal_solution,
    only_finding,
    rule_dict,
    solution_model,
)

from compliance.core.dpia import dpia_status, screen
from compliance.core.engine import assess
from compliance.core.facts import derive_flow, large_scale, registry, solution_facts
from compliance.core.models.assessment import DpiaScreening
from compliance.core.models.solution import CURRENT_SCHEMA_VERSION

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
    "scale": {"subjects": 300, "population_share": 0.01, "extent": "site", "duration": "continuous"},
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
    """Patients' health data (C4) of vulnerable subjects (C7), small scale: nothing else is met."""
    return {"data_categories": ["user.name", "user.health.condition"], "data_subjects": ["patients"]}


def individual_physician(**controller: Any) -> dict[str, Any]:
    """The controller of GDPR Recital 91: an individual physician, not a public authority."""
    return {
        "controller": {
            "party": "city",
            "public_authority": False,
            "individual_professional": True,
            **controller,
        }
    }


def test_two_criteria_require_a_dpia_without_large_scale() -> None:
    # WP248's own example: an employer systematically monitoring its employees (C3 + C7).
    result = screening(solution_with({"systematic_monitoring": True, "data_subjects": ["employees"]}))

    assert [c.id for c in result.criteria if c.met] == ["C3", "C7"]
    assert met(result.criteria)["C5"] is False
    assert result.required is True
    assert "two or more WP248 criteria are met: WP248 says a DPIA is then required in most cases" in texts(
        result.reasons
    )


def test_an_individual_physician_with_only_c4_and_c7_needs_no_dpia_by_recital_91() -> None:
    result = screening(solution_with(doctor(), **individual_physician()))

    assert [c.id for c in result.criteria if c.met] == ["C4", "C7"]
    assert result.required is False
    assert any("Recital 91" in r and "not large scale" in r for r in texts(result.reasons))
    assert not any("no third criterion" in r for r in texts(result.reasons))


def test_a_municipality_with_health_data_of_patients_needs_a_dpia() -> None:
    municipality = {"controller": {"party": "city", "public_authority": True}}

    result = screening(solution_with(doctor(), **municipality))

    assert result.required is True
    assert not any("Recital 91" in r for r in texts(result.reasons))


def test_recital_91_is_never_stretched_to_a_public_authority() -> None:
    result = screening(solution_with(doctor(), **individual_physician(public_authority=True)))

    assert result.required is True


def test_recital_91_covers_no_criterion_besides_c4_and_c7() -> None:
    third = screening(solution_with({**doctor(), "combines_datasets": True}, **individual_physician()))
    other_pair = screening(
        solution_with(
            {**doctor(), "data_subjects": ["customers"], "profiling": True}, **individual_physician()
        )
    )

    assert third.required is True
    assert [c.id for c in other_pair.criteria if c.met] == ["C1", "C4"]
    assert other_pair.required is True


def test_c4_and_c7_without_saying_who_the_controller_is_leave_the_answer_open() -> None:
    result = screening(solution_with(doctor()))

    assert result.required is None
    assert any("say whether the controller is one" in r for r in texts(result.reasons))


def test_recital_91_needs_the_other_criteria_known_to_be_unmet() -> None:
    result = screening(solution_with({**doctor(), "combines_datasets": None}, **individual_physician()))

    assert met(result.criteria)["C6"] is None
    assert result.required is None


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
        solution_with(
            {**doctor(), "data_subjects": ["customers"], "scale": {"subjects": 2000, "population_share": 0.2}}
        )
    )

    assert met(result.per_se)["Art. 35(3)(b)"] is True
    assert result.required is True


# ---------------------------------------------------------------------------------------------
# Large scale (C5): the number of people or their share decides; extent and duration never alone


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        ({"subjects": 5000}, True),
        ({"subjects": 4999, "population_share": 0.1}, True),
        ({"population_share": 0.1}, None),
        ({"subjects": 4999, "population_share": 0.099}, False),
        ({"subjects": 24, "population_share": 0.001, "extent": "national"}, False),
        ({"subjects": 4999}, None),
        ({"subjects": 300, "extent": "site", "duration": "one_off"}, False),
        ({"population_share": 0.05}, None),
        ({"extent": "national"}, None),
        ({"extent": "cross_border", "duration": "continuous"}, None),
        ({"subjects": 300, "extent": "national"}, False),
        ({}, None),
        (None, None),
    ],
    ids=[
        "5000-people",
        "a-tenth-of-the-population",
        "a-share-without-a-count",
        "both-below",
        "both-below-whatever-the-extent",
        "a-small-count-alone",
        "a-small-count-at-one-site",
        "a-small-share-alone",
        "national-extent-alone",
        "extent-and-duration-alone",
        "a-small-count-nationally",
        "empty-scale",
        "no-scale",
    ],
)
def test_large_scale_weighs_the_number_or_the_share_never_geography_alone(
    scale: dict[str, Any] | None, expected: bool | None
) -> None:
    assert large_scale(scale) is expected


def test_the_scale_of_each_flow_is_shown_in_the_reasons_of_c5() -> None:
    result = screening(
        solution_with({"scale": {"subjects": 3000, "extent": "national", "duration": "continuous"}})
    )

    (c5,) = [c for c in result.criteria if c.id == "C5"]
    assert c5.met is None
    assert c5.to_state == ["flow.scale.population_share"]
    assert (
        "flow records: people: 3000; share of the relevant population: not given; area: the whole country; "
        "duration: continuously"
    ) in texts(c5.reasons)
    assert any("the area and the duration alone never decide it" in r for r in texts(c5.reasons))


# ---------------------------------------------------------------------------------------------
# C4 financial data and C8 innovative technology, from the vocabularies


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("user.financial.payment", True),
        ("user.financial.bank_account", True),
        ("user.financial.income", True),
        ("user.financial", False),
    ],
)
def test_financial_data_counts_for_c4_only_where_its_category_says_so(category: str, expected: bool) -> None:
    assert derive_flow({"data_categories": [category]})["highly_personal"] is expected


@pytest.mark.parametrize(
    ("technologies", "categories", "expected"),
    [
        (["face_recognition"], ["user.name"], True),
        (["ai_model"], None, True),
        (["iot_sensor"], ["user.behaviour.presence"], True),
        (["radar_sensor"], ["user.behaviour.activity"], True),
        (["iot_sensor"], ["non_personal.environment"], False),
        (["smart_meter"], ["user.consumption.interval"], False),
        (["camera"], ["user.media.video"], False),
        (["bluetooth_beacon"], ["user.identifier.bluetooth"], False),
        (["mobile_app"], ["user.behaviour.presence"], False),
        (["iot_sensor"], None, None),
        (None, ["user.behaviour.presence"], None),
        (None, ["user.name"], None),
        (["web_portal"], None, False),
    ],
)
def test_sensors_are_innovative_only_where_they_observe_people_at_home(
    technologies: list[str] | None, categories: list[str] | None, expected: bool | None
) -> None:
    flow = {
        k: v for k, v in (("technologies", technologies), ("data_categories", categories)) if v is not None
    }

    assert derive_flow(flow)["innovative_technology"] is expected


def test_home_sensors_meet_c8_and_the_danish_innovative_technology_item() -> None:
    flow = {
        "data_categories": ["user.behaviour.presence"],
        "data_subjects": ["elderly"],
        "technologies": ["iot_sensor"],
    }

    result = screening(solution_with(flow, jurisdiction="DK"))

    assert [c.id for c in result.criteria if c.met] == ["C4", "C7", "C8"]
    assert met(result.national)["DK-4"] is True
    assert result.required is True


# ---------------------------------------------------------------------------------------------
# National lists


def location_with_employees() -> dict[str, Any]:
    """Location traces (C4) of employees (C7), small scale: two criteria."""
    return {"data_categories": ["user.location.trace"], "data_subjects": ["employees"]}


def test_danish_list_requires_a_dpia_for_location_data_with_another_criterion() -> None:
    danish = screening(solution_with(location_with_employees(), jurisdiction="DK"))
    elsewhere = screening(
        solution_with(
            location_with_employees(),
            jurisdiction="other-eea",
            controller={"party": "city", "public_authority": True},
        )
    )

    assert met(danish.national)["DK-3"] is True
    assert danish.required is True
    assert any(r.startswith("national list DK-3") for r in texts(danish.reasons))
    assert elsewhere.national == []
    assert elsewhere.required is True  # two WP248 criteria


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


@pytest.mark.parametrize(
    ("dpia", "exists", "current", "reasons"),
    [
        (
            {"status": "done", "completed_on": 2025, "covers_current_processing": True},
            True,
            True,
            [
                "the DPIA was completed in 2025; the day is not given",
                "completed or reviewed within three years; covers the current processing",
            ],
        ),
        (
            {"status": "done", "completed_on": 2023, "covers_current_processing": True},
            True,
            None,
            [
                "the DPIA was completed in 2023; the day is not given",
                "whether it is within three years (Art. 35(11)) depends on the day of that year; give the "
                "date or a review date",
            ],
        ),
        (
            {"status": "done", "completed_on": 2022, "covers_current_processing": True},
            True,
            None,
            [
                "the DPIA was completed in 2022; the day is not given",
                "even the last day of that year is more than three years ago (Art. 35(11)); no review date "
                "is given",
            ],
        ),
        (
            {
                "status": "done",
                "completed_on": 2022,
                "last_reviewed_on": "2023-06-01",
                "covers_current_processing": True,
            },
            True,
            False,
            [
                "the DPIA was completed in 2022; the day is not given",
                "last completed or reviewed on 2023-06-01, more than three years ago (Art. 35(11))",
            ],
        ),
        (
            {
                "status": "done",
                "completed_on": 2022,
                "last_reviewed_on": "2025-06-01",
                "covers_current_processing": True,
            },
            True,
            True,
            [
                "the DPIA was completed in 2022; the day is not given",
                "completed or reviewed within three years; covers the current processing",
            ],
        ),
        (
            {"status": "done", "completed_on": 2026, "covers_current_processing": True},
            None,
            None,
            [
                "the DPIA was completed in 2026; the day is not given",
                "it cannot be told whether the DPIA was completed by the assessment date",
            ],
        ),
        (
            {"status": "done", "completed_on": 2027, "covers_current_processing": True},
            False,
            False,
            [
                "the DPIA was completed in 2027; the day is not given",
                "the year of completion is after the assessment date",
            ],
        ),
        (
            {"status": "done", "completed_on": "unknown", "covers_current_processing": True},
            None,
            None,
            [
                "the DPIA's completion date is given as unknown",
                "no review date is given either, so it cannot be told whether the DPIA was completed or "
                "reviewed within three years (Art. 35(11))",
            ],
        ),
        (
            {
                "status": "done",
                "completed_on": "unknown",
                "last_reviewed_on": "2025-06-01",
                "covers_current_processing": True,
            },
            True,
            True,
            [
                "the DPIA's completion date is given as unknown",
                "completed or reviewed within three years; covers the current processing",
            ],
        ),
        (
            {
                "status": "done",
                "completed_on": "unknown",
                "last_reviewed_on": "2022-06-01",
                "covers_current_processing": True,
            },
            True,
            False,
            [
                "the DPIA's completion date is given as unknown",
                "last completed or reviewed on 2022-06-01, more than three years ago (Art. 35(11))",
            ],
        ),
        (
            {"status": "done", "completed_on": "unknown", "covers_current_processing": False},
            None,
            False,
            [
                "the DPIA's completion date is given as unknown",
                "the DPIA does not cover the current processing",
            ],
        ),
        (
            {"status": "done", "completed_on": "2020-01-01", "covers_current_processing": False},
            True,
            False,
            ["completed on 2020-01-01; does not cover the current processing"],
        ),
        (
            {
                "status": "done",
                "completed_on": "2021-01-01",
                "last_reviewed_on": "2022-01-01",
                "covers_current_processing": False,
            },
            True,
            False,
            ["completed on 2021-01-01; does not cover the current processing"],
        ),
    ],
    ids=[
        "a-year-within-three-years",
        "a-year-that-may-be-within-three-years",
        "a-year-more-than-three-years-ago",
        "a-year-long-ago-with-an-old-review",
        "a-year-long-ago-with-a-recent-review",
        "the-year-of-the-assessment-date",
        "a-year-after-the-assessment-date",
        "unknown-without-a-review",
        "unknown-with-a-recent-review",
        "unknown-with-an-old-review",
        "unknown-not-covering-the-processing",
        "old-and-not-covering-the-processing",
        "reviewed-long-ago-and-not-covering-the-processing",
    ],
)
def test_a_dpia_completed_in_a_year_or_on_an_unknown_day_is_current_only_if_every_day_allows_it(
    dpia: dict[str, Any], exists: bool | None, current: bool | None, reasons: list[str]
) -> None:
    data = minimal_solution()
    data["dpia"] = dpia

    status = screening(data).status

    assert (status.exists, status.current) == (exists, current)
    assert texts(status.reasons) == reasons
    assert status.completed_on is None or isinstance(dpia["completed_on"], str)


def test_a_dpia_done_may_give_its_year_or_unknown_but_not_nothing() -> None:
    for stated in (2023, "2023", "unknown", "2023-05-02"):
        solution = solution_model({**minimal_solution(), "dpia": {"status": "done", "completed_on": stated}})
        assert solution.dpia is not None
        assert solution.dpia.completed_on == str(stated)
    for wrong in (1800, "2023-02-30", "May 2023", "20230502", True):
        with pytest.raises(ValueError, match="completed_on"):
            solution_model({**minimal_solution(), "dpia": {"status": "done", "completed_on": wrong}})
    with pytest.raises(ValueError, match="needs 'completed_on'"):
        solution_model({**minimal_solution(), "dpia": {"status": "done"}})


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
    data = {
        "schema_version": CURRENT_SCHEMA_VERSION,
        **solution_with(location_with_employees(), jurisdiction="DK", dpia={"status": "in_progress"}),
    }

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


# ---------------------------------------------------------------------------------------------
# Version-1 files whose DPIA facts version 2 reads more weakly are refused, and upgraded marked


def version_1(flow_lines: str = "", categories: str = "user.location.trace") -> str:
    """A version-1 file (no `schema_version`) with the given lines added to its flow."""
    lines = [
        line for line in MINIMAL_SOLUTION_YAML.splitlines(keepends=True) if not line.startswith("schema_")
    ]
    text = "".join(lines).replace("[user.location.trace]", f"[{categories}]")
    text = text.replace("    retention: P1Y\n", "    retention: P1Y\n" + flow_lines)
    assert flow_lines in text
    return text + "standards: []\n"


def line_of(text: str, start: str) -> int:
    """The number of the first line of `text` that starts with `start`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


@pytest.mark.parametrize(
    ("scale", "shown"),
    [
        ("{extent: national}", "national extent, no number of people"),
        ("{subjects: 300, extent: regional, duration: continuous}", "regional extent, 300 people"),
    ],
    ids=["an-extent-without-a-count", "a-small-count-across-a-region"],
)
def test_an_old_file_whose_extent_was_read_as_large_scale_is_refused_with_the_field_named(
    scale: str, shown: str, write_solution, cli
) -> None:
    text = version_1(f"    scale: {scale}\n")
    path = write_solution(text)

    run = cli("assess", path, "--as-of", "2026-12-01")

    assert run.code == 2
    assert f"{path}:{line_of(text, '    scale:')}:" in run.err
    assert (
        f"flows[0].scale.extent: version 1 of the solution format read this scale ({shown}) as large scale "
        "(WP248 criterion 5); version 2 decides it by the number of people (at least 5,000; between 1,000 "
        "and 5,000 where they are at least a tenth of the relevant population, `population_share`), never "
        f"by the extent alone: state the number, and the share where it is between; run: compliance upgrade {path}"
    ) in run.err


def test_an_old_file_with_generic_financial_data_is_refused_with_the_category_named(
    write_solution, cli
) -> None:
    text = version_1(categories="user.name, user.financial")
    path = write_solution(text)

    run = cli("assess", path, "--as-of", "2026-12-01")

    assert run.code == 2
    assert (
        f"{path}:{line_of(text, '    data_categories:')}:34: flows[0].data_categories[1]: version 1 of the "
        "solution format counted "
        "`user.financial` as highly personal data (WP248 criterion 4)"
    ) in run.err


@pytest.mark.parametrize(
    "lines",
    [
        "    scale: {subjects: 6000, extent: national}\n",
        "    scale: {subjects: 300, extent: site}\n",
        "    scale: {subjects: 2000, extent: national, population_share: 0.3}\n",
    ],
    ids=["large-by-its-count", "small-and-local", "large-by-its-share"],
)
def test_an_old_file_that_version_2_reads_at_least_as_strictly_loads(lines: str, write_solution, cli) -> None:
    path = write_solution(version_1(lines, categories="user.financial.payment, user.financial"))

    run = cli("assess", path, "--as-of", "2026-12-01")

    assert "version 1 of the solution format" not in run.err
    assert run.code in (0, 1), run.err


def test_upgrading_leaves_the_old_dpia_facts_marked_for_a_decision(write_solution, cli) -> None:
    text = version_1("    scale: {subjects: 300, extent: national}\n", "user.financial")
    path = write_solution(text)

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    written = path.read_text(encoding="utf-8")
    assert yaml.safe_load(written)["schema_version"] == CURRENT_SCHEMA_VERSION
    scale_line = next(line for line in written.splitlines() if line.startswith("    scale:"))
    assert scale_line.startswith(
        "    scale: {subjects: 300, extent: national}  # compliance upgrade: flows[0].scale.extent: version 1 "
        "of the solution format read this scale (national extent, 300 people) as large scale"
    )
    categories_line = next(line for line in written.splitlines() if "data_categories" in line)
    assert "# compliance upgrade: flows[0].data_categories[0]: version 1 of the solution format counted" in (
        categories_line
    )
    assert f"{path}:{line_of(text, '    scale:')}:" in run.err
    assert "flows[0].scale.extent: decide: version 1 of the solution format read this scale" in run.err
    assert "flows[0].data_categories[0]: decide: version 1 of the solution format counted" in run.err
    assert "2 values wait for a person's decision" in run.err
    refused = cli("assess", path, "--as-of", "2026-12-01")
    assert refused.code == 2
    assert "`compliance upgrade` left this value for a person to decide: flows[0].scale.extent" in refused.err


def texts(reasons) -> list[str]:
    """The reasons as the English sentences they say."""
    return [r.text for r in reasons]
