"""Run the real pip-audit over pinned dependencies, and judge what it really did.

pip-audit exits 1 both when it finds vulnerabilities and when it fails (a refused connection
prints a traceback and no JSON), and exits 0 while marking dependencies it could not look up with
`skip_reason`. So the exit code decides nothing here: the JSON on stdout does. No JSON is a
failed run; a dependency skipped, or pinned but missing from the output, is not assessed; only a
run that reported every pinned dependency is complete.

pip-audit takes one requirement per package and refuses the whole list when a package is named
twice at different versions. A package pinned at several versions (in one file, or across the
files of one audit) is therefore audited in rounds: the first round holds every package at its
first version, the second the packages pinned at a second version, and so on; each round is one
run of pip-audit, and the rounds make one scan run. Versions are compared as versions, so `5.3`
and `5.3.0` are one pin.

The vulnerability service's URL may carry credentials. They are passed to pip-audit in its
environment (`PIP_AUDIT_OSV_URL`), never on its command line, which every user of the machine can
read in the process list; and nowhere else: the recorded command, errors, inputs and reasons have
them masked (`compliance.core.redact`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from compliance.core.models.scan import NotAssessed, RunStatus, ScanFinding, ScanRun, ScanSeverity
from compliance.core.redact import redact, redact_url, url_secrets
from compliance.core.scanner_definitions import ScannerDefinition, definitions, find_tool
from compliance.evidence.requirements import Pinned, read_dependencies

# Where `compliance` takes the service URL from when --osv-url is not given: a URL with credentials
# belongs here rather than on the command line, where every user of the machine can read it.
OSV_URL_ENV = "COMPLIANCE_OSV_URL"
_SHOWN_ERROR = 500  # characters of pip-audit's error output kept in an error


@dataclass(frozen=True)
class Service:
    """Which vulnerability service pip-audit asks: its default, OSV, or an OSV-compatible URL."""

    kind: str = "default"  # default | osv | osv-url
    url: str | None = None

    def arguments(self, d: ScannerDefinition) -> list[str]:
        """The command-line arguments that select this service."""
        args = d.service.get(self.kind)
        if args is None:
            raise ValueError(f"unknown vulnerability service '{self.kind}' (use {', '.join(d.service)})")
        return [a.replace("{url}", self.url or "") for a in args]

    def environment(self, d: ScannerDefinition) -> dict[str, str]:
        """The environment variables that select this service: those that must stay off the
        command line, where every user of the machine can read them (the URL's credentials)."""
        return {
            name: value.replace("{url}", self.url or "")
            for name, value in d.service_environment.get(self.kind, {}).items()
        }

    def secrets(self) -> list[str]:
        """The credentials its URL carries, which nothing we record may show."""
        return url_secrets(self.url) if self.url else []


def tool_version(d: ScannerDefinition, executable: str, timeout: float = 60) -> str | None:
    """The version the tool reports, or None when it cannot tell."""
    cmd = [executable, *d.version_probe.command[1:]]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(d.version_probe.pattern, done.stdout + done.stderr)
    return match.group(1) if match else None


def audit(
    files: Sequence[Path],
    service: Service | None = None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> ScanRun:
    """Audit the pinned dependencies of requirement and lock files with pip-audit."""
    d = definitions()["pip-audit"]
    service = service or Service()
    secrets = service.secrets()
    inputs = [str(f) for f in files]
    pinned: list[Pinned] = []
    not_assessed: list[NotAssessed] = []
    for f in files:
        # A file that is not what its name says (a lock file that does not parse, of the wrong
        # shape) is bad input, like a malformed SARIF log: DependencyFileError says where and
        # what, and the command ends with exit 2 before anything is written.
        deps = read_dependencies(f)
        pinned += deps.pinned
        not_assessed += deps.not_assessed

    def run(status: RunStatus, **kw: Any) -> ScanRun:
        return _redacted(
            ScanRun(tool=d.tool, kind=d.kind, status=status, inputs=inputs, not_assessed=not_assessed, **kw),
            service,
            secrets,
        )

    executable = find_tool(d.command[0])
    if executable is None:
        return run(RunStatus.MISSING, errors=[f"{d.command[0]} is not installed"])
    version = tool_version(d, executable)
    if not pinned:
        if not_assessed:
            return run(RunStatus.INCOMPLETE, version=version, errors=["no pinned dependency to audit"])
        return run(
            RunStatus.NO_INPUT, version=version, errors=["the files pin no dependency: nothing to audit"]
        )
    rounds = pin_rounds(pinned)
    deadline = time.monotonic() + (timeout or d.timeout_seconds)
    with tempfile.TemporaryDirectory(prefix="compliance-pip-audit-") as tmp:
        results = [
            _audit_round(d, executable, service, pins, Path(tmp), number, deadline, env)
            for number, pins in enumerate(rounds, start=1)
        ]
    return _redacted(_merge(d, version, inputs, not_assessed, results), service, secrets)


def pin_rounds(pinned: Sequence[Pinned]) -> list[list[tuple[str, str]]]:
    """The pins as rounds pip-audit accepts: each package at most once per round.

    Round n holds the n-th distinct version of every package pinned at n versions or more, each
    version as first written; within a round, packages are in name order.
    """
    versions: dict[str, dict[Version, str]] = {}
    for p in pinned:
        versions.setdefault(p.name, {}).setdefault(Version(p.version), p.version)
    depth = max((len(v) for v in versions.values()), default=0)
    return [
        [
            (name, list(by_version.values())[n])
            for name, by_version in sorted(versions.items())
            if len(by_version) > n
        ]
        for n in range(depth)
    ]


@dataclass
class _Round:
    """What one run of pip-audit over one round of pins did."""

    status: RunStatus
    command: list[str]
    exit_code: int | None = None
    findings: list[ScanFinding] = field(default_factory=list)
    not_assessed: list[NotAssessed] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _audit_round(
    d: ScannerDefinition,
    executable: str,
    service: Service,
    pins: list[tuple[str, str]],
    tmp: Path,
    number: int,
    deadline: float,
    env: Mapping[str, str] | None,
) -> _Round:
    req = tmp / f"requirements-{number}.txt"
    req.write_text("".join(f"{n}=={v}\n" for n, v in pins), encoding="utf-8")
    cmd = [
        executable,
        *(a.replace("{requirements}", str(req)) for a in d.command[1:]),
        *service.arguments(d),
        "--cache-dir",
        str(tmp / "cache"),  # shared by the rounds: a later one reuses what an earlier one fetched
    ]
    environment = service.environment(d)
    # The command as recorded, written as a shell would run it: the service's variables first.
    recorded = [*(f"{name}={value}" for name, value in environment.items()), *cmd]
    remaining = deadline - time.monotonic()

    def lost(status: RunStatus, error: str) -> _Round:
        reason = "pip-audit failed" if status is RunStatus.FAILED else "pip-audit did not finish in time"
        return _Round(
            status,
            recorded,
            errors=[error],
            not_assessed=[NotAssessed(item=f"{n}=={v}", reason=reason) for n, v in pins],
        )

    if remaining <= 0:
        return lost(RunStatus.TIMEOUT, "pip-audit did not finish in time")
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=remaining,
            check=False,
            env=_environment(env, environment),
        )
    except subprocess.TimeoutExpired:
        return lost(RunStatus.TIMEOUT, "pip-audit did not finish in time")
    except OSError as exc:
        return lost(RunStatus.FAILED, f"pip-audit could not start: {exc}")
    return _judge(d, done, recorded, pins)


def _environment(env: Mapping[str, str] | None, service: Mapping[str, str]) -> dict[str, str] | None:
    """pip-audit's environment: the one given (else this process's own), with the service's
    variables set; None to inherit this process's environment as it is."""
    if env is None and not service:
        return None
    return {**(os.environ if env is None else env), **service}


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "no output"
    return last if len(last) <= _SHOWN_ERROR else f"{last[:_SHOWN_ERROR]}..."


def _version_key(version: str) -> Version | str:
    try:
        return Version(version)
    except InvalidVersion:
        return version


def _dependencies(stdout: str) -> list[dict[str, Any]] | None:
    """pip-audit's list of audited dependencies, or None when its output is not that JSON."""
    try:
        data = json.loads(stdout) if stdout.strip() else None
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        return None
    entries: list[dict[str, Any]] = data["dependencies"]
    if not all(isinstance(entry, dict) and isinstance(entry.get("name"), str) for entry in entries):
        return None
    return entries


def _texts(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _judge(
    d: ScannerDefinition,
    done: subprocess.CompletedProcess[str],
    cmd: list[str],
    pins: list[tuple[str, str]],
) -> _Round:
    entries = _dependencies(done.stdout)
    if entries is None:
        return _Round(
            RunStatus.FAILED,
            cmd,
            done.returncode,
            not_assessed=[NotAssessed(item=f"{n}=={v}", reason="pip-audit failed") for n, v in pins],
            errors=[f"pip-audit printed no audit (exit code {done.returncode}): {_last_line(done.stderr)}"],
        )
    if done.returncode not in d.accepted_exit_codes:
        return _Round(
            RunStatus.FAILED, cmd, done.returncode, errors=[f"unexpected exit code {done.returncode}"]
        )
    findings: list[ScanFinding] = []
    reported: set[tuple[str, Version | str]] = set()
    skipped: list[NotAssessed] = []
    severity = d.default_severity or ScanSeverity.HIGH
    pinned_version = dict(pins)  # one version per name in a round
    for dep in entries:
        name, dep_version = canonicalize_name(dep["name"]), str(dep.get("version") or "")
        if "skip_reason" in dep:
            # pip-audit gives no version for a skipped dependency: it stands for this round's pin.
            version = dep_version or pinned_version.get(name, "?")
            skipped.append(
                NotAssessed(item=f"{name}=={version}", reason=f"pip-audit skipped it: {dep['skip_reason']}")
            )
            reported.add((name, _version_key(version)))
            continue
        reported.add((name, _version_key(dep_version)))
        vulns = dep.get("vulns") or []
        for vuln in vulns if isinstance(vulns, list) else []:
            if not isinstance(vuln, dict):
                continue
            vuln_id = str(vuln.get("id"))
            findings.append(
                ScanFinding(
                    tool=d.tool,
                    rule_id=vuln_id,
                    message=str(vuln.get("description") or vuln_id).strip()[:2000],
                    severity=severity,
                    package=name,
                    version=dep_version,
                    advisory_ids=[vuln_id],
                    aliases=_texts(vuln.get("aliases")),
                    fixed_versions=_texts(vuln.get("fix_versions")),
                )
            )
    for n, v in pins:
        if (n, _version_key(v)) not in reported:
            skipped.append(NotAssessed(item=f"{n}=={v}", reason="pip-audit did not report it"))
    status = RunStatus.INCOMPLETE if skipped else RunStatus.COMPLETED
    return _Round(status, cmd, done.returncode, findings, skipped)


# How bad a round's outcome is: the scan run takes the worst (the first, among equals).
_RANK = {RunStatus.COMPLETED: 0, RunStatus.INCOMPLETE: 1, RunStatus.FAILED: 2, RunStatus.TIMEOUT: 2}


def _merge(
    d: ScannerDefinition,
    version: str | None,
    inputs: list[str],
    not_assessed: list[NotAssessed],
    rounds: list[_Round],
) -> ScanRun:
    """One scan run of the rounds: all their findings, the worst status, the first command."""
    worst = max(rounds, key=lambda r: _RANK[r.status])  # max keeps the first among equals
    status = worst.status
    if status is RunStatus.COMPLETED and not_assessed:
        status = RunStatus.INCOMPLETE
    several = len(rounds) > 1
    return ScanRun(
        tool=d.tool,
        kind=d.kind,
        version=version,
        status=status,
        inputs=inputs,
        command=rounds[0].command,
        exit_code=worst.exit_code if worst.status is not RunStatus.COMPLETED else rounds[0].exit_code,
        findings=[f for r in rounds for f in r.findings],
        not_assessed=[*not_assessed, *(n for r in rounds for n in r.not_assessed)],
        errors=[
            f"round {number} of {len(rounds)}: {error}" if several else error
            for number, r in enumerate(rounds, start=1)
            for error in r.errors
        ],
    )


def _redacted(run: ScanRun, service: Service, secrets: list[str]) -> ScanRun:
    """The run with the service URL's credentials masked in everything recorded as text."""
    if not secrets:
        return run

    def clean(text: str) -> str:
        name, equals, value = text.partition("=")
        if text == service.url:
            return redact_url(text)
        if equals and value == service.url and name.isidentifier():  # the variable it is given in
            return f"{name}={redact_url(value)}"
        return redact(text, secrets)

    return run.model_copy(
        update={
            "command": [clean(a) for a in run.command],
            "inputs": [clean(i) for i in run.inputs],
            "errors": [clean(e) for e in run.errors],
            "not_assessed": [
                NotAssessed(item=clean(n.item), reason=clean(n.reason)) for n in run.not_assessed
            ],
        }
    )
