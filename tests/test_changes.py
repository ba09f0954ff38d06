"""`compliance diff`: what changed between two assessments, result by result, and why: the
solution, the law (a rule or its pack), the assessor's decisions, or the date passing one a rule
depends on. Each class is built as a pair of assessments that differ in that one respect."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from helpers import REPO, load_pack, minimal_solution, pack_text, rule_dict, solution_model

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment
from compliance.core.models.rules import Outcome
from compliance.inputs.decisions import load_decisions
from compliance.inputs.loader import load_pack_text, load_packs, load_solution
from compliance.outputs.changes import as_json, as_text, compare

AS_OF = date(2026, 12, 1)
RULE = "TEST-RETENTION-SET"


def _assess(retention: str = "P1Y", pack: Any = None, as_of: date = AS_OF, **edit: Any) -> Assessment:
    data = minimal_solution()
    data["flows"][0]["retention"] = retention
    data.update(edit)
    return assess(solution_model(data), [pack or load_pack(rule_dict())], as_of)


def _stricter(version: str = "1.1.0") -> Any:
    rule = rule_dict(require={"fact": "flow.retention_days", "lte": 180}, cases=[])
    return load_pack_text(pack_text(rule, version=version), "test-pack.yaml", "test")


def _only(changes: Any) -> Any:
    (change,) = changes.results
    return change


def test_a_changed_fact_is_a_solution_change() -> None:
    change = _only(compare(_assess("P1Y"), _assess("P2Y")))
    assert (change.rule_id, change.before, change.after) == (RULE, Outcome.PASS, Outcome.FAIL)
    assert change.kind == "new" and change.causes == ("solution",)
    back = _only(compare(_assess("P2Y"), _assess("P1Y")))
    assert back.kind == "resolved" and back.causes == ("solution",)


def test_a_changed_rule_or_pack_is_a_law_change() -> None:
    change = _only(compare(_assess("P1Y"), _assess("P1Y", pack=_stricter())))
    assert change.kind == "new" and change.causes == ("law",)


def test_both_changed_at_once_says_both() -> None:
    change = _only(compare(_assess("P1Y"), _assess("P300D", pack=_stricter())))
    assert change.after is Outcome.FAIL and change.causes == ("solution", "law")


def test_nothing_changed_lists_nothing() -> None:
    changes = compare(_assess(), _assess())
    assert changes.results == [] and "No result changed." in as_text(changes)


def test_a_date_a_rule_starts_on_passing_is_a_date_change() -> None:
    pack = load_pack(rule_dict(effective_from="2027-01-01", cases=[]))
    change = _only(compare(_assess("P2Y", pack=pack), _assess("P2Y", pack=pack, as_of=date(2027, 2, 1))))
    assert (change.before, change.after, change.kind) == (Outcome.PENDING, Outcome.FAIL, "new")
    assert change.causes == ("date",)


def test_a_removed_flow_takes_its_open_results_with_it() -> None:
    before = _assess("P2Y")
    data = minimal_solution()
    data["flows"] = []
    after = assess(solution_model(data), [load_pack(rule_dict())], AS_OF)
    change = _only(compare(before, after))
    assert (change.kind, change.before, change.after, change.causes) == (
        "removed",
        Outcome.FAIL,
        None,
        ("solution",),
    )


def test_the_assessors_decisions_are_a_change_of_their_own() -> None:
    folder = REPO / "examples" / "traffic-counting-us-cloud"
    loaded = load_solution(folder / "solution.yaml")
    packs = load_packs()
    decided = load_decisions(folder / "solution.decisions.yaml", loaded, packs)
    without = assess(loaded.solution, packs, AS_OF)
    with_decisions = assess(
        loaded.solution, packs, AS_OF, decisions=decided.decisions, decisions_file=decided.input
    )
    changes = compare(without, with_decisions)
    assert changes.results
    assert all(c.causes == ("decisions",) for c in changes.results)
    accepted = [c for c in changes.results if c.after is Outcome.ACCEPTED]
    assert accepted and all(c.before is Outcome.FAIL and c.kind == "changed" for c in accepted)


def test_the_json_and_the_text_say_the_same_with_the_whole_before_and_after() -> None:
    before, after = _assess("P1Y"), _assess("P2Y")
    data = json.loads(as_json(compare(before, after)))
    assert data["before"]["verdict"] == before.verdict.value and data["after"]["score"] == after.score
    assert data["before"]["open"]["fail"] == 0 and data["after"]["open"]["fail"] == 1
    assert data["counts"] == {"new": 1, "resolved": 0, "changed": 0, "removed": 0}
    (entry,) = data["results"]
    assert entry == {
        "rule_id": RULE,
        "target": {"kind": "flow", "id": "readings", "name": "Sensor readings"},
        "severity": "high",
        "before": "pass",
        "after": "fail",
        "change": "new",
        "causes": ["solution"],
    }
    text = as_text(compare(before, after), "da")
    assert "[opfyldt -> ikke opfyldt] TEST-RETENTION-SET" in text and "løsningen er ændret" in text


def test_the_command_compares_two_saved_assessments_and_refuses_what_is_not_one(tmp_path, cli) -> None:
    example = REPO / "examples" / "wifi-footfall-se" / "solution.yaml"
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    assert cli("assess", example, "--as-of", "2026-12-01", "-o", str(old)).code == 0
    assert cli("assess", example, "--as-of", "2028-01-01", "-o", str(new)).code == 0
    run = cli("diff", old, new)
    assert run.code == 0, run.err
    assert "What changed in wifi-footfall-se from 1 December 2026 to 1 January 2028" in run.out
    run = cli("diff", old, new, "--format", "json", "-o", str(tmp_path / "d.json"))
    assert run.code == 0 and json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["same_solution"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"solution": 1}', encoding="utf-8")
    run = cli("diff", old, bad)
    assert run.code == 2 and "not an assessment of this tool" in run.err and "Traceback" not in run.err
    # the output may not overwrite an input
    run = cli("diff", old, new, "-o", str(old))
    assert run.code == 2 and json.loads(old.read_text(encoding="utf-8"))["schema_version"]


def test_a_report_given_the_previous_assessment_shows_what_changed_and_names_it_as_an_input(
    tmp_path, cli
) -> None:
    from compliance.outputs.report import render_html

    before, after = _assess("P1Y"), _assess("P2Y")
    html = render_html(after, "en", changes=compare(before, after))
    section = html.split('<h2 id="changes">', 1)[1].split("<h2", 1)[0]
    assert "Changes since the assessment of 1 December 2026" in section
    assert (
        "New or newly open (1)" in section
        and "met → not met" in section
        and "the solution changed" in section
    )
    assert '<h2 id="changes">' not in render_html(after, "en")
    assert "Ændringer siden vurderingen af 1. december 2026" in render_html(
        after, "da", changes=compare(before, after)
    )
    # on the command line: the previous assessment is an input of the new one, its digest shown
    example = REPO / "examples" / "wifi-footfall-se" / "solution.yaml"
    old = tmp_path / "old.json"
    assert cli("assess", example, "--as-of", "2026-12-01", "-o", str(old)).code == 0
    new = tmp_path / "new.json"
    run = cli(
        "assess",
        example,
        "--as-of",
        "2028-01-01",
        "--previous",
        old,
        "-o",
        str(new),
        "-o",
        str(tmp_path / "r.pdf"),
    )
    assert run.code == 0, run.err
    recorded = [i for i in json.loads(new.read_text(encoding="utf-8"))["inputs"] if i["role"] == "previous"]
    assert recorded and recorded[0]["path"] == "old.json"
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(tmp_path / "r.pdf").pages[:12]).split())
    assert "Changes since the assessment of 1 December 2026" in text
    assert cli("report", new, "--previous", old, "-o", str(tmp_path / "s.pdf")).code == 0
    # the previous assessment is an input: no output may overwrite it
    run = cli("assess", example, "--previous", old, "-o", str(old))
    assert run.code == 2 and json.loads(old.read_text(encoding="utf-8"))["schema_version"]
    # a previous file that is not an assessment is refused, and nothing is written
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    run = cli("assess", example, "--previous", bad, "-o", str(tmp_path / "t.pdf"))
    assert run.code == 2 and not (tmp_path / "t.pdf").exists() and "Traceback" not in run.err
