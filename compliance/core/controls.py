"""The control catalogue and crosswalk (`rules/controls/`), and coverage per control and framework.

Each file in `rules/controls/` holds one framework and its controls; `crosswalk.yaml` maps
controls to controls of other frameworks as equivalent, subset or related. Rules name the
controls they assess (`controls:` in a pack). A control's status comes from its own rules
first; only where they leave it unknown (or no rule assesses it) does the crosswalk fill in:

- an *equivalent* control that is met or not met carries that status across, both ways;
- a control that is a *subset* of this one, when met, makes this one at most *partial*;
- *related* carries nothing: it is a pointer for the reader.

Only one hop is followed, so a chain of mappings never makes a control met by a long detour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from compliance.core.errors import Problem, RulePackError
from compliance.core.messages import N_, NP_, Message, say, say_n
from compliance.core.models.assessment import ControlResult, ControlStatus, Counts, Finding, FrameworkCoverage
from compliance.core.models.controls import (
    Control,
    ControlFile,
    Crosswalk,
    Framework,
    Relation,
)
from compliance.core.models.controls import (
    Mapping as CwMapping,
)
from compliance.core.models.rules import Outcome, Severity
from compliance.core.resources import rules_root
from compliance.core.scoring import counts
from compliance.core.validation import validate_located
from compliance.core.yamlio import load_text

CROSSWALK_FILE = "crosswalk.yaml"


@dataclass(frozen=True)
class Catalogue:
    """Every framework, control and mapping, indexed."""

    frameworks: tuple[Framework, ...]
    controls: Mapping[str, Control]
    framework_of: Mapping[str, Framework]  # control id -> framework
    mappings: tuple[CwMapping, ...]

    def framework(self, key: str) -> Framework | None:
        """A framework by id or name (case-insensitive), or by a prefix only one of them has."""
        key = key.lower()
        for fw in self.frameworks:
            if key in (fw.id, fw.name.lower()):
                return fw
        found = [fw for fw in self.frameworks if fw.id.startswith(key) or fw.name.lower().startswith(key)]
        return found[0] if len(found) == 1 else None

    def controls_of(self, framework: Framework) -> list[Control]:
        """The controls of one framework, in catalogue order."""
        return [c for c in self.controls.values() if self.framework_of[c.id].id == framework.id]

    def mappings_of(self, control_id: str) -> list[tuple[str, Relation, str]]:
        """(other control, relation, direction) for every mapping touching a control;
        direction is 'to' when the control is the mapping's source, 'from' otherwise."""
        out: list[tuple[str, Relation, str]] = []
        for m in self.mappings:
            if m.source == control_id:
                out.append((m.target, m.relation, "to"))
            elif m.target == control_id:
                out.append((m.source, m.relation, "from"))
        return out

    def check_citation(self, citation: str) -> str | None:
        """A problem with a citation of a catalogued framework, or None when it is known (or
        belongs to no catalogued framework: GDPR citations are checked by the article catalogue)."""
        for fw in self.frameworks:
            if fw.id == "gdpr" or not citation.startswith(fw.citation_prefix):
                continue
            known = {c.citation for c in self.controls_of(fw)} | set(fw.provisions)
            if citation in known:
                return None
            from compliance.core.vocabulary import suggest

            hint = suggest(citation, sorted(known))
            return f"'{citation}' is not a provision of {fw.name} in the control catalogue" + (
                f" (did you mean '{hint}'?)" if hint else ""
            )
        return None


def _read(name: str) -> str:
    return rules_root().joinpath("controls", name).read_text(encoding="utf-8")


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue; a problem in it stops every run, like a rule pack that fails."""
    folder = rules_root().joinpath("controls")
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".yaml") and f.name != CROSSWALK_FILE)
    problems: list[Problem] = []
    frameworks: list[Framework] = []
    controls: dict[str, Control] = {}
    framework_of: dict[str, Framework] = {}
    for name in names:
        file = f"rules/controls/{name}"
        located = load_text(_read(name), file)
        try:
            data: ControlFile = validate_located(ControlFile, located, RulePackError)
        except RulePackError as exc:
            problems += exc.problems
            continue
        if any(fw.id == data.framework.id for fw in frameworks):
            problems.append(
                located.problem(("framework", "id"), f"framework '{data.framework.id}' is defined twice")
            )
        frameworks.append(data.framework)
        for i, control in enumerate(data.controls):
            if control.id in controls:
                problems.append(
                    located.problem(("controls", i, "id"), f"control '{control.id}' is defined twice")
                )
            if not control.citation.startswith(data.framework.citation_prefix):
                problems.append(
                    located.problem(
                        ("controls", i, "citation"),
                        f"a {data.framework.name} citation begins with '{data.framework.citation_prefix}'",
                    )
                )
            controls[control.id] = control
            framework_of[control.id] = data.framework
    mappings: list[CwMapping] = []
    file = f"rules/controls/{CROSSWALK_FILE}"
    located = load_text(_read(CROSSWALK_FILE), file)
    try:
        crosswalk: Crosswalk = validate_located(Crosswalk, located, RulePackError)
        seen: set[frozenset[str]] = set()
        for i, m in enumerate(crosswalk.mappings):
            for end in ("source", "target"):
                ref = getattr(m, end)
                if ref not in controls:
                    from compliance.core.vocabulary import suggest

                    hint = suggest(ref, list(controls))
                    problems.append(
                        located.problem(
                            ("mappings", i, end),
                            f"unknown control '{ref}'" + (f" (did you mean '{hint}'?)" if hint else ""),
                        )
                    )
            pair = frozenset((m.source, m.target))
            if m.source == m.target:
                problems.append(located.problem(("mappings", i), "a control cannot map to itself"))
            elif pair in seen:
                problems.append(
                    located.problem(("mappings", i), f"{m.source} and {m.target} are mapped twice")
                )
            seen.add(pair)
        mappings = list(crosswalk.mappings)
    except RulePackError as exc:
        problems += exc.problems
    if problems:
        raise RulePackError(problems)
    return Catalogue(tuple(frameworks), controls, framework_of, tuple(mappings))


# ---------------------------------------------------------------------------------------------
# Coverage

_CREDITED = (Outcome.PASS, Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW, Outcome.ACCEPTED)


def direct_status(findings: list[Finding]) -> ControlStatus | None:
    """A control's status from its own rules' results; None when no rule assesses it."""
    if not findings:
        return None
    counted = [f.status for f in findings if f.status in _CREDITED]
    if not counted:
        if any(f.status is Outcome.PENDING for f in findings):
            return ControlStatus.PENDING
        return ControlStatus.NOT_APPLICABLE
    passed = counted.count(Outcome.PASS)
    if passed == len(counted):
        return ControlStatus.MET
    if passed:
        return ControlStatus.PARTIAL
    if Outcome.FAIL in counted:
        return ControlStatus.NOT_MET
    if Outcome.UNKNOWN in counted or Outcome.NEEDS_REVIEW in counted:
        return ControlStatus.UNKNOWN  # not shown to be met: a fact, or a person's judgement, is missing
    return ControlStatus.ACCEPTED


def coverage(
    findings: Iterable[Finding],
    rule_controls: Mapping[str, Iterable[str]],
    cat: Catalogue | None = None,
    *,
    evidence_only: Iterable[str] = (),
    scan_hits: Mapping[str, list[tuple[bool, str]]] | None = None,
    undecided: Mapping[str, str] | None = None,
) -> tuple[dict[str, ControlResult], dict[str, FrameworkCoverage]]:
    """Per-control results and per-framework counts, from the findings and the rules' controls.
    Results of `evidence_only` rules (scanner evidence) can only lower a control's status;
    `undecided` names the controls a scan that did not complete bears on (with why): they are at
    most unknown, whatever their rules or the crosswalk say."""
    cat = cat or catalogue()
    scanner_rules = set(evidence_only)
    by_control: dict[str, list[Finding]] = defaultdict(list)
    rules_of: dict[str, set[str]] = defaultdict(set)
    for rule_id, ids in rule_controls.items():
        for cid in ids:
            rules_of[cid].add(rule_id)
    wanted = {rid for rids in rules_of.values() for rid in rids}
    per_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.rule_id in wanted:
            per_rule[f.rule_id].append(f)
    for cid, rids in rules_of.items():
        for rid in sorted(rids):
            by_control[cid].extend(per_rule.get(rid, []))
    direct = {
        cid: direct_status([f for f in by_control.get(cid, []) if f.rule_id not in scanner_rules])
        for cid in cat.controls
    }
    # A framework none of whose rules applies (GDPR without personal data, NIS2 for an entity out
    # of scope) does not apply at all: its controls without rules of their own are not applicable.
    outcomes_of: dict[str, set[Outcome]] = defaultdict(set)
    for rid, fs in per_rule.items():
        for cid in rule_controls.get(rid, ()):
            if cid in cat.framework_of:
                outcomes_of[cat.framework_of[cid].id].update(f.status for f in fs)
    inapplicable = {fw for fw, seen in outcomes_of.items() if seen == {Outcome.NOT_APPLICABLE}}
    for cid, status in direct.items():
        if status is None and cat.framework_of[cid].id in inapplicable:
            direct[cid] = ControlStatus.NOT_APPLICABLE
    notes: dict[str, list[Message]] = defaultdict(list)
    capped: set[str] = set()  # a scan could not decide: never met
    for cid in cat.controls:
        scans = [f for f in by_control.get(cid, []) if f.rule_id in scanner_rules]
        direct[cid], note = _with_scanner_evidence(direct[cid], scans)
        if note is not None:
            notes[cid].append(note)
        if direct[cid] not in (ControlStatus.NOT_APPLICABLE, ControlStatus.PENDING) and any(
            f.status in (Outcome.UNKNOWN, Outcome.NEEDS_REVIEW) for f in scans
        ):
            capped.add(cid)
        hits = (scan_hits or {}).get(cid, [])
        if hits and direct[cid] not in (ControlStatus.NOT_APPLICABLE, ControlStatus.PENDING):
            serious = [what for is_serious, what in hits if is_serious]
            direct[cid] = _found(direct[cid], serious=bool(serious))
            shown = (serious or [what for _, what in hits])[:3]
            if len(hits) > 3:
                notes[cid].append(
                    say(
                        N_("Scanner findings of a CWE it covers: {findings} and {more} more."),
                        findings=shown,
                        more=len(hits) - 3,
                    )
                )
            else:
                notes[cid].append(say(N_("Scanner findings of a CWE it covers: {findings}."), findings=shown))
        why = (undecided or {}).get(cid)
        if why is not None and direct[cid] not in (ControlStatus.NOT_APPLICABLE, ControlStatus.PENDING):
            capped.add(cid)
            if direct[cid] in (None, ControlStatus.MET):
                direct[cid] = ControlStatus.UNKNOWN
            notes[cid].append(
                say(
                    N_(
                        "A code scan did not complete ({runs}): what it would find for a weakness "
                        "this control covers is unknown, so it is not shown to be met."
                    ),
                    runs=why,
                )
            )

    results: dict[str, ControlResult] = {}
    for cid, control in cat.controls.items():
        fw = cat.framework_of[cid]
        own = direct[cid]
        status, via, explanation = _resolve(cid, own, direct, cat, by_control.get(cid, []))
        if cid in capped and status is ControlStatus.MET:
            status, via = ControlStatus.UNKNOWN, []
        results[cid] = ControlResult(
            framework=fw.name,
            citation=control.citation,
            title=control.title,
            status=status,
            basis="rules" if not via else "crosswalk",
            rules=sorted(rules_of.get(cid, ())),
            counts=counts(by_control.get(cid, [])),
            via=via,
            mappings=[
                {"control": other, "relation": rel.value, "direction": direction}
                for other, rel, direction in cat.mappings_of(cid)
            ],
            explanation=[*explanation, *notes.get(cid, [])],
        )
    per_framework: dict[str, FrameworkCoverage] = {}
    for fw in cat.frameworks:
        statuses = [results[c.id].status for c in cat.controls_of(fw)]
        per_framework[fw.name] = FrameworkCoverage(
            id=fw.id,
            title=fw.title,
            kind=fw.kind,
            controls=len(statuses),
            counts={s.value: statuses.count(s) for s in ControlStatus},
        )
    return results, per_framework


_SERIOUS = (Severity.CRITICAL, Severity.HIGH)


def _found(status: ControlStatus | None, *, serious: bool) -> ControlStatus | None:
    """A control on which a scanner found something: a serious finding fails it, a minor one makes
    a met (or otherwise unassessed) control partial and leaves a worse one as it is."""
    if serious:
        return ControlStatus.NOT_MET
    return ControlStatus.PARTIAL if status in (None, ControlStatus.MET) else status


def _with_scanner_evidence(
    status: ControlStatus | None, scans: list[Finding]
) -> tuple[ControlStatus | None, Message | None]:
    """Scanner evidence never makes a control met: a serious failure fails it, a minor one makes a
    met control partial, a scan that could not decide makes a met control unknown. Where the
    control's framework does not apply (or not yet), the scans change nothing."""
    counted = [f for f in scans if f.status not in (Outcome.NOT_APPLICABLE, Outcome.PENDING)]
    if not counted or status in (ControlStatus.NOT_APPLICABLE, ControlStatus.PENDING):
        return status, None
    if any(f.status is Outcome.FAIL and f.severity in _SERIOUS for f in counted):
        return _found(status, serious=True), say(N_("Scanner evidence: a serious finding fails it."))
    if any(f.status is Outcome.FAIL for f in counted):
        lowered = _found(status, serious=False)
        if lowered is not status:
            return lowered, say(N_("Scanner evidence: minor findings make it at most partial."))
        return status, say(N_("Scanner evidence: minor findings."))
    if any(f.status in (Outcome.UNKNOWN, Outcome.NEEDS_REVIEW) for f in counted):
        if status in (None, ControlStatus.MET):
            return (
                ControlStatus.UNKNOWN,
                say(N_("Scanner evidence: a scan could not decide, so it is not shown to be met.")),
            )
        return status, say(N_("Scanner evidence: a scan could not decide."))
    if any(f.status is Outcome.ACCEPTED for f in counted) and status in (None, ControlStatus.MET):
        return ControlStatus.ACCEPTED, say(N_("Scanner evidence: findings covered by an accepted risk."))
    return status, say(N_("Scanner evidence: no findings (which alone never makes it met)."))


def _resolve(
    cid: str,
    own: ControlStatus | None,
    direct: Mapping[str, ControlStatus | None],
    cat: Catalogue,
    findings: list[Finding],
) -> tuple[ControlStatus, list[str], list[Message]]:
    if own is ControlStatus.NOT_APPLICABLE and not findings:
        return (
            own,
            [],
            [say(N_("No rule assesses it, and no rule of its framework applies to this solution."))],
        )
    if own is not None and own is not ControlStatus.UNKNOWN:
        return own, [], [_own_text(own, findings)]
    if own is ControlStatus.UNKNOWN and any(f.status is Outcome.NEEDS_REVIEW for f in findings):
        # A person must judge its own rule's facts: no mapped control decides that for them.
        return (
            own,
            [],
            [say(N_("A result of its rules needs a person's review; the crosswalk does not fill it in."))],
        )
    unknowns = [f for f in findings if f.status is Outcome.UNKNOWN]
    if own is ControlStatus.UNKNOWN and all(_applicability_unknown(f) for f in unknowns):
        # Evidence from elsewhere says nothing about whether this framework applies at all.
        return (
            own,
            [],
            [
                _own_text(own, findings),
                say(N_("Whether it applies is itself unknown, so the crosswalk does not fill it in.")),
            ],
        )
    equivalents = [o for o, rel, _ in cat.mappings_of(cid) if rel is Relation.EQUIVALENT]
    parts = [m.source for m in cat.mappings if m.target == cid and m.relation is Relation.SUBSET]
    not_met = [o for o in equivalents if direct.get(o) is ControlStatus.NOT_MET]
    met = [o for o in equivalents if direct.get(o) is ControlStatus.MET]
    parts_met = [o for o in parts if direct.get(o) is ControlStatus.MET]
    if not_met:
        return (
            ControlStatus.NOT_MET,
            not_met,
            [_named(N_("Not met through the equivalent control {controls}."), not_met, cat)],
        )
    if met:
        return (
            ControlStatus.MET,
            met,
            [_named(N_("Met through the equivalent control {controls}."), met, cat)],
        )
    if parts_met:
        return (
            ControlStatus.PARTIAL,
            parts_met,
            [
                _named(
                    N_("Partly covered: {controls}, which covers part of it, is met; the rest is not shown."),
                    parts_met,
                    cat,
                )
            ],
        )
    if own is ControlStatus.UNKNOWN:
        return own, [], [_own_text(own, findings)]
    if equivalents and all(direct.get(o) is ControlStatus.NOT_APPLICABLE for o in equivalents):
        return (
            ControlStatus.NOT_APPLICABLE,
            [],
            [
                _named(
                    N_("No rule assesses it, and its equivalent control {controls} is not applicable."),
                    equivalents,
                    cat,
                )
            ],
        )
    return (
        ControlStatus.UNKNOWN,
        [],
        [
            say(
                N_(
                    "No rule of the loaded packs assesses it and no equivalent control is met or not met: "
                    "it is not shown to be met."
                )
            )
        ],
    )


def _applicability_unknown(f: Finding) -> bool:
    """An unknown result whose rule may not apply at all (a fact of `applies_when` is missing)."""
    return any(u.part == "applies_when" and u.result is None for u in f.facts)


def _named(template: str, ids: list[str], cat: Catalogue) -> Message:
    """A sentence naming controls as "ID (title)"; in English here, titles translated by a report."""
    message = say(template, {"controls": "controls"}, controls=ids)
    english = ", ".join(f"{i} ({cat.controls[i].title})" for i in ids)
    return message.model_copy(update={"text": template.format(controls=english)})


# The statuses of a control as the first word of a sentence.
STATUS_WORDS = {
    ControlStatus.MET: N_("Met"),
    ControlStatus.PARTIAL: N_("Partial"),
    ControlStatus.NOT_MET: N_("Not met"),
    ControlStatus.UNKNOWN: N_("Unknown"),
    ControlStatus.ACCEPTED: N_("Accepted"),
    ControlStatus.PENDING: N_("Pending"),
    ControlStatus.NOT_APPLICABLE: N_("Not applicable"),
}


def _own_text(status: ControlStatus, findings: list[Finding]) -> Message:
    return say(
        N_("{status} from its rules' results ({tally})."),
        status=say(STATUS_WORDS[status]),
        tally=tally(counts(findings)),
    )


def tally(c: Counts) -> list[Message]:
    """`3 pass, 1 fail, 2 not applicable` as sentences, outcomes with none left out."""
    words = (
        (c.pass_, NP_("{n} pass", "{n} pass")),
        (c.fail, NP_("{n} fail", "{n} fail")),
        (c.unknown, NP_("{n} unknown", "{n} unknown")),
        (c.needs_review, NP_("{n} needs review", "{n} need review")),
        (c.accepted, NP_("{n} accepted", "{n} accepted")),
        (c.pending, NP_("{n} pending", "{n} pending")),
        (c.not_applicable, NP_("{n} not applicable", "{n} not applicable")),
    )
    return [say_n(*forms, n) for n, forms in words if n]
