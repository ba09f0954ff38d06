"""Scanner definitions (`scanners/*.yaml`): what to run, how to tell that it ran, and where its
findings count. Loaded and checked like rule packs: a definition naming an unknown control, or a
command that is not an argument list, stops the run with file, line and field."""

from __future__ import annotations

import os
import re
import shutil
import sys
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from compliance.core.controls import catalogue
from compliance.core.errors import Problem, RulePackError
from compliance.core.models.common import ShortText, Strict
from compliance.core.models.scan import ScanSeverity
from compliance.core.resources import scanners_root
from compliance.core.validation import validate_located
from compliance.core.yamlio import load_text

Arg = Annotated[str, StringConstraints(min_length=1, max_length=200)]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,60}$")]


class VersionProbe(Strict):
    """The command that prints the tool's version, and the pattern that finds it."""

    command: list[Arg] = Field(min_length=1)
    pattern: ShortText

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, value: str) -> str:
        if re.compile(value).groups != 1:
            raise ValueError("the version pattern needs exactly one group, the version")
        return value


class ScannerDefinition(Strict):
    """One scanner tool."""

    tool: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")]
    kind: Annotated[str, StringConstraints(pattern=r"^(code|dependencies)$")]
    title: ShortText
    command: list[Arg] = Field(
        min_length=1, description="The command as an argument list, with {placeholders}."
    )
    service: dict[str, list[Arg]] = Field(
        default_factory=dict, description="Extra arguments per vulnerability service choice."
    )
    service_environment: dict[str, dict[EnvName, Arg]] = Field(
        default_factory=dict,
        description="Environment variables per service choice, for values that must stay off the "
        "command line: any user of the machine can read a process's arguments, only its owner its "
        "environment.",
    )
    version_probe: VersionProbe
    accepted_exit_codes: list[int] = Field(min_length=1)
    timeout_seconds: Annotated[int, Field(gt=0, le=86_400)]
    output: Annotated[str, StringConstraints(pattern=r"^(pip-audit-json|bandit-json)$")]
    severity: dict[str, ScanSeverity] = Field(default_factory=dict, description="Tool severity -> ours.")
    default_severity: ScanSeverity | None = None
    controls: list[ShortText] = Field(min_length=1, description="Controls its findings are evidence for.")


class CweControls(Strict):
    """The CWE -> controls table shared by every code scanner (scanners/cwe-controls.yaml)."""

    cwe_controls: dict[Annotated[str, StringConstraints(pattern=r"^CWE-\d+$")], list[ShortText]]


CWE_FILE = "cwe-controls.yaml"


@cache
def cwe_controls() -> dict[str, list[str]]:
    """Further controls for code findings of a CWE."""
    file = f"scanners/{CWE_FILE}"
    located = load_text(scanners_root().joinpath(CWE_FILE).read_text(encoding="utf-8"), file)
    table: CweControls = validate_located(CweControls, located, RulePackError)
    known = catalogue().controls
    problems = [
        located.problem(("cwe_controls", cwe, i), f"unknown control '{c}'")
        for cwe, cs in table.cwe_controls.items()
        for i, c in enumerate(cs)
        if c not in known
    ]
    if problems:
        raise RulePackError(problems)
    return dict(table.cwe_controls)


def find_tool(name: str) -> str | None:
    """A scanner's executable: next to this Python first (the project's own environment), then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


@cache
def definitions() -> dict[str, ScannerDefinition]:
    """The shipped scanner definitions by tool name."""
    folder = scanners_root()
    problems: list[Problem] = []
    found: dict[str, ScannerDefinition] = {}
    known = catalogue().controls
    files = (f for f in folder.iterdir() if f.name.endswith(".yaml") and f.name != CWE_FILE)
    for res in sorted(files, key=lambda f: f.name):
        file = f"scanners/{res.name}"
        located = load_text(res.read_text(encoding="utf-8"), file)
        try:
            d: ScannerDefinition = validate_located(ScannerDefinition, located, RulePackError)
        except RulePackError as exc:
            problems += exc.problems
            continue
        for i, control in enumerate(d.controls):
            if control not in known:
                problems.append(located.problem(("controls", i), f"unknown control '{control}'"))
        if d.tool in found:
            problems.append(located.problem(("tool",), f"scanner '{d.tool}' is defined twice"))
        found[d.tool] = d
    if problems:
        raise RulePackError(problems)
    return found
