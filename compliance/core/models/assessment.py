"""The assessment: everything a report needs, as one JSON-serialisable model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from compliance.core.messages import Message
from compliance.core.models.common import Out
from compliance.core.models.rules import Obligation, Outcome, Scope, Severity
from compliance.core.models.scan import ScanRun

SCHEMA_VERSION = "2"  # 2: the tool's sentences are messages (text, id, args)


class Verdict(StrEnum):
    """The overall answer for a pilot or purchase decision."""

    READY = "ready"
    READY_WITH_CONDITIONS = "ready_with_conditions"
    INCOMPLETE = "incomplete"  # cannot conclude yet: answer the questions
    NOT_READY = "not_ready"  # fix these

    @property
    def blocks(self) -> bool:
        """Whether the verdict stops a pilot or a purchase: incomplete and not ready alike."""
        return self in (Verdict.INCOMPLETE, Verdict.NOT_READY)


class ToolInfo(Out):
    """The tool that produced the assessment."""

    name: str
    version: str


class PackInfo(Out):
    """A rule pack used."""

    id: str
    title: str
    version: str
    law_as_of: date
    obligation: Obligation = Field(description="'law' (decides the verdict) or 'baseline' (advises).")
    origin: str = Field(description="'built-in' or the folder it came from.")
    sha256: str


class InputFile(Out):
    """A file read to produce the assessment."""

    path: str
    sha256: str
    role: str


# The per-result types are plain frozen dataclasses: an assessment of 10,000 flows holds hundreds
# of thousands of them, and pydantic models cost ten times more to build. Pydantic still
# validates them when an assessment is read back from JSON.


@dataclass(frozen=True, slots=True)
class FactUsed:
    """A fact a rule read, its value and what the test made of it (the explain trace)."""

    fact: str
    value: Any
    op: str  # the test: an operator of the rule language and its operand
    operand: Any
    result: bool | None
    part: str  # 'applies_when' or 'require'
    negated: bool = False  # the test stands under an odd number of `not`


@dataclass(frozen=True, slots=True)
class Target:
    """The flow, party or system a result is about."""

    kind: Scope
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class AcceptedRiskInfo:
    """The accepted risk that covers a failure."""

    reason: str
    approved_by: str
    expires: date
    expired: bool


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's result for one target."""

    rule_id: str
    title: str
    framework: str
    citation: str
    pack: str
    status: Outcome
    severity: Severity
    weight: float
    scope: Scope
    target: Target | None
    explanation: str
    remediation: str
    facts: list[FactUsed]
    effective_from: date | None = None
    accepted_risk: AcceptedRiskInfo | None = None
    national_citation: str | None = None  # the national act transposing a directive's provision
    to_state: list[str] = field(default_factory=list)  # for unknown: the stated facts that decide it
    applies_unknown: list[str] = field(default_factory=list)  # those of them that decide whether it applies


class RuleInfo(Out):
    """A rule that was evaluated, described once rather than in each of its findings."""

    title: str
    framework: str
    citation: str
    pack: str
    scope: Scope
    severity: Severity
    weight: float
    rationale: str
    remediation: str
    references: list[str]
    effective_from: date | None = None
    effective_until: date | None = None
    controls: list[str] = Field(default_factory=list, description="Catalogue controls it assesses.")
    transposition: dict[str, str] = Field(
        default_factory=dict, description="National provisions transposing the cited one, by jurisdiction."
    )


class Counts(Out):
    """Results per outcome."""

    pass_: int = Field(0, alias="pass", serialization_alias="pass")
    fail: int = 0
    unknown: int = 0
    not_applicable: int = 0
    accepted: int = 0
    pending: int = 0

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def describe(self, not_applicable: str = "n/a") -> str:
        """'3 pass, 1 fail', outcomes with none left out; empty when there are no results."""
        return ", ".join(
            f"{n} {label}"
            for n, label in (
                (self.pass_, "pass"),
                (self.fail, "fail"),
                (self.unknown, "unknown"),
                (self.accepted, "accepted"),
                (self.pending, "pending"),
                (self.not_applicable, not_applicable),
            )
            if n
        )


class ControlStatus(StrEnum):
    """How far a control is met, from its rules or, where they are silent, the crosswalk."""

    MET = "met"
    PARTIAL = "partial"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    ACCEPTED = "accepted"
    PENDING = "pending"
    NOT_APPLICABLE = "not_applicable"


class ControlResult(Out):
    """One control of the catalogue, as this assessment finds it."""

    framework: str
    citation: str
    title: str
    status: ControlStatus
    basis: str = Field(
        description="'rules' when its own rules decided, 'crosswalk' when a mapped control did."
    )
    rules: list[str] = Field(description="The rules that assess it directly.")
    counts: Counts = Field(description="Its own rules' results per outcome.")
    via: list[str] = Field(description="The mapped controls its status was carried from.")
    mappings: list[dict[str, str]] = Field(description="Every crosswalk mapping touching it.")
    explanation: list[Message] = Field(description="Why it has its status, sentence by sentence.")

    @property
    def explanation_text(self) -> str:
        """The explanation in English, as one paragraph."""
        return " ".join(m.text for m in self.explanation)


class FrameworkCoverage(Out):
    """Controls of one framework per status."""

    id: str
    title: str
    kind: str
    controls: int
    counts: dict[str, int]


class ScoreGroup(Out):
    """A score with the counts behind it."""

    score: float
    counts: Counts


class ProvisionResult(Out):
    """The results for one cited provision."""

    framework: str
    article_title: dict[str, str] | None = Field(
        None, description="The official heading of the cited GDPR article, by language (en, da, sv)."
    )
    score: float
    outcome: Outcome
    counts: Counts
    rules: list[str]


class FlowResult(Out):
    """The results for one data flow."""

    id: str
    name: str
    score: float
    counts: Counts
    findings: list[str] = Field(description="Rule IDs that did not pass for this flow.")


class Criterion(Out):
    """One DPIA screening criterion and why it is (not) met."""

    id: str
    title: str
    met: bool | None
    reasons: list[Message]
    flows: list[str]
    unknown_flows: list[str] = Field(default_factory=list, description="The flows it cannot be decided for.")
    to_state: list[str] = Field(default_factory=list, description="The stated facts missing there.")


class DpiaStatusInfo(Out):
    """Whether a DPIA exists and is current."""

    status: str | None
    completed_on: date | None
    exists: bool | None
    current: bool | None
    reasons: list[Message]


class DpiaScreening(Out):
    """The DPIA screening: WP248 criteria, Art. 35(3), national lists, and the answer."""

    required: bool | None
    reasons: list[Message]
    criteria: list[Criterion]
    per_se: list[Criterion]
    national: list[Criterion]
    status: DpiaStatusInfo


class Question(Out):
    """An open fact that decides the verdict or the DPIA answer, and how to ask for it."""

    fact: str = Field(description="The fact, as rules read it.")
    ask: str = Field(description="The question in plain English (from the question bank).")
    help: str | None = None
    why: str | None = None
    choices: dict[str, str] = Field(
        default_factory=dict, description="A label for each answer of a closed set."
    )
    in_bank: bool = Field(description="Whether the question bank has a question for the fact yet.")
    decides: list[str] = Field(description="The open results it decides: rule and target, or DPIA criterion.")
    weight: float = Field(description="The weight of those results: the asking order, heaviest first.")
    applicability: bool = Field(description="It decides whether a critical rule applies at all: asked first.")


class Assessment(Out):
    """The whole assessment of one solution on one date."""

    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
    as_of: date
    solution: dict[str, Any]
    rule_packs: list[PackInfo]
    inputs: list[InputFile]
    verdict: Verdict
    blocking: bool = Field(
        description="Whether the verdict stops a pilot or purchase: incomplete or not ready."
    )
    verdict_reasons: list[Message]
    score: float
    counts: Counts
    frameworks: dict[str, ScoreGroup]
    provisions: dict[str, ProvisionResult]
    flows: list[FlowResult]
    findings: list[Finding]
    rules: dict[str, RuleInfo] = Field(description="Every rule evaluated, by ID.")
    dpia: DpiaScreening
    questions: list[Question] = Field(
        default_factory=list,
        description="The open facts that decide the verdict or the DPIA answer, in asking order.",
    )
    coverage: dict[str, FrameworkCoverage] = Field(
        default_factory=dict, description="Controls per status, for every framework of the catalogue."
    )
    controls: dict[str, ControlResult] = Field(
        default_factory=dict, description="Every catalogue control and its status, by control ID."
    )
    scanners: list[ScanRun] = Field(
        default_factory=list, description="Every scanner run: tool, version, status, counts, findings."
    )
    scoring: dict[str, Any] = Field(description="The formula and weights used.")
    assessor: str | None = Field(
        default=None, description="Who made the assessment, as given to `assess --assessor`."
    )
