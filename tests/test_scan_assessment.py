"""`compliance assess` with declared dependency evidence: the real pip-audit against the loopback
OSV server; findings land on controls; a scan that failed or did not run is unknown, never clean."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import minimal_solution
from osv_server import FIXTURES_DIR, OsvServer, refused_url
from test_osv_server import proxy_guard_env

AS_OF = "2026-12-01"


@pytest.fixture(scope="module")
def server() -> Iterator[OsvServer]:
    with OsvServer(FIXTURES_DIR) as s:
        yield s


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """pip-audit inherits the environment: every proxy points at a refused port but loopback."""
    with refused_url() as blocked:
        for key, value in proxy_guard_env(blocked).items():
            if key.lower().endswith("proxy"):
                monkeypatch.setenv(key, value)
        yield


def _solution(write_solution, tmp_path: Path, requirements: str) -> Path:
    (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    data = minimal_solution()
    data["evidence"] = {"dependencies": ["requirements.txt"]}
    return write_solution(data)


def _assess(cli, path: Path, *extra: str):
    run = cli("assess", path, "--as-of", AS_OF, "--format", "json", *extra)
    assert run.code == 0, run.err
    return run.json()


def _finding(a: dict, rule: str) -> str:
    [f] = [f for f in a["findings"] if f["rule_id"] == rule]
    return f["status"]


def test_vulnerable_dependencies_fail_the_controls_they_bear_on(
    write_solution, tmp_path, cli, server
) -> None:
    path = _solution(write_solution, tmp_path, "pyyaml==5.3\njinja2==2.11.3\n")
    a = _assess(cli, path, "--osv-url", server.query_url)
    [run] = a["scanners"]
    assert run["tool"] == "pip-audit" and run["status"] == "completed"
    assert run["version"].startswith("2.")
    assert run["counts"]["high"] == 2
    assert {f["rule_id"] for f in run["findings"]} == {"PYSEC-2020-96", "PYSEC-2021-142"}
    assert _finding(a, "SCAN-DEPENDENCIES-SERIOUS") == "fail"
    assert a["controls"]["ISO27001-A.8.8"]["status"] == "not_met"
    assert "serious finding" in " ".join(m["text"] for m in a["controls"]["ISO27001-A.8.8"]["explanation"])
    text = cli("assess", path, "--as-of", AS_OF, "--osv-url", server.query_url).out
    assert (
        "pip-audit 2." in text and "COMPLETED" in text and "PYSEC-2021-142 pyyaml==5.3 (fixed in 5.4)" in text
    )


def test_a_clean_audit_passes_but_never_makes_a_control_met_alone(
    write_solution, tmp_path, cli, server
) -> None:
    path = _solution(write_solution, tmp_path, "pyyaml==5.4\n")
    a = _assess(cli, path, "--osv-url", server.query_url)
    assert _finding(a, "SCAN-DEPENDENCIES-SERIOUS") == "pass"
    # NIS2 does not apply to this solution's entity (unknown scope) and ISO's own rules lack facts:
    # the clean scan alone does not make A.8.8 met.
    assert a["controls"]["ISO27001-A.8.8"]["status"] != "met"


def test_an_unreachable_vulnerability_service_gives_unknown(write_solution, tmp_path, cli) -> None:
    path = _solution(write_solution, tmp_path, "pyyaml==5.3\n")
    with refused_url() as nowhere:
        a = _assess(cli, path, "--osv-url", f"{nowhere}/v1/query")
    [run] = a["scanners"]
    assert run["status"] == "failed"
    assert _finding(a, "SCAN-DEPENDENCIES-SERIOUS") == "unknown"
    assert a["verdict"] != "ready"


def test_no_scan_shows_the_evidence_as_not_run(write_solution, tmp_path, cli) -> None:
    path = _solution(write_solution, tmp_path, "pyyaml==5.3\n")
    a = _assess(cli, path, "--no-scan")
    [run] = a["scanners"]
    assert run["status"] == "not_run"
    assert _finding(a, "SCAN-DEPENDENCIES-SERIOUS") == "unknown"
    assert "NOT_RUN" in cli("assess", path, "--as-of", AS_OF, "--no-scan").out


def test_unpinned_requirements_make_the_audit_incomplete(write_solution, tmp_path, cli, server) -> None:
    path = _solution(write_solution, tmp_path, "pyyaml==5.4\nrequests>=2\n")
    a = _assess(cli, path, "--osv-url", server.query_url)
    [run] = a["scanners"]
    assert run["status"] == "incomplete"
    assert _finding(a, "SCAN-DEPENDENCIES-SERIOUS") == "unknown"


def test_the_service_url_can_come_from_the_environment_out_of_the_process_list(
    write_solution, tmp_path, cli, server, monkeypatch
) -> None:
    """A URL with credentials given in $COMPLIANCE_OSV_URL rather than on the command line, where
    every user of the machine can read it; it reaches pip-audit in its environment too."""
    path = _solution(write_solution, tmp_path, "pyyaml==5.3\n")
    url = server.query_url.replace("http://", "http://auditor:s3cr3t-9d1e@")
    monkeypatch.setenv("COMPLIANCE_OSV_URL", url)
    before = len(server.requests)
    a = _assess(cli, path)
    [run] = a["scanners"]
    assert run["status"] == "completed" and "PYSEC-2021-142" in {f["rule_id"] for f in run["findings"]}
    assert all(r.authorization is not None for r in server.requests[before:])
    assert "s3cr3t-9d1e" not in json.dumps(a)
    assert run["command"][0] == "PIP_AUDIT_OSV_URL=" + server.query_url.replace("http://", "http://***@")


def test_osv_url_with_the_default_service_is_a_usage_error(write_solution, tmp_path, cli) -> None:
    path = _solution(write_solution, tmp_path, "pyyaml==5.4\n")
    run = cli(
        "assess", path, "--vulnerability-service", "default", "--osv-url", "http://127.0.0.1:1/v1/query"
    )
    assert run.code == 2
    assert "--osv-url" in run.err


FIXTURES = Path(__file__).parent / "fixtures"


def test_sarif_and_sbom_evidence_are_imported_and_exported_as_sarif(write_solution, tmp_path, cli) -> None:
    import json
    import shutil

    import jsonschema

    shutil.copy(FIXTURES / "sarif" / "codeql.sarif", tmp_path / "codeql.sarif")
    shutil.copy(FIXTURES / "cyclonedx" / "gateway-app-1.5.cdx.json", tmp_path / "sbom.cdx.json")
    data = minimal_solution()
    data["evidence"] = {"sarif": ["codeql.sarif"], "sboms": ["sbom.cdx.json"]}
    path = write_solution(data)
    a = _assess(cli, path)
    kinds = {r["kind"]: r for r in a["scanners"]}
    assert set(kinds) == {"sarif", "sbom"}
    assert kinds["sarif"]["findings"] and kinds["sbom"]["findings"]
    assert _finding(a, "SCAN-CODE-SERIOUS") == "fail"  # CodeQL: command and SQL injection
    assert _finding(a, "SCAN-CODE-OTHER") == "fail"  # an unused import, low
    assert _finding(a, "SCAN-DEPENDENCIES-SERIOUS") == "fail"  # the SBOM's critical pyyaml advisory
    assert _finding(a, "SCAN-DEPENDENCIES-OTHER") == "pass"
    assert a["controls"]["ISO27001-A.8.28"]["status"] == "not_met"

    out = tmp_path / "out.sarif"
    run = cli("assess", path, "--as-of", AS_OF, "--format", "sarif", "-o", str(out))
    assert run.code == 0, run.err
    log = json.loads(out.read_text(encoding="utf-8"))
    assert json.loads(run.out) == log
    schema = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    assert log["runs"][0]["tool"]["driver"]["name"] == "compliance-engine"
    assert len(log["runs"]) == 1 + len(a["scanners"])


def test_a_malformed_sarif_log_is_bad_input_and_nothing_is_written(write_solution, tmp_path, cli) -> None:
    (tmp_path / "bad.sarif").write_text('{"version": "2.1.0", "runs": [', encoding="utf-8")
    data = minimal_solution()
    data["evidence"] = {"sarif": ["bad.sarif"]}
    path = write_solution(data)
    out = tmp_path / "out.json"
    out.write_text("earlier", encoding="utf-8")
    run = cli("assess", path, "-o", str(out))
    assert run.code == 2
    assert "bad.sarif" in run.err
    assert "Traceback" not in run.err
    assert out.read_text(encoding="utf-8") == "earlier"


def test_code_evidence_is_scanned_with_bandit(write_solution, tmp_path, cli, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "jobs.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
        encoding="utf-8",
    )
    data = minimal_solution()
    data["evidence"] = {"code": ["src"]}
    a = _assess(cli, write_solution(data))
    [run] = a["scanners"]
    assert run["tool"] == "bandit" and run["status"] == "completed"
    assert run["version"]
    [finding] = [f for f in run["findings"] if f["rule_id"] == "B602"]
    assert finding["file"] == "jobs.py" and finding["line"] == 5 and finding["severity"] == "high"
    assert finding["cwe"] == ["CWE-78"]
    assert _finding(a, "SCAN-CODE-SERIOUS") == "fail"
    assert a["controls"]["ISO27001-A.8.28"]["status"] == "not_met"


def test_a_hard_coded_password_lands_on_the_authentication_secrets_control(
    write_solution, tmp_path, cli, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "settings.py").write_text('DB_PASSWORD = "hunter2"\n', encoding="utf-8")
    data = minimal_solution()
    data["evidence"] = {"code": ["src"]}
    a = _assess(cli, write_solution(data))
    [finding] = a["scanners"][0]["findings"]
    assert finding["rule_id"] == "B105" and finding["cwe"] == ["CWE-259"] and finding["severity"] == "low"
    control = a["controls"]["ISO27001-A.5.17"]
    assert control["status"] in ("partial", "unknown")  # minor: at most partial, never met
    assert "CWE-259 (bandit B105 in settings.py:1)" in " ".join(m["text"] for m in control["explanation"])


def test_a_suppliers_bandit_settings_and_nosec_comments_change_no_result(
    write_solution, tmp_path, cli, monkeypatch
) -> None:
    """The red team's reproduction: a `.bandit` that skips every test (twice: two of them made the
    scan fail) and `# nosec` on every line turned A.8.28 from not met to met."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "jobs.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)  # nosec B602 reviewed\n",
        encoding="utf-8",
    )
    for folder in (src, src / "sub"):
        (folder / ".bandit").write_text(
            "[bandit]\nskips: B602,B404,B603\nexclude: jobs.py\n", encoding="utf-8"
        )
    (src / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B602"]\n', encoding="utf-8")
    data = minimal_solution()
    data["evidence"] = {"code": ["src"]}
    a = _assess(cli, write_solution(data))
    [run] = a["scanners"]
    assert run["status"] == "completed"
    assert run["ignored_settings"] == [".bandit", "pyproject.toml", "sub/.bandit"]
    [finding] = [f for f in run["findings"] if f["rule_id"] == "B602"]
    assert finding["state"] == "suppressed_in_code"
    assert finding["suppression"] == {"kind": "nosec", "status": None, "justification": "reviewed"}
    assert run["counts"]["high"] == 1 and run["states"]["suppressed_in_code"] == 1
    assert _finding(a, "SCAN-CODE-SERIOUS") == "fail"
    assert a["controls"]["ISO27001-A.8.28"]["status"] == "not_met"
    text = cli("assess", write_solution(data), "--as-of", AS_OF).out
    assert "1 finding is suppressed in the code by the supplier; it still counts" in text
    assert "scanner settings in the scanned code were ignored: .bandit, pyproject.toml, sub/.bandit" in text


def test_a_code_folder_without_python_is_never_a_clean_scan(
    write_solution, tmp_path, cli, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "web"
    src.mkdir()
    (src / "app.js").write_text("eval(location.hash.slice(1));\n", encoding="utf-8")
    data = minimal_solution()
    data["evidence"] = {"code": ["web"]}
    a = _assess(cli, write_solution(data))
    [run] = a["scanners"]
    assert run["status"] == "no_input" and run["findings"] == []
    assert run["errors"] == [
        "not assessed by bandit: no Python code; import a SARIF log from a scanner for that language"
    ]
    assert _finding(a, "SCAN-CODE-SERIOUS") == "unknown"
    cwe_controls = {"ISO27001-A.5.17", "ISO27001-A.8.24", "ETSI-303645-5.4"}
    assert all(a["controls"][c]["status"] != "met" for c in cwe_controls)
    assert a["verdict"] != "ready"
