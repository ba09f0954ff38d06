"""`compliance interview SOLUTION`: the questions that decide, asked in a terminal, the answers
written into the solution file as they are given.

The session asks the interview's next question (`compliance.core.questions.next_questions`; one
that cannot decide anything alone waits for a sibling that can, `next_deciding_group`) in the
person's language, naming the flow, party or system it is about, with the answers to choose
from, a help text and (on `?`) why it is asked. Each answer is written into the solution file at
once, keeping its comments, order and layout (`compliance.inputs.upgrade.load_editable`), with its
source beside it: `kind: interview`, who answered, the date and the evidence named. So stopping,
Ctrl-C or a closed terminal loses nothing already answered, and running the command again goes on
where it stopped. "Don't know" leaves the fact unknown and is kept in a file beside the solution
(`<solution>.interview.yaml`), so that it is not asked again; "skip" puts a question off until the
next session. The session ends when the verdict and the DPIA answer no longer wait for an answer
(or, with `--all`, when no question is left).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import yaml

from compliance.core.engine import assess
from compliance.core.errors import InputError, SolutionError
from compliance.core.facts import registry
from compliance.core.messages import N_, say
from compliance.core.models.assessment import Assessment, Question, Target, Verdict
from compliance.core.models.solution import Solution
from compliance.core.packs import LoadedPack
from compliance.core.questions import (
    RECORDS,
    SAFEGUARD_ANSWERS,
    SAFEGUARD_PREFIX,
    RecordField,
    ask_about,
    checklist_heading,
    fields_to_ask,
    in_groups,
    in_language,
    next_question_tiers,
    next_questions,
    question_key,
    same_part,
    tier_of,
)
from compliance.core.terminal import neutralise
from compliance.core.translations import QuestionText
from compliance.core.validation import validate_located
from compliance.core.yamlio import load_text
from compliance.inputs.answers import (
    BadAnswer,
    get_answer,
    parse_answer,
    parse_field,
    set_answer,
    set_source,
)
from compliance.inputs.files import read_text
from compliance.inputs.upgrade import load_editable
from compliance.outputs import i18n, writing
from compliance.outputs.report import t_marker
from compliance.outputs.summary import VERDICT_TEXT

STATE_SUFFIX = ".interview.yaml"
STATE_VERSION = 1
MAX_RECORDS = 20  # documents of one party asked in one answer: more is a typing mistake

QUIT, DONT_KNOW, SKIP, WHY = "q", "d", "s", "?"
ANSWERERS = {
    "controller": N_("the organisation responsible for the solution"),
    "supplier": N_("the supplier or manufacturer"),
    "assessor": N_("the person who reviews the solution"),
}

Key = tuple[str, str | None]  # a question: its fact, and its target ("flow readings"), if any


def _key(fact: str, target: Target | None) -> Key:
    return fact, target.ref if target is not None else None


def state_path(solution: Path) -> Path:
    """Where the session keeps the questions answered "don't know"."""
    return solution.with_name(solution.name + STATE_SUFFIX)


@dataclass
class Person:
    """Who answers, and the evidence an answer rests on unless another is named."""

    name: str
    evidence: str | None = None


@dataclass
class Session:
    """One interview over one solution file."""

    path: Path
    packs: Sequence[LoadedPack]
    as_of: date
    lang: str
    person: Person
    inp: TextIO
    out: TextIO
    everything: bool = False
    answered: int = 0
    dont_know: dict[Key, dict[str, Any]] = field(default_factory=dict)
    skipped: set[Key] = field(default_factory=set)
    put_off: dict[Key, int] = field(default_factory=dict)  # questions that could not decide alone

    def __post_init__(self) -> None:
        self._ = i18n.translator(self.lang).gettext
        self.dont_know = _read_state(state_path(self.path))

    # -- the conversation ------------------------------------------------------------------------

    def run(self) -> None:
        """Ask until the verdict and the DPIA answer are decided, no question is left, or the
        person stops; every answer is in the file before the next question."""
        _ = self._
        text = read_text(self.path)
        doc, dump = load_editable(text, str(self.path))
        a = self._assess(text)
        self._say(
            _("Interview of {name} ({path}). Each answer is written to the file at once.").format(
                name=a.solution.get("name", ""), path=self.path
            )
        )
        self._say(
            _(
                "Answer with the number of a choice (several, comma-separated, where more than one fits), "
                "or type: ? why we ask, d don't know, s skip, q stop."
            )
        )
        self._verdict(a)
        stopped = False
        while not stopped:
            if not self.everything and not a.questions:
                self._say(_("The verdict and the DPIA answer no longer wait for an answer."))
                break
            group = self._next_group(a)
            if not group:
                self._say(_("No question is left to ask."))
                break
            rows = len(group) > 1
            checklist = checklist_heading(group, self.lang)
            if checklist is not None:
                self._checklist_header(*checklist, len(group))
            elif rows:
                self._header(group)
            still_open: set[Key] | None = None  # the open questions of `a`, once an answer changed it
            for number, question in enumerate(group, start=1):
                if still_open is not None and question_key(question) not in still_open:
                    continue  # an answer of an earlier row left this one deciding nothing
                if question.fact in RECORDS:
                    reply, stopped = self._ask_records(doc, question, row=rows)
                elif checklist is not None:
                    reply = self._ask_item(question, number, len(group))
                else:
                    reply = self._ask(question, row=rows)
                if reply is None:  # stop
                    stopped = True
                    break
                if reply is DONT_KNOW or reply is SKIP:
                    continue
                before = a.verdict
                self._put(doc, question, reply)
                candidate = dump(doc)
                try:
                    a = self._assess(candidate)
                except InputError as exc:
                    # Not valid alone (a DPIA done needs its date): the other questions of the same
                    # part come now, and the answers are written together.
                    stopped = self._companions(doc, question)
                    candidate = dump(doc)
                    try:
                        a = self._assess(candidate)
                    except InputError:
                        doc, dump = load_editable(text, str(self.path))
                        self._say(_("This answer cannot be written: {problem}").format(problem=_first(exc)))
                        if stopped:
                            break
                        continue
                _write_keeping_mode(self.path, candidate, self.lang)
                text = candidate
                self.answered += 1
                still_open = {question_key(q) for q in next_questions(a)} if rows else None
                if a.verdict is not before:
                    self._verdict(a)
                if stopped:
                    break
        self._say(
            i18n.translator(self.lang)
            .ngettext(
                "{n} answer written to {path}.",
                "{n} answers written to {path}.",
                self.answered,
            )
            .format(n=self.answered, path=self.path)
        )

    def _put(self, doc: Any, question: Question, value: Any) -> None:
        set_answer(doc, question.fact, question.target, value)
        set_source(doc, question.fact, question.target, self._source())

    def _ask_records(self, doc: Any, question: Question, *, row: bool = False) -> tuple[Any, bool]:
        """Ask for a list of records (a party's assurance documents): how many there are, unless
        the file lists them, then each one's fields that the file does not state, its type first.
        The list to write (or DONT_KNOW, SKIP, None to stop), and whether the person stopped
        part-way: the documents whose type was given are written all the same."""
        _ = self._
        found, current = get_answer(doc, question.fact, question.target)
        items: list[Any]
        if found and isinstance(current, list):
            items = current
        else:
            count = self._ask_count(question, row=row)
            if count is None or count is DONT_KNOW or count is SKIP:
                return count, False
            items = [{} for _ in range(count)]
        others = self._other_parties(doc, question.target)
        source = self._source()
        for number, item in enumerate(items, start=1):
            self._say("  " + _("Document {n} of {total}:").format(n=number, total=len(items)))
            passed: set[str] = set()
            while True:
                fields = [
                    f for f in fields_to_ask(question.fact, item, others=bool(others)) if f.name not in passed
                ]
                if not fields:
                    break
                field_ = fields[0]
                reply = self._ask_field(question, field_, others)
                if reply is None:
                    typed = [i for i in items if i.get("type") is not None]
                    return (typed, True) if typed else (None, True)
                if reply is DONT_KNOW or reply is SKIP:
                    passed.add(field_.name)
                    if field_.name == "type":
                        break  # a document without its type cannot be written
                    continue
                item[field_.name] = reply
                item.setdefault("sources", {})[field_.name] = dict(source)
        # Asked once a session: a detail answered "don't know" leaves the question open.
        self.skipped.add(_key(question.fact, question.target))
        typed = [i for i in items if i.get("type") is not None]
        if items and not typed:
            return SKIP, False  # documents, but of no known type: nothing to write ("none" would be wrong)
        return typed, False

    def _ask_count(self, question: Question, *, row: bool) -> Any:
        """How many records there are (0: none); None to stop, DONT_KNOW or SKIP as given."""
        text = in_language(question, self.lang)
        prompt = self._prompt(question, text, row, self._("Give how many (0 for none)."))

        def count(line: str) -> int:
            reply = line.strip()
            if reply.isdigit() and int(reply) <= MAX_RECORDS:
                return int(reply)
            raise BadAnswer(say(N_("Give a whole number from 0 to {n}."), n=MAX_RECORDS))

        return self._reply(question, text, prompt, count)

    def _ask_field(self, question: Question, field_: RecordField, others: dict[str, str]) -> Any:
        """Ask one field of a record until it has an answer; None to stop, DONT_KNOW or SKIP."""
        asked = ask_about(f"{question.fact}.{field_.name}", question.target)
        text = in_language(asked, self.lang)
        if field_.kind == "parties":
            text = replace(text, choices=others)
        self._show(text)
        return self._reply(
            asked, text, "> ", lambda line: parse_field(field_, line, text.choices), remember=False
        )

    @staticmethod
    def _other_parties(doc: Any, target: Target | None) -> dict[str, str]:
        """The parties a report of `target` could take inside its scope: its sub-processors, or,
        where the file marks none, every other party; by id, with their names."""
        parties = [p for p in doc.get("parties") or [] if isinstance(p, dict) and "id" in p]
        others = [p for p in parties if target is None or p["id"] != target.id]
        subs = [p for p in others if "sub_processor" in (p.get("roles") or [])]
        return {str(p["id"]): str(p.get("name") or p["id"]) for p in subs or others}

    def _companions(self, doc: Any, question: Question) -> bool:
        """Ask the questions of the same part as `question` that the file does not answer yet,
        putting each answer in `doc`; True when the person stops."""
        for fact in same_part(question.fact):
            if get_answer(doc, fact, question.target)[0]:
                continue
            other = ask_about(fact, question.target)
            reply = self._ask(other)
            if reply is None:
                return True
            if reply is not DONT_KNOW and reply is not SKIP:
                self._put(doc, other, reply)
        return False

    def _next_group(self, a: Assessment) -> list[Question]:
        """The next question, with a row for every flow, party or system it is open for."""
        passed = self.dont_know.keys() | self.skipped
        return next_deciding_group(a, self.packs, passed, self.put_off)

    def _header(self, group: Sequence[Question]) -> None:
        """A question asked of several subjects: its text once, a row for each below it."""
        _ = self._
        text = in_language(group[0], self.lang, rows=True)
        self._show(text)
        if group[0].fact in RECORDS:
            self._say("  " + _("Give how many (0 for none)."))
        self._say("  " + _("Answer it for each of these {n}, one at a time.").format(n=len(group)))

    def _checklist_header(self, heading: str, in_english: bool, count: int) -> None:
        """A checklist: its heading once, then its questions one at a time below it."""
        _ = self._
        self._say("")
        self._say(f"{t_marker(self.lang, in_english)}{neutralise(heading)}")
        self._say("  " + _("A checklist of {n} questions: answer each in turn.").format(n=count))

    def _ask_item(self, question: Question, number: int, count: int) -> Any:
        """Ask one question of a checklist until it has an answer (its help and evidence after `?`
        with why it is asked); None to stop, DONT_KNOW or SKIP as given."""
        text = in_language(question, self.lang)
        self._say("")
        self._say(f"  {number}/{count} {t_marker(self.lang, text.in_english)}{neutralise(text.ask)}")
        choices = [
            f"{index}. {neutralise(label)}" for index, label in enumerate(text.choices.values(), start=1)
        ]
        if sum(len(c) + 3 for c in choices) <= _ONE_LINE:
            self._say("    " + "   ".join(choices))
        else:
            for choice in choices:
                self._say(f"    {choice}")
        return self._reply(
            question,
            text,
            "  > ",
            lambda line: parse_answer(question.fact, line, text.choices),
            details=True,
        )

    def _show(self, text: QuestionText) -> None:
        _ = self._
        self._say("")
        self._say(f"{t_marker(self.lang, text.in_english)}{neutralise(text.ask)}")
        if text.help:
            self._say(f"  {neutralise(text.help)}")
        if text.evidence:
            self._say("  " + _("Evidence: {evidence}").format(evidence=neutralise(text.evidence)))
        for number, label in enumerate(text.choices.values(), start=1):
            self._say(f"  {number}. {neutralise(label)}")

    def _ask(self, question: Question, *, row: bool = False) -> Any:
        """Ask one question until it has an answer; None to stop, DONT_KNOW or SKIP as given. A
        `row` of a question asked of several subjects names its subject at the prompt."""
        text = in_language(question, self.lang)
        prompt = self._prompt(question, text, row)
        return self._reply(
            question, text, prompt, lambda line: parse_answer(question.fact, line, text.choices)
        )

    def _prompt(self, question: Question, text: QuestionText, row: bool, *hints: str) -> str:
        """The prompt to answer at: a row names its subject; a question standing alone is shown
        first, with its hints."""
        if row and question.target is not None:
            return f"  {neutralise(question.target.name)} > "
        self._show(text)
        for hint in hints:
            self._say("  " + hint)
        return "> "

    def _reply(
        self,
        question: Question,
        text: QuestionText,
        prompt: str,
        parse: Callable[[str], Any],
        *,
        remember: bool = True,
        details: bool = False,
    ) -> Any:
        """Read until an answer `parse` takes (its BadAnswer says what would fit); None to stop,
        DONT_KNOW or SKIP as given (`remember`: kept for the rest of the interview). `?` says why
        the question is asked and who usually answers it, and with `details` (a checklist's
        question, shown without them) its help and the evidence that shows the answer."""
        _ = self._
        while True:
            line = self._read(prompt)
            if line is None or line.strip().lower() == QUIT:
                return None
            reply = line.strip().lower()
            if reply == WHY:
                if details and text.help:
                    self._say(f"  {neutralise(text.help)}")
                if details and text.evidence:
                    self._say("  " + _("Evidence: {evidence}").format(evidence=neutralise(text.evidence)))
                self._say(f"  {neutralise(text.why or _('No reason is recorded for this question.'))}")
                if question.answered_by:
                    who = ", ".join(_(ANSWERERS.get(a, a)) for a in question.answered_by)
                    self._say("  " + _("Usually answered by: {who}.").format(who=who))
                continue
            if reply == DONT_KNOW:
                if remember:
                    self._remember_dont_know(question)
                return DONT_KNOW
            if reply == SKIP:
                if remember:
                    self.skipped.add(_key(question.fact, question.target))
                return SKIP
            try:
                return parse(line)
            except BadAnswer as exc:
                self._say(f"  {i18n.say(exc.message, self.lang)}")

    # -- helpers ----------------------------------------------------------------------------------

    def _assess(self, text: str) -> Assessment:
        located = load_text(text, str(self.path))
        solution: Solution = validate_located(Solution, located, SolutionError)
        return assess(solution, self.packs, self.as_of)

    def _verdict(self, a: Assessment) -> None:
        _ = self._
        dpia = {True: _("yes"), False: _("no"), None: _("not decided yet")}[a.dpia.required]
        self._say(
            _("Verdict now: {verdict}. DPIA required: {dpia}.").format(
                verdict=_(VERDICT_TEXT[a.verdict])
                if a.verdict is not Verdict.INCOMPLETE
                else _("incomplete"),
                dpia=dpia,
            )
        )

    def _source(self) -> dict[str, Any]:
        source: dict[str, Any] = {
            "kind": "interview",
            "asserted_by": self.person.name,
            "checked_on": self.as_of.isoformat(),
        }
        if self.person.evidence:
            source["reference"] = self.person.evidence
        return source

    def _remember_dont_know(self, question: Question) -> None:
        key = _key(question.fact, question.target)
        self.dont_know[key] = _dont_know_entry(key, self.person.name, self.as_of)
        _write_state(state_path(self.path), self.dont_know, self.lang)

    def _read(self, prompt: str) -> str | None:
        self.out.write(prompt)
        self.out.flush()
        line = self.inp.readline()
        return None if line == "" else line.rstrip("\r\n")

    def _say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()


# The widest line of a checklist question's answers side by side; longer, one answer a line.
_ONE_LINE = 96


# How many of the next questions are looked through for one that decides alone, when the next
# one cannot (each try assesses the solution once per answer the question can take), and how
# many times a question may be put off so: then it is asked whatever comes after it.
LOOKAHEAD = 8
PUT_OFF_AT_MOST = 8


def next_deciding_group(
    a: Assessment,
    packs: Sequence[LoadedPack],
    passed: Container[Key] = (),
    put_off: dict[Key, int] | None = None,
) -> list[Question]:
    """The interview's next question, with a row for every subject it is open for: the first in
    asking order, unless no answer to it, given alone, changes a result, the DPIA screening or the
    verdict (one of several conditions that must all hold before the others are known). Then the
    first of the next few (`LOOKAHEAD`) that can settle something alone comes first, a sibling
    deciding one of the same results before any other: its answer often makes the first
    unnecessary. `put_off` counts how often each question was put off so; one put off
    `PUT_OFF_AT_MOST` times is asked. Empty when every question is passed."""
    tiers = next_question_tiers(a)
    groups = in_groups((q for tier in tiers for q in tier if question_key(q) not in passed), tier_of(tiers))
    if not groups:
        return []
    now = _signature(a)
    counts = put_off if put_off is not None else {}
    first = groups[0]
    if max(counts.get(question_key(q), 0) for q in first) >= PUT_OFF_AT_MOST or any(
        _can_decide(a, question, packs, now) for question in first
    ):
        return first
    decided = {label for q in first for label in q.decides}
    later = groups[1:LOOKAHEAD]
    siblings = [g for g in later if decided & {label for q in g for label in q.decides}]
    for group in [*siblings, *(g for g in later if g not in siblings)]:
        if any(_can_decide(a, question, packs, now) for question in group):
            for question in first:
                counts[question_key(question)] = counts.get(question_key(question), 0) + 1
            return group
    return first


Signature = tuple[Any, ...]


def _signature(a: Assessment) -> Signature:
    """What an answer can decide: every result's outcome, the DPIA criteria, the verdict."""
    criteria = a.dpia.criteria + a.dpia.per_se + a.dpia.national
    return (
        a.verdict,
        a.dpia.required,
        tuple(c.met for c in criteria),
        tuple(f.status for f in a.findings),
    )


def _trial_answers(fact: str) -> list[Any] | None:
    """Every answer a question can take, where they are few (yes or no, a closed set, a
    safeguard's status); None for a free answer or a list, which is always worth asking."""
    if fact.startswith(SAFEGUARD_PREFIX):
        return sorted(SAFEGUARD_ANSWERS)
    spec = registry().get(fact)
    if spec is None:
        return None
    if spec.kind == "bool":
        return [True, False]
    if spec.kind == "enum" and spec.values and not spec.vocab:
        return list(spec.values)
    return None


def _can_decide(a: Assessment, question: Question, packs: Sequence[LoadedPack], now: Signature) -> bool:
    """Whether some answer to `question`, given alone, changes what `now` records."""
    answers = _trial_answers(question.fact)
    if answers is None:
        return True
    for answer in answers:
        doc = copy.deepcopy(a.solution)
        try:
            set_answer(doc, question.fact, question.target, answer)
            solution = Solution.model_validate_json(json.dumps(doc))
        except (ValueError, LookupError):
            return True  # not valid alone (a DPIA done needs its date): cannot tell, so ask
        if _signature(assess(solution, packs, a.as_of)) != now:
            return True
    return False


def _dont_know_entry(key: Key, by: str, on: date) -> dict[str, Any]:
    return {"fact": key[0], "target": key[1], "answer": "dont_know", "by": by, "on": on.isoformat()}


def remember_dont_know(
    solution: Path, questions: Sequence[tuple[str, Target | None]], by: str, lang: str
) -> None:
    """Record beside the solution that questions (fact and target) were answered "don't know"
    (by a questionnaire as by the interview), so that the interview does not ask them again."""
    if not questions:
        return
    path = state_path(solution)
    entries = _read_state(path)
    for fact, target in questions:
        key = _key(fact, target)
        entries[key] = _dont_know_entry(key, by, date.today())
    _write_state(path, entries, lang)


def _first(exc: InputError) -> str:
    problem = exc.problems[0] if exc.problems else None
    return neutralise(problem.message if problem is not None else str(exc))


def _write_keeping_mode(path: Path, text: str, lang: str) -> None:
    """Replace the file whole (never half written), with the permissions it had."""
    mode = path.stat().st_mode & 0o7777
    writing.write_all_atomically([(path, text)], lang=lang)
    path.chmod(mode)


def _read_state(path: Path) -> dict[Key, dict[str, Any]]:
    """The questions answered "don't know" in earlier sessions; none when there is no such file."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(read_text(path)) or {}
    entries = data.get("dont_know") if isinstance(data, dict) else None
    out: dict[Key, dict[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("fact"), str):
            target = entry.get("target")
            out[(entry["fact"], str(target) if target is not None else None)] = entry
    return out


def _write_state(path: Path, entries: dict[Key, dict[str, Any]], lang: str) -> None:
    body = yaml.safe_dump(
        {"version": STATE_VERSION, "dont_know": list(entries.values())}, allow_unicode=True, sort_keys=False
    )
    header = '# Questions answered "don\'t know" in `compliance interview`: they are not asked again.\n'
    writing.write_all_atomically([(path, header + body)], lang=lang)
