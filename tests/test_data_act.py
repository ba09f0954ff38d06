"""The Data Act pack (issue 24, item 4): a cloud provider's switching terms are checked for the
parties that contract with the organisation, a connected product's data rights for its devices and
gateways, each on the dates Art. 50 and Art. 29 set, named once as the pack's settings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from helpers import one_finding, solution_model

from compliance.core.engine import assess
from compliance.core.models.rules import Outcome
from compliance.core.packs import LoadedPack
from compliance.inputs.loader import load_packs

AS_OF = date(2026, 12, 7)

CLOUD: dict[str, Any] = {
    "data_processing_service": True,
    "custom_built": False,
    "switching_terms_in_contract": True,
    "notice_period_days": 60,
    "transitional_period_days": 30,
    "retrieval_period_days": 30,
    "exportable_data_specified": True,
    "switching_charges": "none",
    "international_access_information": True,
}
METER: dict[str, Any] = {
    "connected_product": True,
    "maker_micro_or_small": False,
    "acquired_on": "2026-03-20",
    "pre_contract_information": True,
    "accessible_by_design": True,
    "directly_accessible": False,
    "access_on_request": True,
    "third_party_sharing": True,
}


@pytest.fixture(scope="module")
def pack() -> LoadedPack:
    (found,) = [p for p in load_packs() if p.meta.pack == "data-act"]
    return found


def _solution(
    platform: dict[str, Any] | None = None,
    meter: dict[str, Any] | None = None,
    product: dict[str, Any] | None = None,
    roles: tuple[str, ...] = ("processor",),
) -> dict[str, Any]:
    """A municipality, a platform supplier and a meter the municipality owns."""
    return {
        "schema_version": 4,
        "id": "metering",
        "name": "Smart metering",
        "jurisdiction": "SE",
        "controller": {"party": "kommun"},
        "parties": [
            {"id": "kommun", "name": "Kommunen", "roles": ["controller"], "country": "SE"},
            {
                "id": "platform",
                "name": "Platform AB",
                "roles": list(roles),
                "country": "SE",
                **({"data_act": platform} if platform is not None else {}),
            },
        ],
        "systems": [
            {
                "id": "meter",
                "name": "Water meter",
                "kind": "device",
                "operator": "kommun",
                **({"data_act": meter} if meter is not None else {}),
                **({"product": product} if product is not None else {}),
            }
        ],
    }


def _outcome(pack: LoadedPack, data: dict[str, Any], rule: str, target: str, as_of: date = AS_OF) -> Outcome:
    return one_finding(assess(solution_model(data), [pack], as_of), rule, target).status


def test_the_dates_in_the_rules_are_the_dates_of_the_settings(pack: LoadedPack) -> None:
    settings = pack.meta.settings
    rules = {r.id: r.rule for r in pack.rules}
    assert settings["applies_from"].date == date(2025, 9, 12)  # Art. 50, second paragraph
    # Art. 3(1): products placed on the market after 12 September 2026, the day before the setting
    design = rules["DATAACT-3-1-ACCESS-BY-DESIGN"]
    assert design.effective_from == settings["access_by_design_from"].date == date(2026, 9, 13)
    assert "2026-09-12" in str(design.applies_when)
    # Art. 29: charges at cost until the day before charges end altogether
    at_cost, none = (
        rules["DATAACT-29-3-SWITCHING-CHARGES-AT-COST"],
        rules["DATAACT-29-1-NO-SWITCHING-CHARGES"],
    )
    assert none.effective_from == settings["no_switching_charges_from"].date == date(2027, 1, 12)
    assert at_cost.effective_until == none.effective_from - timedelta(days=1)


def test_the_date_a_pending_amendment_may_move_is_listed_as_not_verified(pack: LoadedPack) -> None:
    a = assess(solution_model(_solution()), [pack], AS_OF)
    (info,) = a.rule_packs
    assert [u.name for u in info.unverified_dates] == ["no_switching_charges_from"]


def test_a_cloud_contract_within_the_limits_passes_and_the_charge_ban_waits(pack: LoadedPack) -> None:
    a = assess(solution_model(_solution(platform=CLOUD)), [pack], AS_OF)
    for f in a.results():
        if f.target is not None and f.target.id == "platform":
            expected = Outcome.PENDING if f.rule_id == "DATAACT-29-1-NO-SWITCHING-CHARGES" else Outcome.PASS
            assert f.status is expected, f.rule_id
    ban = one_finding(a, "DATAACT-29-1-NO-SWITCHING-CHARGES", "platform")
    assert ban.would_be is Outcome.PASS


def test_nothing_stated_about_the_data_act_is_unknown_never_a_pass(pack: LoadedPack) -> None:
    a = assess(solution_model(_solution()), [pack], AS_OF)
    assert one_finding(a, "DATAACT-25-1-SWITCHING-CONTRACT", "platform").status is Outcome.UNKNOWN
    assert one_finding(a, "DATAACT-5-1-SHARING-WITH-THIRD-PARTY", "meter").status is Outcome.UNKNOWN


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("notice_period_days", 60, Outcome.PASS),
        ("notice_period_days", 61, Outcome.FAIL),
        ("transitional_period_days", 31, Outcome.FAIL),
        ("retrieval_period_days", 29, Outcome.FAIL),
        ("retrieval_period_days", 90, Outcome.PASS),
    ],
)
def test_the_switching_periods_have_the_data_acts_limits(
    pack: LoadedPack, field: str, value: int, expected: Outcome
) -> None:
    data = _solution(platform=dict(CLOUD, **{field: value}))
    assert _outcome(pack, data, "DATAACT-25-2-SWITCHING-PERIODS", "platform") is expected


def test_a_sub_processor_is_the_processors_provider_not_the_organisations(pack: LoadedPack) -> None:
    data = _solution(platform=dict(CLOUD, switching_terms_in_contract=False), roles=("sub_processor",))
    assert _outcome(pack, data, "DATAACT-25-1-SWITCHING-CONTRACT", "platform") is Outcome.NOT_APPLICABLE


def test_charges_at_cost_are_allowed_until_12_january_2027_and_none_after(pack: LoadedPack) -> None:
    data = _solution(platform=dict(CLOUD, switching_charges="cost_based"))
    assert _outcome(pack, data, "DATAACT-29-3-SWITCHING-CHARGES-AT-COST", "platform") is Outcome.PASS
    after = date(2027, 1, 12)
    assert _outcome(pack, data, "DATAACT-29-1-NO-SWITCHING-CHARGES", "platform", after) is Outcome.FAIL
    assert (
        _outcome(pack, data, "DATAACT-29-3-SWITCHING-CHARGES-AT-COST", "platform", after)
        is Outcome.NOT_APPLICABLE
    )


def test_a_custom_built_service_is_outside_the_charge_rules(pack: LoadedPack) -> None:
    data = _solution(platform=dict(CLOUD, custom_built=True, switching_charges="above_cost"))
    assert (
        _outcome(pack, data, "DATAACT-29-3-SWITCHING-CHARGES-AT-COST", "platform") is Outcome.NOT_APPLICABLE
    )


@pytest.mark.parametrize(
    ("product", "expected"),
    [
        ({"placed_on_market_on": "2026-09-12"}, Outcome.UNKNOWN),  # later units may have been placed
        (
            {"placed_on_market_on": "2026-09-12", "units_placed_on_market_by": "2026-09-12"},
            Outcome.NOT_APPLICABLE,
        ),
        ({"placed_on_market_on": "2026-09-13"}, Outcome.FAIL),
        ({"placed_on_market_on": "2024-01-01", "units_placed_on_market_by": "2027-05-01"}, Outcome.FAIL),
    ],
)
def test_access_by_design_is_owed_for_units_placed_on_the_market_after_12_september_2026(
    pack: LoadedPack, product: dict[str, Any], expected: Outcome
) -> None:
    data = _solution(meter=dict(METER, accessible_by_design=False), product=product)
    assert _outcome(pack, data, "DATAACT-3-1-ACCESS-BY-DESIGN", "meter") is expected


def test_a_micro_or_small_makers_product_is_outside_chapter_ii(pack: LoadedPack) -> None:
    data = _solution(
        meter=dict(METER, maker_micro_or_small=True, third_party_sharing=False, access_on_request=False)
    )
    for rule in ("DATAACT-4-1-ACCESS-ON-REQUEST", "DATAACT-5-1-SHARING-WITH-THIRD-PARTY"):
        assert _outcome(pack, data, rule, "meter") is Outcome.NOT_APPLICABLE


def test_access_on_request_is_owed_only_where_the_data_cannot_be_reached_directly(pack: LoadedPack) -> None:
    closed = _solution(meter=dict(METER, access_on_request=False))
    assert _outcome(pack, closed, "DATAACT-4-1-ACCESS-ON-REQUEST", "meter") is Outcome.FAIL
    direct = _solution(meter=dict(METER, directly_accessible=True, access_on_request=False))
    assert _outcome(pack, direct, "DATAACT-4-1-ACCESS-ON-REQUEST", "meter") is Outcome.NOT_APPLICABLE


def test_the_information_before_the_contract_is_owed_for_contracts_from_12_september_2025(
    pack: LoadedPack,
) -> None:
    late = _solution(meter=dict(METER, pre_contract_information=False))
    assert _outcome(pack, late, "DATAACT-3-2-PRE-CONTRACT-INFORMATION", "meter") is Outcome.FAIL
    early = _solution(meter=dict(METER, pre_contract_information=False, acquired_on="2025-09-11"))
    assert _outcome(pack, early, "DATAACT-3-2-PRE-CONTRACT-INFORMATION", "meter") is Outcome.NOT_APPLICABLE


def test_a_cloud_service_system_is_no_connected_product(pack: LoadedPack) -> None:
    data = _solution(meter=dict(METER, third_party_sharing=False))
    data["systems"][0]["kind"] = "cloud_service"
    assert _outcome(pack, data, "DATAACT-5-1-SHARING-WITH-THIRD-PARTY", "meter") is Outcome.NOT_APPLICABLE
