"""`assess`/`report -o FILE.xlsx`: the action plan and the findings as a workbook to work in,
filterable, with every text written as text (a supplier's name that looks like a formula stays
text, and the workbook holds no formula)."""

from __future__ import annotations

import json
from datetime import date

import yaml
from helpers import REPO
from openpyxl import load_workbook

from compliance.core.engine import assess
from compliance.core.models.rules import Outcome
from compliance.inputs.decisions import load_decisions
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs.spreadsheet import as_xlsx

TRAFFIC = REPO / "examples" / "traffic-counting-us-cloud"


def _book(data: bytes, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    return load_workbook(path)


def test_the_action_plan_has_every_open_result_with_its_action_and_the_findings_every_result(
    tmp_path,
) -> None:
    loaded = load_solution(TRAFFIC / "solution.yaml")
    packs = load_packs()
    decided = load_decisions(TRAFFIC / "solution.decisions.yaml", loaded, packs)
    a = assess(
        loaded.solution, packs, date(2026, 12, 1), decisions=decided.decisions, decisions_file=decided.input
    )
    book = _book(as_xlsx(a, "en"), tmp_path)
    assert book.sheetnames == ["Action plan", "Findings", "About"]
    plan, findings = book["Action plan"], book["Findings"]
    header = [c.value for c in plan[1]]
    assert header[:7] == ["Priority", "Requirement", "Provision", "Applies to", "Status", "Why", "What to do"]
    assert plan.freeze_panes == "A2" and plan.auto_filter.ref == f"A1:L{plan.max_row}"
    open_results = [
        f
        for f in a.findings
        if f.status in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW, Outcome.ACCEPTED)
    ]
    assert plan.max_row - 1 == len(open_results)
    assert findings.max_row - 1 == len(a.findings)
    rows = {r[11]: r for r in plan.iter_rows(min_row=2, values_only=True)}
    tia = rows["GDPR-46-1-TRANSFER-IMPACT-ASSESSMENT"]
    assert tia[0] == "high" and tia[4] == "not met"
    assert "no transfer impact assessment is documented" in tia[5]
    assert (
        tia[7].startswith("TrafikSense AB") and tia[8].date() == date(2027, 1, 31) and tia[9] == "in progress"
    )
    # the most serious first
    ranks = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    order = [ranks[r[0]] for r in plan.iter_rows(min_row=2, values_only=True)]
    assert order == sorted(order)
    danish = _book(as_xlsx(a, "da"), tmp_path)
    assert danish.sheetnames[0] == "Handlingsplan" and danish.worksheets[0]["A1"].value == "Prioritet"
    # every sheet's name in the reader's language, "About" as a noun (the catalogs' "About" alone is
    # a preposition: "Gäller")
    assert danish.sheetnames == ["Handlingsplan", "Fund", "Om projektmappen"]
    assert _book(as_xlsx(a, "sv"), tmp_path).sheetnames == ["Handlingsplan", "Fynd", "Om arbetsboken"]


def test_a_name_that_looks_like_a_formula_stays_text_and_no_cell_holds_a_formula(tmp_path, cli) -> None:
    data = yaml.safe_load(
        (REPO / "examples" / "wifi-footfall-se" / "solution.yaml").read_text(encoding="utf-8")
    )
    data["parties"][1]["name"] = '=HYPERLINK("http://evil.example","x")'
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "solution.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "a.xlsx"
    run = cli(
        "assess",
        folder / "solution.yaml",
        "--as-of",
        "2026-12-01",
        "-o",
        str(out),
        "-o",
        str(tmp_path / "a.json"),
    )
    assert run.code == 0, run.err
    book = load_workbook(out)
    texts = [
        c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert any(t.startswith("'=HYPERLINK") for t in texts)  # the party is named, as text
    # the saved assessment renders to the same workbook content with `report`
    again = tmp_path / "b.xlsx"
    assert cli("report", tmp_path / "a.json", "-o", str(again)).code == 0
    first = [[c.value for c in row] for row in load_workbook(out)["Findings"].iter_rows()]
    second = [[c.value for c in row] for row in load_workbook(again)["Findings"].iter_rows()]
    assert first == second
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["schema_version"]
