"""The report says its results in words, shows what the requirements met rest on, and carries its
document control: findings read as the rule's sentence with the values filled in (the tests the rule
ran only in the engineer's appendix and the JSON), the evidence trail names the sources of what
passed, and the cover says the report's version, status, classification and who approved it."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape

from helpers import REPO

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment, DocumentControl
from compliance.core.models.rules import Outcome
from compliance.inputs.decisions import load_decisions
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs.report import evidence_trail, render_html
from compliance.outputs.summary import render

AS_OF = date(2026, 12, 1)
TRAFFIC = REPO / "examples" / "traffic-counting-us-cloud"
TIA_RULE = "GDPR-46-1-TRANSFER-IMPACT-ASSESSMENT"
# A fact's path as the rules read it: what no reader before the appendices should meet.
FIELD_PATH = re.compile(r"\b(?:solution|flow|party|system|dpia|safeguards|scan)\.[a-z_]+(?:\.[a-z_]+)*\b")


def _traffic(with_decisions: bool = True) -> Assessment:
    loaded = load_solution(TRAFFIC / "solution.yaml")
    packs = load_packs()
    decided = load_decisions(TRAFFIC / "solution.decisions.yaml", loaded, packs) if with_decisions else None
    return assess(
        loaded.solution,
        packs,
        AS_OF,
        decisions=decided.decisions if decided else None,
        decisions_file=decided.input if decided else None,
    )


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _before_appendices(html: str) -> str:
    body = html.split('<h2 id="summary">', 1)[1]
    return _text(body.split('<h2 id="appendix-controls">', 1)[0])


def test_a_failure_reads_as_its_rules_sentence_with_the_values_and_their_source() -> None:
    a = _traffic()
    html = render_html(a, "en")
    body = _before_appendices(html)
    assert (
        "Kaveri Support Services Pvt. Ltd. receives personal data outside the EU/EEA under the EU standard "
        "contractual clauses, but no transfer impact assessment is documented for it. Source: stated in the "
        "solution file (TrafikSense's answer" in body
    )
    # the test the rule ran is for engineers: in the appendix only
    trace = "party.transfer.transfer_impact_assessment = false"
    assert trace not in body
    assert trace in _text(html.split('<h2 id="appendix-engineers">', 1)[1])


def test_no_field_path_reaches_a_reader_before_the_appendices_in_any_language() -> None:
    a = _traffic()
    for lang in ("en", "da", "sv"):
        found = sorted(set(FIELD_PATH.findall(_before_appendices(render_html(a, lang)))))
        assert not found, f"{lang}: {found}"


def test_the_danish_and_swedish_reports_say_the_sentence_in_their_language() -> None:
    a = _traffic()
    da = _before_appendices(render_html(a, "da"))
    sv = _before_appendices(render_html(a, "sv"))
    assert "modtager personoplysninger uden for EU/EØS på grundlag af EU's standardkontraktbestemmelser" in da
    assert "tar emot personuppgifter utanför EU/EES med stöd av EU:s standardavtalsklausuler" in sv


def test_the_summary_says_the_sentence_not_the_test() -> None:
    text = " ".join(render(_traffic(), "en").split())
    assert "no transfer impact assessment is documented for it" in text
    assert "party.transfer.transfer_impact_assessment = false" not in text


def test_each_result_records_the_facts_that_decided_it_in_the_json() -> None:
    a = _traffic()
    finding = next(f for f in a.findings if f.rule_id == TIA_RULE)
    assert finding.status is Outcome.FAIL
    assert finding.deciding == ["party.transfer.transfer_impact_assessment"]
    data = json.loads(a.model_dump_json(by_alias=True))
    saved = next(f for f in data["findings"] if f["rule_id"] == TIA_RULE)
    assert saved["deciding"] == finding.deciding
    assert data["rules"][TIA_RULE]["says"]["fail"].startswith("{target} receives personal data")


def test_the_evidence_trail_lists_what_passed_with_its_sources_and_marks_declarations_only() -> None:
    a = _traffic()
    trail = dict(evidence_trail(a, "en"))
    passes = [f for f in a.findings if f.status is Outcome.PASS]
    listed = {row["rule_id"] for rows in trail.values() for row in rows}
    assert listed == {f.rule_id for f in passes}
    rows = [row for rows in trail.values() for row in rows]
    assert sum(row["results"] for row in rows) == len(passes)
    assert sum(row["declared_only"] for row in rows) == sum(f.declared_only for f in passes)
    # a pass resting on a document the supplier named shows that document
    assert any("Optiroad security manual" in source for row in rows for source in row["sources"])
    html = render_html(a, "en")
    part = _text(html.split('<h2 id="appendix-trail">', 1)[1].split('<h2 id="appendix-engineers">', 1)[0])
    assert "declarations only, for" in part


def test_the_cover_carries_the_document_control() -> None:
    a = _traffic().model_copy(
        update={
            "assessor": "Eva Lund, Älvbacka kommun",
            "document": DocumentControl(
                status="final", version="2", classification="Internal", approver="Per Holm, DPO"
            ),
        }
    )
    cover = _text(render_html(a, "en").split('<section class="cover">', 1)[1].split("</section>", 1)[0])
    assert "Document control" in cover
    assert "Version 2 (Final)" in cover and "Classification Internal" in cover
    assert "Approved by Per Holm, DPO" in cover and "Assessor Eva Lund, Älvbacka kommun" in cover
    assert "Data protection officer dataskyddsombud@alvbacka.example.se" in cover
    assert "Draft: not approved" not in cover
    draft = _text(render_html(_traffic(), "en").split("</section>", 1)[0])
    assert "Draft: not approved" in draft and "1 (Draft)" in draft and "not approved" in draft


def test_the_method_says_the_scope_what_was_not_assessed_and_who_supplied_the_facts() -> None:
    a = _traffic()
    method = _text(render_html(a, "en").split('<h2 id="method">', 1)[1].split("<h2", 1)[0])
    solution = a.solution
    assert (
        f"{len(solution['flows'])} data flows, {len(solution['parties'])} parties and "
        f"{len(solution['systems'])} systems"
    ) in method
    assert "Assessed: " in method and "GDPR" in method
    assert "Who supplied the facts" in method and "Stated in the solution file:" in method
    # the other country's national law is not named at all (a Swedish solution)
    assert "Databeskyttelsesloven" not in method


def test_document_control_is_recorded_and_a_later_report_may_make_it_final(tmp_path, cli) -> None:
    example = REPO / "examples" / "wifi-footfall-se" / "solution.yaml"
    first = tmp_path / "a.json"
    run = cli(
        "assess", example, "--as-of", "2026-12-01", "--assessor", "Karin Lund", "--classification", "Internal",
        "--prepared-for", "Malmö stad", "-o", str(first),
    )  # fmt: skip
    assert run.code == 0, run.err
    recorded = json.loads(first.read_text(encoding="utf-8"))["document"]
    assert recorded == {
        "status": "draft", "version": "1", "classification": "Internal", "prepared_for": "Malmö stad",
        "approver": None,
    }  # fmt: skip
    # final without an approver: said on the terminal
    run = cli("report", first, "--final", "-o", str(tmp_path / "r.pdf"))
    assert run.code == 0 and "marked final but names no approver" in run.err
    run = cli(
        "report",
        first,
        "--final",
        "--report-version",
        "2",
        "--approver",
        "Per Holm",
        "-o",
        str(tmp_path / "s.pdf"),
    )
    assert run.code == 0 and "no approver" not in run.err
    from pypdf import PdfReader

    cover = " ".join(PdfReader(tmp_path / "s.pdf").pages[0].extract_text().split())
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(tmp_path / "s.pdf").pages[:3]).split())
    assert "Draft: not approved" not in cover
    assert "2 (Final)" in text and "Per Holm" in text and "Internal" in text and "Malmö stad" in text
    # a control character in a name is refused before anything is written
    bad = cli("assess", example, "--approver", "Per\x1b[2J", "-o", str(tmp_path / "t.json"))
    assert bad.code == 2 and "Traceback" not in bad.err and not (tmp_path / "t.json").exists()


# The shipped framework names a Danish or Swedish reader would otherwise meet in English (GDPR, NIS2,
# CRA, RED and the standards keep their names in every language); a citation keeps its act's English
# short name, as it keeps its article numbering (`Data Act Art. 25(1)`).
ENGLISH_FRAMEWORK_NAMES = ("AI Act", "Code and dependency scanning", "Data Act", "Supplier assurance")


def test_the_danish_and_swedish_reports_name_the_frameworks_in_their_language() -> None:
    a = _traffic()
    local = {
        "da": [
            "AI-forordningen",
            "Dataforordningen",
            "Tilsyn med leverandører",
            "Scanning af kode og afhængigheder",
        ],
        "sv": [
            "AI-förordningen",
            "Dataförordningen",
            "Granskning av leverantörer",
            "Skanning av kod och beroenden",
        ],
    }
    for lang, names in local.items():
        text = _text(render_html(a, lang))
        left = [n for n in ENGLISH_FRAMEWORK_NAMES if re.search(re.escape(n) + r"(?! Art\.)", text)]
        assert not left, f"{lang}: {left}"
        assert all(name in text for name in names), lang
        summary = " ".join(render(a, lang).split())
        assert not [n for n in ENGLISH_FRAMEWORK_NAMES if re.search(re.escape(n) + r"(?! Art\.)", summary)]
    # the English report is unchanged
    english = _text(render_html(a, "en"))
    assert all(name in english for name in ENGLISH_FRAMEWORK_NAMES)
