"""Run the real bandit in parallel over balanced chunks of the files it would scan, with a cache.

bandit uses one core. This runner asks bandit's own file discovery which files `bandit -r ROOT`
would scan, splits them into chunks of balanced size (larger files first), runs one real bandit
process per chunk on all the cores (argument lists, a timeout each, `-f json`, the same options a
plain run gets) and merges the JSON reports into the report a plain run would have printed: the
same results in the same order, the same `errors` (files bandit could not parse), the same
metrics. Only `generated_at` differs. Results equal those of `bandit -r --ignore-nosec --ini
/dev/null ABSOLUTE_ROOT` with the same options (`plain_command`): the root is made absolute first,
so that the chunk processes and a plain run see the same file names.

The code is the supplier's, and the supplier is the party being assessed, so nothing in it may
steer, hang or widen the scan:

- Only our own configuration is used. bandit looks for a `.bandit` file in the folders it is
  given and obeys it (skips, excludes, even `ignore-nosec`); every bandit process here is given
  `--ini` naming the null device, so it reads none, and bandit reads a `pyproject.toml` or
  `setup.cfg` only when told to with `-c`/`--ini`, which only our options do. The settings that
  the supplier's tree holds (every `.bandit`, and every `pyproject.toml` with a `[tool.bandit]`
  table or `setup.cfg` with a `[bandit]` section) are reported in `ScanRun.ignored_settings`; the
  run is otherwise unaffected by them.
- `# nosec` comments hide nothing. bandit runs with `--ignore-nosec`, and each finding that a
  plain bandit would have dropped because of a `# nosec` comment is kept and marked as suppressed
  in the code by the supplier, with the comment's own words as the justification. Which findings
  those are is worked out with bandit's own expressions and its rule for which comment applies.
- A folder without a single file bandit would scan (empty, or JavaScript only) is `no_input`,
  never a clean scan.
- Only regular files are read or given to bandit. A FIFO, a device or a socket (or a link to
  one) named like a Python file would block a reader for ever; it is skipped and listed. A link
  whose target lies outside the solution's folder (`confine`) is refused and never read, at any
  depth and for the root itself; bandit never follows directory links, but such a link is listed
  too, since what it leads to was not assessed. Either makes the run incomplete.
- Every bandit process (and the version probe) runs in a session of its own; a timeout or a
  failure elsewhere kills its whole process group, so that a child it forked cannot keep the
  run waiting.

Each file's share of a report is cached under a key made of bandit's version (with its Python),
our configuration, the file's path relative to the scanned root, its module name as bandit
derives it from `__init__.py` files, and the SHA-256 of its bytes. The entry's file name and an
HMAC over its content are keyed with a random secret that only this installation holds (made
once in the cache folder, readable by its owner only): an entry written by anyone else does not
verify and is recomputed, and without a usable secret the cache is not used at all. A warm
re-scan of an unchanged tree hashes the files and reads the cache.

The run fails closed: a chunk that crashes, times out or prints no bandit report fails the whole
run, and no partial result is ever reported as complete.
"""

# File names stay the strings bandit builds with os.path (Path would normalise them differently).
# ruff: noqa: PTH100, PTH105, PTH108, PTH112, PTH113, PTH116, PTH118, PTH120, PTH122, PTH202

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import heapq
import hmac
import io
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import tokenize
import tomllib
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
from compliance.core.models.scan import (
    FindingState,
    NotAssessed,
    RunStatus,
    ScanFinding,
    ScanRun,
    Suppression,
)
from compliance.core.scanner_definitions import ScannerDefinition, definitions, find_tool
from compliance.inputs.files import open_regular_file

TOOL = "bandit"
# Bumped whenever the layout of a cache entry changes, so old entries are never read.
CACHE_FORMAT = 2
# The declarative definition (scanners/bandit.yaml) gives the timeout per process, the exit codes
# that mean bandit ran, and the mapping of its severities to ours.
VERSION_TIMEOUT = 60.0
# After a process group was killed, how long to wait for its pipes to close before giving up on
# them (a process that left the group may hold them); the child itself is reaped regardless.
REAP_TIMEOUT = 5.0

# What a run records, in plain English (the outputs translate them).
NO_PYTHON = "not assessed by bandit: no Python code; import a SARIF log from a scanner for that language"
NO_PYTHON_REASON = "no Python code"
NOT_REGULAR = "not a regular file: skipped"
LEADS_OUTSIDE = "a link that leads outside the solution's folder: not read"

# Given to every bandit process: report the findings on `# nosec` lines too, and read the null
# device as the `.bandit` file, so that bandit looks for none in the supplier's folders.
FIXED_ARGUMENTS = ("--ignore-nosec", "--ini", os.devnull)

# Files in the scanned tree that would configure bandit (reported, never used).
BANDIT_INI = ".bandit"
PYPROJECT = "pyproject.toml"
SETUP_CFG = "setup.cfg"
# A settings file larger than this is not parsed; it is reported when it names bandit at all.
MAX_SETTINGS_BYTES = 4 * 1024 * 1024
# A justification longer than this is cut: it is the supplier's text, shown to the assessor.
MAX_JUSTIFICATION = 500

# The cache's secret: its file name in the cache folder, and its length.
SECRET_FILE = "secret.key"  # noqa: S105 - the name of a file, not a secret
SECRET_BYTES = 32
# A cache entry larger than this is not read (no share of a report comes near it).
MAX_ENTRY_BYTES = 256 * 1024 * 1024


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
    """The options a scan passes to bandit, the same in a plain run and in every chunk.

    They are ours, never the supplier's: `config_file` is a bandit configuration this project
    chose (`-c`), never one found in the scanned tree.
    """

    config_file: Path | None = None
    severity: Level | None = None
    confidence: Level | None = None
    exclude: tuple[str, ...] | None = None  # None: bandit's default (.git, .tox, __pycache__...)

    def arguments(self) -> list[str]:
        """The command-line arguments for these options, with the ones every run gets."""
        args: list[str] = [*FIXED_ARGUMENTS]
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
    """A parallel bandit scan: its status, and the merged report when bandit ran."""

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
    # The results (by their index in `report["results"]`) that a `# nosec` comment would have
    # hidden from a plain bandit, with what the comment says.
    suppressions: dict[int, Suppression] = field(default_factory=dict)
    # What was not given to bandit and why: (absolute path, reason).
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # The supplier's bandit settings found in the tree, relative to the scanned folder.
    ignored_settings: list[str] = field(default_factory=list)


class BanditRunError(ComplianceError):
    """bandit could not scan everything: `status` says how (missing, failed, timeout).

    `scan_report` and `scan` turn it into a run of that status; `discover` and `scan_plain` raise it.
    """

    def __init__(self, status: RunStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------------------------
# Processes that cannot outlive their timeout


def _start(cmd: list[str], *, capture_stdout: bool) -> subprocess.Popen[bytes]:
    # A session of its own, so that its whole process group (whatever it forked) can be killed.
    return subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process and its process group, unless it was reaped already.

    While the process is not reaped its ID cannot be reused, so the group killed is its own.
    """
    if proc.returncode is not None:
        return
    killpg: Callable[[int, int], None] | None = getattr(os, "killpg", None)
    if killpg is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait for a killed process; stop reading pipes that something outside its group still holds."""
    try:
        proc.communicate(timeout=REAP_TIMEOUT)
    except subprocess.TimeoutExpired:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        proc.wait()


def _finish(proc: subprocess.Popen[bytes], timeout: float) -> tuple[bytes, bytes]:
    """The process's output once it ended; on timeout its group is killed and reaped, and it raises."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        _reap(proc)
        raise
    return out or b"", err or b""


# ---------------------------------------------------------------------------------------------
# Reading the supplier's files: regular files only, never through a link, never blocking


def _open_regular(path: str) -> io.BufferedReader:
    """The regular file at `path`, opened for reading; OSError for a link or anything but a file
    (`open_regular_file`: never waits on a FIFO; the runner resolves links itself and checks where
    they lead, so a link in the last part of the name is refused)."""
    return open_regular_file(path, follow_links=False)


def _sha256_file(path: str) -> str | None:
    try:
        with _open_regular(path) as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


def _read_regular(path: str, limit: int | None = None) -> bytes | None:
    """The regular file at `path` (at most `limit` bytes of it), or None when it is not one."""
    try:
        with _open_regular(path) as f:
            return f.read() if limit is None else f.read(limit)
    except OSError:
        return None


def _inside(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or lies under it (both resolved, absolute)."""
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # another drive
        return False


def _check_file(path: str, confine: str) -> tuple[str | None, str | None]:
    """(the name to read the file by, None), or (None, why it is not read)."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISLNK(st.st_mode):
        real = os.path.realpath(path)
        if not _inside(real, confine):
            return None, LEADS_OUTSIDE
        try:
            st = os.stat(real)
        except OSError:  # dangling, or a cycle
            return None, NOT_REGULAR
        path = real
    if not stat.S_ISREG(st.st_mode):
        return None, NOT_REGULAR
    return path, None


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
        proc = _start([executable, "--version"], capture_stdout=True)
    except OSError as exc:
        raise BanditRunError(RunStatus.FAILED, f"{executable} --version could not start: {exc}") from exc
    try:
        out, err = _finish(proc, timeout)
    except subprocess.TimeoutExpired as exc:
        raise BanditRunError(RunStatus.TIMEOUT, f"{executable} --version did not finish in time") from exc
    text = (out + err).decode("utf-8", "replace").strip()
    match = re.search(_definition().version_probe.pattern, text)
    if proc.returncode != 0 or match is None:
        raise BanditRunError(
            RunStatus.FAILED, f"{executable} --version printed no version: {_last_line(text)}"
        )
    return match.group(1), text


@dataclass(frozen=True)
class Discovery:
    """What a scan gives bandit, what it leaves out and why, and the settings that decided it."""

    root: str
    files: list[str]  # what `bandit -r ROOT` would scan, less what `skipped` names
    config_file: str | None
    path_sensitive: bool  # the config matches file names against globs (assert_used skips)
    # Absolute paths (or the root) not given to bandit, with the reason; NotAssessed items.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # The supplier's bandit settings in the tree, relative to the scanned folder, '/'-separated.
    ignored_settings: list[str] = field(default_factory=list)
    # The name to read each file by, where it differs (a link inside the solution's folder).
    read_as: dict[str, str] = field(default_factory=dict)
    listed: int = 0  # the files bandit's own discovery found, before our checks

    @property
    def base(self) -> str:
        """The folder that relative names start from: the root, or a file root's folder."""
        return self.root if os.path.isdir(self.root) else os.path.dirname(self.root)


def discover(
    root: str | os.PathLike[str],
    options: BanditOptions | None = None,
    *,
    confine: str | os.PathLike[str] | None = None,
) -> Discovery:
    """The files to give bandit: those `bandit -r ROOT` would scan, found by bandit's own discovery
    with our settings, less every one that is not a regular file or leads outside `confine`.

    `confine` is the solution's folder (default: the root itself); nothing outside it is read.
    """
    options = options or BanditOptions()
    root_s = os.path.abspath(os.fspath(root))
    confine_real = os.path.realpath(os.fspath(confine) if confine is not None else root_s)
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

    config_file = str(options.config_file) if options.config_file else None
    try:
        conf = b_config.BanditConfig(config_file=config_file)
    except b_utils.ConfigError as exc:
        raise BanditRunError(
            RunStatus.FAILED, f"{config_file}: bandit cannot use this config: {exc}"
        ) from exc
    assert_conf = conf.get_option("assert_used") or {}
    path_sensitive = bool(isinstance(assert_conf, dict) and assert_conf.get("skips"))

    def nothing(why: str) -> Discovery:
        return Discovery(root_s, [], config_file, path_sensitive, skipped=[(root_s, why)])

    try:
        st = os.lstat(root_s)
    except OSError as exc:
        raise BanditRunError(RunStatus.FAILED, f"{root_s}: cannot be read: {exc.strerror or exc}") from exc
    if not _inside(os.path.realpath(root_s), confine_real):
        return nothing(LEADS_OUTSIDE)  # the root, or a folder above it, is a link leading out
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(root_s)
        except OSError:
            return nothing(NOT_REGULAR)
    if stat.S_ISDIR(st.st_mode):
        outside, settings = _walk_tree(root_s, confine_real)
    elif stat.S_ISREG(st.st_mode):
        outside, settings = [], []
        # A file named on bandit's command line is scanned whatever its name; a single file we
        # are given counts as Python code only when its name is one bandit scans in a folder.
        include = conf.get_option("include") or ["*.py"]
        if not any(fnmatch.fnmatch(root_s, glob) for glob in include):
            return Discovery(root_s, [], config_file, path_sensitive)
    else:
        return nothing(NOT_REGULAR)

    excluded = ",".join(b_constants.EXCLUDE if options.exclude is None else options.exclude)
    mgr = b_manager.BanditManager(conf, "file")
    try:
        mgr.discover_files([root_s], True, excluded)
    except RecursionError as exc:  # os.walk recurses per folder level (Python 3.11)
        raise BanditRunError(
            RunStatus.FAILED, f"{root_s}: folders nested too deeply for bandit's file discovery"
        ) from exc
    listed = [str(f) for f in mgr.files_list]
    files: list[str] = []
    skipped: list[tuple[str, str]] = [(p, LEADS_OUTSIDE) for p in outside]
    read_as: dict[str, str] = {}
    for f in listed:
        readable, why = _check_file(f, confine_real)
        if readable is None:
            skipped.append((f, why or NOT_REGULAR))
            continue
        files.append(f)
        if readable != f:
            read_as[f] = readable
    base = root_s if stat.S_ISDIR(st.st_mode) else os.path.dirname(root_s)
    return Discovery(
        root=root_s,
        files=files,
        config_file=config_file,
        path_sensitive=path_sensitive,
        skipped=sorted(skipped),
        ignored_settings=sorted(os.path.relpath(s, base).replace(os.sep, "/") for s in settings),
        read_as=read_as,
        listed=len(listed),
    )


def _walk_tree(root: str, confine: str) -> tuple[list[str], list[str]]:
    """The directory links under `root` that lead outside `confine`, and the supplier's bandit
    settings files; walked without following links and without recursion (any depth)."""
    outside: list[str] = []
    settings: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue  # bandit's own discovery skips an unreadable folder alike
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    continue
                if entry.is_symlink():
                    if os.path.isdir(entry.path) and not _inside(os.path.realpath(entry.path), confine):
                        outside.append(entry.path)
                    elif entry.name == BANDIT_INI:
                        settings.append(entry.path)  # bandit would follow it; we never read it
                    continue
            except OSError:
                continue
            if _is_bandit_settings(entry.name, entry.path):
                settings.append(entry.path)
    return outside, settings


# As configparser reads a section header (leniently: spaces inside the brackets are let through).
_SETUP_CFG_SECTION = re.compile(rb"^[ \t]*\[[ \t]*bandit[ \t]*\]", re.MULTILINE)


def _is_bandit_settings(name: str, path: str) -> bool:
    """Whether the regular file at `path` would configure bandit: a `.bandit` file always; a
    `pyproject.toml` with a `[tool.bandit]` table; a `setup.cfg` with a `[bandit]` section.

    A file that cannot be parsed (or is too large to) counts when it names bandit at all: it is
    only reported, so saying too much costs nothing.
    """
    if name == BANDIT_INI:
        return True
    if name not in (PYPROJECT, SETUP_CFG):
        return False
    data = _read_regular(path, MAX_SETTINGS_BYTES + 1)
    if data is None or b"bandit" not in data:
        return False
    if name == SETUP_CFG:
        return _SETUP_CFG_SECTION.search(data) is not None
    if len(data) > MAX_SETTINGS_BYTES:
        return True
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return True
    except ValueError:  # an integer over Python's digit limit: tomllib raises a plain ValueError
        return True
    return isinstance(tool, dict) and "bandit" in tool


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
                proc = _start(cmd, capture_stdout=False)
            except OSError as exc:
                raise BanditRunError(RunStatus.FAILED, f"bandit could not start: {exc}") from exc
            self.started += 1
            self.live.add(proc)
        began = time.perf_counter() - self.t0
        try:
            _, err = _finish(proc, self.timeout)
        except subprocess.TimeoutExpired as exc:
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
        """Launch nothing more and kill what runs, with whatever it started."""
        with self.lock:
            self.stopped = True
            for proc in self.live:
                _kill_group(proc)


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
# `# nosec`: which findings a plain bandit would have hidden


@dataclass(frozen=True)
class _Nosec:
    """One `# nosec` comment: the tests it names (none: all of them), and the words after them."""

    tests: frozenset[str]
    justification: str | None


def _nosec_comments(data: bytes) -> dict[int, _Nosec]:
    """The `# nosec` comments of a Python file by line, as bandit reads them.

    As bandit.core.manager.BanditManager._parse_file: the comment tokens of the file; a file that
    stops tokenising keeps the comments found before. bandit would have run on the same bytes.
    """
    from bandit.core import manager as b_manager

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if "nosec" not in data.decode(encoding):
            return {}  # the common case, without tokenising
    except (SyntaxError, LookupError, UnicodeDecodeError):
        pass  # tokenize says what it makes of it
    found: dict[int, _Nosec] = {}
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type == tokenize.COMMENT:
                match = b_manager.NOSEC_COMMENT.search(token.string)
                if match is not None:
                    found[token.start[0]] = _parse_nosec(token.string, match)
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError, ValueError):
        pass
    return found


def _parse_nosec(comment: str, match: re.Match[str]) -> _Nosec:
    """The tests a `# nosec` comment names, and its justification.

    As bandit.core.manager._parse_nosec_comment (a private function that also logs a warning per
    word it does not know, so it is not called): bandit's own expression picks words after
    `nosec`, and a word counts when it is a test ID or a test name bandit knows; a comment that
    names none hides every finding. The justification is what follows `nosec` and the leading
    test IDs or names, without separators; it is the supplier's text, kept to printable
    characters and cut at MAX_JUSTIFICATION.
    """
    from bandit.core import extension_loader as b_extensions
    from bandit.core import manager as b_manager

    extensions = b_extensions.MANAGER

    def test_id(word: str) -> str | None:
        if extensions.check_id(word):
            return word
        found: str | None = extensions.get_test_id(word)
        return found

    tests = {
        found
        for word in b_manager.NOSEC_COMMENT_TESTS.finditer(match.group("tests") or "")
        if (found := test_id(word.group(1))) is not None
    }
    rest = comment[match.start() :]
    at = _NOSEC_WORD.match(rest).end()  # type: ignore[union-attr]  # the comment starts so
    while (word := _TEST_WORD.match(rest, at)) and test_id(word.group(1)) is not None:
        at = word.end()
    text = rest[at:].strip(" \t,:;-#\u2013\u2014")[:MAX_JUSTIFICATION]
    return _Nosec(frozenset(tests), "".join(c if c.isprintable() else "\ufffd" for c in text) or None)


# The start of a `# nosec` comment, and a word after it (a test ID or name, or the first word of
# the justification).
_NOSEC_WORD = re.compile(r"#\s*nosec:?")
_TEST_WORD = re.compile(r"[\s,:]*([A-Za-z\d_]+)")


def _suppression(result: Mapping[str, Any], comments: Mapping[int, _Nosec]) -> Suppression | None:
    """How a `# nosec` comment would have hidden this result from a plain bandit, if it would.

    As bandit.core.tester.BanditTester (run_tests and _get_nosecs_from_contexts): the comment on
    the first line of the node's line range (`line_range`) that has one, with the comment on the
    line the check named (`line_number`, often that of a `shell=True` further down the call); no
    named test hides them all. bandit takes the second only when the check named a line of its
    own, which its report does not say; otherwise the line is the node's first, whose comment is
    the first one already, or (for a string) a line inside a longer statement, where a second
    comment naming other tests is the one case read more widely than bandit does.
    """
    lines = result.get("line_range") or []
    first = next((comments[n] for n in lines if n in comments), None)
    applying = [first, comments.get(result["line_number"])]
    found = [c for c in applying if c is not None]
    if not found:
        return None
    tests = frozenset[str]().union(*(c.tests for c in found))
    if tests and result["test_id"] not in tests:
        return None
    words = list(dict.fromkeys(c.justification for c in found if c.justification))
    return Suppression(kind="nosec", status=None, justification="; ".join(words) or None)


# ---------------------------------------------------------------------------------------------
# The cache


def _cache_secret(folder: Path) -> bytes | None:
    """This installation's cache key, made on first use; None when it cannot be made or trusted.

    It is created whole or not at all: written to a private temporary file, then linked under its
    name, which fails when another run linked one first (that one is read instead). A secret that
    is a link, not a regular file, not ours, readable by others, or of the wrong length is not
    trusted, and the cache is then not used.
    """
    path = os.fspath(folder / SECRET_FILE)
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-secret-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(SECRET_BYTES))
            os.link(tmp, path)
        finally:
            os.unlink(tmp)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        return _read_secret(path)
    except OSError:
        return None


def _read_secret(path: str) -> bytes:
    with _open_regular(path) as f:
        st = os.fstat(f.fileno())
        getuid: Callable[[], int] | None = getattr(os, "getuid", None)
        if st.st_mode & 0o077 or (getuid is not None and st.st_uid != getuid()):
            raise PermissionError(f"{path}: not private to this user")
        data = f.read(SECRET_BYTES + 1)
    if len(data) != SECRET_BYTES:
        raise PermissionError(f"{path}: not a cache secret")
    return data


class _Cache:
    """Per-file shares of bandit reports, one JSON file each, written atomically.

    An entry is named by an HMAC of its identity and carries an HMAC of its format, identity and
    payload, both keyed with this installation's secret: one written without the secret is
    ignored. Without a usable secret (or folder) nothing is read or written.
    """

    def __init__(self, folder: Path | None) -> None:
        self.secret = _cache_secret(folder) if folder is not None else None
        self.folder = folder if self.secret is not None else None
        self.made: set[Path] = set()

    def key(self, identity: Mapping[str, Any]) -> str | None:
        """The entry's name for this identity; None without a cache."""
        if self.secret is None:
            return None
        return hmac.new(self.secret, _canonical(identity), hashlib.sha256).hexdigest()

    def _mac(self, identity: Mapping[str, Any], payload: str) -> str:
        assert self.secret is not None
        signed = _canonical({"format": CACHE_FORMAT, "identity": identity, "payload": payload})
        return hmac.new(self.secret, signed, hashlib.sha256).hexdigest()

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, identity: Mapping[str, Any]) -> Report | None:
        if self.folder is None:
            return None
        data = _read_regular(os.fspath(self._path(key)), MAX_ENTRY_BYTES + 1)
        if data is None or len(data) > MAX_ENTRY_BYTES:
            return None
        try:
            entry = json.loads(data)
            payload = entry["payload"]
            if (
                entry.get("format") != CACHE_FORMAT
                or entry.get("identity") != identity
                or not isinstance(payload, str)
                or not isinstance(entry.get("mac"), str)
                or not hmac.compare_digest(self._mac(identity, payload), entry["mac"])
            ):
                return None
            share = json.loads(payload)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
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
            "payload": payload,
            "mac": self._mac(identity, payload),
        }
        path = self._path(key)
        # A cache that cannot be written costs speed, never correctness: the error is dropped.
        try:
            if path.parent not in self.made:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
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


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


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
    """The plain single-process command this runner is equivalent to (for a tree without links
    out of it and without anything but regular files named like Python files)."""
    options = options or BanditOptions()
    return [executable, "-f", "json", "-r", *options.arguments(), os.path.abspath(os.fspath(root))]


def scan_plain(
    root: str | os.PathLike[str],
    options: BanditOptions | None = None,
    *,
    executable: str | None = None,
    timeout: float | None = None,
) -> Report:
    """The report of one plain bandit run with the same options (`plain_command`), for comparison."""
    timeout = _timeout(timeout)
    exe = find_bandit(executable)
    if exe is None:
        raise BanditRunError(RunStatus.MISSING, f"{executable or TOOL} is not installed")
    with tempfile.TemporaryDirectory(prefix="compliance-bandit-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [*plain_command(exe, root, options)]
        cmd[-1:-1] = ["-o", str(out)]
        try:
            proc = _start(cmd, capture_stdout=False)
        except OSError as exc:
            raise BanditRunError(RunStatus.FAILED, f"bandit could not start: {exc}") from exc
        try:
            _, err = _finish(proc, timeout)
        except subprocess.TimeoutExpired as exc:
            raise BanditRunError(RunStatus.TIMEOUT, f"bandit did not finish in {timeout:g} s") from exc
        if proc.returncode not in _definition().accepted_exit_codes:
            raise BanditRunError(
                RunStatus.FAILED,
                f"bandit exited with code {proc.returncode}: {_last_line(err.decode('utf-8', 'replace'))}",
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
    confine: str | os.PathLike[str] | None = None,
) -> BanditReport:
    """Scan ROOT with bandit in parallel; the merged report equals a plain run's (`plain_command`).

    `workers` defaults to the cores available, `chunks` to a few per worker, `cache_dir` to
    `default_cache_dir()`; `use_cache=False` neither reads nor writes the cache. `progress`
    shows a bar on stderr (default: when stderr is a terminal). `timeout` is per process.
    `confine` is the solution's folder (default: ROOT itself): no link leading out of it is read.
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
                found: Discovery | BanditRunError = discover(root, options, confine=confine)
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
        if not found.files:
            # Nothing for bandit: a tree without Python code, or one whose files were all refused.
            return BanditReport(
                RunStatus.INCOMPLETE if found.skipped else RunStatus.NO_INPUT,
                version,
                [*command, "-o", "REPORT", "FILE..."],
                errors=[] if found.skipped else [NO_PYTHON],
                skipped=found.skipped,
                ignored_settings=found.ignored_settings,
            )
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

    base = found.base
    run_identity = _run_identity(found, options, version_text)
    modules = _ModuleNames()
    shares: dict[str, Report] = {}
    keys: dict[str, tuple[str, dict[str, Any]]] = {}
    digests: dict[str, str | None] = {}
    sizes: dict[str, int] = {}
    for f in found.files:
        readable = found.read_as.get(f, f)
        digest = digests[f] = _sha256_file(readable)
        if digest is not None:
            identity = {
                "run": run_identity,
                "path": os.path.relpath(f, base).replace(os.sep, "/"),
                "module": modules.of(f),
                "sha256": digest,
            }
            key = cache.key(identity)
            if key is not None:
                keys[f] = (key, identity)
                hit = cache.get(key, identity)
                if hit is not None:
                    shares[f] = hit
                    continue
        try:
            sizes[f] = os.path.getsize(readable)
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
                            writer.submit(cache.store, found.read_as.get(f, f), *keys[f], share)
                bar.advance(len(per_file))
    finally:
        bar.close()
    report = _merge(found.files, shares, dict(b_metrics.Metrics().data["_totals"]))
    suppressions = _suppressions(report["results"], found, digests)
    return BanditReport(
        RunStatus.INCOMPLETE if report["errors"] or found.skipped else RunStatus.COMPLETED,
        version,
        [*command, "-o", "REPORT", "FILE..."],
        report=report,
        files=len(found.files),
        cached=cached,
        processes=launcher.started,
        launched_at=min((t[1] for t in launcher.times), default=None),
        chunk_times=sorted(launcher.times, key=lambda t: t[1]),
        suppressions=suppressions,
        skipped=found.skipped,
        ignored_settings=found.ignored_settings,
    )


def _suppressions(
    results: Sequence[Mapping[str, Any]], found: Discovery, digests: Mapping[str, str | None]
) -> dict[int, Suppression]:
    """The results a `# nosec` comment would have hidden, by index, read from the bytes scanned.

    Only files with results are read again; one that changed since it was hashed fails the run,
    since its comments may not be those of the code bandit read.
    """
    comments: dict[str, dict[int, _Nosec]] = {}
    out: dict[int, Suppression] = {}
    for i, r in enumerate(results):
        name = r["filename"]
        if name not in comments:
            data = _read_regular(found.read_as.get(name, name))
            if data is None or hashlib.sha256(data).hexdigest() != digests.get(name):
                raise BanditRunError(RunStatus.FAILED, f"{name}: changed or went away while it was scanned")
            comments[name] = _nosec_comments(data)
        suppression = _suppression(r, comments[name])
        if suppression is not None:
            out[i] = suppression
    return out


def _run_identity(found: Discovery, options: BanditOptions, version_text: str) -> str:
    def digest(path: str | None) -> str | None:
        if path is None:
            return None
        value = _sha256_file(os.path.realpath(path))
        if value is None:
            raise BanditRunError(RunStatus.FAILED, f"{path}: cannot be read")
        return value

    identity = {
        "format": CACHE_FORMAT,
        "bandit": version_text,
        "options": options.arguments(),
        "config": digest(found.config_file),
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
    confine: str | os.PathLike[str] | None = None,
) -> ScanRun:
    """Scan the Python code under ROOT with bandit, as a normalised run (see `scan_report`)."""
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
        confine=confine,
    )
    return to_scan_run(done, root)


def to_scan_run(done: BanditReport, root: str | os.PathLike[str]) -> ScanRun:
    """The normalised run of a parallel bandit scan; findings only when bandit finished everywhere.

    A finding that a `# nosec` comment would have hidden is kept, in the state
    `suppressed_in_code`, and counts like any other.
    """
    given = os.fspath(root)
    base = os.path.abspath(given)
    if not os.path.isdir(base):
        base = os.path.dirname(base)

    def rel(name: str) -> str:
        return os.path.relpath(name, base).replace(os.sep, "/")

    # What was left out is named relative to the root; the root itself as it was given.
    not_assessed = [
        NotAssessed(item=given if path == os.path.abspath(given) else rel(path), reason=why)
        for path, why in done.skipped
    ]
    if done.status is RunStatus.NO_INPUT:
        not_assessed.append(NotAssessed(item=given, reason=NO_PYTHON_REASON))
    common: dict[str, Any] = {
        "tool": TOOL,
        "kind": "code",
        "version": done.version,
        "inputs": [given],
        "command": done.command,
        "status": done.status,
        "errors": done.errors,
        "ignored_settings": done.ignored_settings,
        "not_assessed": not_assessed,
    }
    if done.report is None:
        return ScanRun(**common)

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
            state=FindingState.SUPPRESSED_IN_CODE if i in done.suppressions else FindingState.OPEN,
            suppression=done.suppressions.get(i),
        )
        for i, r in enumerate(done.report["results"])
    ]
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.column or 0, f.rule_id, f.message))
    common["not_assessed"] = [
        NotAssessed(item=rel(e["filename"]), reason=e["reason"]) for e in done.report["errors"]
    ] + not_assessed
    # The exit code a plain run would have given: 1 when it reported issues.
    return ScanRun(**common, exit_code=1 if findings else 0, findings=findings)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else "no output"
