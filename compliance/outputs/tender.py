"""The security and data-protection requirements a municipality states in a tender, chosen by the
information's classification and the kind of solution, each tied to the rules that will check the
supplier's answer (`compliance requirements`).

The requirements are data (rules/procurement/requirements.yaml, in our own words; Danish and
Swedish texts in rules/translations/{da,sv}/procurement.yaml, stamped). The classification gives
confidentiality, integrity and availability a level each, 1 (low) to 3 (high), in the style of
SKR's KLASSA (its scale was not checked against KLASSA here); level 4 (very high) gets no generated
list but the sentence that a separate analysis is needed. A requirement that names a certificate or
a standard accepts equivalent evidence of the same measures (Directive 2014/24/EU Arts. 42, 44 and
62), and says so.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from compliance.core.messages import N_
from compliance.core.resources import reports_root, rules_root
from compliance.core.translations import tender_requirement_text
from compliance.outputs import i18n

TYPES = ("sensor-network", "camera", "cloud-platform", "citizen-app")
TYPE_WORDS = {
    "sensor-network": N_("a sensor network"),
    "camera": N_("camera surveillance or counting"),
    "cloud-platform": N_("a cloud platform"),
    "citizen-app": N_("an app for citizens"),
}
HIGHEST = 4
EQUIVALENT = N_(
    "Or equivalent: other evidence of the same measures is accepted (Directive 2014/24/EU Arts. 42, 44 and 62)."
)
TEXTS = {
    "title": N_("Security and data-protection requirements for the tender"),
    "intro": N_(
        "Requirements for {kind}, for information classified confidentiality {c}, integrity {i} and "
        "availability {a} (levels 1 low to 4 very high, in the style of SKR's KLASSA; the scale was not "
        "checked against KLASSA). Each is checked against the supplier's answers by the rules named "
        "after it."
    ),
    "separate": N_(
        "A level of 4 (very high) needs a separate analysis of the information and the threats to it: "
        "no list of requirements is generated for it."
    ),
    "checked_by": N_("Checked by"),
    "number": N_("No."),
    "requirement": N_("Requirement"),
    "answer": N_("Supplier's answer"),
    "evidence": N_("Evidence (document, section)"),
    "answers": N_("Yes,No,Partly"),
}


@dataclass(frozen=True)
class TenderRequirement:
    """One requirement: its text, from which levels and for which kinds it applies, and the rules
    that check the answer."""

    id: str
    text: str
    when: dict[str, int]
    types: tuple[str, ...]
    rules: tuple[str, ...]
    standard: bool


@functools.cache
def requirements() -> dict[str, TenderRequirement]:
    """Every requirement, in the file's order."""
    data = yaml.safe_load(
        rules_root().joinpath("procurement", "requirements.yaml").read_text(encoding="utf-8")
    )
    out = {}
    for key, body in data["requirements"].items():
        out[str(key)] = TenderRequirement(
            str(key),
            " ".join(str(body["text"]).split()),
            {str(k).lower(): int(v) for k, v in (body.get("when") or {"c": 1}).items()},
            tuple(body.get("types") or TYPES),
            tuple(str(r) for r in body.get("rules") or ()),
            bool(body.get("standard", False)),
        )
    return out


def parse_classification(text: str) -> dict[str, int]:
    """`C2,I3,A1` as {'c': 2, 'i': 3, 'a': 1}; ValueError on anything else."""
    levels: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        match = re.fullmatch(r"([CIAcia])\s*([1-4])", part)
        if match is None or match[1].lower() in levels:
            raise ValueError(part)
        levels[match[1].lower()] = int(match[2])
    if set(levels) != {"c", "i", "a"}:
        raise ValueError(text)
    return levels


def select(levels: dict[str, int], kind: str) -> list[TenderRequirement] | None:
    """The requirements for the levels and kind, in order; None where a level is the highest (a
    separate analysis is needed)."""
    if any(v >= HIGHEST for v in levels.values()):
        return None
    return [
        r
        for r in requirements().values()
        if kind in r.types and any(levels.get(dim, 0) >= level for dim, level in r.when.items())
    ]


def text_in(requirement: TenderRequirement, lang: str) -> tuple[str, bool]:
    """A requirement's text in `lang`, and whether it fell back to English."""
    return tender_requirement_text(lang, requirement.id, requirement.text)


@dataclass(frozen=True)
class Tender:
    """The list for a classification and kind, in a language, with each requirement's checks."""

    lang: str
    kind: str
    levels: dict[str, int]
    rows: list[dict[str, Any]] | None  # None: a separate analysis is needed


def build(levels: dict[str, int], kind: str, lang: str, rule_titles: dict[str, tuple[str, str]]) -> Tender:
    """The tender's requirements; `rule_titles` gives each rule's citation and title in `lang`."""
    gettext = i18n.translator(lang).gettext
    chosen = select(levels, kind)
    if chosen is None:
        return Tender(lang, kind, levels, None)
    rows = []
    for number, r in enumerate(chosen, start=1):
        text, in_english = text_in(r, lang)
        if r.standard:
            text += " " + gettext(EQUIVALENT)
        checks = [f"{rule_titles[x][0]}: {rule_titles[x][1]}" for x in r.rules if x in rule_titles]
        rows.append({"number": number, "id": r.id, "text": text, "in_english": in_english, "checks": checks})
    return Tender(lang, kind, levels, rows)


def _texts(t: Tender) -> dict[str, str]:
    out: dict[str, str] = i18n.translate_tree(TEXTS, t.lang)
    out["intro"] = out["intro"].format(
        kind=i18n.translator(t.lang).gettext(TYPE_WORDS[t.kind]),
        c=t.levels["c"],
        i=t.levels["i"],
        a=t.levels["a"],
    )
    return out


def as_text(t: Tender) -> str:
    """The list for a terminal."""
    words = _texts(t)
    lines = [words["title"], "", words["intro"], ""]
    if t.rows is None:
        return "\n".join([*lines, words["separate"]]) + "\n"
    marker = i18n.translator(t.lang).gettext("[EN]")
    for row in t.rows:
        lines.append(f"{row['number']}. {marker + ' ' if row['in_english'] else ''}{row['text']}")
        if row["checks"]:
            lines.append(f"   {words['checked_by']}: {'; '.join(row['checks'])}")
    return "\n".join(lines) + "\n"


def as_docx(t: Tender) -> bytes:
    """The list as a Word document for the tender material."""
    import docx

    words = _texts(t)
    document = docx.Document()
    document.core_properties.language = t.lang
    document.core_properties.title = words["title"]
    document.add_heading(words["title"], level=1)
    document.add_paragraph(words["intro"])
    if t.rows is None:
        document.add_paragraph(words["separate"])
    else:
        for row in t.rows:
            document.add_paragraph(row["text"], style="List Number")
            if row["checks"]:
                document.add_paragraph(f"{words['checked_by']}: {'; '.join(row['checks'])}").runs[
                    0
                ].italic = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_xlsx(t: Tender) -> bytes:
    """The list as the supplier's questionnaire: each requirement with an answer cell (a list of
    yes, no, partly) and an evidence cell to fill in; the rest locked; every text written as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    from compliance.outputs.spreadsheet import _header, _row

    words = _texts(t)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = words["requirement"][:31]
    columns = (
        (TEXTS["number"], 6),
        (TEXTS["requirement"], 80),
        (TEXTS["checked_by"], 50),
        (TEXTS["answer"], 16),
        (TEXTS["evidence"], 40),
    )
    _header(sheet, columns, t.lang)
    choices = DataValidation(type="list", formula1=f'"{words["answers"]}"', allow_blank=True)
    sheet.add_data_validation(choices)
    for row in t.rows or []:
        _row(sheet, [row["number"], row["text"], "; ".join(row["checks"]), "", ""], open_from=4)
        line = sheet.max_row
        choices.add(f"D{line}")
        for column in (4, 5):
            sheet.cell(line, column).protection = Protection(locked=False)
    if t.rows is None:
        _row(sheet, ["", words["separate"], "", "", ""])
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_html(t: Tender) -> str:
    """The list as a document for the PDF."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(reports_root().joinpath("tender.html").read_text(encoding="utf-8"))
    return template.render(
        lang=t.lang,
        t=_texts(t),
        rows=t.rows,
        css=reports_root().joinpath("report.css").read_text(encoding="utf-8"),
        en_marker=i18n.translator(t.lang).gettext("[EN]"),
    )


def rule_citations(packs: Sequence[Any], lang: str) -> dict[str, tuple[str, str]]:
    """Every loaded rule's citation and title in `lang`."""
    from compliance.core.translations import rule_text

    out = {}
    for pack in packs:
        for compiled in pack.rules:
            rule = compiled.rule
            out[rule.id] = (rule.citation, rule_text(lang, rule.id, rule.title, rule.remediation).title)
    return out
