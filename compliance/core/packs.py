"""Loaded rule packs: each rule with its conditions compiled."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.core.conditions import Condition
from compliance.core.models.rules import Outcome, Rule, RulePack, Scope


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to evaluate."""

    rule: Rule
    pack: str
    framework: str
    applies: Condition | None
    require: Condition
    file: str
    line: int | None
    review: Condition | None = None
    lower_severity: Condition | None = None  # where the rule's `severity_reduced` applies

    @property
    def id(self) -> str:
        """The rule's stable ID."""
        return self.rule.id

    def possible_outcomes(self) -> set[Outcome]:
        """Every outcome this rule can produce; each needs a test case."""
        out = {Outcome.PASS, Outcome.FAIL, Outcome.UNKNOWN, Outcome.ACCEPTED}
        if self.applies is not None or self.rule.effective_until is not None:
            out.add(Outcome.NOT_APPLICABLE)
        if self.rule.effective_from is not None:
            out.add(Outcome.PENDING)
        if self.review is not None:
            out.add(Outcome.NEEDS_REVIEW)
        return out


@dataclass(frozen=True)
class LoadedPack:
    """A pack and its compiled rules."""

    meta: RulePack
    rules: tuple[CompiledRule, ...]
    origin: str
    file: str
    sha256: str

    def by_scope(self, scope: Scope) -> list[CompiledRule]:
        """The pack's rules of one scope."""
        return [r for r in self.rules if r.rule.scope is scope]
