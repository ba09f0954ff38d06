"""The first pages of the report, for the people who decide (a city council, a DPO, a product
owner): the verdict in a sentence and the open critical and high items before any number, what
must happen before go-live and who must act, and the DPIA answer with the DPIA on file.

Who acts is read from where a result lies, never guessed from a rule's wording: a product
requirement (CRA, the radio equipment rules, ETSI EN 303 645) falls to the manufacturer; a
result about a party to that party (the supplier when it is the one assessed); a result about a
system to the party operating it; a result about a flow or the whole solution to the controller.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from compliance.core.messages import N_
from compliance.core.models.assessment import Assessment, Finding
from compliance.core.models.rules import Outcome, Scope, Severity
from compliance.core.translations import rule_text
from compliance.outputs import i18n
from compliance.outputs.record import roles_text

PRODUCT_PACKS = frozenset({"cra", "red", "etsi-en-303-645"})
SERIOUS = (Severity.CRITICAL, Severity.HIGH)
UNDECIDED = (Outcome.UNKNOWN, Outcome.NEEDS_REVIEW)

# Who acts, in the order the list is read: the controller's own work first, then the supplier's
# and other parties', then the manufacturer's.
CONTROLLER, SUPPLIER, PARTY, MANUFACTURER = range(4)
STATES = {
    "fail": N_("not met"),
    "unknown": N_("facts missing"),
    "needs_review": N_("a person must judge"),
}
DPIA_STATES = {
    "done": N_("done"),
    "in_progress": N_("in progress"),
    "none": N_("no DPIA has been made"),
}


@dataclass
class Item:
    """One requirement still open before go-live, on every target where it is open."""

    severity: str
    title: str
    title_en: bool
    state: str
    targets: list[str]
    actor: str
    order: tuple[Any, ...] = field(repr=False, default=())


@dataclass
class Council:
    critical_failed: int
    high_failed: int
    undecided: int  # critical or high results unknown or awaiting a person's review
    score_shown: bool  # on the first page only when no critical or high result is open
    items: list[Item]
    dpia: list[str]


def build(a: Assessment, lang: str) -> Council:
    """The council's pages of an assessment, in `lang`."""
    _ = i18n.translator(lang).gettext
    serious = [f for f in a.findings if f.severity in SERIOUS]
    failed = [f for f in serious if f.status is Outcome.FAIL]
    undecided = [f for f in serious if f.status in UNDECIDED]
    parties = {p["id"]: p for p in a.solution.get("parties") or []}
    operators = {s["id"]: s.get("operator") for s in a.solution.get("systems") or []}
    controller = parties.get((a.solution.get("controller") or {}).get("party", ""), {})

    def actor(f: Finding) -> tuple[int, str]:
        if f.pack in PRODUCT_PACKS:
            return MANUFACTURER, _("the manufacturer")
        party_id = None
        if f.target is not None and f.target.kind is Scope.PARTY:
            party_id = f.target.id
        elif f.target is not None and f.target.kind is Scope.SYSTEM:
            party_id = operators.get(f.target.id)
        party = parties.get(party_id or "")
        if party is None or party is controller:
            return CONTROLLER, _("the controller: {name}").format(name=controller.get("name", ""))
        if party["id"] == a.solution.get("supplier"):
            return SUPPLIER, _("the supplier: {name}").format(name=party["name"])
        return PARTY, f"{party['name']} ({roles_text(party, _)})"

    groups: dict[tuple[str, str, tuple[int, str]], list[Finding]] = defaultdict(list)
    rank = {Severity.CRITICAL: 0, Severity.HIGH: 1}
    for f in failed + undecided:
        groups[(f.rule_id, f.status.value, actor(f))].append(f)
    items = []
    for (rule_id, state, (who_rank, who)), group in groups.items():
        first = group[0]
        text = rule_text(lang, rule_id, first.title, first.remediation)
        items.append(
            Item(
                severity=first.severity.value,
                title=text.title,
                title_en=text.title_in_english,
                state=_(STATES[state]),
                targets=[f.target.name for f in group if f.target is not None],
                actor=who,
                order=(rank[first.severity], first.status is not Outcome.FAIL, who_rank, rule_id),
            )
        )
    items.sort(key=lambda item: item.order)
    return Council(
        critical_failed=sum(f.severity is Severity.CRITICAL for f in failed),
        high_failed=sum(f.severity is Severity.HIGH for f in failed),
        undecided=len(undecided),
        score_shown=not failed and not undecided,
        items=items,
        dpia=_dpia_lines(a, lang),
    )


def _dpia_lines(a: Assessment, lang: str) -> list[str]:
    """Whether a DPIA is required, and the DPIA on file: its state, date, whether it is current
    and whether the DPO's advice was sought (Art. 35(2))."""
    _ = i18n.translator(lang).gettext
    required = {True: _("yes"), False: _("no"), None: _("not decided yet")}[a.dpia.required]
    lines = [_("DPIA required: {answer}").format(answer=required)]
    dpia = a.solution.get("dpia") or {}
    status = dpia.get("status")
    if status is None:
        lines.append(_("DPIA on file: not stated"))
        return lines
    parts = [_(DPIA_STATES.get(status, status))]
    if dpia.get("completed_on"):
        parts.append(_("completed {date}").format(date=i18n.date(dpia["completed_on"], lang)))
    current = a.dpia.status.current
    if status == "done":
        parts.append(
            {True: _("current"), False: _("no longer current"), None: _("not known to be current")}[current]
        )
    advice = dpia.get("dpo_advice_sought")
    parts.append(
        {
            True: _("the DPO's advice was sought"),
            False: _("the DPO's advice was not sought"),
            None: _("whether the DPO's advice was sought is not stated"),
        }[advice]
    )
    lines.append(_("DPIA on file: {state}").format(state="; ".join(parts)))
    return lines


ACTION_STATES = {"open": N_("open"), "in_progress": N_("in progress"), "done": N_("done")}
OPEN_RESULTS = (Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW)


@dataclass
class PlanRow:
    """One line of the action plan: a requirement open on some targets and the action recorded for
    it (or none yet)."""

    severity: str
    title: str
    title_en: bool
    state: str
    targets: list[str]
    action: str | None
    owner: str | None
    due: str | None
    overdue: bool
    status: str | None
    response: str | None


def action_plan(a: Assessment, lang: str) -> list[PlanRow]:
    """Every open result (not met, facts missing, a person must judge) with the action the
    assessor's decisions record for it, grouped per requirement and action, most serious first and,
    within a severity, the earliest due date first; results without an action come last."""
    _ = i18n.translator(lang).gettext
    rank = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}
    groups: dict[tuple[Any, ...], list[Finding]] = defaultdict(list)
    for f in a.findings:
        if f.status not in OPEN_RESULTS:
            continue
        act = f.action
        key = (
            f.rule_id,
            f.status.value,
            act.action if act else None,
            act.owner if act else None,
            act.due if act else None,
            act.status if act else None,
            act.response if act else None,
        )
        groups[key].append(f)
    rows = []
    for _key, group in sorted(
        groups.items(),
        key=lambda kv: (
            rank[kv[1][0].severity],
            kv[0][2] is None,
            kv[0][4] or date.max,
            kv[1][0].status is not Outcome.FAIL,
            kv[0][0],
        ),
    ):
        first = group[0]
        act = first.action
        text = rule_text(lang, first.rule_id, first.title, first.remediation)
        rows.append(
            PlanRow(
                severity=first.severity.value,
                title=text.title,
                title_en=text.title_in_english,
                state=_(STATES[first.status.value]),
                targets=[f.target.name for f in group if f.target is not None],
                action=act.action if act else None,
                owner=act.owner if act else None,
                due=i18n.date(act.due, lang) if act and act.due else None,
                overdue=bool(act and act.due and act.due < a.as_of and act.status != "done"),
                status=_(ACTION_STATES.get(act.status, act.status)) if act else None,
                response=act.response if act else None,
            )
        )
    return rows
