"""What a scanner run says beyond its findings, in words for the summary and the report.

The party being assessed controls the code, the logs and the SBOMs, so its say about a finding
is shown beside the finding, never instead of it: a finding suppressed in the code (bandit's
`# nosec`) or by the producer of a log or SBOM still counts; what the producer reports as no
problem or as fixed is counted apart and never makes a rule pass; scanner settings found in the
scanned code are named as ignored.
"""

from __future__ import annotations

from compliance.core.messages import Translator
from compliance.core.models.scan import FindingState, ScanFinding, ScanRun


def run_notes(run: ScanRun, tr: Translator) -> list[str]:
    """Sentences on a run's suppressed, no-problem and fixed results and its ignored settings."""
    notes: list[str] = []
    states = run.states
    forms = (
        (
            FindingState.SUPPRESSED_IN_CODE,
            tr.ngettext(
                "{n} finding is suppressed in the code by the supplier; it still counts",
                "{n} findings are suppressed in the code by the supplier; they still count",
                states.get(FindingState.SUPPRESSED_IN_CODE.value, 0),
            ),
        ),
        (
            FindingState.SUPPRESSED_BY_PRODUCER,
            tr.ngettext(
                "{n} finding is suppressed by the producer of the file; it still counts",
                "{n} findings are suppressed by the producer of the file; they still count",
                states.get(FindingState.SUPPRESSED_BY_PRODUCER.value, 0),
            ),
        ),
        (
            FindingState.NO_PROBLEM,
            tr.ngettext(
                "{n} result the producer reports as no problem: not a finding, and no evidence of a pass",
                "{n} results the producer reports as no problem: not findings, and no evidence of a pass",
                states.get(FindingState.NO_PROBLEM.value, 0),
            ),
        ),
        (
            FindingState.FIXED,
            tr.ngettext(
                "{n} result the producer reports as fixed: not counted",
                "{n} results the producer reports as fixed: not counted",
                states.get(FindingState.FIXED.value, 0),
            ),
        ),
    )
    for state, text in forms:
        n = states.get(state.value, 0)
        if n:
            notes.append(text.format(n=n))
    if run.ignored_settings:
        notes.append(
            tr.gettext("scanner settings in the scanned code were ignored: {files}").format(
                files=", ".join(run.ignored_settings)
            )
        )
    return notes


def finding_note(finding: ScanFinding, tr: Translator) -> str:
    """A finding's state in words ('' for an open finding), with the producer's reason if given."""
    words = {
        FindingState.SUPPRESSED_IN_CODE: tr.gettext("suppressed in the code by the supplier"),
        FindingState.SUPPRESSED_BY_PRODUCER: tr.gettext("suppressed by the producer"),
        FindingState.NO_PROBLEM: tr.gettext("the producer reports no problem"),
        FindingState.FIXED: tr.gettext("reported fixed by the producer"),
    }.get(finding.state)
    if words is None:
        return ""
    reason = finding.suppression.justification if finding.suppression is not None else None
    return f"{words}: {reason}" if reason else words
