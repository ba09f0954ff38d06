"""Reading a supplier's filled-in questionnaire (`compliance answers import SOLUTION FILE.xlsx`).

The workbook is the one `compliance questions --format xlsx` wrote (its layout is defined here,
for both). It comes back from the party being assessed, so it is read as hostile input: the zip
is checked before any XML is parsed (at most `MAX_MEMBERS` members, each at most
`MAX_MEMBER_BYTES` uncompressed, `MAX_TOTAL_BYTES` in all, no macros, no external links), the XML
is parsed by openpyxl through defusedxml, values only (no formula is evaluated: a cell holding one
is refused), and sheets larger than the questions they hold are refused. A row of the sheet of
assurance documents becomes one entry of the party's `assurance` list (merged onto the document
the questionnaire prefilled in its place), each field it gives declared by the supplier; "none
handed in" states `[]`. Every problem is reported as `sheet!cell: message`, all of them at once,
and nothing is written when there is one.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import defusedxml  # noqa: F401  # openpyxl parses through it when it is installed: make sure it is
import openpyxl
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from compliance.core.errors import InputError, Problem, raised_by
from compliance.core.messages import N_, say
from compliance.core.models.assessment import Target
from compliance.core.models.rules import Scope
from compliance.core.models.solution import AssuranceDocument
from compliance.core.questions import RECORDS, ask_about, bank, in_language, record_field
from compliance.core.terminal import has_unsafe
from compliance.inputs.answers import BadAnswer, parse_answer, parse_field

# The layout, shared with the writer (`compliance.outputs.questionnaire`).
INSTRUCTION_ROWS = {"solution": 1, "language": 2, "made_on": 3, "questions": 4, "facts_sha256": 5}
ANSWERED_BY_ROW, DATE_ROW = 13, 14
KEY_COLUMN, ABOUT_COLUMN, QUESTION_COLUMN, HELP_COLUMN, ANSWER_COLUMN, EVIDENCE_COLUMN, WHY_COLUMN = range(
    1, 8
)
# A sheet of records (a party's assurance documents): a row per document, a column per field.
RECORD_FIELDS = (
    "type",
    "period_end",
    "expires_on",
    "opinion",
    "exceptions",
    "covers_product",
    "subservice_organisations",
    "soa_excluded_controls",
)
RECORD_FIRST_COLUMN = 3  # after the key and the party's name
RECORD_EVIDENCE_COLUMN = RECORD_FIRST_COLUMN + len(RECORD_FIELDS)
RECORD_ROWS = 4  # the rows offered for each party's documents
# The type a row gives for "it has handed in none" (`assurance: []`), as the questionnaire offers
# it in each language, and the words read as it.
NONE_HANDED_IN = {"en": "None handed in", "da": "Ingen afleveret", "sv": "Inga inlämnade"}
NONE_WORDS = frozenset({"none", "ingen", "inga", *(label.lower() for label in NONE_HANDED_IN.values())})
KEY_SEPARATOR = " | "
LISTS_SHEET = "Lists"
DONT_KNOW_WORDS = frozenset({"don't know", "dont know", "ved ikke", "vet inte", "unknown", "?"})

# Limits of a workbook read back: far above a questionnaire, far below what exhausts memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 30
FORBIDDEN_MEMBERS = ("xl/vbaProject.bin", "xl/externalLinks/", "xl/activeX/", "xl/embeddings/")
MACRO_CONTENT = b"macroEnabled"


@dataclass
class Answer:
    """One answer read from the workbook."""

    fact: str
    target: Target | None
    value: Any  # None: "don't know"
    evidence: str | None
    where: str  # sheet!cell
    # For a list of records: for each record, the fields its row gave (their source is the sheet's).
    record_fields: list[list[str]] | None = None


@dataclass
class _Records:
    """The rows of one party's records read so far."""

    where: str
    rows: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)
    given: list[list[str]] = field(default_factory=list)
    none: bool = False
    dont_know: bool = False


@dataclass
class Sheet:
    """What a filled-in questionnaire says."""

    intro: str  # the title of the instructions sheet, in the workbook's language
    facts_sha256: str
    language: str
    answered_by: str | None
    answered_on: date | None
    answers: list[Answer] = field(default_factory=list)
    dont_know: list[Answer] = field(default_factory=list)


def question_key(fact: str, target: Target | None) -> str:
    """`flow.lawful_basis | flow readings`; the bare fact for the solution."""
    return fact if target is None else f"{fact}{KEY_SEPARATOR}{target.ref}"


def check_zip(path: Path) -> None:
    """Refuse, before any XML is parsed, a workbook that is not a plain spreadsheet of a sane size."""
    name = str(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError.single(
            name, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not a questionnaire"
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputError.single(name, "not an XLSX workbook (not a zip archive)") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError.single(name, f"{len(members)} parts in the workbook: not a questionnaire")
        total = 0
        for member in members:
            if member.file_size > MAX_MEMBER_BYTES:
                raise InputError.single(
                    name, f"{member.filename}: {member.file_size} bytes unpacked: refused"
                )
            total += member.file_size
            if any(member.filename.startswith(f) for f in FORBIDDEN_MEMBERS):
                raise InputError.single(
                    name, f"{member.filename}: macros, external links and embedded objects are refused"
                )
        if total > MAX_TOTAL_BYTES:
            raise InputError.single(name, f"{total} bytes unpacked: refused")
        if "[Content_Types].xml" not in archive.namelist():
            raise InputError.single(name, "not an XLSX workbook (no content types)")
        if MACRO_CONTENT in archive.read("[Content_Types].xml"):
            raise InputError.single(name, "a workbook with macros is refused")


def read_sheet(path: Path, solution: Mapping[str, Any]) -> Sheet:
    """The answers of a filled-in questionnaire, each parsed as the solution format takes it."""
    check_zip(path)
    name = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        if not raised_by(exc, "openpyxl", "et_xmlfile", "defusedxml", "xml", "zipfile", "zlib"):
            raise
        raise InputError.single(name, f"cannot be read as a workbook: {type(exc).__name__}") from None
    problems: list[Problem] = []
    try:
        sheets = book.worksheets
        if not sheets:
            raise InputError.single(name, "no sheets")
        intro = sheets[0]
        cells = {row: _cell(intro, row, 2) for row in (*INSTRUCTION_ROWS.values(), ANSWERED_BY_ROW, DATE_ROW)}
        sheet = Sheet(
            intro=intro.title,
            facts_sha256=str(cells[INSTRUCTION_ROWS["facts_sha256"]] or ""),
            language=str(cells[INSTRUCTION_ROWS["language"]] or "en"),
            answered_by=_text(cells[ANSWERED_BY_ROW]),
            answered_on=None,
        )
        when = cells[DATE_ROW]
        if isinstance(when, datetime):
            sheet.answered_on = when.date()
        elif isinstance(when, str) and when.strip():
            try:
                sheet.answered_on = date.fromisoformat(when.strip())
            except ValueError:
                problems.append(_problem(name, intro.title, "B", DATE_ROW, "give the date as YYYY-MM-DD"))
        if sheet.answered_by is None:
            problems.append(
                _problem(name, intro.title, "B", ANSWERED_BY_ROW, "say who answered (name and organisation)")
            )
        elif has_unsafe(sheet.answered_by) is not None or len(sheet.answered_by) > 200:
            problems.append(
                _problem(name, intro.title, "B", ANSWERED_BY_ROW, "plain text of at most 200 characters")
            )
        names = _names(solution)
        records: dict[tuple[str, str], _Records] = {}
        for ws in sheets[1:]:
            if ws.title == LISTS_SHEET:
                continue
            if (ws.max_row or 0) > MAX_ROWS or (ws.max_column or 0) > MAX_COLUMNS:
                problems.append(
                    Problem(name, "a sheet larger than a questionnaire is refused", path=ws.title)
                )
                continue
            width = max(WHY_COLUMN, RECORD_EVIDENCE_COLUMN)
            for number, row in enumerate(ws.iter_rows(min_row=2, max_col=width), start=2):
                key = getattr(row[0], "value", None) if row else None
                fact, target = _parse_key(str(key or ""), names)
                if fact in RECORDS and target is not None:
                    _read_record_row(
                        name, ws.title, number, row, (fact, target), solution, names, sheet, records, problems
                    )
                else:
                    _read_row(name, ws.title, number, row, names, sheet, problems)
        _records_as_answers(name, records, names, sheet, problems)
    finally:
        book.close()
    if problems:
        raise InputError(problems)
    return sheet


def _read_row(
    name: str,
    title: str,
    number: int,
    row: tuple[Any, ...],
    names: dict[tuple[Scope, str], str],
    sheet: Sheet,
    problems: list[Problem],
) -> None:
    values = [getattr(c, "value", None) for c in row] + [None] * WHY_COLUMN
    if _formula(row, (ANSWER_COLUMN, EVIDENCE_COLUMN), name, title, number, problems):
        return
    key, answer, evidence = values[KEY_COLUMN - 1], values[ANSWER_COLUMN - 1], values[EVIDENCE_COLUMN - 1]
    if key is None and answer is None:
        return
    fact, target = _parse_key(str(key or ""), names)
    if fact is None or fact not in bank():
        problems.append(
            _problem(name, title, "A", number, "not a question of this questionnaire (its key was changed)")
        )
        return
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return  # skipped
    where = f"{title}!{get_column_letter(ANSWER_COLUMN)}{number}"
    evidence_text = _text(evidence)
    if evidence_text is not None and (has_unsafe(evidence_text) is not None or len(evidence_text) > 500):
        problems.append(
            _problem(
                name,
                title,
                get_column_letter(EVIDENCE_COLUMN),
                number,
                "plain text of at most 500 characters",
            )
        )
        return
    if isinstance(answer, str) and answer.strip().lower() in DONT_KNOW_WORDS:
        sheet.dont_know.append(Answer(fact, target, None, evidence_text, where))
        return
    try:
        value = _value(fact, answer, sheet.language)
    except BadAnswer as exc:
        problems.append(_problem(name, title, get_column_letter(ANSWER_COLUMN), number, exc.message.text))
        return
    sheet.answers.append(Answer(fact, target, value, evidence_text, where))


def _read_record_row(
    name: str,
    title: str,
    number: int,
    row: tuple[Any, ...],
    about: tuple[str, Target],
    solution: Mapping[str, Any],
    names: dict[tuple[Scope, str], str],
    sheet: Sheet,
    records: dict[tuple[str, str], _Records],
    problems: list[Problem],
) -> None:
    """One row of the sheet of records: one assurance document of a party, merged onto the
    document the file lists in the same place (the questionnaire prefilled it), if any."""
    fact, target = about
    values = [getattr(c, "value", None) for c in row] + [None] * RECORD_EVIDENCE_COLUMN
    party = records.setdefault((fact, target.id), _Records(where=f"{title}!C{number}"))
    index = party.rows
    party.rows += 1
    if _formula(row, range(RECORD_FIRST_COLUMN, RECORD_EVIDENCE_COLUMN + 1), name, title, number, problems):
        return
    cells = {n: values[RECORD_FIRST_COLUMN - 1 + i] for i, n in enumerate(RECORD_FIELDS)}
    evidence = _text(values[RECORD_EVIDENCE_COLUMN - 1])
    if all(_text(v) is None for v in cells.values()) and evidence is None:
        return  # an empty row: no document
    type_text = (_text(cells["type"]) or "").lower()
    type_column = get_column_letter(RECORD_FIRST_COLUMN)
    if type_text in DONT_KNOW_WORDS:
        party.dont_know = True
        return
    type_labels = in_language(ask_about(f"{fact}.type", target), sheet.language).choices
    if type_text in NONE_WORDS:
        party.none = True
        return
    if evidence is not None and (has_unsafe(evidence) is not None or len(evidence) > 200):
        problems.append(
            _problem(
                name,
                title,
                get_column_letter(RECORD_EVIDENCE_COLUMN),
                number,
                "plain text of at most 200 characters",
            )
        )
        return
    existing = (_party(solution, target.id) or {}).get("assurance") or []
    item: dict[str, Any] = _stated(existing[index]) if index < len(existing) else {}
    given: list[str] = []
    for offset, field_name in enumerate(RECORD_FIELDS):
        raw = cells[field_name]
        if _text(raw) is None:
            continue
        letter = get_column_letter(RECORD_FIRST_COLUMN + offset)
        if isinstance(raw, str) and raw.strip().lower() in DONT_KNOW_WORDS:
            item.pop(field_name, None)
            continue
        try:
            value = _field_value(f"{fact}.{field_name}", raw, target, names, sheet.language, type_labels)
        except BadAnswer as exc:
            problems.append(_problem(name, title, letter, number, exc.message.text))
            return
        if field_name == "subservice_organisations" and isinstance(item.get(field_name), list):
            # the column names those inside the scope; the others the file names (carved out) stay
            inside = {entry["party"] for entry in value}
            value = value + [
                e for e in item[field_name] if e.get("party") not in inside and e.get("method") != "inclusive"
            ]
        if value != item.get(field_name):  # a prefilled value sent back unchanged keeps its source
            item[field_name] = value
            given.append(field_name)
    if evidence is not None and evidence != item.get("reference"):
        item["reference"] = evidence
        given.append("reference")
    if index >= len(existing):
        given = ["*"]  # a new document: every field of it is the sheet's
    try:
        AssuranceDocument.model_validate_json(json.dumps(item))
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "not a document the solution format takes"))
        problems.append(_problem(name, title, type_column, number, message.removeprefix("Value error, ")))
        return
    party.items.append(item)
    party.given.append(given)


def _field_value(
    fact: str,
    raw: Any,
    target: Target,
    names: dict[tuple[Scope, str], str],
    lang: str,
    type_labels: Mapping[str, str],
) -> Any:
    """A record field's cell as the solution format takes it: a label of a choice, a date, a
    whole number, parties by name or id, Annex A controls."""
    field_ = record_field(fact)
    assert field_ is not None
    if isinstance(raw, datetime):
        raw = raw.date().isoformat()
    elif isinstance(raw, bool):
        raw = "true" if raw else "false"
    elif isinstance(raw, int | float):
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    text = " ".join(str(raw).split())
    choices: Mapping[str, str] = {}
    if field_.kind in ("enum", "bool"):
        choices = type_labels if field_.name == "type" else in_language(ask_about(fact, target), lang).choices
        by_label = {label.strip().lower(): key for key, label in choices.items()}
        text = by_label.get(text.lower(), text)
        if text not in choices:
            raise BadAnswer(
                say(
                    N_("'{answer}' is not in the list of answers offered: choose one from it."),
                    answer=str(raw),
                )
            )
    elif field_.kind == "parties":
        choices = {
            ident: label
            for (scope, ident), label in names.items()
            if scope is Scope.PARTY and ident != target.id
        }
        by_name = {label.strip().lower(): ident for ident, label in choices.items()}
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if text.lower() not in NONE_WORDS:
            unknown = [p for p in parts if p.lower() not in by_name and p not in choices]
            if unknown:
                raise BadAnswer(
                    say(
                        N_("'{item}' is not an organisation of the solution: name one of them."),
                        item=unknown[0],
                    )
                )
        text = ", ".join(by_name.get(p.lower(), p) for p in parts)
    return parse_field(field_, text, choices)


def _records_as_answers(
    name: str,
    records: dict[tuple[str, str], _Records],
    names: dict[tuple[Scope, str], str],
    sheet: Sheet,
    problems: list[Problem],
) -> None:
    """Each party's rows as one answer: its list of documents, `[]` for "none handed in", or
    "don't know"."""
    for (fact, party_id), party in records.items():
        target = Target(kind=Scope.PARTY, id=party_id, name=names[(Scope.PARTY, party_id)])
        if party.none and party.items:
            problems.append(
                Problem(
                    name,
                    "'none handed in' and a document for the same organisation: keep one",
                    path=party.where,
                )
            )
        elif party.none:
            sheet.answers.append(Answer(fact, target, [], None, party.where, record_fields=[]))
        elif party.items:
            sheet.answers.append(
                Answer(fact, target, party.items, None, party.where, record_fields=party.given)
            )
        elif party.dont_know:
            sheet.dont_know.append(Answer(fact, target, None, None, party.where))


def _stated(value: Any) -> Any:
    """A record as its file states it: without the empty values and sources a validated
    document fills in."""
    if isinstance(value, Mapping):
        return {k: _stated(v) for k, v in value.items() if v is not None and not (k == "sources" and not v)}
    if isinstance(value, list):
        return [_stated(v) for v in value]
    return value


def _party(solution: Mapping[str, Any], ident: str) -> Mapping[str, Any] | None:
    for item in solution.get("parties") or []:
        if isinstance(item, Mapping) and item.get("id") == ident:
            return item
    return None


def _value(fact: str, answer: Any, lang: str) -> Any:
    """A cell's value as the solution format takes it: a label of a choice (several, separated by
    commas, for a list) in the workbook's language, a date, a number or text."""
    entry = bank()[fact]
    labels = in_language(ask_about(fact, None), lang).choices  # the bank's labels or the vocabulary's
    if isinstance(answer, datetime):
        answer = answer.date().isoformat()
    elif isinstance(answer, bool):
        answer = "true" if answer else "false"
    elif isinstance(answer, int | float):
        answer = str(int(answer)) if float(answer).is_integer() else str(answer)
    text = str(answer).strip()
    if labels:
        by_label = {label.strip().lower(): key for key, label in labels.items()}
        keys = _match_labels(text, by_label)
        if keys is None and not (text.isdigit() or text in labels):
            raise BadAnswer(
                say(N_("'{answer}' is not in the list of answers offered: choose one from it."), answer=text)
            )
        if keys is not None:
            text = ", ".join(keys)
    return parse_answer(fact, text, labels or entry.choices)


def _match_labels(text: str, by_label: dict[str, str]) -> list[str] | None:
    """The keys of the labels a cell names, one or several separated by commas (a label may hold
    commas itself: the longest label that fits is taken first); None when they are not labels."""
    lowered = text.lower()
    if lowered in by_label:
        return [by_label[lowered]]
    parts = [p.strip() for p in lowered.split(",")]
    keys: list[str] = []
    start = 0
    while start < len(parts):
        for end in range(len(parts), start, -1):
            candidate = ", ".join(parts[start:end])
            if candidate in by_label:
                keys.append(by_label[candidate])
                start = end
                break
        else:
            return None
    return keys


def _parse_key(key: str, names: dict[tuple[Scope, str], str]) -> tuple[str | None, Target | None]:
    fact, _, about = key.partition(KEY_SEPARATOR)
    fact = fact.strip()
    if not about:
        return fact or None, None
    kind, _, ident = about.strip().partition(" ")
    scope = next((s for s in (Scope.FLOW, Scope.PARTY, Scope.SYSTEM) if s.value == kind), None)
    if scope is None or (scope, ident) not in names:
        return None, None
    return fact, Target(kind=scope, id=ident, name=names[(scope, ident)])


def _names(solution: Mapping[str, Any]) -> dict[tuple[Scope, str], str]:
    out: dict[tuple[Scope, str], str] = {}
    for scope, key in ((Scope.FLOW, "flows"), (Scope.PARTY, "parties"), (Scope.SYSTEM, "systems")):
        for item in solution.get(key) or []:
            if isinstance(item, Mapping) and "id" in item:
                out[(scope, str(item["id"]))] = str(item.get("name") or item["id"])
    return out


def _cell(ws: Any, row: int, column: int) -> Any:
    for cells in ws.iter_rows(min_row=row, max_row=row, min_col=column, max_col=column):
        for cell in cells:
            return getattr(cell, "value", None)
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _formula(
    row: tuple[Any, ...], columns: Iterable[int], name: str, title: str, number: int, problems: list[Problem]
) -> bool:
    """Whether a cell of `columns` in the row holds a formula (refused, at the first such cell:
    answers are typed, never computed)."""
    for column in columns:
        cell = row[column - 1] if len(row) >= column else None
        if getattr(cell, "data_type", None) == "f":
            problems.append(
                _problem(
                    name, title, get_column_letter(column), number, "a formula is refused: type the answer"
                )
            )
            return True
    return False


def _problem(file: str, sheet: str, column: str, row: int, message: str) -> Problem:
    return Problem(file, message, path=f"{sheet}!{column}{row}")
