"""Fuzzing of every input a supplier controls: mutated files through the real readers and the CLI.

    python bench/fuzz.py                               # every target at full size
    python bench/fuzz.py --targets solution,sarif --scale 0.1 --seed 7
    python bench/fuzz.py --json out/fuzz.json --failures out/fuzz-failures

Each target builds hostile inputs from real ones (the bundled examples, the test fixtures, an
assessment and a signed report made by the tool itself) with a seeded mutator: byte flips,
deletions and insertions, and structured replacements of one value by something a careful
producer would never write (an integer of 5,000 digits, `P99999999999Y`, NUL bytes, terminal
escapes, bidi overrides, deep nesting, alias bombs, a value of the wrong type). A case then goes
through the code that reads it, in-process where it can (`compliance.cli.main`, or the reader
itself), and is classified by its exit: 0, 1 and 2 are answers (2 with a located message), while
exit 3 or an exception that escapes is a failure, and a case over its target's time budget is a
hang. Failures keep their input in the failures folder, so that each can be replayed by hand.

The same targets run in the tests (tests/test_fuzz.py) with a few examples and a fixed seed; there
the budget is not enforced, because timings belong here, not in the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures"
AS_OF = "2026-12-01"

# ---------------------------------------------------------------------------------------------
# Hostile values, written out as they would appear in the file (not as Python values), so that an
# integer of 5,000 digits reaches the parser as 5,000 digits.

DIGITS = "9" * 5000
HOSTILE_COMMON = [
    DIGITS,
    "-" + DIGITS,
    "1" + "0" * 400,
    "1e999",
    "-1e999",
    "0",
    "-1",
    "1.5",
    "4294967296",
    "18446744073709551617",
    "[]",
    "{}",
    "null",
    "true",
    '""',
    '"P99999999999Y"',
    '"PT' + "9" * 400 + 'H"',
    '"P' + "9" * 5000 + 'D"',
    '"P9999999999999999999999W"',
    '"req\\u0000uirements.txt"',
    '"a\\u0000b"',
    '"\\u001b[31mred\\u001b[0m"',
    '"\\u001b]8;;http://x/\\u0007link\\u001b]8;;\\u0007"',
    '"name\\u202eevil"',
    '"line\\rover"',
    '"\\u0007\\u0008\\u007f\\u009b"',
    '"\\ud800"',
    '"../../etc/passwd"',
    '"/dev/zero"',
    '"' + "A" * 50_000 + '"',
    '"' + "\u00e6\u00f8\u00e5\U0001f600" * 2000 + '"',
    '"<script>alert(1)</script> &amp; {{ x }} {% y %}"',
    "[" * 3000 + "]" * 3000,
    "[" * 800 + "]" * 800,
    '{"a": ' * 800 + "1" + "}" * 800,
    "[" + ", ".join(['"x"'] * 20_000) + "]",
]
# Only YAML has these: tags, anchors and aliases (a "billion laughs" in flow style), timestamps.
HOSTILE_YAML = [
    "!!python/object/apply:os.system [echo]",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "2026-01-01",
    "2026-01-01T10:00:00Z",
    "*undefined",
    "&a [*a]",
    "[&a [x, x, x, x, x, x, x, x, x, x], &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a], "
    "&c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c], "
    "&e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d], &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e], "
    "&g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]]",
    "{? [complex, key] : 1}",
    "{<<: {a: 1}}",
    ".inf",
    ".nan",
    "0x1F",
    "0o17",
    "1_000",
    "~",
    "NO",
    "yes",
    '"\\e[2J\\e[H"',
    '"\\x00"',
    '"\\N\\_\\L\\P"',
]
HOSTILE_JSON = ["NaN", "Infinity", "-Infinity", '"\\u0000"', "1e309", "-0"]

# Interesting byte strings for the byte-level mutator.
TOKENS = [
    b"\x00",
    b"\x1b[31m",
    b"\xe2\x80\xae",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\r",
    b"\t",
    b"&a ",
    b"*a",
    b"!!",
    b"{",
    b"[",
    b"}",
    b"]",
    b'"',
    b"'",
    b":",
    b"- ",
    b"\n",
    b"#",
    b"9" * 5000,
    b"P99999999999Y",
    b"%",
    b"\\",
    b"\\u0000",
]


class Mutator:
    """Seeded mutations of bytes and of parsed documents."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def byte_edits(self, data: bytes, rounds: int | None = None) -> bytes:
        """Between one and four byte-level edits: flip, overwrite, delete, insert, duplicate."""
        out = bytearray(data)
        for _ in range(rounds or self.rng.randint(1, 4)):
            if not out:
                out += self.rng.choice(TOKENS)
                continue
            at = self.rng.randrange(len(out))
            choice = self.rng.randrange(6)
            if choice == 0:
                out[at] ^= 1 << self.rng.randrange(8)
            elif choice == 1:
                out[at] = self.rng.randrange(256)
            elif choice == 2:
                del out[at : at + self.rng.choice((1, 2, 8, 64, 512))]
            elif choice == 3:
                out[at:at] = self.rng.choice(TOKENS)
            elif choice == 4:
                length = self.rng.choice((4, 32, 256, 4096))
                out[at:at] = out[at : at + length] * self.rng.choice((2, 10))
            else:
                out[at:at] = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 8)))
        return bytes(out)

    def paths(self, data: Any) -> list[tuple[Any, ...]]:
        """Every path to a value in a parsed document (the root excluded)."""
        found: list[tuple[Any, ...]] = []

        def walk(value: Any, path: tuple[Any, ...]) -> None:
            if path:
                found.append(path)
            if isinstance(value, dict):
                for key, child in value.items():
                    walk(child, (*path, key))
            elif isinstance(value, list):
                for index, child in enumerate(value):
                    walk(child, (*path, index))

        walk(data, ())
        return found

    def structured(self, data: Any, *, yaml_text: bool, hostile: Sequence[str] = ()) -> str:
        """The document with one to three values replaced by hostile ones, written out as YAML or
        JSON; a replacement is spliced into the text so that it reaches the parser as written."""
        doc = copy.deepcopy(data)
        paths = self.paths(doc)
        pool = [*HOSTILE_COMMON, *(HOSTILE_YAML if yaml_text else HOSTILE_JSON), *hostile]
        splices: dict[str, str] = {}
        for n in range(self.rng.randint(1, 3)):
            if not paths:
                break
            path = self.rng.choice(paths)
            parent = doc
            try:
                for part in path[:-1]:
                    parent = parent[part]
                last = path[-1]
                action = self.rng.randrange(10)
                if action == 0 and isinstance(parent, dict):
                    del parent[last]  # a field missing
                elif action == 1 and isinstance(parent, dict):
                    parent[f"{last}_unknown"] = parent[last]  # an unknown field
                elif action == 2 and isinstance(parent, list):
                    parent.extend([parent[last]] * self.rng.choice((2, 50)))  # repeated entries
                else:
                    marker = f"FUZZMARKER{n}X"
                    splices[marker] = self.rng.choice(pool)
                    parent[last] = marker
            except (KeyError, IndexError, TypeError):
                continue
        if yaml_text:
            text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1_000_000)
        else:
            text = json.dumps(doc, indent=1, ensure_ascii=False, default=str)
        for marker, value in splices.items():
            # A marker is written bare in YAML and quoted in JSON; the value replaces either.
            text = text.replace(f'"{marker}"', value).replace(marker, value)
        return text

    def text_of(self, data: Any, *, yaml_text: bool, raw: bytes) -> bytes:
        """A structured mutation most of the time, byte edits of the original otherwise."""
        if self.rng.random() < 0.55:
            return self.structured(data, yaml_text=yaml_text).encode("utf-8", "surrogatepass")
        return self.byte_edits(raw)


# ---------------------------------------------------------------------------------------------
# Outcomes


class Hang(BaseException):
    """A case ran past its time budget (raised by the alarm in the bench, never caught by the code
    under test, whose handlers catch `Exception`)."""


@dataclass
class Outcome:
    """What one case did: its exit (or the exception that escaped), time and the message."""

    exit: int | None
    seconds: float
    error: str = ""

    @property
    def failed(self) -> bool:
        """Exit 3, or an exception that escaped the code under test."""
        return self.exit is None or self.exit == 3


@dataclass
class Case:
    """One input: the files to write (name -> bytes) and what to call on them."""

    files: dict[str, bytes]
    note: str = ""


@dataclass
class Summary:
    """One target's figures."""

    target: str
    cases: int = 0
    exits: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    hangs: list[dict[str, Any]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    budget: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """Plain data for the JSON summary."""
        return {
            "target": self.target,
            "cases": self.cases,
            "exits": dict(sorted(self.exits.items())),
            "failures": self.failures,
            "hangs": self.hangs,
            "budget_seconds": self.budget,
            "worst_seconds": round(max(self.times, default=0.0), 4),
            "median_seconds": round(statistics.median(self.times), 4) if self.times else 0.0,
            "total_seconds": round(sum(self.times), 2),
        }


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """Capture what the code under test writes to stderr (notes and problems)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        yield err


def cli(argv: Sequence[str]) -> tuple[int, str]:
    """`compliance ARGV` in-process: the exit code and what went to stderr."""
    from compliance.cli import main

    with quiet() as err:
        code = main([*argv], out=io.StringIO())
    return code, err.getvalue()


def reader_exit(call: Callable[[], Any]) -> tuple[int, str]:
    """A reader's answer as an exit code: 0 when it reads, 2 for its input error (what the CLI
    turns into exit 2); any other exception escapes and is a failure."""
    from compliance.core.errors import ComplianceError

    try:
        call()
    except ComplianceError as exc:
        return 2, str(exc)
    return 0, ""


# ---------------------------------------------------------------------------------------------
# Targets


@dataclass
class Target:
    """A fuzz target: how to build a case and how to run it."""

    name: str
    full: int  # cases in the full run
    budget: float  # seconds per case before it counts as a hang
    build: Callable[[Mutator, int], Case]
    run: Callable[[Path, Case], tuple[int, str]]
    main_file: str  # the file of a case that is the input under test


def _examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*/solution.yaml"))


def _evidence_folder(folder: Path) -> None:
    """Evidence files beside a solution, so that evidence paths and checks are exercised."""
    (folder / "code").mkdir(exist_ok=True)
    (folder / "code" / "app.py").write_text("print('hello')\n", encoding="utf-8")
    (folder / "requirements.txt").write_text("pyyaml==5.4\n", encoding="utf-8")
    (folder / "sbom.json").write_bytes((FIXTURES / "cyclonedx" / "gateway-app-1.5.cdx.json").read_bytes())
    (folder / "log.sarif").write_bytes((FIXTURES / "sarif" / "semgrep.sarif").read_bytes())


def solution_target() -> Target:
    """(a) The solution file through loading, validation and the evidence checks, as `assess`
    does it (with `--no-scan`: the readers of the evidence are targets of their own)."""
    bases: list[tuple[Any, bytes]] = []
    for path in _examples():
        raw = path.read_bytes()
        data = yaml.safe_load(raw)
        bases.append((data, raw))
        with_evidence = copy.deepcopy(data)
        with_evidence["evidence"] = {
            "code": ["code"],
            "dependencies": ["requirements.txt"],
            "sboms": ["sbom.json"],
            "sarif": ["log.sarif"],
        }
        bases.append((with_evidence, yaml.safe_dump(with_evidence, sort_keys=False).encode()))

    def build(m: Mutator, index: int) -> Case:
        data, raw = m.rng.choice(bases)
        as_json = m.rng.random() < 0.15
        if as_json:
            body = m.structured(data, yaml_text=False).encode("utf-8", "surrogatepass")
            return Case({"solution.json": body}, "structured JSON")
        return Case({"solution.yaml": m.text_of(data, yaml_text=True, raw=raw)})

    def run(folder: Path, case: Case) -> tuple[int, str]:
        _evidence_folder(folder)
        name = next(iter(case.files))
        return cli(["assess", str(folder / name), "--no-scan", "--format", "json", "--as-of", AS_OF])

    return Target("solution", 10_000, 2.0, build, run, "solution")


def _json_reader_target(
    name: str, bases: list[Path], file_name: str, read: Callable[[Path, Path], Any]
) -> Target:
    loaded = [(json.loads(p.read_bytes()), p.read_bytes()) for p in bases]

    def build(m: Mutator, index: int) -> Case:
        data, raw = m.rng.choice(loaded)
        return Case({file_name: m.text_of(data, yaml_text=False, raw=raw)})

    def run(folder: Path, case: Case) -> tuple[int, str]:
        return reader_exit(lambda: read(folder / file_name, folder))

    return Target(name, 10_000, 2.0, build, run, file_name)


def sarif_target() -> Target:
    """(b) SARIF logs through `import_sarif`."""
    from compliance.evidence.sarif import import_sarif

    bases = sorted(p for p in (FIXTURES / "sarif").glob("*.sarif"))
    return _json_reader_target("sarif", bases, "log.sarif", lambda p, root: import_sarif(p, root=root))


def cyclonedx_target() -> Target:
    """(c) CycloneDX SBOMs through `import_cyclonedx`."""
    from compliance.evidence.cyclonedx import import_cyclonedx

    bases = sorted((FIXTURES / "cyclonedx").glob("*.json"))
    return _json_reader_target("cyclonedx", bases, "sbom.cdx.json", lambda p, root: import_cyclonedx(p))


REQUIREMENTS = """\
# pinned, with hashes and markers
pyyaml==5.4 --hash=sha256:0123456789abcdef
jinja2==2.11.3 ; python_version >= "3.8"
urllib3[secure]==1.26.18 \\
    --hash=sha256:abcdef
requests>=2.0
flask
-e ./local
-r other.txt
--index-url https://example.invalid/simple
pkg @ https://example.invalid/pkg-1.0.tar.gz
"""
POETRY_LOCK = """\
[[package]]
name = "pyyaml"
version = "5.4"
description = "YAML parser"
optional = false
python-versions = ">=3.6"

[[package]]
name = "jinja2"
version = "2.11.3"

[metadata]
lock-version = "2.0"
"""
UV_LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "urllib3"
version = "1.26.18"
source = { registry = "https://pypi.org/simple" }
"""
PYLOCK = """\
lock-version = "1.0"
created-by = "fuzz"

[[packages]]
name = "pyyaml"
version = "5.4"
"""
PIPFILE_LOCK = json.dumps(
    {
        "_meta": {"hash": {"sha256": "00"}, "pipfile-spec": 6},
        "default": {"pyyaml": {"version": "==5.4", "hashes": ["sha256:00"]}, "flask": {"version": "*"}},
        "develop": {"pytest": {"version": "==8.0.0"}},
    },
    indent=2,
)
DEPENDENCY_FILES = {
    "requirements.txt": REQUIREMENTS,
    "poetry.lock": POETRY_LOCK,
    "uv.lock": UV_LOCK,
    "pylock.toml": PYLOCK,
    "Pipfile.lock": PIPFILE_LOCK,
}
REQUIREMENT_LINES = [
    "pyyaml==5.3",
    "jinja2===2.10",
    "x==" + "9" * 5000,
    "a" * 10_000 + "==1",
    "pkg==1.0; python_version < '" + "9" * 5000 + "'",
    "pkg[" + ",".join(["e"] * 5000) + "]==1",
    "pkg==1.*",
    "pkg==1.0\x00",
    "pkg==\x1b[31m1.0",
    "-r \x00",
    "\\",
    "pkg==1.0 \\",
    "--hash",
    "pkg @ file:///dev/zero",
    "pkg==1.0 --hash=sha256:" + "0" * 100_000,
    "(" * 1000 + "pkg",
    "pkg==1.0; " + " and ".join(["python_version > '3'"] * 2000),
]


def requirements_target() -> Target:
    """(d) Requirement and lock files through `read_dependencies` (whose error is the reader's
    input error: the scan records it)."""
    from compliance.evidence.requirements import DependencyFileError, read_dependencies

    def build(m: Mutator, index: int) -> Case:
        name = m.rng.choice(sorted(DEPENDENCY_FILES))
        text = DEPENDENCY_FILES[name]
        if name == "requirements.txt" and m.rng.random() < 0.4:
            lines = text.splitlines()
            for _ in range(m.rng.randint(1, 3)):
                lines.insert(m.rng.randrange(len(lines) + 1), m.rng.choice(REQUIREMENT_LINES))
            return Case({name: "\n".join(lines).encode("utf-8", "surrogatepass")})
        if name == "Pipfile.lock" and m.rng.random() < 0.5:
            return Case({name: m.structured(json.loads(text), yaml_text=False).encode()})
        return Case({name: m.byte_edits(text.encode(), m.rng.randint(1, 6))})

    def run(folder: Path, case: Case) -> tuple[int, str]:
        name = next(iter(case.files))
        try:
            read_dependencies(folder / name)
        except DependencyFileError as exc:
            return 2, str(exc)
        return 0, ""

    return Target("requirements", 10_000, 2.0, build, run, "dependencies")


# -- the signing identity and the assessment the later targets start from


@dataclass
class Material:
    """Made once per run: a signing identity (named by the environment), an assessment JSON and a
    signed report of a small example."""

    folder: Path
    assessment: bytes
    report: bytes


_MATERIAL: dict[Path, Material] = {}
SMALL_EXAMPLE = EXAMPLES / "report-app-dk" / "solution.yaml"


def material(folder: Path) -> Material:
    """The identity, assessment and report, made in `folder` on first use. The identity is the
    one the environment names when it names one (the tests' session identity), else a new one
    made in `folder` and named in the environment."""
    if folder in _MATERIAL:
        return _MATERIAL[folder]
    from compliance.trust import signing

    folder.mkdir(parents=True, exist_ok=True)
    if signing.IDENTITY_ENV not in os.environ:
        identity, secret = folder / "identity.p12", folder / "identity.passphrase"
        passphrase = b"fuzz identity, not a secret"
        signing.write_private(identity, signing.create_identity(passphrase, common_name="Fuzz Assessor"))
        signing.write_private(secret, passphrase + b"\n")
        loaded = signing.load_identity(identity, passphrase)
        signing.certificate_file_beside(identity).write_bytes(signing.certificate_pem(loaded))
        os.environ[signing.IDENTITY_ENV] = str(identity)
        os.environ[signing.PASSPHRASE_FILE_ENV] = str(secret)
        os.environ.pop(signing.PASSPHRASE_ENV, None)
        os.environ.pop(signing.TSA_ENV, None)
        os.environ.setdefault("XDG_CONFIG_HOME", str(folder / "xdg"))
    out_json, out_pdf = folder / "assessment.json", folder / "report.pdf"
    code, err = cli(["assess", str(SMALL_EXAMPLE), "--as-of", AS_OF, "-o", str(out_json), "-o", str(out_pdf)])
    if code != 0:
        raise RuntimeError(f"the starting assessment failed (exit {code}): {err}")
    made = Material(folder, out_json.read_bytes(), out_pdf.read_bytes())
    _MATERIAL[folder] = made
    return made


def assessment_target(workdir: Path) -> Target:
    """(e) An assessment JSON through `compliance report` as it reads one: validation, then
    recomputation (a mutated file that still recomputes is rendered, which is rare)."""
    made = material(workdir / "material")
    data = json.loads(made.assessment)

    def build(m: Mutator, index: int) -> Case:
        return Case({"assessment.json": m.text_of(data, yaml_text=False, raw=made.assessment)})

    def run(folder: Path, case: Case) -> tuple[int, str]:
        return cli(["report", str(folder / "assessment.json"), "-o", str(folder / "out.pdf")])

    return Target("assessment", 10_000, 10.0, build, run, "assessment")


def verify_target(workdir: Path) -> Target:
    """(f) `compliance verify` on mutated signed reports: byte edits anywhere, and edits of the
    embedded assessment's bytes in place."""
    from compliance.trust import signing

    made = material(workdir / "material")
    cert = signing.certificate_file_beside(Path(os.environ[signing.IDENTITY_ENV]))
    assessment_at = made.report.find(b"/EmbeddedFile")

    def build(m: Mutator, index: int) -> Case:
        data = bytearray(made.report)
        if assessment_at > 0 and m.rng.random() < 0.3:
            # Inside the embedded file's (compressed) stream: what a forger edits.
            at = m.rng.randrange(assessment_at, min(len(data), assessment_at + 20_000))
            data[at] ^= 1 << m.rng.randrange(8)
            return Case({"report.pdf": bytes(data)}, "embedded stream edit")
        mutated = m.byte_edits(bytes(data), m.rng.randint(1, 3))
        if not mutated.startswith(b"%PDF-") and m.rng.random() < 0.8:
            mutated = b"%PDF-" + mutated[5:]
        return Case({"report.pdf": mutated})

    def run(folder: Path, case: Case) -> tuple[int, str]:
        return cli(["verify", str(folder / "report.pdf"), "--trust", str(cert), "--format", "json"])

    return Target("verify", 2_000, 10.0, build, run, "report")


LONG_TEXTS = [
    "A" * 50_000,
    "x" * 5_000,
    "\u00e6" * 20_000,
    "<b>bold</b> &amp; <img src='file:///etc/passwd'> <a href='http://example.invalid/'>x</a>",
    "{{ 7*7 }} {% raw %} ${x} %s %(x)s",
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd " * 200,
    "\U0001f600\U0001f680" * 3000,
    "word " * 10_000,
    "",
    "-" * 2000 + "\n" * 500,
    "\u200b" * 10_000,
    "\ufffd\ufeff" * 1000,
]


def rendered_target(workdir: Path) -> Target:
    """(g) `compliance report --as-is` of assessments that stay valid: text values replaced by
    long, unbroken, markup-like and right-to-left texts, numbers by other numbers."""
    made = material(workdir / "material")
    data = json.loads(made.assessment)

    def build(m: Mutator, index: int) -> Case:
        doc = copy.deepcopy(data)
        paths = [p for p in m.paths(doc) if not isinstance(_at(doc, p), dict | list)]
        for _ in range(m.rng.randint(1, 8)):
            path = m.rng.choice(paths)
            parent = _at(doc, path[:-1])
            value = parent[path[-1]]
            if isinstance(value, str):
                parent[path[-1]] = m.rng.choice(LONG_TEXTS)
            elif isinstance(value, bool):
                parent[path[-1]] = not value
            elif isinstance(value, int | float):
                parent[path[-1]] = m.rng.choice((0, -1, 10**18, 1e308, 0.5, value * 1000))
        return Case({"assessment.json": json.dumps(doc, ensure_ascii=m.rng.random() < 0.5).encode()})

    def run(folder: Path, case: Case) -> tuple[int, str]:
        return cli(["report", str(folder / "assessment.json"), "-o", str(folder / "out.pdf"), "--as-is"])

    return Target("rendered", 200, 10.0, build, run, "assessment")


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def pip_audit_target(workdir: Path) -> Target:
    """(h) The real pip-audit on mutated requirement files against the loopback OSV server."""
    sys.path.insert(0, str(ROOT / "tests"))
    from osv_server import OsvServer, refused_url  # type: ignore[import-not-found]
    from test_osv_server import proxy_guard_env  # type: ignore[import-not-found]

    from compliance.evidence.pip_audit_runner import Service, audit
    from compliance.evidence.requirements import DependencyFileError

    server = OsvServer()
    server.__enter__()
    blocked = refused_url()
    env = proxy_guard_env(blocked.__enter__())
    service = Service("osv-url", server.query_url)
    base = "pyyaml==5.3\njinja2==2.10\nurllib3==1.24.1\n"

    def build(m: Mutator, index: int) -> Case:
        if m.rng.random() < 0.5:
            lines = base.splitlines()
            for _ in range(m.rng.randint(1, 3)):
                lines.insert(m.rng.randrange(len(lines) + 1), m.rng.choice(REQUIREMENT_LINES))
            return Case({"requirements.txt": "\n".join(lines).encode("utf-8", "surrogatepass")})
        return Case({"requirements.txt": m.byte_edits(base.encode(), m.rng.randint(1, 4))})

    def run(folder: Path, case: Case) -> tuple[int, str]:
        try:
            scan = audit([folder / "requirements.txt"], service, env=env, timeout=60)
        except DependencyFileError as exc:  # a file that is no requirements file: exit 2 in the CLI
            return 2, str(exc)[:200]
        return 0, f"{scan.status.value}: {'; '.join(scan.errors)[:200]}"

    target = Target("pip-audit", 100, 60.0, build, run, "requirements")
    target.stop = lambda: (blocked.__exit__(None, None, None), server.__exit__(None, None, None))  # type: ignore[attr-defined]
    return target


IN_PROCESS = (
    "solution",
    "sarif",
    "cyclonedx",
    "requirements",
    "assessment",
    "verify",
    "rendered",
    "pip-audit",
)


def make_target(name: str, workdir: Path) -> Target:
    """The target called `name`; those that need an identity or a report make them in `workdir`."""
    simple = {
        "solution": solution_target,
        "sarif": sarif_target,
        "cyclonedx": cyclonedx_target,
        "requirements": requirements_target,
    }
    if name in simple:
        return simple[name]()
    needs_folder = {
        "assessment": assessment_target,
        "verify": verify_target,
        "rendered": rendered_target,
        "pip-audit": pip_audit_target,
    }
    return needs_folder[name](workdir)


# ---------------------------------------------------------------------------------------------
# Running


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def run_case(target: Target, folder: Path, case: Case, *, budget: float | None) -> Outcome:
    """One case in `folder`: write its files, run it, classify. With a budget (the bench), an
    alarm interrupts a case that runs far past it; the tests never set one."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    if budget is not None:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, budget * 3)
    start = time.perf_counter()
    try:
        code, message = target.run(folder, case)
        return Outcome(code, time.perf_counter() - start, message if code == 3 else "")
    except Hang:
        return Outcome(-1, time.perf_counter() - start, "interrupted after three times the budget")
    except Exception as exc:  # the finding of a fuzzer: anything that escapes is a failure
        return Outcome(None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:2000])
    finally:
        if budget is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)


def fuzz(
    target: Target,
    cases: int,
    seed: int,
    workdir: Path,
    failures: Path | None,
    *,
    budget: float | None = None,
    progress: bool = False,
) -> Summary:
    """Run `cases` cases of `target`; failures and hangs keep their input in `failures`."""
    rng = random.Random(f"{seed}:{target.name}")
    mutator = Mutator(rng)
    summary = Summary(target.name, budget=target.budget)
    if budget is not None:
        # One untimed case first: loading the rule packs and importing the renderer happen once
        # per process and are not the input's doing.
        run_case(
            target,
            workdir / target.name / "warm-up",
            target.build(Mutator(random.Random(0)), -1),
            budget=None,
        )
    for index in range(cases):
        case = target.build(mutator, index)
        folder = workdir / target.name / f"case-{index % 4}"
        for stale in folder.glob("*") if folder.exists() else ():
            if stale.is_file() or stale.is_symlink():
                stale.unlink()
        outcome = run_case(target, folder, case, budget=budget)
        summary.cases += 1
        summary.times.append(outcome.seconds)
        key = "exception" if outcome.exit is None else ("hang" if outcome.exit == -1 else str(outcome.exit))
        summary.exits[key] += 1
        over = budget is not None and (outcome.exit == -1 or outcome.seconds > budget)
        if outcome.failed or over:
            record = {"case": index, "seconds": round(outcome.seconds, 3), "error": outcome.error[:500]}
            if failures is not None:
                failures.mkdir(parents=True, exist_ok=True)
                for name, data in case.files.items():
                    kept = failures / f"{target.name}-{seed}-{index}-{name}"
                    kept.write_bytes(data)
                    record["input"] = str(kept)
            (summary.failures if outcome.failed else summary.hangs).append(record)
        if progress and (index + 1) % max(1, cases // 20) == 0:
            print(f"  {target.name}: {index + 1}/{cases}", file=sys.stderr, flush=True)
    stop = getattr(target, "stop", None)
    if stop is not None:
        stop()
    return summary


# ---------------------------------------------------------------------------------------------
# Long unbroken text in the PDF report


def long_text_timings(workdir: Path, lengths: Sequence[int] = (5_000, 20_000, 50_000)) -> dict[int, float]:
    """Seconds to render the report of the small example whose name and a description carry one
    unbroken word of each length (the text rules allow 500 for a name, so the description carries
    the long word and the name its first 500 characters)."""
    from compliance.core.engine import assess
    from compliance.inputs.loader import load_packs, load_solution
    from compliance.outputs.report import report_pdf

    made = material(workdir / "material")
    packs = load_packs()
    timings: dict[int, float] = {}
    data = yaml.safe_load(SMALL_EXAMPLE.read_bytes())
    for length in lengths:
        word = ("Vejdirektoratetsparkeringsregister" * (length // 34 + 1))[:length]
        doc = copy.deepcopy(data)
        doc["name"] = word[:500]
        doc["description"] = word[:20_000]
        doc["flows"][0]["name"] = word[:500]
        path = made.folder / f"long-{length}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        loaded = load_solution(path)
        from datetime import date

        a = assess(loaded.solution, packs, date.fromisoformat(AS_OF), inputs=loaded.inputs)
        if length > 20_000:
            # Text is limited to 20,000 characters in a solution; the assessment's own text fields
            # are not, so the longest word reaches the report through the assessor's name.
            a = a.model_copy(update={"assessor": word})
        start = time.perf_counter()
        report_pdf(a, "en", "Fuzz Assessor")
        timings[length] = time.perf_counter() - start
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    """Run the targets and print a table; exit 1 when any case failed or hung."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--targets", default=",".join(IN_PROCESS), help="comma-separated target names")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full number of cases")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--json", type=Path, help="write the summary as JSON to this file")
    parser.add_argument(
        "--failures",
        type=Path,
        default=Path(tempfile.gettempdir()) / "compliance-fuzz-failures",
        help="folder for the inputs of failed and hung cases",
    )
    parser.add_argument("--no-long-text", action="store_true", help="skip the long-text rendering timings")
    args = parser.parse_args(argv)
    names = [n for n in args.targets.split(",") if n]
    unknown = set(names) - set(IN_PROCESS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))} (known: {', '.join(IN_PROCESS)})")
    results: list[Summary] = []
    with tempfile.TemporaryDirectory(prefix="compliance-fuzz-") as tmp:
        workdir = Path(tmp)
        for name in names:
            target = make_target(name, workdir)
            cases = max(1, round(target.full * args.scale))
            print(f"{name}: {cases} cases", file=sys.stderr, flush=True)
            started = time.perf_counter()
            summary = fuzz(
                target, cases, args.seed, workdir, args.failures, budget=target.budget, progress=True
            )
            print(
                f"{name}: done in {time.perf_counter() - started:.1f} s: {json.dumps(summary.as_json())[:2000]}",
                file=sys.stderr,
                flush=True,
            )
            results.append(summary)
        long_text = {} if args.no_long_text else long_text_timings(workdir)
    print(f"{'target':<14}{'cases':>7}  {'exits':<34}{'failures':>9}{'hangs':>7}{'worst s':>9}{'budget':>8}")
    for s in results:
        exits = " ".join(f"{k}:{v}" for k, v in sorted(s.exits.items()))
        worst = max(s.times, default=0.0)
        print(
            f"{s.target:<14}{s.cases:>7}  {exits:<34}{len(s.failures):>9}{len(s.hangs):>7}{worst:>9.3f}{s.budget:>8.0f}"
        )
    for length, seconds in long_text.items():
        print(f"PDF report with a {length:,}-character unbroken word: {seconds:.2f} s")
    for s in results:
        for failure in s.failures + s.hangs:
            print(
                f"  {s.target} case {failure['case']}: {failure['error'][:200]} ({failure.get('input', '')})"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "system": platform.system(),
            },
            "seed": args.seed,
            "scale": args.scale,
            "targets": [s.as_json() for s in results],
            "long_text_seconds": {str(k): round(v, 3) for k, v in long_text.items()},
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 1 if any(s.failures or s.hangs for s in results) else 0


if __name__ == "__main__":
    sys.exit(main())
