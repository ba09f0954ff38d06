"""`compliance interview`, typed into as a person types, through a pseudo-terminal: the questions
in the person's language naming what they ask about, answers written into the solution file at
once with their source and its comments kept, "don't know" remembered, Ctrl-C losing nothing,
and a second run going on where the first stopped."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from helpers import MINIMAL_SOLUTION_YAML, without_assurance_documents

from compliance.outputs.interview import state_path

COMPLIANCE = str(Path(sys.executable).with_name("compliance"))
BY = "Ada Jensen, City of Example"
QUESTION = "\r?\n([^\r\n]+\\?)\r?\n"  # a question: a line that ends in a question mark
SOLUTION = "# The municipality's sensor pilot.\n" + MINIMAL_SOLUTION_YAML.replace(
    "    country: DK\n", "    country: DK  # a Danish municipality\n", 1
)


@pytest.fixture
def solution(tmp_path: Path) -> Path:
    path = tmp_path / "solution.yaml"
    path.write_text(SOLUTION, encoding="utf-8")
    return path


def interview(path: Path, *args: str, lang: str = "en") -> pexpect.spawn:
    if shutil.which(COMPLIANCE) is None:
        pytest.fail(f"no {COMPLIANCE}: install the package (scripts/bootstrap.sh)")
    return pexpect.spawn(
        COMPLIANCE,
        ["interview", str(path), "--as-of", "2026-12-01", "--lang", lang, *args],
        cwd=str(path.parent),
        encoding="utf-8",
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "200"},
        dimensions=(50, 200),
    )


def test_answers_go_into_the_file_with_their_source_and_its_comments_stay(solution: Path) -> None:
    child = interview(solution, "--by", BY, "--evidence", "Record of processing 2026-11")
    child.expect("Verdict now: incomplete")
    child.expect("Which technologies does the data flow Sensor readings use")
    child.expect("IoT sensors")
    child.expect("> ")
    child.sendline("?")  # why we ask
    child.expect("WP248")
    child.expect("> ")
    child.sendline("99")  # not a choice: said plainly, asked again
    child.expect("Give the number of an answer, 1 to 15")
    child.expect("> ")
    child.sendline("9")  # IoT sensors
    child.expect(QUESTION)
    assert "Sensor readings" in child.match.group(1)
    child.expect("> ")
    child.sendline("d")  # don't know
    child.expect(QUESTION)
    next_question = child.match.group(1)
    child.expect("> ")
    child.sendline("q")
    child.expect("1 answer written to")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    text = solution.read_text(encoding="utf-8")
    assert text.startswith("# The municipality's sensor pilot.\n")
    assert "country: DK  # a Danish municipality" in text
    flow = yaml.safe_load(text)["flows"][0]
    assert flow["technologies"] == ["iot_sensor"]
    assert flow["sources"]["technologies"] == {
        "kind": "interview",
        "asserted_by": BY,
        "checked_on": "2026-12-01",
        "reference": "Record of processing 2026-11",
    }
    state = yaml.safe_load(state_path(solution).read_text(encoding="utf-8"))
    (unknown,) = state["dont_know"]
    assert unknown["fact"].startswith("flow.") and unknown["target"] == "flow readings"
    assert (unknown["answer"], unknown["by"], unknown["on"]) == ("dont_know", BY, "2026-12-01")
    assert unknown["fact"].split(".")[1] not in flow  # not known: nothing written

    # A second run goes on where the first stopped: what was answered or not known is not asked.
    again = interview(solution, "--by", BY)
    again.expect("Verdict now")
    again.expect(QUESTION)
    # (the first run asked it in a checklist, numbered; the second asks it alone, as the only
    # question of the checklist still open)
    assert again.match.group(1).strip() == re.sub(r"^\s*\d+/\d+ ", "", next_question)
    again.expect("> ")
    again.sendline("q")
    again.expect(pexpect.EOF)


def test_ctrl_c_loses_nothing_already_answered(solution: Path) -> None:
    child = interview(solution, "--by", BY)
    child.expect("Which technologies")
    child.expect("> ")
    child.sendline("9, 12")  # IoT sensors and cloud platforms
    child.expect(QUESTION)
    child.expect("> ")
    child.sendintr()
    child.expect("stopped; 1 answer was written to")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    flow = yaml.safe_load(solution.read_text(encoding="utf-8"))["flows"][0]
    assert flow["technologies"] == ["iot_sensor", "cloud_platform"]


def test_the_questions_come_in_danish_and_swedish_naming_the_flow(solution: Path) -> None:
    for lang, words in (("da", "dataflowet Sensor readings"), ("sv", "dataflödet Sensor readings")):
        child = interview(solution, "--by", BY, lang=lang)
        child.expect(words)
        child.expect("> ")
        child.sendline("q")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
    assert solution.read_text(encoding="utf-8") == SOLUTION  # nothing answered, nothing written


def test_who_answers_is_asked_when_not_given_and_must_be_plain_text(solution: Path) -> None:
    child = interview(solution)
    child.expect("Who is answering")
    child.sendline("\x1b[31mMallory")
    child.expect("who answers:")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert solution.read_text(encoding="utf-8") == SOLUTION


def test_a_file_that_is_not_valid_is_refused_before_any_question(tmp_path: Path) -> None:
    path = tmp_path / "solution.yaml"
    path.write_text(SOLUTION.replace("jurisdiction: DK", "jurisdiction: XX"), encoding="utf-8")
    child = interview(path, "--by", BY)
    child.expect("jurisdiction")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert not state_path(path).exists()


TWO_FLOWS = (
    SOLUTION
    + """\
  - id: counts
    name: Visitor counts
    source: sensor
    destination: platform
    data_categories: [user.location.trace]
    retention: P1Y
"""
)


def test_a_question_open_for_several_flows_is_asked_once_with_a_row_for_each(tmp_path: Path) -> None:
    path = tmp_path / "solution.yaml"
    path.write_text(TWO_FLOWS, encoding="utf-8")
    child = interview(path, "--by", BY)
    child.expect("Which technologies does the data flow … use")  # the subject is in the rows
    child.expect("IoT sensors")
    child.expect("Answer it for each of these 2, one at a time.")
    child.expect("  Visitor counts > ")  # rows in asking order: equal weight, by id
    child.sendline("9")
    child.expect("  Sensor readings > ")  # the next row, without the question again
    child.sendline("d")
    child.expect(QUESTION)
    assert "technologies" not in child.match.group(1)  # that question is done: the next one
    child.expect("> ")
    child.sendline("q")
    child.expect("1 answer written to")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    flows = yaml.safe_load(path.read_text(encoding="utf-8"))["flows"]
    assert flows[1]["technologies"] == ["iot_sensor"] and "technologies" not in flows[0]
    (unknown,) = yaml.safe_load(state_path(path).read_text(encoding="utf-8"))["dont_know"]
    assert (unknown["fact"], unknown["target"]) == ("flow.technologies", "flow readings")


def test_assurance_documents_are_asked_one_by_one_and_written_as_a_list(tmp_path: Path) -> None:
    path = without_assurance_documents(tmp_path)
    child = interview(path, "--by", BY, "--all")
    child.expect("Which independent assurance reports or certificates has … handed in")
    child.expect("Give how many")
    child.expect("  ByTip ApS > ")
    child.sendline("2")
    child.expect("Document 1 of 2")
    child.expect("What kind of document is it?")
    child.expect("> ")
    child.sendline("4")  # ISAE 3402, type 2
    child.expect("On which day did the period the auditor examined end")
    child.expect("> ")
    child.sendline("30 June")  # not a date: said plainly, asked again
    child.expect("Give a date as year-month-day")
    child.expect("> ")
    child.sendline("2026-06-30")
    child.expect("What opinion did the auditor give")
    child.expect("> ")
    child.sendline("1")
    child.expect("How many exceptions")
    child.expect("> ")
    child.sendline("0")
    child.expect("Does the document's scope cover the product")
    child.expect("> ")
    child.sendline("1")
    child.expect("Which of these sub-processors does the report take inside its scope")
    child.expect("DanDC A/S")
    child.expect("> ")
    child.sendline("1")
    child.expect("Document 2 of 2")
    child.expect("> ")
    child.sendline("7")  # an ISO/IEC 27001 certificate: its expiry and its excluded controls
    child.expect("On which day does the certificate expire?")
    child.expect("> ")
    child.sendline("d")  # don't know: left out
    child.expect("Does the document's scope cover the product")
    child.expect("> ")
    child.sendline("1")
    child.expect("Statement of\\s+Applicability exclude")
    child.expect("> ")
    child.sendline("A.8.28")
    child.expect("  DanDC A/S > ")
    child.sendline("0")  # none handed in
    child.expect("  Google LLC \\(Firebase Cloud Messaging\\) > ")
    child.sendline("q")
    child.expect("2 answers written to")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    parties = {p["id"]: p for p in yaml.safe_load(path.read_text(encoding="utf-8"))["parties"]}
    report, certificate = parties["bytip"]["assurance"]
    assert {k: v for k, v in report.items() if k != "sources"} == {
        "type": "isae_3402_type_2",
        "period_end": "2026-06-30",
        "opinion": "unqualified",
        "exceptions": 0,
        "covers_product": True,
        "subservice_organisations": [{"party": "dandc", "method": "inclusive"}],
    }
    assert report["sources"]["type"]["kind"] == "interview"
    assert report["sources"]["type"]["asserted_by"] == BY
    assert certificate["type"] == "iso_27001_certificate" and "expires_on" not in certificate
    assert certificate["soa_excluded_controls"] == ["A.8.28"]
    assert parties["dandc"]["assurance"] == []
    assert "assurance" not in parties["google-fcm"]


def test_a_checklist_is_asked_as_one_question_with_its_heading_and_a_row_for_each_item(
    solution: Path,
) -> None:
    child = interview(solution, "--by", BY, lang="da")
    child.expect("Hvilke teknologier")
    child.expect("> ")
    child.sendline("9")  # IoT sensors
    child.expect("Automatiske afgørelser i dataflowet Sensor readings")  # the checklist's heading
    child.expect("En tjekliste med 2 spørgsmål")
    child.expect("1/2 Træffes afgørelser om enkeltpersoner")  # each item keeps its own words
    child.expect("  > ")
    child.sendline("?")  # why, and the help and evidence a checklist's item is shown without
    child.expect("Svar kun nej, hvis en medarbejder")
    child.expect("  > ")
    child.sendline("2")  # a person decides
    child.expect("2/2 Har afgørelser på grundlag af dataflowet Sensor readings retsvirkning")
    child.expect("  > ")
    child.sendline("d")
    child.expect(QUESTION)  # the checklist is done: the next question stands alone
    assert "/2 " not in child.match.group(1)
    child.expect("> ")
    child.sendline("q")
    child.expect("2 svar skrevet i")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    flow = yaml.safe_load(solution.read_text(encoding="utf-8"))["flows"][0]
    assert flow["automated_decision"]["solely_automated"] is False
    assert "legal_or_similar_effect" not in flow["automated_decision"]  # not known: nothing written
