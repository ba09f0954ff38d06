"""Loading: YAML and JSON files into validated models, with file:line:column errors.

Built-in rule packs ship in `rules/packs/`; users add packs with `--rules DIR`. A pack that
does not load stops the run: it is never skipped.
"""

from __future__ import annotations

import functools
import hashlib
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from compliance.core import vocabulary
from compliance.core.conditions import Compiler, Condition
from compliance.core.errors import InputError, Problem, RulePackError, SolutionError
from compliance.core.facts import SCOPE_NAMESPACES, FieldSpec, entry_lists, registry
from compliance.core.models.assessment import InputFile
from compliance.core.models.rules import PLACEHOLDER, RulePack
from compliance.core.models.solution import Nis2Sector, Solution, SystemKind
from compliance.core.packs import CompiledRule, LoadedPack
from compliance.core.resources import rules_root
from compliance.core.scoring import SEVERITY_POINTS
from compliance.core.validation import validate_located
from compliance.core.yamlio import Located, Path_, load_text
from compliance.inputs.files import DEFAULT_MAX_BYTES, file_kind, open_regular, read_text
from compliance.inputs.upgrade import check_loadable, explain_replaced_fields

SOLUTION_MAX_BYTES = DEFAULT_MAX_BYTES
PACK_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class LoadedSolution:
    """A validated solution, where it came from, and every file read."""

    solution: Solution
    path: Path
    inputs: list[InputFile]
    located: Located


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a regular file, read in chunks (anything else is an input error)."""
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Solutions


def load_solution(path: Path) -> LoadedSolution:
    """Load and validate a solution file, and check its evidence paths stay in its folder.

    A file of an older version of the format loads when it means the same under the current one;
    otherwise each field that changed is a problem naming what replaced it and `compliance upgrade`.
    """
    text = read_text(path, max_bytes=SOLUTION_MAX_BYTES)
    located = load_text(text, str(path))
    check_loadable(located, text)
    try:
        solution: Solution = validate_located(Solution, located, SolutionError)
    except SolutionError as exc:
        raise SolutionError(explain_replaced_fields(exc.problems)) from None
    inputs = [InputFile(path=str(path), sha256=sha256_file(path), role="solution")]
    inputs += _check_evidence(solution, path, located)
    return LoadedSolution(solution, path, inputs, located)


def validate_text(text: str, file: str) -> Solution:
    """The solution a text states, validated as a file is (for a text about to be written)."""
    located = load_text(text, file)
    check_loadable(located, text)
    try:
        solution: Solution = validate_located(Solution, located, SolutionError)
    except SolutionError as exc:
        raise SolutionError(explain_replaced_fields(exc.problems)) from None
    return solution


def _check_evidence(solution: Solution, path: Path, located: Located) -> list[InputFile]:
    base = path.resolve().parent
    problems: list[Problem] = []
    inputs: list[InputFile] = []
    for kind in ("code", "dependencies", "sboms", "sarif"):
        for index, rel in enumerate(getattr(solution.evidence, kind)):
            where: Path_ = ("evidence", kind, index)
            target = base / rel
            try:
                resolved = target.resolve(strict=True)
            except FileNotFoundError:
                problems.append(located.problem(where, f"'{rel}' does not exist"))
                continue
            except (OSError, RuntimeError) as exc:
                problems.append(located.problem(where, f"'{rel}' cannot be resolved: {exc}"))
                continue
            if not resolved.is_relative_to(base):
                problems.append(
                    located.problem(where, f"'{rel}' leads outside the solution's folder (symlink)")
                )
                continue
            refused = _not_evidence(resolved, kind)
            if refused is not None:
                problems.append(located.problem(where, f"'{rel}' {refused}"))
                continue
            if resolved.is_file():
                inputs.append(
                    InputFile(
                        path=str(path.parent / rel),
                        sha256=sha256_file(resolved),
                        role=f"evidence:{kind}",
                    )
                )
    if problems:
        raise SolutionError(problems)
    return inputs


def _not_evidence(resolved: Path, kind: str) -> str | None:
    """Why a declared file cannot be evidence of its kind, or None. Files must be regular files
    and code may also be a folder: a FIFO, a device or a socket (reached through a link too)
    would make the scanner that reads it wait forever or read without end, so it is refused
    before any reader opens it."""
    try:
        mode = resolved.stat().st_mode
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if stat.S_ISREG(mode) or (kind == "code" and stat.S_ISDIR(mode)):
        return None
    wanted = "a regular file or folder" if kind == "code" else "a regular file"
    return f"is not {wanted} ({file_kind(mode)}): refused"


# ---------------------------------------------------------------------------------------------
# Rule packs


def builtin_pack_files() -> list[Traversable]:
    """The packs shipped in `rules/packs/`, in name order."""
    folder = rules_root().joinpath("packs")
    return sorted((f for f in folder.iterdir() if f.name.endswith((".yaml", ".yml"))), key=lambda f: f.name)


def user_pack_files(folder: Path) -> list[Path]:
    """The packs in a user's folder (recursively), in path order."""
    if not folder.is_dir():
        raise InputError.single(str(folder), "not a folder of rule packs")
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise InputError.single(str(folder), "no rule packs (*.yaml) found in this folder")
    return files


def load_pack_text(text: str, file: str, origin: str) -> LoadedPack:
    """Load one pack from its text. A loaded pack is immutable, so the same text loads once per
    process (a pack that does not load raises every time)."""
    return _load_pack_text(text, file, origin)


@functools.lru_cache(maxsize=128)
def _load_pack_text(text: str, file: str, origin: str) -> LoadedPack:
    if len(text.encode()) > PACK_MAX_BYTES:
        raise RulePackError.single(file, f"rule pack is above the limit of {PACK_MAX_BYTES:,} bytes")
    try:
        located = load_text(text, file)
    except InputError as exc:
        raise RulePackError(exc.problems) from None
    meta: RulePack = validate_located(RulePack, located, RulePackError)
    problems: list[Problem] = []
    compiled: list[CompiledRule] = []
    for index, rule in enumerate(meta.rules):
        where: Path_ = ("rules", index)
        compiler = Compiler(located, rule.scope.value)
        applies = (
            compiler.compile_part(rule.applies_when, (*where, "applies_when"), part="applies_when")
            if rule.applies_when is not None
            else None
        )
        require = compiler.compile_part(rule.require, (*where, "require"), part="require")
        review = (
            compiler.compile_part(rule.review_when, (*where, "review_when"), part="review_when")
            if rule.review_when is not None
            else None
        )
        lower = (
            compiler.compile_part(
                rule.severity_reduced.when, (*where, "severity_reduced", "when"), part="severity_reduced"
            )
            if rule.severity_reduced is not None
            else None
        )
        if (
            rule.severity_reduced is not None
            and SEVERITY_POINTS[rule.severity_reduced.severity] >= (SEVERITY_POINTS[rule.severity])
        ):
            problems.append(
                located.problem(
                    (*where, "severity_reduced", "severity"),
                    f"'{rule.severity_reduced.severity}' is not lower than the rule's severity '{rule.severity}'",
                )
            )
        problems += compiler.problems
        problems += _check_cases(rule.cases, rule.scope.value, located, (*where, "cases"))
        problems += _check_controls(rule, located, where)
        problems += _check_says(rule, (applies, require, review), located, where)
        line, _ = located.where(where)
        compiled.append(
            CompiledRule(
                rule,
                meta.pack,
                rule.framework or meta.framework,
                applies,
                require,
                file,
                line,
                review,
                lower,
            )
        )
    sectors = {s.value for s in Nis2Sector}
    for index, entry in enumerate(meta.sector_transpositions):
        for i, sector in enumerate(entry.sectors):
            if sector not in sectors:
                hint = vocabulary.suggest(sector, sorted(sectors))
                problems.append(
                    located.problem(
                        ("sector_transpositions", index, "sectors", i),
                        f"unknown NIS2 sector '{sector}'" + (f" (did you mean '{hint}'?)" if hint else ""),
                    )
                )
    seen: dict[str, int] = {}
    for index, rule in enumerate(meta.rules):
        if rule.id in seen:
            problems.append(
                located.problem(("rules", index, "id"), f"rule ID '{rule.id}' is used twice in this pack")
            )
        seen[rule.id] = index
    if problems:
        raise RulePackError(problems)
    return LoadedPack(meta, tuple(compiled), origin, file, sha256_bytes(text.encode()))


def _check_says(
    rule: Any, parts: tuple[Condition | None, ...], located: Located, where: Path_
) -> list[Problem]:
    """A rule's sentences fill in only `{target}` (not for a rule about the whole solution) and
    facts the rule reads; `fail_when` names facts its requirement reads."""
    if rule.says is None:
        return []
    reads = {fact for part in parts if part is not None for fact in part.facts}
    required = set(parts[1].facts) if parts[1] is not None else set()
    problems = []
    for key, text in rule.says.texts():
        field = ("says", *key.split(" ", 1))
        if key.startswith("fail_when ") and key.split(" ", 1)[1] not in required:
            problems.append(
                located.problem((*where, *field), f"'{key.split(' ', 1)[1]}' is not read by the requirement")
            )
        for name in re.findall(PLACEHOLDER, text):
            if name == "target" and rule.scope.value == "solution":
                problems.append(
                    located.problem(
                        (*where, *field), "{target} names a flow, party or system: this rule has none"
                    )
                )
            elif name != "target" and name not in reads:
                problems.append(
                    located.problem((*where, *field), f"{{{name}}} is not a fact this rule reads")
                )
        if re.sub(PLACEHOLDER, "", text).count("{") or re.sub(PLACEHOLDER, "", text).count("}"):
            problems.append(located.problem((*where, *field), "a brace that is not a placeholder"))
    return problems


def _check_controls(rule: Any, located: Located, where: Path_) -> list[Problem]:
    """The rule's controls exist in the control catalogue, and a citation of a catalogued
    framework (NIS2, CRA, ISO/IEC 27001, ETSI EN 303 645) names a provision it knows."""
    from compliance.core.controls import catalogue
    from compliance.core.vocabulary import suggest

    cat = catalogue()
    problems: list[Problem] = []
    for i, cid in enumerate(rule.controls):
        if cid not in cat.controls:
            hint = suggest(cid, list(cat.controls))
            problems.append(
                located.problem(
                    (*where, "controls", i),
                    f"unknown control '{cid}'" + (f" (did you mean '{hint}'?)" if hint else ""),
                )
            )
    for jurisdiction, citation in [("", rule.citation), *rule.transposition.items()]:
        problem = cat.check_citation(citation)
        if problem is not None:
            path = (*where, "transposition", jurisdiction) if jurisdiction else (*where, "citation")
            problems.append(located.problem(path, problem))
    return problems


def _check_cases(cases: Iterable[Any], scope: str, located: Located, where: Path_) -> list[Problem]:
    problems: list[Problem] = []
    namespaces = SCOPE_NAMESPACES[scope]
    reg = registry()
    safeguards = vocabulary.safeguards()
    for i, case in enumerate(cases):
        base = (*where, i, "given")
        for ns, facts in case.given.items():
            if ns == "data_systems":
                problems += _check_data_systems(facts, located, (*base, ns))
                continue
            if ns not in namespaces:
                problems.append(
                    located.problem((*base, ns), f"a {scope}-scope case can give {', '.join(namespaces)}")
                )
                continue
            if not isinstance(facts, dict):
                problems.append(located.problem((*base, ns), "facts are given as a mapping"))
                continue
            if ns == "safeguards":
                for key, status in facts.items():
                    if key not in safeguards:
                        problems.append(located.problem((*base, ns, key), safeguards.unknown_message(key)))
                    elif status not in ("implemented", "partial", "planned", "absent"):
                        problems.append(
                            located.problem((*base, ns, key), f"unknown safeguard status '{status}'")
                        )
                continue
            problems += _check_given(facts, ns, reg, located, (*base, ns))
    return problems


def _check_data_systems(systems: Any, located: Located, where: Path_) -> list[Problem]:
    """The systems a case says hold the personal data: each a kind, with its own safeguards (by
    control), its `security.mfa`, and whether it holds personal data for certain."""
    if not isinstance(systems, list):
        return [located.problem(where, "data_systems is a list of systems")]
    problems: list[Problem] = []
    safeguards = vocabulary.safeguards()
    kinds = {k.value for k in SystemKind}
    for i, system in enumerate(systems):
        at = (*where, i)
        if not isinstance(system, dict) or system.get("kind") not in kinds:
            problems.append(located.problem(at, f"each system gives its kind: {', '.join(sorted(kinds))}"))
            continue
        extra = set(system) - {"kind", "safeguards", "security", "certain"}
        if extra:
            problems.append(located.problem(at, f"unknown keys {sorted(extra)}"))
        for key, status in (system.get("safeguards") or {}).items():
            if key not in safeguards:
                problems.append(located.problem((*at, "safeguards", key), safeguards.unknown_message(key)))
            elif status not in ("implemented", "partial", "planned", "absent"):
                problems.append(
                    located.problem((*at, "safeguards", key), f"unknown safeguard status '{status}'")
                )
        if set(system.get("security") or {}) - {"mfa"}:
            problems.append(
                located.problem((*at, "security"), "a case's data system gives only security.mfa")
            )
    return problems


def _check_given(
    facts: dict[str, Any], prefix: str, reg: dict[str, Any], located: Located, where: Path_
) -> list[Problem]:
    problems: list[Problem] = []
    for key, value in facts.items():
        path = f"{prefix}.{key}"
        if path in reg:
            wrong = _wrong_value(reg[path], value)
            if wrong:
                problems.append(located.problem((*where, key), wrong))
            continue
        if isinstance(value, dict) and any(p.startswith(path + ".") for p in reg):
            problems += _check_given(value, path, reg, located, (*where, key))
            continue
        if path in entry_lists():
            problems += _check_entries(value, entry_lists()[path], located, (*where, key))
            continue
        if key in ("id", "name", "roles") and prefix in ("flow", "party", "system"):
            continue
        hint = vocabulary.suggest(path, [p for p in reg if p.startswith(prefix.split(".")[0] + ".")])
        problems.append(
            located.problem(
                (*where, key),
                f"unknown fact '{path}'" + (f" (did you mean '{hint}'?)" if hint else ""),
            )
        )
    return problems


def _check_entries(value: Any, model: type[BaseModel], located: Located, where: Path_) -> list[Problem]:
    """A case's list of entries (`further_processing.new_purposes`), each checked by its model."""
    if not isinstance(value, list):
        return [located.problem(where, "a list of entries")]
    problems: list[Problem] = []
    for i, item in enumerate(value):
        try:
            model.model_validate(item, strict=False)
        except ValidationError as exc:
            for error in exc.errors():
                place = tuple(part for part in error["loc"] if isinstance(part, str | int))
                problems.append(located.problem((*where, i, *place), error["msg"]))
    return problems


def _wrong_value(spec: FieldSpec, value: Any) -> str | None:
    """Why a case's value could never occur in a validated solution, or None when it could."""
    if value is None:
        return None
    if spec.kind == "list":
        if not isinstance(value, list):
            return f"{spec.path} is a list"
        item = FieldSpec(spec.path, spec.item_kind or "str", values=spec.values, vocab=spec.vocab)
        return next((w for w in (_wrong_value(item, v) for v in value) if w), None)
    if spec.kind == "bool":
        return None if isinstance(value, bool) else f"{spec.path} is true or false, not {value!r}"
    if spec.kind in ("int", "number"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"{spec.path} is a number, not {value!r}"
    if spec.kind == "int_or_word" and isinstance(value, int) and not isinstance(value, bool):
        return None
    if spec.values is not None and value not in spec.values:
        hint = vocabulary.suggest(str(value), spec.values)
        return f"'{value}' is not a value of {spec.path}" + (f" (did you mean '{hint}'?)" if hint else "")
    if spec.kind == "str" and not isinstance(value, str):
        return f"{spec.path} is text, not {value!r}"
    return None


def load_packs(extra_dirs: Iterable[Path] = ()) -> list[LoadedPack]:
    """The built-in packs and any user packs; rule IDs must be unique across all of them."""
    packs: list[LoadedPack] = []
    problems: list[Problem] = []
    sources: list[tuple[str, str, str]] = []
    for res in builtin_pack_files():
        sources.append((res.read_text(encoding="utf-8"), f"rules/packs/{res.name}", "built-in"))
    for folder in extra_dirs:
        for pack_file in user_pack_files(folder):
            try:
                text = pack_file.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(Problem(str(pack_file), f"cannot read rule pack: {exc}"))
                continue
            sources.append((text, str(pack_file), str(folder)))
    for text, file, origin in sources:
        try:
            packs.append(load_pack_text(text, file, origin))
        except RulePackError as exc:
            problems += exc.problems
    owners: dict[str, str] = {}
    pack_ids: dict[str, str] = {}
    for pack in packs:
        if pack.meta.pack in pack_ids:
            problems.append(
                Problem(
                    pack.file,
                    f"pack id '{pack.meta.pack}' is also used by {pack_ids[pack.meta.pack]}",
                )
            )
        pack_ids[pack.meta.pack] = pack.file
        for rule in pack.rules:
            if rule.id in owners and owners[rule.id] != pack.file:
                problems.append(
                    Problem(
                        pack.file,
                        f"rule ID '{rule.id}' is also defined in {owners[rule.id]}",
                        rule.line,
                    )
                )
            owners[rule.id] = pack.file
    if problems:
        raise RulePackError(problems)
    return packs


def pack_inputs(packs: Iterable[LoadedPack]) -> list[InputFile]:
    """Input records for user packs (built-in packs are identified by version and hash)."""
    return [
        InputFile(path=p.file, sha256=p.sha256, role="rule-pack") for p in packs if p.origin != "built-in"
    ]
