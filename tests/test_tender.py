"""`compliance requirements`: the security and data-protection requirements for a tender, by the
information's classification and the kind of solution, each tied to the rules that check the answer."""

from __future__ import annotations

import subprocess

import docx
import pytest
from openpyxl import load_workbook

from compliance.inputs.loader import load_packs
from compliance.outputs import tender


def test_every_requirement_is_checked_by_rules_that_exist_and_reads_in_danish_and_swedish() -> None:
    rules = {c.rule.id for p in load_packs() for c in p.rules}
    assert len(tender.requirements()) >= 20
    for r in tender.requirements().values():
        assert r.rules and set(r.rules) <= rules, r.id
        assert set(r.types) <= set(tender.TYPES) and r.when, r.id
        for lang in ("da", "sv"):
            text, in_english = tender.text_in(r, lang)
            assert not in_english and text != r.text, (r.id, lang)


def test_higher_levels_ask_more_and_the_highest_asks_for_a_separate_analysis() -> None:
    low = tender.select({"c": 1, "i": 1, "a": 1}, "camera")
    high = tender.select({"c": 3, "i": 3, "a": 3}, "camera")
    assert low is not None and high is not None
    assert {r.id for r in low} < {r.id for r in high}
    assert tender.select({"c": 4, "i": 1, "a": 1}, "camera") is None
    for kind in tender.TYPES:
        assert tender.select({"c": 2, "i": 2, "a": 2}, kind)


def test_a_named_standard_accepts_equivalent_evidence(cli) -> None:
    run = cli("requirements", "--classification", "C3,I3,A3", "--type", "cloud-platform")
    assert run.code == 0, run.err
    standards = [r for r in tender.requirements().values() if r.standard]
    assert standards
    assert run.out.count("Or equivalent: other evidence of the same measures is accepted") == len(
        [r for r in tender.select({"c": 3, "i": 3, "a": 3}, "cloud-platform") or [] if r.standard]
    )
    assert "Checked by: GDPR" in run.out or "Checked by: ISO" in run.out


def test_the_list_as_word_questionnaire_and_signed_pdf(tmp_path, cli) -> None:
    path = tmp_path / "krav.docx"
    assert (
        cli(
            "requirements", "--classification", "C2,I2,A2", "--type", "camera", "--lang", "da", "-o", path
        ).code
        == 0
    )
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "Krav til sikkerhed og databeskyttelse i udbuddet" in text
    book = tmp_path / "krav.xlsx"
    assert (
        cli(
            "requirements", "--classification", "C2,I2,A2", "--type", "camera", "--lang", "sv", "-o", book
        ).code
        == 0
    )
    sheet = load_workbook(book).active
    assert sheet.protection.sheet
    assert not sheet.cell(2, 4).protection.locked and sheet.cell(2, 2).protection.locked
    assert sheet.data_validations.dataValidation[0].formula1 == '"Ja,Nej,Delvis"'
    assert not any(str(c.value).startswith("=") for row in sheet.iter_rows() for c in row if c.value)
    pdf = tmp_path / "krav.pdf"
    assert (
        cli(
            "requirements", "--classification", "C2,I2,A2", "--type", "citizen-app", "--lang", "sv", "-o", pdf
        ).code
        == 0
    )
    assert (
        "Signature is Valid." in subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    )


@pytest.mark.parametrize("value", ["C2,I2", "C5,I1,A1", "C2,C2,I1", "high"])
def test_a_bad_classification_is_a_clear_error(cli, value: str) -> None:
    run = cli("requirements", "--classification", value, "--type", "camera")
    assert run.code == 2 and "give C, I and A a level 1 to 4 each" in run.err
