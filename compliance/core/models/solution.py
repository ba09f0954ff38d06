"""The solution description: the user's input, as strict pydantic models.

Every fact is optional unless the solution cannot be described without it. A fact left out is
*unknown*, never false: rules that need it report `unknown`, which weighs like a failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from compliance.core.models.common import (
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
    duration_days,
    unsafe_character,
    value_at,
)

# The version of the solution format that this engine reads and writes. A file says which version
# it was written for in `schema_version`; a file without it is of the first version. Every change
# of the format that would make an older file fail, or read differently, raises this number and
# adds its step to `compliance/inputs/upgrade.py`, which `compliance upgrade` applies.
# 2: `standards` left out is a question; the DPIA's large scale and C4 read anew.
# 3: a flow's laws are structured (act, provision, kind), the Art. 9 law apart from the Art. 6(3) one;
#    accepted risks leave the solution for the assessor's decisions file.
CURRENT_SCHEMA_VERSION = 4
FIRST_SCHEMA_VERSION = 1


def newer_version_message(version: int) -> str:
    """What to say of a file written for a version of the format newer than this engine reads."""
    # CURRENT_SCHEMA_VERSION is read at call time, so that the tests of upgrade steps can raise it.
    return (
        f"written for version {version} of the solution format; this compliance-engine reads up "
        f"to {CURRENT_SCHEMA_VERSION}: upgrade compliance-engine"
    )


def _not_newer(version: int) -> int:
    if version > CURRENT_SCHEMA_VERSION:
        raise ValueError(newer_version_message(version))
    return version


SchemaVersion = Annotated[
    int,
    Field(
        ge=FIRST_SCHEMA_VERSION,
        description="The version of the solution format the file is written for; "
        f"{FIRST_SCHEMA_VERSION} when left out. `compliance upgrade` moves a file to the current version.",
        json_schema_extra={"maximum": CURRENT_SCHEMA_VERSION},
    ),
    AfterValidator(_not_newer),
]


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
    """Roles under the GDPR (Art. 4(7)-(9), 26, 28), and supplier for the supply chain."""

    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"
    SUB_PROCESSOR = "sub_processor"
    RECIPIENT = "recipient"
    SUPPLIER = "supplier"  # supplies ICT products or services (NIS2 Art. 21(2)(d)), not as a processor
    # Whether the party is controller, joint controller or processor has not been settled (Arts. 26,
    # 28; EDPB Guidelines 07/2020): stands alone, or beside `supplier`.
    NOT_SETTLED = "not_settled"


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


class SccDecision(StrEnum):
    """The Commission decision whose standard contractual clauses are used (Art. 46(2)(c))."""

    D2021_914 = "2021/914"  # in force since 27 June 2021
    D2010_87 = "2010/87"  # repealed; contracts on it ceased to give safeguards on 27 December 2022
    D2004_915 = "2004/915"  # repealed, as above
    D2001_497 = "2001/497"  # repealed, as above


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


class Art14Exemption(StrEnum):
    """The Art. 14(5) point relied on for not informing data subjects not asked directly."""

    A = "a"  # the data subject already has the information
    B = "b"  # impossible or disproportionate effort
    C = "c"  # obtaining or disclosure laid down by Union or Member State law
    D = "d"  # professional secrecy
    NONE = "none"


class Art22Exception(StrEnum):
    """The Art. 22(2) exception for a solely automated decision with legal or similar effect."""

    A = "a"  # necessary for a contract with the data subject
    B = "b"  # authorised by Union or Member State law
    C = "c"  # explicit consent
    NONE = "none"


class Art35Content(StrEnum):
    """What a DPIA contains, GDPR Art. 35(7) points (a)-(d)."""

    A = "a"  # systematic description of the processing and its purposes
    B = "b"  # necessity and proportionality
    C = "c"  # risks to the rights and freedoms of data subjects
    D = "d"  # measures to address the risks


class ConsentMechanism(StrEnum):
    """How a consent is given (GDPR Art. 4(11), Art. 7(2) and (4), Recital 32)."""

    AFFIRMATIVE_ACT = "affirmative_act"  # a separate active choice: an unticked box, a button, a signature
    PRE_TICKED_BOX = "pre_ticked_box"  # a box ticked in advance (CJEU C-673/17 Planet49)
    INACTIVITY = "inactivity"  # silence, inactivity or going on using the service (Recital 32)
    BUNDLED_WITH_TERMS = "bundled_with_terms"  # by accepting terms of use or a contract, not apart
    REQUIRED_FOR_SERVICE = "required_for_service"  # an active choice, but no service without it (Art. 7(4))


class FurtherProcessingGround(StrEnum):
    """Why processing for a purpose other than the one of collection is allowed (Art. 6(4))."""

    CONSENT = "consent"
    LAW = "law"  # a Union or Member State law that is a necessary and proportionate measure
    COMPATIBLE = "compatible"  # the new purpose is compatible with the original one
    NONE = "none"


class LawKind(StrEnum):
    """What kind of legal basis a stated law is (GDPR Art. 6(3), Art. 9(2)(b), (g)-(j)).

    The kind decides how far a rule can judge the basis from facts: a specific provision names the
    task or the processing; a general task or competence provision, or an unwritten competence,
    may be too unclear for intrusive processing, which a person must judge (GDPR Recital 41)."""

    SPECIFIC = "specific"  # a statutory provision that sets this task, obligation or processing
    GENERAL = "general"  # a general task or competence provision (e.g. lag (2018:218) 2 kap. 2 §)
    UNWRITTEN = "unwritten"  # an unwritten competence (e.g. the Danish kommunalfuldmagt)
    NONE = "none"  # stated plainly: no law has been identified


class NationalIdGround(StrEnum):
    """The national-law ground for using a national identification number (GDPR Art. 87).

    Denmark, Databeskyttelsesloven § 11: `public_authority` (stk. 1), and for private parties
    `law` (stk. 2, nr. 1), `consent` (nr. 2), `research_statistics` and
    `disclosure_normal_operation` (the two limbs of nr. 3), `special_category_conditions` (nr. 4:
    the conditions of § 7 are met).
    Sweden, Lag (2018:218) 3 kap. 10 §: `consent`, or without consent only when clearly
    justified by `purpose`, `secure_identification` or `other_considerable_reason`.
    """

    PUBLIC_AUTHORITY = "public_authority"
    LAW = "law"
    CONSENT = "consent"
    RESEARCH_STATISTICS = "research_statistics"
    DISCLOSURE_NORMAL_OPERATION = "disclosure_normal_operation"
    SPECIAL_CATEGORY_CONDITIONS = "special_category_conditions"
    PURPOSE = "purpose"
    SECURE_IDENTIFICATION = "secure_identification"
    OTHER_CONSIDERABLE_REASON = "other_considerable_reason"
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


class Nis2Sector(StrEnum):
    """A sector or subsector of NIS2 Annex I (high criticality) or Annex II (other critical)."""

    # Annex I
    ENERGY_ELECTRICITY = "energy_electricity"
    ENERGY_DISTRICT_HEATING_COOLING = "energy_district_heating_cooling"
    ENERGY_OIL = "energy_oil"
    ENERGY_GAS = "energy_gas"
    ENERGY_HYDROGEN = "energy_hydrogen"
    TRANSPORT_AIR = "transport_air"
    TRANSPORT_RAIL = "transport_rail"
    TRANSPORT_WATER = "transport_water"
    TRANSPORT_ROAD = "transport_road"
    BANKING = "banking"
    FINANCIAL_MARKET_INFRASTRUCTURE = "financial_market_infrastructure"
    HEALTH = "health"
    DRINKING_WATER = "drinking_water"
    WASTE_WATER = "waste_water"
    DIGITAL_INFRASTRUCTURE = "digital_infrastructure"
    ICT_SERVICE_MANAGEMENT = "ict_service_management"
    PUBLIC_ADMINISTRATION = "public_administration"
    SPACE = "space"
    # Annex II
    POSTAL_COURIER = "postal_courier"
    WASTE_MANAGEMENT = "waste_management"
    CHEMICALS = "chemicals"
    FOOD = "food"
    MANUFACTURING = "manufacturing"
    DIGITAL_PROVIDERS = "digital_providers"
    RESEARCH = "research"
    # Neither annex
    OTHER = "other"


class EntitySize(StrEnum):
    """Enterprise size under Commission Recommendation 2003/361/EC (NIS2 Art. 2(1))."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class Nis2Status(StrEnum):
    """The entity's status under NIS2 as the national act determines it (Art. 3)."""

    ESSENTIAL = "essential"
    IMPORTANT = "important"
    OUT_OF_SCOPE = "out_of_scope"


class AdministrationLevel(StrEnum):
    """For a public administration entity: its level (NIS2 Art. 2(2)(f) and 2(5)(a))."""

    CENTRAL = "central"
    REGIONAL = "regional"
    LOCAL = "local"


class Standard(StrEnum):
    """A voluntary standard the review assesses the solution against."""

    ISO27001 = "iso27001"
    ETSI_EN_303_645 = "etsi-en-303-645"


class CredentialKind(StrEnum):
    """How a device's or product's initial credentials are set (ETSI EN 303 645 5.1)."""

    UNIQUE_PER_DEVICE = "unique_per_device"
    USER_DEFINED = "user_defined"
    UNIVERSAL_DEFAULT = "universal_default"
    NO_AUTHENTICATION = "no_authentication"


class IncidentNoticeTerms(StrEnum):
    """What a supplier's contract says about telling you of security incidents."""

    HOURS = "hours"  # a deadline in hours: `incident_notification_hours`
    WITHOUT_UNDUE_DELAY = "without_undue_delay"  # standard terms: without undue delay, no hours
    NONE = "none"  # no duty to notify incidents at all


class KeyHolder(StrEnum):
    """Who holds the keys that decrypt the data a provider stores or processes."""

    CONTROLLER = "controller"  # only the controller (or an IT unit of its own): the provider cannot read it
    PROVIDER = "provider"  # the provider or its group holds or can use them (provider-managed keys)
    NOT_ENCRYPTED = "not_encrypted"  # the data is not encrypted at the provider


class CraCategory(StrEnum):
    """A product's category under the Cyber Resilience Act (Art. 7, 8, Annexes III and IV)."""

    DEFAULT = "default"
    IMPORTANT_CLASS_I = "important_class_i"
    IMPORTANT_CLASS_II = "important_class_ii"
    CRITICAL = "critical"


class Interface(StrEnum):
    """An interface a device or system exposes, on the network or physically."""

    HTTPS = "https"
    HTTP = "http"
    SSH = "ssh"
    TELNET = "telnet"
    FTP = "ftp"
    SNMP_V1_V2 = "snmp_v1_v2"
    SNMP_V3 = "snmp_v3"
    MQTT_TLS = "mqtt_tls"
    MQTT = "mqtt"
    COAP_DTLS = "coap_dtls"
    COAP = "coap"
    MODBUS_TCP = "modbus_tcp"
    BACNET = "bacnet"
    OPC_UA = "opc_ua"
    LORAWAN = "lorawan"
    NB_IOT = "nb_iot"
    BLUETOOTH = "bluetooth"
    WIFI = "wifi"
    ZIGBEE = "zigbee"
    USB = "usb"
    DEBUG_SERIAL = "debug_serial"
    JTAG = "jtag"
    OTHER = "other"


def _relative_path(value: str) -> str:
    # A NUL byte cannot be in a file name (the operating system refuses it), and a control
    # character in a name would reach the terminal and the report.
    problem = unsafe_character(value, multi_line=False)
    if problem is not None:
        raise ValueError(f"the path {problem}")
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
    individual_professional: bool | None = Field(
        None,
        description="Whether the controller is an individual physician, other health-care professional "
        "or lawyer processing the personal data of their own patients or clients. GDPR Recital 91 says "
        "such processing is not large scale, so WP248 criteria 4 and 7 (sensitive data of vulnerable "
        "people) alone do not require a DPIA for it. Only for that case; a public authority is not one.",
    )


class Dpia(FactModel):
    """The data protection impact assessment (GDPR Art. 35)."""

    status: DpiaStatus | None = None
    # A day, a year or `unknown`, kept as text: a year is not a date that rules may compare.
    completed_on: (
        Annotated[
            str,
            Field(strict=False, coerce_numbers_to_str=True),  # a year written as a number (2023) too
            AfterValidator(lambda v: Dpia.completion_form(v)),
        ]
        | None
    ) = Field(
        None,
        description="When it was completed: a date (YYYY-MM-DD); a year (2023) when only the year is "
        "known; or `unknown`. Whether it is current is decided from what the year allows (docs/dpia.md).",
        json_schema_extra=lambda schema: schema.update(
            anyOf=[
                {"type": "string", "format": "date"},
                {"type": "integer", "minimum": 1900, "maximum": 2999},
                {"const": "unknown"},
                {"type": "null"},
            ]
        ),
    )
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
    contents: list[Art35Content] | None = Field(
        None, description="Which Art. 35(7) points (a)-(d) the DPIA contains."
    )
    dpo_advice_sought: bool | None = Field(
        None, description="Whether the DPO's advice was sought when carrying it out (Art. 35(2))."
    )
    reference: ShortText | None = None

    @staticmethod
    def completion_form(value: str) -> str:
        """`completed_on` as text: a valid date (YYYY-MM-DD), a year from 1900 to 2999, or `unknown`."""
        if value == "unknown" or (value.isdigit() and len(value) == 4 and 1900 <= int(value) <= 2999):
            return value
        if len(value) == 10 and value[4] == value[7] == "-":
            try:
                date.fromisoformat(value)
            except ValueError as exc:
                raise ValueError(f"'{value}' is not a date: {exc}") from None
            return value
        raise ValueError(f"'{value}' is not a date (YYYY-MM-DD), a year from 1900 to 2999, or 'unknown'")

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
    in_writing: bool | None = Field(
        None, description="Whether it is in writing, including in electronic form (Art. 28(9))."
    )
    same_obligations: bool | None = Field(
        None,
        description="For a sub-processor: whether the processor imposed the same data protection "
        "obligations as in its own contract with the controller (Art. 28(4)).",
    )
    breach_notification_hours: Annotated[int, Field(ge=0, le=8760)] | None = Field(
        None,
        description="The longest time, in hours, the contract allows the processor to notify the "
        "controller of a personal data breach (Art. 33(2)).",
    )
    breach_notice_without_undue_delay: bool | None = Field(
        None,
        description="For a sub-processor: whether its terms oblige it to notify the processor of a "
        "breach without undue delay and allow no longer deadline (the words of Art. 33(2)).",
    )
    reference: ShortText | None = None

    @model_validator(mode="after")
    def _deadline_consistent(self) -> ProcessorContract:
        hours = self.breach_notification_hours
        if self.breach_notice_without_undue_delay and hours is not None and hours > 72:
            raise ValueError(
                f"'breach_notice_without_undue_delay: true' means the terms allow no longer deadline, "
                f"but 'breach_notification_hours' allows {hours} hours; correct one of them"
            )
        return self


class Transfer(FactModel):
    """How transfers at this party are covered: to it (a third-country party, or one whose staff reach
    the data from one), and to another entity reaching the data through it from a third country."""

    mechanism: TransferMechanism | None = None
    transfer_impact_assessment: bool | None = Field(
        None, description="Whether a documented transfer impact assessment supports SCCs or BCRs."
    )
    derogation: Art49Ground | None = Field(None, description="The Art. 49(1) ground, if a derogation.")
    scc_decision: SccDecision | None = Field(
        None, description="The Commission decision of the standard contractual clauses used."
    )
    importer_subject_to_gdpr: bool | None = Field(
        None,
        description="Whether the importer's processing is itself subject to the GDPR under Art. 3(2) "
        "(it offers goods or services to, or monitors, people in the Union): the clauses of Decision "
        "(EU) 2021/914 do not address that case (its recital 7).",
    )
    supplementary_measures: bool | None = Field(
        None,
        description="Whether the supplementary measures the transfer impact assessment calls for "
        "are in place (or it found none needed).",
    )
    dpf_listed: bool | None = Field(
        None,
        description="Whether the U.S. recipient is on the Data Privacy Framework List, with "
        "certification covering the data transferred.",
    )
    bcr_approved: bool | None = Field(
        None, description="Whether the binding corporate rules are approved under Art. 47(1)."
    )
    occasional: bool | None = Field(
        None, description="Whether a transfer on a derogation is occasional rather than repetitive."
    )
    reference: ShortText | None = None


class Management(FactModel):
    """What the entity's management body does about cybersecurity (NIS2 Art. 20)."""

    approves_measures: bool | None = Field(
        None, description="Whether the management body approved the risk-management measures (Art. 20(1))."
    )
    oversees_implementation: bool | None = Field(
        None, description="Whether it oversees their implementation (Art. 20(1))."
    )
    trained: bool | None = Field(
        None, description="Whether its members follow cybersecurity training (Art. 20(2))."
    )
    staff_training_offered: bool | None = Field(
        None, description="Whether similar training is offered to employees regularly (Art. 20(2))."
    )


class Entity(FactModel):
    """The organisation that operates the solution as an entity under NIS2."""

    party: Identifier | None = Field(
        None, description="The id of the party that is the entity; the controller when left out."
    )
    sectors: list[Nis2Sector] | None = Field(
        None, description="Its sectors or subsectors in NIS2 Annex I or II (`other` for neither)."
    )
    size: EntitySize | None = None
    public_administration: AdministrationLevel | None = Field(
        None, description="For a public administration entity: central, regional or local."
    )
    nis2_status: Nis2Status | None = Field(
        None, description="Its status under the national NIS2 act, where it has been determined."
    )
    registered: bool | None = Field(
        None, description="Whether it has registered with the competent authority (NIS2 Art. 3(3), 27)."
    )
    management: Management | None = None
    security_sensitive_activity: bool | None = Field(
        None,
        description="Swedish säkerhetsskyddslag (2018:585) 1 kap. 1 §: whether the solution is part of, "
        "or gives access to, an activity of the entity that is security-sensitive (säkerhetskänslig "
        "verksamhet: of importance for Sweden's security, such as the control of a water supply or "
        "of district heating), as the entity's own analysis finds.",
    )
    security_protection_analysis: bool | None = Field(
        None,
        description="Whether the entity has a documented, current security-protection analysis "
        "(säkerhetsskyddsanalys, säkerhetsskyddslag (2018:585) 2 kap. 1 §) that covers that activity.",
    )


class IncidentResponse(FactModel):
    """The incident response plan and the reporting deadlines it sets."""

    plan: bool | None = Field(None, description="Whether a documented incident response plan exists.")
    early_warning_hours: Annotated[int, Field(ge=0, le=8760)] | None = Field(
        None,
        description="Hours within which the plan sends the early warning of a significant "
        "incident to the CSIRT or authority (NIS2 Art. 23(4)(a): 24).",
    )
    notification_hours: Annotated[int, Field(ge=0, le=8760)] | None = Field(
        None, description="Hours within which it sends the incident notification (Art. 23(4)(b): 72)."
    )
    final_report_days: Annotated[int, Field(ge=0, le=365)] | None = Field(
        None,
        description="Days after the notification within which it sends the final report "
        "(Art. 23(4)(d): one month).",
    )
    personal_data_breach_hours: Annotated[int, Field(ge=0, le=8760)] | None = Field(
        None,
        description="Hours within which it notifies a personal data breach to the supervisory "
        "authority (GDPR Art. 33(1): 72).",
    )
    early_warning: bool | None = Field(
        None,
        description="Whether the plan has the step of sending an early warning to the CSIRT or "
        "authority at all (NIS2 Art. 23(4)(a)); false where it has none.",
    )
    notification: bool | None = Field(
        None,
        description="Whether the plan has the step of sending the incident notification (Art. 23(4)(b)).",
    )
    final_report: bool | None = Field(
        None, description="Whether the plan has the step of sending the final report (Art. 23(4)(d))."
    )
    personal_data_breach_notification: bool | None = Field(
        None,
        description="Whether the plan has the step of notifying a personal data breach to the "
        "supervisory authority (GDPR Art. 33(1)).",
    )
    recipients_informed: bool | None = Field(
        None,
        description="Whether the plan has the step of telling the recipients of the entity's services, "
        "without undue delay, of a significant incident that is likely to adversely affect the "
        "provision of those services (NIS2 Art. 23(1); NIS 2-loven § 15, stk. 1).",
    )
    threat_measures_communicated: bool | None = Field(
        None,
        description="Whether the plan has the step of telling the recipients of the services who may "
        "be affected by a significant cyber threat, without undue delay, what measures or remedies "
        "they can take, and where appropriate of the threat itself (NIS2 Art. 23(2); NIS 2-loven "
        "§ 15, stk. 2).",
    )
    last_exercised_on: date | None = Field(None, description="When the plan was last exercised or tested.")
    reference: ShortText | None = None

    @model_validator(mode="after")
    def _steps_agree(self) -> IncidentResponse:
        problems = [
            f"'{step}: false' says the plan has no such step, but '{deadline}' gives it a deadline; "
            "correct one of them"
            for step, deadline in INCIDENT_STEPS
            if getattr(self, step) is False and getattr(self, deadline) is not None
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


INCIDENT_STEPS: tuple[tuple[str, str], ...] = (
    ("early_warning", "early_warning_hours"),
    ("notification", "notification_hours"),
    ("final_report", "final_report_days"),
    ("personal_data_breach_notification", "personal_data_breach_hours"),
)
"""Each step of an incident plan and the field that gives its deadline."""


class SupplierSecurity(FactModel):
    """How the security of a supplier is managed (NIS2 Art. 21(2)(d) and 21(3))."""

    requirements_in_contract: bool | None = Field(
        None, description="Whether the contract sets security requirements the supplier must meet."
    )
    assessed: bool | None = Field(
        None,
        description="Whether its security practices and products were assessed (questionnaire, "
        "audit report, certification).",
    )
    incident_notification_hours: Annotated[int, Field(ge=0, le=8760)] | None = Field(
        None, description="Hours within which the contract makes it report security incidents to you."
    )
    incident_notice_terms: IncidentNoticeTerms | None = Field(
        None,
        description="What the contract says about incident notices: a deadline in `hours`, only "
        "`without_undue_delay`, or `none` at all.",
    )
    certifications: list[ShortText] | None = Field(
        None, description="Security certifications relied on, e.g. 'ISO/IEC 27001:2022', 'SOC 2 Type II'."
    )

    @model_validator(mode="after")
    def _notice_consistent(self) -> SupplierSecurity:
        terms = self.incident_notice_terms
        if self.incident_notification_hours is not None and terms not in (None, IncidentNoticeTerms.HOURS):
            raise ValueError(
                f"'incident_notice_terms: {terms.value}' means the contract sets no deadline in hours, "
                "but 'incident_notification_hours' gives one; correct one of them"
            )
        return self


class ThirdCountryLaw(FactModel):
    """A provider's exposure to the law of a third country through its group (no transfer by itself,
    but a risk to assess before engaging it: GDPR Art. 28(1) and 32; EDPB Guidelines 05/2021,
    example 12)."""

    assessed: bool | None = Field(
        None,
        description="Whether the controller assessed whether the law of the parent's country can make "
        "the provider disclose the data, and chose measures against it, before engaging it.",
    )
    provider_can_read_data: bool | None = Field(
        None,
        description="Whether, with the measures chosen, the provider or its group can still read the "
        "personal data (false where, for example, the data is encrypted with keys only the controller "
        "holds).",
    )
    measures: ShortText | None = Field(
        None, description="The measures chosen, and where the assessment is documented."
    )


class AssuranceType(StrEnum):
    """A kind of independent assurance document a supplier hands in: an auditor's report on its
    controls, or a certificate of its information security management system."""

    ISAE_3000_TYPE_1 = "isae_3000_type_1"  # ISAE 3000 (often on GDPR), design of controls at a date
    ISAE_3000_TYPE_2 = "isae_3000_type_2"  # ... design and operating effectiveness over a period
    ISAE_3402_TYPE_1 = "isae_3402_type_1"  # ISAE 3402, controls of a service organisation at a date
    ISAE_3402_TYPE_2 = "isae_3402_type_2"  # ... and their operating effectiveness over a period
    SOC_2_TYPE_1 = "soc_2_type_1"  # SOC 2 (AICPA trust services criteria), at a date
    SOC_2_TYPE_2 = "soc_2_type_2"  # ... over a period
    ISO_27001_CERTIFICATE = "iso_27001_certificate"  # certificate of conformity with ISO/IEC 27001


# The kinds that are an auditor's report (with a period and an opinion), and certificates (with
# an expiry and a Statement of Applicability).
ASSURANCE_REPORTS = frozenset(t for t in AssuranceType if t is not AssuranceType.ISO_27001_CERTIFICATE)
ASSURANCE_CERTIFICATES = frozenset({AssuranceType.ISO_27001_CERTIFICATE})


class AuditOpinion(StrEnum):
    """The auditor's opinion in an assurance report (ISAE 3000, ISAE 3402, SOC 2)."""

    UNQUALIFIED = "unqualified"  # clean: the controls are fairly described, suitably designed (and operated)
    QUALIFIED = "qualified"  # "except for" a matter the auditor names
    ADVERSE = "adverse"  # the description or the controls are materially wrong
    DISCLAIMER = "disclaimer"  # the auditor could not form an opinion


class SubserviceMethod(StrEnum):
    """How an assurance report treats a subservice organisation (a sub-processor, a hosting
    provider): inside its scope, or left out of it."""

    INCLUSIVE = "inclusive"  # its controls are described and tested in this report
    CARVE_OUT = "carve_out"  # left out: its own assurance must cover it


# ISO/IEC 27001:2022 Annex A: 37 organisational controls (A.5), 8 people controls (A.6),
# 14 physical (A.7) and 34 technological (A.8), 93 in all. Numbers only: the text is the standard's.
ANNEX_A_CONTROLS: tuple[str, ...] = tuple(
    f"A.{theme}.{n}" for theme, count in ((5, 37), (6, 8), (7, 14), (8, 34)) for n in range(1, count + 1)
)


def _annex_a_control(value: str) -> str:
    if value not in ANNEX_A_CONTROLS:
        raise ValueError(
            f"'{value}' is not a control of ISO/IEC 27001:2022 Annex A (A.5.1 to A.5.37, A.6.1 to A.6.8, "
            "A.7.1 to A.7.14, A.8.1 to A.8.34)"
        )
    return value


AnnexAControl = Annotated[
    str,
    AfterValidator(_annex_a_control),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(ANNEX_A_CONTROLS),
            "description": "A control of ISO/IEC 27001:2022 Annex A by its number, e.g. A.8.28.",
        }
    ),
]


class SubserviceOrganisation(FactModel):
    """A sub-processor or other subservice organisation an assurance report names, and how the
    report treats it."""

    party: Identifier = Field(description="The id of the subservice organisation's party.")
    method: SubserviceMethod | None = Field(
        None,
        description="`inclusive`: the report describes and tests its controls; `carve_out`: the report "
        "leaves it out, so it is covered only by assurance of its own.",
    )


class AssuranceDocument(FactModel):
    """An independent assurance document a supplier hands in: an ISAE 3000, ISAE 3402 or SOC 2
    report, or an ISO/IEC 27001 certificate with its Statement of Applicability. Evidence a buyer
    weighs when it checks a processor's guarantees (GDPR Art. 28(1)) or a supplier's security
    (NIS2 Art. 21(2)(d) and (3)); none of them is an approved certification under GDPR Art. 42."""

    type: AssuranceType
    reference: ShortText | None = Field(None, description="Its title, number or date, to find it again.")
    auditor: ShortText | None = Field(
        None,
        description="The audit firm that signed the report, or the certification body that issued the certificate.",
    )
    period_start: date | None = Field(
        None, description="For a type 2 report: the first day of the period tested."
    )
    period_end: date | None = Field(
        None,
        description="For a report: the last day of the period tested, or for a type 1 report the date "
        "at which the controls were described.",
    )
    issued_on: date | None = Field(
        None, description="The date of the report, or the date the certificate was issued."
    )
    expires_on: date | None = Field(None, description="For a certificate: the date it expires.")
    opinion: AuditOpinion | None = Field(None, description="For a report: the auditor's opinion.")
    exceptions: Annotated[int, Field(ge=0, le=10_000)] | None = Field(
        None,
        description="For a report: how many exceptions (deviations found when the auditor tested the "
        "controls) it notes; 0 for none.",
    )
    exceptions_summary: ShortText | None = Field(None, description="What the exceptions are, in short.")
    scope: Text | None = Field(
        None,
        description="The scope as the document states it: the services and locations of a report, the "
        "scope statement of a certificate.",
    )
    covers_product: bool | None = Field(
        None, description="Whether that scope covers the product or service the organisation buys."
    )
    subservice_organisations: list[SubserviceOrganisation] | None = Field(
        None,
        description="For a report: the sub-processors and other subservice organisations it names, "
        "each with how it treats them (inclusive or carve-out); `[]` when it names none.",
    )
    soa_excluded_controls: list[AnnexAControl] | None = Field(
        None,
        description="For a certificate: the ISO/IEC 27001:2022 Annex A controls its Statement of "
        "Applicability excludes (`A.8.28`); `[]` when it excludes none.",
    )

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> AssuranceDocument:
        report_only = ("period_start", "period_end", "opinion", "exceptions", "subservice_organisations")
        certificate_only = ("expires_on", "soa_excluded_controls")
        wrong = certificate_only if self.type in ASSURANCE_REPORTS else report_only
        given = [name for name in wrong if getattr(self, name) is not None]
        if given:
            kind = "a report" if self.type in ASSURANCE_REPORTS else "a certificate"
            raise ValueError(
                f"{', '.join(given)}: not a fact of {kind} ('{self.type.value}'); "
                "correct the type or leave them out"
            )
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_start > self.period_end
        ):
            raise ValueError("'period_start' is after 'period_end': correct one of them")
        if self.issued_on is not None and self.expires_on is not None and self.expires_on < self.issued_on:
            raise ValueError("'expires_on' is before 'issued_on': correct one of them")
        named = [s.party for s in self.subservice_organisations or []]
        twice = sorted({p for p in named if named.count(p) > 1})
        if twice:
            raise ValueError(f"subservice_organisations: {', '.join(twice)} named twice")
        return self


class SwitchingCharges(StrEnum):
    """What a provider of a data processing service charges a customer for switching away
    (Data Act Art. 29): nothing, its costs directly linked to the switch, or more."""

    NONE = "none"
    COST_BASED = "cost_based"  # no more than the costs directly linked to the switch (Art. 29(3))
    ABOVE_COST = "above_cost"


class DataProcessingService(FactModel):
    """What the Data Act (Regulation (EU) 2023/2854) Chapter VI asks of a provider of a data
    processing service (a cloud platform: infrastructure, platform or software as a service) in its
    contract with the organisation."""

    data_processing_service: bool | None = Field(
        None,
        description="Whether the party provides the organisation a data processing service (Art. 2(8): "
        "on-demand network access to a shared pool of configurable, scalable and elastic computing "
        "resources), other than a non-production version for testing and evaluation for a limited "
        "time (Art. 31(2)).",
    )
    custom_built: bool | None = Field(
        None,
        description="Whether most of the service's main features were custom-built for the organisation "
        "(or all its components developed for it), and the service is not offered at broad commercial "
        "scale through the provider's catalogue: then Art. 29 on switching charges does not apply "
        "(Art. 31(1)).",
    )
    switching_terms_in_contract: bool | None = Field(
        None,
        description="Whether the customer's switching rights and the provider's duties are clearly set out "
        "in a written contract made available before signing in a form the customer can store and "
        "reproduce (Art. 25(1)).",
    )
    notice_period_days: Annotated[int, Field(ge=0, le=3650)] | None = Field(
        None,
        description="The longest notice, in days, the contract asks before the switching process starts "
        "(Art. 25(2)(d): at most two months).",
    )
    transitional_period_days: Annotated[int, Field(ge=0, le=3650)] | None = Field(
        None,
        description="The transitional period, in days, within which the contract has the switch or the "
        "export completed (Art. 25(2)(a): at most 30 calendar days).",
    )
    retrieval_period_days: Annotated[int, Field(ge=0, le=3650)] | None = Field(
        None,
        description="The period, in days after the transitional period, during which the customer can "
        "still retrieve its data (Art. 25(2)(g): at least 30 calendar days).",
    )
    exportable_data_specified: bool | None = Field(
        None,
        description="Whether the contract specifies exhaustively the categories of data and digital assets "
        "that can be ported, including at least all exportable data (Art. 25(2)(e)).",
    )
    switching_charges: SwitchingCharges | None = Field(
        None,
        description="What the provider charges for switching: `none`, `cost_based` (no more than its costs "
        "directly linked to the switch, Art. 29(3)) or `above_cost`.",
    )
    international_access_information: bool | None = Field(
        None,
        description="Whether the provider publishes on its website, and the contract lists, the "
        "jurisdiction its infrastructure for the service is subject to and its measures against "
        "international governmental access to non-personal data held in the Union (Art. 28).",
    )


class ConnectedProduct(FactModel):
    """What the Data Act (Regulation (EU) 2023/2854) Chapter II asks about a connected product the
    organisation buys, rents or leases, and its related services: the organisation is their user."""

    connected_product: bool | None = Field(
        None,
        description="Whether it is a connected product (Art. 2(5)): it obtains, generates or collects "
        "data about its use or environment, can communicate that data, and its primary function is not "
        "storing or processing data for someone other than the user.",
    )
    maker_micro_or_small: bool | None = Field(
        None,
        description="Whether its manufacturer, and the provider of its related service, is a micro or "
        "small enterprise with no larger partner or linked enterprise and not subcontracted to make it: "
        "Chapter II then does not apply (Art. 7(1)).",
    )
    acquired_on: date | None = Field(
        None,
        description="When the contract to buy, rent or lease it was concluded, or will be.",
    )
    pre_contract_information: bool | None = Field(
        None,
        description="Whether the seller, rentor or lessor gave before the contract the information Art. "
        "3(2) lists (the type, format and volume of the data, whether it is generated continuously, "
        "where it is stored and for how long, how the user can reach and erase it), and the provider of "
        "a related service that of Art. 3(3).",
    )
    accessible_by_design: bool | None = Field(
        None,
        description="Whether the product and its related services make their data and metadata accessible "
        "to the user by default, easily, securely, free of charge and in a structured, machine-readable "
        "format, directly where relevant and technically feasible (Art. 3(1)).",
    )
    directly_accessible: bool | None = Field(
        None,
        description="Whether the user can reach the data directly from the product or the related service.",
    )
    access_on_request: bool | None = Field(
        None,
        description="Whether the data holder makes the readily available data and metadata accessible to "
        "the user on a simple request, without undue delay and free of charge (Art. 4(1)).",
    )
    third_party_sharing: bool | None = Field(
        None,
        description="Whether the data holder makes the data available to a third party at the user's "
        "request, without undue delay and free of charge to the user (Art. 5(1)).",
    )


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
        description="Every country from which the data is reached through this party (support, "
        "operations): by its own staff working there, unless the two fields below say otherwise.",
    )
    other_entity_access_from: list[CountryCode] | None = Field(
        None,
        description="The countries of `remote_access_from` from which another entity reaches the data "
        "on this party's behalf (an affiliate, a sub-processor, a support contractor): a transfer "
        "(EDPB Recommendations 01/2020, para. 13). `[]`: none.",
    )
    other_entities: list[ShortText] | None = Field(
        None, description="Which other entities reach the data from those countries (names, or party ids)."
    )
    travelling_staff_access_from: list[CountryCode] | None = Field(
        None,
        description="The countries of `remote_access_from` from which only the party's own employees "
        "reach the data, while travelling (a business trip): not a transfer (EDPB Guidelines 05/2021, "
        "example 5), but a risk to assess under Art. 32. `[]`: none.",
    )
    staff_abroad_risk_assessed: bool | None = Field(
        None,
        description="Whether the risks of its own employees reaching the data from outside the EEA "
        "(devices lost or searched at a border, local law, untrusted networks) were assessed and "
        "measures chosen (Art. 32(1), (2)).",
    )
    guarantees_assessed: bool | None = Field(
        None,
        description="For a processor: whether the controller checked that it gives sufficient "
        "guarantees of appropriate measures before engaging it (Art. 28(1)).",
    )
    keeps_processing_record: bool | None = Field(
        None, description="For a processor: whether it keeps a record under Art. 30(2)."
    )
    joint_arrangement: bool | None = Field(
        None,
        description="For a joint controller: whether an arrangement sets out each controller's "
        "responsibilities (Art. 26(1)).",
    )
    joint_arrangement_essence_available: bool | None = Field(
        None,
        description="Whether the essence of that arrangement is made available to data subjects "
        "(Art. 26(2)).",
    )
    security: SupplierSecurity | None = Field(
        None, description="For a supplier or service provider: how its security is managed."
    )
    third_country_law: ThirdCountryLaw | None = Field(
        None,
        description="For a processor whose parent is outside the EEA: what the controller found about "
        "its exposure to that country's law (GDPR Art. 28(1), 32).",
    )
    secrecy_assessed: bool | None = Field(
        None,
        description="Sweden: for a provider that receives information under secrecy (offentlighets- och "
        "sekretesslag (2009:400)) from the controller: whether the controller assessed and documented, "
        "before handing it over, that the handover is allowed (10 kap. 2 a §: the provider only "
        "processes or stores it technically on the controller's behalf, and the handover is not "
        "unsuitable, given among other things a third country's law that can compel the provider to "
        "disclose it).",
    )
    keys_held_by: KeyHolder | None = Field(
        None,
        description="Who holds the keys that decrypt the data the party stores or processes for the "
        "controller: `controller` (only the controller, so the provider cannot read it), `provider` "
        "(the provider or its group holds or can use them), `not_encrypted` (the data is not encrypted "
        "there).",
    )
    assurance: list[AssuranceDocument] | None = Field(
        None,
        description="The independent assurance documents the party has handed in and the organisation "
        "relies on: ISAE 3000, ISAE 3402 and SOC 2 reports, ISO/IEC 27001 certificates. `[]`: it has "
        "handed in none.",
    )
    develops_software: bool | None = Field(
        None,
        description="Whether the party develops the software of the product or service the organisation "
        "buys (its certificate is then relied on for secure development, ISO/IEC 27001:2022 A.8.25 and "
        "A.8.28).",
    )
    data_act: DataProcessingService | None = Field(
        None,
        description="For a provider of a data processing service (a cloud platform): what the Data Act "
        "(Regulation (EU) 2023/2854) Chapter VI asks of its contract.",
    )

    @model_validator(mode="after")
    def _role_not_settled_alone(self) -> Party:
        if PartyRole.NOT_SETTLED in self.roles:
            others = [r.value for r in self.roles if r not in (PartyRole.NOT_SETTLED, PartyRole.SUPPLIER)]
            if others:
                raise ValueError(
                    f"roles: 'not_settled' says the party's GDPR role is not settled, but {', '.join(others)} "
                    "settles it; keep one of them ('supplier' may stand beside 'not_settled')"
                )
        return self

    @model_validator(mode="after")
    def _access_within_remote_access(self) -> Party:
        reached = set(self.remote_access_from or [])
        others, travelling = self.other_entity_access_from or [], self.travelling_staff_access_from or []
        for name, codes in (
            ("other_entity_access_from", others),
            ("travelling_staff_access_from", travelling),
        ):
            outside = [c for c in codes if c not in reached]
            if outside:
                raise ValueError(
                    f"{name}: {', '.join(outside)} not in remote_access_from, which lists every country "
                    "the data is reached from through this party; add it there too"
                )
        both = sorted(set(others) & set(travelling))
        if both:
            raise ValueError(
                f"{', '.join(both)} in both other_entity_access_from and travelling_staff_access_from: "
                "the second means only the party's own employees on a trip reach the data from there; "
                "keep the country in one of them"
            )
        if self.other_entities and not others:
            raise ValueError(
                "other_entities names entities reaching the data, but other_entity_access_from names no "
                "country they reach it from; state the countries"
            )
        return self


class UpdateMechanism(FactModel):
    """How software updates reach a device or product."""

    available: bool | None = Field(None, description="Whether its software can be updated in the field.")
    authenticity_verified: bool | None = Field(
        None, description="Whether it verifies the signature of an update before installing it."
    )
    secure_delivery: bool | None = Field(
        None, description="Whether updates travel over an authenticated, encrypted channel."
    )
    automatic: bool | None = Field(
        None, description="Whether security updates install automatically by default (with an opt-out)."
    )
    users_notified: bool | None = Field(
        None, description="Whether users are told of available updates and what they fix."
    )
    opt_out: bool | None = Field(
        None, description="Whether automatic updates can be turned off by a clear and easy opt-out."
    )
    postponable: bool | None = Field(
        None, description="Whether users can postpone an available update for a while."
    )
    not_automatic_reason: Text | None = Field(
        None,
        description="Why automatic security updates are not applicable to this product (for example an "
        "installation where the operator must schedule every change): a person judges the reason.",
    )
    free_of_charge: bool | None = Field(
        None, description="Whether security updates are provided free of charge."
    )


class SystemSecurity(FactModel):
    """Security properties of a system: for devices, apps and services alike."""

    credentials: CredentialKind | None = Field(
        None, description="How its initial passwords or keys are set (no universal defaults)."
    )
    brute_force_protection: bool | None = Field(
        None, description="Whether repeated failed logins are limited (rate limiting, lockout)."
    )
    mfa: bool | None = Field(
        None, description="Whether administrative and remote access require multi-factor authentication."
    )
    update: UpdateMechanism | None = None
    support_period_end: date | None = Field(
        None, description="The date until which the maker promises security updates."
    )
    support_period_published: bool | None = Field(
        None, description="Whether that support period is published for buyers and users."
    )
    vulnerability_disclosure_policy: bool | None = Field(
        None,
        description="Whether its maker publishes a policy for reporting vulnerabilities, with a "
        "contact and timelines.",
    )
    sbom_available: bool | None = Field(
        None, description="Whether a software bill of materials of its components is available."
    )
    known_exploitable_vulnerabilities: bool | None = Field(
        None, description="Whether it ships with known exploitable vulnerabilities."
    )
    secrets_protected: bool | None = Field(
        None, description="Whether keys and credentials are stored in protected storage on it."
    )
    hard_coded_secrets: bool | None = Field(
        None, description="Whether the same secret is hard-coded into every copy of its software."
    )
    encrypted_communication: bool | None = Field(
        None, description="Whether all its communication is authenticated and encrypted."
    )
    internet_facing: bool | None = Field(
        None,
        description="Whether it can be reached from the public internet (a web app, an API, a "
        "dashboard, a device's web interface): the risk GDPR Art. 32 weighs.",
    )
    stores_data_unencrypted: bool | None = Field(
        None,
        description="Whether it keeps the data it handles on its own storage unencrypted (a device "
        "buffering readings or recordings in plain flash or on a memory card); false where what it "
        "stores is encrypted or it stores nothing (GDPR Art. 32(1)(a)).",
    )
    exposed_interfaces: list[Interface] | None = Field(
        None, description="The network and physical interfaces it exposes."
    )
    unused_interfaces_disabled: bool | None = Field(
        None, description="Whether interfaces it does not need are disabled."
    )
    debug_interfaces_disabled: bool | None = Field(
        None, description="Whether debug interfaces (serial console, JTAG) are disabled in the field."
    )
    secure_boot: bool | None = Field(
        None, description="Whether it verifies its own software at boot (software integrity)."
    )
    secure_by_default: bool | None = Field(
        None, description="Whether it ships with a secure default configuration."
    )
    security_logging: bool | None = Field(
        None, description="Whether it records security-relevant events (logins, changes, failures)."
    )
    telemetry_monitored: bool | None = Field(
        None, description="Whether its logs or telemetry are watched for anomalies."
    )
    resilient_to_outages: bool | None = Field(
        None,
        description="Whether it keeps working, or recovers by itself, when the network or power fails.",
    )
    input_validation: bool | None = Field(
        None, description="Whether it validates data received through interfaces and from users."
    )
    data_deletion: bool | None = Field(
        None, description="Whether users can easily erase their data and settings from it."
    )
    installation_guidance: bool | None = Field(
        None, description="Whether secure installation and maintenance are documented and simple."
    )
    exploitation_mitigation: bool | None = Field(
        None,
        description="Whether it uses exploit mitigations (memory protection, least privilege, sandboxing).",
    )
    security_testing: bool | None = Field(
        None, description="Whether its maker tests its security regularly (tests, reviews)."
    )
    reference: ShortText | None = None


class RedPoint(StrEnum):
    """A cybersecurity-related essential requirement of the Radio Equipment Directive: a point of
    Art. 3(3) of Directive 2014/53/EU that Delegated Regulation (EU) 2022/30 makes apply."""

    D = "d"  # protection of the network and its resources
    E = "e"  # protection of personal data and privacy
    F = "f"  # protection from fraud


class RedStandard(StrEnum):
    """A standard an EU declaration of conformity names for RED Art. 3(3)(d), (e) or (f)."""

    EN_18031_1 = "en_18031_1"  # EN 18031-1:2024, internet-connected radio equipment: point (d)
    EN_18031_2 = "en_18031_2"  # EN 18031-2:2024, radio equipment processing data: point (e)
    EN_18031_3 = "en_18031_3"  # EN 18031-3:2024, processing virtual money or monetary value: point (f)
    OTHER = "other"  # any other standard or specification: no presumption of conformity


class RedExclusion(StrEnum):
    """A Union act whose application displaces RED Art. 3(3)(d), (e) or (f) (Delegated Regulation
    (EU) 2022/30 Art. 2)."""

    MEDICAL_DEVICE = "medical_device"  # Regulation (EU) 2017/745: points (d), (e) and (f)
    IN_VITRO_DIAGNOSTIC = "in_vitro_diagnostic"  # Regulation (EU) 2017/746: points (d), (e) and (f)
    CIVIL_AVIATION = "civil_aviation"  # Regulation (EU) 2018/1139: points (e) and (f)
    MOTOR_VEHICLE = "motor_vehicle"  # Regulation (EU) 2019/2144: points (e) and (f)
    ELECTRONIC_ROAD_TOLL = "electronic_road_toll"  # Directive (EU) 2019/520: points (e) and (f)


class RedDeclaration(FactModel):
    """The manufacturer's EU declaration of conformity of radio equipment (Directive 2014/53/EU
    Art. 18, Annex VI) for the points of Art. 3(3) that Delegated Regulation (EU) 2022/30 makes
    apply, and what it rests on (Art. 16 and 17)."""

    covers: list[RedPoint] | None = Field(
        None,
        description="The points of Art. 3(3) (d, e, f) that the EU declaration of conformity states the "
        "equipment meets; an empty list when there is no declaration or it names none of them.",
    )
    standards: list[RedStandard] | None = Field(
        None,
        description="The standards and specifications the declaration names for those points (Annex VI, "
        "point 6): the parts of EN 18031, whose references Commission Implementing Decision (EU) "
        "2025/138 published, or another; an empty list when it names none.",
    )
    unrestricted_points: list[RedPoint] | None = Field(
        None,
        description="The points for which the manufacturer shows that none of the restrictions with which "
        "Implementing Decision (EU) 2025/138 published the reference of the EN 18031 part it applied "
        "affects the equipment (for example, the user cannot choose to set no password), so that the "
        "part gives a presumption of conformity in full (Art. 16); an empty list when it shows this for none.",
    )
    notified_body_covers: list[RedPoint] | None = Field(
        None,
        description="The points a notified body assessed: an EU-type examination certificate (Annex III) "
        "or an approved full quality assurance system (Annex IV) covers them, as Art. 17(4) requires "
        "where harmonised standards were not applied, or only in part; an empty list when none.",
    )
    reference: ShortText | None = Field(
        None, description="Where the declaration is: its identification, date or internet address."
    )


class Product(FactModel):
    """A product with digital elements and its maker, for the Cyber Resilience Act."""

    manufacturer: Identifier | None = Field(None, description="The id of the manufacturer's party.")
    placed_on_eu_market: bool | None = Field(
        None, description="Whether it is (to be) placed on the EU market by its manufacturer."
    )
    cra_category: CraCategory | None = None
    placed_on_market_on: date | None = Field(
        None, description="When it was, or will be, first placed on the EU market."
    )
    units_placed_on_market_by: date | None = Field(
        None,
        description="The date by which every unit used in the solution was, or will be, placed on "
        "the EU market (each unit is placed on the market on its own). Units placed before 11 "
        "December 2027 and not substantially modified afterwards are outside the CRA's requirements "
        "except Art. 14 (Art. 69(2) and (3)).",
    )
    data_minimised: bool | None = Field(
        None,
        description="Whether the manufacturer designed the product to process only the data, personal "
        "or other, that its intended purpose needs, as its technical documentation shows (CRA Annex "
        "I, Part I, point (2)(g)): a property of the product, not of how a buyer configures it.",
    )
    substantially_modified: bool | None = Field(
        None,
        description="Whether the product was substantially modified (Art. 3(30)) on or after "
        "11 December 2027, which brings units placed earlier under the CRA (Art. 69(2)).",
    )
    expected_use_years: Annotated[int, Field(ge=0, le=100)] | None = Field(
        None, description="How many years it is expected to be in use (CRA Art. 13(8))."
    )
    security_contact: bool | None = Field(
        None, description="Whether the manufacturer publishes a single point of contact for vulnerabilities."
    )
    fixed_vulnerabilities_disclosed: bool | None = Field(
        None, description="Whether advisories describe fixed vulnerabilities once an update is out."
    )
    vulnerability_reporting_process: bool | None = Field(
        None,
        description="Whether the manufacturer can notify an actively exploited vulnerability or "
        "a severe incident to the CSIRT and ENISA (early warning in 24 hours).",
    )
    radio_equipment: bool | None = Field(
        None,
        description="Whether it is radio equipment: an electrical or electronic product that intentionally "
        "emits or receives radio waves for radio communication or radiodetermination, or must be completed "
        "with an accessory such as an antenna to do so (Directive 2014/53/EU Art. 2(1)(1)).",
    )
    internet_connected: bool | None = Field(
        None,
        description="Whether it can communicate itself over the internet, directly or via any other "
        "equipment ('internet-connected radio equipment', Delegated Regulation (EU) 2022/30 Art. 1(1)).",
    )
    worn_childcare_or_toy: bool | None = Field(
        None,
        description="Whether it is designed or intended exclusively for childcare, is a toy (Directive "
        "2009/48/EC), or is designed or intended to be worn on, strapped to or hung from the body or "
        "clothing (Delegated Regulation (EU) 2022/30 Art. 1(2)(b) to (d)).",
    )
    can_process_personal_data: bool | None = Field(
        None,
        description="Whether it is capable of processing personal data (GDPR Art. 4(1)), or traffic or "
        "location data (Directive 2002/58/EC Art. 2(b) and (c)) (Delegated Regulation (EU) 2022/30 "
        "Art. 1(2)). A system that personal data flows from or to in the solution is capable of it in any case.",
    )
    enables_payments: bool | None = Field(
        None,
        description="Whether it enables its holder or user to transfer money, monetary value or virtual "
        "currency (Directive (EU) 2019/713 Art. 2(d); Delegated Regulation (EU) 2022/30 Art. 1(3)).",
    )
    red_exclusions: list[RedExclusion] | None = Field(
        None,
        description="The Union acts that also apply to it and displace RED Art. 3(3)(d), (e) or (f) "
        "(Delegated Regulation (EU) 2022/30 Art. 2); an empty list when none does.",
    )
    red_declaration: RedDeclaration | None = Field(
        None,
        description="Its EU declaration of conformity under the Radio Equipment Directive for Art. 3(3)(d), "
        "(e) and (f), and what it rests on.",
    )

    @model_validator(mode="after")
    def _units_not_before_the_product(self) -> Product:
        if (
            self.units_placed_on_market_by is not None
            and self.placed_on_market_on is not None
            and self.units_placed_on_market_by < self.placed_on_market_on
        ):
            raise ValueError(
                "'units_placed_on_market_by' is before 'placed_on_market_on': no unit can be placed on the "
                "market before the product first is; correct one of them"
            )
        return self


class AnnexIIIUse(StrEnum):
    """A use of an AI system listed in Annex III of the AI Act (Regulation (EU) 2024/1689), by area
    and, where a rule tells them apart, by point: such a system is high-risk (Art. 6(2))."""

    BIOMETRIC_IDENTIFICATION = "biometric_identification"  # point 1(a): remote biometric identification
    BIOMETRIC_CATEGORISATION = "biometric_categorisation"  # 1(b): by sensitive or protected attributes
    EMOTION_RECOGNITION = "emotion_recognition"  # 1(c)
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure"  # 2: safety components
    EDUCATION = "education"  # 3(a)-(d)
    EMPLOYMENT = "employment"  # 4(a)-(b)
    PUBLIC_BENEFITS = "public_benefits"  # 5(a): eligibility for public assistance benefits and services
    CREDITWORTHINESS = "creditworthiness"  # 5(b)
    LIFE_HEALTH_INSURANCE = "life_health_insurance"  # 5(c)
    EMERGENCY_CALLS = "emergency_calls"  # 5(d): emergency calls, dispatch, triage
    LAW_ENFORCEMENT = "law_enforcement"  # 6(a)-(e)
    MIGRATION = "migration"  # 7(a)-(d)
    JUSTICE_DEMOCRACY = "justice_democracy"  # 8(a)-(b)


class RemoteBiometricIdentification(StrEnum):
    """Whether an AI system identifies people at a distance from their biometric data (AI Act
    Art. 3(41) to (43)); biometric verification of a claimed identity is not identification."""

    NONE = "none"
    REAL_TIME = "real_time"  # capture, comparison and identification without significant delay
    POST = "post"  # any other remote biometric identification, e.g. of recorded footage


class LawEnforcementException(StrEnum):
    """The objective of AI Act Art. 5(1)(h) relied on for real-time remote biometric
    identification in publicly accessible spaces for law enforcement."""

    VICTIMS_AND_MISSING_PERSONS = "victims_and_missing_persons"  # point (i)
    IMMINENT_THREAT = "imminent_threat"  # point (ii): threat to life or safety, or of a terrorist attack
    SERIOUS_CRIME_SUSPECT = "serious_crime_suspect"  # point (iii): offences of Annex II, at least four years
    NONE = "none"


class AiUse(FactModel):
    """What the AI Act (Regulation (EU) 2024/1689) asks about an AI system and its use, as the
    municipality that uses it (the deployer, Art. 3(4)) and its supplier can answer."""

    annex_iii_uses: list[AnnexIIIUse] | None = Field(
        None,
        description="The uses listed in Annex III of the AI Act that the system's intended purpose "
        "falls under; [] for none. A listed use makes it high-risk (Art. 6(2)) unless the provider "
        "documented otherwise under Art. 6(3).",
    )
    art6_3_derogation: bool | None = Field(
        None,
        description="Whether the provider documented, before placing it on the market, that the "
        "system, though listed in Annex III, poses no significant risk and is not high-risk (AI Act "
        "Art. 6(3) and (4)); never for a system that profiles natural persons.",
    )
    remote_biometric_identification: RemoteBiometricIdentification | None = Field(
        None,
        description="Whether it identifies people remotely from their biometric data, in real time "
        "or afterwards (AI Act Art. 3(41) to (43)); a remote biometric identification system is "
        "listed in Annex III, point 1(a).",
    )
    publicly_accessible_space: bool | None = Field(
        None,
        description="Whether it is used in a publicly accessible space: a physical place open to an "
        "undetermined number of people, whoever owns it and whatever the conditions of access (AI "
        "Act Art. 3(44)).",
    )
    law_enforcement_purpose: bool | None = Field(
        None,
        description="Whether it is used to prevent, investigate, detect or prosecute criminal "
        "offences, execute criminal penalties or prevent threats to public security (AI Act "
        "Art. 3(46)).",
    )
    deployer_law_enforcement: bool | None = Field(
        None,
        description="Whether it is used by a law-enforcement authority (the police, or a body that "
        "Member State law entrusts with public authority for those purposes, AI Act Art. 3(45)) or "
        "on its behalf.",
    )
    law_enforcement_exception: LawEnforcementException | None = Field(
        None,
        description="For real-time remote biometric identification in a publicly accessible space "
        "for law enforcement: the objective of AI Act Art. 5(1)(h)(i) to (iii) relied on, or none.",
    )
    law_enforcement_authorisation: bool | None = Field(
        None,
        description="Whether each such use is authorised in advance by a judicial authority or an "
        "independent administrative authority whose decision is binding, or, in a duly justified "
        "urgency, authorisation is requested within 24 hours (AI Act Art. 5(3)).",
    )
    untargeted_facial_scraping: bool | None = Field(
        None,
        description="Whether it creates or expands a facial recognition database by untargeted "
        "scraping of facial images from the internet or CCTV footage (AI Act Art. 5(1)(e)).",
    )
    emotion_recognition: bool | None = Field(
        None,
        description="Whether it identifies or infers people's emotions or intentions from their "
        "biometric data (AI Act Art. 3(39)); listed in Annex III, point 1(c).",
    )
    workplace_or_education: bool | None = Field(
        None,
        description="Whether it is used on people at a workplace or in an education institution (AI "
        "Act Art. 5(1)(f)).",
    )
    medical_or_safety_reason: bool | None = Field(
        None,
        description="Whether its emotion recognition is intended for medical or safety reasons, the "
        "exception of AI Act Art. 5(1)(f).",
    )
    biometric_categorisation: bool | None = Field(
        None,
        description="Whether it assigns people to categories from their biometric data, other than "
        "as a strictly necessary ancillary feature of another commercial service (AI Act "
        "Art. 3(40)).",
    )
    literacy_measures: bool | None = Field(
        None,
        description="Whether the municipality has taken measures (training, guidance suited to their "
        "role) for the AI literacy of the staff and others who operate or use the system on its "
        "behalf (AI Act Art. 4).",
    )
    instructions_followed: bool | None = Field(
        None,
        description="Whether technical and organisational measures ensure that it is used in "
        "accordance with the provider's instructions for use (AI Act Art. 26(1)).",
    )
    input_data_relevant: bool | None = Field(
        None,
        description="Whether the input data the municipality controls was checked to be relevant and "
        "sufficiently representative for the intended purpose (AI Act Art. 26(4)); true where it "
        "controls none.",
    )
    operation_monitored: bool | None = Field(
        None,
        description="Whether its operation is monitored on the basis of the instructions for use, "
        "with a procedure to inform the provider and the market surveillance authority of a risk "
        "or serious incident and to suspend the use (AI Act Art. 26(5)).",
    )
    human_oversight_assigned: bool | None = Field(
        None,
        description="Whether human oversight is assigned to named people with the necessary "
        "competence, training and authority, and the support they need (AI Act Art. 26(2)).",
    )
    logs_kept_months: Annotated[int, Field(ge=0, le=1200)] | None = Field(
        None,
        description="How many months the logs the system generates automatically are kept, by the "
        "municipality or for it under the contract (AI Act Art. 26(6): at least six).",
    )
    used_at_workplace: bool | None = Field(
        None,
        description="Whether it is put into service or used at the workplace, so that the "
        "municipality's workers are subject to it (AI Act Art. 26(7)).",
    )
    workers_informed: bool | None = Field(
        None,
        description="Whether the workers' representatives and the affected workers were told before "
        "it was put into service or used at the workplace (AI Act Art. 26(7)).",
    )
    eu_database_registration: bool | None = Field(
        None,
        description="Whether the system is registered in the EU database by its provider and the "
        "municipality has registered itself and its use of the system there before using it (AI "
        "Act Art. 26(8) and Art. 49(3)).",
    )
    decisions_about_people: bool | None = Field(
        None,
        description="Whether it makes decisions, or assists in making decisions, related to natural "
        "persons (AI Act Art. 26(11)).",
    )
    affected_persons_informed: bool | None = Field(
        None,
        description="Whether the people subject to those decisions are told that a high-risk AI "
        "system is used on them (AI Act Art. 26(11)).",
    )
    provides_public_service: bool | None = Field(
        None,
        description="For a private deployer: whether it provides public services, which brings it "
        "under the fundamental rights impact assessment (AI Act Art. 27(1)).",
    )
    fria_done: bool | None = Field(
        None,
        description="Whether a fundamental rights impact assessment of the use (the points of AI Act "
        "Art. 27(1)(a) to (f)) was performed before first use and is kept up to date.",
    )
    exposed_persons_informed: bool | None = Field(
        None,
        description="Whether the people exposed to its emotion recognition or biometric "
        "categorisation are told that it operates, at the latest when first exposed (AI Act "
        "Art. 50(3) and (5)).",
    )
    interacts_with_people: bool | None = Field(
        None,
        description="Whether it is intended to interact directly with natural persons, such as a "
        "chatbot or a voice assistant (AI Act Art. 50(1)).",
    )
    ai_interaction_disclosed: bool | None = Field(
        None,
        description="Whether it is designed so that people are told they are interacting with an AI "
        "system, unless that is obvious to a reasonably well-informed person in the circumstances "
        "(AI Act Art. 50(1)).",
    )
    generates_synthetic_content: bool | None = Field(
        None,
        description="Whether it generates synthetic audio, image, video or text, beyond assisting "
        "standard editing or leaving the input's substance unchanged (AI Act Art. 50(2)).",
    )
    synthetic_content_marked: bool | None = Field(
        None,
        description="Whether its outputs are marked in a machine-readable format and detectable as "
        "artificially generated or manipulated (AI Act Art. 50(2)).",
    )


class System(FactModel):
    """A device, gateway, network, service, app, dashboard or model."""

    id: Identifier
    name: ShortText
    kind: SystemKind
    operator: Identifier | None = Field(None, description="The id of the party that operates it.")
    locations: list[CountryCode] | None = Field(None, description="Countries where it runs or stores data.")
    description: Text | None = None
    security: SystemSecurity | None = None
    product: Product | None = None
    ai: AiUse | None = Field(
        None,
        description="For an AI system: what the AI Act (Regulation (EU) 2024/1689) asks about it and its use.",
    )
    data_act: ConnectedProduct | None = Field(
        None,
        description="For a connected product: what the Data Act (Regulation (EU) 2023/2854) Chapter II asks "
        "about it and its data.",
    )
    safeguards: list[Safeguard] | None = Field(
        None,
        description="The safeguards in place on this system, where they differ from the solution's "
        "own list: a control it does not name here keeps the solution-wide status (GDPR Art. 32).",
    )


class Scale(FactModel):
    """How large the processing is (WP248 criterion 5)."""

    subjects: Annotated[int, Field(ge=0, le=10_000_000_000)] | None = Field(
        None, description="Number of data subjects (at most 10 billion, more than live on Earth)."
    )
    population_share: Annotated[float, Field(ge=0, le=1)] | None = Field(
        None,
        description="The share of the relevant population whose data the flow carries, from 0 to 1: of "
        "the residents of the area the processing serves (the municipality's for municipal processing, "
        "the region's or country's for wider processing), not of a group such as a workforce.",
    )
    extent: Extent | None = Field(
        None, description="Where the processing reaches; recorded, but never decides large scale alone."
    )
    duration: Duration | None = Field(
        None, description="How long the processing runs; recorded, but never decides large scale alone."
    )


class Encryption(FactModel):
    """Encryption of the flow (GDPR Art. 32(1)(a))."""

    in_transit: bool | None = None
    at_rest: bool | None = None


class RetentionEvent(StrEnum):
    """The event whose occurrence ends a retention (GDPR Art. 5(1)(e): no longer than the purpose needs)."""

    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONTRACT_ENDED = "contract_ended"
    ACCOUNT_CLOSED = "account_closed"
    CASE_CLOSED = "case_closed"
    CARE_ENDED = "care_ended"
    TENANCY_ENDED = "tenancy_ended"
    EMPLOYMENT_ENDED = "employment_ended"
    STATISTIC_PRODUCED = "statistic_produced"
    INCIDENT_HANDLED = "incident_handled"


def _not_indefinite(value: str) -> str:
    if value == "indefinite":
        raise ValueError("the period after an event is an ISO 8601 duration such as P1Y, not 'indefinite'")
    return value


PeriodAfterEvent = Annotated[RetentionPeriod, AfterValidator(_not_indefinite)]


class RetentionUntil(FactModel):
    """A retention that ends with an event, and optionally a period after it ("until the contract
    ends plus one year": `{event: contract_ended, then: P1Y}`)."""

    event: RetentionEvent
    then: PeriodAfterEvent = Field(
        "P0D",
        description="How long after the event the data is kept (an ISO 8601 duration); P0D: deleted at it.",
    )


class DeidentificationTechnique(StrEnum):
    """How identifiers are replaced or removed (EDPB Guidelines 01/2025 on pseudonymisation; WP216)."""

    KEYED_HASH = "keyed_hash"  # a keyed one-way function (HMAC) with a secret key
    ENCRYPTION = "encryption"  # identifiers encrypted with a secret key
    TOKENISATION = "tokenisation"  # random tokens with a mapping table held apart
    HASH = "hash"  # a hash without a secret key (plain, or with a salt: see `salt`)
    AGGREGATION = "aggregation"  # counts or statistics over groups: not pseudonymisation
    GENERALISATION = "generalisation"  # coarser values (age band, district): not pseudonymisation
    OTHER = "other"


class HashSalt(StrEnum):
    """The salt of a plain hash: none, one that is public or shared with the data, or one kept secret."""

    NONE = "none"
    PUBLIC = "public"
    SECRET = "secret"  # noqa: S105 (a kind of salt, not a password)


def _rotation(value: str) -> str:
    if value not in ("never", "indefinite"):
        duration_days(value)
    return "never" if value == "indefinite" else value


KeyRotation = Annotated[
    str,
    AfterValidator(_rotation),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(never|P(?!$)([0-9]{1,3}Y)?([0-9]{1,3}M)?([0-9]{1,3}W)?([0-9]{1,3}D)?(T(?=[0-9])([0-9]{1,3}H)?([0-9]{1,3}M)?([0-9]{1,3}S)?)?)$",
            "description": "How often the key or salt is changed: an ISO 8601 duration such as P1D, or 'never'.",
        }
    ),
]


class Deidentifying(FactModel):
    """Pseudonymisation or anonymisation applied, and how."""

    applied: Deidentification | None = None
    method: ShortText | None = Field(None, description="The method in words, for people.")
    technique: DeidentificationTechnique | None = Field(
        None,
        description="How identifiers are replaced or removed. A hash without a secret key of an identifier "
        "whose possible values can be listed (plates, phone numbers, MAC addresses, national numbers) "
        "can be reversed by hashing every value, and is no effective pseudonymisation.",
    )
    salt: HashSalt | None = Field(None, description="For a plain hash: its salt (none, public, or secret).")
    secret_held_apart: bool | None = Field(
        None,
        description="Whether the key, secret salt or mapping table is kept apart from the pseudonymised data, "
        "out of reach of those who process that data (Art. 4(5)).",
    )
    secret_holder: ShortText | None = Field(
        None, description="Who holds the key, secret salt or mapping table."
    )
    key_rotation: KeyRotation | None = Field(
        None, description="How often the key or salt is changed (an ISO 8601 duration), or 'never'."
    )
    min_group_size: int | None = Field(
        None,
        ge=1,
        description="For aggregation or generalisation: the smallest group a published value covers.",
    )


class AutomatedDecision(FactModel):
    """Automated decision-making (GDPR Art. 22)."""

    solely_automated: bool | None = None
    legal_or_similar_effect: bool | None = None
    exception: Art22Exception | None = Field(None, description="The Art. 22(2) point relied on.")
    human_intervention: bool | None = Field(
        None,
        description="Whether the data subject can obtain human intervention, express a view and "
        "contest the decision (Art. 22(3)).",
    )


class Notice(FactModel):
    """How the data subjects of a flow are informed (GDPR Arts. 12-14)."""

    provided: bool | None = Field(None, description="Whether a privacy notice reaches these data subjects.")
    at_collection: bool | None = Field(
        None, description="Whether it is given when the data is obtained from them (Art. 13(1))."
    )
    within_one_month: bool | None = Field(
        None,
        description="For data not obtained from the data subject: whether they are informed within "
        "one month at the latest, or at first contact (Art. 14(3)).",
    )
    signage: bool | None = Field(
        None,
        description="Whether signs at the monitored area give the first layer of information "
        "before people enter it.",
    )
    plain_language: bool | None = Field(
        None, description="Whether it is concise, intelligible and in clear and plain language (Art. 12(1))."
    )
    art14_exemption: Art14Exemption | None = Field(
        None, description="The Art. 14(5) point relied on for not informing, if any."
    )
    automated_decision_logic: bool | None = Field(
        None,
        description="Whether the data subjects are told of automated decisions under Art. 22(1) and "
        "(4), with meaningful information about the logic involved and the significance and "
        "envisaged consequences for them (Arts. 13(2)(f), 14(2)(g)).",
    )


class Consent(FactModel):
    """How consent is obtained and managed, for flows that rely on it (GDPR Arts. 7, 8, 9(2)(a))."""

    recorded: bool | None = Field(None, description="Whether each consent can be demonstrated (Art. 7(1)).")
    distinguishable: bool | None = Field(
        None,
        description="Whether a written request for consent is clearly distinguishable from other "
        "matters (Art. 7(2)).",
    )
    withdrawal_as_easy: bool | None = Field(
        None, description="Whether withdrawing is as easy as giving consent (Art. 7(3))."
    )
    service_conditional: bool | None = Field(
        None,
        description="Whether a service is made conditional on consent to processing not necessary "
        "for it (Art. 7(4)).",
    )
    explicit: bool | None = Field(
        None, description="Whether the consent is explicit (Arts. 9(2)(a), 22(2)(c), 49(1)(a))."
    )
    given_by: ConsentMechanism | None = Field(
        None,
        description="How the consent is given: a separate affirmative act, a pre-ticked box, "
        "inactivity, by accepting terms of use or a contract, or an active choice without which the "
        "service is refused (Arts. 4(11), 7(2), 7(4)).",
    )
    refusal_without_detriment: Text | None = Field(
        None,
        description="Why refusing or withdrawing consent has no adverse consequence for the person, "
        "where the person depends on the controller (an employer, a public authority): the free "
        "choice a person must then judge (Art. 4(11), Recital 43).",
    )
    information_society_service: bool | None = Field(
        None,
        description="Whether it is given for an information society service offered directly to a child (Art. 8(1)).",
    )
    parental_authorisation_below_age: Annotated[int, Field(ge=1, le=18)] | Literal["none"] | None = Field(
        None,
        description="The age below which the holder of parental responsibility gives or "
        "authorises consent (Art. 8(1)), or 'none' when no parent is asked at any age.",
    )
    age_verification: bool | None = Field(
        None, description="Whether reasonable efforts verify that authorisation (Art. 8(2))."
    )

    @model_validator(mode="after")
    def _given_by_consistent(self) -> Consent:
        if self.given_by is ConsentMechanism.BUNDLED_WITH_TERMS and self.distinguishable is True:
            raise ValueError(
                "'given_by: bundled_with_terms' means the request does not stand apart from the terms, "
                "but 'distinguishable' is true; correct one of them"
            )
        if self.given_by is ConsentMechanism.REQUIRED_FOR_SERVICE and self.service_conditional is False:
            raise ValueError(
                "'given_by: required_for_service' means the service is refused without the consent, "
                "but 'service_conditional' is false; correct one of them"
            )
        return self


class LawReference(FactModel):
    """A Union or Member State law a flow rests on: the act, the provision and its kind."""

    act: ShortText | None = Field(
        None,
        description="The act by name and number, e.g. 'Lov om social service (LBK nr 1287 af 28/08/2025)' or "
        "'Plan- och bygglag (2010:900)'; for an unwritten competence, its name (kommunalfuldmagten).",
    )
    provision: ShortText | None = Field(
        None, description="The provision within the act, e.g. '§ 83' or '2 kap. 2 § 1'."
    )
    kind: LawKind | None = Field(
        None,
        description="Whether it is a specific statutory provision, a general task or competence "
        "provision, an unwritten competence, or none.",
    )


class FurtherPurpose(FactModel):
    """One purpose a flow serves beyond those the data was collected for, and its Art. 6(4) ground."""

    purpose: PurposeKey
    ground: FurtherProcessingGround | None = None
    compatibility_factors_assessed: bool | None = Field(
        None,
        description="For the ground 'compatible': whether the Art. 6(4)(a)-(e) factors were assessed "
        "and documented for this purpose.",
    )
    law: LawReference | None = Field(
        None,
        description="For the ground 'law': the Union or Member State law that provides for this "
        "purpose as a necessary and proportionate measure for an Art. 23(1) objective.",
    )


class FurtherProcessing(FactModel):
    """Processing for a purpose other than the one the data was collected for (GDPR Art. 6(4))."""

    original_purposes: list[PurposeKey] | None = Field(None, description="The purposes of collection.")
    new_purposes: list[FurtherPurpose] | None = Field(
        None,
        description="Each purpose of the flow not among the original purposes, with its ground: "
        "consent, a law, or compatibility with the factors assessed.",
    )

    @model_validator(mode="after")
    def _new_purposes_are_new(self) -> FurtherProcessing:
        seen: set[str] = set()
        for item in self.new_purposes or []:
            if item.purpose in (self.original_purposes or []):
                raise ValueError(
                    f"'{item.purpose}' is among the original purposes; list under new_purposes only "
                    "the purposes the data was not collected for"
                )
            if item.purpose in seen:
                raise ValueError(f"'{item.purpose}' is listed twice under new_purposes")
            seen.add(item.purpose)
        return self


class NationalIdUse(FactModel):
    """Use of a national identification number (GDPR Art. 87; DK CPR, SE personnummer)."""

    ground: NationalIdGround | None = None
    published: bool | None = Field(None, description="Whether the numbers are published or shown publicly.")
    justification: ShortText | None = Field(None, description="Why the number is needed.")


class CameraRules(FactModel):
    """National camera-surveillance law (Sweden: kamerabevakningslag (2018:1200); Denmark: lov om
    tv-overvågning)."""

    class DkProvision(StrEnum):
        """The provision of the Danish tv-overvågningsloven a public authority's surveillance of an
        area used for general traffic rests on."""

        SECTION_2A = "section_2a"  # a municipality, in close connection with a housing area
        SECTION_2C = "section_2c"  # a municipality, immediately next to a restaurant business
        SECTION_2D = "section_2d"  # an authority, next to its own buildings' entrances and facades
        OTHER = "other"  # another legal basis, to be assessed
        NONE = "none"  # stated plainly: no basis has been identified

    permit: bool | None = Field(
        None, description="Whether a permit from the supervisory authority covers the surveillance."
    )
    permit_exemption: ShortText | None = Field(
        None, description="The provision that exempts the surveillance from a permit, if one does."
    )
    interests_weighed: bool | None = Field(
        None,
        description="Whether the interest in surveillance was documented as outweighing the "
        "privacy interest of those filmed.",
    )
    surveillance_recorded: bool | None = Field(
        None,
        description="Whether the camera surveillance is documented in a record kept by the one who "
        "conducts it (Swedish kamerabevakningslag (2018:1200), from 1 April 2025).",
    )
    # Danish lov om tv-overvågning (tv-overvågningsloven, LBK nr. 182 af 24. februar 2023, as amended)
    general_traffic_area: bool | None = Field(
        None,
        description="Danish tv-overvågningsloven §§ 2 a, 2 c and 2 e: whether the cameras cover a street, "
        "road, square or similar area used for general traffic ('gade, vej, plads eller lignende "
        "område, som benyttes til almindelig færdsel'), not only premises or a closed site.",
    )
    registered_with_police: bool | None = Field(
        None,
        description="Danish tv-overvågningsloven § 2 e: whether the cameras are registered in the "
        "police's register of surveillance cameras (Politiets Kameraregister, POLCAM), with later "
        "substantial changes reported.",
    )
    dk_provision: DkProvision | None = Field(
        None,
        description="Danish tv-overvågningsloven: the provision a public authority's camera surveillance "
        "of an area used for general traffic, for safety or crime prevention, rests on: § 2 a (a "
        "municipality, in close connection with a housing area), § 2 c (a municipality, immediately "
        "next to a restaurant business), § 2 d (an authority, areas immediately next to the entrances "
        "and facades of its own buildings, where clearly necessary for crime prevention), another "
        "legal basis, or none.",
    )
    police_consulted: bool | None = Field(
        None,
        description="Danish tv-overvågningsloven §§ 2 a and 2 c: whether the municipality discussed the "
        "surveillance with the police director (politidirektøren) before it started.",
    )
    crime_prevention: bool | None = Field(
        None,
        description="Danish tv-overvågningsloven § 4 c: whether the surveillance is carried out to "
        "prevent crime ('i kriminalitetsforebyggende øjemed'), which limits disclosure of its recordings "
        "and has them deleted within 30 days.",
    )


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
    necessary_for_contract: bool | None = Field(
        None,
        description="For a basis under Art. 6(1)(b): whether the processing is objectively necessary "
        "to perform a contract with the data subject (or to take steps at their request before one), "
        "not merely written into it.",
    )
    legal_basis_law: LawReference | None = Field(
        None,
        description="The Union or Member State law a basis under Art. 6(1)(c) or (e) rests on (Art. 6(3)).",
    )
    art9_condition: Art9Condition | None = Field(None, description="GDPR Art. 9(2) point.")
    art9_law: LawReference | None = Field(
        None,
        description="The Union or Member State law (or collective agreement) the Art. 9(2) condition "
        "rests on, for points (b), (g), (h), (i) and (j).",
    )
    art10_basis: Art10Basis | None = None
    scale: Scale | None = None
    retention: RetentionPeriod | None = None
    retention_until: RetentionUntil | None = Field(
        None,
        description="A retention that ends with an event (consent withdrawn, contract ended...), with an "
        "optional period after it. Beside a plain `retention`, the data goes at whichever comes first.",
    )
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
    collected_from_subject: bool | None = Field(
        None,
        description="Whether the data is obtained from the data subjects themselves (Art. 13) "
        "rather than from elsewhere (Art. 14). Sensors observing people count as from them.",
    )
    notice: Notice | None = None
    consent: Consent | None = None
    further_processing: FurtherProcessing | None = None
    necessity_assessed: bool | None = Field(
        None,
        description="Whether each data category was checked as necessary for the purposes "
        "(data minimisation, Art. 5(1)(c)).",
    )
    accuracy_measures: bool | None = Field(
        None, description="Whether inaccurate data is corrected or erased without delay (Art. 5(1)(d))."
    )
    professional_secrecy: bool | None = Field(
        None,
        description="Whether those processing health or care data are bound by professional secrecy "
        "(Art. 9(3)).",
    )
    research_safeguards: bool | None = Field(
        None, description="Whether Art. 89(1) safeguards apply to research or statistical use."
    )
    national_id_use: NationalIdUse | None = None
    camera_rules: CameraRules | None = None
    secrecy: bool | None = Field(
        None,
        description="Sweden: whether the flow carries information under secrecy (uppgifter som omfattas "
        "av sekretess) under offentlighets- och sekretesslag (2009:400), for example social services "
        "or health information about individuals, or details of the protection of a water plant.",
    )

    @model_validator(mode="after")
    def _one_kind_of_retention(self) -> DataFlow:
        # One or the other, so that a missing one never reads as "no event" or "no period".
        if self.retention is not None and self.retention_until is not None:
            raise ValueError(
                "retention_until: give either a retention period or the event it ends with, not both "
                "(for 'until the contract ends plus one year' use the event with `then: P1Y`)"
            )
        return self


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


# ---------------------------------------------------------------------------------------------
# Whether NIS2 applies (read by the rules as the derived fact solution.nis2_in_scope)

# NIS2 sectors outside both annexes, or handled on their own (public administration).
_NOT_ANNEX = {"other", "public_administration"}

# The Member State's choice for public administration entities below central government
# (NIS2 Art. 2(2)(f)(ii) for regional, Art. 2(5)(a) for local): True when the national act
# covers them as such, None when this tool does not decide it (the entity states nis2_status).
# Denmark: lov nr. 434 af 6. maj 2025 (NIS 2-loven) is reported to cover every municipality, but
# the provision that does so has not been verified here, so a Danish municipality states its status.
NIS2_PUBLIC_ADMINISTRATION: dict[tuple[str, str], bool | None] = {
    ("DK", "regional"): None,
    ("DK", "local"): None,
    # Cybersäkerhetslag (2025:1506) 1 kap. 3 § 2: the act applies to "en region, en kommun eller
    # ett kommunalförbund" (1 kap. 9 § makes the larger ones essential, the others important).
    ("SE", "regional"): True,
    ("SE", "local"): True,
}


def _any(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def nis2_scope_from_sector(entity: dict[str, Any], jurisdiction: str | None) -> bool | None:
    """Whether sectors, size and administration level put the entity in NIS2's scope; unknown
    where they, or the national choice, leave it open."""
    level = entity.get("public_administration")
    sectors = entity.get("sectors")
    size = entity.get("size")
    reasons: list[bool | None] = []
    if level == "central":
        reasons.append(True)  # Art. 2(2)(f)(i)
    elif level is not None:
        reasons.append(NIS2_PUBLIC_ADMINISTRATION.get((str(jurisdiction), str(level))))
    if sectors is None:
        reasons.append(None)
    elif set(sectors) - _NOT_ANNEX:
        # Medium and large entities of an annex sector are in scope (Art. 2(1)); smaller ones
        # only in the cases of Art. 2(2), which the entity's own status must settle.
        reasons.append(True if size in ("medium", "large") else None)
    else:
        reasons.append(None if level is None and "public_administration" in sectors else False)
    return _any(reasons)


def nis2_in_scope(entity: dict[str, Any] | None, jurisdiction: str | None) -> bool | None:
    """Whether the entity is essential or important under NIS2: its stated status decides, else
    its sectors and size (the two never disagree: the model refuses a contradiction)."""
    entity = entity or {}
    status = entity.get("nis2_status")
    if status is not None:
        return bool(status != "out_of_scope")
    return nis2_scope_from_sector(entity, jurisdiction)


class Confidential(Strict):
    """A field of the solution file withheld from the public edition of the report, on a legal
    ground the authority names (`compliance assess --edition public`)."""

    field: ShortText = Field(
        description="What is withheld, as a path in this file: `parties[kaveri].name` (one field), "
        "`systems[gateway].security` (a section), `parties[kaveri]` (every field of the item but "
        "its id), `description`."
    )
    ground: Annotated[str, Field(max_length=64)] = Field(
        description="The legal ground, from the vocabulary rules/vocabulary/confidentiality_grounds.yaml "
        "(e.g. `dk-offl-30-2`, `se-osl-18-8`), or `other` with the provision named in `provision`."
    )
    provision: ShortText | None = Field(
        None, description="The provision, where `ground` is `other` (e.g. a special act's section)."
    )
    reason: Text = Field(description="Why the authority withholds it, as the public edition's cover says.")

    @model_validator(mode="after")
    def _ground_known(self) -> Confidential:
        from compliance.core.vocabulary import OTHER_GROUND, grounds, suggest

        if self.ground == OTHER_GROUND:
            if not self.provision:
                raise ValueError("ground 'other' needs the provision named in `provision`")
        elif self.ground not in grounds():
            hint = suggest(self.ground, grounds())
            raise ValueError(
                f"unknown confidentiality ground '{self.ground}'"
                + (f" (did you mean '{hint}'?)" if hint else "")
                + f"; known: {', '.join(grounds())}, or 'other' with `provision`"
            )
        if not self.reason.strip():
            raise ValueError("reason: say why the information is withheld")
        return self


class Solution(FactModel):
    """A data-driven solution under review: the root of a solution file."""

    # The version of the file format, not a fact: no rule reads it and `sources` cannot name it.
    schema_version: SchemaVersion = FIRST_SCHEMA_VERSION
    id: Identifier
    name: ShortText
    description: Text | None = None
    lifecycle_stage: LifecycleStage | None = None
    jurisdiction: Jurisdiction
    controller: Controller
    supplier: Identifier | None = Field(None, description="The id of the supplier party, if any.")
    dpia: Dpia | None = None
    record_of_processing: RecordOfProcessing | None = None
    standards: list[Standard] | None = Field(
        None,
        description="The voluntary standards the review assesses against (ISO/IEC 27001 Annex A for "
        "the organisation and solution, ETSI EN 303 645 for IoT devices); an empty list for none. "
        "Left out, it is a question the assessment asks (the standards' rules are unknown). The law "
        "(GDPR, NIS2, CRA, national acts) applies by its own conditions whatever this says.",
    )
    contract_standards: list[Standard] = Field(
        default_factory=list,
        description="The voluntary standards the contract (or the tender) requires of the solution: "
        "their critical results then decide the verdict as a legal duty's do. Each must be among "
        "`standards`.",
    )
    entity: Entity | None = None
    incident_response: IncidentResponse | None = None
    parties: list[Party]
    systems: list[System] = Field(default_factory=list)
    flows: list[DataFlow] = Field(default_factory=list)
    safeguards: list[Safeguard] = Field(default_factory=list)
    evidence: Evidence = Field(default_factory=Evidence)
    confidential: list[Confidential] = Field(
        default_factory=list,
        description="Fields withheld from the report's public edition, each with its legal ground "
        "and reason; the full edition shows them and says that a public edition withholds them.",
    )

    _not_facts: ClassVar[frozenset[str]] = frozenset({"sources", "id", "schema_version", "confidential"})

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
            for j, document in enumerate(party.assurance or []):
                for k, named in enumerate(document.subservice_organisations or []):
                    if named.party not in party_ids:
                        where = f"parties[{i}].assurance[{j}].subservice_organisations[{k}].party"
                        problems.append(_missing(where, named.party, party_ids))
        if self.entity is not None:
            if self.entity.party is not None and self.entity.party not in party_ids:
                problems.append(_missing("entity.party", self.entity.party, party_ids))
            problems += _entity_consistent(self.entity, self.jurisdiction.value)
        for i, system in enumerate(self.systems):
            if system.operator is not None and system.operator not in party_ids:
                problems.append(_missing(f"systems[{i}].operator", system.operator, party_ids))
            maker = system.product.manufacturer if system.product is not None else None
            if maker is not None and maker not in party_ids:
                problems.append(_missing(f"systems[{i}].product.manufacturer", maker, party_ids))
        for i, flow in enumerate(self.flows):
            for end in ("source", "destination"):
                ref = getattr(flow, end)
                if ref not in nodes:
                    problems.append(_missing(f"flows[{i}].{end}", ref, nodes))
        problems += _storage_agrees(self.flows, self.systems)
        seen: set[str] = set()
        for i, control in enumerate(self.safeguards):
            if control.control in seen:
                problems.append(f"safeguards[{i}]: '{control.control}' is declared twice")
            seen.add(control.control)
        for i, system in enumerate(self.systems):
            own: set[str] = set()
            for j, control in enumerate(system.safeguards or []):
                if control.control in own:
                    problems.append(f"systems[{i}].safeguards[{j}]: '{control.control}' is declared twice")
                own.add(control.control)
        for i, standard in enumerate(self.contract_standards):
            if standard not in (self.standards or []):
                problems.append(
                    f"contract_standards[{i}]: '{standard.value}' is required by the contract but not among "
                    "`standards`: add it there, so that the review assesses against it"
                )
        problems += _confidential_resolve(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _confidential_resolve(solution: Solution) -> list[str]:
    """Every field marked confidential is one the file states (an id is not withheld)."""
    if not solution.confidential:
        return []
    document = solution.model_dump(mode="json", exclude_unset=True, by_alias=True)
    problems = []
    seen: set[str] = set()
    for i, entry in enumerate(solution.confidential):
        path = entry.field.strip()
        if path in seen:
            problems.append(f"confidential[{i}].field: '{path}' is marked twice")
        seen.add(path)
        last = path.rpartition(".")[2]
        if last in ("id", "schema_version", "confidential") or path.startswith("confidential"):
            problems.append(f"confidential[{i}].field: '{path}' cannot be withheld (it is no fact)")
            continue
        try:
            value_at(document, path)
        except ValueError as exc:
            problems.append(f"confidential[{i}].field: '{path}': {exc}")
    return problems


def _storage_agrees(flows: Sequence[DataFlow], systems: Sequence[System]) -> list[str]:
    """A flow stated to be stored encrypted everywhere, or never stored, cannot end at a system that
    keeps the data unencrypted."""
    unencrypted = {s.id for s in systems if s.security is not None and s.security.stores_data_unencrypted}
    problems = []
    for i, flow in enumerate(flows):
        ends = [e for e in (flow.source, flow.destination) if e in unencrypted]
        at_rest = flow.encryption is not None and flow.encryption.at_rest is True
        never_stored = flow.retention is not None and _never_stored(flow)
        if ends and (at_rest or never_stored):
            said = "encryption.at_rest: true" if at_rest else "a retention of zero"
            problems.append(
                f"flows[{i}]: {said} says no copy is kept unencrypted, but {ends[0]} states it keeps the data "
                "unencrypted (security.stores_data_unencrypted); correct one of them"
            )
    return problems


def _never_stored(flow: DataFlow) -> bool:
    retention = flow.model_dump(mode="json").get("retention")
    if not isinstance(retention, str):
        return False
    try:
        days = duration_days(retention)
    except ValueError:
        return False
    return days is not None and days <= 0


def _unique(items: Sequence[Party | System | DataFlow], name: str, problems: list[str]) -> set[str]:
    ids: set[str] = set()
    for i, item in enumerate(items):
        if item.id in ids:
            problems.append(f"{name}[{i}].id: '{item.id}' is used twice")
        ids.add(item.id)
    return ids


def _entity_consistent(entity: Entity, jurisdiction: str) -> list[str]:
    """The stated NIS2 status agrees with what the sectors and size say, and a public
    administration level comes with the public administration sector."""
    problems = []
    sectors = entity.sectors
    if (
        entity.public_administration is not None
        and sectors is not None
        and "public_administration" not in sectors
    ):
        problems.append(
            "entity: 'public_administration' gives a level, so 'sectors' must include 'public_administration'"
        )
        return problems
    data = entity.model_dump(mode="json")
    derived = nis2_scope_from_sector(data, jurisdiction)
    status = entity.nis2_status
    if status is not None and derived is not None and derived != (status is not Nis2Status.OUT_OF_SCOPE):
        why = (
            "a medium or large entity of an Annex I or II sector, or central government, is in scope "
            "(NIS2 Art. 2(1) and 2(2)(f)(i))"
            if derived
            else "an entity in no sector of Annex I or II and no public administration is outside NIS2"
        )
        problems.append(
            f"entity: nis2_status '{status.value}' contradicts its sectors and size: {why}; "
            "correct the sectors, the size or the status"
        )
    return problems


def _missing(where: str, ref: str, known: set[str]) -> str:
    from compliance.core.vocabulary import suggest

    hint = suggest(ref, known)
    return f"{where}: '{ref}' is not defined" + (f" (did you mean '{hint}'?)" if hint else "")
