"""`compliance annex dk-scc|se-pub`: a processor agreement's annexes prefilled from the solution,
everything the file does not state a marked blank, never invented text."""

from __future__ import annotations

from pathlib import Path

import docx
import yaml
from docx.enum.text import WD_COLOR_INDEX
from helpers import REPO

TRAFFIC = REPO / "examples" / "traffic-counting-us-cloud" / "solution.yaml"


def _text(path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """Paragraph texts, table rows, and the texts highlighted as blanks."""
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    rows = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    runs = [r for p in document.paragraphs for r in p.runs]
    runs += [
        r for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs
    ]
    blanks = [r.text for r in runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    return paragraphs, rows, blanks


def test_the_danish_appendices_are_filled_from_the_solution(tmp_path, cli) -> None:
    out = tmp_path / "bilag.docx"
    run = cli("annex", "dk-scc", TRAFFIC, "--party", "trafiksense", "-o", out)
    assert run.code == 0, run.err
    paragraphs, rows, blanks = _text(out)
    assert paragraphs[0] == "Bilag A til C til databehandleraftalen med TrafikSense AB"
    headings = [p for p in paragraphs if p[:3] in {f"{x}.{n}" for x in "ABC" for n in range(1, 9)}]
    assert [h.split()[0] for h in headings] == [
        "A.1", "A.2", "A.3", "A.4", "A.5", "B.1", "B.2", "C.1", "C.2", "C.3", "C.4", "C.5", "C.6", "C.7", "C.8",
    ]  # fmt: skip
    assert "A.3 Typer af personoplysninger" in paragraphs and "Køretøjers nummerplader" in paragraphs
    # the sub-processors with their countries, by name in Danish
    assert rows[1][:2] == ["Stratus Cloud Inc.", "USA"] and rows[2][:2] == [
        "Kaveri Support Services Pvt. Ltd.",
        "Indien",
    ]
    # the transfers with their grounds, from the record of processing
    assert any("Indien" in p and "standardkontraktbestemmelser" in p for p in paragraphs)
    # what the file does not state is a marked blank
    assert "[udfyldes: aftalens løbetid]" in blanks
    assert all(b.startswith("[udfyldes: ") for b in blanks)
    assert "[udfyldes: CVR-nummer og adresse]" in blanks


def test_a_processor_the_file_says_little_about_gets_blanks_not_invented_text(tmp_path, cli) -> None:
    data = {
        "schema_version": 4,
        "id": "thin",
        "name": "Thin solution",
        "jurisdiction": "DK",
        "controller": {"party": "kommune"},
        "parties": [
            {"id": "kommune", "name": "Eksempel Kommune", "roles": ["controller"]},
            {"id": "leverandor", "name": "Leverandør ApS", "roles": ["processor"]},
        ],
    }
    solution = tmp_path / "s.yaml"
    solution.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "bilag.docx"
    assert cli("annex", "dk-scc", solution, "--party", "leverandor", "-o", out).code == 0
    paragraphs, rows, blanks = _text(out)
    body = [p for p in paragraphs[2:] if p[:1] not in "ABC" or p[1:2] != "."]
    # every line under a heading is a blank, but the one stating that no sub-processor is stated
    assert body and all(p in blanks or p == "Ingen underdatabehandler er angivet." for p in body), body
    assert rows == []


def test_the_swedish_instruction_annex(tmp_path, cli) -> None:
    out = tmp_path / "bilaga.docx"
    assert cli("annex", "se-pub", TRAFFIC, "--party", "trafiksense", "-o", out).code == 0
    paragraphs, rows, blanks = _text(out)
    assert paragraphs[0] == "Instruktion för behandling av personuppgifter hos TrafikSense AB"
    assert "5 Var behandlingen sker" in paragraphs
    assert "[fylls i: båda parternas kontaktpersoner]" in blanks
    assert rows[1][:2] == ["Stratus Cloud Inc.", "USA"]


def test_the_processor_must_be_one(tmp_path, cli) -> None:
    run = cli("annex", "dk-scc", TRAFFIC, "-o", tmp_path / "a.docx")
    assert run.code == 2 and "name the processor with --party (trafiksense)" in run.err
    run = cli("annex", "dk-scc", TRAFFIC, "--party", "alvbacka-kommun", "-o", tmp_path / "a.docx")
    assert run.code == 2
    run = cli("annex", "dk-scc", TRAFFIC, "--party", "trafiksense", "-o", tmp_path / "a.pdf")
    assert run.code == 2 and "Word document" in run.err
