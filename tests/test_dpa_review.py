"""`compliance review dpa`: a supplier's data-processing agreement checked against GDPR Art. 28
clause by clause: the patterns and their test sentences, reading PDF, Word and text with where each
sentence stands, hostile documents refused within limits, the outputs for the lawyer, and the
review's results as facts of a solution."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import docx
import pikepdf
import pytest
import yaml
from helpers import REPO
from openpyxl import load_workbook

from compliance.core.clauses import (
    LANGUAGES,
    Block,
    ClauseOutcome,
    classify,
    detect_language,
    failing_tests,
    language,
    requirements,
    review,
    sentences,
)
from compliance.evidence.documents import DocumentError, read, text_blocks
from compliance.outputs.dpa_review import requirement_text

SAMPLE = """# Data Processing Addendum

## 1. Definitions

"Sub-processor" means any processor engaged by Vendor. "Personal Data Breach" means a breach of security.

## 2. Instructions

2.1 Vendor will process Customer Personal Data solely in accordance with Customer's documented instructions, including with regard to transfers, unless required to do so by Union or Member State law.

## 3. Confidentiality

Vendor's permanent employees are bound by confidentiality undertakings.

## 5. Sub-processors

Customer grants Vendor a general written authorisation to engage the Sub-processors listed in Annex 3. Vendor may replace Sub-processors without notice to Customer. Vendor is not liable for acts or omissions of its Sub-processors.

## 6. Breaches

Vendor will notify Customer without undue delay following completion of its internal investigation of a breach.

## Annex 3. Sub-processors

| Name | Country | Service |
|---|---|---|
| Nimbus Hosting SARL | Ireland | hosting |
| Helpdesk Partners | | =HYPERLINK("http://x") support |
"""


def _outcomes(blocks: list[Block], lang: str = "en") -> dict[str, ClauseOutcome]:
    return {r.requirement: r.outcome for r in review(blocks, lang)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_pattern_gives_its_test_sentences_outcome(lang: str) -> None:
    assert failing_tests(lang) == []
    patterns = language(lang).requirements
    for key in requirements():
        if key == "sub-processor-list":
            continue
        tests = patterns[key].tests
        assert tests.get("found"), f"{lang} {key}: no sentence that must be found"
        assert tests.get("none"), f"{lang} {key}: no sentence that must not match"


def test_a_heading_a_definition_or_a_mention_is_never_found() -> None:
    lang = language("en")
    assert classify("7. Sub-processors", "art28-3-d-authorisation", lang, "heading") is None
    assert (
        classify(
            '"Sub-processor" means any processor engaged by the processor.', "art28-3-d-authorisation", lang
        )
        is None
    )
    assert classify("This clause is about audits and inspections.", "art28-3-h", lang) is None


def test_the_sample_reads_as_a_lawyer_would() -> None:
    outcomes = _outcomes(text_blocks(SAMPLE))
    assert outcomes["art28-3-a"] is ClauseOutcome.FOUND  # the exception is one the GDPR makes
    assert outcomes["art28-3-b"] is ClauseOutcome.WEAKENED  # permanent employees only
    assert outcomes["art28-3-d-authorisation"] is ClauseOutcome.FOUND
    assert outcomes["art28-3-d-objection"] is ClauseOutcome.CONTRADICTED  # replaced without notice
    assert outcomes["art28-3-d-liability"] is ClauseOutcome.CONTRADICTED
    assert outcomes["art28-3-f-breach"] is ClauseOutcome.WEAKENED  # runs from the investigation's end
    assert outcomes["art28-3-h"] is ClauseOutcome.NOT_FOUND
    assert outcomes["sub-processor-list"] is ClauseOutcome.WEAKENED  # one entry has no country


def test_list_items_are_read_with_the_sentence_that_introduces_them() -> None:
    blocks = text_blocks(
        "## 4. Duties\n\nThe Processor shall:\n\n- notify the Controller without undue delay after becoming aware of a personal data breach;\n- keep records.\n"
    )
    said = sentences(blocks)
    assert any(s.text.startswith("The Processor shall: notify the Controller") for s in said)
    assert _outcomes(blocks)["art28-3-f-breach"] is ClauseOutcome.FOUND


def test_the_language_is_recognised() -> None:
    assert detect_language(text_blocks(SAMPLE)) == "en"
    da = "Databehandleren må kun behandle personoplysninger efter dokumenteret instruks fra den dataansvarlige, og at det skal ske med omhu."
    sv = "Personuppgiftsbiträdet får endast behandla personuppgifter enligt den personuppgiftsansvariges instruktioner och som avtalat."
    assert detect_language(text_blocks(da)) == "da"
    assert detect_language(text_blocks(sv)) == "sv"


@pytest.mark.parametrize("lang", ["da", "sv"])
def test_every_requirement_reads_in_danish_and_swedish(lang: str) -> None:
    for req in requirements().values():
        title, question, in_english = requirement_text(req, lang)
        assert not in_english, f"{req.id} has no current {lang} translation"
        assert title != req.title and question != req.question


# ---------------------------------------------------------------------------------------------
# Reading documents, and where each sentence stands


def test_markdown_locations_are_sections_and_paragraphs(tmp_path) -> None:
    path = tmp_path / "dpa.md"
    path.write_text(SAMPLE, encoding="utf-8")
    results = {r.requirement: r for r in review(read(path), "en")}
    assert results["art28-3-a"].location == "section 2.1"
    assert results["art28-3-b"].location == "section 3, paragraph 1"
    assert results["art28-3-a"].quote.startswith("Vendor will process")


def test_word_documents_are_read_with_headings_tables_and_positions(tmp_path) -> None:
    document = docx.Document()
    document.add_heading("9. Audits", level=1)
    document.add_paragraph("Some words first.")
    document.add_paragraph(
        "The Processor shall make available to the Controller all information necessary to demonstrate "
        "compliance and allow for and contribute to audits, including inspections, conducted by the "
        "Controller or an auditor it mandates."
    )
    document.add_heading("Annex B. Sub-processors", level=1)
    table = document.add_table(rows=3, cols=2)
    for row, (name, country) in zip(
        table.rows, [("Name", "Country"), ("Nimbus SARL", "Ireland"), ("Helpdesk AB", "Sweden")], strict=True
    ):
        row.cells[0].text, row.cells[1].text = name, country
    path = tmp_path / "DPA.docx"
    document.save(str(path))
    results = {r.requirement: r for r in review(read(path), "en")}
    assert results["art28-3-h"].outcome is ClauseOutcome.FOUND
    assert results["art28-3-h"].location == "section 9, paragraph 2"
    assert results["sub-processor-list"].outcome is ClauseOutcome.FOUND


def _with_part(source_path: Path, path: Path, name: str, xml: str) -> Path:
    """A copy of a Word document with one more part (python-docx writes no footnotes)."""
    with zipfile.ZipFile(source_path) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, xml)
    return path


def test_footnotes_of_a_word_document_are_read(tmp_path) -> None:
    document = docx.Document()
    document.add_heading("11. Breaches", level=1)
    document.add_paragraph("Breaches are handled as described in the footnote.")
    plain = tmp_path / "plain.docx"
    document.save(str(plain))
    notes = (
        '<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="http://schemas.openxmlformats.org/'
        'wordprocessingml/2006/main"><w:footnote w:id="0"><w:p><w:r><w:t>-</w:t></w:r></w:p></w:footnote>'
        '<w:footnote w:id="1"><w:p><w:r><w:t>The Processor shall notify the Controller without undue delay '
        "after becoming aware of a personal data breach.</w:t></w:r></w:p></w:footnote></w:footnotes>"
    )
    path = _with_part(plain, tmp_path / "DPA.docx", "word/footnotes.xml", notes)
    results = {r.requirement: r for r in review(read(path), "en")}
    assert results["art28-3-f-breach"].outcome is ClauseOutcome.FOUND
    assert results["art28-3-f-breach"].location == "footnote 1"


def test_a_footnote_part_with_an_entity_is_refused(tmp_path) -> None:
    document = docx.Document()
    document.add_paragraph("Text.")
    plain = tmp_path / "plain.docx"
    document.save(str(plain))
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">&b;</w:footnotes>'
    )
    path = _with_part(plain, tmp_path / "DPA.docx", "word/footnotes.xml", bomb)
    with pytest.raises(DocumentError, match="malformed or refused XML"):
        read(path)


def _pdf_of(tmp_path: Path, html: str) -> Path:
    from weasyprint import HTML

    path = tmp_path / "dpa.pdf"
    HTML(string=html).write_pdf(str(path))
    return path


def test_pdfs_are_read_with_page_and_line(tmp_path) -> None:
    filler = "".join(f"<p>Paragraph {i} of general terms that say nothing of data.</p>" for i in range(60))
    path = _pdf_of(
        tmp_path,
        f"<h2>1. Terms</h2>{filler}<h2>12. Breaches</h2><p>The Processor shall notify the Controller "
        "without undue delay after becoming aware of a personal data breach.</p>",
    )
    results = {r.requirement: r for r in review(read(path), "en")}
    breach = results["art28-3-f-breach"]
    assert breach.outcome is ClauseOutcome.FOUND
    # the page a viewer shows it on, read with another tool
    pages = int(pikepdf.open(path).pages.__len__())
    shown_on = [
        page
        for page in range(1, pages + 1)
        if "without undue delay"
        in subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True, text=True
        ).stdout
    ]
    assert pages > 1 and shown_on and breach.location.startswith(f"page {shown_on[0]}, line ")


def test_a_pdf_without_a_text_layer_needs_ocr(tmp_path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    path = tmp_path / "scan.pdf"
    pdf.save(path)
    with pytest.raises(DocumentError, match="no text: the PDF has no text layer"):
        read(path)


def test_hostile_documents_are_refused_with_a_reason(tmp_path, cli) -> None:
    cases: dict[str, tuple[bytes, str]] = {}
    # an encrypted PDF
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(owner="o", user="secret"))
    cases["locked.pdf"] = (buffer.getvalue(), "an encrypted PDF")
    cases["broken.pdf"] = (b"%PDF-1.7\n1 0 obj <<>> trailer <<>> %%EOF garbage", "PDF")
    # a zip bomb: one member that unpacks to far more than allowed
    bomb = BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (120 * 1024 * 1024))
    cases["bomb.docx"] = (bomb.getvalue(), "bytes unpacked: refused")
    macro = BytesIO()
    with zipfile.ZipFile(macro, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\0")
    cases["macro.docx"] = (macro.getvalue(), "macros and embedded objects are refused")
    cases["plain.docx"] = (b"not a zip", "not a Word document")
    cases["latin1.txt"] = ("Databehandleren må".encode("latin-1"), "not UTF-8 text")
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        run = cli("review", "dpa", path, "--document-lang", "en")
        assert run.code == 2, (name, run.err)
        assert message in run.err and "Traceback" not in run.err, (name, run.err)
    huge = tmp_path / "huge.md"
    with huge.open("wb") as f:
        f.truncate(60 * 1024 * 1024)
    run = cli("review", "dpa", huge)
    assert run.code == 2 and "Traceback" not in run.err


# ---------------------------------------------------------------------------------------------
# The outputs for the lawyer


def test_the_clause_table_as_text_json_workbook_and_signed_pdf(tmp_path, cli) -> None:
    path = tmp_path / "dpa.md"
    path.write_text(SAMPLE, encoding="utf-8")
    text = cli("review", "dpa", path)
    assert text.code == 0
    assert (
        "[weakened] GDPR Art. 28(3)(b)" in text.out
        and "Question for the supplier: Please confirm" in text.out
    )
    # Every reading says it is a machine's, with how often a "found" was wrong on unseen agreements.
    assert "A machine reading for a lawyer to confirm" in text.out and "one in eight" in text.out
    danish = cli("review", "dpa", path, "--lang", "da")
    assert "(dpa.md, punkt 2.1)" in danish.out and "(dpa.md, punkt 3, afsnit 1)" in danish.out
    assert "En maskinel læsning, som en jurist skal bekræfte" in danish.out
    data = json.loads(cli("review", "dpa", path, "--format", "json").out)
    assert data["language"] == "en"
    assert data["results"][0]["location"] == "section 2.1"  # the JSON keeps the English words
    first = data["results"][0]
    assert set(first) >= {"requirement", "citation", "outcome", "quote", "location", "reason"}
    assert [r["requirement"] for r in data["results"]] == list(requirements())
    assert all("question" in r for r in data["results"] if r["outcome"] != "found")
    book = tmp_path / "review.xlsx"
    assert cli("review", "dpa", path, "--lang", "da", "-o", book).code == 0
    sheet = load_workbook(book).active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "Svækket" in str(values) or "svækket" in str(values)
    assert not any(str(v).startswith("=") for v in values)  # a supplier's text is never a formula
    pdf = tmp_path / "review.pdf"
    run = cli("review", "dpa", path, "--lang", "sv", "-o", pdf)
    assert run.code == 0, run.err
    sig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in sig
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Granskning av ett personuppgiftsbiträdesavtal" in shown and "försvagat" in shown
    assert "En maskinell läsning som en jurist ska bekräfta" in " ".join(shown.split())


def test_the_review_becomes_facts_of_the_solution(tmp_path, cli) -> None:
    example = REPO / "examples" / "traffic-counting-us-cloud"
    solution = tmp_path / "solution.yaml"
    shutil.copy(example / "solution.yaml", solution)
    path = tmp_path / "kaveri-dpa.md"
    path.write_text(SAMPLE, encoding="utf-8")
    run = cli("review", "dpa", path, "--solution", solution, "--party", "kaveri", "--as-of", "2026-12-01")
    assert run.code == 0, run.err
    data = yaml.safe_load(solution.read_text(encoding="utf-8"))
    kaveri = next(p for p in data["parties"] if p["id"] == "kaveri")
    contract = kaveri["contract"]
    # (b) is weakened and (d) contradicted: the letters listed are the found ones only, and fail
    assert "b" not in contract["clauses"] and "d" not in contract["clauses"]
    assert contract["breach_notice_without_undue_delay"] is False
    assert contract["sources"]["breach_notice_without_undue_delay"]["kind"] == "document"
    assert (
        contract["sources"]["breach_notice_without_undue_delay"]["reference"]
        == "kaveri-dpa.md, section 6, paragraph 1"
    )
    assert "same_obligations" not in contract  # not found: left unstated, unknown
    assert "GDPR Art. 28 with these facts:" in run.out
    assert "fail" in run.out
    # the comments of the file are kept
    assert solution.read_text(encoding="utf-8").startswith("# Example: licence-plate traffic counting")
    wrong = cli("review", "dpa", path, "--solution", solution, "--party", "nobody")
    assert wrong.code == 2 and "no party 'nobody'" in wrong.err
    # an output that cannot be written is refused before the solution is touched (and the two are
    # written together by writing.write_all_atomically, all or nothing)
    before = solution.read_bytes()
    other = tmp_path / "other-dpa.md"
    other.write_text(SAMPLE.replace("permanent employees", "staff"), encoding="utf-8")
    failed = cli("review", "dpa", other, "--solution", solution, "--party", "kaveri", "-o", tmp_path)
    assert failed.code == 2, failed.err
    assert solution.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# The corpus: a lawyer's clause table for 36 agreements (bench/bench_dpa.py, bench/README.md).
# The first held-out half (heldout/) was measured once, blind (198/252 right: 17 false found, 33
# weaknesses missed), and its errors were then read: it has become tuning material like tune/, and
# its pins below are tuned figures, not a measurement of how the patterns generalise. That is the
# job of the next held-out half, measured by someone who has not tuned on it.


def _measure(half: str, lang: str) -> dict[str, int]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_dpa", REPO / "bench" / "bench_dpa.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    table, _errors = bench.evaluate(half, lang)
    return {c: sum(row[c] for row in table.values()) for c in ("documents", "right", "false_found")}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_tuning_half_reads_as_the_lawyer_did(lang: str) -> None:
    measured = _measure("tune", lang)
    assert measured["documents"] == 84
    assert measured["false_found"] == 0
    assert measured["right"] == 84


@pytest.mark.parametrize(("lang", "right", "false_found"), [("da", 84, 0), ("sv", 84, 0), ("en", 84, 0)])
def test_the_first_held_out_half_now_tuned_on_does_not_get_worse(
    lang: str, right: int, false_found: int
) -> None:
    """The first held-out half, measured once (198/252: da 65, sv 69, en 64 right; 6, 7 and 4
    false found) and then read and tuned on: its figures may improve, never get worse."""
    measured = _measure("heldout", lang)
    assert measured["documents"] == 84
    assert measured["false_found"] <= false_found
    assert measured["right"] >= right


@pytest.mark.parametrize(("lang", "right", "false_found"), [("da", 69, 8), ("sv", 69, 3), ("en", 64, 6)])
def test_the_second_held_out_half_measured_blind_does_not_get_worse(
    lang: str, right: int, false_found: int
) -> None:
    """The second held-out half (heldout2/), written by someone who never saw the patterns and
    measured once after tuning on both earlier halves: 202/252 right, 17 false found, 40
    weaknesses missed. Its errors have now been read, so a pattern change that improves it is
    tuning; these pins only stop it getting worse."""
    measured = _measure("heldout2", lang)
    assert measured["documents"] == 84
    assert measured["false_found"] <= false_found
    assert measured["right"] >= right
