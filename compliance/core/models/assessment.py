"""The assessment: everything a report needs, as one JSON-serialisable model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, field, fields, make_dataclass
from datetime import date
from enum import StrEnum
from operator import attrgetter
from typing import Annotated, Any, Literal, ParamSpec, TypeVar, cast

from pydantic import ConfigDict, Field, TypeAdapter, model_validator

from compliance.core.messages import Message
from compliance.core.models.common import Out
from compliance.core.models.rules import Obligation, Outcome, Says, Scope, Severity
from compliance.core.models.scan import ScanRun

# 2: the tool's sentences are messages; 3: reviews, decisions, provenance; 4: a result no longer
# repeats its rule's texts (they are in `rules`), and results that do not apply are grouped in
# `not_applicable`, per rule and reason; 5: groups with nothing counted have no score; 6: each result
# names the facts that decided it (`deciding`), and each rule has its sentences (`says`); 7: the
# results of a rule alike but for their target, provenance and `declared_only` are written as one
# entry of `findings`, with those three per result under `targets`.
SCHEMA_VERSION = "7"
# The fields of a result that are its rule's: kept in memory, written once in `rules`.
RULE_FIELDS = ("title", "framework", "citation", "pack", "scope", "remediation", "effective_from")


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


class RunInfo(Out):
    """The run of `compliance assess` that wrote an assessment, so that outputs written side by side
    can be told apart from those of another run (a report and a JSON that do not belong together)."""

    id: str = Field(description="A random identifier of the run, the same in every output it wrote.")
    outputs: list[str] = Field(
        default_factory=list, description="The names of the files the run wrote together (no folders)."
    )


class UnverifiedDate(Out):
    """A date a pack relies on that could not be verified as in force."""

    pack: str
    name: str
    date: date
    label: str = Field(description="What applies from the date, in plain English.")
    source: str
    note: str | None = None


class PackInfo(Out):
    """A rule pack used."""

    id: str
    title: str
    version: str
    law_as_of: date
    obligation: Obligation = Field(description="'law' (decides the verdict) or 'baseline' (advises).")
    origin: str = Field(description="'built-in' or the folder it came from.")
    sha256: str
    jurisdiction: str | None = Field(
        None, description="For a pack of one country's national law: that country (DK or SE)."
    )
    unverified_dates: list[UnverifiedDate] = Field(
        default_factory=list, description="The pack's settings whose dates were not verified."
    )


class InputFile(Out):
    """A file read to produce the assessment."""

    path: str
    sha256: str
    role: str


# The per-result types are plain frozen dataclasses: an assessment of 10,000 flows holds hundreds
# of thousands of them, and pydantic models cost ten times more to build. Pydantic still
# validates them when an assessment is read back from JSON.


@dataclass(frozen=True, slots=True, eq=False)
class FactUsed:
    """A fact a rule read, its value and what the test made of it (the explain trace)."""

    fact: str
    value: Any
    op: str  # the test: an operator of the rule language and its operand
    operand: Any
    result: bool | None
    part: str  # 'applies_when', 'require' or 'review_when'
    negated: bool = False  # the test stands under an odd number of `not`

    def _fields(self) -> tuple[Any, ...]:
        return (self.fact, self.value, self.op, self.operand, self.result, self.part, self.negated)

    def __eq__(self, other: object) -> bool:
        # By value, whatever the subclass: the engine records its own trace records (a subclass
        # with the methods a trace needs), and an assessment read back from JSON holds FactUsed.
        if not isinstance(other, FactUsed):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # a value may be a list: never a set member


@dataclass(frozen=True, slots=True)
class Target:
    """The flow, party or system a result is about."""

    kind: Scope
    id: str
    name: str

    @property
    def ref(self) -> str:
        """`flow readings`: its kind and ID, as labels and keys name it."""
        return f"{self.kind.value} {self.id}"


@dataclass(frozen=True, slots=True)
class AcceptedRiskInfo:
    """The accepted risk that covers a failure."""

    reason: str
    approved_by: str
    expires: date
    expired: bool


class Provenance(StrEnum):
    """Where a fact a result rests on comes from, as far as an auditor can rely on it."""

    DECLARED = "declared"  # stated in the solution file by whoever wrote it (supplier, interview, document)
    DECLARED_CHECKED = "declared_checked"  # the solution file says someone checked it: still a declaration
    ASSESSOR_CHECKED = "assessor_checked"  # the assessor recorded a check of this value (decisions file)
    SCANNER_RUN = "scanner_run"  # a scan this tool ran
    SUPPLIER_SCAN = "supplier_scan"  # scan results the supplier handed in (SARIF, SBOM)
    DERIVED = "derived"  # computed by the tool from the screening or vocabularies, not stated

    @property
    def verified(self) -> bool:
        """Whether the fact rests on more than a declaration."""
        return self in (Provenance.ASSESSOR_CHECKED, Provenance.SCANNER_RUN)


@dataclass(frozen=True, slots=True)
class FactProvenance:
    """Where one fact of a result comes from."""

    fact: str  # as the rules read it: flow.encryption.at_rest
    path: str | None  # where the solution file states it: flows[readings].encryption.at_rest
    kind: Provenance
    by: str | None = None  # who asserted or checked it, as recorded
    on: date | None = None  # when it was stated or checked
    reference: str | None = None  # the document, ticket or evidence named


@dataclass(frozen=True, slots=True)
class ReviewInfo:
    """A person's decision on a result that needed review, as the decisions file records it."""

    outcome: Outcome  # pass or fail: what the person decided
    reason: str
    decided_by: str
    organisation: str
    decided_on: date
    counts: bool  # False: the decision lapsed, or the assessed supplier made it
    lapsed: bool = False  # the facts changed since the decision
    by_supplier: bool = False  # decided by a person of the assessed supplier


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """The action-plan entry for a result."""

    action: str
    owner: str
    due: date | None
    status: str
    response: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's result for one target. The rule's own fields (`RULE_FIELDS`) are not written
    with each result: the assessment's `rules` holds them once, and reading fills them in."""

    rule_id: str
    title: Annotated[str, Field(exclude=True)]
    framework: Annotated[str, Field(exclude=True)]
    citation: Annotated[str, Field(exclude=True)]
    pack: Annotated[str, Field(exclude=True)]
    status: Outcome
    severity: Severity
    weight: float
    scope: Annotated[Scope, Field(exclude=True)]
    target: Target | None
    explanation: str
    remediation: Annotated[str, Field(exclude=True)]
    facts: list[FactUsed]
    effective_from: Annotated[date | None, Field(exclude=True)] = None
    accepted_risk: AcceptedRiskInfo | None = None
    national_citation: str | None = None  # the national act transposing a directive's provision
    to_state: list[str] = field(default_factory=list)  # for unknown: the stated facts that decide it
    applies_unknown: list[str] = field(default_factory=list)  # those of them that decide whether it applies
    facts_sha256: str = ""  # of the facts a decided result rests on (a review decision is bound to it)
    review: ReviewInfo | None = None
    action: ActionInfo | None = None
    provenance: list[FactProvenance] = field(default_factory=list)
    declared_only: bool = False  # a pass resting on declarations only: nothing checked or scanned
    would_be: Outcome | None = None  # for a pending result: its outcome if the obligation applied now
    # The result's reason: the facts that decided it (a failure: the tests that failed; unknown:
    # the facts not given), by name; their values are in `facts` and their sources in `provenance`.
    deciding: list[str] = field(default_factory=list)
    # In a public edition: the numbers of the withheld items this result rests on (its sentence
    # and the values of those facts are withheld).
    withheld: list[int] = field(default_factory=list)


P = ParamSpec("P")
D = TypeVar("D")


def built_unfrozen(cls: Callable[P, D]) -> Callable[P, D]:
    """A constructor of `cls`, a frozen dataclass with slots, ten times faster than `cls` itself.

    A frozen dataclass sets each field in `__init__` through `object.__setattr__`, which costs
    about 0.2 µs a field (5 µs for a `Finding`), where a plain one stores it directly. The engine
    makes a `Finding` for every rule and target, 60,000 for 1,000 flows, so the constructor returns
    an instance of an unfrozen twin of `cls` (the same fields, defaults and slots, so the same
    memory layout), then makes it a `cls`: from then on it is an ordinary frozen instance.
    """
    real = cast(Any, cls)
    spec: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for f in fields(real):
        if f.default is not MISSING:
            spec.append((f.name, Any, field(default=f.default)))
        elif f.default_factory is not MISSING:
            spec.append((f.name, Any, field(default_factory=f.default_factory)))
        else:
            spec.append((f.name, Any))
    twin = make_dataclass(real.__name__, spec, slots=True, eq=False)
    if getattr(twin, "__slots__", None) != real.__slots__ or real.__mro__[1:] != (object,):
        raise AssertionError(f"{real.__name__} cannot be built unfrozen: its layout is not a twin's")

    def build(*args: P.args, **kwargs: P.kwargs) -> D:
        made = twin(*args, **kwargs)
        made.__class__ = real
        return cast(D, made)

    return build


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
    baseline: bool = Field(
        False,
        description="It applies this project's baseline reading of a risk-based provision, not its letter.",
    )
    controls: list[str] = Field(default_factory=list, description="Catalogue controls it assesses.")
    says: Says | None = Field(
        None,
        description="The rule's sentences for a failure and an unknown result, in English, with placeholders.",
    )
    transposition: dict[str, str] = Field(
        default_factory=dict, description="National provisions transposing the cited one, by jurisdiction."
    )


# `Finding(...)`, made faster (`built_unfrozen`): for the engine, which makes one per rule and target.
new_finding = built_unfrozen(Finding)


class NotApplicable(Out):
    """The results of one rule that do not apply, for one reason: written once for all their
    targets instead of once per target (most results of a large solution do not apply)."""

    rule_id: str
    reason: str = Field(description="Why the rule does not apply to these targets.")
    targets: list[Target] = Field(
        default_factory=list,
        description="The flows, parties or systems; none for a rule about the solution as a whole.",
    )


class Counts(Out):
    """Results per outcome."""

    pass_: int = Field(0, alias="pass", serialization_alias="pass")
    fail: int = 0
    unknown: int = 0
    needs_review: int = 0
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
                (self.needs_review, "needs review"),
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


class GroupStatus(StrEnum):
    """Whether a group of results (a framework, a provision, a flow) has a score."""

    ASSESSED = "assessed"
    NOT_ASSESSED = "not_assessed"  # no result counts: nothing applies, or only pending duties


SCORE_DESCRIPTION = "0-100, the share of weighted requirements met; null when no result of the group counts."


class ScoreGroup(Out):
    """A score with the counts behind it."""

    score: float | None = Field(description=SCORE_DESCRIPTION)
    status: GroupStatus = GroupStatus.ASSESSED
    counts: Counts


class ProvisionResult(Out):
    """The results for one cited provision."""

    framework: str
    article_title: dict[str, str] | None = Field(
        None, description="The official heading of the cited GDPR article, by language (en, da, sv)."
    )
    score: float | None = Field(description=SCORE_DESCRIPTION)
    status: GroupStatus = GroupStatus.ASSESSED
    outcome: Outcome
    counts: Counts
    rules: list[str]


class FlowResult(Out):
    """The results for one data flow."""

    id: str
    name: str
    score: float | None = Field(description=SCORE_DESCRIPTION)
    status: GroupStatus = GroupStatus.ASSESSED
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
    target: Target | None = Field(
        None, description="The flow, party or system it asks about; none for the solution."
    )
    ask: str = Field(description="The question in plain English (from the question bank), its subject named.")
    help: str | None = None
    why: str | None = None
    choices: dict[str, str] = Field(
        default_factory=dict, description="A label for each answer of a closed set."
    )
    answered_by: list[str] = Field(
        default_factory=list, description="Who usually answers it: controller, supplier, assessor."
    )
    evidence: str | None = Field(None, description="The documents or observations that show the answer.")
    in_bank: bool = Field(description="Whether the question bank has a question for the fact yet.")
    decides: list[str] = Field(description="The open results it decides: rule and target, or DPIA criterion.")
    weight: float = Field(description="The weight of those results: the asking order, heaviest first.")
    applicability: bool = Field(description="It decides whether a critical rule applies at all: asked first.")


class DocumentControl(Out):
    """The report as a document: its version, whether it is a draft or final, how it is
    classified, for whom it was prepared and who approved it (`assess`/`report` options)."""

    status: Literal["draft", "final"] = Field("draft", description="A draft until it is marked final.")
    version: str = Field("1", description="The document's version, as the assessor numbers it.")
    classification: str | None = Field(None, description="Its classification, e.g. 'Internal'.")
    prepared_for: str | None = Field(None, description="Who it was prepared for.")
    approver: str | None = Field(None, description="Who approved it.")


class Withheld(Out):
    """One item a public edition withholds: what, on which legal ground, and why."""

    number: int = Field(description="Its number: the edition shows the item as '[withheld N]'.")
    field: str = Field(description="The field of the solution file withheld (and everything under it).")
    ground: str = Field(description="The ground's key in the vocabulary, or 'other'.")
    citation: str = Field(description="The provision the ground rests on.")
    verified: bool = Field(description="Whether the provision's wording was checked for the vocabulary.")
    reason: str = Field(description="Why it is withheld, as the authority says.")


class Edition(Out):
    """A public edition: a report from which the fields marked confidential are removed."""

    kind: Literal["public"] = "public"
    withheld: list[Withheld] = Field(default_factory=list)


class DecisionsInfo(Out):
    """The decisions file read, and what of it was used."""

    path: str
    sha256: str
    recorded_by: str
    organisation: str
    document: dict[str, Any] = Field(description="The decisions as read: a recomputation applies them again.")
    notes: list[Message] = Field(
        default_factory=list,
        description="Entries not used, and why (no such result, lapsed, by the supplier).",
    )


class ProvenanceCounts(Out):
    """How far the passes rest on more than the file's declarations."""

    passes: int
    declared_only: int = Field(description="Passes resting on declarations only.")
    declared_only_critical_or_high: list[str] = Field(
        default_factory=list, description="Those of a critical or high rule: rule and target."
    )
    checked_facts: int = Field(0, description="Facts the assessor recorded as checked and still as stated.")


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
    score: float = Field(ge=0, le=100, allow_inf_nan=False)
    counts: Counts
    frameworks: dict[str, ScoreGroup]
    provisions: dict[str, ProvisionResult]
    flows: list[FlowResult]
    findings: list[Finding] = Field(description="Every result of a rule that applies, rule by rule.")
    not_applicable: list[NotApplicable] = Field(
        default_factory=list,
        description="The results of rules that do not apply, grouped per rule and reason.",
    )
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
    decisions: DecisionsInfo | None = Field(
        default=None, description="The assessor's decisions file, when one was given."
    )
    document: DocumentControl | None = Field(
        default=None, description="The report's document control, as given to `assess` or `report`."
    )
    provenance: ProvenanceCounts | None = Field(
        default=None, description="How many passes rest on declarations only."
    )
    edition: Edition | None = Field(
        default=None,
        description="Set in a public edition: what it withholds and on what grounds. Its facts are "
        "then incomplete, and its results cannot be recomputed from them.",
    )
    run: RunInfo | None = Field(
        default=None,
        description="The run that wrote it (none when the engine was called without the command line).",
    )

    @model_validator(mode="before")
    @classmethod
    def _rule_fields(cls, data: Any) -> Any:
        """Read back, each result takes its rule's fields from `rules` (they are written there
        once); a result whose rule is not in `rules` is refused for want of them."""
        if not isinstance(data, dict):
            return data
        rules, findings = data.get("rules"), data.get("findings")
        if not isinstance(rules, dict) or not isinstance(findings, list):
            return data
        filled = []
        for item in expanded_findings(findings, rules, data.get("solution")):
            info = rules.get(item.get("rule_id")) if isinstance(item, dict) else None
            if isinstance(info, dict):
                item = {**{k: info[k] for k in RULE_FIELDS if k in info}, **item}
            filled.append(item)
        return {**data, "findings": filled}

    def json_bytes(self, end: bytes = b"") -> bytes:
        """The assessment as indented JSON in UTF-8, followed by `end`, the results of a rule that
        are alike but for their target written once (`assessment_json_bytes`)."""
        return assessment_json_bytes(self, end)

    def results(self) -> list[Finding]:
        """Every result, those that do not apply included (built from `not_applicable`), in the
        order of the rules."""
        skipped: dict[str, list[Finding]] = {}
        for group in self.not_applicable:
            info = self.rules.get(group.rule_id)
            if info is None:
                continue
            skipped.setdefault(group.rule_id, []).extend(
                _not_applicable(group.rule_id, info, target, group.reason)
                for target in (group.targets if group.targets else [None])
            )
        if not skipped:
            return list(self.findings)
        by_rule: dict[str, list[Finding]] = {}
        for f in self.findings:
            by_rule.setdefault(f.rule_id, []).append(f)
        out: list[Finding] = []
        for rule_id in [*self.rules, *(r for r in by_rule if r not in self.rules)]:
            out.extend(by_rule.get(rule_id, ()))
            out.extend(skipped.get(rule_id, ()))
        return out


def expanded_findings(findings: list[Any], rules: Any, solution: Any) -> list[Any]:
    """The results of an assessment file's `findings` one by one: each group (an entry with
    `targets`: `assessment_json_bytes`) gives one result per item of its `targets`, in the engine's
    order: rule by rule as `rules` lists them, each rule's results in the order in which the
    solution lists their targets. Entries without `targets` (files before version 7) are results
    already. A group that is not as `assessment_json_bytes` writes one is refused (ValueError)."""
    if not any(isinstance(item, dict) and "targets" in item for item in findings):
        return findings
    out: list[Any] = []
    for n, item in enumerate(findings):
        if not isinstance(item, dict) or "targets" not in item:
            out.append(item)
            continue
        listed = item["targets"]
        if not isinstance(listed, list) or not listed:
            raise ValueError(f"findings[{n}].targets: not a list of the group's results")
        if set(OWN_FIELDS) & set(item):
            raise ValueError(f"findings[{n}]: a group holds the own fields of its results under targets")
        for k, entry in enumerate(listed):
            if not isinstance(entry, dict) or not set(entry) <= set(OWN_FIELDS):
                raise ValueError(
                    f"findings[{n}].targets[{k}]: a result of a group holds its "
                    f"{', '.join(OWN_FIELDS)} and nothing else"
                )
        shared = {k: v for k, v in item.items() if k != "targets"}
        out += [{**entry, **shared} for entry in listed]
    rule_order = {rule_id: n for n, rule_id in enumerate(rules)} if isinstance(rules, dict) else {}
    target_order: dict[tuple[Any, Any], int] = {}
    if isinstance(solution, dict):
        for kind, key in (("flow", "flows"), ("party", "parties"), ("system", "systems")):
            items = solution.get(key)
            for n, entry in enumerate(items if isinstance(items, list) else []):
                if isinstance(entry, dict):
                    target_order.setdefault((kind, entry.get("id")), n)
    last = len(rule_order) + len(target_order)

    def place(item: Any) -> tuple[int, int]:
        if not isinstance(item, dict):
            return last, last
        rule_id, target = item.get("rule_id"), item.get("target")
        rule = rule_order.get(rule_id, last) if isinstance(rule_id, str) else last
        if not isinstance(target, dict):
            return rule, -1
        kind, target_id = target.get("kind"), target.get("id")
        if not isinstance(kind, str) or not isinstance(target_id, str):
            return rule, last
        return rule, target_order.get((kind, target_id), last)

    return sorted(out, key=place)


def _not_applicable(rule_id: str, info: RuleInfo, target: Target | None, reason: str) -> Finding:
    return Finding(
        rule_id=rule_id,
        title=info.title,
        framework=info.framework,
        citation=info.citation,
        pack=info.pack,
        status=Outcome.NOT_APPLICABLE,
        severity=info.severity,
        weight=info.weight,
        scope=info.scope,
        target=target,
        explanation=reason,
        remediation=info.remediation,
        facts=[],
        effective_from=info.effective_from,
    )


# ---------------------------------------------------------------------------------------------
# Writing an assessment as JSON


def assessment_json_bytes(a: Assessment, end: bytes = b"") -> bytes:
    """The assessment as indented JSON in UTF-8 (`indent=2`, with the aliases), followed by `end`,
    its results grouped (`_findings`): every field as pydantic writes it.

    The results of a large assessment are most of its bytes, and most of them repeat: the results
    the engine shares among targets (`engine._Shared`) are the same but for their target, the
    provenance of their facts and whether they rest on declarations only. So `findings` holds one
    entry for each group of results of a rule that are alike but for those three, with them listed
    per result under `targets` in the order of the results (1,000 flows: 19,425 results in 2,241
    entries, and the file 64 MB down to 30 MB). Reading the file gives every result back, in the
    engine's order (`expanded_findings`).
    """
    serializer = Assessment.__pydantic_serializer__
    rest = serializer.to_json(a.model_copy(update={"findings": []}), indent=2, by_alias=True)
    if not a.findings:
        return rest + end
    head, marker, tail = rest.partition(_NO_FINDINGS)
    if not marker or _NO_FINDINGS in tail:
        raise AssertionError("pydantic no longer writes an empty `findings` as expected")
    return b"".join([head, b'\n  "findings": ', *_findings(a.findings), b",\n", tail, end])


# Where the results stand in an assessment without any, as pydantic writes it.
_NO_FINDINGS = b'\n  "findings": [],\n'
# A result's own fields: those that differ between the results of a group.
OWN_FIELDS = ("target", "provenance", "declared_only")
# The other fields, whose identities tell results the engine shared. (`withheld` is a new empty
# list in most results: it counts by its value when empty.)
_SHARED_FIELDS = attrgetter(*(f.name for f in fields(Finding) if f.name not in (*OWN_FIELDS, "withheld")))
_FINDINGS = TypeAdapter(list[Finding])
_TARGETS = TypeAdapter(list[Target])
_PROVENANCES = TypeAdapter(list[list[FactProvenance]])


def _indent(levels: int) -> bytes:
    return b"\n" + b"  " * levels


_LEVEL_1, _LEVEL_2, _LEVEL_3, _LEVEL_4, _LEVEL_5 = map(_indent, range(1, 6))
_ENTRY_START = _LEVEL_4 + b"{" + _LEVEL_5 + b'"target": '
_ENTRY_PROVENANCE = b"," + _LEVEL_5 + b'"provenance": '
_ENTRY_DECLARED = {
    flag: b"," + _LEVEL_5 + b'"declared_only": ' + text + _LEVEL_4 + b"},"
    for flag, text in ((True, b"true"), (False, b"false"))
}


def _findings(findings: Sequence[Finding]) -> list[bytes]:
    """The `findings` array, grouped (`assessment_json_bytes`), indented as pydantic indents it.

    Results alike by identity are written once by pydantic; those whose texts are then equal
    (alike by value: the engine did not share them) form one group too, so that the file does not
    depend on how the engine shared its results."""
    distinct: dict[tuple[int, ...], int] = {}
    representatives: list[Finding] = []
    slots = []
    for f in findings:
        if f.declared_only is not True and f.declared_only is not False:
            raise AssertionError(f"declared_only of {f.rule_id} is not a boolean")
        key = (*map(id, _SHARED_FIELDS(f)), id(f.withheld) if f.withheld else 0)
        slot = distinct.get(key)
        if slot is None:
            slot = distinct[key] = len(representatives)
            representatives.append(f)
        slots.append(slot)
    shared = _items(_FINDINGS, representatives, b"{", exclude={"__all__": set(OWN_FIELDS)})
    targets = {id(t): t for f in findings if (t := f.target) is not None}
    owned = [f.provenance for f in findings if f.provenance]
    # The own fields stand five levels in: findings > group > targets > entry > field.
    target_of = {
        key: text.replace(b"\n", _LEVEL_4)
        for key, text in zip(targets, _items(_TARGETS, list(targets.values()), b"{"), strict=True)
    }
    target_of[id(None)] = b"null"
    provenance_of = {
        id(p): text.replace(b"\n", _LEVEL_4)
        for p, text in zip(owned, _items(_PROVENANCES, owned, b"["), strict=True)
    }
    group_of_text: dict[bytes, int] = {}
    group_of_slot = [group_of_text.setdefault(text, len(group_of_text)) for text in shared]
    entries: list[list[bytes]] = [[] for _ in group_of_text]
    for f, slot in zip(findings, slots, strict=True):
        entries[group_of_slot[slot]] += (
            _ENTRY_START,
            target_of[id(f.target)],
            _ENTRY_PROVENANCE,
            provenance_of[id(f.provenance)] if f.provenance else b"[]",
            _ENTRY_DECLARED[f.declared_only],
        )
    closing = _LEVEL_2 + b"}"
    parts = [b"["]
    for text, listed in zip(group_of_text, entries, strict=True):
        group = text.replace(b"\n", _LEVEL_1)
        if not group.endswith(closing):
            raise AssertionError("pydantic no longer writes a result as expected")
        listed[-1] = listed[-1][:-1]  # the last entry's comma
        parts += (_LEVEL_2, group[: -len(closing)], b",", _LEVEL_3, b'"targets": [', *listed)
        parts += (_LEVEL_3, b"]", closing, b",")
    parts[-1] = _LEVEL_1 + b"]"
    return parts


def _items(adapter: TypeAdapter[Any], values: list[Any], opening: bytes, exclude: Any = None) -> list[bytes]:
    """The texts of `values` as pydantic writes them as items of a list (indent 2: each item's
    lines but its first moved in by two spaces), written in one call."""
    if not values:
        return []
    closing = b"}" if opening == b"{" else b"]"
    text = adapter.dump_json(values, indent=2, by_alias=True, exclude=exclude)
    start, stop = b"[\n  " + opening + b"\n", b"\n  " + closing + b"\n]"
    pieces = text[len(start) : -len(stop)].split(b"\n  " + closing + b",\n  " + opening + b"\n")
    if not (text.startswith(start) and text.endswith(stop)) or len(pieces) != len(values):
        # An empty object or list is written on one line: none of the values written here is one.
        raise AssertionError("pydantic no longer writes the items of a list as expected")
    return [opening + b"\n" + piece + b"\n  " + closing for piece in pieces]
