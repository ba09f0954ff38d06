"""The pip-audit runner: the real pip-audit against the loopback OSV server, and every way it can
fail judged as what it is, never as clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from osv_server import FIXTURES_DIR, OsvServer, refused_url
from test_osv_server import proxy_guard_env

from compliance.core.models.scan import RunStatus
from compliance.evidence import pip_audit_runner
from compliance.evidence.pip_audit_runner import Service, audit
from compliance.evidence.requirements import read_dependencies

VULNERABLE = "pyyaml==5.3\njinja2==2.10\nurllib3==1.24.1\n"
FIXED = "pyyaml==5.4\njinja2==2.11.3\nurllib3==1.26.18\n"


@pytest.fixture(scope="module")
def server() -> Iterator[OsvServer]:
    with OsvServer(FIXTURES_DIR) as s:
        yield s


@pytest.fixture
def offline_env() -> Iterator[dict[str, str]]:
    with refused_url() as blocked:
        yield proxy_guard_env(blocked)


def _run(tmp_path: Path, text: str, url: str, env: dict[str, str], name: str = "requirements.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return audit([path], Service("osv-url", url), env=env, timeout=60)


def test_known_vulnerabilities_are_found_with_their_advisories(tmp_path, server, offline_env) -> None:
    run = _run(tmp_path, VULNERABLE, server.query_url, offline_env)
    assert run.status is RunStatus.COMPLETED, run.errors
    assert run.exit_code == 1  # "found": told apart from a crash only by the JSON
    assert run.version and run.version.startswith("2.")
    by_package: dict[str, set[str]] = {}
    for f in run.findings:
        by_package.setdefault(f.package or "", set()).add(f.rule_id)
    assert by_package["pyyaml"] == {"PYSEC-2020-96", "PYSEC-2021-142"}
    assert by_package["jinja2"] == {"PYSEC-2019-217", "PYSEC-2021-66"}
    assert "PYSEC-2019-133" in by_package["urllib3"]
    cve = next(f for f in run.findings if f.rule_id == "PYSEC-2021-142")
    assert "CVE-2020-14343" in cve.aliases
    assert cve.fixed_versions == ["5.4"]
    assert cve.version == "5.3"


def test_fixed_versions_are_clean_and_complete(tmp_path, server, offline_env) -> None:
    run = _run(tmp_path, FIXED, server.query_url, offline_env)
    assert run.status is RunStatus.COMPLETED
    assert run.findings == []
    assert run.not_assessed == []


def test_an_unreachable_service_is_a_failed_run_never_clean(tmp_path, offline_env) -> None:
    with refused_url() as nowhere:
        run = _run(tmp_path, VULNERABLE, f"{nowhere}/v1/query", offline_env)
    assert run.status is RunStatus.FAILED
    assert run.findings == []
    assert run.exit_code == 1
    assert "printed no audit" in run.errors[0]
    assert {n.item for n in run.not_assessed} == {"pyyaml==5.3", "jinja2==2.10", "urllib3==1.24.1"}


def test_unpinned_requirements_are_listed_as_not_assessed(tmp_path, server, offline_env) -> None:
    text = "pyyaml==5.4\nrequests>=2.0\nflask\n-e ./local\n-r other.txt\n"
    run = _run(tmp_path, text, server.query_url, offline_env)
    assert run.status is RunStatus.INCOMPLETE
    reasons = {n.item.split(": ", 1)[1]: n.reason for n in run.not_assessed}
    assert set(reasons) == {"requests>=2.0", "flask", "-e ./local", "-r other.txt"}
    assert "not pinned" in reasons["requests>=2.0"]
    assert run.findings == []


def test_a_dependency_pip_audit_skips_makes_the_run_incomplete(
    tmp_path, server, offline_env, monkeypatch
) -> None:
    """pip-audit exits 0 and says "No known vulnerabilities found" while skipping a dependency."""
    real = pip_audit_runner.subprocess.run

    def fake_skip(cmd, **kw):  # the real pip-audit, with its JSON edited to show a skip
        done = real(cmd, **kw)
        if "--format" not in cmd:
            return done  # the version probe
        import json

        data = json.loads(done.stdout)
        data["dependencies"][0] = {"name": data["dependencies"][0]["name"], "skip_reason": "lookup failed"}
        done.stdout = json.dumps(data)
        return done

    monkeypatch.setattr(pip_audit_runner.subprocess, "run", fake_skip)
    run = _run(tmp_path, FIXED, server.query_url, offline_env)
    assert run.status is RunStatus.INCOMPLETE
    # pip-audit names a skipped dependency without its version: it stands for that pin, once.
    [skip] = run.not_assessed
    assert skip.item == "jinja2==2.11.3"  # the first dependency pip-audit lists (sorted)
    assert skip.reason == "pip-audit skipped it: lookup failed"


def test_a_missing_pip_audit_is_reported_as_missing(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(pip_audit_runner, "find_tool", lambda name: None)
    (tmp_path / "requirements.txt").write_text(VULNERABLE, encoding="utf-8")
    run = audit([tmp_path / "requirements.txt"])
    assert run.status is RunStatus.MISSING
    assert "not installed" in run.errors[0]


def test_a_run_that_times_out_is_reported_as_timeout(tmp_path, offline_env) -> None:
    # A server that accepts the connection and never answers.
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        path = tmp_path / "requirements.txt"
        path.write_text("pyyaml==5.4\n", encoding="utf-8")
        run = audit(
            [path], Service("osv-url", f"http://127.0.0.1:{port}/v1/query"), env=offline_env, timeout=3
        )
    assert run.status in (RunStatus.TIMEOUT, RunStatus.FAILED)
    assert run.findings == []


def test_lock_files_are_read_for_their_pinned_versions(tmp_path, server, offline_env) -> None:
    lock = tmp_path / "poetry.lock"
    lock.write_text(
        '[[package]]\nname = "PyYAML"\nversion = "5.3"\n\n[[package]]\nname = "jinja2"\nversion = "2.11.3"\n',
        encoding="utf-8",
    )
    run = audit([lock], Service("osv-url", server.query_url), env=offline_env, timeout=60)
    assert run.status is RunStatus.COMPLETED
    assert {f.package for f in run.findings} == {"pyyaml"}


def test_requirement_lines_with_hashes_markers_and_continuations(tmp_path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(
        "# pinned with hashes\n"
        "PyYAML==5.3 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb\n"
        'urllib3==1.24.1 ; python_version >= "3.8"  # a marker\n'
        "--index-url http://127.0.0.1:1/simple\n"
        "jinja2~=2.10\n",
        encoding="utf-8",
    )
    deps = read_dependencies(path)
    assert [(p.name, p.version) for p in deps.pinned] == [("pyyaml", "5.3"), ("urllib3", "1.24.1")]
    assert deps.pinned[0].source == f"{path}:2"
    assert [n.item for n in deps.not_assessed] == [f"{path}:7: jinja2~=2.10"]


def test_the_command_is_an_argument_list_that_never_resolves_or_installs(
    tmp_path, server, offline_env
) -> None:
    run = _run(tmp_path, FIXED, server.query_url, offline_env)
    assert isinstance(run.command, list)
    assert {"--disable-pip", "--no-deps"} <= set(run.command)
    assert Path(run.command[0]).name == "pip-audit"
