"""Safe YAML loading: YAML 1.2 scalars, hostile documents refused early with file:line:column."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers import MINIMAL_SOLUTION_YAML

from compliance.core.errors import InputError
from compliance.core.yamlio import load_text
from compliance.inputs.files import load_file
from compliance.inputs.loader import SOLUTION_MAX_BYTES, load_solution


def problem_of(text: str) -> str:
    """The single problem reported for a document, as printed."""
    with pytest.raises(InputError) as info:
        load_text(text, "input.yaml")
    (problem,) = info.value.problems
    return str(problem)


# ---------------------------------------------------------------------------------------------
# Scalars


@pytest.mark.parametrize("word", ["NO", "no", "No", "yes", "YES", "on", "off", "y", "n"])
def test_yaml_1_1_boolean_words_stay_strings(word: str) -> None:
    assert load_text(f"country: {word}\n", "input.yaml").data == {"country": word}


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False), ("True", True)])
def test_yaml_1_2_booleans_are_booleans(text: str, value: bool) -> None:
    assert load_text(f"flag: {text}\n", "input.yaml").data == {"flag": value}


def test_country_code_norway_is_not_read_as_false(write_solution, cli) -> None:
    path = write_solution(MINIMAL_SOLUTION_YAML.replace("country: DK", "country: NO"))

    run = cli("assess", path, "--format", "json", "--as-of", "2026-12-01")

    assert run.code == 0, run.err
    assert run.json()["solution"]["parties"][0]["country"] == "NO"


def test_dates_stay_strings_for_the_models_to_parse() -> None:
    data = load_text("completed_on: 2024-05-01\nstamp: 2024-05-01T10:00:00Z\n", "input.yaml").data

    assert data == {"completed_on": "2024-05-01", "stamp": "2024-05-01T10:00:00Z"}


def test_numbers_and_null_keep_their_types() -> None:
    data = load_text("a: 12\nb: 1.5\nc: ~\nd: null\n", "input.yaml").data

    assert data == {"a": 12, "b": 1.5, "c": None, "d": None}


def test_positions_of_keys_and_items_are_recorded() -> None:
    located = load_text("top:\n  items:\n    - x\n    - y\n", "input.yaml")

    assert located.where(("top", "items")) == (2, 3)
    assert located.where(("top", "items", 1)) == (4, 7)
    # An unknown child is placed at its closest known ancestor.
    assert located.where(("top", "items", 1, "missing")) == (4, 7)


# ---------------------------------------------------------------------------------------------
# Structure refused


def test_duplicate_key_is_refused_at_its_second_occurrence() -> None:
    message = problem_of("a: 1\nb:\n  c: 2\n  c: 3\n")

    assert message == "input.yaml:4:3: b.c: duplicate key 'c'"


def test_multi_document_stream_is_refused() -> None:
    message = problem_of("a: 1\n---\nb: 2\n")

    assert message.startswith("input.yaml:2:1:")
    assert "single document" in message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_document_is_refused(text: str) -> None:
    assert problem_of(text) == "input.yaml:1:1: the file is empty"


def test_invalid_yaml_names_line_and_column() -> None:
    message = problem_of("id: demo\nflows: [a, b\nname: x\n")

    assert message.startswith("input.yaml:3:5: invalid YAML:")


def test_bad_indentation_names_line_and_column() -> None:
    message = problem_of("id: demo\n  name: x\n")

    assert message.startswith("input.yaml:2:7: invalid YAML:")


def test_merge_keys_are_refused_where_they_stand() -> None:
    message = problem_of("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")

    assert message == "input.yaml:3:3: YAML merge keys (<<) are not supported"


def test_non_scalar_mapping_key_is_refused() -> None:
    assert problem_of("? [a, b]\n: 1\n") == "input.yaml:1:3: mapping keys must be plain text"


def test_python_tags_are_refused_as_invalid_yaml() -> None:
    message = problem_of("a: !!python/name:os.system\n")

    assert message.startswith("input.yaml:1:4: invalid YAML:")


def _plain(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def test_tagged_collections_never_construct_python_objects() -> None:
    text = "a: !!python/object/apply:os.system [echo hi]\nb: !!python/object:os.Thing {x: 1}\n"
    try:
        data = load_text(text, "input.yaml").data
    except InputError:
        return
    assert _plain(data)


@pytest.mark.parametrize("text", ["---\n", "null\n", "- a\n- b\n", "just text\n"])
def test_a_solution_that_is_not_a_mapping_is_refused(text: str, write_solution, cli) -> None:
    path = write_solution(text)

    run = cli("assess", path)

    assert run.code == 2
    assert run.err.count(str(path)) == 1


# ---------------------------------------------------------------------------------------------
# Alias bombs


def billion_laughs(levels: int = 9, fan_out: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * fan_out)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_positions_cover_every_key_and_item_and_nothing_else() -> None:
    text = 'a: 1\nb:\n  - x\n  - {c: 2, "d": [3]}\n"true": e\n'
    located = load_text(text, "input.yaml")
    assert dict(located.positions) == {
        (): (1, 1),
        ("a",): (1, 1),
        ("b",): (2, 1),
        ("b", 0): (3, 5),
        ("b", 1): (4, 5),
        ("b", 1, "c"): (4, 6),
        ("b", 1, "d"): (4, 12),
        ("b", 1, "d", 0): (4, 18),
        ("true",): (5, 1),
    }
    assert len(located.positions) == 9
    for absent in [("c",), ("b", 2), ("b", -1), ("b", "0"), ("a", 0), ("b", True)]:
        assert absent not in located.positions
        assert located.positions.get(absent) is None


def test_positions_in_json_and_through_aliases() -> None:
    located = load_text('{\n  "k": [\n    1,\n    {"m": 2}\n  ]\n}\n', "input.json")
    assert located.where(("k", 1, "m")) == (4, 6)
    aliased = load_text("base: &b {x: 1}\nother: *b\n", "input.yaml")
    assert aliased.data == {"base": {"x": 1}, "other": {"x": 1}}
    # The alias's items stand where the anchored mapping wrote them.
    assert aliased.where(("other", "x")) == (1, 11)


def test_billion_laughs_alias_bomb_is_refused_before_expanding() -> None:
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_text(billion_laughs(), "bomb.yaml")
    elapsed = time.perf_counter() - started

    assert "expands to more than" in str(info.value)
    assert str(info.value).startswith("bomb.yaml:1:1:")
    # Generous bound: expanding 9**9 values would take minutes and gigabytes.
    assert elapsed < 10


def test_moderate_alias_reuse_is_accepted() -> None:
    data = load_text("a: &a [1, 2]\nb: *a\nc: *a\n", "input.yaml").data

    assert data == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "a: &a [1, [2, *a]]\n"])
def test_recursive_alias_is_refused(text: str) -> None:
    message = problem_of(text)

    assert message.startswith("input.yaml:1:4:")
    assert "recursive YAML alias" in message


# ---------------------------------------------------------------------------------------------
# Values JSON cannot hold


@pytest.mark.parametrize(
    "value",
    ["!!binary aGVsbG8=", "!!timestamp 2024-05-01", "!!set {a, b}"],
    ids=["binary", "timestamp", "set"],
)
def test_explicitly_tagged_value_is_an_input_error_not_an_internal_error(
    value: str, write_solution, cli
) -> None:
    path = write_solution(MINIMAL_SOLUTION_YAML.replace("name: Demo solution", f"name: {value}"))

    run = cli("assess", path)

    assert run.code == 2, run.err
    assert "internal error" not in run.err
    assert str(path) in run.err


# ---------------------------------------------------------------------------------------------
# Files


def test_file_above_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(SOLUTION_MAX_BYTES + 1)  # sparse: no blocks are written

    with pytest.raises(InputError) as info:
        load_solution(path)

    assert "above the limit" in str(info.value)
    assert str(info.value).startswith(f"{path}:")


def test_file_above_the_size_limit_exits_2_through_the_cli(tmp_path: Path, cli) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(1 << 40)  # a terabyte of holes: reading it would never finish

    run = cli("assess", path)

    assert run.code == 2
    assert "above the limit" in run.err


def test_size_limit_can_be_set_by_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text("a: 1234567890\n", encoding="utf-8")

    with pytest.raises(InputError, match="above the limit of 5 bytes"):
        load_file(path, max_bytes=5)


def test_non_utf8_bytes_are_refused_with_their_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Malmö\n".encode("latin-1"))

    with pytest.raises(InputError) as info:
        load_file(path)

    assert str(info.value) == f"{path}: not UTF-8 text (byte 10)"


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: Malmö\n".encode())

    assert load_file(path).data == {"name": "Malmö"}


def test_directory_instead_of_a_file_is_refused(tmp_path: Path, cli) -> None:
    folder = tmp_path / "solution.yaml"
    folder.mkdir()

    run = cli("assess", folder)

    assert run.code == 2
    assert f"{folder}: not a regular file" in run.err
    assert "Traceback" not in run.err


def test_missing_file_is_refused(tmp_path: Path, cli) -> None:
    path = tmp_path / "nowhere.yaml"

    run = cli("assess", path)

    assert run.code == 2
    assert f"{path}: file not found" in run.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_refused(tmp_path: Path, cli) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(MINIMAL_SOLUTION_YAML, encoding="utf-8")
    path.chmod(0)

    run = cli("assess", path)

    assert run.code == 2
    assert "cannot read file" in run.err


def test_json_solution_files_load_too(tmp_path: Path, cli) -> None:
    import json

    from helpers import minimal_solution

    path = tmp_path / "solution.json"
    path.write_text(json.dumps(minimal_solution(), indent=2), encoding="utf-8")

    run = cli("assess", path, "--as-of", "2026-12-01")

    assert run.code == 0, run.err
