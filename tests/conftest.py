"""Shared fixtures: minimal valid inputs written to tmp_path, and the real CLI run in-process."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import Run, minimal_solution, pack_text

from compliance.cli import main

# ---------------------------------------------------------------------------------------------
# Files in tmp_path


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented text to a file under tmp_path (folders created) and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_solution(tmp_path: Path) -> Callable[..., Path]:
    """Write a solution (a dict, dumped as YAML, or YAML text) and return its path."""

    def write(data: dict[str, Any] | str | None = None, name: str = "solution.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            data = minimal_solution()
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_pack(tmp_path: Path) -> Callable[..., Path]:
    """Write a user rule pack into a folder under tmp_path and return the folder (for --rules)."""

    def write(
        *rules: dict[str, Any],
        text: str | None = None,
        folder: str = "packs",
        name: str = "test-pack.yaml",
        pack: str = "test-pack",
    ) -> Path:
        directory = tmp_path / folder
        directory.mkdir(parents=True, exist_ok=True)
        body = text if text is not None else pack_text(*rules, pack=pack)
        (directory / name).write_text(body, encoding="utf-8")
        return directory

    return write


# ---------------------------------------------------------------------------------------------
# Running the CLI


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `compliance.cli.main` in-process; capture its output, errors and exit code."""

    def run(*argv: str | Path) -> Run:
        capsys.readouterr()
        out = io.StringIO()
        code = main([str(a) for a in argv], out)
        captured = capsys.readouterr()
        return Run(code, out.getvalue() + captured.out, captured.err)

    return run
