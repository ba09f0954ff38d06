"""`compliance answers import`: a questionnaire generated, filled in as a supplier would, read back
as the supplier's declarations, and assessed; hostile and damaged workbooks are refused with the
cell to fix, and nothing is written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from helpers import MINIMAL_SOLUTION_YAML, Run
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
