"""What an assessor records beside a solution: review decisions, accepted risks, the action plan
and the facts the assessor checked.

These are inputs of their own (`SOLUTION.decisions.yaml`, hashed like every input), never facts:
the solution file says what the solution is; this file says what a person decided about the
assessment of it. Every review decision is bound to the SHA-256 of the facts the result rested on
when it was decided, and every check to the value it checked: when the facts change, the decision
or check lapses and the result says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from compliance.core.models.common import Identifier, ShortText, Strict, Text

DECISIONS_SCHEMA_VERSION = 1

Sha256 = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="A SHA-256 in lower-case hex: `facts_sha256` of the result in the assessment JSON."),
]
RuleRef = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", max_length=64),
    Field(description="The rule ID."),
]
FactPath = Annotated[
    str,
    StringConstraints(
        pattern=r"^[a-z_]+(\[[A-Za-z0-9_.:-]+\])?(\.[a-z0-9_]+(\[[A-Za-z0-9_.:-]+\])?)*$", max_length=300
    ),
    Field(
        description="The fact as a path into the solution file, items of a list by their id: "
        "`flows[readings].encryption.at_rest`, `controller.dpo_designated`, `safeguards[mfa].status`."
    ),
]


class Person(Strict):
    """Who decided or checked: a name and the organisation the person acts for."""

    name: ShortText
    organisation: ShortText = Field(
        description="The organisation the person acts for; a decision by the assessed supplier's "
        "organisation is shown as the supplier's and never counts as a review."
    )


class Review(Strict):
    """A person's decision on a result that needs review."""

    rule: RuleRef
    target: Identifier | None = Field(
        None, description="The flow, party or system; left out for the solution."
    )
    outcome: Literal["pass", "fail"] = Field(description="What the reviewer decided: met or not met.")
    reason: Text = Field(description="Why, in words a reader of the report understands.")
    decided_by: Person
    decided_on: date
    facts_sha256: Sha256 = Field(
        description="`facts_sha256` of the result when it was decided: the decision lapses when the facts change."
    )


class DecidedRisk(Strict):
    """A failure the controller knowingly accepts, until it expires."""

    rule: RuleRef
    target: Identifier | None = Field(
        None, description="The flow, party or system; all of them when left out."
    )
    reason: Text
    approved_by: Person
    approved_on: date | None = None
    expires: date


class ActionStatus(StrEnum):
    """Where an action of the plan stands."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Action(Strict):
    """An entry of the action plan for one result."""

    rule: RuleRef
    target: Identifier | None = None
    action: Text = Field(description="What will be done.")
    owner: ShortText = Field(description="Who answers for it (a role or a person).")
    due: date | None = None
    status: ActionStatus = ActionStatus.OPEN
    response: Text | None = Field(None, description="The management response.")


class Check(Strict):
    """A fact the assessor checked against evidence: it counts as an auditor check while the
    solution file still states the value checked."""

    fact: FactPath
    value: Any = Field(description="The value checked, as the solution file states it.")
    checked_by: Person
    checked_on: date
    evidence: ShortText = Field(description="What was seen: a document, a test, a visit.")


class Decisions(Strict):
    """The root of a decisions file."""

    schema_version: Literal[1] = 1
    solution: Identifier = Field(description="The id of the solution these decisions are about.")
    recorded_by: Person = Field(description="Who keeps this file: the assessor.")
    reviews: list[Review] = Field(default_factory=list)
    accepted_risks: list[DecidedRisk] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_per_result(self) -> Decisions:
        problems = []
        keyed: tuple[tuple[str, Sequence[Review | Action]], ...] = (
            ("reviews", self.reviews),
            ("actions", self.actions),
        )
        for name, items in keyed:
            seen: set[tuple[str, str | None]] = set()
            for i, item in enumerate(items):
                key = (item.rule, item.target)
                if key in seen:
                    where = f" for {item.target}" if item.target else ""
                    problems.append(f"{name}[{i}]: a second entry for {item.rule}{where}; keep one")
                seen.add(key)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def same_organisation(a: str, b: str) -> bool:
    """Whether two organisation names name the same organisation (case, spacing and a legal-form
    suffix aside): 'Acme A/S' is 'ACME a/s' is 'acme'. A name that is nothing but a legal form is
    compared as written."""
    na, nb = _normal(a), _normal(b)
    if not na or not nb:
        return " ".join(a.casefold().split()) == " ".join(b.casefold().split())
    return na == nb


_FORMS = re.compile(r"\b(a/s|aps|as|ab|i/s|p/s|publ|gmbh|ltd|llc|inc|oy|bv|sa|plc)\b\.?")


def _normal(name: str) -> str:
    lowered = _FORMS.sub(" ", name.casefold().replace("(publ)", " "))
    return re.sub(r"[\W_]+", "", lowered)
