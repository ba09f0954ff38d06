"""Constrained types and the base model shared by every input model."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import WithJsonSchema

from compliance.core import vocabulary
from compliance.core.terminal import BIDI, CONTROL, SCHEMA_PATTERN, SEPARATORS

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$"),
    Field(description="A stable identifier: lower-case letters, digits, '.', '_' or '-'."),
]
# Characters a person's text never needs and that act on whoever reads it: C0 controls, DEL and
# the C1 controls (terminal escape sequences start with ESC or CSI; a carriage return overwrites a
# line), the bidirectional embeddings, overrides and isolates (which show text in another order
# than it is stored) and the line and paragraph separators. Tab and newline are allowed where text
# may run over several lines.
_UNSAFE_MULTI_LINE = re.compile(f"[{CONTROL}{BIDI}{SEPARATORS}]")
_UNSAFE_ONE_LINE = re.compile(f"[\t\n{CONTROL}{BIDI}{SEPARATORS}]")
# The schema says so too, so that a tool generating solution files from it writes valid text.
_PLAIN_TEXT_SCHEMA = Field(json_schema_extra={"pattern": SCHEMA_PATTERN})


def unsafe_character(value: str, *, multi_line: bool = True) -> str | None:
    """Why `value` is refused as a person's text (its first control or bidirectional character
    and where it is), or None when it is plain text."""
    found = (_UNSAFE_MULTI_LINE if multi_line else _UNSAFE_ONE_LINE).search(value)
    if found is None:
        return None
    char = found.group()
    kind = "a bidirectional control character" if re.fullmatch(f"[{BIDI}]", char) else "a control character"
    if char in "\u2028\u2029":
        kind = "a line or paragraph separator"
    return f"contains {kind} (U+{ord(char):04X}) at position {found.start() + 1}"


def _plain_text(value: str) -> str:
    problem = unsafe_character(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Text = Annotated[
    str, StringConstraints(min_length=1, max_length=20_000), AfterValidator(_plain_text), _PLAIN_TEXT_SCHEMA
]
# Names, references and short statements: also plain text, and a newline is allowed because a
# YAML literal block (`|`) keeps the line breaks a person wrote.
ShortText = Annotated[
    str, StringConstraints(min_length=1, max_length=500), AfterValidator(_plain_text), _PLAIN_TEXT_SCHEMA
]


def _vocab_checker(get: Any) -> Any:
    def check(value: str) -> str:
        vocab = get()
        if value not in vocab:
            raise ValueError(vocab.unknown_message(value))
        return value

    return check


class VocabRef:
    """Marks a string type as drawn from a vocabulary (read by the fact registry)."""

    def __init__(self, name: str, get: Any) -> None:
        self.name = name
        self.get = get

    def __repr__(self) -> str:
        return f"VocabRef({self.name!r})"


def _vocab_type(get: Any, description: str) -> Any:
    return Annotated[
        str,
        VocabRef(get.__name__, get),
        AfterValidator(_vocab_checker(get)),
        WithJsonSchema({"type": "string", "enum": get().keys(), "description": description}),
    ]


CategoryKey = _vocab_type(vocabulary.data_categories, "A data category (dotted key).")
SubjectKey = _vocab_type(vocabulary.data_subjects, "A category of data subjects.")
PurposeKey = _vocab_type(vocabulary.purposes, "A purpose of processing.")
SafeguardKey = _vocab_type(vocabulary.safeguards, "A safeguard or control.")
TechnologyKey = _vocab_type(vocabulary.technologies, "A technology the flow uses.")


def _check_country(value: str) -> str:
    known = vocabulary.countries().codes
    if value not in known:
        hint = vocabulary.suggest(value.upper(), known) if value.upper() != value else None
        if value.upper() in known:
            hint = value.upper()
        raise ValueError(
            f"unknown country code '{value}' (ISO 3166-1 alpha-2)"
            + (f" (did you mean '{hint}'?)" if hint else "")
        )
    return value


CountryCode = Annotated[
    str,
    VocabRef("countries", vocabulary.countries),
    AfterValidator(_check_country),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(vocabulary.countries().codes),
            "description": "ISO 3166-1 alpha-2 country code, e.g. DK, SE, US.",
        }
    ),
]

# ISO 8601 digits are ASCII: re.ASCII keeps other scripts' digits (which int() would read) out.
_DURATION = re.compile(
    r"^P(?!$)(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$",
    re.ASCII,
)


def duration_parts(value: str) -> dict[str, int] | None:
    """The numbers of an ISO 8601 duration by unit (y, mo, w, d, h, mi, s), None for 'indefinite'
    or a text that is not one."""
    match = _DURATION.match(value) if value != "indefinite" else None
    if match is None or any(v is not None and len(v) > _DURATION_DIGITS for v in match.groupdict().values()):
        return None
    return {k: int(v) for k, v in match.groupdict().items() if v}


def duration_days(value: str) -> float | None:
    """Days in an ISO 8601 duration (years as 365 days, months as 30); None for 'indefinite'."""
    if value == "indefinite":
        return None
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f"not an ISO 8601 duration: '{_shown(value)}'")
    # Long digit strings are refused before they are converted: Python will not convert more
    # than 4,300 digits, and a float cannot hold a day count of hundreds of digits.
    if any(v is not None and len(v) > _DURATION_DIGITS for v in match.groupdict().values()):
        raise ValueError(f"'{_shown(value)}' has a number of more than {_DURATION_DIGITS} digits")
    g = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    days = g["y"] * 365 + g["mo"] * 30 + g["w"] * 7 + g["d"] + g["h"] / 24 + g["mi"] / 1440 + g["s"] / 86400
    if days > MAX_DURATION_DAYS:
        raise ValueError(f"'{_shown(value)}' is longer than 10,000 years")
    return days


_DURATION_DIGITS = 9
MAX_DURATION_DAYS = 10_000 * 365


def _shown(value: str, limit: int = 40) -> str:
    """A value short enough to quote in a message."""
    return value if len(value) <= limit else value[:limit] + "..."


def _check_retention(value: str) -> str:
    if value != "indefinite":
        duration_days(value)
    return value


RetentionPeriod = Annotated[
    str,
    AfterValidator(_check_retention),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(indefinite|P(?!$)([0-9]{1,3}Y)?([0-9]{1,3}M)?([0-9]{1,3}W)?([0-9]{1,3}D)?(T(?=[0-9])([0-9]{1,3}H)?([0-9]{1,3}M)?([0-9]{1,3}S)?)?)$",
            "description": "An ISO 8601 duration such as P30D or P5Y, or 'indefinite'.",
        }
    ),
]


class SourceKind(StrEnum):
    """Where a fact comes from."""

    SUPPLIER_DECLARATION = "supplier_declaration"
    AUDITOR_CHECK = "auditor_check"
    DOCUMENT = "document"
    SCANNER = "scanner"
    INTERVIEW = "interview"


class Out(BaseModel):
    """Base of output models (the assessment, scanner runs): no unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Strict(BaseModel):
    """Base of every input model: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, validate_default=True)


class FactSource(Strict):
    """The source of a fact: who said it, or where it was checked."""

    kind: SourceKind
    asserted_by: ShortText | None = Field(
        None,
        description="Who asserts the fact (a person and organisation). In a solution file every source is "
        "the file author's declaration: 'auditor_check' here reads as declared as checked by this person.",
    )
    reference: ShortText | None = Field(None, description="Document, ticket or person.")
    checked_on: date | None = Field(None, description="When the fact was stated or checked.")


class FactModel(Strict):
    """A model whose facts may name their source: `sources` maps a field name, or `*` for every
    fact of the object, to where the fact comes from."""

    sources: dict[str, FactSource] = Field(
        default_factory=dict,
        description="Sources of facts, keyed by field name; the key '*' covers every fact of this object.",
    )

    # Not facts: where facts come from, identifiers, and the version of the file format.
    _not_facts: ClassVar[frozenset[str]] = frozenset({"sources", "id", "schema_version"})

    @model_validator(mode="after")
    def _sources_name_fields(self) -> FactModel:
        fields = set(type(self).model_fields) - self._not_facts
        for key in self.sources:
            if key != "*" and key not in fields:
                hint = vocabulary.suggest(key, fields)
                raise ValueError(
                    f"sources: '{key}' is not a field of this object"
                    + (f" (did you mean '{hint}'?)" if hint else "")
                )
        return self


_STEP = re.compile(r"([a-z_][a-z0-9_]*)(?:\[([^\]]+)\])?")


def value_at(document: Mapping[str, Any], path: str) -> Any:
    """The value a solution states at a fact path (`flows[readings].encryption.at_rest`: items of
    a list by their id, safeguards by their control); ValueError where the file states nothing."""
    node: Any = document
    for step in path.split("."):
        match = _STEP.fullmatch(step)
        if match is None or not isinstance(node, Mapping) or match[1] not in node:
            raise ValueError("the solution file states nothing there")
        node = node[match[1]]
        if match[2] is not None:
            key = "control" if match[1] == "safeguards" else "id"
            items = node if isinstance(node, list) else []
            node = next((i for i in items if isinstance(i, Mapping) and i.get(key) == match[2]), None)
            if node is None:
                raise ValueError(f"no item '{match[2]}' in {match[1]}")
    if node is None:
        raise ValueError("the solution file states nothing there")
    return node
