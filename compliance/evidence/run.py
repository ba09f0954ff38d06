"""Run the scanners for the evidence a solution declares, or record that they did not run.

This is the only place that starts scanners for an assessment; the engine receives the runs and
stays a pure function. Every declared kind of evidence yields at least one run, so that evidence
that was never scanned is visible as `not_run`, never as clean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compliance.core.models.scan import RunStatus, ScanRun
from compliance.core.models.solution import Solution
from compliance.evidence import bandit_runner, pip_audit_runner
from compliance.evidence.cyclonedx import import_cyclonedx
from compliance.evidence.pip_audit_runner import Service
from compliance.evidence.sarif import import_sarif


@dataclass(frozen=True)
class ScanOptions:
    """How to scan: at all, against which vulnerability service, with which environment."""

    enabled: bool = True
    service: Service = field(default_factory=Service)
    env: Mapping[str, str] | None = None
    progress: bool | None = None  # a progress bar for long scans: None shows it in a terminal


def run_scans(solution: Solution, base_dir: Path, options: ScanOptions | None = None) -> list[ScanRun]:
    """The scanner runs for the solution's declared evidence (paths relative to `base_dir`)."""
    options = options or ScanOptions()
    ev = solution.evidence
    runs: list[ScanRun] = []
    if not options.enabled:
        for kind, paths in (
            ("dependencies", ev.dependencies),
            ("code", ev.code),
            ("sbom", ev.sboms),
            ("sarif", ev.sarif),
        ):
            if paths:
                runs.append(
                    ScanRun(
                        tool="-",
                        kind=kind,
                        status=RunStatus.NOT_RUN,
                        inputs=list(paths),
                        errors=["scanning was switched off (--no-scan)"],
                    )
                )
        return runs
    if ev.dependencies:
        runs.append(
            pip_audit_runner.audit([base_dir / p for p in ev.dependencies], options.service, env=options.env)
        )
    for code in ev.code:
        runs.append(bandit_runner.scan(base_dir / code, progress=options.progress, confine=base_dir))
    for sbom in ev.sboms:
        runs.append(import_cyclonedx(base_dir / sbom))
    for log in ev.sarif:
        runs += import_sarif(base_dir / log, root=base_dir)
    return runs
