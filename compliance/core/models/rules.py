"""Rule packs as data: a pack, its rules, and each rule's test cases."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from compliance.core.catalogue import check_gdpr_citation
from compliance.core.models.common import ShortText, Strict, Text


class Outcome(StrEnum):
    """The outcome of one rule for one target, defined once for every framework."""

    PASS = "pass"  # noqa: S105 - the requirement is met
    FAIL = "fail"  # the requirement is not met
    UNKNOWN = "unknown"  # a needed fact or piece of evidence is missing; weighs like a failure
    NOT_APPLICABLE = "not_applicable"  # the rule does not apply to this target
    NEEDS_REVIEW = "needs_review"  # the facts are known, a person must judge them; weighs like unknown
    ACCEPTED = "accepted"  # a failure covered by an unexpired accepted risk; never a pass
    PENDING = "pending"  # an obligation that applies only from a later date


class Scope(StrEnum):
    """What a rule is evaluated for: once, or once per data flow, party or system."""

    SOLUTION = "solution"
    FLOW = "flow"
    PARTY = "party"
    SYSTEM = "system"


class Severity(StrEnum):
    """How much a failure matters; `critical` caps the verdict at 'not ready'."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


RuleId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", max_length=64),
    Field(description="Stable rule ID, e.g. GDPR-5-1E-RETENTION."),
]


def _check_citation(value: str) -> str:
    """A GDPR citation must name a provision the article catalogue knows; others pass as written."""
    if value.startswith("GDPR"):
        problem = check_gdpr_citation(value)
        if problem is not None:
            raise ValueError(problem)
    return value


Citation = Annotated[
    str,
    StringConstraints(min_length=3, max_length=200),
    AfterValidator(_check_citation),
    Field(description="The exact provision enforced, e.g. 'GDPR Art. 28(3)(a)'."),
]


class RuleCase(Strict):
    """A test case: facts given for the rule's namespaces, and the outcome they must produce."""

    name: ShortText
    expect: Outcome
    given: dict[str, Any] = Field(
        default_factory=dict,
        description="Facts by namespace: solution, flow, party, system, dpia, safeguards.",
    )
    as_of: date | None = Field(None, description="Assessment date; the pack's law_as_of by default.")
    accepted_risk: bool = Field(False, description="Whether an unexpired accepted risk covers the rule.")
    review: Annotated[str, StringConstraints(pattern=r"^(pass|fail)$")] | None = Field(
        None,
        description="A person's review decision on a needs-review result ('pass' or 'fail'), recorded "
        "by the assessor and bound to the facts as given.",
    )


SettingName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class PackSetting(Strict):
    """A date a pack depends on, with its source, and whether it was verified in the primary text."""

    date: date
    label: ShortText = Field(description="In plain words, what applies from the date (shown in the report).")
    source: Text = Field(description="Where the date comes from (the provision that sets it).")
    verified: bool = Field(description="Whether the date was checked in the primary text as in force now.")
    note: Text | None = Field(None, description="Why it may not hold (a later act that may move it).")


class ReducedSeverity(Strict):
    """The severity of a rule where a condition shows the risk is lower."""

    severity: Severity
    when: dict[str, Any] = Field(description="Condition; the lower severity applies only where it holds.")


# A placeholder of a rule's sentences: {target}, or a fact the rule reads ({party.country}).
PLACEHOLDER = r"\{([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)\}"


class Says(Strict):
    """What a rule's result says to a reader who is not an engineer, for the two outcomes that ask
    for action: each a sentence in plain words, naming the flow, party or system with `{target}`
    and a value the result rests on with the fact's name in braces (`{party.country}`), which the
    report fills in with the value in the reader's language (a country's name, a choice's label, a
    duration in words). No sentence names a field or tells the reader to edit a file."""

    fail: Text = Field(description="Why the requirement is not met, in plain words.")
    unknown: Text = Field(description="What nobody has stated yet that decides the result.")
    fail_when: dict[Annotated[str, StringConstraints(min_length=3, max_length=120)], Text] = Field(
        default_factory=dict,
        description="For a rule that can fail on different facts: the sentence for a failure a fact "
        "decides, by the fact (`safeguards.<name>` for a safeguard); `fail` says the rest.",
    )

    def texts(self) -> list[tuple[str, str]]:
        """Every sentence with what it is for: `fail`, `unknown`, `fail_when <fact>`."""
        return [
            ("fail", self.fail),
            ("unknown", self.unknown),
            *((f"fail_when {fact}", text) for fact, text in self.fail_when.items()),
        ]


class Rule(Strict):
    """One rule: where it applies, what it requires, and why."""

    id: RuleId
    title: ShortText
    framework: ShortText | None = Field(None, description="Defaults to the pack's framework.")
    citation: Citation
    scope: Scope
    applies_when: dict[str, Any] | None = Field(None, description="Condition; always when left out.")
    require: dict[str, Any]
    review_when: dict[str, Any] | None = Field(
        None,
        description="Condition naming the facts that leave the requirement to a person's judgement: "
        "where the requirement is met and this holds, the result is needs_review (unknown where this "
        "is unknown); where it does not hold, the requirement decides.",
    )
    severity: Severity
    severity_reduced: ReducedSeverity | None = Field(
        None,
        description="A lower severity where the risk is lower: used only where its condition holds "
        "(an unknown condition keeps `severity`), for a risk-based provision such as GDPR Art. 32.",
    )
    baseline: bool = Field(
        False,
        description="The rule applies this project's baseline reading of a risk-based provision (for "
        "example multi-factor authentication or encryption at rest for GDPR Art. 32), not its letter; "
        "its title and rationale say so.",
    )
    weight: Annotated[float, Field(gt=0, le=10)] = 1.0
    rationale: Text
    remediation: Text
    says: Says | None = Field(
        None,
        description="The sentences a report shows for a failure and for an unknown result; a rule "
        "without them is explained from its title.",
    )
    references: list[ShortText] = Field(default_factory=list)
    controls: list[
        Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9.]+)+$", max_length=64)]
    ] = Field(
        default_factory=list,
        description="IDs of the catalogue controls (rules/controls/) this rule assesses.",
    )
    transposition: dict[
        Annotated[str, StringConstraints(pattern=r"^(DK|SE)$")],
        Annotated[str, StringConstraints(min_length=3, max_length=200)],
    ] = Field(
        default_factory=dict,
        description="For a directive: the provision of the national act that transposes the cited "
        "provision, by jurisdiction; findings cite it when the solution's jurisdiction matches.",
    )
    evidence_only: bool = Field(
        False,
        description="A rule on scanner evidence: its pass never makes a control met (the scan may have "
        "missed things); its failure fails the control, or makes it partial when the rule is medium "
        "or low; its unknown leaves the control unknown.",
    )
    effective_from: date | None = None
    effective_from_setting: SettingName | None = Field(
        None,
        description="The name of a pack setting whose date is the rule's `effective_from` (a date a "
        "later act may move, kept visible in one place).",
    )
    effective_until: date | None = None
    cases: list[RuleCase] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates_in_order(self) -> Rule:
        if self.effective_from and self.effective_until and self.effective_until < self.effective_from:
            raise ValueError("effective_until is before effective_from")
        return self


class Obligation(StrEnum):
    """Whether a pack's rules are a legal duty or a voluntary baseline."""

    LAW = "law"
    BASELINE = "baseline"


class ChangelogEntry(Strict):
    """The changes of one version of a rule pack."""

    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    released: date = Field(description="When the version was released.")
    changes: list[Text] = Field(min_length=1, description="One line per change, with its source.")


class SectorTransposition(Strict):
    """A national act that governs entities of some sectors instead of the general transposition."""

    jurisdiction: Annotated[str, StringConstraints(pattern=r"^(DK|SE)$")]
    sectors: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(min_length=1)
    act: Annotated[str, StringConstraints(min_length=3, max_length=300)] = Field(
        description="The act cited for those entities, with the provision that excludes them from the general one."
    )


class RulePack(Strict):
    """A versioned set of rules with the date the law was read as of."""

    pack: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    title: ShortText
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    law_as_of: date
    framework: ShortText
    obligation: Obligation = Field(
        Obligation.LAW,
        description="'law' for a legal duty (GDPR, national acts, NIS2, the CRA), whose results decide "
        "the verdict; 'baseline' for a voluntary standard (ETSI EN 303 645, ISO/IEC 27001), whose "
        "results advise unless the solution's contract requires the standard.",
    )
    description: Text | None = None
    jurisdiction: Literal["DK", "SE"] | None = Field(
        None,
        description="For a pack of one country's national law: that country. Its results concern "
        "only solutions under that jurisdiction, and reports of the other country's solutions do not "
        "show it.",
    )
    sector_transpositions: list[SectorTransposition] = Field(
        default_factory=list,
        description="National acts that take the place of the usual transposition for entities of "
        "some sectors: a finding cites the act instead of the rule's `transposition`.",
    )
    changelog: list[ChangelogEntry] = Field(
        default_factory=list, description="What changed in each version of the pack, newest first."
    )
    settings: dict[SettingName, PackSetting] = Field(
        default_factory=dict,
        description="Dates the pack's rules depend on (`effective_from_setting`), with their source; "
        "the report lists every one not verified.",
    )
    rules: list[Rule]

    @model_validator(mode="after")
    def _settings_resolved(self) -> RulePack:
        resolved = []
        for rule in self.rules:
            name = rule.effective_from_setting
            if name is None:
                resolved.append(rule)
                continue
            if name not in self.settings:
                raise ValueError(
                    f"rule {rule.id}: effective_from_setting '{name}' is not a setting of this pack"
                )
            if rule.effective_from is not None:
                raise ValueError(f"rule {rule.id}: give effective_from or effective_from_setting, not both")
            resolved.append(rule.model_copy(update={"effective_from": self.settings[name].date}))
        object.__setattr__(self, "rules", resolved)  # the model is frozen: set once, while validating
        return self

    @model_validator(mode="after")
    def _changelog_current(self) -> RulePack:
        if self.changelog and self.changelog[0].version != self.version:
            raise ValueError(
                f"changelog: the newest entry is for version {self.changelog[0].version}, "
                f"but the pack is version {self.version}"
            )
        return self
