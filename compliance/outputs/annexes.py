"""The annexes a processor agreement needs, prefilled from the solution: the appendices of the
Danish standard contractual clauses for processors (A: the processing; B: the authorised
sub-processors with their countries; C: the instructions, security measures included) and the
instruction annex of the Swedish municipal processor agreement (PUB), as Word documents to complete.

Everything in them comes from the solution file, in the reader's language (terms from the
vocabularies' translations, countries by name, durations in words). What the file does not state
is a marked blank, highlighted in the document ("[to be filled in: ...]"), never invented text. The
wording is our own; the numbering follows the structure the authorities' templates use, so that the
annex can be laid beside them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from compliance.core.messages import N_
from compliance.outputs import i18n, record

Doc = Mapping[str, Any]

BLANK = N_("[to be filled in: {what}]")
KINDS = ("dk-scc", "se-pub")


@dataclass
class Section:
    """A numbered section: its heading, its lines (a line is text, or a blank to fill in) and an
    optional table."""

    number: str
    heading: str
    lines: list[tuple[str, bool]] = field(default_factory=list)  # (text, is a blank)
    table: list[list[tuple[str, bool]]] | None = None


@dataclass
class Annex:
    """An annex: its title, an introduction, and its sections."""

    title: str
    intro: str
    sections: list[Section]


def _processing(solution: Doc, processor: str) -> dict[str, Any]:
    """The part of the solution the processor handles: the flows that reach it, leave it, or pass
    through a system it or one of its sub-processors operates."""
    parties = {p["id"]: p for p in solution.get("parties") or []}
    subs = [p for p in parties.values() if p.get("engaged_by") == processor]
    operated = {
        s["id"]
        for s in solution.get("systems") or []
        if s.get("operator") in {processor, *(p["id"] for p in subs)}
    }
    reach = {processor, *(p["id"] for p in subs), *operated}
    flows = [
        f for f in solution.get("flows") or [] if f.get("source") in reach or f.get("destination") in reach
    ]
    return {**solution, "flows": flows}


def build(solution: Doc, processor: str, kind: str, lang: str) -> Annex:
    """The annex of `kind` for the processor `processor` of a solution, in `lang`."""
    _ = i18n.translator(lang).gettext
    parties = {p["id"]: p for p in solution.get("parties") or []}
    party = parties[processor]
    scope = _processing(solution, processor)
    rec = record.build(scope, lang)
    flows = scope["flows"]
    subs = [p for p in parties.values() if p.get("engaged_by") == processor]
    contract = party.get("contract") or {}

    def blank(what: str) -> tuple[str, bool]:
        return _(BLANK).format(what=what), True

    def listed(items: list[str], what: str) -> list[tuple[str, bool]]:
        return [(i, False) for i in items] if items else [blank(what)]

    nature = [
        f"{f['name']}" + (f": {' '.join(str(f['description']).split())}" if f.get("description") else "")
        for f in flows
    ]
    erasure = [f"{name}: {limit}" for name, limit in rec.erasure]
    locations = _locations(solution, processor, subs, lang)
    sub_rows = [
        [
            (str(p["name"]), False),
            (i18n.country_names([p["country"]], lang), False) if p.get("country") else blank(_("country")),
            blank(_("company registration number and address")),
            (
                _processing_text(solution, p, lang) or _(BLANK).format(what=_("what it does")),
                not _processing_text(solution, p, lang),
            ),
        ]
        for p in subs
    ]
    authorisation = party.get("subprocessor_authorisation")
    auth_text = {
        "specific": _("Each sub-processor needs the controller's prior specific written authorisation."),
        "general": _(
            "The controller gives a general written authorisation; the processor tells the controller of "
            "intended changes in advance, and the controller may object."
        ),
    }.get(str(authorisation))
    assistance = [
        text
        for letter, text in (
            ("e", _("The processor assists the controller with data subjects' requests (Art. 28(3)(e)).")),
            ("f", _("The processor assists the controller with Arts. 32 to 36 (Art. 28(3)(f)).")),
        )
        if letter in (contract.get("clauses") or [])
    ]
    breach = contract.get("breach_notification_hours")
    if contract.get("breach_notice_without_undue_delay"):
        assistance.append(_("Personal data breaches are notified to the controller without undue delay."))
    elif breach is not None:
        assistance.append(
            _("Personal data breaches are notified to the controller within {hours} hours.").format(
                hours=breach
            )
        )
    transfers = list(rec.transfers) or ([(_("No transfer to a third country is stated."))] if flows else [])
    audits = (
        [
            (
                _(
                    "The processor allows for and contributes to audits, including inspections (Art. 28(3)(h))."
                ),
                False,
            )
        ]
        if "h" in (contract.get("clauses") or [])
        else []
    ) + [blank(_("how often, by whom and at whose cost audits and inspections take place"))]

    # The sections both annexes have, by name; each annex numbers them in its own order.
    sub_table = (
        [
            [
                (_("Name"), False),
                (_("Country"), False),
                (_("Registration number and address"), False),
                (_("What it does"), False),
            ],
            *sub_rows,
        ]
        if sub_rows
        else None
    )
    common = {
        "purpose": (
            _("The purpose of the processing on the controller's behalf"),
            listed(rec.purposes, _("the purposes")),
        ),
        "types": (_("Types of personal data"), listed(rec.categories, _("the types of personal data"))),
        "subjects": (
            _("Categories of data subjects"),
            listed(rec.subjects, _("the categories of data subjects")),
        ),
        "security": (_("Security of processing"), listed(rec.measures, _("the security measures"))),
        "erasure": (_("Storage period and erasure"), listed(erasure, _("the storage period"))),
        "where": (_("Where the processing takes place"), listed(locations, _("the locations of processing"))),
        "transfers": (
            _("Transfers to third countries"),
            listed(transfers, _("the transfers and their grounds")),
        ),
        "subs": (
            _("Authorised sub-processors"),
            [] if sub_rows else [(_("No sub-processor is stated."), False)],
        ),
    }

    def section(number: str, name: str) -> Section:
        heading, lines = common[name]
        return Section(number, heading, lines, sub_table if name == "subs" else None)

    nature_lines = listed(nature, _("what the processor does with the data"))
    if kind == "dk-scc":
        sections = [
            section("A.1", "purpose"),
            Section("A.2", _("The nature of the processing"), nature_lines),
            section("A.3", "types"),
            section("A.4", "subjects"),
            Section(
                "A.5",
                _("Duration of the processing"),
                [*((e, False) for e in erasure), blank(_("the term of the agreement"))],
            ),
            section("B.1", "subs"),
            Section(
                "B.2",
                _("Notice before new sub-processors"),
                [
                    (auth_text, False) if auth_text else blank(_("specific or general authorisation")),
                    blank(_("the notice period")),
                ],
            ),
            Section(
                "C.1",
                _("The subject of the processing and the instruction"),
                listed(nature, _("the instruction")),
            ),
            section("C.2", "security"),
            Section(
                "C.3",
                _("Assistance to the controller"),
                listed(assistance, _("the assistance the processor gives")),
            ),
            section("C.4", "erasure"),
            section("C.5", "where"),
            section("C.6", "transfers"),
            Section("C.7", _("Audits and inspections of the processor"), audits),
            Section(
                "C.8",
                _("Audits of sub-processors"),
                [blank(_("how the processor audits its sub-processors"))],
            ),
        ]
        title = _("Appendices A to C to the data processing agreement with {processor}").format(
            processor=party["name"]
        )
    else:
        sections = [
            section("1", "purpose"),
            Section("2", _("The processing the processor may carry out"), nature_lines),
            section("3", "types"),
            section("4", "subjects"),
            section("5", "where"),
            section("6", "erasure"),
            section("7", "security"),
            section("8", "subs"),
            section("9", "transfers"),
            Section("10", _("Contact persons"), [blank(_("the contact persons of both parties"))]),
        ]
        title = _("Instruction for the processing of personal data by {processor}").format(
            processor=party["name"]
        )
    intro = _(
        "Prefilled from the solution file {solution}. Marked blanks are facts the file does not state: "
        "fill them in before the annex is signed; nothing in them was guessed."
    ).format(solution=solution.get("name", solution.get("id", "")))
    return Annex(title, intro, sections)


def _processing_text(solution: Doc, party: Doc, lang: str) -> str:
    """What a sub-processor does, from the flows that reach it or its systems."""
    systems = {s["id"] for s in solution.get("systems") or [] if s.get("operator") == party["id"]}
    names = [
        str(f["name"])
        for f in solution.get("flows") or []
        if f.get("destination") in {party["id"], *systems} or f.get("source") in {party["id"], *systems}
    ]
    return "; ".join(dict.fromkeys(names))


def _locations(solution: Doc, processor: str, subs: list[Doc], lang: str) -> list[str]:
    """Where the processor and its sub-processors process the data: their systems' locations and
    their countries."""
    out = []
    owners = {processor, *(p["id"] for p in subs)}
    parties = {p["id"]: p for p in solution.get("parties") or []}
    for s in solution.get("systems") or []:
        if s.get("operator") in owners and s.get("locations"):
            out.append(f"{s['name']}: {i18n.country_names(list(s['locations']), lang)}")
    for pid in owners:
        p = parties.get(pid) or {}
        if p.get("country"):
            line = f"{p['name']}: {i18n.country_names([p['country']], lang)}"
            if p.get("remote_access_from"):
                line += (
                    " ("
                    + i18n.translator(lang)
                    .gettext("remote access from {countries}")
                    .format(countries=i18n.country_names(list(p["remote_access_from"]), lang))
                    + ")"
                )
            out.append(line)
    return out


def as_docx(annex: Annex, lang: str) -> bytes:
    """The annex as a Word document: headings, lines, tables; blanks highlighted."""
    import docx
    from docx.enum.text import WD_COLOR_INDEX

    document = docx.Document()
    document.core_properties.language = lang
    document.core_properties.title = annex.title
    document.add_heading(annex.title, level=1)
    document.add_paragraph(annex.intro)

    def write(paragraph: Any, text: str, is_blank: bool) -> None:
        run = paragraph.add_run(text)
        if is_blank:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    for section in annex.sections:
        document.add_heading(f"{section.number} {section.heading}", level=2)
        for text, is_blank in section.lines:
            write(document.add_paragraph(style="List Bullet"), text, is_blank)
        if section.table:
            table = document.add_table(rows=0, cols=len(section.table[0]))
            table.style = "Table Grid"
            for row in section.table:
                cells = table.add_row().cells
                for cell, (text, is_blank) in zip(cells, row, strict=True):
                    write(cell.paragraphs[0], text, is_blank)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def processors(solution: Doc) -> list[str]:
    """The ids of the parties that process data for the controller."""
    return [p["id"] for p in solution.get("parties") or [] if "processor" in (p.get("roles") or [])]
