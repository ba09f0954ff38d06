"""Every bundled example assesses to exactly the findings its expected.yaml records.

An example's `expected.yaml` is written from a data-protection review of the solution, not copied
from the engine. It lists every result other than `not_applicable` as an exact set, with the
verdict and whether a DPIA is required.

Where the engine and the expert view differ because a rule is wrong, the file says so under
`engine_disagreements` (rule, target, what the expert concludes, what the engine gives, and
why), and `engine_verdict` when that changes the verdict. The exact-set test then checks the
engine's present output, so every other result stays pinned; a separate strict xfail test per
disagreement checks the expert's outcome, so fixing the rule turns it into an XPASS failure that
asks for the entry to be removed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.core.engine import assess
from compliance.core.models.rules import Outcome
from compliance.inputs.decisions import default_path, load_decisions
from compliance.inputs.loader import load_solution

EXAMPLES_DIR = Path(__file__).parent.parent.joinpath("examples")
EXAMPLE_DIRS = sorted(p for p in EXAMPLES_DIR.iterdir() if p.is_dir() and not p.name.startswith("."))
EXAMPLES = sorted(EXAMPLES_DIR.glob("*/expected.yaml"))

Finding = tuple[str, str | None, str]
NOT_APPLICABLE = Outcome.NOT_APPLICABLE.value


def _expected(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _as_of(expected: dict[str, Any]) -> date:
    value = expected["as_of"]
    return value if isinstance(value, date) else date.fromisoformat(value)


def _expert_findings(expected: dict[str, Any]) -> set[Finding]:
    return {(f["rule"], f.get("target"), f["status"]) for f in expected["findings"]}


def _engine_findings(expected: dict[str, Any]) -> set[Finding]:
    """The expert's findings, adjusted by the documented disagreements to what the engine gives."""
    findings = _expert_findings(expected)
    for d in expected.get("engine_disagreements", []):
        findings.discard((d["rule"], d.get("target"), d["expert"]))
        if d["engine"] != NOT_APPLICABLE:
            findings.add((d["rule"], d.get("target"), d["engine"]))
    return findings


def _disagreements() -> list[tuple[Path, dict[str, Any]]]:
    return [(p, d) for p in EXAMPLES for d in _expected(p).get("engine_disagreements", [])]


def _assess_example(expected: Path, packs: list[Any]) -> Any:
    """An example assessed as its README says: with the assessor's decisions where it has them."""
    loaded = load_solution(expected.parent / "solution.yaml")
    beside = default_path(loaded.path)
    decided = load_decisions(beside, loaded, packs) if beside.exists() else None
    return assess(
        loaded.solution, packs, _as_of(_expected(expected)), decisions=decided.decisions if decided else None
    )


@pytest.fixture(scope="module")
def results(packs: list[Any]) -> dict[Path, Any]:
    return {p: _assess_example(p, packs) for p in EXAMPLES}


def _actual(result: Any) -> set[Finding]:
    return {
        (f.rule_id, f.target.id if f.target else None, f.status.value)
        for f in result.findings
        if f.status is not Outcome.NOT_APPLICABLE
    }


def test_there_are_examples_with_expectations() -> None:
    assert len(EXAMPLES) >= 9


@pytest.mark.parametrize("folder", EXAMPLE_DIRS, ids=lambda p: p.name)
def test_every_example_folder_has_a_solution_an_expectation_and_a_readme(folder: Path) -> None:
    missing = [
        name for name in ("solution.yaml", "expected.yaml", "README.md") if not (folder / name).is_file()
    ]
    assert missing == [], f"{folder.name}: missing {', '.join(missing)}"


@pytest.mark.parametrize("expected_file", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_assesses_to_exactly_its_expected_findings(
    expected_file: Path, results: dict[Path, Any]
) -> None:
    expected = _expected(expected_file)
    result = results[expected_file]

    actual = _actual(result)
    wanted = _engine_findings(expected)
    assert sorted(actual - wanted) == [], "findings the example does not expect"
    assert sorted(wanted - actual) == [], "expected findings that did not appear"
    assert result.verdict.value == expected.get("engine_verdict", expected["verdict"])
    assert result.dpia.required == expected["dpia_required"]


@pytest.mark.parametrize(
    "expected_file",
    [p for p in EXAMPLES if "controls" in _expected(p)],
    ids=lambda p: p.parent.name,
)
def test_example_controls_have_their_expected_status(expected_file: Path, results: dict[Path, Any]) -> None:
    """Where an example lists control statuses (`controls:` control ID -> status), the coverage,
    crosswalk included, gives exactly those."""
    expected = _expected(expected_file)["controls"]
    actual = {cid: results[expected_file].controls[cid].status.value for cid in expected}
    assert actual == expected


@pytest.mark.parametrize("expected_file", EXAMPLES, ids=lambda p: p.parent.name)
def test_expected_findings_are_well_formed(expected_file: Path) -> None:
    expected = _expected(expected_file)
    statuses = {o.value for o in Outcome} - {NOT_APPLICABLE}
    findings = [(f["rule"], f.get("target")) for f in expected["findings"]]
    assert len(findings) == len(set(findings)), "a rule and target are listed twice"
    assert {f["status"] for f in expected["findings"]} <= statuses
    for d in expected.get("engine_disagreements", []):
        assert d["expert"] != d["engine"]
        assert d.get("reason"), f"{d['rule']}: a disagreement must say why the rule is wrong"
        if d["expert"] != NOT_APPLICABLE:
            assert (d["rule"], d.get("target"), d["expert"]) in _expert_findings(expected)


@pytest.mark.parametrize(
    ("expected_file", "disagreement"),
    _disagreements(),
    ids=[f"{p.parent.name}:{d['rule']}:{d.get('target')}" for p, d in _disagreements()],
)
@pytest.mark.xfail(
    strict=True, reason="a rule disagrees with the expert view (see the example's expected.yaml)"
)
def test_engine_agrees_with_the_expert_view(
    expected_file: Path, disagreement: dict[str, Any], results: dict[Path, Any]
) -> None:
    result = results[expected_file]
    outcomes = {
        f.status.value
        for f in result.findings
        if f.rule_id == disagreement["rule"]
        and (f.target.id if f.target else None) == disagreement.get("target")
    } or {NOT_APPLICABLE}
    assert outcomes == {disagreement["expert"]}
    assert result.verdict.value == _expected(expected_file)["verdict"]


def test_at_least_two_examples_are_clean() -> None:
    """Clean: the expert finds no fail, unknown or accepted risk (obligations pending a later date
    aside), the verdict is ready, and the engine agrees."""
    clean = [
        p.parent.name
        for p in EXAMPLES
        if (e := _expected(p))["verdict"] == "ready"
        and not e.get("engine_disagreements")
        and all(f["status"] in (Outcome.PASS.value, Outcome.PENDING.value) for f in e["findings"])
    ]
    assert len(clean) >= 2, f"clean examples: {clean}"
