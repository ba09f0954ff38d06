"""CycloneDX 1.4, 1.5 and 1.6 JSON SBOMs: the vulnerabilities they record, as one scan run.

An SBOM lists components; only its `vulnerabilities` array assesses them. Each vulnerability is a
finding for each component it affects, with what the SBOM's producer says about it: an analysis
of `not_affected` or `false_positive` (a VEX statement), or the component's own version listed as
`unaffected`, makes it suppressed by the producer, which still counts, with the state and the
justification kept for the assessor to judge; `resolved` or `resolved_with_pedigree` makes it
fixed, which is recorded and does not count. One that is `exploitable`, `in_triage` or not
analysed is open. An SBOM without a `vulnerabilities` array is incomplete: nothing assessed its
components.

The SBOM is hostile input. It is first validated against the official JSON schema of its
declared `specVersion`, as shipped with cyclonedx-python-lib and read from disk (no reference is
ever fetched), and a schema error is a `CycloneDxError` naming the JSON path and what is wrong.
The library's own model (`Bom.from_json`) is never used on it: the reader below takes only what
the assessment needs, type-checking every value again as it goes.

CycloneDX 1.4 (which pip-audit writes) differs from 1.5 and 1.6 in nothing this reader takes:
vulnerabilities, ratings, analysis states and justifications, affected versions and references
are the same; `metadata.tools` is the legacy array only, and BOM-Links and `workaround` came
with 1.5 (the schema of each version says what it allows).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote

# jsonschema ships no type information (and the project installs no stubs for it).
from jsonschema import validators  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]
from jsonschema.protocols import Validator  # type: ignore[import-untyped]

from compliance.core.errors import InputError
from compliance.core.models.scan import (
    FindingState,
    NotAssessed,
    RunStatus,
    ScanFinding,
    ScanRun,
    ScanSeverity,
    Suppression,
)
from compliance.core.yamlio import Path_
from compliance.evidence.sarif import JsonReader, json_type, read_json, severity_from_score, shown

SUPPORTED_SPEC_VERSIONS = ("1.4", "1.5", "1.6")
MAX_BYTES = 256 * 1024 * 1024

# analysis.state (CycloneDX 1.4-1.6 impactAnalysisState)
_SUPPRESSED = frozenset({"false_positive", "not_affected"})
_FIXED = frozenset({"resolved", "resolved_with_pedigree"})
_STATES = _SUPPRESSED | _FIXED | {"exploitable", "in_triage"}
# ratings[].severity; 'unknown' says nothing, so the run's default severity applies
_SEVERITIES: dict[str, ScanSeverity | None] = {
    "critical": ScanSeverity.CRITICAL,
    "high": ScanSeverity.HIGH,
    "medium": ScanSeverity.MEDIUM,
    "low": ScanSeverity.LOW,
    "info": ScanSeverity.INFO,
    "none": ScanSeverity.INFO,
    "unknown": None,
}
_AFFECTED_STATUSES = ("affected", "unaffected", "unknown")
_SEVERITY_ORDER = list(ScanSeverity)  # most severe first
_LARGEST_CWE = 99_999_999


class CycloneDxError(InputError, ValueError):
    """A file that is not a CycloneDX 1.4, 1.5 or 1.6 JSON SBOM we can read: file, where, what."""


def import_cyclonedx(path: Path, *, default_severity: ScanSeverity = ScanSeverity.HIGH) -> ScanRun:
    """Read a CycloneDX 1.4, 1.5 or 1.6 JSON SBOM: its vulnerabilities as findings, one per component.

    A vulnerability without a usable rating counts at `default_severity` (high, as for a
    dependency scanner that reports none) until its severity is looked up.
    """
    reader = JsonReader(str(path), CycloneDxError)
    bom = reader.object(read_json(path, CycloneDxError, MAX_BYTES), ())
    if bom.get("bomFormat") != "CycloneDX":
        found = f"found {shown(bom['bomFormat'])}" if "bomFormat" in bom else "it is missing"
        raise reader.error((), f"not a CycloneDX SBOM: bomFormat must be 'CycloneDX', {found}")
    spec_version = bom.get("specVersion")
    if spec_version not in SUPPORTED_SPEC_VERSIONS:
        raise reader.error(
            ("specVersion",),
            f"CycloneDX specVersion {shown(spec_version)} is not supported; only 1.4, 1.5 and 1.6 are",
        )
    _validate(reader, bom, spec_version)
    tool, version = _tool(reader, bom)
    components = _components(reader, bom)
    if bom.get("vulnerabilities") is None:
        listed = sum(1 for _ in _walk(reader, reader.objects(bom, "components", ())))
        reason = (
            f"the SBOM includes no vulnerability data: it lists {listed} component(s) "
            "but does not assess them"
        )
        return ScanRun(
            tool=tool,
            version=version,
            status=RunStatus.INCOMPLETE,
            kind="sbom",
            inputs=[str(path)],
            not_assessed=[NotAssessed(item=str(path), reason=reason)],
        )
    serial = reader.text(bom, "serialNumber", ()) or ""
    context = _Context(reader, tool, components, serial.removeprefix("urn:uuid:"), default_severity)
    findings = [
        finding
        for where, vulnerability in reader.objects(bom, "vulnerabilities", ())
        for finding in _findings(context, vulnerability, where)
    ]
    return ScanRun(
        tool=tool,
        version=version,
        status=RunStatus.COMPLETED,
        kind="sbom",
        inputs=[str(path)],
        findings=findings,
    )


# ---------------------------------------------------------------------------------------------
# Validation against the official schema


def _validate(reader: JsonReader, bom: dict[str, Any], spec_version: str) -> None:
    """Refuse an SBOM that its version's schema refuses, naming the best error's place."""
    error = best_match(schema_validator(spec_version).iter_errors(bom))
    if error is not None:
        raise reader.error(
            tuple(error.absolute_path), f"not valid CycloneDX {spec_version}: {describe(error)}"
        )


# The schemas as cyclonedx-python-lib ships them, and the base their references resolve against.
_SCHEMA_PACKAGE = "cyclonedx.schema._res"
_SCHEMA_BASE = "http://cyclonedx.org/schema/"
_REFERENCED = ("spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json")


@functools.cache
def schema_validator(spec_version: str) -> Validator:
    """A validator of the official JSON schema of `spec_version`, its references resolved from the
    files beside it: nothing is ever fetched.

    The schema is read with every `$ref` replaced by what it points to (recursive definitions
    become cycles in memory), and four keywords are checked by our own code rather than the
    library's: `uniqueItems` in linear time (the library compares arrays of objects pairwise,
    minutes for ten thousand components), `enum` by set lookup (the SPDX licence list has
    hundreds of entries), and `oneOf` and `not` with messages that do not print the schema. Formats
    are annotations in draft 7 and are not checked.
    """
    name = f"bom-{spec_version}.SNAPSHOT.schema.json"
    documents = {n: _schema_document(n) for n in (name, *_REFERENCED)}
    schema = _dereference(documents, name)
    validator_class = validators.extend(
        validators.Draft7Validator,
        {"uniqueItems": _unique_items, "enum": _enum, "oneOf": _one_of, "not": _not},
    )
    validator: Validator = validator_class(schema)
    return validator


def _schema_document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((files(_SCHEMA_PACKAGE) / name).read_text(encoding="utf-8"))
    # Without '$schema' the library keeps our validator class when it enters the document,
    # instead of switching to its own draft 7 validator.
    document.pop("$schema", None)
    return document


# Keywords whose values are data, not schemas: a '$ref' key inside them is not a reference.
_DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default"})


def _dereference(documents: Mapping[str, Any], root: str) -> dict[str, Any]:
    """`documents[root]` with every `$ref` replaced by the schema it points to.

    References name a document (by file name, as the shipped schemas do) and a JSON pointer into
    it; each target is built once, so that recursive definitions become cycles.
    """
    built: dict[tuple[str, str], Any] = {}

    def target(ref: str, document: str) -> Any:
        name, _, pointer = ref.partition("#")
        name = name.removeprefix(_SCHEMA_BASE) or document
        key = (name, pointer)
        if key in built:
            return built[key]
        node = documents[name]
        for token in pointer.split("/")[1:]:
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        if isinstance(node, dict) and "$ref" not in node:
            shell: dict[str, Any] = {}
            built[key] = shell  # in place before its children, which may point back to it
            shell.update(walk(node, name))
            return shell
        built[key] = walk(node, name)
        return built[key]

    def walk(node: Any, document: str) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return target(node["$ref"], document)
            return {k: v if k in _DATA_KEYWORDS else walk(v, document) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item, document) for item in node]
        return node

    schema: dict[str, Any] = target("#", root)
    return schema


def _identity(value: Any) -> Any:
    """A hashable stand-in for a JSON value, equal exactly when JSON Schema calls them equal
    (true is not 1, 1 is 1.0, objects are equal whatever their order)."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null",)
    if isinstance(value, list):
        return ("array", tuple(_identity(item) for item in value))
    return ("object", frozenset((k, _identity(v)) for k, v in value.items()))


def _unique_items(validator: Validator, unique: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: dict[Any, int] = {}
    for index, item in enumerate(instance):
        # Objects and arrays by their canonical JSON text (the encoder is fast; `1` and `1.0`
        # then differ, a duplicate the check lets pass), other values by their identity.
        identity = json.dumps(item, sort_keys=True) if isinstance(item, dict | list) else _identity(item)
        if identity in seen:
            yield ValidationError(f"item {index} repeats item {seen[identity]}; the items must be unique")
            return
        seen[identity] = index


# enum lists by id(); the list is kept in the entry, so that its id cannot be reused
_ENUMS: dict[int, tuple[list[Any], frozenset[Any]]] = {}


def _enum(validator: Validator, enums: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    entry = _ENUMS.get(id(enums))
    if entry is None or entry[0] is not enums:
        entry = (enums, frozenset(_identity(e) for e in enums))
        _ENUMS[id(enums)] = entry
    if _identity(instance) not in entry[1]:
        yield ValidationError(f"{shown(instance)} is not one of the allowed values")


def _one_of(validator: Validator, choices: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    failures: list[ValidationError] = []
    matched: list[int] = []
    for index, choice in enumerate(choices):
        errors = list(validator.descend(instance, choice, schema_path=index))
        if errors:
            failures.extend(errors)
        else:
            matched.append(index)
            if len(matched) > 1:
                break
    if not matched:
        yield ValidationError("matches none of the allowed shapes", context=failures)
    elif len(matched) > 1:
        yield ValidationError(
            f"matches more than one of the allowed shapes (alternatives {matched[0]} and {matched[1]})"
        )


def _not(validator: Validator, forbidden: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.evolve(schema=forbidden).is_valid(instance):
        yield ValidationError("matches a shape that is not allowed here")


def describe(error: ValidationError) -> str:
    """What a schema error says, in our words: never the whole offending value."""
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    if keyword == "type":
        names = [expected] if isinstance(expected, str) else list(expected)
        return f"expected {' or '.join(_TYPE_NAMES.get(n, n) for n in names)}, found {json_type(instance)}"
    if keyword == "required" and isinstance(instance, dict):
        missing = [name for name in expected if name not in instance]
        return f"the required property {shown(missing[0] if missing else expected[0])} is missing"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = [name for name in instance if name not in known]
        return f"unknown property {shown(extra[0])}" if extra else "unknown property"
    if keyword == "enum":
        allowed = ", ".join(shown(v) for v in expected[:8]) + (", ..." if len(expected) > 8 else "")
        return f"{shown(instance)} is not one of the allowed values ({allowed})"
    if keyword == "const":
        return f"expected {shown(expected)}, found {shown(instance)}"
    if keyword == "pattern":
        return f"{shown(instance)} does not match the pattern {expected}"
    if keyword in ("minLength", "maxLength"):
        return f"a string of {len(instance):,} characters; the {keyword} is {expected}"
    if keyword in ("minItems", "maxItems"):
        return f"an array of {len(instance):,} items; the {keyword} is {expected}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{shown(instance)} is out of range (the {keyword} is {expected})"
    if keyword in ("uniqueItems", "oneOf", "not"):
        return str(error.message)  # our own keywords' messages
    return f"does not satisfy the schema's {keyword!r} rule"


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


# ---------------------------------------------------------------------------------------------
# Reading


def _tool(reader: JsonReader, bom: dict[str, Any]) -> tuple[str, str | None]:
    """The first tool of `metadata.tools`: an array (legacy), or `components` and `services`."""
    metadata = reader.child(bom, "metadata", ())
    tools = metadata.get("tools")
    where: Path_ = ("metadata", "tools")
    if tools is None:
        entries: list[tuple[Path_, dict[str, Any]]] = []
    elif isinstance(tools, list):
        entries = reader.objects(metadata, "tools", ("metadata",))
    elif isinstance(tools, dict):
        entries = [*reader.objects(tools, "components", where), *reader.objects(tools, "services", where)]
    else:
        raise reader.error(where, "expected an array or an object with components and services")
    for entry_where, entry in entries:
        name = reader.text(entry, "name", entry_where)
        if name:
            return name, reader.text(entry, "version", entry_where)
    return "unknown", None


def _components(reader: JsonReader, bom: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every component and service with a bom-ref, nested ones included, by bom-ref."""
    found: dict[str, dict[str, Any]] = {}
    metadata = reader.child(bom, "metadata", ())
    roots: list[tuple[Path_, dict[str, Any]]] = []
    if "component" in metadata:
        roots.append(
            (("metadata", "component"), reader.object(metadata["component"], ("metadata", "component")))
        )
    roots += reader.objects(bom, "components", ()) + reader.objects(bom, "services", ())
    for where, item in _walk(reader, roots):
        ref = reader.text(item, "bom-ref", where)
        if ref is None:
            continue
        if ref in found:
            raise reader.error(
                (*where, "bom-ref"), f"bom-ref {shown(ref)} is used twice; references to it are ambiguous"
            )
        found[ref] = item
    return found


def _walk(
    reader: JsonReader, items: list[tuple[Path_, dict[str, Any]]]
) -> Iterator[tuple[Path_, dict[str, Any]]]:
    for where, item in items:
        yield where, item
        yield from _walk(
            reader, reader.objects(item, "components", where) + reader.objects(item, "services", where)
        )


@dataclass(frozen=True)
class _Context:
    """What vulnerabilities are read against."""

    reader: JsonReader
    tool: str
    components: Mapping[str, dict[str, Any]]
    serial: str  # this BOM's serial number without 'urn:uuid:', for BOM-Links into it
    default_severity: ScanSeverity


def _findings(context: _Context, vulnerability: dict[str, Any], where: Path_) -> list[ScanFinding]:
    reader = context.reader
    vuln_id = reader.text(vulnerability, "id", where) or reader.text(vulnerability, "bom-ref", where)
    if not vuln_id:
        raise reader.error(where, "the vulnerability has no id")
    state, suppression = _analysis(reader, vulnerability, where)
    severity, tool_severity = _severity(context, vulnerability, where)
    cwes = []
    cwe_values: list[Any] | None = reader.optional(vulnerability, "cwes", list, where)
    for i, value in enumerate(cwe_values or []):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _LARGEST_CWE:
            raise reader.error((*where, "cwes", i), f"expected a CWE number, found {shown(value)}")
        cwes.append(f"CWE-{value}")
    aliases = [
        alias
        for ref_where, reference in reader.objects(vulnerability, "references", where)
        if (alias := reader.text(reference, "id", ref_where)) and alias != vuln_id
    ]
    message = (
        reader.text(vulnerability, "description", where)
        or reader.text(vulnerability, "detail", where)
        or vuln_id
    ).strip()
    for key, label in (("recommendation", "Recommendation"), ("workaround", "Workaround")):
        if advice := reader.text(vulnerability, key, where):
            message += f" {label}: {advice.strip()}"
    findings = []
    for package, version, fixed in _affected(context, vulnerability, where):
        own_state, own_suppression = state, suppression
        if state is FindingState.OPEN and version is not None and version in fixed:
            # The vulnerability lists this component's own version as unaffected: a statement
            # of its producer, kept like a VEX analysis of not_affected.
            own_state = FindingState.SUPPRESSED_BY_PRODUCER
            own_suppression = Suppression(
                kind="vex",
                status="unaffected",
                justification=f"version {version} is listed as unaffected",
            )
        findings.append(
            ScanFinding(
                tool=context.tool,
                rule_id=vuln_id,
                message=message,
                severity=severity,
                tool_severity=tool_severity,
                cwe=list(dict.fromkeys(cwes)),
                package=package,
                version=version,
                advisory_ids=[vuln_id],
                aliases=list(dict.fromkeys(aliases)),
                fixed_versions=fixed,
                state=own_state,
                suppression=own_suppression,
            )
        )
    return findings


def _analysis(
    reader: JsonReader, vulnerability: dict[str, Any], where: Path_
) -> tuple[FindingState, Suppression | None]:
    """What the producer's analysis says: suppressed (not_affected, false_positive), with its
    justification and detail; fixed (resolved, resolved_with_pedigree); else open."""
    analysis = reader.child(vulnerability, "analysis", where)
    analysis_where = (*where, "analysis")
    state = reader.text(analysis, "state", analysis_where)
    if state is not None and state not in _STATES:
        raise reader.error(
            (*analysis_where, "state"), f"unknown state {shown(state)}; expected one of {sorted(_STATES)}"
        )
    if state in _FIXED:
        return FindingState.FIXED, None
    if state in _SUPPRESSED:
        reasons = [
            text.strip()
            for key in ("justification", "detail")
            if (text := reader.text(analysis, key, analysis_where)) and text.strip()
        ]
        return FindingState.SUPPRESSED_BY_PRODUCER, Suppression(
            kind="vex", status=state, justification=": ".join(reasons) or None
        )
    return FindingState.OPEN, None


def _severity(
    context: _Context, vulnerability: dict[str, Any], where: Path_
) -> tuple[ScanSeverity, str | None]:
    """The most severe of the ratings: their severity, else their score read by its method."""
    reader = context.reader
    best: tuple[ScanSeverity, str] | None = None
    for rating_where, rating in reader.objects(vulnerability, "ratings", where):
        label = reader.text(rating, "severity", rating_where)
        if label is not None and label not in _SEVERITIES:
            raise reader.error(
                (*rating_where, "severity"),
                f"unknown severity {shown(label)}; expected one of {list(_SEVERITIES)}",
            )
        severity = _SEVERITIES[label] if label is not None else None
        score = reader.number(rating, "score", rating_where)
        method = reader.text(rating, "method", rating_where)
        if score is not None and not 0.0 <= score <= 10.0:
            raise reader.error(
                (*rating_where, "score"), f"expected a score from 0.0 to 10.0, found {score:g}"
            )
        if (
            severity is None
            and score is not None
            and (severity := _score_severity(method, score)) is not None
        ):
            label = f"{method or 'score'} {score:g}"
        if severity is not None and (
            best is None or _SEVERITY_ORDER.index(severity) < _SEVERITY_ORDER.index(best[0])
        ):
            best = (severity, label or severity.value)
    if best is None:
        return context.default_severity, None
    return best


def _score_severity(method: str | None, score: float) -> ScanSeverity | None:
    """A score's severity by its method's bands; None for methods without a numeric scale we know."""
    if method in (None, "CVSSv3", "CVSSv31", "CVSSv4"):
        return severity_from_score(score)
    if method == "CVSSv2":  # v2 has no critical band: 7.0-10.0 is high
        return ScanSeverity.HIGH if score >= 7.0 else severity_from_score(score)
    if method == "OWASP":  # OWASP Risk Rating: below 3 low, 3 to below 6 medium, 6 and above high
        if score >= 6.0:
            return ScanSeverity.HIGH
        return ScanSeverity.MEDIUM if score >= 3.0 else (ScanSeverity.LOW if score > 0 else ScanSeverity.INFO)
    return None


def _affected(
    context: _Context, vulnerability: dict[str, Any], where: Path_
) -> Iterator[tuple[str | None, str | None, list[str]]]:
    """Package, version and unaffected versions of each component the vulnerability affects
    (the component's own version among them, when its producer says so)."""
    reader = context.reader
    affects = reader.objects(vulnerability, "affects", where)
    if not affects:
        yield None, None, []
        return
    for affect_where, affect in affects:
        ref = reader.text(affect, "ref", affect_where)
        if not ref:
            raise reader.error((*affect_where, "ref"), "the affected component has no ref")
        unaffected: list[str] = []
        for version_where, entry in reader.objects(affect, "versions", affect_where):
            status = reader.text(entry, "status", version_where) or "affected"
            if status not in _AFFECTED_STATUSES:
                raise reader.error(
                    (*version_where, "status"),
                    f"unknown status {shown(status)}; expected one of {list(_AFFECTED_STATUSES)}",
                )
            value = reader.text(entry, "version", version_where) or reader.text(entry, "range", version_where)
            if status == "unaffected" and value:
                unaffected.append(value)
        component = _component(context, ref, (*affect_where, "ref"))
        if component is None:  # a BOM-Link into another BOM: named by its link only
            yield ref, None, unaffected
            continue
        component_where = (*affect_where, "ref")
        version = reader.text(component, "version", component_where)
        yield _package_name(reader, component, component_where), version, unaffected


def _component(context: _Context, ref: str, where: Path_) -> dict[str, Any] | None:
    """The component a ref names; None for a BOM-Link to another BOM."""
    if ref in context.components:
        return context.components[ref]
    if ref.startswith("urn:cdx:") and "#" in ref:
        serial = ref.removeprefix("urn:cdx:").split("/", 1)[0]
        if serial != context.serial:
            return None
        fragment = unquote(ref.split("#", 1)[1])
        if fragment in context.components:
            return context.components[fragment]
    raise context.reader.error(where, f"{shown(ref)} names no component or service in the SBOM")


def _package_name(reader: JsonReader, component: dict[str, Any], where: Path_) -> str | None:
    name = reader.text(component, "name", where)
    group = reader.text(component, "group", where)
    if name and group:
        return f"{group}/{name}"
    return name or reader.text(component, "purl", where)
