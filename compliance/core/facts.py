"""Facts the rules may read: the registry of every addressable field, and derived facts.

Rules name facts by dotted paths in namespaces (`flow.retention`, `solution.controller.
public_authority`, `party.third_country`, `dpia.required`). The registry is built from the
models themselves, so a misspelt path fails when a pack loads, never at run time. Derived facts
are computed from plain dictionaries, so that a rule's test case and a real solution pass
through the same code. Every derivation is monotone: with less information it yields the same
value or unknown (None), never a different definite value.
"""

from __future__ import annotations

import types
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel

from compliance.core import vocabulary
from compliance.core.models.common import VocabRef, duration_days
from compliance.core.models.solution import (
    ASSURANCE_CERTIFICATES,
    INCIDENT_STEPS,
    DataFlow,
    Party,
    Solution,
    System,
    SystemKind,
    nis2_in_scope,
)

Truth = bool | None
Facts = dict[str, Any]


@dataclass(frozen=True)
class FieldSpec:
    """What a fact path holds: its kind, the values it may take, and whether it is derived."""

    path: str
    kind: str  # bool | int | number | str | date | enum | vocab | list | int_or_word (`12` or `none`)
    item_kind: str | None = None  # for lists: the kind of each element
    values: frozenset[str] | None = None  # allowed values for enum/vocab (of items, for lists)
    vocab: str | None = None  # vocabulary name, for hierarchical checks
    description: str = ""
    derived: bool = False
    # A legal presumption (a derived bool): the value it takes when the facts it reads are not
    # stated, the adverse one. Removing a fact may turn it to this value, never away from it.
    presumed: bool | None = None


# Namespaces each rule scope may read.
SCOPE_NAMESPACES: dict[str, tuple[str, ...]] = {
    "solution": ("solution", "dpia", "safeguards", "scan"),
    "flow": ("solution", "dpia", "safeguards", "flow"),
    "party": ("solution", "dpia", "safeguards", "party"),
    "system": ("solution", "dpia", "safeguards", "system"),
}

# Not facts: where facts come from, and the version of the file format (no rule may read it).
_SKIP_FIELDS = {"sources", "schema_version"}
# Collections of the solution that rules reach through their own scopes, not as fields.
_SOLUTION_COLLECTIONS = {"parties", "systems", "flows", "safeguards", "evidence", "confidential"}


def _unwrap_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _number_or_word(tp: Any) -> frozenset[str] | None:
    """The words of a field that holds a whole number or one of some words (`12` or `none`)."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    words: set[str] = set()
    number = False
    for arg in typing.get_args(tp):
        base = typing.get_args(arg)[0] if typing.get_origin(arg) is typing.Annotated else arg
        if base is type(None):
            continue
        if base is int:
            number = True
        elif typing.get_origin(base) is typing.Literal and all(
            isinstance(w, str) for w in typing.get_args(base)
        ):
            words.update(typing.get_args(base))
        else:
            return None
    return frozenset(words) if number and words else None


def _scalar_spec(tp: Any, path: str, description: str) -> FieldSpec | None:
    words = _number_or_word(tp)
    if words is not None:
        # Rules may test such a field only for its words; a derived fact gives its number.
        return FieldSpec(path, "int_or_word", values=words, description=description)
    meta: tuple[Any, ...] = ()
    if typing.get_origin(tp) is typing.Annotated:
        tp, *rest = typing.get_args(tp)
        meta = tuple(rest)
    for m in meta:
        if isinstance(m, VocabRef):
            vocab = m.get()
            keys = vocab.codes if m.name == "countries" else vocab.keys()
            return FieldSpec(path, "vocab", values=frozenset(keys), vocab=m.name, description=description)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return FieldSpec(path, "enum", values=frozenset(str(e.value) for e in tp), description=description)
    if tp is bool:
        return FieldSpec(path, "bool", description=description)
    if tp is int:
        return FieldSpec(path, "int", description=description)
    if tp is float:
        return FieldSpec(path, "number", description=description)
    if tp is str:
        return FieldSpec(path, "str", description=description)
    if tp is date:
        return FieldSpec(path, "date", description=description)
    return None


def _model_specs(model: type[BaseModel], prefix: str, skip: set[str] | None = None) -> dict[str, FieldSpec]:
    out: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        if name in _SKIP_FIELDS or (skip and name in skip):
            continue
        path = f"{prefix}.{name}"
        tp = _unwrap_optional(info.annotation)
        if info.metadata and typing.get_origin(tp) is not typing.Annotated:
            tp = typing.Annotated[(tp, *info.metadata)]
        desc = info.description or ""
        base = typing.get_args(tp)[0] if typing.get_origin(tp) is typing.Annotated else tp
        if isinstance(base, type) and issubclass(base, BaseModel):
            out.update(_model_specs(base, path))
            continue
        if typing.get_origin(base) is list:
            (item,) = typing.get_args(base)
            item_spec = _scalar_spec(item, path, desc)
            if item_spec is None:
                continue  # lists of objects are reached through scopes
            out[path] = FieldSpec(
                path,
                "list",
                item_kind=item_spec.kind,
                values=item_spec.values,
                vocab=item_spec.vocab,
                description=desc,
            )
            continue
        spec = _scalar_spec(tp, path, desc)
        if spec is not None:
            out[path] = spec
    return out


# Purposes that are typically further processing: version 3 of the solution format read only these
# as further purposes (GDPR Art. 6(4)); the upgrade carries a version-3 ground to them.
TYPICAL_FURTHER_PURPOSES = ("product_improvement", "ai_training", "marketing")
FURTHER_PURPOSE_GROUNDS = ("grounded", "law_to_review", "ungrounded")


def _derived(path: str, kind: str, description: str, **kw: Any) -> FieldSpec:
    return FieldSpec(path, kind, description=description, derived=True, **kw)


DERIVED: dict[str, FieldSpec] = {
    spec.path: spec
    for spec in [
        # flow
        _derived("flow.personal_data", "bool", "Any data category relates to a person."),
        _derived("flow.special_categories", "bool", "Any category is special (GDPR Art. 9(1))."),
        _derived("flow.criminal_data", "bool", "Any category is criminal-offence data (Art. 10)."),
        _derived("flow.national_id", "bool", "Any category is a national identification number."),
        _derived("flow.location_data", "bool", "Any category is location data."),
        _derived("flow.biometric_identification", "bool", "Biometric data used to identify people."),
        _derived("flow.highly_personal", "bool", "Highly personal data in WP248's sense (criterion 4)."),
        _derived("flow.children", "bool", "Any data subjects are children."),
        _derived("flow.vulnerable_subjects", "bool", "Any data subjects are vulnerable (WP248 C7)."),
        _derived(
            "flow.consent_refusal_argued",
            "bool",
            "The flow states why refusing or withdrawing consent has no adverse consequence for the "
            "person (false until it does: consent to an employer or a public authority is presumed "
            "not freely given, GDPR Recital 43).",
            presumed=False,
        ),
        _derived(
            "flow.innovative_technology",
            "bool",
            "Uses an innovative technology (WP248 C8), or a sensor that observes people's presence or "
            "activity in their homes.",
        ),
        _derived("flow.retention_indefinite", "bool", "Retention is 'indefinite'."),
        _derived(
            "flow.retention_days", "number", "Retention in days (unknown when indefinite or event-based)."
        ),
        _derived(
            "flow.retention_bounded",
            "bool",
            "The retention ends: a period other than 'indefinite', or an event (`retention_until`).",
        ),
        _derived(
            "flow.retention_after_event_days",
            "number",
            "For a retention that ends with an event: the days kept after it (0: deleted at it).",
        ),
        _derived(
            "flow.retention_ends_with_statistic",
            "bool",
            "The data is deleted when the statistic is made (the event `statistic_produced` with no "
            "period after it), or never stored (a period of zero).",
        ),
        _derived(
            "flow.large_scale",
            "bool",
            "Large-scale processing (WP248 C5): from `scale.subjects` or `scale.population_share`.",
        ),
        _derived("flow.third_country_storage", "bool", "Stored in a country outside the EEA."),
        _derived("flow.third_country_access", "bool", "Accessed from a country outside the EEA."),
        _derived("flow.encrypted", "bool", "Encrypted both in transit and at rest."),
        _derived(
            "flow.deidentified",
            "bool",
            "Pseudonymised or anonymised, by a technique that works for the data: a hash without a secret "
            "key or with a public salt of an identifier whose values can be listed (`enumerable` in the "
            "data categories) is not; for such identifiers the technique must be stated.",
        ),
        _derived(
            "flow.consent_distinguishable",
            "bool",
            "A written request for consent stands apart from other matters (`consent.distinguishable`); "
            "false when consent is given by accepting terms of use or a contract (Art. 7(2)).",
        ),
        _derived(
            "flow.consent_conditional",
            "bool",
            "A service is made conditional on consent to processing it does not need "
            "(`consent.service_conditional`); true when consent is required for the service (Art. 7(4)).",
        ),
        _derived(
            "flow.parental_authorisation_age",
            "number",
            "The age below which a parent gives or authorises consent: the stated age, or 0 when no "
            "parent is asked at any age (Art. 8(1)).",
        ),
        _derived(
            "flow.serves_further_purposes",
            "bool",
            "The flow serves a purpose the data was not collected for: one not among "
            "`further_processing.original_purposes` (unknown when those are not stated).",
        ),
        _derived(
            "flow.further_purposes_ground",
            "enum",
            "The Art. 6(4) ground of the flow's further purposes, the weakest first: `ungrounded` (a "
            "purpose has none, or compatibility not assessed), `law_to_review` (a purpose rests on a "
            "general or unwritten legal basis), `grounded` (consent, a specific law, or assessed "
            "compatibility for each; or the flow rests on consent).",
            values=frozenset(FURTHER_PURPOSE_GROUNDS),
        ),
        _derived(
            "flow.source_kind",
            "enum",
            "What the flow starts at: the kind of its source system, or 'party' for an organisation. "
            "Data enters the solution at flows from a device, app, web app or party.",
            values=frozenset([*(k.value for k in SystemKind), "party"]),
        ),
        _derived(
            "flow.camera_surveillance",
            "bool",
            "Records images of people, or uses a camera or other optical-electronic device.",
        ),
        # party
        _derived("party.processor", "bool", "Acts as processor or sub-processor."),
        _derived(
            "party.ict_supplier",
            "bool",
            "Supplies ICT products or services: a processor, sub-processor or supplier (NIS2 Art. 21(2)(d)).",
        ),
        _derived(
            "party.incident_notice",
            "enum",
            "What the supplier's contract says about incident notices: `security.incident_notice_terms`, "
            "or `hours` when only `security.incident_notification_hours` is given.",
            values=frozenset(["hours", "without_undue_delay", "none"]),
        ),
        _derived("party.third_country", "bool", "Established outside the EEA."),
        _derived(
            "party.third_country_parent",
            "bool",
            "Belongs to a group whose parent is outside the EEA.",
        ),
        _derived(
            "party.remote_access_third_country",
            "bool",
            "Its own staff working there, or another entity, reach the data from outside the EEA (not "
            "only its employees on a trip): for a party other than the controller, a transfer.",
        ),
        _derived(
            "party.other_entity_access_third_country",
            "bool",
            "Another entity (an affiliate, a sub-processor, a support contractor) reaches the data "
            "through it from outside the EEA: a transfer, whoever the party is. False when no "
            "remote-access country is stated.",
        ),
        _derived(
            "party.own_staff_access_third_country",
            "bool",
            "Its own employees (working there or travelling) reach the data from outside the EEA. False "
            "when no remote-access country is stated.",
        ),
        _derived(
            "party.travelling_staff_third_country",
            "bool",
            "Its own employees reach the data from outside the EEA only while travelling (no transfer).",
        ),
        _derived(
            "party.adequacy",
            "bool",
            "Every third country the data is transferred to at it (where it is established, where its "
            "staff work or another entity reaches the data from) has a full adequacy decision.",
        ),
        _derived(
            "party.adequacy_partial",
            "bool",
            "Every third country the data is transferred to at it has an adequacy decision, full or "
            "partial (Canada, Japan: whether the recipient is in its scope is for a person to confirm).",
        ),
        _derived("party.receives_personal_data", "bool", "Personal data flows to it or its systems."),
        _derived(
            "party.receives_secret_data",
            "bool",
            "A flow with information under secrecy (flow.secrecy) ends at it or at a system it operates.",
        ),
        _derived("party.receives_transfer", "bool", "Personal data is transferred to it under Chapter V."),
        _derived(
            "party.art28_clauses_complete",
            "bool",
            "The contract covers all Art. 28(3) points (a)-(h).",
        ),
        _derived(
            "party.assurance_documents",
            "number",
            "How many assurance documents (reports and certificates) the party has handed in: the length "
            "of `assurance` (unknown while it is not stated; `[]` is none).",
        ),
        _derived("party.assurance_reports", "number", "How many of them are auditors' reports."),
        _derived(
            "party.assurance_certificates", "number", "How many of them are ISO/IEC 27001 certificates."
        ),
        _derived(
            "party.assurance_covers_product",
            "bool",
            "Every assurance document's scope covers the product or service the organisation buys.",
        ),
        _derived(
            "party.assurance_reports_recent",
            "bool",
            "The period of every report ended less than 12 months before the assessment date (unknown "
            "without the date, as in a rule case).",
        ),
        _derived(
            "party.assurance_opinions_unqualified",
            "bool",
            "Every report carries an unqualified opinion (not qualified, adverse or a disclaimer).",
        ),
        _derived("party.assurance_exceptions_noted", "bool", "A report notes exceptions found in testing."),
        _derived(
            "party.assurance_certificates_valid",
            "bool",
            "No certificate has expired on the assessment date (unknown without the date).",
        ),
        _derived(
            "party.assurance_soa_excludes_relied_controls",
            "bool",
            "A certificate's Statement of Applicability excludes an Annex A control the organisation relies "
            "on the party for: A.5.24 and A.8.8 for every supplier; A.5.15, A.5.34, A.8.5, A.8.13, A.8.15 "
            "and A.8.24 for a processor or sub-processor; A.5.19 to A.5.22 where it engages sub-processors; "
            "A.8.25 and A.8.28 where it develops the software.",
        ),
        _derived(
            "party.engages_subprocessors",
            "bool",
            "A sub-processor names the party as the processor that engaged it (unknown while a "
            "sub-processor names none).",
        ),
        _derived(
            "party.assurance_subprocessors_covered",
            "bool",
            "Each sub-processor the party engaged is covered by assurance: inside the scope of one of the "
            "party's reports (inclusive method), or by documents of its own; a carved-out sub-processor "
            "with none is not.",
        ),
        _derived(
            "party.assurance_inclusive_in_processor",
            "bool",
            "For a sub-processor: a report of the processor that engaged it takes it inside its scope "
            "(inclusive method); no where each report names it carved out or not at all, and for a "
            "party that is no sub-processor.",
        ),
        # system
        _derived("system.third_country_location", "bool", "Runs or stores data outside the EEA."),
        # solution
        _derived("solution.personal_data", "bool", "Any flow carries personal data."),
        _derived("solution.special_categories", "bool", "Any flow carries Art. 9 data."),
        _derived(
            "solution.consent_or_contract_basis",
            "bool",
            "Any personal-data flow rests on consent or contract (Art. 6(1)(a) or (b)).",
        ),
        _derived(
            "solution.public_task_or_legitimate_interests_basis",
            "bool",
            "Any personal-data flow rests on public task or legitimate interests (Art. 6(1)(e) or (f)).",
        ),
        _derived("solution.direct_marketing", "bool", "Any personal-data flow serves marketing."),
        _derived(
            "solution.automated_decisions",
            "bool",
            "Any flow feeds a solely automated decision with legal or similarly significant effect.",
        ),
        _derived("solution.camera_surveillance", "bool", "Any flow is camera surveillance of people."),
        _derived("solution.national_id", "bool", "Any flow carries a national identification number."),
        _derived(
            "solution.nis2_in_scope",
            "bool",
            "The entity is essential or important under NIS2: from `entity.nis2_status`, or from its "
            "sectors and size (Art. 2(1)), central government (Art. 2(2)(f)(i)) or the national choice "
            "for regional and local administration.",
        ),
        _derived("system.iot_device", "bool", "A device or gateway: consumer-style IoT (ETSI EN 303 645)."),
        _derived(
            "system.digital_product",
            "bool",
            "Of a kind that can be a product with digital elements (device, gateway, app, ai_model, "
            "other), not a hosted service (CRA).",
        ),
        _derived("system.sends_personal_data", "bool", "Any flow from the system carries personal data."),
        _derived(
            "system.support_period_years",
            "number",
            "Years from `product.placed_on_market_on` to `security.support_period_end`.",
        ),
        _derived(
            "system.support_period_sufficient",
            "bool",
            "The support period covers the time the product is expected to be in use, which is at "
            "least five years unless the product is expected to be in use for less (CRA Art. 13(8)); "
            "unknown without the expected use time.",
        ),
        _derived(
            "system.red_units_in_scope",
            "bool",
            "The units used were placed on the market from 1 August 2025, when the RED's Art. 3(3)(d)-(f) "
            "became applicable to radio equipment (Delegated Regulation (EU) 2022/30, as amended by "
            "(EU) 2023/2444).",
        ),
        _derived(
            "system.ai_system",
            "bool",
            "It is, or runs, an AI system: an AI model, or a device, gateway, service or app at either "
            "end of a flow using face recognition, video analytics or licence-plate recognition "
            "(unknown where such a system's flow of images does not state its technologies); a "
            "database, network or dashboard only stores, carries or shows the results.",
        ),
        _derived(
            "system.cra_annex_i_units",
            "bool",
            "The units used are subject to the CRA's requirements: placed on the market from "
            "11 December 2027, or the product was substantially modified from that date (Art. 69(2)).",
        ),
        _derived(
            "system.sends_sensitive_data",
            "bool",
            "Any flow from the system carries Art. 9 data, or images of people (camera surveillance).",
        ),
        _derived(
            "system.holds_personal_data",
            "bool",
            "Any flow from or to the system carries personal data.",
        ),
        _derived(
            "flow.internet_facing_systems",
            "bool",
            "The flow's source or destination system can be reached from the public internet.",
        ),
        _derived(
            "solution.internet_facing_systems",
            "bool",
            "A system that holds personal data can be reached from the public internet.",
        ),
        _derived("solution.large_scale", "bool", "Any flow processes personal data on a large scale."),
        _derived(
            "flow.stored_unencrypted_on_system",
            "bool",
            "Its source or destination system states that it keeps data on its own storage unencrypted "
            "(`security.stores_data_unencrypted`); false where the flow is stored encrypted everywhere "
            "(`encryption.at_rest`) or never stored, or where each of its systems says it keeps nothing "
            "unencrypted; unknown otherwise.",
        ),
        *(
            _derived(
                f"solution.incident_plan_{step}",
                "bool",
                f"The incident plan has the {what} step: stated (`incident_response.{step}`), or a "
                "deadline given for it; false where the plan is stated to lack it.",
            )
            for step, what in (
                ("early_warning", "early-warning"),
                ("notification", "incident-notification"),
                ("final_report", "final-report"),
                ("personal_data_breach_notification", "personal-data-breach notification"),
            )
        ),
        # scanner evidence (computed by the engine from the scanner runs, compliance/evidence/)
        *(
            spec
            for kind, what in (("dependencies", "dependency"), ("code", "code"))
            for spec in (
                _derived(f"scan.{kind}.declared", "bool", f"The solution declares {what} evidence to scan."),
                _derived(
                    f"scan.{kind}.status",
                    "enum",
                    f"How the {what} scans went, the worst run first: completed, incomplete, failed, "
                    "missing, timeout or not_run.",
                    values=frozenset(["completed", "incomplete", "failed", "missing", "timeout", "not_run"]),
                ),
                _derived(
                    f"scan.{kind}.serious_findings",
                    "bool",
                    f"The {what} scans found something of high or critical severity; unknown when a scan "
                    "did not look at everything and found nothing.",
                ),
                _derived(
                    f"scan.{kind}.other_findings",
                    "bool",
                    f"The {what} scans found something of medium or low severity; unknown as above.",
                ),
            )
        ),
        # dpia screening (computed by the engine from the flows and the assessment date)
        _derived("dpia.required", "bool", "Whether a DPIA is required (Art. 35(1), (3), (4))."),
        _derived("dpia.current", "bool", "A completed DPIA covers the processing as it is now."),
        _derived("dpia.per_se", "bool", "An Art. 35(3) case applies."),
    ]
}


def _entry_lists(model: type[BaseModel], prefix: str) -> dict[str, type[BaseModel]]:
    out: dict[str, type[BaseModel]] = {}
    for name, info in model.model_fields.items():
        tp = _unwrap_optional(info.annotation)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            out.update(_entry_lists(tp, f"{prefix}.{name}"))
        elif typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            if isinstance(item, type) and issubclass(item, BaseModel):
                out[f"{prefix}.{name}"] = item
    return out


@cache
def entry_lists() -> dict[str, type[BaseModel]]:
    """Lists of entries inside a scope's facts (`flow.further_processing.new_purposes`), with the
    model of an entry. Rules do not read them (derived facts summarise them); rule cases give them."""
    return {
        **_entry_lists(DataFlow, "flow"),
        **_entry_lists(Party, "party"),
        **_entry_lists(System, "system"),
    }


@cache
def registry() -> dict[str, FieldSpec]:
    """Every fact path a rule may read, with its spec."""
    reg: dict[str, FieldSpec] = {}
    reg.update(_model_specs(Solution, "solution", skip=_SOLUTION_COLLECTIONS))
    reg.update(_model_specs(DataFlow, "flow"))
    reg.update(_model_specs(Party, "party"))
    reg.update(_model_specs(System, "system"))
    clash = {d for d in DERIVED for path in reg if path == d or path.startswith(d + ".")}
    if clash:  # a derived fact must never hide (or be hidden by) a field of the model
        raise AssertionError(f"derived facts clash with model fields: {sorted(clash)}")
    reg.update(DERIVED)
    return reg


# What each derived fact is computed from: the facts a user states to decide it. Paths with a
# namespace prefix are read in the same context; others are descriptions of where it comes from.
_CATS = ("flow.data_categories",)
_DOCUMENTS = (
    "the assurance documents the party handed in (`assurance`): their type, scope, opinion and exceptions"
)
_ACCESS = (
    "party.remote_access_from",
    "party.other_entity_access_from",
    "party.travelling_staff_access_from",
)
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    **{
        f"flow.{name}": _CATS
        for name in (
            "personal_data",
            "special_categories",
            "criminal_data",
            "national_id",
            "location_data",
            "biometric_identification",
            "highly_personal",
        )
    },
    "flow.children": ("flow.data_subjects",),
    "flow.vulnerable_subjects": ("flow.data_subjects",),
    "flow.consent_refusal_argued": ("flow.consent.refusal_without_detriment",),
    "flow.innovative_technology": ("flow.technologies", "flow.data_categories"),
    "flow.retention_indefinite": ("flow.retention",),
    "flow.retention_days": ("flow.retention",),
    "flow.retention_bounded": ("flow.retention", "flow.retention_until.event"),
    "flow.retention_after_event_days": ("flow.retention_until.event", "flow.retention_until.then"),
    "flow.retention_ends_with_statistic": (
        "flow.retention",
        "flow.retention_until.event",
        "flow.retention_until.then",
    ),
    "flow.large_scale": ("flow.scale.subjects", "flow.scale.population_share"),
    "flow.third_country_storage": ("flow.storage_countries",),
    "flow.third_country_access": ("flow.access_countries",),
    "flow.encrypted": ("flow.encryption.in_transit", "flow.encryption.at_rest"),
    "flow.deidentified": (
        "flow.deidentification.applied",
        "flow.deidentification.technique",
        "flow.deidentification.salt",
        *_CATS,
    ),
    "flow.consent_distinguishable": ("flow.consent.distinguishable", "flow.consent.given_by"),
    "flow.consent_conditional": ("flow.consent.service_conditional", "flow.consent.given_by"),
    "flow.parental_authorisation_age": ("flow.consent.parental_authorisation_below_age",),
    "flow.serves_further_purposes": ("flow.purposes", "flow.further_processing.original_purposes"),
    "flow.further_purposes_ground": (
        "flow.further_processing.original_purposes",
        "flow.lawful_basis",
        "the ground stated for each further purpose (`further_processing.new_purposes`)",
    ),
    "flow.source_kind": ("flow.source",),
    "flow.camera_surveillance": ("flow.data_categories", "flow.technologies"),
    "party.processor": ("party.roles",),
    "party.ict_supplier": ("party.roles",),
    "party.incident_notice": (
        "party.security.incident_notice_terms",
        "party.security.incident_notification_hours",
    ),
    "party.third_country": ("party.country",),
    "party.third_country_parent": ("party.parent_country",),
    "party.remote_access_third_country": _ACCESS,
    "party.other_entity_access_third_country": _ACCESS,
    "party.own_staff_access_third_country": _ACCESS,
    "party.travelling_staff_third_country": (
        "party.remote_access_from",
        "party.travelling_staff_access_from",
    ),
    "party.adequacy": ("party.country", *_ACCESS),
    "party.adequacy_partial": ("party.country", *_ACCESS),
    "party.receives_personal_data": ("the data_categories of the flows into the party or its systems",),
    "party.receives_secret_data": ("the secrecy of the flows into the party or its systems",),
    "party.receives_transfer": (
        "party.roles",
        "party.receives_personal_data",
        "party.third_country",
        "party.remote_access_third_country",
    ),
    "party.art28_clauses_complete": ("party.contract.clauses",),
    **{
        f"party.{name}": (_DOCUMENTS,)
        for name in (
            "assurance_documents",
            "assurance_reports",
            "assurance_certificates",
            "assurance_covers_product",
            "assurance_opinions_unqualified",
            "assurance_exceptions_noted",
        )
    },
    "party.assurance_reports_recent": (
        "the end of the period of each report the party handed in (`assurance`), and the assessment date",
    ),
    "party.assurance_certificates_valid": (
        "the expiry date of each certificate the party handed in (`assurance`), and the assessment date",
    ),
    "party.assurance_soa_excludes_relied_controls": (
        "the controls excluded by the Statement of Applicability of each certificate the party handed in "
        "(`assurance`)",
        "party.roles",
        "party.engages_subprocessors",
        "party.develops_software",
    ),
    "party.engages_subprocessors": ("the processor each sub-processor names (`engaged_by`)",),
    "party.assurance_subprocessors_covered": (
        "the subservice organisations of the party's reports, and the assurance documents of each "
        "sub-processor it engaged",
    ),
    "party.assurance_inclusive_in_processor": (
        "party.roles",
        "party.engaged_by",
        "the subservice organisations named by the reports of the processor that engaged the party",
    ),
    "system.third_country_location": ("system.locations",),
    "system.iot_device": ("system.kind",),
    "system.digital_product": ("system.kind",),
    "system.sends_personal_data": ("the data_categories of the flows from the system",),
    "system.support_period_years": (
        "system.product.placed_on_market_on",
        "system.security.support_period_end",
    ),
    "system.support_period_sufficient": ("system.support_period_years", "system.product.expected_use_years"),
    "system.red_units_in_scope": (
        "system.product.placed_on_market_on",
        "system.product.units_placed_on_market_by",
    ),
    "system.ai_system": ("system.kind", "the technologies of the flows from and to the system"),
    "system.cra_annex_i_units": (
        "system.product.placed_on_market_on",
        "system.product.units_placed_on_market_by",
        "system.product.substantially_modified",
    ),
    "system.sends_sensitive_data": ("the data_categories and technologies of the flows from the system",),
    "system.holds_personal_data": ("the data_categories of the flows from and to the system",),
    "flow.internet_facing_systems": (
        "security.internet_facing of the flow's source and destination systems",
    ),
    "solution.internet_facing_systems": ("security.internet_facing of the systems that hold personal data",),
    "solution.large_scale": ("flow.scale",),
    "flow.stored_unencrypted_on_system": (
        "security.stores_data_unencrypted of the flow's source and destination systems",
    ),
    **{
        f"solution.incident_plan_{step}": (
            f"solution.incident_response.{step}",
            f"solution.incident_response.{deadline}",
        )
        for step, deadline in INCIDENT_STEPS
    },
    "solution.nis2_in_scope": (
        "solution.entity.nis2_status",
        "solution.entity.sectors",
        "solution.entity.size",
        "solution.entity.public_administration",
    ),
    **{
        f"scan.{kind}.{name}": (f"the {kind} scans (the solution's `evidence`, and whether scanning ran)",)
        for kind in ("dependencies", "code")
        for name in ("declared", "status", "serious_findings", "other_findings")
    },
    "dpia.required": ("the DPIA screening (its unknown criteria name the facts)",),
    "dpia.current": (
        "solution.dpia.status",
        "solution.dpia.completed_on",
        "solution.dpia.covers_current_processing",
    ),
    "dpia.per_se": ("the DPIA screening (Art. 35(3) cases)",),
    **{
        f"solution.{name}": ("the facts of the flows",)
        for name in (
            "personal_data",
            "special_categories",
            "consent_or_contract_basis",
            "public_task_or_legitimate_interests_basis",
            "direct_marketing",
            "automated_decisions",
            "camera_surveillance",
            "national_id",
        )
    },
}


# Inputs that qualify another and are asked only once it is stated: who reaches the data from the
# countries a party lists, once the countries are known.
_ASKED_AFTER: dict[str, str] = {
    "party.other_entity_access_from": "party.remote_access_from",
    "party.travelling_staff_access_from": "party.remote_access_from",
}


def facts_to_state(fact: str, ctx: dict[str, Any] | None) -> list[str]:
    """The stated facts a missing fact depends on: itself when it is stated directly, the missing
    inputs of a derived fact (recursively), or all its inputs when no context is given."""
    inputs = DERIVED_FROM.get(fact)
    if inputs is None:
        return [fact]
    out: list[str] = []
    for item in inputs:
        namespaced = item.split(".", 1)[0] in SCOPE_NAMESPACES["flow"] + ("party", "system")
        first = _ASKED_AFTER.get(item)
        if ctx is not None and first is not None and lookup(ctx, tuple(first.split("."))) is None:
            continue  # asked once the fact it qualifies is stated
        if not namespaced:
            out.append(item)
        elif ctx is None or lookup(ctx, tuple(item.split("."))) is None:
            out.extend(facts_to_state(item, ctx))
    return out or [fact]


def state_reads(fact: str) -> set[str]:
    """Every fact `facts_to_state(fact, ctx)` may read from its context, `fact` included: the facts
    its answer depends on (the engine shares one answer among targets equal in all of them)."""
    out = {fact}
    for item in DERIVED_FROM.get(fact, ()):
        first = _ASKED_AFTER.get(item)
        if first is not None:
            out.add(first)
        if item.split(".", 1)[0] in SCOPE_NAMESPACES["flow"] + ("party", "system"):
            out |= state_reads(item)
    return out


# ---------------------------------------------------------------------------------------------
# Derivations (monotone, three-valued)


def any_true(values: Iterable[Truth]) -> Truth:
    """Kleene OR."""
    unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            unknown = True
    return None if unknown else False


def all_true(values: Iterable[Truth]) -> Truth:
    """Kleene AND."""
    unknown = False
    for v in values:
        if v is False:
            return False
        if v is None:
            unknown = True
    return None if unknown else True


def _any_flag(keys: list[str] | None, vocab: vocabulary.Vocabulary, flag: str) -> Truth:
    if keys is None:
        return None
    return any(vocab.has_flag(k, flag) for k in keys if k in vocab)


def _any_outside_eea(codes: list[str] | None) -> Truth:
    if codes is None:
        return None
    eea = vocabulary.countries().eea
    return any(c not in eea for c in codes)


@dataclass(frozen=True)
class _Access:
    """Who reaches a party's data from one third country (each three-valued)."""

    other_entity: Truth  # another entity on its behalf: a transfer (EDPB Recommendations 01/2020, para. 13)
    travelling_only: Truth  # only its own employees on a trip: no transfer (EDPB Guidelines 05/2021, ex. 5)
    own_staff_working: Truth  # its own staff working there: a transfer when the party is not the exporter


def _third_country_access(party: Facts) -> dict[str, _Access] | None:
    """For each third country in `remote_access_from`, who reaches the data from there; None when
    the countries are not stated. A country the party is established in is reached by the party."""
    reached = party.get("remote_access_from")
    if reached is None:
        return None
    others, travelling = party.get("other_entity_access_from"), party.get("travelling_staff_access_from")
    eea = vocabulary.countries().eea
    out: dict[str, _Access] = {}
    for c in reached:
        if c in eea:
            continue
        # the two lists exclude each other (the model says so): a country in one is not in the other
        other: Truth = None if others is None else c in others
        travel: Truth = False if other else (None if travelling is None else c in travelling)
        other = False if travel else other
        # Reached by its own staff working there: where it is established (unknown while its
        # country is not stated), or where nobody else and not only travelling staff reach it.
        country = party.get("country")
        home: Truth = None if country is None else c == country
        working = any_true([home, all_true([not_(other), not_(travel)])])
        out[c] = _Access(other, travel, working)
    return out


def _over(access: dict[str, _Access] | None, test: Callable[[_Access], Truth]) -> Truth:
    return None if access is None else any_true(test(a) for a in access.values())


def _adequacy_covers(
    country: str | None, access: dict[str, _Access] | None, exporter: Truth, *, partial: bool = False
) -> Truth:
    """Whether adequacy decisions cover every third country the data is transferred to at this party:
    where it is established, where its own staff work (unless it is the exporter), and where another
    entity reaches the data from; a country only its travelling employees reach it from is no transfer."""
    countries = vocabulary.countries()

    def covered(c: str) -> bool:
        return (
            countries.is_eea(c)
            or countries.has_full_adequacy(c)
            or (partial and countries.has_partial_adequacy(c))
        )

    at_home: Truth = None if country is None else covered(country)
    if access is None:
        return all_true([at_home, None])
    transferred_to = [
        True
        if covered(c)
        else not_(any_true([a.other_entity, all_true([not_(exporter), a.own_staff_working])]))
        for c, a in access.items()
    ]
    return all_true([at_home, *transferred_to])


def _outside_eea(code: str | None) -> Truth:
    return None if code is None else code not in vocabulary.countries().eea


# The project's reading of the WP29 factors for "large scale" (WP243 rev.01, WP248 rev.01;
# docs/dpia.md): the number of people, as a number or as a share of the relevant population,
# decides. Extent and duration are recorded and shown, but never decide alone.
LARGE_SCALE_SUBJECTS = 5_000  # this many people is large scale whatever the share
SMALL_SCALE_SUBJECTS = 1_000  # fewer people is not large scale whatever the share
LARGE_SCALE_SHARE = 0.10  # between the two, a share of the relevant population this large is


def large_scale(scale: Facts | None) -> Truth:
    """WP248 criterion 5, the project's reading of the WP29 factors (docs/dpia.md): at least
    5,000 people is large scale; fewer than 1,000 is not; in between, it is large where the people
    are at least 10 % of the relevant population. Extent and duration are shown, never decisive
    alone: an unknown count is unknown, whatever the extent."""
    scale = scale or {}
    subjects, share = scale.get("subjects"), scale.get("population_share")
    if subjects is None:
        return None
    if subjects >= LARGE_SCALE_SUBJECTS:
        return True
    if subjects < SMALL_SCALE_SUBJECTS:
        return False
    return None if share is None else share >= LARGE_SCALE_SHARE


def innovative_technology(technologies: list[str] | None, categories: list[str] | None) -> Truth:
    """WP248 criterion 8: an innovative technology, or a sensor in a flow that carries an
    observation of people's presence or activity in their homes (an IoT application WP248 means)."""
    techs, cats = vocabulary.technologies(), vocabulary.data_categories()
    return any_true(
        [
            _any_flag(technologies, techs, "innovative"),
            all_true([_any_flag(technologies, techs, "sensor"), _any_flag(categories, cats, "in_home")]),
        ]
    )


def _retention_until(retention: str | None, until: Facts | None) -> Facts:
    """The retention facts that read both forms: a period (`retention`) or an event (`retention_until`).
    A flow states one or the other (the model refuses both), so neither missing reads as "none"."""
    if until is None:
        days = None if retention is None else duration_days(retention)
        return {
            "retention_bounded": None if retention is None else retention != "indefinite",
            "retention_after_event_days": None,
            "retention_ends_with_statistic": None if retention is None else days == 0,
        }
    after = duration_days(until.get("then") or "P0D")
    return {
        "retention_bounded": True,
        "retention_after_event_days": after,
        "retention_ends_with_statistic": until.get("event") == "statistic_produced" and after == 0,
    }


# Techniques whose strength rests on a secret (a key, a secret salt, a mapping table) or that keep no
# identifier at all; a hash without a secret is reversed by hashing every possible value.
_SECRET_OR_NO_IDENTIFIER = (
    "keyed_hash",
    "encryption",
    "tokenisation",
    "aggregation",
    "generalisation",
    "other",
)


def deidentified(deid: Facts, enumerable: Truth) -> Truth:
    """Whether de-identification is applied and can work (EDPB Guidelines 01/2025 on pseudonymisation):
    a hash with no salt or a public one of an identifier whose values can be listed (a plate, a phone or
    national number, a MAC address) is not; for such identifiers the technique must be known."""
    applied = deid.get("applied")
    if applied is None:
        return None
    if applied == "none":
        return False
    technique, salt = deid.get("technique"), deid.get("salt")
    if technique in _SECRET_OR_NO_IDENTIFIER or (technique == "hash" and salt == "secret"):
        return True
    if enumerable is None:
        return None
    if not enumerable:
        return True
    if technique == "hash" and salt in ("none", "public"):
        return False
    return None  # an enumerable identifier with the technique (or the hash's salt) not stated


def derive_flow(flow: Facts) -> Facts:
    """Add derived facts to a flow's facts (given values win, as in rule cases)."""
    cats = vocabulary.data_categories()
    subjects = vocabulary.data_subjects()
    techs = vocabulary.technologies()
    categories = flow.get("data_categories")
    derived: Facts = {
        "personal_data": _any_flag(categories, cats, "personal"),
        "special_categories": _any_flag(categories, cats, "special"),
        "criminal_data": _any_flag(categories, cats, "criminal"),
        "national_id": _any_flag(categories, cats, "national_id"),
        "location_data": _any_flag(categories, cats, "location"),
        "biometric_identification": _any_flag(categories, cats, "biometric_identification"),
        "highly_personal": _any_flag(categories, cats, "highly_personal"),
        "children": _any_flag(flow.get("data_subjects"), subjects, "child"),
        "vulnerable_subjects": _any_flag(flow.get("data_subjects"), subjects, "vulnerable"),
        "innovative_technology": innovative_technology(flow.get("technologies"), categories),
        "large_scale": large_scale(flow.get("scale")),
        "third_country_storage": _any_outside_eea(flow.get("storage_countries")),
        "third_country_access": _any_outside_eea(flow.get("access_countries")),
    }
    retention = flow.get("retention")
    derived["retention_indefinite"] = None if retention is None else retention == "indefinite"
    derived["retention_days"] = None if retention is None else duration_days(retention)
    derived.update(_retention_until(retention, flow.get("retention_until")))
    # Consent where the person depends on the controller is presumed not free (Recital 43): only a
    # stated reason why refusing costs the person nothing can open the question, never its silence.
    derived["consent_refusal_argued"] = bool((flow.get("consent") or {}).get("refusal_without_detriment"))
    enc = flow.get("encryption") or {}
    derived["encrypted"] = all_true([enc.get("in_transit"), enc.get("at_rest")])
    # what the flow alone says (its systems are added in a real run, solution_facts): stored
    # encrypted everywhere, or never stored, means no system keeps it unencrypted (the model refuses
    # a system that says otherwise)
    days = derived["retention_days"]
    derived["stored_unencrypted_on_system"] = (
        False if enc.get("at_rest") is True or (days is not None and days <= 0) else None
    )
    derived["deidentified"] = deidentified(
        flow.get("deidentification") or {}, _any_flag(categories, cats, "enumerable")
    )
    derived.update(_consent_facts(flow.get("consent") or {}))
    extra = further_purposes(flow)
    derived["serves_further_purposes"] = None if extra is None else bool(extra)
    derived["further_purposes_ground"] = further_purposes_ground(flow)
    derived["camera_surveillance"] = all_true(
        [
            derived["personal_data"],
            any_true(
                [
                    _any_flag(flow.get("technologies"), techs, "camera"),
                    _any_flag(categories, cats, "imagery"),
                ]
            ),
        ]
    )
    return {**derived, **flow}


def _consent_facts(consent: Facts) -> Facts:
    """What the way consent was given says about Art. 7(2) and 7(4) (a contradiction is refused
    by the model, so a stated flag and the way never disagree in a real solution)."""
    given_by = consent.get("given_by")
    distinguishable = consent.get("distinguishable")
    conditional = consent.get("service_conditional")
    age = consent.get("parental_authorisation_below_age")
    return {
        "consent_distinguishable": False if given_by == "bundled_with_terms" else distinguishable,
        "consent_conditional": True if given_by == "required_for_service" else conditional,
        "parental_authorisation_age": 0 if age == "none" else age,
    }


def further_purposes(flow: Facts) -> list[str] | None:
    """The flow's purposes not among those the data was collected for; None when either is not
    stated (then any purpose may be a further one)."""
    purposes = flow.get("purposes")
    original = (flow.get("further_processing") or {}).get("original_purposes")
    if purposes is None or original is None:
        return None
    return [p for p in purposes if p not in original]


def _purpose_ground(entry: Facts | None) -> str | None:
    """One further purpose's ground: ok, review, bad, or None when its facts are missing."""
    if entry is None:
        return None
    ground = entry.get("ground")
    if ground == "consent":
        return "ok"
    if ground == "compatible":
        assessed = entry.get("compatibility_factors_assessed")
        return None if assessed is None else ("ok" if assessed else "bad")
    if ground == "law":
        kind = (entry.get("law") or {}).get("kind")
        return {"specific": "ok", "general": "review", "unwritten": "review", "none": "bad"}.get(kind or "")
    return "bad" if ground == "none" else None


def further_purposes_ground(flow: Facts) -> str | None:
    """The weakest Art. 6(4) ground among the flow's further purposes (FURTHER_PURPOSE_GROUNDS);
    `grounded` whatever the entries say when the flow rests on consent."""
    basis = flow.get("lawful_basis")
    if basis == "a":
        return "grounded"
    extra = further_purposes(flow)
    if extra is None:
        return None
    entries = {e.get("purpose"): e for e in (flow.get("further_processing") or {}).get("new_purposes") or []}
    found = [_purpose_ground(entries.get(p)) for p in extra]
    if "bad" in found:
        weakest: str | None = "ungrounded"
    elif None in found:
        return None
    else:
        weakest = "law_to_review" if "review" in found else "grounded"
    # A flow whose basis is not stated may rest on consent, which would ground every purpose.
    return None if basis is None and weakest != "grounded" else weakest


def _basis_in(flow: Facts, points: set[str]) -> Truth:
    basis = flow.get("lawful_basis")
    return all_true([flow["personal_data"], None if basis is None else basis in points])


def _serves(flow: Facts, purpose: str) -> Truth:
    purposes = flow.get("purposes")
    return all_true([flow["personal_data"], None if purposes is None else purpose in purposes])


def _automated_decision(flow: Facts) -> Truth:
    decision = flow.get("automated_decision") or {}
    return all_true(
        [flow["personal_data"], decision.get("solely_automated"), decision.get("legal_or_similar_effect")]
    )


def derive_solution_own(sol: Facts) -> Facts:
    """Add the solution-level facts its own fields determine (no flows needed)."""
    entity = sol.get("entity")
    plan = sol.get("incident_response") or {}
    steps: Facts = {
        f"incident_plan_{step}": _plan_step(plan, step, deadline) for step, deadline in INCIDENT_STEPS
    }
    return {"nis2_in_scope": nis2_in_scope(entity, sol.get("jurisdiction")), **steps, **sol}


def _plan_step(plan: Facts, step: str, deadline: str) -> Truth:
    """Whether the incident plan has a step: as stated, or true where a deadline is given for it."""
    stated = plan.get(step)
    if stated is not None:
        return bool(stated)
    return True if plan.get(deadline) is not None else None


def derive_solution(sol: Facts, flows: list[Facts]) -> Facts:
    """Add the solution-level facts that summarise its flows (false when it has none)."""

    def anywhere(test: Callable[[Facts], Truth]) -> Truth:
        return any_true(test(f) for f in flows)

    derived: Facts = {
        "personal_data": anywhere(lambda f: f["personal_data"]),
        "special_categories": anywhere(lambda f: f["special_categories"]),
        "large_scale": anywhere(lambda f: all_true([f["personal_data"], f["large_scale"]])),
        "consent_or_contract_basis": anywhere(lambda f: _basis_in(f, {"a", "b"})),
        "public_task_or_legitimate_interests_basis": anywhere(lambda f: _basis_in(f, {"e", "f"})),
        "direct_marketing": anywhere(lambda f: _serves(f, "marketing")),
        "automated_decisions": anywhere(_automated_decision),
        "camera_surveillance": anywhere(lambda f: f["camera_surveillance"]),
        "national_id": anywhere(lambda f: all_true([f["personal_data"], f["national_id"]])),
    }
    return {**derive_solution_own(sol), **derived}


_CASE = object()  # marks a rule case, where the solution around the party is not known


def derive_party(
    party: Facts,
    systems_abroad: list[Truth] | None = None,
    personal_data_in_solution: Any = _CASE,
    as_of: date | None = None,
) -> Facts:
    """Add derived facts to a party's facts. `systems_abroad` says, for each system the party
    operates, whether it runs outside the EEA; `personal_data_in_solution` whether staff with
    remote access can reach personal data at all (a rule case gives `receives_personal_data`);
    `as_of` is the assessment date, which the age of an assurance report and the validity of a
    certificate are read against (unknown without it: a rule case gives those facts)."""
    roles = party.get("roles")
    country = party.get("country")
    clauses = (party.get("contract") or {}).get("clauses")
    derived: Facts = {
        "processor": None if roles is None else bool({"processor", "sub_processor"} & set(roles)),
        "ict_supplier": None
        if roles is None
        else bool({"processor", "sub_processor", "supplier"} & set(roles)),
        "incident_notice": _incident_notice(party.get("security") or {}),
        "third_country": _outside_eea(country),
        "third_country_parent": _outside_eea(party.get("parent_country")),
        "art28_clauses_complete": None if clauses is None else set("abcdefgh") <= set(clauses),
    }
    # Who reaches the data from a third country: its own staff working there or another entity
    # (a transfer, for a party that is not the exporter), or only its employees on a trip (no
    # transfer, but an Art. 32 risk); another entity reaching the data is stated as a party of its own.
    exporter = None if roles is None else "controller" in roles
    access = _third_country_access(party)
    derived["remote_access_third_country"] = _over(
        access, lambda a: any_true([a.other_entity, a.own_staff_working])
    )
    # Unknown while no country is stated: a missing fact never reads as "no access" (derivations
    # stay monotone: removing a fact never turns a known answer into another).
    derived["other_entity_access_third_country"] = _over(access, lambda a: a.other_entity)
    derived["own_staff_access_third_country"] = _over(access, lambda a: not_(a.other_entity))
    derived["travelling_staff_third_country"] = _over(access, lambda a: a.travelling_only)
    derived["adequacy"] = _adequacy_covers(country, access, exporter)
    derived["adequacy_partial"] = _adequacy_covers(country, access, exporter, partial=True)
    # Chapter V: personal data reaches the party in, or from, a third country. The controller
    # exports; it does not receive a transfer. Every input is three-valued, so a missing fact
    # (where a system runs, where support staff sit) leaves the answer unknown, never "no".
    receives = party.get("receives_personal_data")
    accessible = (
        receives if personal_data_in_solution is _CASE else any_true([receives, personal_data_in_solution])
    )
    by_receipt = all_true([receives, any_true([derived["third_country"], *(systems_abroad or [])])])
    by_remote_access = all_true([accessible, derived["remote_access_third_country"]])
    derived["receives_transfer"] = all_true([not_(exporter), any_true([by_receipt, by_remote_access])])
    derived.update(assurance_facts(party, as_of))
    # A party that is no sub-processor is in no processor's report; the solution's other parties
    # decide the rest (`assurance_chain`), and a rule case gives it.
    derived["assurance_inclusive_in_processor"] = None if roles is None or "sub_processor" in roles else False
    return {**derived, **party}


# ---------------------------------------------------------------------------------------------
# Assurance documents (ISAE 3000, ISAE 3402, SOC 2 reports; ISO/IEC 27001 certificates)

_CERTIFICATES = frozenset(t.value for t in ASSURANCE_CERTIFICATES)
# The ISO/IEC 27001:2022 Annex A controls a buyer relies on a supplier's certificate for, by what
# the supplier does in the solution. A Statement of Applicability that excludes one of them leaves
# that part of the service without the certificate's assurance. What a party does is read from
# facts that only grow more definite (its roles; whether it engages sub-processors; whether it
# develops the software), never from the solution's safeguards: declaring a safeguard must never
# lower a score, and a safeguard that made a control "relied on" could.
RELIED_BY_EVERY_SUPPLIER = frozenset(
    {"A.5.24", "A.8.8"}
)  # incident management planned; technical vulnerabilities
RELIED_FOR_PERSONAL_DATA = frozenset(
    {"A.5.15", "A.5.34", "A.8.5", "A.8.13", "A.8.15", "A.8.24"}
)  # access control; privacy and PII; secure authentication; backup; logging; cryptography
RELIED_FOR_SUB_PROCESSORS = frozenset({"A.5.19", "A.5.20", "A.5.21", "A.5.22"})  # its own suppliers
RELIED_FOR_DEVELOPMENT = frozenset({"A.8.25", "A.8.28"})  # secure development life cycle; secure coding
REPORT_RECENT_YEARS = 1  # a report whose period ended longer ago than this no longer shows the controls now


# The assurance facts a party's own documents decide.
_ASSURANCE_OWN = (
    "assurance_documents",
    "assurance_reports",
    "assurance_certificates",
    "assurance_covers_product",
    "assurance_reports_recent",
    "assurance_opinions_unqualified",
    "assurance_exceptions_noted",
    "assurance_certificates_valid",
    "assurance_soa_excludes_relied_controls",
)


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + REPORT_RECENT_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + REPORT_RECENT_YEARS, day=28)


def _is_certificate(document: Facts) -> bool:
    return document.get("type") in _CERTIFICATES


def assurance_facts(party: Facts, as_of: date | None) -> Facts:
    """What the party's assurance documents show: how many there are (unknown while the list is
    not stated; `[]` says there are none), whether every one covers the product bought, whether
    every report is recent (its period ended less than 12 months before the assessment date) and
    clean (unqualified, no exceptions), whether every certificate is valid on the assessment date,
    and whether a Statement of Applicability excludes a control the buyer relies on the party for."""
    documents: list[Facts] | None = party.get("assurance")
    if documents is None:
        return dict.fromkeys(_ASSURANCE_OWN)
    reports = [d for d in documents if not _is_certificate(d)]
    certificates = [d for d in documents if _is_certificate(d)]
    return {
        "assurance_documents": len(documents),
        "assurance_reports": len(reports),
        "assurance_certificates": len(certificates),
        "assurance_covers_product": all_true(d.get("covers_product") for d in documents),
        "assurance_reports_recent": all_true(_recent(d.get("period_end"), as_of) for d in reports),
        "assurance_opinions_unqualified": all_true(
            None if d.get("opinion") is None else d["opinion"] == "unqualified" for d in reports
        ),
        "assurance_exceptions_noted": any_true(
            None if d.get("exceptions") is None else d["exceptions"] > 0 for d in reports
        ),
        "assurance_certificates_valid": all_true(_valid(d.get("expires_on"), as_of) for d in certificates),
        "assurance_soa_excludes_relied_controls": _soa_excludes_relied(party, certificates),
    }


def _recent(period_end: Any, as_of: date | None) -> Truth:
    """A report's period ended less than 12 months before the assessment date."""
    if period_end is None or as_of is None:
        return None
    return as_of < _one_year_after(_as_date(period_end))


def _valid(expires_on: Any, as_of: date | None) -> Truth:
    """A certificate has not expired on the assessment date."""
    if expires_on is None or as_of is None:
        return None
    return _as_date(expires_on) >= as_of


def relied_controls(party: Facts) -> tuple[frozenset[str], frozenset[str]]:
    """The Annex A controls the buyer relies on the party for: those it certainly does (by its
    roles, and what it is stated to do), and those it may (adding what is not yet stated)."""
    roles = set(party.get("roles") or [])
    certain = set(RELIED_BY_EVERY_SUPPLIER)
    if roles & {"processor", "sub_processor"}:
        certain |= RELIED_FOR_PERSONAL_DATA
    possible = set(certain)
    for fact, controls in (
        ("engages_subprocessors", RELIED_FOR_SUB_PROCESSORS),
        ("develops_software", RELIED_FOR_DEVELOPMENT),
    ):
        value = party.get(fact)
        if value is True:
            certain |= controls
        if value is not False:
            possible |= controls
    return frozenset(certain), frozenset(possible)


def _soa_excludes_relied(party: Facts, certificates: list[Facts]) -> Truth:
    """Whether a certificate's Statement of Applicability excludes a control the buyer relies on
    the party for: yes where a stated exclusion is certainly relied on; no where every exclusion
    list is stated and none may be; unknown otherwise."""
    certain, possible = relied_controls(party)
    excluded: set[str] = set()
    complete = True
    for certificate in certificates:
        listed = certificate.get("soa_excluded_controls")
        if listed is None:
            complete = False
        else:
            excluded |= set(listed)
    if excluded & certain:
        return True
    return False if complete and not excluded & possible else None


def _inclusive_in(documents: list[Facts] | None, party_id: str) -> Truth:
    """Whether assurance documents take a subservice organisation inside their scope: yes where one
    names it with the inclusive method; no where each names its subservice organisations and none
    takes it in; unknown otherwise."""
    if documents is None:
        return None
    verdicts: list[Truth] = []
    for document in documents:
        if _is_certificate(document):
            continue  # a certificate's scope is the holder's own management system
        named = document.get("subservice_organisations")
        if named is None:
            verdicts.append(None)
            continue
        methods = [entry.get("method") for entry in named if entry.get("party") == party_id]
        verdicts.append(True if "inclusive" in methods else (None if None in methods else False))
    return any_true(verdicts)


def _sub_covered(documents: list[Facts] | None, sub: Facts) -> Truth:
    """A sub-processor is covered: inside the scope of the processor's reports, or by its own documents."""
    own = sub.get("assurance")
    return any_true([_inclusive_in(documents, sub["id"]), None if own is None else len(own) > 0])


def assurance_chain(parties: list[Facts]) -> dict[str, Facts]:
    """The assurance facts that read other parties, by party id: whether the party engages
    sub-processors; for a processor, whether each of its sub-processors is covered (inside the
    processor's own report, or by assurance of its own); for a sub-processor, whether the report of
    the processor that engaged it takes it inside its scope. A sub-processor that names no
    processor may have been engaged by any party."""
    by_id = {p["id"]: p for p in parties}
    subs = [p for p in parties if "sub_processor" in (p.get("roles") or [])]
    out: dict[str, Facts] = {}
    for party in parties:
        pid = party["id"]
        mine = [s for s in subs if s.get("engaged_by") == pid and s["id"] != pid]
        maybe = [s for s in subs if s.get("engaged_by") is None and s["id"] != pid]
        engages = True if mine else (None if maybe else False)
        documents = party.get("assurance")
        covers = all_true(
            [
                *(_sub_covered(documents, s) for s in mine),
                *(any_true([None, _sub_covered(documents, s)]) for s in maybe),
            ]
        )
        engaging = party.get("engaged_by")
        inclusive: Truth
        if "sub_processor" not in (party.get("roles") or []):
            inclusive = False  # no processor engaged it as a sub-processor
        elif engaging in by_id:
            inclusive = _inclusive_in(by_id[engaging].get("assurance"), pid)
        else:
            inclusive = None  # it names no processor: any may have engaged it
        out[pid] = {
            "engages_subprocessors": engages,
            "assurance_subprocessors_covered": covers,
            "assurance_inclusive_in_processor": inclusive,
        }
    return out


def _incident_notice(security: Facts) -> str | None:
    terms = security.get("incident_notice_terms")
    if terms is None and security.get("incident_notification_hours") is not None:
        return "hours"
    return None if terms is None else str(terms)


AI_TECHNOLOGIES = frozenset({"face_recognition", "video_analytics", "licence_plate_recognition"})
# Kinds of system that store, carry or show what an analysis produced, without running it.
_NOT_ANALYSING = frozenset({"database", "network", "dashboard"})


def _ai_from_flows(flows: list[Facts]) -> Truth:
    """Whether flows at a system show it runs AI: a flow using an AI technology; unknown where a
    flow does not state its technologies (it may use one); no otherwise."""
    verdicts: list[Truth] = []
    for f in flows:
        techs = f.get("technologies")
        if techs is None:
            verdicts.append(None)  # not stated: the flow may use AI
        else:
            verdicts.append(bool(AI_TECHNOLOGIES & set(techs)))
    return any_true(verdicts)


def not_(value: Truth) -> Truth:
    """Kleene NOT."""
    return None if value is None else not value


def derive_system(system: Facts) -> Facts:
    """Add derived facts a system's own fields determine."""
    kind = system.get("kind")
    years = _years_between(
        (system.get("product") or {}).get("placed_on_market_on"),
        (system.get("security") or {}).get("support_period_end"),
    )
    return {
        "third_country_location": _any_outside_eea(system.get("locations")),
        "iot_device": None if kind is None else kind in ("device", "gateway"),
        "digital_product": None
        if kind is None
        else kind in ("device", "gateway", "app", "ai_model", "other"),
        "support_period_years": years,
        "cra_annex_i_units": _cra_annex_i_units(system.get("product") or {}),
        "red_units_in_scope": _red_units_in_scope(system.get("product") or {}),
        "ai_system": None if kind is None else kind == "ai_model",
        "support_period_sufficient": _support_sufficient(
            years, (system.get("product") or {}).get("expected_use_years")
        ),
        **system,
    }


def _years_between(start: Any, end: Any) -> float | None:
    if start is None or end is None:
        return None
    days = (_as_date(end) - _as_date(start)).days
    return round(days / 365.25, 2)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _support_sufficient(years: float | None, expected_use: int | None) -> Truth:
    """CRA Art. 13(8): the support period reflects the time the product is expected to be in use,
    and is at least five years unless that time is shorter. Five years is a floor, not a safe
    harbour: without a stated expected use the answer is unknown."""
    if years is None or expected_use is None:
        return None
    # A day's slack for the calendar: 2028-03-01 to 2038-03-01 is ten years.
    return years + 1 / 365 >= expected_use


CRA_ANNEX_I_FROM = date(2027, 12, 11)  # CRA Art. 71(2); Art. 69(2) for units placed earlier
RED_ART_3_3_FROM = date(2025, 8, 1)  # Delegated Regulation (EU) 2022/30 Art. 3, as amended by (EU) 2023/2444


def _red_units_in_scope(product: Facts) -> Truth:
    """Delegated Regulation (EU) 2022/30 applies to radio equipment placed on the market from
    1 August 2025: every unit, when the product was first placed on the market from that date or
    its units were; none, when its units were all placed on the market before it."""
    first = product.get("placed_on_market_on")
    units = product.get("units_placed_on_market_by")  # never before `first` (the model refuses it)
    if first is not None and _as_date(first) >= RED_ART_3_3_FROM:
        return True
    if units is None:
        return None
    return _as_date(units) >= RED_ART_3_3_FROM


def _cra_annex_i_units(product: Facts) -> Truth:
    """CRA Art. 69(2): units placed on the market before 11 December 2027 are outside the
    Regulation's requirements (Art. 14 aside, Art. 69(3)) unless the product is substantially
    modified from that date. A product first placed on the market from that date has only such
    units."""
    first = product.get("placed_on_market_on")
    units = product.get("units_placed_on_market_by")  # never before `first` (the model refuses it)
    modified = product.get("substantially_modified")
    if modified is True:
        return True
    if first is not None and _as_date(first) >= CRA_ANNEX_I_FROM:
        return True
    if units is None:
        return None
    if _as_date(units) >= CRA_ANNEX_I_FROM:
        return True
    return None if modified is None else False


# ---------------------------------------------------------------------------------------------
# Contexts of a real solution


@dataclass(frozen=True)
class SolutionFacts:
    """A solution flattened into the fact dictionaries rules read."""

    solution: Facts
    document: Facts  # the whole validated solution as JSON-ready data, for the assessment
    flows: list[Facts]
    parties: list[Facts]
    systems: list[Facts]
    safeguards: dict[str, str]
    # The systems holding the personal data of each target, as the `on: data_systems` safeguard
    # test reads them: by (scope, target id), and ("solution", None) for the whole solution.
    data_systems: dict[tuple[str, str | None], list[Facts]] = field(default_factory=dict)


def solution_facts(solution: Solution, as_of: date | None = None) -> SolutionFacts:
    """Flatten a validated solution into facts, with derived facts added. `as_of`, the assessment
    date, dates the facts that depend on it (an assurance report's age, a certificate's validity);
    without it they are unknown."""
    dumped = solution.model_dump(mode="json")
    systems = [derive_system(s) for s in dumped["systems"]]
    system_by_id = {s["id"]: s for s in systems}
    flows = [
        derive_flow(
            {
                "source_kind": system_by_id[f["source"]]["kind"] if f["source"] in system_by_id else "party",
                **f,
            }
        )
        for f in dumped["flows"]
    ]
    # A party receives personal data when a flow with personal data ends at the party or at a
    # system it operates; unknown when such a flow's categories are unknown.
    incoming: dict[str, list[Truth]] = {p["id"]: [] for p in dumped["parties"]}
    secret_in: dict[str, list[Truth]] = {p["id"]: [] for p in dumped["parties"]}
    for flow in flows:
        dest = flow["destination"]
        owner = dest if dest in incoming else system_by_id[dest].get("operator")
        if owner in incoming:
            incoming[owner].append(flow["personal_data"])
            secret_in[owner].append(flow.get("secrecy"))
        else:
            # Nobody is named as operating the destination: any party may be receiving it.
            if flow["personal_data"] is not False:
                for received in incoming.values():
                    received.append(None)
            if flow.get("secrecy") is not False:
                for received in secret_in.values():
                    received.append(None)

    # A party that operates a system located outside the EEA is reached there too.
    operates_abroad: dict[str, list[Truth]] = {p: [] for p in incoming}
    for system in systems:
        op = system.get("operator")
        if op in operates_abroad:
            operates_abroad[op].append(system["third_country_location"])
        elif system["third_country_location"] is not False:
            for abroad in operates_abroad.values():
                abroad.append(None)
    # Each system's flows, indexed once (a scan of every flow per system is quadratic).
    leaving: dict[Any, list[Facts]] = defaultdict(list)
    touching: dict[Any, list[Facts]] = defaultdict(list)
    for f in flows:
        leaving[f["source"]].append(f)
        for end in dict.fromkeys((f["source"], f["destination"])):
            touching[end].append(f)
    for system in systems:
        outgoing = leaving[system["id"]]
        system["sends_personal_data"] = any_true(f["personal_data"] for f in outgoing)
        system["holds_personal_data"] = any_true(f["personal_data"] for f in touching[system["id"]])
        system["sends_sensitive_data"] = any_true(
            any_true([f["special_categories"], f["camera_surveillance"]]) for f in outgoing
        )
        if system["ai_system"] is False and system.get("kind") not in _NOT_ANALYSING:
            system["ai_system"] = _ai_from_flows(touching[system["id"]])
    sol = derive_solution({k: v for k, v in dumped.items() if k not in _SOLUTION_COLLECTIONS}, flows)
    parties = []
    chain = assurance_chain(dumped["parties"])
    for party in dumped["parties"]:
        facts = dict(party)
        facts["receives_personal_data"] = any_true(incoming[party["id"]])
        facts["receives_secret_data"] = any_true(secret_in[party["id"]])
        facts.update(chain[party["id"]])
        parties.append(derive_party(facts, operates_abroad[party["id"]], sol["personal_data"], as_of))
    safeguards = {s["control"]: s["status"] for s in dumped["safeguards"]}
    holding = _data_systems(flows, system_by_id, safeguards)
    sol["internet_facing_systems"] = any_true(
        (s.get("security") or {}).get("internet_facing")
        for s in systems
        if s["holds_personal_data"] is not False
    )
    return SolutionFacts(sol, dumped, flows, parties, systems, safeguards, holding)


def data_system(system: Facts, solution_wide: dict[str, str], certain: bool = True) -> Facts:
    """A system as the `on: data_systems` safeguard test reads it: its kind, the status of each
    safeguard on it (its own entry, else its `security.mfa` for `mfa`, else the solution-wide one),
    the controls it states itself (`own`), and whether it holds personal data for certain (false
    where only a flow of unknown categories would make it hold some)."""
    listed = system.get("safeguards") or []
    own: dict[str, str] = {}
    mfa = (system.get("security") or {}).get("mfa")
    if mfa is not None:
        own["mfa"] = "implemented" if mfa else "absent"
    if isinstance(listed, dict):  # a rule case gives them as a mapping
        own.update(listed)
    else:
        own.update({s["control"]: s["status"] for s in listed})
    return {
        "id": system.get("id"),
        "kind": system.get("kind"),
        "safeguards": {**solution_wide, **own},
        "own": frozenset(own),
        "certain": certain,
    }


def _data_systems(
    flows: list[Facts], system_by_id: dict[str, Facts], solution_wide: dict[str, str]
) -> dict[tuple[str, str | None], list[Facts]]:
    """The systems that hold each target's personal data: a flow's source and destination systems,
    a system itself, and for the solution every system at either end of a flow with personal data."""
    out: dict[tuple[str, str | None], list[Facts]] = {}
    certain: dict[str, bool] = {}
    for flow in flows:
        ends = [e for e in dict.fromkeys((flow["source"], flow["destination"])) if e in system_by_id]
        out[("flow", flow["id"])] = [data_system(system_by_id[e], solution_wide) for e in ends]
        if flow["personal_data"] is not False:
            for end in ends:
                certain[end] = certain.get(end, False) or flow["personal_data"] is True
        facing = [(system_by_id[e].get("security") or {}).get("internet_facing") for e in ends]
        flow["internet_facing_systems"] = any_true(facing) if ends else None
        kept = [(system_by_id[e].get("security") or {}).get("stores_data_unencrypted") for e in ends]
        if any(k is True for k in kept):
            flow["stored_unencrypted_on_system"] = True
        elif ends and all(k is False for k in kept):
            flow["stored_unencrypted_on_system"] = False
    for sid, system in system_by_id.items():
        out[("system", sid)] = [data_system(system, solution_wide)]
    out[("solution", None)] = [data_system(system_by_id[s], solution_wide, c) for s, c in certain.items()]
    return out


def lookup(ctx: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """The value at a dotted path in a context, or None when any step is missing."""
    value: Any = ctx
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
        if value is None:
            return None
    return value


# A target's facts with its derived facts added, on an assessment date (a party's assurance reports
# age with it; a flow's and a system's facts do not depend on it).
DeriveFn = Callable[[Facts, date | None], Facts]
DERIVERS: dict[str, DeriveFn] = {
    "flow": lambda flow, _as_of: derive_flow(flow),
    "party": lambda party, as_of: derive_party(party, as_of=as_of),
    "system": lambda system, _as_of: derive_system(system),
}
