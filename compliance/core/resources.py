"""Where the shipped data folders (rules/, reports/, scanners/, locale/) are, installed or editable."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def rules_root() -> Traversable:
    """The shipped `rules/` folder: rule packs and vocabularies."""
    return files("compliance._rules")


def reports_root() -> Traversable:
    """The shipped `reports/` folder: report templates."""
    return files("compliance._reports")


def scanners_root() -> Traversable:
    """The shipped `scanners/` folder: scanner definitions."""
    return files("compliance._scanners")


def locale_root() -> Traversable:
    """The gettext catalogs of the tool's own texts: compiled into the wheel as
    `compliance/_locale/` (setup.py), or the repository's `locale/` in a source checkout. (The
    folder is not a package: one named `locale` beside the tests would hide the standard
    library's module of that name.)"""
    shipped = files("compliance").joinpath("_locale")
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "locale"
