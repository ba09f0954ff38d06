"""The corrections of the December 2026 legal review (issue 17), through the shipped packs and the
real engine: consent under dependence, baseline rules whose severity follows the risk, the CRA's
transitional rule and pending results that say what they would be, national acts for the energy
sector, partial adequacy decisions, the crosswalk, and remediations in plain words."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

import pytest
import yaml
from helpers import REPO, load_pack, minimal_solution, one_finding, pack_text, rule_dict, solution_model

from compliance.core.engine import assess
from compliance.core.errors import RulePackError
from compliance.core.explanations import explain
from compliance.core.models.assessment import Assessment
from compliance.core.models.rules import Outcome, Severity
from compliance.core.packs import LoadedPack
from compliance.inputs.loader import load_pack_text, load_packs
from compliance.outputs import i18n

TODAY = date(2026, 12, 6)


@cache
def _packs() -> tuple[LoadedPack, ...]:
    return tuple(load_packs())


def _assess(data: dict[str, Any], as_of: date = TODAY) -> Assessment:
    return assess(solution_model(data), _packs(), as_of)


# ---------------------------------------------------------------------------------------------
# GDPR Art. 32: the baseline rules' severity follows the risk


def _stored_flow(data: dict[str, Any], **flow: Any) -> dict[str, Any]:
    data["flows"][0].update(flow)
    return data


def test_encryption_at_rest_is_medium_only_where_no_risk_factor_holds() -> None:
    data = _stored_flow(minimal_solution(), data_categories=["user.contact.email"], scale={"subjects": 200})
    for system in data["systems"]:
        system["security"] = {"internet_facing": False}
    low = one_finding(_assess(data), "GDPR-32-1A-ENCRYPTION-AT-REST", "readings")
    assert low.status is Outcome.UNKNOWN
    assert low.severity is Severity.MEDIUM


def test_encryption_at_rest_is_high_for_special_categories_or_an_internet_facing_system() -> None:
    data = _stored_flow(
        minimal_solution(), data_categories=["user.health.vital_signs"], scale={"subjects": 200}
    )
    for system in data["systems"]:
        system["security"] = {"internet_facing": False}
    assert one_finding(_assess(data), "GDPR-32-1A-ENCRYPTION-AT-REST").severity is Severity.HIGH
    data = _stored_flow(minimal_solution(), data_categories=["user.contact.email"], scale={"subjects": 200})
    data["systems"][1]["security"] = {"internet_facing": True}
    data["systems"][0]["security"] = {"internet_facing": False}
    assert one_finding(_assess(data), "GDPR-32-1A-ENCRYPTION-AT-REST").severity is Severity.HIGH


def test_a_risk_factor_not_stated_keeps_the_higher_severity() -> None:
    data = _stored_flow(minimal_solution(), data_categories=["user.contact.email"], scale={"subjects": 200})
    finding = one_finding(_assess(data), "GDPR-32-1A-ENCRYPTION-AT-REST")
    assert finding.severity is Severity.HIGH
    assert finding.weight == 4.0


def test_the_baseline_rules_say_so_in_their_title_and_in_the_assessment() -> None:
    a = _assess(minimal_solution())
    for rule_id in ("GDPR-32-1A-ENCRYPTION-AT-REST", "GDPR-32-1B-ACCESS-CONTROL"):
        info = a.rules[rule_id]
        assert info.baseline is True
        assert info.title.startswith("Baseline:")
        assert "baseline" in info.rationale
    assert a.rules["GDPR-32-1A-ENCRYPTION-IN-TRANSIT"].baseline is False


def test_a_reduced_severity_that_is_not_lower_is_refused() -> None:
    rule = rule_dict(
        severity="medium",
        severity_reduced={"severity": "high", "when": {"fact": "flow.large_scale", "equals": False}},
    )
    with pytest.raises(RulePackError, match="'high' is not lower than the rule's severity 'medium'"):
        load_pack(rule)


def test_a_changelog_whose_newest_entry_is_not_the_pack_version_is_refused() -> None:
    text = pack_text(
        rule_dict(),
        changelog=[{"version": "0.9.0", "released": "2026-01-01", "changes": ["First version."]}],
    )
    with pytest.raises(
        RulePackError, match=re.escape("newest entry is for version 0.9.0, but the pack is version 1.0.0")
    ):
        load_pack_text(text, "test-pack.yaml", "test")


def test_every_shipped_pack_has_a_changelog_for_its_version() -> None:
    for pack in _packs():
        if pack.meta.pack == "etsi-en-303-645":
            continue  # unchanged since its first version
        assert pack.meta.changelog, pack.meta.pack
        assert pack.meta.changelog[0].version == pack.meta.version


# ---------------------------------------------------------------------------------------------
# GDPR Art. 4(11): consent under dependence


def _consent_flow(
    data: dict[str, Any], public: bool, subjects: list[str], reason: str | None = None
) -> dict[str, Any]:
    data["controller"]["public_authority"] = public
    flow = data["flows"][0]
    flow.update(data_categories=["user.contact.email"], data_subjects=subjects, lawful_basis="a")
    if reason is not None:
        flow["consent"] = {"refusal_without_detriment": reason}
    return data


def test_consent_to_a_public_authority_fails_unless_refusing_is_shown_to_cost_nothing() -> None:
    rule = "GDPR-4-11-CONSENT-DEPENDENCE"
    assert (
        one_finding(_assess(_consent_flow(minimal_solution(), True, ["app_users"])), rule).status
        is Outcome.FAIL
    )
    argued = _consent_flow(minimal_solution(), True, ["app_users"], "Nothing is lost by saying no")
    assert one_finding(_assess(argued), rule).status is Outcome.NEEDS_REVIEW


def test_employees_consent_fails_whoever_the_employer_is() -> None:
    data = _consent_flow(minimal_solution(), False, ["employees"])
    assert one_finding(_assess(data), "GDPR-4-11-CONSENT-DEPENDENCE").status is Outcome.FAIL
    customers = _consent_flow(minimal_solution(), False, ["customers"])
    assert one_finding(_assess(customers), "GDPR-4-11-CONSENT-DEPENDENCE").status is Outcome.NOT_APPLICABLE


# ---------------------------------------------------------------------------------------------
# CRA: Art. 69(2) and pending results that say what they would be


def _product(data: dict[str, Any], **product: Any) -> dict[str, Any]:
    data["systems"][0]["product"] = {"placed_on_eu_market": True, **product}
    data["systems"][0]["security"] = {"update": {"available": False}}
    return data


def test_a_pending_duty_says_the_product_would_fail_it_today() -> None:
    a = _assess(_product(minimal_solution(), units_placed_on_market_by="2028-02-01"))
    finding = one_finding(a, "CRA-I1-2C-SECURITY-UPDATES", "sensor")
    assert finding.status is Outcome.PENDING
    assert finding.would_be is Outcome.FAIL
    assert finding.explanation.endswith("If it applied today, it would not be met.")
    danish = explain(
        finding.status,
        finding.facts,
        effective_from=finding.effective_from,
        would_be=finding.would_be,
        tr=i18n.translator("da"),
        date_text=lambda d: i18n.date(d, "da"),
    )
    assert "Hvis den gjaldt i dag, ville den ikke være opfyldt." in danish


def test_units_placed_before_december_2027_and_not_modified_show_no_annex_i_duty() -> None:
    legacy = _product(
        minimal_solution(),
        placed_on_market_on="2025-05-01",
        units_placed_on_market_by="2027-03-01",
        substantially_modified=False,
    )
    for as_of in (TODAY, date(2028, 6, 1)):
        a = _assess(legacy, as_of)
        annex = [f for f in a.results() if f.rule_id.startswith(("CRA-I1-", "CRA-I2-", "CRA-13-"))]
        assert annex and all(f.status is Outcome.NOT_APPLICABLE for f in annex)
        # Art. 14 still applies to them (Art. 69(3))
        assert (
            one_finding(a, "CRA-14-1-EXPLOITED-VULNERABILITY-NOTICE", "sensor").status
            is not Outcome.NOT_APPLICABLE
        )


def test_a_substantial_modification_brings_earlier_units_under_annex_i() -> None:
    modified = _product(
        minimal_solution(), units_placed_on_market_by="2027-03-01", substantially_modified=True
    )
    assert (
        one_finding(_assess(modified, date(2028, 6, 1)), "CRA-I1-2C-SECURITY-UPDATES", "sensor").status
        is Outcome.FAIL
    )


def test_when_the_units_were_placed_on_the_market_decides_or_leaves_it_unknown() -> None:
    unknown = _product(minimal_solution(), placed_on_market_on="2025-05-01")
    assert (
        one_finding(_assess(unknown, date(2028, 6, 1)), "CRA-I1-2C-SECURITY-UPDATES", "sensor").status
        is Outcome.UNKNOWN
    )


def test_five_years_of_support_is_a_floor_not_a_safe_harbour() -> None:
    data = _product(minimal_solution(), placed_on_market_on="2028-01-10", expected_use_years=12)
    data["systems"][0]["security"] = {"support_period_end": "2033-01-10"}
    assert (
        one_finding(_assess(data, date(2028, 6, 1)), "CRA-13-8-SUPPORT-PERIOD", "sensor").status
        is Outcome.FAIL
    )
    del data["systems"][0]["product"]["expected_use_years"]
    assert (
        one_finding(_assess(data, date(2028, 6, 1)), "CRA-13-8-SUPPORT-PERIOD", "sensor").status
        is Outcome.UNKNOWN
    )


# ---------------------------------------------------------------------------------------------
# NIS2: the Danish energy sector's own act


def _nis2_entity(sectors: list[str]) -> dict[str, Any]:
    data = minimal_solution()
    data["entity"] = {"sectors": sectors, "size": "large", "nis2_status": "essential", "registered": False}
    return data


def test_a_danish_district_heating_company_is_cited_the_energy_sector_act() -> None:
    finding = one_finding(_assess(_nis2_entity(["energy_district_heating_cooling"])), "NIS2-3-4-REGISTRATION")
    assert finding.national_citation is not None
    assert finding.national_citation.startswith("Lov om styrket beredskab i energisektoren")


def test_other_danish_entities_are_cited_nis_2_loven() -> None:
    finding = one_finding(_assess(_nis2_entity(["drinking_water"])), "NIS2-3-4-REGISTRATION")
    assert finding.national_citation is not None and "NIS 2-loven" in finding.national_citation


def test_a_swedish_energy_company_keeps_the_swedish_act() -> None:
    data = _nis2_entity(["energy_district_heating_cooling"])
    data["jurisdiction"] = "SE"
    data["parties"][0]["country"] = "SE"
    finding = one_finding(_assess(data), "NIS2-3-4-REGISTRATION")
    assert finding.national_citation is not None and "2025:1506" in finding.national_citation


def test_an_unknown_sector_in_a_pack_setting_is_refused() -> None:
    text = pack_text(
        rule_dict(),
        sector_transpositions=[{"jurisdiction": "DK", "sectors": ["energy_heat"], "act": "Some act"}],
    )
    with pytest.raises(RulePackError, match="unknown NIS2 sector 'energy_heat'"):
        load_pack_text(text, "test-pack.yaml", "test")


# ---------------------------------------------------------------------------------------------
# Transfers: partial adequacy decisions


def _adequacy_recipient(country: str) -> dict[str, Any]:
    data = minimal_solution()
    data["parties"].append(
        {
            "id": "host",
            "name": "Host",
            "roles": ["processor"],
            "country": country,
            "remote_access_from": [country],
            "transfer": {"mechanism": "adequacy"},
        }
    )
    data["systems"][1]["operator"] = "host"
    return data


@pytest.mark.parametrize(
    ("country", "outcome"),
    [("JP", Outcome.NEEDS_REVIEW), ("CA", Outcome.NEEDS_REVIEW), ("CH", Outcome.PASS), ("US", Outcome.FAIL)],
)
def test_a_partial_adequacy_decision_needs_review_and_the_us_needs_the_dpf(
    country: str, outcome: Outcome
) -> None:
    assert one_finding(_assess(_adequacy_recipient(country)), "GDPR-45-1-ADEQUACY", "host").status is outcome


# ---------------------------------------------------------------------------------------------
# The crosswalk and the plain words


def test_no_crosswalk_mapping_claims_equivalence_with_the_cra() -> None:
    mappings = yaml.safe_load((REPO / "rules" / "controls" / "crosswalk.yaml").read_text(encoding="utf-8"))[
        "mappings"
    ]
    cra = [m for m in mappings if "CRA-" in m["target"] or "CRA-" in m["source"]]
    assert cra and all(m["relation"] != "equivalent" for m in cra)
    (etsi,) = [m for m in cra if m["source"] == "ETSI-303645-5.6" and m["target"] == "CRA-I-I-2J"]
    assert etsi["relation"] == "subset"


_FIELDISH = re.compile(r"`|\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z_]+\.[a-z_]+(?:\.[a-z_]+)*: ")


def _remediations() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted((REPO / "rules" / "packs").glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            out.append(("en", rule["id"], rule["remediation"]))
    for lang in ("da", "sv"):
        for path in sorted((REPO / "rules" / "translations" / lang).glob("*.yaml")):
            for rid, entry in (yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or {}).items():
                if "remediation" in entry:
                    out.append((lang, rid, entry["remediation"]))
    return out


def test_no_remediation_tells_the_reader_to_set_a_field() -> None:
    offending = [
        (lang, rid, m.group(0)) for lang, rid, text in _remediations() if (m := _FIELDISH.search(text))
    ]
    assert offending == []


def test_one_term_for_multi_factor_authentication_per_language() -> None:
    wrong = {
        "da": ("flerfaktor", "tofaktor", "to-faktor", "multifaktorautentifikation"),
        "sv": ("multifaktor", "tvåfaktor"),
    }
    found = []
    for lang, words in wrong.items():
        for path in sorted((REPO / "rules" / "translations" / lang).glob("*.yaml")):
            text = path.read_text(encoding="utf-8").lower()
            found += [(lang, path.name, w) for w in words if w in text]
    assert found == []


def test_units_placed_before_the_product_itself_are_refused_with_the_field(
    write_solution: Any, cli: Any
) -> None:
    data = _product(
        minimal_solution(), placed_on_market_on="2026-05-01", units_placed_on_market_by="2026-01-01"
    )
    run = cli("assess", write_solution(data), "--as-of", "2026-12-06")
    assert run.code == 2
    assert "systems[0].product" in run.err
    assert "no unit can be placed on the market before the product first is" in run.err


def test_the_report_lists_the_duties_that_apply_later_with_what_they_would_be_today() -> None:
    from compliance.outputs.report import render_html

    a = _assess(_product(minimal_solution(), units_placed_on_market_by="2028-02-01"))
    html = render_html(a, "da")
    section = html.split("Pligter, der gælder senere", 1)[1].split("</table>", 1)[0]
    assert "CRA-I1-2C-SECURITY-UPDATES" in section
    assert "11. december 2027" in section
    assert "ikke opfyldt" in section
