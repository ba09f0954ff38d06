"""Versioned solution files: `schema_version`, the loader's word on old and newer files, and
`compliance upgrade`, which rewrites a file for the current version keeping comments and layout.

Version 1 is current and no step exists yet, so the steps here are synthetic: each test that needs
one raises the current version to 2 and registers its step with monkeypatch, then runs the real
CLI and the real loader on real files.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import MINIMAL_SOLUTION_YAML, REPO

from compliance.core.errors import SolutionError
from compliance.core.models import solution as solution_model
from compliance.core.recompute import Recomputed, recompute
from compliance.core.yamlio import load_text
from compliance.inputs import upgrade
from compliance.inputs.loader import load_packs, load_solution

AS_OF = "2026-12-01"
EXAMPLES = sorted((REPO / "examples").glob("*/solution.yaml"))


def without_version(text: str) -> str:
    """A file as it was before solution files had a version: the `schema_version` line removed."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("schema_version:"))


def added_and_removed(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines a unified diff adds and removes."""
    import difflib

    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    added = [d[1:] for d in diff if d.startswith("+") and not d.startswith("+++")]
    removed = [d[1:] for d in diff if d.startswith("-") and not d.startswith("---")]
    return added, removed


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------------------------
# Synthetic steps from version 1 to version 2


def _rename_keep_for(doc: Any, edits: upgrade.Edits) -> None:
    upgrade.rename(doc, "flows[].keep_for", "retention", edits)


RENAME_KEEP_FOR = upgrade.Step(
    version=1,
    description="a flow's 'keep_for' is called 'retention'",
    apply=_rename_keep_for,
    replaces={"flows[].keep_for": "flows[].retention"},
)


def _indefinite_retentions(data: Any) -> list[tuple[str | int, ...]]:
    return [p for p in upgrade.find(data, "flows[].retention") if upgrade.value_at(data, p) == "indefinite"]


def _leave_indefinite_for_a_decision(doc: Any, edits: upgrade.Edits) -> None:
    for path in _indefinite_retentions(doc):
        edits.undecided(
            path, "version 2 reads 'indefinite' as 'until deleted by hand': keep it or give a period"
        )


def _check_indefinite(data: Mapping[str, Any]) -> list[upgrade.Obstacle]:
    return [
        upgrade.Obstacle(path, "version 2 of the solution format reads 'indefinite' otherwise")
        for path in _indefinite_retentions(data)
    ]


INDEFINITE_CHANGES_MEANING = upgrade.Step(
    version=1,
    description="'indefinite' retention means 'until deleted by hand'",
    apply=_leave_indefinite_for_a_decision,
    check=_check_indefinite,
)


@pytest.fixture
def version_2(monkeypatch: pytest.MonkeyPatch) -> Callable[[upgrade.Step], None]:
    """Make version 2 current, reached from version 1 by the given step."""

    def use(step: upgrade.Step) -> None:
        monkeypatch.setattr(solution_model, "CURRENT_SCHEMA_VERSION", 2)
        monkeypatch.setattr(upgrade, "STEPS", (step,))

    return use


# A version-1 file whose flows give their retention under the old name, with comments on, above
# and below it, and one flow in flow style.
OLD_KEEP_FOR = textwrap.dedent(
    """\
    # A version 1 solution file.
    id: demo
    name: Demo solution
    jurisdiction: DK
    controller:
      party: city
    parties:
      - id: city
        name: City of Example
        roles: [controller]
        country: DK
    systems:
      - {id: sensor, name: Street sensor, kind: device, operator: city}
      - {id: platform, name: Data platform, kind: database, operator: city}
    flows:
      - id: readings
        name: Sensor readings
        source: sensor
        destination: platform
        data_categories: [user.location.trace]
        # agreed with the city archive in 2025
        keep_for: P1Y     # case 2025-0142
        # the purposes are still open
      - {id: status, name: Status, source: sensor, destination: platform, keep_for: "P30D"}
    """
)


# ---------------------------------------------------------------------------------------------
# schema_version


def test_every_example_and_the_starter_declare_the_current_version() -> None:
    starter = REPO / "compliance" / "starter_solution.yaml"
    for path in [*EXAMPLES, starter]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["schema_version"] == solution_model.CURRENT_SCHEMA_VERSION, path
        assert next(iter(data)) == "schema_version", f"{path}: schema_version comes first"


def test_a_file_without_a_version_is_read_as_version_1(write_solution) -> None:
    loaded = load_solution(write_solution(MINIMAL_SOLUTION_YAML))

    assert loaded.solution.schema_version == 1


def test_the_registry_has_one_step_for_every_version_below_the_current_one() -> None:
    versions = [step.version for step in upgrade.STEPS]

    assert sorted(versions) == list(range(1, solution_model.CURRENT_SCHEMA_VERSION))
    assert [s.version for s in upgrade.steps_from(1)] == versions


def test_a_version_without_its_step_is_a_bug_not_a_skipped_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solution_model, "CURRENT_SCHEMA_VERSION", 3)
    monkeypatch.setattr(upgrade, "STEPS", (RENAME_KEEP_FOR,))

    with pytest.raises(AssertionError, match="no upgrade step from version 2 to 3"):
        upgrade.steps_from(1)


def test_the_schema_declares_the_version_field_up_to_the_current_version(cli) -> None:
    run = cli("schema")

    assert run.code == 0, run.err
    field = run.json()["properties"]["schema_version"]
    assert (field["type"], field["minimum"], field["maximum"], field["default"]) == (
        "integer",
        1,
        solution_model.CURRENT_SCHEMA_VERSION,
        1,
    )


def test_the_version_is_not_a_fact_that_rules_or_sources_can_name(write_solution, cli) -> None:
    from compliance.core.facts import registry

    assert not [path for path in registry() if "schema_version" in path]
    path = write_solution(MINIMAL_SOLUTION_YAML + "sources:\n  schema_version: {kind: document}\n")
    run = cli("assess", path)

    assert run.code == 2
    assert "sources: 'schema_version' is not a field of this object" in run.err


@pytest.mark.parametrize("value", ["0", '"1"', "true", "1.5", "null"])
def test_a_version_that_is_not_a_whole_number_from_1_is_refused(value: str, write_solution, cli) -> None:
    path = write_solution(f"schema_version: {value}\n" + MINIMAL_SOLUTION_YAML)

    for argv in (("assess", path), ("upgrade", path)):
        run = cli(*argv)
        assert run.code == 2, run.err
        assert f"{path}:1:1: schema_version: " in run.err
        assert "is not a version of the solution format: write a whole number from 1 to 1" in run.err


def test_a_file_written_for_a_newer_version_is_refused_and_left_alone(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML.replace("id: demo\n", "id: demo\nschema_version: 3\n")
    path = write_solution(text)

    upgraded = cli("upgrade", path)
    assessed = cli("assess", path)

    message = (
        f"{path}:2:1: schema_version: written for version 3 of the solution format; this "
        "compliance-engine reads up to 1: upgrade compliance-engine"
    )
    assert (upgraded.code, assessed.code) == (2, 2)
    assert message in upgraded.err
    assert message in assessed.err
    assert path.read_text(encoding="utf-8") == text
    assert files_in(path.parent) == ["solution.yaml"]


# ---------------------------------------------------------------------------------------------
# Upgrading the examples as files of before solution files had a version


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_an_example_without_its_version_upgrades_to_the_example_itself(
    example: Path, tmp_path: Path, cli
) -> None:
    original = example.read_text(encoding="utf-8")
    old = tmp_path / "solution.yaml"
    old.write_text(without_version(original), encoding="utf-8")

    run = cli("upgrade", old)

    assert run.code == 0, run.err
    upgraded = old.read_text(encoding="utf-8")
    added, removed = added_and_removed(without_version(original), upgraded)
    assert (added, removed) == (["schema_version: 1"], [])
    assert upgraded == original  # every comment, blank line, quote and indent as it was
    (line,) = [n for n, text in enumerate(upgraded.splitlines(), 1) if text == "schema_version: 1"]
    assert f"{old}:{line}:1: schema_version: set to 1 (left out, which means version 1)\n" in run.err
    assert f"compliance: upgraded {old} to version 1\n" in run.err


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_an_upgraded_example_assesses_to_the_same_results_as_the_original(
    example: Path, tmp_path: Path, cli
) -> None:
    old = tmp_path / "solution.yaml"
    old.write_text(without_version(example.read_text(encoding="utf-8")), encoding="utf-8")
    assert cli("upgrade", old).code == 0

    before = cli("assess", example, "--as-of", AS_OF, "--format", "json", "--no-scan")
    after = cli("assess", old, "--as-of", AS_OF, "--format", "json", "--no-scan")

    assert (before.code, after.code) == (0, 0), before.err + after.err
    mine, theirs = after.json(), before.json()
    assert mine.pop("inputs")[0]["sha256"] == theirs.pop("inputs")[0]["sha256"]
    assert mine == theirs


def test_upgrading_twice_changes_nothing_the_second_time(tmp_path: Path, cli) -> None:
    path = tmp_path / "solution.yaml"
    path.write_text(without_version(EXAMPLES[0].read_text(encoding="utf-8")), encoding="utf-8")
    assert cli("upgrade", path).code == 0
    once = path.read_bytes()
    stamp = path.stat().st_mtime_ns

    again = cli("upgrade", path)

    assert again.code == 0, again.err
    assert again.err == f"compliance: {path}: already at version 1\n"
    assert path.read_bytes() == once
    assert path.stat().st_mtime_ns == stamp


def test_an_old_json_file_is_upgraded_as_json_with_its_key_order(tmp_path: Path, cli) -> None:
    data = load_text(without_version(EXAMPLES[0].read_text(encoding="utf-8")), "example").data
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=4, ensure_ascii=False), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps({"schema_version": 1, **data}, indent=2, ensure_ascii=False) + "\n"
    assert list(json.loads(text)) == ["schema_version", *data]
    assert load_solution(path).solution.schema_version == 1


# ---------------------------------------------------------------------------------------------
# Layout kept


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(MINIMAL_SOLUTION_YAML, id="two-space-mappings-indented-sequences"),
        pytest.param(
            MINIMAL_SOLUTION_YAML.replace("\n  - ", "\n- ").replace("\n    ", "\n  "), id="flush-dashes"
        ),
        pytest.param(
            MINIMAL_SOLUTION_YAML.replace("\n  ", "\n    "),
            id="four-space-mappings",
        ),
        pytest.param(
            "---\n# a comment\n"
            + MINIMAL_SOLUTION_YAML.replace("jurisdiction: DK", "jurisdiction: 'DK'")
            + "description: null\nsupplier: null   # none yet\n",
            id="document-start-quotes-and-nulls",
        ),
    ],
)
def test_a_file_keeps_its_own_layout_when_upgraded(text: str, write_solution, cli) -> None:
    path = write_solution(text)
    assert load_solution(path)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    added, removed = added_and_removed(text, path.read_text(encoding="utf-8"))
    assert (added, removed) == (["schema_version: 1"], [])
    assert "laid out anew" not in run.err


def test_a_layout_the_yaml_writer_cannot_keep_is_said_to_be_laid_out_anew(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML + "description: ~\nsupplier: null\n"  # two words for null
    path = write_solution(text)

    run = cli("upgrade", path, "--diff")

    assert run.code == 0, run.err
    assert "compliance: 1 other line(s) are laid out anew by the YAML writer (see --diff)" in run.err
    assert "-supplier: null\n+supplier: ~\n" in run.out


def test_windows_line_endings_are_kept(tmp_path: Path, cli) -> None:
    path = tmp_path / "solution.yaml"
    path.write_bytes(MINIMAL_SOLUTION_YAML.replace("\n", "\r\n").encode())

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    assert path.read_bytes() == ("schema_version: 1\n" + MINIMAL_SOLUTION_YAML).replace("\n", "\r\n").encode()


def test_a_byte_order_mark_is_kept(tmp_path: Path, cli) -> None:
    path = tmp_path / "solution.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL_SOLUTION_YAML.encode())

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    assert path.read_bytes() == b"\xef\xbb\xbf" + ("schema_version: 1\n" + MINIMAL_SOLUTION_YAML).encode()


# ---------------------------------------------------------------------------------------------
# A step that renames a field


def test_the_loader_names_the_field_that_replaced_a_renamed_one_and_the_command(
    version_2, write_solution, cli
) -> None:
    version_2(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 2
    assert "unknown field" not in run.err
    command = f"run: compliance upgrade {path}"
    assert (
        f"{path}:22:5: flows[0].keep_for: version 2 of the solution format replaces this field with "
        f"flows[0].retention; {command}"
    ) in run.err
    assert (
        f"{path}:24:71: flows[1].keep_for: version 2 of the solution format replaces this field with flows[1].retention; {command}"
        in run.err
    )


def test_a_renamed_field_keeps_its_place_and_every_comment_on_and_around_it(
    version_2, write_solution, cli
) -> None:
    version_2(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    text = path.read_text(encoding="utf-8")
    added, removed = added_and_removed(OLD_KEEP_FOR, text)
    assert removed == [
        "    keep_for: P1Y     # case 2025-0142",
        '  - {id: status, name: Status, source: sensor, destination: platform, keep_for: "P30D"}',
    ]
    assert added == [
        "schema_version: 2",
        "    retention: P1Y    # case 2025-0142",
        '  - {id: status, name: Status, source: sensor, destination: platform, retention: "P30D"}',
    ]
    assert "    # agreed with the city archive in 2025\n    retention: P1Y" in text
    assert "# case 2025-0142\n    # the purposes are still open\n" in text
    assert run.err.splitlines() == [
        f"compliance: {path}: version 1 -> 2: a flow's 'keep_for' is called 'retention'",
        f"{path}:2:1: schema_version: set to 2 (left out, which means version 1)",
        f"{path}:22:5: flows[0].keep_for: renamed to 'retention'",
        f"{path}:24:71: flows[1].keep_for: renamed to 'retention'",
        f"compliance: upgraded {path} to version 2",
    ]
    flows = load_solution(path).solution.flows
    assert [f.retention for f in flows] == ["P1Y", "P30D"]
    assert cli("assess", path, "--as-of", AS_OF).code == 0


def test_a_file_of_the_new_version_using_a_renamed_field_is_told_what_replaced_it(
    version_2, write_solution, cli
) -> None:
    version_2(RENAME_KEEP_FOR)
    path = write_solution("schema_version: 2\n" + OLD_KEEP_FOR)

    run = cli("assess", path)

    assert run.code == 2
    assert (
        f"{path}:23:5: flows[0].keep_for: 'keep_for' is a field of version 1 of the solution format; "
        "version 2 replaces it with flows[0].retention"
    ) in run.err
    assert "unknown field" not in run.err
    assert "compliance upgrade" not in run.err  # it is at version 2 already: upgrading does nothing


def test_an_old_file_that_uses_no_replaced_field_loads_unchanged(version_2, write_solution, cli) -> None:
    version_2(RENAME_KEEP_FOR)
    path = write_solution(MINIMAL_SOLUTION_YAML)

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 0, run.err
    assert load_solution(path).solution.schema_version == 1


def test_an_old_json_file_gets_its_renamed_field_in_the_same_place(version_2, tmp_path: Path, cli) -> None:
    version_2(RENAME_KEEP_FOR)
    data = yaml.safe_load(OLD_KEEP_FOR)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    written = json.loads(path.read_text(encoding="utf-8"))
    assert list(written) == ["schema_version", *data]
    assert [list(f) for f in written["flows"]] == [
        [k.replace("keep_for", "retention") for k in f] for f in data["flows"]
    ]
    assert path.read_text(encoding="utf-8").startswith('{\n  "schema_version": 2,\n  "id": "demo",\n')


def test_a_file_giving_both_the_old_and_the_new_name_keeps_both_for_a_decision(
    version_2, write_solution, cli
) -> None:
    version_2(RENAME_KEEP_FOR)
    text = OLD_KEEP_FOR.replace("    keep_for: P1Y", "    retention: P2Y\n    keep_for: P1Y")
    path = write_solution(text)

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    written = path.read_text(encoding="utf-8")
    assert (
        "    keep_for: P1Y     # compliance upgrade: flows[0].keep_for: 'retention' is given too: keep the "
        "right value as 'retention' and delete 'keep_for'  # case 2025-0142\n"
    ) in written
    assert f"{path}:23:5: flows[0].keep_for: decide: 'retention' is given too" in run.err


# ---------------------------------------------------------------------------------------------
# A step whose old value has no faithful form in the new version


def test_the_loader_says_an_old_value_would_now_mean_something_else(version_2, write_solution, cli) -> None:
    version_2(INDEFINITE_CHANGES_MEANING)
    path = write_solution(MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retention: indefinite"))

    run = cli("assess", path)

    assert run.code == 2
    assert (
        f"{path}:20:5: flows[0].retention: version 2 of the solution format reads 'indefinite' otherwise; "
        f"run: compliance upgrade {path}"
    ) in run.err


def test_a_value_without_a_faithful_form_stays_marked_for_a_decision_and_exits_1(
    version_2, write_solution, cli
) -> None:
    version_2(INDEFINITE_CHANGES_MEANING)
    old = MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retention: indefinite  # as the law says")
    path = write_solution(old)

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    added, removed = added_and_removed(old, path.read_text(encoding="utf-8"))
    assert removed == ["    retention: indefinite  # as the law says"]
    assert added == [
        "schema_version: 2",
        "    retention: indefinite  # compliance upgrade: flows[0].retention: version 2 reads 'indefinite' "
        "as 'until deleted by hand': keep it or give a period  # as the law says",
    ]
    assert (
        f"{path}:20:5: flows[0].retention: decide: version 2 reads 'indefinite' as 'until deleted by hand': "
        "keep it or give a period"
    ) in run.err
    assert "1 value(s) wait for a person's decision (marked '# compliance upgrade:')" in run.err


def test_a_marked_value_keeps_the_file_from_loading_until_its_mark_is_deleted(
    version_2, write_solution, cli
) -> None:
    version_2(INDEFINITE_CHANGES_MEANING)
    path = write_solution(MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retention: indefinite"))
    assert cli("upgrade", path).code == 1

    refused = cli("assess", path, "--as-of", AS_OF)

    assert refused.code == 2
    assert (
        f"{path}:21:28: `compliance upgrade` left this value for a person to decide: flows[0].retention: "
        "version 2 reads 'indefinite' as 'until deleted by hand': keep it or give a period; decide, then "
        "delete the comment"
    ) in refused.err
    decided = "\n".join(line.split("  # compliance upgrade:")[0] for line in path.read_text().splitlines())
    path.write_text(decided + "\n", encoding="utf-8")
    assert cli("assess", path, "--as-of", AS_OF).code == 0


def test_a_json_value_without_a_faithful_form_is_listed_on_stderr_only(
    version_2, tmp_path: Path, cli
) -> None:
    version_2(INDEFINITE_CHANGES_MEANING)
    data = yaml.safe_load(MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retention: indefinite"))
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    assert json.loads(path.read_text(encoding="utf-8")) == {"schema_version": 2, **data}
    assert "compliance upgrade" not in path.read_text(encoding="utf-8")
    assert f"{path}:" in run.err
    assert "flows[0].retention: decide: version 2 reads 'indefinite'" in run.err
    assert "1 value(s) wait for a person's decision (listed above)" in run.err


# ---------------------------------------------------------------------------------------------
# Where the result goes


def test_output_writes_the_upgraded_file_elsewhere_and_leaves_the_file_alone(
    write_solution, tmp_path: Path, cli
) -> None:
    path = write_solution(MINIMAL_SOLUTION_YAML)
    out = tmp_path / "new" / "solution.yaml"

    run = cli("upgrade", path, "-o", out)

    assert run.code == 0, run.err
    assert path.read_text(encoding="utf-8") == MINIMAL_SOLUTION_YAML
    assert out.read_text(encoding="utf-8") == "schema_version: 1\n" + MINIMAL_SOLUTION_YAML
    assert f"compliance: wrote {out} (version 1)" in run.err


def test_output_of_a_file_at_the_current_version_is_a_copy_of_it(write_solution, tmp_path: Path, cli) -> None:
    text = "schema_version: 1\n" + MINIMAL_SOLUTION_YAML
    path = write_solution(text)
    out = tmp_path / "copy.yaml"

    run = cli("upgrade", path, "-o", out)

    assert run.code == 0, run.err
    assert f"compliance: {path}: already at version 1\n" in run.err
    assert out.read_text(encoding="utf-8") == path.read_text(encoding="utf-8") == text


def test_diff_prints_a_unified_diff_and_writes_nothing(write_solution, cli) -> None:
    path = write_solution(MINIMAL_SOLUTION_YAML)

    run = cli("upgrade", path, "--diff")

    assert run.code == 0, run.err
    assert run.out.splitlines()[:4] == [
        f"--- {path}",
        f"+++ {path} (version 1)",
        "@@ -1,3 +1,4 @@",
        "+schema_version: 1",
    ]
    assert path.read_text(encoding="utf-8") == MINIMAL_SOLUTION_YAML
    assert files_in(path.parent) == ["solution.yaml"]


def test_output_and_diff_together_are_a_usage_error(write_solution, tmp_path: Path, cli) -> None:
    run = cli("upgrade", write_solution(), "-o", tmp_path / "out.yaml", "--diff")

    assert run.code == 2
    assert "not allowed with argument" in run.err


def test_an_in_place_upgrade_keeps_the_file_mode(write_solution, cli) -> None:
    path = write_solution(MINIMAL_SOLUTION_YAML)
    path.chmod(0o600)

    assert cli("upgrade", path).code == 0

    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text(encoding="utf-8").startswith("schema_version: 1\n")


def test_an_in_place_upgrade_through_a_symbolic_link_upgrades_its_target(write_solution, cli) -> None:
    target = write_solution(MINIMAL_SOLUTION_YAML, name="real/solution.yaml")
    link = target.parent.parent / "solution.yaml"
    link.symlink_to(target)

    assert cli("upgrade", link).code == 0

    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("schema_version: 1\n")


# ---------------------------------------------------------------------------------------------
# Failing runs write nothing


def _rename_then_fail(doc: Any, edits: upgrade.Edits) -> None:
    _rename_keep_for(doc, edits)
    raise RuntimeError("a step that fails half-way")


def test_a_step_failing_half_way_leaves_the_file_byte_identical(version_2, write_solution, cli) -> None:
    version_2(upgrade.Step(1, "fails", _rename_then_fail, replaces={"flows[].keep_for": "flows[].retention"}))
    path = write_solution(OLD_KEEP_FOR)

    run = cli("upgrade", path)

    assert run.code == 3
    assert "internal error: RuntimeError: a step that fails half-way" in run.err
    assert path.read_text(encoding="utf-8") == OLD_KEEP_FOR
    assert files_in(path.parent) == ["solution.yaml"]


def test_a_file_that_would_not_load_once_upgraded_is_refused_where_it_is_wrong(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retension: P1Y")
    path = write_solution(text)

    run = cli("upgrade", path)

    assert run.code == 2
    assert (
        f"{path}:20:5: flows[0].retension: unknown field 'retension' (did you mean 'retention'?)" in run.err
    )
    assert f"{path}: nothing was upgraded: once upgraded, the file must load" in run.err
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        pytest.param("id: demo\n  name: [x\n", ":2:7:", "invalid YAML", id="broken-yaml"),
        pytest.param(
            MINIMAL_SOLUTION_YAML + "id: again\n", ":21:1:", "duplicate key 'id'", id="duplicate-key"
        ),
        pytest.param("base: &b {a: 1}\nid: demo\nmore:\n  <<: *b\n", ":4:3:", "merge keys", id="merge-key"),
        pytest.param("- id: demo\n", ":1:1:", "not a solution file", id="a-list"),
    ],
)
def test_bad_input_is_refused_with_its_file_line_and_column_and_nothing_is_written(
    text: str, where: str, message: str, write_solution, cli
) -> None:
    path = write_solution(text)

    run = cli("upgrade", path)

    assert run.code == 2
    assert f"{path}{where}" in run.err
    assert message in run.err
    assert "Traceback" not in run.err
    assert path.read_text(encoding="utf-8") == text
    assert files_in(path.parent) == ["solution.yaml"]


def test_a_missing_file_is_refused(tmp_path: Path, cli) -> None:
    run = cli("upgrade", tmp_path / "nowhere.yaml")

    assert run.code == 2
    assert f"{tmp_path / 'nowhere.yaml'}: file not found" in run.err


# ---------------------------------------------------------------------------------------------
# Assessments saved before solution files had a version


def test_an_assessment_saved_before_solutions_had_a_version_still_recomputes(
    write_solution, tmp_path: Path, cli
) -> None:
    saved = tmp_path / "assessment.json"
    assert cli("assess", write_solution(), "--as-of", AS_OF, "-o", saved).code == 0
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["solution"].pop("schema_version") == 1

    outcome = recompute(json.dumps(data), load_packs())

    assert outcome.status is Recomputed.SAME, outcome.sentence()


def test_the_loader_raises_the_problems_it_finds_rather_than_printing_them(
    version_2, write_solution, capsys
) -> None:
    version_2(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    with pytest.raises(SolutionError) as info:
        load_solution(path)

    assert [p.path for p in info.value.problems] == ["flows[0].keep_for", "flows[1].keep_for"]
    assert capsys.readouterr() == ("", "")
