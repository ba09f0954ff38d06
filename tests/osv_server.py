"""An OSV-compatible vulnerability server on loopback, serving advisory records stored as test fixtures.

pip-audit's default service cannot be reached from the test machines, and a service it cannot
reach makes it report "No known vulnerabilities found". Tests therefore point pip-audit at this
server (`--vulnerability-service osv --osv-url URL/v1/query`), which answers from the JSON records
in `tests/fixtures/osv/` and never touches the network.

Endpoints (the subset of the OSV API that clients use):

* `POST /v1/query` with `{"package": {"name", "ecosystem"}, "version"}` returns
  `{"vulns": [record, ...]}`, or `{}` when nothing matches; `{"commit": ...}` always returns `{}`
  (GIT ranges are not evaluated) and `page_token` is accepted and ignored.
* `POST /v1/querybatch` with `{"queries": [query, ...]}` returns
  `{"results": [{"vulns": [{"id", "modified"}, ...]} or {}, ...]}`, one result per query.
* `GET /v1/vulns/{id}` returns the record, or 404.

A bad request gets status 400 and `{"code": 400, "message": "<what is wrong>"}`. Fixture keys that
start with an underscore (`_source`) are test metadata and are never served.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from packaging.version import InvalidVersion, Version

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures" / "osv"

_QUERY_KEYS = frozenset({"package", "version", "commit", "page_token"})
_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")

Record = dict[str, Any]


class FixtureError(ValueError):
    """An advisory fixture that cannot be served; the message starts with the file."""


class QueryError(ValueError):
    """A request body that is not a valid OSV query; answered with status 400."""


def normalise_name(name: str) -> str:
    """Normalise a package name as PEP 503 does: lower-case, runs of `-`, `_` and `.` to `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


# ---------------------------------------------------------------------------------------------
# Records and version matching


def _event_version(value: str) -> Version | None:
    """The version of an ECOSYSTEM range event; `None` stands for "0", below every version."""
    return None if value == "0" else Version(value)


def _check_record(record: Any, where: str) -> Record:
    """Return the record if it has what the server needs, else raise FixtureError."""
    if not isinstance(record, dict):
        raise FixtureError(f"{where}: expected a JSON object, got {type(record).__name__}")
    if not isinstance(record.get("id"), str) or not record["id"]:
        raise FixtureError(f"{where}: id: required, a non-empty string")
    if not isinstance(record.get("modified"), str):
        raise FixtureError(f"{where}: modified: required, an RFC 3339 timestamp")
    affected = record.get("affected")
    if not isinstance(affected, list) or not affected:
        raise FixtureError(f"{where}: affected: required, a non-empty list")
    for i, entry in enumerate(affected):
        at = f"{where}: affected[{i}]"
        package = entry.get("package") if isinstance(entry, dict) else None
        if not isinstance(package, dict) or not all(
            isinstance(package.get(key), str) for key in ("name", "ecosystem")
        ):
            raise FixtureError(f"{at}.package: required, with string 'name' and 'ecosystem'")
        for j, version in enumerate(entry.get("versions", [])):
            try:
                Version(version)
            except (InvalidVersion, TypeError) as exc:
                raise FixtureError(f"{at}.versions[{j}]: not a PEP 440 version: {version!r}") from exc
        for j, range_ in enumerate(entry.get("ranges", [])):
            if not isinstance(range_, dict) or not isinstance(range_.get("events"), list):
                raise FixtureError(f"{at}.ranges[{j}]: expected an object with a list of 'events'")
            if range_.get("type") != "ECOSYSTEM":
                continue
            for k, event in enumerate(range_["events"]):
                where_event = f"{at}.ranges[{j}].events[{k}]"
                if not isinstance(event, dict) or len(event) != 1 or next(iter(event)) not in _EVENT_KINDS:
                    raise FixtureError(f"{where_event}: expected one of {', '.join(_EVENT_KINDS)}")
                ((kind, value),) = event.items()
                if value == "0" and kind != "introduced":
                    raise FixtureError(f"{where_event}.{kind}: only 'introduced' may be \"0\"")
                try:
                    _event_version(value)
                except (InvalidVersion, TypeError) as exc:
                    raise FixtureError(f"{where_event}.{kind}: not a PEP 440 version: {value!r}") from exc
    return record


def load_records(fixtures_dir: Path = FIXTURES_DIR) -> list[Record]:
    """Load every `*.json` advisory under the folder, sorted by ID; raise FixtureError on a bad one."""
    records: dict[str, Record] = {}
    paths = sorted(fixtures_dir.rglob("*.json"))
    if not paths:
        raise FixtureError(f"{fixtures_dir}: no advisory records (*.json) found")
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise FixtureError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
        record = _check_record(data, str(path))
        if record["id"] in records:
            raise FixtureError(f"{path}: id: {record['id']} is also defined in another fixture")
        records[record["id"]] = record
    return [records[key] for key in sorted(records)]


def public_record(record: Mapping[str, Any]) -> Record:
    """The record as served: without the fixtures' own keys (those starting with `_`)."""
    return {key: value for key, value in record.items() if not key.startswith("_")}


def _in_ecosystem_range(version: Version, events: Sequence[Mapping[str, str]]) -> bool:
    """Evaluate one ECOSYSTEM range as the OSV schema describes: events in version order."""
    ordered = sorted(
        ((kind, _event_version(value)) for event in events for kind, value in event.items()),
        key=lambda item: (item[1] is not None, item[1] or Version("0")),
    )
    affected = False
    for kind, bound in ordered:
        if kind == "introduced":
            if bound is None or version >= bound:
                affected = True
        elif bound is not None and (
            (kind in ("fixed", "limit") and version >= bound) or (kind == "last_affected" and version > bound)
        ):
            affected = False
    return affected


def affects(record: Mapping[str, Any], name: str, ecosystem: str, version: str) -> bool:
    """Whether the record affects that package version, by ECOSYSTEM ranges or its `versions` list."""
    wanted = Version(version)
    for entry in record["affected"]:
        package = entry["package"]
        if package["ecosystem"] != ecosystem or normalise_name(package["name"]) != normalise_name(name):
            continue
        if any(Version(listed) == wanted for listed in entry.get("versions", [])):
            return True
        for range_ in entry.get("ranges", []):
            if range_["type"] == "ECOSYSTEM" and _in_ecosystem_range(wanted, range_["events"]):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Queries


@dataclass(frozen=True)
class PackageQuery:
    """A checked `/v1/query` body: a package version, or a commit (which matches nothing here)."""

    name: str | None
    ecosystem: str | None
    version: str | None


def parse_query(body: Any, where: str = "body") -> PackageQuery:
    """Check an OSV query object and return it; raise QueryError naming the bad field."""
    if not isinstance(body, dict):
        raise QueryError(f"{where}: expected a JSON object")
    unknown = sorted(set(body) - _QUERY_KEYS)
    if unknown:
        raise QueryError(f"{where}: unknown field {unknown[0]!r}")
    if "page_token" in body and not isinstance(body["page_token"], str):
        raise QueryError(f"{where}.page_token: expected a string")
    if "commit" in body:
        if not isinstance(body["commit"], str) or not body["commit"]:
            raise QueryError(f"{where}.commit: expected a non-empty string")
        if "version" in body:
            raise QueryError(f"{where}: give either 'commit' or 'version', not both")
        return PackageQuery(name=None, ecosystem=None, version=None)
    package = body.get("package")
    if not isinstance(package, dict):
        raise QueryError(f"{where}.package: required, an object with 'name' and 'ecosystem'")
    for key in ("name", "ecosystem"):
        if not isinstance(package.get(key), str) or not package[key]:
            raise QueryError(f"{where}.package.{key}: required, a non-empty string")
    version = body.get("version")
    if not isinstance(version, str) or not version:
        raise QueryError(f"{where}.version: required, a non-empty string (or give 'commit')")
    try:
        Version(version)
    except InvalidVersion as exc:
        raise QueryError(f"{where}.version: not a PEP 440 version: {version!r}") from exc
    return PackageQuery(name=package["name"], ecosystem=package["ecosystem"], version=version)


def matching_records(records: Sequence[Record], query: PackageQuery) -> list[Record]:
    """The records that affect the queried package version, in ID order."""
    if query.name is None or query.ecosystem is None or query.version is None:
        return []
    return [record for record in records if affects(record, query.name, query.ecosystem, query.version)]


# ---------------------------------------------------------------------------------------------
# The server


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the server answered, kept for assertions."""

    method: str
    path: str
    body: Any
    status: int
    authorization: str | None = None  # the Authorization header, as sent


class _Handler(BaseHTTPRequestHandler):
    """Answers OSV API requests from the records of the server it belongs to."""

    server: _OsvHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; the server records requests instead."""

    def do_GET(self) -> None:
        """Serve `/v1/vulns/{id}`."""
        prefix = "/v1/vulns/"
        if not self.path.startswith(prefix):
            self._reply(HTTPStatus.NOT_FOUND, _error(HTTPStatus.NOT_FOUND, f"{self.path}: no such endpoint"))
            return
        vuln_id = self.path[len(prefix) :]
        record = self.server.by_id.get(vuln_id)
        if record is None:
            self._reply(
                HTTPStatus.NOT_FOUND, _error(HTTPStatus.NOT_FOUND, f"{vuln_id}: no such vulnerability")
            )
            return
        self._reply(HTTPStatus.OK, public_record(record))

    def do_POST(self) -> None:
        """Serve `/v1/query` and `/v1/querybatch`."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._reply(
                HTTPStatus.BAD_REQUEST, _error(HTTPStatus.BAD_REQUEST, f"body: invalid JSON: {exc}"), raw
            )
            return
        try:
            if self.path == "/v1/query":
                found = matching_records(self.server.records, parse_query(body))
                answer: Record = {"vulns": [public_record(record) for record in found]} if found else {}
            elif self.path == "/v1/querybatch":
                answer = {"results": [self._batch_result(query) for query in _batch_queries(body)]}
            else:
                self._reply(
                    HTTPStatus.NOT_FOUND, _error(HTTPStatus.NOT_FOUND, f"{self.path}: no such endpoint"), body
                )
                return
        except QueryError as exc:
            self._reply(HTTPStatus.BAD_REQUEST, _error(HTTPStatus.BAD_REQUEST, str(exc)), body)
            return
        self._reply(HTTPStatus.OK, answer, body)

    def _batch_result(self, query: PackageQuery) -> Record:
        found = matching_records(self.server.records, query)
        if not found:
            return {}
        return {"vulns": [{"id": record["id"], "modified": record["modified"]} for record in found]}

    def _reply(self, status: HTTPStatus, payload: Mapping[str, Any], body: Any = None) -> None:
        # Recorded before the answer goes out, so a client that has its answer sees the record.
        self.server.record(
            ReceivedRequest(self.command, self.path, body, int(status), self.headers.get("Authorization"))
        )
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _batch_queries(body: Any) -> list[PackageQuery]:
    if not isinstance(body, dict) or set(body) != {"queries"} or not isinstance(body["queries"], list):
        raise QueryError("body: expected an object with one field, 'queries', a list")
    return [parse_query(query, f"queries[{i}]") for i, query in enumerate(body["queries"])]


def _error(status: HTTPStatus, message: str) -> Record:
    return {"code": int(status), "message": message}


class _OsvHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, records: Sequence[Record]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.records = list(records)
        self.by_id = {record["id"]: record for record in records}
        self.received: list[ReceivedRequest] = []
        self._lock = threading.Lock()

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.received.append(request)


class OsvServer:
    """The OSV server on 127.0.0.1 and a free port, running while the `with` block runs.

    `url` is the base URL (`http://127.0.0.1:PORT`); pip-audit takes `url + "/v1/query"`.
    `requests` lists what was asked so far, in the order answered.
    """

    def __init__(self, fixtures_dir: Path = FIXTURES_DIR) -> None:
        self.records = load_records(fixtures_dir)
        self._httpd: _OsvHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL of the running server."""
        host, port = self._running().server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def query_url(self) -> str:
        """The `/v1/query` URL, as pip-audit's `--osv-url` wants it."""
        return f"{self.url}/v1/query"

    @property
    def requests(self) -> list[ReceivedRequest]:
        """A copy of the requests answered so far."""
        httpd = self._running()
        with httpd._lock:
            return list(httpd.received)

    def __enter__(self) -> Self:
        self._httpd = _OsvHTTPServer(self.records)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="osv-server", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        httpd, thread = self._running(), self._thread
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def _running(self) -> _OsvHTTPServer:
        if self._httpd is None:
            raise RuntimeError("OsvServer is not running; use it in a `with` block")
        return self._httpd


@contextmanager
def refused_url() -> Iterator[str]:
    """A loopback URL whose connections are refused: the port is held bound but never listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        yield f"http://{host}:{port}"
