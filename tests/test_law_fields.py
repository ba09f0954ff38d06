"""Laws a flow rests on, stated so that a rule can judge them: the act, the provision and its kind.

The Art. 6(3) law (`legal_basis_law`) and the Art. 9(2) law (`art9_law`) are separate objects. A
specific provision passes, none fails, and a general or unwritten competence is left to a person
(needs review) where the processing is intrusive; the Swedish personnummer rule and the exposure of
an EEA processor to its parent's third-country law are judged the same way. These tests run the real
rule packs through the real engine on whole solutions, so the derived facts (the DPIA screening
among them) are computed as in a real run.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import yaml
from helpers import REPO, minimal_solution, solution_model

from compliance.core.engine import assess
from compliance.core.errors import SolutionError
from compliance.core.facts import registry
from compliance.core.models.decisions import Decisions
from compliance.core.models.rules import Outcome
from compliance.core.models.solution import LawKind
from compliance.core.questions import bank
from compliance.inputs.loader import load_solution

AS_OF = date(2026, 12, 1)


def outcome(packs: list[Any], data: dict[str, Any], rule_id: str, target: str | None = None) -> Outcome:
    """The outcome of one rule for one target of a solution, assessed by the real engine."""
    result = assess(solution_model(data), packs, AS_OF)
    (finding,) = [
        f
        for f in result.results()
        if f.rule_id == rule_id and (target is None or (f.target and f.target.id == target))
    ]
    return finding.status


def flow_solution(**flow: Any) -> dict[str, Any]:
    """The minimal solution (a Danish municipality), its one flow changed."""
    data = minimal_solution()
    data["schema_version"] = 3
    data["controller"] = {"party": "city", "public_authority": True}
    data["flows"][0].update(flow)
    return data


SPECIFIC = {
    "act": "Lov om social service (LBK nr 1287 af 28/08/2025)",
    "provision": "§ 83",
    "kind": "specific",
}
GENERAL = {"act": "Kommunallag (2017:725)", "provision": "2 kap. 1 §", "kind": "general"}
UNWRITTEN = {"act": "Kommunalfuldmagtsreglerne", "kind": "unwritten"}
NONE = {"kind": "none"}

# What the DPIA screening needs to know of a flow, all of it unremarkable: no WP248 criterion is met.
UNREMARKABLE: dict[str, Any] = {
    "purposes": ["mobility_planning"],
    "data_subjects": ["residents"],
    "technologies": ["iot_sensor"],
    "profiling": False,
    "automated_decision": {"solely_automated": False, "legal_or_similar_effect": False},
    "public_area_monitoring": False,
    "systematic_monitoring": False,
    "combines_datasets": False,
    "prevents_right_or_service": False,
}
# Location traces of 6,000 people under systematic monitoring: WP248 criteria 3 and 5, so a DPIA
# is required (the rule's proxy for "two or more criteria"), with no Art. 9 or 10 data.
INTRUSIVE = {**UNREMARKABLE, "scale": {"subjects": 6000}, "systematic_monitoring": True}
# The same readings of 300 people: no criterion, no DPIA.
ORDINARY = {**UNREMARKABLE, "scale": {"subjects": 300}}


# ---------------------------------------------------------------------------------------------
# The model


def test_a_law_is_an_object_with_act_provision_and_kind() -> None:
    data = flow_solution(lawful_basis="e", legal_basis_law=SPECIFIC)

    law = solution_model(data).flows[0].legal_basis_law

    assert law is not None
    assert (law.act, law.provision, law.kind) == (SPECIFIC["act"], "§ 83", LawKind.SPECIFIC)
    assert [k.value for k in LawKind] == ["specific", "general", "unwritten", "none"]


def test_a_law_given_as_text_is_refused_where_it_stands(write_solution) -> None:
    data = flow_solution(lawful_basis="e", legal_basis_law="Vejloven § 1")
    path = write_solution(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    with pytest.raises(SolutionError) as info:
        load_solution(path)

    assert [(p.path, p.message) for p in info.value.problems] == [
        ("flows[0].legal_basis_law", "Input should be an object")
    ]


def test_an_unknown_kind_is_refused_with_the_kinds_that_exist(write_solution) -> None:
    data = flow_solution(lawful_basis="e", legal_basis_law={"act": "Vejloven", "kind": "statutory"})
    path = write_solution(yaml.safe_dump(data, sort_keys=False))

    with pytest.raises(SolutionError) as info:
        load_solution(path)

    (problem,) = info.value.problems
    assert problem.path == "flows[0].legal_basis_law.kind"
    assert "specific" in problem.message and "unwritten" in problem.message


def test_the_rules_read_the_act_provision_and_kind_of_each_law_and_never_the_law_as_a_whole() -> None:
    facts = registry()

    for law in ("flow.legal_basis_law", "flow.art9_law"):
        assert law not in facts
        assert {f"{law}.act", f"{law}.provision", f"{law}.kind"} <= set(facts)
        assert facts[f"{law}.kind"].values == frozenset(k.value for k in LawKind)
    assert {"party.third_country_law.assessed", "party.third_country_law.provider_can_read_data"} <= set(
        facts
    )


def test_a_solution_no_longer_holds_accepted_risks(write_solution) -> None:
    data = flow_solution()
    data["accepted_risks"] = [
        {"rule": "GDPR-5-1E-RETENTION", "reason": "x", "approved_by": "y", "expires": "2027-01-01"}
    ]
    path = write_solution(yaml.safe_dump(data, sort_keys=False))

    with pytest.raises(SolutionError) as info:
        load_solution(path)

    (problem,) = info.value.problems
    assert problem.path == "accepted_risks"
    assert "decisions file" in problem.message


def test_every_new_fact_has_a_question_for_the_people_who_can_answer_it() -> None:
    questions = bank()
    new = [
        "flow.legal_basis_law.act",
        "flow.legal_basis_law.provision",
        "flow.legal_basis_law.kind",
        "flow.art9_law.act",
        "flow.art9_law.provision",
        "flow.art9_law.kind",
        "party.third_country_law.assessed",
        "party.third_country_law.provider_can_read_data",
    ]

    assert [fact for fact in new if fact not in questions] == []
    assert set(questions["flow.legal_basis_law.kind"].choices) == {k.value for k in LawKind}


# ---------------------------------------------------------------------------------------------
# GDPR Art. 6(3): the law of a legal obligation or public task


@pytest.mark.parametrize(
    ("law", "processing", "expected"),
    [
        pytest.param(SPECIFIC, INTRUSIVE, Outcome.PASS, id="specific-intrusive"),
        pytest.param(SPECIFIC, ORDINARY, Outcome.PASS, id="specific-ordinary"),
        pytest.param(GENERAL, INTRUSIVE, Outcome.NEEDS_REVIEW, id="general-intrusive"),
        pytest.param(GENERAL, ORDINARY, Outcome.PASS, id="general-ordinary"),
        pytest.param(UNWRITTEN, INTRUSIVE, Outcome.NEEDS_REVIEW, id="unwritten-intrusive"),
        pytest.param(UNWRITTEN, ORDINARY, Outcome.PASS, id="unwritten-ordinary"),
        pytest.param(NONE, ORDINARY, Outcome.FAIL, id="none"),
        pytest.param({"act": "Vejloven"}, ORDINARY, Outcome.UNKNOWN, id="kind-not-stated"),
    ],
)
def test_the_kind_of_the_law_decides_the_art_6_3_result_by_how_intrusive_the_processing_is(
    packs: list[Any], law: dict[str, Any], processing: dict[str, Any], expected: Outcome
) -> None:
    data = flow_solution(lawful_basis="e", legal_basis_law=law, **processing)

    assert outcome(packs, data, "GDPR-6-3-LEGAL-BASIS-LAW") is expected


def test_the_dpia_screening_is_the_measure_of_intrusive_processing(packs: list[Any]) -> None:
    intrusive = assess(
        solution_model(flow_solution(lawful_basis="e", legal_basis_law=GENERAL, **INTRUSIVE)), packs, AS_OF
    )
    ordinary = assess(
        solution_model(flow_solution(lawful_basis="e", legal_basis_law=GENERAL, **ORDINARY)), packs, AS_OF
    )

    assert (intrusive.dpia.required, ordinary.dpia.required) == (True, False)


@pytest.mark.parametrize(
    "categories",
    [
        pytest.param(["user.health.condition"], id="art-9-data"),
        pytest.param(["user.criminal.offence"], id="art-10-data"),
    ],
)
def test_a_general_or_unwritten_competence_for_art_9_or_10_data_needs_review_even_without_a_dpia(
    packs: list[Any], categories: list[str]
) -> None:
    data = flow_solution(
        lawful_basis="e", legal_basis_law=UNWRITTEN, **{**ORDINARY, "data_categories": categories}
    )

    assert assess(solution_model(data), packs, AS_OF).dpia.required is False
    assert outcome(packs, data, "GDPR-6-3-LEGAL-BASIS-LAW") is Outcome.NEEDS_REVIEW


def test_a_specific_provision_never_hides_the_suppliers_own_purposes(packs: list[Any]) -> None:
    data = flow_solution(
        lawful_basis="e",
        legal_basis_law=SPECIFIC,
        **{**ORDINARY, "purposes": ["service_delivery", "product_improvement"]},
    )

    assert outcome(packs, data, "GDPR-6-3-LEGAL-BASIS-LAW") is Outcome.FAIL


# ---------------------------------------------------------------------------------------------
# GDPR Art. 9(2): the law of the condition, apart from the Art. 6(3) law


CARE = {
    "data_categories": ["user.health.care_needs"],
    "lawful_basis": "e",
    "legal_basis_law": SPECIFIC,
    "art9_condition": "h",
    "professional_secrecy": True,
    "scale": {"subjects": 300},
}


def test_the_art_9_rules_read_the_art_9_law_not_the_art_6_3_law(packs: list[Any]) -> None:
    data = flow_solution(**{**ORDINARY, **CARE})

    assert outcome(packs, data, "GDPR-6-3-LEGAL-BASIS-LAW") is Outcome.PASS
    assert outcome(packs, data, "GDPR-9-2H-CARE-CONDITIONS") is Outcome.UNKNOWN


@pytest.mark.parametrize(
    ("law", "expected"),
    [
        pytest.param(SPECIFIC, Outcome.PASS, id="specific"),
        pytest.param(GENERAL, Outcome.NEEDS_REVIEW, id="general"),
        pytest.param(UNWRITTEN, Outcome.NEEDS_REVIEW, id="unwritten"),
        pytest.param(NONE, Outcome.FAIL, id="none"),
    ],
)
@pytest.mark.parametrize(
    ("point", "rule", "extra"),
    [
        ("b", "GDPR-9-2B-LAW", {"data_subjects": ["employees"]}),
        ("g", "GDPR-9-2G-LAW", {"purposes": ["case_handling"]}),
        ("h", "GDPR-9-2H-CARE-CONDITIONS", {"professional_secrecy": True}),
        ("i", "GDPR-9-2I-LAW", {"purposes": ["statistics"]}),
        ("j", "GDPR-9-2J-RESEARCH", {"research_safeguards": True}),
    ],
)
def test_for_art_9_data_a_general_or_unwritten_law_always_needs_review(
    packs: list[Any], point: str, rule: str, extra: dict[str, Any], law: dict[str, Any], expected: Outcome
) -> None:
    data = flow_solution(
        data_categories=["user.health.condition"],
        art9_condition=point,
        art9_law=law,
        scale={"subjects": 20},
        **extra,
    )

    assert outcome(packs, data, rule) is expected


# ---------------------------------------------------------------------------------------------
# Lag (2018:218) 3 kap. 10 §: personnummer without consent


def swedish(**national_id_use: Any) -> dict[str, Any]:
    data = flow_solution(data_categories=["user.identifier.personnummer"], national_id_use=national_id_use)
    data["jurisdiction"] = "SE"
    return data


@pytest.mark.parametrize("ground", ["purpose", "secure_identification", "other_considerable_reason"])
@pytest.mark.parametrize(
    "justification",
    [
        "Required by the registerförfattning of the care records",
        "Two recipients with the same name must never be confused",
        "Convenient",
    ],
)
def test_a_personnummer_used_without_consent_never_passes_on_its_justification_alone(
    packs: list[Any], ground: str, justification: str
) -> None:
    data = swedish(ground=ground, justification=justification, published=False)

    assert outcome(packs, data, "SE-DSL-3-10-PERSONNUMMER") is Outcome.NEEDS_REVIEW


@pytest.mark.parametrize(
    ("use", "expected"),
    [
        pytest.param({"ground": "consent"}, Outcome.PASS, id="consent"),
        pytest.param({"ground": "none"}, Outcome.FAIL, id="no-reason"),
        pytest.param(
            {"ground": "purpose", "justification": "Lookup", "published": True}, Outcome.FAIL, id="published"
        ),
        pytest.param(
            {"ground": "purpose", "published": False}, Outcome.UNKNOWN, id="no-justification-stated"
        ),
    ],
)
def test_the_facts_decide_the_personnummer_rule_only_where_they_can(
    packs: list[Any], use: dict[str, Any], expected: Outcome
) -> None:
    assert outcome(packs, swedish(**use), "SE-DSL-3-10-PERSONNUMMER") is expected


# ---------------------------------------------------------------------------------------------
# GDPR Art. 28(1) and 32: an EEA processor with a third-country parent


def with_processor(**party: Any) -> dict[str, Any]:
    data = flow_solution()
    data["parties"].append(
        {"id": "cloudco", "name": "CloudCo Nordic AB", "roles": ["processor"], "country": "SE", **party}
    )
    return data


@pytest.mark.parametrize(
    ("party", "expected"),
    [
        pytest.param({"parent_country": "US"}, Outcome.UNKNOWN, id="not-stated"),
        pytest.param(
            {"parent_country": "US", "third_country_law": {"assessed": False}},
            Outcome.FAIL,
            id="not-assessed",
        ),
        pytest.param(
            {"parent_country": "US", "third_country_law": {"assessed": True, "provider_can_read_data": True}},
            Outcome.NEEDS_REVIEW,
            id="assessed-provider-can-read",
        ),
        pytest.param(
            {
                "parent_country": "US",
                "third_country_law": {"assessed": True, "provider_can_read_data": False},
            },
            Outcome.PASS,
            id="assessed-provider-cannot-read",
        ),
        pytest.param({"parent_country": "DE"}, Outcome.NOT_APPLICABLE, id="parent-in-the-eea"),
        pytest.param(
            {"country": "US", "parent_country": "US"}, Outcome.NOT_APPLICABLE, id="established-outside"
        ),
    ],
)
def test_a_third_country_parent_is_a_question_of_exposure_not_of_transfer(
    packs: list[Any], party: dict[str, Any], expected: Outcome
) -> None:
    assert outcome(packs, with_processor(**party), "GDPR-28-1-THIRD-COUNTRY-LAW", "cloudco") is expected


# ---------------------------------------------------------------------------------------------
# Every rule that can need review says so, with the cases to show it


def test_every_rule_that_can_need_review_has_a_needs_review_case_and_a_fail_case(packs: list[Any]) -> None:
    reviewed = [rule for pack in packs for rule in pack.rules if rule.rule.review_when is not None]

    assert {r.id for r in reviewed} >= {
        "GDPR-6-3-LEGAL-BASIS-LAW",
        "GDPR-9-2B-LAW",
        "GDPR-9-2G-LAW",
        "GDPR-9-2H-CARE-CONDITIONS",
        "GDPR-9-2I-LAW",
        "GDPR-9-2J-RESEARCH",
        "GDPR-22-2-EXCEPTION-CONDITIONS",
        "GDPR-28-1-THIRD-COUNTRY-LAW",
        "SE-DSL-3-10-PERSONNUMMER",
    }
    for rule in reviewed:
        expected = {case.expect for case in rule.rule.cases}
        assert {Outcome.NEEDS_REVIEW, Outcome.FAIL} <= expected, rule.id


def test_the_new_and_changed_remediations_say_what_to_do_without_naming_fields(packs: list[Any]) -> None:
    changed = {
        "GDPR-6-3-LEGAL-BASIS-LAW",
        "GDPR-9-2B-LAW",
        "GDPR-9-2G-LAW",
        "GDPR-9-2H-CARE-CONDITIONS",
        "GDPR-9-2I-LAW",
        "GDPR-9-2J-RESEARCH",
        "GDPR-22-2-EXCEPTION-CONDITIONS",
        "GDPR-28-1-THIRD-COUNTRY-LAW",
        "SE-DSL-3-10-PERSONNUMMER",
    }
    rules = {rule.id: rule.rule for pack in packs for rule in pack.rules if rule.id in changed}

    assert set(rules) == changed
    assert [rule_id for rule_id, rule in rules.items() if "`" in rule.remediation] == []


# ---------------------------------------------------------------------------------------------
# The examples


def test_every_example_states_its_laws_with_a_kind() -> None:
    for path in sorted((REPO / "examples").glob("*/solution.yaml")):
        for flow in yaml.safe_load(path.read_text(encoding="utf-8")).get("flows", []):
            for key in ("legal_basis_law", "art9_law"):
                if key in flow:
                    assert flow[key].get("kind") in {k.value for k in LawKind}, (
                        f"{path.parent.name}: {flow['id']}"
                    )


def test_an_examples_decisions_file_is_a_valid_record_of_the_assessor_about_that_example() -> None:
    files = sorted((REPO / "examples").glob("*/solution.decisions.yaml"))

    assert files, "the accepted risk of an example moved to its decisions file"
    for path in files:
        decisions = Decisions.model_validate_json(
            json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str)
        )
        solution = load_solution(path.with_name("solution.yaml")).solution
        targets = (
            {f.id for f in solution.flows}
            | {p.id for p in solution.parties}
            | {s.id for s in solution.systems}
        )
        assert decisions.solution == solution.id
        assert all(r.target in targets for r in decisions.accepted_risks)
        assert all(r.expires >= AS_OF for r in decisions.accepted_risks)


def test_an_example_with_a_decisions_file_has_no_decisions_in_its_solution_file() -> None:
    for path in sorted((REPO / "examples").glob("*/solution.decisions.yaml")):
        assert "accepted_risks" not in yaml.safe_load(
            path.with_name("solution.yaml").read_text(encoding="utf-8")
        )
