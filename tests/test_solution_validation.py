"""Solution files: every mistake is refused with file:line:column, field path and a hint (exit 2)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers import MINIMAL_SOLUTION_YAML, findings_for, minimal_solution, only_finding, rule_dict

AS_OF = "2026-12-01"


def problems(run) -> list[str]:
    """The problem lines printed on stderr, without the heading."""
    lines = run.err.splitlines()
    assert lines[0].startswith("compliance: ") and "problem(s) in the input" in lines[0], run.err
    return [line.strip() for line in lines[1:]]


def assess_text(text: str, write_solution, cli, *extra: str):
    path = write_solution(text)
    return path, cli("assess", path, "--as-of", AS_OF, *extra)


def test_minimal_solution_is_valid(write_solution, cli) -> None:
    _, run = assess_text(MINIMAL_SOLUTION_YAML, write_solution, cli)

    assert run.code == 0, run.err
    assert run.err == ""


# ---------------------------------------------------------------------------------------------
# Unknown names, with did-you-mean


def test_misspelt_field_is_refused_with_did_you_mean_and_position(write_solution, cli) -> None:
    path, run = assess_text(
        MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retension: P1Y"), write_solution, cli
    )

    assert run.code == 2
    assert problems(run) == [
        f"{path}:21:5: flows[0].retension: unknown field 'retension' (did you mean 'retention'?)"
    ]


def test_unknown_top_level_field_is_refused_with_did_you_mean(write_solution, cli) -> None:
    path, run = assess_text(MINIMAL_SOLUTION_YAML + "safegaurds: []\n", write_solution, cli)

    assert run.code == 2
    assert problems(run) == [
        f"{path}:22:1: safegaurds: unknown field 'safegaurds' (did you mean 'safeguards'?)"
    ]


def test_unknown_data_category_is_refused_with_did_you_mean(write_solution, cli) -> None:
    path, run = assess_text(
        MINIMAL_SOLUTION_YAML.replace("user.location.trace", "user.location.trase"), write_solution, cli
    )

    assert run.code == 2
    assert problems(run) == [
        f"{path}:20:23: flows[0].data_categories[0]: unknown data category 'user.location.trase' "
        "(did you mean 'user.location.trace'?)"
    ]


def test_unknown_safeguard_is_refused_with_did_you_mean(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML + "safeguards:\n  - {control: mfaa, status: implemented}\n"
    path, run = assess_text(text, write_solution, cli)

    assert run.code == 2
    assert problems(run) == [
        f"{path}:23:6: safeguards[0].control: unknown safeguard 'mfaa' (did you mean 'mfa'?)"
    ]


def test_lower_case_country_code_is_refused_with_the_upper_case_hint(write_solution, cli) -> None:
    path, run = assess_text(MINIMAL_SOLUTION_YAML.replace("country: DK", "country: dk"), write_solution, cli)

    assert run.code == 2
    assert problems(run) == [
        f"{path}:11:5: parties[0].country: unknown country code 'dk' (ISO 3166-1 alpha-2) "
        "(did you mean 'DK'?)"
    ]


def test_three_letter_country_code_is_refused(write_solution, cli) -> None:
    path, run = assess_text(MINIMAL_SOLUTION_YAML.replace("country: DK", "country: DKK"), write_solution, cli)

    assert run.code == 2
    (problem,) = problems(run)
    assert problem.startswith(f"{path}:11:5: parties[0].country: unknown country code 'DKK'")
    assert "ISO 3166-1 alpha-2" in problem


def test_bad_enum_value_lists_the_choices_and_suggests_one(write_solution, cli) -> None:
    path, run = assess_text(
        MINIMAL_SOLUTION_YAML.replace("kind: database", "kind: databse"), write_solution, cli
    )

    assert run.code == 2
    (problem,) = problems(run)
    assert problem.startswith(f"{path}:14:41: systems[1].kind: 'databse' is not allowed; expected ")
    assert "'cloud_service'" in problem
    assert problem.endswith("(did you mean 'database'?)")


def test_jurisdiction_in_the_wrong_case_is_refused_with_a_hint(write_solution, cli) -> None:
    path, run = assess_text(
        MINIMAL_SOLUTION_YAML.replace("jurisdiction: DK", "jurisdiction: dk"), write_solution, cli
    )

    assert run.code == 2
    (problem,) = problems(run)
    assert problem.startswith(f"{path}:4:1: jurisdiction: 'dk' is not allowed")
    assert problem.endswith("(did you mean 'DK'?)")


def test_retention_that_is_not_an_iso_duration_is_refused(write_solution, cli) -> None:
    path, run = assess_text(
        MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retention: 1 year"), write_solution, cli
    )

    assert run.code == 2
    assert problems(run) == [f"{path}:21:5: flows[0].retention: not an ISO 8601 duration: '1 year'"]


def test_missing_required_field_is_named(write_solution, cli) -> None:
    path, run = assess_text(MINIMAL_SOLUTION_YAML.replace("jurisdiction: DK\n", ""), write_solution, cli)

    assert run.code == 2
    assert problems(run) == [f"{path}:1:1: jurisdiction: required field is missing"]


def test_every_problem_is_reported_not_only_the_first(write_solution, cli) -> None:
    text = (
        MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retension: P1Y")
        .replace("kind: device", "kind: devise")
        .replace("country: DK", "country: dk")
    )
    _, run = assess_text(text, write_solution, cli)

    assert run.code == 2
    assert run.err.startswith("compliance: 3 problem(s) in the input:")


# ---------------------------------------------------------------------------------------------
# References and uniqueness


def test_dangling_flow_source_is_refused_with_did_you_mean_on_its_line(write_solution, cli) -> None:
    path, run = assess_text(
        MINIMAL_SOLUTION_YAML.replace("source: sensor", "source: sensr"), write_solution, cli
    )

    assert run.code == 2
    assert problems(run) == [f"{path}:18:5: flows[0].source: 'sensr' is not defined (did you mean 'sensor'?)"]


def test_controller_naming_an_undefined_party_is_refused(write_solution, cli) -> None:
    path, run = assess_text(MINIMAL_SOLUTION_YAML.replace("party: city", "party: town"), write_solution, cli)

    assert run.code == 2
    assert problems(run) == [f"{path}:6:3: controller.party: 'town' is not defined"]


def test_duplicate_flow_id_is_refused_at_the_second_flow(write_solution, cli) -> None:
    second_flow = "  - id: readings\n    name: Copy\n    source: sensor\n    destination: platform\n"
    path, run = assess_text(MINIMAL_SOLUTION_YAML + second_flow, write_solution, cli)

    assert run.code == 2
    assert problems(run) == [f"{path}:22:5: flows[1].id: 'readings' is used twice"]


def test_id_shared_by_a_party_and_a_system_is_refused(write_solution, cli) -> None:
    data = minimal_solution()
    data["systems"][0]["id"] = "city"
    data["flows"][0]["source"] = "city"
    path = write_solution(data)

    run = cli("assess", path)

    assert run.code == 2
    assert "ids used by both a party and a system: city" in run.err


def test_safeguard_declared_twice_is_refused(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML + (
        "safeguards:\n  - {control: mfa, status: implemented}\n  - {control: mfa, status: partial}\n"
    )
    path, run = assess_text(text, write_solution, cli)

    assert run.code == 2
    assert problems(run) == [f"{path}:24:5: safeguards[1]: 'mfa' is declared twice"]


# ---------------------------------------------------------------------------------------------
# Cross-field rules


def test_dpia_done_without_completion_date_is_refused(write_solution, cli) -> None:
    path, run = assess_text(MINIMAL_SOLUTION_YAML + "dpia:\n  status: done\n", write_solution, cli)

    assert run.code == 2
    assert problems(run) == [f"{path}:22:1: dpia: a DPIA with status 'done' needs 'completed_on' (its date)"]


def test_dpia_done_with_completion_date_is_accepted(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML + "dpia:\n  status: done\n  completed_on: 2026-03-01\n"
    _, run = assess_text(text, write_solution, cli)

    assert run.code == 0, run.err


def test_sub_processor_terms_contradicting_their_own_deadline_are_refused(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML.replace(
        "systems:\n",
        "  - id: cloud\n"
        "    name: Cloud Ltd\n"
        "    roles: [sub_processor]\n"
        "    country: DK\n"
        "    contract: {in_place: true, breach_notification_hours: 120, breach_notice_without_undue_delay: true}\n"
        "systems:\n",
    )
    path, run = assess_text(text, write_solution, cli)

    assert run.code == 2
    [problem] = problems(run)
    assert problem.startswith(f"{path}:")
    assert "parties[1].contract" in problem
    assert "allows 120 hours" in problem


def test_invalid_calendar_date_is_refused(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML + "dpia:\n  status: done\n  completed_on: 2026-02-30\n"
    path, run = assess_text(text, write_solution, cli)

    assert run.code == 2
    assert f"{path}:24:3: dpia.completed_on:" in run.err


def test_sources_keyed_by_a_non_field_are_refused_with_did_you_mean(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML + "    sources:\n      retension: {kind: document}\n"
    path, run = assess_text(text, write_solution, cli)

    assert run.code == 2
    assert problems(run) == [
        f"{path}:22:5: flows[0].sources: 'retension' is not a field of this object "
        "(did you mean 'retention'?)"
    ]


def test_sources_keyed_by_a_field_or_star_are_accepted(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML + (
        "    sources:\n"
        "      '*': {kind: supplier_declaration}\n"
        "      retention: {kind: document, reference: DPA annex 2, checked_on: 2026-01-01}\n"
    )
    _, run = assess_text(text, write_solution, cli)

    assert run.code == 0, run.err


def test_negative_number_of_subjects_is_refused(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML + "    scale: {subjects: -1}\n"
    path, run = assess_text(text, write_solution, cli)

    assert run.code == 2
    assert f"{path}:22:13: flows[0].scale.subjects:" in run.err


def test_string_where_a_boolean_is_expected_is_refused(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML + "    profiling: 'yes'\n"
    path, run = assess_text(text, write_solution, cli)

    assert run.code == 2
    assert f"{path}:22:5: flows[0].profiling:" in run.err


# ---------------------------------------------------------------------------------------------
# Evidence paths


def with_evidence(path_text: str) -> str:
    return MINIMAL_SOLUTION_YAML + f"evidence:\n  code: ['{path_text}']\n"


def test_absolute_evidence_path_is_refused(write_solution, cli) -> None:
    path, run = assess_text(with_evidence("/etc/passwd"), write_solution, cli)

    assert run.code == 2
    assert "'/etc/passwd' is an absolute path" in run.err
    assert f"{path}:23:10: evidence.code[0]:" in run.err


def test_absolute_evidence_path_is_one_problem_with_its_whole_message(write_solution, cli) -> None:
    path, run = assess_text(with_evidence("/etc/passwd"), write_solution, cli)

    assert problems(run) == [
        f"{path}:23:10: evidence.code[0]: '/etc/passwd' is an absolute path; "
        "evidence paths are relative to the solution file"
    ]


def test_windows_drive_evidence_path_is_refused(write_solution, cli) -> None:
    _, run = assess_text(with_evidence("C:\\\\secrets.txt"), write_solution, cli)

    assert run.code == 2
    assert "is an absolute path" in run.err


@pytest.mark.parametrize("rel", ["../outside.txt", "src/../../outside.txt", "..\\\\outside.txt"])
def test_evidence_path_climbing_out_with_dotdot_is_refused(rel: str, write_solution, cli) -> None:
    path, run = assess_text(with_evidence(rel), write_solution, cli)

    assert run.code == 2
    assert "('..' is not allowed)" in run.err
    assert f"{path}:23:10: evidence.code[0]:" in run.err


def test_evidence_symlink_leading_out_of_the_folder_is_refused(tmp_path: Path, write_solution, cli) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "link.txt").symlink_to(outside / "secret.txt")
    path = write_solution(with_evidence("link.txt"), name="project/solution.yaml")

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 2
    assert problems(run) == [
        f"{path}:23:10: evidence.code[0]: 'link.txt' leads outside the solution's folder (symlink)"
    ]


def test_evidence_symlinked_folder_leading_out_is_refused(tmp_path: Path, write_solution, cli) -> None:
    outside = tmp_path / "outside"
    (outside / "src").mkdir(parents=True)
    (outside / "src" / "app.py").write_text("print()\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "src").symlink_to(outside / "src")
    path = write_solution(with_evidence("src/app.py"), name="project/solution.yaml")

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 2
    assert "leads outside the solution's folder" in run.err


def test_missing_evidence_file_is_refused(write_solution, cli) -> None:
    path, run = assess_text(with_evidence("requirements.txt"), write_solution, cli)

    assert run.code == 2
    assert problems(run) == [f"{path}:23:10: evidence.code[0]: 'requirements.txt' does not exist"]


def test_evidence_inside_the_folder_is_accepted_and_hashed(tmp_path: Path, write_solution, cli) -> None:
    (tmp_path / "src").mkdir()
    content = b"flask==3.0.0\n"
    (tmp_path / "src" / "requirements.txt").write_bytes(content)
    text = MINIMAL_SOLUTION_YAML + "evidence:\n  dependencies: [src/requirements.txt]\n"
    path = write_solution(text)

    run = cli("assess", path, "--as-of", AS_OF, "--format", "json")

    assert run.code == 0, run.err
    inputs = run.json()["inputs"]
    evidence = [i for i in inputs if i["role"] == "evidence:dependencies"]
    assert evidence == [
        {
            "path": str(path.parent / "src/requirements.txt"),
            "sha256": hashlib.sha256(content).hexdigest(),
            "role": "evidence:dependencies",
        }
    ]


# ---------------------------------------------------------------------------------------------
# A fact left out is unknown


def test_fact_left_out_makes_its_rule_unknown_and_names_the_fact(write_solution, write_pack, cli) -> None:
    data = minimal_solution()
    del data["flows"][0]["retention"]
    path = write_solution(data)
    packs = write_pack(rule_dict("TEST-RETENTION-SET"))

    run = cli("assess", path, "--rules", packs, "--as-of", AS_OF, "--format", "json")

    assert run.code == 0, run.err
    finding = only_finding(run.json(), "TEST-RETENTION-SET")
    assert finding["status"] == "unknown"
    assert "flow.retention_days" in finding["explanation"]
    assert finding["explanation"].startswith("Unknown: facts needed to decide are missing")


def test_fact_given_as_false_is_not_unknown(write_solution, write_pack, cli) -> None:
    rule = rule_dict("TEST-NO-PROFILING", require={"fact": "flow.profiling", "equals": False}, cases=[])
    data = minimal_solution()
    packs = write_pack(rule)

    data["flows"][0]["profiling"] = False
    given = cli("assess", write_solution(data), "--rules", packs, "--as-of", AS_OF, "--format", "json")
    del data["flows"][0]["profiling"]
    left_out = cli(
        "assess", write_solution(data, "b.yaml"), "--rules", packs, "--as-of", AS_OF, "--format", "json"
    )

    assert only_finding(given.json(), "TEST-NO-PROFILING")["status"] == "pass"
    assert only_finding(left_out.json(), "TEST-NO-PROFILING")["status"] == "unknown"


def test_flow_rule_gives_one_finding_per_flow(write_solution, write_pack, cli) -> None:
    data = minimal_solution()
    second = dict(data["flows"][0], id="copy", name="Copy", retention="P3Y")
    data["flows"].append(second)
    packs = write_pack(rule_dict("TEST-RETENTION-SET"))

    run = cli("assess", write_solution(data), "--rules", packs, "--as-of", AS_OF, "--format", "json")

    found = {f["target"]["id"]: f["status"] for f in findings_for(run.json(), "TEST-RETENTION-SET")}
    assert found == {"readings": "pass", "copy": "fail"}


def _documented_fields(model: type, prefix: str = "") -> set[str]:
    """Every field name of a solution model and of the models nested in it."""
    import typing

    from pydantic import BaseModel

    names: set[str] = set()
    for name, info in model.model_fields.items():  # type: ignore[attr-defined]
        if name == "sources":
            continue
        names.add(name)
        for tp in typing.get_args(info.annotation) or (info.annotation,):
            for inner in typing.get_args(tp) or (tp,):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    names |= _documented_fields(inner)
    return names


def test_every_field_of_the_solution_model_is_documented() -> None:
    from compliance.core.models.solution import Solution

    doc = (Path(__file__).parent.parent / "docs" / "solution-format.md").read_text(encoding="utf-8")
    missing = sorted(name for name in _documented_fields(Solution) if f"`{name}`" not in doc)
    assert not missing, f"fields missing from docs/solution-format.md: {missing}"
