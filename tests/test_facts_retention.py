"""Facts on retention and de-identification (issue 16): a retention that ends with an event, video
and licence plates kept beyond 72 hours, identifying data kept for statistics only until the
statistic is made, the de-identification technique (a hash of a listable identifier is no
pseudonymisation), and data categories that each state whether they are WP248 criterion 4. Real
runs of the engine and the CLI, and the step that upgrades a version-3 file."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import yaml
from helpers import MINIMAL_SOLUTION_YAML, minimal_solution, outcome_on, solution_model
from pydantic import ValidationError

from compliance.core import vocabulary
from compliance.core.facts import derive_flow
from compliance.core.models.rules import Outcome
from compliance.inputs import upgrade
from compliance.inputs.loader import load_solution

AS_OF = date(2026, 12, 1)
RETENTION = "GDPR-5-1E-RETENTION"
STATISTICS = "GDPR-89-1-STATISTICS-UNTIL-MADE"
AGGREGATE = "GDPR-5-1C-AGGREGATE-PURPOSES"


def _solution(**flow: Any) -> dict[str, Any]:
    data = minimal_solution()
    data["flows"][0].pop("retention")
    data["flows"][0].update(flow)
    return data


def _outcome(packs: list[Any], rule_id: str, data: dict[str, Any]) -> Outcome:
    return outcome_on(packs, rule_id, data, AS_OF)


# ---------------------------------------------------------------------------------------------
# Retention that ends with an event


@pytest.mark.parametrize(
    ("retention", "expected"),
    [
        ({"retention_until": {"event": "consent_withdrawn"}}, Outcome.PASS),
        ({"retention_until": {"event": "contract_ended", "then": "P1Y"}}, Outcome.PASS),
        ({"retention_until": {"event": "case_closed", "then": "P10Y"}}, Outcome.UNKNOWN),
        ({"retention": "indefinite"}, Outcome.FAIL),
        ({"retention": "P13M"}, Outcome.PASS),
    ],
)
def test_an_event_based_retention_is_limited_and_indefinite_still_fails(
    packs: list[Any], retention: dict[str, Any], expected: Outcome
) -> None:
    data = _solution(data_categories=["user.contact.email"], **retention)

    assert _outcome(packs, RETENTION, data) is expected


def test_a_retention_stated_both_as_a_period_and_as_an_event_is_refused() -> None:
    data = _solution(retention="P1Y", retention_until={"event": "contract_ended"})

    with pytest.raises(ValidationError, match="either a retention period or the event"):
        solution_model(data)


def test_indefinite_is_no_period_after_an_event() -> None:
    data = _solution(retention_until={"event": "contract_ended", "then": "indefinite"})

    with pytest.raises(ValidationError, match="not 'indefinite'"):
        solution_model(data)


def test_the_period_after_an_event_defaults_to_none() -> None:
    flow = solution_model(_solution(retention_until={"event": "account_closed"})).flows[0]

    assert flow.retention_until is not None
    assert flow.retention_until.then == "P0D"
    derived = derive_flow(flow.model_dump(mode="json", exclude_none=True))
    assert derived["retention_bounded"] is True
    assert derived["retention_after_event_days"] == 0
    assert derived["retention_days"] is None


@pytest.mark.parametrize(
    ("flow", "expected"),
    [
        ({"retention": "P3D"}, Outcome.PASS),
        ({"retention": "P30D"}, Outcome.UNKNOWN),
        (
            {"retention": "P30D", "retention_justification": "Incidents are found at the weekly check"},
            Outcome.PASS,
        ),
        ({"retention_until": {"event": "incident_handled"}}, Outcome.UNKNOWN),
    ],
)
def test_video_kept_beyond_72_hours_needs_a_documented_reason(
    packs: list[Any], flow: dict[str, Any], expected: Outcome
) -> None:
    data = _solution(data_categories=["user.media.video"], **flow)

    assert _outcome(packs, RETENTION, data) is expected


def test_plates_replaced_by_keyed_hashes_need_no_reason_beyond_72_hours(packs: list[Any]) -> None:
    keyed = {"applied": "pseudonymised", "technique": "keyed_hash", "secret_held_apart": True}
    plain = {"applied": "pseudonymised", "technique": "hash", "salt": "none"}
    plates = ["user.identifier.licence_plate"]

    assert _outcome(
        packs, RETENTION, _solution(data_categories=plates, retention="P30D", deidentification=keyed)
    ) is (Outcome.PASS)
    assert _outcome(
        packs, RETENTION, _solution(data_categories=plates, retention="P30D", deidentification=plain)
    ) is (Outcome.UNKNOWN)


@pytest.mark.parametrize(
    ("flow", "expected"),
    [
        ({"retention_until": {"event": "statistic_produced"}}, Outcome.PASS),
        ({"retention": "PT0S"}, Outcome.PASS),
        ({"retention": "P30D"}, Outcome.NEEDS_REVIEW),
        ({"retention_until": {"event": "statistic_produced", "then": "P1M"}}, Outcome.NEEDS_REVIEW),
        ({"retention": "indefinite"}, Outcome.FAIL),
    ],
)
def test_identifying_data_for_statistics_is_kept_only_until_the_statistic_is_made(
    packs: list[Any], flow: dict[str, Any], expected: Outcome
) -> None:
    data = _solution(data_categories=["user.identifier.wifi_mac"], purposes=["people_counting"], **flow)

    assert _outcome(packs, STATISTICS, data) is expected


# ---------------------------------------------------------------------------------------------
# De-identification technique


def _deid(categories: list[str], **deid: Any) -> Any:
    data = _solution(data_categories=categories, retention="P1D", deidentification=deid)
    flow = solution_model(data).flows[0]
    return derive_flow(flow.model_dump(mode="json", exclude_none=True))["deidentified"]


@pytest.mark.parametrize(
    ("deid", "expected"),
    [
        ({"technique": "hash", "salt": "none"}, False),
        ({"technique": "hash", "salt": "public"}, False),
        ({"technique": "hash", "salt": "secret"}, True),
        ({"technique": "hash"}, None),
        ({"technique": "keyed_hash", "secret_held_apart": True, "key_rotation": "P1D"}, True),
        ({"technique": "tokenisation", "secret_held_apart": True}, True),
        ({"technique": "aggregation", "min_group_size": 10}, True),
        ({}, None),
    ],
)
@pytest.mark.parametrize(
    "category",
    [
        "user.identifier.licence_plate",
        "user.identifier.wifi_mac",
        "user.contact.phone",
        "user.identifier.cpr",
        "user.identifier.personnummer",
    ],
)
def test_a_hash_without_a_secret_of_a_listable_identifier_is_no_pseudonymisation(
    category: str, deid: dict[str, Any], expected: bool | None
) -> None:
    assert _deid([category], applied="pseudonymised", **deid) is expected


def test_for_identifiers_that_cannot_be_listed_the_claim_stands_without_a_technique() -> None:
    assert _deid(["user.health.fall_detection"], applied="pseudonymised") is True
    assert (
        _deid(["user.health.fall_detection"], applied="pseudonymised", technique="hash", salt="none") is True
    )
    assert _deid(["user.identifier.licence_plate"], applied="none") is False


def test_a_plain_hash_of_mac_addresses_fails_the_rule_for_counting_flows(packs: list[Any]) -> None:
    data = _solution(
        data_categories=["user.identifier.wifi_mac"],
        purposes=["people_counting"],
        retention="P1D",
        deidentification={"applied": "pseudonymised", "technique": "hash", "salt": "public"},
    )

    assert _outcome(packs, AGGREGATE, data) is Outcome.FAIL


def test_key_rotation_is_a_period_or_never() -> None:
    assert _deid(
        ["user.identifier.wifi_mac"], applied="pseudonymised", technique="keyed_hash", key_rotation="never"
    )
    with pytest.raises(ValidationError):
        _deid(
            ["user.identifier.wifi_mac"],
            applied="pseudonymised",
            technique="keyed_hash",
            key_rotation="daily",
        )


# ---------------------------------------------------------------------------------------------
# Vocabulary: scores, readings in homes, and criterion 4 for every category


def test_every_data_category_says_whether_it_is_wp248_criterion_4_in_agreement_with_its_flags() -> None:
    raw = yaml.safe_load(
        (vocabulary.rules_root() / "vocabulary" / "data_categories.yaml").read_text(encoding="utf-8")
    )["categories"]
    categories = vocabulary.data_categories()
    wrong: dict[str, str] = {}
    for key, spec in raw.items():
        text = spec.get("c4")
        if not text:
            wrong[key] = "no c4 text"
            continue
        counts = any(
            categories.has_flag(key, f) for f in ("special", "criminal", "location", "highly_personal")
        )
        says_no = bool(re.match(r"(no|not by itself):", text))
        if counts == says_no:
            wrong[key] = f"flags say {'C4' if counts else 'not C4'}, text says: {text}"
    assert not wrong, wrong


def test_scores_and_readings_inside_homes_have_categories() -> None:
    categories = vocabulary.data_categories()

    assert {"user.evaluation.score", "user.evaluation.credit_score", "user.evaluation.risk_score"} <= set(
        categories.keys()
    )
    assert categories.has_flag("user.behaviour.indoor_climate", "in_home")
    assert categories.has_flag("user.evaluation.credit_score", "highly_personal")
    assert not categories.has_flag("user.evaluation.score", "highly_personal")


def test_titles_with_commas_are_read_whole() -> None:
    assert vocabulary.data_categories().terms["user.identifier.customer_number"].title == (
        "Customer, account or installation numbers"
    )


# ---------------------------------------------------------------------------------------------
# The upgrade from version 3


def _v3(flow: str) -> str:
    head = MINIMAL_SOLUTION_YAML.replace("schema_version: 4", "schema_version: 3")
    head = head.replace("    data_categories: [user.location.trace]\n    retention: P1Y\n", "")
    return head + flow


def test_a_version_3_file_loads_unchanged(write_solution) -> None:
    flow = """\
    data_categories: [user.identifier.licence_plate]
    retention: indefinite
    retention_justification: Kept until the resident moves out
    deidentification: {applied: pseudonymised, method: SHA-256 of the plate}
"""
    loaded = load_solution(write_solution(_v3(flow)))

    assert loaded.solution.flows[0].retention == "indefinite"


def test_the_upgrade_carries_the_technique_over_and_marks_what_a_person_decides(write_solution, cli) -> None:
    flow = """\
    data_categories: [user.identifier.licence_plate]
    retention: indefinite
    retention_justification: Kept until the resident moves out
    deidentification: {applied: pseudonymised, method: SHA-256 of the plate with a salt}
  - id: tokens
    name: Tokens
    source: sensor
    destination: platform
    data_categories: [user.health.fall_detection]
    retention: P1Y
    deidentification: {applied: pseudonymised, method: Random tokens; the table stays with the care unit}
  - id: vague
    name: Vague
    source: sensor
    destination: platform
    data_categories: [user.contact.phone]
    retention: P1Y
    deidentification: {applied: pseudonymised, method: Numbers are masked}
  - id: unsaid
    name: Unsaid
    source: sensor
    destination: platform
    data_categories: [user.identifier.wifi_mac]
    retention: P1D
    deidentification: {applied: pseudonymised}
"""
    path = write_solution(_v3(flow))

    run = cli("upgrade", path)

    assert run.code == 1, run.err  # values wait for a person's decision
    text = path.read_text(encoding="utf-8")
    flows = yaml.safe_load(text)["flows"]
    assert flows[0]["deidentification"]["technique"] == "hash"
    assert flows[0]["retention"] == "indefinite"
    assert flows[1]["deidentification"]["technique"] == "tokenisation"
    assert "technique" not in flows[2]["deidentification"]
    assert flows[2]["deidentification"]["method"] == "Numbers are masked"
    marks = [line for line in text.splitlines() if upgrade.MARK in line]
    assert any("retention_until" in line for line in marks)
    assert any("state its salt" in line for line in marks)
    assert any("flows[2].deidentification.method" in line for line in marks)
    assert any("flows[3].deidentification.applied" in line for line in marks)
    assert not any("flows[1]" in line for line in marks)
    assert yaml.safe_load(text)["schema_version"] == 4
