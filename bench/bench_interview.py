"""The economy of the interview: how many questions it takes to reach the complete file's answer.

Protocol (issue 20), for each bundled example:

1. assess the complete file: its verdict, its DPIA answer ("is a DPIA required?") and every
   critical and high result (rule, target, outcome) are the reference;
2. remove from it every fact the question bank has a question for (for every flow, party and
   system, and every safeguard), except a fact without which the file is not valid;
3. ask the interview's next question (`compliance.outputs.interview.next_deciding_group`: a fact
   open for several flows, parties or systems is one question with a row for each, the open
   yes-or-no questions of one checklist about one subject and of one stage of the interview are
   one question with a row for each item, and one that cannot decide anything alone waits for a
   sibling that can, as the interview asks it; a list of
   records, a party's assurance documents, is a question and then one per field of each record,
   and counts its fields among the facts removed), answer each row with the example's own value,
   or "don't know" where the example states none (the fact stays unknown and the row is not
   asked again), assess again after each answer, leave out a row an earlier answer made
   irrelevant, and repeat;
4. stop when the verdict, the DPIA answer and every critical and high result equal the
   reference, or when no question is left (the target is then missed).

It reports questions asked against facts removed, and the answers (rows) they took; the target is
at most a third of the removed facts asked, for each example.

    python bench/bench_interview.py [--examples DIR] [--json OUT] [--as-of 2026-12-01] [--verbose]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment, Target
from compliance.core.models.rules import Scope, Severity
from compliance.core.models.solution import Solution
from compliance.core.packs import LoadedPack
from compliance.core.questions import (
    RECORDS,
    bank,
    checklist_of,
    fields_to_ask,
    next_questions,
    question_key,
    record_of,
    same_part,
    subject,
)
from compliance.inputs.answers import COLLECTIONS, get_answer, remove_answer, set_answer
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs.interview import next_deciding_group

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 12, 1)
TARGET_SHARE = 1 / 3

Doc = dict[str, Any]
Reference = tuple[str, bool | None, dict[tuple[str, str | None], str]]


@dataclass
class Economy:
    """One example's run of the protocol."""

    example: str
    removed: int
    asked: int = 0  # questions: one asked of several flows, parties or systems counts once
    rows: int = 0  # the answers those questions asked for: a row per flow, party or system
    answered: int = 0
    dont_know: int = 0
    reached: bool = False
    necessary: int | None = None  # facts whose removal alone changes the answer (with --necessary)
    necessary_questions: int | None = None  # the questions those facts take: one per fact, rows per target
    seconds: float = 0.0
    questions: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # where the answer still differs, if not reached

    @property
    def share(self) -> float:
        return self.asked / self.removed if self.removed else 0.0

    @property
    def met(self) -> bool:
        return self.reached and self.share <= TARGET_SHARE


def solution_of(doc: Doc) -> Solution:
    """The solution a document states, validated as the loader validates a file."""
    return Solution.model_validate_json(json.dumps(doc))


def reference(a: Assessment) -> Reference:
    """What the interview must reach: the verdict, the DPIA answer, the critical and high results."""
    results = {
        (f.rule_id, f.target.ref if f.target else None): f.status.value
        for f in a.results()
        if f.severity in (Severity.CRITICAL, Severity.HIGH)
    }
    return a.verdict.value, a.dpia.required, results


def _valid(doc: Doc) -> bool:
    try:
        solution_of(doc)
    except ValidationError:
        return False
    return True


def _companions(doc: Doc, complete: Doc, fact: str, target: Target | None) -> list[tuple[str, Any]]:
    """When the document is not valid with this answer alone: the facts of the same part (the
    other answers about the DPIA, say) that make it valid, taken from the complete file one by one,
    in the bank's order. Empty when it is valid."""
    if _valid(doc):
        return []
    taken: list[tuple[str, Any]] = []
    trial = copy.deepcopy(doc)
    for other in same_part(fact):
        found, value = get_answer(complete, other, target)
        if found and not get_answer(trial, other, target)[0]:
            set_answer(trial, other, target, value)
            taken.append((other, value))
            if _valid(trial):
                return taken
    raise SystemExit(f"bench: no answers of the example make '{fact}' valid")


def _differences(now: Reference, goal: Reference) -> list[str]:
    out = [f"verdict {now[0]} (complete file: {goal[0]})"] if now[0] != goal[0] else []
    if now[1] != goal[1]:
        out.append(f"DPIA required {now[1]} (complete file: {goal[1]})")
    out += [
        f"{rule} {target or ''}: {status} (complete file: {goal[2].get((rule, target))})"
        for (rule, target), status in sorted(now[2].items(), key=str)
        if goal[2].get((rule, target)) != status
    ]
    return out


def asked_about(doc: Doc) -> list[tuple[str, Target | None]]:
    """Every (fact, target) the question bank can ask about in this document."""
    targets: dict[Scope, list[Target]] = {
        scope: [
            Target(kind=scope, id=item["id"], name=item.get("name") or item["id"])
            for item in doc.get(key) or []
            if isinstance(item, dict) and "id" in item
        ]
        for scope, key in COLLECTIONS.items()
    }
    out: list[tuple[str, Target | None]] = []
    for fact in bank():
        if record_of(fact) is not None:
            continue  # a field of a record: asked, and counted, with its list (`record_facts`)
        kind = subject(fact)
        if kind is None:
            out.append((fact, None))
        else:
            out.extend((fact, target) for target in targets[kind])
    return out


def _without(doc: Doc, fact: str, target: Target | None) -> tuple[Doc, Solution] | None:
    """A copy of the document without one fact it states, and the solution it then is; None when
    it does not state the fact, or is not valid without it (every valid file states it)."""
    found, _ = get_answer(doc, fact, target)
    if not found:
        return None
    trial = copy.deepcopy(doc)
    remove_answer(trial, fact, target)
    try:
        return trial, solution_of(trial)
    except ValidationError:
        return None


def record_facts(fact: str, value: Any) -> int:
    """How many facts a list of records states: the list itself, and each field the bank asks
    about that each record states (a document's type, its period's end, ...)."""
    if fact not in RECORDS or not isinstance(value, list):
        return 1
    names = {f.name for f in RECORDS[fact]}
    return 1 + sum(
        1 for item in value if isinstance(item, dict) for name in names if item.get(name) is not None
    )


def record_questions(fact: str, value: Any, others: bool) -> tuple[int, int]:
    """The questions the interview asks for a list of records beyond the list itself, one per
    field of each record (its type, then the fields of its kind), and how many of them the
    example leaves unanswered ("don't know")."""
    if fact not in RECORDS or not isinstance(value, list):
        return 0, 0
    asked = dont_know = 0
    for item in value:
        fields = [RECORDS[fact][0], *fields_to_ask(fact, {"type": item.get("type")}, others=others)]
        asked += len(fields)
        dont_know += sum(1 for f in fields if item.get(f.name) is None)
    return asked, dont_know


def strip(doc: Doc) -> tuple[Doc, int]:
    """The document without every fact the bank asks about that it states (a fact the file is not
    valid without stays), and how many were taken out (a list of records counts its fields)."""
    stripped = copy.deepcopy(doc)
    removed = 0
    for fact, target in asked_about(doc):
        smaller = _without(stripped, fact, target)
        if smaller is not None:
            removed += record_facts(fact, get_answer(stripped, fact, target)[1])
            stripped = smaller[0]
    return stripped, removed


def necessary(complete: Doc, goal: Reference, packs: Sequence[LoadedPack], as_of: date) -> tuple[int, int]:
    """How many of the facts the protocol removes change the answer when removed alone, and how
    many questions they take at the fewest (a fact of several targets is one question, a row
    each; the yes-or-no facts of one checklist about one subject are one question, a row each):
    every interview, whatever its order, must ask each of them, so their share is a floor under
    the share any interview of such questions can reach."""
    facts: list[tuple[str, Target | None]] = []
    for fact, target in asked_about(complete):
        smaller = _without(complete, fact, target)
        if smaller is not None and reference(assess(smaller[1], packs, as_of)) != goal:
            facts.append((fact, target))
    questions: set[tuple[str, str | None]] = set()
    for fact, target in facts:
        checklist = checklist_of(fact)
        if checklist is None:
            questions.add((fact, None))
        else:
            questions.add((checklist.under, target.ref if target is not None else None))
    return len(facts), len(questions)


def run(example: Path, packs: Sequence[LoadedPack], as_of: date, verbose: bool = False) -> Economy:
    loaded = load_solution(example)
    complete: Doc = loaded.solution.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    goal = reference(assess(solution_of(complete), packs, as_of))
    doc, removed = strip(complete)
    economy = Economy(example=example.parent.name, removed=removed)
    start = time.perf_counter()
    asked: set[tuple[str, str | None]] = set()
    put_off: dict[tuple[str, str | None], int] = {}
    a = assess(solution_of(doc), packs, as_of)
    while True:
        if reference(a) == goal:
            economy.reached = True
            break
        group = next_deciding_group(a, packs, asked, put_off)
        if not group:
            economy.left = _differences(reference(a), goal)
            if verbose:
                print("  no question left; still differs: " + "; ".join(economy.left), file=sys.stderr)
            break
        # One question, asked of every flow, party or system it is open for (a row each); a row
        # that an earlier row's answer left deciding nothing is not asked, as in the interview.
        economy.asked += 1
        still_open: set[tuple[str, str | None]] | None = None  # of `a`, once an answer changed it
        for question in group:
            if still_open is not None and question_key(question) not in still_open:
                continue
            asked.add(question_key(question))
            economy.rows += 1
            found, value = get_answer(complete, question.fact, question.target)
            where = f" ({question.target.ref})" if question.target else ""
            if found:
                set_answer(doc, question.fact, question.target, value)
                economy.answered += 1
                # A list of records: the interview then asks each record's fields, one by one.
                others = len(doc.get("parties") or []) > 1
                fields, unknown = record_questions(question.fact, value, others)
                economy.asked += fields
                economy.rows += fields
                economy.answered += fields - unknown
                economy.dont_know += unknown
                economy.questions.append(f"{question.fact}{where} = {json.dumps(value)}")
                # An answer that needs another with it (a DPIA done needs its date): the interview
                # asks the others of the same part next, and each counts as a question.
                for other, other_value in _companions(doc, complete, question.fact, question.target):
                    if (other, question.target.ref if question.target else None) in asked:
                        continue
                    asked.add((other, question.target.ref if question.target else None))
                    economy.asked += 1
                    economy.rows += 1
                    economy.answered += 1
                    set_answer(doc, other, question.target, other_value)
                    economy.questions.append(f"{other}{where} = {json.dumps(other_value)}")
                a = assess(solution_of(doc), packs, as_of)
                still_open = {question_key(q) for q in next_questions(a)}
            else:
                economy.dont_know += 1
                economy.questions.append(f"{question.fact}{where}: don't know")
            if verbose:
                print(f"  {economy.asked:>3}. {economy.questions[-1]}", file=sys.stderr)
    economy.seconds = time.perf_counter() - start
    return economy


def markdown(results: Sequence[Economy]) -> str:
    floor = any(r.necessary is not None for r in results)
    lines = [
        "| example | facts removed | questions asked | share | answers (rows) | don't know | reached "
        "| target (at most 1/3) |" + (" necessary alone | as questions | floor |" if floor else ""),
        "|---|---:|---:|---:|---:|---:|---|---|" + ("---:|---:|---:|" if floor else ""),
    ]
    for r in results:
        line = (
            f"| {r.example} | {r.removed} | {r.asked} | {r.share:.0%} | {r.rows} | {r.dont_know} "
            f"| {'yes' if r.reached else 'no'} | {'met' if r.met else 'MISSED'} |"
        )
        if floor and r.necessary is not None and r.necessary_questions is not None:
            share = r.necessary_questions / r.removed if r.removed else 0
            line += f" {r.necessary} | {r.necessary_questions} | {share:.0%} |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=Path, default=ROOT / "examples")
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument("--json", type=Path, help="also write every run, with the questions asked")
    parser.add_argument("--verbose", action="store_true", help="print each question as it is answered")
    parser.add_argument(
        "--necessary",
        action="store_true",
        help="also count the facts whose removal alone changes the answer (a floor for any interview)",
    )
    args = parser.parse_args(argv)
    packs = load_packs()
    results = []
    for example in sorted(args.examples.glob("*/solution.yaml")):
        if args.verbose:
            print(example.parent.name, file=sys.stderr)
        economy = run(example, packs, args.as_of, args.verbose)
        if args.necessary:
            loaded = load_solution(example)
            complete = loaded.solution.model_dump(mode="json", exclude_unset=True, exclude_none=True)
            goal = reference(assess(solution_of(complete), packs, args.as_of))
            economy.necessary, economy.necessary_questions = necessary(complete, goal, packs, args.as_of)
        results.append(economy)
    print(markdown(results))
    missed = [r.example for r in results if not r.met]
    print()
    print(
        f"Target (at most a third of the removed facts asked, for each example): "
        f"{'met' if not missed else 'MISSED for ' + ', '.join(missed)}"
    )
    if args.json:
        args.json.write_text(
            json.dumps([{**asdict(r), "share": r.share, "met": r.met} for r in results], indent=2) + "\n"
        )
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
