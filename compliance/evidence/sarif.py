"""SARIF 2.1.0 in: other tools' logs as scan runs (the export is `compliance.outputs.sarif`).

Import reads what evidence needs from a SARIF 2.1.0 log (OASIS Standard, errata 01) of any tool
(Semgrep, CodeQL, firmware analysers...): one `ScanRun` per `runs[]` entry, with the tool, its
results (rule, message, location, severity, CWE) and whether the run succeeded or left artifacts
out.

Every result is kept, with what its producer says about it (`FindingState`). A result with a
suppression whose status is not `rejected` (§3.35) is suppressed by the producer: it still counts,
and its suppression's kind, status and justification are kept for the assessor to judge, because
the party being assessed wrote the log. A result whose `kind` reports no problem (pass,
informational, notApplicable; §3.27.9) is recorded as such, and one that is gone since the
baseline (`baselineState` absent, §3.27.24) as fixed: neither counts as a finding, and neither
ever makes a rule pass.

The log is hostile input: every value is type-checked where it is read, and anything that is not
SARIF as we read it is a `SarifError` naming the file, the JSON path and what is wrong.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from compliance.core.errors import InputError, Problem
from compliance.core.models.scan import (
    FindingState,
    NotAssessed,
    RunStatus,
    ScanFinding,
    ScanRun,
    ScanSeverity,
    Suppression,
)
from compliance.core.yamlio import Path_, format_path
from compliance.inputs.files import read_text

SARIF_VERSION = "2.1.0"
# The `id` of the official schema (OASIS, SARIF v2.1.0 errata 01).
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# CodeQL logs of large code bases run to hundreds of megabytes.
MAX_BYTES = 256 * 1024 * 1024
# Real logs and SBOMs nest a dozen levels or so; far deeper nesting is refused before anything
# walks the document, so that no reader (nor the schema validator) runs out of stack.
MAX_DEPTH = 64
# Python's own limit for turning digits into an integer; a longer number is refused as not JSON.
MAX_DIGITS = 4300

LEVELS = ("error", "warning", "note", "none")  # SARIF §3.27.10
_NO_PROBLEM = frozenset({"pass", "informational", "notApplicable"})  # §3.27.9
_KINDS = frozenset({"fail", "open", "review"}) | _NO_PROBLEM
_SUPPRESSION_KINDS = ("inSource", "external")  # §3.35.3
_SUPPRESSION_STATUSES = ("accepted", "underReview", "rejected")  # §3.35.4
_BASELINE_STATES = ("new", "unchanged", "updated", "absent")  # §3.27.24
_LEVEL_SEVERITY = {
    "error": ScanSeverity.HIGH,
    "warning": ScanSeverity.MEDIUM,
    "note": ScanSeverity.LOW,
    "none": ScanSeverity.INFO,
}
# Relationship kinds (§3.53.3) under which a rule's results fall into the target taxon.
_TAXON_KINDS = frozenset({"relevant", "equal", "superset"})

# Digits are bounded so that no supplier text makes an integer too long to convert.
_CWE_TAG = re.compile(r"^(?:external/cwe/)?cwe[-_ :/]?0*(\d{1,9})\b", re.IGNORECASE)
_CWE_ID = re.compile(r"^(?:cwe-)?0*(\d{1,9})$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(\d{1,9})\}")
# §3.11.6: [text](target), where brackets in the text are escaped. The text may hold no unescaped
# bracket and the target no bracket or parenthesis, so that every attempt stops at the next one:
# the substitution stays linear on text crafted with thousands of brackets.
_EMBEDDED_LINK = re.compile(r"\[((?:[^\[\]\\]|\\.)*+)\]\([^()\[\]\s]++\)")
_SCORE = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{0,12})?|\.\d{1,12})\s*$")
_SHOWN = 80  # characters of a supplier's value quoted in a message
_RULE_ID_LEVELS = 16  # leading parts of a hierarchical rule ID tried when looking its rule up


class SarifError(InputError, ValueError):
    """A file that is not a SARIF 2.1.0 log we can read: the file, where in it, what is wrong."""


# ---------------------------------------------------------------------------------------------
# Reading JSON with located errors


@dataclass(frozen=True)
class JsonReader:
    """Typed access to a parsed JSON log that reports the file and JSON path of a wrong value.

    Shared by the SARIF and CycloneDX importers; each raises its own error class.
    """

    file: str
    error_class: type[InputError] = SarifError

    def error(self, where: Path_, message: str) -> InputError:
        """The error for a wrong value at `where`, e.g. `runs[0].results[3].level: ...`."""
        return self.error_class([Problem(self.file, message, path=json_path(where))])

    def object(self, value: Any, where: Path_) -> dict[str, Any]:
        """`value` itself, which must be an object."""
        if not isinstance(value, dict):
            raise self.error(where, f"expected an object, found {json_type(value)}")
        return value

    def optional(self, parent: Mapping[str, Any], key: str, kind: type, where: Path_) -> Any:
        """`parent[key]` of JSON type `kind`, or None when it is absent or null."""
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.error((*where, key), f"expected {_KIND_NAMES[kind]}, found {json_type(value)}")
        return value

    def text(self, parent: Mapping[str, Any], key: str, where: Path_) -> str | None:
        """An optional string property."""
        value: str | None = self.optional(parent, key, str, where)
        return value

    def integer(self, parent: Mapping[str, Any], key: str, where: Path_, minimum: int = 0) -> int | None:
        """An optional integer property, at least `minimum` and at most 2**53 (JSON's safe range)."""
        value: int | None = self.optional(parent, key, int, where)
        if value is not None and value < minimum:
            raise self.error((*where, key), f"must be at least {minimum}, found {shown(value)}")
        if value is not None and value > _LARGEST_SAFE_INT:
            raise self.error((*where, key), f"must be at most {_LARGEST_SAFE_INT}, found {shown(value)}")
        return value

    def number(self, parent: Mapping[str, Any], key: str, where: Path_) -> float | None:
        """An optional number property (a finite one: an integer too large for a float is refused)."""
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error((*where, key), f"expected a number, found {json_type(value)}")
        if isinstance(value, int) and abs(value) > _LARGEST_FLOAT_INT:
            raise self.error((*where, key), f"expected a number, found {shown(value)}, which is too large")
        if not math.isfinite(value):
            raise self.error((*where, key), f"expected a finite number, found {value}")
        return float(value)

    def child(self, parent: Mapping[str, Any], key: str, where: Path_) -> dict[str, Any]:
        """An optional object property, or an empty object when it is absent."""
        value: dict[str, Any] | None = self.optional(parent, key, dict, where)
        return value or {}

    def objects(
        self, parent: Mapping[str, Any], key: str, where: Path_
    ) -> list[tuple[Path_, dict[str, Any]]]:
        """An optional array of objects, each with its JSON path."""
        items: list[Any] | None = self.optional(parent, key, list, where)
        return [((*where, key, i), self.object(item, (*where, key, i))) for i, item in enumerate(items or [])]

    def strings(self, parent: Mapping[str, Any], key: str, where: Path_) -> list[str]:
        """An optional array of strings, empty when absent."""
        items: list[Any] | None = self.optional(parent, key, list, where)
        for i, item in enumerate(items or []):
            if not isinstance(item, str):
                raise self.error((*where, key, i), f"expected a string, found {json_type(item)}")
        return list(items or [])


_KIND_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    dict: "an object",
    list: "an array",
}
_LARGEST_SAFE_INT = 2**53
_LARGEST_FLOAT_INT = 2**1023  # larger integers have no float: comparing them to one raises


def json_type(value: Any) -> str:
    """The JSON type of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def shown(value: Any, *, quote: bool = True) -> str:
    """A supplier's value as quoted in a message: short, with control characters escaped.

    Values of any length or content reach the readers; a message quotes at most `_SHOWN`
    characters of a string, a number only when it is short, and of anything else its type.
    """
    if isinstance(value, str):
        clipped = value if len(value) <= _SHOWN else value[:_SHOWN]
        text = repr(clipped) if quote else repr(clipped)[1:-1]
        return text if clipped is value else f"{text}... ({len(value):,} characters)"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        digits = len(str(abs(value)))  # within MAX_DIGITS: the parser refuses longer ones
        return str(value) if digits <= 20 else f"a number of {digits:,} digits"
    if isinstance(value, float):
        return repr(value)
    return json_type(value)


def json_path(where: Path_) -> str:
    """`('runs', 0, 'results')` as `runs[0].results`, supplier keys clipped and escaped."""
    return format_path(tuple(part if isinstance(part, int) else shown(part, quote=False) for part in where))


class _NotJsonError(ValueError):
    """A value the JSON standard does not have (NaN, Infinity) or a number too long to convert."""

    def __init__(self, literal: str, message: str) -> None:
        super().__init__(message)
        self.literal = literal


def _constant(literal: str) -> Any:
    raise _NotJsonError(literal, f"{literal} is not a JSON value")


def _integer(digits: str) -> int:
    if len(digits) > MAX_DIGITS:
        raise _NotJsonError(digits, f"a number of {len(digits):,} digits is too long")
    return int(digits)


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NotJsonError(literal, f"{shown(literal, quote=False)} is too large for a number")
    return value


def parse_json(text: str, file: str, error: type[InputError]) -> Any:
    """Parse JSON text strictly (no NaN or Infinity, no number past the limits), then refuse
    nesting deeper than `MAX_DEPTH`: every failure is `error` naming the file and the place."""
    try:
        document = json.loads(text, parse_constant=_constant, parse_int=_integer, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise error([Problem(file, f"not valid JSON: {exc.msg}", exc.lineno, exc.colno)]) from None
    except _NotJsonError as exc:
        line, column = _position(text, exc.literal)
        raise error([Problem(file, f"not valid JSON: {exc}", line, column)]) from None
    except RecursionError:
        raise error([Problem(file, "not valid JSON: nested too deeply")]) from None
    deep = too_deep(document, MAX_DEPTH)
    if deep is not None:
        raise error(
            [Problem(file, f"nested more than {MAX_DEPTH} levels deep; refused", path=json_path(deep))]
        )
    return document


def _position(text: str, literal: str) -> tuple[int | None, int | None]:
    """Line and column of the first place `literal` stands as a value (not inside a string)."""
    for match in re.finditer(re.escape(literal), text):
        before = text[max(0, match.start() - 1)]
        if match.start() == 0 or before in " \t\r\n:,[":
            line = text.count("\n", 0, match.start()) + 1
            return line, match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    return None, None


def too_deep(document: Any, limit: int) -> Path_ | None:
    """The JSON path of the first array or object nested more than `limit` levels deep, if any.

    Walks with an explicit stack, so that a document of any depth is measured without recursion.
    """
    if not isinstance(document, dict | list):
        return None
    path: list[str | int] = []
    stack = [_entries(document)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            if path:
                path.pop()
            continue
        key, child = entry
        if isinstance(child, dict | list):
            path.append(key)
            if len(path) > limit:
                return tuple(path)
            stack.append(_entries(child))
    return None


def _entries(container: dict[str, Any] | list[Any]) -> Iterator[tuple[str | int, Any]]:
    return iter(container.items()) if isinstance(container, dict) else enumerate(container)


def read_json(path: Path, error: type[InputError], max_bytes: int = MAX_BYTES) -> Any:
    """Read and parse a JSON file (`parse_json`), turning every way it can fail into `error`."""
    return parse_json(read_input(path, error, max_bytes), str(path), error)


def read_input(path: Path, error: type[InputError], max_bytes: int) -> str:
    """A UTF-8 text file of at most `max_bytes`, its problems raised as `error`."""
    if "\0" in str(path):
        raise error([Problem(repr(str(path)), "a file name cannot contain a NUL byte")])
    try:
        return read_text(path, max_bytes=max_bytes)
    except InputError as exc:
        raise error(exc.problems) from exc


# ---------------------------------------------------------------------------------------------
# Import


def import_sarif(path: Path, *, root: Path | None = None) -> list[ScanRun]:
    """Read a SARIF 2.1.0 log: one scan run per `runs[]` entry, its results as findings.

    File locations are kept relative as the log gives them; an absolute `file:` URI is made
    relative to `root` (the scanned folder) or to a base the log itself declares
    (`originalUriBaseIds`, the invocation's working directory), and kept absolute otherwise.
    """
    reader = JsonReader(str(path))
    log = reader.object(read_json(path, SarifError), ())
    missing = [key for key in ("version", "runs") if key not in log]
    if missing:
        raise reader.error(
            (), f"not a SARIF log: no {' or '.join(map(repr, missing))} (a SARIF 2.1.0 log has both)"
        )
    version = log["version"]
    if version != SARIF_VERSION:
        raise reader.error(("version",), f"SARIF version {shown(version)} is not supported; only '2.1.0' is")
    if log["runs"] is None:
        # §3.13.4: null runs means the producer tried to populate them and failed.
        return [_empty_run(path, RunStatus.FAILED, "the log's runs are null: the tool that wrote it failed")]
    runs = reader.objects(log, "runs", ())
    if not runs:
        return [_empty_run(path, RunStatus.NOT_RUN, "the log contains no runs: nothing was analysed")]
    roots = [root.resolve().as_posix()] if root is not None else []
    return [_import_run(reader, run, where, path, roots) for where, run in runs]


def _empty_run(path: Path, status: RunStatus, reason: str) -> ScanRun:
    return ScanRun(tool="unknown", status=status, kind="sarif", inputs=[str(path)], errors=[reason])


@dataclass(frozen=True)
class _RunContext:
    """What results of one run are read against: its tool components, taxonomies and bases."""

    reader: JsonReader
    where: Path_
    components: list[tuple[Path_, dict[str, Any]]]  # the driver, then the extensions
    taxonomies: list[dict[str, Any]]
    artifacts: list[dict[str, Any]]
    bases: dict[str, str]  # uriBaseId -> absolute base path, where the log declares one
    roots: list[str]  # absolute folders that absolute paths are made relative to
    # each tool component's rules, and those by ID, keyed by id() of the component (read once)
    rules: dict[int, tuple[list[tuple[Path_, dict[str, Any]]], dict[str, _Rule]]] = field(
        default_factory=dict
    )


def _import_run(
    reader: JsonReader, run: dict[str, Any], where: Path_, path: Path, roots: list[str]
) -> ScanRun:
    tool = reader.object(run.get("tool"), (*where, "tool"))
    driver = reader.object(tool.get("driver"), (*where, "tool", "driver"))
    name = reader.text(driver, "name", (*where, "tool", "driver"))
    if not name:
        raise reader.error((*where, "tool", "driver", "name"), "the tool has no name")
    driver_where = (*where, "tool", "driver")
    version = reader.text(driver, "semanticVersion", driver_where) or reader.text(
        driver, "version", driver_where
    )
    bases = _declared_bases(reader, run, where)
    context = _RunContext(
        reader=reader,
        where=where,
        components=[(driver_where, driver), *reader.objects(tool, "extensions", (*where, "tool"))],
        taxonomies=[t for _, t in reader.objects(run, "taxonomies", where)],
        artifacts=[a for _, a in reader.objects(run, "artifacts", where)],
        bases=bases,
        roots=[*roots, *(b for b in bases.values())],
    )
    findings = [
        _finding(context, name, result, result_where)
        for result_where, result in reader.objects(run, "results", where)
    ]
    status, errors, not_assessed, exit_code, command = _outcome(context, run)
    return ScanRun(
        tool=name,
        version=version,
        status=status,
        kind="sarif",
        inputs=[str(path)],
        command=command,
        exit_code=exit_code,
        findings=findings,
        not_assessed=not_assessed,
        errors=errors,
    )


def _declared_bases(reader: JsonReader, run: dict[str, Any], where: Path_) -> dict[str, str]:
    """Absolute file bases the log declares: `originalUriBaseIds` and the working directory."""
    bases: dict[str, str] = {}
    for base_id, value in reader.child(run, "originalUriBaseIds", where).items():
        location = reader.object(value, (*where, "originalUriBaseIds", base_id))
        uri = reader.text(location, "uri", (*where, "originalUriBaseIds", base_id))
        if uri and (absolute := absolute_file(uri)) is not None:
            bases[base_id] = absolute
    for inv_where, invocation in reader.objects(run, "invocations", where):
        directory = reader.child(invocation, "workingDirectory", inv_where)
        uri = reader.text(directory, "uri", (*inv_where, "workingDirectory"))
        if uri and (absolute := absolute_file(uri)) is not None:
            bases.setdefault(f"(working directory {len(bases)})", absolute)
    return bases


def _finding(context: _RunContext, tool: str, result: dict[str, Any], where: Path_) -> ScanFinding:
    reader = context.reader
    state, suppression = _producer_state(reader, result, where)
    rule = _descriptor(context, result, where) or _Rule((*where, "rule"), {})
    rule_id = (
        reader.text(result, "ruleId", where)
        or reader.text(reader.child(result, "rule", where), "id", (*where, "rule"))
        or reader.text(rule.data, "id", rule.where)
    )
    if not rule_id:
        raise reader.error(where, "the result names no rule (ruleId, rule.id or ruleIndex)")
    level = _level(reader, result, rule, where)
    score_text, score = _security_severity(reader, result, rule, where)
    severity = _LEVEL_SEVERITY[level] if score is None else severity_from_score(score)
    file, line, column = _location(context, result, where)
    properties = reader.child(result, "properties", where)
    confidence = reader.child(rule.data, "properties", rule.where).get("precision")
    return ScanFinding(
        tool=tool,
        rule_id=rule_id,
        message=_message(context, result, rule, where) or rule_id,
        severity=severity,
        tool_severity=score_text if score_text is not None else level,
        confidence=confidence if isinstance(confidence, str) else None,
        cwe=_cwes(context, result, rule, where),
        file=file,
        line=line,
        column=column,
        package=_str_property(properties, "package"),
        version=_str_property(properties, "version"),
        advisory_ids=_list_property(properties, "advisoryIds"),
        aliases=_list_property(properties, "aliases"),
        fixed_versions=_list_property(properties, "fixedVersions"),
        state=state,
        suppression=suppression,
    )


def _producer_state(
    reader: JsonReader, result: dict[str, Any], where: Path_
) -> tuple[FindingState, Suppression | None]:
    """What the log says about the result: no problem (its kind), fixed (gone since the
    baseline), suppressed (its first suppression that is not rejected), or nothing: open."""
    kind = reader.text(result, "kind", where) or "fail"
    if kind not in _KINDS:
        raise reader.error(
            (*where, "kind"), f"unknown result kind {shown(kind)}; expected one of {sorted(_KINDS)}"
        )
    baseline = reader.text(result, "baselineState", where)
    if baseline is not None and baseline not in _BASELINE_STATES:
        raise reader.error(
            (*where, "baselineState"),
            f"unknown baseline state {shown(baseline)}; expected one of {list(_BASELINE_STATES)}",
        )
    suppression = _suppression(reader, result, where)
    if kind in _NO_PROBLEM:
        return FindingState.NO_PROBLEM, None
    if baseline == "absent":
        return FindingState.FIXED, None
    if suppression is not None:
        return FindingState.SUPPRESSED_BY_PRODUCER, suppression
    return FindingState.OPEN, None


def _suppression(reader: JsonReader, result: dict[str, Any], where: Path_) -> Suppression | None:
    """The first suppression (§3.35) whose status is not `rejected`; an empty array has none."""
    found: Suppression | None = None
    for item_where, item in reader.objects(result, "suppressions", where):
        kind = reader.text(item, "kind", item_where)
        if kind not in _SUPPRESSION_KINDS:
            detail = "the suppression has no kind" if kind is None else f"unknown kind {shown(kind)}"
            raise reader.error((*item_where, "kind"), f"{detail}; expected one of {list(_SUPPRESSION_KINDS)}")
        status = reader.text(item, "status", item_where)
        if status is not None and status not in _SUPPRESSION_STATUSES:
            raise reader.error(
                (*item_where, "status"),
                f"unknown status {shown(status)}; expected one of {list(_SUPPRESSION_STATUSES)}",
            )
        justification = reader.text(item, "justification", item_where)
        if found is None and status != "rejected":
            found = Suppression(kind=kind, status=status, justification=justification or None)
    return found


def _str_property(properties: Mapping[str, Any], key: str) -> str | None:
    value = properties.get(key)
    return value if isinstance(value, str) else None


def _list_property(properties: Mapping[str, Any], key: str) -> list[str]:
    value = properties.get(key)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return []


@dataclass(frozen=True)
class _Rule:
    """A rule's reportingDescriptor and its place in the log; empty when the tool lists none."""

    where: Path_
    data: dict[str, Any]


def _descriptor(context: _RunContext, result: dict[str, Any], where: Path_) -> _Rule | None:
    """The rule's reportingDescriptor (§3.52.3): by index into its component, else by ID."""
    reader = context.reader
    reference = reader.child(result, "rule", where)
    index = reader.integer(reference, "index", (*where, "rule"), minimum=-1)
    if index is None or index == -1:
        index = reader.integer(result, "ruleIndex", where, minimum=-1)
    component_where, component = _component(context, reference, (*where, "rule"))
    rules, by_id = _rules(context, component_where, component)
    if index is not None and index >= 0:
        if index >= len(rules):
            raise reader.error(
                (*where, "ruleIndex"),
                f"rule index {shown(index)} is out of range: the tool lists {len(rules)} rule(s)",
            )
        return _Rule(*rules[index])
    rule_id = reader.text(result, "ruleId", where) or reader.text(reference, "id", (*where, "rule"))
    if not rule_id:
        return None
    # A ruleId is hierarchical (§3.27.5): its leading components name the rule. Real IDs have a
    # few levels; a crafted one with thousands of '/' is tried at its first few only.
    candidate = rule_id
    for _ in range(_RULE_ID_LEVELS):
        if (found := by_id.get(candidate)) is not None:
            return found
        cut = candidate.rfind("/")
        if cut < 0:
            break
        candidate = candidate[:cut]
    return None


def _rules(
    context: _RunContext, component_where: Path_, component: dict[str, Any]
) -> tuple[list[tuple[Path_, dict[str, Any]]], dict[str, _Rule]]:
    """A tool component's rules, and those with an ID by their ID: read once per run."""
    cached = context.rules.get(id(component))
    if cached is None:
        rules = context.reader.objects(component, "rules", component_where)
        by_id: dict[str, _Rule] = {}
        for rule_where, rule in rules:
            rule_id = context.reader.text(rule, "id", rule_where)
            if rule_id is not None:
                by_id.setdefault(rule_id, _Rule(rule_where, rule))
        cached = context.rules[id(component)] = (rules, by_id)
    return cached


def _component(
    context: _RunContext, reference: Mapping[str, Any], where: Path_
) -> tuple[Path_, dict[str, Any]]:
    """The tool component a reportingDescriptorReference points into; the driver by default."""
    reader = context.reader
    component_ref = reader.child(reference, "toolComponent", where)
    if not component_ref:
        return context.components[0]
    index = reader.integer(component_ref, "index", (*where, "toolComponent"), minimum=-1)
    extensions = context.components[1:]
    if index is not None and index >= 0:
        if index >= len(extensions):
            raise reader.error(
                (*where, "toolComponent", "index"),
                f"tool component index {shown(index)} is out of range: the tool has {len(extensions)} extension(s)",
            )
        return extensions[index]
    name = reader.text(component_ref, "name", (*where, "toolComponent"))
    guid = reader.text(component_ref, "guid", (*where, "toolComponent"))
    for candidate in context.components:
        if (name and candidate[1].get("name") == name) or (guid and candidate[1].get("guid") == guid):
            return candidate
    return context.components[0]


def _level(reader: JsonReader, result: dict[str, Any], rule: _Rule, where: Path_) -> str:
    """The result's level (§3.27.10): its own, else its rule's default, else 'warning'.

    Results a tool could not decide (`kind` open or review) carry level 'none' by the standard;
    they count at their rule's level, because an undecided problem is not a minor one.
    """
    level = reader.text(result, "level", where)
    if level is not None and level not in LEVELS:
        raise reader.error((*where, "level"), f"unknown level {shown(level)}; expected one of {list(LEVELS)}")
    if level is not None and level != "none":
        return level
    if level == "none" and (reader.text(result, "kind", where) or "fail") == "fail":
        return level
    configuration = reader.child(rule.data, "defaultConfiguration", rule.where)
    default = reader.text(configuration, "level", (*rule.where, "defaultConfiguration"))
    if default is not None and default not in LEVELS:
        raise reader.error(
            (*rule.where, "defaultConfiguration", "level"),
            f"unknown level {shown(default)}; expected one of {list(LEVELS)}",
        )
    return default or "warning"


def _security_severity(
    reader: JsonReader, result: dict[str, Any], rule: _Rule, where: Path_
) -> tuple[str | None, float | None]:
    """The CVSS-like `security-severity` property (0.0-10.0) of the result, else of its rule."""
    for owner, owner_where in ((result, where), (rule.data, rule.where)):
        properties = reader.child(owner, "properties", owner_where)
        if (value := properties.get("security-severity")) is None:
            continue
        key = (*owner_where, "properties", "security-severity")
        score = _score(value)
        if score is None or not 0.0 <= score <= 10.0:
            raise reader.error(key, f"expected a score from 0.0 to 10.0, found {shown(value)}")
        return value.strip() if isinstance(value, str) else str(value), score
    return None, None


def _score(value: Any) -> float | None:
    """A score written as a number or as decimal text (`"7.5"`); None for anything else."""
    if isinstance(value, str):
        return float(value) if _SCORE.match(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) <= 100 else None
    return value if math.isfinite(value) else None


def severity_from_score(score: float) -> ScanSeverity:
    """Our severity of a CVSS v3/v4 score: 9.0+ critical, 7.0+ high, 4.0+ medium, above 0 low."""
    if score >= 9.0:
        return ScanSeverity.CRITICAL
    if score >= 7.0:
        return ScanSeverity.HIGH
    if score >= 4.0:
        return ScanSeverity.MEDIUM
    if score > 0.0:
        return ScanSeverity.LOW
    return ScanSeverity.INFO


def _message(context: _RunContext, result: dict[str, Any], rule: _Rule, where: Path_) -> str:
    """The result's message as plain text: looked up by id (§3.11.7), arguments filled in."""
    reader = context.reader
    if not isinstance(result.get("message"), dict):
        raise reader.error((*where, "message"), "the result has no message object")
    message = result["message"]
    text = reader.text(message, "text", (*where, "message"))
    if text is None and (message_id := reader.text(message, "id", (*where, "message"))):
        for strings in (
            reader.child(rule.data, "messageStrings", rule.where),
            reader.child(context.components[0][1], "globalMessageStrings", context.components[0][0]),
        ):
            if isinstance(entry := strings.get(message_id), dict) and isinstance(entry.get("text"), str):
                text = entry["text"]
                break
    if text is None:
        text = reader.text(message, "markdown", (*where, "message")) or ""
    arguments = reader.strings(message, "arguments", (*where, "message"))
    if arguments:
        text = _PLACEHOLDER.sub(lambda m: arguments[int(m[1])] if int(m[1]) < len(arguments) else m[0], text)
    text = _EMBEDDED_LINK.sub(lambda m: re.sub(r"\\([\[\]])", r"\1", m[1]), text)
    return text.strip()


def _location(
    context: _RunContext, result: dict[str, Any], where: Path_
) -> tuple[str | None, int | None, int | None]:
    """File, line and column of the result's first physical location."""
    reader = context.reader
    for loc_where, location in reader.objects(result, "locations", where):
        physical = reader.child(location, "physicalLocation", loc_where)
        if not physical:
            continue
        physical_where = (*loc_where, "physicalLocation")
        file = _artifact_path(
            context, reader.child(physical, "artifactLocation", physical_where), physical_where
        )
        region = reader.child(physical, "region", physical_where)
        line = reader.integer(region, "startLine", (*physical_where, "region"), minimum=1)
        column = reader.integer(region, "startColumn", (*physical_where, "region"), minimum=1)
        return file, line, column
    return None, None, None


def _artifact_path(context: _RunContext, artifact: Mapping[str, Any], where: Path_) -> str | None:
    """An artifactLocation as a '/'-separated path, relative where the log allows."""
    reader = context.reader
    artifact_where = (*where, "artifactLocation")
    uri = reader.text(artifact, "uri", artifact_where)
    base_id = reader.text(artifact, "uriBaseId", artifact_where)
    index = reader.integer(artifact, "index", artifact_where, minimum=-1)
    if uri is None and index is not None and 0 <= index < len(context.artifacts):
        cached = reader.child(context.artifacts[index], "location", (*context.where, "artifacts", index))
        uri = reader.text(cached, "uri", (*context.where, "artifacts", index, "location"))
        base_id = base_id or reader.text(
            cached, "uriBaseId", (*context.where, "artifacts", index, "location")
        )
    if not uri:
        return None
    parts = split_uri(uri)
    if parts is None:
        raise reader.error((*artifact_where, "uri"), f"{shown(uri)} is not a valid URI")
    absolute = absolute_file(uri)
    relative: str | None = None
    if absolute is None:
        if parts.scheme:
            return uri  # another scheme (https:, sarif:): not a file we can name better
        relative = clean_relative(unquote(uri))
        base = context.bases.get(base_id) if base_id else None
        if base is None:
            return relative
        # Relative to a base the log declares: relative to the scanned folder, if that is known.
        absolute = f"{base.rstrip('/')}/{relative}"
    for root in context.roots:
        if (relative_to_root := relative_to(absolute, root)) is not None:
            return relative_to_root
    return relative if relative is not None else absolute


def split_uri(uri: str) -> SplitResult | None:
    """The parts of a URI, or None for text that `urlsplit` refuses (`http://[::1`)."""
    try:
        return urlsplit(uri)
    except ValueError:
        return None


def absolute_file(uri: str) -> str | None:
    """The absolute '/'-separated path of a `file:` URI or an absolute path; None otherwise."""
    parts = split_uri(uri)
    if parts is not None and parts.scheme == "file":
        path = unquote(parts.path)
        if re.match(r"^/[A-Za-z]:", path):
            path = path[1:]  # file:///C:/x -> C:/x
        return path
    if re.match(r"^[A-Za-z]:[\\/]", uri):
        return PureWindowsPath(uri).as_posix()
    if uri.startswith("/"):
        return unquote(uri)
    return None


def clean_relative(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path


def relative_to(path: str, root: str) -> str | None:
    prefix = root.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) and len(path) > len(prefix) else None


def _cwes(context: _RunContext, result: dict[str, Any], rule: _Rule, where: Path_) -> list[str]:
    """CWE IDs from the rule's tags ('external/cwe/cwe-079', 'CWE-79: ...'), relationships and taxa."""
    reader = context.reader
    found: list[str] = []
    properties = reader.child(rule.data, "properties", rule.where)
    for tag in reader.strings(properties, "tags", (*rule.where, "properties")):
        if match := _CWE_TAG.match(tag.strip()):
            found.append(f"CWE-{int(match[1])}")
    for rel_where, relationship in reader.objects(rule.data, "relationships", rule.where):
        kinds = reader.strings(relationship, "kinds", rel_where) or ["relevant"]
        if _TAXON_KINDS.isdisjoint(kinds):
            continue
        target = reader.object(relationship.get("target"), (*rel_where, "target"))
        found.extend(_taxon_cwe(context, target, (*rel_where, "target")))
    for taxon_where, taxon in reader.objects(result, "taxa", where):
        found.extend(_taxon_cwe(context, taxon, taxon_where))
    return list(dict.fromkeys(found))


def _taxon_cwe(context: _RunContext, reference: Mapping[str, Any], where: Path_) -> list[str]:
    """'CWE-n' when a reportingDescriptorReference names a taxon of the CWE taxonomy."""
    reader = context.reader
    component_ref = reader.child(reference, "toolComponent", where)
    name = reader.text(component_ref, "name", (*where, "toolComponent"))
    component_index = reader.integer(component_ref, "index", (*where, "toolComponent"), minimum=-1)
    taxonomy: dict[str, Any] = {}
    if component_index is not None and 0 <= component_index < len(context.taxonomies):
        taxonomy = context.taxonomies[component_index]
        name = name or taxonomy.get("name")
    if not isinstance(name, str) or name.upper() != "CWE":
        return []
    taxon_id = reader.text(reference, "id", where)
    index = reader.integer(reference, "index", where, minimum=-1)
    taxa = taxonomy.get("taxa")
    if taxon_id is None and index is not None and isinstance(taxa, list) and 0 <= index < len(taxa):
        taxon_id = taxa[index].get("id") if isinstance(taxa[index], dict) else None
    if isinstance(taxon_id, str) and (match := _CWE_ID.match(taxon_id.strip())):
        return [f"CWE-{int(match[1])}"]
    return []


def _outcome(
    context: _RunContext, run: dict[str, Any]
) -> tuple[RunStatus, list[str], list[NotAssessed], int | None, list[str]]:
    """Status, errors and what was not assessed, from the invocations (§3.20) and notifications.

    A run failed when an invocation says `executionSuccessful: false`; its notifications are the
    errors. A run that succeeded but has error notifications is incomplete: those naming an
    artifact list it as not assessed, the others are errors.
    """
    reader = context.reader
    invocations = reader.objects(run, "invocations", context.where)
    failed = any(
        reader.optional(invocation, "executionSuccessful", bool, inv_where) is False
        for inv_where, invocation in invocations
    )
    errors: list[str] = []
    warnings: list[str] = []  # the errors of a failed run that names no error
    not_assessed: list[NotAssessed] = []
    for inv_where, invocation in invocations:
        for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
            for note_where, notification in reader.objects(invocation, key, inv_where):
                level = reader.text(notification, "level", note_where) or "warning"  # §3.58.6
                if level not in LEVELS:
                    raise reader.error(
                        (*note_where, "level"),
                        f"unknown level {shown(level)}; expected one of {list(LEVELS)}",
                    )
                text = _notification_text(reader, notification, note_where)
                items = _notification_items(context, notification, note_where)
                if level == "warning":
                    warnings.append(text)
                elif level != "error":
                    continue
                elif failed or not items:
                    errors.append(f"{', '.join(items)}: {text}" if items else text)
                else:
                    not_assessed.extend(NotAssessed(item=item, reason=text) for item in items)
    if failed:
        for inv_where, invocation in invocations:
            for key in ("processStartFailureMessage", "exitCodeDescription"):
                if detail := reader.text(invocation, key, inv_where):
                    errors.append(detail)
        errors = (
            errors or warnings or ["the tool reported that its run failed (executionSuccessful is false)"]
        )
        status = RunStatus.FAILED
    elif errors or not_assessed:
        status = RunStatus.INCOMPLETE
    else:
        status = RunStatus.COMPLETED
    exit_code: int | None = None
    command: list[str] = []
    if invocations:
        first_where, first = invocations[0]
        exit_code = reader.integer(first, "exitCode", first_where, minimum=-_LARGEST_SAFE_INT)
        command = reader.strings(first, "arguments", first_where)
    return status, errors, not_assessed, exit_code, command


def _notification_text(reader: JsonReader, notification: dict[str, Any], where: Path_) -> str:
    message = reader.child(notification, "message", where)
    text = reader.text(message, "text", (*where, "message")) or reader.text(
        message, "markdown", (*where, "message")
    )
    if not text:
        descriptor = reader.child(notification, "descriptor", where)
        text = reader.text(descriptor, "id", (*where, "descriptor")) or "(no message)"
    return text.strip()


def _notification_items(context: _RunContext, notification: dict[str, Any], where: Path_) -> list[str]:
    """The artifacts (or, failing that, logical locations) a notification is about."""
    reader = context.reader
    items: list[str] = []
    for loc_where, location in reader.objects(notification, "locations", where):
        physical = reader.child(location, "physicalLocation", loc_where)
        physical_where = (*loc_where, "physicalLocation")
        artifact = reader.child(physical, "artifactLocation", physical_where)
        path = _artifact_path(context, artifact, physical_where) if artifact else None
        if path:
            items.append(path)
            continue
        for logical_where, logical in reader.objects(location, "logicalLocations", loc_where):
            name = reader.text(logical, "fullyQualifiedName", logical_where) or reader.text(
                logical, "name", logical_where
            )
            if name:
                items.append(name)
    return list(dict.fromkeys(items))
