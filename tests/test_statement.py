"""`compliance controls`: the catalogue listing, and the ETSI EN 303 645 conformance statement."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from helpers import minimal_solution

AS_OF = "2026-12-01"


def _device_solution(**security: Any) -> dict[str, Any]:
    data = minimal_solution()
    data["standards"] = ["etsi-en-303-645"]  # a statement for a standard the review assesses against
    data["systems"][0]["name"] = '=HYPERLINK("http://example.invalid")'  # a hostile name
    data["systems"][0]["security"] = security
    return data


GOOD = {
    "credentials": "unique_per_device",
    "brute_force_protection": True,
    "update": {"available": True, "authenticity_verified": True, "secure_delivery": True},
    "encrypted_communication": True,
}


def test_the_catalogue_lists_every_framework_with_rules_and_mappings(cli) -> None:
    run = cli("controls", "--format", "json")
    assert run.code == 0, run.err
    rows = json.loads(run.out)
    frameworks = {r["framework"] for r in rows}
    assert frameworks == {"NIS2", "ISO/IEC 27001", "ETSI EN 303 645", "CRA", "GDPR", "RED", "AI Act"}
    mfa = next(r for r in rows if r["id"] == "NIS2-21-2-J")
    assert mfa["citation"] == "NIS2 Art. 21(2)(j)"
    assert mfa["rules"], "a NIS2 control without a rule"
    assert any(m["control"].startswith("ISO27001-") for m in mfa["mappings"])


def test_one_framework_by_id_name_or_prefix(cli) -> None:
    for key in ("etsi-en-303-645", "ETSI EN 303 645", "etsi"):
        run = cli("controls", "--framework", key)
        assert run.code == 0, run.err
        assert "ETSI-303645-5.13" in run.out
        assert "NIS2-21-2-J" not in run.out


def test_an_unknown_framework_is_a_usage_error_with_the_choices(cli) -> None:
    run = cli("controls", "--framework", "nist")
    assert run.code == 2
    assert "no framework 'nist'" in run.err
    assert "etsi-en-303-645" in run.err


def test_a_statement_needs_a_solution(cli) -> None:
    run = cli("controls", "--statement", "etsi-en-303-645")
    assert run.code == 2
    assert "needs a SOLUTION" in run.err


def test_the_etsi_statement_covers_the_device_only_with_each_clause(write_solution, cli) -> None:
    path = write_solution(_device_solution(**GOOD))
    run = cli("controls", "--statement", "etsi-en-303-645", str(path), "--as-of", AS_OF)
    assert run.code == 0, run.err
    st = json.loads(run.out)
    assert st["standard"].startswith("ETSI EN 303 645 V3")
    [device] = st["targets"]  # the database is no IoT device
    assert device["id"] == "sensor"
    clauses = {c["clause"]: c for c in device["clauses"]}
    assert list(clauses) == [f"5.{n}" for n in range(1, 14)]
    assert clauses["5.1"]["status"] == "met"
    assert {p["status"] for p in clauses["5.1"]["provisions"]} == {"met"}
    # Facts not stated stay unknown, with the facts to state in the justification.
    assert clauses["5.4"]["status"] == "unknown"
    assert any("secrets_protected" in p["justification"] for p in clauses["5.4"]["provisions"])


def test_a_universal_default_password_is_not_met(write_solution, cli) -> None:
    path = write_solution(_device_solution(**{**GOOD, "credentials": "universal_default"}))
    st = json.loads(cli("controls", "--statement", "etsi", str(path), "--as-of", AS_OF).out)
    clause = next(c for c in st["targets"][0]["clauses"] if c["clause"] == "5.1")
    assert clause["status"] in ("not_met", "partial")
    assert "not_met" in {p["status"] for p in clause["provisions"]}


def test_the_csv_statement_has_a_row_per_provision_and_defuses_formulas(
    write_solution, cli, tmp_path
) -> None:
    path = write_solution(_device_solution(**GOOD))
    out = tmp_path / "statement.csv"
    run = cli(
        "controls", "--statement", "etsi", str(path), "--as-of", AS_OF, "--format", "csv", "-o", str(out)
    )
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["clause"] for r in rows} == {f"5.{n}" for n in range(1, 14)}
    assert all(r["system"] == "sensor" for r in rows)
    assert all(r["system_name"].startswith("'=") for r in rows)
    assert {r["status"] for r in rows} <= {
        "met",
        "not_met",
        "unknown",
        "not_applicable",
        "pending",
        "not_met_risk_accepted",
    }


def test_without_the_standard_in_scope_the_statement_has_no_target(write_solution, cli) -> None:
    data = _device_solution(**GOOD)
    data["standards"] = []
    st = json.loads(cli("controls", "--statement", "etsi", str(write_solution(data)), "--as-of", AS_OF).out)
    assert st["targets"] == []


def test_a_statement_of_a_bad_solution_writes_nothing(write_solution, cli, tmp_path) -> None:
    data = _device_solution(**GOOD)
    data["systems"][0]["security"]["credentials"] = "default"
    out = tmp_path / "statement.json"
    out.write_text("earlier statement", encoding="utf-8")
    run = cli("controls", "--statement", "etsi", str(write_solution(data)), "-o", str(out))
    assert run.code == 2
    assert "credentials" in run.err
    assert out.read_text(encoding="utf-8") == "earlier statement"
