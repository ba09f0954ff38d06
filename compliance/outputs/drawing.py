"""SVG figures of the report, drawn by the project: scores and control coverage per framework,
and the data flows.

Every text that comes from a solution is escaped here, because the report inserts the SVG as
markup; the drawings are deterministic (same assessment, same SVG).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import Any, TypeVar

from compliance.core.models.assessment import Assessment
from compliance.core.translations import framework_label

Group = TypeVar("Group")

GREEN, AMBER, RED, GREY = "#2e7d32", "#b26a00", "#b00020", "#777777"


def _plain_number(value: float) -> str:
    return f"{value:g}"


Numbers = Callable[[float], str]


def _colour(score: float, counted: bool) -> str:
    if not counted:
        return GREY
    return GREEN if score >= 100 else AMBER if score >= 50 else RED


BAR_X, BAR_W, ROW_H, CHART_W = 210, 260, 16, 520
# The width of a character of a label at font size 9, generously: the widest labels are words.
LABEL_CHAR_W = 5.4

Segment = tuple[float, str]  # a share of the bar (0 to 1) and its colour


def _bar_rows(rows: list[tuple[str, list[Segment], str]], background: bool) -> list[str]:
    """One horizontal bar per row: the name, the bar's segments side by side, a label after it."""
    parts = []
    # The bars end where the longest label after them still fits ("ikke vurderet", "12/40").
    room = max((LABEL_CHAR_W * len(label) for _name, _segments, label in rows), default=0) + 8
    bar_w = min(BAR_W, CHART_W - BAR_X - 6 - room)
    for i, (name, segments, label) in enumerate(rows):
        y = 3 + i * ROW_H
        parts.append(f'<text x="0" y="{y + 11}" font-size="9">{escape(_short(name, 40))}</text>')
        if background:
            parts.append(f'<rect x="{BAR_X}" y="{y + 2}" width="{bar_w}" height="10" fill="#eeeeee"/>')
        x = float(BAR_X)
        for share, colour in segments:
            w = round(bar_w * share, 1)
            parts.append(
                f'<rect x="{x}" y="{y + 2}" width="{w}" height="10" fill="{colour}" stroke="#ffffff" '
                'stroke-width="1"/>'
            )
            x += w
        parts.append(f'<text x="{BAR_X + bar_w + 6}" y="{y + 11}" font-size="9">{escape(label)}</text>')
    return parts


def _svg(height: float, parts: list[str], title: str | None = None) -> str:
    """The chart's SVG; `title` is its text alternative (the PDF's /Alt of the figure)."""
    head = f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{height}" role="img">'
    alt = [f"<title>{escape(title)}</title>"] if title else []
    return "".join([head, *alt, *parts, "</svg>"])


def with_title(svg: str, title: str) -> str:
    """An SVG given a text alternative: a `<title>` as the first child of its root element."""
    end = svg.find(">", svg.find("<svg"))
    if end < 0:
        return svg
    return svg[: end + 1] + f"<title>{escape(title)}</title>" + svg[end + 1 :]


def shown_frameworks(a: Assessment) -> dict[str, Any]:
    """The assessment's frameworks a reader is shown: not those of the other country's national
    law (a Danish act for a Swedish solution), whose rules cannot apply."""
    jurisdiction = a.solution.get("jurisdiction")
    foreign = {p.id for p in a.rule_packs if p.jurisdiction not in (None, jurisdiction)}
    hidden = {r.framework for r in a.rules.values() if r.pack in foreign}
    return {name: group for name, group in a.frameworks.items() if name not in hidden}


def framework_rows(groups: Mapping[str, Group], lang: str) -> list[tuple[str, Group]]:
    """Each framework's group under the framework's name in `lang` (`framework_label`: the English
    name stays the key), ordered by that name, as every table, chart and list of the report shows them."""
    return sorted(((framework_label(lang, name), g) for name, g in groups.items()), key=lambda row: row[0])


def score_chart(
    a: Assessment,
    number: Numbers = _plain_number,
    none: str = "n/a",
    title: str | None = None,
    lang: str = "en",
) -> str:
    """A horizontal bar per framework shown (`shown_frameworks`), named in `lang`: its score out of
    100 (`none` where it is not assessed: no result counts), the figures written by `number` (as the
    report's language writes them)."""
    rows = []
    for name, group in framework_rows(shown_frameworks(a), lang):
        value = group.score
        segments = [(value / 100, _colour(value, True))] if value is not None else []
        rows.append((name, segments, number(value) if value is not None else none))
    return _svg(ROW_H * len(rows) + 6, _bar_rows(rows, background=True), title)


# Every colour of a chart stands out at least 3:1 against the white page and the bars' grey track,
# and segments side by side are parted by a white line (WCAG 2.1, 1.4.11); tests/test_accessibility.py.
STATUS_COLOURS = {
    "met": GREEN,
    "partial": "#7a6a00",
    "not_met": RED,
    "unknown": AMBER,
    "accepted": "#5c6bc0",
    "pending": "#607d8b",
    "not_applicable": "#8d8d8d",
}


def coverage_chart(a: Assessment, names: dict[str, str], title: str | None = None, lang: str = "en") -> str:
    """A stacked bar per framework, named in `lang`: its catalogue controls by status, with a legend
    in the report's language (`names` maps each status to its name)."""
    rows = []
    for name, cov in framework_rows(a.coverage, lang):
        total = sum(cov.counts.values())
        segments = [
            (cov.counts.get(status, 0) / (total or 1), colour)
            for status, colour in STATUS_COLOURS.items()
            if cov.counts.get(status, 0)
        ]
        rows.append((name, segments, str(total)))
    legend_y = ROW_H * len(rows) + 8
    parts = _bar_rows(rows, background=False)
    x = 0.0
    for status, colour in STATUS_COLOURS.items():
        label = names.get(status, status)
        parts.append(f'<rect x="{x}" y="{legend_y}" width="8" height="8" fill="{colour}"/>')
        parts.append(f'<text x="{x + 11}" y="{legend_y + 7.5}" font-size="7.5">{escape(label)}</text>')
        x += 16 + 4.6 * len(label)
    return _svg(legend_y + 16, parts, title)


def flow_numbers(a: Assessment) -> dict[str, int]:
    """The number each drawn flow carries in the diagram and its legend."""
    return {f["id"]: i for i, f in enumerate(a.solution.get("flows", []), start=1)}


def flow_legend(
    a: Assessment,
    number: Numbers = _plain_number,
    none: str = "n/a",
    colour_of: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The diagram's legend: number, name, data categories and score of every flow, coloured as
    its arrow (`colour_of`, by flow id) or else by its score."""
    results = {f.id: f for f in a.flows}
    numbers = flow_numbers(a)
    out = []
    for f in a.solution.get("flows", []):
        r = results.get(f["id"])
        value = r.score if r is not None else None
        out.append(
            {
                "no": numbers[f["id"]],
                "name": f["name"],
                "route": f"{f['source']} → {f['destination']}",
                "categories": ", ".join(f.get("data_categories") or []) or "-",
                "score": number(value) if value is not None else none,
                "colour": colour_of[f["id"]]
                if colour_of is not None and f["id"] in colour_of
                else _colour(value, True)
                if value is not None
                else GREY,
            }
        )
    return out


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
