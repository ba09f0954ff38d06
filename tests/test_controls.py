"""Control coverage and the crosswalk: what carries across which mapping, and what never does."""

from __future__ import annotations

import json
from datetime import date

import pytest
from helpers import minimal_solution, pack_text, rule_dict

from compliance.core.controls import Catalogue, catalogue, coverage, direct_status
from compliance.core.errors import RulePackError
from compliance.core.models.assessment import ControlStatus, Finding
from compliance.core.models.controls import Control, Framework, Mapping, Relation
from compliance.core.models.rules import Outcome, Scope, Severity
from compliance.inputs.loader import load_pack_text

# ---------------------------------------------------------------------------------------------
# A small catalogue: framework A (controls A1-A4), framework B (B1-B4), framework C (C1).


def _fw(fid: str) -> Framework:
    return Framework(
        id=f"fw-{fid}",
        name=fid.upper(),
        title=f"Framework {fid}",
        kind="standard",
        source="test",
        citation_prefix=f"{fid.upper()} ",
    )


def _catalogue(*mappings: tuple[str, str, Relation]) -> Catalogue:
    frameworks = {f: _fw(f) for f in ("a", "b", "c")}
    ids = ["A-1", "A-2", "A-3", "A-4", "B-1", "B-2", "B-3", "B-4", "C-1"]
    controls = {i: Control(id=i, citation=f"{i[0]} {i}", title=f"control {i}") for i in ids}
    framework_of = {i: frameworks[i[0].lower()] for i in ids}
    return Catalogue(
        tuple(frameworks.values()),
        controls,
        framework_of,
        tuple(Mapping(source=s, target=t, relation=r) for s, t, r in mappings),
    )


def _finding(rule: str, status: Outcome, target: str | None = None) -> Finding:
    from compliance.core.models.assessment import Target

    return Finding(
        rule_id=rule,
        title=rule,
        framework="X",
        citation="X 1",
        pack="p",
        status=status,
        severity=Severity.HIGH,
        weight=4.0,
        scope=Scope.SYSTEM if target else Scope.SOLUTION,
        target=Target(Scope.SYSTEM, target, target) if target else None,
        explanation="",
        remediation="",
        facts=[],
    )


def _status(results: dict, cid: str) -> ControlStatus:
    return results[cid].status


# ---------------------------------------------------------------------------------------------
# A control's own rules


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([Outcome.PASS, Outcome.PASS], ControlStatus.MET),
        ([Outcome.PASS, Outcome.FAIL], ControlStatus.PARTIAL),
        ([Outcome.PASS, Outcome.UNKNOWN], ControlStatus.PARTIAL),
        ([Outcome.FAIL, Outcome.UNKNOWN], ControlStatus.NOT_MET),
        ([Outcome.UNKNOWN, Outcome.ACCEPTED], ControlStatus.UNKNOWN),
        ([Outcome.ACCEPTED, Outcome.NOT_APPLICABLE], ControlStatus.ACCEPTED),
        ([Outcome.PENDING, Outcome.NOT_APPLICABLE], ControlStatus.PENDING),
        ([Outcome.NOT_APPLICABLE], ControlStatus.NOT_APPLICABLE),
        ([Outcome.PASS, Outcome.NOT_APPLICABLE, Outcome.PENDING], ControlStatus.MET),
    ],
)
def test_a_controls_own_results_decide_its_status(outcomes: list[Outcome], expected: ControlStatus) -> None:
    findings = [_finding(f"R{i}", o) for i, o in enumerate(outcomes)]
    assert direct_status(findings) is expected


def test_a_control_no_rule_assesses_is_unknown_never_met() -> None:
    results, _ = coverage([], {}, _catalogue())
    assert _status(results, "A-1") is ControlStatus.UNKNOWN
    assert "not shown to be met" in results["A-1"].explanation_text


def test_one_failing_device_keeps_the_control_from_being_met() -> None:
    findings = [_finding("R", Outcome.PASS, "cam-1"), _finding("R", Outcome.FAIL, "cam-2")]
    results, _ = coverage(findings, {"R": ["A-1"]}, _catalogue())
    assert _status(results, "A-1") is ControlStatus.PARTIAL
    assert results["A-1"].counts.fail == 1


# ---------------------------------------------------------------------------------------------
# The crosswalk


def test_an_equivalent_carries_met_both_ways() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.EQUIVALENT))
    for rule_control, other in (("A-1", "B-1"), ("B-1", "A-1")):
        results, _ = coverage([_finding("R", Outcome.PASS)], {"R": [rule_control]}, cat)
        assert _status(results, other) is ControlStatus.MET
        assert results[other].basis == "crosswalk"
        assert results[other].via == [rule_control]


def test_an_equivalent_carries_not_met() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.EQUIVALENT))
    results, _ = coverage([_finding("R", Outcome.FAIL)], {"R": ["A-1"]}, cat)
    assert _status(results, "B-1") is ControlStatus.NOT_MET


def test_a_met_subset_makes_the_target_partial_never_met() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.SUBSET))
    results, _ = coverage([_finding("R", Outcome.PASS)], {"R": ["A-1"]}, cat)
    assert _status(results, "B-1") is ControlStatus.PARTIAL
    assert "Partly covered" in results["B-1"].explanation_text


def test_a_met_superset_does_not_carry_to_its_part() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.SUBSET))
    results, _ = coverage([_finding("R", Outcome.PASS)], {"R": ["B-1"]}, cat)
    assert _status(results, "A-1") is ControlStatus.UNKNOWN


def test_a_failed_subset_carries_nothing() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.SUBSET))
    results, _ = coverage([_finding("R", Outcome.FAIL)], {"R": ["A-1"]}, cat)
    assert _status(results, "B-1") is ControlStatus.UNKNOWN


@pytest.mark.parametrize("outcome", [Outcome.PASS, Outcome.FAIL])
def test_related_carries_nothing_but_a_pointer(outcome: Outcome) -> None:
    cat = _catalogue(("A-1", "B-1", Relation.RELATED))
    results, _ = coverage([_finding("R", outcome)], {"R": ["A-1"]}, cat)
    assert _status(results, "B-1") is ControlStatus.UNKNOWN
    assert results["B-1"].mappings == [{"control": "A-1", "relation": "related", "direction": "from"}]


def test_a_controls_own_conclusive_result_beats_the_crosswalk() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.EQUIVALENT))
    findings = [_finding("RA", Outcome.PASS), _finding("RB", Outcome.FAIL)]
    results, _ = coverage(findings, {"RA": ["A-1"], "RB": ["B-1"]}, cat)
    assert _status(results, "A-1") is ControlStatus.MET
    assert _status(results, "B-1") is ControlStatus.NOT_MET
    assert results["B-1"].basis == "rules"


def test_the_crosswalk_fills_an_unknown_own_result() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.EQUIVALENT))
    findings = [_finding("RA", Outcome.PASS), _finding("RB", Outcome.UNKNOWN)]
    results, _ = coverage(findings, {"RA": ["A-1"], "RB": ["B-1"]}, cat)
    assert _status(results, "B-1") is ControlStatus.MET


def test_disagreeing_equivalents_give_not_met() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.EQUIVALENT), ("C-1", "B-1", Relation.EQUIVALENT))
    findings = [_finding("RA", Outcome.PASS), _finding("RC", Outcome.FAIL)]
    results, _ = coverage(findings, {"RA": ["A-1"], "RC": ["C-1"]}, cat)
    assert _status(results, "B-1") is ControlStatus.NOT_MET


def test_only_one_hop_is_followed() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.EQUIVALENT), ("B-1", "C-1", Relation.EQUIVALENT))
    results, _ = coverage([_finding("R", Outcome.PASS)], {"R": ["A-1"]}, cat)
    assert _status(results, "B-1") is ControlStatus.MET
    assert _status(results, "C-1") is ControlStatus.UNKNOWN


def test_coverage_counts_controls_per_status_for_each_framework() -> None:
    cat = _catalogue(("A-1", "B-1", Relation.EQUIVALENT), ("A-2", "B-2", Relation.SUBSET))
    findings = [_finding("R1", Outcome.PASS), _finding("R2", Outcome.PASS), _finding("R3", Outcome.FAIL)]
    _, per_framework = coverage(findings, {"R1": ["A-1"], "R2": ["A-2"], "R3": ["A-3"]}, cat)
    assert per_framework["A"].counts == {
        "met": 2,
        "partial": 0,
        "not_met": 1,
        "unknown": 1,
        "accepted": 0,
        "pending": 0,
        "not_applicable": 0,
    }
    assert per_framework["B"].counts["met"] == 1
    assert per_framework["B"].counts["partial"] == 1
    assert per_framework["B"].controls == 4


# ---------------------------------------------------------------------------------------------
# The shipped catalogue and its use by rule packs


def test_the_shipped_catalogue_loads_with_every_framework() -> None:
    cat = catalogue()
    assert {fw.id for fw in cat.frameworks} == {
        "gdpr",
        "nis2",
        "iso27001",
        "etsi-en-303-645",
        "cra",
        "red",
        "ai-act",
    }
    assert len([c for c in cat.controls if c.startswith("ISO27001-")]) >= 30
    assert {f"ETSI-303645-5.{n}" for n in range(1, 14)} <= set(cat.controls)


def test_a_rule_naming_an_unknown_control_fails_to_load() -> None:
    text = pack_text(rule_dict(controls=["GDPR-32-1-Z"]))
    with pytest.raises(RulePackError) as exc:
        load_pack_text(text, "pack.yaml", "test")
    [problem] = exc.value.problems
    assert "unknown control 'GDPR-32-1-Z'" in str(problem)
    assert "did you mean 'GDPR-32-1-" in str(problem)
    assert problem.line is not None


def test_a_citation_of_a_catalogued_framework_must_be_known() -> None:
    text = pack_text(rule_dict(citation="NIS2 Art. 21(2)(k)", controls=["NIS2-21-2-J"]))
    with pytest.raises(RulePackError) as exc:
        load_pack_text(text, "pack.yaml", "test")
    assert "'NIS2 Art. 21(2)(k)' is not a provision of NIS2" in str(exc.value.problems[0])


def test_a_transposition_is_cited_only_for_its_jurisdiction() -> None:
    from compliance.core.engine import assess

    rule = rule_dict(
        citation="NIS2 Art. 21(2)(h)",
        controls=["NIS2-21-2-H"],
        transposition={"SE": "Cybersäkerhetslag (2025:1506)"},
    )
    pack = load_pack_text(pack_text(rule), "pack.yaml", "test")
    from helpers import solution_model

    for jurisdiction, expected in (("SE", "Cybersäkerhetslag (2025:1506)"), ("DK", None)):
        data = minimal_solution()
        data["jurisdiction"] = jurisdiction
        a = assess(solution_model(data), [pack], date(2026, 12, 1))
        assert {f.national_citation for f in a.findings} == {expected}


# ---------------------------------------------------------------------------------------------
# Whether NIS2 applies: the entity's own status, else its sectors and size


@pytest.mark.parametrize(
    ("entity", "expected"),
    [
        ({"nis2_status": "essential"}, True),
        ({"nis2_status": "out_of_scope", "sectors": ["energy_district_heating_cooling"]}, False),
        ({"sectors": ["energy_district_heating_cooling"], "size": "medium"}, True),
        ({"sectors": ["waste_management"], "size": "large"}, True),
        ({"sectors": ["energy_district_heating_cooling"], "size": "small"}, None),
        ({"sectors": ["energy_district_heating_cooling"]}, None),
        ({"sectors": ["other"], "size": "large"}, False),
        ({"public_administration": "central"}, True),
        ({"public_administration": "central", "sectors": ["public_administration"]}, True),
        ({"sectors": ["public_administration"]}, None),
        ({}, None),
        (None, None),
    ],
)
def test_nis2_scope_follows_status_then_sector_and_size(entity: dict | None, expected: bool | None) -> None:
    from compliance.core.models.solution import nis2_in_scope

    assert nis2_in_scope(entity, "DK") is expected


def _valid_entities() -> list[dict]:
    from itertools import product

    from compliance.core.models.solution import Entity, _entity_consistent

    domains = {
        "sectors": [
            None,
            ["other"],
            ["public_administration"],
            ["drinking_water"],
            ["drinking_water", "public_administration"],
        ],
        "size": [None, "small", "large"],
        "public_administration": [None, "central", "local"],
        "nis2_status": [None, "essential", "out_of_scope"],
    }
    out = []
    for values in product(*domains.values()):
        entity = {k: v for k, v in zip(domains, values, strict=True) if v is not None}
        if not _entity_consistent(Entity.model_validate_json(json.dumps(entity)), "SE"):
            out.append(entity)
    return out


def test_nis2_scope_with_less_information_is_never_a_different_answer() -> None:
    """Over every valid entity: removing facts gives the same answer or unknown, never the opposite
    (the model refuses a status that contradicts the sectors and size)."""
    from itertools import combinations

    from compliance.core.models.solution import nis2_in_scope

    valid = _valid_entities()
    valid_keys = [sorted(e.items(), key=lambda kv: kv[0]) for e in valid]
    assert len(valid) > 40
    for entity in valid:
        answer = nis2_in_scope(entity, "SE")
        for n in range(len(entity)):
            for keep in combinations(entity, n):
                smaller = {k: entity[k] for k in keep}
                if sorted(smaller.items(), key=lambda kv: kv[0]) not in valid_keys:
                    continue
                assert nis2_in_scope(smaller, "SE") in (answer, None), (entity, keep)


def test_a_status_contradicting_the_sectors_is_refused(write_solution, cli) -> None:
    data = minimal_solution()
    data["entity"] = {"sectors": ["drinking_water"], "size": "large", "nis2_status": "out_of_scope"}
    run = cli("assess", write_solution(data))
    assert run.code == 2
    assert "nis2_status 'out_of_scope' contradicts its sectors and size" in run.err


def test_the_crosswalk_does_not_fill_a_control_whose_applicability_is_unknown() -> None:
    """NIS2 evidence from ISO must not read as 'NIS2 partly met' while nobody knows if NIS2 applies."""
    from dataclasses import replace

    from compliance.core.models.assessment import FactUsed

    cat = _catalogue(("A-1", "B-1", Relation.EQUIVALENT))
    gate = FactUsed(
        fact="solution.nis2_in_scope", value=None, op="equals", operand=True, result=None, part="applies_when"
    )
    unknown_scope = replace(_finding("RB", Outcome.UNKNOWN), facts=[gate])
    results, _ = coverage([_finding("RA", Outcome.PASS), unknown_scope], {"RA": ["A-1"], "RB": ["B-1"]}, cat)
    assert _status(results, "B-1") is ControlStatus.UNKNOWN
    assert "Whether it applies is itself unknown" in results["B-1"].explanation_text


def test_the_assessment_json_and_summary_carry_coverage(write_solution, cli) -> None:
    path = write_solution(minimal_solution())
    run = cli("assess", path, "--as-of", "2026-12-01", "--format", "json")
    assert run.code == 0, run.err
    a = run.json()
    assert set(a["coverage"]) == {"NIS2", "ISO/IEC 27001", "ETSI EN 303 645", "CRA", "GDPR", "RED", "AI Act"}
    for name, cov in a["coverage"].items():
        assert sum(cov["counts"].values()) == cov["controls"], name
    assert a["controls"]["ETSI-303645-5.1"]["framework"] == "ETSI EN 303 645"
    text = cli("assess", path, "--as-of", "2026-12-01").out
    assert "Control coverage by framework" in text
    assert "ETSI EN 303 645" in text


def test_a_control_without_rules_is_not_applicable_where_its_framework_does_not_apply() -> None:
    results, _ = coverage([_finding("R", Outcome.NOT_APPLICABLE)], {"R": ["A-1"]}, _catalogue())
    assert _status(results, "A-1") is ControlStatus.NOT_APPLICABLE
    assert _status(results, "A-2") is ControlStatus.NOT_APPLICABLE
    assert "no rule of its framework applies" in results["A-2"].explanation_text
    assert _status(results, "B-1") is ControlStatus.UNKNOWN  # no rule of B ran at all


# ---------------------------------------------------------------------------------------------
# Scanner evidence (evidence_only rules) can only lower a control's status


def _scan(status: Outcome, severity: Severity = Severity.HIGH) -> Finding:
    from dataclasses import replace

    return replace(_finding("SCAN", status), severity=severity)


@pytest.mark.parametrize(
    ("own", "scan", "expected"),
    [
        (None, _scan(Outcome.PASS), ControlStatus.UNKNOWN),  # a clean scan alone is never met
        (Outcome.PASS, _scan(Outcome.PASS), ControlStatus.MET),
        (Outcome.PASS, _scan(Outcome.FAIL), ControlStatus.NOT_MET),
        (Outcome.PASS, _scan(Outcome.FAIL, Severity.LOW), ControlStatus.PARTIAL),
        (Outcome.PASS, _scan(Outcome.UNKNOWN), ControlStatus.UNKNOWN),
        (None, _scan(Outcome.FAIL), ControlStatus.NOT_MET),
        (Outcome.NOT_APPLICABLE, _scan(Outcome.FAIL), ControlStatus.NOT_APPLICABLE),
        (Outcome.FAIL, _scan(Outcome.PASS), ControlStatus.NOT_MET),
    ],
)
def test_scanner_evidence_fails_or_caps_a_control_but_never_meets_it(
    own: Outcome | None, scan: Finding, expected: ControlStatus
) -> None:
    findings = [scan] + ([_finding("OWN", own)] if own else [])
    rules = {"SCAN": ["A-1"], **({"OWN": ["A-1"]} if own else {})}
    results, _ = coverage(findings, rules, _catalogue(), evidence_only={"SCAN"})
    assert _status(results, "A-1") is expected
