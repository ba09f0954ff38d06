"""Framework names in the reader's language: every output a person reads in Danish or Swedish names
the frameworks (and the packs) as the pack translations do, never in English, while the JSON keeps the
English name as its key."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from html import unescape
from typing import Any

import docx
import openpyxl
import pytest
import yaml
from helpers import REPO
from pypdf import PdfReader
from test_report_words import ENGLISH_FRAMEWORK_NAMES

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment
from compliance.core.translations import TRANSLATED_LANGUAGES, framework_name, pack_title
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs import annexes, changes, docx_edition, dpia_draft, public, spreadsheet
from compliance.outputs.report import render_html, render_pdf
from compliance.outputs.summary import render

AS_OF = date(2026, 12, 1)
PACKS = [
    yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "rules" / "packs").glob("*.yaml"))
]
# Examples between them assessed under every shipped framework, with results pending under the Data Act.
EXAMPLES = ("wifi-footfall-se", "air-quality-sensor-product-dk")


def english_names(lang: str) -> list[str]:
    """The stop list of a language: the English framework names of tests/test_report_words.py,
    each other shipped framework name the language names otherwise (GDPR, NIS2 and the national
    acts keep theirs), and every pack's English title."""
    names = {p["framework"] for p in PACKS if framework_name(lang, p["framework"])[0] != p["framework"]}
    titles = {p["title"] for p in PACKS}
    return sorted(set(ENGLISH_FRAMEWORK_NAMES) | names | titles, key=len, reverse=True)


def _strings(value: Any) -> list[str]:
    """Every text of the solution file: its names and descriptions are the user's, in any language."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def english_left(text: str, a: Assessment, lang: str) -> list[str]:
    """The English framework names and pack titles a text still shows, with their context; not the
    user's own texts, and not a citation (`Data Act Art. 25(1)`, a key like the rule IDs)."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())
    for own in sorted(_strings(a.solution), key=len, reverse=True):
        own = " ".join(own.split())
        if len(own) > 3:
            text = text.replace(own, " ")
    found = []
    for name in english_names(lang):
        for m in re.finditer(re.escape(name) + r"(?! Art\.)", text):
            found.append(text[max(0, m.start() - 50) : m.end() + 30])
    return found


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)


@pytest.fixture(scope="module")
def assessed() -> dict[str, Assessment]:
    packs = load_packs()
    return {
        name: assess(load_solution(REPO / "examples" / name / "solution.yaml").solution, packs, AS_OF)
        for name in EXAMPLES
    }


def outputs(a: Assessment, lang: str) -> dict[str, str]:
    """Every output a person reads, as text: the report (HTML, the Word edition made from it, the
    public edition), the council's pages within it, the summary, the workbook, the DPIA draft, the
    processor annexes and the changes since an assessment."""
    out = {
        "report": render_html(a, lang),
        "public edition": render_html(public.redact(a, public.plan_for(a)), lang),
        "summary": render(a, lang),
        "docx": _docx_text(docx_edition.build(a, lang)),
        "xlsx": _xlsx_text(spreadsheet.as_xlsx(a, lang)),
        "dpia draft": _docx_text(dpia_draft.build(a, lang)),
        "changes": changes.as_text(changes.compare(a, a), lang),
    }
    for kind in ("dk-scc", "se-pub"):
        for processor in annexes.processors(a.solution)[:1]:
            out[f"annex {kind}"] = _docx_text(
                annexes.as_docx(annexes.build(a.solution, processor, kind, lang), lang)
            )
    return out


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_no_output_names_a_framework_or_a_pack_in_english(assessed, example, lang) -> None:
    a = assessed[example]
    for kind, text in outputs(a, lang).items():
        assert not english_left(text, a, lang), (example, lang, kind, english_left(text, a, lang)[:3])


def test_the_pdf_report_names_the_frameworks_in_the_readers_language(assessed) -> None:
    """The PDF is drawn from the report's HTML, which the test above reads in both languages: one
    language shows that nothing on the way to the PDF puts an English name back."""
    lang = "sv"
    a = assessed[EXAMPLES[0]]
    pdf, _refused = render_pdf(render_html(a, lang))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert not english_left(text, a, lang)
    local = {"da": "Dataforordningen", "sv": "Dataförordningen"}[lang]
    assert local in " ".join(text.split())


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_the_stop_list_would_catch_an_english_name(assessed, lang) -> None:
    """The test above finds what it looks for: the English report shows every name it lists."""
    a = assessed[EXAMPLES[0]]
    english = english_left(render_html(a, "en"), a, lang)
    assert {"Data Act", "Supplier assurance", "Code and dependency scanning"} <= {
        name for name in english_names(lang) if any(name in found for found in english)
    }


def test_the_json_keeps_the_english_framework_names_as_keys(assessed) -> None:
    a = assessed[EXAMPLES[0]]
    data = json.loads(a.model_dump_json(by_alias=True))
    assert "Data Act" in data["frameworks"] and "Supplier assurance" in data["frameworks"]
    assert not {"Dataforordningen", "Dataförordningen"} & set(data["frameworks"])


@pytest.mark.parametrize(
    ("lang", "english", "local"),
    [
        ("da", "Data Act", "Dataforordningen"),
        ("sv", "Data Act", "Dataförordningen"),
        ("da", "AI Act", "AI-forordningen"),
        ("sv", "AI Act", "AI-förordningen"),
        ("da", "Supplier assurance", "Tilsyn med leverandører"),
        ("sv", "Supplier assurance", "Granskning av leverantörer"),
        ("da", "Code and dependency scanning", "Scanning af kode og afhængigheder"),
        ("sv", "Code and dependency scanning", "Skanning av kod och beroenden"),
        ("da", "GDPR", "GDPR"),
        ("sv", "NIS2", "NIS2"),
        (
            "sv",
            "Databeskyttelsesloven og tv-overvågningsloven (DK)",
            "Databeskyttelsesloven og tv-overvågningsloven (DK)",
        ),
    ],
)
def test_a_framework_is_named_in_the_language_by_its_english_name(lang, english, local) -> None:
    assert framework_name(lang, english) == (local, False)
    assert framework_name("en", english) == (english, False)


def test_a_framework_without_a_current_translation_keeps_its_own_name_and_says_so() -> None:
    # a user's own pack, or a shipped framework renamed in English since its translation
    assert framework_name("da", "Municipal IT policy") == ("Municipal IT policy", True)
    assert framework_name("sv", "Data Act 2") == ("Data Act 2", True)


def test_a_pack_title_falls_back_to_english_when_its_english_changed() -> None:
    pack = next(p for p in PACKS if p["pack"] == "data-act")
    text, in_english = pack_title("da", "data-act", pack["title"])
    assert not in_english and text.startswith("Dataforordningens pligter")
    assert pack_title("da", "data-act", pack["title"] + " (revised)") == (pack["title"] + " (revised)", True)
    assert pack_title("en", "data-act", pack["title"]) == (pack["title"], False)


def test_packs_of_one_framework_that_name_it_differently_are_refused(monkeypatch) -> None:
    from compliance.core import translations
    from compliance.core.errors import InputError

    stamp = translations.framework_stamp("GDPR")
    monkeypatch.setattr(
        translations,
        "load_framework_names",
        lambda lang: {
            "gdpr-core": {"source": stamp, "name": "GDPR"},
            "gdpr-rights": {"source": stamp, "name": "Databeskyttelsesforordningen"},
        },
    )
    with pytest.raises(InputError, match="another pack of the same framework"):
        translations._framework_names_by_stamp.__wrapped__("da")
