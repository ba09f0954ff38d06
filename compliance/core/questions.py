"""The questions an assessment asks: the open facts that decide its verdict or its DPIA answer.

The question bank (`rules/questions/questions.yaml`, data beside the rule packs) says for a fact
how to ask for it in plain words: the question, a help text, why it is asked and, for a closed
set of answers, a label per answer. It is checked against the solution format when it loads: a
question for a fact that does not exist, or choices that leave out a value or invent one, stop
the load like a broken rule pack.

Which questions an assessment asks, and in which order, is one rule (docs/scoring.md):

- a fact is asked when it is missing for a critical result of a legal duty that is unknown (those
  results decide the verdict), or for a DPIA criterion that cannot be decided while the screening
  cannot answer "is a DPIA required?";
- a fact that decides whether a critical rule applies at all is asked first, and while that is
  open the rule's requirement is not asked (no answer to it could change the result);
- then by the weight of the open results it decides (the results' weights, which are the rule
  weight times the severity points; a DPIA criterion counts as a critical result), heaviest
  first, then by the fact's name.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import Field

from compliance.core import vocabulary
from compliance.core.errors import Problem, RulePackError
from compliance.core.facts import DERIVED_FROM, registry
from compliance.core.models.assessment import Assessment, Criterion, DpiaScreening, Finding, Question, Target
from compliance.core.models.common import Strict
from compliance.core.models.rules import Obligation, Outcome, Scope, Severity
from compliance.core.models.solution import (
    ASSURANCE_CERTIFICATES,
    ASSURANCE_REPORTS,
    AssuranceDocument,
    AssuranceType,
    AuditOpinion,
    SafeguardStatus,
)
from compliance.core.resources import rules_root
from compliance.core.scoring import SEVERITY_POINTS
from compliance.core.translations import QuestionText, checklist_title, question_text, vocabulary_title
from compliance.core.validation import validate_located
from compliance.core.vocabulary import safeguards
from compliance.core.yamlio import load_text

BANK_FILE = ("questions", "questions.yaml")
# A safeguard of the vocabulary is asked for as `safeguards.<key>`, answered with its status.
SAFEGUARD_PREFIX = "safeguards."
SAFEGUARD_ANSWERS = frozenset(s.value for s in SafeguardStatus)


@dataclass(frozen=True)
class RecordField:
    """A field of a repeating record (one assurance document) that the rules read, asked of
    every record of the kinds it belongs to."""

    name: str
    kind: str  # enum | bool | date | int | parties (other parties, by id) | controls (Annex A numbers)
    values: tuple[str, ...] = ()  # for an enum: its answers
    of: frozenset[str] | None = None  # the record types it is asked of; None: every one


_REPORT_TYPES = frozenset(t.value for t in ASSURANCE_REPORTS)
_CERTIFICATE_TYPES = frozenset(t.value for t in ASSURANCE_CERTIFICATES)

# A fact that is a list of records is asked as one question ("which documents has it handed
# in?"), then each field below of every record, in this order: `party.assurance.type` is the
# bank's question for a document's type. Only the fields a rule reads are asked; `type` first,
# as it decides which of the others a document has.
RECORDS: dict[str, tuple[RecordField, ...]] = {
    "party.assurance": (
        RecordField("type", "enum", tuple(t.value for t in AssuranceType)),
        RecordField("period_end", "date", of=_REPORT_TYPES),
        RecordField("opinion", "enum", tuple(o.value for o in AuditOpinion), of=_REPORT_TYPES),
        RecordField("exceptions", "int", of=_REPORT_TYPES),
        RecordField("expires_on", "date", of=_CERTIFICATE_TYPES),
        RecordField("covers_product", "bool"),
        RecordField("subservice_organisations", "parties", of=_REPORT_TYPES),
        RecordField("soa_excluded_controls", "controls", of=_CERTIFICATE_TYPES),
    ),
}
_RECORD_MODELS = {"party.assurance": AssuranceDocument}


def record_of(fact: str) -> str | None:
    """The list of records a field question belongs to (`party.assurance` for
    `party.assurance.type`); None for any other fact."""
    head = fact.rsplit(".", 1)[0]
    return head if head in RECORDS and fact != head else None


def record_field(fact: str) -> RecordField | None:
    """The record field a bank fact asks for (`party.assurance.type`), if it is one."""
    record = record_of(fact)
    name = fact.rsplit(".", 1)[1]
    return next((f for f in RECORDS[record] if f.name == name), None) if record else None


def fields_to_ask(record: str, item: Mapping[str, Any], *, others: bool = True) -> list[RecordField]:
    """The fields of one record still to ask, in asking order: those of its type that it does not
    state (its type first, when that is not stated, alone: it decides the rest). Without
    `others` (no other party a report could name), a report's subservice organisations are not
    asked."""
    kind = item.get("type")
    if kind is None:
        return [RECORDS[record][0]]
    return [
        f
        for f in RECORDS[record][1:]
        if (f.of is None or kind in f.of) and item.get(f.name) is None and (others or f.kind != "parties")
    ]


class Answerer(StrEnum):
    """Who usually answers a question."""

    CONTROLLER = "controller"  # the organisation responsible for the solution (the municipality)
    SUPPLIER = "supplier"  # the supplier or manufacturer of the solution
    ASSESSOR = "assessor"  # the person who reviews the solution


class BankEntry(Strict):
    """How to ask for one fact."""

    fact: str = Field(description="The fact's path as rules read it, e.g. flow.lawful_basis.")
    ask: str = Field(description="The question, in plain words.")
    help: str | None = Field(None, description="What helps a non-engineer answer it.")
    why: str | None = Field(None, description="What the answer decides, with the provision.")
    choices: dict[str, str] = Field(
        default_factory=dict,
        description="A plain label for every answer of a closed set (true/false for yes/no).",
    )
    answered_by: list[Answerer] = Field(
        default_factory=list,
        description="Who usually answers it, the most usual first: the controller, the supplier, the assessor.",
    )
    evidence: str | None = Field(None, description="The documents or observations that show the answer.")
    asked_after: list[str] = Field(
        default_factory=list,
        description="Questions asked before this one where both are open for the same subject: an "
        "answer to them often makes this one unnecessary (a deadline given says the step exists).",
    )


class Checklist(Strict):
    """Yes-or-no questions about one part of a subject, asked together: a checklist."""

    under: str = Field(
        description="The part: every question about a fact directly under this path (safeguards, "
        "system.security) whose answer is yes or no, or a safeguard's status, belongs to it."
    )
    title: str = Field(
        description="Its heading, in plain words, naming its subject with {flow}, {party} or {system}."
    )


class Bank(Strict):
    """The question bank file."""

    version: int
    questions: list[BankEntry]
    checklists: list[Checklist] = Field(default_factory=list)


@cache
def bank() -> dict[str, BankEntry]:
    """The shipped question bank by fact, checked against the solution format."""
    return _shipped()[0]


@cache
def checklists() -> dict[str, Checklist]:
    """The shipped bank's checklists, by the part they are about (`Checklist.under`)."""
    return _shipped()[1]


@cache
def _shipped() -> tuple[dict[str, BankEntry], dict[str, Checklist]]:
    resource = rules_root().joinpath(*BANK_FILE)
    if not resource.is_file():
        return {}, {}
    return parse_bank_file(resource.read_text(encoding="utf-8"), "rules/" + "/".join(BANK_FILE))


def parse_bank(text: str, name: str) -> dict[str, BankEntry]:
    """A question bank's questions from its YAML text; every problem located, none skipped."""
    return parse_bank_file(text, name)[0]


def parse_bank_file(text: str, name: str) -> tuple[dict[str, BankEntry], dict[str, Checklist]]:
    """A question bank from its YAML text, its questions by fact and its checklists by part;
    every problem located, none skipped."""
    located = load_text(text, name)
    if isinstance(located.data, dict):
        for entry in located.data.get("questions") or []:
            if isinstance(entry, dict) and isinstance(entry.get("choices"), dict):
                # YAML reads `true:` and `false:` as booleans; the bank's keys are the answers as text.
                entry["choices"] = {_key(k): v for k, v in entry["choices"].items()}
    data: Bank = validate_located(Bank, located, RulePackError)
    problems: list[Problem] = []
    reg = registry()
    seen: set[str] = set()
    safeguard_keys = set(safeguards().keys())
    for index, entry in enumerate(data.questions):
        where = ("questions", index)
        spec = reg.get(entry.fact)
        if entry.fact in seen:
            problems.append(located.problem((*where, "fact"), f"a second question for '{entry.fact}'"))
        seen.add(entry.fact)
        if entry.fact.startswith(SAFEGUARD_PREFIX):
            # A safeguard of the vocabulary, answered with its status.
            if entry.fact.removeprefix(SAFEGUARD_PREFIX) not in safeguard_keys:
                problems.append(
                    located.problem((*where, "fact"), f"no safeguard '{entry.fact}' in the vocabulary")
                )
            elif set(entry.choices) != SAFEGUARD_ANSWERS:
                problems.append(
                    located.problem(
                        (*where, "choices"),
                        f"a safeguard's answers are {', '.join(sorted(SAFEGUARD_ANSWERS))}",
                    )
                )
            continue
        if entry.fact in RECORDS or record_of(entry.fact) is not None:
            problems.extend(_record_problems(located, where, entry))
            continue
        for index_after, other in enumerate(entry.asked_after):
            if other == entry.fact or subject(other) is not subject(entry.fact):
                problems.append(
                    located.problem(
                        (*where, "asked_after", index_after),
                        f"'{other}' is not another question about the same kind of subject",
                    )
                )
        if spec is None:
            problems.append(
                located.problem((*where, "fact"), f"no fact '{entry.fact}' in the solution format")
            )
            continue
        wanted = _answers(spec)
        given = set(entry.choices)
        if wanted is None and given:
            problems.append(
                located.problem((*where, "choices"), f"'{entry.fact}' has no closed set of answers")
            )
        elif wanted is not None and given != wanted:
            missing, extra = sorted(wanted - given), sorted(given - wanted)
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"not answers of this fact: {', '.join(extra)}"] if extra else []
            )
            problems.append(located.problem((*where, "choices"), "; ".join(parts)))
    facts = {entry.fact for entry in data.questions}
    for index, entry in enumerate(data.questions):
        for index_after, other in enumerate(entry.asked_after):
            if other not in facts:
                problems.append(
                    located.problem(
                        ("questions", index, "asked_after", index_after), f"no question for '{other}'"
                    )
                )
    problems.extend(_checklist_problems(located, data, reg))
    if problems:
        raise RulePackError(problems)
    return {entry.fact: entry for entry in data.questions}, {c.under: c for c in data.checklists}


def _checklist_problems(located: Any, data: Bank, reg: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with the bank's checklists: each about a part that has at least two yes-or-no
    questions, once, its heading naming the subject of that part and no other."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, checklist in enumerate(data.checklists):
        where = ("checklists", index)
        if checklist.under in seen:
            problems.append(located.problem((*where, "under"), f"a second checklist for '{checklist.under}'"))
        seen.add(checklist.under)
        members = [e.fact for e in data.questions if _in_checklist(e.fact, checklist.under, reg)]
        if len(members) < 2:
            problems.append(
                located.problem(
                    (*where, "under"), f"fewer than two yes-or-no questions under '{checklist.under}'"
                )
            )
        kind = subject(checklist.under)
        wanted = {PLACEHOLDERS[kind]} if kind is not None else set()
        named = {p for p in PLACEHOLDERS.values() if p in checklist.title}
        if named != wanted:
            problems.append(
                located.problem(
                    (*where, "title"),
                    f"the heading must name its subject with {next(iter(wanted))}"
                    if wanted
                    else "the heading of a checklist about the solution names no flow, party or system",
                )
            )
    return problems


def _in_checklist(fact: str, under: str, reg: Mapping[str, Any]) -> bool:
    """Whether a question about `fact` belongs to the checklist about `under`: the fact lies
    directly under it and is answered yes or no, or with a safeguard's status."""
    if fact.rsplit(".", 1)[0] != under:
        return False
    if fact.startswith(SAFEGUARD_PREFIX):
        return True
    spec = reg.get(fact)
    return spec is not None and spec.kind == "bool"


@cache
def checklist_of(fact: str) -> Checklist | None:
    """The checklist a question about `fact` is asked in, if any."""
    found = checklists().get(fact.rsplit(".", 1)[0])
    return found if found is not None and _in_checklist(fact, found.under, registry()) else None


def _record_problems(located: Any, where: tuple[str, int], entry: BankEntry) -> list[Problem]:
    """What is wrong with a question for a list of records or one of its fields."""
    record = record_of(entry.fact)
    if record is None:  # the list itself: a number of records, no choices
        return (
            [located.problem((*where, "choices"), "a list of records has no choices")]
            if entry.choices
            else []
        )
    found = record_field(entry.fact)
    if found is None or found.name not in _RECORD_MODELS[record].model_fields:
        return [located.problem((*where, "fact"), f"no field '{entry.fact}' in the solution format")]
    wanted = (
        set(found.values) if found.kind == "enum" else {"true", "false"} if found.kind == "bool" else set()
    )
    if set(entry.choices) != wanted:
        missing, extra = sorted(wanted - set(entry.choices)), sorted(set(entry.choices) - wanted)
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"not answers of this fact: {', '.join(extra)}"] if extra else []
        )
        return [located.problem((*where, "choices"), "; ".join(parts) or "no closed set of answers")]
    return []


def _key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _answers(spec: Any) -> set[str] | None:
    """The closed set of answers of a fact, as text (for a list: the values its items take); None
    for free answers and for lists of vocabulary keys, which are too many to label here."""
    if spec.kind == "bool":
        return {"true", "false"}
    if spec.kind in ("enum", "list") and spec.values and not spec.vocab:
        return {str(v) for v in spec.values}
    return None


@dataclass
class _Open:
    target: Target | None = None
    decides: list[str] = field(default_factory=list)
    weight: float = 0.0
    applicability: bool = False


PLACEHOLDERS = {Scope.FLOW: "{flow}", Scope.PARTY: "{party}", Scope.SYSTEM: "{system}"}


def subject(fact: str) -> Scope | None:
    """The kind of target a fact is about (a flow, party or system); None for the solution."""
    namespace = fact.split(".", 1)[0]
    return next((scope for scope in PLACEHOLDERS if scope.value == namespace), None)


def fill(text: str, target: Target | None) -> str:
    """A question's text with its subject named: the flow's, party's or system's name in place of
    its placeholder."""
    if target is None:
        return text
    return text.replace(PLACEHOLDERS[target.kind], target.name) if target.kind in PLACEHOLDERS else text


# What stands for the subject of a question asked of several at once, a row for each below it.
ROWS_MARK = "…"


def fill_rows(text: str) -> str:
    """A question's text for several subjects at once ("In which country is … established?"), the
    flows, parties or systems named in its rows."""
    for placeholder in PLACEHOLDERS.values():
        text = text.replace(placeholder, ROWS_MARK)
    return text


def open_questions(
    findings: Iterable[Finding],
    screening: DpiaScreening,
    deciding: Callable[[Finding], bool],
    related: Related | None = None,
) -> list[Question]:
    """The questions whose answers decide the verdict or the DPIA answer, in asking order: one per
    fact and target (a question about a flow, party or system names it). With `related` (the
    solution's flows and systems), a fact stated around a target is asked there."""
    return _ask(findings, screening, lambda f: f.severity is Severity.CRITICAL and deciding(f), related)


def interview_questions(
    findings: Iterable[Finding],
    screening: DpiaScreening,
    deciding: Callable[[Finding], bool],
    related: Related | None = None,
) -> list[Question]:
    """The questions of an interview, in asking order (`interview_tiers`, one after the other)."""
    return [q for tier in interview_tiers(findings, screening, deciding, related) for q in tier]


def interview_tiers(
    findings: Iterable[Finding],
    screening: DpiaScreening,
    deciding: Callable[[Finding], bool],
    related: Related | None = None,
) -> list[list[Question]]:
    """The questions of an interview in the tiers they are asked in, each in asking order: first those that decide the verdict or the
    DPIA answer (`open_questions`), then those that decide any critical or high result still
    unknown, then what a critical or high failure rests on that nobody stated, then, where a
    critical or high result passes on the systems holding the data, what those systems state of
    the safeguard themselves (an answer may fail it), and last those of any other result still
    unknown, of a legal duty first (which keeps the verdict from "ready"), heaviest first in each
    group. With `related`, a fact stated on the flows or systems around a target (the technologies
    of a system's flows) is asked there. An interview asks a fact open for several targets as one
    question with a row for each (`next_group`), and puts off one that cannot decide anything
    alone (`compliance.outputs.interview.next_deciding_group`). A checklist gathers the questions
    of one tier only (`in_groups`): a minor item does not come forward with a decisive one."""
    results = list(findings)
    first = open_questions(results, screening, deciding, related)
    tiers = [first]
    asked = {(q.fact, q.target) for q in first}

    def critical_or_high(f: Finding) -> bool:
        return f.severity in (Severity.CRITICAL, Severity.HIGH)

    groups = [
        _ask(results, None, critical_or_high, related),
        # a critical or high failure that rests on something nobody stated (nothing says refusing
        # consent costs nothing): the answer may turn it into a pass or a review
        _ask_absent(results, critical_or_high, related) if related is not None else [],
        # a critical or high pass read on the systems holding the data, where a system that says
        # nothing of its own is not counted: a camera that states its login lacks it would fail it
        _ask_own(results, critical_or_high, related) if related is not None else [],
        _ask(results, None, deciding, related),  # any unknown legal duty keeps the verdict from "ready"
        _ask(results, None, lambda f: True, related),  # so does any unknown result
    ]
    for group in groups:
        tier = []
        for q in group:
            if (q.fact, q.target) not in asked:
                asked.add((q.fact, q.target))
                tier.append(q)
        tiers.append(tier)
    return tiers


def solution_facts_sha256(solution: Mapping[str, Any]) -> str:
    """The SHA-256 of a solution's facts (its validated document as canonical JSON): what a
    questionnaire was made from, so that answers to other facts are not read into it."""
    canonical = json.dumps(solution, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def next_group(
    questions: Iterable[Question], passed: Container[tuple[str, str | None]] = ()
) -> list[Question]:
    """The next question of an interview, asked of every subject it is open for: the first of
    `questions` whose key (fact, target reference) is not `passed`, with every later one about the
    same fact (one question, a row per flow, party or system, in asking order). Empty when every
    question is passed."""
    groups = in_groups(q for q in questions if question_key(q) not in passed)
    return groups[0] if groups else []


def in_groups(
    questions: Iterable[Question],
    tiers: Mapping[tuple[str, str | None], int] | None = None,
    *,
    checklists: bool = True,
) -> list[list[Question]]:
    """Questions as a person is asked them, each group where its first question stands in the
    asking order: the yes-or-no questions of one checklist (`Checklist`) about the same subject
    together (with `tiers`, `tier_of`: those of the same tier), one question with a row for each
    item; the others about the same fact of several flows, parties or systems together, one
    question with a row for each subject; a question about the solution as a whole that is in no
    checklist stands alone. Without `checklists` (a questionnaire, whose rows of one question stand
    together), every question is grouped by its fact alone."""
    groups: list[list[Question]] = []
    by_key: dict[tuple[str, str | None, int], list[Question]] = {}
    for question in questions:
        checklist = checklist_of(question.fact) if checklists else None
        if checklist is not None:
            key = (
                checklist.under,
                question.target.ref if question.target is not None else None,
                tiers.get(question_key(question), 0) if tiers is not None else 0,
            )
        elif question.target is None:
            groups.append([question])
            continue
        else:
            key = (question.fact, None, 0)
        group = by_key.get(key)
        if group is None:
            group = by_key[key] = []
            groups.append(group)
        group.append(question)
    return groups


def checklist_heading(group: Sequence[Question], lang: str) -> tuple[str, bool] | None:
    """The heading of a group of questions that is a checklist (`in_groups`), its subject named, in
    `lang`, and whether it fell back to English; None for any other group."""
    checklist = checklist_of(group[0].fact) if group else None
    if checklist is None or len(group) < 2:
        return None
    title, in_english = checklist_title(lang, checklist.under, checklist.title)
    return fill(title, group[0].target), in_english


def question_key(question: Question) -> tuple[str, str | None]:
    """A question's fact and the reference of its target ("flow readings"), if any."""
    return question.fact, question.target.ref if question.target is not None else None


def next_questions(a: Assessment) -> list[Question]:
    """An assessment's interview questions, in asking order (`interview_questions`)."""
    return [q for tier in next_question_tiers(a) for q in tier]


def next_question_tiers(a: Assessment) -> list[list[Question]]:
    """An assessment's interview questions in the tiers they are asked in (`interview_tiers`)."""
    deciding = {p.id for p in a.rule_packs if p.obligation is Obligation.LAW}
    deciding |= set(a.solution.get("contract_standards") or [])
    related = Related(a.solution)
    return interview_tiers(a.findings, a.dpia, lambda f: f.pack in deciding, related)


def tier_of(tiers: Sequence[Sequence[Question]]) -> dict[tuple[str, str | None], int]:
    """The tier of each question (`next_question_tiers`), by its key (`question_key`)."""
    return {question_key(q): number for number, tier in enumerate(tiers) for q in tier}


def _ask_absent(
    findings: Iterable[Finding], wanted: Callable[[Finding], bool], related: Related
) -> list[Question]:
    """The questions for the stated facts a failed result's derived facts were computed without:
    the failure rests on their absence, and an answer may change it."""
    open_facts: dict[tuple[str, str | None], _Open] = {}
    known = bank()
    for f in findings:
        if f.status is not Outcome.FAIL or f.target is None or not wanted(f):
            continue
        label = f"{f.rule_id} ({f.target.ref})"
        for used in f.facts:
            if used.value is None or used.result is not False:
                continue
            for item in DERIVED_FROM.get(used.fact, ()):
                if subject(item) is f.target.kind and item in known and not related.states(item, f.target):
                    _decides(open_facts, item, f.target, label, f.weight)
    return _by_weight(open_facts, known)


# A safeguard a system can state for itself, with the fact that states it (`facts.data_system`
# reads a system's `security.mfa` as its own multi-factor authentication).
_OWN_SAFEGUARD = {"safeguards.mfa": "system.security.mfa"}


def _ask_own(
    findings: Iterable[Finding], wanted: Callable[[Finding], bool], related: Related
) -> list[Question]:
    """For a result that passes on a safeguard of the systems holding its data, the questions for
    what those systems do not state of it themselves: a system of a kind where the safeguard is not
    expected counts only where it states it, and one stating that it lacks it fails the result."""
    open_facts: dict[tuple[str, str | None], _Open] = {}
    known = bank()
    for f in findings:
        if f.status is not Outcome.PASS or not wanted(f):
            continue
        label = f"{f.rule_id} ({f.target.ref})" if f.target else f.rule_id
        for used in f.facts:
            own = _OWN_SAFEGUARD.get(used.fact)
            if own is None or used.part != "require" or own not in known:
                continue
            for system in related.holding(f.target):
                if not related.states(own, system):
                    _decides(open_facts, own, system, label, f.weight)
    return _by_weight(open_facts, known)


def _decides(
    open_facts: dict[tuple[str, str | None], _Open],
    fact: str,
    target: Target | None,
    label: str,
    weight: float,
) -> None:
    """Record that the question for `fact` of `target` decides the result `label` (once)."""
    entry = _entry_for(open_facts, fact, target)
    if label not in entry.decides:
        entry.decides.append(label)
        entry.weight += weight


def _by_weight(
    open_facts: dict[tuple[str, str | None], _Open], known: Mapping[str, BankEntry]
) -> list[Question]:
    """The questions, heaviest first, then by fact and target."""
    questions = [_question(fact, entry, known.get(fact)) for (fact, _), entry in open_facts.items()]
    questions.sort(key=lambda q: (-q.weight, q.fact, q.target.id if q.target else ""))
    return questions


# A derived fact read from the flows or systems around a target is stated there: these are the
# descriptions of such inputs (`facts.DERIVED_FROM`), with the fact asked and where.
_AROUND: dict[str, tuple[tuple[str, str], ...]] = {
    "the technologies of the flows from and to the system": (("flow.technologies", "touching"),),
    "the data_categories of the flows from and to the system": (("flow.data_categories", "touching"),),
    "the data_categories of the flows from the system": (("flow.data_categories", "leaving"),),
    "the data_categories and technologies of the flows from the system": (
        ("flow.data_categories", "leaving"),
        ("flow.technologies", "leaving"),
    ),
    "the data_categories of the flows into the party or its systems": (("flow.data_categories", "into"),),
    "the secrecy of the flows into the party or its systems": (("flow.secrecy", "into"),),
    "security.internet_facing of the flow's source and destination systems": (
        ("system.security.internet_facing", "ends"),
    ),
    "security.stores_data_unencrypted of the flow's source and destination systems": (
        ("system.security.stores_data_unencrypted", "ends"),
    ),
    "security.internet_facing of the systems that hold personal data": (
        ("system.security.internet_facing", "every"),
    ),
    "the processor each sub-processor names (`engaged_by`)": (("party.engaged_by", "sub-processors"),),
    # a party's assurance documents: one question for the list, then each document's fields
    "the assurance documents the party handed in (`assurance`): their type, scope, opinion and exceptions": (
        ("party.assurance", "itself"),
    ),
    "the end of the period of each report the party handed in (`assurance`), and the assessment date": (
        ("party.assurance", "itself"),
    ),
    "the expiry date of each certificate the party handed in (`assurance`), and the assessment date": (
        ("party.assurance", "itself"),
    ),
    "the controls excluded by the Statement of Applicability of each certificate the party handed in "
    "(`assurance`)": (("party.assurance", "itself"),),
    "the subservice organisations of the party's reports, and the assurance documents of each "
    "sub-processor it engaged": (("party.assurance", "itself"), ("party.assurance", "engaged")),
    "the subservice organisations named by the reports of the processor that engaged the party": (
        ("party.assurance", "engager"),
    ),
}


class Related:
    """The flows and systems around each target of a solution document, for the questions whose
    facts are stated there rather than on the target itself."""

    def __init__(self, solution: Mapping[str, Any]) -> None:
        def target(kind: Scope, item: Mapping[str, Any]) -> Target:
            return Target(kind=kind, id=item["id"], name=item.get("name") or item["id"])

        flows = [f for f in solution.get("flows") or [] if isinstance(f, Mapping) and "id" in f]
        systems = [s for s in solution.get("systems") or [] if isinstance(s, Mapping) and "id" in s]
        parties = [p for p in solution.get("parties") or [] if isinstance(p, Mapping) and "id" in p]
        self._items: dict[tuple[Scope, str], Mapping[str, Any]] = {
            **{(Scope.FLOW, f["id"]): f for f in flows},
            **{(Scope.SYSTEM, s["id"]): s for s in systems},
            **{(Scope.PARTY, p["id"]): p for p in parties},
        }
        self.flows = {f["id"]: target(Scope.FLOW, f) for f in flows}
        self.systems = {s["id"]: target(Scope.SYSTEM, s) for s in systems}
        self.parties = {p["id"]: target(Scope.PARTY, p) for p in parties}
        self._sub_processors = [
            p["id"] for p in parties if isinstance(p.get("roles"), list) and "sub_processor" in p["roles"]
        ]
        self._engaged_by = {p["id"]: p.get("engaged_by") for p in parties}
        operator = {s["id"]: s.get("operator") for s in systems}
        self._ends = {f["id"]: [f.get("source"), f.get("destination")] for f in flows}
        self._leaving: dict[str, list[str]] = defaultdict(list)
        self._touching: dict[str, list[str]] = defaultdict(list)
        self._into: dict[str, list[str]] = defaultdict(list)
        for f in flows:
            source, destination = str(f.get("source")), str(f.get("destination"))
            self._leaving[source].append(f["id"])
            for end in dict.fromkeys((source, destination)):
                self._touching[end].append(f["id"])
            self._into[str(operator.get(destination) or destination)].append(f["id"])

    def states(self, fact: str, target: Target) -> bool:
        """Whether the solution states a fact of a flow, party or system (`flow.consent.x`)."""
        value: Any = self._items.get((target.kind, target.id))
        for key in fact.split(".")[1:]:
            if not isinstance(value, Mapping):
                return False
            value = value.get(key)
        return value is not None

    def holding(self, target: Target | None) -> list[Target]:
        """The systems that may hold a target's data: a flow's source and destination, a system
        itself, for the solution every system at either end of a flow."""
        if target is None:
            ids = [i for ends in self._ends.values() for i in ends]
        elif target.kind is Scope.FLOW:
            ids = list(self._ends.get(target.id, []))
        elif target.kind is Scope.SYSTEM:
            ids = [target.id]
        else:
            ids = []
        return [self.systems[i] for i in dict.fromkeys(ids) if i in self.systems]

    def around(self, description: str, target: Target | None) -> list[tuple[str, Target]]:
        """The facts (with their flow or system) that a description of inputs names for a target."""
        out: list[tuple[str, Target]] = []
        for fact, where in _AROUND.get(description, ()):
            if where == "every":
                ids, pool = list(self.systems), self.systems
            elif where == "sub-processors":
                ids = [i for i in self._sub_processors if target is None or i != target.id]
                pool = self.parties
            elif target is None:
                continue
            elif where in ("itself", "engaged", "engager"):
                pool = self.parties
                if target.kind is not Scope.PARTY:
                    ids = []
                elif where == "itself":
                    ids = [target.id]
                elif where == "engaged":
                    ids = [i for i, by in self._engaged_by.items() if by == target.id]
                else:
                    ids = [str(self._engaged_by.get(target.id))]
            elif where == "ends":
                ids, pool = [i for i in self._ends.get(target.id, []) if i in self.systems], self.systems
            else:
                chosen = {"touching": self._touching, "leaving": self._leaving, "into": self._into}[where]
                ids, pool = chosen.get(target.id, []), self.flows
            out.extend((fact, pool[i]) for i in ids if i in pool)
        return out


def _ask(
    findings: Iterable[Finding],
    screening: DpiaScreening | None,
    wanted: Callable[[Finding], bool],
    related: Related | None = None,
) -> list[Question]:
    """The questions for the facts missing from the unknown results `wanted` picks, and (given a
    screening that cannot answer whether a DPIA is required) from its undecided criteria."""
    open_facts: dict[tuple[str, str | None], _Open] = {}
    known = bank()
    named: dict[str, Target] = dict(related.flows) if related is not None else {}
    for f in findings:
        if f.target is not None and f.target.kind is Scope.FLOW:
            named.setdefault(f.target.id, f.target)
        if f.status is not Outcome.UNKNOWN or not wanted(f):
            continue
        label = f"{f.rule_id} ({f.target.ref})" if f.target else f.rule_id
        first = set(f.applies_unknown)
        # While whether the rule applies is open, only the facts that decide it can change the
        # result: any answer about the requirement leaves it unknown (an unknown applicability
        # never passes or fails, docs/rule-language.md), so those are asked once it applies.
        for fact in f.applies_unknown or f.to_state:
            if _askable(fact, known):
                target = f.target if f.target is not None and subject(fact) is f.target.kind else None
                asked = [(fact, target)]
            elif related is not None:
                asked = list(related.around(fact, f.target))  # stated on the flows or systems around
            else:
                continue  # a description, not a fact: the DPIA screening names its own facts below
            for one, target in asked:
                entry = _entry_for(open_facts, one, target)
                entry.decides.append(label)
                entry.weight += f.weight
                entry.applicability |= fact in first
    if screening is not None and screening.required is None:
        for criterion in screening.criteria + screening.per_se + screening.national:
            if criterion.met is None:
                _add_criterion(open_facts, criterion, known, named)
    questions = [
        _question(fact, entry, known.get(fact)) for (fact, _), entry in open_facts.items() if entry.decides
    ]
    questions.sort(key=lambda q: (not q.applicability, -q.weight, q.fact, q.target.id if q.target else ""))
    return _asked_after(questions, known)


def _asked_after(questions: list[Question], known: Mapping[str, BankEntry]) -> list[Question]:
    """The questions with each one whose bank entry names questions to ask first (`asked_after`)
    moved behind the last of those open for the same subject."""
    out = list(questions)
    for question in questions:
        entry = known.get(question.fact)
        if entry is None or not entry.asked_after:
            continue
        first = [
            i
            for i, other in enumerate(out)
            if other.fact in entry.asked_after and question_key(other)[1] == question_key(question)[1]
        ]
        here = out.index(question)
        if first and max(first) > here:
            out.insert(max(first), out.pop(here))
    return out


def _askable(fact: str, known: dict[str, BankEntry]) -> bool:
    return fact in registry() or fact in known


def _entry_for(open_facts: dict[tuple[str, str | None], _Open], fact: str, target: Target | None) -> _Open:
    key = (fact, target.ref if target is not None else None)
    entry = open_facts.get(key)
    if entry is None:
        entry = open_facts[key] = _Open(target=target)
    return entry


def _add_criterion(
    open_facts: dict[tuple[str, str | None], _Open],
    criterion: Criterion,
    known: dict[str, BankEntry],
    flows: dict[str, Target],
) -> None:
    label = f"DPIA screening {criterion.id}"
    for fact in criterion.to_state:
        if not _askable(fact, known):
            continue
        if subject(fact) is Scope.FLOW and criterion.unknown_flows:
            for flow_id in criterion.unknown_flows:
                target = flows.get(flow_id) or Target(kind=Scope.FLOW, id=flow_id, name=flow_id)
                entry = _entry_for(open_facts, fact, target)
                entry.decides.append(f"{label} ({flow_id})")
                entry.weight += SEVERITY_POINTS[Severity.CRITICAL]
        else:
            flows_named = ", ".join(criterion.unknown_flows)
            entry = _entry_for(open_facts, fact, None)
            entry.decides.append(label + (f" ({flows_named})" if flows_named else ""))
            entry.weight += SEVERITY_POINTS[Severity.CRITICAL]


def _question(fact: str, entry: _Open, asked: BankEntry | None) -> Question:
    return Question.model_construct(
        fact=fact,
        target=entry.target,
        ask=fill(asked.ask, entry.target) if asked else f"State this fact: {fact}",
        help=asked.help if asked else None,
        why=asked.why if asked else None,
        choices=dict(asked.choices) if asked else {},
        answered_by=[a.value for a in asked.answered_by] if asked else [],
        evidence=asked.evidence if asked else None,
        in_bank=asked is not None,
        decides=entry.decides,
        weight=round(entry.weight, 3),
        applicability=entry.applicability,
    )


# Vocabularies short enough to offer as numbered choices; a country is typed as its code.
_OFFERED = {"data_categories", "data_subjects", "purposes", "technologies"}


def vocabulary_choices(fact: str, lang: str = "en") -> dict[str, str]:
    """For a question answered from a vocabulary (data categories, subjects, purposes,
    technologies), its terms by key with their titles in `lang` (English, marked, where a title
    has no current translation), to offer as numbered choices."""
    spec = registry().get(fact)
    if spec is None or spec.vocab not in _OFFERED:
        return {}
    vocab = getattr(vocabulary, spec.vocab)()
    out = {}
    for key, term in vocab.terms.items():
        title, in_english = vocabulary_title(lang, spec.vocab, key, term.title)
        out[key] = f"[EN] {title}" if in_english else title
    return out


def ask_about(fact: str, target: Target | None) -> Question:
    """The bank's question about one fact (of one target), alone: for an answer that needs it."""
    return _question(fact, _Open(target=target), bank().get(fact))


def same_part(fact: str) -> list[str]:
    """The other questions about the same part of the solution as `fact` (the DPIA's status, date
    and scope): asked with it when an answer is not valid alone."""
    part = fact.rsplit(".", 1)[0] + "."
    return [other for other in bank() if other.startswith(part) and other != fact]


def in_language(question: Question, lang: str, *, rows: bool = False) -> QuestionText:
    """A question's texts in a language, its subject named, or with `rows` marked for the rows that
    name each subject (English, marked, where the bank has no current translation)."""
    asked = bank().get(question.fact)
    if asked is None:
        return QuestionText(
            question.ask, question.help, question.why, dict(question.choices), False, question.evidence
        )
    text = question_text(lang, question.fact, asked.ask, asked.help, asked.why, asked.choices, asked.evidence)
    return replace(
        text,
        ask=fill_rows(text.ask) if rows else fill(text.ask, question.target),
        choices=text.choices or vocabulary_choices(question.fact, lang),
    )
