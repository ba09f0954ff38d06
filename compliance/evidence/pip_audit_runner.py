"""Run the real pip-audit over pinned dependencies, and judge what it really did.

pip-audit exits 1 both when it finds vulnerabilities and when it fails (a refused connection
prints a traceback and no JSON), and exits 0 while marking dependencies it could not look up with
`skip_reason`. So the exit code decides nothing here: the JSON on stdout does. No JSON is a
failed run; a dependency skipped, or pinned but missing from the output, is not assessed; only a
run that reported every pinned dependency is complete.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from compliance.core.models.scan import NotAssessed, RunStatus, ScanFinding, ScanRun, ScanSeverity
from compliance.core.scanner_definitions import ScannerDefinition, definitions, find_tool
from compliance.evidence.requirements import DependencyFileError, Pinned, read_dependencies


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
    inputs = [str(f) for f in files]
    pinned: list[Pinned] = []
    not_assessed: list[NotAssessed] = []
    for f in files:
        try:
            deps = read_dependencies(f)
        except DependencyFileError as exc:
            not_assessed.append(NotAssessed(item=str(f), reason=str(exc)))
            continue
        pinned += deps.pinned
        not_assessed += deps.not_assessed

    def run(status: RunStatus, **kw: Any) -> ScanRun:
        return ScanRun(
            tool=d.tool, kind=d.kind, status=status, inputs=inputs, not_assessed=not_assessed, **kw
        )

    executable = find_tool(d.command[0])
    if executable is None:
        return run(RunStatus.MISSING, errors=[f"{d.command[0]} is not installed"])
    version = tool_version(d, executable)
    if not pinned:
        status = RunStatus.INCOMPLETE if not_assessed else RunStatus.COMPLETED
        return run(status, version=version, errors=["no pinned dependency to audit"] if not_assessed else [])
    # One version per package: the same package pinned twice at different versions is audited at both.
    unique = sorted({(p.name, p.version) for p in pinned})
    with tempfile.TemporaryDirectory(prefix="compliance-pip-audit-") as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text("".join(f"{n}=={v}\n" for n, v in unique), encoding="utf-8")
        cmd = [
            executable,
            *(a.replace("{requirements}", str(req)) for a in d.command[1:]),
            *service.arguments(d),
        ]
        cmd += ["--cache-dir", str(Path(tmp) / "cache")]
        try:
            done = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=timeout or d.timeout_seconds,
                check=False,
                env=None if env is None else dict(env),
            )
        except subprocess.TimeoutExpired:
            return run(
                RunStatus.TIMEOUT, version=version, command=cmd, errors=["pip-audit did not finish in time"]
            )
        except OSError as exc:
            return run(
                RunStatus.FAILED, version=version, command=cmd, errors=[f"pip-audit could not start: {exc}"]
            )
    return _judge(d, done, cmd, version, unique, inputs, not_assessed)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _judge(
    d: ScannerDefinition,
    done: subprocess.CompletedProcess[str],
    cmd: list[str],
    version: str | None,
    unique: list[tuple[str, str]],
    inputs: list[str],
    not_assessed: list[NotAssessed],
) -> ScanRun:
    base: dict[str, Any] = {
        "tool": d.tool,
        "kind": d.kind,
        "version": version,
        "inputs": inputs,
        "command": cmd,
        "exit_code": done.returncode,
    }
    try:
        data = json.loads(done.stdout) if done.stdout.strip() else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        return ScanRun(
            **base,
            status=RunStatus.FAILED,
            not_assessed=[
                *not_assessed,
                *(NotAssessed(item=f"{n}=={v}", reason="pip-audit failed") for n, v in unique),
            ],
            errors=[f"pip-audit printed no audit (exit code {done.returncode}): {_last_line(done.stderr)}"],
        )
    if done.returncode not in d.accepted_exit_codes:
        return ScanRun(
            **base,
            status=RunStatus.FAILED,
            not_assessed=not_assessed,
            errors=[f"unexpected exit code {done.returncode}"],
        )
    findings: list[ScanFinding] = []
    reported: set[tuple[str, str]] = set()
    skipped = list(not_assessed)
    severity = d.default_severity or ScanSeverity.HIGH
    for dep in data["dependencies"]:
        name, dep_version = canonicalize_name(str(dep.get("name", ""))), str(dep.get("version", ""))
        if "skip_reason" in dep:
            # pip-audit gives no version for a skipped dependency: it stands for every pin of the name.
            versions = [dep_version] if dep_version else [v for n, v in unique if n == name] or ["?"]
            for v in versions:
                skipped.append(
                    NotAssessed(item=f"{name}=={v}", reason=f"pip-audit skipped it: {dep['skip_reason']}")
                )
                reported.add((name, v))
            continue
        reported.add((name, dep_version))
        for vuln in dep.get("vulns") or []:
            aliases = [str(a) for a in vuln.get("aliases") or []]
            findings.append(
                ScanFinding(
                    tool=d.tool,
                    rule_id=str(vuln.get("id")),
                    message=str(vuln.get("description") or vuln.get("id")).strip()[:2000],
                    severity=severity,
                    package=name,
                    version=dep_version,
                    advisory_ids=[str(vuln.get("id"))],
                    aliases=aliases,
                    fixed_versions=[str(v) for v in vuln.get("fix_versions") or []],
                )
            )
    for n, v in unique:
        if (n, v) not in reported:
            skipped.append(NotAssessed(item=f"{n}=={v}", reason="pip-audit did not report it"))
    status = RunStatus.INCOMPLETE if skipped else RunStatus.COMPLETED
    return ScanRun(**base, status=status, findings=findings, not_assessed=skipped)
