"""SARIF 2.1.0 in: other tools' logs as scan runs (the export is `compliance.outputs.sarif`).

Import reads what evidence needs from a SARIF 2.1.0 log (OASIS Standard, errata 01) of any tool
(Semgrep, CodeQL, firmware analysers...): one `ScanRun` per `runs[]` entry, with the tool, its
results (rule, message, location, severity, CWE) and whether the run succeeded or left artifacts
out. Results that report no problem (`kind` pass, informational, notApplicable; SARIF §3.27.9) and
results of a baseline that are gone (`baselineState` absent, §3.27.24) are not findings.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any
from urllib.parse import unquote, urlsplit

from compliance.core.errors import InputError, Problem
from compliance.core.models.scan import NotAssessed, RunStatus, ScanFinding, ScanRun, ScanSeverity
from compliance.core.yamlio import Path_, format_path
from compliance.inputs.files import read_text

SARIF_VERSION = "2.1.0"
# The `id` of the official schema (OASIS, SARIF v2.1.0 errata 01).
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# CodeQL logs of large code bases run to hundreds of megabytes.
MAX_BYTES = 256 * 1024 * 1024

LEVELS = ("error", "warning", "note", "none")  # SARIF §3.27.10
_NOT_FINDINGS = frozenset({"pass", "informational", "notApplicable"})  # §3.27.9
_KINDS = frozenset({"fail", "open", "review"}) | _NOT_FINDINGS
_LEVEL_SEVERITY = {
    "error": ScanSeverity.HIGH,
    "warning": ScanSeverity.MEDIUM,
    "note": ScanSeverity.LOW,
    "none": ScanSeverity.INFO,
}
# Relationship kinds (§3.53.3) under which a rule's results fall into the target taxon.
_TAXON_KINDS = frozenset({"relevant", "equal", "superset"})

_CWE_TAG = re.compile(r"^(?:external/cwe/)?cwe[-_ :/]?0*(\d+)\b", re.IGNORECASE)
_CWE_ID = re.compile(r"^(?:cwe-)?0*(\d+)$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_EMBEDDED_LINK = re.compile(r"\[((?:[^\]\\]|\\.)*)\]\((?:[^)\s]+)\)")  # §3.11.6: [text](target)


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
        return self.error_class([Problem(self.file, message, path=format_path(where))])

    def object(self, value: Any, where: Path_) -> dict[str, Any]:
        """`value` itself, which must be an object."""
        if not isinstance(value, dict):
            raise self.error(where, f"expected an object, found {_json_type(value)}")
        return value

    def optional(self, parent: Mapping[str, Any], key: str, kind: type, where: Path_) -> Any:
        """`parent[key]` of JSON type `kind`, or None when it is absent or null."""
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.error((*where, key), f"expected {_KIND_NAMES[kind]}, found {_json_type(value)}")
        return value

    def text(self, parent: Mapping[str, Any], key: str, where: Path_) -> str | None:
        """An optional string property."""
        value: str | None = self.optional(parent, key, str, where)
        return value

    def integer(self, parent: Mapping[str, Any], key: str, where: Path_, minimum: int = 0) -> int | None:
        """An optional integer property, at least `minimum`."""
        value: int | None = self.optional(parent, key, int, where)
        if value is not None and value < minimum:
            raise self.error((*where, key), f"must be at least {minimum}, found {value}")
        return value

    def number(self, parent: Mapping[str, Any], key: str, where: Path_) -> float | None:
        """An optional number property."""
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.error((*where, key), f"expected a number, found {_json_type(value)}")
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
                raise self.error((*where, key, i), f"expected a string, found {_json_type(item)}")
        return list(items or [])


_KIND_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    dict: "an object",
    list: "an array",
}


def _json_type(value: Any) -> str:
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


def read_json(path: Path, error: type[InputError], max_bytes: int = MAX_BYTES) -> Any:
    """Parse a JSON file, turning every way it can fail into `error` naming the file."""
    try:
        text = read_text(path, max_bytes=max_bytes)
    except InputError as exc:
        raise error(exc.problems) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error([Problem(str(path), f"not valid JSON: {exc.msg}", exc.lineno, exc.colno)]) from None
    except RecursionError:
        raise error([Problem(str(path), "not valid JSON: nested too deeply")]) from None


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
        raise reader.error(("version",), f"SARIF version {version!r} is not supported; only '2.1.0' is")
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
        finding
        for result_where, result in reader.objects(run, "results", where)
        if (finding := _finding(context, name, result, result_where)) is not None
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


def _finding(context: _RunContext, tool: str, result: dict[str, Any], where: Path_) -> ScanFinding | None:
    reader = context.reader
    kind = reader.text(result, "kind", where) or "fail"
    if kind not in _KINDS:
        raise reader.error(
            (*where, "kind"), f"unknown result kind {kind!r}; expected one of {sorted(_KINDS)}"
        )
    if kind in _NOT_FINDINGS or reader.text(result, "baselineState", where) == "absent":
        return None
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
    )


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
    rules = reader.objects(component, "rules", component_where)
    if index is not None and index >= 0:
        if index >= len(rules):
            raise reader.error(
                (*where, "ruleIndex"),
                f"rule index {index} is out of range: the tool lists {len(rules)} rule(s)",
            )
        return _Rule(*rules[index])
    rule_id = reader.text(result, "ruleId", where) or reader.text(reference, "id", (*where, "rule"))
    if not rule_id:
        return None
    by_id = {rule.get("id"): _Rule(rule_where, rule) for rule_where, rule in rules}
    # A ruleId is hierarchical (§3.27.5): its leading components name the rule.
    parts = rule_id.split("/")
    for n in range(len(parts), 0, -1):
        if (found := by_id.get("/".join(parts[:n]))) is not None:
            return found
    return None


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
                f"tool component index {index} is out of range: the tool has {len(extensions)} extension(s)",
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
        raise reader.error((*where, "level"), f"unknown level {level!r}; expected one of {list(LEVELS)}")
    if level is not None and level != "none":
        return level
    if level == "none" and (reader.text(result, "kind", where) or "fail") == "fail":
        return level
    configuration = reader.child(rule.data, "defaultConfiguration", rule.where)
    default = reader.text(configuration, "level", (*rule.where, "defaultConfiguration"))
    if default is not None and default not in LEVELS:
        raise reader.error(
            (*rule.where, "defaultConfiguration", "level"),
            f"unknown level {default!r}; expected one of {list(LEVELS)}",
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
        score: float | None = None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            try:
                score = float(value)
            except ValueError:
                score = None
        if score is None or not math.isfinite(score) or not 0.0 <= score <= 10.0:
            raise reader.error(key, f"expected a score from 0.0 to 10.0, found {value!r}")
        return str(value), score
    return None, None


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
    absolute = absolute_file(uri)
    relative: str | None = None
    if absolute is None:
        if urlsplit(uri).scheme:
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


def absolute_file(uri: str) -> str | None:
    """The absolute '/'-separated path of a `file:` URI or an absolute path; None otherwise."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
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
                        (*note_where, "level"), f"unknown level {level!r}; expected one of {list(LEVELS)}"
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
        exit_code = reader.optional(first, "exitCode", int, first_where)
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
