"""A draft of the data protection impact assessment (GDPR Art. 35) as a Word document the DPO and
the controller complete: `compliance dpia draft SOLUTION -o dpia.docx [--lang da|sv|en]`.

The headings follow what Art. 35(7) says a DPIA contains at least: (a) a systematic description of
the processing and its purposes, (b) an assessment of its necessity and proportionality, (c) an
assessment of the risks to the people concerned, and (d) the measures envisaged to address them.
They are prefilled from the assessment: the flows as the record of processing describes them, the
screening's reasons, the results of the principle rules (necessity and proportionality), the open
findings (risks) and the safeguards and remediations (measures). What only the controller can
write is left blank and marked: the weighing of necessity, the likelihood and severity of each risk,
the DPO's advice (Art. 35(2)), the views of the people concerned or their representatives
(Art. 35(9)), whether the remaining risk calls for prior consultation (Art. 36(1)), and sign-off.
A draft never says the processing is lawful; it says what the solution file states and what the
rules found.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.shared import Pt, RGBColor

from compliance.core import vocabulary
from compliance.core.messages import N_
from compliance.core.models.assessment import Assessment, Finding
from compliance.core.terminal import neutralise
from compliance.core.translations import rule_text, vocabulary_title
from compliance.outputs import i18n, record
from compliance.outputs.changes import OPEN, OUTCOME_WORDS, open_results
from compliance.outputs.sentences import reader_text
from compliance.outputs.summary import SEVERITY_WORDS

# The provisions whose results say whether the processing is necessary and proportionate: lawful
# basis, purpose limitation, minimisation, accuracy, storage limitation, special categories.
NECESSITY = (
    "GDPR Art. 5(1)(b)",
    "GDPR Art. 5(1)(c)",
    "GDPR Art. 5(1)(d)",
    "GDPR Art. 5(1)(e)",
    "GDPR Art. 6",
)
STATUS_WORDS = {
    "implemented": N_("in place"),
    "partial": N_("partly in place"),
    "planned": N_("planned"),
    "absent": N_("not in place"),
}
TODO = N_("[To be completed by the controller]")

TEXTS: dict[str, str] = {
    "title": N_("Data protection impact assessment (draft): {name}"),
    "intro": N_(
        "This draft was prepared by {tool} from the solution file and its assessment as of {date}. "
        "It follows what GDPR Art. 35(7) requires a DPIA to contain at least. The controller must "
        "complete the parts marked as such, check what is prefilled against the facts, seek the "
        "advice of the data protection officer, and approve the assessment. It is not a finding "
        "that the processing is lawful."
    ),
    "control": N_("Document control"),
    "why": N_("Why a DPIA is carried out"),
    "required": N_("The screening's answer: a DPIA is required: {answer}."),
    "a": N_("Systematic description of the processing and its purposes (Art. 35(7)(a))"),
    "a_flows": N_("The data flows"),
    "b": N_("Necessity and proportionality (Art. 35(7)(b))"),
    "b_note": N_(
        "What the rules on the lawful basis and the principles of purpose limitation, data "
        "minimisation, accuracy and storage limitation found for this solution:"
    ),
    "b_todo": N_(
        "Explain why the processing is necessary for its purposes, and why less intrusive means "
        "would not achieve them."
    ),
    "c": N_("Risks to the rights and freedoms of the people concerned (Art. 35(7)(c))"),
    "c_note": N_(
        "The open findings of the assessment, most serious first. For each risk, assess how likely "
        "it is and how severe it would be for the people concerned."
    ),
    "c_none": N_("The assessment has no open finding."),
    "d": N_("Measures envisaged to address the risks (Art. 35(7)(d))"),
    "d_safeguards": N_("Safeguards stated for the solution"),
    "d_planned": N_("Measures the findings call for"),
    "dpo": N_("Advice of the data protection officer (Art. 35(2))"),
    "dpo_todo": N_("The DPO's name, the date and the advice given, and how the controller followed it."),
    "views": N_("Views of the people concerned or their representatives (Art. 35(9))"),
    "views_todo": N_(
        "Whose views were sought, how and when, and what they said; or why they were not sought."
    ),
    "prior": N_("Remaining risk and prior consultation (Art. 36(1))"),
    "prior_todo": N_(
        "Whether a high risk remains after the measures; if it does, the supervisory authority must "
        "be consulted before the processing starts."
    ),
    "signoff": N_("Sign-off"),
    "prepared": N_("Prepared by"),
    "approved": N_("Approved by"),
    "date": N_("Date"),
    "version": N_("Version"),
    "draft": N_("Draft"),
    "controller": N_("Controller"),
    "flow": N_("Data flow"),
    "route": N_("From → to"),
    "purposes": N_("Purposes"),
    "categories": N_("Categories of data"),
    "subjects": N_("Data subjects"),
    "basis": N_("Lawful basis"),
    "retention": N_("Retention"),
    "recipients": N_("Recipients"),
    "transfers": N_("Transfers to third countries"),
    "requirement": N_("Requirement"),
    "status": N_("Status"),
    "why_col": N_("Why"),
    "severity": N_("Severity"),
    "likelihood": N_("Likelihood and severity for the people concerned"),
    "measure": N_("Measure"),
    "none": N_("none"),
    "not_stated": N_("not stated"),
}


def build(a: Assessment, lang: str = "en") -> bytes:
    """The DPIA draft of an assessment, as DOCX bytes, in `lang`."""
    tr = i18n.translator(lang)
    t = {k: tr.gettext(v) for k, v in TEXTS.items()}
    t["_todo"] = tr.gettext(TODO)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(10)
    doc.core_properties.language = lang
    doc.core_properties.title = _text(t["title"].format(name=a.solution.get("name", "")))

    doc.add_heading(_text(t["title"].format(name=a.solution.get("name", ""))), level=0)
    doc.add_paragraph(
        _text(t["intro"].format(tool=f"{a.tool.name} {a.tool.version}", date=i18n.date(a.as_of, lang)))
    )
    rec = record.build(a.solution, lang)
    doc.add_heading(t["control"], level=1)
    _table(
        doc,
        None,
        [
            [t["controller"], "; ".join(rec.controller) or t["not_stated"]],
            [t["version"], f"0.1 ({t['draft']})"],
            [t["prepared"], a.assessor or _todo(t)],
            [t["approved"], _todo(t)],
        ],
    )

    doc.add_heading(t["why"], level=1)
    answer = {True: tr.gettext("yes"), False: tr.gettext("no"), None: tr.gettext("not decided yet")}[
        a.dpia.required
    ]
    doc.add_paragraph(t["required"].format(answer=answer))
    for reason in a.dpia.reasons:
        doc.add_paragraph(_text(i18n.say(reason, lang)), style="List Bullet")

    doc.add_heading(t["a"], level=1)
    _flows(doc, a, lang, t)
    for label, lines in ((t["recipients"], rec.recipients), (t["transfers"], rec.transfers)):
        doc.add_paragraph(f"{label}: " + (_text("; ".join(lines)) if lines else t["none"]))
    _todo_paragraph(doc, t)

    doc.add_heading(t["b"], level=1)
    doc.add_paragraph(t["b_note"])
    principles = [f for f in a.findings if f.citation.startswith(NECESSITY) or f.citation == "GDPR Art. 6"]
    _results(doc, a, principles, lang, t)
    _todo_paragraph(doc, t, t["b_todo"])

    doc.add_heading(t["c"], level=1)
    risks = open_results(a)
    if risks:
        doc.add_paragraph(t["c_note"])
        rows = [[t["requirement"], t["severity"], t["why_col"], t["likelihood"]]]
        for f in risks:
            title = rule_text(lang, f.rule_id, f.title, f.remediation).title
            rows.append(
                [
                    _text(f"{title} ({f.citation})"),
                    tr.gettext(SEVERITY_WORDS[f.severity.value]),
                    _text(reader_text(f, a, lang)[0]),
                    _todo(t),
                ]
            )
        _table(doc, rows[0], rows[1:])
    else:
        doc.add_paragraph(t["c_none"])

    doc.add_heading(t["d"], level=1)
    doc.add_heading(t["d_safeguards"], level=2)
    safeguards = vocabulary.safeguards().terms
    stated = [s for s in a.solution.get("safeguards") or [] if s.get("control") in safeguards]
    if stated:
        for s in stated:
            title = vocabulary_title(lang, "safeguards", s["control"], safeguards[s["control"]].title)[0]
            status = tr.gettext(STATUS_WORDS.get(s.get("status", ""), "not stated"))
            doc.add_paragraph(_text(f"{title}: {status}"), style="List Bullet")
    else:
        doc.add_paragraph(t["none"])
    doc.add_heading(t["d_planned"], level=2)
    seen: set[str] = set()
    for f in risks:
        if f.rule_id in seen:
            continue
        seen.add(f.rule_id)
        text = rule_text(lang, f.rule_id, f.title, f.remediation)
        doc.add_paragraph(_text(f"{text.title}: {text.remediation}"), style="List Bullet")
    if not risks:
        doc.add_paragraph(t["none"])
    _todo_paragraph(doc, t)

    for heading, todo in (("dpo", "dpo_todo"), ("views", "views_todo"), ("prior", "prior_todo")):
        doc.add_heading(t[heading], level=1)
        _todo_paragraph(doc, t, t[todo])

    doc.add_heading(t["signoff"], level=1)
    _table(doc, None, [[t["prepared"], _todo(t), t["date"], ""], [t["approved"], _todo(t), t["date"], ""]])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _text(value: Any) -> str:
    """A text as a document may hold it: control characters shown as escapes."""
    return neutralise(str(value))


def _todo(t: dict[str, str]) -> str:
    """The mark of a blank the controller fills in."""
    return t["_todo"]


def _todo_paragraph(doc: Any, t: dict[str, str], what: str | None = None) -> None:
    """A marked blank for the controller, with what it asks for."""
    para = doc.add_paragraph()
    run = para.add_run(t["_todo"] + (f" {what}" if what else ""))
    run.italic = True
    run.font.color.rgb = RGBColor(0x8A, 0x50, 0x00)


def _table(doc: Any, header: list[str] | None, rows: list[list[str]]) -> None:
    table = doc.add_table(rows=0, cols=len(rows[0]) if rows else len(header or []))
    table.style = "Table Grid"
    if header is not None:
        cells = table.add_row().cells
        for cell, value in zip(cells, header, strict=True):
            cell.text = _text(value)
            for run in cell.paragraphs[0].runs:
                run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _text(value)


def _flows(doc: Any, a: Assessment, lang: str, t: dict[str, str]) -> None:
    """One table per data flow: where it goes, what it carries, why, on what basis, for how long."""
    names = {e["id"]: e["name"] for key in ("parties", "systems") for e in a.solution.get(key) or []}
    basis_labels = _choices("flow.lawful_basis", lang)
    doc.add_heading(t["a_flows"], level=2)
    for f in a.solution.get("flows") or []:
        basis = f.get("lawful_basis")
        rows = [
            [
                t["route"],
                f"{names.get(f['source'], f['source'])} → {names.get(f['destination'], f['destination'])}",
            ],
            [t["purposes"], ", ".join(_titles(lang, "purposes", f.get("purposes"))) or t["not_stated"]],
            [
                t["categories"],
                ", ".join(_titles(lang, "data_categories", f.get("data_categories"))) or t["not_stated"],
            ],
            [
                t["subjects"],
                ", ".join(_titles(lang, "data_subjects", f.get("data_subjects"))) or t["not_stated"],
            ],
            [t["basis"], basis_labels.get(str(basis), str(basis)) if basis else t["not_stated"]],
            [t["retention"], record.retention_words(f, lang)],
        ]
        doc.add_paragraph().add_run(_text(f"{t['flow']}: {f['name']}")).bold = True
        _table(doc, None, rows)


def _titles(lang: str, vocab: str, keys: list[str] | None) -> list[str]:
    terms = getattr(vocabulary, vocab)().terms
    out = []
    for key in keys or []:
        term = terms.get(key)
        out.append(vocabulary_title(lang, vocab, key, term.title)[0] if term is not None else key)
    return out


def _choices(fact: str, lang: str) -> dict[str, str]:
    from compliance.core.questions import bank
    from compliance.core.translations import question_text

    entry = bank().get(fact)
    if entry is None:
        return {}
    return question_text(lang, fact, entry.ask, entry.help, entry.why, entry.choices, entry.evidence).choices


def _results(doc: Any, a: Assessment, findings: list[Finding], lang: str, t: dict[str, str]) -> None:
    """The results of some rules: requirement, target, outcome and, for open ones, why."""
    tr = i18n.translator(lang)
    if not findings:
        doc.add_paragraph(t["none"])
        return
    rows = []
    for f in sorted(findings, key=lambda f: (f.citation, f.rule_id)):
        title = rule_text(lang, f.rule_id, f.title, f.remediation).title
        about = f" ({f.target.name})" if f.target is not None else ""
        why = reader_text(f, a, lang)[0] if f.status in OPEN else ""
        rows.append([_text(f"{title}{about}"), tr.gettext(OUTCOME_WORDS[f.status]), _text(why)])
    _table(doc, [t["requirement"], t["status"], t["why_col"]], rows)
