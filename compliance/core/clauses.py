"""The clause review of a data-processing agreement: which sentence imposes each duty of GDPR
Art. 28 (and Chapter V), and whether it does so fully, weakened, contradicted, or not at all.

The requirements are data (rules/dpa/requirements.yaml), and so is how each is recognised in each
language (rules/dpa/{en,da,sv}.yaml): regular expressions for the sentence that imposes the duty,
for what weakens it, for what contradicts it, and for the exceptions the GDPR itself allows, with
test sentences that must give their outcome. A sentence is read whole: a definition or a heading
imposes nothing, a denial ("is not obliged to") or a permission to do what Art. 28 forbids
contradicts, and so does a sentence that rules part of the duty out ("does not apply to", "are not
deemed breaches", "waives"), wherever it stands and whatever clause it refers to; a qualifier
("where feasible", "at its discretion") or an exception the law does not allow weakens. Nothing is learned or downloaded; what is not recognised is "not found", which
counts as unknown, never as a pass. The tool takes over the repetitive reading; the judgement stays
with the lawyer, who gets the quote, where it stands and why.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml

from compliance.core import vocabulary
from compliance.core.errors import InputError
from compliance.core.messages import N_
from compliance.core.resources import rules_root

LANGUAGES = ("en", "da", "sv")
CHAPTER_V = "chapter-v"
ART28 = "art28"
DATA_ACT = "data-act"


class ClauseOutcome(StrEnum):
    """What the review found for one requirement."""

    FOUND = "found"
    WEAKENED = "weakened"
    CONTRADICTED = "contradicted"
    NOT_FOUND = "not_found"


# Which outcome decides when sentences disagree: one that contradicts the duty, then one that
# carves part of it out ("is not obliged to ... unless", "may replace sub-processors without notice,
# provided that ...") or narrows it wherever it is imposed ("return requires a paid export
# order"), then one that imposes it fully, then one that weakens it
# otherwise. A carve-out limits even a clean clause elsewhere in the agreement.
_PRECEDENCE = (ClauseOutcome.CONTRADICTED, "carve-out", ClauseOutcome.FOUND, ClauseOutcome.WEAKENED)
# The reasons a sentence gives an outcome, recorded in English with the document's words after
# them; the outputs put the prefix in the reader's language (`REASON_PREFIXES`).
CARVE_OUT = N_("it rules part of the duty out: ")
NARROWS = N_("it puts a condition or a limit on the duty, wherever that is imposed: ")
EXCLUDES = N_("it takes part of the duty back, wherever that is imposed: ")
RULES_OUT_BUT = N_("it rules the duty out but for some cases: ")
PERMITS = N_("it permits what the requirement forbids: ")
DENIES = N_("it denies the duty: ")
COVERS_LESS = N_("it covers less than the requirement: ")
NOT_THE_LAWS = N_("an exception the GDPR does not make: ")
# the limits-elsewhere reading (`_limited_elsewhere`): a generic limiting word in a sentence about
# the duty's subject, in the clause that imposes it or in another one
MAY_LIMIT = N_("its own words may limit the duty: ")
LIMITS_ELSEWHERE = N_("another sentence may limit it: ")
# a fact stated anywhere that falls short of the duty (`Patterns.falls_short`)
FALLS_SHORT = N_("another sentence states a fact that falls short of it: ")
# the placement reading of Chapter V (`_placed_abroad`): a sentence that puts the data in a third
# country, with no transfer ground named for it
PLACED_OUTSIDE = N_(
    "another sentence puts the data in a country outside the EU/EEA and names no transfer ground for it: "
)
PLACED_PARTLY = N_(
    "another sentence puts the data in a country whose adequacy decision covers only some recipients, and names no transfer ground for it: "
)


@dataclass(frozen=True)
class Block:
    """A heading, paragraph, list item or table row of a document, with where it stands."""

    kind: str  # heading | paragraph | item | row
    text: str
    where: str  # "page 3, line 12" or "section 9, paragraph 2"
    section: str  # the heading of the section it stands in ("" before the first)


@dataclass(frozen=True)
class Requirement:
    """One thing the agreement must say."""

    id: str
    citation: str
    title: str
    question: str
    solution: dict[str, str]
    part: str = ART28  # ART28, or DATA_ACT: the Data Act's switching terms, reported apart
    # periods read off the sentences, in days, with their limits: {"notice_period_days": {"at_most": 60}}
    measures: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Patterns:
    """How one requirement is recognised in one language."""

    duty: tuple[re.Pattern[str], ...]
    weakened: tuple[re.Pattern[str], ...]
    contradicted: tuple[re.Pattern[str], ...]
    allowed: tuple[re.Pattern[str], ...]
    tests: dict[str, tuple[str, ...]]
    absolute: bool = False  # an exception after a contradiction does not soften it
    # sentences that narrow the duty wherever it is imposed ("return under clause 12.2 requires a
    # paid export order"): weakened, and outweighing a clean clause elsewhere, as a carve-out does
    narrowed: tuple[re.Pattern[str], ...] = ()
    # per period of `Requirement.measures`: where the sentence states it, a number in group `n`
    # and its unit in group `unit` ("(?P<n>\d+) (?P<unit>days?) notice")
    measures: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)
    # what the duty is about ("confidentiality", "personal data breach", "inspections"): a sentence
    # about it that excludes part of it (`Language.exclusion`) takes the duty back wherever it stands
    scope: tuple[re.Pattern[str], ...] = ()
    # what a sentence is about when it is about the duty's subject ("sub-processor" with
    # "approval", "instructions", "deletion" with "termination"), in place of `scope` (which it
    # falls back to) and besides `duty`: such a sentence with a limiting marker
    # (`Language.limiting`) may limit the duty wherever it stands (`_limited_elsewhere`)
    subject: tuple[re.Pattern[str], ...] = ()
    # what limits nothing in the limits-elsewhere reading, besides `Language.harmless` ("only" in a
    # restriction of the processing itself)
    harmless: tuple[re.Pattern[str], ...] = ()
    liability: bool = False  # the duty is a liability: `Language.apart` does not apply to it
    # sentences the limits-elsewhere reading must read as a limit ("limits") or as none ("none")
    limit_tests: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # facts that fall short of the duty wherever they are stated, though no sentence about the duty
    # says so ("raw GPS tracks are stored unencrypted" against Art. 32 measures): weakened, unless
    # negated (`Language.negation`); `falls_short_about` only in a sentence about the duty's `scope`
    # (itself, its section's heading or a clause it refers to: "the deadline in clause 8.1 runs
    # from ...")
    falls_short: tuple[re.Pattern[str], ...] = ()
    falls_short_about: tuple[re.Pattern[str], ...] = ()
    # test sentences of the two: "short" and "none" (read as standing in a clause about the duty)
    short_tests: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Language:
    """A language's markers and the patterns of every requirement in it."""

    code: str
    definition: tuple[re.Pattern[str], ...]
    denial: tuple[re.Pattern[str], ...]
    exception: tuple[re.Pattern[str], ...]
    hollow: tuple[re.Pattern[str], ...]  # exceptions that leave a denial standing
    prohibition: tuple[re.Pattern[str], ...]
    weakening: tuple[re.Pattern[str], ...]
    requirements: dict[str, Patterns]
    subprocessor_words: tuple[str, ...]
    country_words: tuple[str, ...]
    takeback: tuple[re.Pattern[str], ...] = ()  # "notwithstanding", "dog", "dock": a later restriction
    # a sentence that takes part of a duty back with no signal word: it "does not apply to" some
    # persons, data or incidents, these "are not deemed" what the duty is about, the controller
    # "waives" a right
    exclusion: tuple[re.Pattern[str], ...] = ()
    # a sentence that leads into a list ("the following sub-processors", "... nedenfor")
    list_lead_in: tuple[re.Pattern[str], ...] = ()
    # a reference to a numbered clause ("punkt 4.1", "clause 7.2"), the number in group 1
    clause_reference: tuple[re.Pattern[str], ...] = ()
    category_words: tuple[str, ...] = ()  # a list of kinds of sub-processor, not of named ones
    # the nouns that end the name of a kind of provider ("provider", "leverandør"): an entry named
    # by one in lower case ("Cloud hosting provider") names a kind, not a sub-processor
    kind_words: tuple[str, ...] = ()
    # the first cell of an entry of the list of sub-processors that names none ("name on request",
    # "the manufacturer's cloud")
    unnamed: tuple[re.Pattern[str], ...] = ()
    numbers: dict[str, int] = field(default_factory=dict)  # "two": 2, "to": 2
    # a number, period or threshold the law does not set ("within 45 days", "fewer than 100
    # people", "once every three years", "only in July"): a period in groups `n` and `unit` limits
    # only where it is longer than six weeks, one without them always
    quantity: tuple[re.Pattern[str], ...] = ()
    units: tuple[tuple[re.Pattern[str], int], ...] = ()  # a unit's words and its days
    # generic words that may limit a duty, wherever they stand in a sentence about its subject
    # ("only", "limited to", "at the cost of", "not obliged", "within ... after"): see
    # `_limited_elsewhere`; `condition` words ("unless", "provided that") limit it only where no
    # prohibition stands before them ("shall not ... unless on instructions" is the duty's condition)
    limiting: tuple[re.Pattern[str], ...] = ()
    condition: tuple[re.Pattern[str], ...] = ()
    # exceptions that limit nothing: the GDPR's own ("unless Union or Member State law requires"),
    # those in the controller's favour ("except after a breach"), references to other clauses
    harmless: tuple[re.Pattern[str], ...] = ()
    # sentences on the limitation of liability: they limit no duty but the liability for
    # sub-processors, which is read apart
    apart: tuple[re.Pattern[str], ...] = ()
    # a clause that gives other terms priority over the agreement ("the Supplier's general terms
    # prevail over this DPA"): it may override every duty the agreement imposes
    precedence: tuple[re.Pattern[str], ...] = ()
    # test sentences of `precedence`: "match" and "none"
    precedence_tests: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # a plain negation ("not", "ikke", "inte"): it cancels a fact that falls short of a duty just
    # before it (`_short_in`), and a sentence with one puts the data nowhere (`placement`)
    negation: tuple[re.Pattern[str], ...] = ()
    # how a sentence puts the data in a country (`Placing`, read for Chapter V)
    placing: Placing | None = None


@dataclass(frozen=True)
class Placing:
    """How a sentence of one language puts the data in a country: it names the country after a
    locative word ("in India", "fra Indien", "Hyderabad, India", a table cell) and says that the
    data are processed, stored, accessed or supported there, without a negation. Whether it names
    a transfer ground, or another sentence does, decides whether the placement matters."""

    countries: re.Pattern[str]  # a country named after a locative word, in group `country`
    code_of: dict[str, str]  # each country name's ISO code
    words: tuple[re.Pattern[str], ...]  # processing, storage, access, support
    grounds: tuple[re.Pattern[str], ...]  # the transfer tools of Chapter V, by name
    condition: tuple[re.Pattern[str], ...]  # "unless", "only if": a ground named as a condition
    seat: tuple[re.Pattern[str], ...] = ()  # where a party is established: not where data go
    without: tuple[re.Pattern[str], ...] = ()  # "without": a ground it stands before is denied
    # what says a sentence is about transfers ("transfer", "third country"): a ground named in
    # one for no country in particular covers them all
    transfer: tuple[re.Pattern[str], ...] = ()
    tests: dict[str, tuple[str, ...]] = field(default_factory=dict)  # outside | partly | none


@dataclass(frozen=True)
class Sentence:
    """A sentence (or a list item or table row) of the document and where it stands."""

    text: str
    where: str
    kind: str
    section: str


@dataclass
class ClauseResult:
    """The outcome for one requirement, with the sentence that decided it."""

    requirement: str
    citation: str
    outcome: ClauseOutcome
    quote: str = ""
    location: str = ""
    reason: str = ""
    others: list[dict[str, str]] = field(default_factory=list)
    measured: dict[str, int] = field(default_factory=dict)  # periods read, in days
    measured_at: dict[str, str] = field(default_factory=dict)  # where each was read
    by_measure: bool = False  # the outcome is a period's (beyond its limit, or not stated)

    def as_json(self) -> dict[str, Any]:
        """The JSON contract of a result."""
        out: dict[str, Any] = {
            "requirement": self.requirement,
            "citation": self.citation,
            "outcome": self.outcome.value,
            "quote": self.quote,
            "location": self.location,
            "reason": self.reason,
        }
        if self.measured:
            out["measured_days"] = dict(self.measured)
        return out


# ---------------------------------------------------------------------------------------------
# Loading


@functools.cache
def requirements() -> dict[str, Requirement]:
    """Every requirement, in its order: GDPR Art. 28's, then the Data Act's switching terms."""
    data = _read("requirements.yaml")
    out = {}
    for key, body in data["requirements"].items():
        part = str(body.get("part", ART28))
        if part not in (ART28, DATA_ACT):
            raise InputError.single(f"rules/dpa/requirements.yaml: {key}.part", f"unknown part '{part}'")
        out[key] = Requirement(
            key,
            str(body["citation"]),
            str(body["title"]),
            " ".join(str(body["question"]).split()),
            {str(k): str(v) for k, v in (body.get("solution") or {}).items()},
            part,
            {
                str(m): {str(k): int(v) for k, v in (limits or {}).items()}
                for m, limits in (body.get("measures") or {}).items()
            },
        )
    return out


def art28_requirements() -> dict[str, Requirement]:
    """The requirements of GDPR Art. 28 (and Chapter V): the clause review proper."""
    return {k: r for k, r in requirements().items() if r.part == ART28}


def data_act_requirements() -> dict[str, Requirement]:
    """The Data Act's switching terms for a data processing (cloud) service, reported apart."""
    return {k: r for k, r in requirements().items() if r.part == DATA_ACT}


def _read(name: str) -> dict[str, Any]:
    text = rules_root().joinpath("dpa", name).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _compile(where: str, patterns: Any) -> tuple[re.Pattern[str], ...]:
    out = []
    for pattern in patterns or []:
        try:
            out.append(re.compile(str(pattern), re.IGNORECASE))
        except re.error as exc:
            raise InputError.single(where, f"pattern {pattern!r}: {exc}") from None
    return tuple(out)


def _test_sentences(value: Any) -> dict[str, tuple[str, ...]]:
    """Test sentences as a pattern file lists them, by the outcome they must give."""
    return {str(kind): tuple(str(text) for text in texts or []) for kind, texts in (value or {}).items()}


def _with_synonyms(data: dict[str, Any], synonyms: dict[str, str]) -> dict[str, Any]:
    """The language's patterns with each word of `structure.synonyms` also read as its synonym (a
    pattern of its own):
    "underdatabehandlere" as "(?:underdatabehandlere|underleverandører)", so that an agreement that
    calls its sub-processors subcontractors is read by the same patterns. The words are replaced
    where no letter follows them (the longest first); test sentences are left as they are."""
    if not synonyms:
        return data
    words = sorted(synonyms, key=len, reverse=True)
    found = re.compile("|".join(re.escape(w) for w in words) + r"(?![^\W\d_])")

    def widened(value: Any, key: str = "") -> Any:
        if key.endswith("tests"):
            return value
        if isinstance(value, str):
            return found.sub(lambda m: f"(?:{m.group(0)}|{synonyms[m.group(0)]})", value)
        if isinstance(value, list):
            return [widened(item) for item in value]
        if isinstance(value, dict):
            return {k: widened(v, str(k)) for k, v in value.items()}
        return value

    return {
        **data,
        "markers": widened(data.get("markers") or {}),
        "requirements": widened(data.get("requirements") or {}),
    }


@functools.cache
def language(code: str) -> Language:
    """The patterns of a language, checked: every requirement has an entry."""
    if code not in LANGUAGES:
        raise ValueError(f"no clause patterns for language '{code}'")
    where = f"rules/dpa/{code}.yaml"
    data = _read(f"{code}.yaml")
    data = _with_synonyms(data, (data.get("structure") or {}).get("synonyms") or {})
    markers = data.get("markers") or {}
    entries = data.get("requirements") or {}
    missing = [r for r in requirements() if r not in entries]
    if missing:
        raise InputError.single(where, f"no patterns for {', '.join(missing)}")
    compiled = {}
    for key, body in entries.items():
        body = body or {}
        compiled[key] = Patterns(
            duty=_compile(f"{where}: {key}.duty", body.get("duty")),
            weakened=_compile(f"{where}: {key}.weakened", body.get("weakened")),
            contradicted=_compile(f"{where}: {key}.contradicted", body.get("contradicted")),
            allowed=_compile(f"{where}: {key}.allowed", body.get("allowed")),
            tests=_test_sentences(body.get("tests")),
            absolute=bool(body.get("absolute", False)),
            narrowed=_compile(f"{where}: {key}.narrowed", body.get("narrowed")),
            measures={
                str(m): _compile(f"{where}: {key}.measures.{m}", pats)
                for m, pats in (body.get("measures") or {}).items()
            },
            scope=_compile(f"{where}: {key}.scope", body.get("scope")),
            subject=_compile(f"{where}: {key}.subject", body.get("subject")),
            harmless=_compile(f"{where}: {key}.harmless", body.get("harmless")),
            liability=bool(body.get("liability", False)),
            limit_tests=_test_sentences(body.get("limit_tests")),
            falls_short=_compile(f"{where}: {key}.falls_short", body.get("falls_short")),
            falls_short_about=_compile(f"{where}: {key}.falls_short_about", body.get("falls_short_about")),
            short_tests=_test_sentences(body.get("short_tests")),
        )
        unmeasured = (
            set(requirements()[key].measures) - set(compiled[key].measures)
            if key in requirements()
            else set()
        )
        if unmeasured:
            raise InputError.single(
                where, f"{key}: no patterns for the periods {', '.join(sorted(unmeasured))}"
            )
    structure = data.get("structure") or {}
    return Language(
        code=code,
        definition=_compile(f"{where}: markers.definition", markers.get("definition")),
        denial=_compile(f"{where}: markers.denial", markers.get("denial")),
        exception=_compile(f"{where}: markers.exception", markers.get("exception")),
        hollow=_compile(f"{where}: markers.hollow", markers.get("hollow")),
        prohibition=_compile(f"{where}: markers.prohibition", markers.get("prohibition")),
        weakening=_compile(f"{where}: markers.weakening", markers.get("weakening")),
        takeback=_compile(f"{where}: markers.takeback", markers.get("takeback")),
        exclusion=_compile(f"{where}: markers.exclusion", markers.get("exclusion")),
        limiting=_compile(f"{where}: markers.limiting", markers.get("limiting")),
        condition=_compile(f"{where}: markers.condition", markers.get("condition")),
        harmless=_compile(f"{where}: markers.harmless", markers.get("harmless")),
        apart=_compile(f"{where}: markers.apart", markers.get("apart")),
        precedence=_compile(f"{where}: markers.precedence", markers.get("precedence")),
        negation=_compile(f"{where}: markers.negation", markers.get("negation")),
        quantity=_compile(f"{where}: markers.quantity", markers.get("quantity")),
        precedence_tests=_test_sentences(markers.get("precedence_tests")),
        requirements=compiled,
        subprocessor_words=tuple(str(w).lower() for w in structure.get("sub_processor_words") or ()),
        country_words=tuple(str(w).lower() for w in structure.get("country_words") or ()),
        list_lead_in=_compile(f"{where}: structure.list_lead_in", structure.get("list_lead_in")),
        clause_reference=_compile(f"{where}: structure.clause_reference", structure.get("clause_reference")),
        category_words=tuple(str(w).lower() for w in structure.get("category_words") or ()),
        kind_words=tuple(str(w).lower() for w in structure.get("kind_words") or ()),
        unnamed=_compile(f"{where}: structure.unnamed", structure.get("unnamed")),
        numbers={str(k).lower(): int(v) for k, v in (structure.get("numbers") or {}).items()},
        units=tuple(
            (re.compile(rf"^(?:{pattern})$", re.IGNORECASE), int(days))
            for pattern, days in (structure.get("units") or {}).items()
        ),
        placing=_placing(f"{where}: structure.placing", structure.get("placing"), code),
    )


def _placing(where: str, body: Any, code: str) -> Placing | None:
    """A language's `structure.placing`: the country names are CLDR's, in the language and in
    English, with the variants the entry adds (`aliases`, by ISO code), each read after one of
    its `lead` words, a comma ("Hyderabad, India"), a bracket or a table cell's bar."""
    if not body:
        return None
    names: dict[str, set[str]] = {}
    for territory, name in _territory_names(code):
        variants = names.setdefault(territory, set())
        variants.add(name)
        if "&" in name:  # "Bosnia & Herzegovina": written out in agreements
            variants.add(name.replace("&", str(body.get("and", "and"))))
    for territory, aliases in (body.get("aliases") or {}).items():
        names.setdefault(str(territory), set()).update(str(a) for a in aliases)
    lead = "|".join(re.escape(str(w)) for w in body.get("lead") or ())
    opening = rf"(?:(?i:\b(?:{lead})\s+(?:the\s+)?)|,\s*|\(\s*|\|\s*)" if lead else r"(?:,\s*|\(\s*|\|\s*)"
    code_of = {name: territory for territory, variants in names.items() for name in variants}
    alternatives = "|".join(re.escape(n) for n in sorted(code_of, key=len, reverse=True))
    countries = re.compile(rf"{opening}(?P<country>{alternatives})(?![\w-])")
    return Placing(
        countries=countries,
        code_of=code_of,
        words=_compile(f"{where}.words", body.get("words")),
        grounds=_compile(f"{where}.grounds", body.get("grounds")),
        condition=_compile(f"{where}.condition", body.get("condition")),
        seat=_compile(f"{where}.seat", body.get("seat")),
        without=_compile(f"{where}.without", body.get("without")),
        transfer=_compile(f"{where}.transfer", body.get("transfer")),
        tests=_test_sentences(body.get("tests")),
    )


@functools.cache
def _checked(code: str) -> tuple[str, ...]:
    return tuple(failing_tests(code))


def failing_tests(code: str) -> list[str]:
    """The test sentences of a language that do not give their outcome."""
    lang = language(code)
    out = []
    for key, patterns in lang.requirements.items():
        for expected, sentences in patterns.tests.items():
            for text in sentences:
                got = classify(text, key, lang)
                want = None if expected == "none" else ClauseOutcome(expected)
                if (got[0] if got else None) is not want:
                    out.append(
                        f"{code} {key}: expected {expected}, got {got[0].value if got else 'none'}: {text}"
                    )
        for expected, sentences in patterns.short_tests.items():
            for text in sentences:
                short = _short_in(_normalised(text), key, lang, about=True)
                if (short is not None) is not (expected == "short"):
                    out.append(
                        f"{code} {key}: expected the falls-short reading {expected}, got the other: {text}"
                    )
        for expected, sentences in patterns.limit_tests.items():
            for text in sentences:
                limit = _limit_in(_normalised(text), key, lang)
                if (limit is not None) is not (expected == "limits"):
                    out.append(f"{code} {key}: expected the limit reading {expected}, got the other: {text}")
    for expected, sentences in (lang.placing.tests if lang.placing else {}).items():
        for text in sentences:
            placed = placement(_normalised(text), lang)
            kind = placed[0] if placed is not None else "none"
            if kind != expected:
                out.append(f"{code} structure.placing: expected {expected}, got {kind}: {text}")
    for expected, sentences in lang.precedence_tests.items():
        for text in sentences:
            if (_precedence_in(_normalised(text), lang) is not None) is not (expected == "match"):
                out.append(f"{code} markers.precedence: expected {expected}, got the other: {text}")
    return out


# ---------------------------------------------------------------------------------------------
# Sentences

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = (
    r"art|arts|nr|no|nos|stk|kap|pkt|jf|jfr|fx|bl\.a|f\.eks|t\.ex|e\.g|i\.e|etc|inkl|incl|ca|dvs|"
    r"mfl|m\.fl|resp|ang|vedr|iht|ifm|st|p|pp|pr|sec|para|cf|vs|ltd|inc|co|corp|a/s|ab|aps|gmbh|s\.a|dr|mr|ms|u\.s|u\.k|e\.u"
)


def sentences(blocks: Sequence[Block]) -> list[Sentence]:
    """The sentences of a document: paragraphs split at sentence ends, list items each joined to
    the sentence that introduces them ("The processor shall: ... (b) ..."), rows as they are;
    headings are kept (they are never read as imposing a duty)."""
    out: list[Sentence] = []
    lead = ""
    for block in blocks:
        if block.kind in ("heading", "header", "row"):
            out.append(Sentence(block.text, block.where, block.kind, block.section))
            lead = ""
            continue
        if block.kind == "item":
            out.append(
                Sentence(f"{lead} {block.text}" if lead else block.text, block.where, "item", block.section)
            )
            continue
        parts = [p.strip() for p in _split(block.text) if p.strip()]
        for part in parts:
            out.append(Sentence(part, block.where, "sentence", block.section))
        lead = parts[-1] if parts and parts[-1].endswith(":") else ""
    return out


def _split(text: str) -> list[str]:
    # Python's look-behind needs a fixed width: split where a sentence ends, then join back the
    # pieces that ended in an abbreviation.
    pieces = re.split(r"(?<=[.!?;])\s+(?=[\"“(]?[A-ZÆØÅÄÖ0-9§])", text)
    out: list[str] = []
    for piece in pieces:
        if out and re.search(rf"\b(?:{_ABBREVIATIONS})\.$", out[-1], re.IGNORECASE):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


# ---------------------------------------------------------------------------------------------
# Classifying


def _first(patterns: Iterable[re.Pattern[str]], text: str) -> re.Match[str] | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match is not None:
            return match
    return None


def classify(text: str, key: str, lang: Language, kind: str = "sentence") -> tuple[ClauseOutcome, str] | None:
    """A sentence's outcome for one requirement, and why; None where it says nothing of it."""
    found = _classify(text, key, lang, kind)
    return (found[0], found[1]) if found is not None else None


# a stop between two letters or digits: inside a number, a web address or a file name
_NUMBER_STOP = re.compile(r"(?<=[^\W_])\.(?=[^\W_])")
_LETTER_STOPS = re.compile(r"(?<![\w.])(?:[^\W\d_]\.){2,}")
_INNER_STOP = "\u2024"  # one dot leader: looks like a full stop, is not one to the patterns
# the stop of an abbreviation with a small letter after it ("pr. husstand", "jf. punkt 4")
_ABBREVIATION_STOP = re.compile(rf"\b(?:{_ABBREVIATIONS})\.(?=\s+(?-i:[a-zæøåäö]))", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)
def _normalised(text: str) -> str:
    """A sentence with its whitespace collapsed, and the stops that end no sentence read as another
    mark: a full stop inside a number ("clause 7.1", "100.000 kr.") or a web address
    ("example.com"), so that a pattern's "[^.]" span runs over it (the reasons show it as a stop);
    the stops of an abbreviation of single letters ("U.S.", "e.g.", "t.o.m."), and the stop of an
    abbreviation that a small letter follows ("pr. husstand", "jf. punkt 4")."""
    text = _LETTER_STOPS.sub(lambda m: m.group(0).replace(".", _INNER_STOP), " ".join(text.split()))
    text = _NUMBER_STOP.sub(_INNER_STOP, text)
    return _ABBREVIATION_STOP.sub(lambda m: m.group(0)[:-1] + _INNER_STOP, text)


def _classify(
    text: str, key: str, lang: Language, kind: str, about: str = ""
) -> tuple[ClauseOutcome, str, int] | None:
    """`classify`, with the rank of the duty pattern that matched (the first pattern of a
    requirement is its canonical wording: of several sentences that impose it, the one quoted).
    `about` is what else says what the sentence is about: its section's heading, and the clauses it
    refers to ("the requirement in clause 4.1 does not apply to ...")."""
    if kind in ("heading", "header"):
        return None
    text = _normalised(text)
    found = _read_sentence(text, key, lang, about)
    if found is None:
        return None
    outcome, reason, rank = found
    # A sentence that takes back what another clause gives ("Notwithstanding clause 3.1, ...",
    # "... er dog ...", "... förutsätter dock ...") and weakens the duty limits it wherever it is
    # imposed: it outweighs a clean clause as a carve-out does.
    if (
        outcome is ClauseOutcome.WEAKENED
        and not reason.startswith((CARVE_OUT, NARROWS))
        and _first(lang.takeback, text) is not None
    ):
        reason = NARROWS + reason.partition(": ")[2]
    return outcome, reason.replace(_INNER_STOP, "."), rank


def _read_sentence(
    text: str, key: str, lang: Language, about: str = ""
) -> tuple[ClauseOutcome, str, int] | None:
    """`_classify` of a sentence with its whitespace collapsed."""
    patterns = lang.requirements[key]
    # What the GDPR itself allows ("unless Union or Member State law requires storage") is no
    # exception and no weakening: it is read as if it were not there.
    rest = text
    for allowed in patterns.allowed:
        rest = allowed.sub(" ", rest)
    # A sentence about the duty's subject that rules some of it out ("the confidentiality clause
    # does not apply to external developers", "incidents concerning X are not deemed breaches",
    # "the controller waives its right to inspect") takes the duty back wherever it is imposed,
    # with or without a signal word: it contradicts, and outweighs the clean clause. It
    # is read before definitions: it may open as one does ("incidents that only concern X are").
    excluded = _first(lang.exclusion, rest) if patterns.scope else None
    if excluded is not None and _first(patterns.scope, f"{rest} {about}") is not None:
        return ClauseOutcome.CONTRADICTED, f"{EXCLUDES}“{_context(rest, excluded, 100)}”", 99
    # A definition imposes nothing, but one that narrows a term the duty uses ("'breach' means
    # ... which the processor has confirmed") narrows the duty wherever it is imposed.
    if _first(lang.definition, text):
        narrow = _first(patterns.narrowed, rest)
        if narrow is not None:
            return ClauseOutcome.WEAKENED, f"{NARROWS}“{narrow.group(0).strip()}”", 99
        return None
    # Of several sentences that contradict the duty, the one an earlier pattern matches is quoted:
    # a pattern that reads a contradiction off circumstances ("the team in Serbia has access")
    # stands after one that states it.
    contra, order = None, 0
    for order, pattern in enumerate(patterns.contradicted):  # noqa: B007 - the order is the index
        contra = pattern.search(text)
        if contra is not None:
            break
    if contra is not None:
        limited = _first(lang.exception, _unhollowed(text[contra.end() :], lang))
        if limited is not None and not patterns.absolute:
            return (
                ClauseOutcome.WEAKENED,
                f"{RULES_OUT_BUT}“{contra.group(0)}”",
                99,
            )
        return ClauseOutcome.CONTRADICTED, f"{PERMITS}“{contra.group(0)}”", 99 + order
    narrow = _first(patterns.narrowed, rest)
    if narrow is not None:
        return ClauseOutcome.WEAKENED, f"{NARROWS}“{narrow.group(0).strip()}”", 99
    duty, rank = None, 0
    for rank, pattern in enumerate(patterns.duty):  # noqa: B007 - the rank is the index matched
        duty = pattern.search(text)
        if duty is not None:
            break
    denial = _first(lang.denial, rest)
    if duty is None:
        # A denial of what the duty is about ("has no obligation to help with requests for
        # erasure") denies the duty though it is worded as none of the duty's own sentences are.
        if denial is None or _first(patterns.scope, rest) is None:
            return None
        rank = 99
    if denial is not None:
        # A denial limited by an exception ("is not obliged to ... unless"), or one that follows
        # a clause imposing part of the duty ("assists with A, but nothing obliges it to B"),
        # rules only part of the duty out. An exception that is none ("unless separately
        # agreed") leaves the denial whole.
        excepted = _first(lang.exception, _unhollowed(rest[denial.end() :], lang)) is not None
        partial = _first(patterns.duty, rest[: denial.start()]) is not None
        if (excepted or partial) and not patterns.absolute:
            return ClauseOutcome.WEAKENED, f"{CARVE_OUT}“{denial.group(0)}”", rank
        return ClauseOutcome.CONTRADICTED, f"{DENIES}“{denial.group(0)}”", rank
    if duty is None:
        return None
    weak = _first(patterns.weakened, rest) or _first(lang.weakening, rest)
    if weak is not None:
        return ClauseOutcome.WEAKENED, f"{COVERS_LESS}“{weak.group(0).strip()}”", rank
    # An exception weakens the duty when it stands after the duty begins ("shall delete ... unless
    # ..."), and not where it makes a prohibition ("shall not process ... unless on instructions").
    start = rest.find(duty.group(0)[:20]) if duty.group(0)[:20] in rest else 0
    for exception in (m for p in lang.exception for m in p.finditer(rest) if m.start() >= start):
        if not _first(lang.prohibition, rest[: exception.start()]):
            return (
                ClauseOutcome.WEAKENED,
                f"{NOT_THE_LAWS}“{_context(rest, exception)}”",
                rank,
            )
    return ClauseOutcome.FOUND, "the sentence imposes the duty", rank


def _unhollowed(text: str, lang: Language) -> str:
    """The text with the exceptions that are none ("unless otherwise agreed") taken out."""
    for hollow in lang.hollow:
        text = hollow.sub(" ", text)
    return text


def _around(text: str, match: re.Match[str], width: int = 50) -> str:
    """The words around a match, up to `width` characters either side within the sentence, cut
    between words and marked with "…" where cut."""
    start, end = max(0, match.start() - width), min(len(text), match.end() + width)
    while start > 0 and text[start - 1].isalnum():
        start += 1
    while end < len(text) and text[end].isalnum() and end > match.end():
        end -= 1
    piece = text[start:end].strip(" ,;")
    return f"{'… ' if start > 0 else ''}{piece}{' …' if end < len(text) else ''}"


def _context(text: str, match: re.Match[str], width: int = 60) -> str:
    """The words from a match on, up to `width` characters after it or the sentence's end; a cut
    falls between words and is marked with "…", never inside a word."""
    end = match.end() + width
    piece = text[match.start() : end]
    whole = piece.split(".")[0]
    if whole == piece and end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        whole = whole.rsplit(" ", 1)[0] + " …"
    elif whole == piece and end < len(text):
        whole = whole.rstrip() + " …"
    return whole.strip()


def review(blocks: Sequence[Block], code: str) -> list[ClauseResult]:
    """Every requirement's outcome in a document of language `code`. The language's patterns must
    give their own test sentences' outcomes first: a pattern file that does not is refused."""
    document = _prepared(blocks, code)
    results = []
    for key, requirement in art28_requirements().items():
        if key == "sub-processor-list":
            results.append(_subprocessor_list(document.said, document.lang, requirement))
            continue
        result = _limited_elsewhere(_decide(requirement, _hits(document, key)), document)
        results.append(_placed_abroad(result, document) if key == CHAPTER_V else result)
    return results


def _limited_elsewhere(result: ClauseResult, document: _Document) -> ClauseResult:
    """A duty found, read once more against the whole agreement: a limit may be worded or placed
    where no pattern of the requirement looks (a fees schedule that charges for the help, a
    definition that narrows a term, a condition on the controller's right in another section).
    Every sentence about the duty's subject (its `scope`, `subject` or `duty`, in the sentence or
    in a clause it refers to) that carries a generic limiting word (`Language.limiting`, or a
    `condition` no prohibition stands before) makes the duty weakened, with that sentence as the
    quote: the clause that imposes the duty first, then the others in the order they stand. An
    exception the GDPR itself makes ("unless Union or Member State law requires") is none. So does
    a clause that gives other terms priority over the agreement (`Language.precedence`): it may
    override every duty. The reading is conservative: it may call a clean clause weakened, which
    costs the lawyer a question, never a limited one found."""
    if result.outcome is not ClauseOutcome.FOUND:
        return result
    lang = document.lang
    key = result.requirement
    ordered = sorted(
        zip(document.said, document.referred, strict=True), key=lambda pair: pair[0].text != result.quote
    )
    for sentence, referred in ordered:
        if sentence.kind in ("heading", "header"):
            continue
        text = _normalised(sentence.text)
        limit = _limit_in(text, key, lang, referred)
        if limit is None:
            continue
        own = sentence.text == result.quote
        return _decided_by(
            result, ClauseOutcome.WEAKENED, sentence, f"{MAY_LIMIT if own else LIMITS_ELSEWHERE}“{limit}”"
        )
    for sentence in document.said:
        text = _normalised(sentence.text)
        precedence = _precedence_in(text, lang)
        if sentence.kind not in ("heading", "header") and precedence is not None:
            reason = f"{LIMITS_ELSEWHERE}“{_context(text, precedence)}”"
            return _decided_by(result, ClauseOutcome.WEAKENED, sentence, reason)
    for sentence, about in zip(document.said, document.about, strict=True):
        if sentence.kind in ("heading", "header"):
            continue
        text = _normalised(sentence.text)
        short = _short_in(
            text, key, lang, about=_first(lang.requirements[key].scope, f"{text} {about}") is not None
        )
        if short is not None:
            return _decided_by(result, ClauseOutcome.WEAKENED, sentence, f"{FALLS_SHORT}“{short}”")
    return result


def _decided_by(
    result: ClauseResult, outcome: ClauseOutcome, sentence: Sentence, reason: str
) -> ClauseResult:
    """The result as another sentence of the agreement decides it: that sentence's outcome, quote,
    place and reason (the stops inside numbers and abbreviations shown as stops)."""
    result.outcome, result.quote, result.location = outcome, sentence.text, sentence.where
    result.reason = reason.replace(_INNER_STOP, ".")
    return result


def _short_in(text: str, key: str, lang: Language, *, about: bool) -> str | None:
    """The words of a sentence that state a fact falling short of requirement `key`
    (`Patterns.falls_short`; `falls_short_about` where the sentence is `about` the duty); None where
    it states none, or denies it just before the words ("no data are stored
    unencrypted")."""
    patterns = lang.requirements[key]
    for pattern in (*patterns.falls_short, *(patterns.falls_short_about if about else ())):
        for match in pattern.finditer(text):
            # a negation in the same clause just before the words ("no data are stored
            # unencrypted"), not one in a clause before ("where X has not ..., the Supplier may")
            before = re.split(r"[,;:]", text[max(0, match.start() - 40) : match.start()])[-1]
            if _first(lang.negation, before) is None:
                return _context(text, match)
    return None


def _placed_abroad(result: ClauseResult, document: _Document) -> ClauseResult:
    """Chapter V, read against where the agreement puts the data: a sentence that puts them in a
    country outside the EU/EEA without an adequacy decision (support staff in India, a cloud
    service in Singapore, a sub-processor listed in Serbia) contradicts the requirement unless a
    transfer ground is named for that country or for transfers to third countries in general
    (not as a mere condition: "shall not transfer unless ..." names none for the transfer that
    happens); one in a country whose decision covers only some recipients (the United States, for
    those certified under the Data Privacy Framework) weakens it. A clause that forbids transfers
    or keeps the data in the EU is then contradicted by what the agreement itself describes."""
    lang, placing = document.lang, document.lang.placing
    if result.outcome is ClauseOutcome.CONTRADICTED or placing is None:
        return result
    placed: list[tuple[Sentence, str, str, str]] = []
    named: set[str] = set()  # the countries a transfer ground is named for
    general = False  # a ground is named for transfers to third countries in general
    for sentence in document.said:
        if sentence.kind in ("heading", "header"):
            continue
        text = _normalised(sentence.text)
        grounds = [g for g in _matches(placing.grounds, text) if _relied_on(text, g, lang, placing)]
        if grounds:
            # a ground named for the countries the sentence names, or for transfers in general
            countries = {placing.code_of[m.group("country")] for m in placing.countries.finditer(text)}
            named |= countries
            general = general or (not countries and _first(placing.transfer, text) is not None)
            continue
        listed = sentence.kind in ("row", "item") and any(
            w in sentence.section.lower() for w in lang.subprocessor_words
        )
        hit = placement(text, lang, listed=listed)
        if hit is not None:
            placed.append((sentence, *hit))
    if general:
        return result
    uncovered = [p for p in placed if p[2] not in named]
    # a sentence that says so rather than an entry of a list; the worst placement first
    uncovered.sort(key=lambda p: (p[1] != "outside", p[0].kind in ("row", "item")))
    worst = next(iter(uncovered), None)
    # a clause already weakened says something of the ground the transfers rest on, which the
    # lawyer reads against them; an agreement silent on transfers is not made weakened by a
    # country whose decision may cover the recipient
    if worst is None or result.outcome is ClauseOutcome.WEAKENED:
        return result
    if worst[1] != "outside" and result.outcome is ClauseOutcome.NOT_FOUND:
        return result
    sentence, kind, _code, words = worst
    if result.quote:
        result.others.append(
            {"outcome": result.outcome.value, "quote": result.quote, "location": result.location}
        )
    if kind == "outside":
        return _decided_by(result, ClauseOutcome.CONTRADICTED, sentence, f"{PLACED_OUTSIDE}“{words}”")
    return _decided_by(result, ClauseOutcome.WEAKENED, sentence, f"{PLACED_PARTLY}“{words}”")


def _matches(patterns: Iterable[re.Pattern[str]], text: str) -> list[re.Match[str]]:
    return [m for p in patterns for m in p.finditer(text)]


def _relied_on(text: str, ground: re.Match[str], lang: Language, placing: Placing) -> bool:
    """Whether a transfer ground a sentence names is one relied on: not denied just before it
    ("without any standard contractual clauses", "no SCCs are needed") and not a condition
    ("unless the standard contractual clauses are signed")."""
    before = text[max(0, ground.start() - 40) : ground.start()]
    if _first(lang.negation, before) is not None or _first(placing.without, before) is not None:
        return False
    return _first(placing.condition, text[max(0, ground.start() - 100) : ground.start()]) is None


# Territories of EU states that CLDR names apart (Åland, the French overseas departments and
# Saint Martin): the GDPR applies there, so the data placed there stay in the EU.
_IN_THE_UNION = frozenset({"AX", "GF", "GP", "MQ", "RE", "YT", "MF"})


def placement(text: str, lang: Language, *, listed: bool = False) -> tuple[str, str, str] | None:
    """Where a sentence (whitespace collapsed: `_normalised`) puts the data outside the EU/EEA
    with no transfer ground named in it: "outside" (no adequacy decision) or "partly" (a decision
    that covers only some recipients), the country's ISO code and the words that say so; None
    where it puts them nowhere outside, denies it, names a ground or defines a term. An entry of
    the list of sub-processors (`listed`) needs no word of processing: being listed is one."""
    placing = lang.placing
    if placing is None or _first(lang.negation, text):
        return None
    if any(_relied_on(text, ground, lang, placing) for ground in _matches(placing.grounds, text)):
        return None
    if _first(placing.seat, text) is not None:
        return None
    if _first(lang.definition, text) is not None:
        return None
    if not listed and _first(placing.words, text) is None:
        return None
    countries = vocabulary.countries()
    worst: tuple[str, str, str] | None = None
    for match in placing.countries.finditer(text):
        code = placing.code_of[match.group("country")]
        if code not in countries.codes or code in _IN_THE_UNION:
            continue
        if countries.is_eea(code) or countries.has_full_adequacy(code):
            continue
        kind = "partly" if code in countries.adequacy else "outside"
        if worst is None or (kind == "outside" and worst[0] == "partly"):
            worst = (kind, code, _around(text, match))
    return worst


def _precedence_in(text: str, lang: Language) -> re.Match[str] | None:
    """Where a sentence gives other terms priority over the agreement; None where it does not,
    or where the language reads the words as harmless ("this addendum prevails over the general
    terms, except in matters of availability, where ...": the agreement's own priority first)."""
    for harmless in lang.harmless:
        text = harmless.sub(lambda m: " " * len(m.group(0)), text)
    return _first(lang.precedence, text)


def _limit_in(text: str, key: str, lang: Language, referred: str = "") -> str | None:
    """The words of a sentence (whitespace collapsed) that may limit requirement `key`, where it is
    about the requirement's subject; None where it is not, or carries no limiting word outside the
    words that impose the duty."""
    patterns = lang.requirements[key]
    rest = text
    # a sentence on the limitation of liability is read apart, but for the duty it is about
    # (a sentence on the liability for sub-processors: `liability: true` and its `scope`)
    apart = () if patterns.liability and _first(patterns.scope, text) else lang.apart
    for allowed in (*apart, *patterns.harmless, *lang.harmless, *patterns.allowed):
        rest = allowed.sub(lambda m: " " * len(m.group(0)), rest)
    imposing = next((p for p in patterns.duty if p.search(rest)), None)
    subject = patterns.subject or patterns.scope
    if imposing is None and _first(subject, f"{rest} {referred}") is None:
        return None

    # the requirement's own weakenings ("deemed given"), which a duty pattern may span
    weak = [m.span() for p in patterns.weakened for m in p.finditer(rest)]

    def owned(match: re.Match[str]) -> bool:
        # words the duty's own pattern needs ("only on documented instructions") limit nothing;
        # words it merely spans ("takes only the measures the Customer orders") do, and so do
        # those inside one of the requirement's own weakenings ("authorisation is deemed given")
        if imposing is None or any(a < match.end() and match.start() < b for a, b in weak):
            return False
        return (
            imposing.search(rest[: match.start()] + " " * len(match.group(0)) + rest[match.end() :]) is None
        )

    for pattern in (*lang.denial, *lang.exclusion, *lang.limiting, *lang.weakening):
        for match in pattern.finditer(rest):
            if match.group(0).strip() and not owned(match):
                return _context(rest, match)
    # a condition is the duty's own where a prohibition stands before it ("shall not transfer
    # ... unless instructed") or it opens a sentence a prohibition ends ("Unless instructed, it
    # shall not transfer ...")
    for pattern in (*lang.exception, *lang.condition):
        for match in pattern.finditer(rest):
            opening = not re.search(r"\w", rest[: match.start()])
            if owned(match) or _first(lang.prohibition, rest[: match.start()]):
                continue
            if opening and _first(lang.prohibition, rest[match.end() :]):
                continue
            return _context(rest, match)
    # a number, period or threshold the law does not set, outside the words that impose the duty
    for pattern in lang.quantity:
        for match in pattern.finditer(rest):
            if owned(match):
                continue
            days = _days(match, lang) if match.groupdict().get("n") else None
            if days is not None and days <= 42:
                continue
            return _context(rest, match)
    return None


@dataclass(frozen=True)
class _Document:
    """A document as the requirements are read in it: the language's patterns, its sentences and,
    for each, what else says what it is about (its section's heading, the clauses it refers to)."""

    lang: Language
    said: list[Sentence]
    about: list[str]
    referred: list[str]  # the text of the clauses each sentence refers to ("clause 4.1")


def _prepared(blocks: Sequence[Block], code: str) -> _Document:
    """The document, once the language's patterns give their own test sentences' outcomes (a
    pattern file that does not is refused)."""
    lang = language(code)
    broken = _checked(code)
    if broken:
        raise InputError.single(f"rules/dpa/{code}.yaml", "its test sentences fail: " + "; ".join(broken[:3]))
    said = sentences(blocks)
    clauses = _clauses(said)
    about, referred = [], []
    for sentence in said:
        numbers = [n for pattern in lang.clause_reference for n in pattern.findall(sentence.text)]
        referred.append(" ".join(clauses.get(n, "") for n in numbers))
        about.append(" ".join([sentence.section, *(clauses.get(n, "") for n in numbers)]))
    return _Document(lang, said, about, referred)


Hit = tuple[ClauseOutcome, str, Sentence, int]


def _hits(document: _Document, key: str) -> list[Hit]:
    """Every sentence that says something of a requirement, with what it says."""
    hits: list[Hit] = []
    for sentence, about in zip(document.said, document.about, strict=True):
        outcome = _classify(sentence.text, key, document.lang, sentence.kind, about)
        if outcome is not None:
            hits.append((outcome[0], outcome[1], sentence, outcome[2]))
    return hits


def _clauses(said: Sequence[Sentence]) -> dict[str, str]:
    """The text of each numbered clause ("section 4.1"), by its number."""
    out: dict[str, str] = {}
    for sentence in said:
        number = re.match(r"section (\d+(?:\.\d+)*)\b", sentence.where)
        if number is not None:
            out[number.group(1)] = f"{out.get(number.group(1), '')} {sentence.text}"
    return out


def review_data_act(blocks: Sequence[Block], code: str) -> list[ClauseResult]:
    """The Data Act's switching terms in a document of language `code`, read as the Art. 28
    requirements are, and each period the contract must set read off its sentences and compared
    with the Data Act's limit: beyond it, contradicted; not stated where the duty is, weakened."""
    document = _prepared(blocks, code)
    results = []
    for key, requirement in data_act_requirements().items():
        hits = _hits(document, key)
        results.append(_measured(_decide(requirement, hits), requirement, hits, document.lang))
    return results


PERIOD_BEYOND = N_("it sets a period beyond the Data Act's limit: ")
PERIOD_MISSING = N_("it leaves out a period the Data Act requires: ")
# Every prefix a recorded reason may start with but PERIOD_MISSING, whose periods follow as names.
REASON_PREFIXES = (
    CARVE_OUT,
    NARROWS,
    EXCLUDES,
    RULES_OUT_BUT,
    PERMITS,
    DENIES,
    COVERS_LESS,
    NOT_THE_LAWS,
    PERIOD_BEYOND,
    MAY_LIMIT,
    LIMITS_ELSEWHERE,
    PLACED_OUTSIDE,
    PLACED_PARTLY,
    FALLS_SHORT,
)


def _measured(
    result: ClauseResult,
    requirement: Requirement,
    hits: list[Hit],
    lang: Language,
) -> ClauseResult:
    """The result with the periods its sentences state, and the outcome they give."""
    if not requirement.measures:
        return result
    patterns = lang.requirements[requirement.id].measures
    ordered = sorted(hits, key=lambda h: h[2].text != result.quote)  # the quoted sentence first
    where: dict[str, tuple[Sentence, str]] = {}
    for name in requirement.measures:
        for _outcome, _reason, sentence, _rank in ordered:
            text = _NUMBER_STOP.sub(_INNER_STOP, " ".join(sentence.text.split()))
            match = _first(patterns.get(name, ()), text)
            days = _days(match, lang) if match is not None else None
            if match is not None and days is not None:
                result.measured[name] = days
                result.measured_at[name] = sentence.where
                where[name] = (sentence, match.group(0).replace(_INNER_STOP, "."))
                break
    for name, limits in requirement.measures.items():
        days = result.measured.get(name)
        if days is None:
            continue
        if days > limits.get("at_most", days) or days < limits.get("at_least", days):
            sentence, words = where[name]
            result.outcome, result.quote, result.location = (
                ClauseOutcome.CONTRADICTED,
                sentence.text,
                sentence.where,
            )
            result.reason, result.by_measure = f"{PERIOD_BEYOND}“{words.strip()}”", True
            return result
    missing = [name for name in requirement.measures if name not in result.measured]
    if missing and result.outcome is ClauseOutcome.FOUND:
        result.outcome, result.by_measure = ClauseOutcome.WEAKENED, True
        result.reason = PERIOD_MISSING + ", ".join(missing)
    return result


def _days(match: re.Match[str], lang: Language) -> int | None:
    """The days a stated period comes to ("two months": 60), or None where it cannot be read."""
    groups = match.groupdict()
    number, unit = (groups.get("n") or "").strip().lower(), (groups.get("unit") or "").strip()
    count = int(number) if number.isdigit() else lang.numbers.get(number)
    per = next((days for pattern, days in lang.units if pattern.match(unit)), None)
    if count is None or per is None:
        return None
    return count * per


def _decide(requirement: Requirement, hits: list[Hit]) -> ClauseResult:
    for outcome in _PRECEDENCE:
        if outcome == "carve-out":
            chosen = [
                h
                for h in hits
                if h[0] is ClauseOutcome.WEAKENED and h[1].startswith((CARVE_OUT, NARROWS, RULES_OUT_BUT))
            ]
        else:
            chosen = [h for h in hits if h[0] is outcome]
        if chosen:
            decided, reason, sentence, _rank = min(chosen, key=lambda h: h[3])
            others = [
                {"outcome": o.value, "quote": s.text, "location": s.where}
                for o, _r, s, _k in hits
                if s is not sentence
            ]
            return ClauseResult(
                requirement.id, requirement.citation, decided, sentence.text, sentence.where, reason, others
            )
    return ClauseResult(
        requirement.id,
        requirement.citation,
        ClauseOutcome.NOT_FOUND,
        reason="no sentence of the agreement imposes it",
    )


# territory codes that name no country: the European Union, the euro area, the United Nations,
# outlying Oceania, pseudo-locales and the unknown region
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@functools.cache
def _territory_names(code: str) -> tuple[tuple[str, str], ...]:
    """Every country's ISO code and CLDR name, in English and in language `code` (countries only:
    not the regions such as "Europe" or "Nordamerika", the Union or the euro area)."""
    from babel import Locale

    return tuple(
        (territory, str(name))
        for locale in dict.fromkeys(("en", code))
        for territory, name in Locale.parse(locale).territories.items()
        if len(territory) == 2 and territory.isalpha() and territory not in _NOT_COUNTRIES
    )


_SHORT_COUNTRY = re.compile(r"(?<![\w-])(?:USA|UK|US)(?![\w-])")


@functools.cache
def _country_names(code: str) -> re.Pattern[str]:
    """The names of the countries (`_territory_names`) in lower case, as one pattern: names of more
    than three letters, so that no short word passes for one."""
    names = {name.lower() for _territory, name in _territory_names(code) if len(name) > 3}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def _subprocessor_list(said: Sequence[Sentence], lang: Language, requirement: Requirement) -> ClauseResult:
    """The list of sub-processors: rows or items in a section about sub-processors, or after a
    sentence about them that leads into a list (a table's header row aside), each naming a
    country; a list some of whose entries lack one, or a list of kinds of sub-processor, is
    weakened. The quote is the sentence that introduces the list, where there is one."""
    country = _country_names(lang.code)

    def has_country(text: str) -> bool:
        return country.search(f" {text.lower()} ") is not None or _SHORT_COUNTRY.search(text) is not None

    entries: list[Sentence] = []
    intro: Sentence | None = None
    previous: Sentence | None = None
    led = False  # in a list that a sentence naming sub-processors leads into ("... as follows:")
    last_kind = ""  # of the sentence just read, a table's header row included
    for s in said:
        if s.kind in ("row", "item"):
            led = led or (
                previous is not None
                and previous.kind == "sentence"
                and previous.section == s.section
                and any(w in previous.text.lower() for w in lang.subprocessor_words)
                and leads_into_list(previous.text, lang)
            )
        elif s.kind != "header":
            led = False
        about = led or any(w in s.section.lower() for w in lang.subprocessor_words)
        first_row = s.kind == "row" and last_kind not in ("row", "header")
        last_kind = s.kind
        if first_row and not has_country(s.text) and _is_header_row(s, lang):
            continue  # a table's header row, read as a row (a Word table has no header of its own)
        if about and s.kind in ("row", "item"):
            if (
                not entries
                and previous is not None
                and previous.kind == "sentence"
                and previous.section == s.section
            ):
                intro = previous
            entries.append(s)
        if s.kind != "header":
            previous = s
    if not entries:
        return ClauseResult(
            requirement.id,
            requirement.citation,
            ClauseOutcome.NOT_FOUND,
            reason="no list of sub-processors (a table or list under a heading that names them)",
        )
    # a list of the kinds of sub-processor ("hosting provider, EU") names none of them
    kinds = [
        e
        for e in entries
        if any(w in f"{e.section} {intro.text if intro else ''}".lower() for w in lang.category_words)
    ]
    # entries all named by a kind of provider, in common nouns ("SMS gateway provider")
    if not kinds and all(_names_a_kind(e.text, lang) for e in entries):
        kinds = entries
    if kinds:
        return ClauseResult(
            requirement.id,
            requirement.citation,
            ClauseOutcome.WEAKENED,
            kinds[0].text,
            kinds[0].where,
            "the list gives kinds of sub-processor, not the sub-processors themselves",
        )
    # entries that name no sub-processor: its name withheld ("name given on request") or a kind
    # owned by someone ("the manufacturer's cloud service")
    unnamed = [e for e in entries if _first(lang.unnamed, _first_cell(e.text)) is not None]
    if unnamed:
        return ClauseResult(
            requirement.id,
            requirement.citation,
            ClauseOutcome.WEAKENED,
            unnamed[0].text,
            unnamed[0].where,
            f"{len(unnamed)} of {len(entries)} entries of the list name no sub-processor",
        )
    without = [e for e in entries if not has_country(e.text)]
    if without:
        # the sentence that introduces the list says where it is and what it gives (one that ends
        # in a colon is part of every entry's sentence); without one, the first entry with no country
        shown = intro if intro is not None and not intro.text.rstrip().endswith(":") else without[0]
        return ClauseResult(
            requirement.id,
            requirement.citation,
            ClauseOutcome.WEAKENED,
            shown.text,
            shown.where,
            f"{len(without)} of {len(entries)} entries of the list name no country",
        )
    # The sentence that introduces the list is quoted when it says something of its own; one that
    # only leads into the list ("the following sub-processors:") is quoted with its first entry.
    shown = intro if intro is not None and not intro.text.rstrip().endswith(":") else entries[0]
    return ClauseResult(
        requirement.id,
        requirement.citation,
        ClauseOutcome.FOUND,
        shown.text,
        shown.where,
        f"a list of {len(entries)} sub-processors, each with a country",
    )


def _first_cell(text: str) -> str:
    """The first cell of a table row or list entry ("Name | what | where"), stripped."""
    return next((cell.strip() for cell in text.split("|") if cell.strip()), "")


def _names_a_kind(text: str, lang: Language) -> bool:
    """Whether a list entry's name (its first cell) is a kind of provider in common nouns: every
    word but the first in lower case, the last one of the language's `kind_words`."""
    words = text.split("|")[0].split()
    if len(words) < 2 or not lang.kind_words:
        return False
    last = words[-1].lower()
    return all(w.islower() for w in words[1:]) and any(last.startswith(k) for k in lang.kind_words)


def leads_into_list(text: str, lang: Language) -> bool:
    """Whether a sentence leads into the list after it: it ends in a colon, or says so in the
    language's words ("listed below", "følgende", "nedan")."""
    return text.rstrip().endswith(":") or _first(lang.list_lead_in, text) is not None


def _is_header_row(sentence: Sentence, lang: Language) -> bool:
    """A table's header row: a cell names the country column, or every cell is a short label."""
    cells = [c.strip().lower() for c in sentence.text.split("|")]
    return any(any(w in c for w in lang.country_words) for c in cells) or all(
        len(c.split()) <= 3 for c in cells
    )


# Words frequent in one language of the agreements and rare in the others.
_STOPWORDS = {
    "en": ("the", "and", "of", "shall", "to", "with", "processor", "controller"),
    "da": ("og", "at", "til", "skal", "af", "med", "databehandleren", "den", "dataansvarlige"),
    "sv": (
        "och",
        "att",
        "till",
        "ska",
        "av",
        "med",
        "personuppgiftsbiträdet",
        "som",
        "den",
        "personuppgiftsansvarige",
    ),
}


def detect_language(blocks: Sequence[Block]) -> str:
    """The language of a document, from how often each language's commonest words occur."""
    words: dict[str, int] = {}
    for block in blocks[:400]:
        for word in re.findall(r"[a-zæøåäö]+", block.text.lower()):
            words[word] = words.get(word, 0) + 1
    scores = {code: sum(words.get(w, 0) for w in stop) for code, stop in _STOPWORDS.items()}
    return max(scores, key=lambda code: scores[code])


# ---------------------------------------------------------------------------------------------
# The Data Act's results as facts of the provider

CHARGES = {
    ClauseOutcome.FOUND: "none",
    ClauseOutcome.WEAKENED: "cost_based",
    ClauseOutcome.CONTRADICTED: "above_cost",
}


@dataclass(frozen=True)
class DataActFact:
    """A fact of `party.data_act` the review decides, and where in the document it stands."""

    field: str
    value: Any  # None: left unstated (unknown)
    location: str


def data_act_facts(results: Sequence[ClauseResult]) -> list[DataActFact]:
    """The facts of a provider's `data_act` the Data Act results give, as each requirement's
    `solution` names them, exactly as the Art. 28 results feed the processor's contract: a duty found
    is true, weakened or contradicted false, not found unstated (unknown, never met); a period read
    off the text is its days, whatever the outcome; the charges are `none` when none are found,
    `cost_based` when limited to costs, `above_cost` when beyond them. A duty weakened or contradicted
    only by a period (the right to switch is there, its notice is too long) is true: the period's own
    fact carries the failure."""
    reqs = data_act_requirements()
    out: list[DataActFact] = []
    for result in results:
        requirement = reqs.get(result.requirement)
        if requirement is None:
            continue
        stated = result.outcome is not ClauseOutcome.NOT_FOUND
        for kind, name in requirement.solution.items():
            if kind == "fact":
                value = (result.outcome is ClauseOutcome.FOUND or result.by_measure) if stated else None
                out.append(DataActFact(name, value, result.location))
            elif kind == "charges":
                out.append(DataActFact(name, CHARGES.get(result.outcome), result.location))
        for name in requirement.measures:
            out.append(DataActFact(name, result.measured.get(name), result.measured_at.get(name, "")))
    return out
