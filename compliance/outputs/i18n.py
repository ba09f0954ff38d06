"""The tool's own texts in English, Danish and Swedish, from GNU gettext catalogs.

Two kinds of translated text, each with one home:

- texts that belong to data (rule titles and remediations, control titles, later questions and
  vocabulary labels) live beside the data in stamped YAML translations
  (`compliance.core.translations`);
- the tool's own texts (the summary, the report's frame and headings, the engine's sentences,
  CLI messages) are English message IDs in the code and templates, translated in
  `locale/<lang>/LC_MESSAGES/compliance.po`. `scripts/catalogs.py` extracts them, updates the
  catalogs and compiles them; the bootstrap script and the wheel build compile the `.mo` files.

Numbers and dates are formatted per language with Babel (decimal comma in Danish and Swedish).
"""

from __future__ import annotations

import datetime
import functools
import gettext
import math
import os
from collections.abc import Callable, Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

from compliance.core.messages import Message, Translator
from compliance.core.resources import locale_root

DOMAIN = "compliance"
LANGUAGES = ("en", "da", "sv")
BABEL_LOCALES = {"en": "en_GB", "da": "da_DK", "sv": "sv_SE"}


@functools.cache
def translator(lang: str) -> Translator:
    """The catalog of a language; English is the message IDs themselves."""
    if lang not in LANGUAGES:
        raise ValueError(f"no texts for language '{lang}' (available: {', '.join(LANGUAGES)})")
    if lang == "en":
        return gettext.NullTranslations()
    folder = Path(str(locale_root().joinpath(lang, "LC_MESSAGES")))
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    # A source checkout whose catalogs were edited since they were compiled: compile in memory.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


LARGEST_FORMATTED = 10**15


def number(value: float | int, lang: str) -> str:
    """A number as the language writes it (98.4, 98,4); whole numbers without decimals."""
    from babel.numbers import format_decimal

    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if abs(value) >= LARGEST_FORMATTED:
        # No count of this tool comes near; a crafted assessment may carry one, and Babel's
        # rounding cannot handle such a number: it is written plainly.
        return f"{value:.6g}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(format_decimal(value, format="#,##0.##", locale=BABEL_LOCALES[lang]))


def date(value: datetime.date | str, lang: str) -> str:
    """A date as the language writes it: 1 December 2026, 1. december 2026, 1 december 2026."""
    from babel.dates import format_date

    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return str(format_date(value, format="long", locale=BABEL_LOCALES[lang]))


def say(message: Message, lang: str, *, control_name: Callable[[str], str] | None = None) -> str:
    """A sentence of the core in the language: numbers and dates written as the language writes
    them, sentences inside it said in it too, and catalogue controls named by `control_name`."""
    if lang == "en" and control_name is None:
        return message.text
    tr = translator(lang)
    if message.plural is not None and message.n is not None:
        template = tr.ngettext(message.id, message.plural, message.n)
    else:
        template = tr.gettext(message.id)
    args: dict[str, str] = {}
    for key, value in message.args.items():
        kind = message.formats.get(key)
        if kind == "date" and isinstance(value, str):
            args[key] = date(value, lang)
        elif kind == "controls" and isinstance(value, list):
            args[key] = ", ".join(control_name(str(v)) if control_name else str(v) for v in value)
        else:
            args[key] = _argument(value, lang, control_name)
    return template.format(**args)


def _argument(value: Any, lang: str, control_name: Callable[[str], str] | None) -> str:
    if isinstance(value, Message):
        return say(value, lang, control_name=control_name)
    if isinstance(value, list):
        return ", ".join(_argument(v, lang, control_name) for v in value)
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return number(value, lang)
    return str(value)


def translate_tree(texts: Any, lang: str) -> Any:
    """A nested dict or list of English texts, each translated (keys kept)."""
    tr = translator(lang)
    if isinstance(texts, str):
        return tr.gettext(texts)
    if isinstance(texts, Mapping):
        return {k: translate_tree(v, lang) for k, v in texts.items()}
    if isinstance(texts, list | tuple):
        return [translate_tree(v, lang) for v in texts]
    return texts


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of the CLI's own messages, from the locale environment as gettext reads it
    (LANGUAGE, LC_ALL, LC_MESSAGES, LANG); English when none names Danish or Swedish."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if not value:
            continue
        for part in value.split(":"):
            code = part.split("_")[0].split(".")[0].lower()
            if code in LANGUAGES:
                return code
            if code in ("c", "posix"):
                return "en"
        return "en"
    return "en"


_DURATION_UNITS = {
    "y": "duration-year",
    "mo": "duration-month",
    "w": "duration-week",
    "d": "duration-day",
    "h": "duration-hour",
    "mi": "duration-minute",
    "s": "duration-second",
}


def duration(value: str, lang: str) -> str:
    """An ISO 8601 duration in words (`P1Y6M`: "1 year, 6 months"; "1 år, 6 måneder"), or
    "indefinitely"; a text that is not a duration is shown as it is."""
    from babel.units import format_unit

    from compliance.core.models.common import duration_parts

    if value == "indefinite":
        return translator(lang).gettext("indefinitely")
    parts = duration_parts(value)
    if not parts:
        return value
    return ", ".join(
        format_unit(n, _DURATION_UNITS[unit], length="long", locale=lang)
        for unit, n in parts.items()
        if unit in _DURATION_UNITS
    )


def country_names(codes: list[str] | tuple[str, ...], lang: str) -> str:
    """Country codes as their names in `lang` (Babel's CLDR data), in the order given."""
    from babel import Locale

    names = Locale.parse(lang).territories
    return ", ".join(str(names.get(code, code)) for code in codes)
