"""The shipped data folders are found both from an installed wheel and from an editable install.

`rules/`, `reports/` and `scanners/` live at the top of the repository and ship inside the wheel
as `compliance._rules`, `compliance._reports` and `compliance._scanners` (pyproject's
`package-dir` mapping with an explicit package-data list). A data file left out of that list
works from the repository and is missing after `pip install`, which these tests catch.

One wheel is built per session (from a copy of the working tree, so the build never writes into
the repository) and installed into one fresh virtual environment without system site-packages.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from compliance.inputs.loader import load_packs

REPO = Path(__file__).resolve().parent.parent
# Repository folder -> the import package it ships as.
DATA_PACKAGES = {
    "rules": "compliance._rules",
    "reports": "compliance._reports",
    "scanners": "compliance._scanners",
}
BUILD_TIMEOUT = 600
AS_OF = "2026-11-01"

# What a copy of the repository needs to build; everything else is caches, builds and the venv.
_NOT_SOURCES = shutil.ignore_patterns(
    ".venv",
    ".git",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "out",
)


def _clean_env() -> dict[str, str]:
    """The environment without anything that would point Python back at the repository."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(args: list[str | Path], cwd: Path, timeout: int = BUILD_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _check(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
    )
    return result


def _shipped_data_files(folder: Path) -> set[str]:
    """Every file in a data folder, relative to it (Python caches aside)."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once with `python -m build --wheel` (with build isolation)."""
    root = tmp_path_factory.mktemp("wheel-build")
    source = root / "source"
    shutil.copytree(REPO, source, ignore=_NOT_SOURCES)
    _check(_run([sys.executable, "-m", "build", "--wheel", "--outdir", root / "dist", source], cwd=root))
    (built,) = (root / "dist").glob("compliance_engine-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    """The paths of every file in the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@dataclass(frozen=True)
class InstalledWheel:
    """A fresh virtual environment with the wheel installed, and a working folder outside the repository."""

    venv: Path
    workdir: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def compliance(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the installed `compliance` command in the working folder."""
        return _run([self.venv / "bin" / "compliance", *args], cwd=self.workdir, timeout=120)


def _runtime_requirements(wheel: Path) -> list[str]:
    """The wheel's own Requires-Dist entries that are not behind an extra."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata_name).decode()
    requirements = re.findall(r"^Requires-Dist: (.+)$", metadata, flags=re.MULTILINE)
    return [r.strip() for r in requirements if "extra ==" not in r]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> InstalledWheel:
    """The wheel in a new venv (no system site-packages): the wheel with --no-deps, then its runtime deps."""
    root = tmp_path_factory.mktemp("installed-wheel")
    venv = root / "venv"
    _check(_run([sys.executable, "-m", "venv", venv], cwd=root))
    python = venv / "bin" / "python"
    _check(_run([python, "-m", "pip", "install", "--no-deps", wheel], cwd=root))
    _check(_run([python, "-m", "pip", "install", *_runtime_requirements(wheel)], cwd=root))
    workdir = root / "work"
    workdir.mkdir()
    assert not workdir.resolve().is_relative_to(REPO)
    return InstalledWheel(venv, workdir)


# ---------------------------------------------------------------------------------------------
# The wheel's contents


def test_the_wheel_ships_the_rule_packs_and_vocabularies(wheel_names: set[str]) -> None:
    packs = {n for n in wheel_names if re.fullmatch(r"compliance/_rules/packs/[^/]+\.yaml", n)}
    vocabularies = {n for n in wheel_names if re.fullmatch(r"compliance/_rules/vocabulary/[^/]+\.yaml", n)}
    assert packs == {f"compliance/_rules/packs/{p.name}" for p in (REPO / "rules" / "packs").glob("*.yaml")}
    assert vocabularies == {
        f"compliance/_rules/vocabulary/{p.name}" for p in (REPO / "rules" / "vocabulary").glob("*.yaml")
    }
    assert packs and vocabularies


def test_the_wheel_ships_the_report_and_scanner_folders(wheel_names: set[str]) -> None:
    for prefix in ("compliance/_reports/", "compliance/_scanners/"):
        assert any(n.startswith(prefix) and not n.endswith(".py") for n in wheel_names), prefix


@pytest.mark.parametrize("folder", sorted(DATA_PACKAGES))
def test_the_wheel_ships_every_file_of_each_data_folder(folder: str, wheel_names: set[str]) -> None:
    # Anything in rules/, reports/ or scanners/ is there to be read at run time; a file type
    # missing from pyproject's package-data would work in the repository and vanish on install.
    prefix = DATA_PACKAGES[folder].replace(".", "/")
    expected = {f"{prefix}/{rel}" for rel in _shipped_data_files(REPO / folder)}
    missing = sorted(expected - wheel_names)
    assert not missing, f"{folder}/ files not in the wheel (add them to package-data): {missing}"


def test_the_wheel_ships_the_starter_solution_and_the_typing_marker(wheel_names: set[str]) -> None:
    assert "compliance/starter_solution.yaml" in wheel_names
    assert "compliance/py.typed" in wheel_names


def test_the_wheel_holds_only_the_compliance_package(wheel_names: set[str]) -> None:
    # The data folders' own __init__.py must not turn them into top-level packages `rules` etc.
    tops = {n.split("/")[0] for n in wheel_names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"compliance"}


# ---------------------------------------------------------------------------------------------
# The installed wheel, run from outside the repository


def test_the_installed_package_is_imported_from_the_venv_not_the_repository(
    installed: InstalledWheel,
) -> None:
    probe = textwrap.dedent(
        """
        import json
        import compliance
        from compliance.core.resources import reports_root, rules_root, scanners_root
        print(json.dumps({
            "package": compliance.__file__,
            "version": compliance.__version__,
            "roots": [str(rules_root()), str(reports_root()), str(scanners_root())],
        }))
        """
    )
    found = json.loads(_check(_run([installed.python, "-c", probe], cwd=installed.workdir)).stdout)
    venv = installed.venv.resolve()
    for path in [found["package"], *found["roots"]]:
        assert Path(path).resolve().is_relative_to(venv), path
    assert found["version"] == "0.1.0"


def test_the_installed_wheel_lists_every_built_in_rule(installed: InstalledWheel) -> None:
    listed = json.loads(_check(installed.compliance("rules", "list", "--format", "json")).stdout)
    expected = {rule.id for pack in load_packs() for rule in pack.rules}
    assert expected, "the repository has no rules to compare with"
    assert {row["id"] for row in listed} == expected


def test_the_installed_wheel_passes_its_own_rule_cases(installed: InstalledWheel) -> None:
    result = _check(installed.compliance("rules", "test"))
    assert " 0 failed" in result.stdout


def test_the_installed_wheel_assesses_the_starter_solution(installed: InstalledWheel) -> None:
    _check(installed.compliance("init", "starter.yaml", "--force"))
    assert (installed.workdir / "starter.yaml").is_file()
    result = _check(
        installed.compliance(
            "assess", "starter.yaml", "--as-of", AS_OF, "--format", "json", "--output", "out/assessment.json"
        )
    )
    assessment = json.loads(result.stdout)
    assert assessment == json.loads(
        (installed.workdir / "out" / "assessment.json").read_text(encoding="utf-8")
    )
    assert assessment["tool"] == {"name": "compliance-engine", "version": "0.1.0"}
    assert [p["origin"] for p in assessment["rule_packs"]] == ["built-in"] * len(assessment["rule_packs"])
    assert {p["id"] for p in assessment["rule_packs"]} == {p.meta.pack for p in load_packs()}
    assert assessment["findings"], "the built-in rules produced no findings"
    assert assessment["solution"]["id"] == "my-solution"


def test_the_wheel_ships_the_compiled_message_catalogs(wheel_names: set[str]) -> None:
    assert {
        "compliance/_locale/da/LC_MESSAGES/compliance.mo",
        "compliance/_locale/sv/LC_MESSAGES/compliance.mo",
    } <= (wheel_names)


def test_the_installed_wheel_speaks_danish_and_swedish(installed: InstalledWheel) -> None:
    """The summary comes from the compiled catalogs in the wheel, with decimal commas."""
    _check(installed.compliance("init", "starter.yaml", "--force"))
    danish = _check(installed.compliance("assess", "starter.yaml", "--as-of", AS_OF, "--lang", "da")).stdout
    swedish = _check(installed.compliance("assess", "starter.yaml", "--as-of", AS_OF, "--lang", "sv")).stdout
    assert danish.startswith("Vurdering af ") and "Konklusion: " in danish
    assert swedish.startswith("Bedömning av ") and "Slutsats: " in swedish


def test_the_installed_wheel_prints_the_solution_schema(installed: InstalledWheel) -> None:
    schema = json.loads(_check(installed.compliance("schema")).stdout)
    # The vocabularies are read from the shipped data when the schema is built.
    assert "parties" in schema["properties"]
    assert schema["$defs"]["Safeguard"]["properties"]["control"]["enum"]


# ---------------------------------------------------------------------------------------------
# The editable install in the project's .venv


@pytest.mark.parametrize(("folder", "package"), sorted(DATA_PACKAGES.items()))
def test_the_editable_install_resolves_the_data_packages_to_the_repository(folder: str, package: str) -> None:
    # Run from outside the repository, so that only the editable install can find the package.
    probe = f"from importlib.resources import files; print(files({package!r}))"
    out = _check(_run([sys.executable, "-c", probe], cwd=Path("/"))).stdout.strip()
    assert Path(out).resolve() == (REPO / folder).resolve()


def test_the_editable_install_reads_the_repositorys_rule_packs() -> None:
    from importlib.resources import files

    packs = files("compliance._rules").joinpath("packs")
    assert sorted(p.name for p in packs.iterdir() if p.name.endswith(".yaml")) == sorted(
        p.name for p in (REPO / "rules" / "packs").glob("*.yaml")
    )
