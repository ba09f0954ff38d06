"""The report as a Word document to work in (`assess`/`report -o FILE.docx`): the same content as the
PDF, editable, for the management response and the action plan.

It is made from the very HTML the PDF is laid out from (`report.render_html`), walked element by
element: headings stay headings, paragraphs and lists stay paragraphs and lists, tables stay tables
(the action plan among them, with its columns for the owner, the due date and the management
response), and each figure becomes its text alternative, since its data are in the tables beside
it. So the two editions cannot drift apart. The document is not signed: the signed PDF of the
same run is the authoritative one, and the first paragraph says so with the run's ID.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.shared import Pt
from lxml import html as lxml_html  # type: ignore[import-untyped]

from compliance.core.messages import N_
from compliance.core.models.assessment import Assessment
from compliance.core.terminal import neutralise
from compliance.outputs import i18n

SVG = "{http://www.w3.org/2000/svg}svg"
EDITION_NOTE = N_(
    "Editable edition of the report of run {run}. The signed PDF of the same run is the authoritative "
    "one; changes made here are not part of it."
)
FIGURE = N_("Figure: {text}")
HEADINGS = {"h1": 0, "h2": 1, "h3": 2}
SKIPPED = {"style", "script", "head", "title", "nav"}


def build(a: Assessment, lang: str = "en", **render: Any) -> bytes:
    """The report of an assessment as DOCX bytes, in `lang` (`render` as for `render_html`)."""
    from compliance.outputs.report import render_html

    tr = i18n.translator(lang)
    page = lxml_html.document_fromstring(render_html(a, lang, **render))
    doc = Document()
    doc.styles["Normal"].font.name = "DejaVu Sans"
    doc.styles["Normal"].font.size = Pt(9.5)
    doc.core_properties.language = lang
    doc.core_properties.title = _clean(str(a.solution.get("name", "")))
    run_id = a.run.id if a.run is not None else tr.gettext("not given")
    doc.add_paragraph().add_run(tr.gettext(EDITION_NOTE).format(run=run_id)).italic = True
    body = page.find("body")
    _blocks(doc, body if body is not None else page, tr)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _clean(text: str) -> str:
    """Text as a document may hold it: whitespace folded, control characters shown as escapes."""
    return neutralise(" ".join(text.split()))


def _text(element: Any) -> str:
    """An element's text with line breaks kept as new lines and figures as their alternative."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "br":
            parts.append("\n")
        elif tag in (SVG, "svg"):
            parts.append(_figure_text(node))
            return
        elif node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return "\n".join(_clean(line) for line in "".join(parts).split("\n")).strip()


def _figure_text(svg: Any) -> str:
    title = next((c for c in svg if isinstance(c.tag, str) and c.tag.endswith("title")), None)
    return title.text or "" if title is not None else ""


def _blocks(doc: Any, parent: Any, tr: Any) -> None:
    """The block elements under `parent`, in order, as the document's paragraphs and tables."""
    for node in parent:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in SKIPPED:
            continue
        if tag in HEADINGS:
            doc.add_heading(_text(node), level=HEADINGS[tag])
        elif tag == "p":
            text = _text(node)
            if text:
                doc.add_paragraph(text)
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for item in node:
                if isinstance(item.tag, str) and item.tag == "li":
                    doc.add_paragraph(_text(item), style=style)
        elif tag == "table":
            _table(doc, node)
        elif tag in (SVG, "svg"):
            text = _figure_text(node)
            if text:
                doc.add_paragraph().add_run(tr.gettext(FIGURE).format(text=_clean(text))).italic = True
        elif tag in ("section", "div", "body", "main"):
            _blocks(doc, node, tr)


def _table(doc: Any, node: Any) -> None:
    rows = list(node.iter("tr"))
    if not rows:
        return
    width = max(len([c for c in r if isinstance(c.tag, str) and c.tag in ("td", "th")]) for r in rows)
    table = doc.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    for r in rows:
        cells = [c for c in r if isinstance(c.tag, str) and c.tag in ("td", "th")]
        out = table.add_row().cells
        for i, cell in enumerate(cells[:width]):
            out[i].text = _text(cell)
            if cell.tag == "th":
                for run in out[i].paragraphs[0].runs:
                    run.bold = True
