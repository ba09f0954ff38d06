"""The PDF report: rendered by the real WeasyPrint, read back with poppler's pdftotext and pdfinfo."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from helpers import REPO, minimal_solution, rule_dict, solution_model
from markupsafe import escape

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs.report import render_html, render_pdf

AS_OF = "2026-12-01"
EXAMPLE = REPO / "examples" / "wifi-footfall-se" / "solution.yaml"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def test_assess_writes_a_pdf_report_with_every_section(tmp_path, cli) -> None:
    pdf = tmp_path / "report.pdf"
    run = cli("assess", EXAMPLE, "--as-of", AS_OF, "-o", str(pdf), "-o", str(tmp_path / "a.json"))
    assert run.code == 0, run.err
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdftotext(pdf)
    for heading in (
        "Summary",
        "DPIA screening",
        "Control coverage by framework",
        "Findings to act on, by provision",
        "Scanners",
        "Method",
    ):
        assert heading in text, heading
    assert "not ready to proceed: not ready" in text
    assert "GDPR Art. 35(1)" in text  # a provision with findings
    info = pdfinfo(pdf)
    assert "Wi-Fi footfall counting" in info["Title"]
    assert info["Author"].startswith("compliance-engine")
    assert int(info["Pages"]) >= 3


def test_a_saved_assessment_renders_alone_to_the_same_text(tmp_path, cli) -> None:
    saved = tmp_path / "a.json"
    direct = tmp_path / "direct.pdf"
    assert cli("assess", EXAMPLE, "--as-of", AS_OF, "-o", str(saved), "-o", str(direct)).code == 0
    again = tmp_path / "again.pdf"
    run = cli("report", str(saved), "-o", str(again))
    assert run.code == 0, run.err
    assert pdftotext(again) == pdftotext(direct)


def test_a_file_that_is_no_assessment_is_refused_and_nothing_is_written(tmp_path, cli) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"tool": 1}', encoding="utf-8")
    out = tmp_path / "report.pdf"
    out.write_bytes(b"earlier report")
    run = cli("report", str(bad), "-o", str(out))
    assert run.code == 2
    assert "not an assessment" in run.err and "Traceback" not in run.err
    assert out.read_bytes() == b"earlier report"


HOSTILE = '<img src="file:///etc/passwd"><style>body{display:none}</style><script>x()</script>&amp;'


def test_user_texts_print_as_text_and_nothing_is_fetched(tmp_path) -> None:
    data = minimal_solution()
    data["name"] = HOSTILE
    data["parties"][0]["name"] = '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">City'
    a = assess(solution_model(data), load_packs(), date(2026, 12, 1))
    html = render_html(a)
    assert "<img src=" not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    pdf, refused = render_pdf(html)
    assert refused == []
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = pdftotext(path)
    assert '<img src="file:///etc/passwd">' in text
    assert "<style>body{display:none}</style>" in text
    assert "root:x:0:0" not in text


def test_the_fetcher_refuses_files_and_networks() -> None:
    html = (
        '<html><body><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/a.png">'
        '<link rel="stylesheet" href="https://example.invalid/x.css"></body></html>'
    )
    _, refused = render_pdf(html)
    assert set(refused) == {"file:///etc/passwd", "http://127.0.0.1:9/a.png", "https://example.invalid/x.css"}


def test_the_same_assessment_gives_the_same_html() -> None:
    loaded = load_solution(EXAMPLE)
    packs = load_packs()
    first = render_html(assess(loaded.solution, packs, date(2026, 12, 1), inputs=loaded.inputs))
    second = render_html(assess(loaded.solution, packs, date(2026, 12, 1), inputs=loaded.inputs))
    assert first == second


def test_an_unknown_report_language_is_a_usage_error(tmp_path, cli) -> None:
    run = cli("assess", EXAMPLE, "--lang", "fi", "-o", str(tmp_path / "r.pdf"))
    assert run.code == 2
    assert "--lang" in run.err


def test_the_report_is_pdf_a_3_and_embeds_the_assessment(tmp_path, cli) -> None:
    import json

    saved, pdf = tmp_path / "a.json", tmp_path / "r.pdf"
    assert cli("assess", EXAMPLE, "--as-of", AS_OF, "-o", str(saved), "-o", str(pdf)).code == 0
    info = pdfinfo(pdf)
    assert info["Tagged"] == "yes" and info["Metadata Stream"] == "yes"
    listed = subprocess.run(
        ["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "assessment.json" in listed
    out = tmp_path / "extracted.json"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(out), str(pdf)], check=True, capture_output=True)
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(saved.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "da",
            [
                "Screening for konsekvensanalyse",
                "Dataansvarlig",
                "ikke klar til at gå videre",
                "vises på engelsk",
            ],
        ),
        (
            "sv",
            ["konsekvensbedömning", "Personuppgiftsansvarig", "inte redo att gå vidare", "visas på engelska"],
        ),
    ],
)
def test_danish_and_swedish_reports_use_the_authorities_terms(
    tmp_path, cli, lang: str, words: list[str]
) -> None:
    pdf = tmp_path / f"r-{lang}.pdf"
    assert cli("assess", EXAMPLE, "--as-of", AS_OF, "--lang", lang, "-o", str(pdf)).code == 0
    text = pdftotext(pdf)
    for word in words:
        assert word in text, word
    assert f'lang="{lang}"' in render_html(
        assess(load_solution(EXAMPLE).solution, load_packs(), date(2026, 12, 1)), lang
    )


def test_the_report_lists_accepted_risks_controls_and_the_record_of_processing(tmp_path, cli) -> None:
    example = REPO / "examples" / "traffic-counting-us-cloud" / "solution.yaml"
    decisions = example.with_name("solution.decisions.yaml")  # the assessor accepted a risk
    pdf = tmp_path / "r.pdf"
    assert cli("assess", example, "--decisions", decisions, "--as-of", AS_OF, "-o", str(pdf)).code == 0
    text = " ".join(pdftotext(pdf).split())
    assert "Accepted risks" in text and "Before go-live" in text
    assert "Record of processing (GDPR Art. 30(1))" in text
    assert "NIS2 Art. 21(2)(j)" in text  # the per-control matrix
    assert "ETSI EN 303 645 5.1" in text


def test_no_page_is_blank(tmp_path, cli) -> None:
    """Every page, rendered to an image by poppler, has ink on it."""
    pdf = tmp_path / "r.pdf"
    assert cli("assess", EXAMPLE, "--as-of", AS_OF, "-o", str(pdf)).code == 0
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == int(pdfinfo(pdf)["Pages"])
    for page in pages:
        data = page.read_bytes()
        pixels = data.split(b"\n", 3)[3]  # P5 header: magic, size, maxval
        assert min(pixels) < 160, f"{page.name} looks blank"


def test_the_same_assessment_gives_the_same_pdf_bytes() -> None:
    """Unsigned, the PDF depends on the assessment alone (dates included), not on the clock."""
    from compliance.outputs.report import report_pdf

    a = assess(load_solution(EXAMPLE).solution, load_packs(), date(2026, 12, 1))
    assert report_pdf(a, "sv") == report_pdf(a, "sv")


def test_the_style_sheet_reaches_the_renderer_unescaped() -> None:
    """Autoescaping must not touch our own CSS: an escaped quote silently drops the fonts and the
    page numbers."""
    html = render_html(assess(load_solution(EXAMPLE).solution, load_packs(), date(2026, 12, 1)), "en")
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert '"DejaVu Sans"' in style and "&#34;" not in style and "counter(pages)" in style


def test_the_figures_are_svg_drawn_from_the_assessment_with_texts_escaped() -> None:
    from compliance.outputs.drawing import score_chart, shown_frameworks

    data = minimal_solution()
    data["systems"][0]["name"] = '<script>alert("x")</script>'
    a = assess(solution_model(data), load_packs(), date(2026, 12, 1))
    html = render_html(a, "en")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    chart = score_chart(a)
    assert (
        chart.count("<text") >= 2 * len(shown_frameworks(a))
        and len(shown_frameworks(a)) == len(a.frameworks) - 1
    )


def test_the_pdf_a_conformance_points_hold(tmp_path, cli) -> None:
    """No PDF/A validator is installable here: check its conformance points with pikepdf."""
    import pikepdf

    pdf_path = tmp_path / "r.pdf"
    assert cli("assess", EXAMPLE, "--as-of", AS_OF, "--lang", "sv", "-o", str(pdf_path)).code == 0
    with pikepdf.open(pdf_path) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            assert xmp.get("pdfaid:part") == "3" and xmp.get("pdfaid:conformance") == "B"
            title = xmp.get("dc:title")
            creators = xmp.get("dc:creator")
        info = pdf.docinfo
        assert str(info["/Title"]) == title and "Wi-Fi footfall counting" in title
        assert [str(info["/Author"])] == list(creators)
        assert str(pdf.Root.Lang) == "sv"
        assert pdf.Root.MarkInfo.Marked and "/StructTreeRoot" in pdf.Root  # tagged
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and "/DestOutputProfile" in intent
        files = {f.objgen: f for f in pdf.Root.AF}  # WeasyPrint lists the one file twice
        [spec] = files.values()
        assert str(spec.F) == "assessment.json" and spec.AFRelationship == "/Data"
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont


@pytest.mark.parametrize(
    ("lang", "heading"),
    [
        ("en", "GDPR Art. 35(1): Data protection impact assessment"),
        ("da", "GDPR Art. 35(1): Konsekvensanalyse vedrørende databeskyttelse"),
        ("sv", "GDPR Art. 35(1): Konsekvensbedömning avseende dataskydd"),
    ],
)
def test_findings_are_headed_by_the_official_article_title_in_the_reports_language(
    lang: str, heading: str
) -> None:
    a = assess(load_solution(EXAMPLE).solution, load_packs(), date(2026, 12, 1))
    assert heading in render_html(a, lang)


def test_repeated_results_are_one_line_listing_their_targets(tmp_path) -> None:
    """The same rule, result and explanation on many flows is one line with every flow named."""
    data = minimal_solution()
    base = data["flows"][0]
    data["flows"] = [{**base, "id": f"flow-{i}", "name": f"Flow {i}"} for i in range(1, 8)]
    a = assess(solution_model(data), load_packs(), date(2026, 12, 1))
    html = render_html(a, "en")
    repeated = [f for f in a.findings if f.target and f.target.id == "flow-1" and f.status.value == "unknown"]
    assert repeated, "the minimal solution leaves flow facts unknown"
    targets = ", ".join(f"flow flow-{i}" for i in range(1, 8))
    assert f"{targets} (7)" in html
    shown = [f for f in a.findings if f.status.value in ("fail", "unknown", "accepted")]
    assert html.count("<tr>\n    <td>") < len(shown)  # fewer lines than findings
    assert "Facts to state" in html and "Unknown results it decides" in html


def test_the_cover_names_assessor_and_signer_and_the_flows_are_numbered(tmp_path, cli) -> None:
    pdf = tmp_path / "r.pdf"
    run = cli("assess", EXAMPLE, "--as-of", AS_OF, "-o", str(pdf), "--assessor", "Karin Lund, Malmö stad")
    assert run.code == 0
    assert f"wrote {pdf}, signed by Test Assessor; check it with: compliance verify {pdf}" in run.err
    text = " ".join(pdftotext(pdf).split())
    assert "Assessor Karin Lund, Malmö stad" in text and "Signed by Test Assessor" in text
    assert "Controls by status, per framework" in text
    pages = int(pdfinfo(pdf)["Pages"])
    assert f"2 / {pages}" in text and f"{pages} / {pages}" in text  # page numbers in the footer
    assert "Assessment data embedded in this PDF (assessment.json), SHA-256" in text
    solution = load_solution(EXAMPLE).solution
    for number, flow in enumerate(solution.flows, start=1):
        assert f"{number} {flow.name.split()[0]}" in text  # the legend under the diagram


def test_a_danish_report_shows_the_danish_rule_texts(tmp_path, cli) -> None:
    from compliance.core.translations import load_translations

    pdf = tmp_path / "r.pdf"
    saved = tmp_path / "a.json"
    assert (
        cli("assess", EXAMPLE, "--as-of", AS_OF, "--lang", "da", "-o", str(pdf), "-o", str(saved)).code == 0
    )
    text = " ".join(pdftotext(pdf).split())
    a = Assessment.model_validate_json(saved.read_text())
    shown = [f for f in a.findings if f.status.value in ("fail", "unknown")]
    assert shown
    danish = load_translations("da")
    for f in shown[:5]:
        assert " ".join(danish[f.rule_id]["title"].split()[:3]) in text, f.rule_id  # words may wrap
    assert text.count("[EN]") == 2  # only in the two notes: every shipped rule and control has Danish


@pytest.mark.parametrize(
    "example", sorted(p.parent.name for p in (REPO / "examples").glob("*/solution.yaml"))
)
def test_the_reports_verdict_reasons_are_the_engines(example) -> None:
    """The report words the verdict's reasons in its language from the same facts; in English they
    are exactly the engine's."""
    from compliance.outputs.report import verdict_reasons

    a = assess(
        load_solution(REPO / "examples" / example / "solution.yaml").solution, load_packs(), date(2026, 12, 1)
    )
    assert verdict_reasons(a, "en") == [r.text for r in a.verdict_reasons]
    assert len(verdict_reasons(a, "da")) == len(a.verdict_reasons) == len(verdict_reasons(a, "sv"))
    for lang in ("da", "sv"):
        assert "[EN]" not in " ".join(verdict_reasons(a, lang))  # every shipped rule title is translated


def test_the_assessor_is_recorded_once_and_a_report_cannot_name_another(tmp_path, cli) -> None:
    saved = tmp_path / "a.json"
    assert cli("assess", EXAMPLE, "--as-of", AS_OF, "-o", str(saved), "--assessor", "Per Holm").code == 0
    assert Assessment.model_validate_json(saved.read_text()).assessor == "Per Holm"
    run = cli("report", str(saved), "-o", str(tmp_path / "r.pdf"), "--assessor", "Someone Else")
    assert run.code == 2 and "names its assessor (Per Holm)" in run.err
    assert not (tmp_path / "r.pdf").exists()
    assert cli("report", str(saved), "-o", str(tmp_path / "r.pdf")).code == 0
    assert "Assessor Per Holm" in " ".join(pdftotext(tmp_path / "r.pdf").split())


def test_the_method_states_the_formula_the_packs_and_the_limits(tmp_path, cli) -> None:
    from compliance.core.translations import pack_title

    pdf = tmp_path / "r.pdf"
    assert cli("assess", EXAMPLE, "--as-of", AS_OF, "-o", str(pdf), "--lang", "sv").code == 0
    text = " ".join(pdftotext(pdf).split())
    assert "kritisk 8, hög 4, medel 2, låg 1" in text  # the severity points the assessment used
    assert "poäng är under 50" in text and "Använda regelpaket" in text and "Begränsningar" in text
    a = assess(load_solution(EXAMPLE).solution, load_packs(), date(2026, 12, 1))
    method = render_html(a, "sv").split('id="method"', 1)[1]
    for pack in load_packs():
        rules = sum(1 for r in a.rules.values() if r.pack == pack.meta.pack)
        # in Swedish (rules/translations/sv), as autoescape writes it (an apostrophe is &#39;)
        title = escape(pack_title("sv", pack.meta.pack, pack.meta.title)[0])
        assert f"<td>{pack.meta.pack}</td><td>{title}</td><td>{pack.meta.version}</td>" in method
        assert f"<td>{rules}</td>" in method
    assert "<td>inbyggd</td>" in method and "built-in" not in method


def test_a_rule_of_a_users_own_pack_is_marked_as_english_in_a_danish_report(
    tmp_path, write_pack, write_solution
) -> None:
    from compliance.inputs.loader import load_packs as load

    folder = write_pack(rule_dict("LOCAL-RETENTION", title="Our own retention rule"))
    data = minimal_solution()
    data["flows"][0].pop("retention", None)
    a = assess(solution_model(data), load([folder]), date(2026, 12, 1))
    assert any(f.rule_id == "LOCAL-RETENTION" and f.status.value == "unknown" for f in a.findings)
    html = render_html(a, "da")
    assert "[EN] Our own retention rule" in html
    assert "[EN] Set a retention period of at most a year." in html
