"""The command line: every command, exit codes, outputs written whole or not at all."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from helpers import REPO, minimal_solution, only_finding, rule_dict, run_subprocess
from jsonschema import Draft202012Validator

from compliance import __version__
from compliance.inputs.files import load_file

AS_OF = "2026-12-01"

ASSESSMENT_KEYS = {
    "solution",
    "as_of",
    "tool",
    "rule_packs",
    "inputs",
    "verdict",
    "score",
    "frameworks",
    "provisions",
    "flows",
    "findings",
    "dpia",
}


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------------------------
# assess


def test_assess_prints_a_text_summary(write_solution, cli) -> None:
    run = cli("assess", write_solution(), "--as-of", AS_OF)

    assert run.code == 0, run.err
    assert run.out.startswith("Assessment of Demo solution (demo), as of 1 December 2026\n")
    assert "Verdict: " in run.out
    assert "DPIA screening: required:" in run.out
    assert "All results:" in run.out


def test_assess_prints_json_with_every_section(write_solution, cli) -> None:
    path = write_solution()

    run = cli("assess", path, "--as-of", AS_OF, "--format", "json")

    assert run.code == 0, run.err
    result = run.json()
    assert set(result) >= ASSESSMENT_KEYS
    assert result["as_of"] == AS_OF
    assert result["tool"] == {"name": "compliance-engine", "version": __version__}
    assert result["solution"]["id"] == "demo"
    assert result["verdict"] in {"ready", "ready_with_conditions", "incomplete", "not_ready"}
    assert result["blocking"] is (result["verdict"] in {"incomplete", "not_ready"})
    assert isinstance(result["questions"], list)
    assert 0 <= result["score"] <= 100
    assert [f["id"] for f in result["flows"]] == ["readings"]
    assert {p["origin"] for p in result["rule_packs"]} == {"built-in"}
    assert all(len(p["sha256"]) == 64 for p in result["rule_packs"])
    assert set(result["dpia"]) >= {"required", "reasons", "criteria", "per_se", "national", "status"}


def test_assess_json_records_the_solution_files_sha256(write_solution, cli) -> None:
    path = write_solution()

    result = cli("assess", path, "--format", "json").json()

    assert {
        "path": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "role": "solution",
    } in result["inputs"]


def test_assess_is_deterministic_for_a_given_date(write_solution, write_pack, cli) -> None:
    path = write_solution()
    packs = write_pack(rule_dict("TEST-RETENTION-SET"))

    first = cli("assess", path, "--rules", packs, "--as-of", AS_OF, "--format", "json").json()
    second = cli("assess", path, "--rules", packs, "--as-of", AS_OF, "--format", "json").json()

    # Each run has an ID of its own (so outputs of different runs can be told apart); the rest,
    # results included, is the same.
    assert first.pop("run")["id"] != second.pop("run")["id"]
    assert first == second


def test_assess_defaults_to_today(write_solution, cli) -> None:
    from datetime import date

    result = cli("assess", write_solution(), "--format", "json").json()

    assert result["as_of"] == date.today().isoformat()


def test_assess_writes_json_and_text_outputs_into_a_new_nested_folder(
    tmp_path: Path, write_solution, cli
) -> None:
    json_out = tmp_path / "new" / "nested" / "assessment.json"
    text_out = tmp_path / "other" / "summary.txt"

    run = cli("assess", write_solution(), "--as-of", AS_OF, "-o", json_out, "--output", text_out)

    assert run.code == 0, run.err
    assert json.loads(json_out.read_text(encoding="utf-8"))["as_of"] == AS_OF
    assert text_out.read_text(encoding="utf-8") == run.out
    assert folder_listing(json_out.parent) == ["assessment.json"]
    assert folder_listing(text_out.parent) == ["summary.txt"]


def test_assess_output_overwrites_an_earlier_output_on_success(tmp_path: Path, write_solution, cli) -> None:
    output = tmp_path / "assessment.json"
    output.write_text("earlier\n", encoding="utf-8")

    run = cli("assess", write_solution(), "--as-of", AS_OF, "-o", output)

    assert run.code == 0, run.err
    assert json.loads(output.read_text(encoding="utf-8"))["as_of"] == AS_OF


def test_assess_output_of_an_unsupported_type_is_a_usage_error(tmp_path: Path, write_solution, cli) -> None:
    run = cli("assess", write_solution(), "-o", tmp_path / "report.html")

    assert run.code == 2
    assert (
        "unsupported output type '.html' (use .json, .sarif, .pdf, .docx, .xlsx, .oscal.json or .txt)"
        in run.err
    )
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(lambda d: d["flows"][0].update(retension="P1Y"), id="misspelt-field"),
        pytest.param(lambda d: d["flows"][0].update(source="nowhere"), id="dangling-reference"),
        pytest.param(lambda d: d.update(jurisdiction="dk"), id="bad-enum"),
    ],
)
def test_failed_run_never_overwrites_an_existing_output(
    tmp_path: Path, write_solution, cli, breakage
) -> None:
    data = minimal_solution()
    breakage(data)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    output = out_dir / "assessment.json"
    output.write_text('{"earlier": true}\n', encoding="utf-8")

    run = cli("assess", write_solution(data), "--output", output, "--output", out_dir / "summary.txt")

    assert run.code == 2
    assert output.read_text(encoding="utf-8") == '{"earlier": true}\n'
    assert folder_listing(out_dir) == ["assessment.json"]


def test_failed_run_with_a_broken_rule_pack_never_overwrites_an_existing_output(
    tmp_path: Path, write_solution, write_pack, cli
) -> None:
    output = tmp_path / "assessment.json"
    output.write_text("earlier\n", encoding="utf-8")
    broken = write_pack(rule_dict("TEST-BROKEN", require={"fact": "flow.nope", "equals": True}))

    run = cli("assess", write_solution(), "--rules", broken, "--output", output)

    assert run.code == 2
    assert output.read_text(encoding="utf-8") == "earlier\n"


def test_output_that_cannot_be_written_leaves_earlier_outputs_untouched(
    tmp_path: Path, write_solution, cli
) -> None:
    earlier = tmp_path / "assessment.json"
    earlier.write_text("earlier\n", encoding="utf-8")
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where a folder is needed\n", encoding="utf-8")

    run = cli("assess", write_solution(), "-o", earlier, "-o", blocker / "summary.txt")

    assert run.code == 2
    assert "cannot write" in run.err
    assert "Traceback" not in run.err
    assert earlier.read_text(encoding="utf-8") == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_output_into_an_existing_directory_path_is_refused_without_traceback(
    tmp_path: Path, write_solution, cli
) -> None:
    target = tmp_path / "assessment.json"
    target.mkdir()

    run = cli("assess", write_solution(), "-o", target)

    assert run.code == 2
    assert f"{target}: is a folder" in run.err
    assert folder_listing(tmp_path) == ["assessment.json", "solution.yaml"]


# ---------------------------------------------------------------------------------------------
# rules list, lint, test; explain


def test_rules_list_prints_one_line_per_rule_and_a_total(cli) -> None:
    run = cli("rules", "list")

    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[-1].endswith(" packs")
    count = int(lines[-1].split()[0])
    assert count >= 1
    assert len(lines) == count + 1


def test_rules_list_json_has_every_column(cli) -> None:
    rows = cli("rules", "list", "--format", "json").json()

    assert rows
    for row in rows:
        assert set(row) == {
            "id",
            "title",
            "framework",
            "citation",
            "scope",
            "severity",
            "pack",
            "pack_version",
        }


def test_built_in_packs_lint_clean(cli) -> None:
    run = cli("rules", "lint")

    assert run.code == 0, run.out
    assert "all load, every outcome has a case" in run.out


def test_built_in_rule_cases_all_pass(cli) -> None:
    run = cli("rules", "test")

    assert run.code == 0, run.out
    assert run.out.rstrip().endswith(", 0 failed")


def test_explain_shows_a_rule(write_pack, cli) -> None:
    rule = rule_dict("TEST-RETENTION-SET", effective_from="2027-01-01", references=["GDPR Recital 39"])
    rule["cases"].append(
        {"name": "before", "expect": "pending", "as_of": "2026-06-01", "given": {"flow": {}}}
    )

    run = cli("explain", "TEST-RETENTION-SET", "--rules", write_pack(rule))

    assert run.code == 0, run.err
    assert run.out.startswith("TEST-RETENTION-SET: Retention is at most a year\n")
    for text in (
        'Provision:  GDPR Art. 5(1)(e), in Art. 5 "Principles relating to processing of personal data" (GDPR)',
        "Pack:       test-pack 1.0.0, law as of 2026-01-01",
        "Scope:      evaluated once per flow",
        "Severity:   high (weight 1)",
        "Applies when: flow.personal_data is true",
        "Requires:   flow.retention_days ≤ 365",
        "Applies from: 2027-01-01 (pending before)",
        "  - GDPR Recital 39",
        "  pending         before",
    ):
        assert text in run.out


def test_explain_works_for_every_built_in_rule(cli) -> None:
    for row in cli("rules", "list", "--format", "json").json():
        run = cli("explain", row["id"])
        assert run.code == 0, run.err
        assert run.out.startswith(f"{row['id']}: ")


def test_explain_an_unknown_rule_suggests_the_closest_and_exits_2(write_pack, cli) -> None:
    run = cli("explain", "TEST-RETENTION-SETT", "--rules", write_pack(rule_dict("TEST-RETENTION-SET")))

    assert run.code == 2
    assert run.err == "compliance: no rule 'TEST-RETENTION-SETT' (did you mean 'TEST-RETENTION-SET'?)\n"
    assert run.out == ""


# ---------------------------------------------------------------------------------------------
# schema and init


def test_schema_is_a_valid_json_schema(cli) -> None:
    run = cli("schema")

    assert run.code == 0, run.err
    schema = run.json()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"id", "name", "jurisdiction", "controller", "parties"} <= set(schema["required"])


def test_schema_accepts_the_minimal_solution_and_rejects_an_unknown_field(cli) -> None:
    validator = Draft202012Validator(cli("schema").json())
    data = minimal_solution()

    assert list(validator.iter_errors(data)) == []
    data["flows"][0]["retension"] = "P1Y"
    assert list(validator.iter_errors(data)) != []


def test_schema_accepts_the_starter_solution(cli) -> None:
    validator = Draft202012Validator(cli("schema").json())
    starter = load_file(REPO / "compliance" / "starter_solution.yaml").data

    assert [e.message for e in validator.iter_errors(starter)] == []


def test_init_writes_a_starter_that_assesses(tmp_path: Path, cli) -> None:
    path = tmp_path / "new" / "solution.yaml"

    run = cli("init", path)

    assert run.code == 0, run.err
    assert run.out == f"wrote {path}: fill it in, then run `compliance assess {path}`\n"
    assessed = cli("assess", path, "--as-of", AS_OF)
    assert assessed.code == 0, assessed.err
    assert folder_listing(path.parent) == ["solution.yaml"]


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, cli) -> None:
    path = tmp_path / "solution.yaml"
    path.write_text("mine\n", encoding="utf-8")

    refused = cli("init", path)

    assert refused.code == 2
    assert f"{path}: already exists; choose another path or pass --force" in refused.err
    assert path.read_text(encoding="utf-8") == "mine\n"

    forced = cli("init", path, "--force")

    assert forced.code == 0, forced.err
    assert path.read_text(encoding="utf-8").startswith("# A solution description for compliance-engine.")


def test_init_defaults_to_solution_yaml_in_the_current_folder(tmp_path: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    run = cli("init")

    assert run.code == 0, run.err
    assert (tmp_path / "solution.yaml").is_file()


# ---------------------------------------------------------------------------------------------
# Usage errors


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["assess"],
        ["assess", "x.yaml", "--format", "xml"],
        ["assess", "x.yaml", "--as-of", "01/12/2026"],
        ["assess", "x.yaml", "--as-of", "2026-02-30"],
        ["rules"],
        ["rules", "list", "--format", "csv"],
        ["explain"],
        ["schema", "extra"],
        ["assess", "x.yaml", "--no-such-option"],
    ],
    ids=lambda argv: " ".join(argv) or "no-arguments",
)
def test_usage_error_exits_2_with_usage_and_no_traceback(argv: list[str], cli) -> None:
    run = cli(*argv)

    assert run.code == 2
    assert run.err.startswith("compliance: ")
    assert "usage:" in run.err
    assert "Traceback" not in run.err
    assert run.out == ""


# ---------------------------------------------------------------------------------------------
# As a real process


def test_version_is_printed_by_the_installed_command() -> None:
    run = run_subprocess(["--version"])

    assert run.code == 0
    assert run.out.strip() == f"compliance-engine {__version__}"


def test_installed_script_assesses_a_solution(write_solution, write_pack) -> None:
    script = REPO / ".venv" / "bin" / "compliance"
    if not script.exists():
        pytest.skip("no installed console script in .venv")
    import subprocess

    proc = subprocess.run(
        [str(script), "assess", str(write_solution()), "--as-of", AS_OF, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["as_of"] == AS_OF


def test_process_exit_codes_are_0_1_and_2_without_tracebacks(
    tmp_path: Path, write_solution, write_pack
) -> None:
    good = write_solution()
    data = minimal_solution()
    data["flows"][0]["retention"] = "P2Y"
    failing = write_solution(data, name="failing.yaml")
    packs = write_pack(rule_dict("TEST-RETENTION-SET"))
    data["flows"][0]["retension"] = data["flows"][0].pop("retention")
    broken = write_solution(data, name="broken.yaml")

    ok = run_subprocess(["assess", good, "--as-of", AS_OF])
    below = run_subprocess(["assess", failing, "--rules", packs, "--fail-under", "100"])
    bad = run_subprocess(["assess", broken])
    usage = run_subprocess(["assess", good, "--format", "xml"])
    missing = run_subprocess(["assess", tmp_path / "missing.yaml"])

    assert (ok.code, below.code, bad.code, usage.code, missing.code) == (0, 1, 2, 2, 2)
    for run in (ok, below, bad, usage, missing):
        assert "Traceback" not in run.err
    assert "unknown field 'retension' (did you mean 'retention'?)" in bad.err


def test_process_output_piped_into_a_closed_reader_does_not_crash(write_solution) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        f"'{sys.executable}' -m compliance.cli schema | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert "Traceback" not in proc.stderr


def test_user_pack_findings_appear_in_json_output(write_solution, write_pack) -> None:
    run = run_subprocess(
        [
            "assess",
            write_solution(),
            "--rules",
            write_pack(rule_dict("TEST-RETENTION-SET")),
            "--format",
            "json",
        ]
    )

    assert run.code == 0, run.err
    assert only_finding(run.json(), "TEST-RETENTION-SET")["status"] == "pass"


def test_committed_rule_reference_matches_the_packs() -> None:
    from pathlib import Path

    from compliance.inputs.loader import load_packs
    from compliance.outputs.ruledocs import render_markdown

    committed = Path(__file__).parent.parent.joinpath("docs", "rules.md").read_text(encoding="utf-8")
    assert committed == render_markdown(load_packs()), "run `compliance rules docs -o docs/rules.md`"


def test_written_outputs_get_the_usual_file_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    from compliance.cli import write_atomically

    target = tmp_path / "out.json"
    write_atomically(target, "{}")

    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
