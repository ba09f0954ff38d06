"""Outcomes, accepted risks, scores and the verdict."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    MINIMAL_SOLUTION,
    MINIMAL_SOLUTION_YAML,
    findings_for,
    load_pack,
    minimal_solution,
    only_finding,
    rule_dict,
    solution_model,
)

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment, Finding, Verdict
from compliance.core.models.decisions import Decisions
from compliance.core.models.rules import Outcome

AS_OF = date(2026, 12, 1)

# Solution-scope requirements whose outcome the governance facts below settle.
GOVERNANCE = {"party": "city", "public_authority": True, "dpo_designated": False}
REQUIRES = {
    "pass": {"fact": "solution.controller.public_authority", "equals": True},
    "fail": {"fact": "solution.controller.dpo_designated", "equals": True},
    "unknown": {"fact": "solution.controller.dpo_contact", "present": True},
}


def rule_giving(outcome: str, rule_id: str, severity: str = "high", weight: float = 1.0) -> dict[str, Any]:
    """A solution-scope rule that produces `outcome` for the governance facts above (on AS_OF)."""
    rule = rule_dict(rule_id, scope="solution", severity=severity, weight=weight, cases=[])
    del rule["applies_when"]
    if outcome == "not_applicable":
        rule["applies_when"] = {"fact": "solution.controller.public_authority", "equals": False}
        rule["require"] = REQUIRES["fail"]
    elif outcome == "pending":
        rule["effective_from"] = "2030-01-01"
        rule["require"] = REQUIRES["fail"]
    else:
        rule["require"] = REQUIRES[outcome]
    return rule


def governed_solution(**changes: Any) -> dict[str, Any]:
    data = minimal_solution()
    data["controller"] = dict(GOVERNANCE)
    data.update(changes)
    return data


def run_engine(*rules: dict[str, Any], data: dict[str, Any] | None = None, as_of: date = AS_OF) -> Assessment:
    """The pure engine on the given rules only (no built-in pack)."""
    return assess(solution_model(data or governed_solution()), [load_pack(*rules)], as_of)


def status_of(assessment: Assessment, rule_id: str) -> Outcome:
    (finding,) = [f for f in assessment.results() if f.rule_id == rule_id]
    return finding.status


def finding_of(assessment: Assessment, rule_id: str) -> Finding:
    (finding,) = [f for f in assessment.results() if f.rule_id == rule_id]
    return finding


# ---------------------------------------------------------------------------------------------
# Outcomes


@pytest.mark.parametrize("outcome", ["pass", "fail", "unknown", "not_applicable", "pending"])
def test_rule_produces_each_outcome_from_the_facts(outcome: str) -> None:
    assessment = run_engine(rule_giving(outcome, "TEST-OUTCOME"))

    assert status_of(assessment, "TEST-OUTCOME") is Outcome(outcome)


def test_unknown_applicability_gives_unknown_even_when_the_requirement_holds() -> None:
    rule = rule_giving("pass", "TEST-MAYBE")
    rule["applies_when"] = {"fact": "solution.controller.dpo_contact", "present": True}

    assert status_of(run_engine(rule), "TEST-MAYBE") is Outcome.UNKNOWN


def test_pending_before_effective_from_and_evaluated_from_that_day() -> None:
    rule = rule_giving("fail", "TEST-LATER")
    rule["effective_from"] = "2027-01-01"

    assert status_of(run_engine(rule, as_of=date(2026, 12, 31)), "TEST-LATER") is Outcome.PENDING
    assert status_of(run_engine(rule, as_of=date(2027, 1, 1)), "TEST-LATER") is Outcome.FAIL


def test_pending_explanation_names_the_date_and_what_the_result_would_be_today() -> None:
    rule = rule_giving("fail", "TEST-LATER")
    rule["effective_from"] = "2027-01-01"

    finding = finding_of(run_engine(rule), "TEST-LATER")

    assert finding.explanation == (
        "Pending: the obligation applies from 2027-01-01. If it applied today, it would not be met."
    )
    assert finding.effective_from == date(2027, 1, 1)
    assert finding.would_be is Outcome.FAIL


def test_a_pending_rule_that_would_pass_today_says_so() -> None:
    rule = rule_giving("pass", "TEST-LATER")
    rule["effective_from"] = "2027-01-01"

    finding = finding_of(run_engine(rule), "TEST-LATER")

    assert finding.status is Outcome.PENDING
    assert finding.would_be is Outcome.PASS
    assert finding.explanation.endswith("If it applied today, it would be met.")


def test_rule_that_does_not_apply_is_not_applicable_even_before_its_date() -> None:
    rule = rule_giving("not_applicable", "TEST-NA-LATER")
    rule["effective_from"] = "2030-01-01"

    assert status_of(run_engine(rule), "TEST-NA-LATER") is Outcome.NOT_APPLICABLE


def test_rule_after_effective_until_is_not_applicable() -> None:
    rule = rule_giving("fail", "TEST-ENDED")
    rule["effective_until"] = "2026-06-30"

    finding = finding_of(run_engine(rule), "TEST-ENDED")

    assert finding.status is Outcome.NOT_APPLICABLE
    assert finding.explanation == "Not applicable: the obligation ended on 2026-06-30."
    assert status_of(run_engine(rule, as_of=date(2026, 6, 30)), "TEST-ENDED") is Outcome.FAIL


def test_not_applicable_explanation_names_the_deciding_fact() -> None:
    finding = finding_of(run_engine(rule_giving("not_applicable", "TEST-NA")), "TEST-NA")

    assert finding.explanation == (
        "Not applicable: solution.controller.public_authority = true; test: is false."
    )


def test_findings_record_the_facts_they_read() -> None:
    finding = finding_of(run_engine(rule_giving("fail", "TEST-FAIL")), "TEST-FAIL")

    assert [(f.fact, f.value, f.result, f.part) for f in finding.facts] == [
        ("solution.controller.dpo_designated", False, False, "require")
    ]


def test_flows_equal_in_every_fact_still_differ_by_the_systems_holding_their_data() -> None:
    # The engine shares a result among targets equal in what the rule reads; a safeguard tested
    # on the systems holding the data reads the systems too, so two flows that differ only there
    # get results of their own.
    data = minimal_solution()
    data["systems"] += [{"id": "app", "name": "Citizen app", "kind": "web_app", "operator": "city"}]
    data["systems"][1]["security"] = {"mfa": True}
    data["systems"][2]["security"] = {"mfa": False}
    data["flows"].append(dict(data["flows"][0], id="second", name="Second", destination="app"))
    rule = rule_dict(
        "TEST-MFA-ON-DATA-SYSTEMS",
        applies_when={"fact": "flow.personal_data", "equals": True},
        require={
            "safeguard": "mfa",
            "is": "implemented",
            "on": "data_systems",
            "kinds": ["database", "web_app"],
        },
        cases=[],
    )

    a = run_engine(rule, data=data)

    assert {f.target.id: f.status for f in a.findings if f.target is not None} == {
        "readings": Outcome.PASS,
        "second": Outcome.FAIL,
    }


def test_order_of_flows_never_changes_a_result() -> None:
    data = minimal_solution()
    second = dict(data["flows"][0], id="second", name="Second", retention="P3Y")
    third = dict(data["flows"][0], id="third", name="Third")
    del third["retention"]
    data["flows"] += [second, third]
    reordered = minimal_solution()
    reordered["flows"] = list(reversed(data["flows"]))
    rule = rule_dict("TEST-RETENTION-SET", cases=[])

    forward = run_engine(rule, data=data)
    backward = run_engine(rule, data=reordered)

    def by_target(a: Assessment) -> dict[str, Outcome]:
        return {f.target.id: f.status for f in a.findings if f.target is not None}

    assert (
        by_target(forward)
        == by_target(backward)
        == {
            "readings": Outcome.PASS,
            "second": Outcome.FAIL,
            "third": Outcome.UNKNOWN,
        }
    )
    assert forward.score == backward.score


# ---------------------------------------------------------------------------------------------
# Accepted risks


APPROVER = {"name": "CISO", "organisation": "Example Kommune"}


def decisions_with(*risks: dict[str, Any]) -> Decisions:
    """A decisions file of the assessor holding these accepted risks."""
    return Decisions.model_validate_json(
        json.dumps(
            {"solution": MINIMAL_SOLUTION["id"], "recorded_by": APPROVER, "accepted_risks": list(risks)}
        )
    )


def risk(rule: str, expires: str, target: str | None = None, reason: str = "Being fixed") -> dict[str, Any]:
    entry: dict[str, Any] = {"rule": rule, "reason": reason, "approved_by": APPROVER, "expires": expires}
    if target is not None:
        entry["target"] = target
    return entry


def run_with_risks(
    *rules: dict[str, Any], risks: list[dict[str, Any]], data: dict[str, Any] | None = None
) -> Assessment:
    return assess(
        solution_model(data or governed_solution()),
        [load_pack(*rules)],
        AS_OF,
        decisions=decisions_with(*risks),
    )


def test_unexpired_accepted_risk_turns_a_failure_into_accepted() -> None:
    assessment = run_with_risks(rule_giving("fail", "TEST-FAIL"), risks=[risk("TEST-FAIL", "2027-01-01")])

    finding = finding_of(assessment, "TEST-FAIL")
    assert finding.status is Outcome.ACCEPTED
    assert finding.accepted_risk is not None
    assert finding.accepted_risk.expired is False
    assert finding.accepted_risk.approved_by == "CISO (Example Kommune)"
    assert "covered by an accepted risk" in finding.explanation


def test_expired_accepted_risk_leaves_the_failure_and_says_so() -> None:
    assessment = run_with_risks(rule_giving("fail", "TEST-FAIL"), risks=[risk("TEST-FAIL", "2026-01-01")])

    finding = finding_of(assessment, "TEST-FAIL")
    assert finding.status is Outcome.FAIL
    assert finding.accepted_risk is not None
    assert finding.accepted_risk.expired is True
    assert "expired on 2026-01-01" in finding.explanation


def test_accepted_risk_never_turns_unknown_or_pass_into_accepted() -> None:
    rules = [rule_giving("unknown", "TEST-UNKNOWN"), rule_giving("pass", "TEST-PASS")]

    assessment = run_with_risks(*rules, risks=[risk(r["id"], "2030-01-01") for r in rules])

    assert status_of(assessment, "TEST-UNKNOWN") is Outcome.UNKNOWN
    assert status_of(assessment, "TEST-PASS") is Outcome.PASS
    assert finding_of(assessment, "TEST-PASS").accepted_risk is None


def test_accepted_risk_with_a_target_covers_only_that_flow() -> None:
    data = minimal_solution()
    data["flows"][0]["retention"] = "P2Y"
    data["flows"].append(dict(data["flows"][0], id="other", name="Other"))

    assessment = run_with_risks(
        rule_dict("TEST-RETENTION-SET", cases=[]),
        risks=[risk("TEST-RETENTION-SET", "2030-01-01", "other")],
        data=data,
    )

    by_target = {f.target.id: f.status for f in assessment.findings if f.target is not None}
    assert by_target == {"readings": Outcome.FAIL, "other": Outcome.ACCEPTED}


def test_live_accepted_risk_wins_over_an_expired_one_for_the_same_rule() -> None:
    risks = [risk("TEST-FAIL", "2025-01-01", reason="old"), risk("TEST-FAIL", "2027-01-01", reason="renewed")]

    finding = finding_of(run_with_risks(rule_giving("fail", "TEST-FAIL"), risks=risks), "TEST-FAIL")

    assert finding.status is Outcome.ACCEPTED
    assert finding.accepted_risk is not None
    assert finding.accepted_risk.reason == "renewed"


def risk_yaml(rule: str, expires: str) -> str:
    return (
        f"solution: {MINIMAL_SOLUTION['id']}\n"
        "recorded_by: {name: Mette Jensen, organisation: Example Kommune}\n"
        "accepted_risks:\n"
        f"  - rule: {rule}\n"
        "    reason: Retention under review\n"
        "    approved_by: {name: Head of IT, organisation: Example Kommune}\n"
        f"    expires: {expires}\n"
    )


def test_accepted_risk_through_the_cli_is_reported(write_solution, write_pack, cli, tmp_path) -> None:
    path = write_solution(MINIMAL_SOLUTION_YAML.replace("P1Y", "P2Y"))
    decisions = tmp_path / "solution.decisions.yaml"
    decisions.write_text(risk_yaml("TEST-RETENTION-SET", "2027-06-30"), encoding="utf-8")
    packs = write_pack(rule_dict("TEST-RETENTION-SET"))

    def run(as_of: str) -> Any:
        return cli(
            "assess", path, "--rules", packs, "--decisions", decisions, "--as-of", as_of, "--format", "json"
        )

    live, expired = run("2026-12-01"), run("2027-07-01")

    assert live.code == 0, live.err
    finding = only_finding(live.json(), "TEST-RETENTION-SET")
    assert finding["status"] == "accepted"
    assert finding["accepted_risk"] == {
        "reason": "Retention under review",
        "approved_by": "Head of IT (Example Kommune)",
        "expires": "2027-06-30",
        "expired": False,
    }
    assert expired.code == 0, expired.err
    finding = only_finding(expired.json(), "TEST-RETENTION-SET")
    assert finding["status"] == "fail"
    assert finding["accepted_risk"]["expired"] is True
    assert finding["explanation"].endswith("An accepted risk for this rule expired on 2027-06-30.")


def test_accepted_risk_naming_an_unknown_rule_is_an_input_error(
    write_solution, write_pack, cli, tmp_path
) -> None:
    path = write_solution(MINIMAL_SOLUTION_YAML)
    decisions = tmp_path / "solution.decisions.yaml"
    decisions.write_text(risk_yaml("TEST-RETENTION-SETT", "2027-06-30"), encoding="utf-8")
    packs = write_pack(rule_dict("TEST-RETENTION-SET"))

    run = cli("assess", path, "--rules", packs, "--decisions", decisions)

    assert run.code == 2
    assert (
        f"{decisions}:4:5: accepted_risks[0].rule: no rule 'TEST-RETENTION-SETT' is loaded "
        "(did you mean 'TEST-RETENTION-SET'?)"
    ) in run.err
    assert run.out == ""


# ---------------------------------------------------------------------------------------------
# Scores


def test_score_is_the_weighted_share_of_passes() -> None:
    assessment = run_engine(rule_giving("pass", "TEST-P", "high"), rule_giving("fail", "TEST-F", "medium"))

    assert assessment.score == pytest.approx(66.7)  # 4 / (4 + 2)


def test_rule_weight_multiplies_severity_points() -> None:
    assessment = run_engine(
        rule_giving("pass", "TEST-P", "high", weight=2), rule_giving("fail", "TEST-F", "high", weight=1)
    )

    assert assessment.score == pytest.approx(66.7)  # 8 / (8 + 4)
    assert finding_of(assessment, "TEST-P").weight == 8


def test_unknown_weighs_exactly_like_fail() -> None:
    with_unknown = run_engine(rule_giving("pass", "TEST-P"), rule_giving("unknown", "TEST-X"))
    with_fail = run_engine(rule_giving("pass", "TEST-P"), rule_giving("fail", "TEST-X"))

    assert with_unknown.score == with_fail.score == 50.0


def test_accepted_risk_earns_no_credit() -> None:
    assessment = run_with_risks(
        rule_giving("pass", "TEST-P"), rule_giving("fail", "TEST-F"), risks=[risk("TEST-F", "2030-01-01")]
    )

    assert status_of(assessment, "TEST-F") is Outcome.ACCEPTED
    assert assessment.score == 50.0


def test_not_applicable_and_pending_are_left_out_of_the_score() -> None:
    assessment = run_engine(
        rule_giving("pass", "TEST-P"),
        rule_giving("not_applicable", "TEST-NA", "critical", weight=10),
        rule_giving("pending", "TEST-PENDING", "critical", weight=10),
    )

    assert assessment.score == 100.0
    assert assessment.counts.model_dump(by_alias=True) == {
        "pass": 1,
        "fail": 0,
        "unknown": 0,
        "needs_review": 0,
        "not_applicable": 1,
        "accepted": 0,
        "pending": 1,
    }
    assert assessment.verdict is Verdict.READY


def test_nothing_counted_scores_100() -> None:
    assessment = run_engine(rule_giving("not_applicable", "TEST-NA"))

    assert assessment.score == 100.0


def test_scores_are_given_per_flow_provision_and_framework() -> None:
    data = governed_solution()
    data["flows"].append(dict(data["flows"][0], id="long", name="Long", retention="P3Y"))
    nis2 = rule_giving("pass", "TEST-NIS2")
    nis2["framework"] = "NIS2"
    nis2["citation"] = "NIS2 Art. 21(2)(a)"

    assessment = run_engine(rule_dict("TEST-RETENTION-SET", cases=[]), nis2, data=data)

    assert {f.id: f.score for f in assessment.flows} == {"readings": 100.0, "long": 0.0}
    assert assessment.flows[1].findings == ["TEST-RETENTION-SET"]
    assert assessment.provisions["GDPR Art. 5(1)(e)"].score == 50.0
    assert assessment.provisions["GDPR Art. 5(1)(e)"].outcome is Outcome.FAIL
    assert assessment.provisions["GDPR Art. 5(1)(e)"].article_title == {
        "en": "Principles relating to processing of personal data",
        "da": "Principper for behandling af personoplysninger",
        "sv": "Principer för behandling av personuppgifter",
    }
    assert assessment.provisions["NIS2 Art. 21(2)(a)"].article_title is None
    assert {k: v.score for k, v in assessment.frameworks.items()} == {"GDPR": 50.0, "NIS2": 100.0}


# ---------------------------------------------------------------------------------------------
# The verdict


def test_everything_passing_is_ready() -> None:
    assessment = run_engine(rule_giving("pass", "TEST-P"))

    assert assessment.verdict is Verdict.READY


def test_non_critical_failure_is_ready_with_conditions() -> None:
    assessment = run_engine(rule_giving("pass", "TEST-P", weight=10), rule_giving("fail", "TEST-F", "low"))

    assert assessment.score > 90
    assert assessment.verdict is Verdict.READY_WITH_CONDITIONS


@pytest.mark.parametrize(
    ("outcome", "expected"), [("fail", Verdict.NOT_READY), ("unknown", Verdict.INCOMPLETE)]
)
def test_a_critical_fail_is_not_ready_and_a_critical_unknown_incomplete_whatever_the_score(
    outcome: str, expected: Verdict
) -> None:
    assessment = run_engine(
        rule_giving("pass", "TEST-P", "critical", weight=10),
        rule_giving(outcome, "TEST-CRITICAL", "critical", weight=0.1),
    )

    assert assessment.score > 95
    assert assessment.verdict is expected and assessment.blocking
    assert any(r.text.startswith(f"critical {outcome}: TEST-CRITICAL") for r in assessment.verdict_reasons)


def test_critical_failure_covered_by_an_accepted_risk_does_not_block() -> None:
    assessment = run_with_risks(
        rule_giving("pass", "TEST-P", "critical", weight=10),
        rule_giving("fail", "TEST-CRITICAL", "critical", weight=0.1),
        risks=[risk("TEST-CRITICAL", "2030-01-01")],
    )

    assert assessment.verdict is Verdict.READY_WITH_CONDITIONS


def test_score_below_50_is_not_ready_without_any_critical_rule() -> None:
    assessment = run_engine(rule_giving("pass", "TEST-P", "low"), rule_giving("fail", "TEST-F", "high"))

    assert assessment.score == 20.0
    assert assessment.verdict is Verdict.NOT_READY


# ---------------------------------------------------------------------------------------------
# --fail-under


def test_fail_under_exits_1_and_still_writes_the_output(
    tmp_path: Path, write_solution, write_pack, cli
) -> None:
    data = minimal_solution()
    data["flows"][0]["retention"] = "P2Y"  # fails the one-year rule, so the score is below 100
    output = tmp_path / "out" / "assessment.json"

    run = cli(
        "assess",
        write_solution(data),
        "--rules",
        write_pack(rule_dict("TEST-RETENTION-SET")),
        "--fail-under",
        "100",
        "--output",
        output,
    )

    assert run.code == 1
    assert "is below --fail-under 100" in run.err
    assert output.is_file()
    assert findings_for(json.loads(output.read_text(encoding="utf-8")), "TEST-RETENTION-SET")
    assert run.out.startswith("Assessment of Demo solution")


def test_fail_under_met_exits_0(write_solution, cli) -> None:
    run = cli("assess", write_solution(), "--fail-under", "0")

    assert run.code == 0, run.err


@pytest.mark.parametrize("value", ["101", "-1", "high"])
def test_fail_under_outside_0_to_100_is_a_usage_error(value: str, write_solution, cli) -> None:
    run = cli("assess", write_solution(), "--fail-under", value)

    assert run.code == 2
    assert "--fail-under" in run.err
    assert "Traceback" not in run.err


def test_an_unknown_names_the_stated_facts_a_missing_derived_fact_comes_from() -> None:
    rule = rule_dict(
        "TEST-TRANSFER",
        scope="party",
        cases=[],
        applies_when={"fact": "party.processor", "equals": True},
        require={"fact": "party.remote_access_third_country", "equals": False},
    )
    data = governed_solution()
    data["parties"].append({"id": "vendor", "name": "Vendor ApS", "roles": ["processor"], "country": "DK"})

    assessment = run_engine(rule, data=data)
    (finding,) = [f for f in assessment.findings if f.target is not None and f.target.id == "vendor"]

    assert finding.status is Outcome.UNKNOWN
    assert finding.explanation == (
        "Unknown: facts needed to decide are missing: party.remote_access_third_country."
        " To decide, state: party.remote_access_from."
    )


def test_facts_to_state_lists_only_the_inputs_that_are_missing() -> None:
    from compliance.core.facts import facts_to_state

    ctx = {"flow": {"scale": {"subjects": 1200}}}
    assert facts_to_state("flow.large_scale", ctx) == ["flow.scale.population_share"]
    assert facts_to_state("flow.large_scale", None) == ["flow.scale.subjects", "flow.scale.population_share"]
    assert facts_to_state("flow.lawful_basis", ctx) == ["flow.lawful_basis"]
    # Nested: a party's transfer is decided by its country and where its staff work from.
    party = {"party": {"roles": ["processor"], "receives_personal_data": True}}
    assert facts_to_state("party.receives_transfer", party) == ["party.country", "party.remote_access_from"]
