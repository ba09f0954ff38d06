"""The clause review of a data-processing agreement: which sentence imposes each duty of GDPR
Art. 28 (and Chapter V), and whether it does so fully, weakened, contradicted, or not at all.

The requirements are data (rules/dpa/requirements.yaml), and so is how each is recognised in each
language (rules/dpa/{en,da,sv}.yaml): regular expressions for the sentence that imposes the duty,
for what weakens it, for what contradicts it, and for the exceptions the GDPR itself allows, with
test sentences that must give their outcome. A sentence is read whole: a definition or a heading
imposes nothing, a denial ("is not obliged to") or a permission to do what Art. 28 forbids
contradicts, a qualifier ("where feasible", "at its discretion") or an exception the law does not
allow weakens. Nothing is learned or downloaded; what is not recognised is "not found", which
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

from compliance.core.errors import InputError
from compliance.core.resources import rules_root

LANGUAGES = ("en", "da", "sv")


class ClauseOutcome(StrEnum):
    """What the review found for one requirement."""

    FOUND = "found"
    WEAKENED = "weakened"
    CONTRADICTED = "contradicted"
    NOT_FOUND = "not_found"


# Which outcome decides when sentences disagree: one that contradicts the duty, then one that
# carves part of it out ("is not obliged to ... unless"), then one that imposes it fully, then one
# that weakens it otherwise. A carve-out limits even a clean clause elsewhere in the agreement.
_PRECEDENCE = (ClauseOutcome.CONTRADICTED, "carve-out", ClauseOutcome.FOUND, ClauseOutcome.WEAKENED)
CARVE_OUT = "it rules part of the duty out: "


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


@dataclass(frozen=True)
class Patterns:
    """How one requirement is recognised in one language."""

    duty: tuple[re.Pattern[str], ...]
    weakened: tuple[re.Pattern[str], ...]
    contradicted: tuple[re.Pattern[str], ...]
    allowed: tuple[re.Pattern[str], ...]
    tests: dict[str, tuple[str, ...]]
    absolute: bool = False  # an exception after a contradiction does not soften it


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

    def as_json(self) -> dict[str, Any]:
        """The JSON contract of a result."""
        return {
            "requirement": self.requirement,
            "citation": self.citation,
            "outcome": self.outcome.value,
            "quote": self.quote,
            "location": self.location,
            "reason": self.reason,
        }


# ---------------------------------------------------------------------------------------------
# Loading


@functools.cache
def requirements() -> dict[str, Requirement]:
    """The requirements, in their order."""
    data = _read("requirements.yaml")
    return {
        key: Requirement(
            key,
            str(body["citation"]),
            str(body["title"]),
            " ".join(str(body["question"]).split()),
            {str(k): str(v) for k, v in (body.get("solution") or {}).items()},
        )
        for key, body in data["requirements"].items()
    }


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


@functools.cache
def language(code: str) -> Language:
    """The patterns of a language, checked: every requirement has an entry."""
    if code not in LANGUAGES:
        raise ValueError(f"no clause patterns for language '{code}'")
    where = f"rules/dpa/{code}.yaml"
    data = _read(f"{code}.yaml")
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
            tests={str(k): tuple(str(s) for s in v or []) for k, v in (body.get("tests") or {}).items()},
            absolute=bool(body.get("absolute", False)),
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
        requirements=compiled,
        subprocessor_words=tuple(str(w).lower() for w in structure.get("sub_processor_words") or ()),
        country_words=tuple(str(w).lower() for w in structure.get("country_words") or ()),
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
    return out


# ---------------------------------------------------------------------------------------------
# Sentences

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = (
    r"art|arts|nr|no|nos|stk|kap|pkt|jf|jfr|fx|bl\.a|f\.eks|t\.ex|e\.g|i\.e|etc|inkl|incl|ca|dvs|"
    r"mfl|m\.fl|resp|ang|vedr|iht|ifm|st|p|pp|sec|para|cf|vs|ltd|inc|co|corp|a/s|ab|aps|gmbh|s\.a|dr|mr|ms|u\.s|u\.k|e\.u"
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


_NUMBER_STOP = re.compile(r"(?<=\d)\.(?=\d)")
_INNER_STOP = "\u2024"  # one dot leader: looks like a full stop, is not one to the patterns


def _classify(text: str, key: str, lang: Language, kind: str) -> tuple[ClauseOutcome, str, int] | None:
    """`classify`, with the rank of the duty pattern that matched (the first pattern of a
    requirement is its canonical wording: of several sentences that impose it, the one quoted)."""
    if kind in ("heading", "header"):
        return None
    # A full stop inside a number ("clause 7.1", "100.000 kr.") ends no sentence: it is read as
    # another mark, so that a pattern's "[^.]" span runs over it; the reasons show it as a stop.
    found = _read_sentence(_NUMBER_STOP.sub(_INNER_STOP, " ".join(text.split())), key, lang)
    if found is None:
        return None
    return found[0], found[1].replace(_INNER_STOP, "."), found[2]


def _read_sentence(text: str, key: str, lang: Language) -> tuple[ClauseOutcome, str, int] | None:
    """`_classify` of a sentence with its whitespace collapsed."""
    if _first(lang.definition, text):
        return None
    patterns = lang.requirements[key]
    # What the GDPR itself allows ("unless Union or Member State law requires storage") is no
    # exception and no weakening: it is read as if it were not there.
    rest = text
    for allowed in patterns.allowed:
        rest = allowed.sub(" ", rest)
    contra = _first(patterns.contradicted, text)
    if contra is not None:
        limited = _first(lang.exception, _unhollowed(text[contra.end() :], lang))
        if limited is not None and not patterns.absolute:
            return (
                ClauseOutcome.WEAKENED,
                f"it rules the duty out but for some cases: “{contra.group(0)}”",
                99,
            )
        return ClauseOutcome.CONTRADICTED, f"it permits what the requirement forbids: “{contra.group(0)}”", 99
    duty, rank = None, 0
    for rank, pattern in enumerate(patterns.duty):  # noqa: B007 - the rank is the index matched
        duty = pattern.search(text)
        if duty is not None:
            break
    if duty is None:
        return None
    denial = _first(lang.denial, rest)
    if denial is not None:
        # A denial limited by an exception ("is not obliged to ... unless"), or one that follows
        # a clause imposing part of the duty ("assists with A, but nothing obliges it to B"),
        # rules only part of the duty out. An exception that is none ("unless separately
        # agreed") leaves the denial whole.
        excepted = _first(lang.exception, _unhollowed(rest[denial.end() :], lang)) is not None
        partial = _first(patterns.duty, rest[: denial.start()]) is not None
        if (excepted or partial) and not patterns.absolute:
            return ClauseOutcome.WEAKENED, f"{CARVE_OUT}“{denial.group(0)}”", rank
        return ClauseOutcome.CONTRADICTED, f"it denies the duty: “{denial.group(0)}”", rank
    weak = _first(patterns.weakened, rest) or _first(lang.weakening, rest)
    if weak is not None:
        return ClauseOutcome.WEAKENED, f"it covers less than the requirement: “{weak.group(0).strip()}”", rank
    # An exception weakens the duty when it stands after the duty begins ("shall delete ... unless
    # ..."), and not where it makes a prohibition ("shall not process ... unless on instructions").
    start = rest.find(duty.group(0)[:20]) if duty.group(0)[:20] in rest else 0
    for exception in (m for p in lang.exception for m in p.finditer(rest) if m.start() >= start):
        if not _first(lang.prohibition, rest[: exception.start()]):
            return (
                ClauseOutcome.WEAKENED,
                f"an exception the GDPR does not make: “{_context(rest, exception)}”",
                rank,
            )
    return ClauseOutcome.FOUND, "the sentence imposes the duty", rank


def _unhollowed(text: str, lang: Language) -> str:
    """The text with the exceptions that are none ("unless otherwise agreed") taken out."""
    for hollow in lang.hollow:
        text = hollow.sub(" ", text)
    return text


def _context(text: str, match: re.Match[str], width: int = 60) -> str:
    return text[match.start() : match.end() + width].split(".")[0].strip()


def review(blocks: Sequence[Block], code: str) -> list[ClauseResult]:
    """Every requirement's outcome in a document of language `code`. The language's patterns must
    give their own test sentences' outcomes first: a pattern file that does not is refused."""
    lang = language(code)
    broken = _checked(code)
    if broken:
        raise InputError.single(f"rules/dpa/{code}.yaml", "its test sentences fail: " + "; ".join(broken[:3]))
    said = sentences(blocks)
    results = []
    for key, requirement in requirements().items():
        if key == "sub-processor-list":
            results.append(_subprocessor_list(said, lang, requirement))
            continue
        hits: list[tuple[ClauseOutcome, str, Sentence, int]] = []
        for sentence in said:
            outcome = _classify(sentence.text, key, lang, sentence.kind)
            if outcome is not None:
                hits.append((outcome[0], outcome[1], sentence, outcome[2]))
        results.append(_decide(requirement, hits))
    return results


def _decide(requirement: Requirement, hits: list[tuple[ClauseOutcome, str, Sentence, int]]) -> ClauseResult:
    for outcome in _PRECEDENCE:
        if outcome == "carve-out":
            chosen = [h for h in hits if h[0] is ClauseOutcome.WEAKENED and h[1].startswith(CARVE_OUT)]
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


def _subprocessor_list(said: Sequence[Sentence], lang: Language, requirement: Requirement) -> ClauseResult:
    """The list of sub-processors: rows or items in a section about sub-processors (a table's
    header row aside, a short numbered entry read as a heading counted in), each naming a country;
    a list some of whose entries lack one is weakened. The quote is the sentence that introduces
    the list, where there is one."""
    from babel import Locale

    names = {str(n).lower() for code in ("en", lang.code) for n in Locale.parse(code).territories.values()}

    def has_country(text: str) -> bool:
        lowered = f" {text.lower()} "
        return any(
            re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", lowered) for n in names if len(n) > 3
        ) or bool(re.search(r"(?<![\w-])(?:EU|EEA|EØS|EES|USA|UK|US)(?![\w-])", text))

    entries: list[Sentence] = []
    intro: Sentence | None = None
    previous: Sentence | None = None
    for s in _numbered_entries(said, lang):
        about = any(w in s.section.lower() for w in lang.subprocessor_words)
        if about and s.kind in ("row", "item"):
            first_row = s.kind == "row" and (previous is None or previous.kind != "row")
            if not (first_row and not has_country(s.text) and _is_header_row(s, lang)):
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
    without = [e for e in entries if not has_country(e.text)]
    if without:
        return ClauseResult(
            requirement.id,
            requirement.citation,
            ClauseOutcome.WEAKENED,
            without[0].text,
            without[0].where,
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


# A list entry's number ("1. "), what separates an entry's name from the rest ("Nimbus SARL –
# hosting"), and a sentence that leads into a list ("... are listed below", "følgende:").
_LIST_NUMBER = re.compile(r"^(\d{1,2})[.)]\s+(?=\S)")
_ENTRY_SEPARATOR = re.compile(r"\s[–—-]\s|,\s|:\s")
_LEADS_INTO_LIST = re.compile(
    r":\s*$|\b(?:below|following|nedenfor|følgende|nedan|följande|listed|anført|anges|angivet)\b", re.I
)


def _numbered_entries(said: Sequence[Sentence], lang: Language) -> list[Sentence]:
    """The sentences, with a numbered entry of a list of sub-processors that the reader took for a
    heading ("1. Nimbus SARL – hosting": short, without a full stop) read back as an item of the
    list, and the blocks under it kept in the list's section. Such a heading starts with a number,
    separates a name from the rest, and follows a sentence that leads into the list (or an entry)
    in a section about sub-processors; and a list item follows it, or the numbering runs on (the
    next entry or the one before it is such a heading too, numbered one on or one back)."""
    out: list[Sentence] = []
    moved: dict[str, str] = {}  # a heading read as an entry -> the section of its list
    last = 0  # the number of the heading just read as an entry (0: the sentence before was none)
    for i, s in enumerate(said):
        section = moved.get(s.section, s.section)
        before = out[-1] if out else None
        after = said[i + 1] if i + 1 < len(said) else None
        number = _entry_number(s) if s.kind == "heading" else 0
        if (
            number
            and before is not None
            and any(w in before.section.lower() for w in lang.subprocessor_words)
            and (before.kind == "item" or _LEADS_INTO_LIST.search(before.text) is not None)
            and (
                (after is not None and after.kind == "item" and after.section == s.section)
                # a list of such headings only: it opens after its lead-in and numbers on
                or (
                    (last or before.kind == "sentence")
                    and after is not None
                    and after.kind == "heading"
                    and _entry_number(after) == number + 1
                )
                or (last and number == last + 1)
            )
        ):
            moved[s.section] = before.section
            out.append(Sentence(_LIST_NUMBER.sub("", s.text), s.where, "item", before.section))
            last = number
            continue
        last = 0
        out.append(s if section == s.section else Sentence(s.text, s.where, s.kind, section))
    return out


def _entry_number(sentence: Sentence) -> int:
    """The number of a heading that reads as a list entry ("3. Acme Inc – support"), or 0."""
    number = _LIST_NUMBER.match(sentence.text)
    if number is None or _ENTRY_SEPARATOR.search(sentence.text) is None:
        return 0
    return int(number.group(1))


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
