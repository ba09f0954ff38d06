"""`compliance answers import`: a questionnaire generated, filled in as a supplier would, read back
as the supplier's declarations, and assessed; hostile and damaged workbooks are refused with the
cell to fix, and nothing is written."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from helpers import MINIMAL_SOLUTION_YAML, REPO, Run, results, without_assurance_documents
from helpers import run_english as run_cli

from compliance.outputs.interview import state_path

AS_OF = "2026-12-01"
SUPPLIER = "Jens Holm, Nordsensor A/S"


@pytest.fixture
def solution(tmp_path: Path) -> Path:
    path = tmp_path / "solution.yaml"
    path.write_text("# The pilot.\n" + MINIMAL_SOLUTION_YAML, encoding="utf-8")
    return path


def questionnaire(solution: Path, lang: str = "da") -> Path:
    out = solution.parent / "questions.xlsx"
    result = run_cli("questions", solution, "--format", "xlsx", "--lang", lang, "--as-of", AS_OF, "-o", out)
    assert result.code == 0, result.err
    return out


def fill(
    path: Path, answers: dict[str, object], *, by: str | None = SUPPLIER, on: str = "2026-11-30"
) -> None:
    """Answer as a supplier does: type in the open cells, by the question's key."""
    book = openpyxl.load_workbook(path)
    intro = book.worksheets[0]
    intro["B13"] = by
    intro["B14"] = on
    for sheet in book.worksheets[1:]:
        for row in sheet.iter_rows(min_row=2):
            key = row[0].value
            if key in answers:
                row[4].value = answers[key]
                row[5].value = "Datasheet NS-200, page 4"
    book.save(path)


def test_a_filled_in_questionnaire_becomes_the_suppliers_declarations(solution: Path) -> None:
    sheet = questionnaire(solution)
    fill(
        sheet,
        {
            "flow.technologies | flow readings": "IoT-sensorer",  # a vocabulary title, in Danish
            "flow.lawful_basis | flow readings": "ved ikke",  # stays unknown
            "flow.profiling | flow readings": "Nej, de bruges ikke på den måde",
        },
    )
    before = run_cli("questions", solution, "--format", "json", "--as-of", AS_OF).json()["questions"]
    result = run_cli("answers", "import", solution, sheet)
    assert result.code == 0, result.err
    assert "answers read from" in result.err or "answer read from" in result.err
    text = solution.read_text(encoding="utf-8")
    assert text.startswith("# The pilot.\n")
    flow = yaml.safe_load(text)["flows"][0]
    assert flow["technologies"] == ["iot_sensor"]
    assert flow["profiling"] is False
    assert flow["sources"]["technologies"] == {
        "kind": "supplier_declaration",
        "asserted_by": SUPPLIER,
        "checked_on": "2026-11-30",
        "reference": "Datasheet NS-200, page 4",
    }
    assert "lawful_basis" not in flow
    state = yaml.safe_load(state_path(solution).read_text(encoding="utf-8"))
    assert [e["fact"] for e in state["dont_know"]] == ["flow.lawful_basis"]
    after = run_cli("questions", solution, "--format", "json", "--as-of", AS_OF).json()["questions"]
    answered = {q["key"] for q in before} - {q["key"] for q in after}
    assert "flow.technologies | flow readings" in answered
    assessed = run_cli("assess", solution, "--format", "json", "--as-of", AS_OF)
    assert assessed.code == 0, assessed.err


def _refused(result: Run, where: str, solution: Path, original: str) -> None:
    assert result.code == 2, result.err
    assert where in result.err, result.err
    assert "Traceback" not in result.err
    assert solution.read_text(encoding="utf-8") == original


def test_a_formula_a_wrong_answer_or_no_name_is_refused_at_its_cell(solution: Path) -> None:
    original = solution.read_text(encoding="utf-8")
    sheet = questionnaire(solution, lang="en")
    fill(sheet, {"flow.technologies | flow readings": '=HYPERLINK("http://x","y")'})
    _refused(run_cli("answers", "import", solution, sheet), "!E", solution, original)
    fill(sheet, {"flow.technologies | flow readings": "Crystal balls"})
    _refused(run_cli("answers", "import", solution, sheet), "is not in the list", solution, original)
    fill(sheet, {"flow.technologies | flow readings": "IoT sensors"}, by=None)
    _refused(run_cli("answers", "import", solution, sheet), "!B13", solution, original)


def test_a_questionnaire_made_for_other_facts_needs_force(solution: Path) -> None:
    sheet = questionnaire(solution, lang="en")
    fill(sheet, {"flow.technologies | flow readings": "IoT sensors"})
    changed = solution.read_text(encoding="utf-8").replace("retention: P1Y", "retention: P2Y")
    solution.write_text(changed, encoding="utf-8")
    _refused(run_cli("answers", "import", solution, sheet), "!B5: made for other facts", solution, changed)
    assert run_cli("answers", "import", solution, sheet, "--force").code == 0


@pytest.mark.parametrize(
    ("member", "content", "message"),
    [
        ("xl/vbaProject.bin", b"\x00" * 10, "macros"),
        ("xl/externalLinks/externalLink1.xml", b"<x/>", "external links"),
    ],
)
def test_macros_and_external_links_are_refused_before_any_xml_is_read(
    solution: Path, member: str, content: bytes, message: str
) -> None:
    sheet = questionnaire(solution, lang="en")
    with zipfile.ZipFile(sheet, "a") as archive:
        archive.writestr(member, content)
    original = solution.read_text(encoding="utf-8")
    _refused(run_cli("answers", "import", solution, sheet), message, solution, original)


def test_a_file_that_is_not_a_workbook_or_is_a_zip_bomb_is_refused(solution: Path, tmp_path: Path) -> None:
    original = solution.read_text(encoding="utf-8")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("name,answer\n", encoding="utf-8")
    _refused(run_cli("answers", "import", solution, fake), "not an XLSX workbook", solution, original)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    _refused(run_cli("answers", "import", solution, bomb), "bytes unpacked", solution, original)


# -- assurance documents: a row per document ---------------------------------------------------


@pytest.fixture
def without_documents(tmp_path: Path) -> Path:
    """The report app with no assurance document stated: the questionnaire asks for them."""
    return without_assurance_documents(tmp_path)


def fill_documents(path: Path, rows: dict[tuple[str, int], dict[str, str | int]]) -> None:
    """Fill the sheet of assurance documents as a supplier does: (party, nth row) -> column: value."""
    book = openpyxl.load_workbook(path)
    intro = book.worksheets[0]
    intro["B13"] = SUPPLIER
    intro["B14"] = "2026-11-30"
    sheet = book["Assurance documents"]
    seen: dict[str, int] = {}
    for row in sheet.iter_rows(min_row=2):
        party = str(row[0].value).rsplit(" ", 1)[1]
        nth = seen[party] = seen.get(party, 0) + 1
        for column, value in rows.get((party, nth), {}).items():
            sheet[f"{column}{row[0].row}"] = value
    book.save(path)


def test_assurance_documents_come_back_as_list_entries_declared_by_the_supplier(
    without_documents: Path,
) -> None:
    sheet = questionnaire(without_documents, lang="en")
    fill_documents(
        sheet,
        {
            ("bytip", 1): {
                "C": "An ISAE 3402 report, type 2 (controls tested over a period)",
                "D": "2026-06-30",
                "F": "A clean opinion, without reservations",
                "G": 2,
                "H": "Yes, its scope covers what we buy",
                "I": "DanDC A/S",  # a sub-processor by its name
                "K": "ISAE 3402 report 2025-26, page 3",
            },
            ("bytip", 2): {
                "C": "An ISO/IEC 27001 certificate",
                "E": "2027-05-01",
                "H": "No, or only part of it",
                "J": "A.8.28, a.5.19",
            },
            ("dandc", 1): {"C": "None handed in"},
            ("google-fcm", 1): {"C": "don't know"},
        },
    )
    result = run_cli("answers", "import", without_documents, sheet)
    assert result.code == 0, result.err
    parties = {p["id"]: p for p in yaml.safe_load(without_documents.read_text(encoding="utf-8"))["parties"]}
    report, certificate = parties["bytip"]["assurance"]
    assert report["type"] == "isae_3402_type_2" and report["opinion"] == "unqualified"
    assert report["period_end"] == "2026-06-30" and report["exceptions"] == 2
    assert report["subservice_organisations"] == [{"party": "dandc", "method": "inclusive"}]
    assert report["reference"] == "ISAE 3402 report 2025-26, page 3"
    assert report["sources"]["*"] == {
        "kind": "supplier_declaration",
        "asserted_by": SUPPLIER,
        "checked_on": "2026-11-30",
    }
    assert certificate["covers_product"] is False
    assert certificate["soa_excluded_controls"] == ["A.8.28", "A.5.19"]
    assert parties["dandc"]["assurance"] == []  # "none handed in"
    assert "assurance" not in parties["google-fcm"]  # "don't know": stays unknown, not asked again
    (unknown,) = yaml.safe_load(state_path(without_documents).read_text(encoding="utf-8"))["dont_know"]
    assert (unknown["fact"], unknown["target"]) == ("party.assurance", "party google-fcm")
    assessed = run_cli("assess", without_documents, "--as-of", AS_OF, "--format", "json")
    assert assessed.code in (0, 1), assessed.err
    status = {
        f["rule_id"]: f["status"]
        for f in results(json.loads(assessed.out))
        if f["rule_id"].startswith("ASSURANCE-") and (f.get("target") or {}).get("id") == "bytip"
    }
    # the declared exceptions and the certificate's scope are findings
    assert status["ASSURANCE-NO-EXCEPTIONS"] == "fail"
    assert status["ASSURANCE-COVERS-PRODUCT"] == "fail"


@pytest.mark.parametrize(
    ("cells", "where", "message"),
    [
        ({"C": "A report of some kind"}, "!C2", "is not in the list"),
        ({"C": "An ISO/IEC 27001 certificate", "D": "2026-06-30"}, "!C2", "not a fact of a certificate"),
        ({"C": "An ISAE 3402 report, type 1 (controls at a date)", "G": "many"}, "!G2", "whole number"),
        ({"C": "An ISO/IEC 27001 certificate", "J": "A.9.99"}, "!J2", "not a control"),
        (
            {"C": "An ISAE 3402 report, type 1 (controls at a date)", "I": "Nobody Ltd"},
            "!I2",
            "not an organisation",
        ),
        ({"C": '=HYPERLINK("http://x","y")'}, "!C2", "a formula is refused"),
    ],
)
def test_a_wrong_document_row_is_refused_at_its_cell_and_nothing_is_written(
    without_documents: Path, cells: dict[str, str | int], where: str, message: str
) -> None:
    original = without_documents.read_text(encoding="utf-8")
    sheet = questionnaire(without_documents, lang="en")
    fill_documents(sheet, {("bytip", 1): cells})
    _refused(run_cli("answers", "import", without_documents, sheet), where, without_documents, original)
    assert message in run_cli("answers", "import", without_documents, sheet).err


def test_a_prefilled_document_completed_by_the_supplier_keeps_what_the_file_held(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "examples" / "report-app-dk" / "solution.yaml").read_text(encoding="utf-8"))
    bytip = next(p for p in data["parties"] if p["id"] == "bytip")
    (document,) = bytip["assurance"]
    del document["covers_product"]  # the one open detail
    path = tmp_path / "solution.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    sheet = questionnaire(path, lang="en")
    fill_documents(sheet, {("bytip", 1): {"H": "Yes, its scope covers what we buy"}})
    result = run_cli("answers", "import", path, sheet)
    assert result.code == 0, result.err
    parties = {p["id"]: p for p in yaml.safe_load(path.read_text(encoding="utf-8"))["parties"]}
    (completed,) = parties["bytip"]["assurance"]
    assert completed["covers_product"] is True
    assert completed["auditor"] == document["auditor"] and completed["opinion"] == document["opinion"]
    assert completed["sources"]["covers_product"]["kind"] == "supplier_declaration"
    assert set(completed["sources"]) == {"covers_product"}  # the rest keeps the file's own source
