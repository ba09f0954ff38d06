"""Danish and Swedish texts of the shipped rules' titles and remediations, of the packs'
date settings (`settings:` of a pack's translation file: `label` and `note`, stamped the same way)
and of the packs' framework names and titles (`framework:` with its `name`, a display name only:
the English name stays the key of the assessment's JSON; `title:` with its `text`).

`rules/translations/<lang>/<pack>.yaml` holds, per rule, a translated `title` and `remediation`
and `source`: a stamp of the English text it was translated from. A translation is used only
while its stamp matches the English the finding carries: when a rule's English text changes, its
old translation could state a different obligation, so the English is shown (and marked) until
the translation is reviewed and restamped (`python scripts/stamp_translations.py`). A rule of a
user's own pack has no translation and is shown in English, marked the same way.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from compliance.core.errors import InputError
from compliance.core.resources import rules_root

FIELDS = ("title", "remediation")
CONTROLS_FILE = "controls.yaml"
QUESTIONS_FILE = "questions.yaml"
VOCABULARY_FILE = "vocabulary.yaml"
DPA_FILE = "dpa.yaml"  # the requirements of a data-processing agreement (compliance.outputs.dpa_review)
TENDER_FILE = "procurement.yaml"  # the requirements for a tender (compliance.outputs.tender)
# The vocabularies whose titles are translated (`vocabulary.yaml`): those a person picks from.
TRANSLATED_VOCABULARIES = (
    "data_categories",
    "data_subjects",
    "purposes",
    "technologies",
    "safeguards",
    "confidentiality_grounds",
)
# Files of a language folder that are not the translation of a rule pack.
NOT_PACKS = (CONTROLS_FILE, QUESTIONS_FILE, VOCABULARY_FILE, DPA_FILE, TENDER_FILE)
TRANSLATED_LANGUAGES = ("da", "sv")


def source_stamp(title: str, remediation: str) -> str:
    """The stamp of a rule's English title and remediation: 16 hex digits of their SHA-256."""
    return hashlib.sha256(f"{title}\x00{remediation}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RuleText:
    """A rule's title and remediation in a report's language, and which fell back to English."""

    title: str
    remediation: str
    title_in_english: bool
    remediation_in_english: bool


def _section(where: str, text: str, lang: str, key: str) -> dict[Any, Any]:
    """The `key:` mapping of a translation file, after checking it is one for `lang`."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or data.get("language") != lang or not isinstance(data.get(key), dict):
        raise InputError.single(where, f"not a translation file: needs language: {lang} and {key}:")
    section: dict[Any, Any] = data[key]
    return section


def _entry(where: str, path: str, texts: Any, fields: tuple[str, ...]) -> dict[str, str]:
    """One entry: non-empty texts of the given fields and its `source` stamp, nothing else."""
    if not isinstance(texts, dict) or not texts:
        raise InputError.single(where, f"needs {', '.join(fields)} and source", path=path)
    unknown = set(texts) - {*fields, "source"}
    if unknown:
        raise InputError.single(where, f"unknown field(s) {sorted(unknown)}", path=path)
    for key, value in texts.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError.single(where, f"{key} must be non-empty text", path=path)
    return {str(k): str(v) for k, v in texts.items()}


def _pack_files(lang: str) -> Iterator[tuple[str, str]]:
    """Each shipped pack translation file of one language: where it is, and its text."""
    folder = rules_root().joinpath("translations").joinpath(lang)
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml") and entry.name not in NOT_PACKS:
            yield f"rules/translations/{lang}/{entry.name}", entry.read_text(encoding="utf-8")


@functools.cache
def _rule_sections(lang: str) -> tuple[tuple[str, dict[Any, Any]], ...]:
    """The `rules:` section of every shipped pack translation file of one language, parsed once."""
    return tuple((where, _section(where, text, lang, "rules")) for where, text in _pack_files(lang))


@functools.cache
def load_translations(lang: str) -> dict[str, dict[str, str]]:
    """Every shipped translation of one language, by rule ID; a file that is not well formed is
    an error (shipped content is tested, so this is for edits)."""
    out: dict[str, dict[str, str]] = {}
    for where, section in _rule_sections(lang):
        for rule_id, texts in section.items():
            rest = {k: v for k, v in texts.items() if k != "says"} if isinstance(texts, dict) else texts
            out[str(rule_id)] = _entry(where, f"rules.{rule_id}", rest, FIELDS)
    return out


SAYS_FIELDS = ("fail", "unknown")


def says_stamp(fail: str, unknown: str, fail_when: dict[str, str]) -> str:
    """The stamp of a rule's English sentences (`says`)."""
    parts = [fail, unknown, *(f"{fact}={text}" for fact, text in sorted(fail_when.items()))]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SaysText:
    """A rule's sentences in a language, and whether they fell back to English."""

    fail: str
    unknown: str
    fail_when: dict[str, str]
    in_english: bool


@functools.cache
def load_says(lang: str) -> dict[str, dict[str, Any]]:
    """The translated sentences of the shipped rules (`says:` of a rule's entry), by rule ID."""
    out: dict[str, dict[str, Any]] = {}
    for where, section in _rule_sections(lang):
        for rule_id, texts in section.items():
            says = texts.get("says") if isinstance(texts, dict) else None
            if says is None:
                continue
            path = f"rules.{rule_id}.says"
            when = says.get("fail_when", {}) if isinstance(says, dict) else {}
            if not isinstance(when, dict) or not all(isinstance(v, str) and v.strip() for v in when.values()):
                raise InputError.single(where, "fail_when must map each fact to a sentence", path=path)
            sentences = (
                {k: v for k, v in says.items() if k != "fail_when"} if isinstance(says, dict) else says
            )
            out[str(rule_id)] = {**_entry(where, path, sentences, SAYS_FIELDS), "fail_when": dict(when)}
    return out


def says_text(lang: str, rule_id: str, fail: str, unknown: str, fail_when: dict[str, str]) -> SaysText:
    """A rule's sentences in `lang`: all translated while the translation's stamp matches the
    English given, else all in English (and marked so)."""
    english = SaysText(fail, unknown, dict(fail_when), lang != "en")
    if lang == "en":
        return english
    entry = load_says(lang).get(rule_id)
    if (
        entry is None
        or entry.get("source") != says_stamp(fail, unknown, fail_when)
        or not all(k in entry for k in SAYS_FIELDS)
        or set(entry["fail_when"]) != set(fail_when)
    ):
        return english
    return SaysText(entry["fail"], entry["unknown"], entry["fail_when"], False)


def rule_text(lang: str, rule_id: str, title: str, remediation: str) -> RuleText:
    """A rule's texts in `lang`, each falling back to the English given when no current
    translation exists."""
    if lang == "en":
        return RuleText(title, remediation, False, False)
    entry = load_translations(lang).get(rule_id)
    if entry is None or entry.get("source") != source_stamp(title, remediation):
        return RuleText(title, remediation, True, True)
    return RuleText(
        entry.get("title", title),
        entry.get("remediation", remediation),
        "title" not in entry,
        "remediation" not in entry,
    )


def control_stamp(title: str) -> str:
    """The stamp of a catalogue control's English title."""
    return hashlib.sha256(title.encode()).hexdigest()[:16]


def _language_section(lang: str, file: str, key: str) -> tuple[str, dict[Any, Any]]:
    """Where a language's translation file is, and its `key:` section; empty when there is none."""
    where = f"rules/translations/{lang}/{file}"
    entry = rules_root().joinpath("translations").joinpath(lang).joinpath(file)
    if not entry.is_file():
        return where, {}
    return where, _section(where, entry.read_text(encoding="utf-8"), lang, key)


def _stamped_title(entry: dict[str, str] | None, title: str) -> tuple[str, bool]:
    """A translated title while its stamp matches the English `title`; else the English, marked."""
    if entry is None or entry.get("source") != control_stamp(title) or "title" not in entry:
        return title, True
    return entry["title"], False


@functools.cache
def load_requirement_texts(lang: str, file: str) -> dict[str, dict[str, Any]]:
    """The translated texts of requirements kept as data (`dpa.yaml`, `procurement.yaml`), by key."""
    _where, section = _language_section(lang, file, "requirements")
    return {str(k): v for k, v in section.items() if isinstance(v, dict)}


def dpa_requirement_text(lang: str, key: str, title: str, question: str) -> tuple[str, str, bool]:
    """A DPA requirement's title and question in `lang` while the translation's stamp matches the
    English (`source_stamp` of the two); else the English, and True."""
    entry = load_requirement_texts(lang, DPA_FILE).get(key) if lang != "en" else None
    if lang == "en":
        return title, question, False
    if not entry or entry.get("source") != source_stamp(title, question):
        return title, question, True
    return str(entry["title"]), " ".join(str(entry["question"]).split()), False


def tender_requirement_text(lang: str, key: str, text: str) -> tuple[str, bool]:
    """A tender requirement's text in `lang` while the translation's stamp matches the English
    (`control_stamp` of the text); else the English, and True."""
    if lang == "en":
        return text, False
    entry = load_requirement_texts(lang, TENDER_FILE).get(key)
    if not entry or entry.get("source") != control_stamp(text):
        return text, True
    return " ".join(str(entry["text"]).split()), False


@functools.cache
def load_control_titles(lang: str) -> dict[str, dict[str, str]]:
    """The translated titles of the catalogue's controls, by control ID, with their stamps."""
    where, section = _language_section(lang, CONTROLS_FILE, "controls")
    return {str(cid): _entry(where, f"controls.{cid}", texts, ("title",)) for cid, texts in section.items()}


def control_title(lang: str, control_id: str, title: str) -> tuple[str, bool]:
    """A control's title in `lang`, and whether it fell back to the English given."""
    if lang == "en":
        return title, False
    return _stamped_title(load_control_titles(lang).get(control_id), title)


@functools.cache
def load_checklist_titles(lang: str) -> dict[str, dict[str, str]]:
    """The translated headings of the question bank's checklists, by the part they are about,
    with their stamps (`control_stamp` of the English heading)."""
    where, section = _language_section(lang, QUESTIONS_FILE, "checklists")
    return {str(k): _entry(where, f"checklists.{k}", texts, ("title",)) for k, texts in section.items()}


def checklist_title(lang: str, under: str, title: str) -> tuple[str, bool]:
    """A checklist's heading in `lang`, and whether it fell back to the English given."""
    if lang == "en":
        return title, False
    return _stamped_title(load_checklist_titles(lang).get(under), title)


FRAMEWORK_FIELDS = ("name",)


def framework_stamp(name: str) -> str:
    """The stamp of a pack's English framework name (`framework:` of the pack)."""
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def _pack_entries(lang: str, key: str, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """One entry of every pack's translation file (`framework:`, `title:`), by pack."""
    out: dict[str, dict[str, str]] = {}
    for where, text in _pack_files(lang):
        data = yaml.safe_load(text)
        entry = data.get(key) if isinstance(data, dict) else None
        if entry is not None:
            out[str(data.get("pack"))] = _entry(where, key, entry, fields)
    return out


@functools.cache
def load_framework_names(lang: str) -> dict[str, dict[str, str]]:
    """The translated framework names of the packs (`framework:` of a pack's translation file), by
    pack, with their stamps."""
    return _pack_entries(lang, "framework", FRAMEWORK_FIELDS)


@functools.cache
def _framework_names_by_stamp(lang: str) -> dict[str, str]:
    """Each translated framework name by the stamp of its English name. Packs of one framework
    (the four GDPR packs) must name it alike: a report shows one name per framework."""
    out: dict[str, str] = {}
    for pack, entry in sorted(load_framework_names(lang).items()):
        stamp, name = entry.get("source"), entry.get("name")
        if stamp is None or name is None:
            continue
        if out.setdefault(stamp, name) != name:
            raise InputError.single(
                f"rules/translations/{lang}/{pack}.yaml",
                f"names its framework '{name}', another pack of the same framework '{out[stamp]}'",
                path="framework.name",
            )
    return out


def framework_name(lang: str, name: str) -> tuple[str, bool]:
    """A framework's display name in `lang` (the `framework` of a pack stays the key in the JSON),
    and whether it fell back to the English given: a user's own framework, or a shipped one whose
    English name changed since its translation was stamped."""
    if lang == "en":
        return name, False
    local = _framework_names_by_stamp(lang).get(framework_stamp(name))
    return (name, True) if local is None else (local, False)


def framework_label(lang: str, name: str) -> str:
    """A framework's display name in `lang`, or the name given where there is no translation."""
    return framework_name(lang, name)[0]


PACK_TITLE_FIELDS = ("text",)


@functools.cache
def load_pack_titles(lang: str) -> dict[str, dict[str, str]]:
    """The translated titles of the packs (`title:` of a pack's translation file: `text`, stamped
    with `framework_stamp` of the English title), by pack."""
    return _pack_entries(lang, "title", PACK_TITLE_FIELDS)


def pack_title(lang: str, pack: str, title: str) -> tuple[str, bool]:
    """A pack's title in `lang`, and whether it fell back to the English given."""
    if lang == "en":
        return title, False
    entry = load_pack_titles(lang).get(pack)
    if entry is None or entry.get("source") != framework_stamp(title) or "text" not in entry:
        return title, True
    return entry["text"], False


SETTING_FIELDS = ("label", "note")


def setting_stamp(label: str, note: str | None) -> str:
    """The stamp of a pack setting's English label and note."""
    return hashlib.sha256(f"{label}\x00{note or ''}".encode()).hexdigest()[:16]


@functools.cache
def load_setting_texts(lang: str) -> dict[tuple[str, str], dict[str, str]]:
    """The translated labels and notes of the packs' settings, by (pack, setting)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for where, text in _pack_files(lang):
        data = yaml.safe_load(text)
        settings = data.get("settings") if isinstance(data, dict) else None
        if settings is None:
            continue
        if not isinstance(settings, dict):
            raise InputError.single(where, "settings: must be a mapping of setting names")
        pack = str(data.get("pack"))
        for name, texts in settings.items():
            out[(pack, str(name))] = _entry(where, f"settings.{name}", texts, SETTING_FIELDS)
    return out


def setting_text(
    lang: str, pack: str, name: str, label: str, note: str | None
) -> tuple[str, str | None, bool]:
    """A setting's label and note in `lang`, and whether they fell back to the English given."""
    if lang == "en":
        return label, note, False
    entry = load_setting_texts(lang).get((pack, name))
    if entry is None or entry.get("source") != setting_stamp(label, note):
        return label, note, True
    return entry.get("label", label), entry.get("note", note), False


QUESTION_FIELDS = ("ask", "help", "why", "evidence")


def question_stamp(
    ask: str, help: str | None, why: str | None, choices: dict[str, str], evidence: str | None = None
) -> str:
    """The stamp of a question's English texts: the question, its help, why it is asked, the
    label of every answer, and the evidence that shows the answer."""
    labels = "\x00".join(f"{key}={label}" for key, label in sorted(choices.items()))
    text = f"{ask}\x00{help or ''}\x00{why or ''}\x00{labels}"
    if evidence is not None:
        text += f"\x00{evidence}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class QuestionText:
    """A question's texts in a language, and whether they fell back to English."""

    ask: str
    help: str | None
    why: str | None
    choices: dict[str, str]
    in_english: bool
    evidence: str | None = None


@functools.cache
def load_question_texts(lang: str) -> dict[str, dict[str, Any]]:
    """The translated questions of the question bank, by fact, with their stamps."""
    where, section = _language_section(lang, QUESTIONS_FILE, "questions")
    out: dict[str, dict[str, Any]] = {}
    for fact, texts in section.items():
        path = f"questions.{fact}"
        choices = texts.pop("choices", {}) if isinstance(texts, dict) else {}
        if not isinstance(choices, dict) or not all(
            isinstance(v, str) and v.strip() for v in choices.values()
        ):
            raise InputError.single(where, "choices must map each answer to a non-empty label", path=path)
        out[str(fact)] = {
            **_entry(where, path, texts, QUESTION_FIELDS),
            "choices": {_answer_key(k): str(v) for k, v in choices.items()},
        }
    return out


def _answer_key(value: Any) -> str:
    """An answer as text: YAML reads `true:` and `false:` as booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def question_text(
    lang: str,
    fact: str,
    ask: str,
    help: str | None,
    why: str | None,
    choices: dict[str, str],
    evidence: str | None = None,
) -> QuestionText:
    """A question's texts in `lang`, all in English (and marked so) unless a current translation
    of the whole entry exists: a question half in one language would be misread."""
    english = QuestionText(ask, help, why, dict(choices), lang != "en", evidence)
    if lang == "en":
        return QuestionText(ask, help, why, dict(choices), False, evidence)
    entry = load_question_texts(lang).get(fact)
    if entry is None or entry.get("source") != question_stamp(ask, help, why, choices, evidence):
        return english
    complete = "ask" in entry and all(
        (text is None) == (field not in entry)
        for field, text in (("help", help), ("why", why), ("evidence", evidence))
    )
    if not complete or set(entry["choices"]) != set(choices):
        return english
    return QuestionText(
        entry["ask"], entry.get("help"), entry.get("why"), entry["choices"], False, entry.get("evidence")
    )


@functools.cache
def load_vocabulary_titles(lang: str) -> dict[tuple[str, str], dict[str, str]]:
    """The translated titles of the vocabularies' terms, by (vocabulary, key), with their stamps."""
    where, section = _language_section(lang, VOCABULARY_FILE, "vocabulary")
    out: dict[tuple[str, str], dict[str, str]] = {}
    for name, terms in section.items():
        if not isinstance(terms, dict):
            raise InputError.single(
                where, "each vocabulary maps its keys to a title", path=f"vocabulary.{name}"
            )
        for key, texts in terms.items():
            out[(str(name), str(key))] = _entry(where, f"vocabulary.{name}.{key}", texts, ("title",))
    return out


def vocabulary_title(lang: str, vocabulary: str, key: str, title: str) -> tuple[str, bool]:
    """A vocabulary term's title in `lang`, and whether it fell back to the English given."""
    if lang == "en":
        return title, False
    return _stamped_title(load_vocabulary_titles(lang).get((vocabulary, key)), title)
