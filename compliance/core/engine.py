"""The engine: a pure function from a solution, rule packs and a date to an assessment.

No files, network, clock or randomness here: the caller passes the date and the inputs' hashes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from compliance import TOOL_NAME, __version__
from compliance.core.catalogue import Language, cited_article
from compliance.core.conditions import Trace
from compliance.core.controls import coverage
from compliance.core.dpia import screen
from compliance.core.explanations import explain, missing_facts
from compliance.core.facts import SolutionFacts, any_true, facts_to_state, solution_facts
from compliance.core.gcpause import gc_paused
from compliance.core.models.assessment import (
    AcceptedRiskInfo,
    Assessment,
    FactUsed,
    Finding,
    FlowResult,
    InputFile,
    PackInfo,
    ProvisionResult,
    RuleInfo,
    ScoreGroup,
    Target,
    ToolInfo,
)
from compliance.core.models.rules import Obligation, Outcome, Scope
from compliance.core.models.scan import ScanRun
from compliance.core.models.solution import AcceptedRisk, Solution
from compliance.core.packs import CompiledRule, LoadedPack
from compliance.core.questions import open_questions
from compliance.core.scan_facts import cwe_hits, scan_facts
from compliance.core.scoring import FORMULA, counts, score, verdict, weight_of, worst


@dataclass(frozen=True)
class RuleResult:
    """What one rule made of one context, before it becomes a finding."""

    outcome: Outcome
    applies_trace: Trace
    require_trace: Trace


def evaluate_rule(rule: CompiledRule, ctx: dict[str, Any], as_of: date, *, accepted: bool) -> RuleResult:
    """Evaluate one rule on one context; `accepted` says an unexpired accepted risk covers it."""
    applies_trace: Trace = []
    require_trace: Trace = []
    r = rule.rule
    if r.effective_until is not None and as_of > r.effective_until:
        return RuleResult(Outcome.NOT_APPLICABLE, applies_trace, require_trace)
    applies = True if rule.applies is None else rule.applies(ctx, applies_trace)
    if applies is False:
        return RuleResult(Outcome.NOT_APPLICABLE, applies_trace, require_trace)
    if r.effective_from is not None and as_of < r.effective_from:
        return RuleResult(Outcome.PENDING, applies_trace, require_trace)
    met = rule.require(ctx, require_trace)
    # Unknown applicability gives unknown even when the requirement happens to be met: calling
    # it a pass (or not applicable) would let a missing fact raise a score.
    if applies is None or met is None:
        outcome = Outcome.UNKNOWN
    else:
        outcome = Outcome.PASS if met else Outcome.FAIL
    if outcome is Outcome.FAIL and accepted:
        outcome = Outcome.ACCEPTED
    return RuleResult(outcome, applies_trace, require_trace)


def _facts_used(result: RuleResult) -> list[FactUsed]:
    return [
        FactUsed(
            fact=leaf.fact,
            value=leaf.value,
            op=leaf.op,
            operand=leaf.operand,
            result=leaf.result,
            part=part,
            negated=leaf.negated,
        )
        for part, trace in (("applies_when", result.applies_trace), ("require", result.require_trace))
        for leaf in trace
    ]


def _to_state(
    outcome: Outcome, facts: list[FactUsed], ctx: dict[str, Any] | None, part: str | None = None
) -> list[str]:
    """For an unknown result: the stated facts to give (of one part of the rule, or all), a derived
    fact traced back (in `ctx`) to the missing facts it is computed from."""
    if outcome is not Outcome.UNKNOWN:
        return []
    chosen = facts if part is None else [t for t in facts if t.part == part]
    return sorted({s for fact in missing_facts(chosen) for s in facts_to_state(fact, ctx)})


def explain_result(
    outcome: Outcome, result: RuleResult, rule: CompiledRule, ctx: dict[str, Any] | None = None
) -> str:
    """The English explanation of one evaluated rule (the engine's own, for tests and tools)."""
    facts = _facts_used(result)
    return explain(
        outcome,
        facts,
        to_state=_to_state(outcome, facts, ctx),
        effective_from=rule.rule.effective_from,
        effective_until=rule.rule.effective_until,
    )


def _targets(scope: Scope, facts: SolutionFacts) -> list[tuple[dict[str, Any] | None, Target | None]]:
    if scope is Scope.SOLUTION:
        return [(None, None)]
    items = {Scope.FLOW: facts.flows, Scope.PARTY: facts.parties, Scope.SYSTEM: facts.systems}[scope]
    return [(item, Target(kind=scope, id=item["id"], name=item["name"])) for item in items]


def _accepted_risk(
    risks: Sequence[AcceptedRisk], rule_id: str, target: Target | None, as_of: date
) -> AcceptedRisk | None:
    """The accepted risk for this rule and target: an unexpired one first, else an expired one."""
    matches = [
        r
        for r in risks
        if r.rule == rule_id and (r.target is None or (target is not None and r.target == target.id))
    ]
    matches.sort(key=lambda r: r.expires, reverse=True)
    return matches[0] if matches else None


def assess(
    solution: Solution,
    packs: Sequence[LoadedPack],
    as_of: date,
    *,
    inputs: Sequence[InputFile] = (),
    scans: Sequence[ScanRun] = (),
) -> Assessment:
    """Assess a solution against rule packs on a date, with the scanner runs the caller made
    (`compliance.evidence`); declared evidence without a run is `not_run`, never clean."""
    facts = solution_facts(solution)
    screening = screen(facts, solution.jurisdiction.value, as_of)
    base: dict[str, Any] = {
        "solution": facts.solution,
        "dpia": {
            "required": screening.required,
            "current": screening.status.current,
            "per_se": _any_met(screening.per_se),
        },
        "safeguards": facts.safeguards,
        "scan": scan_facts(solution.evidence, scans),
    }
    with gc_paused():
        findings = _evaluate_all(solution, packs, facts, base, as_of)
    overall = score(findings)
    deciding_packs = {p.meta.pack for p in packs if p.meta.obligation is Obligation.LAW}
    deciding_packs |= {s.value for s in solution.contract_standards}

    def deciding(f: Finding) -> bool:
        return f.pack in deciding_packs

    the_verdict, reasons = verdict(findings, deciding)
    control_results, framework_coverage = coverage(
        findings,
        {rule.id: rule.rule.controls for pack in packs for rule in pack.rules},
        evidence_only={rule.id for pack in packs for rule in pack.rules if rule.rule.evidence_only},
        scan_hits=cwe_hits(scans),
    )
    return Assessment.model_construct(
        tool=ToolInfo(name=TOOL_NAME, version=__version__),
        as_of=as_of,
        solution=facts.document,
        rule_packs=[
            PackInfo(
                id=p.meta.pack,
                title=p.meta.title,
                version=p.meta.version,
                law_as_of=p.meta.law_as_of,
                obligation=p.meta.obligation,
                origin=p.origin,
                sha256=p.sha256,
            )
            for p in packs
        ],
        inputs=list(inputs),
        verdict=the_verdict,
        blocking=the_verdict.blocks,
        verdict_reasons=reasons,
        score=overall,
        counts=counts(findings),
        frameworks=_groups(findings, lambda f: f.framework),
        provisions=_provisions(findings),
        flows=_flows(findings, facts),
        findings=findings,
        rules={
            rule.id: RuleInfo(
                title=rule.rule.title,
                framework=rule.framework,
                citation=rule.rule.citation,
                pack=rule.pack,
                scope=rule.rule.scope,
                severity=rule.rule.severity,
                weight=weight_of(rule.rule.severity, rule.rule.weight),
                rationale=rule.rule.rationale,
                remediation=rule.rule.remediation,
                references=list(rule.rule.references),
                effective_from=rule.rule.effective_from,
                effective_until=rule.rule.effective_until,
                controls=list(rule.rule.controls),
                transposition=dict(rule.rule.transposition),
            )
            for pack in packs
            for rule in pack.rules
        },
        dpia=screening,
        questions=open_questions(findings, screening, deciding),
        coverage=framework_coverage,
        controls=control_results,
        scanners=list(scans),
        scoring=FORMULA,
    )


def _evaluate_all(
    solution: Solution, packs: Sequence[LoadedPack], facts: SolutionFacts, base: dict[str, Any], as_of: date
) -> list[Finding]:
    findings: list[Finding] = []
    jurisdiction = solution.jurisdiction.value
    targets = {scope: _targets(scope, facts) for scope in Scope}
    for pack in packs:
        for rule in pack.rules:
            scope = rule.rule.scope
            for item, target in targets[scope]:
                ctx = base if item is None else {**base, scope.value: item}
                risk = _accepted_risk(solution.accepted_risks, rule.id, target, as_of)
                live = risk is not None and risk.expires >= as_of
                result = evaluate_rule(rule, ctx, as_of, accepted=live)
                findings.append(_finding(rule, result, target, risk, as_of, ctx, jurisdiction))
    return findings


def _any_met(items: Sequence[Any]) -> bool | None:
    return any_true(c.met for c in items) if items else False


def _finding(
    rule: CompiledRule,
    result: RuleResult,
    target: Target | None,
    risk: AcceptedRisk | None,
    as_of: date,
    ctx: dict[str, Any],
    jurisdiction: str | None = None,
) -> Finding:
    r = rule.rule
    risk_info = None
    if risk is not None and result.outcome in (Outcome.FAIL, Outcome.ACCEPTED):
        risk_info = AcceptedRiskInfo(
            reason=risk.reason,
            approved_by=risk.approved_by,
            expires=risk.expires,
            expired=risk.expires < as_of,
        )
    facts = _facts_used(result)
    to_state = _to_state(result.outcome, facts, ctx)
    explanation = explain(
        result.outcome,
        facts,
        to_state=to_state,
        effective_from=r.effective_from,
        effective_until=r.effective_until,
        risk_expired_on=risk_info.expires if risk_info is not None and risk_info.expired else None,
    )
    return Finding(
        rule_id=r.id,
        title=r.title,
        framework=rule.framework,
        citation=r.citation,
        pack=rule.pack,
        status=result.outcome,
        severity=r.severity,
        weight=weight_of(r.severity, r.weight),
        scope=r.scope,
        target=target,
        explanation=explanation,
        remediation=r.remediation,
        facts=facts,
        effective_from=r.effective_from,
        accepted_risk=risk_info,
        national_citation=r.transposition.get(jurisdiction) if jurisdiction else None,
        to_state=to_state,
        applies_unknown=_to_state(result.outcome, facts, ctx, "applies_when"),
    )


def _groups(findings: list[Finding], key: Any) -> dict[str, ScoreGroup]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        grouped[key(f)].append(f)
    return {k: ScoreGroup(score=score(v), counts=counts(v)) for k, v in sorted(grouped.items())}


def _provisions(findings: list[Finding]) -> dict[str, ProvisionResult]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        grouped[f.citation].append(f)
    return {
        citation: ProvisionResult(
            framework=group[0].framework,
            article_title=_article_title(citation),
            score=score(group),
            outcome=worst(group),
            counts=counts(group),
            rules=sorted({f.rule_id for f in group}),
        )
        for citation, group in sorted(grouped.items(), key=lambda kv: _citation_key(kv[0]))
    }


def _article_title(citation: str) -> dict[str, str] | None:
    article = cited_article(citation)
    if article is None:
        return None
    return {lang.value: article.title(lang) for lang in Language}


def _citation_key(citation: str) -> tuple[Any, ...]:
    """Sort 'GDPR Art. 5(1)(e)' before 'GDPR Art. 28(3)(a)'."""
    parts = re.split(r"(\d+)", citation)
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _flows(findings: list[Finding], facts: SolutionFacts) -> list[FlowResult]:
    per_flow: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.target is not None and f.target.kind is Scope.FLOW:
            per_flow[f.target.id].append(f)
    out = []
    for flow in facts.flows:
        group = per_flow.get(flow["id"], [])
        out.append(
            FlowResult(
                id=flow["id"],
                name=flow["name"],
                score=score(group),
                counts=counts(group),
                findings=[
                    f.rule_id for f in group if f.status in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED)
                ],
            )
        )
    return out
