"""The question bank is complete and readable by the people who answer it: every fact a rule
can read has a question, in English, Danish and Swedish, in plain words, naming the flow, party or
system it asks about (issue 20, item 1)."""

from __future__ import annotations

import re

import pytest

from compliance.core import vocabulary
from compliance.core.facts import facts_to_state, registry
from compliance.core.models.assessment import Question, Target
from compliance.core.models.rules import Scope
from compliance.core.questions import (
    _AROUND,
    PLACEHOLDERS,
    RECORDS,
    SAFEGUARD_PREFIX,
    bank,
    fill,
    in_language,
    record_of,
    subject,
)
from compliance.core.translations import (
    TRANSLATED_LANGUAGES,
    load_question_texts,
    question_stamp,
    question_text,
)
from compliance.core.vocabulary import safeguards
from compliance.inputs.answers import vocabulary_choices
from compliance.inputs.loader import load_packs

# Words of English that never occur in Danish or Swedish prose ("organisation" and "have" do):
# one of them in a translated question means a sentence or a label was left in English.
ENGLISH_STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "with",
        "which",
        "does",
        "whether",
        "solution",
        "supplier",
        "yes",
        "should",
        "must",
        "has",
        "been",
        "processing",
        "their",
        "this",
        "that",
        "from",
        "when",
        "where",
        "who",
        "what",
    ]
)
BARE_ANSWERS = frozenset({"yes", "no", "ja", "nej"})
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
FIELD_PATH = re.compile(r"\b(?:solution|flow|party|system|dpia|safeguards|scan)\.[a-z_]+")
PLACEHOLDER = re.compile(r"\{[a-z]+\}")


def _read_by_rules() -> set[str]:
    """Every fact a shipped rule reads, in any part of any rule."""
    read: set[str] = set()
    for pack in load_packs():
        for rule in pack.rules:
            for condition in (rule.applies, rule.require, rule.review, rule.lower_severity):
                if condition is not None:
                    read |= set(condition.facts)
    return read


def _askable(fact: str) -> str | None:
    """The question-bank fact a stated input is asked as; None for a description of inputs (the
    facts of the flows, the scans run), which has no single question."""
    if fact in registry() or fact.startswith(SAFEGUARD_PREFIX):
        return fact
    if fact.startswith("dpia.") and f"solution.{fact}" in registry():
        return f"solution.{fact}"
    return None


def test_every_fact_a_rule_reads_has_a_question() -> None:
    read = _read_by_rules()
    assert len(read) > 250
    needed: set[str] = set()
    descriptions: set[str] = set()
    for fact in read:
        for stated in facts_to_state(fact, None):
            asked = _askable(stated)
            parts = [f for f, spec in registry().items() if f.startswith(stated + ".") and not spec.derived]
            if asked is not None:
                needed.add(asked)
            elif parts:  # a group of facts (the scale of a flow): each of its parts is asked
                needed |= set(parts)
            elif stated in _AROUND:  # stated around the target, or in a list of records
                needed |= {fact for fact, _ in _AROUND[stated]}
            else:
                descriptions.add(stated)
    # A list of records (a party's assurance documents) is asked with each field of its records.
    needed |= {f"{record}.{f.name}" for record in needed & set(RECORDS) for f in RECORDS[record]}
    assert {
        "party.assurance",
        "party.assurance.period_end",
        "party.assurance.soa_excluded_controls",
    } <= needed
    # What is left is a description of several inputs, not one fact: it has words, not a path, and
    # names no list of records (those are asked, above).
    assert all(" " in d for d in descriptions), sorted(d for d in descriptions if " " not in d)
    records = [d for d in descriptions if any(f"(`{r.rsplit('.', 1)[1]}`)" in d for r in RECORDS)]
    assert not records, records
    missing = sorted(needed - set(bank()))
    assert not missing, f"no question in rules/questions/questions.yaml for: {missing}"


def test_every_safeguard_of_the_vocabulary_has_a_question() -> None:
    asked = {f.removeprefix(SAFEGUARD_PREFIX) for f in bank() if f.startswith(SAFEGUARD_PREFIX)}
    assert set(safeguards().keys()) <= asked


def _texts(
    ask: str, help: str | None, why: str | None, choices: dict[str, str], evidence: str | None
) -> list[tuple[str, str]]:
    return [
        ("ask", ask),
        *((name, text) for name, text in (("help", help), ("why", why), ("evidence", evidence)) if text),
        *((f"choice {key}", label) for key, label in choices.items()),
    ]


def test_every_question_says_who_usually_answers_it_and_what_evidence_shows_the_answer() -> None:
    missing = [
        fact
        for fact, entry in bank().items()
        if not entry.answered_by
        or not entry.evidence
        or len(set(entry.answered_by)) != len(entry.answered_by)
    ]
    assert not missing, missing


@pytest.mark.parametrize("lang", ["en", *TRANSLATED_LANGUAGES])
def test_every_question_is_in_every_language_in_plain_words(lang: str) -> None:
    problems = []
    asks: dict[str, str] = {}
    for fact, entry in bank().items():
        text = question_text(lang, fact, entry.ask, entry.help, entry.why, entry.choices, entry.evidence)
        if text.in_english:
            problems.append(f"{fact}: no current {lang} translation")
            continue
        if text.ask in asks:
            problems.append(f"{fact}: the same question as {asks[text.ask]}")
        asks[text.ask] = fact
        if set(text.choices) != set(entry.choices) or not all(
            label.strip() for label in text.choices.values()
        ):
            problems.append(f"{fact}: a choice without a label")
        bare = [key for key, label in text.choices.items() if label.strip(" .").lower() in BARE_ANSWERS]
        if bare:
            problems.append(f"{fact}: answers {bare} are a bare yes or no, not an answer to the question")
        for where, words in _texts(text.ask, text.help, text.why, text.choices, text.evidence):
            for found in SNAKE_CASE.findall(words) + FIELD_PATH.findall(words):
                problems.append(f"{fact} {where}: an identifier, '{found}'")
            if lang != "en":
                english = sorted(
                    {w for w in re.findall(r"[A-Za-z]+", words) if w.lower() in ENGLISH_STOP_WORDS}
                )
                if english:
                    problems.append(f"{fact} {where}: English words left: {english}")
            if where != "ask" and PLACEHOLDER.search(words):
                problems.append(f"{fact} {where}: a placeholder outside the question")
        if sorted(PLACEHOLDER.findall(text.ask)) != sorted(PLACEHOLDER.findall(entry.ask)):
            problems.append(f"{fact}: the placeholders differ from the English")
    assert not problems, "\n".join(problems)


def test_a_question_about_a_flow_party_or_system_names_it_and_no_other() -> None:
    problems = []
    for fact, entry in bank().items():
        kind = subject(fact)
        if record_of(fact) is not None:
            kind = None  # one field of one document, asked right after the question naming its party
        found = set(PLACEHOLDER.findall(entry.ask))
        wanted = {PLACEHOLDERS[kind]} if kind is not None else set()
        if found != wanted:
            problems.append(f"{fact}: placeholders {sorted(found)}, wanted {sorted(wanted)}")
    assert not problems, "\n".join(problems)


def test_the_name_of_the_target_takes_the_placeholder_in_each_language() -> None:
    kaveri = Target(kind=Scope.PARTY, id="kaveri", name="Kaveri Support Services")
    question = Question(
        fact="party.country",
        target=kaveri,
        ask=fill(bank()["party.country"].ask, kaveri),
        in_bank=True,
        decides=["GDPR-44-TRANSFER-GROUND (party kaveri)"],
        weight=12.0,
        applicability=True,
    )
    assert "Kaveri Support Services" in question.ask and "{party}" not in question.ask
    for lang in ("en", *TRANSLATED_LANGUAGES):
        text = in_language(question, lang)
        assert "Kaveri Support Services" in text.ask and "{" not in text.ask, (lang, text.ask)
        assert not text.in_english


def test_every_translation_is_stamped_with_the_english_it_translates() -> None:
    for lang in TRANSLATED_LANGUAGES:
        translated = load_question_texts(lang)
        assert set(translated) == set(bank()), lang
        for fact, entry in bank().items():
            stamp = question_stamp(entry.ask, entry.help, entry.why, entry.choices, entry.evidence)
            assert translated[fact]["source"] == stamp, (lang, fact)


def test_a_changed_english_question_falls_back_to_english_until_its_translation_is_reviewed() -> None:
    entry = bank()["flow.lawful_basis"]
    current = question_text(
        "da", "flow.lawful_basis", entry.ask, entry.help, entry.why, entry.choices, entry.evidence
    )
    assert not current.in_english and current.ask != entry.ask and current.evidence != entry.evidence
    changed = question_text(
        "da", "flow.lawful_basis", entry.ask + " Now?", entry.help, entry.why, entry.choices, entry.evidence
    )
    assert changed.in_english and changed.ask == entry.ask + " Now?"


def test_every_vocabulary_label_is_read_whole() -> None:
    """A label with a comma in a YAML flow mapping (`{title: A, B}`) is cut at the comma and the
    rest read as keys without values: the person would choose from half a label."""
    import yaml

    from compliance.core.resources import rules_root

    cut = []
    for entry in rules_root().joinpath("vocabulary").iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        for section in yaml.safe_load(entry.read_text(encoding="utf-8")).values():
            for key, value in section.items() if isinstance(section, dict) else ():
                if isinstance(value, dict) and None in value.values():
                    cut.append(f"{entry.name}: {key}")
    assert not cut, cut


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_vocabulary_term_the_interview_offers_has_a_current_translation(lang: str) -> None:
    from compliance.core.translations import vocabulary_title

    problems = []
    for name in ("data_categories", "data_subjects", "purposes", "technologies", "safeguards"):
        for key, term in getattr(vocabulary, name)().terms.items():
            title, in_english = vocabulary_title(lang, name, key, term.title)
            if in_english:
                problems.append(f"{name}.{key}: no current {lang} title")
            elif title == term.title or "_" in title:
                problems.append(f"{name}.{key}: '{title}' is not translated")
    assert not problems, "\n".join(problems)
    offered = vocabulary_choices("flow.data_subjects", lang)
    assert offered["residents"] != vocabulary.data_subjects().terms["residents"].title
    assert not any(label.startswith("[EN]") for label in offered.values())
