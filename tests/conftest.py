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
from compliance.core.packs import LoadedPack
from compliance.inputs.loader import load_packs
from compliance.trust import signing

# ---------------------------------------------------------------------------------------------
# A signing identity for the whole session: every PDF report is signed, and no test may read or
# write the user's own identity or pick up a timestamp authority from the environment.


@pytest.fixture(scope="session", autouse=True)
def signing_identity(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A self-signed test identity, named by the environment the CLI reads."""
    home = tmp_path_factory.mktemp("config")
    identity = home / "identity.p12"
    secret = home / "identity.passphrase"
    passphrase = b"test passphrase, not a secret"
    signing.write_private(identity, signing.create_identity(passphrase, common_name="Test Assessor"))
    signing.write_private(secret, passphrase + b"\n")
    loaded = signing.load_identity(identity, passphrase)
    (home / "identity.crt").write_bytes(signing.certificate_pem(loaded))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CONFIG_HOME", str(home / "xdg"))
        mp.setenv(signing.IDENTITY_ENV, str(identity))
        mp.setenv(signing.PASSPHRASE_FILE_ENV, str(secret))
        mp.delenv(signing.PASSPHRASE_ENV, raising=False)
        mp.delenv(signing.TSA_ENV, raising=False)
        yield loaded


@pytest.fixture(scope="session", autouse=True)
def english_messages() -> Any:
    """The CLI speaks English in the tests, whatever the locale of the machine that runs them;
    a test of another language sets the locale environment itself (`LANGUAGE` comes first)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LANGUAGE", "en")
        yield


# ---------------------------------------------------------------------------------------------
# Files in tmp_path


@pytest.fixture(scope="session")
def packs() -> list[LoadedPack]:
    """The built-in rule packs, loaded once for the session (a loaded pack is immutable)."""
    return load_packs()


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
