"""SVG figures of the report, drawn by the project: the scores per framework and the data flows.

Every text that comes from a solution is escaped here, because the report inserts the SVG as
markup; the drawings are deterministic (same assessment, same SVG).
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

from compliance.models.assessment import Assessment

GREEN, AMBER, RED, GREY = "#2e7d32", "#b26a00", "#b00020", "#777777"


def _colour(score: float, counted: bool) -> str:
    if not counted:
        return GREY
    return GREEN if score >= 100 else AMBER if score >= 50 else RED


def score_chart(a: Assessment) -> str:
    """A horizontal bar per framework: its score out of 100 ('n/a' where no rule applied)."""
    rows = list(a.frameworks.items())
    width, bar_x, bar_w, row_h = 520, 210, 260, 16
    height = row_h * len(rows) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (name, group) in enumerate(rows):
        c = group.counts
        counted = bool(c.pass_ + c.fail + c.unknown + c.accepted)
        y = 3 + i * row_h
        parts.append(f'<text x="0" y="{y + 11}" font-size="9">{escape(name)}</text>')
        parts.append(f'<rect x="{bar_x}" y="{y + 2}" width="{bar_w}" height="10" fill="#eeeeee"/>')
        if counted:
            w = round(bar_w * group.score / 100, 1)
            parts.append(
                f'<rect x="{bar_x}" y="{y + 2}" width="{w}" height="10" fill="{_colour(group.score, True)}"/>'
            )
        label = f"{group.score:g}" if counted else "n/a"
        parts.append(f'<text x="{bar_x + bar_w + 6}" y="{y + 11}" font-size="9">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


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
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
