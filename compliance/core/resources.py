"""Where the shipped data folders (rules/, reports/, scanners/) are, installed or editable."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def rules_root() -> Traversable:
    """The shipped `rules/` folder: rule packs and vocabularies."""
    return files("compliance._rules")


def reports_root() -> Traversable:
    """The shipped `reports/` folder: report templates."""
    return files("compliance._reports")


def scanners_root() -> Traversable:
    """The shipped `scanners/` folder: scanner definitions."""
    return files("compliance._scanners")
