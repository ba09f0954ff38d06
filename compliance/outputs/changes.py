"""What changed between two assessments of a solution, result by result, and why.

A work-package lead re-assesses a solution after the solution, the law or the assessor's decisions
changed, or simply later, and needs to see which results moved and for what reason. Results are
matched by rule and target. A result that became open (failed, unknown, needing review, or a
failure covered by an accepted risk) is *new*; one that stopped being open is *resolved*; one that
moved between two open or two closed outcomes is *changed*; an open result whose rule or target is
gone is *removed*. Each is given its causes:

- *solution*: the facts it rests on differ (its tests read other values; for a result that does not
  apply on one side, its flow, party or system, or the solution-wide facts, differ);
- *law*: its rule differs (its texts, citation, severity or dates) or its pack's version does;
- *decisions*: its review decision, accepted risk or action-plan entry differs;
- *date*: the assessment date crossed a date its rule starts or stops applying on;
- *tool*: none of these, and another version of the tool made one of the assessments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from compliance.core.messages import N_
from compliance.core.models.assessment import Assessment, Finding, Target
from compliance.core.models.rules import Outcome, Severity
from compliance.core.scoring import SEVERITY_POINTS
from compliance.core.translations import rule_text
from compliance.outputs import i18n

OPEN = frozenset({Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW, Outcome.ACCEPTED})
KINDS = ("new", "resolved", "changed", "removed")
CAUSES = ("solution", "law", "decisions", "date", "tool")
# The parts of a solution document that are its flows, parties and systems, not solution-wide facts.
_COLLECTIONS = {"flows": "flow", "parties": "party", "systems": "system"}
_NOT_FACTS = {"sources", "schema_version"}

KIND_WORDS = {
    "new": N_("New or newly open ({n})"),
    "resolved": N_("Resolved ({n})"),
    "changed": N_("Changed ({n})"),
    "removed": N_("No longer assessed ({n})"),
}
CAUSE_WORDS = {
    "solution": N_("the solution changed"),
    "law": N_("the rule or its pack changed"),
    "decisions": N_("the assessor's decisions changed"),
    "date": N_("the assessment date passed a date the rule depends on"),
    "tool": N_("another version of the tool"),
}
VERDICT_WORDS = {
    "ready": N_("ready for a pilot"),
    "ready_with_conditions": N_("ready with conditions"),
    "incomplete": N_("incomplete"),
    "not_ready": N_("not ready"),
}
OUTCOME_WORDS = {
    Outcome.PASS: N_("met"),
    Outcome.FAIL: N_("not met"),
    Outcome.UNKNOWN: N_("unknown"),
    Outcome.NOT_APPLICABLE: N_("not applicable"),
    Outcome.NEEDS_REVIEW: N_("needs review"),
    Outcome.ACCEPTED: N_("accepted risk"),
    Outcome.PENDING: N_("pending"),
}


@dataclass(frozen=True)
class ResultChange:
    """One result that moved between the two assessments."""

    rule_id: str
    title: str
    remediation: str
    severity: str
    target: Target | None
    before: Outcome | None
    after: Outcome | None
    kind: str
    causes: tuple[str, ...]


@dataclass(frozen=True)
class Side:
    """What an assessment says as a whole."""

    as_of: date
    verdict: str
    score: float
    dpia_required: bool | None
    open: dict[str, int]


@dataclass(frozen=True)
class Changes:
    """The changes between two assessments of one solution."""

    solution: str
    before: Side
    after: Side
    results: list[ResultChange] = field(default_factory=list)
    same_solution: bool = True

    def by_kind(self, kind: str) -> list[ResultChange]:
        """The changes of one kind, most serious first."""
        return [r for r in self.results if r.kind == kind]


def _key(f: Finding) -> tuple[str, str | None]:
    return f.rule_id, f.target.ref if f.target is not None else None


def _side(a: Assessment) -> Side:
    c = a.counts
    return Side(
        as_of=a.as_of,
        verdict=a.verdict.value,
        score=a.score,
        dpia_required=a.dpia.required,
        open={"fail": c.fail, "unknown": c.unknown, "needs_review": c.needs_review, "accepted": c.accepted},
    )


def _entry(solution: dict[str, Any], target: Target | None) -> Any:
    """A target's own entry in a solution document; the solution-wide facts for none."""
    if target is None:
        return {k: v for k, v in solution.items() if k not in _COLLECTIONS and k not in _NOT_FACTS}
    collection = next(name for name, kind in _COLLECTIONS.items() if kind == target.kind.value)
    return next((e for e in solution.get(collection) or [] if e.get("id") == target.id), None)


def _trace(f: Finding) -> set[tuple[str, str]]:
    return {(t.fact, json.dumps(t.value, sort_keys=True, default=str)) for t in f.facts}


def _solution_changed(old: Finding, new: Finding, a: Assessment, b: Assessment) -> bool:
    if old.facts and new.facts:
        return _trace(old) != _trace(new)
    target = new.target or old.target
    own = _entry(a.solution, target) != _entry(b.solution, target)
    return bool(own or _entry(a.solution, None) != _entry(b.solution, None))


def _law_changed(rule_id: str, a: Assessment, b: Assessment) -> bool:
    old, new = a.rules.get(rule_id), b.rules.get(rule_id)
    if old is None or new is None:
        return True
    if old.model_dump() != new.model_dump():
        return True
    versions_a = {p.id: p.version for p in a.rule_packs}
    versions_b = {p.id: p.version for p in b.rule_packs}
    return versions_a.get(old.pack) != versions_b.get(new.pack)


def _decisions_changed(old: Finding, new: Finding) -> bool:
    return (old.review, old.action, old.accepted_risk) != (new.review, new.action, new.accepted_risk)


def _date_crossed(rule_id: str, a: Assessment, b: Assessment) -> bool:
    info = b.rules.get(rule_id) or a.rules.get(rule_id)
    if info is None or a.as_of == b.as_of:
        return False
    low, high = sorted((a.as_of, b.as_of))
    return any(d is not None and low < d <= high for d in (info.effective_from, info.effective_until))


def _causes(old: Finding | None, new: Finding | None, a: Assessment, b: Assessment) -> tuple[str, ...]:
    rule_id = (new or old).rule_id  # type: ignore[union-attr]
    causes = []
    if old is not None and new is not None and _solution_changed(old, new, a, b):
        causes.append("solution")
    elif old is None or new is None:
        target = (new or old).target  # type: ignore[union-attr]
        if target is not None and (_entry(a.solution, target) is None) != (
            _entry(b.solution, target) is None
        ):
            causes.append("solution")  # the flow, party or system was added or removed
    if _law_changed(rule_id, a, b):
        causes.append("law")
    if old is not None and new is not None and _decisions_changed(old, new):
        causes.append("decisions")
    if _date_crossed(rule_id, a, b):
        causes.append("date")
    if not causes and a.tool.version != b.tool.version:
        causes.append("tool")
    return tuple(causes)


def _kind(before: Outcome | None, after: Outcome | None) -> str | None:
    was_open = before in OPEN
    is_open = after in OPEN
    if after is None:
        return "removed" if was_open else None
    if before is None:
        return "new" if is_open else None
    if before is after:
        return None
    if is_open and not was_open:
        return "new"
    if was_open and not is_open:
        return "resolved"
    return "changed"


def open_results(a: Assessment) -> list[Finding]:
    """The results of an assessment that are open, the most serious first: by severity, failures
    before undecided results, then by provision and rule."""
    return sorted(
        (f for f in a.findings if f.status in OPEN),
        key=lambda f: (-SEVERITY_POINTS[f.severity], f.status is not Outcome.FAIL, f.citation, f.rule_id),
    )


def compare(a: Assessment, b: Assessment) -> Changes:
    """The changes from assessment `a` (earlier) to `b` (later)."""
    old = {_key(f): f for f in a.results()}
    new = {_key(f): f for f in b.results()}
    results = []
    for key in [*old, *(k for k in new if k not in old)]:
        before, after = old.get(key), new.get(key)
        kind = _kind(before.status if before else None, after.status if after else None)
        if kind is None:
            continue
        shown = after or before
        assert shown is not None
        results.append(
            ResultChange(
                rule_id=shown.rule_id,
                title=shown.title,
                remediation=shown.remediation,
                severity=shown.severity.value,
                target=shown.target,
                before=before.status if before else None,
                after=after.status if after else None,
                kind=kind,
                causes=_causes(before, after, a, b),
            )
        )
    results.sort(
        key=lambda r: (KINDS.index(r.kind), -SEVERITY_POINTS[Severity(r.severity)], r.rule_id, _key_text(r))
    )
    return Changes(
        solution=str(b.solution.get("id")),
        before=_side(a),
        after=_side(b),
        results=results,
        same_solution=a.solution.get("id") == b.solution.get("id"),
    )


def _key_text(r: ResultChange) -> str:
    return r.target.ref if r.target is not None else ""


def as_json(changes: Changes) -> str:
    """The changes as JSON: the two sides, and every result that moved with its causes."""

    def side(s: Side) -> dict[str, Any]:
        return {
            "as_of": s.as_of.isoformat(),
            "verdict": s.verdict,
            "score": s.score,
            "dpia_required": s.dpia_required,
            "open": s.open,
        }

    data = {
        "solution": changes.solution,
        "same_solution": changes.same_solution,
        "before": side(changes.before),
        "after": side(changes.after),
        "counts": {kind: len(changes.by_kind(kind)) for kind in KINDS},
        "results": [
            {
                "rule_id": r.rule_id,
                "target": None
                if r.target is None
                else {"kind": r.target.kind.value, "id": r.target.id, "name": r.target.name},
                "severity": r.severity,
                "before": r.before.value if r.before else None,
                "after": r.after.value if r.after else None,
                "change": r.kind,
                "causes": list(r.causes),
            }
            for r in changes.results
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def as_text(changes: Changes, lang: str = "en") -> str:
    """The changes in words, in `lang`: the verdict, score, DPIA answer and open results before and
    after, then each result that moved, grouped by kind, with its causes."""
    tr = i18n.translator(lang)
    _ = tr.gettext
    b, a = changes.before, changes.after

    def outcome(o: Outcome | None) -> str:
        return _(OUTCOME_WORDS[o]) if o is not None else _("not assessed")

    def yes_no(v: bool | None) -> str:
        return {True: _("yes"), False: _("no"), None: _("not decided yet")}[v]

    lines = [
        _("What changed in {solution} from {before} to {after}").format(
            solution=changes.solution, before=i18n.date(b.as_of, lang), after=i18n.date(a.as_of, lang)
        ),
    ]
    if not changes.same_solution:
        lines.append(_("Warning: the two assessments are of different solutions."))
    lines += [
        "",
        _("Verdict: {before} -> {after}").format(
            before=_(VERDICT_WORDS.get(b.verdict, b.verdict)),
            after=_(VERDICT_WORDS.get(a.verdict, a.verdict)),
        ),
        _("Score: {before} -> {after}").format(
            before=i18n.number(b.score, lang), after=i18n.number(a.score, lang)
        ),
        _("DPIA required: {before} -> {after}").format(
            before=yes_no(b.dpia_required), after=yes_no(a.dpia_required)
        ),
        _("Open results: {before} -> {after}").format(
            before=sum(b.open.values()), after=sum(a.open.values())
        ),
    ]
    if not changes.results:
        lines += ["", _("No result changed.")]
    for kind in KINDS:
        group = changes.by_kind(kind)
        if not group:
            continue
        lines += ["", _(KIND_WORDS[kind]).format(n=len(group))]
        for r in group:
            title = rule_text(lang, r.rule_id, r.title, r.remediation).title
            where = f" - {r.target.name}" if r.target is not None else ""
            lines.append(f"  [{outcome(r.before)} -> {outcome(r.after)}] {r.rule_id}: {title}{where}")
            if r.causes:
                lines.append(
                    "      "
                    + _("because: {causes}").format(causes="; ".join(_(CAUSE_WORDS[c]) for c in r.causes))
                )
    return "\n".join(lines) + "\n"
