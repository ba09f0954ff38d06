"""Danish and Swedish rule texts: complete, current, faithful to the input format's field names,
and shown with an [EN] mark where a text falls back to English."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compliance.core.messages import N_
from compliance.core.translations import (
    TRANSLATED_LANGUAGES,
    load_setting_texts,
    load_translations,
    rule_text,
    setting_stamp,
    source_stamp,
)
from compliance.outputs import i18n

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
def test_every_shipped_pack_setting_has_a_current_translation(lang) -> None:
    settings = {
        (data["pack"], name): setting
        for data in (yaml.safe_load(pack.read_text(encoding="utf-8")) for pack in PACKS)
        for name, setting in (data.get("settings") or {}).items()
    }
    translated = load_setting_texts(lang)
    assert set(translated) == set(settings), "every shipped pack setting, and nothing else"
    for key, entry in translated.items():
        assert entry["source"] == setting_stamp(settings[key]["label"], settings[key].get("note")), key


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_shipped_pack_names_its_framework_and_its_title_in_the_language(lang) -> None:
    """A pack whose translation lacks `framework:` or `title:` fails: its name would be shown in
    English in the reports (the stop lists of tests/test_framework_names.py)."""
    from compliance.core.translations import (
        framework_name,
        framework_stamp,
        load_framework_names,
        load_pack_titles,
    )

    packs = [yaml.safe_load(pack.read_text(encoding="utf-8")) for pack in PACKS]
    names, titles = load_framework_names(lang), load_pack_titles(lang)
    assert set(names) == set(titles) == {p["pack"] for p in packs}, "every shipped pack, and nothing else"
    for p in packs:
        assert names[p["pack"]]["source"] == framework_stamp(p["framework"]), f"{p['pack']}: stale"
        assert titles[p["pack"]]["source"] == framework_stamp(p["title"]), f"{p['pack']}: title stale"
        assert framework_name(lang, p["framework"]) == (names[p["pack"]]["name"], False)
        assert titles[p["pack"]]["text"] != p["title"], f"{p['pack']}: title not translated"


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_catalogue_framework_is_named_in_the_language(lang) -> None:
    """The control coverage is keyed by the catalogue's framework names: each is a pack's too."""
    from compliance.core.translations import framework_name

    for path in sorted((REPO / "rules" / "controls").glob("*.yaml")):
        framework = yaml.safe_load(path.read_text(encoding="utf-8")).get("framework")
        if framework is not None:
            assert not framework_name(lang, framework["name"])[1], f"{path.name}: {framework['name']}"


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
    from compliance.core.explanations import explain
    from compliance.core.models.assessment import FactUsed
    from compliance.core.models.rules import Outcome
    from compliance.outputs.i18n import translator

    test = FactUsed(
        fact="flow.retention_indefinite",
        value=True,
        op="equals",
        operand=False,
        result=False,
        part="require",
    )
    assert explain(Outcome.FAIL, [test], tr=translator(lang)) == expected


def _examples():
    from datetime import date

    from compliance.core.engine import assess
    from compliance.inputs.loader import load_packs, load_solution

    packs = load_packs()
    return [
        (example.parent.name, assess(load_solution(example).solution, packs, date(2026, 12, 1)))
        for example in sorted((REPO / "examples").glob("*/solution.yaml"))
    ]


ENGLISH_FRAME = (
    "Not met",
    "Unknown:",
    "test:",
    "To decide",
    "accepted risk",
    "not given",
    "Met:",
    "Pending:",
)


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_explanations_of_every_result_of_the_examples_have_no_english_frame_left(lang) -> None:
    """Every result, shown or not, phrased in Danish and Swedish from the saved facts."""
    from compliance.outputs.report import finding_explanation

    for name, a in _examples():
        for f in a.findings:
            text = finding_explanation(f, a, lang)
            assert not any(e in text for e in ENGLISH_FRAME), (name, f.rule_id, text)


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_dpia_screening_text_of_the_examples_is_translated(lang) -> None:
    """Each criterion title and each reason the screening writes for the examples is said in
    Danish and Swedish from the catalogs (the catalogs test covers every message in the code)."""
    from compliance.core.messages import Message
    from compliance.outputs.i18n import say, translator

    def messages(m: Message) -> list[Message]:
        inner = [
            x for v in m.args.values() for x in (v if isinstance(v, list) else [v]) if isinstance(x, Message)
        ]
        return [m, *(n for x in inner for n in messages(x))]

    tr = translator(lang)
    for name, a in _examples():
        screening = a.dpia
        criteria = screening.criteria + screening.per_se + screening.national
        for c in criteria:
            assert tr.gettext(c.title) != c.title, (name, c.id)
        for reason in screening.reasons + screening.status.reasons + [r for c in criteria for r in c.reasons]:
            for m in messages(reason):
                template = tr.ngettext(m.id, m.plural, m.n or 0) if m.plural else tr.gettext(m.id)
                assert template != m.id or m.id in ("{id}: {title}", "{percent} %"), (name, m.id)
            assert say(reason, lang) != reason.text, (name, reason.text)


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_control_explanation_of_the_examples_is_translated(lang) -> None:
    """The sentences compliance/core/controls.py writes, for every control of every example."""
    from compliance.outputs.report import control_explanation

    english = (
        "from its rules",
        "Scanner evidence",
        "equivalent control",
        "No rule",
        "Partly covered",
        "Whether",
    )
    for name, a in _examples():
        for control in a.controls.values():
            text = control_explanation(control.explanation, a, lang)
            assert not any(e in text for e in english), (name, text)


def test_the_message_catalogs_translate_every_message_of_the_code() -> None:
    """scripts/catalogs.py check: nothing missing, untranslated, fuzzy or obsolete in da or sv, and
    every translation keeps the placeholders of its English."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "catalogs.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_numbers_and_dates_are_written_as_each_language_writes_them() -> None:
    from datetime import date

    from compliance.outputs.i18n import date as day
    from compliance.outputs.i18n import number

    assert [number(98.4, lang) for lang in ("en", "da", "sv")] == ["98.4", "98,4", "98,4"]
    assert number(100.0, "da") == "100"
    assert day(date(2026, 12, 1), "en") == "1 December 2026"
    assert day(date(2026, 12, 1), "da") == "1. december 2026"
    assert day(date(2026, 12, 1), "sv") == "1 december 2026"


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


@pytest.mark.parametrize("lang", ["en", "da", "sv"])
def test_every_sheet_title_fits_excels_31_characters_in_every_language(lang: str) -> None:
    """A workbook's sheet names are cut at 31 characters: a title that does not fit would reach
    the supplier or the DPO cut off ("Revisionsrapporter och certifik")."""
    from compliance.outputs import dpa_review, questionnaire, tender

    titles = [
        N_("Instructions"),
        *(title for _topic, title in questionnaire.SHEETS),
        questionnaire.RECORDS_SHEET,
        dpa_review.TEXTS["requirement"],
        dpa_review.TEXTS["data_act_sheet"],
        tender.TEXTS["requirement"],
        N_("Action plan"),
        N_("Findings"),
    ]
    translator = i18n.translator(lang)
    shown = [translator.gettext(t) for t in titles] + [translator.pgettext("sheet name", "About")]
    assert not [t for t in shown if len(t) > 31]
