"""Assurance documents as facts of a party (issue 24, item 2): ISAE 3000, ISAE 3402 and SOC 2
reports and ISO/IEC 27001 certificates are validated strictly, read into derived facts against the
assessment date, and checked by the assurance pack, where nothing stated is unknown and `[]` is a
failure."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from helpers import one_finding, solution_model
from pydantic import ValidationError

from compliance.core.controls import catalogue
from compliance.core.engine import assess
from compliance.core.facts import (
    RELIED_BY_EVERY_SUPPLIER,
    RELIED_FOR_DEVELOPMENT,
    RELIED_FOR_PERSONAL_DATA,
    RELIED_FOR_SUB_PROCESSORS,
    solution_facts,
)
from compliance.core.models.rules import Outcome
from compliance.core.models.solution import ANNEX_A_CONTROLS
from compliance.core.packs import LoadedPack
from compliance.inputs.loader import load_packs

AS_OF = date(2026, 12, 7)

REPORT: dict[str, Any] = {
    "type": "isae_3402_type_2",
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "opinion": "unqualified",
    "exceptions": 0,
    "covers_product": True,
    "subservice_organisations": [{"party": "hosting", "method": "carve_out"}],
}
CERTIFICATE: dict[str, Any] = {
    "type": "iso_27001_certificate",
    "issued_on": "2024-06-15",
    "expires_on": "2027-06-14",
    "covers_product": True,
    "soa_excluded_controls": ["A.7.13"],
}


def _solution(
    platform: dict[str, Any] | None = None, hosting: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A municipality, its platform supplier (a processor) and the supplier's hosting
    sub-processor, with personal data flowing to the platform."""
    return {
        "schema_version": 4,
        "id": "assured",
        "name": "Assured platform",
        "jurisdiction": "DK",
        "controller": {"party": "city"},
        "parties": [
            {"id": "city", "name": "City", "roles": ["controller"], "country": "DK"},
            {
                "id": "platform",
                "name": "Platform ApS",
                "roles": ["processor"],
                "country": "DK",
                **(platform or {}),
            },
            {
                "id": "hosting",
                "name": "Hosting A/S",
                "roles": ["sub_processor"],
                "engaged_by": "platform",
                "country": "DK",
                **(hosting or {}),
            },
        ],
        "flows": [
            {
                "id": "contacts",
                "name": "Caretakers' contact details",
                "source": "city",
                "destination": "platform",
                "data_categories": ["user.contact.email"],
            }
        ],
    }


@pytest.fixture(scope="module")
def packs() -> list[LoadedPack]:
    return [p for p in load_packs() if p.meta.pack == "assurance"]


def _party(data: dict[str, Any], party: str, as_of: date | None = AS_OF) -> dict[str, Any]:
    facts = solution_facts(solution_model(data), as_of)
    (found,) = [p for p in facts.parties if p["id"] == party]
    return found


def _outcome(
    packs: list[LoadedPack], data: dict[str, Any], rule: str, target: str, as_of: date = AS_OF
) -> Outcome:
    return one_finding(assess(solution_model(data), packs, as_of), rule, target).status


# ---------------------------------------------------------------------------------------------
# Unknown, none and some


def test_a_processor_that_states_no_documents_is_unknown_never_a_pass(packs: list[LoadedPack]) -> None:
    a = assess(solution_model(_solution()), packs, AS_OF)
    results = {(f.rule_id, f.target.id) for f in a.results() if f.target is not None}
    for rule in ("ASSURANCE-DOCUMENT-IN-HAND", "ASSURANCE-COVERS-PRODUCT", "ASSURANCE-REPORT-RECENT"):
        assert one_finding(a, rule, "platform").status is Outcome.UNKNOWN
    assert ("ASSURANCE-DOCUMENT-IN-HAND", "city") in results  # evaluated, and not applicable
    assert one_finding(a, "ASSURANCE-DOCUMENT-IN-HAND", "city").status is Outcome.NOT_APPLICABLE


def test_a_processor_that_states_it_handed_in_none_fails(packs: list[LoadedPack]) -> None:
    data = _solution(platform={"assurance": []})
    assert _outcome(packs, data, "ASSURANCE-DOCUMENT-IN-HAND", "platform") is Outcome.FAIL
    # with no document there is nothing to be recent, covering or clean
    assert _outcome(packs, data, "ASSURANCE-REPORT-RECENT", "platform") is Outcome.NOT_APPLICABLE
    assert _outcome(packs, data, "ASSURANCE-COVERS-PRODUCT", "platform") is Outcome.NOT_APPLICABLE


def test_a_clean_recent_report_and_a_valid_certificate_pass_every_check(packs: list[LoadedPack]) -> None:
    data = _solution(
        platform={"assurance": [REPORT, CERTIFICATE], "develops_software": True},
        hosting={
            "assurance": [dict(CERTIFICATE, soa_excluded_controls=["A.8.25", "A.8.28"])],
            "develops_software": False,
        },
    )
    a = assess(solution_model(data), packs, AS_OF)
    for f in a.results():
        if f.target is not None and f.target.id in ("platform", "hosting"):
            assert f.status in (Outcome.PASS, Outcome.NOT_APPLICABLE), (f.rule_id, f.target.id, f.status)


# ---------------------------------------------------------------------------------------------
# The assessment date


def test_a_report_is_recent_until_twelve_months_after_its_period_ended() -> None:
    data = _solution(platform={"assurance": [REPORT]})
    assert _party(data, "platform", date(2026, 12, 30))["assurance_reports_recent"] is True
    assert _party(data, "platform", date(2026, 12, 31))["assurance_reports_recent"] is False
    leap = _solution(
        platform={"assurance": [dict(REPORT, period_start="2023-03-01", period_end="2024-02-29")]}
    )
    assert _party(leap, "platform", date(2025, 2, 27))["assurance_reports_recent"] is True
    assert _party(leap, "platform", date(2025, 2, 28))["assurance_reports_recent"] is False


def test_a_certificate_is_valid_up_to_and_on_its_expiry_date() -> None:
    data = _solution(platform={"assurance": [CERTIFICATE]})
    assert _party(data, "platform", date(2027, 6, 14))["assurance_certificates_valid"] is True
    assert _party(data, "platform", date(2027, 6, 15))["assurance_certificates_valid"] is False


def test_without_an_assessment_date_the_dated_facts_are_unknown() -> None:
    party = _party(_solution(platform={"assurance": [REPORT, CERTIFICATE]}), "platform", None)
    assert party["assurance_reports_recent"] is None
    assert party["assurance_certificates_valid"] is None
    assert party["assurance_opinions_unqualified"] is True  # the rest does not depend on the date


def test_the_engine_reads_the_documents_against_its_assessment_date(packs: list[LoadedPack]) -> None:
    data = _solution(platform={"assurance": [REPORT]})
    assert _outcome(packs, data, "ASSURANCE-REPORT-RECENT", "platform", date(2026, 6, 1)) is Outcome.PASS
    assert _outcome(packs, data, "ASSURANCE-REPORT-RECENT", "platform", date(2027, 3, 1)) is Outcome.FAIL


# ---------------------------------------------------------------------------------------------
# Opinions and exceptions


@pytest.mark.parametrize("opinion", ["qualified", "adverse", "disclaimer"])
def test_any_opinion_but_an_unqualified_one_is_a_finding(packs: list[LoadedPack], opinion: str) -> None:
    data = _solution(platform={"assurance": [REPORT, dict(REPORT, type="isae_3000_type_2", opinion=opinion)]})
    assert _outcome(packs, data, "ASSURANCE-OPINION-UNQUALIFIED", "platform") is Outcome.FAIL


def test_exceptions_noted_are_a_finding_and_an_unstated_count_is_unknown(packs: list[LoadedPack]) -> None:
    noted = _solution(
        platform={"assurance": [dict(REPORT, exceptions=2, exceptions_summary="Access reviews late")]}
    )
    assert _outcome(packs, noted, "ASSURANCE-NO-EXCEPTIONS", "platform") is Outcome.FAIL
    unstated = _solution(platform={"assurance": [{k: v for k, v in REPORT.items() if k != "exceptions"}]})
    assert _outcome(packs, unstated, "ASSURANCE-NO-EXCEPTIONS", "platform") is Outcome.UNKNOWN


# ---------------------------------------------------------------------------------------------
# Sub-processors: inclusive or carved out


def test_a_carved_out_sub_processor_with_nothing_of_its_own_is_not_covered(packs: list[LoadedPack]) -> None:
    data = _solution(platform={"assurance": [REPORT]}, hosting={"assurance": []})
    assert _outcome(packs, data, "ASSURANCE-SUBPROCESSORS-COVERED", "platform") is Outcome.FAIL
    assert _outcome(packs, data, "ASSURANCE-DOCUMENT-IN-HAND", "hosting") is Outcome.FAIL


def test_a_carved_out_sub_processor_with_its_own_certificate_is_covered(packs: list[LoadedPack]) -> None:
    data = _solution(platform={"assurance": [REPORT]}, hosting={"assurance": [CERTIFICATE]})
    assert _outcome(packs, data, "ASSURANCE-SUBPROCESSORS-COVERED", "platform") is Outcome.PASS
    assert _outcome(packs, data, "ASSURANCE-DOCUMENT-IN-HAND", "hosting") is Outcome.PASS


def test_a_sub_processor_inside_its_processors_report_needs_none_of_its_own(packs: list[LoadedPack]) -> None:
    inclusive = dict(REPORT, subservice_organisations=[{"party": "hosting", "method": "inclusive"}])
    data = _solution(platform={"assurance": [inclusive]}, hosting={"assurance": []})
    assert _party(data, "hosting")["assurance_inclusive_in_processor"] is True
    assert _outcome(packs, data, "ASSURANCE-DOCUMENT-IN-HAND", "hosting") is Outcome.PASS
    assert _outcome(packs, data, "ASSURANCE-SUBPROCESSORS-COVERED", "platform") is Outcome.PASS


def test_a_sub_processor_that_names_no_processor_leaves_the_chain_unknown() -> None:
    data = _solution(platform={"assurance": [REPORT]}, hosting={"assurance": []})
    data["parties"][2].pop("engaged_by")
    platform, hosting = _party(data, "platform"), _party(data, "hosting")
    assert platform["engages_subprocessors"] is None
    assert platform["assurance_subprocessors_covered"] is None
    assert hosting["assurance_inclusive_in_processor"] is None


def test_a_report_that_does_not_list_its_subservice_organisations_leaves_coverage_unknown() -> None:
    silent = {k: v for k, v in REPORT.items() if k != "subservice_organisations"}
    data = _solution(platform={"assurance": [silent]}, hosting={"assurance": []})
    assert _party(data, "platform")["assurance_subprocessors_covered"] is None


# ---------------------------------------------------------------------------------------------
# The Statement of Applicability and the controls relied on


def test_the_controls_relied_on_are_annex_a_controls_in_the_catalogue() -> None:
    relied = (
        RELIED_BY_EVERY_SUPPLIER
        | RELIED_FOR_PERSONAL_DATA
        | RELIED_FOR_SUB_PROCESSORS
        | RELIED_FOR_DEVELOPMENT
    )
    assert relied <= set(ANNEX_A_CONTROLS)
    assert len(ANNEX_A_CONTROLS) == 93
    assert {f"ISO27001-{c}" for c in RELIED_FOR_SUB_PROCESSORS} <= set(catalogue().controls)


@pytest.mark.parametrize(
    ("excluded", "develops", "expected"),
    [
        (["A.8.13"], False, True),  # backup: relied on for every processor
        (["A.8.28"], True, True),  # secure coding, where it develops the software
        (["A.8.28"], False, False),  # ... and not where it only hosts
        (["A.8.28"], None, None),  # unknown until it is known who develops the software
        (["A.5.20"], None, True),  # its own supplier agreements: it engages a sub-processor
        (["A.7.13"], None, False),  # equipment maintenance: not relied on
    ],
)
def test_a_statement_of_applicability_excluding_a_relied_control_is_found(
    excluded: list[str], develops: bool | None, expected: bool | None
) -> None:
    platform: dict[str, Any] = {"assurance": [dict(CERTIFICATE, soa_excluded_controls=excluded)]}
    if develops is not None:
        platform["develops_software"] = develops
    assert (
        _party(_solution(platform=platform), "platform")["assurance_soa_excludes_relied_controls"] is expected
    )


def test_an_unread_statement_of_applicability_is_unknown(packs: list[LoadedPack]) -> None:
    unread = {k: v for k, v in CERTIFICATE.items() if k != "soa_excluded_controls"}
    data = _solution(platform={"assurance": [unread], "develops_software": False})
    assert _outcome(packs, data, "ASSURANCE-SOA-RELIED-CONTROLS", "platform") is Outcome.UNKNOWN


def test_declaring_a_safeguard_never_makes_a_control_relied_on() -> None:
    data = _solution(
        platform={
            "assurance": [dict(CERTIFICATE, soa_excluded_controls=["A.8.22"])],
            "develops_software": False,
        }
    )
    before = _party(data, "platform")["assurance_soa_excludes_relied_controls"]
    data["safeguards"] = [{"control": "network_segmentation", "status": "implemented"}]
    assert _party(data, "platform")["assurance_soa_excludes_relied_controls"] is before is False


# ---------------------------------------------------------------------------------------------
# Less information never gives another answer


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in [(*path, k), *_paths(v, (*path, k))]]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths(v, (*path, i))]
    return []


def test_removing_any_stated_assurance_fact_never_turns_a_derived_fact_into_another_known_value() -> None:
    data = _solution(
        platform={"assurance": [REPORT, CERTIFICATE], "develops_software": True},
        hosting={
            "assurance": [dict(CERTIFICATE, soa_excluded_controls=["A.8.28"])],
            "develops_software": False,
        },
    )
    names = [
        "assurance_documents",
        "assurance_covers_product",
        "assurance_reports_recent",
        "assurance_opinions_unqualified",
        "assurance_exceptions_noted",
        "assurance_certificates_valid",
        "assurance_soa_excludes_relied_controls",
        "engages_subprocessors",
        "assurance_subprocessors_covered",
        "assurance_inclusive_in_processor",
    ]
    before = {p: {n: _party(data, p)[n] for n in names} for p in ("platform", "hosting")}
    removable = [
        path
        for i in (1, 2)
        for path in _paths(data["parties"][i], ("parties", i))
        if isinstance(path[-1], str) and path[-1] not in ("type", "party", "id", "name", "roles", "country")
    ]
    assert len(removable) >= 20
    for path in removable:
        smaller = copy.deepcopy(data)
        node: Any = smaller
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        try:
            model = solution_model(smaller)
        except ValidationError:
            continue
        facts = {p["id"]: p for p in solution_facts(model, AS_OF).parties}
        for party, old in before.items():
            for name, value in old.items():
                new = facts[party][name]
                assert new is None or new == value, (path, party, name, value, new)


# ---------------------------------------------------------------------------------------------
# Strict input


def test_a_report_field_on_a_certificate_is_refused_with_the_documents_type() -> None:
    data = _solution(platform={"assurance": [dict(CERTIFICATE, opinion="unqualified")]})
    with pytest.raises(
        ValidationError, match=r"opinion: not a fact of a certificate \('iso_27001_certificate'\)"
    ):
        solution_model(data)


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    data = _solution(platform={"assurance": [dict(REPORT, period_start="2026-01-01")]})
    with pytest.raises(ValidationError, match="'period_start' is after 'period_end'"):
        solution_model(data)


def test_an_annex_a_number_that_does_not_exist_is_refused() -> None:
    data = _solution(platform={"assurance": [dict(CERTIFICATE, soa_excluded_controls=["A.8.35"])]})
    with pytest.raises(ValidationError, match=r"'A\.8\.35' is not a control of ISO/IEC 27001:2022 Annex A"):
        solution_model(data)


def test_a_subservice_organisation_must_be_a_party_of_the_solution() -> None:
    data = _solution(platform={"assurance": [dict(REPORT, subservice_organisations=[{"party": "hostin"}])]})
    with pytest.raises(
        ValidationError,
        match=r"parties\[1\]\.assurance\[0\]\.subservice_organisations\[0\]\.party: 'hostin' is not defined "
        r"\(did you mean 'hosting'\?\)",
    ):
        solution_model(data)
