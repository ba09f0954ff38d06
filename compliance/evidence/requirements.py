"""Which dependencies a requirement or lock file pins, and which it leaves open.

pip-audit runs with `--disable-pip --no-deps`, so nothing is resolved or installed: it can only
audit a dependency pinned to one version. Everything else in the file is listed as not assessed,
with the reason, instead of silently dropped.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from compliance.core.models.scan import NotAssessed

LOCK_FILES = ("poetry.lock", "uv.lock", "Pipfile.lock", "pylock.toml")


@dataclass(frozen=True)
class Pinned:
    """A dependency pinned to exactly one version."""

    name: str  # canonical (PEP 503)
    version: str
    source: str  # file:line


@dataclass
class Dependencies:
    """What a file pins, and what it does not."""

    pinned: list[Pinned] = field(default_factory=list)
    not_assessed: list[NotAssessed] = field(default_factory=list)


class DependencyFileError(ValueError):
    """A dependency file that cannot be read at all; the message starts with the file."""


def read_dependencies(path: Path) -> Dependencies:
    """The pinned dependencies of a requirements file or a lock file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DependencyFileError(f"{path}: cannot read: {exc}") from None
    name = path.name
    if name in ("poetry.lock", "uv.lock", "pylock.toml"):
        return _toml_lock(path, text)
    if name == "Pipfile.lock":
        return _pipfile_lock(path, text)
    return _requirements(path, text)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with continuations joined and comments removed, with the number of their first line."""
    out: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0] if not raw.lstrip().startswith("#") else ""
        if not buffer:
            start = number
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            out.append((start, buffer.strip()))
        buffer = ""
    if buffer.strip():
        out.append((start, buffer.strip()))
    return out


def _requirements(path: Path, text: str) -> Dependencies:
    deps = Dependencies()
    for number, line in _logical_lines(text):
        where = f"{path}:{number}"
        if line.startswith(("-r", "--requirement", "-c", "--constraint")):
            deps.not_assessed.append(
                NotAssessed(
                    item=f"{where}: {line}",
                    reason="a nested file is not followed; declare it as evidence too",
                )
            )
            continue
        if line.startswith(("-e", "--editable")):
            deps.not_assessed.append(
                NotAssessed(
                    item=f"{where}: {line}", reason="an editable or local project has no version to look up"
                )
            )
            continue
        if line.startswith("-"):
            continue  # index and install options (--index-url, --hash on its own line, ...)
        spec = " ".join(part for part in line.split() if not part.startswith("--hash"))
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            deps.not_assessed.append(NotAssessed(item=f"{where}: {line}", reason=f"not a requirement: {exc}"))
            continue
        if req.url:
            deps.not_assessed.append(
                NotAssessed(
                    item=f"{where}: {req.name}", reason="a URL requirement cannot be pinned to a version"
                )
            )
            continue
        specs = list(req.specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            deps.pinned.append(Pinned(canonicalize_name(req.name), specs[0].version, where))
        else:
            shown = str(req.specifier) or "no version given"
            deps.not_assessed.append(
                NotAssessed(
                    item=f"{where}: {req.name}{req.specifier}",
                    reason=f"not pinned to one version ({shown}): which version is used cannot be known "
                    "without resolving, which is not done",
                )
            )
    return deps


def _toml_lock(path: Path, text: str) -> Dependencies:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DependencyFileError(f"{path}: not a TOML lock file: {exc}") from None
    deps = Dependencies()
    packages = data.get("package") or data.get("packages") or []
    if not isinstance(packages, list):
        raise DependencyFileError(f"{path}: no [[package]] entries")
    for i, pkg in enumerate(packages):
        name, version = (pkg.get("name"), pkg.get("version")) if isinstance(pkg, dict) else (None, None)
        if isinstance(name, str) and isinstance(version, str) and version:
            deps.pinned.append(Pinned(canonicalize_name(name), version, f"{path}: package {i + 1}"))
        elif isinstance(name, str):
            deps.not_assessed.append(
                NotAssessed(item=f"{path}: {name}", reason="no version in the lock file")
            )
    return deps


def _pipfile_lock(path: Path, text: str) -> Dependencies:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DependencyFileError(f"{path}: not JSON: {exc}") from None
    deps = Dependencies()
    for section in ("default", "develop"):
        for name, entry in (data.get(section) or {}).items():
            version = entry.get("version", "") if isinstance(entry, dict) else ""
            if isinstance(version, str) and version.startswith("=="):
                deps.pinned.append(Pinned(canonicalize_name(name), version[2:], f"{path}: {section}.{name}"))
            else:
                deps.not_assessed.append(
                    NotAssessed(item=f"{path}: {section}.{name}", reason="no pinned version in the lock file")
                )
    return deps
