"""Benchmark of `compliance verify` on hostile files: how long each malformed file takes to be
answered, against the verifier's limits (10 s of wall clock, 1 GiB of memory), and a genuine
signed report for scale.

    python bench/bench_verify.py [--repeat 3] [--time-limit 10]

Each file is built in a temporary folder (the same constructions as tests/test_report_forgery.py)
and verified as the command does it: `check_report` in the limited child process, whose server
is started once before the timings. The target (issue 12): every file ends with an answer, none
near the time limit, and no answer is "verified".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import forgery  # type: ignore[import-not-found]  # the tests' builders of malformed files
from bench_engine import generate, write_solution

from compliance.core.engine import assess
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs.report import report_pdf
from compliance.trust import signing
from compliance.trust.sandbox import Limits
from compliance.trust.verification import Verdict, VerifyOptions, check_report

PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
JSON = b'{"inputs": [], "solution": {"id": "x"}}'


def malformed() -> dict[str, bytes]:
    """The malformed files, by what is wrong with them."""
    names = b"<< /Type /Catalog /Pages 2 0 R " + forgery.NAMES + b" >>"
    dag = {1: names, 2: b"<< /Type /Pages /Kids [10 0 R 10 0 R] /Count 1048576 >>", 30: PAGE}
    dag.update(forgery.embedded_json_objects(JSON))
    for level in range(10, 30):
        dag[level] = b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>" % (level + 1, level + 1)
    many = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: PAGES, 3: PAGE}
    many.update(dict.fromkeys(range(4, 300_004), b"(x)"))
    form = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields %s >> >>"
    small = forgery.minimal_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: PAGES, 3: PAGE})
    return {
        "page tree with a cycle": forgery.minimal_pdf(
            {
                1: names,
                2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>",
                3: PAGE,
                **forgery.embedded_json_objects(JSON),
            }
        ),
        "page tree as a DAG (2^20 leaves)": forgery.minimal_pdf(dag),
        "/Size 2^31": small.replace(b"/Size 4", b"/Size 2147483647"),
        "300,000 objects": forgery.minimal_pdf(many),
        "arrays nested 50,000 deep": forgery.minimal_pdf(
            {1: form % b"7 0 R", 2: PAGES, 3: PAGE, 7: b"[" * 50_000 + b"]" * 50_000}
        ),
        "decompression bomb (1.5 GiB)": forgery.minimal_pdf(
            {
                1: names,
                2: PAGES,
                3: PAGE,
                **forgery.embedded_json_objects(forgery.deflate_zeros(1536 << 20), compressed=True),
            }
        ),
        "signature /V to a missing object": forgery.minimal_pdf(
            {1: form % b"[7 0 R]", 2: PAGES, 3: PAGE, 7: b"<< /FT /Sig /T (Signature) /V 99 0 R >>"}
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args(argv)
    limits = Limits(seconds=args.time_limit)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {name: folder / f"{i}.pdf" for i, name in enumerate(malformed())}
        for (_name, data), path in zip(malformed().items(), files.values(), strict=True):
            path.write_bytes(data)
        key = folder / "bench.p12"
        signing.write_private(key, signing.create_identity(b"bench", common_name="Benchmark"))
        identity = signing.load_identity(key, b"bench")
        loaded = load_solution(write_solution(generate(10), folder))
        a = assess(loaded.solution, load_packs(), date(2026, 12, 1), inputs=loaded.inputs)
        genuine = folder / "genuine.pdf"
        genuine.write_bytes(
            signing.sign_pdf(report_pdf(a, "en", "Benchmark"), identity, signing.SignOptions())
        )
        trusted = VerifyOptions(trust=(identity.signer.signing_cert.dump(),))
        check_report(genuine, trusted, limits)  # starts the checking server, untimed
        rows = []
        bad = 0
        for name, path in [("genuine signed report (10 flows)", genuine), *files.items()]:
            times, verdict, why = [], None, ""
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                result = check_report(path, trusted, limits)
                times.append(time.perf_counter() - t0)
                verdict = result.verdict
                told = [p for p in result.problems if "carries no signature" not in p]
                why = result.limit or (told[0] if told else "")
            wanted = Verdict.VERIFIED if path == genuine else None
            ok = verdict is wanted if wanted else verdict is not Verdict.VERIFIED
            bad += not ok
            rows.append((name, statistics.median(times), max(times), verdict, why, ok))
    print(f"verify on hostile files, median of {args.repeat}, time limit {args.time_limit:g} s, memory 1 GiB")
    print()
    print("| file | median | worst | verdict | why |")
    print("|---|---:|---:|---|---|")
    for name, median, worst, verdict, why, ok in rows:
        mark = "" if ok else " (WRONG)"
        short = why if len(why) < 90 else why[:87] + "..."
        print(f"| {name} | {median:.2f} s | {worst:.2f} s | {verdict}{mark} | {short} |")
    slowest = max(r[2] for r in rows)
    print()
    print(
        f"target: every answer right and none near the limit: "
        f"{'met' if not bad and slowest < args.time_limit / 2 else 'NOT met'} (slowest {slowest:.2f} s)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
