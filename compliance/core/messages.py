"""The tool's own sentences, said in English here and in Danish or Swedish by the outputs.

The core writes its sentences (DPIA reasons, control explanations, explanations of results) in
English, with message IDs that are the English text itself, GNU gettext style. A sentence that
holds changing parts is a `Message`: its template (the message ID, with `{name}` placeholders),
its arguments and its English text. The assessment keeps all three, so that a report rendered
later from the saved JSON can say the same sentence in another language through the message
catalogs in `locale/` (see `compliance.outputs.i18n`).

Functions that phrase sentences take a `Translator`; `ENGLISH` is the identity. The core never
loads a catalog itself: it only marks its message IDs (`N_`, `tr.gettext`, `tr.ngettext`) so that
extraction finds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class Translator(Protocol):
    """What phrasing needs of a message catalog (gettext.NullTranslations has both)."""

    def gettext(self, message: str, /) -> str:
        """The translation of `message`."""
        ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        """The translation of `singular` or `plural`, chosen for `n`."""
        ...

    def pgettext(self, context: str, message: str, /) -> str:
        """The translation of `message` in `context` (a word the catalogs use in two senses)."""
        ...


class _English:
    """The identity translator: message IDs are English."""

    def gettext(self, message: str, /) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return singular if n == 1 else plural

    def pgettext(self, context: str, message: str, /) -> str:
        return message


ENGLISH: Translator = _English()


def N_(message: str) -> str:  # noqa: N802 (the usual gettext name)
    """Mark a message ID for extraction without translating it here."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    """Mark a message ID with its plural form for extraction (`say_n(*NP_(...), n)`)."""
    return singular, plural


Format = Literal["date", "controls"]


class Message(BaseModel):
    """A sentence of the tool: the English `text`, the `id` it was made from (a gettext message
    ID with `{name}` placeholders) and its `args`. `plural` and `n` are set where the sentence
    depends on a number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(description="The sentence in English.")
    id: str = Field(description="The message ID: the English template, with {name} placeholders.")
    args: dict[str, Argument] = Field(
        default_factory=dict,
        description="The values of the placeholders: text, numbers, lists, or sentences of their own.",
    )
    plural: str | None = Field(default=None, description="The plural template, where the sentence counts.")
    n: int | None = Field(default=None, description="The count that chooses singular or plural.")
    formats: dict[str, Format] = Field(
        default_factory=dict,
        description="Arguments that are not said as they are: 'date' (an ISO date, written as the "
        "language writes dates) or 'controls' (catalogue control IDs, named with their titles).",
    )

    def __str__(self) -> str:
        return self.text


Argument = str | int | float | list[str] | Message | list[Message] | None
Message.model_rebuild()


def say(template: str, /, formats: dict[str, Format] | None = None, **args: Argument) -> Message:
    """A sentence from a marked template (`N_("...")`) and its arguments; `formats` names the
    arguments that are message IDs or dates."""
    return Message(text=fill(template, args), id=template, args=dict(args), formats=formats or {})


def say_n(
    singular: str, plural: str, n: int, /, formats: dict[str, Format] | None = None, **args: Argument
) -> Message:
    """A sentence that depends on the number `n` (passed to the template as `{n}` too)."""
    values: dict[str, Argument] = {"n": n, **args}
    text = fill(singular if n == 1 else plural, values)
    return Message(text=text, id=singular, args=values, plural=plural, n=n, formats=formats or {})


def fill(template: str, args: Mapping[str, Any]) -> str:
    """The template with its placeholders filled in, lists joined with commas (English)."""
    return template.format(**{k: _plain(v) for k, v in args.items()})


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, Message):
        return value.text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
