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
    no_input: it ran, but found nothing it can assess (a code folder without a Python file):
        not a clean scan; the code needs a scanner for its language (a SARIF log).
    """

    COMPLETED = "completed"
    INCOMPLETE = "incomplete"
    FAILED = "failed"
    MISSING = "missing"
    TIMEOUT = "timeout"
    NOT_RUN = "not_run"
    NO_INPUT = "no_input"


class FindingState(StrEnum):
    """What the producer of a finding says about it. Suppressed findings count as findings: the
    party being assessed controls the code, the logs and the SBOMs, so its suppressions are shown
    to the assessor (who may accept the risk) but never remove a finding. What a producer reports
    as no problem or fixed is recorded, counted apart, and never makes a rule pass.

    open: a finding, nobody said otherwise.
    suppressed_in_code: suppressed in the scanned code by the supplier (bandit's `# nosec`).
    suppressed_by_producer: suppressed in an imported log or SBOM (SARIF `suppressions`, a
        CycloneDX/VEX analysis of `not_affected` or `false_positive`).
    no_problem: the producer reports no problem here (SARIF `kind` pass or notApplicable).
    fixed: the producer reports it fixed since its baseline (SARIF `baselineState: absent`).
    """

    OPEN = "open"
    SUPPRESSED_IN_CODE = "suppressed_in_code"
    SUPPRESSED_BY_PRODUCER = "suppressed_by_producer"
    NO_PROBLEM = "no_problem"
    FIXED = "fixed"


# The states that count as findings (for the facts, the counts and the controls).
COUNTED_STATES = frozenset(
    {FindingState.OPEN, FindingState.SUPPRESSED_IN_CODE, FindingState.SUPPRESSED_BY_PRODUCER}
)


class Suppression(Out):
    """How a finding was suppressed, as its producer recorded it (all text is the producer's)."""

    kind: str = Field(
        description="'nosec' for a comment in the code; SARIF's suppression kind (inSource, external); "
        "'vex' for a CycloneDX analysis."
    )
    status: str | None = Field(
        None, description="SARIF's status (accepted, underReview) or the VEX state (not_affected...)."
    )
    justification: str | None = Field(None, description="The reason the producer gave, if any.")


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
    state: FindingState = Field(FindingState.OPEN, description="What its producer says about it.")
    suppression: Suppression | None = Field(None, description="How it was suppressed, when it was.")

    @property
    def counted(self) -> bool:
        """Whether it counts as a finding (open or suppressed)."""
        return self.state in COUNTED_STATES


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
    ignored_settings: list[str] = Field(
        default_factory=list,
        description="Files in the scanned input that would configure the scanner (a `.bandit`, a "
        "`pyproject.toml` or `setup.cfg` with a bandit section), ignored: only the project's own "
        "configuration is used, so the party being assessed cannot steer its scan.",
    )
    counts: dict[str, int] = Field(
        default_factory=dict, description="Counted findings per severity (filled in)."
    )
    states: dict[str, int] = Field(
        default_factory=dict, description="Findings per state, counted or not (filled in)."
    )

    @model_validator(mode="after")
    def _count(self) -> ScanRun:
        counted = [f for f in self.findings if f.counted]
        tally = {s.value: sum(1 for f in counted if f.severity is s) for s in ScanSeverity}
        object.__setattr__(self, "counts", tally)  # derived from the findings, never given
        states = {s.value: sum(1 for f in self.findings if f.state is s) for s in FindingState}
        object.__setattr__(self, "states", states)
        return self

    @property
    def counted_findings(self) -> list[ScanFinding]:
        """The findings that count (open or suppressed), without what the producer calls fine."""
        return [f for f in self.findings if f.counted]
