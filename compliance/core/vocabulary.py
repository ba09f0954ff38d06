"""Controlled vocabularies (data categories, subjects, purposes, safeguards, technologies,
countries), loaded once from the shipped `rules/vocabulary/` folder."""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from compliance.core.resources import rules_root


@dataclass(frozen=True)
class Term:
    """One vocabulary entry with its inherited flags."""

    key: str
    title: str
    flags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Vocabulary:
    """A closed set of keys; dotted keys form a hierarchy whose flags descendants inherit."""

    name: str
    terms: dict[str, Term]

    def __contains__(self, key: object) -> bool:
        return key in self.terms

    def keys(self) -> list[str]:
        """All keys, in file order."""
        return list(self.terms)

    def has_flag(self, key: str, flag: str) -> bool:
        """Whether `key` (or an ancestor) carries `flag`."""
        return flag in self.terms[key].flags

    def is_under(self, key: str, prefix: str) -> bool:
        """Whether `key` equals `prefix` or descends from it."""
        return key == prefix or key.startswith(prefix + ".")

    def suggest(self, key: str) -> str | None:
        """The closest known key, for did-you-mean messages."""
        return suggest(key, self.terms)

    def unknown_message(self, key: str) -> str:
        """`unknown data category 'x' (did you mean 'y'?)`."""
        hint = self.suggest(key)
        return f"unknown {self.name} '{key}'" + (f" (did you mean '{hint}'?)" if hint else "")


# Longer than any term: such a word is no misspelling, and comparing it costs time.
MAX_SUGGESTED_FROM = 64


def suggest(word: str, choices: Any) -> str | None:
    """The closest of `choices` to `word`, or None. A file that repeats one unknown word many
    times (a hostile one may, 20,000 times) pays for the comparison once."""
    if len(word) > MAX_SUGGESTED_FROM:
        return None
    return _suggest(word, tuple(str(c) for c in choices))


@functools.lru_cache(maxsize=4096)
def _suggest(word: str, options: tuple[str, ...]) -> str | None:
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if found:
        return found[0]
    lowered = {o.lower(): o for o in options}
    return lowered.get(word.lower())


def _read(name: str) -> dict[str, Any]:
    text = rules_root().joinpath("vocabulary", name).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _hierarchy(name: str, entries: dict[str, dict[str, Any]]) -> Vocabulary:
    terms: dict[str, Term] = {}
    for key, spec in entries.items():
        flags: set[str] = set()
        parent = key.rpartition(".")[0]
        if parent:
            if parent not in terms:
                raise ValueError(f"vocabulary {name}: '{key}' is listed before its parent '{parent}'")
            flags |= terms[parent].flags
        for flag, value in spec.items():
            if flag == "title":
                continue
            if value is True:
                flags.add(flag)
            elif value is False:
                flags.discard(flag)
                flags.add("not_" + flag)
        if "personal" in flags:
            flags.discard("not_personal")
        terms[key] = Term(key, str(spec["title"]), frozenset(flags))
    return Vocabulary(name, terms)


@cache
def data_categories() -> Vocabulary:
    """Data categories (`user.location.trace`, ...)."""
    return _hierarchy("data category", _read("data_categories.yaml")["categories"])


@cache
def data_subjects() -> Vocabulary:
    """Categories of data subjects."""
    return _hierarchy("data subject", _read("data_subjects.yaml")["subjects"])


@cache
def purposes() -> Vocabulary:
    """Purposes of processing."""
    return _hierarchy("purpose", _read("purposes.yaml")["purposes"])


@cache
def safeguards() -> Vocabulary:
    """Safeguards and controls a solution can declare."""
    return _hierarchy("safeguard", _read("safeguards.yaml")["safeguards"])


@cache
def technologies() -> Vocabulary:
    """Technologies a flow uses."""
    return _hierarchy("technology", _read("technologies.yaml")["technologies"])


@dataclass(frozen=True)
class Ground:
    """A legal ground for withholding information from a public edition: its provision as its own
    law names it, what it protects (the term's title), and whether its wording was checked."""

    key: str
    title: str
    citation: str
    jurisdiction: str
    verified: bool


# A ground the vocabulary does not list: the solution file then names the provision itself.
OTHER_GROUND = "other"


@cache
def confidentiality_grounds() -> Vocabulary:
    """Grounds for withholding information from a public edition (their titles, for translation)."""
    entries = _read("confidentiality_grounds.yaml")["grounds"]
    return Vocabulary("confidentiality ground", {k: Term(k, str(v["title"])) for k, v in entries.items()})


@cache
def grounds() -> dict[str, Ground]:
    """The grounds of `confidentiality_grounds`, with their citations."""
    entries = _read("confidentiality_grounds.yaml")["grounds"]
    return {
        k: Ground(k, str(v["title"]), str(v["citation"]), str(v["jurisdiction"]), bool(v["verified"]))
        for k, v in entries.items()
    }


@dataclass(frozen=True)
class Countries:
    """ISO 3166-1 alpha-2 codes and their status under GDPR Chapter V."""

    codes: frozenset[str]
    eea: frozenset[str]
    adequacy: dict[str, dict[str, Any]]
    law_as_of: str

    def is_eea(self, code: str) -> bool:
        """Whether `code` is an EEA state (not a third country)."""
        return code in self.eea

    def has_full_adequacy(self, code: str) -> bool:
        """Whether an Art. 45 decision covers every recipient in `code`."""
        entry = self.adequacy.get(code)
        return entry is not None and not entry.get("partial", False)

    def has_partial_adequacy(self, code: str) -> bool:
        """Whether an Art. 45 decision covers some recipients in `code` (a sector, a kind of
        organisation), to be confirmed for the recipient: not the United States, whose decision is
        relied on as the Data Privacy Framework."""
        entry = self.adequacy.get(code)
        return entry is not None and bool(entry.get("partial", False)) and not entry.get("dpf", False)


@cache
def countries() -> Countries:
    """Countries, the EEA and the adequacy list."""
    data = _read("countries.yaml")
    codes = frozenset(str(data["iso_codes"]).split())
    eea = frozenset(data["eu"]) | frozenset(data["eea_non_eu"])
    return Countries(codes, eea, dict(data["adequacy"]), str(data["law_as_of"]))
