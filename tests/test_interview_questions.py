"""The interview's groundwork: answers kept in a solution document where its loader reads them,
and the questions an interview asks, in order, including the facts stated around a target."""

from __future__ import annotations

import re
from datetime import date

import pytest
from helpers import minimal_solution, one_finding, solution_model

from compliance.core.engine import assess
from compliance.core.errors import RulePackError
from compliance.core.models.assessment import Finding, Target
from compliance.core.models.rules import Outcome, Scope
from compliance.core.questions import (
    PLACEHOLDERS,
    Related,
    _asked_after,
    ask_about,
    bank,
    checklist_heading,
    checklists,
    in_groups,
    in_language,
    next_group,
    next_questions,
    parse_bank,
    parse_bank_file,
    question_key,
    subject,
)
from compliance.core.resources import rules_root
from compliance.core.translations import TRANSLATED_LANGUAGES, checklist_title
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

    def needed(f: Finding) -> list[str]:
        # while whether a rule applies is open, only what decides that can change its result
        return f.applies_unknown or f.to_state

    voluntary = [
        (fact, f.target if f.target and subject(fact) is f.target.kind else None)
        for f in a.findings
        if f.status is Outcome.UNKNOWN and f.pack == "iso27001"
        for fact in needed(f)
        if fact in bank()
    ]
    assert voluntary and set(voluntary) <= asked


def test_a_requirement_is_not_asked_while_whether_the_rule_applies_is_open() -> None:
    """An unknown applicability keeps a result unknown whatever its requirement says, so the
    interview asks first what decides whether the rule applies, and the requirement only then."""
    doc = minimal_solution()
    packs = load_packs()
    a = assess(solution_model(doc), packs, AS_OF)
    asked = {(q.fact, q.target.id if q.target else None) for q in next_questions(a)}
    every_needed = {
        (fact, f.target.id if f.target and subject(fact) is f.target.kind else None)
        for f in a.findings
        if f.status is Outcome.UNKNOWN
        for fact in (f.applies_unknown or f.to_state)
    }
    waiting = {
        (fact, f.target.id if f.target and subject(fact) is f.target.kind else None)
        for f in a.findings
        if f.status is Outcome.UNKNOWN and f.applies_unknown
        for fact in f.to_state
        if fact in bank() and fact not in f.applies_unknown
    } - every_needed
    assert waiting and not waiting & asked


def test_every_description_of_inputs_around_a_target_is_one_the_facts_use() -> None:
    """The interview finds the facts stated around a target by the words `facts.DERIVED_FROM`
    describes them with: a description changed there must be changed here too."""
    from compliance.core.facts import DERIVED_FROM
    from compliance.core.questions import _AROUND

    described = {item for inputs in DERIVED_FROM.values() for item in inputs}
    assert set(_AROUND) <= described, sorted(set(_AROUND) - described)
    assert all(fact in bank() for asked in _AROUND.values() for fact, _ in asked)


def test_a_question_open_for_several_flows_is_one_question_with_a_row_for_each() -> None:
    data = minimal_solution()
    second = {**data["flows"][0], "id": "counts", "name": "Visitor counts"}
    data["flows"].append(second)
    for flow in data["flows"]:
        flow.pop("technologies", None)
    a = assess(solution_model(data), load_packs(), date(2026, 12, 1))
    questions = next_questions(a)
    group = next_group(questions)
    assert len({q.fact for q in group}) == 1 and len(group) >= 2
    assert {q.target.id for q in group if q.target} == {"readings", "counts"}
    # A row already answered or passed is left out; the rest of the question stays together.
    rest = next_group(questions, {question_key(group[0])})
    assert rest == group[1:]
    # Its text for the rows names no flow: each row does.
    text = in_language(group[0], "da", rows=True).ask
    assert "…" in text and "{flow}" not in text and "Sensor readings" not in text


def test_a_question_whose_answer_a_deadline_often_gives_is_asked_after_the_deadline() -> None:
    step, deadline = (
        "solution.incident_response.early_warning",
        "solution.incident_response.early_warning_hours",
    )
    assert deadline in bank()[step].asked_after
    ordered = _asked_after([ask_about(step, None), ask_about(deadline, None)], bank())
    assert [q.fact for q in ordered] == [deadline, step]
    # Only behind a question about the same subject: a party's deadline does not move another's.
    terms, hours = "party.security.incident_notice_terms", "party.security.incident_notification_hours"
    kaveri = Target(kind=Scope.PARTY, id="kaveri", name="Kaveri")
    stratus = Target(kind=Scope.PARTY, id="stratus", name="Stratus")
    ordered = _asked_after([ask_about(terms, kaveri), ask_about(hours, stratus)], bank())
    assert [q.fact for q in ordered] == [terms, hours]


def test_a_bank_that_asks_after_a_question_it_does_not_have_is_refused() -> None:
    text = """\
version: 1
questions:
  - fact: solution.incident_response.early_warning
    ask: Does the plan warn the authority early?
    asked_after: [solution.incident_response.no_such_deadline]
    choices: {true: Yes it does, false: No it does not}
"""
    with pytest.raises(
        RulePackError,
        match=r"asked_after\[0\]: no question for 'solution.incident_response.no_such_deadline'",
    ):
        parse_bank(text, "bank.yaml")


def test_a_serious_pass_read_on_the_systems_holding_the_data_asks_what_they_say_of_themselves() -> None:
    data = minimal_solution()
    data["safeguards"] = [
        {"control": "access_control", "status": "implemented"},
        {"control": "mfa", "status": "implemented"},
    ]
    packs = load_packs()
    a = assess(solution_model(data), packs, date(2026, 12, 1))
    (result,) = [f for f in a.findings if f.rule_id == "GDPR-32-1B-ACCESS-CONTROL"]
    assert result.status is Outcome.PASS
    # The street sensor is a device: it counts only where it states its own login's MFA, so the
    # pass rests on its silence, and the interview asks it (and the platform) at the end.
    asked = {(q.fact, q.target.id if q.target else None) for q in next_questions(a)}
    assert ("system.security.mfa", "sensor") in asked
    # The answer it asks for can turn the pass into a failure: a device with a shared password.
    data["systems"][0]["security"] = {"mfa": False}
    again = assess(solution_model(data), packs, date(2026, 12, 1))
    (result,) = [f for f in again.findings if f.rule_id == "GDPR-32-1B-ACCESS-CONTROL"]
    assert result.status is Outcome.FAIL
    asked = {(q.fact, q.target.id if q.target else None) for q in next_questions(again)}
    assert ("system.security.mfa", "sensor") not in asked


def test_whether_a_processor_engages_sub_processors_is_asked_of_the_sub_processors() -> None:
    data = minimal_solution()
    data["parties"] += [
        {"id": "vendor", "name": "Vendor A/S", "roles": ["processor"], "country": "DK"},
        {"id": "host", "name": "Host AB", "roles": ["sub_processor"], "country": "SE"},
    ]
    data["systems"][1]["operator"] = "vendor"
    a = assess(solution_model(data), load_packs(), date(2026, 12, 1))
    (vendor,) = [
        f for f in a.findings if f.rule_id == "ASSURANCE-SUBPROCESSORS-COVERED" and f.target.id == "vendor"
    ]
    assert vendor.status is Outcome.UNKNOWN
    (described,) = [s for s in vendor.to_state if "engaged_by" in s]
    # The unknown result names the sub-processors' answer: the interview asks it of each of them,
    # never of the processor itself.
    around = Related(a.solution).around(described, vendor.target)
    assert [(fact, target.id) for fact, target in around] == [("party.engaged_by", "host")]
    asked = {(q.fact, q.target.id if q.target else None) for q in next_questions(a)}
    assert ("party.engaged_by", "host") in asked


def test_an_unknown_beside_a_true_branch_does_not_make_the_applicability_open() -> None:
    """Consent rules apply where the ground is consent, or Art. 9 data rests on explicit consent:
    with the ground stated as consent, the unstated Art. 9 condition decides nothing, so the
    result waits on its requirement, and the interview asks that."""
    doc = minimal_solution()
    doc["flows"][0]["lawful_basis"] = "a"
    a = assess(solution_model(doc), load_packs(), AS_OF)
    result = one_finding(a, "GDPR-7-1-CONSENT-RECORDED", "readings")
    assert result.status is Outcome.UNKNOWN
    assert "flow.art9_condition" in {t.fact for t in result.facts if t.result is None}
    assert result.applies_unknown == []
    assert "flow.consent.recorded" in result.to_state
    assert ("flow.consent.recorded", READINGS) in {(q.fact, q.target) for q in next_questions(a)}


def test_the_yes_or_no_questions_about_one_part_of_a_subject_are_one_checklist() -> None:
    """The open yes-or-no questions of a checklist about one system are asked together, where the
    first of them stands; those of another system make a checklist of their own; a question about
    the same part that is not yes or no, and one about a deeper part, stay out of it."""
    sensor = Target(kind=Scope.SYSTEM, id="sensor", name="Street sensor")
    platform = Target(kind=Scope.SYSTEM, id="platform", name="Data platform")
    asked = [
        ask_about("system.security.mfa", sensor),
        ask_about("flow.lawful_basis", READINGS),
        ask_about("system.security.mfa", platform),
        ask_about("system.security.exposed_interfaces", sensor),  # a list: not yes or no
        ask_about("system.security.update.available", sensor),  # another part: its own checklist
        ask_about("system.security.input_validation", sensor),
        ask_about("safeguards.backup", None),
        ask_about("safeguards.mfa", None),
    ]
    groups = [[(q.fact, q.target.id if q.target else None) for q in g] for g in in_groups(asked)]
    assert groups == [
        [("system.security.mfa", "sensor"), ("system.security.input_validation", "sensor")],
        [("flow.lawful_basis", "readings")],
        [("system.security.mfa", "platform")],
        [("system.security.exposed_interfaces", "sensor")],
        [("system.security.update.available", "sensor")],
        [("safeguards.backup", None), ("safeguards.mfa", None)],
    ]
    by_first = {g[0].fact + (g[0].target.id if g[0].target else ""): g for g in in_groups(asked)}
    assert checklist_heading(by_first["system.security.mfasensor"], "en") == (
        "The security of Street sensor",
        False,
    )
    assert checklist_heading(by_first["safeguards.backup"], "sv") == ("Lösningens skyddsåtgärder", False)
    # One open question of a checklist is asked alone, as itself.
    assert checklist_heading(by_first["system.security.mfaplatform"], "da") is None
    assert checklist_heading(by_first["flow.lawful_basisreadings"], "da") is None


@pytest.mark.parametrize(
    ("checklists", "message"),
    [
        ("  - {under: system.security, title: 'The security of {system}'}\n" * 2, "a second checklist"),
        ("  - {under: solution.jurisdiction, title: Where}\n", "fewer than two yes-or-no questions"),
        (
            "  - {under: system.security, title: The security of the system}\n",
            "name its subject with {system}",
        ),
        ("  - {under: safeguards, title: 'The safeguards of {system}'}\n", "names no flow, party or system"),
    ],
)
def test_a_checklist_that_cannot_be_asked_is_refused_where_it_stands(checklists: str, message: str) -> None:
    text = (rules_root() / "questions" / "questions.yaml").read_text(encoding="utf-8")
    head = text[: text.index("\nchecklists:\n")]
    with pytest.raises(RulePackError) as caught:
        parse_bank_file(head + "\nchecklists:\n" + checklists, "questions.yaml")
    (problem,) = caught.value.problems
    assert message in problem.message and problem.line is not None and problem.path.startswith("checklists[")


def test_every_checklist_heading_is_current_in_every_language_and_names_its_subject() -> None:
    for under, checklist in checklists().items():
        kind = subject(under)
        for lang in ("en", *TRANSLATED_LANGUAGES):
            title, in_english = checklist_title(lang, under, checklist.title)
            assert not in_english, (lang, under)
            wanted = [PLACEHOLDERS[kind]] if kind is not None else []
            assert re.findall(r"\{\w+\}", title) == wanted, (lang, under, title)
    # A changed English heading is shown in English until its translations are restamped.
    assert checklist_title("da", "system.security", "Security of {system}") == ("Security of {system}", True)
