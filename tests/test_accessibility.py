"""The report is readable by people with low vision or colour blindness and by screen readers:
text stands out at least 4.5:1 against the page (WCAG 2.1, 1.4.3), chart and diagram colours at
least 3:1 against the page and what lies beside them (1.4.11), a status is always a word too, never
a colour alone (1.4.1), and every figure has a text alternative in the report's language (the
PDF's /Alt), with headings and tables tagged."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO
from itertools import pairwise

import pikepdf
import pytest
from helpers import REPO

from compliance.core.engine import assess
from compliance.core.resources import reports_root
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs import diagram, drawing
from compliance.outputs.report import render_html, report_pdf

WHITE, TRACK = "#ffffff", "#eeeeee"


def _luminance(colour: str) -> float:
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)

    def channel(v: str) -> float:
        x = int(v, 16) / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(h[i : i + 2]) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_is_the_wcag_one() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#777777", WHITE) == pytest.approx(4.48, abs=0.01)  # the classic "just fails"


def test_every_text_colour_of_the_style_sheet_stands_out_against_its_background() -> None:
    css = reports_root().joinpath("report.css").read_text(encoding="utf-8")
    colours = re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", css)
    assert len(colours) >= 8
    for colour in colours:
        assert contrast(colour, WHITE) >= 4.5, colour
    # table headers have a grey background; their text keeps the body's colour
    header = re.search(r"\bth\s*\{[^}]*background:\s*(#[0-9a-fA-F]{3,6})", css)
    body = re.search(r"\bhtml\s*\{[^}]*?(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", css)
    assert header and body and contrast(body.group(1), header.group(1)) >= 4.5


def test_chart_and_diagram_colours_stand_out_against_the_page_and_the_track() -> None:
    chart = {drawing.GREEN, drawing.AMBER, drawing.RED, drawing.GREY, *drawing.STATUS_COLOURS.values()}
    for colour in chart:
        assert contrast(colour, WHITE) >= 3, colour
    for colour in (drawing.GREEN, drawing.AMBER, drawing.RED, drawing.GREY):  # the score bars, on their track
        assert contrast(colour, TRACK) >= 3, colour
    for colour in diagram.COLOURS.values():  # arrows and borders on the page
        assert contrast(colour, WHITE) >= 3, colour
    assert len(set(drawing.STATUS_COLOURS.values())) == len(drawing.STATUS_COLOURS)


def _traffic():  # type: ignore[no-untyped-def]
    path = REPO / "examples" / "traffic-counting-us-cloud" / "solution.yaml"
    return assess(load_solution(path).solution, load_packs(), date(2026, 12, 1))


def test_stacked_segments_are_parted_by_white_and_every_status_is_a_word() -> None:
    a = _traffic()
    svg = drawing.coverage_chart(a, {s: s for s in drawing.STATUS_COLOURS}, "alt")
    segments = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"[^>]*>', svg)
    assert segments
    bars = [r for r in re.findall(r"<rect [^>]*>", svg) if 'height="10"' in r]
    assert bars and all('stroke="#ffffff"' in r for r in bars)
    html = render_html(a, "en")
    cells = re.findall(r'class="status-[a-z_]+">([^<]*)<', html)
    assert cells and all(c.strip() for c in cells)


@pytest.mark.parametrize("lang", ["en", "da"])
def test_every_figure_has_a_text_alternative_and_the_pdf_is_tagged(lang: str) -> None:
    a = _traffic()
    pdf = pikepdf.open(BytesIO(report_pdf(a, lang)))
    assert str(pdf.Root.Lang) == lang and bool(pdf.Root.MarkInfo.Marked)
    kinds: dict[str, list[pikepdf.Dictionary]] = {}

    def walk(node: object, depth: int = 0) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, depth)
        elif isinstance(node, pikepdf.Dictionary) and depth < 80:
            if "/S" in node:
                kinds.setdefault(str(node.S), []).append(node)
            if "/K" in node:
                walk(node.K, depth + 1)

    walk(pdf.Root.StructTreeRoot)
    figures = kinds.get("/Figure", [])
    assert len(figures) == 3  # the score chart, the coverage chart, the data-flow diagram
    alts = [str(f.get("/Alt", "")) for f in figures]
    assert all(alts), alts
    expected = {"en": "Score out of 100 per framework", "da": "Score ud af 100 pr. ramme"}[lang]
    assert any(alt.startswith(expected) for alt in alts)
    assert "/H2" in kinds and "/H3" in kinds and "/Table" in kinds and "/TH" in kinds
    _reading_order_is_the_documents(pdf, render_html(a, lang))


def _reading_order_is_the_documents(pdf: pikepdf.Pdf, html: str) -> None:
    """A screen reader follows the structure tree: its headings are the report's, level by level
    and in order, and its marked content runs page by page in the order it is laid out on each
    page, but for list bullets and figures, which the renderer paints after the text around them
    and the tree gives where they stand, as a reader expects."""
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    leaves: list[tuple[int, int, tuple[str, ...]]] = []
    headings: list[str] = []

    def walk(node: object, page: int | None, path: tuple[str, ...]) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, page, path)
        elif isinstance(node, pikepdf.Dictionary):
            if node.get("/Type") == "/MCR":
                leaves.append((pages[node.Pg.objgen], int(node.MCID), path))
            elif node.get("/Type") != "/OBJR":
                own = node.get("/Pg")
                kind = str(node.get("/S", ""))
                if re.fullmatch(r"/H[1-6]", kind):
                    headings.append(kind[1:].lower())
                if "/K" in node:
                    walk(node.K, pages[own.objgen] if own is not None else page, (*path, kind))
        elif isinstance(node, int) and page is not None:
            leaves.append((page, int(node), path))

    walk(pdf.Root.StructTreeRoot, None, ())
    assert headings == re.findall(r"<(h[1-6])[\s>]", html)
    assert len(leaves) > 1000
    assert all(a[0] <= b[0] for a, b in pairwise(leaves)), "a page read out of order"
    out_of_order = [(a, b) for a, b in pairwise(leaves) if a[0] == b[0] and b[1] < a[1]]
    painted_later = {"/Lbl", "/Figure"}
    assert all(painted_later & {*a[2], *b[2]} for a, b in out_of_order), out_of_order[:3]
    assert len(out_of_order) < len(leaves) // 20
