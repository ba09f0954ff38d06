"""The assessor's decisions applied to results: review decisions bound to the facts they judged,
accepted risks, and the action plan.

A review decision turns a needs-review result into pass or fail only while the facts the result
rests on are those it judged (`facts_sha256`), and only when a person other than the assessed
supplier made it. A lapsed decision or one by the supplier is shown with the result and leaves it
needing review. A decision on a result that does not need review changes nothing: a person's
judgement never overrides a failure the facts decide, nor fills a missing fact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from compliance.core.messages import N_, Message, say
from compliance.core.models.assessment import ActionInfo, FactUsed, ReviewInfo, Target
from compliance.core.models.decisions import Action, DecidedRisk, Decisions, Person, Review, same_organisation
from compliance.core.models.rules import Outcome
from compliance.core.provenance import canonical


def facts_digest(facts: Sequence[FactUsed]) -> str:
    """The SHA-256 of the facts a result rests on: each fact read and its value, in a canonical
    order (how the rule tested them is left out: the same facts give the same digest)."""
    pairs = sorted({(f.fact, canonical(f.value)) for f in facts})
    return hashlib.sha256(canonical(pairs).encode()).hexdigest()


def who(person: Person) -> str:
    """'Name (Organisation)'."""
    return f"{person.name} ({person.organisation})"


class Reviewer:
    """The decisions of one decisions file for one solution."""

    def __init__(self, decisions: Decisions | None, supplier_names: Sequence[str]) -> None:
        self.decisions = decisions
        self.supplier_names = [n for n in supplier_names if n]
        self.reviews = {(r.rule, r.target): r for r in decisions.reviews} if decisions else {}
        self.actions = {(a.rule, a.target): a for a in decisions.actions} if decisions else {}
        self.risks: list[DecidedRisk] = list(decisions.accepted_risks) if decisions else []
        self.reviewed: set[tuple[str, str | None]] = set()  # decisions applied to a needs-review result

    def by_supplier(self, person: Person) -> bool:
        """Whether the person acts for the assessed supplier."""
        return any(same_organisation(person.organisation, name) for name in self.supplier_names)

    def review_of(self, rule_id: str, target: Target | None) -> Review | None:
        """The review decision recorded for a result."""
        return self.reviews.get((rule_id, target.id if target is not None else None))

    def decide(self, review: Review, facts: Sequence[FactUsed]) -> tuple[Outcome | None, ReviewInfo]:
        """What a recorded decision makes of a needs-review result resting on `facts`."""
        self.reviewed.add((review.rule, review.target))
        lapsed = review.facts_sha256 != facts_digest(facts)
        supplier = self.by_supplier(review.decided_by)
        counts = not lapsed and not supplier
        info = ReviewInfo(
            outcome=Outcome(review.outcome),
            reason=review.reason,
            decided_by=review.decided_by.name,
            organisation=review.decided_by.organisation,
            decided_on=review.decided_on,
            counts=counts,
            lapsed=lapsed,
            by_supplier=supplier,
        )
        return (Outcome(review.outcome) if counts else None), info

    def accepted_risk(self, rule_id: str, target: Target | None) -> DecidedRisk | None:
        """The accepted risk for a result, approved by someone other than the supplier: an
        unexpired one first (the latest expiry), else an expired one."""
        matches = [
            r
            for r in self.risks
            if r.rule == rule_id
            and (r.target is None or (target is not None and r.target == target.id))
            and not self.by_supplier(r.approved_by)
        ]
        matches.sort(key=lambda r: r.expires, reverse=True)
        return matches[0] if matches else None

    def action(self, rule_id: str, target: Target | None) -> ActionInfo | None:
        """The action-plan entry for a result: its own, else the rule's for every target."""
        entry: Action | None = self.actions.get((rule_id, target.id if target is not None else None))
        if entry is None and target is not None:
            entry = self.actions.get((rule_id, None))
        if entry is None:
            return None
        return ActionInfo(
            action=entry.action,
            owner=entry.owner,
            due=entry.due,
            status=entry.status.value,
            response=entry.response,
        )

    def finish(
        self,
        results: dict[tuple[str, str | None], Outcome],
        lapsed_checks: set[str],
        unused_checks: set[str],
        supplier_checks: set[str] | None = None,
    ) -> list[Message]:
        """Notes on the entries that changed nothing: no such result, or a result that does not
        need review; supplier-approved risks; checks whose value the file no longer states."""
        notes: list[Message] = []
        for (rule, target), review in self.reviews.items():
            where = f"{rule} ({target})" if target else rule
            outcome = results.get((rule, target))
            if outcome is None:
                notes.append(
                    say(N_("review of {result}: no such result in this assessment; not used"), result=where)
                )
            elif (rule, target) not in self.reviewed:
                notes.append(
                    say(
                        N_("review of {result}: the result does not need review (it is {outcome}); not used"),
                        result=where,
                        outcome=outcome.value,
                    )
                )
            if self.by_supplier(review.decided_by):
                notes.append(
                    say(
                        N_(
                            "review of {result}: decided by the assessed supplier ({who}); shown, not counted"
                        ),
                        result=where,
                        who=who(review.decided_by),
                    )
                )
        for risk in self.risks if self.decisions else []:
            if self.by_supplier(risk.approved_by):
                where = f"{risk.rule} ({risk.target})" if risk.target else risk.rule
                notes.append(
                    say(
                        N_("accepted risk {result}: approved by the assessed supplier ({who}); not counted"),
                        result=where,
                        who=who(risk.approved_by),
                    )
                )
        for path in sorted(lapsed_checks):
            notes.append(
                say(
                    N_("check of {fact}: the file no longer states the value checked; not counted"), fact=path
                )
            )
        for path in sorted(supplier_checks or ()):
            notes.append(
                say(
                    N_("check of {fact}: recorded by the assessed supplier; not counted as a check"),
                    fact=path,
                )
            )
        for path in sorted(unused_checks):
            notes.append(say(N_("check of {fact}: no result rests on this fact"), fact=path))
        return notes


def risk_expired(risk: DecidedRisk, as_of: date) -> bool:
    """Whether an accepted risk has expired on the assessment date."""
    return risk.expires < as_of
