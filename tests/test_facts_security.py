"""Safeguards per system, device credentials and storage, incident plan steps, roles not settled
(issue 16, items 7, 9 and 10): real assessments, the model's checks and the upgrade from version 3."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from compliance.core.engine import assess
from compliance.core.errors import SolutionError
from compliance.inputs import upgrade
from compliance.inputs.loader import load_solution
from tests.helpers import minimal_solution, solution_model

AS_OF = date(2026, 12, 1)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def outcome(packs: list[Any], data: dict[str, Any], rule: str, target: str | None = None) -> str:
    """The outcome of one rule for one target in a real assessment of `data`."""
    result = assess(solution_model(data), packs, AS_OF)
    found = [
        f.status.value
        for f in result.findings
        if f.rule_id == rule and (f.target.id if f.target else None) == target
    ]
    assert len(found) == 1, found
    return found[0]


def with_platform(*, platform: dict[str, Any] | None = None, safeguards: dict[str, str]) -> dict[str, Any]:
    """The minimal solution (sensor -> platform database, personal data) with these safeguards."""
    data = minimal_solution()
    data["systems"][1].update(platform or {})
    data["safeguards"] = [{"control": k, "status": v} for k, v in safeguards.items()]
    return data


# ---------------------------------------------------------------------------------------------
# Safeguards per system (GDPR Art. 32)


def test_mfa_on_the_system_holding_the_data_passes_art_32_1_b_though_the_solution_wide_mfa_is_partial(
    packs: list[Any],
) -> None:
    data = with_platform(
        platform={"security": {"mfa": True}}, safeguards={"access_control": "implemented", "mfa": "partial"}
    )
    assert outcome(packs, data, "GDPR-32-1B-ACCESS-CONTROL") == "pass"


def test_a_system_holding_the_data_without_mfa_fails_art_32_1_b_though_the_solution_wide_mfa_is_implemented(
    packs: list[Any],
) -> None:
    data = with_platform(
        platform={"safeguards": [{"control": "mfa", "status": "absent"}]},
        safeguards={"access_control": "implemented", "mfa": "implemented"},
    )
    assert outcome(packs, data, "GDPR-32-1B-ACCESS-CONTROL") == "fail"


def test_a_system_without_personal_data_does_not_decide_art_32_1_b(packs: list[Any]) -> None:
    data = with_platform(
        platform={"security": {"mfa": True}}, safeguards={"access_control": "implemented", "mfa": "partial"}
    )
    data["systems"].append({"id": "vpn", "name": "OT VPN", "kind": "network", "security": {"mfa": False}})
    assert outcome(packs, data, "GDPR-32-1B-ACCESS-CONTROL") == "pass"


def test_a_system_that_states_no_safeguards_keeps_the_solution_wide_ones(packs: list[Any]) -> None:
    data = with_platform(
        safeguards={"access_control": "implemented", "mfa": "partial", "logging": "implemented"}
    )
    assert outcome(packs, data, "GDPR-32-1B-ACCESS-CONTROL") == "fail"
    assert outcome(packs, data, "GDPR-32-1B-LOGGING") == "pass"


def test_logging_missing_on_one_system_holding_the_data_fails_art_32_1_b(packs: list[Any]) -> None:
    data = with_platform(
        platform={"safeguards": [{"control": "logging", "status": "absent"}]},
        safeguards={"logging": "implemented"},
    )
    assert outcome(packs, data, "GDPR-32-1B-LOGGING") == "fail"


def test_a_control_declared_twice_on_one_system_is_refused() -> None:
    data = with_platform(
        platform={
            "safeguards": [{"control": "mfa", "status": "absent"}, {"control": "mfa", "status": "partial"}]
        },
        safeguards={},
    )
    with pytest.raises(ValidationError, match=r"systems\[1\]\.safeguards\[1\]: 'mfa' is declared twice"):
        solution_model(data)


def test_the_district_heating_example_passes_art_32_1_b_where_every_system_with_personal_data_has_mfa(
    packs: list[Any],
) -> None:
    loaded = load_solution(EXAMPLES / "district-heating-se" / "solution.yaml")
    result = assess(loaded.solution, packs, AS_OF)
    (finding,) = [f for f in result.findings if f.rule_id == "GDPR-32-1B-ACCESS-CONTROL"]
    assert finding.status.value == "pass"


# ---------------------------------------------------------------------------------------------
# Device credentials and storage


def test_a_universal_default_password_on_a_device_with_personal_data_fails_art_32_1_b(
    packs: list[Any],
) -> None:
    data = minimal_solution()
    data["systems"][0]["security"] = {"credentials": "universal_default"}
    assert outcome(packs, data, "GDPR-32-1B-CREDENTIALS", "sensor") == "fail"
    data["systems"][0]["security"] = {"credentials": "unique_per_device"}
    assert outcome(packs, data, "GDPR-32-1B-CREDENTIALS", "sensor") == "pass"


def test_data_kept_unencrypted_on_the_device_fails_art_32_1_a(packs: list[Any]) -> None:
    data = minimal_solution()
    data["flows"][0]["encryption"] = {"in_transit": True, "at_rest": True}
    assert outcome(packs, data, "GDPR-32-1A-ENCRYPTION-AT-REST", "readings") == "pass"
    data["flows"][0]["encryption"] = {"in_transit": True}
    data["systems"][0]["security"] = {"stores_data_unencrypted": True}
    assert outcome(packs, data, "GDPR-32-1A-ENCRYPTION-AT-REST", "readings") == "fail"


def test_a_flow_stored_encrypted_everywhere_beside_a_device_that_keeps_it_unencrypted_is_refused() -> None:
    data = minimal_solution()
    data["flows"][0]["encryption"] = {"at_rest": True}
    data["systems"][0]["security"] = {"stores_data_unencrypted": True}
    with pytest.raises(ValidationError, match="sensor states it keeps the data unencrypted"):
        solution_model(data)


# ---------------------------------------------------------------------------------------------
# Incident plan steps


def nis2_entity(data: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    data["entity"] = {"nis2_status": "essential"}
    data["incident_response"] = {"plan": True, **plan}
    return data


def test_a_plan_without_the_early_warning_step_fails_nis2_23_4_a(packs: list[Any]) -> None:
    data = nis2_entity(minimal_solution(), {"early_warning": False, "notification_hours": 72})
    assert outcome(packs, data, "NIS2-23-4-A-EARLY-WARNING") == "fail"
    assert outcome(packs, data, "NIS2-23-4-B-INCIDENT-NOTIFICATION") == "pass"


def test_a_step_present_without_a_deadline_is_unknown(packs: list[Any]) -> None:
    data = nis2_entity(minimal_solution(), {"final_report": True})
    assert outcome(packs, data, "NIS2-23-4-D-FINAL-REPORT") == "unknown"


def test_a_step_stated_absent_with_a_deadline_is_refused() -> None:
    data = minimal_solution()
    data["incident_response"] = {"early_warning": False, "early_warning_hours": 24}
    with pytest.raises(ValidationError, match="'early_warning: false'"):
        solution_model(data)


# ---------------------------------------------------------------------------------------------
# Roles not settled


def test_a_party_whose_role_is_not_settled_and_receives_personal_data_fails(packs: list[Any]) -> None:
    data = minimal_solution()
    data["parties"].append({"id": "vendor", "name": "Vendor", "roles": ["supplier", "not_settled"]})
    data["systems"][1]["operator"] = "vendor"
    assert outcome(packs, data, "GDPR-26-28-ROLE-SETTLED", "vendor") == "fail"


def test_not_settled_beside_a_gdpr_role_is_refused() -> None:
    data = minimal_solution()
    data["parties"].append({"id": "vendor", "name": "Vendor", "roles": ["processor", "not_settled"]})
    with pytest.raises(ValidationError, match="'not_settled'"):
        solution_model(data)


# ---------------------------------------------------------------------------------------------
# Upgrade from version 3


def version_3(data: dict[str, Any]) -> str:
    return yaml.safe_dump({**data, "schema_version": 3}, sort_keys=False)


def test_a_version_3_file_without_system_mfa_loads_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "solution.yaml"
    path.write_text(version_3(with_platform(safeguards={"mfa": "partial"})), encoding="utf-8")
    assert load_solution(path).solution.schema_version == 3


def test_a_version_3_file_whose_system_mfa_disagrees_with_the_solution_wide_one_is_refused_and_marked(
    tmp_path: Path,
) -> None:
    data = with_platform(platform={"security": {"mfa": True}}, safeguards={"mfa": "partial"})
    path = tmp_path / "solution.yaml"
    path.write_text(version_3(data), encoding="utf-8")
    with pytest.raises(SolutionError) as info:
        load_solution(path)
    assert [p.path for p in info.value.problems] == ["systems[1].security.mfa"]

    result = upgrade.upgrade_text(path.read_text(encoding="utf-8"), str(path))

    decisions = [c for c in result.changes if c.decision]
    assert [c.path for c in decisions] == ["systems[1].security.mfa"]
    assert "solution-wide 'mfa' safeguard ('partial')" in decisions[0].message
    assert "# compliance upgrade:" in result.text
