"""Danish and Swedish rule texts: complete, current, faithful to the input format's field names,
and shown with an [EN] mark where a text falls back to English."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compliance.translations import TRANSLATED_LANGUAGES, load_translations, rule_text, source_stamp

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
