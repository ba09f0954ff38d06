"""Helpers shared by the tests: minimal valid inputs, rule packs and CLI results."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from compliance.core.engine import assess
from compliance.core.models.assessment import Assessment, Finding, expanded_findings
from compliance.core.models.rules import Outcome
from compliance.core.models.solution import Solution
from compliance.core.packs import CompiledRule, LoadedPack
from compliance.inputs.loader import load_pack_text

REPO = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------
# A minimal valid solution: one controller, two systems and one flow of location traces.

MINIMAL_SOLUTION: dict[str, Any] = {
    "schema_version": 4,
    "id": "demo",
    "name": "Demo solution",
    "jurisdiction": "DK",
    "controller": {"party": "city"},
    "parties": [{"id": "city", "name": "City of Example", "roles": ["controller"], "country": "DK"}],
    "systems": [
        {"id": "sensor", "name": "Street sensor", "kind": "device", "operator": "city"},
        {"id": "platform", "name": "Data platform", "kind": "database", "operator": "city"},
    ],
    "flows": [
        {
            "id": "readings",
            "name": "Sensor readings",
            "source": "sensor",
            "destination": "platform",
            "data_categories": ["user.location.trace"],
            "retention": "P1Y",
        }
    ],
}

# The same solution written out by hand, so that tests can name the line of each field.
MINIMAL_SOLUTION_YAML = """\
schema_version: 4
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
    retention: P1Y
"""


def minimal_solution() -> dict[str, Any]:
    """A fresh deep copy of the minimal valid solution, to change freely."""
    return copy.deepcopy(MINIMAL_SOLUTION)


def without_assurance_documents(folder: Path) -> Path:
    """The report-app example with no assurance document stated (nor their sources), written to
    `folder`: the interview and the questionnaire then ask for them."""
    data = yaml.safe_load((REPO / "examples" / "report-app-dk" / "solution.yaml").read_text(encoding="utf-8"))
    for party in data["parties"]:
        party.pop("assurance", None)
        (party.get("sources") or {}).pop("assurance", None)
    path = folder / "solution.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def solution_model(data: dict[str, Any]) -> Solution:
    """Validate solution data exactly as the loader does (JSON mode, so dates may be strings)."""
    return Solution.model_validate_json(json.dumps(data))


# ---------------------------------------------------------------------------------------------
# Rule packs


def rule_dict(rule_id: str = "TEST-RETENTION-SET", **overrides: Any) -> dict[str, Any]:
    """A valid flow rule (retention at most a year for personal data) with a case per outcome."""
    rule: dict[str, Any] = {
        "id": rule_id,
        "title": "Retention is at most a year",
        "citation": "GDPR Art. 5(1)(e)",
        "scope": "flow",
        "severity": "high",
        "applies_when": {"fact": "flow.personal_data", "equals": True},
        "require": {"fact": "flow.retention_days", "lte": 365},
        "rationale": "Storage limitation.",
        "remediation": "Set a retention period of at most a year.",
        "cases": [
            {"name": "a year passes", "expect": "pass", "given": {"flow": _flow("P1Y")}},
            {"name": "two years fail", "expect": "fail", "given": {"flow": _flow("P2Y")}},
            {"name": "no retention is unknown", "expect": "unknown", "given": {"flow": _flow(None)}},
            {
                "name": "non-personal data is not covered",
                "expect": "not_applicable",
                "given": {"flow": {"data_categories": ["non_personal.environment"]}},
            },
            {
                "name": "an accepted risk covers a failure",
                "expect": "accepted",
                "accepted_risk": True,
                "given": {"flow": _flow("P2Y")},
            },
        ],
    }
    rule.update(overrides)
    return rule


def _flow(retention: str | None) -> dict[str, Any]:
    flow: dict[str, Any] = {"data_categories": ["user.contact.email"]}
    if retention is not None:
        flow["retention"] = retention
    return flow


def pack_text(*rules: dict[str, Any], pack: str = "test-pack", **meta: Any) -> str:
    """A pack's YAML text with the given rules."""
    data: dict[str, Any] = {
        "pack": pack,
        "title": f"Test pack {pack}",
        "version": "1.0.0",
        "law_as_of": "2026-01-01",
        "framework": "GDPR",
        **meta,
        "rules": list(rules),
    }
    return yaml.safe_dump(data, sort_keys=False)


def load_pack(*rules: dict[str, Any], pack: str = "test-pack") -> LoadedPack:
    """Load a pack from rule dictionaries through the real loader."""
    return load_pack_text(pack_text(*rules, pack=pack), f"{pack}.yaml", "test")


def compiled(rule: dict[str, Any]) -> CompiledRule:
    """The one compiled rule of a single-rule pack."""
    (only,) = load_pack(rule).rules
    return only


@dataclass(frozen=True)
class Run:
    """The result of one CLI run."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """Standard output parsed as JSON."""
        return json.loads(self.out)


def run_subprocess(
    argv: Sequence[str | Path], cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Run:
    """Run `python -m compliance.cli` as a real process; `env` sets variables besides the ones it
    inherits (e.g. `{"LANGUAGE": "da"}`)."""
    proc = subprocess.run(
        [sys.executable, "-m", "compliance.cli", *(str(a) for a in argv)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        timeout=60,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_english(*argv: str | Path) -> Run:
    """`run_subprocess` with the tool speaking English whatever the machine's language."""
    return run_subprocess(argv, env={"LANGUAGE": "en", "LANG": "C.UTF-8"})


def one_finding(assessment: Assessment, rule_id: str, target: str | None = None) -> Finding:
    """The one result of a rule (on a target) in an assessment."""
    found = [
        f
        for f in assessment.results()
        if f.rule_id == rule_id and (target is None or (f.target is not None and f.target.id == target))
    ]
    assert len(found) == 1, [(f.rule_id, f.target) for f in found]
    return found[0]


def outcome_on(packs: Sequence[LoadedPack], rule_id: str, data: dict[str, Any], as_of: date) -> Outcome:
    """The outcome of one rule for solution data assessed with the given packs on a date."""
    return one_finding(assess(solution_model(data), packs, as_of), rule_id).status


def results(assessment: dict[str, Any]) -> list[dict[str, Any]]:
    """The results of a JSON assessment one by one, as reading it gives them (the file groups the
    results of a rule that are alike but for their targets)."""
    return expanded_findings(assessment["findings"], assessment["rules"], assessment["solution"])


def findings_for(assessment: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    """The findings of one rule in a JSON assessment."""
    return [f for f in results(assessment) if f["rule_id"] == rule_id]


def only_finding(assessment: dict[str, Any], rule_id: str) -> dict[str, Any]:
    """The single finding of a rule in a JSON assessment."""
    (finding,) = findings_for(assessment, rule_id)
    return finding


# ---------------------------------------------------------------------------------------------
# Signed reports


def cli(*argv: str | Path) -> tuple[int, str]:
    """The real CLI in-process: exit code and what it printed to its output."""
    from compliance.cli import main

    out = io.StringIO()
    code = main([str(a) for a in argv], out)
    return code, out.getvalue()


def pdfsig(path: Path) -> str:
    """poppler's own reading of the signatures (it exits 0 even when one is invalid)."""
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def own_certificate() -> Path:
    """The test identity's certificate, as `keys init` writes it beside the identity."""
    from compliance.trust import signing

    return Path(os.environ[signing.IDENTITY_ENV]).with_suffix(".crt")
