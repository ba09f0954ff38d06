"""The GDPR article catalogue: all 99 articles with official headings, their exact structure, and
the load-time check that a rule cites a provision that exists."""

from __future__ import annotations

import string
from functools import cache

import pytest
import yaml
from helpers import pack_text, rule_dict
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.core.catalogue import (
    GDPR_ARTICLES,
    Article,
    CatalogueError,
    Language,
    Paragraph,
    article_title,
    catalogue,
    check_gdpr_citation,
    format_citation,
    load_catalogue,
)
from compliance.core.errors import ComplianceError
from compliance.core.resources import rules_root
from compliance.inputs.loader import builtin_pack_files

CATALOGUE_TEXT = rules_root().joinpath("catalogue", "gdpr.yaml").read_text(encoding="utf-8")


@cache
def all_citations() -> frozenset[str]:
    """Every provision the catalogue lists, as citations."""
    return frozenset(catalogue().citations())


def paragraph(article: int, number: int) -> Paragraph:
    return catalogue().article(article).paragraphs[number - 1]


# ---------------------------------------------------------------------------------------------
# Completeness and headings


def test_every_article_from_1_to_99_is_catalogued_once_with_a_heading_in_each_language() -> None:
    articles = catalogue().articles

    assert [a.number for a in articles] == list(range(1, GDPR_ARTICLES + 1))
    for article in articles:
        for lang in Language:
            assert article.title(lang).strip(), (article.number, lang)


def test_the_catalogue_is_read_once_per_process() -> None:
    assert catalogue() is catalogue()


def test_every_article_belongs_to_the_chapter_whose_range_holds_it() -> None:
    chapters = catalogue().chapters

    assert [c.number for c in chapters] == list(range(1, 12))
    assert catalogue().article(35).chapter == 4
    assert catalogue().article(99).chapter == 11
    for article in catalogue().articles:
        chapter = chapters[article.chapter - 1]
        assert chapter.first <= article.number <= chapter.last


OFFICIAL_HEADINGS = [
    (35, "en", "Data protection impact assessment"),
    (35, "da", "Konsekvensanalyse vedrørende databeskyttelse"),
    (35, "sv", "Konsekvensbedömning avseende dataskydd"),
    (28, "en", "Processor"),
    (28, "da", "Databehandler"),
    (28, "sv", "Personuppgiftsbiträden"),
    (6, "da", "Lovlig behandling"),
    (6, "sv", "Laglig behandling av personuppgifter"),
    (17, "en", "Right to erasure (‘right to be forgotten’)"),
    (23, "sv", "Begränsningar"),
    (70, "da", "Databeskyttelsesrådets opgaver"),
    (70, "sv", "Styrelsens uppgifter"),
    (87, "da", "Behandling af nationalt identifikationsnummer"),
    (87, "sv", "Behandling av nationella identifikationsnummer"),
]


@pytest.mark.parametrize(("article", "lang", "heading"), OFFICIAL_HEADINGS)
def test_official_heading_is_given_word_for_word(article: int, lang: str, heading: str) -> None:
    assert article_title(article, lang) == heading


@pytest.mark.parametrize(("article", "lang", "heading"), OFFICIAL_HEADINGS)
def test_headings_checked_here_are_listed_as_verified_against_the_official_text(
    article: int, lang: str, heading: str
) -> None:
    assert article in catalogue().verified_titles[Language(lang)]


def test_every_english_heading_and_every_structure_was_verified() -> None:
    every = frozenset(range(1, GDPR_ARTICLES + 1))

    assert catalogue().verified_titles[Language.EN] == every
    assert catalogue().verified_structure == every


def test_a_heading_in_an_uncatalogued_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no headings in language 'de'; expected one of en, da, sv"):
        article_title(35, "de")


def test_a_heading_of_an_article_the_gdpr_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="the GDPR has Articles 1 to 99, not 100"):
        article_title(100, "en")


# ---------------------------------------------------------------------------------------------
# Structure


@pytest.mark.parametrize(
    ("article", "count"),
    [(5, 2), (6, 4), (12, 8), (21, 6), (28, 10), (32, 4), (33, 5), (35, 11), (45, 9), (49, 6)],
)
def test_article_has_its_number_of_paragraphs(article: int, count: int) -> None:
    assert len(catalogue().article(article).paragraphs) == count


@pytest.mark.parametrize(
    ("article", "number", "points", "subparagraphs"),
    [
        (5, 1, "abcdef", 1),
        (6, 1, "abcdef", 2),  # 2nd: point (f) does not apply to public authorities
        (6, 3, "ab", 2),
        (8, 1, "", 2),
        (9, 2, "abcdefghij", 1),
        (12, 5, "ab", 2),
        (13, 1, "abcdef", 1),
        (13, 2, "abcdef", 1),
        (14, 1, "abcdef", 1),
        (14, 2, "abcdefg", 1),
        (14, 5, "abcd", 1),
        (17, 1, "abcdef", 1),
        (17, 3, "abcde", 1),
        (18, 1, "abcd", 1),
        (22, 2, "abc", 1),
        (28, 3, "abcdefgh", 2),
        (30, 1, "abcdefg", 1),
        (30, 2, "abcd", 1),
        (32, 1, "abcd", 1),
        (33, 3, "abcd", 1),
        (35, 3, "abc", 1),
        (35, 7, "abcd", 1),
        (37, 1, "abc", 1),
        (45, 5, "", 2),
        (46, 2, "abcdef", 1),
        (46, 3, "ab", 1),
        (49, 1, "abcdefg", 2),
        (64, 5, "ab", 1),
        (70, 1, "abcdefghijklmnopqrstuvwxy", 1),
    ],
)
def test_paragraph_has_its_points_and_subparagraphs(
    article: int, number: int, points: str, subparagraphs: int
) -> None:
    assert paragraph(article, number) == Paragraph(number, points, subparagraphs)


@pytest.mark.parametrize("article", [10, 16, 19, 29, 31, 44, 48, 59, 63, 86, 87, 95, 96, 98])
def test_article_of_one_unnumbered_paragraph_has_no_paragraphs_points_or_subparagraphs(article: int) -> None:
    entry = catalogue().article(article)

    assert (entry.paragraphs, entry.points, entry.subparagraphs) == ((), "", 1)


def test_article_50_has_points_but_no_numbered_paragraphs() -> None:
    entry = catalogue().article(50)

    assert (entry.paragraphs, entry.points) == ((), "abcd")


def test_article_67_has_two_unnumbered_subparagraphs() -> None:
    entry = catalogue().article(67)

    assert (entry.paragraphs, entry.subparagraphs) == ((), 2)


def test_article_4_has_26_definitions_and_points_only_in_16_22_and_23() -> None:
    entry = catalogue().article(4)

    assert entry.definitions == 26
    assert {n: p for n, p in enumerate(entry.definition_points, start=1) if p} == {
        16: "ab",
        22: "abc",
        23: "ab",
    }


# ---------------------------------------------------------------------------------------------
# Citations


def test_every_citation_in_every_built_in_pack_names_an_existing_provision() -> None:
    cited = []
    for pack in builtin_pack_files():
        data = yaml.safe_load(pack.read_text(encoding="utf-8"))
        cited += [
            (pack.name, r["id"], r["citation"]) for r in data["rules"] if r["citation"].startswith("GDPR")
        ]

    assert cited
    assert [(p, i, c, check_gdpr_citation(c)) for p, i, c in cited if check_gdpr_citation(c)] == []


@pytest.mark.parametrize(
    "citation",
    [
        "GDPR Art. 99",
        "GDPR Art. 5(1)(e)",
        "GDPR Art. 6(1), second subparagraph",
        "GDPR Art. 28(3)(h)",
        "GDPR Art. 28(3)(h), first subparagraph",
        "GDPR Art. 28(3), second subparagraph",
        "GDPR Art. 49(1)(g)",
        "GDPR Art. 49(1), second subparagraph",
        "GDPR Art. 4(11)",
        "GDPR Art. 4(16)(b)",
        "GDPR Art. 50(a)",
        "GDPR Art. 67, second subparagraph",
        "GDPR Art. 70(1)(y)",
    ],
)
def test_citation_of_an_existing_provision_checks_clean(citation: str) -> None:
    assert check_gdpr_citation(citation) is None


NOT_FOUND = "names a provision that does not exist: "


@pytest.mark.parametrize(
    ("citation", "message"),
    [
        ("GDPR Art. 100", "GDPR has Articles 1 to 99; 'GDPR Art. 100' cites Art. 100"),
        ("GDPR Art. 0", "GDPR has Articles 1 to 99; 'GDPR Art. 0' cites Art. 0"),
        ("GDPR Art. 28(3)(i)", NOT_FOUND + "Art. 28(3) has points (a) to (h)"),
        ("GDPR Art. 32(5)", NOT_FOUND + "Art. 32 has paragraphs 1 to 4"),
        ("GDPR Art. 32(0)", NOT_FOUND + "Art. 32 has paragraphs 1 to 4"),
        ("GDPR Art. 6(1), third subparagraph", NOT_FOUND + "Art. 6(1) has 2 subparagraphs"),
        ("GDPR Art. 32(2)(a)", NOT_FOUND + "Art. 32(2) has no lettered points"),
        ("GDPR Art. 46(3)(c)", NOT_FOUND + "Art. 46(3) has points (a) and (b)"),
        (
            "GDPR Art. 32(1), second subparagraph",
            NOT_FOUND + "Art. 32(1) has only one subparagraph; cite it as 'GDPR Art. 32(1)'",
        ),
        (
            "GDPR Art. 28(3)(h), second subparagraph",
            NOT_FOUND + "the points of Art. 28(3) are in its first subparagraph",
        ),
        ("GDPR Art. 44(1)", NOT_FOUND + "Art. 44 has no numbered paragraphs; cite 'GDPR Art. 44'"),
        (
            "GDPR Art. 50(1)",
            NOT_FOUND + "Art. 50 has no numbered paragraphs; its points are cited as 'GDPR Art. 50(a)'",
        ),
        ("GDPR Art. 50(e)", NOT_FOUND + "Art. 50 has points (a) to (d)"),
        (
            "GDPR Art. 6(a)",
            NOT_FOUND + "Art. 6 has numbered paragraphs; name the paragraph, e.g. 'GDPR Art. 6(1)(a)'",
        ),
        ("GDPR Art. 4(27)", NOT_FOUND + "Art. 4 has definitions (1) to (26)"),
        ("GDPR Art. 4(16)(c)", NOT_FOUND + "Art. 4(16) has points (a) and (b)"),
        ("GDPR Art. 4(11)(a)", NOT_FOUND + "Art. 4(11) has no lettered points"),
        (
            "GDPR Art. 10, second subparagraph",
            NOT_FOUND + "Art. 10 has only one subparagraph; cite it as 'GDPR Art. 10'",
        ),
    ],
)
def test_citation_of_a_provision_that_does_not_exist_is_refused_with_a_hint(
    citation: str, message: str
) -> None:
    problem = check_gdpr_citation(citation)

    assert problem is not None
    assert problem.endswith(message)
    assert problem.startswith("GDPR ")


@pytest.mark.parametrize(
    "citation",
    [
        "GDPR Article 5",
        "GDPR Art. 05",
        "GDPR Art. 5(01)",
        "GDPR Art. 5(1)(E)",
        "GDPR Art. 5(1)(a)(i)",
        "GDPR Art. 5-7",
    ],
)
def test_citation_not_in_the_strict_form_is_refused(citation: str) -> None:
    assert check_gdpr_citation(citation) == (
        f"GDPR citation '{citation}' is not in the form 'GDPR Art. 28(3)(a)' "
        "(optionally followed by ', second subparagraph')"
    )


def test_format_citation_writes_the_accepted_form() -> None:
    assert format_citation(28, 3, "h", 1) == "GDPR Art. 28(3)(h), first subparagraph"
    assert format_citation(50, None, "a") == "GDPR Art. 50(a)"
    assert format_citation(67, None, None, 2) == "GDPR Art. 67, second subparagraph"


def test_every_catalogued_provision_formats_to_a_citation_that_checks_clean() -> None:
    problems = {c: check_gdpr_citation(c) for c in catalogue().citations()}

    assert len(problems) > 800
    assert {c: p for c, p in problems.items() if p is not None} == {}


@settings(max_examples=400, deadline=None)
@given(
    article=st.integers(0, 105),
    number=st.none() | st.integers(0, 30),
    point=st.none() | st.sampled_from(string.ascii_lowercase),
    sub=st.none() | st.integers(1, 3),
)
def test_a_citation_checks_clean_exactly_when_the_catalogue_lists_its_provision(
    article: int, number: int | None, point: str | None, sub: int | None
) -> None:
    text = format_citation(article, number, point, sub)

    assert (check_gdpr_citation(text) is None) == (text in all_citations())


PARAGRAPHS_WITH_POINTS = [(a.number, p) for a in catalogue().articles for p in a.paragraphs if p.points]


@given(where=st.sampled_from(PARAGRAPHS_WITH_POINTS), data=st.data())
def test_every_letter_after_the_last_point_is_refused_naming_the_last_point(
    where: tuple[int, Paragraph], data: st.DataObject
) -> None:
    article, para = where
    letter = data.draw(st.sampled_from(string.ascii_lowercase[len(para.points) :]))
    problem = check_gdpr_citation(format_citation(article, para.number, letter))

    assert problem is not None
    assert f"Art. {article}({para.number}) has " in problem
    assert f"({para.points[-1]})" in problem


@given(article=st.sampled_from([a for a in catalogue().articles if a.paragraphs]), extra=st.integers(1, 20))
def test_every_paragraph_after_the_last_is_refused(article: Article, extra: int) -> None:
    count = len(article.paragraphs)
    problem = check_gdpr_citation(format_citation(article.number, count + extra))

    assert problem is not None
    assert problem.endswith(f"Art. {article.number} has paragraphs 1 to {count}")


# ---------------------------------------------------------------------------------------------
# The check at load time


@pytest.mark.parametrize(
    "citation",
    ["GDPR Art. 28(3)(i)", "GDPR Art. 32(5)", "GDPR Art. 6(1), third subparagraph", "GDPR Art. 100"],
)
def test_pack_citing_a_provision_that_does_not_exist_fails_lint_with_file_and_line(
    citation: str, write_pack, cli
) -> None:
    folder = write_pack(rule_dict(citation=citation))
    file = folder / "test-pack.yaml"
    lines = file.read_text(encoding="utf-8").splitlines()
    (line,) = [i for i, text in enumerate(lines, start=1) if text.strip().startswith("citation:")]
    column = lines[line - 1].index("citation") + 1

    run = cli("rules", "lint", "--rules", folder)

    assert run.code == 2, run.out
    assert f"{file}:{line}:{column}: rules[0].citation: GDPR " in run.err
    assert f"'{citation}'" in run.err
    assert str(check_gdpr_citation(citation)) in run.err
    assert "Traceback" not in run.err


def test_non_gdpr_citations_are_left_to_their_own_framework(write_pack, cli) -> None:
    text = pack_text(rule_dict(citation="NIS2 Art. 21(2)(a)", framework="NIS2"))

    run = cli("rules", "lint", "--rules", write_pack(text=text))

    assert run.code == 0, run.err


# ---------------------------------------------------------------------------------------------
# The catalogue checks its own shape


def broken(old: str, new: str) -> str:
    assert CATALOGUE_TEXT.count(old) == 1, old
    return CATALOGUE_TEXT.replace(old, new)


def line_of(text: str, fragment: str) -> int:
    (line,) = [i for i, t in enumerate(text.splitlines(), start=1) if fragment in t]
    return line


def test_the_shipped_catalogue_loads_without_problems() -> None:
    assert load_catalogue(CATALOGUE_TEXT, "gdpr.yaml") == catalogue()


def test_point_letters_with_a_gap_are_refused_with_their_line() -> None:
    text = broken("3: {points: abcdefgh, subparagraphs: 2}", "3: {points: abcdefgi, subparagraphs: 2}")

    with pytest.raises(CatalogueError) as info:
        load_catalogue(text, "gdpr.yaml")

    line = line_of(text, "abcdefgi")
    assert f"gdpr.yaml:{line}:" in str(info.value)
    assert "articles.28.paragraphs.3.points: point letters must run from 'a' without gaps" in str(info.value)


def test_a_missing_article_is_refused() -> None:
    start = CATALOGUE_TEXT.index("  99:\n    title:")
    end = CATALOGUE_TEXT.index("\n\n", start)
    text = CATALOGUE_TEXT[:start] + CATALOGUE_TEXT[end + 1 :]

    with pytest.raises(CatalogueError, match="the GDPR has 99 articles; found 98"):
        load_catalogue(text, "gdpr.yaml")


def test_articles_out_of_order_are_refused() -> None:
    text = broken("  36:\n    title:", "  136:\n    title:")

    with pytest.raises(CatalogueError, match="article 36 expected here, found '136'"):
        load_catalogue(text, "gdpr.yaml")


def test_a_duplicate_article_is_refused() -> None:
    text = broken("  36:\n    title:", "  35:\n    title:")

    with pytest.raises(CatalogueError, match="duplicate key '35'"):
        load_catalogue(text, "gdpr.yaml")


def test_an_empty_heading_is_refused() -> None:
    text = broken('sv: "Förhandssamråd"', 'sv: ""')

    with pytest.raises(CatalogueError, match=r"articles\.36\.title\.sv: must be a non-empty heading"):
        load_catalogue(text, "gdpr.yaml")


def test_an_unknown_key_in_an_article_is_refused() -> None:
    text = broken("  44:\n    title:", "  44:\n    paragraph: 2\n    title:")

    with pytest.raises(CatalogueError, match=r"articles\.44\.paragraph: unknown key 'paragraph'"):
        load_catalogue(text, "gdpr.yaml")


def test_a_malformed_catalogue_is_a_compliance_error_not_a_citation_problem() -> None:
    assert issubclass(CatalogueError, ComplianceError)
    assert not issubclass(CatalogueError, ValueError)
