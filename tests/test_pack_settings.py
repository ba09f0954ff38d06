"""Dates a pack depends on are pack settings with their source: a rule takes its date from one,
an unknown one is refused, and the report lists every date that could not be verified."""

from __future__ import annotations

import re
from datetime import date

import pytest
from helpers import minimal_solution, pack_text, rule_dict, solution_model

from compliance.core.engine import assess
from compliance.core.errors import RulePackError
from compliance.core.facts import solution_facts
from compliance.core.models.rules import Outcome
from compliance.inputs.loader import load_pack_text
from compliance.outputs.report import render_html

SETTINGS = {
    "later_duties_from": {
        "date": "2027-08-02",
        "label": "the later duties",
        "source": "Art. 113 of the test regulation",
        "verified": False,
        "note": "a later act may have moved it",
    },
    "early_duties_from": {
        "date": "2025-02-02",
        "label": "the early duties",
        "source": "Art. 113(a) of the test regulation",
        "verified": True,
    },
}


def _pack(**rule_changes: object) -> str:
    rule = rule_dict("TEST-LATER", cases=[], **rule_changes)
    return pack_text(rule, settings=SETTINGS)


def test_a_rule_takes_its_date_from_a_pack_setting() -> None:
    pack = load_pack_text(_pack(effective_from_setting="later_duties_from"), "p.yaml", "test")
    (rule,) = pack.rules
    assert rule.rule.effective_from == date(2027, 8, 2)

    a = assess(solution_model(minimal_solution()), [pack], date(2026, 12, 6))
    (finding,) = [f for f in a.findings if f.rule_id == "TEST-LATER"]
    assert finding.status is Outcome.PENDING
    assert [u.name for u in a.rule_packs[0].unverified_dates] == ["later_duties_from"]


def test_an_unknown_setting_or_a_second_date_is_refused() -> None:
    with pytest.raises(RulePackError, match="'sometime' is not a setting of this pack"):
        load_pack_text(_pack(effective_from_setting="sometime"), "p.yaml", "test")
    with pytest.raises(RulePackError, match="not both"):
        load_pack_text(
            _pack(effective_from_setting="later_duties_from", effective_from="2027-01-01"), "p.yaml", "test"
        )


@pytest.mark.parametrize(
    ("lang", "heading"), [("en", "Dates not verified"), ("da", "Datoer, der ikke er verificeret")]
)
def test_the_report_names_every_date_that_was_not_verified(lang: str, heading: str) -> None:
    pack = load_pack_text(_pack(effective_from_setting="later_duties_from"), "p.yaml", "test")
    html = render_html(assess(solution_model(minimal_solution()), [pack], date(2026, 12, 6)), lang)
    assert heading in html
    assert re.search(r"the later duties \(a later act may have moved it\)", html)
    assert "the early duties" not in html


def test_the_radio_equipment_date_decides_by_the_units_placed_on_the_market() -> None:
    data = minimal_solution()
    data["systems"][0]["product"] = {"placed_on_eu_market": True, "placed_on_market_on": "2024-03-01"}
    facts = solution_facts(solution_model(data))
    assert facts.systems[0]["red_units_in_scope"] is None
    data["systems"][0]["product"]["units_placed_on_market_by"] = "2025-06-30"
    assert solution_facts(solution_model(data)).systems[0]["red_units_in_scope"] is False
    data["systems"][0]["product"]["units_placed_on_market_by"] = "2026-02-01"
    assert solution_facts(solution_model(data)).systems[0]["red_units_in_scope"] is True


def test_a_system_runs_ai_where_its_flows_use_ai_and_is_unknown_where_they_do_not_say() -> None:
    data = minimal_solution()
    # technologies not stated: the flow may use AI (removing a fact never turns a yes into a no)
    assert solution_facts(solution_model(data)).systems[0]["ai_system"] is None
    # the platform is a database: it stores what the analysis produced, it does not run it
    data["flows"][0]["technologies"] = ["camera", "video_analytics"]
    assert solution_facts(solution_model(data)).systems[1]["ai_system"] is False
    del data["flows"][0]["technologies"]
    data["flows"][0]["data_categories"] = ["user.media.video"]
    assert solution_facts(solution_model(data)).systems[0]["ai_system"] is None
    data["flows"][0]["technologies"] = ["camera", "video_analytics"]
    assert solution_facts(solution_model(data)).systems[0]["ai_system"] is True
    data["flows"][0]["technologies"] = ["camera"]
    assert solution_facts(solution_model(data)).systems[0]["ai_system"] is False


def test_a_date_no_result_depends_on_is_not_listed() -> None:
    rule = rule_dict("TEST-LATER", cases=[], effective_from_setting="later_duties_from")
    rule["applies_when"] = {"fact": "flow.special_categories", "equals": True}
    pack = load_pack_text(pack_text(rule, settings=SETTINGS), "p.yaml", "test")
    html = render_html(assess(solution_model(minimal_solution()), [pack], date(2026, 12, 6)), "en")
    assert "Dates not verified" not in html
