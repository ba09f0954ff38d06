"""The data-flow diagram of the report, laid out by Graphviz's `dot` as SVG.

What it shows, in the reader's language: the systems and the parties at the ends of the flows
(who operates a system, and in which role: controller, processor, ...), inside or outside the
EEA; each flow as an arrow numbered as in the table under it and coloured by the worst result it
carries, the results of the systems at its ends and of the parties operating them included (a
critical or high failure is red); each party reaching the data from a third country, as a node
outside the EEA with the countries named.

The supplier writes the names drawn, so the DOT source is built with care: every text a solution
gives goes into an HTML-like label, escaped, and no such text goes into any other attribute (no
`URL`, `href`, `image`, `fontname` or identifier is ever made from it). `dot` runs with a timeout
and on a bounded graph: beyond `MAX_EDGES` arrows the least serious are left to the table.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from compliance.core import vocabulary
from compliance.core.messages import N_
from compliance.core.models.assessment import Assessment, Finding
from compliance.core.models.rules import Outcome, Scope, Severity
from compliance.outputs import i18n
from compliance.outputs.record import roles_text

DOT_TIMEOUT_SECONDS = 20
MAX_EDGES = 60  # arrows drawn; the table under the diagram lists every flow
MAX_SVG_BYTES = 4_000_000
FONT = "DejaVu Sans"  # the report's own font, embedded in the PDF
WRAP = 26  # characters per line of a name


class State(IntEnum):
    """The worst result a flow, system or party carries, most serious last."""

    NONE = 0  # no rule applies
    MET = 1
    OPEN = 2  # unknown, needs review, or a failure whose risk is accepted
    FAILURE = 3
    SERIOUS = 4  # a critical or high failure


COLOURS = {
    State.NONE: "#767676",
    State.MET: "#2e7d32",
    State.OPEN: "#8d7300",
    State.FAILURE: "#b35400",
    State.SERIOUS: "#c0392b",
}
LABELS = {
    State.SERIOUS: N_("critical or high requirement not met"),
    State.FAILURE: N_("other requirement not met"),
    State.OPEN: N_("open: unknown, needs review or accepted risk"),
    State.MET: N_("every requirement met"),
    State.NONE: N_("no rule applies"),
}


def state_of(results: Iterable[Finding]) -> State:
    """The worst of some results."""
    worst = State.NONE
    for f in results:
        if f.status is Outcome.FAIL:
            state = State.SERIOUS if f.severity in (Severity.CRITICAL, Severity.HIGH) else State.FAILURE
        elif f.status in (Outcome.UNKNOWN, Outcome.NEEDS_REVIEW, Outcome.ACCEPTED):
            state = State.OPEN
        elif f.status is Outcome.PASS:
            state = State.MET
        else:
            continue
        worst = max(worst, state)
    return worst


@dataclass(frozen=True)
class Drawing:
    """The diagram (SVG markup, or None with the reason it could not be drawn) and its legend."""

    svg: str | None
    problem: str | None
    legend: list[dict[str, str]]
    left_out: int  # flows not drawn (the table lists them)
    flow_colours: dict[str, str]  # each flow's colour, for the table under the diagram


def _escape(text: str) -> str:
    """Text for an HTML-like label: markup characters as entities, nothing else interpreted."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _lines(text: str, width: int = WRAP) -> str:
    """A name wrapped into lines (never cut), escaped, joined by label line breaks."""
    flat = " ".join(str(text).split())  # newlines and tabs in a name are spaces
    wrapped = textwrap.wrap(flat, width=width, break_long_words=True, break_on_hyphens=True) or [""]
    return "<BR/>".join(_escape(line) for line in wrapped)


Results = Mapping[tuple[Scope, str], list[Finding]]


def results_by_target(a: Assessment) -> Results:
    """The results of the rules that apply, by the flow, party or system they are about."""
    by_target: dict[tuple[Scope, str], list[Finding]] = defaultdict(list)
    for f in a.findings:
        if f.target is not None:
            by_target[(f.target.kind, f.target.id)].append(f)
    return by_target


def flow_states(a: Assessment, by_target: Results | None = None) -> dict[str, State]:
    """Each flow's worst result, the results of the systems at its ends and of the parties
    operating them (or the party at an end) included."""
    by_target = by_target if by_target is not None else results_by_target(a)
    operator = {s["id"]: s.get("operator") for s in a.solution.get("systems", [])}
    parties = {p["id"] for p in a.solution.get("parties", [])}
    out = {}
    for flow in a.solution.get("flows", []):
        results = list(by_target.get((Scope.FLOW, flow["id"]), []))
        for end in dict.fromkeys((flow["source"], flow["destination"])):
            if end in parties:
                results += by_target.get((Scope.PARTY, end), [])
            else:
                results += by_target.get((Scope.SYSTEM, end), [])
                if operator.get(end):
                    results += by_target.get((Scope.PARTY, operator[end]), [])
        out[flow["id"]] = state_of(results)
    return out


def dot_source(
    a: Assessment, lang: str, numbers: Mapping[str, int], states: Mapping[str, State] | None = None
) -> tuple[str, int]:
    """The DOT text of the diagram and the number of flows left out of it; `states` are the
    flows' worst results (`flow_states`), worked out here when not given."""
    _ = i18n.translator(lang).gettext
    sol = a.solution
    countries = vocabulary.countries()
    by_target = results_by_target(a)
    parties = {p["id"]: p for p in sol.get("parties", [])}
    systems = {s["id"]: s for s in sol.get("systems", [])}
    flows = [
        f for f in sol.get("flows", []) if {f["source"], f["destination"]} <= parties.keys() | systems.keys()
    ]
    states = states if states is not None else flow_states(a, by_target)

    def roles(party: Mapping[str, Any]) -> str:
        return roles_text(party, _)

    # One arrow per pair of ends, carrying the numbers of its flows and the worst of their states.
    pairs: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for f in flows:
        pairs[(f["source"], f["destination"])].append(f)
    edges = sorted(pairs.items(), key=lambda kv: -max(states[f["id"]] for f in kv[1]))
    drawn, rest = edges[:MAX_EDGES], edges[MAX_EDGES:]
    left_out = sum(len(group) for _pair, group in rest)

    ids: dict[str, str] = {}

    def node_id(key: str) -> str:  # identifiers are ours, never a name from the file
        return ids.setdefault(key, f"n{len(ids)}")

    ends = list(dict.fromkeys(e for (src, dst), _g in drawn for e in (src, dst)))
    far = {
        p["id"]: [c for c in p.get("remote_access_from") or [] if not countries.is_eea(c)]
        for p in parties.values()
    }

    def reaches(codes: list[str]) -> str:
        return _("reaches the data from {countries}").format(countries=i18n.country_names(codes, lang))

    inside: list[str] = []
    outside: list[str] = []
    unplaced: list[str] = []
    for end in ends:
        if end in systems:
            s = systems[end]
            where = list(s.get("locations") or [])
            owner = parties.get(s.get("operator") or "")
            state = state_of(by_target.get((Scope.SYSTEM, end), []))
            lines = [f"<B>{_lines(s['name'])}</B>"]
            if owner is not None:
                lines.append(f"{_lines(owner['name'])} ({_escape(roles(owner))})")
        else:
            p = parties[end]
            where = [p["country"]] if p.get("country") else []
            state = state_of(by_target.get((Scope.PARTY, end), []))
            lines = [f"<B>{_lines(p['name'])}</B>", _escape(roles(p))]
            if far.get(end):
                lines.append(f'<FONT POINT-SIZE="7">{_escape(reaches(far[end]))}</FONT>')
        lines.append(
            f'<FONT POINT-SIZE="7">{_escape(i18n.country_names(where, lang)) if where else _escape(_("location not stated"))}</FONT>'
        )
        label = "<BR/>".join(lines)
        fill = "#e8eef7" if end in parties else "#f5f5f5"
        line = (
            f'{node_id(end)} [label=<{label}>, fillcolor="{fill}", color="{COLOURS[state]}", '
            f"penwidth={2.2 if state >= State.FAILURE else 1.0}];"
        )
        if not where:
            unplaced.append(line)
        elif all(countries.is_eea(c) for c in where):
            inside.append(line)
        else:
            outside.append(line)
    # Parties reaching the data from outside the EEA, wherever their systems are (a party drawn
    # at the end of a flow says so in its own box).
    for p in parties.values():
        if not far[p["id"]] or p["id"] in ends:
            continue
        state = state_of(by_target.get((Scope.PARTY, p["id"]), []))
        label = "<BR/>".join(
            [
                f"<B>{_lines(p['name'])}</B>",
                _escape(roles(p)),
                f'<FONT POINT-SIZE="7">{_escape(reaches(far[p["id"]]))}</FONT>',
            ]
        )
        outside.append(
            f'{node_id("access:" + p["id"])} [label=<{label}>, shape=note, style="filled", fillcolor="#fff4e5", '
            f'color="{COLOURS[state]}", penwidth={2.2 if state >= State.FAILURE else 1.0}];'
        )
    out = [
        "digraph flows {",
        f'graph [rankdir=LR, fontname="{FONT}", fontsize=9, nodesep=0.25, ranksep=0.5, bgcolor="transparent"];',
        f'node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize=8.5, margin="0.08,0.04"];',
        f'edge [fontname="{FONT}", fontsize=8, arrowsize=0.7];',
    ]
    for name, title, members in (
        ("cluster_eea", _("Inside the EEA"), inside),
        ("cluster_third", _("Outside the EEA"), outside),
    ):
        if members:
            out.append(
                f'subgraph {name} {{ label=<{_escape(title)}>; style="dashed"; color="#777777"; '
                f'fontcolor="#444444"; labeljust="l";'
            )
            out.extend("  " + m for m in members)
            out.append("}")
    out.extend(unplaced)
    for (src, dst), group in drawn:
        state = max(states[f["id"]] for f in group)
        label = ", ".join(str(numbers[f["id"]]) for f in group)
        out.append(
            f'{node_id(src)} -> {node_id(dst)} [label=<{_escape(label)}>, color="{COLOURS[state]}", '
            f'fontcolor="{COLOURS[state]}", penwidth={2.4 if state >= State.FAILURE else 1.3}];'
        )
    out.append("}")
    return "\n".join(out) + "\n", left_out


def _run_dot(source: str) -> tuple[str | None, str | None]:
    """SVG from DOT text, or None and the reason (a message to translate)."""
    dot = shutil.which("dot")
    if dot is None:
        return None, N_("Graphviz (dot) is not installed")
    try:
        done = subprocess.run(  # our own DOT text on stdin, a fixed argument list
            [dot, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, N_("Graphviz took too long")
    if done.returncode != 0:
        return None, N_("Graphviz failed")
    if len(done.stdout) > MAX_SVG_BYTES:
        return None, N_("the drawing is too large")
    svg = done.stdout.decode("utf-8", errors="replace")
    start = svg.find("<svg")
    return (svg[start:], None) if start >= 0 else (None, N_("Graphviz wrote no drawing"))


def flow_diagram(a: Assessment, lang: str, numbers: Mapping[str, int]) -> Drawing:
    """The diagram in the reader's language, with its legend."""
    _ = i18n.translator(lang).gettext
    states = flow_states(a)
    source, left_out = dot_source(a, lang, numbers, states)
    svg, problem = _run_dot(source) if a.solution.get("flows") else (None, None)
    legend = [{"colour": COLOURS[s], "label": _(LABELS[s])} for s in sorted(State, reverse=True)]
    colours = {flow: COLOURS[state] for flow, state in states.items()}
    return Drawing(svg, _(problem) if problem else None, legend, left_out, colours)
