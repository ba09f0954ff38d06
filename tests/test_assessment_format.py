"""The assessment JSON (schema version 7): each rule's texts once, in `rules`; the results of a rule
that are alike but for their targets written once; the results of rules that do not apply grouped
per rule and reason; nothing lost when it is read back."""

from __future__ import annotations

import json
from datetime import date

import pytest
from helpers import REPO
from pydantic import ValidationError

from compliance.cli import assessment_json
from compliance.core.engine import assess
from compliance.core.models.assessment import (
    OWN_FIELDS,
    RULE_FIELDS,
    SCHEMA_VERSION,
    Assessment,
    expanded_findings,
)
from compliance.core.models.rules import Outcome
from compliance.inputs.loader import load_packs, load_solution

AS_OF = date(2026, 12, 1)


def _assessment() -> Assessment:
    loaded = load_solution(REPO / "examples" / "homecare-sensors-se" / "solution.yaml")
    return assess(loaded.solution, load_packs(), AS_OF)


def test_a_result_does_not_repeat_its_rules_texts_and_reading_restores_them() -> None:
    a = _assessment()
    data = json.loads(assessment_json(a))
    assert data["schema_version"] == SCHEMA_VERSION == "7"
    assert data["findings"]
    for item in data["findings"]:
        assert not set(RULE_FIELDS) & set(item), item["rule_id"]
        assert item["rule_id"] in data["rules"]
    again = Assessment.model_validate_json(assessment_json(a))
    assert again == a
    first = again.findings[0]
    assert first.title == a.rules[first.rule_id].title and first.citation == a.rules[first.rule_id].citation


def test_results_alike_but_for_their_targets_are_written_once_and_read_back_in_order() -> None:
    a = _assessment()
    written = assessment_json(a)
    data = json.loads(written)
    plain = json.loads(Assessment.__pydantic_serializer__.to_json(a, by_alias=True))
    entries = data["findings"]
    assert sum(len(e["targets"]) for e in entries) == len(a.findings) > len(entries)
    assert any(len(e["targets"]) > 1 for e in entries)
    for entry in entries:
        assert entry["targets"] and all(set(t) == set(OWN_FIELDS) for t in entry["targets"])
        assert not set(OWN_FIELDS) & set(entry)
    # No two entries of a rule are alike: each would have been one.
    shared = [json.dumps({k: v for k, v in e.items() if k != "targets"}, sort_keys=True) for e in entries]
    assert len(shared) == len(set(shared))
    # Every field but the results is as pydantic writes it; the results, once expanded, are too,
    # in the engine's order; and the text is indented as JSON with two spaces is.
    assert {k: v for k, v in data.items() if k != "findings"} == {
        k: v for k, v in plain.items() if k != "findings"
    }
    assert expanded_findings(entries, data["rules"], data["solution"]) == plain["findings"]
    assert written == (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    # A file of version 6 (a result per entry) still reads, to the same assessment; and read back
    # with nothing shared, the assessment is written the same.
    again = Assessment.model_validate_json(Assessment.__pydantic_serializer__.to_json(a, by_alias=True))
    assert again == a and assessment_json(again) == written


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda e: e.update(targets="flow readings"), "findings[0].targets: not a list"),
        (lambda e: e.update(targets=[]), "findings[0].targets: not a list"),
        (lambda e: e.update(targets=[42]), "findings[0].targets[0]: a result of a group holds"),
        (lambda e: e["targets"][0].update(status="pass"), "findings[0].targets[0]: a result of a group"),
        (lambda e: e.update(target=None), "findings[0]: a group holds the own fields"),
    ],
    ids=["not-a-list", "empty", "not-an-object", "overrides-its-group", "own-field-in-the-group"],
)
def test_a_malformed_group_of_results_is_refused(change, expected: str) -> None:
    data = json.loads(assessment_json(_assessment()))
    change(data["findings"][0])
    with pytest.raises(ValidationError) as info:
        Assessment.model_validate_json(json.dumps(data))
    assert expected in str(info.value)


def test_each_result_names_the_facts_that_decided_it_and_each_rule_its_sentences() -> None:
    a = _assessment()
    data = json.loads(assessment_json(a))
    failed = [f for f in data["findings"] if f["status"] == "fail"]
    assert failed
    for item in failed:
        # a failure's deciding facts are tests of its requirement that failed, with their values
        tests = {t["fact"]: t for t in item["facts"] if t["part"] == "require"}
        assert item["deciding"] and set(item["deciding"]) <= set(tests), item["rule_id"]
        assert all(tests[fact]["result"] is not None for fact in item["deciding"])
    for item in (f for f in data["findings"] if f["status"] == "unknown"):
        missing = {t["fact"] for t in item["facts"] if t["result"] is None}
        assert item["deciding"] and set(item["deciding"]) == missing, item["rule_id"]
    said = [info["says"] for info in data["rules"].values() if info.get("says")]
    assert said and all(set(says) >= {"fail", "unknown"} for says in said)


def test_results_that_do_not_apply_are_grouped_per_rule_and_reason_and_counted() -> None:
    a = _assessment()
    assert all(f.status is not Outcome.NOT_APPLICABLE for f in a.findings)
    assert a.not_applicable
    keys = [(g.rule_id, g.reason) for g in a.not_applicable]
    assert len(keys) == len(set(keys))
    skipped = sum(len(g.targets) or 1 for g in a.not_applicable)
    assert a.counts.not_applicable == skipped
    every = a.results()
    assert len(every) == len(a.findings) + skipped == sum(a.counts.model_dump().values())
    assert len({(f.rule_id, f.target.id if f.target else None) for f in every}) == len(every)
    for f in every:
        if f.status is Outcome.NOT_APPLICABLE:
            assert f.explanation.startswith("Not applicable") and f.title == a.rules[f.rule_id].title


def test_a_result_whose_rule_is_missing_from_rules_is_refused() -> None:
    data = json.loads(assessment_json(_assessment()))
    rule_id = data["findings"][0]["rule_id"]
    del data["rules"][rule_id]
    try:
        Assessment.model_validate_json(json.dumps(data))
    except ValueError as exc:
        assert "title" in str(exc)
    else:
        raise AssertionError("a result without its rule's texts was read")


def test_a_group_with_no_counted_result_has_no_score_and_says_not_assessed() -> None:
    """A framework, provision or flow none of whose results counts (nothing applies, or only duties
    not yet in force) is 'not_assessed' with a null score, never 100."""
    from compliance.outputs.summary import render

    a = assess(
        load_solution(REPO / "examples" / "air-quality-sensor-product-dk" / "solution.yaml").solution,
        load_packs(),
        AS_OF,
    )
    data = json.loads(assessment_json(a))
    gdpr = data["frameworks"]["GDPR"]  # no personal data: nothing of the GDPR applies
    assert gdpr["score"] is None and gdpr["status"] == "not_assessed"
    assert gdpr["counts"]["pass"] == gdpr["counts"]["fail"] == gdpr["counts"]["unknown"] == 0
    for group in [*data["frameworks"].values(), *data["provisions"].values(), *data["flows"]]:
        counted = sum(group["counts"][k] for k in ("pass", "fail", "unknown", "needs_review", "accepted"))
        assert (group["score"] is None) == (counted == 0) == (group["status"] == "not_assessed")
    assert Assessment.model_validate_json(assessment_json(a)) == a
    line = next(line for line in render(a, "en").splitlines() if line.strip().startswith("GDPR "))
    assert "not assessed" in line and "100" not in line
