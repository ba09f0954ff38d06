"""The parallel bandit runner: the real bandit on a small tree with known weaknesses gives exactly
what one plain `bandit -r --ignore-nosec` gives, a warm cache starts no scan, and every way a chunk
can fail fails the whole run. The code is the supplier's: its bandit settings and `# nosec`
comments steer nothing, a folder without Python code is no clean scan, FIFOs, devices, sockets
and links out of the solution's folder are neither read nor given to bandit, a bandit that forks
cannot outlast its timeout, and a cache entry written without this installation's secret is not
trusted."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from compliance.core.models.scan import (
    FindingState,
    NotAssessed,
    RunStatus,
    ScanRun,
    ScanSeverity,
    Suppression,
)
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
    # `# nosec B307` hides nothing: the run reports it, as `bandit --ignore-nosec` does.
    assert any(r["filename"].endswith("quiet.py") and r["test_id"] == "B307" for r in plain["results"])


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


# ---------------------------------------------------------------------------------------------
# The supplier's settings and comments steer nothing


def _finding_keys(run: ScanRun) -> list[tuple[str | None, int | None, str, FindingState]]:
    return [(f.file, f.line, f.rule_id, f.state) for f in run.findings]


def test_the_suppliers_bandit_settings_steer_nothing_and_are_reported(
    tree: Path, tmp_path: Path, counting_bandit: tuple[str, Path]
) -> None:
    before = scan(tree, use_cache=False, progress=False)
    before_report = scan_plain(tree)
    settings = {
        # Each would hide findings if bandit obeyed it; two `.bandit` files made bandit refuse to run.
        ".bandit": "[bandit]\nexclude = /app/\nskips = B602,B105\ntargets = pkg\n",
        "pkg/.bandit": "[bandit]\nskips = B101\n",
        "pyproject.toml": "[tool.bandit]\nskips = ['B602']\nexclude_dirs = ['app']\n",
        "app/setup.cfg": "[metadata]\nname = app\n\n[bandit]\nskips = B301\n",
        # A project file without a bandit section configures nothing and is not reported.
        "pkg/pyproject.toml": "[project]\nname = 'pkg'\n",
        "pkg/setup.cfg": "[flake8]\n# bandit runs in CI\nmax-line-length = 100\n",
    }
    _write_tree(tree, settings)
    exe, log = counting_bandit
    run = scan(tree, executable=exe, workers=2, chunks=3, use_cache=False, progress=False)
    assert run.status is before.status is RunStatus.INCOMPLETE  # app/broken.py, as before
    assert run.errors == []
    assert _finding_keys(run) == _finding_keys(before)
    assert {"B602", "B105", "B101", "B301"} <= {f.rule_id for f in run.findings}
    assert run.ignored_settings == [".bandit", "app/setup.cfg", "pkg/.bandit", "pyproject.toml"]
    # Every bandit process was told to read no `.bandit` file of the supplier's.
    scans = _scans(log)
    assert scans and all(f"--ini {os.devnull}" in line for line in scans)
    done = scan_report(tree, workers=2, chunks=3, use_cache=False, progress=False)
    assert _without_time(done.report) == _without_time(before_report) == _without_time(scan_plain(tree))


def test_a_settings_file_that_is_not_a_regular_file_is_never_opened(tmp_path: Path) -> None:
    root = _write_tree(tmp_path / "code", {"a.py": "eval(input())\n"})
    os.mkfifo(root / "pyproject.toml")
    os.mkfifo(root / "setup.cfg")
    run = scan(root, use_cache=False, progress=False)
    assert run.status is RunStatus.COMPLETED and run.ignored_settings == []
    assert [f.rule_id for f in run.findings] == ["B307"]


FORMS = Path(__file__).parent / "fixtures" / "bandit-hostile" / "nosec_forms.py"


def _bandit_json(*args: str | Path) -> dict[str, Any]:
    """What the real bandit prints, run directly (no `.bandit` file read)."""
    assert REAL_BANDIT is not None
    done = subprocess.run(
        [REAL_BANDIT, "-f", "json", "--ini", os.devnull, *map(str, args)],
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _lines_and_ids(report: dict[str, Any]) -> set[tuple[int, str]]:
    return {(r["line_number"], r["test_id"]) for r in report["results"]}


def test_nosec_hides_nothing_and_what_bandit_would_have_hidden_is_marked(tmp_path: Path) -> None:
    root = tmp_path / "code"
    root.mkdir()
    (root / "forms.py").write_bytes(FORMS.read_bytes())
    # The same code without a single `# nosec` (same lines): every finding bandit can report.
    bare = tmp_path / "bare" / "forms.py"
    bare.parent.mkdir()
    bare.write_text(FORMS.read_text(encoding="utf-8").replace("# nosec", "# no-sec"), encoding="utf-8")
    everything = _lines_and_ids(_bandit_json(bare))
    honoured = _lines_and_ids(_bandit_json(root / "forms.py"))  # what a plain bandit shows
    assert honoured < everything and len(everything - honoured) >= 8  # the fixture hides much

    run = scan(root, use_cache=False, progress=False)
    assert run.status is RunStatus.COMPLETED
    assert {(f.line, f.rule_id) for f in run.findings} == everything
    assert len(run.findings) == len(everything)
    suppressed = {(f.line, f.rule_id) for f in run.findings if f.state is FindingState.SUPPRESSED_IN_CODE}
    assert suppressed == everything - honoured
    assert all(f.state is FindingState.OPEN for f in run.findings if (f.line, f.rule_id) in honoured)
    # bandit reads `nosec: B602,B607` as B607 alone, and ignores an ID it does not know as such.
    assert honoured == {(16, "B602"), (24, "B307"), (50, "B102")}
    assert sum(run.counts.values()) == len(run.findings)
    assert run.states["suppressed_in_code"] == len(suppressed) and run.states["open"] == 3

    why = {(f.line, f.rule_id): f.suppression for f in run.findings if f.suppression is not None}
    assert set(why) == suppressed
    assert all(s.kind == "nosec" and s.status is None for s in why.values())
    assert why[(6, "B404")].justification == "the module is needed to run the build tools"
    assert why[(8, "B105")].justification is None  # a bare `# nosec`
    assert why[(12, "B602")].justification is None
    assert why[(16, "B607")].justification is None
    assert why[(20, "B602")].justification == "reviewed by the security team"  # after a test name
    # `b307` is no ID bandit knows: the comment hides every finding, and says "b307".
    assert why[(28, "B307")].justification == "b307"
    assert why[(34, "B602")].justification is None  # comment on the first line of the call
    assert why[(41, "B602")].justification is None  # comment on the last line
    assert why[(46, "B307")].justification == "the input was checked above"
    assert why[(55, "B602")].justification is None  # comments on two lines of one call


def test_a_nosec_justification_is_kept_to_printable_text_of_bounded_length() -> None:
    code = "x = eval(y)  # nosec B307 \x1b[2J all clear\u202e\nz = eval(y)  # nosec: " + "w" * 10_000 + "\n"
    comments = bandit_runner._nosec_comments(code.encode())
    assert comments[1].tests == {"B307"}
    assert comments[1].justification == "\ufffd[2J all clear\ufffd"
    assert comments[2].tests == frozenset() and comments[2].justification == "w" * 500


def test_a_parallel_run_over_nosec_comments_equals_a_plain_run_ignoring_them(tmp_path: Path) -> None:
    root = tmp_path / "code"
    for i in range(3):
        (root / f"p{i}").mkdir(parents=True)
        (root / f"p{i}" / "forms.py").write_bytes(FORMS.read_bytes())
    plain = scan_plain(root)
    assert plain["metrics"]["_totals"]["nosec"] == 0  # bandit skipped nothing
    done = scan_report(root, workers=2, chunks=3, use_cache=False, progress=False)
    assert _without_time(done.report) == _without_time(plain)
    assert len(done.suppressions) == 3 * 10


# ---------------------------------------------------------------------------------------------
# No Python code is no clean scan


@pytest.mark.parametrize(
    ("files", "given"),
    [
        ({}, "."),
        ({"index.js": "eval(location.hash)\n", "static/app.ts": "let x = 1;\n", "README.md": "x\n"}, "."),
        ({".tox/py311/lib/vendored.py": "eval(input())\n", "main.go": "package main\n"}, "."),
        ({"main.js": "eval(location.hash)\n"}, "main.js"),
    ],
    ids=["empty", "javascript-only", "python-only-where-bandit-never-looks", "a-javascript-file"],
)
def test_code_without_python_is_not_assessed_never_a_clean_scan(
    tmp_path: Path, files: dict[str, str], given: str
) -> None:
    folder = _write_tree(tmp_path / "code", files)
    folder.mkdir(exist_ok=True)
    root = folder / given if given != "." else folder
    run = scan(root, use_cache=False, progress=False)
    assert run.status is RunStatus.NO_INPUT
    assert run.errors == [
        "not assessed by bandit: no Python code; import a SARIF log from a scanner for that language"
    ]
    assert run.not_assessed == [NotAssessed(item=str(root), reason="no Python code")]
    assert run.findings == [] and run.inputs == [str(root)]


# ---------------------------------------------------------------------------------------------
# Nothing in the code folder can hang the scan or lead out of the solution's folder

MARKER = "OUTSIDE-MARKER-5b1f0c"
NOT_REGULAR = "not a regular file: skipped"
LEADS_OUTSIDE = "a link that leads outside the solution's folder: not read"


def _solution(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A solution folder with a code folder, and a folder outside it holding weak code and a marker."""
    solution = _write_tree(
        tmp_path / "solution",
        {
            "code/app.py": "def f(x):\n    return eval(x)\n",
            "shared/util.py": "import subprocess\nsubprocess.call(input(), shell=True)\n",
        },
    )
    weak = f"TOKEN = '{MARKER}'\nexec(input())\n"
    outside = _write_tree(tmp_path / "outside", {"secret.py": weak, "pkg/mod.py": weak})
    return solution, solution / "code", outside


def _no_marker_anywhere(run: ScanRun, *places: Path) -> None:
    assert MARKER not in run.model_dump_json()
    for place in places:
        for path in [place] if place.is_file() else place.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert MARKER.encode() not in path.read_bytes(), path


@pytest.mark.timeout(300)  # a hang guard only: a FIFO opened for reading would block for ever
def test_fifos_sockets_devices_and_links_to_them_are_skipped_never_opened_nor_given_to_bandit(
    tmp_path: Path, counting_bandit: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    solution, code, _ = _solution(tmp_path)
    (code / "sub").mkdir()
    os.mkfifo(code / "pipe.py")
    os.mkfifo(code / "sub" / "pipe2.pyw")
    (code / "to_pipe.py").symlink_to("pipe.py")
    (code / "zero.py").symlink_to("/dev/zero")
    monkeypatch.chdir(code)  # a socket's name is short when relative
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("sock.py")
        exe, log = counting_bandit
        run = scan(
            code, executable=exe, cache_dir=tmp_path / "cache", confine=solution, timeout=120, progress=False
        )
    assert run.status is RunStatus.INCOMPLETE
    assert sorted((n.item, n.reason) for n in run.not_assessed) == [
        ("pipe.py", NOT_REGULAR),
        ("sock.py", NOT_REGULAR),
        ("sub/pipe2.pyw", NOT_REGULAR),
        ("to_pipe.py", NOT_REGULAR),
        ("zero.py", LEADS_OUTSIDE),  # a device outside the solution's folder
    ]
    assert [(f.file, f.rule_id) for f in run.findings] == [("app.py", "B307")]
    launched = "\n".join(_launches(log))
    assert not any(name in launched for name in ("pipe", "sock.py", "zero.py"))


@pytest.mark.timeout(300)
def test_a_code_file_that_is_a_fifo_is_skipped_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "main.py")
    run = scan(tmp_path / "main.py", use_cache=False, timeout=120, progress=False)
    assert run.status is RunStatus.INCOMPLETE and run.findings == []
    assert run.not_assessed == [NotAssessed(item=str(tmp_path / "main.py"), reason=NOT_REGULAR)]
    assert bandit_runner._sha256_file(str(tmp_path / "main.py")) is None


@pytest.mark.timeout(300)
def test_links_that_lead_outside_the_solution_are_refused_and_never_read(
    tmp_path: Path, counting_bandit: tuple[str, Path]
) -> None:
    solution, code, outside = _solution(tmp_path)
    (code / "leak.py").symlink_to(outside / "secret.py")  # a file link
    (code / "lib").symlink_to(outside / "pkg")  # a folder link
    (code / "deep" / "er").mkdir(parents=True)
    (code / "deep" / "er" / "leak2.py").symlink_to("../../../../outside/secret.py")  # relative, deep
    (code / "inside.py").symlink_to("../shared/util.py")  # in the solution, outside the code folder
    (code / "here").symlink_to("../shared")  # a folder link in the solution: bandit never follows it
    exe, log = counting_bandit
    cache = tmp_path / "cache"
    run = scan(code, executable=exe, cache_dir=cache, confine=solution, timeout=120, progress=False)
    assert run.status is RunStatus.INCOMPLETE
    assert sorted((n.item, n.reason) for n in run.not_assessed) == [
        ("deep/er/leak2.py", LEADS_OUTSIDE),
        ("leak.py", LEADS_OUTSIDE),
        ("lib", LEADS_OUTSIDE),
    ]
    assert sorted((f.file, f.rule_id) for f in run.findings) == [
        ("app.py", "B307"),
        ("inside.py", "B404"),
        ("inside.py", "B602"),
    ]
    assert str(outside) not in "\n".join(_launches(log))
    _no_marker_anywhere(run, cache)
    # Without a solution folder, the code folder itself is the limit: the shared file is refused too.
    alone = scan(code, use_cache=False, timeout=120, progress=False)
    assert ("inside.py", LEADS_OUTSIDE) in {(n.item, n.reason) for n in alone.not_assessed}
    _no_marker_anywhere(alone)


@pytest.mark.parametrize("where", ["code", "vendor/pkg"], ids=["the-root", "a-folder-above-the-root"])
def test_a_code_folder_that_is_a_link_out_of_the_solution_is_refused(
    tmp_path: Path, counting_bandit: tuple[str, Path], where: str
) -> None:
    solution, _, outside = _solution(tmp_path)
    shutil.rmtree(solution / "code")
    if where == "code":
        (solution / "code").symlink_to(outside)
    else:
        (solution / "vendor").symlink_to(outside)
    root = solution / where
    exe, log = counting_bandit
    run = scan(root, executable=exe, use_cache=False, confine=solution, timeout=120, progress=False)
    assert run.status is RunStatus.INCOMPLETE
    assert run.not_assessed == [NotAssessed(item=str(root), reason=LEADS_OUTSIDE)]
    assert run.findings == []
    assert _scans(log) == []
    _no_marker_anywhere(run)


@pytest.mark.timeout(300)
def test_link_cycles_end_and_are_skipped(tmp_path: Path) -> None:
    solution, code, _ = _solution(tmp_path)
    (code / "loop.py").symlink_to("loop.py")
    (code / "a.py").symlink_to("b.py")
    (code / "b.py").symlink_to("a.py")
    (code / "again").symlink_to(".")
    (code / "up").symlink_to("..")
    run = scan(code, use_cache=False, confine=solution, timeout=120, progress=False)
    assert run.status is RunStatus.INCOMPLETE
    assert sorted((n.item, n.reason) for n in run.not_assessed) == [
        ("a.py", NOT_REGULAR),
        ("b.py", NOT_REGULAR),
        ("loop.py", NOT_REGULAR),
    ]
    assert [(f.file, f.rule_id) for f in run.findings] == [("app.py", "B307")]


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
    assert shell.state is FindingState.OPEN and shell.suppression is None
    quiet = next(f for f in run.findings if f.file == "app/quiet.py")
    assert quiet.rule_id == "B307" and quiet.state is FindingState.SUPPRESSED_IN_CODE
    assert quiet.suppression == Suppression(kind="nosec", status=None, justification=None)
    assert run.states["suppressed_in_code"] == 1
    assert sum(run.counts.values()) == len(run.findings)  # suppressed findings count too
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
    # Well formed and summed, but not what bandit said: a share without any result, with a plain
    # SHA-256 where the keyed MAC belongs (all that someone without the secret can compute).
    entry = json.loads(path.read_text())
    entry["payload"] = json.dumps({"results": [], "errors": [], "metrics": {"loc": 1}})
    entry["mac"] = hashlib.sha256(entry["payload"].encode()).hexdigest()
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


def test_an_entry_planted_without_the_cache_secret_is_ignored_and_recomputed(
    tree: Path, tmp_path: Path, counting_bandit: tuple[str, Path]
) -> None:
    exe, log = counting_bandit
    cache = tmp_path / "cache"
    cold = scan_report(tree, executable=exe, workers=2, cache_dir=cache, progress=False)
    clean = json.loads(_entry_of(cache, "pkg/mod00.py").read_text())
    # An entry's name is keyed too: the plain SHA-256 of its identity names no entry.
    for path in _entries(cache):
        identity = json.loads(path.read_text())["identity"]
        assert path.stem != hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    def planted(name: str, with_mac: str) -> None:
        # The entry of a clean file put where a weak file's entry is, claiming the weak file.
        path = _entry_of(cache, name)
        entry = {**clean, "identity": json.loads(path.read_text())["identity"]}
        if with_mac == "sha256-of-payload":
            entry["mac"] = hashlib.sha256(entry["payload"].encode()).hexdigest()
        elif with_mac == "sha256-of-everything":
            signed = {"format": entry["format"], "identity": entry["identity"], "payload": entry["payload"]}
            entry["mac"] = hashlib.sha256(json.dumps(signed, sort_keys=True).encode()).hexdigest()
        path.write_text(json.dumps(entry))

    planted("app/shell.py", "copied")
    planted("app/store.py", "sha256-of-payload")
    planted("app/settings.py", "sha256-of-everything")
    log.unlink()
    warm = scan_report(tree, executable=exe, workers=2, cache_dir=cache, progress=False)
    rescanned = {
        os.path.relpath(arg, tree) for line in _scans(log) for arg in line.split() if arg.endswith(".py")
    }
    assert rescanned == {"app/shell.py", "app/store.py", "app/settings.py"}
    assert _without_time(warm.report) == _without_time(cold.report)
    assert warm.report is not None
    assert {"B602", "B301", "B506"} <= {r["test_id"] for r in warm.report["results"]}


def test_the_cache_secret_is_made_once_private_to_its_owner(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    scan_report(tree, cache_dir=cache, progress=False)
    secret = cache / bandit_runner.SECRET_FILE
    assert stat.S_IMODE(secret.lstat().st_mode) == 0o600 and len(secret.read_bytes()) == 32
    before = secret.read_bytes()
    warm = scan_report(tree, cache_dir=cache, progress=False)
    assert warm.processes == 0 and secret.read_bytes() == before
    assert not list(cache.glob(".tmp-*"))


@pytest.mark.parametrize("kind", ["link", "folder", "readable-by-others", "too-short", "fifo"])
def test_a_cache_whose_secret_cannot_be_trusted_is_not_used_and_the_scan_is_still_right(
    tree: Path, tmp_path: Path, kind: str
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    secret = cache / bandit_runner.SECRET_FILE
    elsewhere = tmp_path / "elsewhere.key"
    elsewhere.write_bytes(b"k" * 32)
    elsewhere.chmod(0o600)
    if kind == "link":
        secret.symlink_to(elsewhere)
    elif kind == "folder":
        secret.mkdir()
    elif kind == "fifo":
        os.mkfifo(secret, 0o600)
    else:
        secret.write_bytes(b"k" * (32 if kind == "readable-by-others" else 31))
        secret.chmod(0o644 if kind == "readable-by-others" else 0o600)
    plain = scan_plain(tree)
    for _ in range(2):
        done = scan_report(tree, workers=2, cache_dir=cache, progress=False)
        assert done.cached == 0 and done.processes > 0
        assert _without_time(done.report) == _without_time(plain)
    assert _entries(cache) == []
    assert elsewhere.read_bytes() == b"k" * 32


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


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its parent to reap it counts as ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return fields[0] != "Z"


def _wait_until_ended(pid: int) -> bool:
    deadline = time.monotonic() + 60  # a safety net for a slow machine, not a speed test
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


@pytest.mark.parametrize("when", ["scan", "version"], ids=["a-chunk", "the-version-probe"])
def test_a_bandit_that_forks_is_stopped_with_all_it_started_when_its_time_is_up(
    tmp_path: Path, when: str
) -> None:
    root = _write_tree(tmp_path / "code", {"a.py": "eval(input())\n"})
    pid_file, finished = tmp_path / "grandchild.pid", tmp_path / "finished"
    # A grandchild that keeps bandit's stdout and stderr open and outlives it.
    fork = f'(sleep 30; echo done > "{finished}") &\necho $! > "{pid_file}"'
    if when == "scan":
        body = f'case "$1" in --version) exec "$REAL" "$@" ;; esac\n{fork}\nexit 0'
    else:
        body = f'case "$1" in --version) {fork}; exec "$REAL" "$@" ;; esac\nexec "$REAL" "$@"'
    forking = _script(tmp_path / "bandit-forking", body)
    run = scan(root, executable=forking, timeout=1, use_cache=False, progress=False)
    assert run.status is RunStatus.TIMEOUT, run.errors
    assert "did not finish" in run.errors[0] and run.findings == []
    grandchild = int(pid_file.read_text())
    assert _wait_until_ended(grandchild)
    assert not finished.exists()  # killed, not ended by itself after its 30 s


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


def test_a_settings_file_no_parser_can_read_is_reported_never_a_crash(tmp_path: Path) -> None:
    """tomllib raises a plain ValueError for an integer over Python's digit limit: the file is
    reported as settings (it names bandit), and the scan completes."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "pyproject.toml").write_text("[tool.bandit]\nx = " + "1" * 5000 + "\n", encoding="utf-8")
    (src / "sub").mkdir()
    (src / "sub" / "pyproject.toml").write_bytes(b"[tool.bandit]\n\xff\xfe not utf-8\n")
    (src / "a.py").write_text("import os\n", encoding="utf-8")
    run = scan(src, use_cache=False, progress=False)
    assert run.status is RunStatus.COMPLETED
    assert run.ignored_settings == ["pyproject.toml", "sub/pyproject.toml"]
