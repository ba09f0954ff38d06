"""Which dependencies a requirement or lock file pins, and which it leaves open.

pip-audit runs with `--disable-pip --no-deps`, so nothing is resolved or installed: it can only
audit a dependency pinned to one version. Everything else in the file is listed as not assessed,
with the reason, instead of silently dropped. The files come from the party being assessed: a
name or version that pip-audit could not read (and that would make it refuse the whole list) is
not assessed either, and a file of the wrong shape is a `DependencyFileError` naming the file and
the line or the key, never another exception.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from compliance.core.errors import InputError, Problem
from compliance.core.models.scan import NotAssessed
from compliance.core.yamlio import Path_, format_path
from compliance.evidence.sarif import json_type, read_input, read_json, shown

LOCK_FILES = ("poetry.lock", "uv.lock", "Pipfile.lock", "pylock.toml")
# Lock files of large projects run to a few megabytes.
MAX_BYTES = 64 * 1024 * 1024
# PEP 508 names: letters and digits, with '.', '_' and '-' inside.
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_COMMENT = re.compile(r"(?:^|\s)#")
_SHOWN_LINE = 200  # characters of a requirement line quoted in a reason
_LONGEST_VERSION = 128  # characters: PEP 440 versions in the wild are far shorter


@dataclass(frozen=True)
class Pinned:
    """A dependency pinned to exactly one version."""

    name: str  # canonical (PEP 503)
    version: str  # normalised (PEP 440)
    source: str  # file:line

    @property
    def key(self) -> tuple[str, Version]:
        """The package and version, compared as versions: `5.3` and `5.3.0` are the same pin."""
        return self.name, Version(self.version)


@dataclass
class Dependencies:
    """What a file pins, and what it does not."""

    pinned: list[Pinned] = field(default_factory=list)
    not_assessed: list[NotAssessed] = field(default_factory=list)


class DependencyFileError(InputError, ValueError):
    """A dependency file that cannot be read at all: the file, where in it, what is wrong."""


def read_dependencies(path: Path) -> Dependencies:
    """The pinned dependencies of a requirements file or a lock file."""
    name = path.name
    if name == "Pipfile.lock":
        return _pipfile_lock(path, read_json(path, DependencyFileError, MAX_BYTES))
    text = read_input(path, DependencyFileError, MAX_BYTES)
    if name in ("poetry.lock", "uv.lock", "pylock.toml"):
        return _toml_lock(path, text)
    return _requirements(path, text)


def _error(path: Path, message: str, where: Path_ = (), line: int | None = None) -> DependencyFileError:
    return DependencyFileError([Problem(str(path), message, line=line, path=format_path(where))])


def pin(name: str, version: str, source: str, item: str) -> Pinned | NotAssessed:
    """A pin pip-audit can audit, or why it cannot: names and versions it would not read."""
    if not _NAME.match(name):
        return NotAssessed(item=item, reason=f"{shown(name)} is not a valid package name (PEP 508)")
    try:
        # A version is short; a longer text is no version (and its digits could be too many for
        # Python to turn into a number, which `Version` does not catch).
        parsed = Version(version) if len(version) <= _LONGEST_VERSION else None
    except InvalidVersion:
        parsed = None
    if parsed is None:
        return NotAssessed(
            item=item,
            reason=f"{shown(version)} is not a version the vulnerability service can compare (PEP 440)",
        )
    return Pinned(canonicalize_name(name), str(parsed), source)


def _add(deps: Dependencies, found: Pinned | NotAssessed) -> None:
    if isinstance(found, Pinned):
        deps.pinned.append(found)
    else:
        deps.not_assessed.append(found)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with continuations joined and comments removed, with the number of their first line."""
    out: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.split(raw, maxsplit=1)[0]
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


def _clip(line: str) -> str:
    return line if len(line) <= _SHOWN_LINE else f"{line[:_SHOWN_LINE]}... ({len(line):,} characters)"


def _requirements(path: Path, text: str) -> Dependencies:
    deps = Dependencies()
    for number, line in _logical_lines(text):
        where = f"{path}:{number}"
        item = f"{where}: {_clip(line)}"
        if line.startswith(("-r", "--requirement", "-c", "--constraint")):
            deps.not_assessed.append(
                NotAssessed(item=item, reason="a nested file is not followed; declare it as evidence too")
            )
            continue
        if line.startswith(("-e", "--editable")):
            deps.not_assessed.append(
                NotAssessed(item=item, reason="an editable or local project has no version to look up")
            )
            continue
        if line.startswith("-"):
            continue  # index and install options (--index-url, --hash on its own line, ...)
        spec = " ".join(part for part in line.split() if not part.startswith("--hash"))
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            deps.not_assessed.append(NotAssessed(item=item, reason=f"not a requirement: {_clip(str(exc))}"))
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
            _add(deps, pin(req.name, specs[0].version, where, f"{where}: {_clip(str(req))}"))
        else:
            shown_spec = _clip(str(req.specifier)) or "no version given"
            deps.not_assessed.append(
                NotAssessed(
                    item=f"{where}: {req.name}{_clip(str(req.specifier))}",
                    reason=f"not pinned to one version ({shown_spec}): which version is used cannot be "
                    "known without resolving, which is not done",
                )
            )
    return deps


def _toml_lock(path: Path, text: str) -> Dependencies:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        message = _TOML_POSITION.sub("", str(exc)).strip()
        raise DependencyFileError(
            [
                Problem(
                    str(path),
                    f"not a TOML lock file: {message}",
                    line=int(position[1]) if position else None,
                    column=int(position[2]) if position else None,
                )
            ]
        ) from None
    except ValueError as exc:  # an integer over Python's digit limit: tomllib does not wrap it
        raise _error(path, f"not a TOML lock file: {_clip(str(exc))}") from None
    except RecursionError:
        raise _error(path, "not a TOML lock file: nested too deeply") from None
    key = "packages" if path.name == "pylock.toml" else "package"
    packages = data.get(key, [])
    if not isinstance(packages, list):
        raise _error(path, f"expected an array of tables, found {_toml_type(packages)}", (key,))
    deps = Dependencies()
    for i, entry in enumerate(packages):
        where: Path_ = (key, i)
        if not isinstance(entry, dict):
            raise _error(path, f"expected a table, found {_toml_type(entry)}", where)
        name, version = entry.get("name"), entry.get("version")
        if not isinstance(name, str):
            raise _error(path, f"expected the package's name, found {_toml_type(name)}", (*where, "name"))
        if version is not None and not isinstance(version, str):
            raise _error(path, f"expected a version string, found {_toml_type(version)}", (*where, "version"))
        item = f"{path}: {shown(name)}"
        if not version:
            deps.not_assessed.append(NotAssessed(item=item, reason="no version in the lock file"))
            continue
        _add(deps, pin(name, version, f"{path}: package {i + 1}", f"{item}=={shown(version)}"))
    return deps


def _toml_type(value: Any) -> str:
    """A TOML value's type in the words of the JSON messages, with TOML's own names where it
    differs (a table, a date or time)."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, bool | int | float | str | list):
        return json_type(value)
    return "a date or time"


def _pipfile_lock(path: Path, data: Any) -> Dependencies:
    if not isinstance(data, dict):
        raise _error(path, f"expected an object, found {_toml_type(data)}")
    deps = Dependencies()
    for section in ("default", "develop"):
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            raise _error(path, f"expected an object, found {_toml_type(entries)}", (section,))
        for name, entry in entries.items():
            where: Path_ = (section, shown(name, quote=False))
            if not isinstance(entry, dict):
                raise _error(path, f"expected an object, found {_toml_type(entry)}", where)
            version = entry.get("version")
            item = f"{path}: {format_path(where)}"
            if version is None:
                deps.not_assessed.append(NotAssessed(item=item, reason="no pinned version in the lock file"))
                continue
            if not isinstance(version, str):
                raise _error(path, f"expected a string, found {_toml_type(version)}", (*where, "version"))
            if not version.startswith("=="):
                deps.not_assessed.append(
                    NotAssessed(item=item, reason=f"not pinned to one version ({shown(version)})")
                )
                continue
            _add(deps, pin(name, version[2:], item, item))
    return deps
