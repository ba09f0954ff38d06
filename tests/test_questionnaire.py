"""`compliance questions`: the open questions as text, JSON and the supplier's spreadsheet. The
spreadsheet is opened as a spreadsheet program reads it: its sheets, locked and open cells, lists
of answers, the solution facts it was made from, and no formula, whatever names a supplier gives."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml
from helpers import MINIMAL_SOLUTION_YAML
from helpers import run_english as run_cli

from compliance.core.engine import assess
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs.questionnaire import FORMULA_STARTS, facts_sha256, safe_text

AS_OF = "2026-12-01"
HOSTILE_FLOW = '=HYPERLINK("http://evil.example/x","Click")'
HOSTILE_PARTY = "+cmd|' /C calc'!A0"


@pytest.fixture
def solution(tmp_path: Path) -> Path:
    data = yaml.safe_load(MINIMAL_SOLUTION_YAML)
    data["flows"][0]["name"] = HOSTILE_FLOW
    data["parties"].append({"id": "vendor", "name": HOSTILE_PARTY, "roles": ["processor"], "country": "DK"})
    data["supplier"] = "vendor"
    data["systems"][1]["operator"] = "vendor"
    path = tmp_path / "solution.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_spreadsheet_has_instructions_locked_questions_open_answers_and_lists(
    solution: Path, tmp_path: Path
) -> None:
    out = tmp_path / "questions.xlsx"
    result = run_cli("questions", solution, "--format", "xlsx", "--lang", "da", "--as-of", AS_OF, "-o", out)
    assert result.code == 0, result.err
    book = openpyxl.load_workbook(out)
    intro = book.worksheets[0]
    assert intro.title == "Vejledning" and intro.protection.sheet
    labels = {row[0]: row[1] for row in intro.iter_rows(values_only=True) if row[0]}
    loaded = load_solution(solution)
    a = assess(loaded.solution, load_packs(), date.fromisoformat(AS_OF))
    assert labels["Lavet ud fra løsningens fakta med SHA-256"] == facts_sha256(a)
    assert labels["Sprog"] == "da"
    assert book["Lists"].sheet_state == "hidden"
    flows = book["Datastrømme"] if "Datastrømme" in book.sheetnames else book["Dataflows"]
    assert flows.protection.sheet and flows.column_dimensions["A"].hidden
    header = [c.value for c in flows[1]]
    assert header[:5] == ["Nøgle", "Om", "Spørgsmål", "Hjælp", "Svar"]
    rows = list(flows.iter_rows(min_row=2))
    assert rows
    for row in rows:
        assert row[0].value.startswith("flow.") and " | flow readings" in row[0].value
        assert row[0].protection.locked and row[2].protection.locked
        assert not row[4].protection.locked and not row[5].protection.locked  # answer and evidence
        assert "dataflowet" in row[2].value
    validations = {str(v.sqref): v for v in flows.data_validations.dataValidation}
    lists = [v for v in validations.values() if v.type == "list"]
    assert lists and all(v.formula1.startswith("Lists!$") for v in lists)


def test_no_cell_is_a_formula_whatever_the_supplier_named_things(solution: Path, tmp_path: Path) -> None:
    out = tmp_path / "questions.xlsx"
    assert run_cli("questions", solution, "--format", "xlsx", "--as-of", AS_OF, "-o", out).code == 0
    book = openpyxl.load_workbook(out)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}: {cell.value}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), f"{sheet.title}!{cell.coordinate}"
                    texts.append(cell.value)
    assert "'" + HOSTILE_FLOW in texts
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


def test_safe_text_neutralises_every_formula_start_and_control_characters() -> None:
    for start in FORMULA_STARTS:
        assert not safe_text(f"{start}1+1").startswith(FORMULA_STARTS)
    for start in "=+-@":
        assert safe_text(f"{start}1+1") == f"'{start}1+1"
    assert safe_text("Heat meters") == "Heat meters"
    assert "\x1b" not in safe_text("\x1b[31mred")


def test_the_questions_for_one_party_are_about_it_its_systems_and_their_flows(solution: Path) -> None:
    everything = run_cli("questions", solution, "--format", "json", "--as-of", AS_OF)
    vendor = run_cli("questions", solution, "--format", "json", "--as-of", AS_OF, "--party", "vendor")
    assert everything.code == 0 and vendor.code == 0, vendor.err
    every = json.loads(everything.out)["questions"]
    mine = json.loads(vendor.out)["questions"]
    assert 0 < len(mine) < len(every)
    for q in mine:
        target = q["target"]
        if target is None:
            assert q["answered_by"][0] == "supplier"
        else:
            assert (target["kind"], target["id"]) in {
                ("party", "vendor"),
                ("system", "platform"),
                ("flow", "readings"),
            }
    assert run_cli("questions", solution, "--party", "nobody").code == 2


def test_text_and_json_list_the_questions_in_asking_order(solution: Path) -> None:
    text = run_cli("questions", solution, "--as-of", AS_OF, "--lang", "sv")
    assert text.code == 0 and text.out.startswith("Öppna frågor om")
    data = json.loads(run_cli("questions", solution, "--format", "json", "--as-of", AS_OF).out)
    assert data["language"] == "en" and len(data["solution_facts_sha256"]) == 64
    assert data["questions"][0]["key"].startswith(data["questions"][0]["fact"])
    assert all(q["ask"] and "{" not in q["ask"] for q in data["questions"])


def test_a_spreadsheet_needs_a_file_and_never_overwrites_the_solution(solution: Path) -> None:
    assert run_cli("questions", solution, "--format", "xlsx").code == 2
    before = solution.read_bytes()
    assert run_cli("questions", solution, "--format", "xlsx", "-o", solution).code == 2
    assert solution.read_bytes() == before


def test_a_question_open_for_several_flows_is_one_item_with_its_rows_together(tmp_path: Path) -> None:
    data = yaml.safe_load(MINIMAL_SOLUTION_YAML)
    data["flows"].append({**data["flows"][0], "id": "counts", "name": "Visitor counts"})
    path = tmp_path / "solution.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    text = run_cli("questions", path, "--as-of", AS_OF)
    assert text.code == 0, text.err
    # The technologies question is one numbered item naming both flows, its subject in the rows.
    item = next(block for block in text.out.split("\n\n") if "Which technologies" in block)
    assert "data flow … use" in item and "For each of: " in item
    assert "Sensor readings" in item and "Visitor counts" in item
    assert text.out.count("Which technologies") == 1
    out = tmp_path / "questions.xlsx"
    assert run_cli("questions", path, "--format", "xlsx", "--as-of", AS_OF, "-o", out).code == 0
    sheet = openpyxl.load_workbook(out)["Data flows"]
    facts = [row[0].value.split(" | ")[0] for row in sheet.iter_rows(min_row=2) if row[0].value]
    # In the spreadsheet each row names its flow, and the rows of one question stand together.
    for fact in set(facts):
        first, last = facts.index(fact), len(facts) - 1 - facts[::-1].index(fact)
        assert facts[first : last + 1] == [fact] * (last - first + 1), fact


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "report-app-dk" / "solution.yaml"


def test_assurance_documents_have_a_sheet_with_a_validated_row_per_document(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    parties = {p["id"]: p for p in data["parties"]}
    (kept,) = parties["bytip"]["assurance"]  # ByTip keeps its document, without its scope
    for party in data["parties"]:
        party.pop("assurance", None)
    parties["bytip"]["assurance"] = [{k: v for k, v in kept.items() if k != "covers_product"}]
    parties["bytip"]["assurance"][0]["reference"] = HOSTILE_FLOW  # a supplier's text, prefilled
    parties["dandc"]["name"] = HOSTILE_PARTY
    path = tmp_path / "solution.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp_path / "q.xlsx"
    assert run_cli("questions", path, "--format", "xlsx", "--as-of", AS_OF, "-o", out).code == 0
    book = openpyxl.load_workbook(out)
    sheet = book["Assurance documents"]
    header = [c.value for c in sheet[1]]
    assert header[2:4] == ["Type of document", "Period end (reports)"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    keys = [r[0] for r in rows]
    assert keys.count("party.assurance | party bytip") == 4  # a few rows for each party asked
    first = keys.index("party.assurance | party bytip")
    assert rows[first][2] == "An ISAE 3000 report, type 2 (controls tested over a period)"  # prefilled
    assert rows[first][7] is None  # its scope is the open question
    assert sheet["C2"].protection.locked is False and sheet["B2"].protection.locked is not False
    kinds = {str(v.sqref).split(":")[0][0]: v.type for v in sheet.data_validations.dataValidation}
    assert kinds["C"] == "list" and kinds["D"] == "date" and kinds["E"] == "date"
    assert kinds["F"] == "list" and kinds["G"] == "whole" and kinds["H"] == "list"
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert sheet.cell(row=first + 2, column=11).value == "'" + HOSTILE_FLOW  # row 1 is the heading
    assert "'" + HOSTILE_PARTY in {r[1] for r in rows}
    lists = book["Lists"]
    offered = {
        lists.cell(row=r, column=c).value for c in range(1, lists.max_column + 1) for r in range(1, 12)
    }
    assert {"None handed in", "An ISO/IEC 27001 certificate", "don't know"} <= offered
    as_json = tmp_path / "q.json"
    assert run_cli("questions", path, "--format", "json", "--as-of", AS_OF, "-o", as_json).code == 0
    (documents,) = [
        q for q in json.loads(as_json.read_text())["questions"] if q["fact"] == "party.assurance"
    ][:1]
    assert [f["field"] for f in documents["fields"]][:2] == ["type", "period_end"]
    text = run_cli("questions", path, "--as-of", AS_OF)
    assert "For each document: Type of document; Period end (reports)" in text.out
