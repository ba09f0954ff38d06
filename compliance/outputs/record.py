"""The record of processing activities (GDPR Art. 30(1)) the report draws from the solution, under
the headings of points (a) to (g), in the reader's language: translated terms, durations in
words, countries by name.

It is a draft for the controller's own record, made of what the solution file states; what the
file does not state is said to be missing, never filled in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from compliance.core import vocabulary
from compliance.core.facts import derive_flow
from compliance.core.messages import N_
from compliance.core.translations import vocabulary_title
from compliance.outputs import i18n

Doc = Mapping[str, Any]

MECHANISMS = {
    "adequacy": N_("adequacy decision (Art. 45)"),
    "dpf": N_("EU-U.S. Data Privacy Framework (Art. 45)"),
    "scc": N_("standard contractual clauses (Art. 46(2)(c))"),
    "bcr": N_("binding corporate rules (Arts. 46(2)(b) and 47)"),
    "derogation": N_("derogation for a specific situation (Art. 49(1))"),
    "none": N_("no transfer ground"),
}
EVENTS = {
    "consent_withdrawn": N_("until consent is withdrawn"),
    "contract_ended": N_("until the contract ends"),
    "account_closed": N_("until the account is closed"),
    "case_closed": N_("until the case is closed"),
    "care_ended": N_("until the care ends"),
    "tenancy_ended": N_("until the tenancy ends"),
    "employment_ended": N_("until the employment ends"),
    "statistic_produced": N_("until the statistic is produced"),
    "incident_handled": N_("until the incident is handled"),
}
ROLES = {
    "controller": N_("controller"),
    "joint_controller": N_("joint controller"),
    "processor": N_("processor"),
    "sub_processor": N_("sub-processor"),
    "recipient": N_("recipient"),
    "supplier": N_("supplier"),
    "not_settled": N_("role not settled"),
}


@dataclass
class Record:
    """The record's entries, each a list of lines in the reader's language."""

    personal_data: bool
    controller: list[str] = field(default_factory=list)  # (a)
    purposes: list[str] = field(default_factory=list)  # (b)
    subjects: list[str] = field(default_factory=list)  # (c)
    categories: list[str] = field(default_factory=list)  # (c)
    recipients: list[str] = field(default_factory=list)  # (d)
    transfers: list[str] = field(default_factory=list)  # (e)
    erasure: list[tuple[str, str]] = field(default_factory=list)  # (f): flow, time limit
    measures: list[str] = field(default_factory=list)  # (g)


def roles_text(party: Doc, gettext: Callable[[str], str]) -> str:
    """A party's GDPR roles in words."""
    return ", ".join(gettext(ROLES[r]) if r in ROLES else str(r) for r in party.get("roles") or [])


def _terms(lang: str, vocab: str, keys: Iterable[str]) -> list[str]:
    """Vocabulary keys as their titles in `lang`, each once, in the order first met."""
    terms = getattr(vocabulary, vocab)().terms
    out = []
    for key in dict.fromkeys(keys):
        term = terms.get(key)
        title = vocabulary_title(lang, vocab, key, term.title)[0] if term is not None else key
        out.append(title)
    return out


def build(solution: Doc, lang: str) -> Record:
    """The record of a solution document, in `lang`."""
    _ = i18n.translator(lang).gettext
    countries = vocabulary.countries()
    parties = {p["id"]: p for p in solution.get("parties") or []}
    systems = {s["id"]: s for s in solution.get("systems") or []}
    # A flow is listed when it carries personal data, or might (its categories are not known).
    flows = [f for f in solution.get("flows") or [] if derive_flow(dict(f)).get("personal_data") is not False]
    record = Record(personal_data=bool(flows))
    if not flows:
        return record

    # (a) the controller, joint controllers and the data protection officer
    controller_doc = solution.get("controller") or {}
    controller = parties.get(controller_doc.get("party", ""))
    if controller is not None:
        record.controller.append(
            _("Controller: {name} ({country})").format(
                name=controller["name"], country=i18n.country_names([controller.get("country") or ""], lang)
            )
            if controller.get("country")
            else _("Controller: {name}").format(name=controller["name"])
        )
    for p in parties.values():
        if "joint_controller" in (p.get("roles") or []):
            record.controller.append(_("Joint controller: {name}").format(name=p["name"]))
    designated = controller_doc.get("dpo_designated")
    if designated is True:
        contact = controller_doc.get("dpo_contact")
        record.controller.append(
            _("Data protection officer: {contact}").format(contact=contact)
            if contact
            else _("Data protection officer: designated; contact details not given")
        )
    elif designated is False:
        record.controller.append(_("Data protection officer: none designated"))
    else:
        record.controller.append(_("Data protection officer: not stated"))

    # (b) and (c)
    record.purposes = _terms(lang, "purposes", (p for f in flows for p in f.get("purposes") or []))
    record.subjects = _terms(lang, "data_subjects", (s for f in flows for s in f.get("data_subjects") or []))
    record.categories = _terms(
        lang, "data_categories", (c for f in flows for c in f.get("data_categories") or [])
    )

    # (d) recipients: the parties the data goes to, other than the controller
    receiving: dict[str, Doc] = {}
    for f in flows:
        end = f.get("destination")
        party = (
            parties.get(end) if end in parties else parties.get((systems.get(end) or {}).get("operator", ""))
        )
        if party is not None and party is not controller:
            receiving.setdefault(party["id"], party)
    for p in parties.values():  # parties reaching the data where it is kept
        if p is not controller and p.get("remote_access_from"):
            receiving.setdefault(p["id"], p)
    for p in receiving.values():
        where = i18n.country_names([p["country"]], lang) if p.get("country") else _("country not stated")
        record.recipients.append(f"{p['name']} ({roles_text(p, _)}; {where})")

    # (e) transfers to third countries, with the ground each rests on
    for p in receiving.values():
        third = [
            c
            for c in dict.fromkeys([p.get("country") or "", *(p.get("remote_access_from") or [])])
            if c and not countries.is_eea(c)
        ]
        for s in systems.values():
            if s.get("operator") == p["id"]:
                third += [c for c in s.get("locations") or [] if not countries.is_eea(c) and c not in third]
        if not third:
            continue
        transfer = p.get("transfer") or {}
        mechanism = transfer.get("mechanism")
        ground = _(MECHANISMS[mechanism]) if mechanism in MECHANISMS else _("transfer ground not stated")
        if mechanism == "derogation" and transfer.get("derogation"):
            ground += f", {transfer['derogation']}"
        record.transfers.append(
            _("{countries}: {name}; {ground}").format(
                countries=i18n.country_names(third, lang), name=p["name"], ground=ground
            )
        )

    # (f) time limits for erasure, per flow
    for f in flows:
        record.erasure.append((f["name"], retention_words(f, lang)))

    # (g) the security measures stated as in place
    safeguards = vocabulary.safeguards().terms
    for s in solution.get("safeguards") or []:
        key, status = s.get("control"), s.get("status")
        if key not in safeguards or status not in ("implemented", "partial"):
            continue
        title = vocabulary_title(lang, "safeguards", key, safeguards[key].title)[0]
        record.measures.append(
            title if status == "implemented" else _("{measure} (partly)").format(measure=title)
        )
    return record


def retention_words(flow: Doc, lang: str) -> str:
    """A flow's time limit for erasure in words: its period, or the event it ends with (a flow
    states one or the other)."""
    _ = i18n.translator(lang).gettext
    if flow.get("retention"):
        return i18n.duration(flow["retention"], lang)
    until = flow.get("retention_until")
    if not until:
        return _("not stated")
    event = _(EVENTS[until["event"]]) if until.get("event") in EVENTS else str(until.get("event"))
    then = until.get("then") or "P0D"
    if then in ("P0D", "PT0S"):
        return event
    return _("{event}, then {period}").format(event=event, period=i18n.duration(then, lang))
