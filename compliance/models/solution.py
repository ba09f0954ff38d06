"""The solution description: the user's input, as strict pydantic models.

Every fact is optional unless the solution cannot be described without it. A fact left out is
*unknown*, never false: rules that need it report `unknown`, which weighs like a failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from compliance.models.common import (
    CategoryKey,
    CountryCode,
    FactModel,
    Identifier,
    PurposeKey,
    RetentionPeriod,
    SafeguardKey,
    ShortText,
    Strict,
    SubjectKey,
    TechnologyKey,
    Text,
)


class LifecycleStage(StrEnum):
    """Where the solution is in its life."""

    IDEA = "idea"
    PILOT = "pilot"
    PROCUREMENT = "procurement"
    PRODUCTION = "production"


class Jurisdiction(StrEnum):
    """Whose national rules apply besides the GDPR."""

    DK = "DK"
    SE = "SE"
    OTHER_EEA = "other-eea"


class DpiaStatus(StrEnum):
    """State of the data protection impact assessment (GDPR Art. 35)."""

    NONE = "none"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class PartyRole(StrEnum):
    """Roles under the GDPR (Art. 4(7)-(9), 26, 28)."""

    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"
    SUB_PROCESSOR = "sub_processor"
    RECIPIENT = "recipient"


class Art28Clause(StrEnum):
    """The points of GDPR Art. 28(3) a processor contract must cover."""

    A = "a"  # documented instructions, including on transfers
    B = "b"  # confidentiality of authorised persons
    C = "c"  # Art. 32 security measures
    D = "d"  # conditions for engaging sub-processors (Art. 28(2) and (4))
    E = "e"  # assistance with data-subject rights
    F = "f"  # assistance with Arts. 32-36
    G = "g"  # deletion or return at the end
    H = "h"  # information and audits


class SubProcessorAuthorisation(StrEnum):
    """How the controller authorised sub-processors (GDPR Art. 28(2))."""

    NONE = "none"
    PRIOR_SPECIFIC = "prior_specific"
    GENERAL_WITH_NOTICE = "general_with_notice"


class TransferMechanism(StrEnum):
    """The Chapter V ground for a transfer to a third country."""

    ADEQUACY = "adequacy"  # Art. 45
    DPF = "dpf"  # Art. 45, EU-U.S. Data Privacy Framework certification of the recipient
    SCC = "scc"  # Art. 46(2)(c), Decision (EU) 2021/914
    BCR = "bcr"  # Art. 46(2)(b) and 47
    DEROGATION = "derogation"  # Art. 49
    NONE = "none"


class Art49Ground(StrEnum):
    """The Art. 49(1) derogation relied on."""

    A = "a"  # explicit consent
    B = "b"  # contract with the data subject
    C = "c"  # contract in the data subject's interest
    D = "d"  # important reasons of public interest
    E = "e"  # legal claims
    F = "f"  # vital interests
    G = "g"  # public register
    COMPELLING_INTERESTS = "compelling_legitimate_interests"  # Art. 49(1), second subparagraph


class SystemKind(StrEnum):
    """What a system is."""

    DEVICE = "device"
    GATEWAY = "gateway"
    NETWORK = "network"
    CLOUD_SERVICE = "cloud_service"
    DATABASE = "database"
    APP = "app"
    WEB_APP = "web_app"
    DASHBOARD = "dashboard"
    AI_MODEL = "ai_model"
    OTHER = "other"


class Art6Basis(StrEnum):
    """Lawful basis, GDPR Art. 6(1) points (a)-(f)."""

    A = "a"  # consent
    B = "b"  # contract
    C = "c"  # legal obligation
    D = "d"  # vital interests
    E = "e"  # public task or official authority
    F = "f"  # legitimate interests
    NONE = "none"  # stated plainly: no basis has been identified


class Art9Condition(StrEnum):
    """Condition for special categories, GDPR Art. 9(2) points (a)-(j)."""

    A = "a"
    B = "b"
    C = "c"
    D = "d"
    E = "e"
    F = "f"
    G = "g"
    H = "h"
    I = "i"  # noqa: E741 - the point is called (i) in the Regulation
    J = "j"
    NONE = "none"  # stated plainly: no condition has been identified


class Art10Basis(StrEnum):
    """Basis for criminal-offence data, GDPR Art. 10."""

    OFFICIAL_AUTHORITY = "official_authority"
    AUTHORISED_BY_LAW = "authorised_by_law"
    NONE = "none"


class Extent(StrEnum):
    """Geographic extent of the processing."""

    SITE = "site"
    DISTRICT = "district"
    MUNICIPAL = "municipal"
    REGIONAL = "regional"
    NATIONAL = "national"
    CROSS_BORDER = "cross_border"


class Duration(StrEnum):
    """How long the processing runs."""

    ONE_OFF = "one_off"
    TEMPORARY = "temporary"
    CONTINUOUS = "continuous"


class Deidentification(StrEnum):
    """Pseudonymisation (Art. 4(5)) or anonymisation applied to the flow."""

    NONE = "none"
    PSEUDONYMISED = "pseudonymised"
    ANONYMISED = "anonymised"


class SafeguardStatus(StrEnum):
    """How far a safeguard is in place."""

    IMPLEMENTED = "implemented"
    PARTIAL = "partial"
    PLANNED = "planned"
    ABSENT = "absent"


def _relative_path(value: str) -> str:
    path = PurePosixPath(value.replace("\\", "/"))
    if path.is_absolute() or (len(value) > 1 and value[1] == ":"):
        raise ValueError(f"'{value}' is an absolute path; evidence paths are relative to the solution file")
    if ".." in path.parts:
        raise ValueError(f"'{value}' leaves the solution's folder ('..' is not allowed)")
    if not value.strip():
        raise ValueError("empty path")
    return value


EvidencePath = Annotated[
    str,
    AfterValidator(_relative_path),
    Field(description="A path relative to the solution file's folder, inside it."),
]


class Controller(FactModel):
    """The controller of the solution and its governance facts."""

    party: Identifier = Field(description="The id of the controlling party in `parties`.")
    public_authority: bool | None = Field(
        None,
        description="Whether the controller is a public authority or body (GDPR Art. 37(1)(a)).",
    )
    dpo_designated: bool | None = Field(None, description="Whether a DPO is designated (Art. 37).")
    dpo_contact: ShortText | None = None


class Dpia(FactModel):
    """The data protection impact assessment (GDPR Art. 35)."""

    status: DpiaStatus | None = None
    completed_on: date | None = None
    last_reviewed_on: date | None = None
    covers_current_processing: bool | None = Field(
        None, description="Whether the DPIA describes the processing as it is now (Art. 35(11))."
    )
    residual_high_risk: bool | None = Field(
        None, description="Whether a high risk remains after the planned measures (Art. 36(1))."
    )
    prior_consultation: bool | None = Field(
        None, description="Whether the supervisory authority was consulted (Art. 36(1))."
    )
    reference: ShortText | None = None

    @model_validator(mode="after")
    def _done_has_date(self) -> Dpia:
        if self.status is DpiaStatus.DONE and self.completed_on is None:
            raise ValueError("a DPIA with status 'done' needs 'completed_on' (its date)")
        return self


class RecordOfProcessing(FactModel):
    """The entry in the controller's record of processing activities (GDPR Art. 30(1))."""

    entry_exists: bool | None = None
    reference: ShortText | None = None


class ProcessorContract(FactModel):
    """The contract or other legal act with a processor (GDPR Art. 28(3) and (9))."""

    in_place: bool | None = Field(None, description="Whether a written contract binds the processor.")
    clauses: list[Art28Clause] | None = Field(
        None, description="Which Art. 28(3) points (a)-(h) the contract covers."
    )
    reference: ShortText | None = None


class Transfer(FactModel):
    """How transfers to this party (a third-country party, or one accessed from one) are covered."""

    mechanism: TransferMechanism | None = None
    transfer_impact_assessment: bool | None = Field(
        None, description="Whether a documented transfer impact assessment supports SCCs or BCRs."
    )
    derogation: Art49Ground | None = Field(None, description="The Art. 49(1) ground, if a derogation.")
    reference: ShortText | None = None


class Party(FactModel):
    """An organisation taking part in the processing."""

    id: Identifier
    name: ShortText
    roles: Annotated[list[PartyRole], Field(min_length=1)]
    country: CountryCode | None = Field(None, description="Where the party is established.")
    parent_country: CountryCode | None = Field(
        None, description="Country of the parent company, for a provider that belongs to a group."
    )
    engaged_by: Identifier | None = Field(
        None, description="For a sub-processor: the id of the processor that engaged it."
    )
    contract: ProcessorContract | None = None
    subprocessor_authorisation: SubProcessorAuthorisation | None = None
    transfer: Transfer | None = None
    remote_access_from: list[CountryCode] | None = Field(
        None,
        description="Countries from which the party's staff reach the data (support, operations).",
    )


class System(FactModel):
    """A device, gateway, network, service, app, dashboard or model."""

    id: Identifier
    name: ShortText
    kind: SystemKind
    operator: Identifier | None = Field(None, description="The id of the party that operates it.")
    locations: list[CountryCode] | None = Field(None, description="Countries where it runs or stores data.")
    description: Text | None = None


class Scale(FactModel):
    """How large the processing is (WP248 criterion 5)."""

    subjects: Annotated[int, Field(ge=0)] | None = Field(None, description="Number of data subjects.")
    extent: Extent | None = None
    duration: Duration | None = None


class Encryption(FactModel):
    """Encryption of the flow (GDPR Art. 32(1)(a))."""

    in_transit: bool | None = None
    at_rest: bool | None = None


class Deidentifying(FactModel):
    """Pseudonymisation or anonymisation applied."""

    applied: Deidentification | None = None
    method: ShortText | None = None


class AutomatedDecision(FactModel):
    """Automated decision-making (GDPR Art. 22)."""

    solely_automated: bool | None = None
    legal_or_similar_effect: bool | None = None


class DataFlow(FactModel):
    """Data moving from one system or party to another, with the facts the law asks about."""

    id: Identifier
    name: ShortText
    source: Identifier = Field(description="Id of the system or party the data comes from.")
    destination: Identifier = Field(description="Id of the system or party the data goes to.")
    data_categories: list[CategoryKey] | None = None
    data_subjects: list[SubjectKey] | None = None
    purposes: list[PurposeKey] | None = None
    lawful_basis: Art6Basis | None = Field(None, description="GDPR Art. 6(1) point.")
    legal_basis_law: ShortText | None = Field(
        None,
        description="The Union or Member State law a basis under Art. 6(1)(c) or (e) rests on.",
    )
    art9_condition: Art9Condition | None = Field(None, description="GDPR Art. 9(2) point.")
    art10_basis: Art10Basis | None = None
    scale: Scale | None = None
    retention: RetentionPeriod | None = None
    retention_justification: ShortText | None = None
    storage_countries: list[CountryCode] | None = None
    access_countries: list[CountryCode] | None = None
    encryption: Encryption | None = None
    deidentification: Deidentifying | None = None
    profiling: bool | None = None
    automated_decision: AutomatedDecision | None = None
    public_area_monitoring: bool | None = Field(
        None, description="Systematic monitoring of a publicly accessible area."
    )
    systematic_monitoring: bool | None = Field(
        None, description="Systematic observation of people (e.g. employees, residents at home)."
    )
    combines_datasets: bool | None = Field(None, description="Matches or combines data sets (WP248 C6).")
    prevents_right_or_service: bool | None = Field(
        None, description="Decides access to a service or the exercise of a right (WP248 C9)."
    )
    technologies: list[TechnologyKey] | None = None


class Safeguard(FactModel):
    """A safeguard or control and how far it is in place."""

    control: SafeguardKey
    status: SafeguardStatus
    notes: Text | None = None


class Evidence(Strict):
    """Files that later checks read: code, dependency manifests, SBOMs, SARIF results."""

    code: list[EvidencePath] = Field(default_factory=list)
    dependencies: list[EvidencePath] = Field(default_factory=list)
    sboms: list[EvidencePath] = Field(default_factory=list)
    sarif: list[EvidencePath] = Field(default_factory=list)


class AcceptedRisk(Strict):
    """A failure the controller has knowingly accepted, until it expires."""

    rule: ShortText = Field(description="The rule ID accepted.")
    target: Identifier | None = Field(
        None, description="The flow, party or system it covers; all of them when left out."
    )
    reason: Text
    approved_by: ShortText
    approved_on: date | None = None
    expires: date


class Solution(FactModel):
    """A data-driven solution under review: the root of a solution file."""

    id: Identifier
    name: ShortText
    description: Text | None = None
    lifecycle_stage: LifecycleStage | None = None
    jurisdiction: Jurisdiction
    controller: Controller
    supplier: Identifier | None = Field(None, description="The id of the supplier party, if any.")
    dpia: Dpia | None = None
    record_of_processing: RecordOfProcessing | None = None
    parties: list[Party]
    systems: list[System] = Field(default_factory=list)
    flows: list[DataFlow] = Field(default_factory=list)
    safeguards: list[Safeguard] = Field(default_factory=list)
    evidence: Evidence = Field(default_factory=Evidence)
    accepted_risks: list[AcceptedRisk] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> Solution:
        problems: list[str] = []
        party_ids = _unique(self.parties, "parties", problems)
        system_ids = _unique(self.systems, "systems", problems)
        _unique(self.flows, "flows", problems)
        clash = party_ids & system_ids
        if clash:
            problems.append(f"ids used by both a party and a system: {', '.join(sorted(clash))}")
        nodes = party_ids | system_ids
        if self.controller.party not in party_ids:
            problems.append(_missing("controller.party", self.controller.party, party_ids))
        if self.supplier is not None and self.supplier not in party_ids:
            problems.append(_missing("supplier", self.supplier, party_ids))
        for i, party in enumerate(self.parties):
            if party.engaged_by is not None and party.engaged_by not in party_ids:
                problems.append(_missing(f"parties[{i}].engaged_by", party.engaged_by, party_ids))
        for i, system in enumerate(self.systems):
            if system.operator is not None and system.operator not in party_ids:
                problems.append(_missing(f"systems[{i}].operator", system.operator, party_ids))
        for i, flow in enumerate(self.flows):
            for end in ("source", "destination"):
                ref = getattr(flow, end)
                if ref not in nodes:
                    problems.append(_missing(f"flows[{i}].{end}", ref, nodes))
        seen: set[str] = set()
        for i, control in enumerate(self.safeguards):
            if control.control in seen:
                problems.append(f"safeguards[{i}]: '{control.control}' is declared twice")
            seen.add(control.control)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _unique(items: Sequence[Party | System | DataFlow], name: str, problems: list[str]) -> set[str]:
    ids: set[str] = set()
    for i, item in enumerate(items):
        if item.id in ids:
            problems.append(f"{name}[{i}].id: '{item.id}' is used twice")
        ids.add(item.id)
    return ids


def _missing(where: str, ref: str, known: set[str]) -> str:
    from compliance.vocabulary import suggest

    hint = suggest(ref, known)
    return f"{where}: '{ref}' is not defined" + (f" (did you mean '{hint}'?)" if hint else "")
