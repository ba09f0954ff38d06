"""The interview's groundwork: answers kept in a solution document where its loader reads them,
and the questions an interview asks, in order, including the facts stated around a target."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import minimal_solution, one_finding, solution_model

from compliance.core.engine import assess
from compliance.core.models.assessment import Target
from compliance.core.models.rules import Outcome, Scope
from compliance.core.questions import bank, next_questions, subject
from compliance.inputs.answers import NoPlaceError, get_answer, remove_answer, set_answer
from compliance.inputs.loader import load_packs

AS_OF = date(2026, 12, 1)
READINGS = Target(kind=Scope.FLOW, id="readings", name="Sensor readings")
CITY = Target(kind=Scope.PARTY, id="city", name="City of Example")
CAMERA = Target(kind=Scope.SYSTEM, id="camera", name="Junction camera")


def test_an_answer_goes_where_the_solution_format_keeps_it_and_comes_out_again() -> None:
    doc = minimal_solution()
    set_answer(doc, "flow.consent.recorded", READINGS, True)
    set_answer(doc, "solution.dpia.status", None, "none")
    set_answer(doc, "party.guarantees_assessed", CITY, False)
    set_answer(doc, "safeguards.backup", None, "partial")
    assert doc["flows"][0]["consent"] == {"recorded": True}
    assert doc["dpia"] == {"status": "none"}
    assert doc["parties"][0]["guarantees_assessed"] is False
    assert doc["safeguards"] == [{"control": "backup", "status": "partial"}]
    solution_model(doc)  # the loader accepts what was written
    assert get_answer(doc, "flow.consent.recorded", READINGS) == (True, True)
    assert get_answer(doc, "safeguards.backup") == (True, "partial")
    assert get_answer(doc, "flow.notice.provided", READINGS) == (False, None)
    set_answer(doc, "safeguards.backup", None, "implemented")
    assert doc["safeguards"] == [{"control": "backup", "status": "implemented"}]
    assert remove_answer(doc, "flow.consent.recorded", READINGS)
    assert "consent" not in doc["flows"][0]  # a mapping left empty goes with it
    assert remove_answer(doc, "safeguards.backup") and doc["safeguards"] == []
    assert not remove_answer(doc, "flow.consent.recorded", READINGS)


def test_an_answer_about_a_target_the_document_lacks_has_no_place() -> None:
    doc = minimal_solution()
    with pytest.raises(NoPlaceError, match="no flow 'elsewhere'"):
        set_answer(doc, "flow.lawful_basis", Target(kind=Scope.FLOW, id="elsewhere", name="x"), "e")
    with pytest.raises(NoPlaceError, match="asked about a flow"):
        set_answer(doc, "flow.lawful_basis", CITY, "e")
    with pytest.raises(NoPlaceError, match="not a fact"):
        get_answer(doc, "dpia.required", None)


def test_the_interview_asks_first_what_decides_the_verdict_then_what_decides_high_results() -> None:
    a = assess(solution_model(minimal_solution()), load_packs(), AS_OF)
    questions = next_questions(a)
    assert [(q.fact, q.target) for q in questions[: len(a.questions)]] == [
        (q.fact, q.target) for q in a.questions
    ]
    assert len(questions) > len(a.questions)
    assert len({(q.fact, q.target) for q in questions}) == len(questions)
    assert all(q.in_bank for q in questions)
    flow_questions = [q for q in questions if q.fact.startswith("flow.")]
    assert flow_questions and all(q.target == READINGS and "Sensor readings" in q.ask for q in flow_questions)


def test_a_fact_stated_on_the_flows_around_a_system_is_asked_of_those_flows() -> None:
    """Whether a camera runs an AI system depends on the technologies of its flows: an interview
    asks each flow for them, not the AI Act's questions that would follow."""
    doc = minimal_solution()
    doc["systems"].append({"id": "camera", "name": "Junction camera", "kind": "device", "operator": "city"})
    doc["flows"].append(
        {
            "id": "video",
            "name": "Junction video",
            "source": "camera",
            "destination": "platform",
            "data_categories": ["user.media.video"],
        }
    )
    a = assess(solution_model(doc), load_packs(), AS_OF)
    video = Target(kind=Scope.FLOW, id="video", name="Junction video")
    asked = {(q.fact, q.target) for q in next_questions(a)}
    assert ("flow.technologies", video) in asked
    assert "flow.technologies" in bank()


def test_a_failure_that_rests_on_a_fact_nobody_stated_asks_for_it() -> None:
    """Consent to a public authority fails unless the flow says why refusing costs nothing: the
    interview asks for that reason, and stops asking once it is stated (the result then needs a
    person's review)."""
    doc = minimal_solution()
    doc["controller"]["public_authority"] = True
    doc["flows"][0]["lawful_basis"] = "a"
    packs = load_packs()
    fact = "flow.consent.refusal_without_detriment"

    before = assess(solution_model(doc), packs, AS_OF)
    assert one_finding(before, "GDPR-4-11-CONSENT-DEPENDENCE", "readings").status is Outcome.FAIL
    asked = [q for q in next_questions(before) if (q.fact, q.target) == (fact, READINGS)]
    assert len(asked) == 1 and "GDPR-4-11-CONSENT-DEPENDENCE (flow readings)" in asked[0].decides

    doc["flows"][0]["consent"] = {"refusal_without_detriment": "The paper form serves everyone equally."}
    after = assess(solution_model(doc), packs, AS_OF)
    assert one_finding(after, "GDPR-4-11-CONSENT-DEPENDENCE", "readings").status is Outcome.NEEDS_REVIEW
    assert (fact, READINGS) not in {(q.fact, q.target) for q in next_questions(after)}


def test_the_interview_asks_until_no_result_is_unknown_voluntary_standards_included() -> None:
    """A verdict is "ready" only with no result left unknown, a voluntary baseline's included: the
    interview asks for every fact an unknown result needs, after those of the legal duties."""
    doc = minimal_solution()
    doc["standards"] = ["iso27001"]
    a = assess(solution_model(doc), load_packs(), AS_OF)
    asked = {(q.fact, q.target) for q in next_questions(a)}
    voluntary = [
        (fact, f.target if f.target and subject(fact) is f.target.kind else None)
        for f in a.findings
        if f.status is Outcome.UNKNOWN and f.pack == "iso27001"
        for fact in f.to_state
        if fact in bank()
    ]
    assert voluntary and set(voluntary) <= asked


def test_every_description_of_inputs_around_a_target_is_one_the_facts_use() -> None:
    """The interview finds the facts stated around a target by the words `facts.DERIVED_FROM`
    describes them with: a description changed there must be changed here too."""
    from compliance.core.facts import DERIVED_FROM
    from compliance.core.questions import _AROUND

    described = {item for inputs in DERIVED_FROM.values() for item in inputs}
    assert set(_AROUND) <= described, sorted(set(_AROUND) - described)
    assert all(fact in bank() for asked in _AROUND.values() for fact, _ in asked)
