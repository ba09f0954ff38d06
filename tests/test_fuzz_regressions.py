"""Cases the full-size fuzz run (bench/fuzz.py) found after the targets ran clean at test size."""

from __future__ import annotations

import yaml
from helpers import minimal_solution

from compliance.core.conditions import LeafResult
from compliance.core.models.assessment import FactUsed
from compliance.outputs.i18n import number


def test_an_unknown_key_with_a_bracket_is_located_not_an_internal_error(tmp_path, cli) -> None:
    data = minimal_solution()
    data["jurisdict[on"] = data.pop("jurisdiction")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    run = cli("assess", path, "--no-scan")
    assert run.code == 2, run.err
    assert "jurisdict[on: unknown field 'jurisdict[on' (did you mean 'jurisdiction'?)" in run.err


def test_numbers_no_count_comes_near_are_written_plainly() -> None:
    assert number(1e308, "da") == "1e+308"
    assert number(float("inf"), "sv") == "inf"
    assert number(10**20, "en") == "1e+20"
    assert number(1234.5, "da") == "1.234,5"


def test_a_trace_record_equals_the_fact_read_back_from_json() -> None:
    made = LeafResult("flow.retention_days", 400, "lte 365", 365, False, "require")
    read = FactUsed("flow.retention_days", 400, "lte 365", 365, False, "require")
    assert made == read and read == made
    assert made != FactUsed("flow.retention_days", 300, "lte 365", 365, True, "require")


def test_a_party_reached_from_its_own_country_only_by_travelling_staff_stays_unknown_without_it() -> None:
    """Found by the property run: removing the country of a party reached from that country only
    by staff listed as travelling turned "reached from a third country" from yes to no."""
    from helpers import solution_model

    from compliance.core.facts import solution_facts

    data = minimal_solution()
    data["parties"].append(
        {
            "id": "vendor",
            "name": "Vendor",
            "roles": ["recipient"],
            "country": "KP",
            "remote_access_from": ["KP"],
            "other_entity_access_from": [],
            "travelling_staff_access_from": ["KP"],
        }
    )

    def reached(doc: dict) -> object:
        (party,) = [p for p in solution_facts(solution_model(doc)).parties if p["id"] == "vendor"]
        return party["remote_access_third_country"]

    assert reached(data) is True
    del data["parties"][1]["country"]
    assert reached(data) is None
