"""User rule packs: every mistake stops the run with file:line:column; a pack is never skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import load_pack, minimal_solution, only_finding, pack_text, rule_dict

from compliance.core.errors import RulePackError
from compliance.inputs.loader import load_pack_text

AS_OF = "2026-12-01"

# A hand-written pack whose rule body starts on line 14, so tests can name lines and columns.
PACK_HEAD = """\
pack: user-pack
title: User pack
version: 1.0.0
law_as_of: 2026-01-01
framework: GDPR
rules:
  - id: USER-RULE-ONE
    title: A user rule
    citation: GDPR Art. 5(1)(e)
    scope: flow
    severity: high
    rationale: Because the law says so.
    remediation: Do what the law says.
"""


def pack_with(body: str, head: str = PACK_HEAD) -> str:
    return head + body


def assess_with_pack(text: str, write_pack, write_solution, cli):
    folder = write_pack(text=text, name="user-pack.yaml")
    return folder / "user-pack.yaml", cli("assess", write_solution(), "--rules", folder, "--as-of", AS_OF)


def assert_refused(run, expected: str) -> None:
    """The run stopped with exit 2, printed the located problem and produced no assessment."""
    assert run.code == 2, run.err
    assert run.out == ""
    assert expected in run.err, run.err
    assert "Traceback" not in run.err


# ---------------------------------------------------------------------------------------------
# Facts, operators and operands are checked when the pack loads


def test_misspelt_fact_is_refused_with_did_you_mean_and_position(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {fact: flow.retension_days, lte: 365}\n")
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(
        run,
        f"{file}:14:15: rules[0].require.fact: unknown fact 'flow.retension_days' "
        "(did you mean 'flow.retention_days'?)",
    )


def test_misspelt_fact_deep_in_a_tree_is_located_at_its_leaf(write_pack, write_solution, cli) -> None:
    text = pack_with(
        "    require:\n"
        "      all:\n"
        "        - {fact: flow.personal_data, equals: true}\n"
        "        - any:\n"
        "            - {fact: flow.retention_dayz, lte: 365}\n"
    )
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(
        run,
        f"{file}:18:16: rules[0].require.all[1].any[0].fact: unknown fact 'flow.retention_dayz' "
        "(did you mean 'flow.retention_days'?)",
    )


def test_fact_outside_the_rules_scope_is_refused(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {fact: party.processor, equals: true}\n")
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(
        run,
        f"{file}:14:15: rules[0].require.fact: 'party.processor': a flow-scope rule can read "
        "solution, dpia, safeguards, flow",
    )


def test_operator_that_does_not_fit_the_field_type_is_refused(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {fact: flow.retention_days, contains: 5}\n")
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(
        run,
        f"{file}:14:42: rules[0].require.contains: operator 'contains' does not apply to "
        "flow.retention_days (number)",
    )


def test_numeric_comparison_on_an_enum_is_refused(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {fact: flow.lawful_basis, gt: 3}\n")
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(
        run, f"{file}:14:40: rules[0].require.gt: 'gt' compares numbers or dates; flow.lawful_basis is enum"
    )


def test_list_operator_on_a_scalar_suggests_a_scalar_operator(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {fact: flow.lawful_basis, contains: a}\n")
    _, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(run, "operator 'contains' does not apply to flow.lawful_basis (enum)")


def test_operand_not_in_the_enum_is_refused(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {fact: flow.lawful_basis, in: [a, x]}\n")
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(run, f"{file}:14:48: rules[0].require.in[1]: 'x' is not a value of flow.lawful_basis")


def test_vocabulary_operand_is_checked_with_did_you_mean(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {fact: flow.data_categories, any_under: [user.helth]}\n")
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(
        run,
        f"{file}:14:55: rules[0].require.any_under[0]: 'user.helth' is not a value of "
        "flow.data_categories (did you mean 'user.health'?)",
    )


def test_boolean_fact_compared_with_a_string_is_refused(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {fact: flow.profiling, equals: 'true'}\n")
    _, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(run, "rules[0].require.equals: flow.profiling is true or false, not 'true'")


def test_number_compared_with_a_string_is_refused(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {fact: flow.retention_days, lte: '365'}\n")
    _, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(run, "rules[0].require.lte: 'lte' needs a number")


@pytest.mark.parametrize("operand", ["yesterday", "2024-13-45", "01/02/2024"])
def test_date_operand_that_is_not_an_iso_date_is_refused(operand: str) -> None:
    text = pack_with(
        f"    require: {{fact: solution.dpia.last_reviewed_on, gte: '{operand}'}}\n",
        PACK_HEAD.replace("scope: flow", "scope: solution"),
    )

    with pytest.raises(RulePackError) as info:
        load_pack_text(text, "user-pack.yaml", "test")

    assert "rules[0].require.gte" in str(info.value)


def test_iso_date_operand_is_accepted() -> None:
    text = pack_with(
        "    require: {fact: solution.dpia.last_reviewed_on, gte: 2024-01-01}\n",
        PACK_HEAD.replace("scope: flow", "scope: solution"),
    )

    assert [r.id for r in load_pack_text(text, "user-pack.yaml", "test").rules] == ["USER-RULE-ONE"]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("{fact: flow.profiling}", "a fact test needs exactly one operator, found none"),
        ("{fact: flow.profiling, equals: true, in: [true]}", "found ['equals', 'in']"),
        ("{fact: flow.profiling, present: false}", "'present' takes the value true"),
        ("{alll: []}", "(did you mean 'all'?)"),
        ("{all: []}", "'all' needs a non-empty list of conditions"),
        ("{all: [{fact: flow.profiling, equals: true}], fact: flow.x}", "'all' must stand alone"),
        ("[{fact: flow.profiling, equals: true}]", "rules[0].require: Input should be an object"),
    ],
)
def test_malformed_condition_is_refused(condition: str, message: str) -> None:
    with pytest.raises(RulePackError, match=None) as info:
        load_pack_text(pack_with(f"    require: {condition}\n"), "user-pack.yaml", "test")

    assert message in str(info.value)


# ---------------------------------------------------------------------------------------------
# Safeguards count only towards meeting a requirement


def test_safeguard_in_applies_when_is_refused(write_pack, write_solution, cli) -> None:
    text = pack_with(
        "    applies_when: {safeguard: mfa, at_least: partial}\n"
        "    require: {fact: flow.profiling, equals: false}\n"
    )
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(run, f"{file}:14:5: rules[0].applies_when: a safeguard test cannot stand in applies_when")


def test_safeguard_under_not_is_refused(write_pack, write_solution, cli) -> None:
    text = pack_with("    require: {not: {safeguard: mfa, at_least: partial}}\n")
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(run, f"{file}:14:15: rules[0].require.not: a safeguard test cannot stand under 'not'")


def test_safeguard_deep_under_not_is_refused() -> None:
    text = pack_with(
        "    require:\n"
        "      any:\n"
        "        - {fact: flow.profiling, equals: false}\n"
        "        - not: {all: [{fact: flow.profiling, equals: true}, {safeguard: mfa, is: implemented}]}\n"
    )

    with pytest.raises(RulePackError) as info:
        load_pack_text(text, "user-pack.yaml", "test")

    assert "rules[0].require.any[1].not.all[1]: a safeguard test cannot stand under 'not'" in str(info.value)


def test_safeguard_under_two_nots_counts_in_favour_and_is_accepted() -> None:
    text = pack_with("    require: {not: {not: {safeguard: mfa, at_least: partial}}}\n")

    assert len(load_pack_text(text, "user-pack.yaml", "test").rules) == 1


def test_unknown_safeguard_and_status_are_refused() -> None:
    text = pack_with(
        "    require: {all: [{safeguard: mfaa, at_least: partial}, {safeguard: mfa, at_least: done}]}\n"
    )

    with pytest.raises(RulePackError) as info:
        load_pack_text(text, "user-pack.yaml", "test")

    assert [p.message for p in info.value.problems] == [
        "unknown safeguard 'mfaa' (did you mean 'mfa'?)",
        "unknown safeguard status 'done'",
    ]


# ---------------------------------------------------------------------------------------------
# Rule metadata


def test_malformed_gdpr_citation_is_refused(write_pack, write_solution, cli) -> None:
    text = pack_with(
        "    require: {fact: flow.profiling, equals: false}\n",
        PACK_HEAD.replace("GDPR Art. 5(1)(e)", "GDPR Article 5"),
    )
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(
        run,
        f"{file}:9:5: rules[0].citation: GDPR citation 'GDPR Article 5' is not in the form 'GDPR Art. 28(3)(a)'",
    )


@pytest.mark.parametrize("citation", ["GDPR Art. 100", "GDPR Art. 0"])
def test_citation_of_an_article_the_gdpr_lacks_is_refused(
    citation: str, write_pack, write_solution, cli
) -> None:
    text = pack_with(
        "    require: {fact: flow.profiling, equals: false}\n",
        PACK_HEAD.replace("GDPR Art. 5(1)(e)", citation),
    )
    file, run = assess_with_pack(text, write_pack, write_solution, cli)

    assert_refused(run, f"{file}:9:5: rules[0].citation: GDPR has Articles 1 to 99; '{citation}' cites Art.")


@pytest.mark.parametrize(
    "citation",
    ["GDPR Art. 99", "GDPR Art. 28(3)(a)", "GDPR Art. 49(1), second subparagraph", "NIS2 Art. 21(2)(a)"],
)
def test_well_formed_citations_are_accepted(citation: str) -> None:
    text = pack_with(
        "    require: {fact: flow.profiling, equals: false}\n",
        PACK_HEAD.replace("GDPR Art. 5(1)(e)", citation),
    )

    (rule,) = load_pack_text(text, "user-pack.yaml", "test").rules
    assert rule.rule.citation == citation


def test_lower_case_rule_id_is_refused() -> None:
    text = pack_with(
        "    require: {fact: flow.profiling, equals: false}\n",
        PACK_HEAD.replace("USER-RULE-ONE", "user-rule-one"),
    )

    with pytest.raises(RulePackError) as info:
        load_pack_text(text, "user-pack.yaml", "test")

    assert str(info.value).startswith("user-pack.yaml:7:5: rules[0].id:")


def test_effective_until_before_effective_from_is_refused() -> None:
    text = pack_with(
        "    require: {fact: flow.profiling, equals: false}\n"
        "    effective_from: 2027-01-01\n"
        "    effective_until: 2026-01-01\n"
    )

    with pytest.raises(RulePackError, match=r"rules\[0\].effective_until: is before effective_from"):
        load_pack_text(text, "user-pack.yaml", "test")


@pytest.mark.parametrize("weight", ["0", "11", "-1"])
def test_weight_outside_its_range_is_refused(weight: str) -> None:
    text = pack_with(f"    require: {{fact: flow.profiling, equals: false}}\n    weight: {weight}\n")

    with pytest.raises(RulePackError, match=r"user-pack.yaml:15:5: rules\[0\].weight:"):
        load_pack_text(text, "user-pack.yaml", "test")


def test_unknown_rule_field_is_refused_with_did_you_mean() -> None:
    text = pack_with("    require: {fact: flow.profiling, equals: false}\n    remediaton: Typo.\n")

    with pytest.raises(RulePackError) as info:
        load_pack_text(text, "user-pack.yaml", "test")

    assert "unknown field 'remediaton' (did you mean 'remediation'?)" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Cases are checked too


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("{flow: {profilling: true}}", "unknown fact 'flow.profilling' (did you mean 'flow.profiling'?)"),
        ("{flow: {scale: {subjectz: 3}}}", "unknown fact 'flow.scale.subjectz'"),
        ("{party: {processor: true}}", "a flow-scope case can give solution, dpia, safeguards, flow"),
        ("{safeguards: {mfa: done}}", "unknown safeguard status 'done'"),
        ("{safeguards: {mfaa: implemented}}", "unknown safeguard 'mfaa'"),
    ],
)
def test_case_giving_an_unknown_fact_is_refused(given: str, message: str) -> None:
    text = pack_with(
        "    require: {fact: flow.profiling, equals: false}\n"
        f"    cases:\n      - {{name: a case, expect: pass, given: {given}}}\n"
    )

    with pytest.raises(RulePackError) as info:
        load_pack_text(text, "user-pack.yaml", "test")

    assert message in str(info.value)
    assert "rules[0].cases[0].given" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Rule IDs and packs


def test_rule_id_used_twice_in_one_pack_is_refused() -> None:
    with pytest.raises(RulePackError, match="rule ID 'TEST-TWICE' is used twice in this pack"):
        load_pack(rule_dict("TEST-TWICE"), rule_dict("TEST-TWICE"))


def test_rule_id_used_in_two_user_packs_is_refused(write_pack, write_solution, cli) -> None:
    folder = write_pack(rule_dict("TEST-TWICE"), name="a.yaml", pack="pack-a")
    write_pack(rule_dict("TEST-TWICE"), name="b.yaml", pack="pack-b")

    run = cli("assess", write_solution(), "--rules", folder, "--as-of", AS_OF)

    assert_refused(run, f"{folder / 'b.yaml'}:7: rule ID 'TEST-TWICE' is also defined in {folder / 'a.yaml'}")


def test_rule_id_used_in_packs_from_two_folders_is_refused(write_pack, write_solution, cli) -> None:
    first = write_pack(rule_dict("TEST-TWICE"), folder="one", pack="pack-a")
    second = write_pack(rule_dict("TEST-TWICE"), folder="two", pack="pack-b")

    run = cli("assess", write_solution(), "--rules", first, "--rules", second)

    assert_refused(run, "rule ID 'TEST-TWICE' is also defined in")


def test_user_rule_reusing_a_built_in_rule_id_is_refused(write_pack, write_solution, cli) -> None:
    listed = cli("rules", "list", "--format", "json").json()
    built_in_id = listed[0]["id"]
    folder = write_pack(rule_dict(built_in_id))

    run = cli("assess", write_solution(), "--rules", folder)

    assert_refused(run, f"rule ID '{built_in_id}' is also defined in rules/packs/")


def test_pack_id_used_twice_is_refused(write_pack, write_solution, cli) -> None:
    folder = write_pack(rule_dict("TEST-ONE"), name="a.yaml", pack="same-pack")
    write_pack(rule_dict("TEST-TWO"), name="b.yaml", pack="same-pack")

    run = cli("rules", "list", "--rules", folder)

    assert_refused(run, "pack id 'same-pack' is also used by")


def test_broken_pack_beside_a_good_one_stops_the_run(write_pack, write_solution, cli) -> None:
    folder = write_pack(rule_dict("TEST-GOOD"), name="good.yaml", pack="good-pack")
    broken = rule_dict("TEST-BROKEN", require={"fact": "flow.retension_days", "lte": 1})
    write_pack(broken, name="broken.yaml", pack="broken-pack")

    for argv in (["assess", write_solution(), "--as-of", AS_OF], ["rules", "list"], ["rules", "test"]):
        run = cli(*argv, "--rules", folder)
        assert_refused(run, "unknown fact 'flow.retension_days'")


def test_problems_in_several_packs_are_all_reported(write_pack, cli) -> None:
    folder = write_pack(
        rule_dict("TEST-A", require={"fact": "flow.nope", "equals": True}), name="a.yaml", pack="pack-a"
    )
    write_pack(
        rule_dict("TEST-B", require={"fact": "flow.nada", "equals": True}), name="b.yaml", pack="pack-b"
    )

    run = cli("rules", "list", "--rules", folder)

    assert run.code == 2
    assert "unknown fact 'flow.nope'" in run.err
    assert "unknown fact 'flow.nada'" in run.err


def test_invalid_yaml_in_a_pack_is_located(write_pack, write_solution, cli) -> None:
    file, run = assess_with_pack("rules: [\n", write_pack, write_solution, cli)

    assert run.code == 2
    assert f"{file}:2:1: invalid YAML" in run.err


def test_pack_that_is_not_utf8_is_refused(tmp_path: Path, write_solution, cli) -> None:
    folder = tmp_path / "packs"
    folder.mkdir()
    text = pack_text(rule_dict()).replace("Retention is at most a year", "Lagring i Malmö")
    (folder / "latin1.yaml").write_bytes(text.encode("latin-1"))

    run = cli("assess", write_solution(), "--rules", folder)

    assert_refused(run, f"{folder / 'latin1.yaml'}: cannot read rule pack")


def test_rules_folder_that_does_not_exist_is_refused(tmp_path: Path, write_solution, cli) -> None:
    run = cli("assess", write_solution(), "--rules", tmp_path / "nowhere")

    assert_refused(run, f"{tmp_path / 'nowhere'}: not a folder of rule packs")


def test_rules_folder_without_packs_is_refused(tmp_path: Path, write_solution, cli) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "README.md").write_text("no packs here\n", encoding="utf-8")

    run = cli("assess", write_solution(), "--rules", folder)

    assert_refused(run, "no rule packs (*.yaml) found in this folder")


def test_packs_in_sub_folders_are_found(write_pack, cli) -> None:
    folder = write_pack(rule_dict("TEST-NESTED"), folder="packs/nested/deeper")

    run = cli("rules", "list", "--format", "json", "--rules", folder.parent.parent)

    assert "TEST-NESTED" in {row["id"] for row in run.json()}


# ---------------------------------------------------------------------------------------------
# A valid pack adds its rules


def test_valid_user_pack_adds_its_rules_to_rules_list(write_pack, cli) -> None:
    before = cli("rules", "list", "--format", "json").json()
    folder = write_pack(rule_dict("TEST-RETENTION-SET"), rule_dict("TEST-SECOND"), pack="my-pack")

    after = cli("rules", "list", "--format", "json", "--rules", folder)

    assert after.code == 0, after.err
    rows = after.json()
    assert len(rows) == len(before) + 2
    added = [row for row in rows if row["pack"] == "my-pack"]
    assert added == [
        {
            "id": "TEST-RETENTION-SET",
            "title": "Retention is at most a year",
            "framework": "GDPR",
            "citation": "GDPR Art. 5(1)(e)",
            "scope": "flow",
            "severity": "high",
            "pack": "my-pack",
            "pack_version": "1.0.0",
        },
        {**added[0], "id": "TEST-SECOND"},
    ]


def test_valid_user_pack_is_used_by_assess_and_recorded_as_an_input(write_pack, write_solution, cli) -> None:
    import hashlib

    folder = write_pack(rule_dict("TEST-RETENTION-SET"), pack="my-pack")
    data = minimal_solution()

    run = cli("assess", write_solution(data), "--rules", folder, "--as-of", AS_OF, "--format", "json")

    assert run.code == 0, run.err
    result = run.json()
    assert only_finding(result, "TEST-RETENTION-SET")["status"] == "pass"
    assert {p["id"]: p["origin"] for p in result["rule_packs"]}["my-pack"] == str(folder)
    pack_file = folder / "test-pack.yaml"
    assert {
        "path": str(pack_file),
        "sha256": hashlib.sha256(pack_file.read_bytes()).hexdigest(),
        "role": "rule-pack",
    } in result["inputs"]


def test_rule_framework_defaults_to_the_packs_and_may_be_overridden() -> None:
    pack = load_pack(rule_dict("TEST-DEFAULT"), rule_dict("TEST-OWN", framework="NIS2"))

    assert [(r.id, r.framework) for r in pack.rules] == [("TEST-DEFAULT", "GDPR"), ("TEST-OWN", "NIS2")]


# ---------------------------------------------------------------------------------------------
# lint and test


def test_rules_lint_flags_a_rule_lacking_a_case_for_an_outcome(write_pack, cli) -> None:
    rule = rule_dict("TEST-GAPPY")
    rule["cases"] = [c for c in rule["cases"] if c["expect"] not in ("unknown", "accepted")]
    folder = write_pack(rule)

    run = cli("rules", "lint", "--rules", folder)

    assert run.code != 0
    assert f"{folder / 'test-pack.yaml'}:7: TEST-GAPPY: no case for outcome(s): unknown, accepted" in run.out


def test_rules_lint_asks_for_not_applicable_and_pending_cases_when_they_can_happen(write_pack, cli) -> None:
    rule = rule_dict("TEST-DATED", effective_from="2027-01-01")
    rule["cases"] = [c for c in rule["cases"] if c["expect"] != "not_applicable"]
    folder = write_pack(rule)

    run = cli("rules", "lint", "--rules", folder)

    assert run.code != 0
    assert "TEST-DATED: no case for outcome(s): not_applicable, pending" in run.out


def test_rules_lint_passes_a_complete_user_pack(write_pack, cli) -> None:
    folder = write_pack(rule_dict("TEST-COMPLETE"))

    run = cli("rules", "lint", "--rules", folder)

    assert run.code == 0, run.out + run.err
    assert "every outcome has a case" in run.out


def test_rules_test_fails_on_a_wrong_expectation(write_pack, cli) -> None:
    rule = rule_dict("TEST-WRONG")
    rule["cases"][1]["expect"] = "pass"  # two years of retention cannot pass a one-year limit
    rule["cases"].append({"name": "another fail", "expect": "fail", "given": {"flow": {"retention": "P5Y"}}})
    folder = write_pack(rule)

    run = cli("rules", "test", "--rules", folder)

    assert run.code != 0
    assert "FAIL" in run.out
    assert "TEST-WRONG: two years fail (expected pass, got fail)" in run.out


def test_rules_test_fails_on_a_coverage_gap(write_pack, cli) -> None:
    rule = rule_dict("TEST-GAPPY")
    rule["cases"] = rule["cases"][:1]
    folder = write_pack(rule)

    run = cli("rules", "test", "--rules", folder)

    assert run.code != 0
    assert "FAIL" in run.out
    assert "TEST-GAPPY: no case for outcome(s): fail, unknown, not_applicable, accepted" in run.out


def test_rules_test_passes_a_correct_user_pack_and_lists_cases_when_verbose(write_pack, cli) -> None:
    folder = write_pack(rule_dict("TEST-GOOD"))

    run = cli("rules", "test", "--rules", folder, "--verbose")

    assert run.code == 0, run.out
    assert "ok   " in run.out
    assert "TEST-GOOD: two years fail" in run.out
    assert ", 0 failed" in run.out


def test_case_dates_decide_pending_in_rules_test(write_pack, cli) -> None:
    rule = rule_dict("TEST-FROM-LATER", effective_from="2027-06-01")
    rule["cases"] += [
        {"name": "before the date", "expect": "pending", "as_of": "2027-01-01", "given": {"flow": _email()}},
        {"name": "from the date", "expect": "fail", "as_of": "2027-06-01", "given": {"flow": _email("P2Y")}},
    ]
    for case in rule["cases"]:
        case.setdefault("as_of", "2027-07-01")
    folder = write_pack(rule)

    run = cli("rules", "test", "--rules", folder)

    assert run.code == 0, run.out


def _email(retention: str = "P1Y") -> dict[str, object]:
    return {"data_categories": ["user.contact.email"], "retention": retention}


def test_a_case_value_no_solution_could_hold_is_refused_with_its_location() -> None:
    from compliance.core.errors import RulePackError
    from compliance.inputs.loader import load_pack_text

    rule = rule_dict(
        cases=[{"name": "impossible basis", "expect": "fail", "given": {"flow": {"lawful_basis": "zzz"}}}]
    )
    with pytest.raises(RulePackError) as caught:
        load_pack_text(pack_text(rule), "pack.yaml", "test")

    assert any("'zzz' is not a value of flow.lawful_basis" in str(p) for p in caught.value.problems)
