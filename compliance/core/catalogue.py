"""The GDPR article catalogue: every article's official headings (en, da, sv) and its citable
structure, loaded once from the shipped `rules/catalogue/gdpr.yaml`, and the check that a
citation such as `GDPR Art. 28(3)(h)` names a provision that exists.

Citation forms (the only ones accepted):

    GDPR Art. 32                      an article
    GDPR Art. 32(1)                   a numbered paragraph
    GDPR Art. 32(1)(a)                a lettered point of a paragraph
    GDPR Art. 6(1), second subparagraph
    GDPR Art. 28(3)(h), first subparagraph
    GDPR Art. 4(11)                   Art. 4: definition (11); Art. 4(16)(a): a point of it
    GDPR Art. 50(a)                   a point of an article without numbered paragraphs
    GDPR Art. 67, second subparagraph
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any, Final, assert_never

from compliance.core.errors import ComplianceError, InputError, Problem
from compliance.core.resources import rules_root
from compliance.core.yamlio import Located, Path_, load_text

GDPR_ARTICLES: Final = 99
CATALOGUE_FILE: Final = "catalogue/gdpr.yaml"

_LETTERS: Final = string.ascii_lowercase
_ORDINALS: Final = ("first", "second", "third")
_CITATION = re.compile(
    r"^GDPR Art\. (?P<article>\d{1,3})"
    r"(?:\((?P<paragraph>\d{1,2})\))?"
    r"(?:\((?P<point>[a-z])\))?"
    r"(?:, (?P<sub>first|second|third) subparagraph)?$"
)


class Language(StrEnum):
    """A language the catalogue gives every heading in."""

    EN = "en"
    DA = "da"
    SV = "sv"


class CatalogueError(ComplianceError):
    """The shipped article catalogue is malformed: a defect of the package, never of user input."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("the GDPR article catalogue is malformed:\n" + "\n".join(map(str, problems)))


@dataclass(frozen=True, slots=True)
class Titles:
    """One heading in each catalogue language."""

    en: str
    da: str
    sv: str

    def of(self, lang: Language) -> str:
        """The heading in `lang`."""
        match lang:
            case Language.EN:
                return self.en
            case Language.DA:
                return self.da
            case Language.SV:
                return self.sv
            case _:
                assert_never(lang)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A numbered paragraph: the letters of its points and how many subparagraphs it has."""

    number: int
    points: str = ""
    subparagraphs: int = 1


@dataclass(frozen=True, slots=True)
class Article:
    """One article: headings, chapter and citable structure."""

    number: int
    chapter: int
    titles: Titles
    paragraphs: tuple[Paragraph, ...] = ()
    points: str = ""  # points of an article without numbered paragraphs (Art. 50)
    subparagraphs: int = 1  # subparagraphs of an article without numbered paragraphs (Art. 67)
    definitions: int = 0  # Art. 4: numbered definitions (1)-(26)
    definition_points: tuple[str, ...] = ()  # Art. 4: letters of definition n at index n - 1

    def title(self, lang: Language) -> str:
        """The heading in `lang`."""
        return self.titles.of(lang)

    def citations(self) -> Iterator[str]:
        """Every citation of this article or a provision in it, in reading order."""
        n = self.number
        yield format_citation(n)
        for number, letters in enumerate(self.definition_points[: self.definitions], start=1):
            yield format_citation(n, number)
            for letter in letters:
                yield format_citation(n, number, letter)
        if not self.paragraphs:
            yield from _provision_citations(n, None, self.points, self.subparagraphs, include_whole=False)
        for paragraph in self.paragraphs:
            yield from _provision_citations(n, paragraph.number, paragraph.points, paragraph.subparagraphs)


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter: headings and the range of articles it holds."""

    number: int
    titles: Titles
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class Catalogue:
    """All 99 articles, the 11 chapters, and which parts were checked against the official text."""

    articles: tuple[Article, ...]  # Art. n at index n - 1
    chapters: tuple[Chapter, ...]  # Chapter n at index n - 1
    verified_titles: Mapping[Language, frozenset[int]]
    verified_structure: frozenset[int]

    def article(self, number: int) -> Article:
        """Art. `number`; ValueError when the GDPR has no such article."""
        if not 1 <= number <= len(self.articles):
            raise ValueError(f"the GDPR has Articles 1 to {len(self.articles)}, not {number}")
        return self.articles[number - 1]

    def citations(self) -> Iterator[str]:
        """Every citable provision of the GDPR, in the accepted citation form."""
        for article in self.articles:
            yield from article.citations()

    def check(self, text: str) -> str | None:
        """Why `text` is not a citation of an existing GDPR provision, or None when it is."""
        match = _CITATION.match(text)
        if match is None or any(_leading_zero(match[g]) for g in ("article", "paragraph")):
            return (
                f"GDPR citation '{text}' is not in the form 'GDPR Art. 28(3)(a)' "
                "(optionally followed by ', second subparagraph')"
            )
        number = int(match["article"])
        if not 1 <= number <= len(self.articles):
            return f"GDPR has Articles 1 to {len(self.articles)}; '{text}' cites Art. {number}"
        article = self.articles[number - 1]
        paragraph = int(match["paragraph"]) if match["paragraph"] else None
        point: str | None = match["point"]
        sub = _ORDINALS.index(match["sub"]) + 1 if match["sub"] else None
        problem = _problem(article, paragraph, point, sub)
        if problem is None:
            return None
        return f"GDPR citation '{text}' names a provision that does not exist: {problem}"


def format_citation(
    article: int, paragraph: int | None = None, point: str | None = None, subparagraph: int | None = None
) -> str:
    """`GDPR Art. 28(3)(h)`, optionally followed by `, first subparagraph` (1 to 3)."""
    text = f"GDPR Art. {article}"
    if paragraph is not None:
        text += f"({paragraph})"
    if point is not None:
        text += f"({point})"
    if subparagraph is not None:
        text += f", {_ORDINALS[subparagraph - 1]} subparagraph"
    return text


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, read and validated once per process."""
    text = rules_root().joinpath(*CATALOGUE_FILE.split("/")).read_text(encoding="utf-8")
    return load_catalogue(text, f"compliance._rules/{CATALOGUE_FILE}")


def article_title(article: int, lang: str) -> str:
    """The official heading of Art. `article` in `lang` ('en', 'da' or 'sv')."""
    try:
        language = Language(lang)
    except ValueError:
        expected = ", ".join(option.value for option in Language)
        raise ValueError(f"no headings in language '{lang}'; expected one of {expected}") from None
    return catalogue().article(article).title(language)


def cited_article(citation: str) -> Article | None:
    """The GDPR article a valid GDPR citation names; None for any other citation."""
    match = _CITATION.match(citation)
    if match is None or catalogue().check(citation) is not None:
        return None
    return catalogue().article(int(match["article"]))


def check_gdpr_citation(text: str) -> str | None:
    """Why `text` is not a citation of an existing GDPR provision (with a hint), or None."""
    return catalogue().check(text)


# ---------------------------------------------------------------------------------------------
# Checking one citation against one article


def _problem(article: Article, paragraph: int | None, point: str | None, sub: int | None) -> str | None:
    n = article.number
    if article.definitions:
        return _definition_problem(article, paragraph, point, sub)
    if not article.paragraphs:
        if paragraph is not None:
            hint = (
                f"its points are cited as 'GDPR Art. {n}(a)'" if article.points else f"cite 'GDPR Art. {n}'"
            )
            return f"Art. {n} has no numbered paragraphs; {hint}"
        if point is not None and point not in article.points:
            return f"Art. {n} has {_points_phrase(article.points)}"
        return _subparagraph_problem(
            f"Art. {n}", format_citation(n, None, point), article.subparagraphs, point, sub
        )
    count = len(article.paragraphs)
    if paragraph is None:
        if point is None and sub is None:
            return None
        fits = [p for p in article.paragraphs if (point or "") in p.points and (sub or 1) <= p.subparagraphs]
        example = f", e.g. '{format_citation(n, fits[0].number, point, sub)}'" if fits else ""
        return f"Art. {n} has numbered paragraphs; name the paragraph{example}"
    if not 1 <= paragraph <= count:
        return f"Art. {n} has paragraphs 1 to {count}"
    para = article.paragraphs[paragraph - 1]
    where = f"Art. {n}({paragraph})"
    if point is not None and point not in para.points:
        return f"{where} has {_points_phrase(para.points)}"
    return _subparagraph_problem(where, format_citation(n, paragraph, point), para.subparagraphs, point, sub)


def _definition_problem(
    article: Article, number: int | None, point: str | None, sub: int | None
) -> str | None:
    n = article.number
    if sub is not None:
        return f"Art. {n} is a list of definitions without subparagraphs"
    if number is None:
        if point is not None:
            return f"Art. {n} has numbered definitions, not lettered points; cite e.g. 'GDPR Art. {n}(11)'"
        return None
    if not 1 <= number <= article.definitions:
        return f"Art. {n} has definitions (1) to ({article.definitions})"
    letters = article.definition_points[number - 1]
    if point is not None and point not in letters:
        return f"Art. {n}({number}) has {_points_phrase(letters)}"
    return None


def _subparagraph_problem(
    where: str, cite: str, count: int, point: str | None, sub: int | None
) -> str | None:
    if sub is None:
        return None
    if count == 1:
        return f"{where} has only one subparagraph; cite it as '{cite}'"
    if sub > count:
        return f"{where} has {count} subparagraphs"
    if point is not None and sub != 1:
        return f"the points of {where} are in its first subparagraph"
    return None


def _points_phrase(letters: str) -> str:
    if not letters:
        return "no lettered points"
    if len(letters) == 1:
        return f"only point ({letters})"
    if len(letters) == 2:
        return f"points ({letters[0]}) and ({letters[1]})"
    return f"points ({letters[0]}) to ({letters[-1]})"


def _leading_zero(digits: str | None) -> bool:
    return digits is not None and len(digits) > 1 and digits.startswith("0")


def _provision_citations(
    article: int, paragraph: int | None, points: str, subparagraphs: int, *, include_whole: bool = True
) -> Iterator[str]:
    if include_whole:
        yield format_citation(article, paragraph)
    for letter in points:
        yield format_citation(article, paragraph, letter)
    if subparagraphs > 1:
        for sub in range(1, subparagraphs + 1):
            yield format_citation(article, paragraph, None, sub)
        for letter in points:
            yield format_citation(article, paragraph, letter, 1)


# ---------------------------------------------------------------------------------------------
# Reading and validating the catalogue file

_TOP_KEYS: Final = frozenset({"source", "chapters", "articles", "verified"})
_ARTICLE_KEYS: Final = frozenset(
    {"title", "paragraphs", "points", "subparagraphs", "numbered_points", "definition_points"}
)
_PARAGRAPH_KEYS: Final = frozenset({"points", "subparagraphs"})
_VERIFIED_KEYS: Final = frozenset({"structure", *(lang.value for lang in Language)})


def load_catalogue(text: str, file: str) -> Catalogue:
    """Parse and validate catalogue YAML; CatalogueError lists every problem with its line."""
    try:
        located = load_text(text, file)
    except InputError as exc:
        raise CatalogueError(exc.problems) from exc
    reader = _Reader(located)
    result = reader.catalogue()
    if reader.problems or result is None:
        raise CatalogueError(reader.problems)
    return result


class _Reader:
    """Turns the loaded YAML into frozen structures, collecting located problems."""

    def __init__(self, located: Located) -> None:
        self.located = located
        self.problems: list[Problem] = []

    def fail(self, path: Path_, message: str) -> None:
        self.problems.append(self.located.problem(path, message))

    def catalogue(self) -> Catalogue | None:
        data = self.mapping(self.located.data, (), _TOP_KEYS, required=_TOP_KEYS)
        if data is None:
            return None
        self.titles(data.get("source"), ("source",))
        chapters = self.chapters(data.get("chapters"))
        articles = self.articles(data.get("articles"), chapters)
        verified = self.verified(data.get("verified"))
        if articles is None or chapters is None or verified is None:
            return None
        structure, titles = verified
        return Catalogue(articles, chapters, titles, structure)

    # -- generic shapes

    def mapping(
        self,
        value: Any,
        path: Path_,
        allowed: frozenset[str],
        required: frozenset[str] = frozenset(),
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping")
            return None
        ok = True
        for key in value:
            if key not in allowed:
                self.fail((*path, key), f"unknown key '{key}'; expected one of {', '.join(sorted(allowed))}")
                ok = False
        for key in sorted(required - set(value)):
            self.fail(path, f"required key '{key}' is missing")
            ok = False
        return value if ok else None

    def numbered(self, value: Any, path: Path_, what: str) -> list[tuple[int, Any]] | None:
        """A mapping keyed 1..n, in order and without gaps."""
        if not isinstance(value, dict) or not value:
            self.fail(path, f"must be a non-empty mapping of {what} numbers")
            return None
        items: list[tuple[int, Any]] = []
        for index, (key, item) in enumerate(value.items(), start=1):
            if key != str(index):
                self.fail(
                    (*path, key), f"{what} {index} expected here, found '{key}' (numbered 1..n, in order)"
                )
                return None
            items.append((index, item))
        return items

    def count(self, value: Any, path: Path_, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(path, f"must be a whole number from {low} to {high}")
            return None
        return value

    def letters(self, value: Any, path: Path_) -> str | None:
        if not isinstance(value, str) or not value or value != _LETTERS[: len(value)]:
            self.fail(path, f"point letters must run from 'a' without gaps, e.g. 'abcd' (got {value!r})")
            return None
        return value

    def titles(self, value: Any, path: Path_, extra: frozenset[str] = frozenset()) -> Titles | None:
        langs = frozenset(lang.value for lang in Language)
        data = self.mapping(value, path, langs | extra, required=langs)
        if data is None:
            return None
        ok = True
        for lang in sorted(langs):
            text = data[lang]
            if not isinstance(text, str) or not text.strip() or text != text.strip():
                self.fail((*path, lang), "must be a non-empty heading without surrounding spaces")
                ok = False
        return Titles(data["en"], data["da"], data["sv"]) if ok else None

    # -- sections

    def chapters(self, value: Any) -> tuple[Chapter, ...] | None:
        items = self.numbered(value, ("chapters",), "chapter")
        if items is None:
            return None
        chapters: list[Chapter] = []
        expected_first = 1
        for number, spec in items:
            path: Path_ = ("chapters", str(number))
            titles = self.titles(spec, path, extra=frozenset({"articles"}))
            span = spec.get("articles") if isinstance(spec, dict) else None
            if (
                not isinstance(span, list)
                or len(span) != 2
                or not all(isinstance(a, int) and not isinstance(a, bool) for a in span)
                or span[0] != expected_first
                or span[1] < span[0]
            ):
                self.fail((*path, "articles"), f"must be [first, last] starting at Art. {expected_first}")
                return None
            if titles is None:
                return None
            chapters.append(Chapter(number, titles, span[0], span[1]))
            expected_first = span[1] + 1
        if expected_first != GDPR_ARTICLES + 1:
            self.fail(("chapters",), f"chapters must end at Art. {GDPR_ARTICLES}")
            return None
        return tuple(chapters)

    def articles(self, value: Any, chapters: tuple[Chapter, ...] | None) -> tuple[Article, ...] | None:
        items = self.numbered(value, ("articles",), "article")
        if items is None:
            return None
        if len(items) != GDPR_ARTICLES:
            self.fail(("articles",), f"the GDPR has {GDPR_ARTICLES} articles; found {len(items)}")
        articles = [self.article(number, spec, chapters or ()) for number, spec in items]
        if len(items) != GDPR_ARTICLES or any(a is None for a in articles):
            return None
        return tuple(a for a in articles if a is not None)

    def article(self, number: int, spec: Any, chapters: tuple[Chapter, ...]) -> Article | None:
        path: Path_ = ("articles", str(number))
        data = self.mapping(spec, path, _ARTICLE_KEYS, required=frozenset({"title"}))
        if data is None:
            return None
        before = len(self.problems)
        titles = self.titles(data["title"], (*path, "title"))
        chapter = next((c.number for c in chapters if c.first <= number <= c.last), 0)
        paragraphs: tuple[Paragraph, ...] = ()
        if "paragraphs" in data:
            for key in sorted(
                {"points", "subparagraphs", "numbered_points", "definition_points"} & set(data)
            ):
                self.fail((*path, key), "belongs in a paragraph when the article has numbered paragraphs")
            paragraphs = self.paragraphs(data["paragraphs"], (*path, "paragraphs"))
        points = self.letters(data["points"], (*path, "points")) if "points" in data else ""
        subparagraphs = (
            self.count(data["subparagraphs"], (*path, "subparagraphs"), 2, len(_ORDINALS))
            if "subparagraphs" in data
            else 1
        )
        definitions = 0
        definition_points: tuple[str, ...] = ()
        if "numbered_points" in data:
            if "points" in data:
                self.fail((*path, "points"), "an article has either numbered or lettered points")
            definitions = self.count(data["numbered_points"], (*path, "numbered_points"), 1, 99) or 0
            definition_points = self.definition_points(data.get("definition_points", {}), path, definitions)
        elif "definition_points" in data:
            self.fail((*path, "definition_points"), "needs numbered_points")
        if len(self.problems) > before or titles is None or points is None or subparagraphs is None:
            return None
        return Article(
            number, chapter, titles, paragraphs, points, subparagraphs, definitions, definition_points
        )

    def paragraphs(self, value: Any, path: Path_) -> tuple[Paragraph, ...]:
        items = self.numbered(value, path, "paragraph")
        if items is None:
            return ()
        if len(items) < 2:
            self.fail(path, "an article with numbered paragraphs has at least two; omit 'paragraphs'")
        paragraphs: list[Paragraph] = []
        for number, spec in items:
            at: Path_ = (*path, str(number))
            data = self.mapping(spec, at, _PARAGRAPH_KEYS)
            if data is None:
                continue
            points = self.letters(data["points"], (*at, "points")) if "points" in data else ""
            subs = (
                self.count(data["subparagraphs"], (*at, "subparagraphs"), 2, len(_ORDINALS))
                if "subparagraphs" in data
                else 1
            )
            if points is not None and subs is not None:
                paragraphs.append(Paragraph(number, points, subs))
        return tuple(paragraphs)

    def definition_points(self, value: Any, path: Path_, definitions: int) -> tuple[str, ...]:
        at: Path_ = (*path, "definition_points")
        if not isinstance(value, dict):
            self.fail(at, "must be a mapping of definition number to point letters")
            return ()
        letters = [""] * definitions
        for key, spec in value.items():
            if not key.isdigit() or not 1 <= int(key) <= definitions or key != str(int(key)):
                self.fail((*at, key), f"must be a definition number from 1 to {definitions}")
                continue
            letters[int(key) - 1] = self.letters(spec, (*at, key)) or ""
        return tuple(letters)

    def verified(self, value: Any) -> tuple[frozenset[int], Mapping[Language, frozenset[int]]] | None:
        data = self.mapping(value, ("verified",), _VERIFIED_KEYS)
        if data is None:
            return None
        lists: dict[str, frozenset[int]] = {}
        for key in sorted(_VERIFIED_KEYS):
            numbers = data.get(key, [])
            at: Path_ = ("verified", key)
            if (
                not isinstance(numbers, list)
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
                or numbers != sorted(set(numbers))
                or (numbers and not 1 <= numbers[0] <= numbers[-1] <= GDPR_ARTICLES)
            ):
                self.fail(at, f"must list article numbers from 1 to {GDPR_ARTICLES}, ascending, once each")
                return None
            lists[key] = frozenset(numbers)
        titles = MappingProxyType({lang: lists[lang.value] for lang in Language})
        return lists["structure"], titles
