"""Every bundled example assesses to exactly the findings its expected.yaml records."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.engine import assess
from compliance.loader import load_packs, load_solution
from compliance.models.rules import Outcome

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("examples").glob("*/expected.yaml"))


def test_there_are_examples_with_expectations() -> None:
    assert len(EXAMPLES) >= 3


@pytest.fixture(scope="module")
def packs() -> list[Any]:
    return load_packs()


@pytest.mark.parametrize("expected_file", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_assesses_to_exactly_its_expected_findings(expected_file: Path, packs: list[Any]) -> None:
    expected = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
    loaded = load_solution(expected_file.parent / "solution.yaml")
    as_of = (
        expected["as_of"] if isinstance(expected["as_of"], date) else date.fromisoformat(expected["as_of"])
    )

    result = assess(loaded.solution, packs, as_of)

    actual = {
        (f.rule_id, f.target.id if f.target else None, f.status.value)
        for f in result.findings
        if f.status is not Outcome.NOT_APPLICABLE
    }
    wanted = {(f["rule"], f.get("target"), f["status"]) for f in expected["findings"]}
    assert sorted(actual - wanted) == [], "findings the example does not expect"
    assert sorted(wanted - actual) == [], "expected findings that did not appear"
    assert result.verdict.value == expected["verdict"]
    assert result.dpia.required == expected["dpia_required"]


def test_at_least_one_example_is_clean() -> None:
    verdicts = [yaml.safe_load(p.read_text(encoding="utf-8"))["verdict"] for p in EXAMPLES]
    assert "ready" in verdicts
