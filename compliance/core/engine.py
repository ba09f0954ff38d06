"""The engine: a pure function from a solution, rule packs and a date to an assessment.

No files, network, clock or randomness here: the caller passes the date and the inputs' hashes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from itertools import chain, repeat
from operator import attrgetter
from typing import Any, NamedTuple

from compliance import TOOL_NAME, __version__
from compliance.core.catalogue import Language, cited_article
from compliance.core.conditions import Trace
from compliance.core.controls import coverage
from compliance.core.dpia import screen
from compliance.core.explanations import counts_for, explain, missing_facts
from compliance.core.facts import (
    DERIVED_FROM,
    SolutionFacts,
    any_true,
    facts_to_state,
    lookup,
    solution_facts,
    state_reads,
)
from compliance.core.gcpause import gc_paused
from compliance.core.models.assessment import (
    AcceptedRiskInfo,
    ActionInfo,
    Assessment,
    DecisionsInfo,
    FactProvenance,
    FactUsed,
    Finding,
    FlowResult,
    InputFile,
    NotApplicable,
    PackInfo,
    ProvenanceCounts,
    ProvisionResult,
    ReviewInfo,
    RuleInfo,
    ScoreGroup,
    Target,
    ToolInfo,
    UnverifiedDate,
    new_finding,
)
from compliance.core.models.decisions import DecidedRisk, Decisions
from compliance.core.models.rules import Obligation, Outcome, Scope, Severity
from compliance.core.models.scan import ScanRun
from compliance.core.models.solution import Solution
from compliance.core.packs import CompiledRule, LoadedPack
from compliance.core.provenance import Provenances, declared_only
from compliance.core.questions import Related, open_questions
from compliance.core.review import Reviewer, facts_digest, who
from compliance.core.scan_facts import cwe_hits, scan_facts, undecided_controls
from compliance.core.scoring import FORMULA, counts, score, summary, verdict, weight_of, worst


class RuleResult(NamedTuple):
    """What one rule made of one context, before it becomes a finding (a named tuple: one is made
    for every rule and target, and a tuple is the cheapest immutable record to build)."""

    outcome: Outcome
    applies_trace: Trace
    require_trace: Trace
    review_trace: Trace
    reviewed: bool = False  # a person's decision turned a needs-review result into this outcome
    would_be: Outcome | None = None  # for a pending result: the outcome if it applied now
    # whether `applies_when` was left unknown (an unknown leaf in it that decides nothing, such as
    # one beside a true branch of `any`, leaves it decided)
    applies_open: bool = False


def evaluate_rule(
    rule: CompiledRule,
    ctx: dict[str, Any],
    as_of: date,
    *,
    accepted: bool,
    review: Callable[[list[FactUsed]], Outcome | None] | None = None,
) -> RuleResult:
    """Evaluate one rule on one context; `accepted` says an unexpired accepted risk covers it;
    `review` gives a person's decision on a needs-review result, from the facts it rests on."""
    applies_trace: Trace = []
    require_trace: Trace = []
    review_trace: Trace = []
    r = rule.rule
    if r.effective_until is not None and as_of > r.effective_until:
        return RuleResult(Outcome.NOT_APPLICABLE, applies_trace, require_trace, review_trace)
    applies = True if rule.applies is None else rule.applies.evaluate(ctx, applies_trace)
    if applies is False:
        return RuleResult(Outcome.NOT_APPLICABLE, applies_trace, require_trace, review_trace)
    met = rule.require.evaluate(ctx, require_trace)
    # Unknown applicability gives unknown even when the requirement happens to be met: calling
    # it a pass (or not applicable) would let a missing fact raise a score.
    if applies is None or met is None:
        outcome = Outcome.UNKNOWN
    elif not met:
        outcome = Outcome.FAIL
    elif rule.review is None:
        outcome = Outcome.PASS
    else:
        # The requirement is met as far as facts go; `review_when` names where the facts leave
        # it to a person's judgement.
        doubtful = rule.review.evaluate(ctx, review_trace)
        outcome = Outcome.UNKNOWN if doubtful is None else Outcome.NEEDS_REVIEW if doubtful else Outcome.PASS
    if r.effective_from is not None and as_of < r.effective_from:
        # Not owed yet; what the result would be today tells a buyer what to ask for now.
        return RuleResult(Outcome.PENDING, applies_trace, require_trace, review_trace, would_be=outcome)
    reviewed = False
    if outcome is Outcome.NEEDS_REVIEW and review is not None:
        decided = review(_facts_used(RuleResult(outcome, applies_trace, require_trace, review_trace)))
        if decided is not None:
            outcome, reviewed = decided, True
    if outcome is Outcome.FAIL and accepted:
        outcome = Outcome.ACCEPTED
    return RuleResult(outcome, applies_trace, require_trace, review_trace, reviewed, None, applies is None)


def _facts_used(result: RuleResult) -> list[FactUsed]:
    """The tests of a result as its finding records them. A test of the trace already is a
    `FactUsed` of its part (`LeafResult`) and goes in as it is; one compiled for another part is
    copied with the part it has in this rule."""
    return [
        leaf if leaf.part == part else replace(leaf, part=part)
        for part, trace in (
            ("applies_when", result.applies_trace),
            ("require", result.require_trace),
            ("review_when", result.review_trace),
        )
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


def _unknown_facts(
    facts: list[FactUsed], ctx: dict[str, Any], applies_open: bool = True
) -> tuple[list[str], list[str]]:
    """For an unknown result, from one pass over its tests: the stated facts to give, of the whole
    rule and, where whether it applies is open, of its `applies_when` alone."""
    return _traced_back(*_missing(facts, applies_open), ctx)


def _missing(facts: list[FactUsed], applies_open: bool = True) -> tuple[set[str], set[str]]:
    """The facts an unknown result's tests miss, of the whole rule and (where whether it applies
    is open: `RuleResult.applies_open`) of its `applies_when`."""
    missing: set[str] = set()
    missing_applies: set[str] = set()
    for test in facts:
        if test.result is None:
            missing.add(test.fact)
            if applies_open and test.part == "applies_when":
                missing_applies.add(test.fact)
    return missing, missing_applies


def _traced_back(
    missing: set[str], missing_applies: set[str], ctx: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """The stated facts to give for missing facts (`_missing`), in the context of a target."""
    traced = {fact: facts_to_state(fact, ctx) for fact in missing}
    return (
        sorted({s for fact in missing for s in traced[fact]}),
        sorted({s for fact in missing_applies for s in traced[fact]}),
    )


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


def _contexts(
    scope: Scope, facts: SolutionFacts, base: dict[str, Any]
) -> list[tuple[dict[str, Any], Target | None]]:
    """Every target of a scope with the context its rules read: the solution-wide facts, the
    target's own (under `flow`, `party` or `system`) and the systems holding its personal data.
    Built once per target and shared by all the rules of the scope, which only read it."""
    if scope is Scope.SOLUTION:
        return [({**base, "data_systems": facts.data_systems.get(("solution", None), [])}, None)]
    items = {Scope.FLOW: facts.flows, Scope.PARTY: facts.parties, Scope.SYSTEM: facts.systems}[scope]
    return [
        (
            {
                **base,
                scope.value: item,
                "data_systems": facts.data_systems.get((scope.value, item["id"]), []),
            },
            Target(kind=scope, id=item["id"], name=item["name"]),
        )
        for item in items
    ]


def supplier_names(solution: Solution) -> list[str]:
    """The names (and id) of the assessed supplier, as the solution file names it."""
    party = next((p for p in solution.parties if p.id == solution.supplier), None)
    return [] if party is None else [party.name, party.id]


def assess(
    solution: Solution,
    packs: Sequence[LoadedPack],
    as_of: date,
    *,
    inputs: Sequence[InputFile] = (),
    scans: Sequence[ScanRun] = (),
    decisions: Decisions | None = None,
    decisions_file: InputFile | None = None,
) -> Assessment:
    """Assess a solution against rule packs on a date, with the scanner runs the caller made
    (`compliance.evidence`) and the assessor's decisions (reviews, accepted risks, the action plan
    and checked facts); declared evidence without a run is `not_run`, never clean."""
    # The whole assessment runs with the cyclic garbage collector paused (see `gc_paused`): it
    # allocates hundreds of thousands of objects that all live on, so every collection during it
    # would walk them again and free nothing.
    with gc_paused():
        return _assess(solution, packs, as_of, inputs, scans, decisions, decisions_file)


def _assess(
    solution: Solution,
    packs: Sequence[LoadedPack],
    as_of: date,
    inputs: Sequence[InputFile],
    scans: Sequence[ScanRun],
    decisions: Decisions | None,
    decisions_file: InputFile | None,
) -> Assessment:
    facts = solution_facts(solution, as_of)
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
    reviewer = Reviewer(decisions, supplier_names(solution))
    provenances = Provenances(
        facts.document, decisions.checks if decisions else (), scans, by_supplier=reviewer.by_supplier
    )
    runs = _evaluate_all(solution, packs, facts, base, as_of, reviewer, provenances)
    # The scores, counts and controls take every result; the assessment keeps the results of rules
    # that apply one by one, and those of rules that do not apply grouped per rule and reason. A
    # result that does not apply lacks its target here (`_Run`): the scores, counts, verdict and
    # controls read no target of such a result, and the questions read one only to name its flow,
    # which `Related` names already.
    every = list(chain.from_iterable(run.results for run in runs))
    findings, skipped = _split(runs)
    overall = score(every)
    deciding_packs = {p.meta.pack for p in packs if p.meta.obligation is Obligation.LAW}
    deciding_packs |= {s.value for s in solution.contract_standards}

    def deciding(f: Finding) -> bool:
        return f.pack in deciding_packs

    the_verdict, reasons = verdict(every, deciding)
    control_results, framework_coverage = coverage(
        every,
        {rule.id: rule.rule.controls for pack in packs for rule in pack.rules},
        evidence_only={rule.id for pack in packs for rule in pack.rules if rule.rule.evidence_only},
        scan_hits=cwe_hits(scans),
        undecided=undecided_controls(solution.evidence, scans),
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
                jurisdiction=p.meta.jurisdiction,
                unverified_dates=[
                    UnverifiedDate(
                        pack=p.meta.pack,
                        name=name,
                        date=st.date,
                        label=st.label,
                        source=st.source,
                        note=st.note,
                    )
                    for name, st in sorted(p.meta.settings.items())
                    if not st.verified
                ],
            )
            for p in packs
        ],
        inputs=list(inputs),
        verdict=the_verdict,
        blocking=the_verdict.blocks,
        verdict_reasons=reasons,
        score=overall,
        counts=counts(every),
        frameworks=_groups(runs, _framework),
        provisions=_provisions(runs),
        flows=_flows(runs, facts),
        findings=findings,
        not_applicable=skipped,
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
                baseline=rule.rule.baseline,
                controls=list(rule.rule.controls),
                says=rule.rule.says,
                transposition=dict(rule.rule.transposition),
            )
            for pack in packs
            for rule in pack.rules
        },
        dpia=screening,
        questions=open_questions(every, screening, deciding, Related(facts.document)),
        coverage=framework_coverage,
        controls=control_results,
        scanners=list(scans),
        scoring=FORMULA,
        decisions=_decisions_info(decisions, decisions_file, reviewer, provenances, runs),
        provenance=_provenance_counts(findings, provenances),
    )


def _split(runs: Sequence[_Run]) -> tuple[list[Finding], list[NotApplicable]]:
    """In one pass: the results of rules that apply, and those that do not, one group per rule
    and reason, in the order of the rules."""
    applying: list[Finding] = []
    groups: dict[tuple[str, str], list[Target]] = {}
    for run in runs:
        for f, target in zip(run.results, run.targets, strict=True):
            if f.status is not Outcome.NOT_APPLICABLE:
                applying.append(f)
                continue
            targets = groups.setdefault((f.rule_id, f.explanation), [])
            if target is not None:
                targets.append(target)
    return applying, [
        NotApplicable.model_construct(rule_id=rule_id, reason=reason, targets=targets)
        for (rule_id, reason), targets in groups.items()
    ]


def _decisions_info(
    decisions: Decisions | None,
    file: InputFile | None,
    reviewer: Reviewer,
    provenances: Provenances,
    runs: Sequence[_Run],
) -> DecisionsInfo | None:
    if decisions is None:
        return None
    results = {
        (f.rule_id, target.id if target else None): f.status
        for run in runs
        for f, target in zip(run.results, run.targets, strict=True)
    }
    checks = {c.fact for c in decisions.checks}
    unused = checks - provenances.used_checks - provenances.lapsed_checks - provenances.supplier_checks
    return DecisionsInfo(
        path=file.path if file is not None else "",
        sha256=file.sha256 if file is not None else "",
        recorded_by=decisions.recorded_by.name,
        organisation=decisions.recorded_by.organisation,
        document=decisions.model_dump(mode="json"),
        notes=reviewer.finish(results, provenances.lapsed_checks, unused, provenances.supplier_checks),
    )


def _provenance_counts(findings: Sequence[Finding], provenances: Provenances) -> ProvenanceCounts:
    passes = [f for f in findings if f.status is Outcome.PASS]
    declared = [f for f in passes if f.declared_only]
    return ProvenanceCounts(
        passes=len(passes),
        declared_only=len(declared),
        declared_only_critical_or_high=[
            f"{f.rule_id} ({f.target.id})" if f.target else f.rule_id
            for f in declared
            if f.severity in (Severity.CRITICAL, Severity.HIGH)
        ],
        checked_facts=len(provenances.used_checks),
    )


class _Run(NamedTuple):
    """A rule's results, one for each target of its scope, in the order of the targets.

    A result that does not apply is the one its rule shares among the targets (`_Shared`), whose
    target is None: two thirds of all results, each of which would otherwise be copied just to hold
    its target. Its target is the one in its place in `targets`; what reads these results in
    `_assess` reads the target from there (`_split`, `_flows`, `_decisions_info`) or not at all.
    """

    rule: CompiledRule
    results: list[Finding]
    targets: list[Target | None]


def _evaluate_all(
    solution: Solution,
    packs: Sequence[LoadedPack],
    facts: SolutionFacts,
    base: dict[str, Any],
    as_of: date,
    reviewer: Reviewer,
    provenances: Provenances,
) -> list[_Run]:
    """Every rule's results, rule by rule in the order of the packs, each over the targets of its
    scope in their order."""
    runs: list[_Run] = []
    jurisdiction = solution.jurisdiction.value
    sectors = {s.value for s in (solution.entity.sectors or [])} if solution.entity is not None else set()
    contexts = {scope: _contexts(scope, facts, base) for scope in Scope}
    columns = {scope: _Columns(scope, contexts[scope]) for scope in Scope}
    targets_of = {scope: [target for _ctx, target in contexts[scope]] for scope in Scope}
    personal = reviewer.risks or reviewer.reviews or reviewer.actions
    for pack in packs:
        sector_act = next(
            (
                t.act
                for t in pack.meta.sector_transpositions
                if t.jurisdiction == jurisdiction and sectors & set(t.sectors)
            ),
            None,
        )
        # Each rule is evaluated over all the targets of its scope in turn: once for each
        # combination of the values it reads (`_Columns`), the result shared by the targets that
        # have it, unless a person decided something about the target (a review, an accepted risk,
        # an action). A result that does not apply is shared more widely: by every target with the
        # values its `applies_when` reads.
        for rule in pack.rules:
            national = sector_act or rule.rule.transposition.get(jurisdiction)
            scope = rule.rule.scope
            shared = _Shared(rule, as_of, national, _Explanations(rule), provenances)
            targets = zip(
                contexts[scope],
                columns[scope].keys(rule),
                columns[scope].keys(rule, applies=True),
                strict=True,
            )
            if personal:
                results = [
                    _personal_finding(rule, ctx, target, as_of, national, reviewer, provenances)
                    if _decided_for(reviewer, rule.id, target)
                    else shared.finding(key, applies_key, ctx, target)
                    for (ctx, target), key, applies_key in targets
                ]
            else:
                finding = shared.finding
                results = [
                    finding(key, applies_key, ctx, target) for (ctx, target), key, applies_key in targets
                ]
            runs.append(_Run(rule, results, targets_of[scope]))
    return runs


def _decided_for(reviewer: Reviewer, rule_id: str, target: Target | None) -> bool:
    """Whether the assessor's decisions name this result: an accepted risk, a review or an action."""
    return (
        (bool(reviewer.risks) and reviewer.accepted_risk(rule_id, target) is not None)
        or (bool(reviewer.reviews) and reviewer.review_of(rule_id, target) is not None)
        or (bool(reviewer.actions) and reviewer.action(rule_id, target) is not None)
    )


def _personal_finding(
    rule: CompiledRule,
    ctx: dict[str, Any],
    target: Target | None,
    as_of: date,
    national: str | None,
    reviewer: Reviewer,
    provenances: Provenances,
) -> Finding:
    """The result of a rule for a target the assessor's decisions name, evaluated on its own."""
    risk = reviewer.accepted_risk(rule.id, target) if reviewer.risks else None
    live = risk is not None and risk.expires >= as_of
    recorded = reviewer.review_of(rule.id, target) if reviewer.reviews else None
    decided: list[ReviewInfo] = []
    review = None
    if recorded is not None:

        def review(used: list[FactUsed]) -> Outcome | None:
            outcome, info = reviewer.decide(recorded, used)
            decided.append(info)
            return outcome

    result = evaluate_rule(rule, ctx, as_of, accepted=live, review=review)
    action = reviewer.action(rule.id, target) if reviewer.actions else None
    return _finding(
        rule,
        result,
        target,
        risk,
        as_of,
        ctx,
        national,
        review=decided[0] if decided else None,
        action=action,
        provenances=provenances,
    )


# Whether targets with equal keys share one evaluation (`_Columns`); the tests turn it off to show
# that sharing changes nothing in any assessment.
SHARE_RESULTS = True


# A value of a column that equals no other: a target holding it is evaluated on its own.
class _Unshared:
    __slots__ = ()


class _Columns:
    """The values the rules of one scope read, one column per fact over all the targets, each value
    as a token that is equal for equal values (and of the same type: True == 1, yet they are
    written differently). A rule's key for a target is the tuple of its tokens for the facts the
    rule's conditions test; targets with equal keys get the same result (but for the facts to state
    of an unknown one, which each target traces back itself: `_Unknown`), so a rule is evaluated
    once per key.

    Only facts of the target's own namespace (`flow.`, `party.`, `system.`) and the systems holding
    its data vary between targets; the solution-wide facts are the same for all of them.

    A rule's applicability key is made of the facts its `applies_when` reads alone: whether it
    applies, and the result when it does not, depend on nothing else.
    """

    def __init__(self, scope: Scope, contexts: list[tuple[dict[str, Any], Target | None]]) -> None:
        self.scope = scope
        self.contexts = contexts
        self._columns: dict[str, list[Any]] = {}
        self._reads: dict[tuple[int, bool], tuple[str, ...]] = {}

    def keys(self, rule: CompiledRule, *, applies: bool = False) -> Iterable[tuple[Any, ...]]:
        """The rule's key (with `applies`, its applicability key) for every target, in the order of
        the targets."""
        reads = self._reads.get((id(rule), applies))
        if reads is None:
            reads = self._reads[(id(rule), applies)] = _reads(rule, self.scope, applies=applies)
        if not reads:
            return repeat((), len(self.contexts))
        return zip(*(self._column(fact) for fact in reads), strict=True)

    def _column(self, fact: str) -> list[Any]:
        column = self._columns.get(fact)
        if column is None:
            if fact == _DATA_SYSTEMS:
                column = [_systems_token(ctx.get("data_systems") or ()) for ctx, _ in self.contexts]
            else:
                # Read as `lookup` reads it from each context, and tokened as `_token` does, with
                # the common cases spelled out: 300,000 values for 1,000 flows.
                namespace, *keys = fact.split(".")
                owns = [ctx.get(namespace) for ctx, _ in self.contexts]
                if len(keys) == 1:
                    key = keys[0]
                    values = [own.get(key) if isinstance(own, dict) else None for own in owns]
                else:
                    path = tuple(keys)
                    values = [lookup(own, path) if isinstance(own, dict) else None for own in owns]
                column = [(v.__class__, v) if v.__class__ in _TOKENED else _token(v) for v in values]
            self._columns[fact] = column
        return column


_DATA_SYSTEMS = "data_systems"
_TOKENED = frozenset({str, bool, int, float, type(None), date})


def _token(value: Any) -> Any:
    cls = value.__class__
    if cls in _TOKENED:
        return (cls, value)
    if cls is list and all(item.__class__ is str for item in value):
        return (list, tuple(value))
    return _Unshared()


def _systems_token(systems: Iterable[dict[str, Any]]) -> Any:
    """What a safeguard test on the systems holding a target's data reads of them."""
    try:
        return tuple((s["kind"], s["own"], tuple(s["safeguards"].items()), s["certain"]) for s in systems)
    except (KeyError, TypeError):
        return _Unshared()


def _reads(rule: CompiledRule, scope: Scope, *, applies: bool = False) -> tuple[str, ...]:
    """The facts of a target's own namespace that decide a rule's result for it: those its
    conditions test (the facts to state of an unknown result each target traces itself:
    `_Unknown`). With `applies`, those that decide whether it applies and the result when it does
    not: the facts its `applies_when` tests."""
    if applies:
        conditions = [rule.applies] if rule.applies is not None else []
    else:
        conditions = [
            c for c in (rule.applies, rule.require, rule.review, rule.lower_severity) if c is not None
        ]
    own = scope.value + "."
    out = sorted({fact for condition in conditions for fact in condition.facts if fact.startswith(own)})
    if any(c.reads_data_systems for c in conditions):
        out.append(_DATA_SYSTEMS)
    return tuple(out)


class _Shared:
    """One rule's results in one assessment, each evaluated once per key (`_Columns`) and shared
    by the targets with that key: everything of a result but its target and the provenance of its
    facts, which each target has its own, and for an unknown result the facts to state, which each
    target traces back in its own context (`_Unknown`)."""

    def __init__(
        self,
        rule: CompiledRule,
        as_of: date,
        national: str | None,
        explanations: _Explanations,
        provenances: Provenances,
    ) -> None:
        self.rule = rule
        self.as_of = as_of
        self.national = national
        self.explanations = explanations
        self.provenances = provenances
        self._by_key: dict[tuple[Any, ...], Finding | _Unknown] = {}
        self._not_applying: dict[tuple[Any, ...], Finding] = {}

    def finding(
        self, key: tuple[Any, ...], applies_key: tuple[Any, ...], ctx: dict[str, Any], target: Target | None
    ) -> Finding:
        """The result for one target, evaluated on `ctx` unless a target with the same key was, or
        one with the same applicability key (`_Columns`) gave a result that does not apply. A
        result that does not apply is the rule's shared one, without the target (`_Run`)."""
        model = self._not_applying.get(applies_key) if SHARE_RESULTS else None
        if model is None:
            shared = self._by_key.get(key) if SHARE_RESULTS else None
            if shared is None:
                shared = self._evaluate(ctx)
                if not any(part.__class__ is _Unshared for part in key):
                    self._by_key[key] = shared
                if (
                    isinstance(shared, Finding)
                    and shared.status is Outcome.NOT_APPLICABLE
                    and not any(part.__class__ is _Unshared for part in applies_key)
                ):
                    self._not_applying[applies_key] = shared
            model = self._traced(shared, ctx) if isinstance(shared, _Unknown) else shared
        if model.status is Outcome.NOT_APPLICABLE:
            return model  # the target is its place in the rule's results (`_Run`)
        if id(model.status) not in _PROVENANCED_IDS:  # pending, unknown: no provenance
            return _with_target(model, target, model.provenance, model.declared_only)
        provenance = self.provenances.of_result(model.facts, target)
        return _with_target(
            model, target, provenance, model.status is Outcome.PASS and declared_only(provenance)
        )

    def _evaluate(self, ctx: dict[str, Any]) -> Finding | _Unknown:
        rule = self.rule
        result = evaluate_rule(rule, ctx, self.as_of, accepted=False)
        if result.outcome is Outcome.NOT_APPLICABLE:
            # Most results: only what the scores, counts and controls read, and the reason.
            r = rule.rule
            used = _facts_used(result)
            return new_finding(
                r.id,
                r.title,
                rule.framework,
                r.citation,
                rule.pack,
                Outcome.NOT_APPLICABLE,
                r.severity,
                weight_of(r.severity, r.weight),
                r.scope,
                None,
                self.explanations(Outcome.NOT_APPLICABLE, used, [], result.would_be),
                r.remediation,
                used,
            )
        if result.outcome is Outcome.UNKNOWN:
            return _Unknown(result, _facts_used(result))
        return _finding(
            rule, result, None, None, self.as_of, ctx, self.national, explanations=self.explanations
        )

    def _traced(self, unknown: _Unknown, ctx: dict[str, Any]) -> Finding:
        """An unknown result with the facts to state that `ctx` traces its missing facts back to:
        made once for each such combination. What they trace to depends only on which of the facts
        `facts.state_reads` names are missing in `ctx` (`_Unknown.reads`), so targets alike in
        that share the tracing too; most missing facts are stated ones, which trace to themselves
        in every context."""
        seen = tuple([lookup(ctx, path) is None for path in unknown.reads])
        model = unknown.by_missing.get(seen)
        if model is not None:
            return model
        to_state, applies_unknown = _traced_back(unknown.missing, unknown.missing_applies, ctx)
        traced = (tuple(to_state), tuple(applies_unknown))
        model = unknown.models.get(traced)
        if model is None:
            model = unknown.models[traced] = _finding(
                self.rule,
                unknown.result,
                None,
                None,
                self.as_of,
                ctx,
                self.national,
                explanations=self.explanations,
                unknown=(to_state, applies_unknown),
            )
        unknown.by_missing[seen] = model
        return model


class _Unknown:
    """An unknown result shared by the targets with one key. Which stated facts would decide it
    depends on more than the facts the rule tests: a derived fact that is missing is traced back
    to those of its inputs that the target does not state (`facts.facts_to_state`). Targets that
    leave out the same of the facts that tracing can read (`reads`) share one tracing
    (`by_missing`), and the findings are kept by what they trace to (`models`)."""

    __slots__ = ("by_missing", "missing", "missing_applies", "models", "reads", "result")

    def __init__(self, result: RuleResult, facts: list[FactUsed]) -> None:
        self.result = result
        self.missing, self.missing_applies = _missing(facts, result.applies_open)
        self.models: dict[tuple[tuple[str, ...], tuple[str, ...]], Finding] = {}
        # The facts whose absence decides what the missing derived facts trace to, as paths.
        reads = set().union(*(state_reads(fact) for fact in self.missing if fact in DERIVED_FROM))
        self.reads = [tuple(fact.split(".")) for fact in sorted(reads)]
        self.by_missing: dict[tuple[bool, ...], Finding] = {}


def _with_target(
    model: Finding, target: Target | None, provenance: list[FactProvenance], declared: bool
) -> Finding:
    """A shared result given to one target, with the provenance of its facts there."""
    return new_finding(
        model.rule_id,
        model.title,
        model.framework,
        model.citation,
        model.pack,
        model.status,
        model.severity,
        model.weight,
        model.scope,
        target,
        model.explanation,
        model.remediation,
        model.facts,
        model.effective_from,
        model.accepted_risk,
        model.national_citation,
        model.to_state,
        model.applies_unknown,
        model.facts_sha256,
        model.review,
        model.action,
        provenance,
        declared,
        model.would_be,
        model.deciding,
    )


class _Explanations:
    """The English explanations of one rule's results in one assessment, each phrased once.

    Without a review decision or an expired accepted risk, an explanation is a pure function of
    the outcome, the tests the result rests on and the facts to state. The tests are records that
    targets with the same values share (`conditions._Remembered`): the same objects, so their
    identities, with the outcome and the facts to state, tell that an explanation was phrased
    before. A rule's 1,000 flows typically repeat a handful of combinations. Each entry keeps its
    tests alive, so that the identity of a test in a key can never pass to another object; a test
    that is not shared has an identity of its own and simply finds no entry.
    """

    def __init__(self, rule: CompiledRule) -> None:
        self.effective_from = rule.rule.effective_from
        self.effective_until = rule.rule.effective_until
        self._phrased: dict[tuple[Any, ...], tuple[str, list[FactUsed]]] = {}

    def __call__(
        self, outcome: Outcome, facts: list[FactUsed], to_state: list[str], would_be: Outcome | None
    ) -> str:
        """The explanation of a result without a review decision or an expired risk."""
        key = (outcome, would_be, tuple(map(id, facts)), tuple(to_state))
        known = self._phrased.get(key)
        if known is not None:
            return known[0]
        text = explain(
            outcome,
            facts,
            to_state=to_state,
            effective_from=self.effective_from,
            would_be=would_be,
            effective_until=self.effective_until,
        )
        self._phrased[key] = (text, facts)
        return text


def _any_met(items: Sequence[Any]) -> bool | None:
    return any_true(c.met for c in items) if items else False


def _finding(
    rule: CompiledRule,
    result: RuleResult,
    target: Target | None,
    risk: DecidedRisk | None,
    as_of: date,
    ctx: dict[str, Any],
    national_citation: str | None = None,
    *,
    review: ReviewInfo | None = None,
    action: ActionInfo | None = None,
    provenances: Provenances | None = None,
    explanations: _Explanations | None = None,
    unknown: tuple[list[str], list[str]] | None = None,
) -> Finding:
    """The finding of an evaluated rule; `unknown`, for an unknown result, gives the facts to state
    and those of them that decide whether it applies (`_unknown_facts`) when already traced."""
    r = rule.rule
    risk_info = None
    if risk is not None and result.outcome in (Outcome.FAIL, Outcome.ACCEPTED):
        risk_info = AcceptedRiskInfo(
            reason=risk.reason,
            approved_by=who(risk.approved_by),
            expires=risk.expires,
            expired=risk.expires < as_of,
        )
    facts = _facts_used(result)
    severity = _severity(rule, result.outcome, ctx)
    # Provenance and the digest of the facts (which binds a review decision) for the results that
    # count: not for not-applicable, pending or unknown ones.
    counted = result.outcome in _PROVENANCED
    provenance = provenances.of_result(facts, target) if provenances is not None and counted else []
    # The facts to state, for unknown results only.
    to_state: list[str] = []
    applies_unknown: list[str] = []
    if result.outcome is Outcome.UNKNOWN:
        to_state, applies_unknown = (
            unknown if unknown is not None else _unknown_facts(facts, ctx, result.applies_open)
        )
    risk_expired_on = risk_info.expires if risk_info is not None and risk_info.expired else None
    if explanations is not None and review is None and risk_expired_on is None:
        explanation = explanations(result.outcome, facts, to_state, result.would_be)
    else:
        explanation = explain(
            result.outcome,
            facts,
            to_state=to_state,
            effective_from=r.effective_from,
            would_be=result.would_be,
            effective_until=r.effective_until,
            risk_expired_on=risk_expired_on,
            review=review,
        )
    return new_finding(
        rule_id=r.id,
        title=r.title,
        framework=rule.framework,
        citation=r.citation,
        pack=rule.pack,
        status=result.outcome,
        severity=severity,
        weight=weight_of(severity, r.weight),
        scope=r.scope,
        target=target,
        explanation=explanation,
        remediation=r.remediation,
        facts=facts,
        effective_from=r.effective_from,
        accepted_risk=risk_info,
        national_citation=national_citation,
        to_state=to_state,
        applies_unknown=applies_unknown,
        facts_sha256=facts_digest(facts) if counted else "",
        review=review,
        action=action,
        provenance=provenance,
        declared_only=result.outcome is Outcome.PASS and declared_only(provenance),
        would_be=result.would_be,
        deciding=deciding(result.outcome, facts),
    )


def finding_of(
    rule: CompiledRule, result: RuleResult, target: Target | None, as_of: date, ctx: dict[str, Any]
) -> Finding:
    """The finding of one evaluated rule for one target, without decisions or provenance."""
    return _finding(rule, result, target, None, as_of, ctx)


def deciding(outcome: Outcome, facts: list[FactUsed]) -> list[str]:
    """The facts that decided a result, each once: for a failure the requirement's tests that
    failed; for unknown the facts not given; for a pass the requirement's tests that held; for a
    result that needs review the review conditions that held."""
    if outcome in (Outcome.FAIL, Outcome.ACCEPTED):
        chosen = [t.fact for t in facts if t.part == "require" and counts_for(t, False)]
    elif outcome is Outcome.UNKNOWN:
        chosen = [t.fact for t in facts if t.result is None]
    elif outcome is Outcome.PASS:
        chosen = [t.fact for t in facts if t.part == "require" and counts_for(t, True)]
    elif outcome is Outcome.NEEDS_REVIEW:
        chosen = [t.fact for t in facts if t.part == "review_when" and counts_for(t, True)]
    else:
        chosen = []
    return list(dict.fromkeys(chosen))


def _severity(rule: CompiledRule, outcome: Outcome, ctx: dict[str, Any]) -> Severity:
    """The rule's severity for this target: its reduced severity only where the condition for it
    holds; an unknown condition keeps the full severity."""
    reduced = rule.rule.severity_reduced
    if reduced is None or rule.lower_severity is None or outcome is Outcome.NOT_APPLICABLE:
        return rule.rule.severity
    return reduced.severity if rule.lower_severity(ctx, []) is True else rule.rule.severity


_PROVENANCED = frozenset({Outcome.PASS, Outcome.FAIL, Outcome.NEEDS_REVIEW, Outcome.ACCEPTED})
# The same by identity, for the test made for every rule and target (hashing an enum member runs
# Python code: `scoring` looks outcomes up the same way).
_PROVENANCED_IDS = frozenset(map(id, _PROVENANCED))


def _groups(runs: Sequence[_Run], key: Callable[[CompiledRule], str]) -> dict[str, ScoreGroup]:
    """The results grouped by a field of their rules (each result has its rule's framework and
    citation), each group in the order of the results."""
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for run in runs:
        if run.results:
            grouped[key(run.rule)].extend(run.results)
    out = {}
    for k, v in sorted(grouped.items()):
        value, status, tally = summary(v)
        out[k] = ScoreGroup(score=value, status=status, counts=tally)
    return out


def _provisions(runs: Sequence[_Run]) -> dict[str, ProvisionResult]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for run in runs:
        if run.results:
            grouped[run.rule.rule.citation].extend(run.results)
    out = {}
    for citation, group in sorted(grouped.items(), key=lambda kv: _citation_key(kv[0])):
        value, status, tally = summary(group)
        out[citation] = ProvisionResult(
            framework=group[0].framework,
            article_title=_article_title(citation),
            score=value,
            status=status,
            outcome=worst(group),
            counts=tally,
            rules=sorted(set(map(_rule_id, group))),
        )
    return out


def _article_title(citation: str) -> dict[str, str] | None:
    article = cited_article(citation)
    if article is None:
        return None
    return {lang.value: article.title(lang) for lang in Language}


def _citation_key(citation: str) -> tuple[Any, ...]:
    """Sort 'GDPR Art. 5(1)(e)' before 'GDPR Art. 28(3)(a)'."""
    parts = re.split(r"(\d+)", citation)
    return tuple(int(p) if p.isdigit() else p for p in parts)


_rule_id = attrgetter("rule_id")
# The outcomes a flow lists as not passed, by identity (as `scoring` looks outcomes up: hashing an
# enum member runs Python code, and comparing one with a tuple of them costs more still).
_NOT_PASSED = frozenset(map(id, (Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW, Outcome.ACCEPTED)))


def _framework(rule: CompiledRule) -> str:
    return rule.framework


def _flows(runs: Sequence[_Run], facts: SolutionFacts) -> list[FlowResult]:
    out = []
    for flow, group in zip(facts.flows, _per_flow(runs, facts.flows), strict=True):
        value, status, tally = summary(group)
        out.append(
            FlowResult(
                id=flow["id"],
                name=flow["name"],
                score=value,
                status=status,
                counts=tally,
                findings=[f.rule_id for f in group if id(f.status) in _NOT_PASSED],
            )
        )
    return out


def _per_flow(runs: Sequence[_Run], flows: list[dict[str, Any]]) -> list[Sequence[Finding]]:
    """The results of each flow, in the order of the rules: the results of each flow-scope rule
    are in the order of the flows, so a flow's results stand in the same place in each of them."""
    columns = [run.results for run in runs if run.rule.rule.scope is Scope.FLOW]
    ids = [flow["id"] for flow in flows]
    if len(set(ids)) == len(ids):
        return list(zip(*columns, strict=True)) if columns else [()] * len(flows)
    # Flows with the same ID (which the solution model refuses) share their results, in order.
    per_id: dict[str, list[Finding]] = defaultdict(list)
    for column in columns:
        for flow_id, f in zip(ids, column, strict=True):
            per_id[flow_id].append(f)
    return [per_id[i] for i in ids]
