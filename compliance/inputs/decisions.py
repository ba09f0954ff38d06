"""The assessor's decisions file: loading it with located errors, and recording a decision in it.

The file lives beside the solution (`SOLUTION.decisions.yaml`) and is read only when the assessor
names it (`assess --decisions`): a supplier hands in solution folders, and a decisions file inside
one is the supplier's, not the assessor's. Recording (`compliance decide`) rewrites the file whole
through a temporary file, so a failed run never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compliance.core import vocabulary
from compliance.core.errors import InputError, Problem
from compliance.core.models.assessment import InputFile
from compliance.core.models.decisions import Decisions
from compliance.core.packs import LoadedPack
from compliance.core.validation import validate_located
from compliance.core.yamlio import Located, Path_, format_path, load_text
from compliance.inputs.files import DEFAULT_MAX_BYTES, read_text
from compliance.inputs.loader import LoadedSolution, sha256_bytes


class DecisionsError(InputError):
    """A decisions file does not load, or does not fit the solution."""


@dataclass(frozen=True)
class LoadedDecisions:
    """A validated decisions file and the input record of it."""

    decisions: Decisions
    path: Path
    input: InputFile
    located: Located


def default_path(solution: Path) -> Path:
    """Where a solution's decisions file lives: `NAME.decisions.yaml` beside `NAME.yaml`."""
    return solution.with_name(f"{solution.stem}.decisions.yaml")


def load_decisions(path: Path, solution: LoadedSolution, packs: Iterable[LoadedPack]) -> LoadedDecisions:
    """Load a decisions file and check it against the solution and the loaded rules: the same
    solution id, rules that exist, targets that exist."""
    text = read_text(path, max_bytes=DEFAULT_MAX_BYTES)
    located = load_text(text, str(path))
    decisions: Decisions = validate_located(Decisions, located, DecisionsError)
    sol = solution.solution
    problems: list[Problem] = []
    if decisions.solution != sol.id:
        problems.append(
            located.problem(
                ("solution",),
                f"these decisions are about solution '{decisions.solution}', not '{sol.id}' "
                f"({solution.path.name}): name the decisions file of this solution",
            )
        )
    known = {r.id for p in packs for r in p.rules}
    targets = {f.id for f in sol.flows} | {p.id for p in sol.parties} | {s.id for s in sol.systems}
    for section in ("reviews", "accepted_risks", "actions"):
        for index, entry in enumerate(getattr(decisions, section)):
            if entry.rule not in known:
                hint = vocabulary.suggest(entry.rule, known)
                problems.append(
                    located.problem(
                        (section, index, "rule"),
                        f"no rule '{entry.rule}' is loaded" + (f" (did you mean '{hint}'?)" if hint else ""),
                    )
                )
            if entry.target is not None and entry.target not in targets:
                hint = vocabulary.suggest(entry.target, targets)
                problems.append(
                    located.problem(
                        (section, index, "target"),
                        f"the solution has no flow, party or system '{entry.target}'"
                        + (f" (did you mean '{hint}'?)" if hint else ""),
                    )
                )
    if problems:
        raise DecisionsError(problems)
    record = InputFile(path=str(path), sha256=sha256_bytes(text.encode()), role="decisions")
    return LoadedDecisions(decisions, path, record, located)


HEADER = (
    "# Decisions recorded by the assessor: reviews, accepted risks, the action plan and checked\n"
    "# facts (docs/decisions.md). Not facts of the solution, and never the supplier's to write.\n"
)


def write_decisions(path: Path, data: dict[str, Any]) -> None:
    """Write a decisions file whole: to a temporary file in its folder, then renamed over it."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if not path.exists():
                fh.write(HEADER)
            yaml.dump(data, fh)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record(
    path: Path,
    solution_id: str,
    recorded_by: dict[str, str],
    section: str,
    entry: dict[str, Any],
    key: tuple[Any, ...],
) -> bool:
    """Add `entry` to `section` of the decisions file at `path` (made when missing), replacing the
    entry with the same key (rule and target, or fact); the file's comments stay. Returns whether
    an entry was replaced."""
    from ruamel.yaml import YAML

    if not path.parent.is_dir():
        raise DecisionsError.single(str(path), "the folder for the decisions file does not exist")
    yaml = YAML()
    data: Any
    if path.exists():
        data = yaml.load(read_text(path, max_bytes=DEFAULT_MAX_BYTES)) or {}
    else:
        data = {"schema_version": 1, "solution": solution_id, "recorded_by": dict(recorded_by)}
    items = data.setdefault(section, [])
    fields = ("fact",) if section == "checks" else ("rule", "target")
    replaced = False
    for i, item in enumerate(items):
        if tuple(item.get(f) for f in fields) == key:
            items[i] = entry
            replaced = True
            break
    else:
        items.append(entry)
    try:
        Decisions.model_validate_json(_as_json(data))  # never write a file the loader would refuse
    except ValidationError as exc:
        # What the command line gave (a name with a control character, say) or what the file held.
        raise DecisionsError(
            [
                Problem(str(path), f"the entry cannot be recorded: {format_path(_loc(e['loc']))}: {e['msg']}")
                for e in exc.errors()
            ]
        ) from None
    write_decisions(path, data)
    return replaced


def _loc(loc: Any) -> Path_:
    return tuple(part for part in loc if isinstance(part, str | int))


def _as_json(data: Any) -> str:
    import json

    return json.dumps(data, default=str)
