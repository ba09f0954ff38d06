"""Run the real bandit in parallel over balanced chunks of the files it would scan, with a cache.

bandit uses one core. This runner asks bandit's own file discovery which files `bandit -r ROOT`
would scan, splits them into chunks of balanced size (larger files first), runs one real bandit
process per chunk on all the cores (argument lists, a timeout each, `-f json`, the same options a
plain run gets) and merges the JSON reports into the report a plain run would have printed: the
same results in the same order, the same `errors` (files bandit could not parse), the same
metrics. Only `generated_at` differs.

Each file's share of a report is cached under a key made of bandit's version (with its Python),
the configuration (options and the bytes of the config and `.bandit` files), the file's path
relative to the scanned root, its module name as bandit derives it from `__init__.py` files, and
the SHA-256 of its bytes. A warm re-scan of an unchanged tree hashes the files and reads the
cache; a cache entry that does not verify is ignored and recomputed.

The run fails closed: a chunk that crashes, times out or prints no bandit report fails the whole
run, and no partial result is ever reported as complete. Results equal those of
`bandit -r ABSOLUTE_ROOT`: the root is made absolute first, so that the chunk processes and a
plain run see the same file names.
"""

# File names stay the strings bandit builds with os.path (Path would normalise them differently).
# ruff: noqa: PTH100, PTH105, PTH112, PTH113, PTH118, PTH120, PTH122, PTH123, PTH202

from __future__ import annotations

import hashlib
import heapq
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from compliance.core.errors import ComplianceError
from compliance.core.models.scan import NotAssessed, RunStatus, ScanFinding, ScanRun
from compliance.core.scanner_definitions import ScannerDefinition, definitions, find_tool

TOOL = "bandit"
# Bumped whenever the layout of a cache entry changes, so old entries are never read.
CACHE_FORMAT = 1
# The declarative definition (scanners/bandit.yaml) gives the timeout per process, the exit codes
# that mean bandit ran, and the mapping of its severities to ours.
VERSION_TIMEOUT = 60.0


def _definition() -> ScannerDefinition:
    """scanners/bandit.yaml, read when a scan needs it (not when the module is imported)."""
    return definitions()[TOOL]


def _timeout(timeout: float | None) -> float:
    """The timeout per bandit process: the one given, else the definition's."""
    return float(_definition().timeout_seconds) if timeout is None else timeout


# Linux refuses a command line over 2 MiB in all; a chunk's file names stay far below.
MAX_ARGUMENT_BYTES = 256 * 1024
# Chunks per worker: a few, so that a chunk that runs slower than its size promised is absorbed
# by the others, and few enough that bandit's start-up (about 0.1 s each) stays small.
CHUNKS_PER_WORKER = 2
# bandit reads about 0.6 MB of code per second; a process of its own pays off only for a chunk
# that takes several times bandit's start-up.
MIN_CHUNK_BYTES = 512 * 1024
# A tiny file costs bandit about 0.1 ms, as much as 100 bytes of code do (measured on Django).
FILE_WEIGHT = 100

Report = dict[str, Any]


class Level(StrEnum):
    """A severity or confidence threshold, as bandit's `--severity-level` takes it."""

    ALL = "all"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class BanditOptions:
    """The options a scan passes to bandit, the same in a plain run and in every chunk."""

    config_file: Path | None = None
    severity: Level | None = None
    confidence: Level | None = None
    exclude: tuple[str, ...] | None = None  # None: bandit's default (.git, .tox, __pycache__...)

    def arguments(self) -> list[str]:
        """The command-line arguments for these options."""
        args: list[str] = []
        if self.config_file is not None:
            args += ["-c", str(self.config_file)]
        if self.severity is not None:
            args += ["--severity-level", self.severity.value]
        if self.confidence is not None:
            args += ["--confidence-level", self.confidence.value]
        if self.exclude is not None:
            args += ["-x", ",".join(self.exclude)]
        return args


@dataclass(frozen=True)
class BanditReport:
    """A parallel bandit scan: its status, and the merged report when it completed."""

    status: RunStatus
    version: str | None
    command: list[str]
    report: Report | None = None
    errors: list[str] = field(default_factory=list)
    files: int = 0
    cached: int = 0
    processes: int = 0  # bandit scan processes started (the version probe not counted)
    # Seconds from the start of the scan: when the first process started, and per chunk process
    # (files, started, ended); for finding where the time goes.
    launched_at: float | None = None
    chunk_times: list[tuple[int, float, float]] = field(default_factory=list)


class BanditRunError(ComplianceError):
    """bandit could not scan everything: `status` says how (missing, failed, timeout).

    `scan_report` and `scan` turn it into a run of that status; `discover` and `scan_plain` raise it.
    """

    def __init__(self, status: RunStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------------------------
# Finding bandit, its version, and the files it would scan


def find_bandit(executable: str | None = None) -> str | None:
    """The bandit executable: the one given, else next to this Python (the project's own), else on PATH."""
    return shutil.which(executable) if executable is not None else find_tool(TOOL)


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/compliance-engine/bandit`, else `~/.cache/compliance-engine/bandit`."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "compliance-engine" / "bandit"


def available_cores() -> int:
    """The cores this process may use."""
    counter: Callable[[], int | None] | None = getattr(os, "process_cpu_count", None)
    if counter is not None:
        return counter() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _version(executable: str, timeout: float) -> tuple[str, str]:
    """bandit's version and the whole of what `bandit --version` printed (it names the Python too)."""
    try:
        done = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BanditRunError(RunStatus.TIMEOUT, f"{executable} --version did not finish in time") from exc
    except OSError as exc:
        raise BanditRunError(RunStatus.FAILED, f"{executable} --version could not start: {exc}") from exc
    text = (done.stdout + done.stderr).strip()
    match = re.search(_definition().version_probe.pattern, text)
    if done.returncode != 0 or match is None:
        raise BanditRunError(
            RunStatus.FAILED, f"{executable} --version printed no version: {_last_line(text)}"
        )
    return match.group(1), text


@dataclass(frozen=True)
class Discovery:
    """What `bandit -r ROOT` would scan, and the settings that decided it."""

    root: str
    files: list[str]
    ini_file: str | None
    config_file: str | None
    path_sensitive: bool  # the config matches file names against globs (assert_used skips)


def _ini_files(root: str) -> list[str]:
    # As bandit.cli.main._get_options_from_ini looks for project `.bandit` files.
    found: list[str] = []
    for folder, _, names in os.walk(root):
        found += [os.path.join(folder, n) for n in names if n == ".bandit"]
    return found


def discover(root: str | os.PathLike[str], options: BanditOptions | None = None) -> Discovery:
    """The files `bandit -r ROOT` would scan, found by bandit's own discovery with the same settings."""
    options = options or BanditOptions()
    root_s = os.path.abspath(os.fspath(root))
    try:
        with warnings.catch_warnings():
            # bandit's plugin loader calls stevedore with an argument stevedore deprecated.
            warnings.simplefilter("ignore", DeprecationWarning)
            from bandit.core import config as b_config  # type: ignore[import-untyped]
            from bandit.core import constants as b_constants
            from bandit.core import manager as b_manager
            from bandit.core import utils as b_utils
    except ImportError as exc:
        raise BanditRunError(RunStatus.MISSING, f"the bandit library cannot be imported: {exc}") from exc

    inis = _ini_files(root_s)
    if len(inis) > 1:
        raise BanditRunError(
            RunStatus.FAILED, f"{root_s}: several .bandit files, bandit refuses to choose: {', '.join(inis)}"
        )
    ini: Mapping[str, str] = (b_utils.parse_ini_file(inis[0]) or {}) if inis else {}
    # The precedence of bandit.cli.main: the command line, then the .bandit file, then defaults.
    config_file = str(options.config_file) if options.config_file else ini.get("configfile") or None
    default_exclude = ",".join(b_constants.EXCLUDE)
    excluded = default_exclude if options.exclude is None else ",".join(options.exclude)
    if excluded == default_exclude and ini.get("exclude"):
        excluded = ini["exclude"]
    try:
        conf = b_config.BanditConfig(config_file=config_file)
    except b_utils.ConfigError as exc:
        raise BanditRunError(
            RunStatus.FAILED, f"{config_file}: bandit cannot use this config: {exc}"
        ) from exc
    mgr = b_manager.BanditManager(conf, "file")
    mgr.discover_files([root_s], True, excluded)
    files = [str(f) for f in mgr.files_list]
    assert_conf = conf.get_option("assert_used") or {}
    return Discovery(
        root=root_s,
        files=files,
        ini_file=inis[0] if inis else None,
        config_file=config_file,
        path_sensitive=bool(isinstance(assert_conf, dict) and assert_conf.get("skips")),
    )


# ---------------------------------------------------------------------------------------------
# Chunks


def plan_chunks(
    sizes: Mapping[str, int],
    workers: int,
    chunks: int | None = None,
    max_argument_bytes: int = MAX_ARGUMENT_BYTES,
) -> list[list[str]]:
    """Split files into chunks of balanced total size, the heaviest chunk first.

    Files are dealt largest first, each to the lightest chunk so far (the LPT rule), so the
    chunks end within one small file of each other. By default there are a few chunks per worker,
    fewer for a small tree (`MIN_CHUNK_BYTES` each at least). A chunk whose file names would make
    too long a command line is split.
    """
    if not sizes:
        return []
    if chunks is None:
        chunks = min(workers * CHUNKS_PER_WORKER, -(-sum(sizes.values()) // MIN_CHUNK_BYTES))
        if chunks > workers:
            # Whole rounds of equal chunks: 3 chunks on 2 workers would leave one running alone.
            chunks -= chunks % workers
    count = max(1, min(len(sizes), chunks))
    planned: list[list[str]] = [[] for _ in range(count)]
    lightest = [(0, i) for i in range(count)]
    for name in sorted(sizes, key=lambda n: (-sizes[n], n)):
        load, i = heapq.heappop(lightest)
        planned[i].append(name)
        heapq.heappush(lightest, (load + sizes[name] + FILE_WEIGHT, i))
    loads = {i: load for load, i in lightest}
    out: list[list[str]] = []
    for i in sorted(range(count), key=lambda i: (-loads[i], i)):
        part: list[str] = []
        length = 0
        for name in planned[i]:
            if part and length + len(os.fsencode(name)) + 1 > max_argument_bytes:
                out.append(part)
                part, length = [], 0
            part.append(name)
            length += len(os.fsencode(name)) + 1
        out.append(part)
    return out


class _Launcher:
    """Runs chunk processes; the first failure stops the launching and kills the running ones."""

    def __init__(self, timeout: float, t0: float) -> None:
        self.timeout = timeout
        self.t0 = t0
        self.times: list[tuple[int, float, float]] = []
        self.lock = threading.Lock()
        self.stopped = False
        self.live: set[subprocess.Popen[bytes]] = set()
        self.started = 0

    def run(self, cmd: list[str], report_path: Path, files: list[str]) -> dict[str, Report] | None:
        """Each file's share of the chunk's report; None when the run was stopped meanwhile."""
        with self.lock:
            if self.stopped:
                return None
            try:
                proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
            except OSError as exc:
                raise BanditRunError(RunStatus.FAILED, f"bandit could not start: {exc}") from exc
            self.started += 1
            self.live.add(proc)
        began = time.perf_counter() - self.t0
        try:
            _, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            proc.communicate()
            raise BanditRunError(
                RunStatus.TIMEOUT,
                f"bandit did not finish {len(files)} files in {self.timeout:g} s (first: {files[0]})",
            ) from exc
        finally:
            with self.lock:
                self.live.discard(proc)
                self.times.append((len(files), began, time.perf_counter() - self.t0))
        if self.stopped:
            return None
        stderr = err.decode("utf-8", "replace")
        if proc.returncode not in _definition().accepted_exit_codes:
            raise BanditRunError(
                RunStatus.FAILED, f"bandit exited with code {proc.returncode}: {_last_line(stderr)}"
            )
        try:
            data = json.loads(report_path.read_bytes())
        except (OSError, ValueError) as exc:
            raise BanditRunError(
                RunStatus.FAILED,
                f"bandit wrote no JSON report (exit code {proc.returncode}): {_last_line(stderr)}",
            ) from exc
        return _check_report(data, files)

    def stop(self) -> None:
        """Launch nothing more and kill what runs."""
        with self.lock:
            self.stopped = True
            for proc in self.live:
                proc.kill()


# ---------------------------------------------------------------------------------------------
# Checking a chunk's report, and splitting it per file


def _check_report(data: Any, files: Sequence[str]) -> dict[str, Report]:
    """Each file's share of a chunk's report; raises when the report is not what bandit prints."""
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), t) for k, t in (("results", list), ("errors", list), ("metrics", dict))
    ):
        raise BanditRunError(RunStatus.FAILED, "bandit's output is not a bandit JSON report")
    per_file: dict[str, Report] = {f: {"results": [], "errors": [], "metrics": None} for f in files}

    def share(name: Any, what: str) -> Report:
        if not isinstance(name, str) or name not in per_file:
            raise BanditRunError(
                RunStatus.FAILED, f"bandit reported {what} for a file it was not given: {name!r}"
            )
        return per_file[name]

    for r in data["results"]:
        if not isinstance(r, dict) or not _is_issue(r):
            raise BanditRunError(RunStatus.FAILED, f"bandit's report has a malformed result: {str(r)[:200]}")
        item = dict(r)
        share(item.pop("filename"), "a result")["results"].append(item)
    for e in data["errors"]:
        if not isinstance(e, dict) or not isinstance(e.get("reason"), str):
            raise BanditRunError(RunStatus.FAILED, f"bandit's report has a malformed error: {str(e)[:200]}")
        share(e.get("filename"), "an error")["errors"].append(e["reason"])
    for name, m in data["metrics"].items():
        if name == "_totals":
            continue
        if not isinstance(m, dict) or not all(isinstance(v, int) for v in m.values()):
            raise BanditRunError(RunStatus.FAILED, f"bandit's report has malformed metrics for {name}")
        share(name, "metrics")["metrics"] = m
    for name, s in per_file.items():
        if s["metrics"] is None and not s["errors"]:
            raise BanditRunError(RunStatus.FAILED, f"bandit did not report on {name}")
    return per_file


def _is_issue(r: Mapping[str, Any]) -> bool:
    types: tuple[tuple[str, type | tuple[type, ...]], ...] = (
        ("filename", str),
        ("test_id", str),
        ("issue_text", str),
        ("issue_severity", str),
        ("issue_confidence", str),
        ("line_number", int),
        ("col_offset", int),
        ("issue_cwe", dict),
    )
    return all(isinstance(r.get(k), t) for k, t in types) and r["issue_severity"] in _definition().severity


# ---------------------------------------------------------------------------------------------
# The cache


class _Cache:
    """Per-file shares of bandit reports, one JSON file each, written atomically, verified on read."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.made: set[Path] = set()

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, identity: Mapping[str, Any]) -> Report | None:
        if self.folder is None:
            return None
        try:
            entry = json.loads(self._path(key).read_bytes())
            payload = entry["payload"]
            if (
                entry.get("format") != CACHE_FORMAT
                or entry.get("identity") != identity
                or hashlib.sha256(payload.encode("utf-8")).hexdigest() != entry.get("payload_sha256")
            ):
                return None
            share = json.loads(payload)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return share if _is_share(share) else None

    def store(self, file: str, key: str, identity: Mapping[str, Any], share: Report) -> None:
        """Put a file's share, if the file still holds the bytes that were hashed before its scan."""
        if _sha256_file(file) == identity["sha256"]:
            self.put(key, identity, share)

    def put(self, key: str, identity: Mapping[str, Any], share: Report) -> None:
        if self.folder is None:
            return
        payload = json.dumps(share, sort_keys=True)
        entry = {
            "format": CACHE_FORMAT,
            "identity": identity,
            "payload_sha256": hashlib.sha256(payload.encode("utf-8")).hexdigest(),
            "payload": payload,
        }
        path = self._path(key)
        # A cache that cannot be written costs speed, never correctness: the error is dropped.
        try:
            if path.parent not in self.made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.made.add(path.parent)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(json.dumps(entry).encode("utf-8"))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return


def _is_share(share: Any) -> bool:
    return (
        isinstance(share, dict)
        and isinstance(share.get("results"), list)
        and all(isinstance(r, dict) and _is_issue({**r, "filename": ""}) for r in share["results"])
        and isinstance(share.get("errors"), list)
        and all(isinstance(e, str) for e in share["errors"])
        and (
            share.get("metrics") is None
            or (
                isinstance(share["metrics"], dict)
                and all(isinstance(v, int) for v in share["metrics"].values())
            )
        )
        and (share.get("metrics") is not None or bool(share["errors"]))
    )


def _sha256_file(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


class _ModuleNames:
    """The module name bandit gives a file (bandit.core.utils.get_module_qualname_from_path), per folder."""

    def __init__(self) -> None:
        self.packages: dict[str, tuple[str, ...]] = {}

    def package(self, folder: str) -> tuple[str, ...]:
        if folder in self.packages:
            return self.packages[folder]
        found: tuple[str, ...] = ()
        if folder not in ("/", ".", "") and os.path.isfile(os.path.join(folder, "__init__.py")):
            head, tail = os.path.split(folder)
            found = (*self.package(head), tail)
        self.packages[folder] = found
        return found

    def of(self, path: str) -> str:
        head, tail = os.path.split(path)
        return ".".join((*self.package(head), os.path.splitext(tail)[0]))


# ---------------------------------------------------------------------------------------------
# Progress


class _Progress:
    """A one-line bar of files done on stderr, only when stderr is a terminal."""

    def __init__(self, total: int, enabled: bool | None, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = total
        self.done = 0

    def advance(self, n: int) -> None:
        self.done += n
        if self.enabled and self.total:
            width = 30
            filled = width * self.done // self.total
            self.stream.write(
                f"\rbandit [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} files"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.total:
            self.stream.write("\n")
            self.stream.flush()


# ---------------------------------------------------------------------------------------------
# Scanning


def plain_command(
    executable: str, root: str | os.PathLike[str], options: BanditOptions | None = None
) -> list[str]:
    """The plain single-process command this runner is equivalent to."""
    options = options or BanditOptions()
    return [executable, "-f", "json", "-r", *options.arguments(), os.path.abspath(os.fspath(root))]


def scan_plain(
    root: str | os.PathLike[str],
    options: BanditOptions | None = None,
    *,
    executable: str | None = None,
    timeout: float | None = None,
) -> Report:
    """The report of one plain `bandit -r ROOT -f json` with the same options (for comparison)."""
    timeout = _timeout(timeout)
    exe = find_bandit(executable)
    if exe is None:
        raise BanditRunError(RunStatus.MISSING, f"{executable or TOOL} is not installed")
    with tempfile.TemporaryDirectory(prefix="compliance-bandit-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [*plain_command(exe, root, options)]
        cmd[-1:-1] = ["-o", str(out)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BanditRunError(RunStatus.TIMEOUT, f"bandit did not finish in {timeout:g} s") from exc
        if done.returncode not in _definition().accepted_exit_codes:
            raise BanditRunError(
                RunStatus.FAILED, f"bandit exited with code {done.returncode}: {_last_line(done.stderr)}"
            )
        try:
            report: Report = json.loads(out.read_bytes())
        except (OSError, ValueError) as exc:
            raise BanditRunError(RunStatus.FAILED, f"bandit wrote no JSON report: {exc}") from exc
        return report


def scan_report(
    root: str | os.PathLike[str],
    options: BanditOptions | None = None,
    *,
    executable: str | None = None,
    workers: int | None = None,
    chunks: int | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    timeout: float | None = None,
    progress: bool | None = None,
) -> BanditReport:
    """Scan ROOT with bandit in parallel; the merged report equals a plain `bandit -r ROOT -f json`.

    `workers` defaults to the cores available, `chunks` to a few per worker, `cache_dir` to
    `default_cache_dir()`; `use_cache=False` neither reads nor writes the cache. `progress`
    shows a bar on stderr (default: when stderr is a terminal). `timeout` is per process.
    """
    t0 = time.perf_counter()
    timeout = _timeout(timeout)
    options = options or BanditOptions()
    exe = find_bandit(executable)
    args = ["-f", "json", "-r", *options.arguments()]
    if exe is None:
        name = executable or TOOL
        return BanditReport(RunStatus.MISSING, None, [name, *args], errors=[f"{name} is not installed"])
    version: str | None = None
    command = [exe, *args]
    try:
        # The version probe (a process) runs while bandit's discovery runs here.
        with ThreadPoolExecutor(max_workers=1) as probe:
            probed = probe.submit(_version, exe, min(timeout, VERSION_TIMEOUT))
            try:
                found: Discovery | BanditRunError = discover(root, options)
            except BanditRunError as exc:
                found = exc
            version, version_text = probed.result()
        if isinstance(found, BanditRunError):
            raise found
        library = _library_version()
        if library != version:
            raise BanditRunError(
                RunStatus.FAILED,
                f"{exe} is bandit {version} but the bandit library here is {library}: the files "
                "to scan would be found by another version than the one that scans them",
            )
        if found.ini_file is not None:
            # A plain run finds the .bandit file itself; a chunk of files is told where it is.
            command += ["--ini", found.ini_file]
        return _scan(
            found,
            options,
            command,
            version,
            version_text,
            workers=workers or available_cores(),
            chunks=chunks,
            cache=_Cache((cache_dir or default_cache_dir()) if use_cache else None),
            timeout=timeout,
            progress=progress,
            t0=t0,
        )
    except BanditRunError as stop:
        return BanditReport(stop.status, version, [*command, "-o", "REPORT", "FILE..."], errors=[str(stop)])


def _library_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(TOOL)
    except PackageNotFoundError:
        return None


def _scan(
    found: Discovery,
    options: BanditOptions,
    command: list[str],
    version: str,
    version_text: str,
    *,
    workers: int,
    chunks: int | None,
    cache: _Cache,
    timeout: float,
    progress: bool | None,
    t0: float,
) -> BanditReport:
    from bandit.core import metrics as b_metrics

    base = found.root if os.path.isdir(found.root) else os.path.dirname(found.root)
    run_identity = _run_identity(found, options, version_text)
    modules = _ModuleNames()
    shares: dict[str, Report] = {}
    keys: dict[str, tuple[str, dict[str, Any]]] = {}
    sizes: dict[str, int] = {}
    for f in found.files:
        digest = _sha256_file(f)
        if digest is not None:
            identity = {
                "run": run_identity,
                "path": os.path.relpath(f, base).replace(os.sep, "/"),
                "module": modules.of(f),
                "sha256": digest,
            }
            key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()
            keys[f] = (key, identity)
            hit = cache.get(key, identity)
            if hit is not None:
                shares[f] = hit
                continue
        try:
            sizes[f] = os.path.getsize(f)
        except OSError:
            sizes[f] = 0  # unreadable: bandit reports what is wrong with it
    cached = len(shares)
    bar = _Progress(len(found.files), progress)
    bar.advance(cached)
    launcher = _Launcher(timeout, t0)
    planned = plan_chunks(sizes, workers, chunks)
    try:
        # Entries are written by threads while the chunks still run, and by all cores at the end.
        with (
            ThreadPoolExecutor(max_workers=workers) as writer,
            tempfile.TemporaryDirectory(prefix="compliance-bandit-") as tmp,
        ):
            for per_file in _run_chunks(planned, command, tmp, launcher, workers):
                shares.update(per_file)
                if cache.folder is not None:
                    for f, share in per_file.items():
                        if f in keys:
                            writer.submit(cache.store, f, *keys[f], share)
                bar.advance(len(per_file))
    finally:
        bar.close()
    report = _merge(found.files, shares, dict(b_metrics.Metrics().data["_totals"]))
    return BanditReport(
        RunStatus.INCOMPLETE if report["errors"] else RunStatus.COMPLETED,
        version,
        [*command, "-o", "REPORT", "FILE..."],
        report=report,
        files=len(found.files),
        cached=cached,
        processes=launcher.started,
        launched_at=min((t[1] for t in launcher.times), default=None),
        chunk_times=sorted(launcher.times, key=lambda t: t[1]),
    )


def _run_identity(found: Discovery, options: BanditOptions, version_text: str) -> str:
    def digest(path: str | None) -> str | None:
        if path is None:
            return None
        value = _sha256_file(path)
        if value is None:
            raise BanditRunError(RunStatus.FAILED, f"{path}: cannot be read")
        return value

    identity = {
        "format": CACHE_FORMAT,
        "bandit": version_text,
        "options": options.arguments(),
        "config": digest(found.config_file),
        "ini": digest(found.ini_file),
        # A glob like '*/tests/*' in assert_used skips matches the absolute file name.
        "root": found.root if found.path_sensitive else None,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()


def _run_chunks(
    planned: list[list[str]], command: list[str], tmp: str, launcher: _Launcher, workers: int
) -> Iterator[dict[str, Report]]:
    """Each chunk's per-file shares as its process ends; the first failure stops the others."""
    if not planned:
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(planned))) as pool:
        futures: list[Future[dict[str, Report] | None]] = []
        for i, files in enumerate(planned):
            out = Path(tmp) / f"chunk-{i}.json"
            futures.append(pool.submit(launcher.run, [*command, "-o", str(out), *files], out, files))
        try:
            for done in as_completed(futures):
                shares = done.result()
                if shares is None:  # only after a stop, which raised elsewhere first
                    raise BanditRunError(RunStatus.FAILED, "the scan was stopped")
                yield shares
        finally:
            launcher.stop()
            for f in futures:
                f.cancel()


def _merge(files: Iterable[str], shares: Mapping[str, Report], totals: dict[str, int]) -> Report:
    """The report one bandit process would print for these files (without its own timestamp)."""
    results: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    metrics: dict[str, dict[str, int]] = {}
    tally: Counter[str] = Counter(totals)
    # bandit scans its files in sorted order, then sorts the results by file name (stably).
    for f in files:
        share = shares[f]
        results += [{**r, "filename": f} for r in share["results"]]
        errors += [{"filename": f, "reason": reason} for reason in share["errors"]]
        if share["metrics"] is not None:
            metrics[f] = dict(share["metrics"])
            tally.update(share["metrics"])
    results.sort(key=lambda r: str(r["filename"]))
    metrics["_totals"] = dict(tally)
    return {
        "errors": errors,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "metrics": metrics,
        "results": results,
    }


# ---------------------------------------------------------------------------------------------
# The normalised run


def scan(
    root: str | os.PathLike[str],
    options: BanditOptions | None = None,
    *,
    executable: str | None = None,
    workers: int | None = None,
    chunks: int | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    timeout: float | None = None,
    progress: bool | None = None,
) -> ScanRun:
    """Scan the Python code under ROOT with bandit, as a normalised run."""
    done = scan_report(
        root,
        options,
        executable=executable,
        workers=workers,
        chunks=chunks,
        cache_dir=cache_dir,
        use_cache=use_cache,
        timeout=timeout,
        progress=progress,
    )
    return to_scan_run(done, root)


def to_scan_run(done: BanditReport, root: str | os.PathLike[str]) -> ScanRun:
    """The normalised run of a parallel bandit scan; findings only when bandit finished everywhere."""
    base = os.path.abspath(os.fspath(root))
    if not os.path.isdir(base):
        base = os.path.dirname(base)
    common: dict[str, Any] = {
        "tool": TOOL,
        "kind": "code",
        "version": done.version,
        "inputs": [os.fspath(root)],
        "command": done.command,
        "status": done.status,
        "errors": done.errors,
    }
    if done.report is None:
        return ScanRun(**common)

    def rel(name: str) -> str:
        return os.path.relpath(name, base).replace(os.sep, "/")

    findings = [
        ScanFinding(
            tool=TOOL,
            rule_id=r["test_id"],
            message=r["issue_text"],
            severity=_definition().severity[r["issue_severity"]],
            tool_severity=r["issue_severity"],
            confidence=r["issue_confidence"],
            cwe=[f"CWE-{r['issue_cwe']['id']}"] if r["issue_cwe"].get("id") else [],
            file=rel(r["filename"]),
            line=r["line_number"],
            column=r["col_offset"],
        )
        for r in done.report["results"]
    ]
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.column or 0, f.rule_id, f.message))
    not_assessed = [NotAssessed(item=rel(e["filename"]), reason=e["reason"]) for e in done.report["errors"]]
    # The exit code a plain run would have given: 1 when it reported issues.
    return ScanRun(
        **common,
        exit_code=1 if findings else 0,
        findings=findings,
        not_assessed=not_assessed,
    )


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else "no output"
