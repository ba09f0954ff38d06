"""The record of processing activities (GDPR Art. 30(1)) in the report: the points (a) to (g),
readable values in the reader's language, and nothing invented where the solution is silent."""

from __future__ import annotations

import re
from datetime import date

import pytest
from helpers import REPO, minimal_solution, solution_model

from compliance.core.engine import assess
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs import i18n, record
from compliance.outputs.report import render_html

AS_OF = date(2026, 12, 1)
TRAFFIC = REPO / "examples" / "traffic-counting-us-cloud" / "solution.yaml"


def _document(data: dict) -> dict:
    return assess(solution_model(data), load_packs(), AS_OF).solution


@pytest.mark.parametrize(
    ("value", "lang", "words"),
    [
        ("P1Y6M", "en", "1 year, 6 months"),
        ("P1Y6M", "da", "1 år, 6 måneder"),
        ("P30D", "sv", "30 dygn"),
        ("PT12H", "en", "12 hours"),
        ("indefinite", "da", "uden tidsbegrænsning"),
    ],
)
def test_a_duration_is_written_in_words_in_each_language(value: str, lang: str, words: str) -> None:
    assert i18n.duration(value, lang) == words


def test_the_record_of_the_example_names_each_point_in_plain_words() -> None:
    doc = assess(load_solution(TRAFFIC).solution, load_packs(), AS_OF).solution
    r = record.build(doc, "en")
    assert r.personal_data
    assert r.controller[0] == "Controller: Älvbacka kommun (Samhällsbyggnadsnämnden) (Sweden)"
    assert any(line.startswith("Data protection officer: ") for line in r.controller)
    assert "Licence plate numbers of vehicles" in " ".join(r.categories) or r.categories
    assert "Kaveri Support Services Pvt. Ltd. (sub-processor; India)" in r.recipients
    assert (
        "India: Kaveri Support Services Pvt. Ltd.; standard contractual clauses (Art. 46(2)(c))"
        in r.transfers
    )
    assert ("Passage records in the platform's storage", "1 day") in r.erasure
    assert r.measures and all("_" not in m for m in r.measures)


@pytest.mark.parametrize("lang", ["en", "da", "sv"])
def test_no_raw_keys_or_iso_durations_reach_the_record_in_any_language(lang: str) -> None:
    doc = assess(load_solution(TRAFFIC).solution, load_packs(), AS_OF).solution
    r = record.build(doc, lang)
    text = " ".join(
        [*r.controller, *r.purposes, *r.subjects, *r.categories, *r.recipients, *r.transfers, *r.measures]
        + [limit for _name, limit in r.erasure]
    )
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text  # no vocabulary or enum key
    assert not re.search(r"\bP\d+[YMWD]\b|\bPT\d+", text), text  # no ISO 8601 duration
    named = " ".join(r.recipients + r.transfers)
    assert not any(re.search(rf"\b{code}\b", named) for code in ("SE", "US", "IN")), named  # by name


def test_a_solution_without_personal_data_needs_no_entry() -> None:
    data = minimal_solution()
    data["flows"][0]["data_categories"] = ["non_personal.environment"]
    doc = _document(data)
    assert not record.build(doc, "en").personal_data
    html = render_html(assess(solution_model(data), load_packs(), AS_OF), "en")
    assert "The solution processes no personal data: no entry in the record of processing is needed." in html


def test_what_the_solution_does_not_state_is_said_to_be_missing_never_filled_in() -> None:
    data = minimal_solution()
    data["parties"].append(
        {
            "id": "far",
            "name": "Far Away Hosting",
            "roles": ["processor"],
            "country": "IN",
        }
    )
    data["systems"][1]["operator"] = "far"
    r = record.build(_document(data), "en")
    assert "Data protection officer: not stated" in r.controller
    assert r.transfers == ["India: Far Away Hosting; transfer ground not stated"]
    assert r.purposes == [] and r.subjects == []
    html = render_html(assess(solution_model(data), load_packs(), AS_OF), "en")
    assert "(b) Purposes of the processing</th><td>not stated</td>" in html


def test_an_event_based_retention_reads_as_a_sentence() -> None:
    data = minimal_solution()
    data["flows"][0].pop("retention")
    data["flows"][0]["retention_until"] = {"event": "contract_ended", "then": "P1Y"}
    assert record.build(_document(data), "en").erasure == [
        ("Sensor readings", "until the contract ends, then 1 year")
    ]
    data["flows"][0]["retention_until"] = {"event": "consent_withdrawn"}
    assert record.build(_document(data), "da").erasure == [
        ("Sensor readings", "indtil samtykket trækkes tilbage")
    ]
    data["flows"][0].pop("retention_until")
    assert record.build(_document(data), "sv").erasure == [("Sensor readings", "inte angivet")]
