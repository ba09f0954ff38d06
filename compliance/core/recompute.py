"""Recompute, don't trust: run the engine again on the facts an assessment records.

An assessment JSON (saved by `assess -o`, or embedded in a signed report) records the solution it
assessed, the rule packs by version and SHA-256, the date, the inputs' hashes and the scanner
runs. Its results must follow from those: the engine is pure, so the same facts, packs and date
give the same assessment. Scanner runs are recorded inputs; they are taken as recorded and not run
again. Anyone can write a JSON with `verdict: ready`; only one that recomputes is the engine's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from compliance import __version__
from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment, expanded_findings
from compliance.core.models.decisions import Decisions
from compliance.core.models.solution import FIRST_SCHEMA_VERSION, Solution
from compliance.core.packs import LoadedPack

MAX_LISTED = 5  # differences named one by one; the rest are counted


class Recomputed(StrEnum):
    """What recomputing an assessment found."""

    SAME = "same"  # the recorded results follow from the recorded facts
    DIFFERENT = "different"  # they do not: the results were changed, or made otherwise
    PACKS_DIFFER = "packs_differ"  # a recorded pack is not installed here: cannot recompute
    UNREADABLE = "unreadable"  # not an assessment this tool can read
    WITHHELD = "withheld"  # a public edition: facts are withheld from it, the results cannot follow


@dataclass(frozen=True)
class Recomputation:
    """The outcome, the differences found, and what the reader should know besides."""

    status: Recomputed
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """One line for a terminal or a report."""
        if self.status is Recomputed.SAME:
            return "the results follow from the recorded facts and packs"
        if self.status is Recomputed.DIFFERENT:
            return "the results do not follow from the facts: " + "; ".join(self.differences)
        if self.status is Recomputed.WITHHELD:
            return (
                "cannot recompute: this is a public edition, and the facts it withholds "
                f"({'; '.join(self.differences)}) are not in it; recompute the full edition"
            )
        if self.status is Recomputed.PACKS_DIFFER:
            return "cannot recompute: packs differ: " + "; ".join(self.differences)
        return "cannot recompute: " + "; ".join(self.differences)


def recompute(raw: bytes | str, installed: Sequence[LoadedPack]) -> Recomputation:
    """Recompute the assessment in `raw` (its JSON) with the installed packs whose SHA-256 match
    the recorded ones."""
    try:
        recorded = json.loads(raw)
        saved = Assessment.model_validate_json(raw)
    except (ValueError, ValidationError) as exc:
        return Recomputation(Recomputed.UNREADABLE, [f"not an assessment of this tool: {_first_error(exc)}"])
    if saved.edition is not None:
        return Recomputation(
            Recomputed.WITHHELD, [f"[withheld {w.number}] {w.field}" for w in saved.edition.withheld]
        )
    try:
        solution = Solution.model_validate_json(json.dumps(saved.solution))
    except ValidationError as exc:
        return Recomputation(
            Recomputed.UNREADABLE, [f"its solution is not a valid solution: {_first_error(exc)}"]
        )
    packs, missing = _match_packs(saved, installed)
    if missing:
        return Recomputation(Recomputed.PACKS_DIFFER, missing)
    decisions = None
    if saved.decisions is not None:
        try:
            decisions = Decisions.model_validate_json(json.dumps(saved.decisions.document))
        except ValidationError as exc:
            return Recomputation(Recomputed.UNREADABLE, [f"its decisions are not valid: {_first_error(exc)}"])
    decisions_file = next((i for i in saved.inputs if i.role == "decisions"), None)
    again = assess(
        solution,
        packs,
        saved.as_of,
        inputs=saved.inputs,
        scans=saved.scanners,
        decisions=decisions,
        decisions_file=decisions_file,
    )
    # Who assessed, which run wrote the file and the report's document control are records of
    # the run, not results.
    again = again.model_copy(
        update={"assessor": saved.assessor, "run": saved.run, "document": saved.document}
    )
    fresh = json.loads(again.model_dump_json(by_alias=True))
    notes = ["scanner runs are taken as recorded; they are not run again"] if saved.scanners else []
    differences = _differences(_versioned(recorded), fresh)
    same_tool = saved.tool.version == __version__
    left_out = _left_out(saved, installed) if same_tool else []
    if differences or left_out:
        if not same_tool:
            notes.append(
                f"the assessment was made by {saved.tool.name} {saved.tool.version}; this is {__version__}, "
                "whose engine may decide differently"
            )
        return Recomputation(Recomputed.DIFFERENT, left_out + differences, notes)
    if not same_tool:
        notes.append(f"made by {saved.tool.name} {saved.tool.version}, recomputed by {__version__}")
    return Recomputation(Recomputed.SAME, [], notes)


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        return f"{where}: {err['msg']}"
    return str(exc)


def _match_packs(saved: Assessment, installed: Sequence[LoadedPack]) -> tuple[list[LoadedPack], list[str]]:
    """The installed packs that are the recorded ones, byte for byte, in the recorded order."""
    by_hash = {p.sha256: p for p in installed}
    by_id = {p.meta.pack: p for p in installed}
    packs, missing = [], []
    for info in saved.rule_packs:
        pack = by_hash.get(info.sha256)
        if pack is not None and pack.meta.pack == info.id:
            packs.append(pack)
            continue
        other = by_id.get(info.id)
        if other is not None:
            missing.append(
                f"{info.id}: recorded {info.version} (SHA-256 {info.sha256[:12]}...), installed "
                f"{other.meta.version} (SHA-256 {other.sha256[:12]}...)"
            )
        elif info.origin == "built-in":
            missing.append(f"{info.id} {info.version}: not installed here")
        else:
            missing.append(f"{info.id} {info.version}: a pack of its own (give its folder with --rules)")
    return packs, missing


def _left_out(saved: Assessment, installed: Sequence[LoadedPack]) -> list[str]:
    """Built-in packs that every assessment of this tool version uses but this one does not list."""
    recorded = {p.id for p in saved.rule_packs}
    return [
        f"the built-in pack {p.meta.pack} is left out, although every assessment uses it"
        for p in installed
        if p.origin == "built-in" and p.meta.pack not in recorded
    ]


def _differences(recorded: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """Where the recorded assessment and the recomputed one part, in words."""
    out: list[str] = []
    for key in ("verdict", "score"):
        if recorded.get(key) != fresh.get(key):
            out.append(f"{key}: recorded {recorded.get(key)}, recomputed {fresh.get(key)}")
    old = {_finding_key(f): f for f in _results(recorded) if isinstance(f, dict)}
    new = {_finding_key(f): f for f in _results(fresh)}
    changed = [k for k in new if k in old and old[k] != new[k]]
    for k in changed[:MAX_LISTED]:
        was, now = old[k].get("status"), new[k].get("status")
        what = f"status recorded {was}, recomputed {now}" if was != now else "its details differ"
        out.append(f"{k[0]}{f' ({k[1]})' if k[1] else ''}: {what}")
    if len(changed) > MAX_LISTED:
        out.append(f"{len(changed) - MAX_LISTED} more result(s) differ")
    if set(old) != set(new):
        out.append(
            f"{len(set(new) - set(old))} result(s) missing from the record, "
            f"{len(set(old) - set(new))} recorded that the engine does not give"
        )
    rest = sorted(k for k in set(recorded) | set(fresh) if k not in ("verdict", "score", "findings"))
    out += [f"{k} differs" for k in rest if recorded.get(k) != fresh.get(k)]
    return out


def _results(assessment: dict[str, Any]) -> list[Any]:
    """An assessment's results one by one, whether its file writes them grouped or not."""
    findings = assessment.get("findings")
    if not isinstance(findings, list):
        return []
    return expanded_findings(findings, assessment.get("rules"), assessment.get("solution"))


def _versioned(recorded: dict[str, Any]) -> dict[str, Any]:
    """The record with its solution's format version made explicit: assessments made before
    solution files had a `schema_version` record none, and such a solution is of the first version."""
    solution = recorded.get("solution")
    if isinstance(solution, dict) and "schema_version" not in solution:
        return {**recorded, "solution": {"schema_version": FIRST_SCHEMA_VERSION, **solution}}
    return recorded


def _finding_key(f: dict[str, Any]) -> tuple[str, str]:
    target = f.get("target") or {}
    return (str(f.get("rule_id")), f"{target.get('kind')} {target.get('id')}" if target else "")
