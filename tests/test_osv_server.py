"""The loopback OSV server answers from real advisory fixtures, and the real pip-audit reads it.

The pip-audit tests also pin down what pip-audit does when it cannot use its service, since the
product must tell "no vulnerabilities" apart from "could not look".
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from osv_server import (
    FixtureError,
    OsvServer,
    Record,
    affects,
    load_records,
    normalise_name,
    refused_url,
)
from packaging.version import Version

RECORDS = load_records()
PINNED = "pyyaml==5.3\njinja2==2.10\nurllib3==1.24.1\n"
# What a real audit of PINNED finds in the fixtures, by canonical package name (see the README).
EXPECTED_FOR_PINNED = {
    "pyyaml": {"PYSEC-2020-96", "PYSEC-2021-142"},
    "jinja2": {"PYSEC-2019-217", "PYSEC-2021-66"},
    "urllib3": {
        "PYSEC-2019-132",
        "PYSEC-2019-133",
        "PYSEC-2020-148",
        "PYSEC-2021-108",
        "PYSEC-2023-192",
        "PYSEC-2023-207",
        "PYSEC-2023-212",
    },
}
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
PIP_AUDIT_TIMEOUT = 60


# ---------------------------------------------------------------------------------------------
# Helpers


def request(method: str, url: str, body: bytes | None = None) -> tuple[int, Any]:
    """Send one request and return the status and the decoded JSON answer."""
    req = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def post(url: str, payload: Any) -> tuple[int, Any]:
    return request("POST", url, json.dumps(payload).encode("utf-8"))


def query(server: OsvServer, name: str, version: str, ecosystem: str = "PyPI") -> set[str]:
    """The IDs the server reports for one package version."""
    status, answer = post(
        server.query_url, {"package": {"name": name, "ecosystem": ecosystem}, "version": version}
    )
    assert status == 200, answer
    return {vuln["id"] for vuln in answer.get("vulns", [])}


def ecosystem_pairs(record: Mapping[str, Any]) -> Iterator[tuple[str, str, str, list[str]]]:
    """(package, introduced, fixed, listed versions) for each introduced/fixed pair of the record."""
    for entry in record["affected"]:
        for range_ in entry["ranges"]:
            if range_["type"] != "ECOSYSTEM":
                continue
            events = range_["events"]
            for start, end in zip(events[::2], events[1::2], strict=True):
                yield entry["package"]["name"], start["introduced"], end["fixed"], entry.get("versions", [])


def write_record(folder: Path, record: Record) -> None:
    path = folder / f"{record['id']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record), encoding="utf-8")


def minimal_record(**changes: Any) -> Record:
    record: Record = {
        "id": "TEST-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "demo"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "2.0"}]}],
            }
        ],
    }
    record.update(changes)
    return record


def proxy_guard_env(blocked_url: str) -> dict[str, str]:
    """The environment with every proxy pointed at a refused port, except for loopback.

    pip-audit may reach the OSV server on 127.0.0.1 and nothing else: any other request it
    made would fail at once instead of leaving the machine.
    """
    env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    for key in ("http_proxy", "https_proxy", "all_proxy"):
        env[key] = env[key.upper()] = blocked_url
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def run_pip_audit(
    tmp_path: Path, requirements: str, osv_url: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    """Run the installed pip-audit on a requirements file against one OSV URL, offline."""
    if not PIP_AUDIT.exists():
        pytest.fail(f"{PIP_AUDIT}: pip-audit is not installed in this environment; install it (dev extra)")
    req_file = tmp_path / "requirements.txt"
    req_file.write_text(requirements, encoding="utf-8")
    args = [
        str(PIP_AUDIT),
        "--disable-pip",
        "--no-deps",
        "--requirement",
        str(req_file),
        "--format",
        "json",
        "--vulnerability-service",
        "osv",
        "--osv-url",
        osv_url,
        "--cache-dir",
        str(tmp_path / "pip-audit-cache"),
        "--progress-spinner",
        "off",
        "--timeout",
        "5",
        *extra,
    ]
    with refused_url() as blocked:
        return subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=PIP_AUDIT_TIMEOUT,
            env=proxy_guard_env(blocked),
            check=False,
        )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"


@pytest.fixture(scope="module")
def shared_server() -> Iterator[OsvServer]:
    """One server for the read-only tests of this module."""
    with OsvServer() as server:
        yield server


@pytest.fixture
def osv_server() -> Iterator[OsvServer]:
    """A fresh server, for tests that look at the requests it received."""
    with OsvServer() as server:
        yield server


# ---------------------------------------------------------------------------------------------
# The fixtures themselves


def test_the_fixtures_hold_at_least_three_records_per_package() -> None:
    counts: dict[str, int] = {}
    for record in RECORDS:
        for entry in record["affected"]:
            name = entry["package"]["name"]
            counts[name] = counts.get(name, 0) + 1
    assert counts.keys() == EXPECTED_FOR_PINNED.keys()
    assert all(count >= 3 for count in counts.values()), counts


def test_each_fixture_names_its_source_in_the_advisory_database() -> None:
    for record in RECORDS:
        source = record["_source"]
        package = record["affected"][0]["package"]["name"]
        assert source["repository"] == "pypa/advisory-database", record["id"]
        assert source["path"] == f"vulns/{package}/{record['id']}.yaml", record["id"]
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), record["id"]


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_each_listed_version_of_a_record_lies_inside_its_ranges(record: Record) -> None:
    # The `versions` lists and the ranges were copied separately; they must agree.
    ranges_only = {**record, "affected": [{**e, "versions": []} for e in record["affected"]]}
    for entry in record["affected"]:
        name = entry["package"]["name"]
        outside = [v for v in entry["versions"] if not affects(ranges_only, name, "PyPI", v)]
        assert outside == [], f"{record['id']}: listed but outside the ranges: {outside}"


# ---------------------------------------------------------------------------------------------
# /v1/query: version matching


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_each_record_is_reported_at_an_affected_version_and_not_at_its_fixed_versions(
    shared_server: OsvServer, record: Record
) -> None:
    pairs = list(ecosystem_pairs(record))
    assert pairs, f"{record['id']}: no ECOSYSTEM range"
    for name, introduced, fixed, listed in pairs:
        # "0" is no version: take the lowest listed version below the fix instead.
        inside = (
            introduced
            if introduced != "0"
            else str(min(v for v in map(Version, listed) if v < Version(fixed)))
        )
        assert record["id"] in query(shared_server, name, inside), f"{name} {inside}"
        assert record["id"] not in query(shared_server, name, fixed), f"{name} {fixed}"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.9", False),
        ("1.0", True),  # introduced is inclusive
        ("1.5.post1", True),
        ("2.0rc1", True),  # a pre-release of the fix is still before the fix
        ("2.0", False),  # fixed is exclusive
        ("2.0.0", False),  # PEP 440 equality, not string equality
        ("3.0", True),  # second range, events given out of order
        ("3.1", True),  # last_affected is inclusive
        ("3.1.1", False),
    ],
)
def test_ecosystem_ranges_follow_pep_440_order(version: str, expected: bool) -> None:
    record = minimal_record(
        affected=[
            {
                "package": {"ecosystem": "PyPI", "name": "demo"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [
                            {"last_affected": "3.1"},
                            {"introduced": "3.0"},
                            {"fixed": "2.0"},
                            {"introduced": "1.0"},
                        ],
                    }
                ],
            }
        ]
    )
    assert affects(record, "demo", "PyPI", version) is expected


def test_a_version_in_the_versions_list_alone_is_reported(tmp_path: Path) -> None:
    write_record(
        tmp_path,
        minimal_record(affected=[{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.2"]}]),
    )
    with OsvServer(tmp_path) as server:
        assert query(server, "demo", "1.2") == {"TEST-1"}
        assert query(server, "demo", "1.3") == set()


def test_git_ranges_are_not_evaluated_for_versions(tmp_path: Path) -> None:
    git_only = {"type": "GIT", "repo": "https://example.invalid/demo", "events": [{"introduced": "0"}]}
    write_record(
        tmp_path,
        minimal_record(affected=[{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [git_only]}]),
    )
    with OsvServer(tmp_path) as server:
        assert query(server, "demo", "1.0") == set()


def test_a_version_no_record_affects_gets_an_empty_object(shared_server: OsvServer) -> None:
    status, answer = post(
        shared_server.query_url, {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "6.0.1"}
    )
    assert (status, answer) == (200, {})


def test_the_answer_carries_full_records_without_fixture_metadata(shared_server: OsvServer) -> None:
    status, answer = post(
        shared_server.query_url, {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "5.3"}
    )
    assert status == 200
    by_id = {record["id"]: record for record in RECORDS}
    for vuln in answer["vulns"]:
        assert "_source" not in vuln
        assert vuln == {k: v for k, v in by_id[vuln["id"]].items() if k != "_source"}


# ---------------------------------------------------------------------------------------------
# /v1/query: names, ecosystems, commits, page tokens


@pytest.mark.parametrize(
    ("asked", "package", "version"),
    [
        ("PyYAML", "pyyaml", "5.3"),
        ("pyyaml", "pyyaml", "5.3"),
        ("JINJA2", "jinja2", "2.10"),
        ("Urllib3", "urllib3", "1.24.1"),
    ],
)
def test_package_names_are_compared_normalised(
    shared_server: OsvServer, asked: str, package: str, version: str
) -> None:
    assert query(shared_server, asked, version) == EXPECTED_FOR_PINNED[package]


def test_names_in_the_fixtures_are_normalised_too(tmp_path: Path) -> None:
    record = minimal_record()
    record["affected"][0]["package"]["name"] = "Demo_Pkg"
    write_record(tmp_path, record)
    with OsvServer(tmp_path) as server:
        assert query(server, "demo.pkg", "1.0") == {"TEST-1"}
        assert query(server, "DEMO--PKG", "1.0") == {"TEST-1"}
        assert query(server, "demopkg", "1.0") == set()


def test_pep_503_normalisation_folds_runs_of_separators() -> None:
    assert normalise_name("Foo.__-Bar_baz") == "foo-bar-baz"


def test_another_ecosystem_matches_nothing(shared_server: OsvServer) -> None:
    assert query(shared_server, "pyyaml", "5.3", ecosystem="npm") == set()
    assert query(shared_server, "pyyaml", "5.3", ecosystem="pypi") == set()  # ecosystems are exact


def test_a_commit_query_gets_an_empty_object(shared_server: OsvServer) -> None:
    assert post(shared_server.query_url, {"commit": "6879efc2c1596d11a6a6ad296f80063b558d5e0f"}) == (200, {})


def test_a_page_token_is_accepted_and_ignored(shared_server: OsvServer) -> None:
    status, answer = post(
        shared_server.query_url,
        {"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "2.10", "page_token": "next"},
    )
    assert status == 200
    assert {vuln["id"] for vuln in answer["vulns"]} == EXPECTED_FOR_PINNED["jinja2"]


# ---------------------------------------------------------------------------------------------
# /v1/querybatch and /v1/vulns/{id}


def test_querybatch_answers_ids_and_modified_times_per_query_in_order(shared_server: OsvServer) -> None:
    status, answer = post(
        f"{shared_server.url}/v1/querybatch",
        {
            "queries": [
                {"package": {"name": "PyYAML", "ecosystem": "PyPI"}, "version": "5.3"},
                {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "6.0.1"},
                {"commit": "6879efc2c1596d11a6a6ad296f80063b558d5e0f"},
            ]
        },
    )
    assert status == 200
    assert answer == {
        "results": [
            {
                "vulns": [
                    {"id": "PYSEC-2020-96", "modified": "2021-03-26T02:44:00Z"},
                    {"id": "PYSEC-2021-142", "modified": "2021-08-27T03:22:18.913334Z"},
                ]
            },
            {},
            {},
        ]
    }


def test_a_vulnerability_is_served_by_id_without_fixture_metadata(shared_server: OsvServer) -> None:
    status, record = request("GET", f"{shared_server.url}/v1/vulns/PYSEC-2019-217")
    assert status == 200
    assert record["id"] == "PYSEC-2019-217"
    assert record["aliases"] == ["CVE-2019-10906", "GHSA-462w-v97r-4m45"]
    assert "_source" not in record


def test_an_unknown_vulnerability_id_gets_404_with_a_json_message(shared_server: OsvServer) -> None:
    status, answer = request("GET", f"{shared_server.url}/v1/vulns/PYSEC-0000-0")
    assert status == 404
    assert answer == {"code": 404, "message": "PYSEC-0000-0: no such vulnerability"}


def test_an_unknown_path_gets_404(shared_server: OsvServer) -> None:
    assert post(f"{shared_server.url}/v2/query", {})[0] == 404
    assert request("GET", f"{shared_server.url}/v1/query")[0] == 404


# ---------------------------------------------------------------------------------------------
# Bad requests


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/v1/query", b"{not json", "body: invalid JSON"),
        ("/v1/query", b"", "body: invalid JSON"),
        ("/v1/query", b"[]", "body: expected a JSON object"),
        ("/v1/query", b'{"version": "1.0"}', "body.package: required"),
        (
            "/v1/query",
            b'{"package": {"name": "pyyaml"}, "version": "1.0"}',
            "body.package.ecosystem: required",
        ),
        ("/v1/query", b'{"package": {"name": "pyyaml", "ecosystem": "PyPI"}}', "body.version: required"),
        (
            "/v1/query",
            b'{"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "not a version"}',
            "body.version: not a PEP 440 version: 'not a version'",
        ),
        (
            "/v1/query",
            b'{"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "5.3", "versions": []}',
            "body: unknown field 'versions'",
        ),
        ("/v1/query", b'{"commit": "abc", "version": "1.0"}', "body: give either 'commit' or 'version'"),
        ("/v1/querybatch", b'{"query": []}', "body: expected an object with one field, 'queries'"),
        (
            "/v1/querybatch",
            b'{"queries": [{"commit": "abc"}, {"package": {"name": "x", "ecosystem": "PyPI"}}]}',
            "queries[1].version: required",
        ),
    ],
)
def test_a_bad_request_gets_400_with_a_json_message_naming_the_field(
    shared_server: OsvServer, path: str, body: bytes, message: str
) -> None:
    status, answer = request("POST", f"{shared_server.url}{path}", body)
    assert status == 400
    assert answer["code"] == 400
    assert answer["message"].startswith(message), answer


# ---------------------------------------------------------------------------------------------
# The server's own life and its record of requests


def test_the_server_records_each_request_it_answered(osv_server: OsvServer) -> None:
    query(osv_server, "PyYAML", "5.3")
    request("POST", osv_server.query_url, b"{")
    request("GET", f"{osv_server.url}/v1/vulns/PYSEC-2021-66")

    seen = [(r.method, r.path, r.body, r.status) for r in osv_server.requests]
    assert seen == [
        ("POST", "/v1/query", {"package": {"name": "PyYAML", "ecosystem": "PyPI"}, "version": "5.3"}, 200),
        ("POST", "/v1/query", b"{", 400),
        ("GET", "/v1/vulns/PYSEC-2021-66", None, 200),
    ]


def test_the_server_listens_on_loopback_only_while_the_block_runs() -> None:
    with OsvServer() as server:
        url = server.url
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert query(server, "pyyaml", "5.3")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/v1/vulns/PYSEC-2021-66", timeout=5)
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "X"', "X.json:1:11: invalid JSON"),
        ('{"modified": "2024-01-01T00:00:00Z", "affected": []}', "X.json: id: required"),
        (
            json.dumps(minimal_record(affected=[{"package": {"name": "demo"}}])),
            "X.json: affected[0].package: required",
        ),
        (
            json.dumps(
                minimal_record(
                    affected=[
                        {
                            "package": {"ecosystem": "PyPI", "name": "demo"},
                            "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "1.x"}]}],
                        }
                    ]
                )
            ),
            "X.json: affected[0].ranges[0].events[0].fixed: not a PEP 440 version: '1.x'",
        ),
    ],
)
def test_a_broken_fixture_fails_loudly_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "X.json").write_text(text, encoding="utf-8")
    with pytest.raises(FixtureError, match=re.escape(message)):
        OsvServer(tmp_path)


def test_two_fixtures_with_one_id_fail_loudly(tmp_path: Path) -> None:
    write_record(tmp_path / "a", minimal_record())
    write_record(tmp_path / "b", minimal_record())
    with pytest.raises(FixtureError, match=r"b/TEST-1\.json: id: TEST-1 is also defined"):
        load_records(tmp_path)


def test_an_empty_fixtures_folder_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="no advisory records"):
        load_records(tmp_path)


# ---------------------------------------------------------------------------------------------
# The real pip-audit against the server


def test_pip_audit_is_installed_and_tells_its_version() -> None:
    assert PIP_AUDIT.exists(), f"{PIP_AUDIT}: pip-audit is not installed in this environment"
    result = subprocess.run(
        [str(PIP_AUDIT), "--version"], capture_output=True, text=True, timeout=PIP_AUDIT_TIMEOUT, check=False
    )
    assert result.returncode == 0, describe(result)
    assert re.fullmatch(r"pip-audit \d+\.\d+\.\d+\S*\n", result.stdout), result.stdout


def test_pip_audit_finds_exactly_the_fixture_advisories_for_each_pinned_package(
    tmp_path: Path, osv_server: OsvServer
) -> None:
    result = run_pip_audit(tmp_path, PINNED, osv_server.query_url)

    # Exit 1 means "vulnerabilities found" here, but pip-audit also exits 1 when it crashes:
    # only the JSON on stdout tells the two apart.
    assert result.returncode == 1, describe(result)
    assert "Found 11 known vulnerabilities in 3 packages" in result.stderr
    report = json.loads(result.stdout)
    assert report["fixes"] == []
    found = {dep["name"]: dep for dep in report["dependencies"]}
    assert found.keys() == EXPECTED_FOR_PINNED.keys()
    by_id = {record["id"]: record for record in RECORDS}
    for name, dep in found.items():
        assert "skip_reason" not in dep, dep
        assert {vuln["id"] for vuln in dep["vulns"]} == EXPECTED_FOR_PINNED[name], name
        for vuln in dep["vulns"]:
            record = by_id[vuln["id"]]
            assert set(vuln["aliases"]) == set(record["aliases"]), vuln["id"]
            assert vuln["description"] == record["summary"], vuln["id"]
            fixed = sorted({fix for _, _, fix, _ in ecosystem_pairs(record)}, key=Version)
            assert vuln["fix_versions"] == fixed, vuln["id"]
    # pip-audit's OSV service asks /v1/query once per dependency, with canonical names.
    assert [(r.method, r.path, r.body) for r in osv_server.requests] == [
        ("POST", "/v1/query", {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "5.3"}),
        ("POST", "/v1/query", {"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "2.10"}),
        ("POST", "/v1/query", {"package": {"name": "urllib3", "ecosystem": "PyPI"}, "version": "1.24.1"}),
    ]


def test_pip_audit_reports_fixed_pins_with_empty_vulns_and_exit_0(
    tmp_path: Path, osv_server: OsvServer
) -> None:
    result = run_pip_audit(tmp_path, "pyyaml==5.4\njinja2==2.11.3\nurllib3==1.26.18\n", osv_server.query_url)

    assert result.returncode == 0, describe(result)
    assert "No known vulnerabilities found" in result.stderr
    assert json.loads(result.stdout) == {
        "dependencies": [
            {"name": "pyyaml", "version": "5.4", "vulns": []},
            {"name": "jinja2", "version": "2.11.3", "vulns": []},
            {"name": "urllib3", "version": "1.26.18", "vulns": []},
        ],
        "fixes": [],
    }


def test_pip_audit_crashes_with_exit_1_and_no_json_when_the_service_refuses_connections(
    tmp_path: Path,
) -> None:
    # Not a skip_reason per dependency: pip-audit's OSV service does not catch a refused
    # connection, so it ends in a traceback and prints nothing on stdout.
    with refused_url() as url:
        result = run_pip_audit(tmp_path, PINNED, f"{url}/v1/query")

    assert result.returncode == 1, describe(result)
    assert result.stdout == ""
    assert "Traceback (most recent call last):" in result.stderr
    last_line = result.stderr.rstrip().splitlines()[-1]
    assert last_line.startswith("requests.exceptions.ConnectionError: "), last_line
    assert "Connection refused" in last_line


def test_pip_audit_crashes_with_exit_1_and_no_json_when_the_service_answers_an_http_error(
    tmp_path: Path, osv_server: OsvServer
) -> None:
    result = run_pip_audit(tmp_path, PINNED, f"{osv_server.url}/v1/no-such-endpoint")

    assert result.returncode == 1, describe(result)
    assert result.stdout == ""
    assert result.stderr.rstrip().splitlines()[-1] == "pip_audit._service.interface.ServiceError"
    assert [r.status for r in osv_server.requests] == [404]  # it stops at the first error


def test_pip_audit_exits_0_when_the_only_other_dependency_was_skipped(
    tmp_path: Path, osv_server: OsvServer
) -> None:
    # A dependency pip-audit could not look up is a skip_reason in the JSON, and the exit code
    # is still 0: "No known vulnerabilities found" does not mean every dependency was checked.
    requirements = "pyyaml==5.4\nlocalpkg @ file:///nonexistent/localpkg-1.0.tar.gz\n"

    result = run_pip_audit(tmp_path, requirements, osv_server.query_url)

    assert result.returncode == 0, describe(result)
    assert "No known vulnerabilities found" in result.stderr
    assert json.loads(result.stdout)["dependencies"] == [
        {"name": "pyyaml", "version": "5.4", "vulns": []},
        {
            "name": "localpkg",
            "skip_reason": "URL requirements cannot be pinned to a specific package version",
        },
    ]
