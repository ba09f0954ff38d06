"""CycloneDX 1.5 and 1.6 JSON SBOMs: the vulnerabilities they record, as one scan run.

An SBOM lists components; only its `vulnerabilities` array assesses them. A vulnerability whose
analysis says it does not apply (`not_affected`, `false_positive`, `resolved`,
`resolved_with_pedigree`) is left out; one that is `exploitable`, `in_triage` or not analysed is a
finding for each component it affects, unless the component's own version is listed as
`unaffected`. An SBOM without a `vulnerabilities` array is incomplete: nothing assessed its
components.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from compliance.core.errors import InputError
from compliance.core.models.scan import NotAssessed, RunStatus, ScanFinding, ScanRun, ScanSeverity
from compliance.core.yamlio import Path_
from compliance.evidence.sarif import JsonReader, read_json, severity_from_score

SUPPORTED_SPEC_VERSIONS = ("1.5", "1.6")
MAX_BYTES = 256 * 1024 * 1024

# analysis.state (CycloneDX 1.5/1.6 impactAnalysisState)
_NOT_FINDINGS = frozenset({"resolved", "resolved_with_pedigree", "false_positive", "not_affected"})
_STATES = _NOT_FINDINGS | {"exploitable", "in_triage"}
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


class CycloneDxError(InputError, ValueError):
    """A file that is not a CycloneDX 1.5 or 1.6 JSON SBOM we can read: file, where, what."""


def import_cyclonedx(path: Path, *, default_severity: ScanSeverity = ScanSeverity.HIGH) -> ScanRun:
    """Read a CycloneDX 1.5 or 1.6 JSON SBOM: its vulnerabilities as findings, one per component.

    A vulnerability without a usable rating counts at `default_severity` (high, as for a
    dependency scanner that reports none) until its severity is looked up.
    """
    reader = JsonReader(str(path), CycloneDxError)
    bom = reader.object(read_json(path, CycloneDxError, MAX_BYTES), ())
    if bom.get("bomFormat") != "CycloneDX":
        found = f"found {bom['bomFormat']!r}" if "bomFormat" in bom else "it is missing"
        raise reader.error((), f"not a CycloneDX SBOM: bomFormat must be 'CycloneDX', {found}")
    spec_version = bom.get("specVersion")
    if spec_version not in SUPPORTED_SPEC_VERSIONS:
        raise reader.error(
            ("specVersion",),
            f"CycloneDX specVersion {spec_version!r} is not supported; only 1.5 and 1.6 are",
        )
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
                (*where, "bom-ref"), f"bom-ref {ref!r} is used twice; references to it are ambiguous"
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
    analysis = reader.child(vulnerability, "analysis", where)
    state = reader.text(analysis, "state", (*where, "analysis"))
    if state is not None and state not in _STATES:
        raise reader.error(
            (*where, "analysis", "state"), f"unknown state {state!r}; expected one of {sorted(_STATES)}"
        )
    if state in _NOT_FINDINGS:
        return []
    severity, tool_severity = _severity(context, vulnerability, where)
    cwes = []
    cwe_values: list[Any] | None = reader.optional(vulnerability, "cwes", list, where)
    for i, value in enumerate(cwe_values or []):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise reader.error((*where, "cwes", i), f"expected a CWE number, found {value!r}")
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
            )
        )
    return findings


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
                f"unknown severity {label!r}; expected one of {list(_SEVERITIES)}",
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
    """Package, version and unaffected versions of each component the vulnerability affects."""
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
                    f"unknown status {status!r}; expected one of {list(_AFFECTED_STATUSES)}",
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
        if version is not None and version in unaffected:
            continue  # this component's own version is declared unaffected
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
    raise context.reader.error(where, f"{ref!r} names no component or service in the SBOM")


def _package_name(reader: JsonReader, component: dict[str, Any], where: Path_) -> str | None:
    name = reader.text(component, "name", where)
    group = reader.text(component, "group", where)
    if name and group:
        return f"{group}/{name}"
    return name or reader.text(component, "purl", where)
