"""The terminal summary of an assessment: plain text for people, not for parsing, in English,
Danish or Swedish (`assess --lang`)."""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict

from compliance.core.controls import STATUS_WORDS, tally
from compliance.core.messages import N_, Translator
from compliance.core.models.assessment import (
    Assessment,
    ControlStatus,
    Counts,
    Finding,
    Verdict,
)
from compliance.core.models.rules import Outcome
from compliance.core.questions import in_language
from compliance.core.scoring import OUTCOME_WORDS
from compliance.core.terminal import neutralise
from compliance.core.translations import control_title, framework_label, rule_text
from compliance.outputs import i18n
from compliance.outputs.drawing import framework_rows, shown_frameworks
from compliance.outputs.report import (
    ACTION_STATUS_WORDS,
    fact_sources,
    t_marker,
    target_label,
    verdict_reasons,
)
from compliance.outputs.scans import finding_note, run_notes
from compliance.outputs.sentences import reader_text
from compliance.outputs.sentences import sources as named_sources

DPIA_STATUS_WORDS = {
    "done": N_("done"),
    "in_progress": N_("in progress"),
    "none": N_("none carried out"),
}
VERDICT_TEXT = {
    Verdict.READY: N_("READY for a pilot"),
    Verdict.READY_WITH_CONDITIONS: N_("READY WITH CONDITIONS"),
    Verdict.INCOMPLETE: N_(
        "NOT READY TO PROCEED: incomplete (cannot conclude yet: answer the questions below)"
    ),
    Verdict.NOT_READY: N_("NOT READY TO PROCEED: not ready (fix the findings below)"),
}
SEVERITY_WORDS = {"critical": N_("critical"), "high": N_("high"), "medium": N_("medium"), "low": N_("low")}
SHOWN = (Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW, Outcome.ACCEPTED)
WIDTH = 100
REASONS_SHOWN = 8
COVERAGE_COLUMNS = (
    (ControlStatus.MET, N_("met")),
    (ControlStatus.PARTIAL, N_("partial")),
    (ControlStatus.NOT_MET, N_("not met")),
    (ControlStatus.UNKNOWN, N_("unknown")),
    (ControlStatus.ACCEPTED, N_("accepted")),
    (ControlStatus.PENDING, N_("pending")),
    (ControlStatus.NOT_APPLICABLE, N_("n/a")),
)


class _Summary:
    """The summary of one assessment in one language."""

    def __init__(self, a: Assessment, lang: str) -> None:
        self.a = a
        self.lang = lang
        self.tr: Translator = i18n.translator(lang)

    def _(self, message: str) -> str:
        return self.tr.gettext(message)

    def num(self, value: float) -> str:
        return i18n.number(value, self.lang)

    def day(self, value: object) -> str:
        return i18n.date(str(value), self.lang)

    def tri(self, value: bool | None) -> str:
        return {True: self._("yes"), False: self._("no"), None: self._("unknown")}[value]

    def counts(self, c: Counts) -> str:
        return ", ".join(i18n.say(m, self.lang) for m in tally(c)) or self._("no results")

    def score(self, score: float | None) -> str:
        """The score, or 'not assessed' where no result counts (nothing applies, or only duties
        not yet in force)."""
        return self.num(score) if score is not None else self._("not assessed")

    def render(self) -> str:
        a, _ = self.a, self._
        sol = a.solution
        packs = ", ".join(
            _("{pack} {version} (law as of {date})").format(
                pack=p.id, version=p.version, date=self.day(p.law_as_of)
            )
            for p in a.rule_packs
        )
        lines = [
            _("Assessment of {name} ({id}), as of {date}").format(
                name=sol["name"], id=sol["id"], date=self.day(a.as_of)
            ),
            *textwrap.wrap(
                _("Rule packs: {packs}").format(packs=packs),
                WIDTH,
                subsequent_indent="  ",
                break_on_hyphens=False,
            ),
            *(
                [
                    self.tr.ngettext(
                        "Public edition: {n} item is withheld (see the report's cover for the grounds)",
                        "Public edition: {n} items are withheld (see the report's cover for the grounds)",
                        len(a.edition.withheld),
                    ).format(n=len(a.edition.withheld))
                ]
                if a.edition is not None
                else []
            ),
            "",
            _("Verdict: {verdict}    Score: {score}/100").format(
                verdict=_(VERDICT_TEXT[a.verdict]), score=self.num(a.score)
            ),
        ]
        reasons = verdict_reasons(a, self.lang)
        for reason in reasons[:REASONS_SHOWN]:
            lines += _wrap(f"- {reason}", 2)
        if len(reasons) > REASONS_SHOWN:
            lines.append(
                "  "
                + _("... and {n} more (see the report or the JSON)").format(n=len(reasons) - REASONS_SHOWN)
            )
        lines += self.questions()
        lines += ["", _("Scores by framework:")]
        frameworks = framework_rows(shown_frameworks(a), self.lang)
        width = max((len(name) for name, _group in frameworks), default=0)
        for name, group in frameworks:
            lines.append(f"  {name:<{width}}  {self.score(group.score):>5}   ({self.counts(group.counts)})")
        lines += self.coverage()
        lines += self.scanners()
        if a.flows:
            lines += ["", _("Scores by data flow:")]
            for flow in a.flows:
                lines.append(f"  {flow.id:<24} {self.score(flow.score):>5}   {flow.name}")
        lines += self.dpia()
        lines += self.facts_to_state()
        lines += self.decisions()
        lines += self.provenance()
        lines += self.findings()
        lines += self.pending()
        lines += ["", _("All results: {counts}").format(counts=self.counts(a.counts))]
        return "\n".join(lines) + "\n"

    def questions(self, top: int = 12) -> list[str]:
        """The questions that decide the verdict or the DPIA answer, most decisive first."""
        a, _ = self.a, self._
        if not a.questions:
            return []
        n = len(a.questions)
        lines = [
            "",
            self.tr.ngettext(
                "{n} question decides the verdict; answer it in the solution file:",
                "{n} questions decide the verdict; answer them in the solution file, most decisive first:",
                n,
            ).format(n=n),
        ]
        for i, q in enumerate(a.questions[:top], start=1):
            decides = self.tr.ngettext("decides {n} open result", "decides {n} open results", len(q.decides))
            asked = in_language(q, self.lang)
            text = f"{t_marker(self.lang, asked.in_english)}{asked.ask} ({decides.format(n=len(q.decides))})"
            lines += textwrap.wrap(
                text, WIDTH, initial_indent=f"  {i:>2}. ", subsequent_indent=" " * 6, break_on_hyphens=False
            )
        if n > top:
            lines.append("  " + _("... and {n} more (see the JSON)").format(n=n - top))
        return lines

    def coverage(self) -> list[str]:
        """Controls per status for each framework, and the controls not met or partly met."""
        a, _ = self.a, self._
        if not a.coverage:
            return []
        rows = framework_rows(a.coverage, self.lang)
        width = max(len(name) for name, _cov in rows)
        labels = [_(label) for _status, label in COVERAGE_COLUMNS]
        column = max(9, *(len(label) + 1 for label in labels))
        lines = ["", _("Control coverage by framework (controls per status; crosswalk applied):")]
        lines.append("  " + " " * width + "  " + "".join(f"{label:>{column}}" for label in labels))
        for name, cov in rows:
            cells = "".join(
                f"{cov.counts.get(status.value, 0):>{column}}" for status, _label in COVERAGE_COLUMNS
            )
            lines.append(f"  {name:<{width}}  {cells}")
        gaps = [
            (cid, c)
            for cid, c in a.controls.items()
            if c.status in (ControlStatus.NOT_MET, ControlStatus.PARTIAL)
        ]
        if gaps:
            lines.append(
                "  " + _("Controls not met or only partly met (unknown ones: see the findings or the JSON):")
            )
            for cid, c in gaps:
                via = " " + _("(via {controls})").format(controls=", ".join(c.via)) if c.via else ""
                title = control_title(self.lang, cid, c.title)[0]
                lines += _wrap(f"{_(STATUS_WORDS[c.status]):<8} {cid}: {title}{via}", 4)
        return lines

    def scanners(self) -> list[str]:
        """Each scanner run: tool, version, status, findings by severity, and what it left out."""
        a, _ = self.a, self._
        if not a.scanners:
            return []
        lines = ["", _("Scanners:")]
        for run in a.scanners:
            version = f" {run.version}" if run.version else ""
            found = ", ".join(f"{n} {sev}" for sev, n in run.counts.items() if n) or _("no findings")
            lines += _wrap(f"{run.tool}{version} ({run.kind}): {run.status.value.upper()}; {found}", 2)
            for error in run.errors:
                lines += _wrap(f"- {error}", 4)
            for note in run_notes(run, self.tr):
                lines += _wrap(f"- {note}", 4)
            if run.not_assessed:
                n = len(run.not_assessed)
                lines += _wrap(
                    "- "
                    + self.tr.ngettext("not assessed: {n} item", "not assessed: {n} items", n).format(n=n),
                    4,
                )
                for item in run.not_assessed[:5]:
                    lines += _wrap(f"{item.item}: {item.reason}", 6)
                if len(run.not_assessed) > 5:
                    lines += _wrap(
                        _("... and {n} more (see the JSON)").format(n=len(run.not_assessed) - 5), 6
                    )
            for f in run.findings[:10]:
                where = f"{f.package}=={f.version}" if f.package else f"{f.file}:{f.line}"
                fix = (
                    " " + _("(fixed in {versions})").format(versions=", ".join(f.fixed_versions))
                    if f.fixed_versions
                    else ""
                )
                state = finding_note(f, self.tr)
                state = f" [{state}]" if state else ""
                lines += _wrap(f"{f.severity.value:<8} {f.rule_id} {where}{fix}{state}", 4)
            if len(run.findings) > 10:
                lines += _wrap(_("... and {n} more (see the JSON)").format(n=len(run.findings) - 10), 4)
        return lines

    def dpia(self) -> list[str]:
        """The screening's answer, the criteria met or undecided, and the DPIA on file."""
        a, _ = self.a, self._
        lines = ["", _("DPIA screening: required: {answer}").format(answer=self.tri(a.dpia.required))]
        for reason in a.dpia.reasons:
            lines += _wrap(f"- {i18n.say(reason, self.lang)}", 2)
        for c in a.dpia.criteria + a.dpia.per_se + a.dpia.national:
            if c.met is not False:
                reasons = "; ".join(i18n.say(r, self.lang) for r in c.reasons)
                lines += _wrap(f"{c.id} {self.tri(c.met)}: {_(c.title)} ({reasons})", 4)
        st = a.dpia.status
        lines.append(
            "  "
            + _("DPIA on file: {status}; current: {current}").format(
                status=_(DPIA_STATUS_WORDS.get(st.status, st.status)) if st.status else _("not stated"),
                current=self.tri(st.current),
            )
        )
        for reason in st.reasons:
            lines += _wrap(f"- {i18n.say(reason, self.lang)}", 4)
        return lines

    def facts_to_state(self, top: int = 10) -> list[str]:
        """The missing facts that decide the most unknown results: what to fill in first."""
        a, _ = self.a, self._
        decides: Counter[str] = Counter()
        for f in a.findings:
            if f.status is Outcome.UNKNOWN:
                decides.update(f.to_state)
        if not decides:
            return []
        unknown = sum(1 for f in a.findings if f.status is Outcome.UNKNOWN)
        lines = [
            "",
            _(
                "For whoever edits the solution file, the facts to state ({facts} missing facts leave "
                "{results} results unknown; most decisive first):"
            ).format(facts=len(decides), results=unknown),
        ]
        for fact, n in decides.most_common(top):
            lines.append(
                f"  {fact:<56} " + self.tr.ngettext("{n:>4} result", "{n:>4} results", n).format(n=n)
            )
        if len(decides) > top:
            lines.append(
                "  " + _("... and {n} more (the assessment JSON names them all)").format(n=len(decides) - top)
            )
        return lines

    def findings(self) -> list[str]:
        """The results to act on, by provision, each with its explanation and remediation."""
        a, _, lang = self.a, self._, self.lang
        open_items = [f for f in a.findings if f.status in SHOWN]
        lines = ["", _("Findings to act on ({n}), by provision:").format(n=len(open_items))]
        if not open_items:
            lines.append("  " + _("none"))
        grouped: dict[str, list[Finding]] = defaultdict(list)
        for f in open_items:
            grouped[f.citation].append(f)
        for citation in (c for c in a.provisions if c in grouped):
            lines.append(f"  {citation}")
            for f in grouped[citation]:
                text = rule_text(lang, f.rule_id, f.title, f.remediation)
                target = f" - {target_label(f, lang)}" if f.target else ""
                status = _(OUTCOME_WORDS[f.status]).upper()
                title = t_marker(lang, text.title_in_english) + text.title
                lines.append(
                    f"    [{status} {_(SEVERITY_WORDS[f.severity.value])}] {f.rule_id}: {title}{target}"
                )
                if f.national_citation:
                    lines += _wrap(_("National law: {citation}").format(citation=f.national_citation), 8)
                said, said_in_english = reader_text(f, a, lang)
                lines += _wrap(t_marker(lang, said_in_english) + said, 8)
                remediation = t_marker(lang, text.remediation_in_english) + text.remediation
                lines += _wrap(_("Remediation: {text}").format(text=remediation), 8)
                if f.action is not None:
                    act = f.action
                    due = _(", due {date}").format(date=self.day(act.due)) if act.due else ""
                    lines += _wrap(
                        _("Action ({status}): {action} (owner: {owner}{due})").format(
                            status=_(ACTION_STATUS_WORDS.get(act.status, act.status)),
                            action=act.action,
                            owner=act.owner,
                            due=due,
                        ),
                        8,
                    )
                    if act.response:
                        lines += _wrap(_("Management response: {text}").format(text=act.response), 8)
                if f.review is not None and f.review.reason:
                    lines += _wrap(_("Reviewer's reason: {text}").format(text=f.review.reason), 8)
                # A failure's sentence names the sources of the facts that decided it already.
                sources = "" if named_sources(f, lang) else fact_sources(f.provenance, lang)
                if sources:
                    lines += _wrap(_("Facts from: {sources}").format(sources=sources), 8)
                if f.accepted_risk is not None:
                    r = f.accepted_risk
                    template = (
                        _("Risk expired, accepted by {who} until {date}: {reason}")
                        if r.expired
                        else _("Risk accepted by {who} until {date}: {reason}")
                    )
                    lines += _wrap(
                        template.format(who=r.approved_by, date=self.day(r.expires), reason=r.reason), 8
                    )
        return lines

    def decisions(self) -> list[str]:
        """The decisions file read, and the entries that changed nothing."""
        a, _ = self.a, self._
        d = a.decisions
        if d is None:
            return []
        lines = [
            "",
            _("Decisions: {path}, kept by {who} ({organisation})").format(
                path=d.path, who=d.recorded_by, organisation=d.organisation
            ),
        ]
        reviewed = [f for f in a.findings if f.review is not None and f.review.counts]
        if reviewed:
            lines.append("  " + _("Decided on review:"))
            for f in reviewed:
                target = f" - {target_label(f, self.lang)}" if f.target else ""
                lines += _wrap(f"[{_(OUTCOME_WORDS[f.status]).upper()}] {f.rule_id}{target}", 4)
        for note in d.notes:
            lines += _wrap(f"- {i18n.say(note, self.lang)}", 2)
        return lines

    def provenance(self) -> list[str]:
        """How many passes rest on the file's declarations only."""
        a, _ = self.a, self._
        p = a.provenance
        if p is None or not p.passes:
            return []
        lines = [
            "",
            _(
                "Provenance: {declared} of {passes} passes rest on declarations only (nothing checked by "
                "the assessor or scanned by this tool); facts checked by the assessor: {checked}"
            ).format(declared=p.declared_only, passes=p.passes, checked=p.checked_facts),
        ]
        lines = lines[:1] + _wrap(lines[1], 0)
        if p.declared_only_critical_or_high:
            lines += _wrap(
                _("Critical or high rules passing on declarations only: {results}").format(
                    results=", ".join(p.declared_only_critical_or_high[:20])
                    + (" ..." if len(p.declared_only_critical_or_high) > 20 else "")
                ),
                2,
            )
        return lines

    def pending(self) -> list[str]:
        """Obligations that apply only from a later date, by framework and date (not to act on yet)."""
        a, _ = self.a, self._
        groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for f in a.findings:
            if f.status is Outcome.PENDING:
                groups[(framework_label(self.lang, f.framework), str(f.effective_from))].append(f)
        if not groups:
            return []
        lines = [
            "",
            _("Obligations that apply from a later date (pending; they do not count in the scores yet):"),
        ]
        for (framework, start), group in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            rules = len({f.rule_id for f in group})
            lines += _wrap(
                _("{framework}: {rules}, {results}, from {date}").format(
                    framework=framework,
                    rules=self.tr.ngettext("{n} rule", "{n} rules", rules).format(n=rules),
                    results=self.tr.ngettext("{n} result", "{n} results", len(group)).format(n=len(group)),
                    date=self.day(start),
                ),
                2,
            )
        return lines


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(text, WIDTH, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False) or [
        pad
    ]


def render(a: Assessment, lang: str = "en") -> str:
    """The readable summary printed by `compliance assess`, in English, Danish or Swedish; text
    from the party being assessed (file names, scanner messages) cannot act on a terminal."""
    text = _Summary(a, lang).render()
    if a.edition is not None:
        from compliance.outputs.public import localise

        text = localise(text, lang)
    return neutralise(text)
