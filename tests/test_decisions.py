"""Needs review, the assessor's decisions file, and the provenance of the facts a result rests on.

A small rule pack of our own drives every test (the built-in packs' needs-review rules change
with the solution format): TEST-REVIEW-RETENTION requires a retention of at most two years and
leaves a met requirement to a person's judgement where the data lies unencrypted at rest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import Run, minimal_solution, only_finding, own_certificate, pack_text, results, solution_model

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment, Finding, Provenance, Verdict
from compliance.core.models.decisions import Decisions, same_organisation
from compliance.core.models.rules import Outcome
from compliance.core.models.solution import CURRENT_SCHEMA_VERSION
from compliance.core.recompute import Recomputed, recompute
from compliance.core.ruletest import run_all
from compliance.inputs.decisions import DecisionsError, default_path, load_decisions
from compliance.inputs.loader import load_pack_text, load_packs, load_solution

AS_OF = "2026-12-01"
RULE = "TEST-REVIEW-RETENTION"
CLEAR = "TEST-REVIEW-CLEAR"  # a plain rule that passes: the needs-review result weighs beside it
AT_REST = "flows[readings].encryption.at_rest"
ASSESSOR = {"name": "Eve Auditor", "organisation": "Example Audit ApS"}
SUPPLIER = {"name": "Sam Seller", "organisation": "Acme A/S"}


def review_rule(severity: str = "critical") -> dict[str, Any]:
    """Retention of at most two years; where the data lies unencrypted a person must judge it."""
    flow = {"data_categories": ["user.contact.email"], "retention": "P1Y"}
    return {
        "id": RULE,
        "title": "Retention is short; unencrypted data at rest is judged by a person",
        "citation": "GDPR Art. 5(1)(e)",
        "scope": "flow",
        "severity": severity,
        "applies_when": {"fact": "flow.personal_data", "equals": True},
        "require": {"fact": "flow.retention_days", "lte": 730},
        "review_when": {"fact": "flow.encryption.at_rest", "equals": False},
        "rationale": "Storage limitation.",
        "remediation": "Shorten retention, or encrypt the data at rest.",
        "cases": [
            {
                "name": "unencrypted data needs review",
                "expect": "needs_review",
                "given": {"flow": {**flow, "encryption": {"at_rest": False}}},
            },
            {
                "name": "encrypted data passes",
                "expect": "pass",
                "given": {"flow": {**flow, "encryption": {"at_rest": True}}},
            },
            {
                "name": "three years fail whatever the encryption",
                "expect": "fail",
                "given": {"flow": {**flow, "retention": "P3Y", "encryption": {"at_rest": False}}},
            },
            {"name": "unstated encryption is unknown", "expect": "unknown", "given": {"flow": flow}},
            {
                "name": "a reviewer decides it",
                "expect": "fail",
                "review": "fail",
                "given": {"flow": {**flow, "encryption": {"at_rest": False}}},
            },
            {
                "name": "a review never overrides a failure",
                "expect": "fail",
                "review": "pass",
                "given": {"flow": {**flow, "retention": "P3Y", "encryption": {"at_rest": False}}},
            },
            {
                "name": "an accepted risk covers a failure",
                "expect": "accepted",
                "accepted_risk": True,
                "given": {"flow": {**flow, "retention": "P3Y"}},
            },
            {
                "name": "non-personal data is not covered",
                "expect": "not_applicable",
                "given": {"flow": {"data_categories": ["non_personal.environment"]}},
            },
        ],
    }


def clear_rule() -> dict[str, Any]:
    """A high solution-scope rule that the solution below passes."""
    return {
        "id": CLEAR,
        "title": "The controller is named",
        "citation": "GDPR Art. 5(2)",
        "scope": "solution",
        "severity": "high",
        "require": {"fact": "solution.controller.party", "present": True},
        "rationale": "Accountability.",
        "remediation": "Name the controller.",
    }


def solution_data(
    *, at_rest: bool | None = False, retention: str | None = "P1Y", sources: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The minimal solution with a supplier party (Acme A/S) and the readings flow's encryption."""
    data = minimal_solution()
    data["schema_version"] = CURRENT_SCHEMA_VERSION
    data["supplier"] = "acme"
    data["parties"].append({"id": "acme", "name": "Acme A/S", "roles": ["supplier"], "country": "DK"})
    flow = data["flows"][0]
    if retention is None:
        del flow["retention"]
    else:
        flow["retention"] = retention
    if at_rest is not None:
        flow["encryption"] = {"at_rest": at_rest}
        if sources is not None:
            flow["encryption"]["sources"] = sources
    return data


def engine(
    data: dict[str, Any], *, decisions: Decisions | None = None, obligation: str = "law"
) -> Assessment:
    """The pure engine on our own pack only."""
    text = pack_text(review_rule(), clear_rule(), pack="test-review", obligation=obligation)
    pack = load_pack_text(text, "test-review.yaml", "test")
    return assess(solution_model(data), [pack], date.fromisoformat(AS_OF), decisions=decisions)


def finding(assessment: Assessment, rule_id: str = RULE) -> Finding:
    (only,) = [f for f in assessment.findings if f.rule_id == rule_id]
    return only


def review_entry(
    sha: str, outcome: str = "pass", by: dict[str, str] = ASSESSOR, **extra: Any
) -> dict[str, Any]:
    """A review of the readings flow's result, bound to `sha`."""
    return {
        "rule": RULE,
        "target": "readings",
        "outcome": outcome,
        "reason": "The data is pseudonymised before storage; the risk is low.",
        "decided_by": dict(by),
        "decided_on": "2026-11-20",
        "facts_sha256": sha,
        **extra,
    }


def decisions_data(**sections: Any) -> dict[str, Any]:
    return {"schema_version": 1, "solution": "demo", "recorded_by": dict(ASSESSOR), **sections}


# ---------------------------------------------------------------------------------------------
# Fixtures: our pack in a folder, and the CLI with it


@pytest.fixture
def pack_dir(write_pack: Callable[..., Path]) -> Path:
    return write_pack(review_rule(), clear_rule(), pack="test-review")


@pytest.fixture
def assess_with(cli: Callable[..., Run], pack_dir: Path) -> Callable[..., Run]:
    """`compliance assess` with our pack, on AS_OF, without scans."""

    def run(solution: Path, *extra: str | Path) -> Run:
        return cli("assess", solution, "--rules", pack_dir, "--as-of", AS_OF, "--no-scan", *extra)

    return run


@pytest.fixture
def assess_json(assess_with: Callable[..., Run]) -> Callable[..., dict[str, Any]]:
    def run(solution: Path, *extra: str | Path) -> dict[str, Any]:
        done = assess_with(solution, "--format", "json", *extra)
        assert done.code == 0, done.err
        result: dict[str, Any] = done.json()
        return result

    return run


@pytest.fixture
def write_decisions(tmp_path: Path) -> Callable[..., Path]:
    """Write a decisions file (data dumped as YAML, or text) beside the solution."""

    def write(data: dict[str, Any] | str, name: str = "assessor.decisions.yaml") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def sha_of(assessment: dict[str, Any]) -> str:
    sha: str = only_finding(assessment, RULE)["facts_sha256"]
    return sha


def notes_of(assessment: dict[str, Any]) -> list[str]:
    return [n["text"] for n in assessment["decisions"]["notes"]]


# ---------------------------------------------------------------------------------------------
# 1. The engine: needs review only where the stated facts leave the point doubtful


@pytest.mark.parametrize(
    ("at_rest", "retention", "expected"),
    [
        (False, "P1Y", Outcome.NEEDS_REVIEW),
        (True, "P1Y", Outcome.PASS),
        (False, "P3Y", Outcome.FAIL),
        (True, "P3Y", Outcome.FAIL),
        (None, "P1Y", Outcome.UNKNOWN),
        (None, "P3Y", Outcome.FAIL),
        (False, None, Outcome.UNKNOWN),
    ],
    ids=[
        "doubtful",
        "clear",
        "breach-even-if-doubtful",
        "breach",
        "review-fact-missing",
        "breach-whatever-the-review-facts",
        "requirement-fact-missing",
    ],
)
def test_review_when_gives_needs_review_only_where_the_met_requirement_is_doubtful(
    at_rest: bool | None, retention: str | None, expected: Outcome
) -> None:
    result = finding(engine(solution_data(at_rest=at_rest, retention=retention)))

    assert result.status is expected


def test_a_needs_review_result_says_which_stated_facts_leave_it_to_a_person() -> None:
    result = finding(engine(solution_data(at_rest=False)))

    assert result.explanation.startswith("Needs review: the stated facts leave this to a person's judgement")
    assert "flow.encryption.at_rest" in result.explanation
    assert [f.part for f in result.facts] == ["applies_when", "require", "review_when"]
    assert len(result.facts_sha256) == 64


def test_the_review_rule_cases_run_with_a_reviewers_decision() -> None:
    pack = load_pack_text(pack_text(review_rule(), pack="test-review"), "test-review.yaml", "test")

    results, gaps = run_all([pack])

    assert [(r.case, r.actual.value) for r in results if not r.ok] == []
    assert len(results) == 8
    assert gaps == []


def test_a_recorded_pass_review_never_overrides_a_failure() -> None:
    data = solution_data(at_rest=False, retention="P3Y")
    sha = finding(engine(data)).facts_sha256
    decisions = Decisions.model_validate_json(json.dumps(decisions_data(reviews=[review_entry(sha, "pass")])))

    assessment = engine(data, decisions=decisions)

    assert finding(assessment).status is Outcome.FAIL
    assert finding(assessment).review is None
    assert assessment.decisions is not None
    assert [n.text for n in assessment.decisions.notes] == [
        f"review of {RULE} (readings): the result does not need review (it is fail); not used"
    ]


def test_needs_review_weighs_exactly_like_unknown_in_every_score() -> None:
    doubtful = engine(solution_data(at_rest=False))
    unknown = engine(solution_data(at_rest=None))
    clear = engine(solution_data(at_rest=True))

    assert finding(doubtful).status is Outcome.NEEDS_REVIEW
    assert finding(unknown).status is Outcome.UNKNOWN
    assert doubtful.score == unknown.score < clear.score
    assert [f.score for f in doubtful.flows] == [f.score for f in unknown.flows] == [0.0]
    assert doubtful.counts.needs_review == 1 and doubtful.counts.unknown == 0
    assert doubtful.flows[0].findings == [RULE]


def test_a_critical_legal_needs_review_makes_the_verdict_incomplete_never_ready() -> None:
    doubtful = engine(solution_data(at_rest=False))
    clear = engine(solution_data(at_rest=True))

    assert doubtful.verdict is Verdict.INCOMPLETE
    assert doubtful.blocking
    assert any(RULE in m.text and "needs review" in m.text for m in doubtful.verdict_reasons)
    assert clear.verdict is Verdict.READY


def test_a_critical_needs_review_of_a_voluntary_baseline_only_conditions_the_verdict() -> None:
    doubtful = engine(solution_data(at_rest=False), obligation="baseline")

    assert finding(doubtful).status is Outcome.NEEDS_REVIEW
    assert doubtful.verdict is Verdict.READY_WITH_CONDITIONS


def test_an_assessors_pass_review_makes_a_critical_needs_review_ready() -> None:
    data = solution_data(at_rest=False)
    sha = finding(engine(data)).facts_sha256
    decisions = Decisions.model_validate_json(json.dumps(decisions_data(reviews=[review_entry(sha, "pass")])))

    assessment = engine(data, decisions=decisions)

    assert finding(assessment).status is Outcome.PASS
    assert assessment.verdict is Verdict.READY


# ---------------------------------------------------------------------------------------------
# 2. Decisions: bound to the facts, never the supplier's


@pytest.mark.parametrize("outcome", ["pass", "fail"])
def test_an_assessors_review_bound_to_the_facts_decides_the_result(
    outcome: str, write_solution, write_decisions, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    sha = sha_of(assess_json(solution))
    decisions = write_decisions(decisions_data(reviews=[review_entry(sha, outcome)]))

    result = only_finding(assess_json(solution, "--decisions", decisions), RULE)

    assert result["status"] == outcome
    assert result["review"]["counts"] is True
    assert result["review"]["lapsed"] is False and result["review"]["by_supplier"] is False
    assert result["review"]["decided_by"] == "Eve Auditor"
    assert result["explanation"].startswith("Decided on review:")
    met = "met" if outcome == "pass" else "not met"
    assert (
        f"On review, Eve Auditor (Example Audit ApS) decided on 2026-11-20: {met}." in result["explanation"]
    )


def test_a_review_lapses_when_the_facts_it_judged_change(
    write_solution, write_decisions, assess_json
) -> None:
    before = write_solution(solution_data(at_rest=False, retention="P1Y"))
    decisions = write_decisions(decisions_data(reviews=[review_entry(sha_of(assess_json(before)))]))
    after = write_solution(solution_data(at_rest=False, retention="P18M"))

    result = only_finding(assess_json(after, "--decisions", decisions), RULE)

    assert result["status"] == "needs_review"
    assert result["review"]["lapsed"] is True
    assert result["review"]["counts"] is False
    assert "lapsed: the facts it judged have changed since" in result["explanation"]


def test_a_review_survives_a_change_of_facts_the_result_does_not_rest_on(
    write_solution, write_decisions, assess_json
) -> None:
    before = write_solution(solution_data(at_rest=False))
    decisions = write_decisions(decisions_data(reviews=[review_entry(sha_of(assess_json(before)))]))
    changed = solution_data(at_rest=False)
    changed["flows"][0]["name"] = "Street sensor readings"
    changed["flows"][0]["encryption"]["in_transit"] = True
    after = write_solution(changed)

    result = only_finding(assess_json(after, "--decisions", decisions), RULE)

    assert result["status"] == "pass"
    assert result["review"]["counts"] is True


def test_a_review_decided_as_not_met_can_be_covered_by_the_assessors_accepted_risk(
    write_solution, write_decisions, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    risk = {
        "rule": RULE,
        "reason": "Encryption arrives with the next release.",
        "approved_by": dict(ASSESSOR),
        "expires": "2027-06-30",
    }
    decisions = write_decisions(
        decisions_data(reviews=[review_entry(sha_of(assess_json(solution)), "fail")], accepted_risks=[risk])
    )

    result = only_finding(assess_json(solution, "--decisions", decisions), RULE)

    assert result["status"] == "accepted"
    assert result["review"]["counts"] is True
    assert "The failure is covered by an accepted risk." in result["explanation"]


@pytest.mark.parametrize("organisation", ["Acme A/S", "ACME a/s", "acme", "Acme"])
def test_a_review_by_the_assessed_supplier_is_shown_as_the_suppliers_and_does_not_count(
    organisation: str, write_solution, write_decisions, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    by = {"name": "Sam Seller", "organisation": organisation}
    decisions = write_decisions(decisions_data(reviews=[review_entry(sha_of(assess_json(solution)), by=by)]))

    assessment = assess_json(solution, "--decisions", decisions)

    result = only_finding(assessment, RULE)
    assert result["status"] == "needs_review"
    assert result["review"]["by_supplier"] is True
    assert result["review"]["counts"] is False
    assert "supplier's own decision" in result["explanation"]
    assert any("decided by the assessed supplier" in n and organisation in n for n in notes_of(assessment))


def test_organisation_names_match_across_case_spacing_and_legal_form() -> None:
    assert same_organisation("ACME a/s", "Acme A/S")
    assert same_organisation("Acme  AB (publ)", "acme")
    assert not same_organisation("Acme Consulting ApS", "Acme A/S")


def test_organisations_whose_names_share_no_letter_are_never_the_same() -> None:
    assert not same_organisation("Ωμέγα Σύμβουλοι", "Δέλτα")
    assert not same_organisation("A/S", "AB")


def test_an_accepted_risk_approved_by_the_supplier_does_not_count(
    write_solution, write_decisions, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=True, retention="P3Y"))
    risk = {
        "rule": RULE,
        "target": "readings",
        "reason": "Archive kept for audit.",
        "approved_by": dict(SUPPLIER),
        "expires": "2027-12-31",
    }
    by_supplier = write_decisions(decisions_data(accepted_risks=[risk]), name="supplier.decisions.yaml")
    by_assessor = write_decisions(decisions_data(accepted_risks=[{**risk, "approved_by": dict(ASSESSOR)}]))

    refused = assess_json(solution, "--decisions", by_supplier)
    counted = assess_json(solution, "--decisions", by_assessor)

    assert only_finding(refused, RULE)["status"] == "fail"
    assert only_finding(refused, RULE)["accepted_risk"] is None
    assert any("approved by the assessed supplier (Sam Seller (Acme A/S))" in n for n in notes_of(refused))
    assert only_finding(counted, RULE)["status"] == "accepted"
    assert only_finding(counted, RULE)["accepted_risk"]["approved_by"] == "Eve Auditor (Example Audit ApS)"


def test_an_action_plan_entry_shows_on_its_finding(write_solution, write_decisions, assess_with) -> None:
    solution = write_solution(solution_data(at_rest=True, retention="P3Y"))
    action = {
        "rule": RULE,
        "target": "readings",
        "action": "Delete readings older than two years",
        "owner": "Head of IT",
        "due": "2027-03-01",
        "status": "in_progress",
        "response": "Agreed; the purge job is being written.",
    }
    decisions = write_decisions(decisions_data(actions=[action]))

    data = assess_with(solution, "--decisions", decisions, "--format", "json").json()
    text = assess_with(solution, "--decisions", decisions).out

    assert only_finding(data, RULE)["action"] == {
        "action": "Delete readings older than two years",
        "owner": "Head of IT",
        "due": "2027-03-01",
        "status": "in_progress",
        "response": "Agreed; the purge job is being written.",
    }
    flat = " ".join(text.split())
    assert "Action (in progress): Delete readings older than two years (owner: Head of IT, due" in flat
    assert "Management response: Agreed; the purge job is being written." in flat


def test_a_review_of_a_result_that_does_not_need_review_is_noted_and_changes_nothing(
    write_solution, write_decisions, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=True))
    decisions = write_decisions(decisions_data(reviews=[review_entry(sha_of(assess_json(solution)), "fail")]))

    assessment = assess_json(solution, "--decisions", decisions)

    assert only_finding(assessment, RULE)["status"] == "pass"
    assert only_finding(assessment, RULE)["review"] is None
    assert notes_of(assessment) == [
        f"review of {RULE} (readings): the result does not need review (it is pass); not used"
    ]


@pytest.mark.parametrize(
    ("target", "where"), [("acme", f"{RULE} (acme)"), (None, RULE)], ids=["a-party", "no-target"]
)
def test_a_review_of_a_result_the_assessment_does_not_have_is_noted(
    target: str | None, where: str, write_solution, write_decisions, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    entry = review_entry("0" * 64, target=target)
    if target is None:
        del entry["target"]
    decisions = write_decisions(decisions_data(reviews=[entry]))

    assessment = assess_json(solution, "--decisions", decisions)

    assert only_finding(assessment, RULE)["status"] == "needs_review"
    assert f"review of {where}: no such result in this assessment; not used" in notes_of(assessment)


def test_a_check_whose_value_the_file_no_longer_states_is_noted_and_not_counted(
    write_solution, write_decisions, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=True))
    check = {
        "fact": AT_REST,
        "value": False,
        "checked_by": dict(ASSESSOR),
        "checked_on": "2026-11-20",
        "evidence": "Storage configuration seen on site",
    }
    decisions = write_decisions(decisions_data(checks=[check]))

    assessment = assess_json(solution, "--decisions", decisions)

    kinds = {p["path"]: p["kind"] for p in only_finding(assessment, RULE)["provenance"]}
    assert kinds[AT_REST] == "declared"
    assert f"check of {AT_REST}: the file no longer states the value checked; not counted" in notes_of(
        assessment
    )
    assert assessment["provenance"]["checked_facts"] == 0


# ---------------------------------------------------------------------------------------------
# 3. A decisions file that does not fit stops the run, located, and writes nothing

VALID_HEAD = """\
schema_version: 1
solution: demo
recorded_by: {name: Eve Auditor, organisation: Example Audit ApS}
reviews:
"""
REVIEW_ITEM = """\
  - rule: {rule}
    target: {target}
    outcome: pass
    reason: Pseudonymised before storage.
    decided_by: {{name: Eve Auditor, organisation: Example Audit ApS}}
    decided_on: 2026-11-20
    facts_sha256: {sha}
"""
SHA = "ab" * 32


def review_item(rule: str = RULE, target: str = "readings") -> str:
    return REVIEW_ITEM.format(rule=rule, target=target, sha=SHA)


BROKEN_DECISIONS = {
    "another-solution": (
        VALID_HEAD.replace("solution: demo", "solution: other") + review_item(),
        2,
        "these decisions are about solution 'other', not 'demo'",
    ),
    "unknown-rule": (
        VALID_HEAD + review_item(rule="TEST-REVIEW-RETENTON"),
        5,
        "no rule 'TEST-REVIEW-RETENTON' is loaded (did you mean 'TEST-REVIEW-RETENTION'?)",
    ),
    "unknown-target": (
        VALID_HEAD + review_item(target="readngs"),
        6,
        "the solution has no flow, party or system 'readngs' (did you mean 'readings'?)",
    ),
    "malformed-yaml": (VALID_HEAD + "  - rule: [unclosed\n", 6, "invalid YAML"),
    "duplicate-review": (
        VALID_HEAD + review_item() + review_item(),
        12,
        "reviews[1]: a second entry for TEST-REVIEW-RETENTION for readings; keep one",
    ),
    "bad-digest": (
        VALID_HEAD + review_item().replace(SHA, "not-a-digest"),
        11,
        "facts_sha256",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN_DECISIONS))
def test_a_decisions_file_that_does_not_fit_exits_2_located_and_writes_nothing(
    case: str, tmp_path: Path, write_solution, write_decisions, assess_with
) -> None:
    text, line, message = BROKEN_DECISIONS[case]  # line: where the problem is, 1-based
    solution = write_solution(solution_data(at_rest=False))
    decisions = write_decisions(text)
    earlier = tmp_path / "out" / "assessment.json"
    earlier.parent.mkdir()
    earlier.write_text('{"earlier": true}\n', encoding="utf-8")

    run = assess_with(solution, "--decisions", decisions, "-o", earlier, "-o", earlier.parent / "summary.txt")

    assert run.code == 2
    assert "Traceback" not in run.err
    assert f"{decisions}:{line}:" in run.err
    assert message in run.err
    assert earlier.read_text(encoding="utf-8") == '{"earlier": true}\n'
    assert sorted(p.name for p in earlier.parent.iterdir()) == ["assessment.json"]
    assert run.out == ""


def test_load_decisions_raises_a_located_error_for_a_rule_that_does_not_exist(
    write_solution, write_decisions, pack_dir
) -> None:
    loaded = load_solution(write_solution(solution_data(at_rest=False)))
    path = write_decisions(VALID_HEAD + review_item(rule="TEST-NO-SUCH-RULE"))

    with pytest.raises(DecisionsError) as raised:
        load_decisions(path, loaded, load_packs([pack_dir]))

    (problem,) = raised.value.problems
    assert f"{path}:5:" in str(problem)
    assert "no rule 'TEST-NO-SUCH-RULE' is loaded" in str(problem)


def test_a_decisions_file_that_does_not_exist_exits_2(tmp_path: Path, write_solution, assess_with) -> None:
    missing = tmp_path / "nowhere.decisions.yaml"

    run = assess_with(write_solution(solution_data()), "--decisions", missing)

    assert run.code == 2
    assert str(missing) in run.err
    assert "Traceback" not in run.err


# ---------------------------------------------------------------------------------------------
# 4. The command line: decide review, decide check, and what assess reads


def decide_review(cli: Callable[..., Run], pack_dir: Path, solution: Path, *extra: str | Path) -> Run:
    return cli(
        "decide",
        "review",
        solution,
        RULE,
        "--target",
        "readings",
        "--reason",
        "Pseudonymised before storage; the risk is low.",
        "--by",
        ASSESSOR["name"],
        "--organisation",
        ASSESSOR["organisation"],
        "--on",
        "2026-11-20",
        "--rules",
        pack_dir,
        "--as-of",
        AS_OF,
        *extra,
    )


def decide_check(cli: Callable[..., Run], solution: Path, fact: str, *extra: str | Path) -> Run:
    return cli(
        "decide",
        "check",
        solution,
        fact,
        "--by",
        ASSESSOR["name"],
        "--organisation",
        ASSESSOR["organisation"],
        "--on",
        "2026-11-21",
        "--evidence",
        "Storage configuration seen on site",
        *extra,
    )


def test_decide_review_writes_a_decision_that_assess_with_decisions_then_uses(
    write_solution, cli, pack_dir, assess_json, assess_with
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    sha = sha_of(assess_json(solution))

    run = decide_review(cli, pack_dir, solution, "--outcome", "pass")

    path = default_path(solution)
    assert run.code == 0, run.err
    assert path == solution.with_name("solution.decisions.yaml")
    assert f"recorded the review of {RULE} in {path}" in run.err
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert written["solution"] == "demo"
    (review,) = written["reviews"]
    assert review["facts_sha256"] == sha
    assert review["outcome"] == "pass" and review["target"] == "readings"
    result = only_finding(assess_json(solution, "--decisions", path), RULE)
    assert result["status"] == "pass"
    assert result["review"]["counts"] is True
    summary = assess_with(solution, "--decisions", path).out
    assert "Decided on review:" in summary
    assert f"[PASS] {RULE}" in summary


def test_decide_review_again_replaces_the_earlier_decision(
    write_solution, cli, pack_dir, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    assert decide_review(cli, pack_dir, solution, "--outcome", "pass").code == 0

    run = decide_review(cli, pack_dir, solution, "--outcome", "fail")

    assert run.code == 0, run.err
    assert "replaced the review" in run.err
    assert [r["outcome"] for r in yaml.safe_load(default_path(solution).read_text())["reviews"]] == ["fail"]
    assert (
        only_finding(assess_json(solution, "--decisions", default_path(solution)), RULE)["status"] == "fail"
    )


@pytest.mark.parametrize(("at_rest", "retention", "status"), [(True, "P1Y", "pass"), (False, "P3Y", "fail")])
def test_decide_review_refuses_a_result_that_does_not_need_review(
    at_rest: bool, retention: str, status: str, write_solution, cli, pack_dir
) -> None:
    solution = write_solution(solution_data(at_rest=at_rest, retention=retention))

    run = decide_review(cli, pack_dir, solution, "--outcome", "pass")

    assert run.code == 2
    assert f"{RULE}: the result is {status}, not one that needs review" in run.err
    assert not default_path(solution).exists()


def test_decide_check_records_the_value_the_solution_states(write_solution, cli) -> None:
    solution = write_solution(solution_data(at_rest=False))

    run = decide_check(cli, solution, AT_REST)

    assert run.code == 0, run.err
    written = yaml.safe_load(default_path(solution).read_text(encoding="utf-8"))
    assert written["checks"] == [
        {
            "fact": AT_REST,
            "value": False,
            "checked_by": ASSESSOR,
            "checked_on": "2026-11-21",
            "evidence": "Storage configuration seen on site",
        }
    ]


def test_decide_writes_a_plain_decisions_file_without_yaml_aliases(write_solution, cli, pack_dir) -> None:
    solution = write_solution(solution_data(at_rest=False))

    assert decide_review(cli, pack_dir, solution, "--outcome", "pass").code == 0

    text = default_path(solution).read_text(encoding="utf-8")
    assert "&id" not in text and "*id" not in text, text


def test_decide_into_a_folder_that_does_not_exist_is_a_user_error(
    tmp_path: Path, write_solution, cli
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    target = tmp_path / "no-such-folder" / "x.decisions.yaml"

    run = decide_check(cli, solution, AT_REST, "--decisions", target)

    assert run.code == 2, run.err
    assert str(target) in run.err
    assert "internal error" not in run.err


def test_decide_check_refuses_a_fact_the_solution_does_not_state(write_solution, cli) -> None:
    solution = write_solution(solution_data(at_rest=None))

    run = decide_check(cli, solution, AT_REST)

    assert run.code == 2
    assert AT_REST in run.err
    assert not default_path(solution).exists()


def test_decide_check_refuses_the_decisions_file_of_another_solution(
    write_solution, write_decisions, cli
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    other = write_decisions({**decisions_data(), "solution": "other"})
    before = other.read_text(encoding="utf-8")

    run = decide_check(cli, solution, AT_REST, "--decisions", other)

    assert run.code == 2
    assert other.read_text(encoding="utf-8") == before


def test_a_decisions_file_beside_the_solution_is_not_read_unless_named(
    write_solution, write_decisions, assess_with, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    beside = write_decisions(
        decisions_data(reviews=[review_entry(sha_of(assess_json(solution)))]), name="solution.decisions.yaml"
    )

    run = assess_with(solution, "--format", "json")

    assert run.code == 0, run.err
    assert f"{beside} was not read: decisions count only when the assessor names them with --decisions" in (
        " ".join(run.err.split())
    )
    assert run.json()["decisions"] is None
    assert only_finding(run.json(), RULE)["status"] == "needs_review"
    assert "decisions" not in {i["role"] for i in run.json()["inputs"]}


def test_the_decisions_files_sha256_is_among_the_assessments_inputs(
    write_solution, write_decisions, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    decisions = write_decisions(decisions_data(reviews=[review_entry(sha_of(assess_json(solution)))]))

    assessment = assess_json(solution, "--decisions", decisions)

    sha = hashlib.sha256(decisions.read_bytes()).hexdigest()
    assert {"path": str(decisions), "sha256": sha, "role": "decisions"} in assessment["inputs"]
    assert assessment["decisions"]["sha256"] == sha
    assert assessment["decisions"]["recorded_by"] == "Eve Auditor"
    assert assessment["decisions"]["document"]["reviews"][0]["rule"] == RULE


# ---------------------------------------------------------------------------------------------
# 5. Provenance: a declaration stays a declaration until the assessor checks it

CLAIMED = {"at_rest": {"kind": "auditor_check", "asserted_by": "Jane (Acme)", "checked_on": "2026-10-01"}}


def provenance_of(result: dict[str, Any], path: str) -> dict[str, Any]:
    (entry,) = [p for p in result["provenance"] if p["path"] == path]
    return entry


def test_an_auditor_check_claimed_in_the_solution_file_is_a_declaration(write_solution, assess_json) -> None:
    solution = write_solution(solution_data(at_rest=True, sources=CLAIMED))

    assessment = assess_json(solution)

    result = only_finding(assessment, RULE)
    assert result["status"] == "pass"
    entry = provenance_of(result, AT_REST)
    assert entry["kind"] == "declared_checked"
    assert entry["by"] == "Jane (Acme)"
    assert not Provenance(entry["kind"]).verified
    assert result["declared_only"] is True
    assert f"{RULE} (readings)" in assessment["provenance"]["declared_only_critical_or_high"]


def test_an_assessors_check_makes_the_fact_checked_and_the_pass_no_longer_declared_only(
    write_solution, cli, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=True, sources=CLAIMED))
    before = assess_json(solution)
    assert decide_check(cli, solution, AT_REST).code == 0

    after = assess_json(solution, "--decisions", default_path(solution))

    result = only_finding(after, RULE)
    entry = provenance_of(result, AT_REST)
    assert entry["kind"] == "assessor_checked"
    assert entry["by"] == "Eve Auditor (Example Audit ApS)"
    assert entry["on"] == "2026-11-21"
    assert entry["reference"] == "Storage configuration seen on site"
    assert result["status"] == "pass"
    assert result["declared_only"] is False
    assert after["provenance"]["checked_facts"] == 1
    assert after["provenance"]["passes"] == before["provenance"]["passes"]
    resting_on_it = [
        f for f in results(before) if f["declared_only"] and AT_REST in {p["path"] for p in f["provenance"]}
    ]
    assert only_finding(before, RULE) in resting_on_it
    assert after["provenance"]["declared_only"] == before["provenance"]["declared_only"] - len(resting_on_it)
    assert f"{RULE} (readings)" not in after["provenance"]["declared_only_critical_or_high"]


def test_assessment_provenance_counts_the_passes_resting_on_declarations_only(
    write_solution, assess_json
) -> None:
    assessment = assess_json(write_solution(solution_data(at_rest=True)))

    passes = [f for f in results(assessment) if f["status"] == "pass"]
    declared = [f for f in passes if f["declared_only"]]
    assert assessment["provenance"]["passes"] == len(passes)
    assert assessment["provenance"]["declared_only"] == len(declared)
    assert sorted(assessment["provenance"]["declared_only_critical_or_high"]) == sorted(
        f"{f['rule_id']} ({f['target']['id']})" if f["target"] else f["rule_id"]
        for f in declared
        if f["severity"] in ("critical", "high")
    )
    assert f"{RULE} (readings)" in assessment["provenance"]["declared_only_critical_or_high"]
    assert CLEAR in assessment["provenance"]["declared_only_critical_or_high"]  # controller.party is stated
    assert not any(f["declared_only"] for f in results(assessment) if f["status"] != "pass")


def test_the_summary_says_how_many_passes_rest_on_declarations_only(write_solution, assess_with) -> None:
    solution = write_solution(solution_data(at_rest=True))

    counted = assess_with(solution, "--format", "json").json()["provenance"]
    text = " ".join(assess_with(solution).out.split())

    assert (
        f"Provenance: {counted['declared_only']} of {counted['passes']} passes rest on declarations only"
    ) in text
    assert "Critical or high rules passing on declarations only:" in text
    assert f"{RULE} (readings)" in text


def test_a_needs_review_finding_in_the_summary_names_where_its_facts_come_from(
    write_solution, assess_with
) -> None:
    solution = write_solution(solution_data(at_rest=False, sources=CLAIMED))

    text = " ".join(assess_with(solution).out.split())

    assert f"[NEEDS REVIEW critical] {RULE}:" in text
    assert "Needs review: the stated facts leave this to a person's judgement" in text
    assert "declared as checked by Jane (Acme)" in text


def supplier_check(cli: Callable[..., Run], solution: Path) -> None:
    run = cli(
        "decide",
        "check",
        solution,
        AT_REST,
        "--by",
        SUPPLIER["name"],
        "--organisation",
        SUPPLIER["organisation"],
        "--on",
        "2026-11-21",
        "--evidence",
        "Our own configuration",
    )
    assert run.code == 0, run.err


def test_a_check_recorded_by_the_assessed_supplier_is_a_declaration_not_a_check(
    write_solution, cli, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=True))
    supplier_check(cli, solution)

    assessment = assess_json(solution, "--decisions", default_path(solution))

    result = only_finding(assessment, RULE)
    entry = provenance_of(result, AT_REST)
    assert entry["kind"] == "declared_checked"
    assert entry["by"] == "Sam Seller (Acme A/S)"
    assert result["declared_only"] is True
    assert assessment["provenance"]["checked_facts"] == 0


def test_a_check_recorded_by_the_assessed_supplier_is_noted_as_the_suppliers(
    write_solution, cli, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=True))
    supplier_check(cli, solution)

    notes = notes_of(assess_json(solution, "--decisions", default_path(solution)))

    assert not any("no result rests on this fact" in n for n in notes), notes
    assert any(AT_REST in n and "supplier" in n for n in notes), notes


# ---------------------------------------------------------------------------------------------
# 6. Recompute: the embedded decisions are applied again


@pytest.fixture
def saved_with_decisions(
    tmp_path: Path, write_solution, write_decisions, assess_json, assess_with
) -> tuple[Path, Path]:
    """An assessment JSON made with a counting review, a check and an action, and the pack folder."""
    solution = write_solution(solution_data(at_rest=False))
    check = {
        "fact": "flows[readings].retention",
        "value": "P1Y",
        "checked_by": dict(ASSESSOR),
        "checked_on": "2026-11-21",
        "evidence": "Retention policy v3",
    }
    action = {"rule": RULE, "target": "readings", "action": "Encrypt the disks", "owner": "IT"}
    decisions = write_decisions(
        decisions_data(
            reviews=[review_entry(sha_of(assess_json(solution)))], checks=[check], actions=[action]
        )
    )
    saved = tmp_path / "assessment.json"
    run = assess_with(solution, "--decisions", decisions, "-o", saved)
    assert run.code == 0, run.err
    return saved, tmp_path / "packs"


def test_an_assessment_made_with_decisions_recomputes_to_the_same_result(saved_with_decisions) -> None:
    saved, packs = saved_with_decisions
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert only_finding(data, RULE)["status"] == "pass"
    assert data["provenance"]["checked_facts"] == 1

    outcome = recompute(saved.read_text(encoding="utf-8"), load_packs([packs]))

    assert outcome.status is Recomputed.SAME, outcome.differences


@pytest.mark.parametrize(
    ("path", "value", "status"),
    [
        (("reviews", 0, "outcome"), "fail", "fail"),
        (("reviews", 0, "decided_by", "organisation"), "Acme A/S", "needs_review"),
        (("reviews", 0, "facts_sha256"), "0" * 64, "needs_review"),
    ],
    ids=["outcome", "by-the-supplier", "other-facts"],
)
def test_tampering_the_embedded_decisions_changes_the_recomputation(
    path: tuple[Any, ...], value: Any, status: str, saved_with_decisions
) -> None:
    saved, packs = saved_with_decisions
    data = json.loads(saved.read_text(encoding="utf-8"))
    node = data["decisions"]["document"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value

    outcome = recompute(json.dumps(data), load_packs([packs]))

    assert outcome.status is Recomputed.DIFFERENT
    assert f"{RULE} (flow readings): status recorded pass, recomputed {status}" in outcome.differences


def test_invalid_embedded_decisions_cannot_be_recomputed(saved_with_decisions) -> None:
    saved, packs = saved_with_decisions
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["decisions"]["document"]["reviews"][0]["outcome"] = "maybe"

    outcome = recompute(json.dumps(data), load_packs([packs]))

    assert outcome.status is Recomputed.UNREADABLE
    assert "its decisions are not valid" in outcome.sentence()


def test_a_signed_report_made_with_decisions_verifies_and_recomputes(
    tmp_path: Path, write_solution, write_decisions, assess_json, assess_with, cli, pack_dir
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    decisions = write_decisions(decisions_data(reviews=[review_entry(sha_of(assess_json(solution)))]))
    pdf = tmp_path / "report.pdf"
    assert assess_with(solution, "--decisions", decisions, "-o", pdf).code == 0

    run = cli("verify", pdf, "--trust", own_certificate(), "--recompute", "--rules", pack_dir)

    assert run.code == 0, run.out + run.err
    assert run.out.splitlines()[0].endswith("VERIFIED"), run.out
    assert "recomputed: same" in " ".join(run.out.split())


# ---------------------------------------------------------------------------------------------
# 7. SARIF


def test_sarif_exports_needs_review_as_a_warning_with_the_facts_sha256(
    write_solution, write_decisions, assess_with, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    sha = sha_of(assess_json(solution))
    by_supplier = write_decisions(decisions_data(reviews=[review_entry(sha, by=SUPPLIER)]))

    run = assess_with(solution, "--format", "sarif", "--decisions", by_supplier)

    assert run.code == 0, run.err
    (result,) = [r for r in json.loads(run.out)["runs"][0]["results"] if r["ruleId"] == RULE]
    assert result["level"] == "warning"
    assert result["properties"]["status"] == "needs_review"
    assert result["properties"]["factsSha256"] == sha
    assert result["properties"]["review"] == {
        "outcome": "pass",
        "decidedBy": "Sam Seller (Acme A/S)",
        "decidedOn": "2026-11-20",
        "counts": False,
        "lapsed": False,
        "bySupplier": True,
    }


def test_sarif_leaves_out_a_result_a_review_decided_as_met(
    write_solution, write_decisions, assess_with, assess_json
) -> None:
    solution = write_solution(solution_data(at_rest=False))
    decisions = write_decisions(decisions_data(reviews=[review_entry(sha_of(assess_json(solution)))]))

    run = assess_with(solution, "--format", "sarif", "--decisions", decisions)

    assert run.code == 0, run.err
    assert [r for r in json.loads(run.out)["runs"][0]["results"] if r["ruleId"] == RULE] == []
