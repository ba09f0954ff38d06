"""The shipped crosswalk as data: it loads, it reaches every control the review relies on, and it
never claims more than it may (no equivalent inside one framework, none across the line between
a product requirement and an organisation's duty)."""

from __future__ import annotations

from collections import Counter

import pytest

from compliance.core.controls import Catalogue, catalogue
from compliance.core.models.controls import Relation

NIS2_21_2 = [f"NIS2-21-2-{point}" for point in "ABCDEFGHIJ"]
NIS2_ALL = ["NIS2-20-1", "NIS2-20-2", *NIS2_21_2, "NIS2-23-4-A", "NIS2-23-4-B", "NIS2-23-4-D"]
ETSI_5 = [f"ETSI-303645-5.{n}" for n in range(1, 14)]
GDPR = ["GDPR-25-1", "GDPR-25-2", "GDPR-32-1-A", "GDPR-32-1-B", "GDPR-32-1-C", "GDPR-32-1-D"]

PRODUCT_FRAMEWORKS = {"cra", "etsi-en-303-645"}
ORGANISATION_FRAMEWORKS = {"nis2", "iso27001", "gdpr"}


def _fw(cat: Catalogue, control_id: str) -> str:
    return cat.framework_of[control_id].id


def _mapped_frameworks(cat: Catalogue, control_id: str) -> set[str]:
    """The frameworks of every control mapped to or from this one."""
    return {_fw(cat, other) for other, _, _ in cat.mappings_of(control_id)}


# ---------------------------------------------------------------------------------------------
# It loads


def test_the_crosswalk_loads_with_the_catalogue_and_claims_no_equivalence() -> None:
    relations = Counter(m.relation for m in catalogue().mappings)

    assert sum(relations.values()) >= 80
    # A standard shows conformity with a law only where the law says so (CRA Art. 27: harmonised
    # standards): no shipped pair is equivalent; subsets and pointers remain.
    assert set(relations) == {Relation.SUBSET, Relation.RELATED}


def test_no_pair_is_mapped_twice_and_no_control_maps_to_itself() -> None:
    pairs = [frozenset((m.source, m.target)) for m in catalogue().mappings]

    assert all(len(pair) == 2 for pair in pairs)
    assert len(pairs) == len(set(pairs))


def test_every_mapping_joins_two_frameworks() -> None:
    cat = catalogue()
    inside = [(m.source, m.target) for m in cat.mappings if _fw(cat, m.source) == _fw(cat, m.target)]

    assert inside == []


# ---------------------------------------------------------------------------------------------
# It reaches every control the review relies on


@pytest.mark.parametrize("control_id", NIS2_21_2)
def test_every_nis2_article_21_2_measure_has_a_mapping(control_id: str) -> None:
    assert catalogue().mappings_of(control_id), control_id


@pytest.mark.parametrize("control_id", NIS2_ALL)
def test_every_nis2_control_points_to_an_iso_27001_annex_a_control(control_id: str) -> None:
    assert "iso27001" in _mapped_frameworks(catalogue(), control_id), control_id


@pytest.mark.parametrize("control_id", ETSI_5)
def test_every_etsi_en_303_645_provision_has_a_mapping_to_a_cra_requirement(control_id: str) -> None:
    assert "cra" in _mapped_frameworks(catalogue(), control_id), control_id


@pytest.mark.parametrize("control_id", GDPR)
def test_every_gdpr_article_25_and_32_1_control_is_the_source_or_target_of_a_mapping(control_id: str) -> None:
    cat = catalogue()

    assert control_id in cat.controls
    assert any(control_id in (m.source, m.target) for m in cat.mappings), control_id


def test_the_lists_above_name_every_nis2_measure_and_etsi_provision_of_the_catalogue() -> None:
    """Art. 20, 21(2) and 23(4) are the NIS2 measures the crosswalk must reach; a control for a
    purely legal step (registration, Art. 3(4)) has no counterpart in a standard."""
    cat = catalogue()
    measures = ("NIS2 Art. 20(", "NIS2 Art. 21(2)", "NIS2 Art. 23(4)")

    assert {c.id for c in cat.controls.values() if c.citation.startswith(measures)} == set(NIS2_ALL)
    assert {c for c in cat.controls if _fw(cat, c) == "etsi-en-303-645"} == set(ETSI_5)


# ---------------------------------------------------------------------------------------------
# It never claims more than it may


def test_no_two_controls_of_one_framework_are_equivalent() -> None:
    cat = catalogue()
    same = [
        (m.source, m.target)
        for m in cat.mappings
        if m.relation is Relation.EQUIVALENT and _fw(cat, m.source) == _fw(cat, m.target)
    ]

    assert same == []


def test_no_iso_control_is_equivalent_to_a_nis2_duty_which_covers_the_whole_entity() -> None:
    cat = catalogue()
    claimed = [
        (m.source, m.target)
        for m in cat.mappings
        if m.relation is Relation.EQUIVALENT
        and {_fw(cat, m.source), _fw(cat, m.target)} == {"iso27001", "nis2"}
    ]

    assert claimed == []


def test_no_product_requirement_is_equivalent_to_a_duty_of_the_organisation_using_the_product() -> None:
    cat = catalogue()
    claimed = [
        (m.source, m.target)
        for m in cat.mappings
        if m.relation is Relation.EQUIVALENT
        and {_fw(cat, m.source), _fw(cat, m.target)} & PRODUCT_FRAMEWORKS
        and {_fw(cat, m.source), _fw(cat, m.target)} & ORGANISATION_FRAMEWORKS
    ]

    assert claimed == []


def test_every_equivalent_says_why() -> None:
    unexplained = [
        (m.source, m.target) for m in catalogue().mappings if m.relation is Relation.EQUIVALENT and not m.note
    ]

    assert unexplained == []


def test_the_two_72_hour_notifications_are_only_related() -> None:
    """A NIS2 incident notification to the CSIRT is not a personal data breach notification to
    the supervisory authority, nor the other way round."""
    [mapping] = [m for m in catalogue().mappings if {m.source, m.target} == {"NIS2-23-4-B", "GDPR-33-1"}]

    assert mapping.relation is Relation.RELATED
