"""Normalised results of code and dependency scanners (bandit, pip-audit, SARIF and CycloneDX).

Every tool's output is parsed into the same shape, so that evidence from any tool lands on the
same controls. A run that did not look at everything it was asked to is never reported as clean:
its status says what happened, and `not_assessed` lists what was left out and why.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from compliance.core.models.common import Out


class ScanSeverity(StrEnum):
    """Our severity of a scanner finding, mapped from the tool's own by the scanner definition."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class RunStatus(StrEnum):
    """What happened when a scanner ran.

    completed: it ran and assessed everything it was given; its findings are the evidence.
    incomplete: it ran, but left something out (an unpinned requirement, a dependency it could
        not look up, a file it could not parse): the findings stand, the rest is unknown.
    failed: it crashed, exited with an unexpected code, or printed output that does not parse.
    missing: the tool is not installed.
    timeout: it did not finish in time.
    not_run: scanning was switched off (`--no-scan`) or nothing was declared to scan.
    """

    COMPLETED = "completed"
    INCOMPLETE = "incomplete"
    FAILED = "failed"
    MISSING = "missing"
    TIMEOUT = "timeout"
    NOT_RUN = "not_run"


class ScanFinding(Out):
    """One finding: a weakness in code (file and line) or a vulnerable dependency (package)."""

    tool: str
    rule_id: str = Field(
        description="The tool's rule or test ID (B602), or the advisory ID (PYSEC-2021-142)."
    )
    message: str
    severity: ScanSeverity
    tool_severity: str | None = Field(None, description="The severity as the tool gave it.")
    confidence: str | None = None
    cwe: list[str] = Field(default_factory=list, description="CWE IDs, as 'CWE-78'.")
    file: str | None = Field(None, description="Path relative to the scanned folder, '/'-separated.")
    line: int | None = None
    column: int | None = None
    package: str | None = None
    version: str | None = None
    advisory_ids: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list, description="Other IDs of the advisory (CVE, GHSA).")
    fixed_versions: list[str] = Field(default_factory=list)


class NotAssessed(Out):
    """Something a scanner was given but did not assess, and why."""

    item: str = Field(description="A requirement line, a package or a file.")
    reason: str


class ScanRun(Out):
    """One run of one scanner over the evidence of one kind."""

    tool: str
    version: str | None = Field(None, description="The tool's version, from its version probe.")
    status: RunStatus
    kind: str = Field(description="'code', 'dependencies', 'sarif' or 'sbom'.")
    inputs: list[str] = Field(default_factory=list, description="The files or folders scanned.")
    command: list[str] = Field(default_factory=list, description="The command run, as an argument list.")
    exit_code: int | None = None
    findings: list[ScanFinding] = Field(default_factory=list)
    not_assessed: list[NotAssessed] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="What went wrong, in plain words.")
    counts: dict[str, int] = Field(default_factory=dict, description="Findings per severity (filled in).")

    @model_validator(mode="after")
    def _count(self) -> ScanRun:
        tally = {s.value: sum(1 for f in self.findings if f.severity is s) for s in ScanSeverity}
        object.__setattr__(self, "counts", tally)  # derived from the findings, never given
        return self
