"""The verdict as docs/scoring.md states it: fix these (not ready) or answer these (incomplete),
decided by legal duties only; the worked example of docs/scoring.md, result by result."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import minimal_solution, solution_model

from compliance.core.engine import assess
from compliance.core.models.assessment import Finding, Target, Verdict
from compliance.core.models.rules import Outcome, Scope, Severity
from compliance.core.scoring import score, verdict, weight_of
from compliance.inputs.loader import load_packs

LAW, BASELINE = "law-pack", "baseline-pack"


def result(n: int, severity: Severity, weight: float, outcome: Outcome, pack: str = LAW) -> Finding:
    return Finding(
        rule_id=f"R-{n}",
        title=f"Rule {n}",
        framework="F",
        citation="GDPR Art. 5(1)(a)",
        pack=pack,
        status=outcome,
        severity=severity,
        weight=weight_of(severity, weight),
        scope=Scope.FLOW,
        target=Target(kind=Scope.FLOW, id="readings", name="Readings"),
        explanation="",
        remediation="",
        facts=[],
    )


def worked_example(lawful_basis: Outcome = Outcome.PASS) -> list[Finding]:
    return [
        result(1, Severity.HIGH, 1, Outcome.PASS),
        result(2, Severity.CRITICAL, 1, Outcome.NOT_APPLICABLE),
        result(3, Severity.HIGH, 1, Outcome.PASS),
        result(4, Severity.CRITICAL, 1, lawful_basis),
        result(5, Severity.MEDIUM, 1.5, Outcome.UNKNOWN),
        result(6, Severity.MEDIUM, 1, Outcome.ACCEPTED),
        result(7, Severity.HIGH, 1, Outcome.PENDING),
    ]


def law(f: Finding) -> bool:
    return f.pack == LAW


def test_the_worked_example_is_ready_with_conditions() -> None:
    findings = worked_example()
    assert score(findings) == 76.2
    the_verdict, reasons = verdict(findings, law)
    assert the_verdict is Verdict.READY_WITH_CONDITIONS and not the_verdict.blocks
    assert [r.text for r in reasons] == [
        "open items: 1 unknown, 1 accepted risk; none critical for a legal duty"
    ]


def test_a_missing_lawful_basis_makes_it_incomplete_not_not_ready() -> None:
    findings = worked_example(Outcome.UNKNOWN)
    assert score(findings) == 38.1
    the_verdict, reasons = verdict(findings, law)
    assert the_verdict is Verdict.INCOMPLETE and the_verdict.blocks
    texts = [r.text for r in reasons]
    assert texts[0] == "critical unknown: R-4 Rule 4 (flow readings)"
    assert texts[1] == (
        "the legal duties' score 38.1 is below 50 only because of unknown and needs-review results (decided results score 80)"
    )


def test_a_failed_lawful_basis_makes_it_not_ready() -> None:
    the_verdict, reasons = verdict(worked_example(Outcome.FAIL), law)
    assert the_verdict is Verdict.NOT_READY
    assert reasons[0].text == "critical fail: R-4 Rule 4 (flow readings)"


def test_failures_that_outweigh_the_passes_make_it_not_ready_without_a_critical_one() -> None:
    findings = [result(1, Severity.HIGH, 1, Outcome.FAIL), result(2, Severity.HIGH, 1, Outcome.ACCEPTED)]
    findings.append(result(3, Severity.MEDIUM, 1, Outcome.PASS))
    the_verdict, reasons = verdict(findings, law)
    assert the_verdict is Verdict.NOT_READY
    assert "hold 80% of the decided weight" in reasons[0].text


def test_failures_and_unknowns_together_are_not_ready_and_name_both() -> None:
    findings = [
        result(1, Severity.CRITICAL, 1, Outcome.FAIL),
        result(2, Severity.CRITICAL, 1, Outcome.UNKNOWN),
    ]
    the_verdict, reasons = verdict(findings, law)
    assert the_verdict is Verdict.NOT_READY
    heads = [r.text.split(":")[0] for r in reasons]
    assert heads[0] == "critical fail" and heads[-1] == "critical unknown"


@pytest.mark.parametrize("outcome", [Outcome.FAIL, Outcome.UNKNOWN])
def test_a_critical_result_of_a_voluntary_baseline_only_advises(outcome: Outcome) -> None:
    findings = [
        result(1, Severity.CRITICAL, 1, outcome, pack=BASELINE),
        result(2, Severity.HIGH, 1, Outcome.PASS),
    ]
    the_verdict, reasons = verdict(findings, law)
    assert the_verdict is Verdict.READY_WITH_CONDITIONS
    assert "voluntary baseline" in reasons[1].text


def test_a_standard_the_contract_requires_decides_like_the_law() -> None:
    data = minimal_solution()
    data["standards"] = ["etsi-en-303-645"]
    data["systems"][0]["security"] = {"credentials": "universal_default"}
    free = assess(solution_model(data), load_packs(), date(2026, 12, 1))
    data["contract_standards"] = ["etsi-en-303-645"]
    bound = assess(solution_model(data), load_packs(), date(2026, 12, 1))
    etsi = [
        f
        for f in bound.findings
        if f.rule_id == "ETSI-5-1-1-NO-UNIVERSAL-DEFAULT" and f.status is Outcome.FAIL
    ]
    assert etsi, "the device's universal default password fails ETSI EN 303 645 5.1-1"
    assert any("ETSI-5-1-1" in r.text for r in bound.verdict_reasons) and bound.verdict is Verdict.NOT_READY
    assert not any(r.text.startswith("critical fail: ETSI") for r in free.verdict_reasons)


def test_an_omitted_standards_field_is_a_question_not_every_standard() -> None:
    a = assess(solution_model(minimal_solution()), load_packs(), date(2026, 12, 1))
    etsi = [f for f in a.findings if f.pack == "etsi-en-303-645"]
    assert etsi and {f.status for f in etsi} <= {Outcome.UNKNOWN, Outcome.NOT_APPLICABLE}
    assert not any(f.status is Outcome.FAIL for f in etsi)


@pytest.mark.parametrize(
    ("example", "code"),
    [("building-energy-dk", 0), ("wifi-footfall-se", 1)],
)
def test_fail_if_blocked_exits_1_for_a_blocking_verdict(cli, example: str, code: int) -> None:
    from helpers import REPO

    run = cli(
        "assess", REPO / "examples" / example / "solution.yaml", "--as-of", "2026-12-01", "--fail-if-blocked"
    )
    assert run.code == code, run.err
    if code:
        assert "not ready to proceed (--fail-if-blocked)" in run.err


def test_fail_if_blocked_treats_incomplete_like_not_ready(cli, tmp_path) -> None:
    from helpers import REPO

    run = cli(
        "assess", REPO / "compliance" / "starter_solution.yaml", "--as-of", "2026-12-01", "--fail-if-blocked"
    )
    assert run.code == 1 and "the verdict is incomplete" in run.err
    assert any(line.startswith("Verdict: NOT READY TO PROCEED: incomplete") for line in run.out.splitlines())
