"""Hostile input never ends in an internal error: the fuzz targets of bench/fuzz.py with a few
examples and a fixed seed, and the classes of input they found, each refused with a located
message (exit 2).

The full runs, with time budgets, are the bench's (bench/fuzz.py); here no time is asserted.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import Run

from compliance import cli as cli_module
from compliance.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import fuzz  # type: ignore[import-not-found]  # the bench's targets

SEED = 19
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "report-app-dk" / "solution.yaml"
AS_OF = "2026-12-01"

# Cases per target: every reader 200; those that sign, verify or render a PDF, or run pip-audit,
# cost a second or more a case, and run fewer.
CASES = {
    "solution": 200,
    "sarif": 200,
    "cyclonedx": 200,
    "requirements": 200,
    "assessment": 20,
    "verify": 20,
    "rendered": 3,
    "pip-audit": 3,
}


@pytest.mark.parametrize("name", list(CASES))
def test_no_fuzzed_input_ends_in_an_internal_error(name: str, tmp_path: Path) -> None:
    target = fuzz.make_target(name, tmp_path)
    summary = fuzz.fuzz(target, CASES[name], SEED, tmp_path, tmp_path / "failures")
    assert summary.cases == CASES[name]
    assert not summary.failures, "\n".join(
        f"case {f['case']}: {f['error'][:300]} (input kept in {f.get('input')})" for f in summary.failures
    )
    # The classification is not vacuous: the mutations reach both answers of a reader.
    if name in ("solution", "sarif", "cyclonedx", "requirements", "assessment"):
        assert summary.exits["2"] > 0


def test_an_internal_bug_still_exits_3(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    """The handlers of bad input catch their own exception types only: a bug in the engine is
    reported as one."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected bug")

    monkeypatch.setattr(cli_module, "assess", broken)
    code = main(["assess", str(EXAMPLE), "--no-scan", "--as-of", AS_OF, "--format", "json"])
    assert code == 3
    assert "internal error: RuntimeError: injected bug" in capsys.readouterr().err


def test_the_fuzzer_counts_an_escaped_exception_as_a_failure(tmp_path: Path) -> None:
    """A target whose code raises is reported, so that a clean run means something."""

    def run(folder: Path, case: fuzz.Case) -> tuple[int, str]:
        raise ValueError("escaped")

    target = fuzz.Target("broken", 3, 1.0, lambda m, i: fuzz.Case({"x": b"x"}), run, "x")
    summary = fuzz.fuzz(target, 3, SEED, tmp_path, tmp_path / "failures")
    assert len(summary.failures) == 3 and summary.exits["exception"] == 3
    assert (tmp_path / "failures" / f"broken-{SEED}-0-x").read_bytes() == b"x"


# ---------------------------------------------------------------------------------------------
# Solutions: numbers, durations, paths and text that used to end in exit 3 or act on the reader


def _solution(
    tmp_path: Path, change: Callable[[dict[str, Any]], None] | None = None, text: str | None = None
) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    if change is not None:
        change(data)
    path = tmp_path / "solution.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _assess(cli: Callable[..., Run], path: Path, *extra: str) -> Run:
    return cli("assess", str(path), "--no-scan", "--as-of", AS_OF, "--format", "json", *extra)


def test_an_integer_over_the_digit_limit_is_refused_where_it_is(tmp_path, cli) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "dpo_designated: true", "dpo_designated: " + "9" * 5000
    )
    run = _assess(cli, _solution(tmp_path, text=text))
    assert run.code == 2, run.err
    assert "controller.dpo_designated: a number 5,000 characters long" in run.err
    assert "solution.yaml:" in run.err and "internal error" not in run.err


def test_the_same_number_in_a_json_solution_is_refused_too(tmp_path, cli) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    text = json.dumps(data, default=str).replace('"schema_version": 4', '"schema_version": ' + "1" * 4400)
    path = tmp_path / "solution.json"
    path.write_text(text, encoding="utf-8")
    run = _assess(cli, path)
    assert run.code == 2 and "schema_version: a number 4,400 characters long" in run.err


@pytest.mark.parametrize(
    ("retention", "message"),
    [
        ("P99999999999Y", "'P99999999999Y' has a number of more than 9 digits"),
        ("PT" + "9" * 400 + "H", "has a number of more than 9 digits"),
        ("P20000Y", "'P20000Y' is longer than 10,000 years"),
    ],
)
def test_an_absurd_duration_is_refused_where_it_is(tmp_path, cli, retention: str, message: str) -> None:
    def change(data: dict[str, Any]) -> None:
        data["flows"][0]["retention"] = retention

    run = _assess(cli, _solution(tmp_path, change))
    assert run.code == 2, run.err
    assert "flows[0].retention: " in run.err and message in run.err


def test_a_long_but_possible_duration_still_loads(tmp_path, cli) -> None:
    def change(data: dict[str, Any]) -> None:
        data["flows"][0]["retention"] = "P100Y"

    assert _assess(cli, _solution(tmp_path, change)).code == 0


def test_a_nul_byte_in_an_evidence_path_is_refused_where_it_is(tmp_path, cli) -> None:
    def change(data: dict[str, Any]) -> None:
        data["evidence"] = {"dependencies": ["requirements\0.txt"]}

    run = _assess(cli, _solution(tmp_path, change))
    assert run.code == 2, run.err
    assert (
        "evidence.dependencies[0]: the path contains a control character (U+0000) at position 13" in run.err
    )


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("name", "Lindå \x1b[31mKommune", "contains a control character (U+001B) at position 7"),
        ("name", "Report\rapp", "contains a control character (U+000D) at position 7"),
        (
            "description",
            "Reports \u202eppa",
            "contains a bidirectional control character (U+202E) at position 9",
        ),
        (
            "description",
            "isolate \u2066x\u2069",
            "contains a bidirectional control character (U+2066) at position 9",
        ),
        ("description", "csi \x9b2J", "contains a control character (U+009B) at position 5"),
        ("description", "a\u2028b", "contains a line or paragraph separator (U+2028) at position 2"),
    ],
)
def test_control_and_bidi_characters_in_text_are_refused_where_they_are(
    tmp_path, cli, field: str, value: str, shown: str
) -> None:
    def change(data: dict[str, Any]) -> None:
        data[field] = value

    run = _assess(cli, _solution(tmp_path, change))
    assert run.code == 2, run.err
    assert f": {field}: " in run.err and shown in run.err
    assert "\x1b" not in run.err and "\u202e" not in run.err  # the message does not act either


def test_control_characters_deep_in_the_solution_are_refused_with_their_path(tmp_path, cli) -> None:
    def change(data: dict[str, Any]) -> None:
        data["flows"][0]["name"] = "Readings\x07"
        data["parties"][1]["name"] = "Acme\x00"

    run = _assess(cli, _solution(tmp_path, change))
    assert run.code == 2
    assert "flows[0].name: contains a control character (U+0007) at position 9" in run.err
    assert "parties[1].name: contains a control character (U+0000) at position 5" in run.err


def test_tabs_and_newlines_are_kept_in_text(tmp_path, cli) -> None:
    def change(data: dict[str, Any]) -> None:
        data["description"] = "First line\n\tindented second line\n"
        data["name"] = "Report app\twith a tab"

    assert _assess(cli, _solution(tmp_path, change)).code == 0


def test_every_bundled_example_still_loads() -> None:
    from compliance.inputs.loader import load_solution

    examples = sorted(EXAMPLE.parent.parent.glob("*/solution.yaml"))
    assert len(examples) >= 10
    for path in examples:
        load_solution(path)


def test_control_characters_in_the_decisions_file_are_refused_where_they_are(tmp_path, cli) -> None:
    solution = _solution(tmp_path)
    decisions = tmp_path / "solution.decisions.yaml"
    decisions.write_text(
        yaml.safe_dump(
            {
                "schema_version": 1,
                "solution": "report-app-dk",
                "recorded_by": {"name": "Eve \x1b]0;pwned\x07Auditor", "organisation": "Example Audit ApS"},
            }
        ),
        encoding="utf-8",
    )
    run = _assess(cli, solution, "--decisions", str(decisions))
    assert run.code == 2, run.err
    assert "recorded_by.name: " in run.err
    assert "contains a control character (U+001B) at position 5" in run.err


# ---------------------------------------------------------------------------------------------
# Evidence that could hang a reader: refused before any reader opens it


@pytest.mark.parametrize("kind", ["dependencies", "sboms", "sarif", "code"])
def test_a_fifo_as_evidence_is_refused_before_it_is_read(tmp_path, cli, kind: str) -> None:
    os.mkfifo(tmp_path / "evidence.pipe")

    def change(data: dict[str, Any]) -> None:
        data["evidence"] = {kind: ["evidence.pipe"]}

    run = cli("assess", str(_solution(tmp_path, change)), "--as-of", AS_OF, "--format", "json")
    assert run.code == 2, run.err  # and it ended: a reader that opened the FIFO would wait forever
    wanted = "a regular file or folder" if kind == "code" else "a regular file"
    assert f"evidence.{kind}[0]: 'evidence.pipe' is not {wanted} (a FIFO): refused" in run.err
    assert "solution.yaml:" in run.err


def test_a_link_to_dev_zero_as_evidence_is_refused(tmp_path, cli) -> None:
    (tmp_path / "sbom.json").symlink_to("/dev/zero")

    def change(data: dict[str, Any]) -> None:
        data["evidence"] = {"sboms": ["sbom.json"]}

    run = cli("assess", str(_solution(tmp_path, change)), "--as-of", AS_OF, "--format", "json")
    assert run.code == 2, run.err
    assert "evidence.sboms[0]: 'sbom.json' leads outside the solution's folder" in run.err


def test_a_link_to_a_fifo_inside_the_folder_is_refused_as_a_fifo(tmp_path, cli) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "requirements.txt").symlink_to(tmp_path / "pipe")

    def change(data: dict[str, Any]) -> None:
        data["evidence"] = {"dependencies": ["requirements.txt"]}

    run = cli("assess", str(_solution(tmp_path, change)), "--as-of", AS_OF, "--format", "json")
    assert run.code == 2, run.err
    assert "'requirements.txt' is not a regular file (a FIFO): refused" in run.err


def test_a_fifo_in_place_of_a_file_is_refused_by_the_reader_itself(tmp_path) -> None:
    """The check is made on the opened descriptor, so a path swapped after any earlier check
    cannot make the reader wait."""
    from compliance.core.errors import InputError
    from compliance.inputs.files import read_text

    os.mkfifo(tmp_path / "solution.yaml")
    with pytest.raises(InputError, match=r"not a regular file \(a FIFO\): refused"):
        read_text(tmp_path / "solution.yaml")
    with pytest.raises(InputError, match=r"not a regular file \(a character device\): refused"):
        read_text(Path("/dev/zero"))


def test_a_fifo_named_as_the_solution_or_the_assessment_is_refused(tmp_path, cli) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    run = cli("assess", str(tmp_path / "pipe.yaml"))
    assert run.code == 2 and "pipe.yaml: not a regular file (a FIFO): refused" in run.err
    os.mkfifo(tmp_path / "pipe.json")
    run = cli("report", str(tmp_path / "pipe.json"), "-o", str(tmp_path / "r.pdf"))
    assert run.code == 2 and "pipe.json: not a regular file (a FIFO): refused" in run.err


# ---------------------------------------------------------------------------------------------
# `report` of crafted assessments, and `keys init` with absurd options


@pytest.fixture(scope="module")
def saved_assessment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("saved")
    out = folder / "a.json"
    assert main(["assess", str(EXAMPLE), "--as-of", AS_OF, "-o", str(out), "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(solution={}), "its solution is not a valid solution"),
        (lambda d: d["solution"].update(name="\x1b[2J"), "contains a control character (U+001B)"),
        (lambda d: d.update(score=1e308), "score: Input should be less than or equal to 100"),
        (lambda d: d.update(score=-5), "score: Input should be greater than or equal to 0"),
    ],
)
def test_a_crafted_assessment_is_refused_by_report_even_as_is(
    tmp_path, cli, saved_assessment, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = copy.deepcopy(saved_assessment)
    change(data)
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    run = cli("report", str(path), "-o", str(tmp_path / "r.pdf"), "--as-is")
    assert run.code == 2, run.err
    assert message in run.err and not (tmp_path / "r.pdf").exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--days", "1000000000", "--days: 1000000000 is not from 1 to 36525"),
        ("--days", "9" * 30, "is not from 1 to 36525"),
        ("--days", "0", "--days: 0 is not from 1 to 36525"),
        ("--name", "A" * 100, "--name: 100 characters; a certificate holds at most 64"),
        (
            "--name",
            "Ida\u202eHolm",
            "--name: contains a bidirectional control character (U+202E) at position 4",
        ),
        ("--organisation", "O" * 65, "--organisation: 65 characters; a certificate holds at most 64"),
        ("--country", "ÆØ", "--country: 'ÆØ' is not a two-letter country code"),
        ("--email", "é@example.dk", "is not an e-mail address in ASCII"),
        ("--email", "a" * 300 + "@example.dk", "is not an e-mail address in ASCII"),
    ],
)
def test_keys_init_refuses_absurd_options_before_making_a_key(tmp_path, cli, option, value, message) -> None:
    args = {"--name": "Ida Holm, DPO", "--organisation": "Vejle Kommune", option: value}
    identity = tmp_path / "identity.p12"
    run = cli("keys", "init", "--identity", str(identity), *[x for kv in args.items() for x in kv])
    assert run.code == 2, run.err
    assert message in run.err and not identity.exists()


def test_recording_a_decision_with_a_control_character_is_refused_and_writes_nothing(tmp_path, cli) -> None:
    solution = _solution(tmp_path)
    decisions = tmp_path / "solution.decisions.yaml"
    run = cli(
        "decide", "check", str(solution), "controller.dpo_designated", "--by", "Eve \x1b[31mAuditor",
        "--organisation", "Example Audit ApS", "--evidence", "seen", "--decisions", str(decisions),
    )  # fmt: skip
    assert run.code == 2, run.err
    assert "recorded_by.name: Value error, contains a control character (U+001B) at position 5" in run.err
    assert not decisions.exists()


def test_a_pdf_whose_cross_reference_stream_is_another_object_is_not_verified(tmp_path, cli) -> None:
    """pyHanko asserts that the object `startxref` names is an /XRef stream (found by the fuzzer:
    an AssertionError, exit 3); the file is unreadable, so not verified (exit 1)."""
    body = b"%PDF-1.7\n"
    start = len(body)
    body += b"1 0 obj\n<< /Type /Catalog /Length 0 >>\nstream\n\nendstream\nendobj\n"
    body += b"startxref\n%d\n%%%%EOF\n" % start
    path = tmp_path / "report.pdf"
    path.write_bytes(body)
    run = cli("verify", str(path), "--format", "json")
    assert run.code == 1, run.err
    assert any("cannot be read as a whole: AssertionError" in p for p in json.loads(run.out)["problems"])
