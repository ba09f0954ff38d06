"""A result in words: the rule's sentence for a failure or an unknown result, in the reader's
language, with the values that decided it and where they come from.

A rule's `says` (rules/packs, translated in rules/translations/<lang>/<pack>.yaml) holds its
sentences with placeholders: `{target}` for the flow, party or system, and a fact's name for its
value (`{party.country}`). A value is shown as a reader knows it: a country by its name, a choice
by its label from the question bank, a vocabulary term by its title, a duration in words, a
safeguard by how far it is in place; never as the code the solution file spells. The deciding
facts (`Finding.deciding`) choose the sentence of a rule that can fail on different facts
(`fail_when`) and the sources named after it. Field paths and the tests of the rule stay in the
JSON and the engineer's appendix.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from compliance.core import vocabulary
from compliance.core.explanations import explain
from compliance.core.facts import registry
from compliance.core.messages import N_
from compliance.core.models.assessment import Assessment, FactProvenance, Finding, Provenance
from compliance.core.models.common import duration_parts
from compliance.core.models.rules import PLACEHOLDER, Outcome, Says
from compliance.core.questions import bank
from compliance.core.translations import question_text, says_text, vocabulary_title
from compliance.outputs import i18n

# How far a safeguard is in place, as a sentence says it ("Key management is only planned").
SAFEGUARD_STATUS = {
    "implemented": N_("in place"),
    "partial": N_("only partly in place"),
    "planned": N_("only planned"),
    "absent": N_("not in place"),
}
FAILED = (Outcome.FAIL, Outcome.ACCEPTED)
SAID = (*FAILED, Outcome.UNKNOWN)


# Words that keep their capital inside a sentence: names the catalogs and vocabularies use.
PROPER = frozenset({"Bluetooth", "Zigbee", "Europa-Kommissionen", "Europeiska", "European", "Commission"})


def _label(text: str, lang: str) -> str:
    """A label inside a sentence: 'The person's consent' reads 'the person's consent', 'A
    contract' 'a contract'; a name keeps its capital ('Wi-Fi', 'ISO/IEC 27001', 'Denmark', 'EU')."""
    first = text.split(" ", 1)[0].strip(",.:;()")
    if not first or not first[0].isupper() or any(c.isupper() for c in first[1:]) or first in PROPER:
        return text
    if text.startswith(_territories(lang) + _territories("en")):
        return text
    return text[0].lower() + text[1:]


@functools.cache
def _territories(lang: str) -> tuple[str, ...]:
    """The countries' names in a language (CLDR): a label that starts with one keeps its capital."""
    from babel import Locale

    return tuple(str(name) for name in Locale.parse(lang).territories.values())


# Derived facts whose values have no question of their own: labelled from the question whose
# answers they take over, or here.
LABELS_FROM = {"party.incident_notice": "party.security.incident_notice_terms"}
DERIVED_LABELS = {
    "flow.further_purposes_ground": {
        "ungrounded": N_("without a ground"),
        "law_to_review": N_("resting on a law that a lawyer must review"),
        "grounded": N_("grounded"),
    },
}


def _item_text(fact: str, value: Any, lang: str) -> str:
    spec = registry().get(fact)
    text = str(value)
    if spec is not None and spec.vocab == "countries":
        return i18n.country_names([text], lang)
    if spec is not None and spec.vocab is not None:
        term = getattr(vocabulary, spec.vocab)().terms.get(text)
        if term is not None:
            return _label(vocabulary_title(lang, spec.vocab, text, term.title)[0], lang)
    if text in DERIVED_LABELS.get(fact, {}):
        return i18n.translator(lang).gettext(DERIVED_LABELS[fact][text])
    asked = LABELS_FROM.get(fact, fact)
    entry = bank().get(asked)
    if entry is not None and text in entry.choices:
        translated = question_text(
            lang, asked, entry.ask, entry.help, entry.why, entry.choices, entry.evidence
        )
        return _label(translated.choices.get(text, entry.choices[text]), lang)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return i18n.number(value, lang)
    if duration_parts(text) or text == "indefinite":
        return i18n.duration(text, lang)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return i18n.date(text, lang)
    return text


def value_text(fact: str, value: Any, lang: str) -> str:
    """A fact's value in words in `lang`, as a sentence shows it."""
    gettext = i18n.translator(lang).gettext
    if value is None:
        return gettext("not stated")
    if fact.startswith("safeguards.") and str(value) in SAFEGUARD_STATUS:
        return gettext(SAFEGUARD_STATUS[str(value)])
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        if not value:
            return gettext("none")
        from babel.lists import format_list

        return format_list([_item_text(fact, v, lang) for v in value], locale=lang)
    return _item_text(fact, value, lang)


def _values(f: Finding) -> dict[str, Any]:
    """The value of each fact the result read, by name (the first test of a fact has it)."""
    out: dict[str, Any] = {}
    for test in f.facts:
        out.setdefault(test.fact, test.value)
    return out


def fill(template: str, f: Finding, lang: str, names: list[str] | None = None) -> str:
    """A sentence with its placeholders filled in: the target's name (or the names given, for a
    line of the report that stands for several targets with the same values) and the facts'
    values."""
    values = _values(f)

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "target":
            if names:
                return _names(names, lang)
            return f.target.name if f.target is not None else i18n.translator(lang).gettext("the solution")
        return value_text(name, values.get(name), lang)

    text = re.sub(PLACEHOLDER, one, template.strip())
    return text[:1].upper() + text[1:]


# A line for many targets names this many of them and counts the rest.
NAMED = 4


def _names(names: list[str], lang: str) -> str:
    from babel.lists import format_list

    if len(names) <= NAMED:
        return format_list(names, locale=lang)
    rest = i18n.translator(lang).gettext("{n} others").format(n=len(names) - NAMED + 1)
    return format_list([*names[: NAMED - 1], rest], locale=lang)


# An unknown result whose requirement is decided and whose applicability is not.
APPLIES_UNKNOWN = N_(
    "Whether this requirement applies to {target} is not known yet: nobody has stated the facts "
    "that decide it (the open questions name them)."
)


def applies_unknown_only(f: Finding) -> bool:
    """Whether a result is unknown only because nobody has stated whether the rule applies."""
    return bool(f.applies_unknown) and not any(t.part != "applies_when" and t.result is None for t in f.facts)


def templates(f: Finding, says: Says, lang: str) -> tuple[list[str], bool]:
    """The sentences that say a result (a failure: one per deciding fact that has its own, else
    the rule's), and whether they fell back to English."""
    text = says_text(lang, f.rule_id, says.fail, says.unknown, says.fail_when)
    if f.status is Outcome.UNKNOWN:
        if applies_unknown_only(f):
            return [i18n.translator(lang).gettext(APPLIES_UNKNOWN)], False
        return [text.unknown], text.in_english
    own = [text.fail_when[fact] for fact in f.deciding if fact in text.fail_when]
    return (list(dict.fromkeys(own)) or [text.fail]), text.in_english


def sources(f: Finding, lang: str) -> str:
    """Where the facts that decided a result come from, in plain words: who stated or checked
    them, on what evidence and when."""
    if f.status not in FAILED:
        return ""  # only a failure's sentence names them
    gettext = i18n.translator(lang).gettext
    deciding = set(f.deciding)
    parts: list[str] = []
    for item in f.provenance:
        if item.fact not in deciding or item.kind is Provenance.DERIVED:
            continue
        text = source_text(item, lang)
        if text not in parts:
            parts.append(text)
    return gettext("Source: {sources}.").format(sources="; ".join(parts)) if parts else ""


def source_text(item: FactProvenance, lang: str) -> str:
    """One fact's source in plain words: who stated or checked it, on what evidence, when."""
    gettext = i18n.translator(lang).gettext
    kind = item.kind
    if kind is Provenance.SCANNER_RUN:
        text = gettext("a scan this tool ran")
    elif kind is Provenance.SUPPLIER_SCAN:
        text = gettext("scan results the supplier handed in")
    elif kind is Provenance.ASSESSOR_CHECKED:
        text = gettext("checked by {who}").format(who=item.by or gettext("the assessor"))
    elif kind is Provenance.DECLARED_CHECKED:
        text = gettext("stated as checked by {who}").format(who=item.by or gettext("an unnamed person"))
    else:
        text = (
            gettext("stated by {who}").format(who=item.by)
            if item.by
            else gettext("stated in the solution file")
        )
    if item.reference:
        text += f" ({item.reference})"
    if item.on is not None and not any(i18n.date(item.on, x) in (item.reference or "") for x in (lang, "en")):
        text += ", " + i18n.date(item.on, lang)
    return text


def say(f: Finding, a: Assessment, lang: str, names: list[str] | None = None) -> tuple[str, bool] | None:
    """What a failed or unknown result says to a reader, in `lang`, with the sources of the facts
    that decided it; and whether the sentence fell back to English. None for other outcomes."""
    info = a.rules.get(f.rule_id)
    return say_with(f, info.says if info is not None else None, lang, names)


def say_with(
    f: Finding, says: Says | None, lang: str, names: list[str] | None = None
) -> tuple[str, bool] | None:
    """`say` with the rule's sentences given."""
    if f.status not in SAID:
        return None
    gettext = i18n.translator(lang).gettext
    if f.withheld:
        # A public edition: a sentence would give the withheld values away.
        items = ", ".join(f"[withheld {n}]" for n in f.withheld)
        return gettext("This result rests on information withheld from this edition ({items}).").format(
            items=items
        ), False
    if says is None:
        # A rule of a user's own pack without sentences: said from its title, never its tests.
        about = f" ({_names(names, lang) if names else f.target.name})" if f.target is not None else ""
        frame = (
            gettext("Nobody has stated what decides this requirement{about}.")
            if f.status is Outcome.UNKNOWN
            else gettext("This requirement is not met{about}.")
        )
        return frame.format(about=about), False
    chosen, in_english = templates(f, says, lang)
    text = " ".join(fill(t, f, "en" if in_english else lang, names) for t in chosen)
    if f.status in FAILED:
        named = sources(f, lang)
        if named:
            text += " " + named
    return text, in_english


def reader_text(f: Finding, a: Assessment, lang: str, names: list[str] | None = None) -> tuple[str, bool]:
    """A result's explanation for a reader who is not an engineer: for a failure or an unknown
    result the rule's sentence; for others the engine's explanation without the tests it ran
    (those are in the engineer's appendix and the JSON). And whether it fell back to English."""
    rule = a.rules.get(f.rule_id)
    risk = f.accepted_risk
    expired = risk.expires if risk is not None and risk.expired else None
    gettext = i18n.translator(lang).gettext
    said = say(f, a, lang, names)
    if said is None:
        text = explain(
            f.status,
            [],
            effective_from=f.effective_from,
            effective_until=rule.effective_until if rule is not None else None,
            risk_expired_on=expired,
            review=f.review,
            would_be=f.would_be,
            tr=i18n.translator(lang),
            date_text=lambda d: i18n.date(d, lang),
        )
        return text, False
    text, in_english = said
    if f.status is Outcome.ACCEPTED:
        text += " " + gettext("The failure is covered by an accepted risk.")
    if expired is not None:
        text += " " + gettext("An accepted risk for this rule expired on {date}.").format(
            date=i18n.date(expired, lang)
        )
    return text, in_english
