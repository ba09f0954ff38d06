"""Versioned solution files: `schema_version`, the loader's word on old and newer files, and
`compliance upgrade`, which rewrites a file for the current version keeping comments and layout.

Version 2 is current, reached from version 1 by the real step in `compliance.inputs.upgrade`: an
omitted `standards` list is written out as every standard (what version 1 read it as), and the DPIA
facts version 2 reads more weakly are left marked for a person to decide. Its tests run the real CLI
and the real loader on version-1 files, the examples among them.

The machinery a future step will use (renaming a field with its comments, a value without a faithful
form, JSON, `-o`, `--diff`, atomic writes) is tested with synthetic steps from version 2 to 3: each
such test raises the current version to 3 with monkeypatch and registers its step after the real
one, then runs the real CLI and the real loader on real files.
"""

from __future__ import annotations

import difflib
import json
import re
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

REAL_STEPS = upgrade.STEPS
"""The real steps, kept in every tuple of steps a test patches in."""

EVERY_STANDARD = "standards: [iso27001, etsi-en-303-645]"

UPGRADE_STANDARDS = (
    "# version 1 assessed against every standard when this was left out; keep those that apply\n"
    f"{EVERY_STANDARD}\n"
)
"""What `compliance upgrade` writes into a version-1 file without `standards`."""

EXAMPLE_STANDARDS = (
    "# The voluntary standards the review assesses against (the law applies whatever this says).\n"
    f"{EVERY_STANDARD}\n"
)
"""What the examples without `standards` gained by hand when they moved to version 2."""


def without_version(text: str) -> str:
    """A file as it was before solution files had a version: the `schema_version` line removed."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("schema_version:"))


def example_at_version_1(text: str) -> str:
    """An example as it was at version 1: `schema_version: 1`, without the `standards` line (and its
    comment) that it gained for version 2, where version 1 read the omission as every standard."""
    old, count = re.subn(r"^schema_version: 2$", "schema_version: 1", text, flags=re.MULTILINE)
    assert count == 1, "an example declares version 2 once"
    return old.replace(EXAMPLE_STANDARDS, "")


def added_and_removed(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines a unified diff adds and removes."""
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    added = [d[1:] for d in diff if d.startswith("+") and not d.startswith("+++")]
    removed = [d[1:] for d in diff if d.startswith("-") and not d.startswith("---")]
    return added, removed


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def located(text: str, line_start: str, token: str) -> str:
    """`line:column` of `token` on the first line of `text` that starts with `line_start`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(line_start):
            return f"{number}:{line.index(token) + 1}"
    raise AssertionError(f"no line starts with {line_start!r}")


def without_marks(text: str) -> str:
    """A marked file once a person has decided each value as it stands: every mark deleted."""
    return "".join(
        re.sub(r" +# compliance upgrade:.*?(?=  #|$)", "", line) + "\n" for line in text.splitlines()
    )


# The minimal solution as a version-1 file: no `schema_version`, and no `standards`, which version 1
# read as every standard.
OLD_MINIMAL = without_version(MINIMAL_SOLUTION_YAML)
UPGRADED_MINIMAL = MINIMAL_SOLUTION_YAML.replace(
    "jurisdiction: DK\n", "jurisdiction: DK\n" + UPGRADE_STANDARDS
)
OLD_MINIMAL_WITH_STANDARDS = OLD_MINIMAL.replace(
    "jurisdiction: DK\n", "jurisdiction: DK\nstandards: [iso27001]\n"
)


def version_1_flow(scale: str | None = None, categories: str = "[user.location.trace]") -> str:
    """A version-1 file that states its standards, its one flow with the given scale and categories."""
    text = OLD_MINIMAL_WITH_STANDARDS.replace("[user.location.trace]", categories)
    if scale is not None:
        text = text.replace("    destination: platform\n", f"    destination: platform\n    scale: {scale}\n")
    return text


# ---------------------------------------------------------------------------------------------
# Synthetic steps from version 2 to version 3


def _rename_keep_for(doc: Any, edits: upgrade.Edits) -> None:
    upgrade.rename(doc, "flows[].keep_for", "retention", edits)


RENAME_KEEP_FOR = upgrade.Step(
    version=2,
    description="a flow's 'keep_for' is called 'retention'",
    apply=_rename_keep_for,
    replaces={"flows[].keep_for": "flows[].retention"},
)


def _indefinite_retentions(data: Any) -> list[tuple[str | int, ...]]:
    return [p for p in upgrade.find(data, "flows[].retention") if upgrade.value_at(data, p) == "indefinite"]


def _leave_indefinite_for_a_decision(doc: Any, edits: upgrade.Edits) -> None:
    for path in _indefinite_retentions(doc):
        edits.undecided(
            path, "version 3 reads 'indefinite' as 'until deleted by hand': keep it or give a period"
        )


def _check_indefinite(data: Mapping[str, Any]) -> list[upgrade.Obstacle]:
    return [
        upgrade.Obstacle(path, "version 3 of the solution format reads 'indefinite' otherwise")
        for path in _indefinite_retentions(data)
    ]


INDEFINITE_CHANGES_MEANING = upgrade.Step(
    version=2,
    description="'indefinite' retention means 'until deleted by hand'",
    apply=_leave_indefinite_for_a_decision,
    check=_check_indefinite,
)


@pytest.fixture
def version_3(monkeypatch: pytest.MonkeyPatch) -> Callable[[upgrade.Step], None]:
    """Make version 3 current, reached from version 2 by the given step (after the real steps)."""

    def use(step: upgrade.Step) -> None:
        monkeypatch.setattr(solution_model, "CURRENT_SCHEMA_VERSION", 3)
        monkeypatch.setattr(upgrade, "STEPS", (*REAL_STEPS, step))

    return use


# A version-2 file whose flows give their retention under the old name, with comments on, above
# and below it, and one flow in flow style.
OLD_KEEP_FOR = textwrap.dedent(
    """\
    # A version 2 solution file.
    schema_version: 2
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


def test_the_current_version_is_2() -> None:
    assert solution_model.CURRENT_SCHEMA_VERSION == 2
    assert upgrade.current_version() == 2


def test_a_file_without_a_version_is_read_as_version_1(write_solution) -> None:
    loaded = load_solution(write_solution(OLD_MINIMAL_WITH_STANDARDS))

    assert loaded.solution.schema_version == 1


def test_the_registry_has_one_step_for_every_version_below_the_current_one() -> None:
    versions = [step.version for step in upgrade.STEPS]

    assert sorted(versions) == list(range(1, solution_model.CURRENT_SCHEMA_VERSION))
    assert [s.version for s in upgrade.steps_from(1)] == versions
    assert upgrade.steps_from(solution_model.CURRENT_SCHEMA_VERSION) == []


def test_a_version_without_its_step_is_a_bug_not_a_skipped_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solution_model, "CURRENT_SCHEMA_VERSION", 3)
    assert upgrade.STEPS == REAL_STEPS  # the real step 1 -> 2, and none from 2

    with pytest.raises(AssertionError, match="no upgrade step from version 2 to 3"):
        upgrade.steps_from(1)


def test_two_steps_from_one_version_are_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solution_model, "CURRENT_SCHEMA_VERSION", 3)
    monkeypatch.setattr(upgrade, "STEPS", (*REAL_STEPS, RENAME_KEEP_FOR, INDEFINITE_CHANGES_MEANING))

    with pytest.raises(AssertionError, match="two upgrade steps from version 2"):
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
    path = write_solution(MINIMAL_SOLUTION_YAML.replace("schema_version: 2\n", f"schema_version: {value}\n"))

    for argv in (("assess", path), ("upgrade", path)):
        run = cli(*argv)
        assert run.code == 2, run.err
        assert f"{path}:1:1: schema_version: " in run.err
        assert "is not a version of the solution format: write a whole number from 1 to 2" in run.err


def test_a_file_written_for_a_newer_version_is_refused_and_left_alone(write_solution, cli) -> None:
    text = MINIMAL_SOLUTION_YAML.replace("schema_version: 2\n", "schema_version: 3\n")
    path = write_solution(text)

    upgraded = cli("upgrade", path)
    assessed = cli("assess", path)

    message = (
        f"{path}:1:1: schema_version: written for version 3 of the solution format; this "
        "compliance-engine reads up to 2: upgrade compliance-engine"
    )
    assert (upgraded.code, assessed.code) == (2, 2)
    assert message in upgraded.err
    assert message in assessed.err
    assert path.read_text(encoding="utf-8") == text
    assert files_in(path.parent) == ["solution.yaml"]


def test_the_newest_version_read_follows_the_current_one_when_it_is_raised(
    version_3, write_solution, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    current = write_solution(MINIMAL_SOLUTION_YAML.replace("schema_version: 2\n", "schema_version: 3\n"))
    newer = write_solution(
        MINIMAL_SOLUTION_YAML.replace("schema_version: 2\n", "schema_version: 4\n"), name="newer.yaml"
    )

    assert load_solution(current).solution.schema_version == 3
    run = cli("assess", newer)
    assert run.code == 2
    assert (
        f"{newer}:1:1: schema_version: written for version 4 of the solution format; this "
        "compliance-engine reads up to 3: upgrade compliance-engine"
    ) in run.err


# ---------------------------------------------------------------------------------------------
# The real step from version 1 to 2: `standards` left out


def test_a_version_1_file_without_standards_is_refused_naming_standards_and_the_upgrade_command(
    write_solution, cli
) -> None:
    path = write_solution(OLD_MINIMAL)

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 2
    assert run.err.splitlines()[1:] == [
        f"  {path}:1:1: standards: version 1 of the solution format read a file without `standards` as "
        "assessed against every voluntary standard; version 2 reads it as not stated (the assessment "
        f"asks); run: compliance upgrade {path}"
    ]
    assert path.read_text(encoding="utf-8") == OLD_MINIMAL


def test_a_version_1_file_declaring_its_version_without_standards_is_refused_too(write_solution) -> None:
    path = write_solution("schema_version: 1\n" + OLD_MINIMAL)

    with pytest.raises(SolutionError) as info:
        load_solution(path)

    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (1, 1)
    assert problem.message.startswith("standards: version 1 of the solution format read a file without")
    assert problem.message.endswith(f"; run: compliance upgrade {path}")


def test_upgrading_a_version_1_file_without_standards_states_every_standard_and_keeps_every_other_line(
    write_solution, cli
) -> None:
    path = write_solution(OLD_MINIMAL)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    text = path.read_text(encoding="utf-8")
    assert added_and_removed(OLD_MINIMAL, text) == (
        [
            "schema_version: 2",
            "# version 1 assessed against every standard when this was left out; keep those that apply",
            EVERY_STANDARD,
        ],
        [],
    )
    assert text == UPGRADED_MINIMAL  # `standards` right after `jurisdiction`, every other line as it was
    assert run.err.splitlines() == [
        f"compliance: {path}: version 1 -> 2: `standards` left out means not stated (a question), no "
        "longer every standard; the DPIA screening no longer reads an extent alone as large scale, nor "
        "generic financial data as highly personal",
        f"{path}:1:1: standards: added iso27001, etsi-en-303-645: version 1 assessed against every "
        "standard when this was left out; keep those that apply",
        f"{path}:1:1: schema_version: set to 2 (left out, which means version 1)",
        f"compliance: upgraded {path} to version 2",
    ]
    solution = load_solution(path).solution
    assert solution.schema_version == 2
    assert solution.standards == list(solution_model.Standard)
    assert cli("assess", path, "--as-of", AS_OF).code == 0


def test_a_declared_version_1_is_set_to_2_where_it_stands(write_solution, cli) -> None:
    old = "# mine\nschema_version: 1   # as written in 2025\n" + OLD_MINIMAL
    path = write_solution(old)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    added, removed = added_and_removed(old, path.read_text(encoding="utf-8"))
    assert removed == ["schema_version: 1   # as written in 2025"]
    assert added == [
        "schema_version: 2   # as written in 2025",
        "# version 1 assessed against every standard when this was left out; keep those that apply",
        EVERY_STANDARD,
    ]
    assert f"{path}:2:1: schema_version: set to 2 (was 1)" in run.err.splitlines()
    assert load_solution(path).solution.schema_version == 2


@pytest.mark.parametrize("standards", ["[iso27001]", "[]", "[iso27001, etsi-en-303-645]"])
def test_a_version_1_file_stating_its_standards_loads_unchanged_and_upgrading_only_sets_the_version(
    standards: str, write_solution, cli
) -> None:
    old = OLD_MINIMAL.replace("jurisdiction: DK\n", f"jurisdiction: DK\nstandards: {standards}\n")
    path = write_solution(old)

    solution = load_solution(path).solution
    assert solution.schema_version == 1
    assert [s.value for s in solution.standards or []] == yaml.safe_load(standards)
    assert cli("assess", path, "--as-of", AS_OF).code == 0

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    assert path.read_text(encoding="utf-8") == "schema_version: 2\n" + old
    assert run.err.splitlines()[1:] == [
        f"{path}:1:1: schema_version: set to 2 (left out, which means version 1)",
        f"compliance: upgraded {path} to version 2",
    ]
    assert load_solution(path).solution.standards == solution.standards


def test_a_version_1_json_file_without_standards_gets_them_after_its_jurisdiction(
    tmp_path: Path, cli
) -> None:
    data = yaml.safe_load(OLD_MINIMAL)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    written = json.loads(path.read_text(encoding="utf-8"))
    keys = list(data)
    after = keys.index("jurisdiction") + 1
    assert list(written) == ["schema_version", *keys[:after], "standards", *keys[after:]]
    assert written == {**data, "schema_version": 2, "standards": ["iso27001", "etsi-en-303-645"]}
    assert "version 1 assessed against every standard" not in path.read_text(encoding="utf-8")
    assert load_solution(path).solution.standards == list(solution_model.Standard)


# ---------------------------------------------------------------------------------------------
# The real step from version 1 to 2: DPIA facts that version 2 reads more weakly


WEAKER_IN_VERSION_2 = [
    pytest.param(
        "{extent: regional}",
        "[user.location.trace]",
        ("    scale:", "extent"),
        "flows[0].scale.extent: version 1 of the solution format read this scale (regional extent, no "
        "number of people) as large scale (WP248 criterion 5); version 2 decides it by the number of people",
        id="a-large-extent-without-a-number",
    ),
    pytest.param(
        "{subjects: 4999, extent: national, duration: continuous}",
        "[user.location.trace]",
        ("    scale:", "extent"),
        "flows[0].scale.extent: version 1 of the solution format read this scale (national extent, 4999 "
        "people) as large scale (WP248 criterion 5)",
        id="a-large-extent-with-fewer-than-5000",
    ),
    pytest.param(
        "{subjects: 1200, extent: cross_border}",
        "[user.location.trace]",
        ("    scale:", "extent"),
        "flows[0].scale.extent: version 1 of the solution format read this scale (cross_border extent, "
        "1200 people) as large scale (WP248 criterion 5)",
        id="a-cross-border-extent-without-a-share",
    ),
    pytest.param(
        None,
        "[user.contact.email, user.financial]",
        ("    data_categories:", "user.financial"),
        "flows[0].data_categories[1]: version 1 of the solution format counted `user.financial` as highly "
        "personal data (WP248 criterion 4); version 2 counts only financial data that might be used for "
        "payment fraud",
        id="generic-financial-data",
    ),
]


@pytest.mark.parametrize(("scale", "categories", "where", "message"), WEAKER_IN_VERSION_2)
def test_a_version_1_dpia_fact_that_version_2_reads_more_weakly_is_refused_where_it_stands(
    scale: str | None, categories: str, where: tuple[str, str], message: str, write_solution, cli
) -> None:
    text = version_1_flow(scale, categories)
    path = write_solution(text)

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 2
    (problem,) = run.err.splitlines()[1:]
    assert problem.startswith(f"  {path}:{located(text, *where)}: {message}")
    assert problem.endswith(f"; run: compliance upgrade {path}")


@pytest.mark.parametrize(
    ("scale", "categories"),
    [
        pytest.param("{subjects: 5000, extent: national}", "[user.location.trace]", id="5000-people"),
        pytest.param(
            "{subjects: 1200, population_share: 0.5, extent: regional}",
            "[user.location.trace]",
            id="a-large-share",
        ),
        pytest.param("{subjects: 300, extent: municipal}", "[user.location.trace]", id="a-small-extent"),
        pytest.param("{extent: district}", "[user.location.trace]", id="a-small-extent-without-a-number"),
        pytest.param(
            None,
            "[user.contact.email, user.financial, user.financial.payment]",
            id="generic-beside-payment-data",
        ),
        pytest.param(
            None, "[user.financial, user.behaviour.presence]", id="generic-beside-other-highly-personal-data"
        ),
        pytest.param(None, "[user.financial.income]", id="a-specific-financial-category"),
    ],
)
def test_a_version_1_dpia_fact_that_version_2_reads_alike_loads_unchanged(
    scale: str | None, categories: str, write_solution, cli
) -> None:
    text = version_1_flow(scale, categories)
    path = write_solution(text)

    assert load_solution(path).solution.schema_version == 1
    run = cli("upgrade", path)
    assert run.code == 0, run.err
    assert path.read_text(encoding="utf-8") == "schema_version: 2\n" + text


# A version-1 file without `standards`, with a scale version 1 read as large and generic financial
# data, in block style, with a comment of its own on the financial data.
OLD_DPIA = OLD_MINIMAL.replace(
    "    data_categories: [user.location.trace]\n",
    textwrap.indent(
        textwrap.dedent(
            """\
            data_categories:
              - user.contact.email
              - user.financial   # from the payment provider
            scale:
              subjects: 3000
              extent: national
            """
        ),
        "    ",
    ),
)


def test_upgrading_dpia_facts_that_version_2_reads_more_weakly_marks_them_and_exits_1(
    write_solution, cli
) -> None:
    path = write_solution(OLD_DPIA)
    # the loader names all of version 1's obstacles at once, `standards` among them
    refused = cli("assess", path, "--as-of", AS_OF)
    assert refused.code == 2
    assert sorted(line.split(": ")[1] for line in refused.err.splitlines()[1:]) == [
        "flows[0].data_categories[1]",
        "flows[0].scale.extent",
        "standards",
    ]

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    text = path.read_text(encoding="utf-8")
    added, removed = added_and_removed(OLD_DPIA, text)
    assert removed == ["      - user.financial   # from the payment provider", "      extent: national"]
    financial_mark = (
        "# compliance upgrade: flows[0].data_categories[1]: version 1 of the solution format counted "
        "`user.financial` as highly personal data (WP248 criterion 4); version 2 counts only financial "
        "data that might be used for payment fraud (`user.financial.payment`, `user.financial.bank_account`) "
        "and income and benefits (`user.financial.income`): name the specific category, or keep "
        "`user.financial` if none of them applies"
    )
    extent_mark = (
        "# compliance upgrade: flows[0].scale.extent: version 1 of the solution format read this scale "
        "(national extent, 3000 people) as large scale (WP248 criterion 5); version 2 decides it by the "
        "number of people (at least 5,000; between 1,000 and 5,000 where they are at least a tenth of the "
        "relevant population, `population_share`), never by the extent alone: state the number, and the "
        "share where it is between"
    )
    assert added == [
        "schema_version: 2",
        "# version 1 assessed against every standard when this was left out; keep those that apply",
        EVERY_STANDARD,
        f"      - user.financial   {financial_mark}  # from the payment provider",
        f"      extent: national  {extent_mark}",
    ]
    decisions = [line for line in run.err.splitlines() if ": decide: " in line]
    assert decisions == [
        f"{path}:{located(OLD_DPIA, '      - user.financial', 'user')}: flows[0].data_categories[1]: decide: "
        + financial_mark.split(": ", 2)[2],
        f"{path}:{located(OLD_DPIA, '      extent', 'extent')}: flows[0].scale.extent: decide: "
        + extent_mark.split(": ", 2)[2],
    ]
    assert (
        "compliance: 2 values wait for a person's decision (marked '# compliance upgrade:'); decide each, "
        "then delete its mark"
    ) in run.err


def test_a_marked_dpia_fact_keeps_the_file_from_loading_until_its_mark_is_deleted(
    write_solution, cli
) -> None:
    path = write_solution(OLD_DPIA)
    assert cli("upgrade", path).code == 1
    marked = path.read_text(encoding="utf-8")

    refused = cli("assess", path, "--as-of", AS_OF)

    assert refused.code == 2
    problems = refused.err.splitlines()[1:]
    assert [p.split(": ", 2)[1] for p in problems] == [
        "`compliance upgrade` left this value for a person to decide",
        "`compliance upgrade` left this value for a person to decide",
    ]
    assert problems[0].startswith(
        f"  {path}:{located(marked, '      - user.financial', '# compliance')}: `compliance upgrade` left "
        "this value for a person to decide: flows[0].data_categories[1]: version 1 of the solution format"
    )
    assert problems[1].startswith(
        f"  {path}:{located(marked, '      extent', '# compliance')}: `compliance upgrade` left this value "
        "for a person to decide: flows[0].scale.extent: version 1 of the solution format"
    )
    assert all(p.endswith("; decide, then delete the comment") for p in problems)

    # The person keeps the values as they are (version 2's reading) and deletes the marks.
    decided = without_marks(marked)
    assert "# from the payment provider" in decided
    path.write_text(decided, encoding="utf-8")

    solution = load_solution(path).solution
    assert solution.schema_version == 2
    assert solution.flows[0].data_categories == ["user.contact.email", "user.financial"]
    assert cli("assess", path, "--as-of", AS_OF).code == 0


def test_a_version_1_json_files_dpia_facts_are_listed_for_a_decision_on_stderr_only(
    tmp_path: Path, cli
) -> None:
    data = yaml.safe_load(version_1_flow("{extent: regional}", "[user.contact.email, user.financial]"))
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    assert json.loads(path.read_text(encoding="utf-8")) == {"schema_version": 2, **data}
    assert "compliance upgrade" not in path.read_text(encoding="utf-8")
    assert "flows[0].scale.extent: decide: version 1 of the solution format read this scale" in run.err
    assert "flows[0].data_categories[1]: decide: version 1 of the solution format counted" in run.err
    assert "2 values wait for a person's decision (listed above)" in run.err


# Version-1 values the checks of step 1 must survive


@pytest.mark.parametrize(
    ("scale", "field"),
    [
        pytest.param("{subjects: many, extent: national}", "flows[0].scale.subjects", id="subjects"),
        pytest.param(
            "{subjects: 3000, population_share: high, extent: national}",
            "flows[0].scale.population_share",
            id="population-share",
        ),
    ],
)
def test_a_version_1_scale_with_a_value_that_is_not_a_number_is_refused_where_it_is_wrong(
    scale: str, field: str, write_solution, cli
) -> None:
    text = version_1_flow(scale)
    path = write_solution(text)

    for argv in (("assess", path), ("upgrade", path)):
        run = cli(*argv)
        assert "internal error" not in run.err
        assert run.code == 2, run.err
        assert f"{path}:20:" in run.err
        assert f": {field}: " in run.err
    assert path.read_text(encoding="utf-8") == text


def test_two_values_marked_on_one_line_are_each_refused_by_the_loader(write_solution, cli) -> None:
    flow = (
        "flows:\n  - {id: readings, name: Readings, source: sensor, destination: platform, "
        "data_categories: [user.contact.email, user.financial], scale: {extent: national}, retention: P1Y}\n"
    )
    path = write_solution(OLD_MINIMAL_WITH_STANDARDS.split("flows:\n")[0] + flow)
    assert cli("upgrade", path).code == 1

    refused = cli("assess", path, "--as-of", AS_OF)

    assert refused.code == 2
    assert refused.err.startswith("compliance: 2 problem(s) in the input:")


def test_a_large_extent_with_a_null_number_of_people_is_said_to_have_no_number(write_solution, cli) -> None:
    path = write_solution(version_1_flow("{subjects: null, extent: national}"))

    run = cli("assess", path)

    assert run.code == 2
    assert "(national extent, no number of people)" in run.err


# ---------------------------------------------------------------------------------------------
# Upgrading the examples as files of version 1


def test_the_examples_include_ones_that_stated_their_standards_in_version_1_and_ones_that_did_not() -> None:
    gained = [p.parent.name for p in EXAMPLES if EXAMPLE_STANDARDS in p.read_text(encoding="utf-8")]

    assert 0 < len(gained) < len(EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_an_example_at_version_1_upgrades_to_the_example_itself(example: Path, tmp_path: Path, cli) -> None:
    original = example.read_text(encoding="utf-8")
    old_text = example_at_version_1(original)
    old = tmp_path / "solution.yaml"
    old.write_text(old_text, encoding="utf-8")

    run = cli("upgrade", old)

    assert run.code == 0, run.err
    upgraded = old.read_text(encoding="utf-8")
    # every comment, blank line, quote and indent as it was; where the example gained `standards` by
    # hand for version 2, the upgrade writes the same list with its own comment
    assert upgraded == original.replace(EXAMPLE_STANDARDS, UPGRADE_STANDARDS)
    line = located(old_text, "schema_version: 1", "schema_version")
    assert f"{old}:{line}: schema_version: set to 2 (was 1)\n" in run.err
    assert (": standards: added iso27001, etsi-en-303-645: " in run.err) == (EXAMPLE_STANDARDS in original)
    assert f"compliance: upgraded {old} to version 2\n" in run.err


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_an_upgraded_example_assesses_to_the_same_results_as_the_example(
    example: Path, tmp_path: Path, cli
) -> None:
    old = tmp_path / "solution.yaml"
    old.write_text(example_at_version_1(example.read_text(encoding="utf-8")), encoding="utf-8")
    assert cli("upgrade", old).code == 0

    before = cli("assess", example, "--as-of", AS_OF, "--format", "json", "--no-scan")
    after = cli("assess", old, "--as-of", AS_OF, "--format", "json", "--no-scan")

    assert (before.code, after.code) == (0, 0), before.err + after.err
    mine, theirs = after.json(), before.json()
    assert mine["findings"] == theirs["findings"]
    assert (mine["verdict"], mine["score"]) == (theirs["verdict"], theirs["score"])
    mine.pop("inputs")  # the file's hash differs where only a comment does
    theirs.pop("inputs")
    assert mine == theirs


def test_upgrading_twice_changes_nothing_the_second_time(tmp_path: Path, cli) -> None:
    path = tmp_path / "solution.yaml"
    path.write_text(OLD_MINIMAL, encoding="utf-8")
    assert cli("upgrade", path).code == 0
    once = path.read_bytes()
    stamp = path.stat().st_mtime_ns

    again = cli("upgrade", path)

    assert again.code == 0, again.err
    assert again.err == f"compliance: {path}: already at version 2\n"
    assert path.read_bytes() == once
    assert path.stat().st_mtime_ns == stamp


def test_an_old_json_file_is_upgraded_as_json_with_its_key_order(tmp_path: Path, cli) -> None:
    data = load_text(without_version(EXAMPLES[0].read_text(encoding="utf-8")), "example").data
    assert "standards" in data
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=4, ensure_ascii=False), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps({"schema_version": 2, **data}, indent=2, ensure_ascii=False) + "\n"
    assert list(json.loads(text)) == ["schema_version", *data]
    assert load_solution(path).solution.schema_version == 2


# ---------------------------------------------------------------------------------------------
# Layout kept


LAYOUTS = [
    pytest.param(MINIMAL_SOLUTION_YAML, id="two-space-mappings-indented-sequences"),
    pytest.param(
        MINIMAL_SOLUTION_YAML.replace("\n  - ", "\n- ").replace("\n    ", "\n  "), id="flush-dashes"
    ),
    pytest.param(MINIMAL_SOLUTION_YAML.replace("\n  ", "\n    "), id="four-space-mappings"),
    pytest.param(
        "---\n# a comment\n"
        + MINIMAL_SOLUTION_YAML.replace("jurisdiction: DK", "jurisdiction: 'DK'")
        + "description: null\nsupplier: null   # none yet\n",
        id="document-start-quotes-and-nulls",
    ),
]


@pytest.mark.parametrize("text", LAYOUTS)
def test_a_version_1_file_keeps_its_own_layout_when_upgraded(text: str, write_solution, cli) -> None:
    old = without_version(text)
    path = write_solution(old)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    added, removed = added_and_removed(old, path.read_text(encoding="utf-8"))
    assert removed == []
    assert added == [
        "schema_version: 2",
        "# version 1 assessed against every standard when this was left out; keep those that apply",
        EVERY_STANDARD,
    ]
    assert "laid out anew" not in run.err
    assert load_solution(path).solution.schema_version == 2


@pytest.mark.parametrize("text", LAYOUTS)
def test_a_file_keeps_its_own_layout_through_a_later_step(text: str, version_3, write_solution, cli) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(text)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    added, removed = added_and_removed(text, path.read_text(encoding="utf-8"))
    assert (added, removed) == (["schema_version: 3"], ["schema_version: 2"])
    assert "laid out anew" not in run.err


def test_a_layout_the_yaml_writer_cannot_keep_is_said_to_be_laid_out_anew(write_solution, cli) -> None:
    text = OLD_MINIMAL + "description: ~\nsupplier: null\n"  # two words for null
    path = write_solution(text)

    run = cli("upgrade", path, "--diff")

    assert run.code == 0, run.err
    assert "compliance: 1 other line is laid out anew by the YAML writer (see --diff)" in run.err
    assert "-supplier: null\n+supplier: ~\n" in run.out
    assert path.read_text(encoding="utf-8") == text


def test_windows_line_endings_are_kept(tmp_path: Path, cli) -> None:
    path = tmp_path / "solution.yaml"
    path.write_bytes(OLD_MINIMAL.replace("\n", "\r\n").encode())

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    assert path.read_bytes() == UPGRADED_MINIMAL.replace("\n", "\r\n").encode()


def test_a_byte_order_mark_is_kept(tmp_path: Path, cli) -> None:
    path = tmp_path / "solution.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + OLD_MINIMAL.encode())

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    assert path.read_bytes() == b"\xef\xbb\xbf" + UPGRADED_MINIMAL.encode()


# ---------------------------------------------------------------------------------------------
# A step that renames a field


def test_the_loader_names_the_field_that_replaced_a_renamed_one_and_the_command(
    version_3, write_solution, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 2
    assert "unknown field" not in run.err
    command = f"run: compliance upgrade {path}"
    assert (
        f"{path}:23:5: flows[0].keep_for: version 3 of the solution format replaces this field with "
        f"flows[0].retention; {command}"
    ) in run.err
    assert (
        f"{path}:25:71: flows[1].keep_for: version 3 of the solution format replaces this field with "
        f"flows[1].retention; {command}"
    ) in run.err


def test_a_renamed_field_keeps_its_place_and_every_comment_on_and_around_it(
    version_3, write_solution, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    text = path.read_text(encoding="utf-8")
    added, removed = added_and_removed(OLD_KEEP_FOR, text)
    assert removed == [
        "schema_version: 2",
        "    keep_for: P1Y     # case 2025-0142",
        '  - {id: status, name: Status, source: sensor, destination: platform, keep_for: "P30D"}',
    ]
    assert added == [
        "schema_version: 3",
        "    retention: P1Y    # case 2025-0142",
        '  - {id: status, name: Status, source: sensor, destination: platform, retention: "P30D"}',
    ]
    assert "    # agreed with the city archive in 2025\n    retention: P1Y" in text
    assert "# case 2025-0142\n    # the purposes are still open\n" in text
    assert run.err.splitlines() == [
        f"compliance: {path}: version 2 -> 3: a flow's 'keep_for' is called 'retention'",
        f"{path}:2:1: schema_version: set to 3 (was 2)",
        f"{path}:23:5: flows[0].keep_for: renamed to 'retention'",
        f"{path}:25:71: flows[1].keep_for: renamed to 'retention'",
        f"compliance: upgraded {path} to version 3",
    ]
    flows = load_solution(path).solution.flows
    assert [f.retention for f in flows] == ["P1Y", "P30D"]
    assert cli("assess", path, "--as-of", AS_OF).code == 0


def test_a_file_of_the_new_version_using_a_renamed_field_is_told_what_replaced_it(
    version_3, write_solution, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR.replace("schema_version: 2\n", "schema_version: 3\n"))

    run = cli("assess", path)

    assert run.code == 2
    assert (
        f"{path}:23:5: flows[0].keep_for: 'keep_for' is a field of version 2 of the solution format; "
        "version 3 replaces it with flows[0].retention"
    ) in run.err
    assert "unknown field" not in run.err
    assert "compliance upgrade" not in run.err  # it is at version 3 already: upgrading does nothing


def test_an_old_file_that_uses_no_replaced_field_loads_unchanged(version_3, write_solution, cli) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(MINIMAL_SOLUTION_YAML)

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 0, run.err
    assert load_solution(path).solution.schema_version == 2


def test_a_version_1_file_is_carried_through_every_step_to_the_current_version(
    version_3, write_solution, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    old = without_version(OLD_KEEP_FOR)
    path = write_solution(old)
    # the loader names what keeps the file from version 2 first: a later step reads version 2
    refused = cli("assess", path)
    assert refused.code == 2
    assert f"{path}:2:1: standards: version 1 of the solution format read a file without" in refused.err
    assert "keep_for" not in refused.err

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    added, removed = added_and_removed(old, path.read_text(encoding="utf-8"))
    assert removed == [
        "    keep_for: P1Y     # case 2025-0142",
        '  - {id: status, name: Status, source: sensor, destination: platform, keep_for: "P30D"}',
    ]
    assert added == [
        "schema_version: 3",
        "# version 1 assessed against every standard when this was left out; keep those that apply",
        EVERY_STANDARD,
        "    retention: P1Y    # case 2025-0142",
        '  - {id: status, name: Status, source: sensor, destination: platform, retention: "P30D"}',
    ]
    assert [line for line in run.err.splitlines() if " -> " in line] == [
        f"compliance: {path}: version 1 -> 2: {upgrade.STEPS[0].description}",
        f"compliance: {path}: version 2 -> 3: a flow's 'keep_for' is called 'retention'",
    ]
    solution = load_solution(path).solution
    assert (solution.schema_version, solution.standards) == (3, list(solution_model.Standard))


def test_a_version_1_file_stating_its_standards_is_told_of_a_later_steps_renamed_field(
    version_3, write_solution, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(
        without_version(OLD_KEEP_FOR).replace("jurisdiction: DK\n", "jurisdiction: DK\nstandards: []\n")
    )

    run = cli("assess", path)

    assert run.code == 2
    assert (
        f"{path}:23:5: flows[0].keep_for: version 3 of the solution format replaces this field with "
        f"flows[0].retention; run: compliance upgrade {path}"
    ) in run.err


def test_an_old_json_file_gets_its_renamed_field_in_the_same_place(version_3, tmp_path: Path, cli) -> None:
    version_3(RENAME_KEEP_FOR)
    data = yaml.safe_load(OLD_KEEP_FOR)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    written = json.loads(path.read_text(encoding="utf-8"))
    assert list(written) == list(data)
    assert written["schema_version"] == 3
    assert [list(f) for f in written["flows"]] == [
        [k.replace("keep_for", "retention") for k in f] for f in data["flows"]
    ]
    assert path.read_text(encoding="utf-8").startswith('{\n  "schema_version": 3,\n  "id": "demo",\n')


def test_a_file_giving_both_the_old_and_the_new_name_keeps_both_for_a_decision(
    version_3, write_solution, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    text = OLD_KEEP_FOR.replace("    keep_for: P1Y", "    retention: P2Y\n    keep_for: P1Y")
    path = write_solution(text)

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    written = path.read_text(encoding="utf-8")
    assert (
        "    keep_for: P1Y     # compliance upgrade: flows[0].keep_for: 'retention' is given too: keep the "
        "right value as 'retention' and delete 'keep_for'  # case 2025-0142\n"
    ) in written
    assert f"{path}:24:5: flows[0].keep_for: decide: 'retention' is given too" in run.err


def test_upgrading_twice_through_a_later_step_changes_nothing_the_second_time(
    version_3, write_solution, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)
    assert cli("upgrade", path).code == 0
    once = path.read_bytes()

    again = cli("upgrade", path)

    assert again.code == 0, again.err
    assert again.err == f"compliance: {path}: already at version 3\n"
    assert path.read_bytes() == once


# ---------------------------------------------------------------------------------------------
# A step whose old value has no faithful form in the new version


INDEFINITE = MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retention: indefinite")


def test_the_loader_says_an_old_value_would_now_mean_something_else(version_3, write_solution, cli) -> None:
    version_3(INDEFINITE_CHANGES_MEANING)
    path = write_solution(INDEFINITE)

    run = cli("assess", path)

    assert run.code == 2
    assert (
        f"{path}:21:5: flows[0].retention: version 3 of the solution format reads 'indefinite' otherwise; "
        f"run: compliance upgrade {path}"
    ) in run.err


def test_a_value_without_a_faithful_form_stays_marked_for_a_decision_and_exits_1(
    version_3, write_solution, cli
) -> None:
    version_3(INDEFINITE_CHANGES_MEANING)
    old = MINIMAL_SOLUTION_YAML.replace("retention: P1Y", "retention: indefinite  # as the law says")
    path = write_solution(old)

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    added, removed = added_and_removed(old, path.read_text(encoding="utf-8"))
    assert removed == ["schema_version: 2", "    retention: indefinite  # as the law says"]
    assert added == [
        "schema_version: 3",
        "    retention: indefinite  # compliance upgrade: flows[0].retention: version 3 reads 'indefinite' "
        "as 'until deleted by hand': keep it or give a period  # as the law says",
    ]
    assert (
        f"{path}:21:5: flows[0].retention: decide: version 3 reads 'indefinite' as 'until deleted by hand': "
        "keep it or give a period"
    ) in run.err
    assert "1 value waits for a person's decision (marked '# compliance upgrade:')" in run.err


def test_a_marked_value_keeps_the_file_from_loading_until_its_mark_is_deleted(
    version_3, write_solution, cli
) -> None:
    version_3(INDEFINITE_CHANGES_MEANING)
    path = write_solution(INDEFINITE)
    assert cli("upgrade", path).code == 1

    refused = cli("assess", path, "--as-of", AS_OF)

    assert refused.code == 2
    assert (
        f"{path}:21:28: `compliance upgrade` left this value for a person to decide: flows[0].retention: "
        "version 3 reads 'indefinite' as 'until deleted by hand': keep it or give a period; decide, then "
        "delete the comment"
    ) in refused.err
    decided = "\n".join(line.split("  # compliance upgrade:")[0] for line in path.read_text().splitlines())
    path.write_text(decided + "\n", encoding="utf-8")
    assert cli("assess", path, "--as-of", AS_OF).code == 0


def test_a_json_value_without_a_faithful_form_is_listed_on_stderr_only(
    version_3, tmp_path: Path, cli
) -> None:
    version_3(INDEFINITE_CHANGES_MEANING)
    data = yaml.safe_load(INDEFINITE)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    assert json.loads(path.read_text(encoding="utf-8")) == {**data, "schema_version": 3}
    assert "compliance upgrade" not in path.read_text(encoding="utf-8")
    assert f"{path}:" in run.err
    assert "flows[0].retention: decide: version 3 reads 'indefinite'" in run.err
    assert "1 value waits for a person's decision (listed above)" in run.err


# ---------------------------------------------------------------------------------------------
# Where the result goes


def test_output_writes_the_upgraded_file_elsewhere_and_leaves_the_file_alone(
    write_solution, tmp_path: Path, cli
) -> None:
    path = write_solution(OLD_MINIMAL)
    out = tmp_path / "new" / "solution.yaml"

    run = cli("upgrade", path, "-o", out)

    assert run.code == 0, run.err
    assert path.read_text(encoding="utf-8") == OLD_MINIMAL
    assert out.read_text(encoding="utf-8") == UPGRADED_MINIMAL
    assert f"compliance: wrote {out} (version 2)" in run.err


def test_output_through_a_later_step_writes_the_upgraded_file_elsewhere(
    version_3, write_solution, tmp_path: Path, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)
    out = tmp_path / "new.yaml"

    run = cli("upgrade", path, "-o", out)

    assert run.code == 0, run.err
    assert path.read_text(encoding="utf-8") == OLD_KEEP_FOR
    assert "retention: P1Y" in out.read_text(encoding="utf-8")
    assert f"compliance: wrote {out} (version 3)" in run.err


def test_output_of_a_file_at_the_current_version_is_a_copy_of_it(write_solution, tmp_path: Path, cli) -> None:
    text = MINIMAL_SOLUTION_YAML
    path = write_solution(text)
    out = tmp_path / "copy.yaml"

    run = cli("upgrade", path, "-o", out)

    assert run.code == 0, run.err
    assert f"compliance: {path}: already at version 2\n" in run.err
    assert out.read_text(encoding="utf-8") == path.read_text(encoding="utf-8") == text


def test_diff_prints_a_unified_diff_and_writes_nothing(write_solution, cli) -> None:
    path = write_solution(OLD_MINIMAL)

    run = cli("upgrade", path, "--diff")

    assert run.code == 0, run.err
    assert run.out.splitlines()[:9] == [
        f"--- {path}",
        f"+++ {path} (version 2)",
        "@@ -1,6 +1,9 @@",
        "+schema_version: 2",
        " id: demo",
        " name: Demo solution",
        " jurisdiction: DK",
        "+# version 1 assessed against every standard when this was left out; keep those that apply",
        f"+{EVERY_STANDARD}",
    ]
    assert path.read_text(encoding="utf-8") == OLD_MINIMAL
    assert files_in(path.parent) == ["solution.yaml"]


def test_diff_through_a_later_step_prints_the_rename_and_writes_nothing(
    version_3, write_solution, cli
) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    run = cli("upgrade", path, "--diff")

    assert run.code == 0, run.err
    assert "-schema_version: 2\n+schema_version: 3\n" in run.out
    assert "-    keep_for: P1Y     # case 2025-0142\n+    retention: P1Y    # case 2025-0142\n" in run.out
    assert path.read_text(encoding="utf-8") == OLD_KEEP_FOR
    assert files_in(path.parent) == ["solution.yaml"]


def test_output_and_diff_together_are_a_usage_error(write_solution, tmp_path: Path, cli) -> None:
    run = cli("upgrade", write_solution(), "-o", tmp_path / "out.yaml", "--diff")

    assert run.code == 2
    assert "not allowed with argument" in run.err


def test_an_in_place_upgrade_keeps_the_file_mode(write_solution, cli) -> None:
    path = write_solution(OLD_MINIMAL)
    path.chmod(0o600)

    assert cli("upgrade", path).code == 0

    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text(encoding="utf-8") == UPGRADED_MINIMAL


def test_an_in_place_upgrade_through_a_symbolic_link_upgrades_its_target(write_solution, cli) -> None:
    target = write_solution(OLD_MINIMAL, name="real/solution.yaml")
    link = target.parent.parent / "solution.yaml"
    link.symlink_to(target)

    assert cli("upgrade", link).code == 0

    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == UPGRADED_MINIMAL


# ---------------------------------------------------------------------------------------------
# Failing runs write nothing


def _rename_then_fail(doc: Any, edits: upgrade.Edits) -> None:
    _rename_keep_for(doc, edits)
    raise RuntimeError("a step that fails half-way")


def test_a_step_failing_half_way_leaves_the_file_byte_identical(version_3, write_solution, cli) -> None:
    version_3(upgrade.Step(2, "fails", _rename_then_fail, replaces={"flows[].keep_for": "flows[].retention"}))
    path = write_solution(OLD_KEEP_FOR)

    run = cli("upgrade", path)

    assert run.code == 3
    assert "internal error: RuntimeError: a step that fails half-way" in run.err
    assert path.read_text(encoding="utf-8") == OLD_KEEP_FOR
    assert files_in(path.parent) == ["solution.yaml"]


def test_a_file_that_would_not_load_once_upgraded_is_refused_where_it_is_wrong(write_solution, cli) -> None:
    text = OLD_MINIMAL.replace("retention: P1Y", "retension: P1Y")
    path = write_solution(text)

    run = cli("upgrade", path)

    assert run.code == 2
    assert (
        f"{path}:20:5: flows[0].retension: unknown field 'retension' (did you mean 'retention'?)" in run.err
    )
    assert f"{path}: nothing was upgraded: once upgraded, the file must load" in run.err
    assert path.read_text(encoding="utf-8") == text
    assert files_in(path.parent) == ["solution.yaml"]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        pytest.param("id: demo\n  name: [x\n", ":2:7:", "invalid YAML", id="broken-yaml"),
        pytest.param(
            MINIMAL_SOLUTION_YAML + "id: again\n", ":22:1:", "duplicate key 'id'", id="duplicate-key"
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
    assert cli("assess", write_solution(OLD_MINIMAL_WITH_STANDARDS), "--as-of", AS_OF, "-o", saved).code == 0
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["solution"].pop("schema_version") == 1

    outcome = recompute(json.dumps(data), load_packs())

    assert outcome.status is Recomputed.SAME, outcome.sentence()


def test_the_loader_raises_the_problems_it_finds_rather_than_printing_them(
    version_3, write_solution, capsys
) -> None:
    version_3(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    with pytest.raises(SolutionError) as info:
        load_solution(path)

    assert [p.path for p in info.value.problems] == ["flows[0].keep_for", "flows[1].keep_for"]
    assert capsys.readouterr() == ("", "")
