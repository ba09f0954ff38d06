"""The report's first pages, for the people who decide: the verdict in a sentence and the open
critical and high items before any number, what must happen before go-live and who acts, the
DPIA on file."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import REPO, load_pack, minimal_solution, rule_dict, solution_model

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment
from compliance.core.models.rules import Outcome, Severity
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs import council
from compliance.outputs.report import render_html

AS_OF = date(2026, 12, 1)
EXAMPLES = REPO / "examples"


def _example(name: str) -> Assessment:
    return assess(load_solution(EXAMPLES / name / "solution.yaml").solution, load_packs(), AS_OF)


def _cover(html: str) -> str:
    return html.split('<section class="cover">', 1)[1].split("</section>", 1)[0]


def test_the_counts_and_items_are_the_open_critical_and_high_results_grouped_per_rule() -> None:
    a = _example("traffic-counting-us-cloud")
    c = council.build(a, "en")
    serious = [f for f in a.findings if f.severity in (Severity.CRITICAL, Severity.HIGH)]
    failed = [f for f in serious if f.status is Outcome.FAIL]
    undecided = [f for f in serious if f.status in (Outcome.UNKNOWN, Outcome.NEEDS_REVIEW)]
    assert (c.critical_failed + c.high_failed, c.undecided) == (len(failed), len(undecided))
    assert sum(len(i.targets) or 1 for i in c.items) == len(failed) + len(undecided)
    assert not c.score_shown  # a high failure is open
    # failures first, then the undecided; the transfer failure falls to the party it is about
    assert c.items[0].state == "not met" and "transfer impact assessment" in c.items[0].title
    assert c.items[0].actor == "Kaveri Support Services Pvt. Ltd. (sub-processor)"
    assert [i.state for i in c.items] == sorted((i.state for i in c.items), key=lambda s: s != "not met")
    assert c.dpia == [
        "DPIA required: yes",
        "DPIA on file: done; completed 20 April 2026; current; the DPO's advice was sought",
    ]


def test_the_cover_says_the_verdict_and_the_open_counts_before_any_number() -> None:
    a = _example("traffic-counting-us-cloud")
    cover = _cover(render_html(a, "en"))
    assert "Verdict: ready with conditions" in cover
    assert "High requirements not met: 1." in cover
    assert "out of 100" not in cover and "/100" not in cover  # no score while a high result is open
    assert cover.index("Verdict:") < cover.index("Before go-live")


def test_with_nothing_open_the_score_comes_with_what_it_means() -> None:
    a = assess(solution_model(minimal_solution()), [load_pack(rule_dict(cases=[]))], AS_OF)
    c = council.build(a, "en")
    assert c.score_shown and c.items == []
    cover = _cover(render_html(a, "en"))
    assert (
        "Score 100 out of 100: the share of weighted requirements met; not a compliance percentage." in cover
    )
    assert "No critical or high requirement is open." in cover
    assert "DPIA on file: not stated" in cover


def test_a_product_requirement_falls_to_the_manufacturer() -> None:
    a = _example("air-quality-sensor-product-dk")
    c = council.build(a, "en")
    product = [i for i in c.items if i.actor == "the manufacturer"]
    assert product, [i.actor for i in c.items]
    rules = {f.rule_id: f.pack for f in a.findings}
    titles = {f.rule_id: f.title for f in a.findings}
    assert all(
        rules[next(r for r, t in titles.items() if t == i.title)] in council.PRODUCT_PACKS for i in product
    )


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("da", ["Før idriftsættelse", "Konsekvensanalyse påkrævet: ja", "Hvem handler"]),
        ("sv", ["Före driftsättning", "Konsekvensbedömning krävs: ja", "Vem agerar"]),
    ],
)
def test_the_council_pages_speak_the_readers_language(lang: str, words: list[str]) -> None:
    cover = _cover(render_html(_example("traffic-counting-us-cloud"), lang))
    for word in words:
        assert word in cover, word
    assert "not met" not in cover and "Before go-live" not in cover


def _with_decisions(name: str) -> Assessment:
    from compliance.inputs.decisions import load_decisions

    example = EXAMPLES / name / "solution.yaml"
    loaded = load_solution(example)
    decided = load_decisions(example.with_name("solution.decisions.yaml"), loaded, load_packs())
    return assess(loaded.solution, load_packs(), AS_OF, decisions=decided.decisions)


def test_the_action_plan_lists_every_open_result_with_the_action_recorded_for_it() -> None:
    a = _with_decisions("traffic-counting-us-cloud")
    plan = council.action_plan(a, "en")
    open_results = [f for f in a.findings if f.status in council.OPEN_RESULTS]
    assert sum(len(r.targets) or 1 for r in plan) == len(open_results)
    kaveri = next(r for r in plan if r.action and "Kaveri" in r.action)
    assert (kaveri.owner, kaveri.due, kaveri.status, kaveri.overdue) == (
        "TrafikSense AB, data protection officer",
        "31 January 2027",
        "in progress",
        False,
    )
    assert kaveri.response and kaveri.response.startswith("Accepted.")
    overdue = next(r for r in plan if r.action and "security-protection analysis" in r.action)
    assert overdue.overdue and overdue.status == "open"  # due 15 November 2026, assessed 1 December
    # within a severity, results with an action come first
    high = [r for r in plan if r.severity == "high"]
    assert [r.action is None for r in high] == sorted(r.action is None for r in high)
    html = render_html(a, "sv")
    assert "Handlingsplan" in html and "tidsfristen har passerat" in html and "Ledningens svar" in html


def test_without_an_open_result_or_without_decisions_the_plan_says_so() -> None:
    from compliance.core.models.decisions import Decisions

    decisions = Decisions.model_validate(
        {"schema_version": 1, "solution": "demo", "recorded_by": {"name": "A", "organisation": "B"}}
    )
    a = assess(
        solution_model(minimal_solution()), [load_pack(rule_dict(cases=[]))], AS_OF, decisions=decisions
    )
    assert council.action_plan(a, "en") == []
    assert "No result is open." in render_html(a, "en")
    undecided = _example("traffic-counting-us-cloud")  # no decisions file named
    assert council.action_plan(undecided, "en")  # open results exist, but no plan is shown
    assert "The assessor has recorded no decisions for this assessment" in render_html(undecided, "en")


def test_a_signed_report_without_an_assessor_warns_on_its_cover_and_on_the_terminal(tmp_path, cli) -> None:
    example = EXAMPLES / "wifi-footfall-se" / "solution.yaml"
    a = assess(load_solution(example).solution, load_packs(), AS_OF)
    warning = "This signed report names no assessor"
    assert warning in _cover(render_html(a, "en", signer="Test Assessor"))
    named = a.model_copy(update={"assessor": "Karin Lund, Malmö stad"})
    assert warning not in render_html(named, "en", signer="Test Assessor")
    run = cli("assess", example, "--as-of", "2026-12-01", "-o", str(tmp_path / "r.pdf"))
    assert run.code == 0 and "the signed report names no assessor" in run.err
    run = cli(
        "assess", example, "--as-of", "2026-12-01", "--assessor", "Karin Lund", "-o", str(tmp_path / "s.pdf")
    )
    assert run.code == 0 and "names no assessor" not in run.err


def test_the_body_shows_the_controls_not_met_or_partial_and_the_appendix_every_control() -> None:
    a = _example("traffic-counting-us-cloud")
    html = render_html(a, "en")
    body = html.split('<h2 id="controls">', 1)[1].split('<h2 id="scanners">', 1)[0]
    appendix = html.split('<h2 id="appendix-controls">', 1)[1]
    by_status: dict[str, list[str]] = {}
    for c in a.controls.values():
        by_status.setdefault(c.status.value, []).append(c.citation)
    for citation in by_status.get("not_met", []) + by_status.get("partial", []):
        assert f"<td>{citation}<br>" in body and f"<td>{citation}<br>" in appendix
    for citation in by_status.get("met", []):
        assert f"<td>{citation}<br>" not in body and f"<td>{citation}<br>" in appendix
    # a framework none of whose requirements applies is 'not assessed', not a table of rows
    a = _example("citizen-booking-cpr-dk")
    body = render_html(a, "en").split('<h2 id="controls">', 1)[1].split('<h2 id="scanners">', 1)[0]
    frameworks = {c.framework for c in a.controls.values()}
    inapplicable = [
        fw
        for fw in frameworks
        if all(c.status.value == "not_applicable" for c in a.controls.values() if c.framework == fw)
    ]
    assert inapplicable, "the example has a framework that does not apply"
    assert body.count("Not assessed: no requirement of this framework applies to the solution.") == len(
        inapplicable
    )


@pytest.mark.parametrize(
    ("example", "own", "other"),
    [
        ("traffic-counting-us-cloud", "Dataskyddslagen och kamerabevakningslagen (SE)", "(DK)"),
        ("report-app-dk", "Databeskyttelsesloven og tv-overvågningsloven (DK)", "(SE)"),
    ],
)
def test_the_other_countrys_national_law_is_not_shown(example: str, own: str, other: str) -> None:
    from compliance.outputs.summary import render

    a = _example(example)
    assert any(name.endswith(other) for name in a.frameworks)  # assessed, and not applicable
    html = render_html(a, "en")
    assert own in html and f"{other}</text>" not in html and f"<td>{other}" not in html
    assert not any(name.endswith(other) and name in html for name in a.frameworks)
    summary = render(a, "en")
    assert own in summary and not any(name in summary for name in a.frameworks if name.endswith(other))


def test_a_long_list_before_go_live_keeps_the_most_serious_lines_and_counts_the_rest() -> None:
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from bench_engine import generate

    from compliance.outputs.report import COVER_ITEMS, COVER_NAMES

    a = assess(solution_model(generate(100)), load_packs(), AS_OF)
    items = council.build(a, "en").items
    assert len(items) > COVER_ITEMS and any(len(i.targets) > COVER_NAMES for i in items)
    cover = _cover(render_html(a, "en"))
    rows = cover.split('<table class="golive plan">', 1)[1].split("</table>", 1)[0].count("<tr><td>")
    assert rows == COVER_ITEMS
    assert f"... and {len(items) - COVER_ITEMS} more open requirements" in cover
    # the lines shown are the first in the council's order: failures and critical ones first
    assert items[0].severity == "critical" or items[0].state == "not met"
    assert "more; the findings list them all" in cover
