"""A data-processing agreement's review as facts of the processor's contract in a solution file.

`compliance review dpa FILE --solution S --party ID` writes what the review found into the
solution (its comments and layout kept, as `answers import` does), each fact with the source
"document" and where in the agreement it stands, and then assesses the solution so that the
reader sees the Art. 28 rules decide on it. The mapping never turns a doubt into a pass:

- a clause letter of Art. 28(3) is listed in `contract.clauses` only when its requirement is
  found (for (d): the authorisation, the notice with a right to object and the liability all found);
- when any letter is weakened or contradicted, the list holds the found letters, and the rule fails;
- when letters are only not found, the list is left unstated: the rule stays unknown, never met;
- `same_obligations` and `breach_notice_without_undue_delay` are true when found, false when
  weakened or contradicted, and left unstated when not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.core.clauses import ClauseOutcome, ClauseResult

LETTERS = {
    "a": ("art28-3-a",),
    "b": ("art28-3-b",),
    "c": ("art28-3-c",),
    "d": ("art28-3-d-authorisation", "art28-3-d-objection", "art28-3-d-liability"),
    "e": ("art28-3-e",),
    "f": ("art28-3-f",),
    "g": ("art28-3-g",),
    "h": ("art28-3-h",),
}
BOOLEANS = {
    "same_obligations": "art28-3-d-flow-down",
    "breach_notice_without_undue_delay": "art28-3-f-breach",
}
_FAILED = (ClauseOutcome.WEAKENED, ClauseOutcome.CONTRADICTED)


@dataclass(frozen=True)
class ContractFact:
    """A fact of the processor's contract the review decides, and where it comes from."""

    field: str  # of `contract`
    value: Any  # None: left unstated (unknown)
    reference: str


def contract_facts(results: Sequence[ClauseResult], document: str) -> list[ContractFact]:
    """The facts of `contract` the review gives (see the module docstring)."""
    name = Path(document).name
    by_id = {r.requirement: r for r in results}
    out = [ContractFact("in_place", True, name), ContractFact("in_writing", True, name)]
    letter_outcomes = {
        letter: [by_id[k].outcome for k in keys if k in by_id] for letter, keys in LETTERS.items()
    }
    found = [
        letter
        for letter, outcomes in letter_outcomes.items()
        if outcomes and all(o is ClauseOutcome.FOUND for o in outcomes)
    ]
    failed = any(o in _FAILED for outcomes in letter_outcomes.values() for o in outcomes)
    if failed or len(found) == len(LETTERS):
        out.append(ContractFact("clauses", found, f"{name}: clause review"))
    else:
        out.append(ContractFact("clauses", None, f"{name}: clause review"))
    for field, key in BOOLEANS.items():
        result = by_id.get(key)
        if result is None or result.outcome is ClauseOutcome.NOT_FOUND:
            out.append(ContractFact(field, None, name))
        else:
            where = f"{name}, {result.location}" if result.location else name
            out.append(ContractFact(field, result.outcome is ClauseOutcome.FOUND, where))
    return out
