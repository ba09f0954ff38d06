"""Facts on consent and purposes (issue 16): how consent was given, a parent asked at no age,
further purposes each with their own Art. 6(4) ground, the objective necessity of a contract
basis, and information on the logic of automated decisions. Real runs of the engine and the CLI,
and the step that upgrades a version-3 file."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
import yaml
from helpers import MINIMAL_SOLUTION_YAML, minimal_solution, outcome_on, solution_model
from pydantic import ValidationError

from compliance.core.facts import derive_flow, further_purposes_ground
from compliance.core.models.rules import Outcome
from compliance.inputs import upgrade
from compliance.inputs.loader import load_solution

AS_OF = date(2026, 12, 1)


def _solution(**flow: Any) -> dict[str, Any]:
    data = minimal_solution()
    data["flows"][0].update(flow)
    data["flows"][0]["data_categories"] = flow.get("data_categories", ["user.contact.email"])
    return data


def _outcome(packs: list[Any], rule_id: str, data: dict[str, Any]) -> Outcome:
    return outcome_on(packs, rule_id, data, AS_OF)


# ---------------------------------------------------------------------------------------------
# How consent was given


@pytest.mark.parametrize(
    ("given_by", "rule_id", "expected"),
    [
        ("pre_ticked_box", "GDPR-4-11-CONSENT-AFFIRMATIVE-ACT", Outcome.FAIL),
        ("inactivity", "GDPR-4-11-CONSENT-AFFIRMATIVE-ACT", Outcome.FAIL),
        ("affirmative_act", "GDPR-4-11-CONSENT-AFFIRMATIVE-ACT", Outcome.PASS),
        ("bundled_with_terms", "GDPR-7-2-CONSENT-DISTINGUISHABLE", Outcome.FAIL),
        ("required_for_service", "GDPR-7-4-NOT-CONDITIONAL", Outcome.FAIL),
    ],
)
def test_the_way_consent_was_given_decides_the_consent_rules(
    packs: list[Any], given_by: str, rule_id: str, expected: Outcome
) -> None:
    data = _solution(lawful_basis="a", data_subjects=["app_users"], consent={"given_by": given_by})

    assert _outcome(packs, rule_id, data) is expected


def test_a_consent_stated_both_bundled_and_distinguishable_is_refused() -> None:
    data = _solution(lawful_basis="a", consent={"given_by": "bundled_with_terms", "distinguishable": True})

    with pytest.raises(ValidationError, match="bundled_with_terms"):
        solution_model(data)


def test_a_consent_stated_both_required_and_not_conditional_is_refused() -> None:
    data = _solution(
        lawful_basis="a", consent={"given_by": "required_for_service", "service_conditional": False}
    )

    with pytest.raises(ValidationError, match="required_for_service"):
        solution_model(data)


def test_the_flags_alone_still_decide_when_the_way_is_not_stated() -> None:
    flow = derive_flow({"consent": {"distinguishable": True, "service_conditional": False}})

    assert (flow["consent_distinguishable"], flow["consent_conditional"]) == (True, False)
    assert derive_flow({})["consent_distinguishable"] is None


# ---------------------------------------------------------------------------------------------
# Parental authorisation


def test_a_service_that_asks_no_parent_fails_the_age_of_consent(packs: list[Any]) -> None:
    data = _solution(
        lawful_basis="a",
        data_subjects=["children"],
        consent={"information_society_service": True, "parental_authorisation_below_age": "none"},
    )

    assert _outcome(packs, "GDPR-8-1-CHILD-CONSENT-AGE", data) is Outcome.FAIL
    assert (
        derive_flow({"consent": {"parental_authorisation_below_age": "none"}})["parental_authorisation_age"]
        == 0
    )


def test_an_age_of_zero_is_no_longer_a_way_to_say_no_parent_is_asked() -> None:
    data = _solution(lawful_basis="a", consent={"parental_authorisation_below_age": 0})

    with pytest.raises(ValidationError):
        solution_model(data)


# ---------------------------------------------------------------------------------------------
# Further processing, per purpose


def _further(
    purposes: list[str], original: list[str], *entries: dict[str, Any], basis: str = "e"
) -> dict[str, Any]:
    return _solution(
        data_categories=["user.consumption.interval"],
        purposes=purposes,
        lawful_basis=basis,
        further_processing={"original_purposes": original, "new_purposes": list(entries)},
    )


def test_a_further_purpose_outside_the_old_short_list_needs_a_ground(packs: list[Any]) -> None:
    data = _further(
        ["energy_billing", "research"], ["energy_billing"], {"purpose": "research", "ground": "none"}
    )

    assert _outcome(packs, "GDPR-6-4-FURTHER-PROCESSING", data) is Outcome.FAIL


def test_each_further_purpose_needs_its_own_ground(packs: list[Any]) -> None:
    grounded = {"purpose": "maintenance", "ground": "compatible", "compatibility_factors_assessed": True}
    missing = _further(["energy_billing", "maintenance", "statistics"], ["energy_billing"], grounded)
    both = _further(
        ["energy_billing", "maintenance", "statistics"],
        ["energy_billing"],
        grounded,
        {"purpose": "statistics", "ground": "consent"},
    )

    assert _outcome(packs, "GDPR-6-4-FURTHER-PROCESSING", missing) is Outcome.UNKNOWN
    assert _outcome(packs, "GDPR-6-4-FURTHER-PROCESSING", both) is Outcome.PASS


def test_a_further_purpose_on_a_general_law_needs_review_and_on_a_specific_one_passes(
    packs: list[Any],
) -> None:
    def on(kind: str) -> dict[str, Any]:
        law = {"act": "Lag (2001:99) om den officiella statistiken", "provision": "14 §", "kind": kind}
        return _further(
            ["statistics"], ["energy_billing"], {"purpose": "statistics", "ground": "law", "law": law}
        )

    assert _outcome(packs, "GDPR-6-4-FURTHER-PROCESSING", on("specific")) is Outcome.PASS
    assert _outcome(packs, "GDPR-6-4-FURTHER-PROCESSING", on("general")) is Outcome.NEEDS_REVIEW
    assert _outcome(packs, "GDPR-6-4-FURTHER-PROCESSING", on("none")) is Outcome.FAIL


def test_a_flow_only_for_its_original_purposes_is_not_further_processing(packs: list[Any]) -> None:
    data = _further(["energy_billing"], ["energy_billing", "statistics"])

    assert _outcome(packs, "GDPR-6-4-FURTHER-PROCESSING", data) is Outcome.NOT_APPLICABLE


def test_an_unknown_basis_leaves_an_ungrounded_purpose_unknown_since_consent_would_ground_it() -> None:
    flow = {"purposes": ["research"], "further_processing": {"original_purposes": ["energy_billing"]}}
    entry = {"purpose": "research", "ground": "none"}
    flow["further_processing"]["new_purposes"] = [entry]  # type: ignore[index]

    assert further_purposes_ground(flow) is None
    assert further_purposes_ground({**flow, "lawful_basis": "e"}) == "ungrounded"
    assert further_purposes_ground({**flow, "lawful_basis": "a"}) == "grounded"


def test_an_entry_for_an_original_purpose_is_refused() -> None:
    data = _further(
        ["energy_billing"], ["energy_billing"], {"purpose": "energy_billing", "ground": "consent"}
    )

    with pytest.raises(ValidationError, match="among the original purposes"):
        solution_model(data)


# ---------------------------------------------------------------------------------------------
# Art. 6(1)(b) and Arts. 13(2)(f), 14(2)(g)


@pytest.mark.parametrize(
    ("necessary", "expected"), [(True, Outcome.PASS), (False, Outcome.FAIL), (None, Outcome.UNKNOWN)]
)
def test_a_contract_basis_needs_the_processing_to_be_objectively_necessary(
    packs: list[Any], necessary: bool | None, expected: Outcome
) -> None:
    data = _solution(lawful_basis="b", data_subjects=["customers"])
    if necessary is not None:
        data["flows"][0]["necessary_for_contract"] = necessary

    assert _outcome(packs, "GDPR-6-1-B-CONTRACT-NECESSITY", data) is expected


@pytest.mark.parametrize(
    ("collected", "rule_id"),
    [(True, "GDPR-13-2-F-AUTOMATED-DECISION-LOGIC"), (False, "GDPR-14-2-G-AUTOMATED-DECISION-LOGIC")],
)
def test_people_subject_to_an_automated_decision_must_be_told_its_logic(
    packs: list[Any], collected: bool, rule_id: str
) -> None:
    decision = {"solely_automated": True, "legal_or_similar_effect": True}
    told = _solution(
        collected_from_subject=collected,
        automated_decision=decision,
        notice={"provided": True, "automated_decision_logic": True},
    )
    untold = _solution(
        collected_from_subject=collected,
        automated_decision=decision,
        notice={"provided": True, "automated_decision_logic": False},
    )

    assert _outcome(packs, rule_id, told) is Outcome.PASS
    assert _outcome(packs, rule_id, untold) is Outcome.FAIL


# ---------------------------------------------------------------------------------------------
# The step from version 3

V3_FLOW = """\
    purposes: [care_delivery, product_improvement, ai_training]
    lawful_basis: e
    consent:
      parental_authorisation_below_age: 0  # no parent is asked
    further_processing:
      original_purposes: [care_delivery]
      ground: compatible
      compatibility_assessed: false
"""


def _v3(flow_lines: str) -> str:
    text = MINIMAL_SOLUTION_YAML.replace("schema_version: 4\n", "schema_version: 3\n")
    return text + flow_lines


def test_a_version_3_file_with_an_age_of_zero_and_one_ground_upgrades_to_one_entry_per_purpose(
    write_solution, cli
) -> None:
    path = write_solution(_v3(V3_FLOW))

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    flow = yaml.safe_load(path.read_text(encoding="utf-8"))["flows"][0]
    assert flow["consent"]["parental_authorisation_below_age"] == "none"
    assert flow["further_processing"] == {
        "original_purposes": ["care_delivery"],
        "new_purposes": [
            {
                "purpose": "product_improvement",
                "ground": "compatible",
                "compatibility_factors_assessed": False,
            },
            {"purpose": "ai_training", "ground": "compatible", "compatibility_factors_assessed": False},
        ],
    }
    assert "# no parent is asked" in path.read_text(encoding="utf-8")
    assert "0 became 'none'" in run.err
    assert "carried to each further purpose: product_improvement, ai_training" in run.err
    loaded = load_solution(path).solution
    assert loaded.schema_version == 4


def test_a_version_3_file_with_one_ground_is_not_loaded_unchanged(write_solution, cli) -> None:
    path = write_solution(_v3(V3_FLOW))

    run = cli("assess", path, "--as-of", AS_OF.isoformat())

    assert run.code == 2
    assert "further_processing.new_purposes" in run.err
    assert "'none'" in run.err


def test_a_law_ground_and_unstated_original_purposes_are_marked_for_a_person(write_solution, cli) -> None:
    flow = """\
    purposes: [energy_billing, marketing]
    lawful_basis: e
    further_processing:
      ground: law
"""
    path = write_solution(_v3(flow))

    run = cli("upgrade", path)

    assert run.code == 1, run.err  # values wait for a person's decision
    text = path.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["flows"][0]["further_processing"] == {
        "new_purposes": [{"purpose": "marketing", "ground": "law"}]
    }
    marks = [line for line in text.splitlines() if upgrade.MARK in line]
    assert any("names the law" in line for line in marks)
    assert any("original purposes are not stated" in line for line in marks)


def test_a_ground_with_no_further_purpose_to_carry_it_stays_marked(write_solution, cli) -> None:
    flow = """\
    purposes: [energy_billing]
    further_processing:
      original_purposes: [energy_billing]
      ground: none
"""
    path = write_solution(_v3(flow))

    run = cli("upgrade", path)

    assert run.code == 1, run.err  # a value waits for a person's decision
    text = path.read_text(encoding="utf-8")
    assert re.search(r"ground: none\s+# compliance upgrade: .*name the purpose it is for", text)


def test_a_version_3_json_file_is_upgraded_per_purpose_too(tmp_path, cli) -> None:
    data = yaml.safe_load(_v3(V3_FLOW))
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    flow = json.loads(path.read_text(encoding="utf-8"))["flows"][0]
    assert [e["purpose"] for e in flow["further_processing"]["new_purposes"]] == [
        "product_improvement",
        "ai_training",
    ]
    assert flow["consent"]["parental_authorisation_below_age"] == "none"


def test_the_blank_line_after_the_old_ground_stays_after_the_new_entries(write_solution, cli) -> None:
    flow = """\
    purposes: [care_delivery, research]
    further_processing:
      original_purposes: [care_delivery]
      ground: consent  # asked in the app

safeguards:
  - {control: logging, status: implemented}
"""
    path = write_solution(_v3(flow))

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    text = path.read_text(encoding="utf-8")
    assert re.search(r"- \{purpose: research, ground: consent\} +# asked in the app\n\nsafeguards:\n", text)
