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
- a fact that decides whether a critical rule applies at all is asked first;
- then by the weight of the open results it decides (the results' weights, which are the rule
  weight times the severity points; a DPIA criterion counts as a critical result), heaviest
  first, then by the fact's name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import Field

from compliance.core.errors import Problem, RulePackError
from compliance.core.facts import registry
from compliance.core.models.assessment import Criterion, DpiaScreening, Finding, Question
from compliance.core.models.common import Strict
from compliance.core.models.rules import Outcome, Severity
from compliance.core.resources import rules_root
from compliance.core.scoring import SEVERITY_POINTS
from compliance.core.validation import validate_located
from compliance.core.yamlio import load_text

BANK_FILE = ("questions", "questions.yaml")


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


class Bank(Strict):
    """The question bank file."""

    version: int
    questions: list[BankEntry]


@cache
def bank() -> dict[str, BankEntry]:
    """The shipped question bank by fact, checked against the solution format."""
    resource = rules_root().joinpath(*BANK_FILE)
    if not resource.is_file():
        return {}
    return parse_bank(resource.read_text(encoding="utf-8"), "rules/" + "/".join(BANK_FILE))


def parse_bank(text: str, name: str) -> dict[str, BankEntry]:
    """A question bank from its YAML text; every problem located, none skipped."""
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
    for index, entry in enumerate(data.questions):
        where = ("questions", index)
        spec = reg.get(entry.fact)
        if entry.fact in seen:
            problems.append(located.problem((*where, "fact"), f"a second question for '{entry.fact}'"))
        seen.add(entry.fact)
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
    if problems:
        raise RulePackError(problems)
    return {entry.fact: entry for entry in data.questions}


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
    decides: list[str] = field(default_factory=list)
    weight: float = 0.0
    applicability: bool = False


def open_questions(
    findings: Iterable[Finding], screening: DpiaScreening, deciding: Callable[[Finding], bool]
) -> list[Question]:
    """The questions whose answers decide the verdict or the DPIA answer, in asking order."""
    open_facts: dict[str, _Open] = defaultdict(_Open)
    reg = registry()
    for f in findings:
        if f.status is not Outcome.UNKNOWN or f.severity is not Severity.CRITICAL or not deciding(f):
            continue
        label = f"{f.rule_id} ({f.target.kind.value} {f.target.id})" if f.target else f.rule_id
        first = set(f.applies_unknown)
        for fact in f.to_state:
            if fact not in reg:
                continue  # a description, not a fact: the DPIA screening names its own facts below
            entry = open_facts[fact]
            entry.decides.append(label)
            entry.weight += f.weight
            entry.applicability |= fact in first
    if screening.required is None:
        for criterion in screening.criteria + screening.per_se + screening.national:
            if criterion.met is None:
                _add_criterion(open_facts, criterion, reg)
    known = bank()
    questions = [
        _question(fact, entry, known.get(fact)) for fact, entry in open_facts.items() if entry.decides
    ]
    questions.sort(key=lambda q: (not q.applicability, -q.weight, q.fact))
    return questions


def _add_criterion(open_facts: dict[str, _Open], criterion: Criterion, reg: dict[str, Any]) -> None:
    flows = ", ".join(criterion.unknown_flows)
    label = f"DPIA screening {criterion.id}" + (f" ({flows})" if flows else "")
    for fact in criterion.to_state:
        if fact in reg:
            entry = open_facts[fact]
            entry.decides.append(label)
            entry.weight += SEVERITY_POINTS[Severity.CRITICAL]


def _question(fact: str, entry: _Open, asked: BankEntry | None) -> Question:
    return Question(
        fact=fact,
        ask=asked.ask if asked else f"State this fact: {fact}",
        help=asked.help if asked else None,
        why=asked.why if asked else None,
        choices=dict(asked.choices) if asked else {},
        in_bank=asked is not None,
        decides=entry.decides,
        weight=round(entry.weight, 3),
        applicability=entry.applicability,
    )
