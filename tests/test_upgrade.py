"""Versioned solution files: `schema_version`, the loader's word on old and newer files, and
`compliance upgrade`, which rewrites a file for the current version keeping comments and layout.

Version 4 is current, reached by the real steps in `compliance.inputs.upgrade`. From version 1 to 2
an omitted `standards` list is written out as every standard (what version 1 read it as), and the
DPIA facts version 2 reads more weakly are left marked for a person to decide. From version 2 to 3 a
flow's law given as text becomes `{act: TEXT}`, marked for a person to state its provision and kind,
and is copied, marked too, to `art9_law` where the flow's Art. 9(2) condition rests on a law; the
accepted risks leave the file, each listed for the assessor's decisions file. From version 3 to 4 the
facts that decide real cases (consent, retention and de-identification, security, incidents and
roles, transfers) are asked for anew; a file stating none of them (the minimal solution) only has its
version set. An upgrade runs every step from the file's version to the current one, so a file of
version 1 or 2 ends at version 4. The tests run the real CLI and the real loader on files of versions
1, 2 and 3, the examples among them.

The machinery a future step will use (renaming a field with its comments, a value without a faithful
form, JSON, `-o`, `--diff`, atomic writes) is tested with synthetic steps from the current version
(`CURRENT`) to the next (`NEXT`): each such test raises the current version to `NEXT` with monkeypatch
and registers its step after the real ones, then runs the real CLI and the real loader on real files.
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
from compliance.core.yamlio import format_path, load_text
from compliance.inputs import upgrade
from compliance.inputs.loader import load_packs, load_solution

AS_OF = "2026-12-01"
EXAMPLES = sorted((REPO / "examples").glob("*/solution.yaml"))
CURRENT = 4
NEXT = CURRENT + 1
"""The version a synthetic step upgrades to, made current by the `next_version` fixture."""

MINIMAL = re.sub(
    r"^schema_version: \d+$", f"schema_version: {CURRENT}", MINIMAL_SOLUTION_YAML, flags=re.MULTILINE
)
"""The minimal solution, at the current version."""

MINIMAL_V3 = MINIMAL.replace(f"schema_version: {CURRENT}\n", "schema_version: 3\n")
"""The minimal solution as a version-3 file: it states none of the facts version 4 asks for anew."""

VERSION_3_FIELDS = re.compile(r"^\s*(legal_basis_law|art9_law):", re.MULTILINE)


def uses_version_3_fields(path: Path) -> bool:
    """Whether an example states a law (in its version-3 form) or keeps a decisions file beside it
    (where version 2 had accepted risks): such an example has no version-1 or version-2 twin that
    upgrades to it without a person's decision."""
    text = path.read_text(encoding="utf-8")
    return VERSION_3_FIELDS.search(text) is not None or path.with_name("solution.decisions.yaml").exists()


PLAIN_EXAMPLES = [p for p in EXAMPLES if not uses_version_3_fields(p)]
"""The examples that read the same at versions 1 to 3 but for `standards` (and at version 4 as at 3)."""

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
    """An example (of those that use no field version 3 changed) as it was at version 1:
    `schema_version: 1`, without the `standards` line (and its comment) that it gained for version 2,
    where version 1 read the omission as every standard."""
    old, count = re.subn(rf"^schema_version: {CURRENT}$", "schema_version: 1", text, flags=re.MULTILINE)
    assert count == 1, "an example declares the current version once"
    return old.replace(EXAMPLE_STANDARDS, "")


def example_at_version_3(text: str) -> str:
    """An example as a version-3 file: only its `schema_version` set back."""
    old, count = re.subn(rf"^schema_version: {CURRENT}$", "schema_version: 3", text, flags=re.MULTILINE)
    assert count == 1, "an example declares the current version once"
    return old


def version_4_obstacles(example: str) -> list[str]:
    """The fields of an example that version 4 reads otherwise than version 3 did: what the loader
    refuses in its version-3 twin, sorted."""
    data = yaml.safe_load(example_at_version_3(example))
    return sorted(format_path(o.path) for o in upgrade.STEPS[2].obstacles(data))


def version_4_decisions(example: str) -> list[str]:
    """The fields the upgrade of an example's version-3 twin leaves marked for a person to decide
    (those version 4 reads otherwise, and those a person may have meant otherwise), sorted."""
    upgraded = upgrade.upgrade_text(example_at_version_3(example), "solution.yaml")
    return sorted(change.path for change in upgraded.undecided)


def decided(err: str) -> list[str]:
    """The fields an upgrade's stderr lists for a person's decision, sorted."""
    return sorted(line.split(": ")[1] for line in err.splitlines() if ": decide: " in line)


def added_and_removed(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines a unified diff adds and removes."""
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    added = [d[1:] for d in diff if d.startswith("+") and not d.startswith("+++")]
    removed = [d[1:] for d in diff if d.startswith("-") and not d.startswith("---")]
    return added, removed


STEP_LINE = re.compile(r"^compliance: .*: version \d+ -> \d+: ")


def without_steps(err: str) -> list[str]:
    """The lines an upgrade writes to stderr but those naming each step it ran (`version N -> N+1: ...`)."""
    return [line for line in err.splitlines() if STEP_LINE.match(line) is None]


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
OLD_MINIMAL = without_version(MINIMAL)
UPGRADED_MINIMAL = MINIMAL.replace("jurisdiction: DK\n", "jurisdiction: DK\n" + UPGRADE_STANDARDS)
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
# Synthetic steps from the current version to the next


def _rename_keep_for(doc: Any, edits: upgrade.Edits) -> None:
    upgrade.rename(doc, "flows[].keep_for", "retention", edits)


RENAME_KEEP_FOR = upgrade.Step(
    version=CURRENT,
    description="a flow's 'keep_for' is called 'retention'",
    apply=_rename_keep_for,
    replaces={"flows[].keep_for": "flows[].retention"},
)


def _indefinite_retentions(data: Any) -> list[tuple[str | int, ...]]:
    return [p for p in upgrade.find(data, "flows[].retention") if upgrade.value_at(data, p) == "indefinite"]


def _leave_indefinite_for_a_decision(doc: Any, edits: upgrade.Edits) -> None:
    for path in _indefinite_retentions(doc):
        edits.undecided(
            path, f"version {NEXT} reads 'indefinite' as 'until deleted by hand': keep it or give a period"
        )


def _check_indefinite(data: Mapping[str, Any]) -> list[upgrade.Obstacle]:
    return [
        upgrade.Obstacle(path, f"version {NEXT} of the solution format reads 'indefinite' otherwise")
        for path in _indefinite_retentions(data)
    ]


INDEFINITE_CHANGES_MEANING = upgrade.Step(
    version=CURRENT,
    description="'indefinite' retention means 'until deleted by hand'",
    apply=_leave_indefinite_for_a_decision,
    check=_check_indefinite,
)


@pytest.fixture
def next_version(monkeypatch: pytest.MonkeyPatch) -> Callable[[upgrade.Step], None]:
    """Make the next version current, reached from the current one by the given step (after the
    real steps)."""

    def use(step: upgrade.Step) -> None:
        monkeypatch.setattr(solution_model, "CURRENT_SCHEMA_VERSION", NEXT)
        monkeypatch.setattr(upgrade, "STEPS", (*REAL_STEPS, step))

    return use


# A file of the current version whose flows give their retention under the name a synthetic step
# renames, with comments on, above and below it, and one flow in flow style.
OLD_KEEP_FOR = textwrap.dedent(
    f"""\
    # A version {CURRENT} solution file.
    schema_version: {CURRENT}
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
      - {{id: sensor, name: Street sensor, kind: device, operator: city}}
      - {{id: platform, name: Data platform, kind: database, operator: city}}
    flows:
      - id: readings
        name: Sensor readings
        source: sensor
        destination: platform
        data_categories: [user.location.trace]
        # agreed with the city archive in 2025
        keep_for: P1Y     # case 2025-0142
        # the purposes are still open
      - {{id: status, name: Status, source: sensor, destination: platform, keep_for: "P30D"}}
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


def test_the_current_version_is_4() -> None:
    assert solution_model.CURRENT_SCHEMA_VERSION == CURRENT == 4
    assert upgrade.current_version() == 4


def test_a_file_without_a_version_is_read_as_version_1(write_solution) -> None:
    loaded = load_solution(write_solution(OLD_MINIMAL_WITH_STANDARDS))

    assert loaded.solution.schema_version == 1


def test_the_registry_has_one_step_for_every_version_below_the_current_one() -> None:
    versions = [step.version for step in upgrade.STEPS]

    assert sorted(versions) == list(range(1, solution_model.CURRENT_SCHEMA_VERSION))
    assert [s.version for s in upgrade.steps_from(1)] == versions
    assert upgrade.steps_from(solution_model.CURRENT_SCHEMA_VERSION) == []


def test_a_version_without_its_step_is_a_bug_not_a_skipped_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solution_model, "CURRENT_SCHEMA_VERSION", NEXT)
    assert upgrade.STEPS == REAL_STEPS  # the real steps 1 -> 2, 2 -> 3 and 3 -> 4, and none from 4

    with pytest.raises(AssertionError, match=f"no upgrade step from version {CURRENT} to {NEXT}"):
        upgrade.steps_from(1)


def test_two_steps_from_one_version_are_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solution_model, "CURRENT_SCHEMA_VERSION", NEXT)
    monkeypatch.setattr(upgrade, "STEPS", (*REAL_STEPS, RENAME_KEEP_FOR, INDEFINITE_CHANGES_MEANING))

    with pytest.raises(AssertionError, match=f"two upgrade steps from version {CURRENT}"):
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
    path = write_solution(MINIMAL + "sources:\n  schema_version: {kind: document}\n")
    run = cli("assess", path)

    assert run.code == 2
    assert "sources: 'schema_version' is not a field of this object" in run.err


@pytest.mark.parametrize("value", ["0", '"1"', "true", "1.5", "null"])
def test_a_version_that_is_not_a_whole_number_from_1_is_refused(value: str, write_solution, cli) -> None:
    path = write_solution(MINIMAL.replace(f"schema_version: {CURRENT}\n", f"schema_version: {value}\n"))

    for argv in (("assess", path), ("upgrade", path)):
        run = cli(*argv)
        assert run.code == 2, run.err
        assert f"{path}:1:1: schema_version: " in run.err
        assert f"is not a version of the solution format: write a whole number from 1 to {CURRENT}" in run.err


def test_a_file_written_for_a_newer_version_is_refused_and_left_alone(write_solution, cli) -> None:
    text = MINIMAL.replace(f"schema_version: {CURRENT}\n", f"schema_version: {NEXT}\n")
    path = write_solution(text)

    upgraded = cli("upgrade", path)
    assessed = cli("assess", path)

    message = (
        f"{path}:1:1: schema_version: written for version {NEXT} of the solution format; this "
        f"compliance-engine reads up to {CURRENT}: upgrade compliance-engine"
    )
    assert (upgraded.code, assessed.code) == (2, 2)
    assert message in upgraded.err
    assert message in assessed.err
    assert path.read_text(encoding="utf-8") == text
    assert files_in(path.parent) == ["solution.yaml"]


def test_the_newest_version_read_follows_the_current_one_when_it_is_raised(
    next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    current = write_solution(MINIMAL.replace(f"schema_version: {CURRENT}\n", f"schema_version: {NEXT}\n"))
    newer = write_solution(
        MINIMAL.replace(f"schema_version: {CURRENT}\n", f"schema_version: {NEXT + 1}\n"), name="newer.yaml"
    )

    assert load_solution(current).solution.schema_version == NEXT
    run = cli("assess", newer)
    assert run.code == 2
    assert (
        f"{newer}:1:1: schema_version: written for version {NEXT + 1} of the solution format; this "
        f"compliance-engine reads up to {NEXT}: upgrade compliance-engine"
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
            f"schema_version: {CURRENT}",
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
        f"compliance: {path}: version 2 -> 3: {upgrade.STEPS[1].description}",
        f"compliance: {path}: version 3 -> 4: {upgrade.STEPS[2].description}",
        f"{path}:1:1: standards: added iso27001, etsi-en-303-645: version 1 assessed against every "
        "standard when this was left out; keep those that apply",
        f"{path}:1:1: schema_version: set to {CURRENT} (left out, which means version 1)",
        f"compliance: upgraded {path} to version {CURRENT}",
    ]
    solution = load_solution(path).solution
    assert solution.schema_version == CURRENT
    assert solution.standards == list(solution_model.Standard)
    assert cli("assess", path, "--as-of", AS_OF).code == 0


def test_a_declared_version_1_is_set_to_the_current_version_where_it_stands(write_solution, cli) -> None:
    old = "# mine\nschema_version: 1   # as written in 2025\n" + OLD_MINIMAL
    path = write_solution(old)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    added, removed = added_and_removed(old, path.read_text(encoding="utf-8"))
    assert removed == ["schema_version: 1   # as written in 2025"]
    assert added == [
        f"schema_version: {CURRENT}   # as written in 2025",
        "# version 1 assessed against every standard when this was left out; keep those that apply",
        EVERY_STANDARD,
    ]
    assert f"{path}:2:1: schema_version: set to {CURRENT} (was 1)" in run.err.splitlines()
    assert load_solution(path).solution.schema_version == CURRENT


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
    assert path.read_text(encoding="utf-8") == f"schema_version: {CURRENT}\n" + old
    assert without_steps(run.err) == [
        f"{path}:1:1: schema_version: set to {CURRENT} (left out, which means version 1)",
        f"compliance: upgraded {path} to version {CURRENT}",
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
    assert written == {**data, "schema_version": CURRENT, "standards": ["iso27001", "etsi-en-303-645"]}
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
    assert path.read_text(encoding="utf-8") == f"schema_version: {CURRENT}\n" + text


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
        f"schema_version: {CURRENT}",
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
        "compliance: 2 values wait for a person's decision (listed above; those in the file, marked "
        "'# compliance upgrade:'); decide each, then delete its mark"
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
    assert solution.schema_version == CURRENT
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
    assert json.loads(path.read_text(encoding="utf-8")) == {"schema_version": CURRENT, **data}
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
# The real step from version 2 to 3: laws as objects, accepted risks out of the file


MINIMAL_V2 = MINIMAL.replace(f"schema_version: {CURRENT}\n", "schema_version: 2\n")

# A version-2 file with a care flow whose law is a folded text with a comment of its own, a flow
# whose law is a plain text, and accepted risks last.
OLD_LAWS = MINIMAL_V2.replace(
    "    data_categories: [user.location.trace]\n    retention: P1Y\n",
    textwrap.indent(
        textwrap.dedent(
            """\
            data_categories: [user.health.condition]
            lawful_basis: e
            legal_basis_law: >-   # from the care department
              Ældreloven § 10 og serviceloven § 83;
              databeskyttelsesloven § 7, stk. 3
            art9_condition: h
            retention: P1Y
            """
        ),
        "    ",
    ),
) + textwrap.dedent(
    """\
      - id: passages
        name: Plate passages
        source: sensor
        destination: platform
        data_categories: [user.identifier.licence_plate]
        lawful_basis: e
        legal_basis_law: Vejloven § 1, nr. 4   # the road authority's task
        retention: P30D
    accepted_risks:
      - rule: GDPR-5-1E-RETENTION
        target: readings
        reason: Retention is under review with the city archive
        approved_by: Head of IT, City of Example
        approved_on: 2026-06-01
        expires: 2027-06-30
      - {rule: GDPR-32-1A-ENCRYPTION-AT-REST, reason: Encryption planned, approved_by: CISO, expires: 2027-01-31}
    """
)

LAW_MARK = (
    "version 3 states this law as an object: keep the act (name and number) here, and state the "
    "provision and its kind: specific, general, unwritten or none"
)


def art9_mark(point: str) -> str:
    return (
        f"version 2 read legal_basis_law as the law of Art. 9(2)({point}) too; version 3 keeps that law "
        "apart: keep here only the law that allows the sensitive data, and state its provision and its "
        "kind: specific, general, unwritten or none"
    )


def test_a_version_2_file_with_laws_as_text_and_accepted_risks_is_refused_where_each_stands(
    write_solution, cli
) -> None:
    path = write_solution(OLD_LAWS)

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 2
    command = f"run: compliance upgrade {path}"
    law = (
        "version 3 of the solution format states this law as an object (act, provision and its kind: "
        "specific, general, unwritten or none), and the law of an Art. 9(2) condition apart, as art9_law"
    )
    assert sorted(run.err.splitlines()[1:]) == sorted(
        [
            f"  {path}:{located(OLD_LAWS, '    legal_basis_law: >-', 'legal')}: flows[0].legal_basis_law: "
            f"{law}; {command}",
            f"  {path}:{located(OLD_LAWS, '    legal_basis_law: Vejloven', 'legal')}: flows[1].legal_basis_law: "
            f"{law}; {command}",
            f"  {path}:{located(OLD_LAWS, 'accepted_risks:', 'accepted')}: accepted_risks: version 3 of the "
            "solution format replaces this field with accepted_risks in the assessor's decisions file "
            f"beside the solution; {command}",
        ]
    )
    assert path.read_text(encoding="utf-8") == OLD_LAWS


def test_upgrading_keeps_each_law_as_the_act_marked_for_its_provision_and_kind(write_solution, cli) -> None:
    path = write_solution(OLD_LAWS)

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    text = path.read_text(encoding="utf-8")
    added, removed = added_and_removed(OLD_LAWS, text)
    assert removed[:4] == [
        "schema_version: 2",
        "    legal_basis_law: >-   # from the care department",
        "      Ældreloven § 10 og serviceloven § 83;",
        "      databeskyttelsesloven § 7, stk. 3",
    ]
    assert "    legal_basis_law: Vejloven § 1, nr. 4   # the road authority's task" in removed
    assert added[:7] == [
        f"schema_version: {CURRENT}",
        f"    legal_basis_law:  # compliance upgrade: flows[0].legal_basis_law: {LAW_MARK}  # from the care "
        "department",
        "      act: >-",
        "        Ældreloven § 10 og serviceloven § 83;",
        "        databeskyttelsesloven § 7, stk. 3",
        "    art9_law: {act: 'Ældreloven § 10 og serviceloven § 83; databeskyttelsesloven § 7, stk. 3'}  "
        f"# compliance upgrade: flows[0].art9_law: {art9_mark('h')}",
        "    legal_basis_law: {act: 'Vejloven § 1, nr. 4'} # compliance upgrade: flows[1].legal_basis_law: "
        f"{LAW_MARK}  # the road authority's task",
    ]
    assert "accepted_risks" not in text
    assert "approved_by" not in text
    data = yaml.safe_load(text)
    assert [f.get("legal_basis_law") for f in data["flows"]] == [
        {"act": "Ældreloven § 10 og serviceloven § 83; databeskyttelsesloven § 7, stk. 3"},
        {"act": "Vejloven § 1, nr. 4"},
    ]
    assert files_in(path.parent) == ["solution.yaml"]  # no decisions file: that is the assessor's to write


def test_each_removed_accepted_risk_is_listed_with_the_decisions_file_to_record_it_in(
    write_solution, cli
) -> None:
    path = write_solution(OLD_LAWS)

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    lines = run.err.splitlines()
    assert (
        f"{path}:{located(OLD_LAWS, '  - rule: GDPR-5-1E', 'rule')}: accepted_risks[0]: decide: removed "
        "GDPR-5-1E-RETENTION for readings approved by Head of IT, City of Example until 2027-06-30: version 3 "
        "keeps accepted risks out of the solution file; if it still stands, the assessor records it in "
        "solution.decisions.yaml beside the solution, under accepted_risks, with approved_by as the "
        "approver's name and organisation"
    ) in lines
    assert any(
        line.startswith(f"{path}:")
        and ": accepted_risks[1]: decide: removed GDPR-32-1A-ENCRYPTION-AT-REST approved by CISO until "
        "2027-01-31: "
        in line
        for line in lines
    )
    assert (
        f"{path}:{located(OLD_LAWS, 'accepted_risks:', 'accepted')}: accepted_risks: removed: accepted risks "
        "are recorded by the assessor in solution.decisions.yaml"
    ) in lines
    assert "compliance: 5 values wait for a person's decision" in run.err  # 2 laws, 1 Art. 9 law, 2 risks


def test_a_marked_law_keeps_the_file_from_loading_until_a_person_states_its_provision_and_kind(
    write_solution, cli
) -> None:
    path = write_solution(OLD_LAWS)
    assert cli("upgrade", path).code == 1
    marked = path.read_text(encoding="utf-8")

    refused = cli("assess", path, "--as-of", AS_OF)

    assert refused.code == 2
    assert [p.split(": ", 3)[2] for p in refused.err.splitlines()[1:]] == [
        "flows[0].legal_basis_law",
        "flows[0].art9_law",
        "flows[1].legal_basis_law",
    ]

    # The person states each law and deletes the marks.
    decided = without_marks(marked)
    decided = decided.replace(
        "    art9_law: {act: 'Ældreloven § 10 og serviceloven § 83; databeskyttelsesloven § 7, stk. 3'}\n",
        "    art9_law: {act: Databeskyttelsesloven, provision: '§ 7, stk. 3', kind: specific}\n",
    )
    decided = decided.replace(
        "        databeskyttelsesloven § 7, stk. 3\n",
        "        databeskyttelsesloven § 7, stk. 3\n      provision: § 10\n      kind: specific\n",
    )
    decided = decided.replace(
        "{act: 'Vejloven § 1, nr. 4'}", "{act: Vejloven, provision: '§ 1, nr. 4', kind: general}"
    )
    path.write_text(decided, encoding="utf-8")

    flows = load_solution(path).solution.flows
    assert [(f.legal_basis_law.kind, f.art9_law) for f in flows if f.legal_basis_law] == [
        (
            solution_model.LawKind.SPECIFIC,
            solution_model.LawReference(
                act="Databeskyttelsesloven", provision="§ 7, stk. 3", kind=solution_model.LawKind.SPECIFIC
            ),
        ),
        (solution_model.LawKind.GENERAL, None),
    ]
    assert cli("assess", path, "--as-of", AS_OF).code == 0


@pytest.mark.parametrize(
    ("point", "copied"),
    [("b", True), ("g", True), ("h", True), ("i", True), ("j", True), ("a", False), ("e", False)],
)
def test_the_law_is_copied_to_art9_law_only_where_the_art9_condition_rests_on_a_law(
    point: str, copied: bool, write_solution, cli
) -> None:
    path = write_solution(OLD_LAWS.replace("    art9_condition: h\n", f"    art9_condition: {point}\n"))

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    flow = yaml.safe_load(path.read_text(encoding="utf-8"))["flows"][0]
    assert ("art9_law" in flow) is copied
    assert (f"flows[0].art9_law: decide: {art9_mark(point)}" in run.err) is copied
    if copied:
        assert list(flow).index("art9_law") == list(flow).index("art9_condition") + 1
        line = located(OLD_LAWS, "    art9_condition", "art9")
        assert f"{path}:{line}: flows[0].art9_law: decide: " in run.err  # located at the condition it serves


def test_a_version_2_json_file_gets_its_laws_as_objects_and_its_decisions_listed_on_stderr_only(
    tmp_path: Path, cli
) -> None:
    data = yaml.safe_load(OLD_LAWS)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    written = json.loads(path.read_text(encoding="utf-8"))
    assert "compliance upgrade" not in path.read_text(encoding="utf-8")
    assert "accepted_risks" not in written
    first, second = written["flows"]
    keys = list(data["flows"][0])
    after = keys.index("art9_condition") + 1
    assert list(first) == [*keys[:after], "art9_law", *keys[after:]]
    assert first["legal_basis_law"] == first["art9_law"] == {"act": data["flows"][0]["legal_basis_law"]}
    assert second["legal_basis_law"] == {"act": "Vejloven § 1, nr. 4"}
    assert "5 values wait for a person's decision (listed above)" in run.err


def test_a_version_2_file_without_laws_or_accepted_risks_loads_unchanged_and_upgrading_only_sets_the_version(
    write_solution, cli
) -> None:
    path = write_solution(MINIMAL_V2)

    assert load_solution(path).solution.schema_version == 2
    run = cli("upgrade", path)

    assert run.code == 0, run.err
    assert path.read_text(encoding="utf-8") == MINIMAL
    assert run.err.splitlines() == [
        f"compliance: {path}: version 2 -> 3: {upgrade.STEPS[1].description}",
        f"compliance: {path}: version 3 -> 4: {upgrade.STEPS[2].description}",
        f"{path}:1:1: schema_version: set to {CURRENT} (was 2)",
        f"compliance: upgraded {path} to version {CURRENT}",
    ]


@pytest.mark.parametrize("minimal", [MINIMAL_V3, MINIMAL], ids=["version-3", "current-version"])
def test_a_file_of_version_3_or_later_with_accepted_risks_is_told_they_moved_to_the_decisions_file(
    minimal: str, write_solution, cli
) -> None:
    path = write_solution(
        minimal
        + "accepted_risks:\n  - {rule: GDPR-5-1E-RETENTION, reason: x, approved_by: y, expires: 2027-01-01}\n"
    )

    run = cli("assess", path)

    assert run.code == 2
    assert "unknown field" not in run.err
    assert (
        f"{path}:22:1: accepted_risks: 'accepted_risks' is a field of version 2 of the solution format; "
        "version 3 replaces it with accepted_risks in the assessor's decisions file beside the solution"
    ) in run.err


@pytest.mark.parametrize("minimal", [MINIMAL_V3, MINIMAL], ids=["version-3", "current-version"])
def test_a_file_of_version_3_or_later_with_a_law_as_text_is_refused_as_not_an_object(
    minimal: str, write_solution, cli
) -> None:
    path = write_solution(
        minimal.replace(
            "    retention: P1Y\n", "    lawful_basis: e\n    legal_basis_law: Vejloven\n    retention: P1Y\n"
        )
    )

    run = cli("assess", path)

    assert run.code == 2
    assert f"{path}:22:5: flows[0].legal_basis_law: Input should be an object" in run.err


def law_text(law: dict[str, Any]) -> str:
    """A law object as the text version 2 had: its act and provision."""
    return " ".join(str(law[k]) for k in ("act", "provision") if k in law)


def laws_as_text(example: str) -> str:
    """An example as it was at version 2: each law object back to a text of its act and provision,
    no `art9_law`, `schema_version: 2`."""
    text = re.sub(rf"^schema_version: {CURRENT}$", "schema_version: 2", example, count=1, flags=re.MULTILINE)
    laws = iter(f["legal_basis_law"] for f in yaml.safe_load(text)["flows"] if "legal_basis_law" in f)
    out: list[str] = []
    skip = False
    for line in text.splitlines(keepends=True):
        if skip and line.startswith("      "):
            continue
        skip = False
        key = re.match(r"^    (legal_basis_law|art9_law):", line)
        if key is None:
            out.append(line)
            continue
        skip = True
        if key[1] == "legal_basis_law":
            out.append(f"    legal_basis_law: {json.dumps(law_text(next(laws)), ensure_ascii=False)}\n")
    return "".join(out)


@pytest.mark.parametrize(
    "example", [p for p in EXAMPLES if p not in PLAIN_EXAMPLES], ids=lambda p: p.parent.name
)
def test_an_example_with_laws_at_version_2_upgrades_with_every_law_marked_for_a_person(
    example: Path, tmp_path: Path, cli
) -> None:
    original = example.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    old = tmp_path / "solution.yaml"
    old.write_text(laws_as_text(original), encoding="utf-8")

    run = cli("upgrade", old)

    laws = [f for f in data["flows"] if "legal_basis_law" in f]
    art9 = [f for f in laws if f.get("art9_condition") in upgrade.ART9_LAW_POINTS]
    assert run.code == (1 if laws or version_4_decisions(original) else 0), run.err
    assert run.err.count(": legal_basis_law: decide: ") + run.err.count("].legal_basis_law: decide: ") == len(
        laws
    )
    assert run.err.count("].art9_law: decide: ") == len(art9)
    upgraded = yaml.safe_load(old.read_text(encoding="utf-8"))
    assert [f.get("legal_basis_law", {}).get("act") for f in upgraded["flows"]] == [
        law_text(f["legal_basis_law"]) if "legal_basis_law" in f else None for f in data["flows"]
    ]


# ---------------------------------------------------------------------------------------------
# Upgrading the examples as files of version 1 (those that use no field version 3 changed; the
# others are upgraded from version 2 above; every example is upgraded from version 3 below)


def test_the_examples_include_ones_that_stated_their_standards_in_version_1_and_ones_that_did_not() -> None:
    gained = [p.parent.name for p in EXAMPLES if EXAMPLE_STANDARDS in p.read_text(encoding="utf-8")]

    assert 0 < len(gained) < len(EXAMPLES)


def test_some_examples_use_no_field_that_version_3_changed_and_some_do() -> None:
    assert 0 < len(PLAIN_EXAMPLES) < len(EXAMPLES)


@pytest.mark.parametrize("example", PLAIN_EXAMPLES, ids=lambda p: p.parent.name)
def test_an_example_at_version_1_upgrades_to_the_example_itself(example: Path, tmp_path: Path, cli) -> None:
    original = example.read_text(encoding="utf-8")
    old_text = example_at_version_1(original)
    old = tmp_path / "solution.yaml"
    old.write_text(old_text, encoding="utf-8")

    decisions = version_4_decisions(original)  # the version-3 twin's: steps 1 -> 3 add none

    run = cli("upgrade", old)

    assert run.code == (1 if decisions else 0), run.err
    assert decided(run.err) == decisions
    upgraded = old.read_text(encoding="utf-8")
    # every comment, blank line, quote and indent as it was (once each value version 4 reads
    # otherwise is decided as it stands); where the example gained `standards` by hand for version 2,
    # the upgrade writes the same list with its own comment
    assert without_marks(upgraded) == original.replace(EXAMPLE_STANDARDS, UPGRADE_STANDARDS)
    line = located(old_text, "schema_version: 1", "schema_version")
    assert f"{old}:{line}: schema_version: set to {CURRENT} (was 1)\n" in run.err
    assert (": standards: added iso27001, etsi-en-303-645: " in run.err) == (EXAMPLE_STANDARDS in original)
    assert f"compliance: upgraded {old} to version {CURRENT}\n" in run.err


@pytest.mark.parametrize("example", PLAIN_EXAMPLES, ids=lambda p: p.parent.name)
def test_an_upgraded_example_assesses_to_the_same_results_as_the_example(
    example: Path, tmp_path: Path, cli
) -> None:
    old = tmp_path / "solution.yaml"
    original = example.read_text(encoding="utf-8")
    old.write_text(example_at_version_1(original), encoding="utf-8")
    assert cli("upgrade", old).code == (1 if version_4_decisions(original) else 0)
    old.write_text(without_marks(old.read_text(encoding="utf-8")), encoding="utf-8")  # decided as they stand

    before = cli("assess", example, "--as-of", AS_OF, "--format", "json", "--no-scan")
    after = cli("assess", old, "--as-of", AS_OF, "--format", "json", "--no-scan")

    assert (before.code, after.code) == (0, 0), before.err + after.err
    mine, theirs = after.json(), before.json()
    assert mine["findings"] == theirs["findings"]
    assert (mine["verdict"], mine["score"]) == (theirs["verdict"], theirs["score"])
    mine.pop("inputs")  # the file's hash differs where only a comment does
    theirs.pop("inputs")
    mine.pop("run")  # each run has an ID of its own
    theirs.pop("run")
    assert mine == theirs


def test_upgrading_twice_changes_nothing_the_second_time(tmp_path: Path, cli) -> None:
    path = tmp_path / "solution.yaml"
    path.write_text(OLD_MINIMAL, encoding="utf-8")
    assert cli("upgrade", path).code == 0
    once = path.read_bytes()
    stamp = path.stat().st_mtime_ns

    again = cli("upgrade", path)

    assert again.code == 0, again.err
    assert again.err == f"compliance: {path}: already at version {CURRENT}\n"
    assert path.read_bytes() == once
    assert path.stat().st_mtime_ns == stamp


def test_an_old_json_file_is_upgraded_as_json_with_its_key_order(tmp_path: Path, cli) -> None:
    example = PLAIN_EXAMPLES[0].read_text(encoding="utf-8")
    data = load_text(without_version(example), "example").data
    assert "standards" in data
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=4, ensure_ascii=False), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == (1 if version_4_decisions(example) else 0), run.err
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps({"schema_version": CURRENT, **data}, indent=2, ensure_ascii=False) + "\n"
    assert list(json.loads(text)) == ["schema_version", *data]
    assert load_solution(path).solution.schema_version == CURRENT


# ---------------------------------------------------------------------------------------------
# Layout kept


LAYOUTS = [
    pytest.param(MINIMAL, id="two-space-mappings-indented-sequences"),
    pytest.param(MINIMAL.replace("\n  - ", "\n- ").replace("\n    ", "\n  "), id="flush-dashes"),
    pytest.param(MINIMAL.replace("\n  ", "\n    "), id="four-space-mappings"),
    pytest.param(
        "---\n# a comment\n"
        + MINIMAL.replace("jurisdiction: DK", "jurisdiction: 'DK'")
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
        f"schema_version: {CURRENT}",
        "# version 1 assessed against every standard when this was left out; keep those that apply",
        EVERY_STANDARD,
    ]
    assert "laid out anew" not in run.err
    assert load_solution(path).solution.schema_version == CURRENT


@pytest.mark.parametrize("text", LAYOUTS)
def test_a_file_keeps_its_own_layout_through_a_later_step(
    text: str, next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(text)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    added, removed = added_and_removed(text, path.read_text(encoding="utf-8"))
    assert (added, removed) == ([f"schema_version: {NEXT}"], [f"schema_version: {CURRENT}"])
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
# The real step from version 3 to 4, as a whole (what each of its parts asks for is tested with the
# part; here, only what holds whatever the parts do to a file that states none of their facts)


def test_the_step_from_version_3_is_the_real_step_to_version_4() -> None:
    (step,) = upgrade.steps_from(3)

    assert step is REAL_STEPS[2]
    assert step.version == 3
    assert (step.apply, step.check) == (upgrade._version_3_to_4, upgrade._version_3_obstacles)
    assert [s.version for s in upgrade.steps_from(2)] == [2, 3]
    assert step.obstacles(yaml.safe_load(MINIMAL_V3)) == []


def test_a_minimal_version_3_file_loads_unchanged(write_solution, cli) -> None:
    path = write_solution(MINIMAL_V3)

    assert load_solution(path).solution.schema_version == 3
    run = cli("assess", path, "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert path.read_text(encoding="utf-8") == MINIMAL_V3


def test_a_minimal_version_3_file_upgrades_to_version_4_with_the_single_change_of_its_version(
    write_solution, cli
) -> None:
    path = write_solution(MINIMAL_V3)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    assert path.read_text(encoding="utf-8") == MINIMAL
    assert run.err.splitlines() == [
        f"compliance: {path}: version 3 -> 4: {upgrade.STEPS[2].description}",
        f"{path}:1:1: schema_version: set to 4 (was 3)",
        f"compliance: upgraded {path} to version 4",
    ]
    assert load_solution(path).solution.schema_version == 4


def test_diff_of_a_minimal_version_3_file_shows_only_its_version_line(write_solution, cli) -> None:
    path = write_solution(MINIMAL_V3)

    run = cli("upgrade", path, "--diff")

    assert run.code == 0, run.err
    assert run.out.splitlines()[:3] == [f"--- {path}", f"+++ {path} (version 4)", "@@ -1,4 +1,4 @@"]
    assert [line for line in run.out.splitlines()[3:] if line[:1] in "+-"] == [
        "-schema_version: 3",
        "+schema_version: 4",
    ]
    assert path.read_text(encoding="utf-8") == MINIMAL_V3
    assert files_in(path.parent) == ["solution.yaml"]


def test_a_minimal_version_3_json_file_only_has_its_version_set(tmp_path: Path, cli) -> None:
    data = yaml.safe_load(MINIMAL_V3)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written == {**data, "schema_version": 4}
    assert list(written) == list(data)


@pytest.mark.parametrize("text", LAYOUTS)
def test_a_version_3_file_keeps_its_own_layout_when_upgraded(text: str, write_solution, cli) -> None:
    old = text.replace(f"schema_version: {CURRENT}\n", "schema_version: 3\n")
    path = write_solution(old)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    assert added_and_removed(old, path.read_text(encoding="utf-8")) == (
        ["schema_version: 4"],
        ["schema_version: 3"],
    )
    assert "laid out anew" not in run.err


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_an_example_at_version_3_upgrades_to_the_example_itself(example: Path, tmp_path: Path, cli) -> None:
    original = example.read_text(encoding="utf-8")
    old_text = example_at_version_3(original)
    old = tmp_path / "solution.yaml"
    old.write_text(old_text, encoding="utf-8")
    obstacles = version_4_obstacles(original)
    if obstacles:  # the loader refuses the twin where version 4 reads a value otherwise, and only there
        with pytest.raises(SolutionError) as info:
            load_solution(old)
        assert sorted(p.path for p in info.value.problems) == obstacles
    else:
        assert load_solution(old).solution.schema_version == 3

    run = cli("upgrade", old)

    decisions = decided(run.err)
    assert set(obstacles) <= set(decisions)  # each value the loader refuses is left for a person
    assert run.code == (1 if decisions else 0), run.err
    upgraded = old.read_text(encoding="utf-8")
    assert upgraded.count("# compliance upgrade:") == len(decisions)
    assert without_marks(upgraded) == original  # every line as it was but the version, and the marks
    line = located(old_text, "schema_version: 3", "schema_version")
    assert f"{old}:{line}: schema_version: set to 4 (was 3)" in run.err.splitlines()
    assert f"compliance: upgraded {old} to version 4" in run.err.splitlines()


# ---------------------------------------------------------------------------------------------
# A step that renames a field


def test_the_loader_names_the_field_that_replaced_a_renamed_one_and_the_command(
    next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 2
    assert "unknown field" not in run.err
    command = f"run: compliance upgrade {path}"
    assert (
        f"{path}:23:5: flows[0].keep_for: version {NEXT} of the solution format replaces this field with "
        f"flows[0].retention; {command}"
    ) in run.err
    assert (
        f"{path}:25:71: flows[1].keep_for: version {NEXT} of the solution format replaces this field with "
        f"flows[1].retention; {command}"
    ) in run.err


def test_a_renamed_field_keeps_its_place_and_every_comment_on_and_around_it(
    next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    text = path.read_text(encoding="utf-8")
    added, removed = added_and_removed(OLD_KEEP_FOR, text)
    assert removed == [
        f"schema_version: {CURRENT}",
        "    keep_for: P1Y     # case 2025-0142",
        '  - {id: status, name: Status, source: sensor, destination: platform, keep_for: "P30D"}',
    ]
    assert added == [
        f"schema_version: {NEXT}",
        "    retention: P1Y    # case 2025-0142",
        '  - {id: status, name: Status, source: sensor, destination: platform, retention: "P30D"}',
    ]
    assert "    # agreed with the city archive in 2025\n    retention: P1Y" in text
    assert "# case 2025-0142\n    # the purposes are still open\n" in text
    assert run.err.splitlines() == [
        f"compliance: {path}: version {CURRENT} -> {NEXT}: a flow's 'keep_for' is called 'retention'",
        f"{path}:2:1: schema_version: set to {NEXT} (was {CURRENT})",
        f"{path}:23:5: flows[0].keep_for: renamed to 'retention'",
        f"{path}:25:71: flows[1].keep_for: renamed to 'retention'",
        f"compliance: upgraded {path} to version {NEXT}",
    ]
    flows = load_solution(path).solution.flows
    assert [f.retention for f in flows] == ["P1Y", "P30D"]
    assert cli("assess", path, "--as-of", AS_OF).code == 0


def test_a_file_of_the_new_version_using_a_renamed_field_is_told_what_replaced_it(
    next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR.replace(f"schema_version: {CURRENT}\n", f"schema_version: {NEXT}\n"))

    run = cli("assess", path)

    assert run.code == 2
    assert (
        f"{path}:23:5: flows[0].keep_for: 'keep_for' is a field of version {CURRENT} of the solution format; "
        f"version {NEXT} replaces it with flows[0].retention"
    ) in run.err
    assert "unknown field" not in run.err
    assert "compliance upgrade" not in run.err  # it is at the new version already: upgrading does nothing


def test_an_old_file_that_uses_no_replaced_field_loads_unchanged(next_version, write_solution, cli) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(MINIMAL)

    run = cli("assess", path, "--as-of", AS_OF)

    assert run.code == 0, run.err
    assert load_solution(path).solution.schema_version == CURRENT


def test_a_version_1_file_is_carried_through_every_step_to_the_current_version(
    next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    old = without_version(OLD_KEEP_FOR)
    path = write_solution(old)
    # the loader names what keeps the file from version 2 first: a later step reads a later version
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
        f"schema_version: {NEXT}",
        "# version 1 assessed against every standard when this was left out; keep those that apply",
        EVERY_STANDARD,
        "    retention: P1Y    # case 2025-0142",
        '  - {id: status, name: Status, source: sensor, destination: platform, retention: "P30D"}',
    ]
    assert [line for line in run.err.splitlines() if " -> " in line] == [
        f"compliance: {path}: version 1 -> 2: {upgrade.STEPS[0].description}",
        f"compliance: {path}: version 2 -> 3: {upgrade.STEPS[1].description}",
        f"compliance: {path}: version 3 -> 4: {upgrade.STEPS[2].description}",
        f"compliance: {path}: version {CURRENT} -> {NEXT}: a flow's 'keep_for' is called 'retention'",
    ]
    solution = load_solution(path).solution
    assert (solution.schema_version, solution.standards) == (NEXT, list(solution_model.Standard))


def test_a_version_1_file_stating_its_standards_is_told_of_a_later_steps_renamed_field(
    next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(
        without_version(OLD_KEEP_FOR).replace("jurisdiction: DK\n", "jurisdiction: DK\nstandards: []\n")
    )

    run = cli("assess", path)

    assert run.code == 2
    assert (
        f"{path}:23:5: flows[0].keep_for: version {NEXT} of the solution format replaces this field with "
        f"flows[0].retention; run: compliance upgrade {path}"
    ) in run.err


def test_an_old_json_file_gets_its_renamed_field_in_the_same_place(next_version, tmp_path: Path, cli) -> None:
    next_version(RENAME_KEEP_FOR)
    data = yaml.safe_load(OLD_KEEP_FOR)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 0, run.err
    written = json.loads(path.read_text(encoding="utf-8"))
    assert list(written) == list(data)
    assert written["schema_version"] == NEXT
    assert [list(f) for f in written["flows"]] == [
        [k.replace("keep_for", "retention") for k in f] for f in data["flows"]
    ]
    assert path.read_text(encoding="utf-8").startswith(f'{{\n  "schema_version": {NEXT},\n  "id": "demo",\n')


def test_a_file_giving_both_the_old_and_the_new_name_keeps_both_for_a_decision(
    next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
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
    next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)
    assert cli("upgrade", path).code == 0
    once = path.read_bytes()

    again = cli("upgrade", path)

    assert again.code == 0, again.err
    assert again.err == f"compliance: {path}: already at version {NEXT}\n"
    assert path.read_bytes() == once


# ---------------------------------------------------------------------------------------------
# A step whose old value has no faithful form in the new version


INDEFINITE = MINIMAL.replace("retention: P1Y", "retention: indefinite")


def test_the_loader_says_an_old_value_would_now_mean_something_else(
    next_version, write_solution, cli
) -> None:
    next_version(INDEFINITE_CHANGES_MEANING)
    path = write_solution(INDEFINITE)

    run = cli("assess", path)

    assert run.code == 2
    assert (
        f"{path}:21:5: flows[0].retention: version {NEXT} of the solution format reads 'indefinite' otherwise; "
        f"run: compliance upgrade {path}"
    ) in run.err


def test_a_value_without_a_faithful_form_stays_marked_for_a_decision_and_exits_1(
    next_version, write_solution, cli
) -> None:
    next_version(INDEFINITE_CHANGES_MEANING)
    old = MINIMAL.replace("retention: P1Y", "retention: indefinite  # as the law says")
    path = write_solution(old)

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    added, removed = added_and_removed(old, path.read_text(encoding="utf-8"))
    assert removed == [f"schema_version: {CURRENT}", "    retention: indefinite  # as the law says"]
    assert added == [
        f"schema_version: {NEXT}",
        f"    retention: indefinite  # compliance upgrade: flows[0].retention: version {NEXT} reads 'indefinite' "
        "as 'until deleted by hand': keep it or give a period  # as the law says",
    ]
    assert (
        f"{path}:21:5: flows[0].retention: decide: version {NEXT} reads 'indefinite' as 'until deleted by hand': "
        "keep it or give a period"
    ) in run.err
    assert (
        "1 value waits for a person's decision (listed above; in the file, marked '# compliance upgrade:')"
        in run.err
    )


def test_a_marked_value_keeps_the_file_from_loading_until_its_mark_is_deleted(
    next_version, write_solution, cli
) -> None:
    next_version(INDEFINITE_CHANGES_MEANING)
    path = write_solution(INDEFINITE)
    assert cli("upgrade", path).code == 1

    refused = cli("assess", path, "--as-of", AS_OF)

    assert refused.code == 2
    assert (
        f"{path}:21:28: `compliance upgrade` left this value for a person to decide: flows[0].retention: "
        f"version {NEXT} reads 'indefinite' as 'until deleted by hand': keep it or give a period; decide, then "
        "delete the comment"
    ) in refused.err
    decided = "\n".join(line.split("  # compliance upgrade:")[0] for line in path.read_text().splitlines())
    path.write_text(decided + "\n", encoding="utf-8")
    assert cli("assess", path, "--as-of", AS_OF).code == 0


def test_a_json_value_without_a_faithful_form_is_listed_on_stderr_only(
    next_version, tmp_path: Path, cli
) -> None:
    next_version(INDEFINITE_CHANGES_MEANING)
    data = yaml.safe_load(INDEFINITE)
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    run = cli("upgrade", path)

    assert run.code == 1, run.err
    assert json.loads(path.read_text(encoding="utf-8")) == {**data, "schema_version": NEXT}
    assert "compliance upgrade" not in path.read_text(encoding="utf-8")
    assert f"{path}:" in run.err
    assert f"flows[0].retention: decide: version {NEXT} reads 'indefinite'" in run.err
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
    assert f"compliance: wrote {out} (version {CURRENT})" in run.err


def test_output_through_a_later_step_writes_the_upgraded_file_elsewhere(
    next_version, write_solution, tmp_path: Path, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)
    out = tmp_path / "new.yaml"

    run = cli("upgrade", path, "-o", out)

    assert run.code == 0, run.err
    assert path.read_text(encoding="utf-8") == OLD_KEEP_FOR
    assert "retention: P1Y" in out.read_text(encoding="utf-8")
    assert f"compliance: wrote {out} (version {NEXT})" in run.err


def test_output_of_a_file_at_the_current_version_is_a_copy_of_it(write_solution, tmp_path: Path, cli) -> None:
    text = MINIMAL
    path = write_solution(text)
    out = tmp_path / "copy.yaml"

    run = cli("upgrade", path, "-o", out)

    assert run.code == 0, run.err
    assert f"compliance: {path}: already at version {CURRENT}\n" in run.err
    assert out.read_text(encoding="utf-8") == path.read_text(encoding="utf-8") == text


def test_diff_prints_a_unified_diff_and_writes_nothing(write_solution, cli) -> None:
    path = write_solution(OLD_MINIMAL)

    run = cli("upgrade", path, "--diff")

    assert run.code == 0, run.err
    assert run.out.splitlines()[:9] == [
        f"--- {path}",
        f"+++ {path} (version {CURRENT})",
        "@@ -1,6 +1,9 @@",
        f"+schema_version: {CURRENT}",
        " id: demo",
        " name: Demo solution",
        " jurisdiction: DK",
        "+# version 1 assessed against every standard when this was left out; keep those that apply",
        f"+{EVERY_STANDARD}",
    ]
    assert path.read_text(encoding="utf-8") == OLD_MINIMAL
    assert files_in(path.parent) == ["solution.yaml"]


def test_diff_through_a_later_step_prints_the_rename_and_writes_nothing(
    next_version, write_solution, cli
) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    run = cli("upgrade", path, "--diff")

    assert run.code == 0, run.err
    assert f"-schema_version: {CURRENT}\n+schema_version: {NEXT}\n" in run.out
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


def test_a_step_failing_half_way_leaves_the_file_byte_identical(next_version, write_solution, cli) -> None:
    next_version(
        upgrade.Step(CURRENT, "fails", _rename_then_fail, replaces={"flows[].keep_for": "flows[].retention"})
    )
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
        pytest.param(MINIMAL + "id: again\n", ":22:1:", "duplicate key 'id'", id="duplicate-key"),
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
    next_version, write_solution, capsys
) -> None:
    next_version(RENAME_KEEP_FOR)
    path = write_solution(OLD_KEEP_FOR)

    with pytest.raises(SolutionError) as info:
        load_solution(path)

    assert [p.path for p in info.value.problems] == ["flows[0].keep_for", "flows[1].keep_for"]
    assert capsys.readouterr() == ("", "")
