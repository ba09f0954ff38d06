"""Benchmark of the parallel, cached bandit runner against one plain `bandit -r`, on Django 4.2.

Times, as the median of several rounds, each round in this order so that a change of load on
the machine hits all three alike:

  plain  `bandit -r --ignore-nosec --ini /dev/null ROOT -f json` (one process, one core), the
         run the runner is equivalent to (`bandit_runner.plain_command`)
  cold   `compliance.evidence.bandit_runner.scan_report` with an empty cache
  warm   the same again on the cache the cold run filled

The cold and warm runs include what the runner adds to bandit's work: the checks of every file
(regular, inside the tree), the walk for the supplier's bandit settings, the cache's keyed MACs,
and reading the files with findings again for their `# nosec` comments.

and checks that every cold and warm report equals the plain one (all but `generated_at`): the
same findings, the same errors, the same metrics.

    python bench/bench_bandit.py --fetch [--repeat 3] [--workers N] [--chunks N] [--json OUT]
    python bench/bench_bandit.py --source DIR       # any unpacked tree instead of Django

See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from compliance.evidence.bandit_runner import (
    BanditReport,
    available_cores,
    default_cache_dir,
    discover,
    find_bandit,
    scan_plain,
    scan_report,
)

DJANGO = "django>=4.2,<4.3"
DEFAULT_REPEAT = 3
TARGET_COLD = 0.55  # of plain bandit's time, on two cores
TARGET_WARM = 0.05


@dataclass
class Timing:
    """One timed run."""

    wall: float
    cpu: float  # this process and its children
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Mode:
    """All runs of one mode."""

    name: str
    runs: list[Timing] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(t.wall for t in self.runs)

    def cpu(self) -> float:
        return statistics.median(t.cpu for t in self.runs)


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(run: Callable[[], Any]) -> tuple[Any, Timing]:
    cpu, start = _cpu(), time.perf_counter()
    result = run()
    return result, Timing(time.perf_counter() - start, _cpu() - cpu)


# ---------------------------------------------------------------------------------------------
# The source tree


def bench_dir() -> Path:
    """Where the downloaded Django source is kept: beside the bandit cache."""
    return default_cache_dir().parent / "bench"


def fetch_django(folder: Path) -> Path:
    """Download the Django 4.2 source distribution with pip and unpack it into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-bandit-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            DJANGO,
            "-d",
            tmp,
        ]
        print("fetching:", " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, check=True, timeout=600, stdout=sys.stderr)
        archives = sorted(Path(tmp).glob("*.tar.gz"))
        if len(archives) != 1:
            raise SystemExit(f"{tmp}: expected one source archive, found {[a.name for a in archives]}")
        with tarfile.open(archives[0]) as tar:
            tar.extractall(folder, filter="data")
    return find_django(folder) or _missing(folder)


def find_django(folder: Path) -> Path | None:
    """The unpacked Django 4.2 tree in `folder`, if there is one."""
    found = sorted(p for p in folder.glob("[Dd]jango-4.2.*") if p.is_dir())
    return found[-1] if found else None


def _missing(folder: Path) -> Path:
    raise SystemExit(f"{folder}: no unpacked django-4.2.* folder")


def _prime(files: list[str]) -> int:
    """Read every file once, so that the first timed run does not pay for the disk."""
    total = 0
    for f in files:
        total += len(Path(f).read_bytes())
    return total


# ---------------------------------------------------------------------------------------------
# Comparing


def _without_time(report: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (report or {}).items() if k != "generated_at"}


def _findings(report: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {
        (r["filename"], r["line_number"], r["col_offset"], r["test_id"], r["issue_text"])
        for r in report.get("results", [])
    }


def _differences(plain: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    out: list[str] = []
    a, b = _findings(plain), _findings(ours)
    if a != b:
        out.append(f"findings: {len(a - b)} only in plain, {len(b - a)} only in ours")
    if plain.get("errors") != ours.get("errors"):
        out.append(f"errors: plain {plain.get('errors')}, ours {ours.get('errors')}")
    if plain.get("metrics") != ours.get("metrics"):
        out.append("metrics differ")
    if plain.get("results") != ours.get("results") and a == b:
        out.append("results differ in order or in fields other than the findings")
    return out


# ---------------------------------------------------------------------------------------------
# Running


def run_bench(root: Path, repeat: int, workers: int, chunks: int | None) -> dict[str, Any]:
    """Time plain, cold and warm runs `repeat` times each, interleaved; check the reports."""
    exe = find_bandit()
    if exe is None:
        raise SystemExit("bandit is not installed")
    files = discover(root).files
    size = _prime(files)
    load_before = os.getloadavg()[0]
    subprocess.run([exe, "--version"], capture_output=True, check=True)
    print(
        f"{root}: {len(files):,} files, {size / 1e6:.1f} MB; {workers} workers; load {os.getloadavg()[0]:.2f}",
        file=sys.stderr,
    )
    plain, cold, warm = Mode("plain bandit -r"), Mode("ours, cold cache"), Mode("ours, warm cache")
    reference: dict[str, Any] | None = None
    problems: list[str] = []
    for i in range(repeat):
        report, t = _timed(lambda: scan_plain(root))
        plain.runs.append(t)
        reference = reference or _without_time(report)
        if _without_time(report) != reference:
            problems.append(f"round {i + 1}: plain bandit gave another report than in round 1")
        print(f"round {i + 1}: plain {t.wall:.2f} s", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="bench-bandit-cache-") as cache:
            for mode in (cold, warm):
                done, t = _timed(
                    lambda: scan_report(
                        root, workers=workers, chunks=chunks, cache_dir=Path(cache), progress=False
                    )
                )
                t.detail = _detail(done)
                mode.runs.append(t)
                problems += [f"round {i + 1}, {mode.name}: {p}" for p in _check(done, reference)]
                print(f"round {i + 1}: {mode.name} {t.wall:.2f} s", file=sys.stderr)
    assert reference is not None
    return {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cores": available_cores(),
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
        },
        "tree": {"root": str(root), "files": len(files), "bytes": size},
        "workers": workers,
        "chunks": chunks,
        "findings": len(reference["results"]),
        "errors": len(reference["errors"]),
        "modes": {m.name: [asdict(t) for t in m.runs] for m in (plain, cold, warm)},
        "summary": _summary(plain, cold, warm),
        "problems": problems,
    }


def _detail(done: BanditReport) -> dict[str, Any]:
    return {
        "status": done.status.value,
        "processes": done.processes,
        "cached": done.cached,
        "launched_at": done.launched_at,
        "chunks": done.chunk_times,
    }


def _check(done: BanditReport, reference: dict[str, Any]) -> list[str]:
    if done.report is None:
        return [f"no report: {done.status.value} {done.errors}"]
    ours = _without_time(done.report)
    return [] if ours == reference else _differences(reference, ours)


def _summary(plain: Mode, cold: Mode, warm: Mode) -> list[dict[str, Any]]:
    base = plain.median()
    rows = []
    for mode, target in ((plain, None), (cold, TARGET_COLD), (warm, TARGET_WARM)):
        ratio = mode.median() / base
        rows.append(
            {
                "mode": mode.name,
                "median": mode.median(),
                "min": min(t.wall for t in mode.runs),
                "max": max(t.wall for t in mode.runs),
                "cpu": mode.cpu(),
                "ratio": ratio,
                "target": target,
                "met": None if target is None else ratio <= target,
            }
        )
    return rows


def print_table(result: dict[str, Any]) -> None:
    """The summary table, the chunks of the median cold run, and the verdicts."""
    tree = result["tree"]
    print(
        f"\n{tree['root']}: {tree['files']:,} files, {tree['bytes'] / 1e6:.1f} MB; "
        f"{result['findings']:,} findings, {result['errors']} errors; "
        f"{result['machine']['cores']} cores, {result['workers']} workers; "
        f"median of {len(next(iter(result['modes'].values())))} runs\n"
    )
    print("| run | median | min | max | CPU time | CPU / wall | ratio to plain | target | met |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in result["summary"]:
        target = "" if row["target"] is None else f"≤ {row['target']:.2f}x"
        met = "" if row["met"] is None else ("yes" if row["met"] else "NO")
        print(
            f"| {row['mode']} | {row['median']:.2f} s | {row['min']:.2f} s | {row['max']:.2f} s "
            f"| {row['cpu']:.2f} s | {row['cpu'] / row['median']:.2f} | {row['ratio']:.3f}x | {target} | {met} |"
        )
    colds = sorted(result["modes"]["ours, cold cache"], key=lambda t: t["wall"])
    median_cold = colds[len(colds) // 2]
    d = median_cold["detail"]
    if d.get("chunks"):
        ends = ", ".join(f"{n} files {a:.2f}-{b:.2f} s" for n, a, b in d["chunks"])
        print(f"\nmedian cold run: first process at {d['launched_at']:.2f} s; chunks: {ends}")
    m = result["machine"]
    print(f"load average (1 min) before: {m['load_before']:.2f}, after: {m['load_after']:.2f}")
    cold = next(r for r in result["summary"] if r["mode"] == "ours, cold cache")
    if result["workers"] > 1 and cold["cpu"] / cold["median"] < 0.8 * min(result["workers"], m["cores"]):
        print(
            "WARNING: the cold runs used fewer cores than they had (CPU / wall); other work on the "
            "machine disturbed them. Measure again on a quiet machine."
        )
    if result["problems"]:
        print("\nREPORTS DIFFER:\n  " + "\n  ".join(result["problems"]))
    else:
        print("\nEvery cold and warm report equals the plain one (findings, errors, metrics).")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a report differed from plain bandit's."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, help="an unpacked source tree to scan (default: Django 4.2)")
    parser.add_argument("--fetch", action="store_true", help="download Django 4.2 with pip when missing")
    parser.add_argument(
        "--dir", type=Path, default=None, help=f"where Django is kept (default {bench_dir()})"
    )
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="rounds; the median is shown")
    parser.add_argument("--workers", type=int, default=available_cores(), help="parallel bandit processes")
    parser.add_argument("--chunks", type=int, default=None, help="chunks (default: the runner's choice)")
    parser.add_argument("--json", type=Path, help="also write every run to this file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    root: Path | None = args.source
    if root is None:
        folder = args.dir or bench_dir()
        root = find_django(folder)
        if root is None:
            if not args.fetch:
                parser.error(f"{folder}: no Django 4.2 source here; add --fetch to download it with pip")
            root = fetch_django(folder)
    if not root.is_dir():
        parser.error(f"{root}: not a folder")
    result = run_bench(root.resolve(), args.repeat, args.workers, args.chunks)
    print_table(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
