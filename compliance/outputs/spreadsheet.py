"""The assessment as a workbook to work in (`assess`/`report -o FILE.xlsx`): the action plan for the
management response, and every finding, each sheet with filters on its header row.

The action plan has one row per open result (failed, unknown, needing review, or covered by an
accepted risk), the most serious first, with what the rule says about it, what to do, and the owner,
due date, status and management response the assessor's decisions record; those cells stay open
for whoever fills in the response. The findings sheet has every result that applies, passes
included, with where its facts come from. Every text is written as text by the rules of the
supplier questionnaire (`questionnaire.safe_text`): a text a spreadsheet would read as a formula is
written with a leading apostrophe, control characters are shown as escapes, and the workbook holds
no formula.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from compliance.core.messages import N_
from compliance.core.models.assessment import Assessment, Finding
from compliance.core.translations import rule_text
from compliance.outputs import i18n
from compliance.outputs.changes import OUTCOME_WORDS, VERDICT_WORDS, open_results
from compliance.outputs.questionnaire import safe_text
from compliance.outputs.report import ACTION_STATUS_WORDS
from compliance.outputs.sentences import reader_text, source_text
from compliance.outputs.summary import SEVERITY_WORDS

PLAN_COLUMNS = (
    (N_("Priority"), 11),
    (N_("Requirement"), 40),
    (N_("Provision"), 18),
    (N_("Applies to"), 24),
    (N_("Status"), 14),
    (N_("Why"), 60),
    (N_("What to do"), 60),
    (N_("Owner"), 24),
    (N_("Due"), 12),
    (N_("Action status"), 14),
    (N_("Management response"), 50),
    (N_("Rule"), 30),
)
FINDING_COLUMNS = (
    (N_("Provision"), 18),
    (N_("Requirement"), 40),
    (N_("Applies to"), 24),
    (N_("Status"), 14),
    (N_("Severity"), 11),
    (N_("Why"), 60),
    (N_("Rests on"), 50),
    (N_("Rule"), 30),
)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
OPEN_FILL = PatternFill("solid", fgColor="FFF7D6")


def as_xlsx(a: Assessment, lang: str = "en") -> bytes:
    """The action plan and the findings of an assessment as XLSX bytes, in `lang`."""
    _ = i18n.translator(lang).gettext
    book = Workbook()
    plan = book.active
    assert plan is not None
    plan.title = _("Action plan")[:31]
    _header(plan, PLAN_COLUMNS, lang)
    for f in open_results(a):
        text = rule_text(lang, f.rule_id, f.title, f.remediation)
        act = f.action
        row = [
            _(SEVERITY_WORDS[f.severity.value]),
            text.title,
            f.citation,
            _target(f, lang),
            _(OUTCOME_WORDS[f.status]),
            reader_text(f, a, lang)[0],
            text.remediation,
            act.owner if act else "",
            act.due if act and act.due else None,
            _(ACTION_STATUS_WORDS.get(act.status, act.status)) if act else "",
            (act.response or "") if act else "",
            f.rule_id,
        ]
        _row(plan, row, open_from=8)
    findings = book.create_sheet(_("Findings")[:31])
    _header(findings, FINDING_COLUMNS, lang)
    for f in sorted(a.findings, key=lambda f: (f.citation, f.rule_id, _target(f, lang))):
        sources = "; ".join(
            dict.fromkeys(source_text(p, lang) for p in f.provenance if p.kind.value != "derived")
        )
        said = reader_text(f, a, lang)[0]
        row = [
            f.citation,
            rule_text(lang, f.rule_id, f.title, f.remediation).title,
            _target(f, lang),
            _(OUTCOME_WORDS[f.status]),
            _(SEVERITY_WORDS[f.severity.value]),
            said,
            sources,
            f.rule_id,
        ]
        _row(findings, row)
    # "About" alone is a preposition in the catalogs ("Gäller"); as a sheet's name it is a noun.
    about = book.create_sheet(i18n.translator(lang).pgettext("sheet name", "About")[:31])
    for label, value in (
        (_("Solution"), f"{a.solution.get('name')} ({a.solution.get('id')})"),
        (_("As of"), a.as_of),
        (_("Verdict"), _(VERDICT_WORDS.get(a.verdict.value, a.verdict.value))),
        (_("Assessor"), a.assessor or _("not given")),
        (_("Run"), a.run.id if a.run else _("not given")),
        (_("Tool"), f"{a.tool.name} {a.tool.version}"),
    ):
        _row(about, [label, value])
    if a.edition is not None:
        # A public edition: what it withholds, and on what ground; each place reads [withheld N]
        # in the reader's language.
        from compliance.outputs.public import localise, placeholder

        _row(about, [_("Public edition"), _("Withheld from this edition")])
        for w in a.edition.withheld:
            _row(about, [placeholder(w.number), f"{w.citation}: {w.reason}"])
        for sheet in book.worksheets:
            for cells in sheet.iter_rows():
                for cell in cells:
                    if isinstance(cell.value, str) and "[withheld " in cell.value:
                        cell.value = localise(cell.value, lang)
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 70
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _target(f: Finding, lang: str) -> str:
    return f.target.name if f.target is not None else i18n.translator(lang).gettext("the solution")


def _header(sheet: Worksheet, columns: tuple[tuple[str, int], ...], lang: str) -> None:
    """The header row, bold and filled, frozen, with a filter over every column."""
    _ = i18n.translator(lang).gettext
    for column, (title, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=column, value=safe_text(_(title)))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"


def _row(sheet: Worksheet, values: list[Any], open_from: int | None = None) -> None:
    """One row, texts made safe; the cells from `open_from` on (1-based) marked for filling in."""
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        shown = safe_text(str(value)) if isinstance(value, str) and value else value
        cell = sheet.cell(row=row, column=column, value=shown if shown != "" else None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        if open_from is not None and open_from <= column < open_from + 4:
            cell.fill = OPEN_FILL
    if sheet.auto_filter.ref:
        sheet.auto_filter.ref = f"A1:{get_column_letter(sheet.max_column)}{row}"
