"""SARIF 2.1.0 and CycloneDX 1.4-1.6: other tools' logs in as scan runs, the assessment out as SARIF.

The fixtures in `tests/fixtures/sarif/` and `tests/fixtures/cyclonedx/` are small logs shaped like
the tools' own (see the README beside each); exported SARIF is validated offline against the
official OASIS schema vendored beside them, and the CycloneDX fixtures against the official
CycloneDX schemas that cyclonedx-python-lib ships.
"""

from __future__ import annotations

import copy
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.core.engine import assess
from compliance.core.errors import InputError
from compliance.core.models.assessment import Assessment
from compliance.core.models.rules import Outcome
from compliance.core.models.scan import (
    FindingState,
    NotAssessed,
    RunStatus,
    ScanFinding,
    ScanRun,
    ScanSeverity,
    Suppression,
)
from compliance.evidence.cyclonedx import CycloneDxError, import_cyclonedx, schema_validator
from compliance.evidence.sarif import SARIF_SCHEMA_URI, SarifError, import_sarif, severity_from_score
from compliance.inputs.loader import LoadedSolution, load_solution
from compliance.outputs.sarif import export_sarif, solution_target_lines

REPO = Path(__file__).resolve().parent.parent
SARIF = REPO / "tests" / "fixtures" / "sarif"
CDX = REPO / "tests" / "fixtures" / "cyclonedx"
EXAMPLES = REPO / "examples"


def _write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _log(*results: dict[str, Any], rules: list[dict[str, Any]] | None = None, **run: Any) -> dict[str, Any]:
    """A minimal SARIF log with one run of a tool called 'scanner'."""
    driver: dict[str, Any] = {"name": "scanner"}
    if rules is not None:
        driver["rules"] = rules
    return {"version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": list(results), **run}]}


def _result(rule: str = "R1", **fields: Any) -> dict[str, Any]:
    return {"ruleId": rule, "message": {"text": f"finding of {rule}"}, **fields}


def _import_one(tmp_path: Path, log: dict[str, Any], **kwargs: Any) -> ScanRun:
    runs = import_sarif(_write(tmp_path / "log.sarif", log), **kwargs)
    assert len(runs) == 1
    return runs[0]


def _by_rule(run: ScanRun) -> dict[str, ScanFinding]:
    return {f.rule_id: f for f in run.findings}


# ---------------------------------------------------------------------------------------------
# The vendored schema and the fixtures


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SARIF / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator: jsonschema.protocols.Validator = validator_class(
        schema, format_checker=validator_class.FORMAT_CHECKER
    )
    return validator


def _schema_errors(validator: jsonschema.protocols.Validator, log: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def test_the_vendored_schema_is_the_official_sarif_2_1_0_schema() -> None:
    schema = json.loads((SARIF / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"] == SARIF_SCHEMA_URI
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"


@pytest.mark.parametrize("name", ["semgrep.sarif", "codeql.sarif", "failed-run.sarif"])
def test_the_sarif_fixtures_are_valid_sarif_2_1_0(name: str, sarif_validator: Any) -> None:
    log = json.loads((SARIF / name).read_text(encoding="utf-8"))
    assert _schema_errors(sarif_validator, log) == []


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("gateway-app-1.5.cdx.json", SchemaVersion.V1_5),
        ("meter-firmware-1.6.cdx.json", SchemaVersion.V1_6),
        ("sensor-app-no-vulnerabilities-1.6.cdx.json", SchemaVersion.V1_6),
    ],
)
def test_the_cyclonedx_fixtures_are_valid_against_the_official_schema(
    name: str, version: SchemaVersion
) -> None:
    error = JsonStrictValidator(version).validate_str((CDX / name).read_text(encoding="utf-8"))
    assert error is None, str(error)


# ---------------------------------------------------------------------------------------------
# SARIF import: Semgrep


@pytest.fixture(scope="module")
def semgrep() -> ScanRun:
    (run,) = import_sarif(SARIF / "semgrep.sarif")
    return run


def test_a_semgrep_log_is_one_run_of_semgrep_with_its_version(semgrep: ScanRun) -> None:
    assert (semgrep.tool, semgrep.version, semgrep.kind) == ("Semgrep OSS", "1.97.0", "sarif")
    assert semgrep.inputs == [str(SARIF / "semgrep.sarif")]
    assert len(semgrep.findings) == 4


def test_semgrep_results_take_their_severity_from_the_rules_default_level(semgrep: ScanRun) -> None:
    by_rule = {f.rule_id.rsplit(".", 1)[-1]: f for f in semgrep.findings}
    assert by_rule["subprocess-shell-true"].severity is ScanSeverity.HIGH  # error
    assert by_rule["subprocess-shell-true"].tool_severity == "error"
    assert by_rule["directly-returned-format-string"].severity is ScanSeverity.MEDIUM  # warning
    assert by_rule["disabled-cert-validation"].severity is ScanSeverity.HIGH


def test_semgrep_cwe_tags_with_their_titles_give_the_cwe_id(semgrep: ScanRun) -> None:
    assert {f.rule_id.rsplit(".", 1)[-1]: f.cwe for f in semgrep.findings} == {
        "subprocess-shell-true": ["CWE-78"],
        "directly-returned-format-string": ["CWE-79"],
        "disabled-cert-validation": ["CWE-295"],
    }


def test_semgrep_locations_are_relative_files_with_line_and_column(semgrep: ScanRun) -> None:
    first = semgrep.findings[0]
    assert (first.file, first.line, first.column) == ("gateway/firmware_update.py", 57, 5)
    assert first.confidence == "very-high"
    assert first.message.startswith("Found 'subprocess' function 'run' with 'shell=True'.")


def test_a_file_semgrep_could_not_parse_makes_the_run_incomplete(semgrep: ScanRun) -> None:
    assert semgrep.status is RunStatus.INCOMPLETE
    assert [n.item for n in semgrep.not_assessed] == ["firmware/tools/legacy_flash.py"]
    assert semgrep.not_assessed[0].reason.startswith("Syntax error at line")
    assert semgrep.errors == []  # the timeout warning does not leave a file out


# ---------------------------------------------------------------------------------------------
# SARIF import: CodeQL


@pytest.fixture(scope="module")
def codeql() -> ScanRun:
    (run,) = import_sarif(SARIF / "codeql.sarif")
    return run


def test_a_codeql_log_is_a_completed_run_of_codeql(codeql: ScanRun) -> None:
    assert (codeql.tool, codeql.version, codeql.status) == ("CodeQL", "2.19.3", RunStatus.COMPLETED)
    assert codeql.not_assessed == [] and codeql.errors == []
    assert len(codeql.findings) == 6


def test_security_severity_takes_precedence_over_the_level(codeql: ScanRun) -> None:
    by_rule = _by_rule(codeql)
    assert by_rule["py/command-line-injection"].severity is ScanSeverity.CRITICAL  # 9.8, level error
    assert by_rule["py/sql-injection"].severity is ScanSeverity.HIGH  # 8.8
    assert by_rule["py/weak-sensitive-data-hashing"].severity is ScanSeverity.HIGH  # 7.5, level warning
    assert by_rule["py/weak-sensitive-data-hashing"].tool_severity == "7.5"
    assert by_rule["py/unused-import"].severity is ScanSeverity.LOW  # note, no security-severity


def test_codeql_cwe_tags_are_normalised(codeql: ScanRun) -> None:
    by_rule = _by_rule(codeql)
    assert by_rule["py/sql-injection"].cwe == ["CWE-89"]
    assert by_rule["py/command-line-injection"].cwe == ["CWE-78", "CWE-88"]
    assert by_rule["py/clear-text-logging-sensitive-data"].cwe == ["CWE-312", "CWE-359", "CWE-532"]
    assert by_rule["py/unused-import"].cwe == []


def test_codeql_messages_lose_their_embedded_links(codeql: ScanRun) -> None:
    assert _by_rule(codeql)["py/sql-injection"].message == "This SQL query depends on a user-provided value."


def test_codeql_locations_found_by_rule_index_are_relative(codeql: ScanRun) -> None:
    finding = _by_rule(codeql)["py/command-line-injection"]
    assert (finding.file, finding.line, finding.column) == ("api/reports.py", 77, 20)


@pytest.mark.parametrize(
    ("score", "severity"),
    [
        (10.0, ScanSeverity.CRITICAL),
        (9.0, ScanSeverity.CRITICAL),
        (8.9, ScanSeverity.HIGH),
        (7.0, ScanSeverity.HIGH),
        (6.9, ScanSeverity.MEDIUM),
        (4.0, ScanSeverity.MEDIUM),
        (3.9, ScanSeverity.LOW),
        (0.1, ScanSeverity.LOW),
        (0.0, ScanSeverity.INFO),
    ],
)
def test_security_severity_bands(score: float, severity: ScanSeverity) -> None:
    assert severity_from_score(score) is severity


# ---------------------------------------------------------------------------------------------
# SARIF import: a failed run, and the finer points of the format


@pytest.fixture(scope="module")
def firmware_runs() -> list[ScanRun]:
    return import_sarif(SARIF / "failed-run.sarif")


def test_each_run_of_a_log_is_a_scan_run_of_its_own(firmware_runs: list[ScanRun]) -> None:
    assert [(r.tool, r.version, r.status) for r in firmware_runs] == [
        ("firmware-analyser", "3.2.0", RunStatus.FAILED),
        ("firmware-analyser", "3.2.0", RunStatus.COMPLETED),
    ]


def test_a_run_that_was_not_successful_is_failed_with_its_notifications_as_errors(
    firmware_runs: list[ScanRun],
) -> None:
    failed = firmware_runs[0]
    assert failed.errors == [
        "firmware/gateway-2.4.1.bin: Could not unpack the firmware image: unsupported compression method 0x5d",
        "image extraction failed",
    ]
    assert failed.exit_code == 2
    assert failed.command == ["firmware-analyser", "--format", "sarif", "firmware/gateway-2.4.1.bin"]
    assert failed.findings == []


def test_cwe_comes_from_rule_relationships_and_result_taxa(firmware_runs: list[ScanRun]) -> None:
    by_rule = _by_rule(firmware_runs[1])
    assert by_rule["FW-CRED-001"].cwe == ["CWE-798"]  # rule relationship to the CWE taxonomy
    assert by_rule["FW-TLS-003"].cwe == ["CWE-1104"]  # the result's taxa


def test_message_arguments_fill_the_placeholders(firmware_runs: list[ScanRun]) -> None:
    finding = _by_rule(firmware_runs[1])["FW-TLS-003"]
    assert finding.message == "OpenSSL 1.1.1k is below the oldest supported release."
    assert (finding.file, finding.line) == ("firmware/meter-1.3.2.bin", None)


def test_a_result_with_only_a_rule_index_takes_its_rule_id_from_the_rule(tmp_path: Path) -> None:
    rules = [{"id": "A1"}, {"id": "B2", "defaultConfiguration": {"level": "error"}}]
    run = _import_one(tmp_path, _log({"ruleIndex": 1, "message": {"text": "x"}}, rules=rules))
    assert [(f.rule_id, f.severity) for f in run.findings] == [("B2", ScanSeverity.HIGH)]


def test_a_rule_in_an_extension_is_found_through_its_tool_component(tmp_path: Path) -> None:
    log = _log(
        {
            "ruleId": "py/x",
            "rule": {"id": "py/x", "index": 0, "toolComponent": {"index": 0}},
            "message": {"text": "x"},
        },
        rules=[],
    )
    extension = {
        "name": "codeql/python-queries",
        "rules": [
            {"id": "py/x", "properties": {"security-severity": "9.1", "tags": ["external/cwe/cwe-094"]}}
        ],
    }
    log["runs"][0]["tool"]["extensions"] = [extension]
    (finding,) = _import_one(tmp_path, log).findings
    assert (finding.severity, finding.cwe) == (ScanSeverity.CRITICAL, ["CWE-94"])


def test_a_message_given_by_id_is_looked_up_in_the_rule(tmp_path: Path) -> None:
    rules = [{"id": "R1", "messageStrings": {"default": {"text": "Variable '{0}' is unused."}}}]
    log = _log({"ruleId": "R1", "message": {"id": "default", "arguments": ["tmp"]}}, rules=rules)
    assert _import_one(tmp_path, log).findings[0].message == "Variable 'tmp' is unused."


def test_a_level_given_nowhere_is_a_warning(tmp_path: Path) -> None:
    (finding,) = _import_one(tmp_path, _log(_result())).findings
    assert (finding.severity, finding.tool_severity) == (ScanSeverity.MEDIUM, "warning")


def test_the_results_own_level_overrides_the_rule_default(tmp_path: Path) -> None:
    rules = [{"id": "R1", "defaultConfiguration": {"level": "error"}}]
    (finding,) = _import_one(tmp_path, _log(_result(level="note"), rules=rules)).findings
    assert finding.severity is ScanSeverity.LOW


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({"kind": "pass"}, FindingState.NO_PROBLEM),
        ({"kind": "notApplicable"}, FindingState.NO_PROBLEM),
        ({"kind": "informational"}, FindingState.NO_PROBLEM),
        ({"baselineState": "absent"}, FindingState.FIXED),
    ],
)
def test_results_that_report_no_problem_or_a_fix_are_kept_but_never_counted(
    tmp_path: Path, fields: dict[str, Any], state: FindingState
) -> None:
    rules = [{"id": "R1", "defaultConfiguration": {"level": "error"}}]
    run = _import_one(tmp_path, _log(_result("R1", **fields), _result("R2"), rules=rules))
    assert [(f.rule_id, f.state) for f in run.findings] == [("R1", state), ("R2", FindingState.OPEN)]
    assert [f.rule_id for f in run.counted_findings] == ["R2"]
    assert run.counts["high"] == 0 and run.counts["medium"] == 1
    assert run.states[state.value] == 1 and run.findings[0].suppression is None


def _suppressed(tmp_path: Path, *suppressions: dict[str, Any]) -> ScanFinding:
    (finding,) = _import_one(tmp_path, _log(_result(suppressions=list(suppressions)))).findings
    return finding


def test_a_result_suppressed_in_the_log_is_kept_and_counted_with_its_suppression(tmp_path: Path) -> None:
    finding = _suppressed(
        tmp_path, {"kind": "inSource", "status": "accepted", "justification": "only test data"}
    )
    assert finding.state is FindingState.SUPPRESSED_BY_PRODUCER and finding.counted
    assert finding.suppression == Suppression(
        kind="inSource", status="accepted", justification="only test data"
    )


def test_a_suppression_without_status_or_justification_still_suppresses(tmp_path: Path) -> None:
    finding = _suppressed(tmp_path, {"kind": "external"})
    assert finding.suppression == Suppression(kind="external", status=None, justification=None)


def test_the_first_suppression_that_is_not_rejected_is_the_one_kept(tmp_path: Path) -> None:
    finding = _suppressed(
        tmp_path,
        {"kind": "inSource", "status": "rejected", "justification": "no"},
        {"kind": "external", "status": "underReview", "justification": "triage"},
        {"kind": "inSource", "status": "accepted"},
    )
    assert finding.suppression == Suppression(kind="external", status="underReview", justification="triage")


@pytest.mark.parametrize(
    "suppressions", [[], [{"kind": "inSource", "status": "rejected"}]], ids=["empty", "rejected"]
)
def test_no_suppression_or_only_rejected_ones_leave_the_result_open(
    tmp_path: Path, suppressions: list[dict[str, Any]]
) -> None:
    finding = _suppressed(tmp_path, *suppressions)
    assert (finding.state, finding.suppression) == (FindingState.OPEN, None)


@pytest.mark.parametrize(
    ("suppression", "message"),
    [
        ({"status": "accepted"}, r"suppressions\[0\]\.kind: the suppression has no kind"),
        ({"kind": "inline"}, r"suppressions\[0\]\.kind: unknown kind 'inline'"),
        ({"kind": "inSource", "status": "ok"}, r"suppressions\[0\]\.status: unknown status 'ok'"),
        ({"kind": "inSource", "justification": 3}, r"justification: expected a string, found a number"),
    ],
)
def test_a_suppression_that_is_not_sarif_is_refused(
    tmp_path: Path, suppression: dict[str, Any], message: str
) -> None:
    with pytest.raises(SarifError, match=message):
        _suppressed(tmp_path, suppression)


@pytest.mark.parametrize("kind", ["open", "review"])
def test_results_a_tool_could_not_decide_count_at_their_rules_level(tmp_path: Path, kind: str) -> None:
    rules = [{"id": "R1", "defaultConfiguration": {"level": "error"}}]
    (finding,) = _import_one(tmp_path, _log(_result(kind=kind, level="none"), rules=rules)).findings
    assert finding.severity is ScanSeverity.HIGH


def test_absolute_file_uris_are_made_relative_to_the_scanned_folder(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    location = {"physicalLocation": {"artifactLocation": {"uri": (root / "src" / "a b.py").as_uri()}}}
    log = _log(_result(locations=[location]))
    assert _import_one(tmp_path, log, root=root).findings[0].file == "src/a b.py"
    assert _import_one(tmp_path, log).findings[0].file == (root / "src" / "a b.py").as_posix()


def test_absolute_file_uris_are_made_relative_to_the_bases_the_log_declares(tmp_path: Path) -> None:
    location = {"physicalLocation": {"artifactLocation": {"uri": "file:///home/runner/work/app/src/main.c"}}}
    log = _log(
        _result(locations=[location]),
        originalUriBaseIds={"SRCROOT": {"uri": "file:///home/runner/work/app/"}},
    )
    assert _import_one(tmp_path, log).findings[0].file == "src/main.c"


def test_relative_uris_under_a_declared_base_are_relative_to_the_scanned_folder(tmp_path: Path) -> None:
    location = {"physicalLocation": {"artifactLocation": {"uri": "main.c", "uriBaseId": "SRC"}}}
    log = _log(_result(locations=[location]), originalUriBaseIds={"SRC": {"uri": "file:///work/app/src/"}})
    assert _import_one(tmp_path, log, root=Path("/work/app")).findings[0].file == "src/main.c"
    assert _import_one(tmp_path, log).findings[0].file == "main.c"


def test_an_error_notification_without_a_file_makes_a_successful_run_incomplete(tmp_path: Path) -> None:
    invocation = {
        "executionSuccessful": True,
        "toolConfigurationNotifications": [
            {"level": "error", "message": {"text": "rule pack 'secrets' failed to load"}}
        ],
    }
    run = _import_one(tmp_path, _log(_result(), invocations=[invocation]))
    assert (run.status, run.errors, run.not_assessed) == (
        RunStatus.INCOMPLETE,
        ["rule pack 'secrets' failed to load"],
        [],
    )


def test_a_run_without_invocations_is_completed(tmp_path: Path) -> None:
    assert _import_one(tmp_path, _log(_result())).status is RunStatus.COMPLETED


def test_a_log_without_runs_is_not_reported_as_clean(tmp_path: Path) -> None:
    (empty,) = import_sarif(_write(tmp_path / "a.sarif", {"version": "2.1.0", "runs": []}))
    assert (empty.status, empty.findings) == (RunStatus.NOT_RUN, [])
    (null,) = import_sarif(_write(tmp_path / "b.sarif", {"version": "2.1.0", "runs": None}))
    assert null.status is RunStatus.FAILED and null.errors


def _bad(log: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    log = copy.deepcopy(log)
    target: Any = log
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return log


_DELETE = object()
_GOOD = _log(
    _result(
        locations=[{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 3}}}]
    ),
    rules=[{"id": "R1"}],
)
_RESULT = ("runs", 0, "results", 0)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("version",), "2.0.0", r"SARIF version '2\.0\.0' is not supported"),
        (("version",), _DELETE, r"bad\.sarif: not a SARIF log: no 'version'"),
        (("runs",), _DELETE, r"not a SARIF log: no 'runs'"),
        (("runs",), {"tool": {}}, r"runs: expected an array, found an object"),
        (
            ("runs", 0, "tool", "driver", "name"),
            _DELETE,
            r"runs\[0\]\.tool\.driver\.name: the tool has no name",
        ),
        (("runs", 0, "tool", "driver"), "scanner", r"runs\[0\]\.tool\.driver: expected an object"),
        ((*_RESULT, "message"), _DELETE, r"runs\[0\]\.results\[0\]\.message: the result has no message"),
        ((*_RESULT, "ruleId"), _DELETE, r"runs\[0\]\.results\[0\]: the result names no rule"),
        ((*_RESULT, "level"), "fatal", r"results\[0\]\.level: unknown level 'fatal'"),
        ((*_RESULT, "kind"), "bug", r"results\[0\]\.kind: unknown result kind 'bug'"),
        ((*_RESULT, "ruleIndex"), 4, r"results\[0\]\.ruleIndex: rule index 4 is out of range"),
        ((*_RESULT, "properties"), {"security-severity": "high"}, r"security-severity: expected a score"),
        ((*_RESULT, "properties"), {"security-severity": "11"}, r"security-severity: expected a score"),
        (
            ("runs", 0, "tool", "driver", "rules", 0, "properties"),
            {"security-severity": "n/a"},
            r"runs\[0\]\.tool\.driver\.rules\[0\]\.properties\.security-severity: expected a score",
        ),
        (
            ("runs", 0, "tool", "driver", "rules", 0, "defaultConfiguration"),
            {"level": "severe"},
            r"rules\[0\]\.defaultConfiguration\.level: unknown level 'severe'",
        ),
        (
            (*_RESULT, "locations", 0, "physicalLocation", "region", "startLine"),
            "3",
            r"region\.startLine: expected an integer, found a string",
        ),
        (
            (*_RESULT, "locations", 0, "physicalLocation", "region", "startLine"),
            0,
            r"region\.startLine: must be at least 1, found 0",
        ),
    ],
)
def test_a_log_that_is_not_valid_sarif_is_refused_saying_where_and_what(
    tmp_path: Path, path: tuple[Any, ...], value: Any, message: str
) -> None:
    file = _write(tmp_path / "bad.sarif", _bad(_GOOD, path, value))
    with pytest.raises(SarifError, match=message) as caught:
        import_sarif(file)
    assert str(caught.value).startswith(f"{file}: ")
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, InputError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": "2.1.0",\n "runs": [}', r"bad\.sarif:2:11: not valid JSON: Expecting value"),
        ("[1, 2]", r"bad\.sarif: expected an object, found an array"),
        ("", r"not valid JSON"),
    ],
)
def test_a_file_that_is_not_json_is_refused_with_its_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SarifError, match=message):
        import_sarif(_write(tmp_path / "bad.sarif", text))


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.sarif").write_bytes(b'{"version": "2.1.0", "runs": [], "x": "\xff"}')
    with pytest.raises(SarifError, match=r"bad\.sarif: not UTF-8 text"):
        import_sarif(tmp_path / "bad.sarif")


def test_a_missing_sarif_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SarifError, match=r"missing\.sarif: file not found"):
        import_sarif(tmp_path / "missing.sarif")


def test_a_cyclonedx_file_given_as_sarif_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SarifError, match="not a SARIF log: no 'runs'"):
        import_sarif(CDX / "gateway-app-1.5.cdx.json")


# ---------------------------------------------------------------------------------------------
# CycloneDX import


@pytest.fixture(scope="module")
def gateway_sbom() -> ScanRun:
    return import_cyclonedx(CDX / "gateway-app-1.5.cdx.json")


@pytest.fixture(scope="module")
def firmware_sbom() -> ScanRun:
    return import_cyclonedx(CDX / "meter-firmware-1.6.cdx.json")


def test_a_1_5_sbom_names_its_tool_from_the_legacy_tools_array(gateway_sbom: ScanRun) -> None:
    assert (gateway_sbom.tool, gateway_sbom.version, gateway_sbom.kind) == ("cyclonedx-py", "4.6.1", "sbom")
    assert gateway_sbom.status is RunStatus.COMPLETED
    assert gateway_sbom.inputs == [str(CDX / "gateway-app-1.5.cdx.json")]


def test_exploitable_in_triage_and_unanalysed_vulnerabilities_are_open_findings(
    gateway_sbom: ScanRun,
) -> None:
    assert [(f.rule_id, f.package, f.version, f.state) for f in gateway_sbom.findings[:3]] == [
        ("PYSEC-2021-142", "pyyaml", "5.3", FindingState.OPEN),  # exploitable
        ("PYSEC-2019-217", "jinja2", "2.10", FindingState.OPEN),  # in_triage
        ("PYSEC-2021-108", "urllib3", "1.24.1", FindingState.OPEN),  # no analysis
    ]


def test_not_affected_and_false_positive_are_kept_as_suppressed_by_the_producer(
    gateway_sbom: ScanRun,
) -> None:
    by_id = _by_rule(gateway_sbom)
    for vuln_id, state in (("PYSEC-2023-192", "not_affected"), ("PYSEC-2020-148", "false_positive")):
        finding = by_id[vuln_id]
        assert finding.state is FindingState.SUPPRESSED_BY_PRODUCER and finding.counted
        assert (finding.suppression.kind, finding.suppression.status) == ("vex", state)  # type: ignore[union-attr]
    assert gateway_sbom.states["suppressed_by_producer"] == 2
    assert len(gateway_sbom.counted_findings) == 5


def test_the_severity_comes_from_the_ratings(gateway_sbom: ScanRun) -> None:
    by_id = _by_rule(gateway_sbom)
    assert (by_id["PYSEC-2021-142"].severity, by_id["PYSEC-2021-142"].tool_severity) == (
        ScanSeverity.CRITICAL,
        "critical",
    )
    # no severity given: read from the CVSS v3 score
    assert (by_id["PYSEC-2019-217"].severity, by_id["PYSEC-2019-217"].tool_severity) == (
        ScanSeverity.HIGH,
        "CVSSv3 8.6",
    )
    # two ratings: the more severe counts
    assert by_id["PYSEC-2021-108"].severity is ScanSeverity.HIGH


def test_cwes_aliases_fixed_versions_and_recommendation_are_kept(gateway_sbom: ScanRun) -> None:
    pyyaml = _by_rule(gateway_sbom)["PYSEC-2021-142"]
    assert pyyaml.cwe == ["CWE-20"]
    assert pyyaml.advisory_ids == ["PYSEC-2021-142"]
    assert pyyaml.aliases == ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"]
    assert pyyaml.fixed_versions == ["5.4"]
    assert pyyaml.message.endswith(
        "Recommendation: Upgrade PyYAML to 5.4 or later and load untrusted input with safe_load."
    )
    assert _by_rule(gateway_sbom)["PYSEC-2021-108"].fixed_versions == ["1.26.5"]


def test_a_1_6_sbom_names_its_tool_from_tools_components(firmware_sbom: ScanRun) -> None:
    assert (firmware_sbom.tool, firmware_sbom.version, firmware_sbom.status) == (
        "trivy",
        "0.57.1",
        RunStatus.COMPLETED,
    )


def test_bom_links_and_nested_components_are_resolved(firmware_sbom: ScanRun) -> None:
    assert [(f.rule_id, f.package, f.version, f.severity) for f in firmware_sbom.counted_findings] == [
        ("CVE-2023-0286", "openssl", "3.0.7", ScanSeverity.HIGH),  # affects by BOM-Link
        ("CVE-2022-48174", "busybox", "1.35.0", ScanSeverity.CRITICAL),  # CVSSv31 9.8, no severity given
        ("ACME-2026-004", "acme-metering/metering-agent", "5.1.0", ScanSeverity.HIGH),
        ("CVE-2022-37434", "zlib", "1.2.13", ScanSeverity.CRITICAL),  # its own version listed unaffected
    ]


def test_a_component_version_listed_unaffected_is_suppressed_and_resolved_is_fixed(
    firmware_sbom: ScanRun,
) -> None:
    by_id = _by_rule(firmware_sbom)
    zlib = by_id["CVE-2022-37434"]
    assert zlib.state is FindingState.SUPPRESSED_BY_PRODUCER
    assert (zlib.suppression.kind, zlib.suppression.status) == ("vex", "unaffected")  # type: ignore[union-attr]
    resolved = by_id["CVE-2022-4450"]
    assert (resolved.state, resolved.counted, resolved.suppression) == (FindingState.FIXED, False, None)


def test_a_vulnerability_without_a_usable_rating_counts_at_the_default_severity(tmp_path: Path) -> None:
    acme = _by_rule(import_cyclonedx(CDX / "meter-firmware-1.6.cdx.json"))["ACME-2026-004"]
    assert (acme.severity, acme.tool_severity) == (ScanSeverity.HIGH, None)
    assert acme.message.endswith("Workaround: Block the configuration port on the meter network.")
    lowered = import_cyclonedx(CDX / "meter-firmware-1.6.cdx.json", default_severity=ScanSeverity.MEDIUM)
    assert _by_rule(lowered)["ACME-2026-004"].severity is ScanSeverity.MEDIUM


def test_an_sbom_without_vulnerability_data_is_incomplete() -> None:
    path = CDX / "sensor-app-no-vulnerabilities-1.6.cdx.json"
    run = import_cyclonedx(path)
    assert (run.tool, run.version, run.status, run.findings) == ("syft", "1.16.0", RunStatus.INCOMPLETE, [])
    assert run.not_assessed == [
        NotAssessed(
            item=str(path),
            reason="the SBOM includes no vulnerability data: it lists 2 component(s) but does not assess them",
        )
    ]


def test_an_empty_vulnerabilities_array_is_a_completed_run_without_findings(tmp_path: Path) -> None:
    bom = json.loads((CDX / "sensor-app-no-vulnerabilities-1.6.cdx.json").read_text(encoding="utf-8"))
    run = import_cyclonedx(_write(tmp_path / "bom.json", {**bom, "vulnerabilities": []}))
    assert (run.status, run.findings, run.not_assessed) == (RunStatus.COMPLETED, [], [])


def test_an_sbom_without_tools_names_an_unknown_tool(tmp_path: Path) -> None:
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "vulnerabilities": [{"id": "X-1"}]}
    run = import_cyclonedx(_write(tmp_path / "bom.json", bom))
    assert (run.tool, run.version) == ("unknown", None)
    assert [(f.rule_id, f.package, f.severity) for f in run.findings] == [("X-1", None, ScanSeverity.HIGH)]


_BOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "components": [{"type": "library", "bom-ref": "lib", "name": "lib", "version": "1.0"}],
    "vulnerabilities": [{"id": "V-1", "ratings": [{"severity": "low"}], "affects": [{"ref": "lib"}]}],
}
_VULN = ("vulnerabilities", 0)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("specVersion",), "1.7", r"specVersion: CycloneDX specVersion '1\.7' is not supported"),
        (("specVersion",), _DELETE, r"specVersion: CycloneDX specVersion null is not supported"),
        (("specVersion",), "1.3", r"specVersion '1\.3' is not supported; only 1\.4, 1\.5 and 1\.6 are"),
        (("bomFormat",), "SPDX", r"not a CycloneDX SBOM: bomFormat must be 'CycloneDX', found 'SPDX'"),
        (("vulnerabilities",), {}, r"vulnerabilities: not valid CycloneDX 1\.6: expected an array, found an"),
        (
            (*_VULN, "analysis"),
            {"state": "wont_fix"},
            r"vulnerabilities\[0\]\.analysis\.state: not valid CycloneDX 1\.6: 'wont_fix' is not one of",
        ),
        ((*_VULN, "affects", 0, "ref"), "nothing", r"affects\[0\]\.ref: 'nothing' names no component"),
        (
            (*_VULN, "ratings", 0, "severity"),
            "severe",
            r"ratings\[0\]\.severity: not valid .*'severe' is not",
        ),
        ((*_VULN, "ratings", 0, "score"), "9.8", r"ratings\[0\]\.score: not valid .*expected a number"),
        ((*_VULN, "cwes"), ["CWE-79"], r"cwes\[0\]: not valid .*expected an integer, found a string"),
        (
            ("components", 0, "type"),
            3,
            r"components\[0\]\.type: not valid .*expected a string, found a number",
        ),
        (("components", 0, "colour"), "red", r"components\[0\]: not valid .*unknown property 'colour'"),
        (
            ("components", 0, "name"),
            _DELETE,
            r"components\[0\]: not valid .*required property 'name' is missing",
        ),
        (("components",), [_BOM["components"][0]] * 2, r"components: not valid .*item 1 repeats item 0"),
        (
            ("components", 0, "hashes"),
            [{"alg": "SHA-256", "content": "ab"}],
            r"hashes\[0\]\.content: not valid .*does not match the pattern",
        ),
        ((*_VULN, "id"), _DELETE, r"vulnerabilities\[0\]: the vulnerability has no id"),
        (
            ("components", 0, "components"),
            [{"type": "library", "bom-ref": "lib", "name": "x"}],
            r"bom-ref 'lib' is used twice",
        ),
    ],
)
def test_an_sbom_that_is_not_valid_cyclonedx_is_refused_saying_where_and_what(
    tmp_path: Path, path: tuple[Any, ...], value: Any, message: str
) -> None:
    file = _write(tmp_path / "bad.cdx.json", _bad(_BOM, path, value))
    with pytest.raises(CycloneDxError, match=message) as caught:
        import_cyclonedx(file)
    assert str(caught.value).startswith(f"{file}: ")
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, InputError)


def test_pip_audits_own_cyclonedx_1_4_output_is_read_with_its_vulnerabilities() -> None:
    run = import_cyclonedx(CDX / "pip-audit.spec-1.4.cdx.json")
    assert (run.tool, run.status) == ("unknown", RunStatus.COMPLETED)  # pip-audit names no tool
    by_package: dict[str, set[str]] = {}
    for f in run.findings:
        by_package.setdefault(f.package or "", set()).add(f.rule_id)
    assert by_package["pyyaml"] == {"PYSEC-2020-96", "PYSEC-2021-142"}
    assert by_package["jinja2"] == {"PYSEC-2019-217", "PYSEC-2021-66"}
    assert "PYSEC-2019-133" in by_package["urllib3"]
    assert all(f.state is FindingState.OPEN and f.severity is ScanSeverity.HIGH for f in run.findings)


def test_an_sbom_that_is_not_json_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(CycloneDxError, match=r"bom\.json:1:2: not valid JSON"):
        import_cyclonedx(_write(tmp_path / "bom.json", "{bomFormat: CycloneDX}"))


def test_a_sarif_file_given_as_an_sbom_is_refused() -> None:
    with pytest.raises(
        CycloneDxError, match="not a CycloneDX SBOM: bomFormat must be 'CycloneDX', it is missing"
    ):
        import_cyclonedx(SARIF / "semgrep.sarif")


# ---------------------------------------------------------------------------------------------
# Export


def _assessed(example: str, packs: list[Any]) -> tuple[Assessment, LoadedSolution]:
    folder = EXAMPLES / example
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    as_of = (
        expected["as_of"] if isinstance(expected["as_of"], date) else date.fromisoformat(expected["as_of"])
    )
    loaded = load_solution(folder / "solution.yaml")  # an absolute path: the export makes it relative
    return assess(loaded.solution, packs, as_of, inputs=loaded.inputs), loaded


@pytest.fixture(scope="module")
def clean(packs: list[Any]) -> tuple[Assessment, LoadedSolution]:
    return _assessed("building-energy-dk", packs)


@pytest.fixture(scope="module")
def failing(packs: list[Any]) -> tuple[Assessment, LoadedSolution]:
    return _assessed("wifi-footfall-se", packs)


@pytest.fixture(scope="module")
def undecided(packs: list[Any]) -> tuple[Assessment, LoadedSolution]:
    return _assessed("anpr-through-traffic-dk", packs)


def _code_scan() -> ScanRun:
    """A bandit-like run with a file finding, and a dependency finding without a file."""
    return ScanRun(
        tool="bandit",
        version="1.8.0",
        status=RunStatus.INCOMPLETE,
        kind="code",
        inputs=["src"],
        command=["bandit", "--recursive", "--format", "json", "src"],
        exit_code=1,
        findings=[
            ScanFinding(
                tool="bandit",
                rule_id="B602",
                message="subprocess call with shell=True identified, security issue.",
                severity=ScanSeverity.HIGH,
                tool_severity="HIGH",
                confidence="HIGH",
                cwe=["CWE-78"],
                file="src/flash.py",
                line=14,
                column=5,
            ),
            ScanFinding(
                tool="bandit",
                rule_id="B105",
                message="Possible hardcoded password: 'admin'",
                severity=ScanSeverity.LOW,
                cwe=["CWE-259"],
                file="src/config.py",
                line=3,
            ),
        ],
        not_assessed=[NotAssessed(item="src/legacy.py", reason="syntax error while parsing AST from file")],
    )


def _dependency_scan() -> ScanRun:
    return ScanRun(
        tool="pip-audit",
        version="2.10.1",
        status=RunStatus.COMPLETED,
        kind="dependencies",
        inputs=["requirements.txt"],
        findings=[
            ScanFinding(
                tool="pip-audit",
                rule_id="PYSEC-2021-142",
                message="PyYAML FullLoader code execution remains after the CVE-2020-1747 fix",
                severity=ScanSeverity.HIGH,
                package="pyyaml",
                version="5.3",
                advisory_ids=["PYSEC-2021-142"],
                aliases=["CVE-2020-14343"],
                fixed_versions=["5.4"],
            )
        ],
    )


def _missing_scan() -> ScanRun:
    return ScanRun(tool="bandit", status=RunStatus.MISSING, kind="code", errors=["bandit is not installed"])


def test_a_clean_assessment_exports_a_valid_log_without_results(
    clean: tuple[Assessment, LoadedSolution], sarif_validator: Any
) -> None:
    assessment, _ = clean
    log = export_sarif(assessment)
    assert _schema_errors(sarif_validator, log) == []
    assert log["version"] == "2.1.0" and log["$schema"] == SARIF_SCHEMA_URI
    (run,) = log["runs"]
    assert run["tool"]["driver"] == {
        "name": "compliance-engine",
        "version": assessment.tool.version,
        "rules": [],
    }
    assert run["results"] == []


def test_failures_export_as_a_valid_log_with_one_result_each(
    failing: tuple[Assessment, LoadedSolution], sarif_validator: Any
) -> None:
    assessment, loaded = failing
    log = export_sarif(assessment, base=REPO, target_lines=solution_target_lines(loaded))
    assert _schema_errors(sarif_validator, log) == []
    (run,) = log["runs"]
    exported = [
        f for f in assessment.findings if f.status in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW)
    ]
    failed = [f for f in exported if f.status is Outcome.FAIL]
    assert len(failed) == 24
    # three need a person's review; 33 are unknown (the radio-equipment, NIS2 Art. 23(1)-(2) and
    # Swedish security-protection facts the example does not state, nine; its suppliers'
    # assurance documents, 15, and Data Act terms, 9, which it states neither)
    assert len(run["results"]) == len(exported) == 60
    assert [r["ruleId"] for r in run["results"]] == [f.rule_id for f in exported]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted({f.rule_id for f in exported})
    levels = {
        (f.severity.value, r["level"])
        for f, r in zip(exported, run["results"], strict=True)
        if f.status is Outcome.FAIL
    }
    assert levels == {("critical", "error"), ("high", "error"), ("medium", "warning"), ("low", "warning")}
    reviews = [r for f, r in zip(exported, run["results"], strict=True) if f.status is Outcome.NEEDS_REVIEW]
    assert {r["level"] for r in reviews} == {"warning"}
    assert all(len(r["properties"]["factsSha256"]) == 64 for r in reviews)
    assert "informationUri" not in json.dumps(log)


def test_an_exported_rule_carries_title_rationale_remediation_citation_and_framework(
    failing: tuple[Assessment, LoadedSolution],
) -> None:
    assessment, _ = failing
    (run,) = export_sarif(assessment)["runs"]
    rule = run["tool"]["driver"]["rules"][0]
    info = assessment.rules[rule["id"]]
    assert rule["shortDescription"] == {"text": info.title}
    assert rule["fullDescription"] == {"text": info.rationale}
    assert rule["help"] == {"text": info.remediation}
    assert rule["properties"]["citation"] == info.citation
    assert rule["properties"]["framework"] == info.framework
    assert rule["properties"]["tags"][:2] == ["compliance", info.framework]


def test_an_exported_result_is_located_in_the_solution_file_at_its_target(
    failing: tuple[Assessment, LoadedSolution],
) -> None:
    assessment, loaded = failing
    (run,) = export_sarif(assessment, base=REPO, target_lines=solution_target_lines(loaded))["runs"]
    lines = loaded.path.read_text(encoding="utf-8").splitlines()
    for finding, result in zip(
        [f for f in assessment.findings if f.status in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW)],
        run["results"],
        strict=True,
    ):
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "examples/wifi-footfall-se/solution.yaml"
        (logical,) = location["logicalLocations"]
        if finding.target is None:
            assert logical == {"name": "wifi-footfall-se", "kind": "solution"}
        else:
            assert (logical["name"], logical["kind"]) == (finding.target.id, finding.target.kind.value)
            # the line is where the target is declared: its list item, '- id: ...'
            assert f"id: {finding.target.id}" in lines[physical["region"]["startLine"] - 1]


def test_unknown_findings_export_as_notes_saying_facts_are_missing(
    undecided: tuple[Assessment, LoadedSolution], sarif_validator: Any
) -> None:
    assessment, _ = undecided
    log = export_sarif(assessment)
    assert _schema_errors(sarif_validator, log) == []
    unknown = [f for f in assessment.findings if f.status is Outcome.UNKNOWN]
    notes = [r for r in log["runs"][0]["results"] if r["properties"]["status"] == "unknown"]
    assert len(notes) == len(unknown) >= 2
    assert {r["level"] for r in notes} == {"note"}
    assert all("facts needed to decide are missing" in r["message"]["text"] for r in notes)


def test_scan_runs_export_as_runs_of_their_own_tools(
    failing: tuple[Assessment, LoadedSolution], sarif_validator: Any
) -> None:
    assessment, _ = failing
    log = export_sarif(assessment, [_code_scan(), _dependency_scan(), _missing_scan()])
    assert _schema_errors(sarif_validator, log) == []
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == [
        "compliance-engine",
        "bandit",
        "pip-audit",
        "bandit",
    ]
    categories = [r["automationDetails"]["id"] for r in log["runs"]]
    assert len(set(categories)) == len(categories)  # code scanning refuses runs sharing tool and category
    bandit = log["runs"][1]
    b602 = next(r for r in bandit["results"] if r["ruleId"] == "B602")
    assert b602["level"] == "error"
    assert b602["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/flash.py"},
        "region": {"startLine": 14, "startColumn": 5},
    }
    rules = {r["id"]: r for r in bandit["tool"]["driver"]["rules"]}
    assert rules["B602"]["properties"]["tags"] == ["security", "external/cwe/cwe-78"]
    (invocation,) = bandit["invocations"]
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"][0]["level"] == "error"
    pip_audit = log["runs"][2]["results"][0]
    assert pip_audit["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "requirements.txt"}}
    assert pip_audit["properties"]["fixedVersions"] == ["5.4"]
    assert log["runs"][3]["invocations"][0]["executionSuccessful"] is False


def test_an_exported_log_imports_back_with_the_same_rules_and_counts(
    failing: tuple[Assessment, LoadedSolution], tmp_path: Path
) -> None:
    assessment, loaded = failing
    scans = [_code_scan(), _dependency_scan(), _missing_scan(), *import_sarif(SARIF / "codeql.sarif")]
    log = export_sarif(assessment, scans, base=REPO, target_lines=solution_target_lines(loaded))
    back = import_sarif(_write(tmp_path / "assessment.sarif", log))

    ours, *theirs = back
    exported = [
        f for f in assessment.findings if f.status in (Outcome.FAIL, Outcome.UNKNOWN, Outcome.NEEDS_REVIEW)
    ]
    assert (ours.tool, ours.version, ours.status) == (
        "compliance-engine",
        assessment.tool.version,
        RunStatus.COMPLETED,
    )
    assert sorted(f.rule_id for f in ours.findings) == sorted(f.rule_id for f in exported)
    assert [f.severity.value for f in ours.findings] == [f.severity.value for f in exported]
    assert {f.file for f in ours.findings} == {"examples/wifi-footfall-se/solution.yaml"}

    assert [r.tool for r in theirs] == [s.tool for s in scans]
    for original, imported in zip(scans, theirs, strict=True):
        assert sorted(f.rule_id for f in imported.findings) == sorted(f.rule_id for f in original.findings)
        assert sorted(f.severity for f in imported.findings) == sorted(f.severity for f in original.findings)
        # a dependency finding comes back located at the manifest it was found in
        assert [(f.file, f.line, f.cwe) for f in imported.findings] == [
            (f.file or original.inputs[0], f.line, f.cwe) for f in original.findings
        ]
    assert [r.status for r in theirs] == [
        RunStatus.INCOMPLETE,
        RunStatus.COMPLETED,
        RunStatus.FAILED,  # missing: the tool did not run
        RunStatus.COMPLETED,
    ]
    assert theirs[0].not_assessed == _code_scan().not_assessed
    assert theirs[2].errors == ["bandit is not installed"]
    pip_audit = theirs[1].findings[0]
    assert (pip_audit.package, pip_audit.version, pip_audit.fixed_versions, pip_audit.aliases) == (
        "pyyaml",
        "5.3",
        ["5.4"],
        ["CVE-2020-14343"],
    )


def test_the_export_is_deterministic(failing: tuple[Assessment, LoadedSolution]) -> None:
    assessment, _ = failing
    scans = [_code_scan(), _dependency_scan()]
    assert json.dumps(export_sarif(assessment, scans)) == json.dumps(export_sarif(assessment, scans))


def test_absolute_paths_under_the_base_export_relative_and_others_as_file_uris(
    clean: tuple[Assessment, LoadedSolution], tmp_path: Path
) -> None:
    assessment, _ = clean
    inside = ScanFinding(
        tool="t", rule_id="R", message="m", severity=ScanSeverity.LOW, file=str(tmp_path / "src" / "a b.py")
    )
    outside = inside.model_copy(update={"file": "/elsewhere/b.py"})
    scan = ScanRun(tool="t", status=RunStatus.COMPLETED, kind="code", findings=[inside, outside])
    run = export_sarif(assessment, [scan], base=tmp_path)["runs"][1]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
    assert uris == ["src/a%20b.py", "file:///elsewhere/b.py"]


# ---------------------------------------------------------------------------------------------
# Hostile logs and SBOMs: every odd shape is the reader's own error, located, never a crash


def _raw(tmp_path: Path, name: str, raw: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            b'{"version": "2.1.0", "runs": [], "x": ' + b"9" * 5000 + b"}",
            r":1:39: not valid JSON: a number of 5,000",
        ),
        (b'{"version": "2.1.0", "runs": [],\n "x": NaN}', r":2:7: not valid JSON: NaN is not a JSON value"),
        (
            b'{"version": "2.1.0", "runs": [], "x": -Infinity}',
            r"not valid JSON: -Infinity is not a JSON value",
        ),
        (b'{"version": "2.1.0", "runs": [], "x": 1e999}', r"not valid JSON: 1e999 is too large for a number"),
        (
            b'{"version": "2.1.0", "runs": [], "x": ' + b"[" * 100 + b"]" * 100 + b"}",
            r"x(\[0\]){64}: nested more than 64 levels deep",
        ),
        (
            b'{"version": "2.1.0", "runs": [], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            r"not valid JSON",
        ),
        (b'{"version": "2.1.0", "runs": [], "x": "\xff"}', r"not UTF-8 text"),
        (
            b'\xef\xbb\xbf{"version": "2.0.0", "runs": []}',
            r"version: SARIF version '2\.0\.0' is not supported",
        ),
        (b'{"version": "2.1.0\x00", "runs": []}', r"not valid JSON: Invalid control character"),
        (
            b'{"version": "2.1.0\\u0000", "runs": []}',
            r"version: SARIF version '2\.1\.0\\x00' is not supported",
        ),
    ],
)
def test_json_that_python_would_choke_on_is_refused_with_its_place(
    tmp_path: Path, raw: bytes, message: str
) -> None:
    with pytest.raises(SarifError, match=message):
        import_sarif(_raw(tmp_path, "bad.sarif", raw))
    if b'"version"' in raw and b'"2.1.0"' in raw:  # the same JSON as an SBOM: the same refusal
        with pytest.raises(CycloneDxError, match=message):
            import_cyclonedx(_raw(tmp_path, "bad.cdx.json", raw))


def _rule_log(**rule: Any) -> dict[str, Any]:
    return _log(_result("R1"), rules=[{"id": "R1", **rule}])


@pytest.mark.parametrize(
    ("log", "message"),
    [
        (_log(_result("R1"), rules=[{"id": ["R1"]}]), r"rules\[0\]\.id: expected a string, found an array"),
        (
            _rule_log(properties={"security-severity": 10**400}),
            r"security-severity: expected a score .* of 401 digits",
        ),
        (_rule_log(properties={"security-severity": "1e400"}), r"security-severity: expected a score"),
        (_rule_log(properties={"security-severity": "nan"}), r"security-severity: expected a score"),
        (
            _log(_result(locations=[{"physicalLocation": {"artifactLocation": {"uri": "http://[::1"}}}])),
            r"artifactLocation\.uri: 'http://\[::1' is not a valid URI",
        ),
        (
            _log(_result(locations=[{"physicalLocation": {"region": {"startLine": 2**60}}}])),
            r"region\.startLine: must be at most 9007199254740992",
        ),
        (_log(_result(kind="x" * 10_000)), r"unknown result kind 'x{80}'\.\.\. \(10,000 characters\)"),
        (_log(_result(level="\x1b[31m")), r"unknown level '\\x1b\[31m'"),
        (_log(_result(baselineState="gone")), r"baselineState: unknown baseline state 'gone'"),
    ],
)
def test_hostile_values_in_a_log_are_refused_with_their_json_path(
    tmp_path: Path, log: dict[str, Any], message: str
) -> None:
    text = json.dumps(log).replace(str(10**400), "1" + "0" * 400)
    with pytest.raises(SarifError, match=message):
        import_sarif(_write(tmp_path / "bad.sarif", text))


def test_crafted_message_text_is_read_in_linear_time_and_kept(tmp_path: Path) -> None:
    """Thousands of brackets and placeholders: the link and argument substitutions stay linear
    (a quadratic one would not finish), and an absurd placeholder number is left as written."""
    text = "[" * 50_000 + "](x" * 20_000 + "{" + "9" * 5000 + "} [a](b) {0}"
    (finding,) = _import_one(tmp_path, _log(_result(message={"text": text, "arguments": ["zero"]}))).findings
    assert finding.message.endswith("} a zero")
    rule_id = "a/" * 100_000
    (finding,) = _import_one(tmp_path, _log(_result(rule_id))).findings
    assert finding.rule_id == rule_id


# The values a supplier's file may hold where the reader expects something else.
_HOSTILE_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    "",
    "x" * 5000,
    "\x00\x1b[2J",
    "http://[::1",
    "[" * 300 + "{99999999999}",
    "CWE-" + "9" * 50,
    [],
    {},
    [None],
    {"": None},
    [[[[[[[[]]]]]]]],
]
# Written into the JSON text in place of a marker value: what json.dumps cannot write.
_RAW_VALUES = {
    "__huge_int__": "9" * 4400,
    "__nan__": "NaN",
    "__deep__": "[" * 200 + "]" * 200,
    "__big__": "1e400",
}


def _containers(document: Any, parent: Any = None, key: Any = None) -> list[tuple[Any, Any]]:
    """(container, key) for every value in the document, so that any of them can be replaced."""
    found: list[tuple[Any, Any]] = [] if parent is None else [(parent, key)]
    if isinstance(document, dict):
        for k, v in document.items():
            found += _containers(v, document, k)
    elif isinstance(document, list):
        for i, v in enumerate(document):
            found += _containers(v, document, i)
    return found


@st.composite
def _mutated(draw: st.DrawFn, bases: list[dict[str, Any]]) -> bytes:
    """A fixture with a few values replaced, deleted or wrapped, then written with hostile bytes."""
    document = copy.deepcopy(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 4))):
        places = _containers(document)
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "replace", "raw", "delete", "wrap"]))
        if action == "replace":
            container[key] = copy.deepcopy(draw(st.sampled_from(_HOSTILE_VALUES)))
        elif action == "raw":
            container[key] = draw(st.sampled_from(sorted(_RAW_VALUES)))
        elif action == "delete" and isinstance(container, dict):
            del container[key]
        else:
            container[key] = [container[key]]
    text = json.dumps(document)
    for marker, raw in _RAW_VALUES.items():
        text = text.replace(f'"{marker}"', raw)
    data = text.encode("utf-8")
    damage = draw(st.sampled_from(["none", "none", "bom", "truncate", "invalid-utf8", "nul"]))
    if damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "invalid-utf8":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\xc3\x28" + data[at:]
    elif damage == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    return data


def _fixtures(folder: Path, pattern: str) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob(pattern))]


_FUZZ = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_FUZZ
@given(data=_mutated([*_fixtures(SARIF, "*.sarif"), _GOOD]))
def test_a_mutated_sarif_log_is_read_or_refused_as_sarif_never_a_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.sarif"
        path.write_bytes(data)
        try:
            runs = import_sarif(path, root=Path(tmp))
        except SarifError as exc:
            assert exc.problems and str(exc).startswith(f"{path}:")
        else:
            assert all(isinstance(run, ScanRun) for run in runs)


@_FUZZ
@given(data=_mutated([*_fixtures(CDX, "*.cdx.json"), _BOM]))
def test_a_mutated_sbom_is_read_or_refused_as_cyclonedx_never_a_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bom.cdx.json"
        path.write_bytes(data)
        try:
            run = import_cyclonedx(path)
        except CycloneDxError as exc:
            assert exc.problems and str(exc).startswith(f"{path}:")
        else:
            assert isinstance(run, ScanRun)


def test_the_schemas_are_the_packaged_ones_with_every_reference_resolved_in_memory() -> None:
    """Nothing is left to fetch: no `$ref` remains in the schema a validator uses."""
    for version in ("1.4", "1.5", "1.6"):
        schema = schema_validator(version).schema
        seen: set[int] = set()
        stack: list[Any] = [schema]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, dict):
                assert "$ref" not in node
                stack.extend(v for k, v in node.items() if k not in ("enum", "const", "examples", "default"))
            elif isinstance(node, list):
                stack.extend(node)
        assert schema["properties"]["specVersion"]["type"] == "string"


def test_a_large_sbom_is_validated_and_read(tmp_path: Path) -> None:
    """Two thousand components with unique-items arrays: linear checks (the bench measures time)."""
    components = [
        {
            "type": "library",
            "bom-ref": f"c{i}",
            "name": f"p{i}",
            "version": "1.0",
            "licenses": [{"license": {"id": "MIT"}}],
        }
        for i in range(2000)
    ]
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": components,
        "dependencies": [{"ref": f"c{i}", "dependsOn": [f"c{(i + 1) % 2000}"]} for i in range(2000)],
        "vulnerabilities": [{"id": f"V-{i}", "affects": [{"ref": f"c{i}"}]} for i in range(0, 2000, 100)],
    }
    run = import_cyclonedx(_write(tmp_path / "big.cdx.json", bom))
    assert len(run.findings) == 20
    components[1999] = dict(components[1998])
    with pytest.raises(
        CycloneDxError, match=r"components: not valid CycloneDX 1\.5: item 1999 repeats item 1998"
    ):
        import_cyclonedx(_write(tmp_path / "dup.cdx.json", bom))


def test_vex_justification_and_detail_are_joined_into_the_suppression(tmp_path: Path) -> None:
    analysis = {"state": "not_affected", "justification": "code_not_reachable", "detail": " Never imported. "}
    bom = _bad(_BOM, (*_VULN, "analysis"), analysis)
    (finding,) = import_cyclonedx(_write(tmp_path / "vex.cdx.json", bom)).findings
    assert finding.suppression == Suppression(
        kind="vex", status="not_affected", justification="code_not_reachable: Never imported."
    )
    bom = _bad(_BOM, (*_VULN, "analysis"), {"state": "false_positive"})
    (finding,) = import_cyclonedx(_write(tmp_path / "fp.cdx.json", bom)).findings
    assert finding.suppression == Suppression(kind="vex", status="false_positive", justification=None)
    for state in ("resolved", "resolved_with_pedigree"):
        bom = _bad(_BOM, (*_VULN, "analysis"), {"state": state})
        (finding,) = import_cyclonedx(_write(tmp_path / "fixed.cdx.json", bom)).findings
        assert (finding.state, finding.counted) == (FindingState.FIXED, False)
