"""The parallel bandit runner: the real bandit on a small tree with known weaknesses gives exactly
what one plain `bandit -r` gives, a warm cache starts no scan, and every way a chunk can fail
fails the whole run."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from compliance.core.models.scan import RunStatus, ScanSeverity
from compliance.evidence import bandit_runner
from compliance.evidence.bandit_runner import (
    BanditOptions,
    Level,
    discover,
    plan_chunks,
    scan,
    scan_plain,
    scan_report,
)

# bandit is a dependency of the project: when it is missing these tests fail, they never skip.
REAL_BANDIT = bandit_runner.find_bandit()

FILES = {
    "app/__init__.py": "",
    "app/shell.py": "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
    "app/secrets.py": 'password = "hunter2"\n',
    "app/store.py": "import pickle\n\n\ndef load(data):\n    return pickle.loads(data)\n",
    "app/settings.py": "import yaml\n\n\ndef read(text):\n    return yaml.load(text)\n",
    "app/checks.py": "def check(x):\n    assert x > 0\n    return x\n",
    "app/broken.py": "def broken(:\n    pass\n",
    "app/quiet.py": "def f(x):\n    return eval(x)  # nosec B307\n",
    "app/tool.pyw": "def g(x):\n    return eval(x)\n",
    "app/.tox/py311/lib/vendored.py": "import os\nos.system('rm -rf ' + input())\n",
    "app/build/generated.py": "exec(input())\n",
    "notes.txt": "eval(input())\n",
    **{f"pkg/mod{i:02}.py": f"def f{i}(x):\n    return x + {i}\n" * (i + 1) for i in range(12)},
}


def _write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return _write_tree(tmp_path / "project", FILES)


def _script(path: Path, body: str) -> str:
    """An executable shell script standing in for bandit; `$REAL` is the real one."""
    path.write_text(f'#!/bin/sh\nREAL="{REAL_BANDIT}"\n{body}\n', encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def counting_bandit(tmp_path: Path) -> tuple[str, Path]:
    """The real bandit behind a wrapper that logs every launch, one line each."""
    log = tmp_path / "launches.log"
    return _script(tmp_path / "bandit-counting", f'echo "$@" >> "{log}"\nexec "$REAL" "$@"'), log


def _launches(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def _scans(log: Path) -> list[str]:
    return [line for line in _launches(log) if line != "--version"]


def _without_time(report: dict[str, Any] | None) -> dict[str, Any]:
    assert report is not None
    return {k: v for k, v in report.items() if k != "generated_at"}


def _findings(report: dict[str, Any]) -> set[tuple[str, int, int, str, str]]:
    return {
        (r["filename"], r["line_number"], r["col_offset"], r["test_id"], r["issue_text"])
        for r in report["results"]
    }


# ---------------------------------------------------------------------------------------------
# The same files, the same findings, the same errors as a plain run


def test_the_files_found_are_the_files_a_plain_run_scans(tree: Path) -> None:
    plain = scan_plain(tree)
    reported = {name for name in plain["metrics"] if name != "_totals"} | {
        e["filename"] for e in plain["errors"]
    }
    found = discover(tree)
    assert set(found.files) == reported
    names = {os.path.relpath(f, tree) for f in found.files}
    assert "app/tool.pyw" in names  # bandit's default include is *.py and *.pyw
    assert "app/.tox/py311/lib/vendored.py" not in names  # excluded by bandit's defaults
    assert "notes.txt" not in names


def test_a_parallel_scan_in_several_chunks_reports_exactly_what_one_plain_run_reports(tree: Path) -> None:
    plain = scan_plain(tree)
    done = scan_report(tree, workers=3, chunks=4, use_cache=False, progress=False)
    assert done.status is RunStatus.INCOMPLETE, done.errors  # app/broken.py does not parse
    assert done.processes == 4
    assert done.report is not None
    assert _findings(done.report) == _findings(plain) and len(_findings(plain)) >= 8
    assert done.report["errors"] == plain["errors"]
    # Stronger: the whole report, results in the same order, code snippets and metrics included.
    assert _without_time(done.report) == _without_time(plain)
    ids = {r["test_id"] for r in plain["results"]}
    assert {"B602", "B105", "B301", "B403", "B506", "B101", "B307"} <= ids
    assert [os.path.relpath(e["filename"], tree) for e in plain["errors"]] == ["app/broken.py"]
    assert not any("quiet.py" in r["filename"] for r in plain["results"])  # nosec B307 honoured


@pytest.mark.parametrize(
    "options",
    [
        BanditOptions(severity=Level.MEDIUM, confidence=Level.HIGH),
        BanditOptions(exclude=("app/build", "*/pkg/*")),
        BanditOptions(config_file=Path("bandit.yaml")),
    ],
    ids=["levels", "excluded-paths", "config-file"],
)
def test_the_options_are_the_same_in_a_plain_and_a_parallel_run(
    tree: Path, options: BanditOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)  # bandit reads -x folders and -c relative to the working folder
    (tree / "bandit.yaml").write_text("skips: [B101, B403]\nexclude_dirs: [pkg]\n", encoding="utf-8")
    plain = scan_plain(tree, options)
    done = scan_report(tree, options, workers=2, chunks=3, use_cache=False, progress=False)
    assert _without_time(done.report) == _without_time(plain)
    found = {os.path.relpath(f, tree) for f in discover(tree, options).files}
    assert found == {os.path.relpath(n, tree) for n in plain["metrics"] if n != "_totals"} | {
        os.path.relpath(e["filename"], tree) for e in plain["errors"]
    }


def test_a_project_bandit_file_applies_to_every_chunk_as_to_a_plain_run(tree: Path) -> None:
    # Its exclude replaces bandit's default one: the vendored file under .tox is scanned now.
    (tree / ".bandit").write_text("[bandit]\nexclude = /build/\nskips = B404,B105\n", encoding="utf-8")
    plain = scan_plain(tree)
    done = scan_report(tree, workers=2, chunks=3, use_cache=False, progress=False)
    assert _without_time(done.report) == _without_time(plain)
    ids = {(os.path.relpath(r["filename"], tree), r["test_id"]) for r in plain["results"]}
    assert ("app/.tox/py311/lib/vendored.py", "B605") in ids
    assert not {i for _, i in ids} & {"B404", "B105"}


def test_two_project_bandit_files_fail_as_bandit_does(tree: Path) -> None:
    (tree / ".bandit").write_text("[bandit]\nskips = B101\n", encoding="utf-8")
    (tree / "pkg" / ".bandit").write_text("[bandit]\nskips = B102\n", encoding="utf-8")
    run = scan(tree, use_cache=False, progress=False)
    assert run.status is RunStatus.FAILED
    assert "several .bandit files" in run.errors[0]
    assert run.findings == []


# ---------------------------------------------------------------------------------------------
# The normalised run


def test_the_normalised_run_maps_severity_cwe_and_relative_files(tree: Path, tmp_path: Path) -> None:
    run = scan(tree, workers=2, cache_dir=tmp_path / "cache", progress=False)
    assert run.status is RunStatus.INCOMPLETE
    assert run.tool == "bandit" and run.kind == "code"
    assert run.version == bandit_runner._library_version()
    assert run.exit_code == 1
    assert [(n.item, n.reason) for n in run.not_assessed] == [
        ("app/broken.py", "syntax error while parsing AST from file")
    ]
    shell = next(f for f in run.findings if f.rule_id == "B602")
    assert (shell.file, shell.line, shell.column) == ("app/shell.py", 5, 11)
    assert shell.severity is ScanSeverity.HIGH and shell.tool_severity == "HIGH"
    assert shell.confidence == "HIGH"
    assert shell.cwe == ["CWE-78"]
    password = next(f for f in run.findings if f.rule_id == "B105")
    assert password.severity is ScanSeverity.LOW and password.cwe == ["CWE-259"]
    assert next(f for f in run.findings if f.rule_id == "B506").severity is ScanSeverity.MEDIUM
    assert run.counts["high"] >= 1
    assert run.findings == sorted(
        run.findings, key=lambda f: (f.file or "", f.line or 0, f.column or 0, f.rule_id, f.message)
    )


def test_a_clean_tree_is_a_completed_run_without_findings(tmp_path: Path) -> None:
    root = _write_tree(tmp_path / "clean", {"a.py": "x = 1\n", "b/c.py": "def f():\n    return 2\n"})
    run = scan(root, use_cache=False, progress=False)
    assert run.status is RunStatus.COMPLETED
    assert run.findings == [] and run.not_assessed == [] and run.exit_code == 0


# ---------------------------------------------------------------------------------------------
# The cache


def test_a_warm_scan_starts_no_bandit_scan_and_reports_the_same(
    tree: Path, tmp_path: Path, counting_bandit: tuple[str, Path]
) -> None:
    exe, log = counting_bandit
    cache = tmp_path / "cache"
    cold = scan_report(tree, executable=exe, workers=2, chunks=3, cache_dir=cache, progress=False)
    assert cold.processes == 3 and len(_scans(log)) == 3 and cold.cached == 0
    log.unlink()
    warm = scan_report(tree, executable=exe, workers=2, chunks=3, cache_dir=cache, progress=False)
    assert _launches(log) == ["--version"]  # the version probe, and no scan
    assert warm.processes == 0 and warm.cached == warm.files == cold.files
    assert _without_time(warm.report) == _without_time(cold.report)
    assert _without_time(warm.report) == _without_time(scan_plain(tree))


def test_a_moved_tree_reuses_the_cache_under_its_new_names(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    scan_report(tree, cache_dir=cache, progress=False)
    (tmp_path / "elsewhere").mkdir()
    moved = tree.rename(tmp_path / "elsewhere" / "project")
    warm = scan_report(moved, cache_dir=cache, progress=False)
    assert warm.processes == 0
    assert _without_time(warm.report) == _without_time(scan_plain(moved))


def test_a_changed_file_is_scanned_again_and_only_it(
    tree: Path, tmp_path: Path, counting_bandit: tuple[str, Path]
) -> None:
    exe, log = counting_bandit
    cache = tmp_path / "cache"
    scan_report(tree, executable=exe, workers=2, cache_dir=cache, progress=False)
    log.unlink()
    (tree / "app" / "checks.py").write_text("import subprocess\nsubprocess.run('ls', shell=True)\n")
    warm = scan_report(tree, executable=exe, workers=2, cache_dir=cache, progress=False)
    scans = _scans(log)
    assert len(scans) == 1 and scans[0].endswith(str(tree / "app" / "checks.py"))
    assert warm.cached == warm.files - 1
    assert _without_time(warm.report) == _without_time(scan_plain(tree))
    assert warm.report is not None
    checks = {r["test_id"] for r in warm.report["results"] if r["filename"].endswith("checks.py")}
    assert checks == {"B404", "B602", "B607"}


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*.json") if not p.name.startswith(".tmp-"))


def _entry_of(cache: Path, name: str) -> Path:
    for path in _entries(cache):
        if json.loads(path.read_text())["identity"]["path"] == name:
            return path
    raise AssertionError(f"no cache entry for {name}")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:40])


def _tamper_payload(path: Path) -> None:
    entry = json.loads(path.read_text())
    entry["payload"] = entry["payload"].replace('"B602"', '"B999"')
    path.write_text(json.dumps(entry))


def _tamper_payload_and_digest(path: Path) -> None:
    # Valid and self-consistent, but not what bandit said: a share without any result.
    entry = json.loads(path.read_text())
    entry["payload"] = json.dumps({"results": "none", "errors": [], "metrics": {}})
    entry["payload_sha256"] = hashlib.sha256(entry["payload"].encode()).hexdigest()
    path.write_text(json.dumps(entry))


def _other_identity(path: Path) -> None:
    entry = json.loads(path.read_text())
    entry["identity"]["path"] = "app/elsewhere.py"
    path.write_text(json.dumps(entry))


def test_corrupted_cache_entries_are_recomputed_never_trusted(
    tree: Path, tmp_path: Path, counting_bandit: tuple[str, Path]
) -> None:
    exe, log = counting_bandit
    cache = tmp_path / "cache"
    cold = scan_report(tree, executable=exe, workers=2, cache_dir=cache, progress=False)
    corrupted = {
        "app/shell.py": _tamper_payload,
        "app/store.py": _truncate,
        "app/secrets.py": _tamper_payload_and_digest,
        "app/settings.py": _other_identity,
    }
    entries = {name: _entry_of(cache, name) for name in corrupted}
    for name, corrupt in corrupted.items():
        corrupt(entries[name])
    log.unlink()
    warm = scan_report(tree, executable=exe, workers=2, cache_dir=cache, progress=False)
    rescanned = {
        os.path.relpath(arg, tree) for line in _scans(log) for arg in line.split() if arg.endswith(".py")
    }
    assert rescanned == set(corrupted)
    assert warm.cached == warm.files - len(corrupted)
    assert _without_time(warm.report) == _without_time(cold.report)
    # The entries were written anew and are trusted again.
    again = scan_report(tree, executable=exe, workers=2, cache_dir=cache, progress=False)
    assert again.processes == 0


def test_other_options_do_not_reuse_the_cache(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    scan_report(tree, cache_dir=cache, progress=False)
    other = scan_report(tree, BanditOptions(severity=Level.HIGH), cache_dir=cache, progress=False)
    assert other.cached == 0 and other.processes > 0
    assert other.report is not None
    assert {r["issue_severity"] for r in other.report["results"]} == {"HIGH"}


def test_a_changed_config_file_does_not_reuse_the_cache(tree: Path, tmp_path: Path) -> None:
    cache, config = tmp_path / "cache", tmp_path / "bandit.yaml"
    config.write_text("skips: [B101]\n", encoding="utf-8")
    scan_report(tree, BanditOptions(config_file=config), cache_dir=cache, progress=False)
    config.write_text("skips: [B105]\n", encoding="utf-8")
    again = scan_report(tree, BanditOptions(config_file=config), cache_dir=cache, progress=False)
    assert again.cached == 0
    assert _without_time(again.report) == _without_time(scan_plain(tree, BanditOptions(config_file=config)))


def test_the_cache_folder_honours_XDG_CACHE_HOME(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert bandit_runner.default_cache_dir() == tmp_path / "xdg" / "compliance-engine" / "bandit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert bandit_runner.default_cache_dir() == tmp_path / "home" / ".cache" / "compliance-engine" / "bandit"


# ---------------------------------------------------------------------------------------------
# Failing closed


def test_bandit_missing_is_a_missing_run(tree: Path, tmp_path: Path) -> None:
    run = scan(tree, executable=str(tmp_path / "no-such-bandit"), progress=False)
    assert run.status is RunStatus.MISSING
    assert run.findings == [] and run.version is None
    assert "is not installed" in run.errors[0]


def test_a_chunk_that_runs_too_long_is_a_timeout_and_the_others_are_stopped(
    tree: Path, tmp_path: Path
) -> None:
    slow = _script(
        tmp_path / "bandit-slow",
        'case "$*" in *shell.py*) exec sleep 30 ;; esac\nexec "$REAL" "$@"',
    )
    started = time.monotonic()
    done = scan_report(tree, executable=slow, workers=2, chunks=3, timeout=1, use_cache=False, progress=False)
    assert time.monotonic() - started < 15
    assert done.status is RunStatus.TIMEOUT
    assert done.report is None
    assert "did not finish" in done.errors[0]
    run = bandit_runner.to_scan_run(done, tree)
    assert run.status is RunStatus.TIMEOUT and run.findings == [] and run.not_assessed == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("exit 3", "exited with code 3"),
        (": # writes no report\nexit 0", "wrote no JSON report"),
        (
            'for a; do out=$a; case "$prev" in -o) break ;; esac; prev=$a; done\necho "not json" > "$out"',
            "wrote no JSON report",
        ),
        (
            'for a; do out=$a; case "$prev" in -o) break ;; esac; prev=$a; done\necho \'{"results": []}\' > "$out"',
            "not a bandit JSON report",
        ),
        (
            'for a; do out=$a; case "$prev" in -o) break ;; esac; prev=$a; done\necho \'{"results": [], "errors": [], "metrics": {}}\' > "$out"',
            "did not report on",
        ),
    ],
    ids=["crash", "no-report", "not-json", "not-a-report", "files-left-out"],
)
def test_a_chunk_that_crashes_or_prints_no_bandit_report_fails_the_run(
    tree: Path, tmp_path: Path, body: str, message: str
) -> None:
    # Only the chunk holding app/shell.py misbehaves; the others finish: no partial result.
    broken = _script(
        tmp_path / "bandit-broken", f'case "$*" in *shell.py*) ;; *) exec "$REAL" "$@" ;; esac\n{body}'
    )
    done = scan_report(tree, executable=broken, workers=2, chunks=3, use_cache=False, progress=False)
    assert done.status is RunStatus.FAILED, done.errors
    assert message in done.errors[0]
    run = bandit_runner.to_scan_run(done, tree)
    assert run.findings == [] and run.status is RunStatus.FAILED


def test_another_bandit_than_the_library_that_finds_the_files_fails_closed(
    tree: Path, tmp_path: Path
) -> None:
    other = _script(
        tmp_path / "bandit-old",
        'case "$1" in --version) echo "bandit 0.9.0"; exit 0 ;; esac\nexec "$REAL" "$@"',
    )
    run = scan(tree, executable=other, use_cache=False, progress=False)
    assert run.status is RunStatus.FAILED
    assert run.version == "0.9.0"
    assert "another version" in run.errors[0]


# ---------------------------------------------------------------------------------------------
# Chunks and progress


def test_chunks_hold_every_file_once_balanced_by_size_heaviest_first() -> None:
    sizes = {f"/src/f{i:03}.py": (i * 7919) % 5000 + 1 for i in range(300)}
    planned = plan_chunks(sizes, workers=2, chunks=4)
    assert sorted(f for c in planned for f in c) == sorted(sizes)
    loads = [sum(sizes[f] for f in c) for c in planned]
    assert loads == sorted(loads, reverse=True)
    assert max(loads) - min(loads) <= max(sizes.values())


def test_a_small_tree_gets_few_chunks_in_whole_rounds_of_the_workers() -> None:
    tiny = {f"/src/f{i}.py": 1000 for i in range(50)}
    assert len(plan_chunks(tiny, workers=8)) == 1  # one bandit start-up, not eight
    three = {f"/src/g{i}.py": 30_000 for i in range(50)}  # 1.5 MB: three chunks' worth
    assert len(plan_chunks(three, workers=2)) == 2  # never a third one running alone
    big = {f"/src/h{i}.py": 100_000 for i in range(200)}
    assert len(plan_chunks(big, workers=2)) == 2 * bandit_runner.CHUNKS_PER_WORKER


def test_a_chunk_whose_command_line_would_be_too_long_is_split() -> None:
    sizes = {f"/a/very/long/folder/name/file{i:04}.py": 10 for i in range(100)}
    planned = plan_chunks(sizes, workers=1, chunks=1, max_argument_bytes=1000)
    assert len(planned) > 1
    assert all(sum(len(f) + 1 for f in c) <= 1000 for c in planned)
    assert sorted(f for c in planned for f in c) == sorted(sizes)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_shown_on_a_terminal_only() -> None:
    quiet = io.StringIO()
    bar = bandit_runner._Progress(3, None, quiet)
    bar.advance(3)
    bar.close()
    assert quiet.getvalue() == ""
    term = _Terminal()
    bar = bandit_runner._Progress(4, None, term)
    bar.advance(1)
    bar.advance(3)
    bar.close()
    assert "1/4 files" in term.getvalue() and term.getvalue().endswith("4/4 files\n")
