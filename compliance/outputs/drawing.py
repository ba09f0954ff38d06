"""SVG figures of the report, drawn by the project: scores and control coverage per framework,
and the data flows.

Every text that comes from a solution is escaped here, because the report inserts the SVG as
markup; the drawings are deterministic (same assessment, same SVG).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from html import escape
from typing import Any

from compliance.core.models.assessment import Assessment

GREEN, AMBER, RED, GREY = "#2e7d32", "#b26a00", "#b00020", "#777777"


def _plain_number(value: float) -> str:
    return f"{value:g}"


Numbers = Callable[[float], str]


def _colour(score: float, counted: bool) -> str:
    if not counted:
        return GREY
    return GREEN if score >= 100 else AMBER if score >= 50 else RED


BAR_X, BAR_W, ROW_H, CHART_W = 210, 260, 16, 520

Segment = tuple[float, str]  # a share of the bar (0 to 1) and its colour


def _bar_rows(rows: list[tuple[str, list[Segment], str]], background: bool) -> list[str]:
    """One horizontal bar per row: the name, the bar's segments side by side, a label after it."""
    parts = []
    for i, (name, segments, label) in enumerate(rows):
        y = 3 + i * ROW_H
        parts.append(f'<text x="0" y="{y + 11}" font-size="9">{escape(_short(name, 40))}</text>')
        if background:
            parts.append(f'<rect x="{BAR_X}" y="{y + 2}" width="{BAR_W}" height="10" fill="#eeeeee"/>')
        x = float(BAR_X)
        for share, colour in segments:
            w = round(BAR_W * share, 1)
            parts.append(f'<rect x="{x}" y="{y + 2}" width="{w}" height="10" fill="{colour}"/>')
            x += w
        parts.append(f'<text x="{BAR_X + BAR_W + 6}" y="{y + 11}" font-size="9">{label}</text>')
    return parts


def _svg(height: float, parts: list[str]) -> str:
    head = f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{height}" role="img">'
    return "".join([head, *parts, "</svg>"])


def score_chart(a: Assessment, number: Numbers = _plain_number, none: str = "n/a") -> str:
    """A horizontal bar per framework: its score out of 100 (`none` where no rule applied), the
    figures written by `number` (as the report's language writes them)."""
    rows = []
    for name, group in a.frameworks.items():
        c = group.counts
        counted = bool(c.pass_ + c.fail + c.unknown + c.accepted)
        segments = [(group.score / 100, _colour(group.score, True))] if counted else []
        rows.append((name, segments, number(group.score) if counted else none))
    return _svg(ROW_H * len(rows) + 6, _bar_rows(rows, background=True))


STATUS_COLOURS = {
    "met": GREEN,
    "partial": "#d4a017",
    "not_met": RED,
    "unknown": AMBER,
    "accepted": "#5c6bc0",
    "pending": "#90a4ae",
    "not_applicable": "#dddddd",
}


def coverage_chart(a: Assessment, names: dict[str, str]) -> str:
    """A stacked bar per framework: its catalogue controls by status, with a legend in the
    report's language (`names` maps each status to its name)."""
    rows = []
    for name, cov in a.coverage.items():
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
    return _svg(legend_y + 16, parts)


def flow_numbers(a: Assessment) -> dict[str, int]:
    """The number each drawn flow carries in the diagram and its legend."""
    return {f["id"]: i for i, f in enumerate(a.solution.get("flows", []), start=1)}


def flow_legend(a: Assessment, number: Numbers = _plain_number, none: str = "n/a") -> list[dict[str, Any]]:
    """The diagram's legend: number, name, data categories and score of every flow."""
    results = {f.id: f for f in a.flows}
    numbers = flow_numbers(a)
    out = []
    for f in a.solution.get("flows", []):
        r = results.get(f["id"])
        counted = bool(r and (r.counts.pass_ + r.counts.fail + r.counts.unknown + r.counts.accepted))
        out.append(
            {
                "no": numbers[f["id"]],
                "name": f["name"],
                "route": f"{f['source']} → {f['destination']}",
                "categories": ", ".join(f.get("data_categories") or []) or "-",
                "score": number(r.score) if r and counted else none,
                "colour": _colour(r.score, counted) if r else GREY,
            }
        )
    return out


def flow_diagram(a: Assessment) -> str:
    """Parties and systems as boxes (with their countries), flows as arrows coloured by the flow's
    score: green all pass, amber open items, red below 50, grey where no rule applied."""
    sol = a.solution
    nodes: dict[str, dict[str, Any]] = {}
    for p in sol.get("parties", []):
        nodes[p["id"]] = {"label": p["name"], "sub": p.get("country") or "", "party": True}
    for s in sol.get("systems", []):
        where = ", ".join(s.get("locations") or [])
        nodes[s["id"]] = {
            "label": s["name"],
            "sub": f"{s['kind']}{' · ' + where if where else ''}",
            "party": False,
        }
    flows = [f for f in sol.get("flows", []) if f["source"] in nodes and f["destination"] in nodes]
    # Columns: a node sits one column right of the furthest node that sends to it (cycles cut).
    column = dict.fromkeys(nodes, 0)
    for _ in range(len(nodes)):
        changed = False
        for f in flows:
            src, dst = f["source"], f["destination"]
            if src != dst and column[dst] < column[src] + 1 and column[src] + 1 < len(nodes):
                column[dst] = column[src] + 1
                changed = True
        if not changed:
            break
    used = [n for n in nodes if any(n in (f["source"], f["destination"]) for f in flows)] or list(nodes)
    by_column: dict[int, list[str]] = defaultdict(list)
    for n in used:
        by_column[column[n]].append(n)
    columns = sorted(by_column)
    box_w, box_h, gap_x, gap_y = 130, 34, 50, 16
    width = max(1, len(columns)) * (box_w + gap_x)
    height = max(len(v) for v in by_column.values()) * (box_h + gap_y) + 10 if by_column else 50
    pos: dict[str, tuple[float, float]] = {}
    for ci, col in enumerate(columns):
        for ri, n in enumerate(by_column[col]):
            pos[n] = (5 + ci * (box_w + gap_x), 5 + ri * (box_h + gap_y))
    score_of = {
        f.id: (f.score, bool(f.counts.pass_ + f.counts.fail + f.counts.unknown + f.counts.accepted))
        for f in a.flows
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    numbers = flow_numbers(a)
    labels = []
    pair_total: dict[tuple[str, str], int] = defaultdict(int)
    for f in flows:
        pair_total[(f["source"], f["destination"])] += 1
    pair_seen: dict[tuple[str, str], int] = defaultdict(int)
    for f in flows:
        (x1, y1), (x2, y2) = pos[f["source"]], pos[f["destination"]]
        score, counted = score_of.get(f["id"], (100.0, False))
        colour = _colour(score, counted)
        sx, sy = x1 + box_w, y1 + box_h / 2
        ex, ey = x2, y2 + box_h / 2
        if x2 <= x1:  # a flow back or within a column: bend below
            sx, sy, ex, ey = x1 + box_w / 2, y1 + box_h, x2 + box_w / 2, y2 + box_h
        parts.append(
            f'<line x1="{sx}" y1="{sy}" x2="{ex}" y2="{ey}" stroke="{colour}" stroke-width="1.6" '
            f'marker-end="url(#arrow)"><title>{escape(f["name"])}</title></line>'
        )
        # The flow's number in a small disc on the line; the legend under the diagram names it.
        # Flows between the same two boxes share a line: spread their numbers along it.
        pair = (f["source"], f["destination"])
        pair_seen[pair] += 1
        share = pair_seen[pair] / (pair_total[pair] + 1)
        mx, my = round(sx + (ex - sx) * share, 1), round(sy + (ey - sy) * share, 1)
        labels.append(
            f'<circle cx="{mx}" cy="{my}" r="6" fill="white" stroke="{colour}" stroke-width="1"/>'
            f'<text x="{mx}" y="{my + 2.5}" font-size="6.5" text-anchor="middle">{numbers[f["id"]]}</text>'
        )
    for n, (x, y) in pos.items():
        node = nodes[n]
        fill = "#e8eef7" if node["party"] else "#f5f5f5"
        parts.append(
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="4" fill="{fill}" stroke="#666"/>'
        )
        parts.append(f'<text x="{x + 5}" y="{y + 14}" font-size="8">{escape(_short(node["label"]))}</text>')
        parts.append(
            f'<text x="{x + 5}" y="{y + 26}" font-size="7" fill="#444">{escape(_short(node["sub"]))}</text>'
        )
    parts.extend(labels)
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
