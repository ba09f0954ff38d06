"""`assess`/`report -o FILE.docx`: the report as a Word document to work in, with the same content as
the PDF (made from the same HTML), opened by LibreOffice as a reader would: converted headless to
PDF and its text read back."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import docx
from helpers import REPO

from compliance.core.engine import assess
from compliance.inputs.decisions import load_decisions
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs import docx_edition
from compliance.outputs.report import render_html

TRAFFIC = REPO / "examples" / "traffic-counting-us-cloud"


def _assessment():  # type: ignore[no-untyped-def]
    loaded = load_solution(TRAFFIC / "solution.yaml")
    packs = load_packs()
    decided = load_decisions(TRAFFIC / "solution.decisions.yaml", loaded, packs)
    return assess(
        loaded.solution, packs, date(2026, 12, 1), decisions=decided.decisions, decisions_file=decided.input
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_document_has_the_reports_headings_and_tables(tmp_path) -> None:
    a = _assessment()
    path = tmp_path / "r.docx"
    path.write_bytes(docx_edition.build(a, "da"))
    d = docx.Document(str(path))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    html = render_html(a, "da")
    # every heading but the table of contents, whose page numbers a Word document does not have
    found = re.findall(r"<h2(?! class=\"toc\")[^>]*>(.*?)</h2>", html, re.S)
    expected = [_words(re.sub(r"<[^>]+>", "", h)) for h in found]
    assert len(expected) > 10
    shown = [_words(h) for h in headings]
    for heading in expected:
        assert heading.replace("&#39;", "'") in shown, heading
    # the action plan is a table with the management response, as in the PDF
    plan = [t for t in d.tables if "Ledelsens svar" in " ".join(c.text for c in t.rows[0].cells)]
    assert plan and any("Accepted. Until the assessment" in c.text for r in plan[0].rows for c in r.cells)
    assert d.core_properties.language == "da"


def test_libreoffice_opens_it_and_reads_the_findings_in_words(tmp_path, cli) -> None:
    out = tmp_path / "report.docx"
    run = cli(
        "assess", TRAFFIC / "solution.yaml", "--decisions", TRAFFIC / "solution.decisions.yaml",
        "--as-of", "2026-12-01", "--no-scan", "-o", str(out), "-o", str(tmp_path / "a.json"),
    )  # fmt: skip
    assert run.code == 0, run.err
    assert shutil.which("soffice"), "LibreOffice Writer is installed by scripts/bootstrap.sh"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(out)],
        check=True, capture_output=True, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    text = _words(
        subprocess.run(
            ["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
    )
    for part in (
        "Editable edition of the report of run",
        "Verdict: ready with conditions",
        "Kaveri Support Services Pvt. Ltd. receives personal data outside the EU/EEA",
        "Management response",
        "Figure: Diagram of the solution's 4 data flows",
        "Appendix for engineers",
    ):
        assert part in text, part
    # `report` makes the same document of the saved assessment
    again = tmp_path / "again.docx"
    assert cli("report", tmp_path / "a.json", "-o", str(again)).code == 0
    first = [p.text for p in docx.Document(str(out)).paragraphs]
    second = [p.text for p in docx.Document(str(again)).paragraphs]
    assert first == second
