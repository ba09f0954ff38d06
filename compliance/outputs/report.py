"""The assessment report: HTML from the Jinja2 templates in `reports/`, rendered to PDF by WeasyPrint.

Everything in a report comes from the assessment; user texts (names, descriptions, reasons) are
escaped by Jinja2's autoescaping, and the URL fetcher refuses every fetch, so that an `<img
src="file:///etc/passwd">` in a solution prints as text and nothing outside the report is read.
The same assessment gives the same HTML.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from jinja2 import Environment, StrictUndefined, select_autoescape
from markupsafe import Markup

from compliance.core.explanations import explain
from compliance.core.messages import N_, Message
from compliance.core.models.assessment import (
    Assessment,
    ControlStatus,
    DocumentControl,
    FactProvenance,
    Finding,
    Provenance,
)
from compliance.core.models.rules import Outcome
from compliance.core.questions import in_language
from compliance.core.resources import reports_root
from compliance.core.scoring import CRITICAL_REASON, CRITICAL_REASON_AT, NOT_READY_BELOW, TARGET_WORDS
from compliance.core.terminal import neutralise
from compliance.core.translations import control_title, framework_label, pack_title, rule_text, setting_text
from compliance.outputs import council, diagram, i18n, public, record
from compliance.outputs.changes import CAUSE_WORDS, KIND_WORDS, KINDS, OUTCOME_WORDS, Changes
from compliance.outputs.drawing import (
    coverage_chart,
    flow_legend,
    flow_numbers,
    framework_rows,
    score_chart,
    shown_frameworks,
    with_title,
)
from compliance.outputs.i18n import LANGUAGES
from compliance.outputs.scans import finding_note, run_notes
from compliance.outputs.sentences import reader_text, source_text
from compliance.outputs.sentences import sources as named_sources

SHOWN = (Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW, Outcome.ACCEPTED)

# The report's fixed texts in English: message IDs, translated through the catalogs in locale/
# (Danish with the terms Datatilsynet uses: konsekvensanalyse, dataansvarlig, databehandler;
# Swedish with IMY's: konsekvensbedömning, personuppgiftsansvarig, personuppgiftsbiträde).
ACTION_STATUS_WORDS = {"open": N_("open"), "in_progress": N_("in progress"), "done": N_("done")}

TEXTS: dict[str, Any] = {
    "title": N_("GDPR and cybersecurity assessment"),
    "not_available": N_("n/a"),
    "method_scoring": N_(
        "Each result that counts weighs its rule's weight times the points of its severity "
        "({points}). A pass earns its full weight; a fail, an unknown and an accepted risk earn "
        "nothing; results that are not applicable or pending (an obligation that applies from a later "
        "date) do not count. A score is 100 × the weight earned / the weight that counts, per data "
        "flow, provision, framework and overall; 100 where nothing counts."
    ),
    "method_verdict": N_(
        "Verdict: only legal duties decide it; a voluntary standard's results advise unless the contract "
        "requires the standard. Not ready when a critical result of a legal duty fails, or failed results "
        "and accepted risks hold more than half of the legal duties' decided weight; incomplete when a "
        "critical result of a legal duty is unknown, or their score is below {threshold} only because "
        "of unknown results; both stop a pilot or a purchase. Otherwise ready with conditions when any "
        "result fails, is unknown or is an accepted risk; otherwise ready."
    ),
    "packs_used": N_("Rule packs used"),
    "title_col": N_("Title"),
    "pack": N_("Pack"),
    "version": N_("Version"),
    "rules_count": N_("Rules"),
    "origin": N_("Origin"),
    "built_in": N_("built-in"),  # a pack's origin: shipped with the tool, not read from a folder
    "limitations": N_("Limitations"),
    "limitation_items": [
        N_(
            "The assessment rests on the facts stated in the solution file; it does not inspect the "
            "systems. A fact stated wrongly gives a wrong result."
        ),
        N_(
            "An unknown result is a missing fact, not a shortcoming found; it weighs like a failure until "
            "the fact is stated."
        ),
        N_(
            "Scanners cover only the evidence declared (requirement files, source folders, SARIF and SBOM "
            "files); a scan that failed or was incomplete leaves its controls unknown."
        ),
        N_("National rules cover Denmark and Sweden; other Member States' rules are not assessed."),
        N_("The report supports, and does not replace, the controller's own assessment and legal advice."),
    ],
    "assessor": N_("Assessor"),
    "document_control": N_("Document control"),
    "report_id": N_("Report ID"),
    "doc_statuses": {"draft": N_("Draft"), "final": N_("Final")},
    "classification": N_("Classification"),
    "not_classified": N_("not classified"),
    "prepared_for": N_("Prepared for"),
    "approver": N_("Approved by"),
    "not_approved": N_("not approved"),
    "dpo": N_("Data protection officer"),
    "dpo_none": N_("none designated"),
    "draft_banner": N_("Draft: not approved; do not base a decision on it yet."),
    "public_banner": N_("Public edition: information is withheld from it on the legal grounds listed below."),
    "public_heading": N_("Withheld from this edition"),
    "public_intro": N_(
        "This edition is made for publication. The information listed here is removed from it, not "
        "covered: where it stood, the report reads [withheld N]. The results are those of the full "
        "edition; a result that rests on withheld information keeps its outcome but not its explanation."
    ),
    "public_none": N_("Nothing is withheld from this edition."),
    "public_number": N_("No."),
    "public_ground": N_("Legal ground"),
    "public_reason": N_("Reason"),
    "public_unverified": N_("its wording was not checked against the act"),
    "public_as_named": N_("as the solution file names it; not checked"),
    "signed_by": N_("Signed by"),
    "not_given": N_("not given"),
    "facts_to_state": N_("Facts to state"),
    "facts_note": N_(
        "The missing facts that decide the most unknown results; stating them is the quickest way to "
        "a decided assessment."
    ),
    "fact": N_("Fact"),
    "decides": N_("Unknown results it decides"),
    "targets": N_("Applies to"),
    "coverage_chart": N_("Controls by status, per framework"),
    "no": N_("No."),
    "severities": {
        "critical": N_("critical"),
        "high": N_("high"),
        "medium": N_("medium"),
        "low": N_("low"),
    },
    "en_marker": N_("[EN]"),
    "control_statuses": {
        "met": N_("met"),
        "partial": N_("partial"),
        "not_met": N_("not met"),
        "unknown": N_("unknown"),
        "accepted": N_("accepted"),
        "pending": N_("pending"),
        "not_applicable": N_("not applicable"),
    },
    "scan_statuses": {
        "completed": N_("completed"),
        "incomplete": N_("incomplete"),
        "failed": N_("failed"),
        "missing": N_("scanner missing"),
        "timeout": N_("timed out"),
        "not_run": N_("not run"),
        "no_input": N_("nothing it can scan"),
    },
    "run_id": N_("Run"),
    "not_assessed": N_("Not assessed"),
    "as_of": N_("as of"),
    "verdict": N_("Verdict"),
    "verdicts": {
        "ready": N_("ready for a pilot"),
        "ready_with_conditions": N_("ready with conditions"),
        "incomplete": N_("not ready to proceed: incomplete, answer the questions below"),
        "not_ready": N_("not ready to proceed: not ready, fix the findings below"),
    },
    "verdict_sentences": {
        "ready": N_("Every applicable requirement is met: the solution can proceed."),
        "ready_with_conditions": N_(
            "No critical legal requirement stands in the way, but the items below remain open and "
            "must be dealt with."
        ),
        "incomplete": N_(
            "The assessment cannot conclude yet: facts that decide a critical requirement are "
            "missing. Answer the questions below."
        ),
        "not_ready": N_(
            "The solution must not proceed as it is: a critical requirement is not met, or failures "
            "outweigh what is met."
        ),
    },
    "open_counts": N_(
        "Critical requirements not met: {critical}. High requirements not met: {high}. Critical or "
        "high results still undecided (facts missing, or a person must judge): {undecided}."
    ),
    "score_line": N_(
        "Score {score} out of 100: the share of weighted requirements met; not a compliance percentage."
    ),
    "score_note": N_(
        "Scores are the share of weighted requirements met, by framework; not a compliance percentage."
    ),
    "golive": N_("Before go-live"),
    "golive_note": N_(
        "Every critical or high requirement still open, one line per requirement, most serious "
        "first; what to do is under the findings. Who must act is read from "
        "where the result lies: a product requirement falls to the manufacturer, a result about a "
        "party to that party, one about a system to the party operating it, the rest to the "
        "controller."
    ),
    "golive_none": N_("No critical or high requirement is open."),
    "who_acts": N_("Who acts"),
    "requirement": N_("Requirement"),
    "about": N_("About this report"),
    "not_assessed_score": N_("not assessed"),
    "no_assessor": N_(
        "This signed report names no assessor: its signature says who signed it, not who made the assessment."
    ),
    "plan": N_("Action plan"),
    "plan_note": N_(
        "Every open result (not met, facts missing, or a person must judge) with the action the "
        "assessor's decisions record for it: who answers for it, by when, where it stands and the "
        "management's response. Most serious first; within a severity, the earliest due date first."
    ),
    "plan_none": N_("No result is open."),
    "plan_missing": N_(
        "The assessor has recorded no decisions for this assessment, so there is no action plan yet: "
        "the open results are under the findings."
    ),
    "plan_action": N_("Action"),
    "plan_owner": N_("Owner"),
    "plan_due": N_("Due"),
    "plan_response": N_("Management response"),
    "plan_no_action": N_("no action recorded yet"),
    "plan_overdue": N_("overdue"),
    "priority": N_("Priority"),
    "questions": N_("Questions that decide the verdict"),
    "questions_note": N_(
        "The facts still missing that decide the verdict or whether a DPIA is required, most decisive "
        "first. Answer them in the solution file and assess again."
    ),
    "question_decides": N_("Decides"),
    "questions_more": N_("And {n} more questions: the assessment's data file lists them all."),
    "score": N_("Score"),
    "solution": N_("Solution"),
    "controller": N_("Controller"),
    "supplier": N_("Supplier"),
    "jurisdiction": N_("Jurisdiction"),
    "tool": N_("Tool"),
    "packs": N_("Rule packs"),
    "law_as_of": N_("law as of"),
    "unverified_dates": N_("Dates not verified"),
    "pending_duties": N_("Duties that apply later"),
    "pending_intro": N_(
        "These duties do not apply yet. Each row says what the result would be if the duty applied "
        "today, so that it can be asked for in the contract now."
    ),
    "applies_from": N_("Applies from"),
    "if_today": N_("If it applied today"),
    "would_be": {
        "pass": N_("met"),
        "fail": N_("not met"),
        "unknown": N_("cannot be decided yet"),
        "needs_review": N_("a person must judge"),
    },
    "scanners": N_("Scanners"),
    "none": N_("none"),
    "inputs": N_("Inputs and their SHA-256"),
    "data": N_("Assessment data embedded in this PDF (assessment.json), SHA-256"),
    "self_signed_note": N_(
        "Signed with a self-signed certificate: no certification authority vouches for who signed. "
        "Check this certificate fingerprint with the sender before you rely on the report. SHA-256:"
    ),
    "not_recomputed": N_(
        "These results were not recomputed when this report was made: they are shown as the "
        "assessment file gives them, and the tool has not checked that they follow from the facts."
    ),
    "signed_note": N_(
        "This report is signed electronically (PAdES). Check the signature, and that the embedded "
        "data and the input hashes are the ones shown here, with `compliance verify` or any PDF "
        "signature validator."
    ),
    "file": N_("File"),
    "role": N_("Role"),
    "contents": N_("Contents"),
    "summary": N_("Summary"),
    "dpia": N_("DPIA screening"),
    "dpia_required": N_("DPIA required"),
    "criterion": N_("Criterion"),
    "met": N_("Met"),
    "reasons": N_("Reasons"),
    "coverage": N_("Control coverage by framework"),
    "findings": N_("Findings to act on, by provision"),
    "framework": N_("Framework"),
    "rule": N_("Rule"),
    "provision": N_("Provision"),
    "score_alt": N_("Score out of 100 per framework: {items}."),
    "coverage_alt": N_("Catalogue controls per framework, by status: {items}."),
    "diagram_alt": N_(
        "Diagram of the solution's {n} data flows between its systems and parties, each coloured by "
        "its worst result; the table below lists every flow."
    ),
    "changes": N_("Changes since the assessment of {date}"),
    "changes_note": N_(
        "The results that moved since the previous assessment given for comparison, and why: the "
        "solution changed, the rule or its pack changed, the assessor's decisions changed, or the "
        "date passed one a rule depends on. At most 25 of each kind are listed."
    ),
    "changes_more": N_("... and {n} more"),
    "changes_other_solution": N_("The previous assessment is of another solution."),
    "changes_none": N_("No result changed."),
    "not_assessed_short": N_("not assessed"),
    "open_results": N_("Open results"),
    "change_col": N_("Change"),
    "cause_col": N_("Because"),
    "more_targets": N_("and {n} more; the findings list them all"),
    "more_items": N_(
        "... and {n} more open requirements, less serious or still lacking facts; the findings list them all."
    ),
    "status": N_("Status"),
    "target": N_("Target"),
    "explanation": N_("Explanation"),
    "remediation": N_("Remediation"),
    "severity": N_("Severity"),
    "where": N_("Where"),
    "message": N_("Message"),
    "method": N_("Method"),
    "method_text": N_(
        "Every rule cites the provision it enforces and is evaluated on the facts of the solution; a "
        "missing fact makes the result unknown, which weighs like a failure. Scores follow the "
        "formula below; a critical failure or critical unknown makes the verdict 'not ready'."
    ),
    "scope": N_("Scope"),
    "scope_text": N_(
        "The solution as its file describes it: {flows} data flows, {parties} parties and {systems} "
        "systems, assessed as of {date} against the law and standards below."
    ),
    "assessed": N_("Assessed"),
    "not_assessed_list": N_("Not assessed"),
    "not_assessed_reasons": {
        "nothing_applies": N_("no requirement of it applies to this solution"),
    },
    "fact_sources": N_("Who supplied the facts"),
    "fact_sources_note": N_(
        "Where the facts the results rest on come from, as the solution file and the assessor's "
        "decisions record them; derived facts are not counted."
    ),
    "fact_source_line": N_("{source}: {n} facts"),
    "fact_source_dates": N_("{source}: {n} facts, stated {first} to {last}"),
    "fact_source_date": N_("{source}: {n} facts, stated {first}"),
    "diagram": N_("Data flows"),
    "diagram_note": N_(
        "Grey boxes are systems, with the party operating them and its role; blue boxes are parties; "
        "folded notes are parties reaching the data from outside the EEA. Each arrow carries the "
        "numbers of its flows in the table below and the colour of the worst result among the flows "
        "and the systems and parties at their ends; a box's border shows its own worst result."
    ),
    "diagram_missing": N_("The diagram could not be drawn"),
    "diagram_left_out": N_("Flows not drawn, to keep the diagram readable (the table lists every flow): {n}"),
    "accepted_risks": N_("Accepted risks"),
    "approved_by": N_("Approved by"),
    "expires": N_("Expires"),
    "controls": N_("Controls"),
    "controls_body_note": N_(
        "The controls not met or met in part, by framework; the appendix lists every control with "
        "its status and explanation."
    ),
    "controls_appendix": N_("Appendix: every control, by framework"),
    "engineers_appendix": N_("Appendix for engineers: the tests behind each result"),
    "engineers_note": N_(
        "For the supplier's and the municipality's technical staff: each result to act on with the "
        "tests the rule ran on the facts, as the solution file names them, and the facts that "
        "decided it. The embedded JSON holds the same for every result."
    ),
    "trace": N_("Tests and values"),
    "trail": N_("Appendix: the evidence trail, requirements met and what they rest on"),
    "trail_note": N_(
        "Every requirement met, by provision: where the facts that met it come from, and who decided "
        "it on review. A requirement met on the solution's own statements alone, with nothing "
        "checked by the assessor or scanned, is marked; it is only as good as those statements."
    ),
    "trail_rests_on": N_("Rests on"),
    "trail_declared_only": N_("declarations only, for {n} of {total}"),
    "trail_review": N_("decided on review by {who}, {date}"),
    "trail_none": N_("No requirement is met."),
    "deciding": N_("Decided by"),
    "not_assessed_framework": N_("Not assessed: no requirement of this framework applies to the solution."),
    "control": N_("Control"),
    "record": N_("Record of processing (GDPR Art. 30(1))"),
    "record_note": N_(
        "Drawn from the solution's data flows that carry personal data, or may: a draft for the "
        "controller's own record, which must hold these points. What the solution does not state "
        "is marked as not stated."
    ),
    "record_a": N_("(a) Controller, joint controllers and data protection officer"),
    "record_b": N_("(b) Purposes of the processing"),
    "record_c": N_("(c) Categories of data subjects and of personal data"),
    "record_d": N_("(d) Categories of recipients, also in third countries"),
    "record_e": N_("(e) Transfers to third countries and their safeguards"),
    "record_f": N_("(f) Time limits for erasure"),
    "record_g": N_("(g) Technical and organisational security measures (Art. 32(1))"),
    "record_empty": N_(
        "The solution processes no personal data: no entry in the record of processing is needed."
    ),
    "record_no_transfers": N_("No transfer to a third country is stated."),
    "record_no_measures": N_("No security measure is stated as in place."),
    "not_stated": N_("not stated"),
    "flow": N_("Data flow"),
    "subjects": N_("Data subjects"),
    "categories": N_("Categories of data"),
    "route": N_("From → to"),
    "provenance": N_(
        "{declared} of {passes} passes rest on the solution file's declarations only: nothing behind "
        "them was checked by the assessor or scanned by this tool."
    ),
    "provenance_serious": N_("Critical or high rules that pass on declarations only: {results}."),
    "decisions": N_("Decisions recorded by {who} ({organisation})."),
    "action": N_("Action ({status}): {action}; owner: {owner}"),
    "action_due": N_("due {date}"),
    "response": N_("Management response: {text}"),
    "review_reason": N_("Reviewer's reason: {text}"),
    "declared_only": N_("Rests on declarations only."),
    "facts_from": N_("Facts from: {sources}"),
    "and_more": N_("... and {n} more (see the JSON)"),
    "action_status": ACTION_STATUS_WORDS,
    "outcomes": {
        "pass": N_("pass"),
        "fail": N_("fail"),
        "unknown": N_("unknown"),
        "needs_review": N_("needs review"),
        "accepted": N_("accepted"),
        "pending": N_("pending"),
    },
    "tri": {
        True: N_("yes"),
        False: N_("no"),
        None: N_("unknown"),
    },
    "fallback": N_(
        "Texts marked [EN] have no current translation into the report's language yet and are shown "
        "in English. In the explanations, the names and values of facts are as the solution file "
        "writes them."
    ),
}


def texts(lang: str) -> dict[str, Any]:
    """The report's fixed texts in a language; the note on English fallbacks only where one can occur."""
    out: dict[str, Any] = i18n.translate_tree(TEXTS, lang)
    if lang == "en":
        out["fallback"] = ""
    return out


def dpia_title(lang: str, title: str) -> str:
    """A screening criterion's title in the report's language."""
    return i18n.translator(lang).gettext(title)


def control_explanation(messages: list[Message], a: Assessment, lang: str) -> str:
    """A control's explanation in the report's language, other controls named with their titles in it."""

    def name(cid: str) -> str:
        control = a.controls.get(cid)
        title = control_title(lang, cid, control.title)[0] if control is not None else ""
        return f"{cid} ({title})" if title else cid

    return " ".join(i18n.say(m, lang, control_name=name) for m in messages)


def refusing_fetcher(refused: list[str]) -> Any:
    """A WeasyPrint URL fetcher that fetches nothing and records what was asked: the report is
    self-contained, and a URL in user content must never make the renderer read a file or reach a
    network."""
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            refused.append(url)
            raise ValueError(f"the report fetches nothing: {url}")

    return RefusingFetcher(allowed_protocols=())


# A word longer than LONG_WORD characters (no real word is; a 50,000-letter scanner message or
# name from the party being assessed can be) is shown cut to its first KEPT characters and the
# number left out: the layout measures a table cell's narrowest width by breaking its text line
# by line, which costs minutes for such a word, broken or not. The whole text stays in the
# embedded JSON. The part kept gets a break opportunity (a zero-width space) every BREAK_EVERY
# characters so that it fits a narrow column; hashes (64 characters) stay whole, so that
# `verify` still finds them in the page text.
LONG_WORD = 120
KEPT = 80
BREAK_EVERY = 40
_LONG_WORD = re.compile(rf"[^\s\u200b]{{{BREAK_EVERY * 2},}}")


def _shortened(word: str) -> str:
    kept = word if len(word) <= LONG_WORD else word[:KEPT]
    broken = "\u200b".join(kept[i : i + BREAK_EVERY] for i in range(0, len(kept), BREAK_EVERY))
    return broken if kept is word else f"{broken}\u2026[+{len(word) - KEPT}]"


def _breakable(text: str) -> str:
    return _LONG_WORD.sub(lambda m: _shortened(m[0]), text)


def _finalize(value: Any) -> Any:
    """Every value the template prints, with controls and bidirectional overrides shown as escapes
    (`compliance.core.terminal`): a file name or scanner message from the party being assessed
    cannot reorder the text a reader sees, nor break the PDF; plain text gets break opportunities
    in very long words. Markup (our own HTML and drawings) is only neutralised."""
    if isinstance(value, Markup):
        # The escapes add only backslashes and letters: markup already safe stays safe.
        return Markup(neutralise(str(value)))  # noqa: S704
    return _breakable(neutralise(value)) if isinstance(value, str) else value


def _environment() -> Environment:
    return Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(
    a: Assessment,
    lang: str = "en",
    data_sha256: str | None = None,
    signer: str | None = None,
    *,
    self_signed: str | None = None,
    recomputed: bool = True,
    changes: Changes | None = None,
) -> str:
    """The report as one self-contained HTML document; `data_sha256` is the digest of the
    assessment JSON embedded in the PDF, shown on the cover so that a verifier can match them,
    `signer` the name of who signs it, `self_signed` the SHA-256 fingerprint of a self-signed
    signing certificate (the cover asks the reader to check it), and `recomputed` False when the
    results are shown as a saved assessment gives them, without recomputing them."""
    if lang not in LANGUAGES:
        raise ValueError(f"no report texts for language '{lang}' (available: {', '.join(LANGUAGES)})")
    t = texts(lang)
    root = reports_root()
    env = _environment()
    env.filters["num"] = lambda value: i18n.number(value, lang)
    env.filters["day"] = lambda value: i18n.date(value, lang) if value else ""
    template = env.from_string(root.joinpath("report.html").read_text(encoding="utf-8"))
    parties = {p["id"]: p for p in a.solution.get("parties", [])}
    controller = parties.get(a.solution["controller"]["party"], {}).get(
        "name", a.solution["controller"]["party"]
    )
    supplier_id = a.solution.get("supplier")
    supplier = parties.get(supplier_id, {}).get("name", supplier_id) if supplier_id else None
    drawing = diagram.flow_diagram(a, lang, flow_numbers(a))
    by_framework: dict[str, list[dict[str, Any]]] = defaultdict(list)  # by the name in `lang`
    for cid, c in a.controls.items():
        title, title_en = control_title(lang, cid, c.title)
        by_framework[framework_label(lang, c.framework)].append(
            {
                "citation": c.citation,
                "title": title,
                "title_en": title_en,
                "status": c.status.value,
                "explanation": control_explanation(c.explanation, a, lang),
            }
        )
    html = template.render(
        a=a,
        data_sha256=data_sha256,
        signer=signer,
        self_signed=self_signed,
        recomputed=recomputed,
        t=t,
        lang=lang,
        css=root.joinpath("report.css").read_text(encoding="utf-8"),
        tool=f"{a.tool.name} {a.tool.version}",
        controller=controller,
        supplier=supplier,
        open_findings=_grouped_findings(a, lang),
        document=a.document or DocumentControl(),
        changes=_changes(changes, a, lang) if changes is not None else None,
        cover_names=COVER_NAMES,
        cover_items=COVER_ITEMS,
        scope=_scope(a, lang),
        dpo=_dpo(a),
        trail=evidence_trail(a, lang),
        verdict_reasons=verdict_reasons(a, lang),
        dpia_rows=_dpia_rows(a, lang),
        dpia_reasons=[i18n.say(r, lang) for r in a.dpia.reasons],
        method_scoring=t["method_scoring"].format(
            points=", ".join(
                f"{t['severities'].get(k, k)} {i18n.number(v, lang)}"
                for k, v in a.scoring.get("severity_points", {}).items()
            )
        ),
        method_verdict=t["method_verdict"].format(threshold=i18n.number(NOT_READY_BELOW, lang)),
        pack_rules=Counter(r.pack for r in a.rules.values()),
        pack_titles={p.id: pack_title(lang, p.id, p.title) for p in a.rule_packs},
        unverified_dates=_unverified_dates(a, lang),
        pending_rows=_pending_rows(a, lang),
        questions=_questions(a, lang),
        questions_more=max(0, len(a.questions) - QUESTIONS_SHOWN),
        facts_to_state=_facts_to_state(a),
        statuses=[s.value for s in ControlStatus],
        risks=_risks(a),
        scan_notes=[run_notes(run, i18n.translator(lang)) for run in a.scanners],
        finding_state=lambda f: finding_note(f, i18n.translator(lang)),
        controls_by_framework=sorted(by_framework.items()),
        control_counts={
            name: [
                (status.value, n)
                for status in ControlStatus
                if (n := sum(c["status"] == status.value for c in group))
            ]
            for name, group in by_framework.items()
        },
        record=record.build(a.solution, lang),
        council=council.build(a, lang),
        frameworks=framework_rows(shown_frameworks(a), lang),
        coverage_rows=framework_rows(a.coverage, lang),
        plan=council.action_plan(a, lang),
        score_chart=score_chart(
            a, lambda v: i18n.number(v, lang), t["not_assessed_score"], _score_alt(a, t, lang), lang
        ),
        coverage_chart=coverage_chart(a, t["control_statuses"], _coverage_alt(a, t, lang), lang),
        drawing=drawing,
        edition_rows=_edition_rows(a, lang),
        full_confidential=_full_confidential(a, t, lang),
        diagram_svg=with_title(drawing.svg, t["diagram_alt"].format(n=len(a.solution.get("flows") or [])))
        if drawing.svg
        else None,
        flow_legend=flow_legend(
            a, lambda v: i18n.number(v, lang), t["not_assessed_score"], drawing.flow_colours
        ),
    )
    # A public edition's data says [withheld N]; its reader reads it in the report's language.
    return public.localise(html, lang) if a.edition is not None else html


def _ground_text(ground: str, citation: str, lang: str) -> str:
    """A confidentiality ground as the cover names it: its provision and what it protects."""
    from compliance.core.translations import vocabulary_title
    from compliance.core.vocabulary import grounds

    info = grounds().get(ground)
    if info is None:
        return citation
    title = vocabulary_title(lang, "confidentiality_grounds", ground, info.title)[0]
    return f"{citation} ({title[:1].lower() + title[1:]})"


def _edition_rows(a: Assessment, lang: str) -> list[dict[str, Any]] | None:
    """The cover's list of what a public edition withholds; None for the full edition."""
    if a.edition is None:
        return None
    gettext = i18n.translator(lang).gettext
    return [
        {
            "number": w.number,
            "ground": _ground_text(w.ground, w.citation, lang) + _unchecked(w.ground, w.verified, gettext),
            "reason": w.reason,
        }
        for w in a.edition.withheld
    ]


def _unchecked(ground: str, verified: bool, gettext: Callable[[str], str]) -> str:
    """The mark after a ground whose provision's wording the tool did not check."""
    from compliance.core.vocabulary import OTHER_GROUND

    if verified:
        return ""
    return f" [{gettext(TEXTS['public_as_named' if ground == OTHER_GROUND else 'public_unverified'])}]"


def _full_confidential(a: Assessment, t: dict[str, Any], lang: str) -> str | None:
    """On the full edition of a solution with fields marked confidential: not for publication."""
    marked = a.solution.get("confidential") or []
    if a.edition is not None or not marked:
        return None
    citations = []
    for entry in marked:
        ground = str(entry.get("ground", ""))
        info = _ground_citation(ground, entry)
        if info not in citations:
            citations.append(info)
    return (
        i18n.translator(lang)
        .ngettext(
            "Not for publication as it is: this edition holds {n} item that its public edition withholds "
            "({grounds}).",
            "Not for publication as it is: this edition holds {n} items that its public edition withholds "
            "({grounds}).",
            len(marked),
        )
        .format(n=len(marked), grounds="; ".join(citations))
    )


def _ground_citation(ground: str, entry: dict[str, Any]) -> str:
    from compliance.core.vocabulary import grounds

    info = grounds().get(ground)
    return info.citation if info is not None else str(entry.get("provision") or ground)


def _risks(a: Assessment) -> list[dict[str, Any]]:
    """The accepted risks the assessor's decisions file records, with who approved them."""
    if a.decisions is None:
        return []
    out = []
    for r in a.decisions.document.get("accepted_risks", []):
        by = r.get("approved_by") or {}
        out.append({**r, "approved_by": f"{by.get('name', '')} ({by.get('organisation', '')})"})
    return out


def _dpia_rows(a: Assessment, lang: str) -> list[dict[str, Any]]:
    """The screening's criteria as the report lists them, in its language."""
    return [
        {
            "label": f"{c.id} {dpia_title(lang, c.title)}",
            "en": False,
            "met": c.met,
            "reasons": "; ".join(i18n.say(r, lang) for r in c.reasons),
        }
        for c in a.dpia.criteria + a.dpia.per_se + a.dpia.national
    ]


def _pending_rows(a: Assessment, lang: str) -> list[dict[str, Any]]:
    """The duties that apply later, one row per rule and what it would be today, with its targets."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for f in a.findings:
        if f.status is not Outcome.PENDING or f.would_be is None or f.effective_from is None:
            continue
        key = (f.rule_id, f.would_be.value)
        if key not in rows:  # the rule's texts once, not once per target
            rows[key] = {
                "rule_id": f.rule_id,
                "title": rule_text(lang, f.rule_id, f.title, f.remediation).title,
                "date": i18n.date(f.effective_from, lang),
                "would_be": f.would_be.value,
                "targets": [],
            }
        row = rows[key]
        if f.target is not None:
            row["targets"].append(f.target.id)
    order = {"fail": 0, "unknown": 1, "needs_review": 2, "pass": 3}
    return sorted(rows.values(), key=lambda r: (order[r["would_be"]], r["rule_id"]))


def _unverified_dates(a: Assessment, lang: str) -> list[str]:
    """The dates not verified that some result of the assessment depends on, each with what starts
    then, in the report's language."""
    relied_on = {(f.pack, f.effective_from) for f in a.findings if f.status is not Outcome.NOT_APPLICABLE}
    out = []
    for pack in a.rule_packs:
        for u in pack.unverified_dates:
            if (u.pack, u.date) not in relied_on:
                continue  # no result of this assessment depends on the date
            label, note, _ = setting_text(lang, u.pack, u.name, u.label, u.note)
            out.append(f"{i18n.date(u.date, lang)}: {label}" + (f" ({note})" if note else ""))
    return out


def target_label(f: Finding, lang: str) -> str:
    """`flow f1`, `datastrøm f1`: the flow, party or system a result is about."""
    if f.target is None:
        return ""
    return i18n.translator(lang).gettext(TARGET_WORDS[f.target.kind.value]).format(id=f.target.id)


def finding_explanation(f: Finding, a: Assessment, lang: str) -> str:
    """A result's explanation in the report's language, phrased from the facts that decided it."""
    if lang == "en":
        return f.explanation
    rule = a.rules.get(f.rule_id)
    risk = f.accepted_risk
    return explain(
        f.status,
        f.facts,
        to_state=f.to_state,
        effective_from=f.effective_from,
        effective_until=rule.effective_until if rule is not None else None,
        risk_expired_on=risk.expires if risk is not None and risk.expired else None,
        review=f.review,
        would_be=f.would_be,
        tr=i18n.translator(lang),
        date_text=lambda d: i18n.date(d, lang),
    )


def _row(group: list[Finding], a: Assessment, lang: str) -> dict[str, Any]:
    """One line of the findings: a rule's result with the same explanation on every target it
    lists, its texts in the report's language."""
    first = group[0]
    text = rule_text(lang, first.rule_id, first.title, first.remediation)
    names = [f.target.name for f in group if f.target is not None]
    said, said_in_english = reader_text(first, a, lang, names if len(names) > 1 else None)
    return {
        "rule_id": first.rule_id,
        "title": text.title,
        "title_en": text.title_in_english,
        "remediation": text.remediation,
        "remediation_en": text.remediation_in_english,
        "status": first.status.value,
        "severity": first.severity.value,
        "targets": [target_label(f, lang) for f in group if f.target],
        "explanation": said,
        "explanation_en": said_in_english,
        "trace": finding_explanation(first, a, lang),
        "deciding": first.deciding,
        "to_state": first.to_state,
        "national": first.national_citation,
        "notes": _notes(first, lang),
    }


PROVENANCE_WORDS = {
    Provenance.DECLARED: N_("declared"),
    Provenance.DECLARED_CHECKED: N_("declared as checked"),
    Provenance.ASSESSOR_CHECKED: N_("checked by the assessor"),
    Provenance.SCANNER_RUN: N_("scanner run"),
    Provenance.SUPPLIER_SCAN: N_("supplier-supplied scan"),
    Provenance.DERIVED: N_("derived"),
}


def fact_sources(provenance: list[FactProvenance], lang: str) -> str:
    """`declared in the solution file; scanner run: bandit`: where a result's facts come from, in
    plain words (who said or checked it, never a field path)."""
    _ = i18n.translator(lang).gettext
    parts: list[str] = []
    for item in provenance:
        if item.kind is Provenance.DERIVED:
            continue
        if item.kind is Provenance.DECLARED_CHECKED:
            text = _("declared as checked by {who}").format(who=item.by or _("an unnamed person"))
        elif item.kind is Provenance.DECLARED:
            text = (
                _("declared by {who}").format(who=item.by) if item.by else _("declared in the solution file")
            )
        else:
            text = (
                f"{_(PROVENANCE_WORDS[item.kind])}: {item.by}" if item.by else _(PROVENANCE_WORDS[item.kind])
            )
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def _notes(f: Finding, lang: str) -> list[str]:
    """The action plan's entry, the reviewer's reason: lines under a finding, in the report's language."""
    tr = i18n.translator(lang)
    notes = []
    if f.action is not None:
        act = f.action
        text = tr.gettext(TEXTS["action"]).format(
            status=tr.gettext(TEXTS["action_status"].get(act.status, act.status)),
            action=act.action,
            owner=act.owner,
        )
        if act.due is not None:
            text += "; " + tr.gettext(TEXTS["action_due"]).format(date=i18n.date(act.due, lang))
        notes.append(text)
        if act.response:
            notes.append(tr.gettext(TEXTS["response"]).format(text=act.response))
    if f.review is not None and f.review.reason:
        notes.append(tr.gettext(TEXTS["review_reason"]).format(text=f.review.reason))
    # A failure's sentence names the sources of the facts that decided it already.
    sources = "" if named_sources(f, lang) else fact_sources(f.provenance, lang)
    if sources:
        notes.append(tr.gettext(TEXTS["facts_from"]).format(sources=sources))
    return notes


def _grouped_findings(a: Assessment, lang: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Findings to act on by provision; a rule whose result and explanation repeat on many
    targets (the same missing fact on every flow, say) is one line listing the targets."""
    groups: dict[str, dict[tuple[str, str, str], list[Finding]]] = defaultdict(dict)
    for f in a.findings:
        if f.status in SHOWN:
            groups[f.citation].setdefault((f.rule_id, f.status.value, f.explanation), []).append(f)
    return [(c, [_row(g, a, lang) for g in groups[c].values()]) for c in a.provisions if c in groups]


# A line of the council's pages names this many of the flows, parties or systems it concerns.
COVER_NAMES = 5
# The council's list "before go-live" shows this many lines, the most serious first.
COVER_ITEMS = 20
# A line of the evidence trail names this many sources of its facts and counts the rest.
TRAIL_SOURCES = 4


def evidence_trail(a: Assessment, lang: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The requirements met, by provision, each with what it rests on: who stated or checked the
    facts that met it, on what evidence and when; the review decisions that decided it; and
    whether it rests on declarations alone. One line per rule, listing its targets."""
    tr = i18n.translator(lang)
    rows: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for f in a.findings:
        if f.status is not Outcome.PASS:
            continue
        row = rows[f.citation].get(f.rule_id)
        if row is None:
            text = rule_text(lang, f.rule_id, f.title, f.remediation)
            row = rows[f.citation][f.rule_id] = {
                "rule_id": f.rule_id,
                "title": text.title,
                "title_en": text.title_in_english,
                "targets": [],
                "sources": [],
                "reviews": [],
                "declared_only": 0,
                "results": 0,
            }
        row["results"] += 1
        row["declared_only"] += f.declared_only
        if f.target is not None:
            row["targets"].append(f.target.name)
        deciding = set(f.deciding)
        for item in f.provenance:
            if item.fact in deciding and item.kind is not Provenance.DERIVED:
                source = source_text(item, lang)
                if source not in row["sources"]:
                    row["sources"].append(source)
        if f.review is not None and f.review.counts:
            review = tr.gettext(TEXTS["trail_review"]).format(
                who=f"{f.review.decided_by} ({f.review.organisation})",
                date=i18n.date(f.review.decided_on, lang),
            )
            if review not in row["reviews"]:
                row["reviews"].append(review)
    out = []
    for citation in (c for c in a.provisions if c in rows):
        lines = []
        for row in rows[citation].values():
            more = len(row["sources"]) - TRAIL_SOURCES
            row["sources"] = row["sources"][:TRAIL_SOURCES] + (
                [tr.gettext(TEXTS["and_more"]).format(n=more)] if more > 0 else []
            )
            lines.append(row)
        out.append((citation, lines))
    return out


# The report's section "changes since" lists this many results of each kind; `compliance diff` all.
CHANGES_SHOWN = 25


def _changes(changes: Changes, a: Assessment, lang: str) -> dict[str, Any]:
    """The section "changes since the previous assessment", in the report's language."""
    tr = i18n.translator(lang)

    def outcome(o: Outcome | None) -> str:
        return tr.gettext(OUTCOME_WORDS[o]) if o is not None else tr.gettext(TEXTS["not_assessed_short"])

    groups = []
    for kind in KINDS:
        rows = changes.by_kind(kind)
        if not rows:
            continue
        shown = []
        for r in rows[:CHANGES_SHOWN]:
            text = rule_text(lang, r.rule_id, r.title, r.remediation)
            shown.append(
                {
                    "title": text.title,
                    "title_en": text.title_in_english,
                    "rule_id": r.rule_id,
                    "target": r.target.name if r.target is not None else tr.gettext(TEXTS["solution"]),
                    "move": f"{outcome(r.before)} → {outcome(r.after)}",
                    "causes": "; ".join(tr.gettext(CAUSE_WORDS[c]) for c in r.causes),
                }
            )
        groups.append(
            {
                "heading": tr.gettext(KIND_WORDS[kind]).format(n=len(rows)),
                "rows": shown,
                "more": len(rows) - len(shown),
            }
        )
    b, after = changes.before, changes.after
    verdicts = TEXTS["verdicts"]
    return {
        "since": i18n.date(b.as_of, lang),
        "verdict": f"{tr.gettext(verdicts[b.verdict])} → {tr.gettext(verdicts[after.verdict])}",
        "score": f"{i18n.number(b.score, lang)} → {i18n.number(after.score, lang)}",
        "open": f"{sum(b.open.values())} → {sum(after.open.values())}",
        "groups": groups,
        "same_solution": changes.same_solution,
    }


def _scope(a: Assessment, lang: str) -> dict[str, Any]:
    """The method's scope: what was assessed, what was not and why, and who supplied the facts
    the results rest on (each source with how many facts and when they were stated)."""
    tr = i18n.translator(lang)
    assessed, excluded = [], []
    # the other country's national law is not shown at all
    for name, group in framework_rows(shown_frameworks(a), lang):
        if group.score is None:
            excluded.append((name, "nothing_applies"))
        else:
            assessed.append(name)
    facts: dict[str, set[str]] = defaultdict(set)
    dates: dict[str, list[datetime.date]] = defaultdict(list)
    for f in a.findings:
        for item in f.provenance:
            if item.kind is Provenance.DERIVED:
                continue
            who = source_text(FactProvenance(item.fact, None, item.kind, item.by), lang)
            facts[who].add(item.path or item.fact)
            if item.on is not None:
                dates[who].append(item.on)
    sources = []
    for who, paths in sorted(facts.items(), key=lambda kv: -len(kv[1])):
        days = sorted(set(dates[who]))
        if not days:
            line = tr.gettext(TEXTS["fact_source_line"]).format(source=who, n=len(paths))
        elif len(days) == 1:
            line = tr.gettext(TEXTS["fact_source_date"]).format(
                source=who, n=len(paths), first=i18n.date(days[0], lang)
            )
        else:
            line = tr.gettext(TEXTS["fact_source_dates"]).format(
                source=who, n=len(paths), first=i18n.date(days[0], lang), last=i18n.date(days[-1], lang)
            )
        sources.append(line[:1].upper() + line[1:])
    return {
        "counts": {
            "flows": len(a.solution.get("flows") or []),
            "parties": len(a.solution.get("parties") or []),
            "systems": len(a.solution.get("systems") or []),
        },
        "assessed": assessed,
        "excluded": excluded,
        "sources": sources,
    }


def _score_alt(a: Assessment, t: dict[str, Any], lang: str) -> str:
    """The score chart in words: each framework shown with its score (its text alternative)."""
    items = [
        f"{name} {i18n.number(g.score, lang) if g.score is not None else t['not_assessed_score']}"
        for name, g in framework_rows(shown_frameworks(a), lang)
    ]
    return str(t["score_alt"]).format(items="; ".join(items))


def _coverage_alt(a: Assessment, t: dict[str, Any], lang: str) -> str:
    """The coverage chart in words: each framework's controls counted by status."""
    names = t["control_statuses"]
    items = [
        f"{name}: " + ", ".join(f"{n} {names.get(status, status)}" for status, n in cov.counts.items() if n)
        for name, cov in framework_rows(a.coverage, lang)
    ]
    return str(t["coverage_alt"]).format(items="; ".join(items))


def _dpo(a: Assessment) -> str | None:
    """The controller's DPO as the solution states it: the contact, "" where none is designated,
    None where nothing is stated."""
    controller = a.solution.get("controller") or {}
    if controller.get("dpo_contact"):
        return str(controller["dpo_contact"])
    return "" if controller.get("dpo_designated") is False else None


def verdict_reasons(a: Assessment, lang: str) -> list[str]:
    """The engine's reasons for the verdict in a language; a critical rule is named by its title
    in that language (marked [EN] where it has no translation yet)."""
    out = []
    for reason in a.verdict_reasons:
        if reason.id in (CRITICAL_REASON, CRITICAL_REASON_AT) and lang != "en":
            rule = str(reason.args.get("rule", ""))
            info = a.rules.get(rule)
            english = (info.title, info.remediation) if info else (str(reason.args.get("title", "")), "")
            text = rule_text(lang, rule, *english)
            title = t_marker(lang, text.title_in_english) + text.title
            reason = reason.model_copy(update={"args": {**reason.args, "title": title}})
        out.append(i18n.say(reason, lang))
    return out


def t_marker(lang: str, in_english: bool) -> str:
    """The mark before a text that fell back to English in a Danish or Swedish report."""
    return f"{i18n.translator(lang).gettext(TEXTS['en_marker'])} " if in_english and lang != "en" else ""


# The questions the report lists, most decisive first; the JSON holds them all.
QUESTIONS_SHOWN = 25


def _questions(a: Assessment, lang: str) -> list[dict[str, Any]]:
    """The first questions in the report's language, each naming the flow, party or system it asks about."""
    out = []
    for q in a.questions[:QUESTIONS_SHOWN]:
        text = in_language(q, lang)
        out.append({"ask": t_marker(lang, text.in_english) + text.ask, "why": text.why, "decides": q.decides})
    return out


def _facts_to_state(a: Assessment, limit: int = 12) -> list[tuple[str, int]]:
    """The missing facts that decide the most unknown results."""
    counts: Counter[str] = Counter()
    for f in a.findings:
        if f.status is Outcome.UNKNOWN:
            counts.update(f.to_state)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def render_pdf(
    html: str, assessment_json: str | None = None, created: datetime.datetime | None = None
) -> tuple[bytes, list[str]]:
    """The PDF (PDF/A-3b, tagged) of a report's HTML, with the assessment JSON embedded as its
    associated data file when given, and the URLs the renderer asked for and was refused."""
    from weasyprint import HTML, Attachment

    refused: list[str] = []
    fetcher = refusing_fetcher(refused)
    attachments = []
    if assessment_json is not None:
        attachments.append(
            Attachment(
                string=assessment_json,
                name="assessment.json",
                description="The assessment this report shows, as JSON",
                relationship="Data",
                url_fetcher=fetcher,
                created=created,
                modified=created,
            )
        )
    pdf = HTML(string=html, url_fetcher=fetcher, base_url="about:blank").write_pdf(
        pdf_variant="pdf/a-3b", pdf_tags=True, attachments=attachments, finisher=without_object_streams
    )
    assert pdf is not None
    return bytes(pdf), refused


def without_object_streams(document: Any, pdf: Any) -> None:
    """Write every object on its own (streams stay compressed), not packed into one object stream:
    pyHanko re-reads an object stream's whole index for each object it takes from it, so checking
    the later revisions of a tagged report of thousands of objects took seconds per object stream
    access (13 s for a 17-page report) and grows with the square of its size."""
    write = pdf.write

    def write_plain(
        output: Any, version: bytes = b"1.7", identifier: Any = False, compress: bool = False
    ) -> Any:
        return write(output, version, identifier, False)

    pdf.write = write_plain


def report_pdf(
    a: Assessment,
    lang: str = "en",
    signer: str | None = None,
    *,
    self_signed: str | None = None,
    recomputed: bool = True,
    changes: Changes | None = None,
) -> bytes:
    """The PDF report of an assessment (unsigned), the assessment embedded and its digest shown;
    `self_signed` and `recomputed` as for `render_html`."""
    raw = a.json_bytes(end=b"\n")  # as `assess -o FILE.json` writes it
    digest = hashlib.sha256(raw).hexdigest()
    data = raw.decode("utf-8")
    # The attachment is dated by the assessment, not the clock: the same assessment gives the
    # same PDF bytes (the signature then adds its own time).
    as_of = datetime.datetime.combine(a.as_of, datetime.time(0), tzinfo=datetime.UTC)
    html = render_html(
        a, lang, digest, signer, self_signed=self_signed, recomputed=recomputed, changes=changes
    )
    pdf, _refused = render_pdf(html, data, as_of)
    return pdf
