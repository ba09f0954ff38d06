"""`assess --format oscal`: the assessment as OSCAL assessment results, with the minimal assessment
plan it imports inside it, validated against the OSCAL models of compliance-trestle (a development
tool only, never a runtime dependency)."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from helpers import REPO
from pydantic import ValidationError
from trestle.oscal import assessment_plan, assessment_results

from compliance.core.engine import assess
from compliance.core.models.assessment import ControlStatus
from compliance.inputs.loader import load_packs, load_solution
from compliance.outputs import oscal

TRAFFIC = REPO / "examples" / "traffic-counting-us-cloud" / "solution.yaml"


def _results() -> tuple[dict, object]:  # type: ignore[type-arg]
    loaded = load_solution(TRAFFIC)
    a = assess(loaded.solution, load_packs(), date(2026, 12, 1), inputs=loaded.inputs)
    return json.loads(oscal.as_json(a)), a


def test_the_results_and_the_plan_they_import_are_valid_oscal() -> None:
    data, _a = _results()
    results = assessment_results.AssessmentResults.model_validate(data["assessment-results"])
    href = data["assessment-results"]["import-ap"]["href"]
    resources = {r["uuid"]: r for r in data["assessment-results"]["back-matter"]["resources"]}
    plan = json.loads(base64.b64decode(resources[href.lstrip("#")]["base64"]["value"]))
    parsed = assessment_plan.AssessmentPlan.model_validate(plan["assessment-plan"])
    # the plan imports the solution file, named with its SHA-256
    ssp = plan["assessment-plan"]["import-ssp"]["href"].lstrip("#")
    (solution,) = [r for r in plan["assessment-plan"]["back-matter"]["resources"] if r["uuid"] == ssp]
    assert solution["rlinks"][0]["hashes"][0]["algorithm"] == "SHA-256"
    assert parsed.metadata.oscal_version and results.results[0].findings
    # the models forbid what OSCAL does not define: a stray field fails
    bad = json.loads(json.dumps(data["assessment-results"]))
    bad["results"][0]["findings"][0]["colour"] = "green"
    with pytest.raises(ValidationError):
        assessment_results.AssessmentResults.model_validate(bad)


def test_each_decided_control_is_a_finding_and_unknown_is_never_satisfied() -> None:
    data, a = _results()
    findings = {f["target"]["target-id"]: f for f in data["assessment-results"]["results"][0]["findings"]}
    observations = {o["uuid"] for o in data["assessment-results"]["results"][0]["observations"]}
    decided = {cid: c for cid, c in a.controls.items() if c.status in oscal._STATES}  # type: ignore[attr-defined]
    assert set(findings) == set(decided)
    for cid, control in decided.items():
        state = findings[cid]["target"]["status"]["state"]
        assert (state == "satisfied") is (control.status is ControlStatus.MET), cid
        for link in findings[cid].get("related-observations", []):
            assert link["observation-uuid"] in observations
    unknown = [cid for cid, c in decided.items() if c.status is ControlStatus.UNKNOWN]
    for cid in unknown:
        assert findings[cid]["target"]["status"]["reason"] == "other"
    assert any(f.get("related-observations") for f in findings.values())


def test_the_same_assessment_gives_the_same_document_and_the_command_writes_it(tmp_path, cli) -> None:
    first, _ = _results()
    again, _ = _results()
    assert first == again
    out = tmp_path / "results.oscal.json"
    run = cli(
        "assess",
        TRAFFIC,
        "--as-of",
        "2026-12-01",
        "--no-scan",
        "-o",
        str(out),
        "-o",
        str(tmp_path / "a.json"),
    )
    assert run.code == 0, run.err
    written = json.loads(out.read_text(encoding="utf-8"))
    assessment_results.AssessmentResults.model_validate(written["assessment-results"])
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["schema_version"]
    run = cli("assess", TRAFFIC, "--as-of", "2026-12-01", "--no-scan", "--format", "oscal")
    assert run.code == 0 and json.loads(run.out)["assessment-results"]["results"]


def test_trestle_is_only_a_development_tool() -> None:
    package = REPO / "compliance"
    assert not [p for p in package.rglob("*.py") if "trestle" in p.read_text(encoding="utf-8")]
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    runtime = pyproject.split("[project.optional-dependencies]", 1)[0]
    assert "trestle" not in runtime and "compliance-trestle" in pyproject
