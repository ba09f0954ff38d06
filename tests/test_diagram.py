"""The report's data-flow diagram, drawn by Graphviz: it tells the truth about the results, and the
names a supplier writes cannot make it load a file or a URL."""

from __future__ import annotations

import shutil
from datetime import date
from xml.etree import ElementTree

import pytest
from helpers import REPO, minimal_solution, solution_model

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs import diagram
from compliance.outputs.drawing import flow_numbers
from compliance.outputs.report import render_html

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz missing")

AS_OF = date(2026, 12, 1)
TRAFFIC = REPO / "examples" / "traffic-counting-us-cloud" / "solution.yaml"
SVG = "{http://www.w3.org/2000/svg}"

HOSTILE = [
    'Gateway "quoted" <b>bold</b> & more',
    '<IMG SRC="/etc/passwd"/> image=/etc/passwd',
    'x"]; n0 [image="/etc/passwd" URL="http://evil.example/"]; //',
    "line one\nline two\ttabbed <TABLE><TR><TD>cell</TD></TR></TABLE>",
]


def _assess(data: dict) -> Assessment:
    return assess(solution_model(data), load_packs(), AS_OF)


def _drawn(a: Assessment, lang: str = "en") -> diagram.Drawing:
    return diagram.flow_diagram(a, lang, flow_numbers(a))


def _hostile_solution() -> dict:
    data = minimal_solution()
    data["systems"][0]["name"] = HOSTILE[0]
    data["systems"][1]["name"] = HOSTILE[1]
    data["parties"][0]["name"] = HOSTILE[2]
    data["flows"][0]["name"] = HOSTILE[3]
    data["systems"].append({"id": "app", "name": "A" * 90, "kind": "web_app", "operator": "city"})
    data["flows"].append(dict(data["flows"][0], id="second", name="Second", destination="app"))
    return data


def test_names_with_markup_quotes_and_newlines_are_drawn_as_text_and_load_nothing() -> None:
    drawing = _drawn(_assess(_hostile_solution()))
    assert drawing.problem is None and drawing.svg is not None
    tree = ElementTree.fromstring(drawing.svg)
    tags = {element.tag.removeprefix(SVG) for element in tree.iter()}
    assert not tags & {"image", "a", "use", "foreignObject", "script", "style"}, tags
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert "passwd" not in value and "evil" not in value, (element.tag, name, value)
            assert not name.endswith("href"), (element.tag, name)
    text = "".join(t.text or "" for t in tree.iter(f"{SVG}text"))
    # Every name is drawn whole, as text (wrapped into lines, never cut short).
    for name in HOSTILE[:3]:
        assert "".join(name.split()) in "".join(text.split()), name
    assert text.count("A") >= 90


def test_the_dot_source_puts_every_text_of_the_file_in_escaped_labels_only() -> None:
    a = _assess(_hostile_solution())
    source, left_out = diagram.dot_source(a, "en", flow_numbers(a))
    assert left_out == 0
    assert "<IMG" not in source and "<TABLE>" not in source and "<b>" not in source
    assert "&lt;IMG SRC=&quot;/etc/passwd&quot;/&gt;" in source
    for line in source.splitlines():
        # a text of the file stands only between label=< and the > that closes the label
        outside = line.split("label=<", 1)[0]
        assert "passwd" not in outside and "evil" not in outside, line


def test_a_flow_is_coloured_by_its_worst_result_including_the_party_at_its_end() -> None:
    """The support flow to Kaveri (India, no transfer impact assessment) carries a high failure of
    the party: it is drawn red, and Kaveri stands outside the EEA."""
    a = assess(load_solution(TRAFFIC).solution, load_packs(), AS_OF)
    states = diagram.flow_states(a)
    assert states["support-access"] is diagram.State.SERIOUS
    assert all(state is not diagram.State.NONE for state in states.values())
    source, _ = diagram.dot_source(a, "en", flow_numbers(a))
    third = source.split("subgraph cluster_third", 1)[1].split("}", 1)[0]
    assert "Kaveri Support Services" in third and "India" in third
    assert "Stratus Cloud Inc." in third and "United States" in third  # its remote access
    eea = source.split("subgraph cluster_eea", 1)[1].split("}", 1)[0]
    assert "Municipal traffic" in eea and "(controller)" in eea
    drawing = _drawn(a)
    assert drawing.svg is not None and diagram.COLOURS[diagram.State.SERIOUS] in drawing.svg


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("da", ["Uden for EØS", "databehandler", "Indien"]),
        ("sv", ["Utanför EES", "personuppgiftsbiträde", "Indien"]),
    ],
)
def test_the_diagram_and_its_legend_are_in_the_readers_language(lang: str, words: list[str]) -> None:
    a = assess(load_solution(TRAFFIC).solution, load_packs(), AS_OF)
    drawing = _drawn(a, lang)
    assert drawing.svg is not None
    for word in words:
        assert word in drawing.svg, word
    english = {str(label) for label in diagram.LABELS.values()}
    assert (
        len(drawing.legend) == len(diagram.State) and not {item["label"] for item in drawing.legend} & english
    )


def test_beyond_the_arrow_limit_the_least_serious_flows_are_left_to_the_table() -> None:
    data = minimal_solution()
    for i in range(diagram.MAX_EDGES + 5):
        data["systems"].append({"id": f"s{i}", "name": f"Store {i}", "kind": "database", "operator": "city"})
        data["flows"].append(dict(data["flows"][0], id=f"f{i}", name=f"Flow {i}", destination=f"s{i}"))
    a = _assess(data)
    source, left_out = diagram.dot_source(a, "en", flow_numbers(a))
    assert left_out == len(data["flows"]) - diagram.MAX_EDGES
    assert source.count(" -> ") == diagram.MAX_EDGES
    html = render_html(a, "en")
    assert f"(the table lists every flow): {left_out}" in html


def test_without_graphviz_the_report_says_the_diagram_could_not_be_drawn(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on the path
    a = _assess(minimal_solution())
    drawing = _drawn(a)
    assert drawing.svg is None and drawing.problem == "Graphviz (dot) is not installed"
    assert "The diagram could not be drawn: Graphviz (dot) is not installed." in render_html(a, "en")
