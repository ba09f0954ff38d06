"""Outputs never destroy an input, are written all or none even when a signal arrives, carry the
ID of the run that wrote them, and nothing the party being assessed wrote can act on a terminal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import minimal_solution, run_subprocess

from compliance.core.models.scan import (
    FindingState,
    RunStatus,
    ScanFinding,
    ScanRun,
    ScanSeverity,
    Suppression,
)
from compliance.core.terminal import has_unsafe, neutralise
from compliance.outputs import writing

AS_OF = "2026-12-01"


def _json_solution(tmp_path: Path) -> Path:
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(minimal_solution()), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Refused before anything is written


def test_an_output_naming_the_input_is_refused_and_the_input_kept(tmp_path, cli) -> None:
    path = _json_solution(tmp_path)
    before = path.read_bytes()
    run = cli("assess", path, "--as-of", AS_OF, "-o", path)
    assert run.code == 2
    assert "is an input of this run" in run.err and "Traceback" not in run.err
    assert path.read_bytes() == before


def test_an_output_naming_an_input_through_a_link_is_refused(tmp_path, cli) -> None:
    path = _json_solution(tmp_path)
    before = path.read_bytes()
    (tmp_path / "alias.json").symlink_to(path)
    os.link(path, tmp_path / "hard.json")
    for name in ("alias.json", "hard.json"):
        run = cli("assess", path, "--as-of", AS_OF, "-o", tmp_path / name)
        assert run.code == 2, name
        assert "is an input of this run" in run.err
    assert path.read_bytes() == before


def test_an_output_over_declared_evidence_or_inside_a_code_folder_is_refused(tmp_path, cli) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "scan.sarif").write_text('{"version": "2.1.0", "runs": []}', encoding="utf-8")
    data = minimal_solution()
    data["evidence"] = {"code": ["src"], "sarif": ["scan.sarif"]}
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sarif_before = (tmp_path / "scan.sarif").read_bytes()
    run = cli("assess", path, "--as-of", AS_OF, "--no-scan", "-o", tmp_path / "scan.sarif")
    assert run.code == 2 and "is an input of this run" in run.err
    assert (tmp_path / "scan.sarif").read_bytes() == sarif_before
    run = cli("assess", path, "--as-of", AS_OF, "--no-scan", "-o", tmp_path / "src" / "out.json")
    assert run.code == 2 and "which this run reads" in run.err
    assert not (tmp_path / "src" / "out.json").exists()


def test_the_same_output_twice_or_a_folder_is_refused_and_nothing_written(tmp_path, cli) -> None:
    path = _json_solution(tmp_path)
    out = tmp_path / "out"
    run = cli("assess", path, "--as-of", AS_OF, "-o", out / "a.json", "-o", out / "sub" / ".." / "a.json")
    assert run.code == 2 and "named twice" in run.err
    assert not out.exists() or not any(out.rglob("*"))
    (tmp_path / "folder.json").mkdir()
    run = cli("assess", path, "--as-of", AS_OF, "-o", tmp_path / "ok.txt", "-o", tmp_path / "folder.json")
    assert run.code == 2 and "is a folder" in run.err
    assert not (tmp_path / "ok.txt").exists()


def test_report_refuses_a_folder_as_its_output(tmp_path, cli) -> None:
    path = _json_solution(tmp_path)
    saved = tmp_path / "a.json"
    assert cli("assess", path, "--as-of", AS_OF, "-o", saved).code == 0
    (tmp_path / "r.pdf").mkdir()
    run = cli("report", saved, "-o", tmp_path / "r.pdf")
    assert run.code == 2 and "is a folder" in run.err


# ---------------------------------------------------------------------------------------------
# Temporaries and signals


def test_temporaries_of_dead_runs_are_removed_and_live_ones_kept(tmp_path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)  # that process has ended
    stale = tmp_path / f".compliance-tmp.{dead_pid}.report.pdf.abcd.tmp"
    stale.write_bytes(b"half a report")
    live = tmp_path / f".compliance-tmp.{os.getpid()}.other.json.efgh.tmp"
    live.write_bytes(b"being written")
    foreign = tmp_path / ".report.pdf.1234.tmp"  # not ours: never touched
    foreign.write_bytes(b"someone else's")
    writing.write_all_atomically([(tmp_path / "a.json", "{}")])
    assert not stale.exists()
    assert live.exists() and foreign.exists()
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(writing.TEMP_PREFIX)) == [live.name]


def test_an_interrupt_during_the_renames_arrives_after_the_last_one(tmp_path, monkeypatch) -> None:
    for name in ("a.json", "b.txt", "c.sarif"):
        (tmp_path / name).write_text("earlier", encoding="utf-8")
    real_replace = Path.replace
    calls: list[str] = []

    def replace_and_interrupt(self: Path, target):  # type: ignore[no-untyped-def]
        calls.append(Path(target).name)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # blocked: must not stop the renames
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace_and_interrupt)
    with pytest.raises(KeyboardInterrupt):
        writing.write_all_atomically([(tmp_path / n, "new") for n in ("a.json", "b.txt", "c.sarif")])
    assert calls == ["a.json", "b.txt", "c.sarif"]
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == {
        "a.json": "new",
        "b.txt": "new",
        "c.sarif": "new",
    }


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminating_signal_during_the_renames_leaves_all_outputs_of_one_run(tmp_path, sig) -> None:
    for name in ("a.json", "b.txt"):
        (tmp_path / name).write_text("earlier", encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from compliance.outputs import writing
        real = Path.replace
        def replace(self, target):
            if Path(target).name == "a.json":
                os.kill(os.getpid(), {int(sig)})
            return real(self, target)
        Path.replace = replace
        writing.write_all_atomically([(Path({str(tmp_path)!r}) / n, "new") for n in ("a.json", "b.txt")])
        print("not reached: the signal ends the process once unblocked")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == -sig, done.stderr
    assert "not reached" not in done.stdout
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == {
        "a.json": "new",
        "b.txt": "new",
    }


# ---------------------------------------------------------------------------------------------
# Run IDs


def test_outputs_of_one_run_share_its_id_and_verify_warns_about_another_runs_json(tmp_path, cli) -> None:
    path = _json_solution(tmp_path)
    out = tmp_path / "out"
    run = cli(
        "assess",
        path,
        "--as-of",
        AS_OF,
        "-o",
        out / "report.pdf",
        "-o",
        out / "assessment.json",
        "-o",
        out / "log.sarif",
    )
    assert run.code == 0, run.err
    saved = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    run_id = saved["run"]["id"]
    assert sorted(saved["run"]["outputs"]) == ["assessment.json", "log.sarif", "report.pdf"]
    sarif = json.loads((out / "log.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["automationDetails"]["guid"] == run_id
    checked = cli("verify", out / "report.pdf", "--allow-untrusted", "--format", "json")
    assert checked.code == 0, checked.err
    assert checked.json()["assessment"]["run"]["id"] == run_id
    assert "another run" not in checked.err
    # A later run replaces the JSON only: the pair no longer belongs together.
    assert cli("assess", path, "--as-of", AS_OF, "-o", out / "assessment.json").code == 0
    checked = cli("verify", out / "report.pdf", "--allow-untrusted")
    assert "assessment.json beside" in checked.err and "written by another run" in checked.err


def test_report_warns_when_the_json_beside_its_pdf_is_from_another_run(tmp_path, cli) -> None:
    """The saved assessment recomputes (its run ID is a record, not a result), and the report
    warns that the JSON of the same name beside it comes from another run."""
    path = _json_solution(tmp_path)
    first, second = tmp_path / "first.json", tmp_path / "r.json"
    assert cli("assess", path, "--as-of", AS_OF, "-o", first).code == 0
    assert cli("assess", path, "--as-of", AS_OF, "-o", second).code == 0
    run = cli("report", first, "-o", tmp_path / "r.pdf")
    assert run.code == 0, run.err
    assert "r.json beside" in run.err and "written by another run" in run.err


# ---------------------------------------------------------------------------------------------
# Terminals and warnings


def test_control_characters_and_bidi_overrides_are_shown_as_escapes() -> None:
    text = "app\x1b]0;owned\x07.py \u202eexe.txt line\u2028two\ttab\nnext"
    shown = neutralise(text)
    assert has_unsafe(shown) is None
    assert shown == "app\\x1b]0;owned\\x07.py \\u202eexe.txt line\\u2028two\ttab\nnext"
    assert has_unsafe(text) == 3


def test_the_summary_shows_a_hostile_file_name_and_message_as_escapes(tmp_path) -> None:
    from datetime import date

    from helpers import solution_model

    from compliance.core.engine import assess
    from compliance.inputs.loader import load_packs
    from compliance.outputs.summary import render

    data = minimal_solution()
    data["evidence"] = {"sarif": ["x.sarif"]}
    finding = ScanFinding(
        tool="semgrep",
        rule_id="r1",
        message="clear\x1b[2J screen",
        severity=ScanSeverity.HIGH,
        file="a\x1b]0;title\x07.py",
        line=1,
        state=FindingState.SUPPRESSED_BY_PRODUCER,
        suppression=Suppression(kind="external", status="accepted", justification="\u202eok"),
    )
    run = ScanRun(tool="semgrep", kind="sarif", status=RunStatus.COMPLETED, findings=[finding])
    a = assess(solution_model(data), load_packs(), date(2026, 12, 1), scans=[run])
    text = render(a)
    assert "\x1b" not in text and "\u202e" not in text
    assert "a\\x1b]0;title\\x07.py:1" in text
    assert "suppressed by the producer: \\u202eok" in text
    assert "1 finding is suppressed by the producer of the file; it still counts" in text


def test_no_library_warning_reaches_the_terminal(tmp_path) -> None:
    path = _json_solution(tmp_path)
    env = {"PYTHONWARNINGS": ""}
    made = run_subprocess(["assess", path, "--as-of", AS_OF, "-o", tmp_path / "r.pdf"], env=env)
    assert made.code == 0, made.err
    checked = run_subprocess(["verify", tmp_path / "r.pdf", "--allow-untrusted"], env=env)
    assert checked.code == 0, checked.err
    for stream in (made.err, checked.err, checked.out):
        assert "Warning" not in stream and "warn(" not in stream, stream


def test_credentials_in_a_timestamp_authority_url_never_reach_the_terminal(tmp_path, cli) -> None:
    path = _json_solution(tmp_path)
    url = "http://alice-tsa:s3cr3t-pw@127.0.0.1:9/tsa?token=t0k3n-value&mode=x"
    run = cli("assess", path, "--as-of", AS_OF, "-o", tmp_path / "r.pdf", "--tsa", url)
    assert run.code == 2 and "timestamp authority http://***@127.0.0.1:9/tsa?token=***&mode=x" in run.err
    for secret in ("alice-tsa", "s3cr3t-pw", "t0k3n-value"):
        assert secret not in run.err + run.out
    assert not (tmp_path / "r.pdf").exists()


def test_the_report_cuts_words_no_layout_could_fit_and_keeps_hashes_whole() -> None:
    """A 50,000-letter word made the layout work for minutes (bench/fuzz.py measures it now):
    the report shows its start and how much was left out; the JSON keeps it whole."""
    from compliance.outputs.report import _environment

    digest = "ab" * 32
    word = "Vejdirektoratet" * 4000
    html = _environment().from_string("<p>{{ x }}</p><p>{{ h }}</p>").render(x=f"see {word} here", h=digest)
    assert word not in html and f"\u2026[+{len(word) - 80}]" in html
    assert "see Vejdirektoratet" in html and " here" in html
    assert digest in html
    assert "\x1b" not in _environment().from_string("{{ x }}").render(x="a\x1b[2Jb")


def test_an_assessor_name_with_a_terminal_escape_is_refused(tmp_path, cli) -> None:
    path = _json_solution(tmp_path)
    run = cli(
        "assess", path, "--as-of", AS_OF, "--assessor", "Eve\x1b]0;owned\x07", "-o", tmp_path / "a.json"
    )
    assert (
        run.code == 2
        and "argument --assessor: contains a control character (U+001B) at position 4" in run.err
    )
    assert not (tmp_path / "a.json").exists()
    run = cli("assess", path, "--as-of", AS_OF, "--assessor", "x" * 201)
    assert run.code == 2 and "a name of 1 to 200 characters" in run.err


def test_a_conformance_statement_never_overwrites_its_solution(tmp_path, cli) -> None:
    path = _json_solution(tmp_path)
    before = path.read_bytes()
    run = cli("controls", "--statement", "etsi-en-303-645", path, "-o", path)
    assert run.code == 2 and "is an input of this run" in run.err
    assert path.read_bytes() == before
