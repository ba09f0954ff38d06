"""The pip-audit runner: the real pip-audit against the loopback OSV server, and every way it can
fail judged as what it is, never as clean."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osv_server import FIXTURES_DIR, OsvServer, refused_url
from packaging.requirements import Requirement
from packaging.version import Version
from test_osv_server import proxy_guard_env

from compliance.core.errors import InputError
from compliance.core.models.scan import RunStatus
from compliance.evidence import pip_audit_runner
from compliance.evidence.pip_audit_runner import Service, audit, pin_rounds
from compliance.evidence.requirements import DependencyFileError, Pinned, read_dependencies

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
    # the service's URL in pip-audit's environment, then the program and its arguments
    assert run.command[0] == f"PIP_AUDIT_OSV_URL={server.query_url}"
    assert Path(run.command[1]).name == "pip-audit"
    assert server.query_url not in run.command[1:]


# ---------------------------------------------------------------------------------------------
# A package pinned twice: both versions are audited, in rounds


def test_a_package_pinned_at_a_vulnerable_and_a_fixed_version_keeps_the_vulnerable_advisories(
    tmp_path, server, offline_env
) -> None:
    run = _run(tmp_path, "pyyaml==5.4\njinja2==2.10\nPyYAML==5.3\n", server.query_url, offline_env)
    assert run.status is RunStatus.COMPLETED, run.errors
    assert {(f.package, f.version, f.rule_id) for f in run.findings} >= {
        ("pyyaml", "5.3", "PYSEC-2020-96"),
        ("pyyaml", "5.3", "PYSEC-2021-142"),
        ("jinja2", "2.10", "PYSEC-2019-217"),
    }
    assert not [f for f in run.findings if f.package == "pyyaml" and f.version == "5.4"]
    assert run.not_assessed == [] and run.errors == []


def test_the_same_package_pinned_in_two_files_is_audited_at_both_versions(
    tmp_path, server, offline_env
) -> None:
    (tmp_path / "requirements.txt").write_text("pyyaml==5.4\n", encoding="utf-8")
    lock = tmp_path / "poetry.lock"
    lock.write_text('[[package]]\nname = "PyYAML"\nversion = "5.3"\n', encoding="utf-8")
    run = audit(
        [tmp_path / "requirements.txt", lock],
        Service("osv-url", server.query_url),
        env=offline_env,
        timeout=60,
    )
    assert run.status is RunStatus.COMPLETED, run.errors
    assert {(f.version, f.rule_id) for f in run.findings} == {
        ("5.3", "PYSEC-2020-96"),
        ("5.3", "PYSEC-2021-142"),
    }


def test_the_same_version_written_twice_is_one_pin_audited_once(tmp_path, server, offline_env) -> None:
    run = _run(tmp_path, "pyyaml==5.3\nPyYAML==5.3.0\npy_yaml==5.3\n", server.query_url, offline_env)
    assert run.status is RunStatus.COMPLETED, run.errors
    assert sorted((f.package, f.rule_id) for f in run.findings) == [
        ("pyyaml", "PYSEC-2020-96"),
        ("pyyaml", "PYSEC-2021-142"),
    ]


def test_pins_are_split_into_rounds_with_each_package_once_per_round() -> None:
    pins = [
        Pinned("pyyaml", "5.3", "a:1"),
        Pinned("jinja2", "2.10", "a:2"),
        Pinned("pyyaml", "5.4", "a:3"),
        Pinned("pyyaml", "5.3.0", "b:1"),
        Pinned("pyyaml", "6.0", "b:2"),
    ]
    assert pin_rounds(pins) == [
        [("jinja2", "2.10"), ("pyyaml", "5.3")],
        [("pyyaml", "5.4")],
        [("pyyaml", "6.0")],
    ]


def test_names_and_versions_pip_audit_would_refuse_are_not_assessed_and_the_rest_is_audited(
    tmp_path, server, offline_env
) -> None:
    """One crafted entry would make pip-audit refuse the whole list: it is left out, with why."""
    lock = tmp_path / "uv.lock"
    lock.write_text(
        '[[package]]\nname = "pyyaml"\nversion = "5.3"\n\n'
        '[[package]]\nname = "evil; rm -rf /"\nversion = "1.0"\n\n'
        '[[package]]\nname = "jinja2"\nversion = "2.10\\n--index-url http://127.0.0.1:1/"\n\n'
        '[[package]]\nname = "urllib3"\nversion = "not-a-version"\n',
        encoding="utf-8",
    )
    run = audit([lock], Service("osv-url", server.query_url), env=offline_env, timeout=60)
    assert run.status is RunStatus.INCOMPLETE, run.errors
    assert {f.package for f in run.findings} == {"pyyaml"}
    reasons = [n.reason for n in run.not_assessed]
    assert "'evil; rm -rf /' is not a valid package name (PEP 508)" in reasons
    assert sum("is not a version the vulnerability service can compare" in r for r in reasons) == 2


def test_files_that_pin_nothing_are_no_input_never_a_clean_scan(tmp_path, server, offline_env) -> None:
    run = _run(
        tmp_path, "# nothing here\n--index-url http://127.0.0.1:1/simple\n", server.query_url, offline_env
    )
    assert run.status is RunStatus.NO_INPUT
    assert run.findings == [] and run.errors == ["the files pin no dependency: nothing to audit"]


# ---------------------------------------------------------------------------------------------
# Credentials in the service URL never reach the record

SECRET_USER, SECRET_PASSWORD, SECRET_KEY = "assessor-7f3a", "p4ss-w0rd-91c2", "qk-5e6d7c8b"


def test_credentials_in_the_service_url_are_used_but_never_recorded(tmp_path, server, offline_env) -> None:
    url = server.query_url.replace("http://", f"http://{SECRET_USER}:{SECRET_PASSWORD}@")
    before = len(server.requests)
    run = _run(tmp_path, VULNERABLE, url, offline_env)
    assert run.status is RunStatus.COMPLETED, run.errors  # the server ignores the credentials
    assert "PYSEC-2021-142" in {f.rule_id for f in run.findings}
    dumped = run.model_dump_json()
    assert SECRET_USER not in dumped and SECRET_PASSWORD not in dumped
    # recorded as a shell would run it, the URL in pip-audit's environment, masked
    masked = url.replace(f"{SECRET_USER}:{SECRET_PASSWORD}", "***")
    assert run.command[0] == f"PIP_AUDIT_OSV_URL={masked}"
    # the credentials reached the service (sent as HTTP basic authentication) ...
    sent = {r.authorization for r in server.requests[before:]}
    expected = "Basic " + base64.b64encode(f"{SECRET_USER}:{SECRET_PASSWORD}".encode()).decode()
    assert sent == {expected}
    # ... and never pip-audit's command line, which every user of the machine can read
    assert not any(server.url.removeprefix("http://") in a for a in run.command[1:])


def test_credentials_in_a_failing_service_url_are_masked_in_the_errors_too(tmp_path, offline_env) -> None:
    with refused_url() as nowhere:
        url = nowhere.replace("http://", f"http://{SECRET_USER}:{SECRET_PASSWORD}@")
        url += f"/v1/query?api_key={SECRET_KEY}&page=1"
        run = _run(tmp_path, VULNERABLE + "flask>=2\n", url, offline_env)
    assert run.status is RunStatus.FAILED
    dumped = run.model_dump_json()
    for secret in (SECRET_USER, SECRET_PASSWORD, SECRET_KEY):
        assert secret not in dumped
    assert run.command[0].startswith("PIP_AUDIT_OSV_URL=http://***@")
    assert run.command[0].endswith("/v1/query?api_key=***&page=1")


# ---------------------------------------------------------------------------------------------
# pip-audit's own CycloneDX output is read by the SBOM importer


def test_a_real_pip_audit_cyclonedx_1_4_sbom_is_read_with_its_vulnerabilities(
    tmp_path, server, offline_env
) -> None:
    import subprocess

    from compliance.core.scanner_definitions import find_tool
    from compliance.evidence.cyclonedx import import_cyclonedx

    req = tmp_path / "requirements.txt"
    req.write_text(VULNERABLE, encoding="utf-8")
    executable = find_tool("pip-audit")
    assert executable is not None
    done = subprocess.run(
        [executable, "--disable-pip", "--no-deps", "--format", "cyclonedx-json", "--progress-spinner", "off",
         "--requirement", str(req), "--vulnerability-service", "osv", "--osv-url", server.query_url,
         "--cache-dir", str(tmp_path / "cache"), "--output", str(tmp_path / "bom.cdx.json")],
        capture_output=True, text=True, timeout=120, check=False, env=offline_env,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # 1: vulnerabilities found
    sbom = tmp_path / "bom.cdx.json"
    assert '"specVersion": "1.4"' in sbom.read_text(encoding="utf-8")
    run = import_cyclonedx(sbom)
    assert run.status is RunStatus.COMPLETED
    assert {(f.package, f.rule_id) for f in run.findings} >= {
        ("pyyaml", "PYSEC-2021-142"),
        ("jinja2", "PYSEC-2019-217"),
        ("urllib3", "PYSEC-2019-133"),
    }


# ---------------------------------------------------------------------------------------------
# Hostile requirement and lock files: read, or refused as a DependencyFileError, never a crash


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("Pipfile.lock", b"[]", r"Pipfile\.lock: expected an object, found an array"),
        ("Pipfile.lock", b'{"default": [1]}', r"Pipfile\.lock: default: expected an object, found an array"),
        ("Pipfile.lock", b'{"default": {"x": 1}}', r"default\.x: expected an object, found a number"),
        ("Pipfile.lock", b'{"default": {"x": {"version": 3}}}', r"default\.x\.version: expected a string"),
        ("Pipfile.lock", b"[" * 100_000, r"Pipfile\.lock: not valid JSON"),
        (
            "Pipfile.lock",
            b'{"default": ' + b"9" * 5000 + b"}",
            r"Pipfile\.lock:1:13: not valid JSON: a number",
        ),
        ("uv.lock", b"x = " + b"9" * 5000 + b"\n", r"uv\.lock: not a TOML lock file"),
        (
            "uv.lock",
            b'[[package]]\nname = "a"\nversion = 1\n',
            r"uv\.lock: package\[0\]\.version: expected a version",
        ),
        (
            "poetry.lock",
            b"package = 3\n",
            r"poetry\.lock: package: expected an array of tables, found a number",
        ),
        ("poetry.lock", b"package = [1]\n", r"poetry\.lock: package\[0\]: expected a table, found a number"),
        ("poetry.lock", b"[[package]]\nversion = '1'\n", r"package\[0\]\.name: expected the package's name"),
        ("poetry.lock", b"[[package]\n", r"poetry\.lock:1:\d+: not a TOML lock file"),
        ("pylock.toml", b"a = [" * 5000 + b"\n", r"pylock\.toml:1:\d+: not a TOML lock file"),
        ("requirements.txt", b"pyyaml==5.3\n\xff\n", r"requirements\.txt: not UTF-8 text"),
    ],
)
def test_a_malformed_dependency_file_is_refused_saying_where_and_what(
    tmp_path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DependencyFileError, match=message) as caught:
        read_dependencies(path)
    assert isinstance(caught.value, InputError) and str(caught.value).startswith(str(path))


def test_a_malformed_file_in_an_audit_is_bad_input_saying_where_and_what(
    tmp_path, server, offline_env
) -> None:
    (tmp_path / "Pipfile.lock").write_text("[]", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n", encoding="utf-8")
    files = [tmp_path / "Pipfile.lock", tmp_path / "requirements.txt"]
    with pytest.raises(DependencyFileError) as raised:
        audit(files, Service("osv-url", server.query_url), env=offline_env, timeout=60)
    assert str(files[0]) in str(raised.value)
    assert "expected an object, found an array" in str(raised.value)


_LINES = st.sampled_from(
    [
        "pyyaml==5.3",
        "PyYAML===5.3",
        "jinja2 == 2.10 ; python_version > '3' --hash=sha256:00",
        "urllib3==1.24.1 \\",
        "-r other.txt",
        "-e .",
        "--index-url http://127.0.0.1:1/",
        "flask>=2",
        "x==1.*",
        "bad name==1",
        "a==b==c",
        "a[" + "x," * 500 + "]==1",
        "a; " + "(" * 300 + "python_version>'3'" + ")" * 300,
        "pkg==" + "9" * 5000,
        "pkg===not a version",
        "pkg @ https://127.0.0.1/x.whl",
        "\x00pkg==1",
        "pkg==1\x1b[2J",
        "# comment",
        "",
    ]
)
_LOCKS = st.sampled_from(
    [
        ("poetry.lock", '[[package]]\nname = "pyyaml"\nversion = "5.3"\n'),
        (
            "uv.lock",
            'version = 1\n[[package]]\nname = "jinja2"\nversion = "2.10"\nsource = { registry = "x" }\n',
        ),
        ("pylock.toml", '[[packages]]\nname = "urllib3"\nversion = "1.24.1"\n'),
        ("Pipfile.lock", '{"default": {"pyyaml": {"version": "==5.3"}}, "develop": {}}'),
    ]
)


@st.composite
def _dependency_file(draw: st.DrawFn) -> tuple[str, bytes]:
    if draw(st.booleans()):
        text = "\n".join(draw(st.lists(_LINES, max_size=8)))
        return "requirements.txt", text.encode("utf-8", "surrogatepass")
    name, text = draw(_LOCKS)
    data = text.encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 8))
        insert = draw(
            st.sampled_from(
                [
                    b"",
                    b"[",
                    b"]",
                    b"{",
                    b"}",
                    b'"',
                    b"\x00",
                    b"\xff",
                    b"9" * 4500,
                    b"1e999",
                    b"NaN",
                    b"= 1",
                    b"\n[",
                ]
            )
        )
        data = data[:at] + insert + data[at + cut :]
    return name, data


@settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_dependency_file())
def test_a_mutated_dependency_file_is_read_or_refused_never_a_crash(case: tuple[str, bytes]) -> None:
    name, data = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            deps = read_dependencies(path)
        except DependencyFileError as exc:
            assert exc.problems and str(exc).startswith(str(path))
            return
    for p in deps.pinned:  # what reaches pip-audit is always a line it can read
        assert Requirement(f"{p.name}=={p.version}").name == p.name
        assert "\n" not in p.version and str(Version(p.version)) == p.version
