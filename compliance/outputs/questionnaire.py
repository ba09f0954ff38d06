"""`compliance questions SOLUTION`: the open questions of a solution, as text, as JSON, or as the
spreadsheet a municipality sends a supplier.

The questions are the interview's (`compliance.core.questions.next_questions`): what decides the
verdict or the DPIA answer first, then what decides the other critical, high and legal results.
`--party ID` keeps the questions for one party: about it, the systems it operates and the flows
that leave or reach them, and (for the assessed supplier) the solution-wide questions a supplier
usually answers.

The workbook has an instructions sheet (the solution's name, the recipient's language, the
SHA-256 of the solution facts it was made from, who answers and when), one sheet per topic with the
questions locked and the answer and evidence cells open, each answer cell validated (a list of the
answers' labels, a date, a whole number or a number), a sheet of assurance documents where each
row is one report or certificate of a party (a column per field the rules read, those the file
already states filled in), and a hidden sheet of those lists. Every
text cell is written as text; a text a spreadsheet could read as a formula (a leading `=`, `+`,
`-`, `@`, tab or carriage return: a flow named by the supplier, say) is written with a leading
apostrophe, and the workbook holds no formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from compliance.core.facts import registry
from compliance.core.messages import N_
from compliance.core.models.assessment import Assessment, Question
from compliance.core.models.rules import Scope
from compliance.core.questions import (
    RECORDS,
    SAFEGUARD_PREFIX,
    ask_about,
    in_groups,
    in_language,
    record_field,
    solution_facts_sha256,
)
from compliance.core.terminal import neutralise
from compliance.inputs.workbook import (
    ANSWER_COLUMN,
    ANSWERED_BY_ROW,
    DATE_ROW,
    EVIDENCE_COLUMN,
    INSTRUCTION_ROWS,
    LISTS_SHEET,
    NONE_HANDED_IN,
    RECORD_EVIDENCE_COLUMN,
    RECORD_FIELDS,
    RECORD_FIRST_COLUMN,
    RECORD_ROWS,
    question_key,
)
from compliance.outputs import i18n

# A text a spreadsheet program would read as a formula (or a DDE call) starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEETS = (
    ("solution", N_("Solution")),
    ("flow", N_("Data flows")),
    ("party", N_("Parties")),
    ("system", N_("Systems")),
    ("safeguards", N_("Safeguards")),
)
COLUMNS = (
    N_("Key"),
    N_("About"),
    N_("Question"),
    N_("Help"),
    N_("Answer"),
    N_("Evidence (document, page)"),
    N_("Why we ask"),
)
OPEN_FILL = PatternFill("solid", fgColor="FFF2CC")
RECORDS_SHEET = N_("Assurance documents")
RECORD_HEADINGS = {
    "type": N_("Type of document"),
    "period_end": N_("Period end (reports)"),
    "expires_on": N_("Expires on (certificates)"),
    "opinion": N_("Auditor's opinion (reports)"),
    "exceptions": N_("Exceptions noted (reports)"),
    "covers_product": N_("Covers what is bought"),
    "subservice_organisations": N_("Sub-processors inside its scope (reports)"),
    "soa_excluded_controls": N_("Annex A controls the Statement of Applicability excludes (certificates)"),
}


def facts_sha256(a: Assessment) -> str:
    """The SHA-256 of the solution facts an assessment was made from (canonical JSON)."""
    return solution_facts_sha256(a.solution)


def for_party(a: Assessment, questions: Sequence[Question], party: str) -> list[Question]:
    """The questions for one party: about it, the systems it operates, the flows that leave or
    reach them, and (for the assessed supplier) the solution-wide questions a supplier answers."""
    systems = {s["id"] for s in a.solution.get("systems") or [] if s.get("operator") == party}
    flows = {
        f["id"]
        for f in a.solution.get("flows") or []
        if {f.get("source"), f.get("destination")} & (systems | {party})
    }
    supplier = a.solution.get("supplier") == party
    out = []
    for q in questions:
        t = q.target
        if t is not None:
            mine = (
                (t.kind is Scope.PARTY and t.id == party)
                or (t.kind is Scope.SYSTEM and t.id in systems)
                or (t.kind is Scope.FLOW and t.id in flows)
            )
        else:
            mine = supplier and bool(q.answered_by) and q.answered_by[0] == "supplier"
        if mine:
            out.append(q)
    return out


def safe_text(text: str) -> str:
    """A text as a spreadsheet must show it: never read as a formula, no control characters."""
    text = neutralise(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _topic(question: Question) -> str:
    if question.fact.startswith(SAFEGUARD_PREFIX):
        return "safeguards"
    return question.target.kind.value if question.target is not None else "solution"


def as_text(a: Assessment, questions: Sequence[Question], lang: str) -> str:
    """The questions for a terminal or an e-mail, numbered, in the asking order."""
    _ = i18n.translator(lang).gettext
    groups = in_groups(questions, checklists=False)
    lines = [
        _("Open questions about {name}, most decisive first ({n}):").format(
            name=a.solution.get("name", ""), n=len(groups)
        )
    ]
    for number, group in enumerate(groups, start=1):
        question = group[0]
        text = in_language(question, lang, rows=len(group) > 1)
        lines += ["", f"{number}. {neutralise(text.ask)}"]
        if len(group) > 1:
            names = "; ".join(neutralise(q.target.name) for q in group if q.target is not None)
            lines.append("   " + _("For each of: {names}").format(names=names))
        if text.help:
            lines.append(f"   {neutralise(text.help)}")
        if question.fact in RECORDS:
            fields = "; ".join(_(RECORD_HEADINGS[name]) for name in RECORD_FIELDS)
            lines.append("   " + _("For each document: {fields}").format(fields=fields))
        for label in text.choices.values():
            lines.append(f"   - {neutralise(label)}")
        if text.evidence:
            lines.append("   " + _("Evidence: {evidence}").format(evidence=neutralise(text.evidence)))
    return "\n".join(lines) + "\n"


def as_json(a: Assessment, questions: Sequence[Question], lang: str) -> dict[str, Any]:
    """The questions as data, in the recipient's language, with the facts they were made from."""
    items = []
    for question in questions:
        text = in_language(question, lang)
        items.append(
            {
                "key": question_key(question.fact, question.target),
                "fact": question.fact,
                "target": None
                if question.target is None
                else {
                    "kind": question.target.kind.value,
                    "id": question.target.id,
                    "name": question.target.name,
                },
                "ask": text.ask,
                "help": text.help,
                "why": text.why,
                "evidence": text.evidence,
                "choices": text.choices,
                "answered_by": list(question.answered_by),
                "decides": list(question.decides),
                "in_english": text.in_english,
                **({"fields": _record_fields(question, lang)} if question.fact in RECORDS else {}),
            }
        )
    return {
        "solution": a.solution.get("name", ""),
        "language": lang,
        "solution_facts_sha256": facts_sha256(a),
        "as_of": a.as_of.isoformat(),
        "questions": items,
    }


def _record_fields(question: Question, lang: str) -> list[dict[str, Any]]:
    """The questions asked of each record of a list (each assurance document), as data."""
    out = []
    for name in RECORD_FIELDS:
        field_ = record_field(f"{question.fact}.{name}")
        if field_ is None:
            continue
        text = in_language(ask_about(f"{question.fact}.{name}", question.target), lang)
        out.append(
            {
                "field": name,
                "ask": text.ask,
                "help": text.help,
                "choices": text.choices,
                "of_types": sorted(field_.of) if field_.of is not None else None,
            }
        )
    return out


def as_xlsx(a: Assessment, questions: Sequence[Question], lang: str) -> bytes:
    """The questionnaire a municipality sends a supplier, as XLSX bytes."""
    _ = i18n.translator(lang).gettext
    book = Workbook()
    intro = book.active
    assert intro is not None
    intro.title = _("Instructions")[:31]
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    _instructions(intro, a, lang, len(questions), documents=any(q.fact in RECORDS for q in questions))
    # A list of records (a party's assurance documents) has a sheet of its own, a row a record.
    records = [q for q in questions if q.fact in RECORDS]
    questions = [q for q in questions if q.fact not in RECORDS]
    # The rows of one question about several flows, parties or systems stand together.
    questions = [q for group in in_groups(questions, checklists=False) for q in group]
    sheets: dict[str, Worksheet] = {}
    for topic, title in SHEETS:
        if any(_topic(q) == topic for q in questions):
            sheets[topic] = _questions_sheet(book, _(title)[:31], lang)
    list_column = 0
    for question in questions:
        sheet = sheets[_topic(question)]
        text = in_language(question, lang)
        row = sheet.max_row + 1
        about = question.target.name if question.target is not None else _("the solution")
        helping = " ".join(
            part
            for part in (
                text.help,
                _("Evidence: {evidence}").format(evidence=text.evidence) if text.evidence else None,
            )
            if part
        )
        values = (
            question_key(question.fact, question.target),
            about,
            text.ask,
            helping,
            "",
            "",
            text.why or "",
        )
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=safe_text(value) if value else None)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column in (ANSWER_COLUMN, EVIDENCE_COLUMN):
            open_cell = sheet.cell(row=row, column=column)
            open_cell.protection = Protection(locked=False)
            open_cell.fill = OPEN_FILL
        list_column = _validate(sheet, row, question, text.choices, lists, list_column, lang)
    if records:
        _records_sheet(book, a, records, lists, list_column, lang)
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _instructions(sheet: Worksheet, a: Assessment, lang: str, n: int, *, documents: bool = False) -> None:
    _ = i18n.translator(lang).gettext
    # The cells the import reads back are placed by the layout it reads them with.
    rows = {
        INSTRUCTION_ROWS["solution"]: (_("Questionnaire"), a.solution.get("name", "")),
        INSTRUCTION_ROWS["language"]: (_("Language"), lang),
        INSTRUCTION_ROWS["made_on"]: (_("Made on"), a.as_of.isoformat()),
        INSTRUCTION_ROWS["questions"]: (_("Questions"), str(n)),
        INSTRUCTION_ROWS["facts_sha256"]: (_("Made from the solution facts with SHA-256"), facts_sha256(a)),
        7: (_("How to answer"), _("Answer in the yellow cells of each sheet, one question per row.")),
        8: (
            "",
            _("Where a list is offered, choose from it. Several answers: write them separated by commas."),
        ),
        9: ("", _("Write 'don't know' where you do not know; leave a row empty to skip it.")),
        10: ("", _("Name the document that shows each answer in the evidence column.")),
        11: ("", _("Do not change the other columns: the answers are read back by their key.")),
        12: (
            "",
            _(
                "Assurance documents: one row per report or certificate; choose 'None handed in' as the "
                "type where the organisation has handed in none."
            )
            if documents
            else "",
        ),
        ANSWERED_BY_ROW: (_("Answered by (name and organisation)"), ""),
        DATE_ROW: (_("Date (YYYY-MM-DD)"), ""),
    }
    for number, (label, value) in rows.items():
        left = sheet.cell(row=number, column=1, value=safe_text(label) if label else None)
        left.font = Font(bold=True)
        right = sheet.cell(row=number, column=2, value=safe_text(value) if value else None)
        right.alignment = Alignment(wrap_text=True)
    for number in (ANSWERED_BY_ROW, DATE_ROW):
        cell = sheet.cell(row=number, column=2)
        cell.protection = Protection(locked=False)
        cell.fill = OPEN_FILL
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 90
    sheet.protection.sheet = True


def _questions_sheet(book: Workbook, title: str, lang: str) -> Worksheet:
    _ = i18n.translator(lang).gettext
    sheet: Worksheet = book.create_sheet(title)
    widths = (28, 24, 60, 60, 30, 30, 50)
    for column, (label, width) in enumerate(zip(COLUMNS, widths, strict=True), start=1):
        cell = sheet.cell(row=1, column=column, value=safe_text(_(label)))
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.column_dimensions["A"].hidden = True  # the key: read back by the import, not by people
    sheet.freeze_panes = "C2"
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False
    return sheet


def _validate(
    sheet: Worksheet,
    row: int,
    question: Question,
    choices: dict[str, str],
    lists: Worksheet,
    list_column: int,
    lang: str,
) -> int:
    """Validate the answer cell of one row; the next free column of the lists sheet."""
    spec = registry().get(question.fact)
    kind = "enum" if question.fact.startswith(SAFEGUARD_PREFIX) else (spec.kind if spec else "str")
    cells = f"{get_column_letter(ANSWER_COLUMN)}{row}"
    return _validation(sheet, cells, kind, choices, lists, list_column, lang)


def _validation(
    sheet: Worksheet,
    cells: str,
    kind: str,
    choices: dict[str, str],
    lists: Worksheet,
    list_column: int,
    lang: str,
) -> int:
    """Validate `cells` for an answer of `kind` (a closed set offered as a list of its labels and
    "don't know", a date, a whole number, a number); the next free column of the lists sheet."""
    _ = i18n.translator(lang).gettext
    validation: DataValidation | None = None
    if choices and kind in ("bool", "enum"):
        list_column += 1
        letter = get_column_letter(list_column)
        labels = [*choices.values(), _("don't know")]
        for number, label in enumerate(labels, start=1):
            lists.cell(row=number, column=list_column, value=safe_text(label))
        validation = DataValidation(
            type="list", formula1=f"{LISTS_SHEET}!${letter}$1:${letter}${len(labels)}", allow_blank=True
        )
    elif kind == "date":
        validation = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
    elif kind == "int":
        validation = DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
    elif kind == "number":
        validation = DataValidation(
            type="decimal", allow_blank=True, operator="greaterThanOrEqual", formula1="0"
        )
    if validation is not None:
        validation.error = _("Choose or type an answer of the kind the question asks for.")
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        validation.add(cells)
    return list_column


def _records_sheet(
    book: Workbook,
    a: Assessment,
    records: Sequence[Question],
    lists: Worksheet,
    list_column: int,
    lang: str,
) -> None:
    """The sheet of assurance documents: for each party asked, a few rows (one per document, the
    documents the file already lists filled in), a column per field, each validated."""
    _ = i18n.translator(lang).gettext
    sheet: Worksheet = book.create_sheet(_(RECORDS_SHEET)[:31])
    headings = [_("Key"), _("About"), *(_(RECORD_HEADINGS[n]) for n in RECORD_FIELDS), _(COLUMNS[5])]
    for column, label in enumerate(headings, start=1):
        cell = sheet.cell(row=1, column=column, value=safe_text(label))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = 24
    sheet.column_dimensions["A"].hidden = True
    sheet.freeze_panes = "C2"
    sheet.protection.sheet = True
    parties = {str(p.get("id")): p for p in a.solution.get("parties") or [] if isinstance(p, dict)}
    names = {ident: str(p.get("name") or ident) for ident, p in parties.items()}
    row = 1
    for question in records:
        if question.target is None:
            continue
        fact = question.fact
        existing = parties.get(question.target.id, {}).get("assurance") or []
        choices = {
            name: in_language(ask_about(f"{fact}.{name}", question.target), lang).choices
            for name in RECORD_FIELDS
        }
        choices["type"] = {**choices["type"], "none": NONE_HANDED_IN.get(lang, NONE_HANDED_IN["en"])}
        first = row + 1
        for index in range(max(RECORD_ROWS, len(existing) + 1)):
            row += 1
            item = existing[index] if index < len(existing) else {}
            sheet.cell(row=row, column=1, value=safe_text(question_key(fact, question.target)))
            sheet.cell(row=row, column=2, value=safe_text(question.target.name))
            for offset, name in enumerate(RECORD_FIELDS):
                value = item.get(name)
                if name == "subservice_organisations" and isinstance(value, list):
                    # the column names those inside the report's scope, by name
                    value = [
                        names.get(str(e.get("party")), str(e.get("party")))
                        for e in value
                        if isinstance(e, dict) and e.get("method") == "inclusive"
                    ]
                cell = sheet.cell(
                    row=row, column=RECORD_FIRST_COLUMN + offset, value=_shown(value, choices[name])
                )
                cell.protection = Protection(locked=False)
                cell.fill = OPEN_FILL
            evidence = sheet.cell(
                row=row, column=RECORD_EVIDENCE_COLUMN, value=_shown(item.get("reference"), {})
            )
            evidence.protection = Protection(locked=False)
            evidence.fill = OPEN_FILL
        last = row
        for offset, name in enumerate(RECORD_FIELDS):
            letter = get_column_letter(RECORD_FIRST_COLUMN + offset)
            field_ = record_field(f"{fact}.{name}")
            if field_ is not None:
                list_column = _validation(
                    sheet,
                    f"{letter}{first}:{letter}{last}",
                    field_.kind,
                    choices[name],
                    lists,
                    list_column,
                    lang,
                )


def _shown(value: Any, choices: dict[str, str]) -> Any:
    """A field's value as its cell shows it: the label of a choice, names of parties, a date."""
    if value is None:
        return None
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, list):
        parts = [str(v.get("party")) if isinstance(v, dict) else str(v) for v in value]
        return safe_text(", ".join(parts)) if parts else "none"
    text = str(value)
    return safe_text(choices.get(text, text))
