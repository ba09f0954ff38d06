"""The control catalogue as data: frameworks, their controls, and the crosswalk between them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from compliance.core.models.common import ShortText, Strict, Text

ControlId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9.]+)+$", max_length=64),
    Field(description="Stable control ID, e.g. NIS2-21-2-J, ISO27001-A.8.5, ETSI-303645-5.1."),
]
FrameworkId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]


class Relation(StrEnum):
    """How one control relates to another in the crosswalk.

    equivalent: the two require the same thing; met or not met carries across, both ways.
    subset: the first covers part of the second; the first met makes the second at most partial.
    related: the two overlap; nothing carries across, the mapping is a pointer for the reader.
    """

    EQUIVALENT = "equivalent"
    SUBSET = "subset"
    RELATED = "related"


class Control(Strict):
    """One control (a provision, a requirement or an Annex A control) of a framework."""

    id: ControlId
    citation: ShortText = Field(description="The provision as rules cite it, e.g. 'NIS2 Art. 21(2)(j)'.")
    title: ShortText = Field(description="A short title in our own words.")
    group: ShortText | None = Field(None, description="The part of the framework it belongs to.")
    description: Text | None = Field(None, description="What it asks for, in our own words.")


class Framework(Strict):
    """A framework: a law or a standard, with the provisions its rules may cite."""

    id: FrameworkId
    name: ShortText = Field(description="The name findings use for it, as the rule packs' `framework`.")
    title: ShortText
    kind: Annotated[str, StringConstraints(pattern=r"^(law|standard)$")]
    source: Text = Field(description="The official text or standard edition the catalogue follows.")
    citation_prefix: ShortText = Field(description="How its citations begin, e.g. 'NIS2 '.")
    provisions: list[ShortText] = Field(
        default_factory=list,
        description="Further provisions rules may cite that are not controls of their own.",
    )


class ControlFile(Strict):
    """One file of the catalogue: a framework and its controls."""

    framework: Framework
    controls: list[Control]


class Mapping(Strict):
    """One crosswalk entry: `source` relates to `target` as `relation` says."""

    source: ControlId
    target: ControlId
    relation: Relation
    note: ShortText | None = None


class Crosswalk(Strict):
    """The crosswalk file."""

    mappings: list[Mapping]
