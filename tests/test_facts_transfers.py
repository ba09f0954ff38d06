"""Who reaches personal data from a third country (issue 16, item 8): another entity is a transfer,
the exporter's own employees on a trip are not but are an Art. 32 risk; Art. 44 passes only on a
ground that holds; and a version-3 file's remote access upgraded with who left for a person."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from compliance.core.engine import assess
from compliance.core.facts import derive_party, facts_to_state
from compliance.core.models.rules import Outcome
from compliance.inputs import upgrade
from tests.helpers import minimal_solution, solution_model

AS_OF = date(2026, 12, 1)
GROUND = "GDPR-44-TRANSFER-GROUND"
ADEQUACY = "GDPR-45-1-ADEQUACY"
STAFF_ABROAD = "GDPR-32-2-OWN-STAFF-ABROAD"


def supplier(**fields: Any) -> dict[str, Any]:
    """A Danish processor that operates the platform the readings flow into."""
    return {"id": "supplier", "name": "Supplier ApS", "roles": ["processor"], "country": "DK", **fields}


def solution_with(*parties: dict[str, Any], public_authority: bool | None = None) -> dict[str, Any]:
    """The minimal solution with these parties beside the municipality; the supplier operates the
    platform, which runs in Denmark."""
    data = minimal_solution()
    data["parties"] = [*data["parties"], *parties]
    if public_authority is not None:
        data.setdefault("controller", {})["public_authority"] = public_authority
    for system in data["systems"]:
        system["locations"] = ["DK"]
        if system["id"] == "platform" and any(p["id"] == "supplier" for p in parties):
            system["operator"] = "supplier"
    return data


def outcome(packs: list[Any], data: dict[str, Any], rule_id: str, target: str) -> Outcome:
    assessment = assess(solution_model(data), packs, AS_OF)
    found = [
        f.status for f in assessment.findings if f.rule_id == rule_id and f.target and f.target.id == target
    ]
    return found[0] if found else Outcome.NOT_APPLICABLE


def city(**fields: Any) -> dict[str, Any]:
    return {"id": "city", "name": "City of Example", "roles": ["controller"], "country": "DK", **fields}


# ---------------------------------------------------------------------------------------------
# Who reaches the data decides whether it is a transfer


def test_a_processors_affiliate_reaching_the_data_from_india_is_a_transfer_without_a_ground(packs) -> None:
    party = supplier(
        remote_access_from=["DK", "IN"],
        other_entity_access_from=["IN"],
        other_entities=["Supplier Services India Pvt Ltd"],
        transfer={"mechanism": "none"},
    )
    assert outcome(packs, solution_with(party), GROUND, "supplier") is Outcome.FAIL


def test_a_processors_employee_on_a_trip_to_india_is_no_transfer_but_an_art_32_risk(packs) -> None:
    party = supplier(remote_access_from=["DK", "IN"], travelling_staff_access_from=["IN"])
    data = solution_with(party)

    assert outcome(packs, data, GROUND, "supplier") is Outcome.NOT_APPLICABLE
    assert outcome(packs, data, STAFF_ABROAD, "supplier") is Outcome.UNKNOWN
    party["staff_abroad_risk_assessed"] = True
    assert outcome(packs, solution_with(party), STAFF_ABROAD, "supplier") is Outcome.PASS


def test_a_third_country_reached_by_someone_not_stated_leaves_the_transfer_unknown(packs) -> None:
    party = supplier(remote_access_from=["DK", "IN"], transfer={"mechanism": "none"})
    assert outcome(packs, solution_with(party), GROUND, "supplier") is Outcome.UNKNOWN


def test_the_municipalitys_own_staff_abroad_are_no_transfer_but_their_risk_is_assessed(packs) -> None:
    data = solution_with()
    data["parties"] = [city(remote_access_from=["DK", "TH"], other_entity_access_from=[])]

    assert outcome(packs, data, GROUND, "city") is Outcome.NOT_APPLICABLE
    assert outcome(packs, data, STAFF_ABROAD, "city") is Outcome.UNKNOWN
    data["parties"][0]["staff_abroad_risk_assessed"] = False
    assert outcome(packs, data, STAFF_ABROAD, "city") is Outcome.FAIL


def test_a_contractor_reaching_the_municipalitys_data_from_ukraine_is_that_contractors_transfer(
    packs,
) -> None:
    # Another entity reaching the controller's data is stated as a party of its own, whose
    # transfer rules then apply; at the controller it is neither a transfer nor an own-staff risk.
    data = minimal_solution()
    data["parties"] = [
        city(
            remote_access_from=["DK", "UA"],
            other_entity_access_from=["UA"],
            other_entities=["Example IT LLC"],
            transfer={"mechanism": "none"},
        )
    ]
    assert outcome(packs, data, GROUND, "city") is Outcome.NOT_APPLICABLE
    assert outcome(packs, data, STAFF_ABROAD, "city") is Outcome.NOT_APPLICABLE


def test_a_municipality_that_states_no_remote_access_is_asked_where_its_staff_work_from(packs) -> None:
    data = solution_with()
    assert outcome(packs, data, GROUND, "city") is Outcome.NOT_APPLICABLE
    assert outcome(packs, data, STAFF_ABROAD, "city") is Outcome.UNKNOWN  # unknown is never compliant


def test_a_municipality_whose_staff_work_only_at_home_has_no_staff_abroad_risk(packs) -> None:
    data = minimal_solution()
    data["parties"] = [city(remote_access_from=[])]
    assert outcome(packs, data, STAFF_ABROAD, "city") is Outcome.NOT_APPLICABLE


def test_travelling_staff_do_not_spoil_adequacy_nor_make_a_transfer_but_an_affiliate_does() -> None:
    def derived(country: str, **who: list[str]) -> tuple[Any, Any]:
        party = {"roles": ["processor"], "country": country, "receives_personal_data": True}
        facts = derive_party({**party, "remote_access_from": [country, "IN"], **who})
        return facts["adequacy"], facts["receives_transfer"]

    assert derived("CH", travelling_staff_access_from=["IN"])[0] is True
    assert derived("CH", other_entity_access_from=["IN"])[0] is False
    assert derived("CH")[0] is None
    assert derived("DK", travelling_staff_access_from=["IN"])[1] is False
    assert derived("DK", other_entity_access_from=["IN"])[1] is True
    assert derived("DK")[1] is None


def test_the_country_a_party_is_established_in_is_reached_by_the_party_itself() -> None:
    indian = derive_party({"roles": ["sub_processor"], "country": "IN", "remote_access_from": ["IN"]})
    assert indian["remote_access_third_country"] is True


def test_who_reaches_the_data_is_asked_only_once_the_countries_are_stated() -> None:
    processor = {"party": {"roles": ["processor"], "receives_personal_data": True, "country": "DK"}}
    assert facts_to_state("party.remote_access_third_country", processor) == ["party.remote_access_from"]
    processor["party"]["remote_access_from"] = ["DK", "IN"]
    assert facts_to_state("party.remote_access_third_country", processor) == [
        "party.other_entity_access_from",
        "party.travelling_staff_access_from",
    ]


# ---------------------------------------------------------------------------------------------
# Art. 44 passes only on a ground that holds


@pytest.mark.parametrize(
    ("transfer", "public_authority", "expected"),
    [
        ({"mechanism": "derogation", "derogation": "a"}, True, Outcome.FAIL),  # Art. 49(3)
        ({"mechanism": "derogation", "derogation": "compelling_legitimate_interests"}, True, Outcome.FAIL),
        ({"mechanism": "derogation", "derogation": "e", "occasional": True}, True, Outcome.PASS),
        ({"mechanism": "derogation", "derogation": "b", "occasional": False}, False, Outcome.FAIL),
        ({"mechanism": "adequacy"}, True, Outcome.FAIL),  # India has no adequacy decision
        ({"mechanism": "scc", "scc_decision": "2010/87"}, True, Outcome.FAIL),
        ({"mechanism": "scc", "scc_decision": "2021/914"}, True, Outcome.PASS),
        ({"mechanism": "bcr", "bcr_approved": False}, True, Outcome.FAIL),
        ({"mechanism": "dpf", "dpf_listed": True}, True, Outcome.PASS),  # the US affiliate below
    ],
)
def test_art_44_passes_only_when_the_ground_named_is_itself_valid(
    packs, transfer: dict[str, Any], public_authority: bool, expected: Outcome
) -> None:
    dpf = transfer["mechanism"] == "dpf"
    party = supplier(
        country="US" if dpf else "IN",
        remote_access_from=["US"] if dpf else ["IN"],
        transfer=transfer,
    )
    data = solution_with(party, public_authority=public_authority)
    assert outcome(packs, data, GROUND, "supplier") is expected


def test_adequacy_is_judged_on_every_country_the_data_is_transferred_to(packs) -> None:
    party = supplier(
        country="GB",
        remote_access_from=["GB", "IN"],
        other_entity_access_from=["IN"],
        transfer={"mechanism": "adequacy"},
    )
    data = solution_with(party)
    assert outcome(packs, data, ADEQUACY, "supplier") is Outcome.FAIL
    assert outcome(packs, data, GROUND, "supplier") is Outcome.FAIL


# ---------------------------------------------------------------------------------------------
# The model keeps the three lists consistent


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"remote_access_from": ["DK"], "other_entity_access_from": ["IN"]}, "IN not in remote_access_from"),
        ({"travelling_staff_access_from": ["US"]}, "US not in remote_access_from"),
        (
            {
                "remote_access_from": ["IN"],
                "other_entity_access_from": ["IN"],
                "travelling_staff_access_from": ["IN"],
            },
            "in both other_entity_access_from and travelling_staff_access_from",
        ),
        ({"remote_access_from": ["IN"], "other_entities": ["Example Ltd"]}, "names no country"),
    ],
)
def test_who_reaches_the_data_must_agree_with_where_it_is_reached_from(
    fields: dict[str, Any], message: str
) -> None:
    data = solution_with(supplier(**fields))
    with pytest.raises(ValidationError, match=message):
        solution_model(data)


# ---------------------------------------------------------------------------------------------
# Version 3 -> 4


OLD_ACCESS = """\
schema_version: 3
id: street-sensors
name: Street sensors
jurisdiction: DK
standards: []
controller:
  party: city
parties:
  - id: city
    name: City of Example
    roles: [controller]
    country: DK
  - id: supplier
    name: Supplier ApS
    roles: [processor]
    country: DK
    remote_access_from: [DK, IN]   # support desk
    transfer: {mechanism: scc}
  - id: host
    name: Host Pvt Ltd
    roles: [sub_processor]
    country: IN
    remote_access_from: [IN]
systems:
  - {id: sensor, name: Street sensor, kind: device, operator: city}
  - {id: platform, name: Data platform, kind: database, operator: supplier}
flows:
  - id: readings
    name: Sensor readings
    source: sensor
    destination: platform
    data_categories: [user.location.trace]
    retention: P1Y
"""


def test_a_version_3_remote_access_from_a_third_country_is_refused_until_who_is_said(
    write_solution, cli
) -> None:
    path = write_solution(OLD_ACCESS)

    run = cli("assess", path)

    assert run.code == 2
    assert "parties[1].remote_access_from" in run.err
    assert "asks who reaches the data from IN" in run.err
    assert "parties[2]" not in run.err  # established in India: reached there by itself


def test_upgrading_carries_version_3s_reading_over_and_marks_who_for_a_person(write_solution, cli) -> None:
    path = write_solution(OLD_ACCESS)

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    supplier_after = data["parties"][1]
    assert supplier_after["remote_access_from"] == ["DK", "IN"]
    assert supplier_after["other_entity_access_from"] == []
    assert supplier_after["travelling_staff_access_from"] == []
    assert "remote_access_from: [DK, IN]   # support desk" in text
    assert text.count(f"# {upgrade.MARK} parties[1].") == 2
    assert "other_entity_access_from" not in data["parties"][2]

    refused = cli("assess", path)
    assert refused.code == 2
    assert "left this value for a person to decide" in refused.err


def test_a_decided_upgrade_reads_the_support_desk_as_a_transfer(write_solution, cli, packs) -> None:
    path = write_solution(OLD_ACCESS)
    cli("upgrade", path)
    decided = "\n".join(
        line.split(f"  # {upgrade.MARK}")[0].split(f" # {upgrade.MARK}")[0]
        for line in path.read_text().splitlines()
    )
    data = yaml.safe_load(decided)

    assert outcome(packs, data, GROUND, "supplier") is Outcome.UNKNOWN  # SCCs without a decision named
    data["parties"][1]["transfer"] = {"mechanism": "scc", "scc_decision": "2021/914"}
    assert outcome(packs, data, GROUND, "supplier") is Outcome.PASS


def test_a_version_3_json_file_gets_the_lists_and_lists_them_for_a_decision() -> None:
    import json

    doc = yaml.safe_load(OLD_ACCESS)
    upgraded = upgrade.upgrade_text(json.dumps(doc, indent=2), "solution.json")

    after = json.loads(upgraded.text)
    assert after["parties"][1]["other_entity_access_from"] == []
    assert sorted(c.path for c in upgraded.undecided) == [
        "parties[1].other_entity_access_from",
        "parties[1].travelling_staff_access_from",
    ]


def test_a_version_3_file_with_access_from_the_eea_only_loads_unchanged(write_solution, cli) -> None:
    path = write_solution(OLD_ACCESS.replace("[DK, IN]", "[DK, SE]"))
    assert upgrade.STEPS[2].obstacles(yaml.safe_load(path.read_text())) == []
