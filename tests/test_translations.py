"""Danish and Swedish rule texts: complete, current, faithful to the input format's field names,
and shown with an [EN] mark where a text falls back to English."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compliance.core.translations import TRANSLATED_LANGUAGES, load_translations, rule_text, source_stamp

REPO = Path(__file__).resolve().parent.parent
PACKS = sorted((REPO / "rules" / "packs").glob("*.yaml"))
RULES = {
    rule["id"]: rule for pack in PACKS for rule in yaml.safe_load(pack.read_text(encoding="utf-8"))["rules"]
}


def backticks(text: str) -> list[str]:
    return sorted(re.findall(r"`[^`]*`", text))


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_shipped_rule_has_a_current_translation(lang) -> None:
    translated = load_translations(lang)
    assert set(translated) == set(RULES), "every shipped rule, and nothing else"
    for rule_id, entry in translated.items():
        rule = RULES[rule_id]
        assert entry["source"] == source_stamp(rule["title"], rule["remediation"]), f"{rule_id}: stale"


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_field_names_in_backticks_are_kept_exactly(lang) -> None:
    for rule_id, entry in load_translations(lang).items():
        for key in ("title", "remediation"):
            assert backticks(entry[key]) == backticks(RULES[rule_id][key]), f"{lang} {rule_id} {key}"


def test_the_stamp_script_finds_nothing_stale() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "stamp_translations.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_a_changed_english_text_falls_back_to_english() -> None:
    rule_id, rule = next(iter(RULES.items()))
    current = rule_text("da", rule_id, rule["title"], rule["remediation"])
    assert not current.title_in_english and current.title != rule["title"]
    changed = rule_text("da", rule_id, rule["title"], rule["remediation"] + " And more.")
    assert changed.title_in_english and changed.remediation_in_english
    assert changed.remediation.endswith("And more.")


def test_a_rule_of_a_users_own_pack_is_shown_in_english() -> None:
    text = rule_text("sv", "LOCAL-1", "Our own rule", "Do it.")
    assert (text.title, text.title_in_english) == ("Our own rule", True)


def test_english_reports_use_the_rules_own_texts() -> None:
    text = rule_text("en", "X", "Title", "Fix")
    assert (text.title, text.remediation, text.title_in_english) == ("Title", "Fix", False)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("da", "Ikke opfyldt: flow.retention_indefinite = true; krav: er false."),
        ("sv", "Ej uppfyllt: flow.retention_indefinite = true; krav: är false."),
        ("en", "Not met: flow.retention_indefinite = true; test: is false."),
    ],
)
def test_explanations_keep_facts_and_values_and_translate_their_frame(lang, expected) -> None:
    from compliance.outputs.report import translated_explanation

    assert (
        translated_explanation("Not met: flow.retention_indefinite = true; test: is false.", lang) == expected
    )


def test_every_engine_frame_word_has_a_danish_and_swedish_text() -> None:
    from compliance.outputs.report import TEXTS

    assert set(TEXTS["da"]["explanation_words"]) == set(TEXTS["sv"]["explanation_words"])
    assert set(TEXTS["da"]["op_words"]) == set(TEXTS["sv"]["op_words"])
    from compliance.core.conditions import OP_WORDS

    assert set(OP_WORDS.values()) - {">", "≥", "<", "≤"} <= set(TEXTS["da"]["op_words"])


def test_danish_explanations_of_a_real_assessment_have_no_english_frame_left() -> None:
    """If the engine's wording changes, this fails rather than leaving English in Danish reports."""
    from datetime import date

    from compliance.core.engine import assess
    from compliance.inputs.loader import load_packs, load_solution
    from compliance.outputs.report import translated_explanation

    example = REPO / "examples" / "traffic-counting-us-cloud" / "solution.yaml"
    a = assess(load_solution(example).solution, load_packs(), date(2026, 12, 1))
    shown = [f for f in a.findings if f.status.value in ("fail", "unknown", "accepted")]
    assert {f.status.value for f in shown} >= {"fail", "accepted"}
    for f in shown:
        text = translated_explanation(f.explanation, "da")
        for english in ("Not met", "Unknown:", "test:", "To decide", "accepted risk", "not given"):
            assert english not in text, (f.rule_id, text)


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_dpia_screening_text_of_the_examples_is_translated(lang) -> None:
    """Each criterion title and each reason the screening writes for the examples has a Danish and
    a Swedish text; a new sentence in compliance/core/dpia.py fails here until it has one."""
    from datetime import date

    from compliance.core.engine import assess
    from compliance.inputs.loader import load_packs, load_solution
    from compliance.outputs.report import dpia_reason, dpia_title

    packs = load_packs()
    for example in sorted((REPO / "examples").glob("*/solution.yaml")):
        screening = assess(load_solution(example).solution, packs, date(2026, 12, 1)).dpia
        criteria = screening.criteria + screening.per_se + screening.national
        for c in criteria:
            assert not dpia_title(lang, c.id, c.title)[1], c.id
        for reason in screening.reasons + [r for c in criteria for r in c.reasons]:
            assert dpia_reason(lang, reason) != reason, (example.parent.name, reason)


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_control_explanation_of_the_examples_is_translated(lang) -> None:
    """The sentences compliance/core/controls.py writes, for every control of every example."""
    from datetime import date

    from compliance.core.engine import assess
    from compliance.inputs.loader import load_packs, load_solution
    from compliance.outputs.report import translated_control_explanation

    packs = load_packs()
    english = (
        "from its rules",
        "Scanner evidence",
        "equivalent control",
        "No rule",
        "Partly covered",
        "Whether",
    )
    for example in sorted((REPO / "examples").glob("*/solution.yaml")):
        for control in assess(load_solution(example).solution, packs, date(2026, 12, 1)).controls.values():
            text = translated_control_explanation(control.explanation, lang)
            assert not any(e in text for e in english), (example.parent.name, text)


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_catalogue_control_has_a_current_title(lang) -> None:
    from compliance.core.translations import control_stamp, control_title, load_control_titles

    english = {
        c["id"]: c["title"]
        for path in sorted((REPO / "rules" / "controls").glob("*.yaml"))
        for c in (yaml.safe_load(path.read_text(encoding="utf-8")).get("controls") or [])
    }
    titles = load_control_titles(lang)
    assert set(titles) == set(english)
    for cid, title in english.items():
        assert titles[cid]["source"] == control_stamp(title), f"{cid}: stale"
        assert control_title(lang, cid, title) == (titles[cid]["title"], False)
    assert control_title(lang, "X-1", "A changed title") == ("A changed title", True)
