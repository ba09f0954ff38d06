"""Upgrading solution files to the current version of the format: the steps, as data and code, and
a rewrite that keeps comments, key order, quoting and layout.

A solution file names the version of the format it was written for in `schema_version` (none: the
first version). Each change of the format that would make an older file fail, or read differently,
raises `CURRENT_SCHEMA_VERSION` (in `compliance.core.models.solution`) and adds a `Step` to `STEPS`
here, with a test that upgrades and loads a file of the old version. A step says what it replaces
(for messages), how to tell whether an old file loads unchanged (for the loader), and how to upgrade
a document in place (for `compliance upgrade`).

The file is always read by the safe loader first (size limits, alias bombs, duplicate keys), so
hostile input is refused with the usual located errors before ruamel.yaml parses it for the round
trip. JSON files are rewritten as JSON. A value without a faithful form in the new version is never
reinterpreted: it stays as it is, marked `# compliance upgrade: ...` (YAML) and listed.
"""

from __future__ import annotations

import codecs
import difflib
import io
import json
import re
import shlex
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from compliance.core.errors import InputError, Problem, SolutionError
from compliance.core.models import solution as solution_model
from compliance.core.models.solution import Solution
from compliance.core.validation import validate_located
from compliance.core.yamlio import Located, Path_, format_path, load_text
from compliance.inputs.files import DEFAULT_MAX_BYTES, read_text

MARK = "compliance upgrade:"
"""The start of the comment that marks a value left for a person to decide."""

VERSION_FIELD = "schema_version"


# ---------------------------------------------------------------------------------------------
# The steps


@dataclass(frozen=True)
class Obstacle:
    """Why a file of an older version cannot be loaded unchanged: the field, and what changed."""

    path: Path_
    message: str


@dataclass(frozen=True)
class Edit:
    """One thing a step did to a document: a change, or a value left as it was for a person to decide."""

    path: Path_
    message: str
    decision: bool = False
    at: Path_ | None = None  # where to locate it in the file as it was, when not at `path` (a new field)


class Edits:
    """What the steps did to one document, in order. A value left for a decision is also marked
    with a `# compliance upgrade: ...` comment on its line (YAML only: JSON has no comments)."""

    def __init__(self, doc: Any, file: str = "") -> None:
        self.doc = doc
        self.file = file  # the solution file, for messages that name a file beside it
        self.done: list[Edit] = []

    def changed(self, path: Path_, message: str) -> None:
        """Record a change made at `path`."""
        self.done.append(Edit(tuple(path), message))

    def undecided(self, path: Path_, message: str, at: Path_ | None = None) -> None:
        """Leave the value at `path` as it is, mark it, and record what a person must decide (`at`:
        the field of the file as it was to locate it by, for a field a step added)."""
        if isinstance(self.doc, CommentedBase):
            _mark(self.doc, tuple(path), message)
        self.done.append(Edit(tuple(path), message, decision=True, at=None if at is None else tuple(at)))

    def moved_out(self, path: Path_, message: str) -> None:
        """Record that the value at `path` (of the file as it was) left the file and waits for a
        person to record it elsewhere: listed, never marked, since it is no longer there."""
        self.done.append(Edit(tuple(path), message, decision=True))


def _no_obstacles(data: Mapping[str, Any]) -> list[Obstacle]:
    return []


@dataclass(frozen=True)
class Step:
    """One step of the format, from `version` to `version + 1`.

    `replaces` maps each field pattern the step renames or splits (`flows[].retention_days`; `[]`
    stands for every item of a list) to what replaces it, for messages. `apply` upgrades a document
    in place (a ruamel.yaml round-trip mapping, or plain dicts for JSON) and records every change in
    the `Edits`. `check` finds, in the plain data of a file of `version`, what the new version would
    read differently (an omitted field that now means something else, an old value with a new
    meaning); the fields in `replaces` are found without it.
    """

    version: int
    description: str
    apply: Callable[[Any, Edits], None]
    replaces: Mapping[str, str] = field(default_factory=dict)
    check: Callable[[Mapping[str, Any]], list[Obstacle]] = _no_obstacles

    def obstacles(self, data: Mapping[str, Any]) -> list[Obstacle]:
        """What keeps a file of `version` from loading unchanged under `version + 1` (none: it loads)."""
        found = [
            Obstacle(
                path,
                f"version {self.version + 1} of the solution format replaces this field with "
                f"{_concrete(new, [p for p in path if isinstance(p, int)])}",
            )
            for old, new in self.replaces.items()
            for path in find(data, old)
        ]
        return found + list(self.check(data))


def _version_1_obstacles(data: Mapping[str, Any]) -> list[Obstacle]:
    # The DPIA screening of version 2 (docs/dpia.md) no longer counts as large scale, or as highly
    # personal, what version 1 did: such a value would weaken the screening silently. (Where
    # version 2 reads more strictly, the screening itself shows it: unknown criteria ask for facts.)
    from compliance.core import vocabulary
    from compliance.core.facts import LARGE_SCALE_SUBJECTS, large_scale

    def number(value: Any) -> bool:
        return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))

    def large_in_version_1(scale: Mapping[str, Any]) -> bool:
        subjects = scale.get("subjects")
        counted = isinstance(subjects, int) and subjects >= LARGE_SCALE_SUBJECTS
        return counted or scale.get("extent") in ("regional", "national", "cross_border")

    def weaker_in_version_2(scale: Mapping[str, Any]) -> bool:
        # a value that is not a number is the validation's to report, where it is
        if not (number(scale.get("subjects")) and number(scale.get("population_share"))):
            return False
        return large_in_version_1(scale) and large_scale(dict(scale)) is not True

    categories = vocabulary.data_categories()
    dpia: list[Obstacle] = []
    flows = data.get("flows")
    for i, flow in enumerate(flows if isinstance(flows, list) else []):
        if not isinstance(flow, Mapping):
            continue
        scale = flow.get("scale")
        if isinstance(scale, Mapping) and weaker_in_version_2(scale):
            subjects = scale.get("subjects")
            dpia.append(
                Obstacle(
                    ("flows", i, "scale", "extent"),  # the extent version 1 read as large
                    f"version 1 of the solution format read this scale ({scale.get('extent')} extent, "
                    f"{'no number of' if subjects is None else subjects} people) as large scale (WP248 criterion 5); "
                    "version 2 decides it by the number of people (at least 5,000; between 1,000 and "
                    "5,000 where they are at least a tenth of the relevant population, `population_share`), "
                    "never by the extent alone: state the number, and the share where it is between",
                )
            )
        cats = flow.get("data_categories")
        if isinstance(cats, list) and "user.financial" in cats:
            others = [c for c in cats if isinstance(c, str) and c in categories and c != "user.financial"]
            if not any(categories.has_flag(c, "highly_personal") for c in others):
                dpia.append(
                    Obstacle(
                        ("flows", i, "data_categories", cats.index("user.financial")),
                        "version 1 of the solution format counted `user.financial` as highly personal "
                        "data (WP248 criterion 4); version 2 counts only financial data that might be "
                        "used for payment fraud (`user.financial.payment`, `user.financial.bank_account`) "
                        "and income and benefits (`user.financial.income`): name the specific category, "
                        "or keep `user.financial` if none of them applies",
                    )
                )
    if "standards" in data:
        return dpia
    return [
        *dpia,
        Obstacle(
            (),
            "standards: version 1 of the solution format read a file without `standards` as assessed "
            "against every voluntary standard; version 2 reads it as not stated (the assessment asks)",
        ),
    ]


STANDARDS_NOTE = "version 1 assessed against every standard when this was left out; keep those that apply"


def _state_every_standard(doc: Any, edits: Edits) -> None:
    """Write out what version 1 read an omitted `standards` as: every voluntary standard; leave the
    DPIA facts that version 2 reads more weakly marked for a person to decide."""
    for obstacle in _version_1_obstacles(doc):
        if obstacle.path:  # a DPIA fact (`standards` itself is written out below)
            edits.undecided(obstacle.path, obstacle.message)
    if "standards" in doc:
        return
    every = [s.value for s in solution_model.Standard]
    anchor = next((k for k in ("jurisdiction", "lifecycle_stage", "description", "name") if k in doc), None)
    position = list(doc).index(anchor) + 1 if anchor is not None else len(doc)
    if isinstance(doc, CommentedMap):
        value = CommentedSeq(every)
        value.fa.set_flow_style()
        doc.insert(position, "standards", value)
        doc.yaml_set_comment_before_after_key("standards", before=STANDARDS_NOTE, indent=0)
    else:
        items = list(doc.items())
        items.insert(position, ("standards", every))
        doc.clear()
        doc.update(items)
    edits.changed(("standards",), f"added {', '.join(every)}: {STANDARDS_NOTE}")


# Version 2 -> 3: a flow's laws are structured, the Art. 9 law apart; accepted risks leave the file.

LAW_KINDS = "specific, general, unwritten or none"
ART9_LAW_POINTS = ("b", "g", "h", "i", "j")
"""The Art. 9(2) points whose rules read the law the condition rests on (`art9_law` since version 3)."""

LAW_NOTE = (
    "version 3 states this law as an object: keep the act (name and number) here, and state the "
    f"provision and its kind: {LAW_KINDS}"
)


def _art9_note(point: str) -> str:
    return (
        f"version 2 read legal_basis_law as the law of Art. 9(2)({point}) too; version 3 keeps that law "
        "apart: keep here only the law that allows the sensitive data, and state its provision and its "
        f"kind: {LAW_KINDS}"
    )


def _text_laws(data: Any) -> list[Path_]:
    """The paths of every flow's `legal_basis_law` given as text (version 2's form)."""
    return [p for p in find(data, "flows[].legal_basis_law") if isinstance(value_at(data, p), str)]


def _version_2_obstacles(data: Mapping[str, Any]) -> list[Obstacle]:
    return [
        Obstacle(
            path,
            "version 3 of the solution format states this law as an object (act, provision and its kind: "
            f"{LAW_KINDS}), and the law of an Art. 9(2) condition apart, as art9_law",
        )
        for path in _text_laws(data)
    ]


def _decisions_file(edits: Edits) -> str:
    return f"{Path(edits.file).stem}.decisions.yaml" if edits.file else "SOLUTION.decisions.yaml"


def _structure_laws(doc: Any, edits: Edits) -> None:
    """Carry each law given as text into `{act: TEXT}`, marked for the provision and kind; where the
    flow's Art. 9(2) condition rests on a law, copy the text to `art9_law` too, marked for a person
    to keep only that law there; take accepted risks out of the file, listing each for the assessor's
    decisions file."""
    for path in _text_laws(doc):
        flow = value_at(doc, path[:-1])
        text = flow["legal_basis_law"]
        flow["legal_basis_law"] = _law_object(flow, "legal_basis_law", text)
        edits.undecided(path, LAW_NOTE)
        point = flow.get("art9_condition")
        if point in ART9_LAW_POINTS and "art9_law" not in flow:
            _insert_after(flow, "art9_condition", "art9_law", _law_object(flow, None, str(text)))
            edits.undecided(
                (*path[:-1], "art9_law"), _art9_note(str(point)), at=(*path[:-1], "art9_condition")
            )
    risks = doc.get("accepted_risks")
    if "accepted_risks" not in doc:
        return
    target = _decisions_file(edits)
    for i, risk in enumerate(risks if isinstance(risks, list) else []):
        what = _risk_summary(risk) if isinstance(risk, Mapping) else "an entry"
        edits.moved_out(
            ("accepted_risks", i),
            f"removed {what}: version 3 keeps accepted risks out of the solution file; if it still "
            f"stands, the assessor records it in {target} beside the solution, under accepted_risks, "
            "with approved_by as the approver's name and organisation",
        )
    del doc["accepted_risks"]
    edits.changed(("accepted_risks",), f"removed: accepted risks are recorded by the assessor in {target}")


def _risk_summary(risk: Mapping[str, Any]) -> str:
    parts = [f"{risk.get('rule')}"]
    if risk.get("target") is not None:
        parts.append(f"for {risk['target']}")
    if risk.get("approved_by") is not None:
        parts.append(f"approved by {risk['approved_by']}")
    if risk.get("expires") is not None:
        parts.append(f"until {risk['expires']}")
    return " ".join(parts)


def _law_object(flow: Any, key: str | None, text: Any) -> Any:
    """`{act: TEXT}` in the file's own style: a block mapping for a folded or literal text, else a
    flow mapping on the line where the text stood (with `key`'s own comment kept on that line)."""
    if not isinstance(flow, CommentedMap):
        return {"act": str(text)}
    law = CommentedMap()
    law["act"] = text
    if not isinstance(text, (FoldedScalarString, LiteralScalarString)):
        law.fa.set_flow_style()
    entry = flow.ca.items.get(key) if key is not None else None
    if entry is not None and len(entry) > 3 and entry[3]:
        # a comment after a block text's indicator (`key: >-  # note`): keep it on the key's line
        note = " ".join(str(c).strip() for c in entry[3] if str(c).strip())
        entry[3] = None
        if note:
            flow.yaml_add_eol_comment(note, key)
    return law


def _insert_after(mapping: Any, after: str, key: str, value: Any) -> None:
    keys = list(mapping)
    position = keys.index(after) + 1 if after in keys else len(keys)
    if isinstance(mapping, CommentedMap):
        mapping.insert(position, key, value)
        return
    items = list(mapping.items())
    items.insert(position, (key, value))
    mapping.clear()
    mapping.update(items)


# ---------------------------------------------------------------------------------------------
# Step 3 -> 4 (issue 16: facts that decide real cases). One part per subject; each part has an
# `apply` (upgrading a document in place, recording its edits) and a `check` (what a version-3
# file would mean differently under version 4). The step runs every part in this order.


NO_PARENT_AGE = 0
"""The age version 3 took for "no parent is asked at any age"; version 4 writes `none`."""

OLD_FURTHER_FIELDS = ("ground", "compatibility_assessed")
"""The fields of `further_processing` that version 3 stated once for every further purpose."""


def _flows(data: Any) -> Iterator[tuple[int, Any]]:
    flows = data.get("flows") if isinstance(data, Mapping) else None
    for i, flow in enumerate(flows if isinstance(flows, list) else []):
        if isinstance(flow, Mapping):
            yield i, flow


def _parental_zero(flow: Mapping[str, Any]) -> bool:
    consent = flow.get("consent")
    age = consent.get("parental_authorisation_below_age") if isinstance(consent, Mapping) else None
    return isinstance(age, int) and not isinstance(age, bool) and age == NO_PARENT_AGE


def _old_further(flow: Mapping[str, Any]) -> list[str]:
    further = flow.get("further_processing")
    return [k for k in OLD_FURTHER_FIELDS if isinstance(further, Mapping) and k in further]


def _further_purposes_v3(flow: Mapping[str, Any]) -> tuple[list[str], bool]:
    """The purposes version 3's single ground was for, and whether they were read from the stated
    original purposes (True) or, those not stated, from the purposes version 3 tested (False)."""
    from compliance.core.facts import TYPICAL_FURTHER_PURPOSES

    purposes = [p for p in flow.get("purposes") or [] if isinstance(p, str)]
    original = (flow.get("further_processing") or {}).get("original_purposes")
    if isinstance(original, list):
        return [p for p in purposes if p not in original], True
    return [p for p in purposes if p in TYPICAL_FURTHER_PURPOSES], False


def _v4_consent_and_purposes(doc: Any, edits: Edits) -> None:
    """Consent (how given, parental authorisation), further processing, Art. 6(1)(b), logic info:
    an age of 0 for parental authorisation becomes `none`; the single ground of further processing
    becomes one entry per further purpose, each with that ground."""
    for i, flow in _flows(doc):
        if _parental_zero(flow):
            flow["consent"]["parental_authorisation_below_age"] = "none"
            edits.changed(
                ("flows", i, "consent", "parental_authorisation_below_age"),
                "0 became 'none': version 4 says plainly that no parent is asked at any age",
            )
        old = _old_further(flow)
        if old:
            _further_per_purpose(flow, ("flows", i, "further_processing"), old, edits)


def _further_per_purpose(flow: Any, where: Path_, old: list[str], edits: Edits) -> None:
    further = flow["further_processing"]
    purposes, from_original = _further_purposes_v3(flow)
    if not purposes or "new_purposes" in further:
        for key in old:
            edits.undecided(
                (*where, key),
                "version 4 states the ground of further processing per purpose, under new_purposes "
                "(purpose, ground, compatibility_factors_assessed, law): "
                + (
                    "new_purposes is given too: keep the right values there and delete this"
                    if "new_purposes" in further
                    else "no purpose of this flow lies outside the original purposes; name the purpose it is for"
                ),
            )
        return
    ground, assessed = further.get("ground"), further.get("compatibility_assessed")
    entries = []
    for purpose in purposes:
        entry: dict[str, Any] = {"purpose": purpose}
        if ground is not None:
            entry["ground"] = ground
        if assessed is not None:
            entry["compatibility_factors_assessed"] = assessed
        entries.append(_flow_map(further, entry))
    # A comment after a removed field (its own, or the blank line ending the flow) follows the entries.
    comments = [further.ca.items.pop(k, None) for k in old] if isinstance(further, CommentedMap) else []
    after = next((c[2] for c in reversed(comments) if c is not None and len(c) > 2 and c[2]), None)
    for key in old:
        del further[key]
    value: Any = entries
    if isinstance(further, CommentedMap):
        value = CommentedSeq(entries)
        if after is not None:
            value.ca.items[len(entries) - 1] = [after, None]
    _insert_after(further, "original_purposes", "new_purposes", value)
    edits.changed(
        (*where, "new_purposes"),
        f"the ground stated once in version 3 ({', '.join(old)}) is carried to each further purpose: "
        + ", ".join(purposes),
    )
    for n, purpose in enumerate(purposes):
        item = (*where, "new_purposes", n)
        if ground == "law":
            edits.undecided(
                (*item, "ground"),
                f"version 4 names the law a further purpose rests on: state it for {purpose} under law "
                f"(act, provision and its kind: {LAW_KINDS})",
                at=(*where, "ground"),
            )
        if not from_original:
            edits.undecided(
                (*item, "purpose"),
                f"version 3 read {purpose} as a further purpose because the original purposes are not "
                "stated: state them under original_purposes, and drop this entry if the data was "
                "collected for it",
                at=(*where, old[0]),
            )


def _flow_map(like: Any, entry: dict[str, Any]) -> Any:
    """`entry` as a one-line mapping in a YAML document, or a plain dict for JSON."""
    if not isinstance(like, CommentedMap):
        return entry
    value = CommentedMap(entry)
    value.fa.set_flow_style()
    return value


def _v4_consent_and_purposes_obstacles(data: Mapping[str, Any]) -> list[Obstacle]:
    found: list[Obstacle] = []
    for i, flow in _flows(data):
        if _parental_zero(flow):
            found.append(
                Obstacle(
                    ("flows", i, "consent", "parental_authorisation_below_age"),
                    "version 4 of the solution format writes 'none' where no parent is asked at any "
                    "age; an age of 0 is no longer accepted",
                )
            )
        for key in _old_further(flow):
            found.append(
                Obstacle(
                    ("flows", i, "further_processing", key),
                    "version 4 of the solution format states the ground of further processing per "
                    "purpose, under further_processing.new_purposes (purpose, ground, "
                    "compatibility_factors_assessed, law)",
                )
            )
    return found


# Words in a version-3 `deidentification.method` that name the technique, in the order they are
# tried (a keyed hash before a plain one); Danish and Swedish forms where they differ.
_TECHNIQUE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("keyed_hash", ("hmac", "keyed hash", "keyed-hash", "nøglebaseret hash", "nyckelbaserad hash")),
    ("tokenisation", ("token",)),
    ("encryption", ("encrypt", "krypter")),
    ("aggregation", ("aggregat",)),
    ("generalisation", ("generalis", "generaliz")),
    ("hash", ("hash", "sha-", "sha1", "sha2", "md5")),
)

TECHNIQUE_NOTE = (
    "version 4 states the de-identification technique apart from the method text: keyed_hash, "
    "encryption, tokenisation, hash (with its salt: none, public or secret), aggregation, "
    "generalisation or other"
)
ENUMERABLE_NOTE = (
    "version 4 counts pseudonymisation of identifiers whose values can be listed (plates, phone and "
    "national numbers, MAC and IP addresses) only when the technique is known: state it, and for a "
    "plain hash its salt"
)
SALT_NOTE = (
    "the method names a hash without a key: state its salt (none, public or secret); a hash with no "
    "salt or a public one of an identifier whose values can be listed is no pseudonymisation"
)
INDEFINITE_NOTE = (
    "if the reason given describes an event that ends the retention (consent withdrawn, the contract, "
    "care or tenancy ended, the case closed, the statistic made), version 4 states it as "
    "retention_until (the event, and any period after it) in place of 'indefinite'"
)


def _technique_in(method: str) -> str | None:
    text = method.lower()
    return next((kind for kind, words in _TECHNIQUE_WORDS if any(w in text for w in words)), None)


def _enumerable(flow: Mapping[str, Any]) -> bool:
    from compliance.core import vocabulary

    categories = vocabulary.data_categories()
    cats = flow.get("data_categories")
    return isinstance(cats, list) and any(
        isinstance(c, str) and c in categories and categories.has_flag(c, "enumerable") for c in cats
    )


def _v4_retention_and_deidentification(doc: Any, edits: Edits) -> None:
    """Carry the technique over from a de-identification method's text where a word names it (a hash
    also marked for its salt), and mark it for a person where none does; mark a pseudonymised flow of
    identifiers whose values can be listed where no technique is known; mark an 'indefinite' retention
    that gives a reason, which may describe an event that ends it (version 4's `retention_until`)."""
    for i, flow in _flows(doc):
        if flow.get("retention") == "indefinite" and flow.get("retention_justification") is not None:
            edits.undecided(("flows", i, "retention"), INDEFINITE_NOTE)
        deid = flow.get("deidentification")
        if not isinstance(deid, Mapping) or deid.get("applied") not in ("pseudonymised", "anonymised"):
            continue
        if "technique" in deid:
            continue
        method = deid.get("method")
        technique = _technique_in(method) if isinstance(method, str) else None
        path = ("flows", i, "deidentification")
        if technique is None:
            if isinstance(method, str):
                edits.undecided((*path, "method"), TECHNIQUE_NOTE)
            elif _enumerable(flow):
                edits.undecided((*path, "applied"), ENUMERABLE_NOTE)
            continue
        _insert_after(deid, "method", "technique", technique)
        edits.changed((*path, "technique"), f"added {technique}, as the method describes it")
        if technique == "hash" and "salt" not in deid:
            edits.undecided((*path, "technique"), SALT_NOTE, at=(*path, "method"))


def _v4_retention_and_deidentification_obstacles(data: Mapping[str, Any]) -> list[Obstacle]:
    """None: version 4 reads no version-3 value more weakly. An 'indefinite' retention still fails
    (which ones were meant as an event cannot be told, so `apply` marks those that give a reason);
    pseudonymisation of listable identifiers without a known technique, and video or plates kept
    beyond 72 hours without a reason, turn from pass to unknown, which the assessment shows."""
    return []


def _v4_security_incidents_roles(doc: Any, edits: Edits) -> None:
    """Safeguards per system, credentials, incident plan steps, roles not settled: the new fields are
    simply added; a system's own MFA statement that the Art. 32(1)(b) rules now read where version 3
    read the solution-wide safeguard is left as it is, marked for a person to confirm."""
    for obstacle in _v4_security_incidents_roles_obstacles(doc):
        edits.undecided(obstacle.path, obstacle.message)


# System kinds whose `security.mfa` the Art. 32(1)(b) rule reads (GDPR-32-1B-ACCESS-CONTROL).
_LOGIN_KINDS = ("cloud_service", "web_app", "dashboard", "database", "network")


def _v4_security_incidents_roles_obstacles(data: Mapping[str, Any]) -> list[Obstacle]:
    # Version 4 reads the safeguards of the systems that hold the personal data, and for MFA a
    # system's own `security.mfa`, where version 3 read only the solution-wide list: a system whose
    # statement disagrees with the solution-wide `mfa` now changes the Art. 32(1)(b) result.
    from compliance.core import vocabulary

    categories = vocabulary.data_categories()
    safeguards = data.get("safeguards")
    solution_wide = next(
        (
            s.get("status")
            for s in (safeguards if isinstance(safeguards, list) else [])
            if isinstance(s, Mapping) and s.get("control") == "mfa"
        ),
        None,
    )
    holding: set[str] = set()
    flows = data.get("flows")
    for flow in flows if isinstance(flows, list) else []:
        if not isinstance(flow, Mapping):
            continue
        cats = flow.get("data_categories")
        if isinstance(cats, list) and any(
            isinstance(c, str) and c in categories and categories.has_flag(c, "personal") for c in cats
        ):
            holding.update(str(flow.get(end)) for end in ("source", "destination"))
    out: list[Obstacle] = []
    systems = data.get("systems")
    for i, system in enumerate(systems if isinstance(systems, list) else []):
        if not isinstance(system, Mapping) or system.get("kind") not in _LOGIN_KINDS:
            continue
        security = system.get("security")
        mfa = security.get("mfa") if isinstance(security, Mapping) else None
        if system.get("id") not in holding or not isinstance(mfa, bool):
            continue
        if (mfa and solution_wide != "implemented") or (not mfa and solution_wide in ("implemented", None)):
            stated = "not stated" if solution_wide is None else f"'{solution_wide}'"
            out.append(
                Obstacle(
                    ("systems", i, "security", "mfa"),
                    "version 4 of the solution format reads this system's own MFA statement for the "
                    "Art. 32(1)(b) test of the systems that hold personal data, where version 3 read only "
                    f"the solution-wide 'mfa' safeguard ({stated}): check that it is right for this system",
                )
            )
    return out


ACCESS_OWN_STAFF_NOTE = (
    "version 3 read remote access from {countries} as by this organisation's own staff working there; "
    "version 4 asks who: list here each of those countries from which another entity (an affiliate, a "
    "sub-processor, a support contractor) reaches the data instead, and name it in other_entities"
)
ACCESS_TRAVEL_NOTE = (
    "list here each of {countries} from which only this organisation's own employees reach the data, "
    "while on a trip (no transfer); leave it empty if none"
)


def _undecided_access(data: Any) -> list[tuple[int, list[str]]]:
    """The parties (by index) whose remote access from a third country other than their own comes
    from version 3, where nobody said who reaches the data from there, with those countries."""
    from compliance.core import vocabulary

    eea = vocabulary.countries().eea
    found: list[tuple[int, list[str]]] = []
    parties = data.get("parties") if isinstance(data, Mapping) else None
    for i, party in enumerate(parties if isinstance(parties, list) else []):
        if not isinstance(party, Mapping) or not isinstance(party.get("remote_access_from"), list):
            continue
        if "other_entity_access_from" in party or "travelling_staff_access_from" in party:
            continue
        abroad = [
            c
            for c in party["remote_access_from"]
            if isinstance(c, str) and c not in eea and c != party.get("country")
        ]
        if abroad:
            found.append((i, list(dict.fromkeys(abroad))))
    return found


def _v4_transfers(doc: Any, edits: Edits) -> None:
    """Third-country access by another entity or own staff: version 3's reading (the party's own
    staff working there) carried over as empty lists of other entities and travelling staff, each
    marked for a person to say who reaches the data from there."""
    for i, countries in _undecided_access(doc):
        party = doc["parties"][i]
        names = ", ".join(countries)
        at = ("parties", i, "remote_access_from")
        _insert_after(party, "remote_access_from", "travelling_staff_access_from", _empty_list(party))
        _insert_after(party, "remote_access_from", "other_entity_access_from", _empty_list(party))
        edits.undecided(
            ("parties", i, "other_entity_access_from"), ACCESS_OWN_STAFF_NOTE.format(countries=names), at=at
        )
        edits.undecided(
            ("parties", i, "travelling_staff_access_from"), ACCESS_TRAVEL_NOTE.format(countries=names), at=at
        )


def _empty_list(container: Any) -> Any:
    if not isinstance(container, CommentedMap):
        return []
    value = CommentedSeq()
    value.fa.set_flow_style()
    return value


def _v4_transfers_obstacles(data: Mapping[str, Any]) -> list[Obstacle]:
    return [
        Obstacle(
            ("parties", i, "remote_access_from"),
            f"version 4 of the solution format asks who reaches the data from {', '.join(countries)}: "
            "this organisation's own staff working there, another entity on its behalf (an affiliate, a "
            "support contractor: a transfer), or only its own employees on a trip (no transfer); "
            "version 3 read it as its own staff's",
        )
        for i, countries in _undecided_access(data)
    ]


_V4_PARTS: tuple[tuple[Callable[[Any, Edits], None], Callable[[Mapping[str, Any]], list[Obstacle]]], ...] = (
    (_v4_consent_and_purposes, _v4_consent_and_purposes_obstacles),
    (_v4_retention_and_deidentification, _v4_retention_and_deidentification_obstacles),
    (_v4_security_incidents_roles, _v4_security_incidents_roles_obstacles),
    (_v4_transfers, _v4_transfers_obstacles),
)


def _version_3_to_4(doc: Any, edits: Edits) -> None:
    for apply, _check in _V4_PARTS:
        apply(doc, edits)


def _version_3_obstacles(data: Mapping[str, Any]) -> list[Obstacle]:
    return [o for _apply, check in _V4_PARTS for o in check(data)]


STEPS: tuple[Step, ...] = (
    Step(
        version=1,
        description="`standards` left out means not stated (a question), no longer every standard; "
        "the DPIA screening no longer reads an extent alone as large scale, nor generic financial "
        "data as highly personal",
        apply=_state_every_standard,
        check=_version_1_obstacles,
    ),
    Step(
        version=2,
        description="a flow's law is an object (act, provision and its kind), the law of an Art. 9(2) "
        "condition apart as art9_law; accepted risks move to the assessor's decisions file",
        apply=_structure_laws,
        replaces={"accepted_risks": "accepted_risks in the assessor's decisions file beside the solution"},
        check=_version_2_obstacles,
    ),
    Step(
        version=3,
        description="facts that decide real cases: how consent was given, further purposes, retention "
        "tied to events, de-identification methods, safeguards per system, incident plan steps, roles "
        "not settled, who reaches data from a third country",
        apply=_version_3_to_4,
        replaces={},
        check=_version_3_obstacles,
    ),
)
"""Every step, one per version from 1 to the current one."""


def current_version() -> int:
    """The version of the solution format this engine reads and writes."""
    return solution_model.CURRENT_SCHEMA_VERSION


def steps_from(version: int) -> list[Step]:
    """The steps from `version` up to the current version, in order."""
    by_version: dict[int, Step] = {}
    for step in STEPS:
        if step.version in by_version:
            raise AssertionError(f"two upgrade steps from version {step.version} of the solution format")
        by_version[step.version] = step
    steps = []
    for v in range(version, current_version()):
        if v not in by_version:
            raise AssertionError(f"no upgrade step from version {v} to {v + 1} of the solution format")
        steps.append(by_version[v])
    return steps


def upgrade_command(file: str) -> str:
    """The command that upgrades `file`, as a user would type it."""
    return f"compliance upgrade {shlex.quote(file)}"


# ---------------------------------------------------------------------------------------------
# Helpers for steps: finding fields, renaming them


_PATTERN_PART = re.compile(r"([A-Za-z0-9_-]+)((?:\[\])*)")


def _pattern(pattern: str) -> tuple[str | None, ...]:
    parts: list[str | None] = []
    for name in pattern.split("."):
        match = _PATTERN_PART.fullmatch(name)
        if match is None:
            raise ValueError(f"not a field pattern: {pattern!r}")
        parts.append(match[1])
        parts += [None] * (len(match[2]) // 2)
    return tuple(parts)


def find(data: Any, pattern: str) -> list[Path_]:
    """Every path in `data` that `pattern` names (`flows[].retention`: `[]` is every item of a list),
    in document order."""
    found: list[Path_] = []

    def walk(node: Any, rest: tuple[str | None, ...], path: Path_) -> None:
        if not rest:
            found.append(path)
            return
        head, tail = rest[0], rest[1:]
        if head is None:
            if isinstance(node, list):
                for index, item in enumerate(node):
                    walk(item, tail, (*path, index))
        elif isinstance(node, dict) and head in node:
            walk(node[head], tail, (*path, head))

    walk(data, _pattern(pattern), ())
    return found


def pattern_of(path: str) -> str:
    """A located field path as a pattern: `flows[2].retention` -> `flows[].retention`."""
    return re.sub(r"\[\d+\]", "[]", path)


def _concrete(text: str, indices: list[int]) -> str:
    """`text` with its `[]` filled with the indices of the field it is about, in order."""
    numbers = iter(indices)
    return re.sub(r"\[\]", lambda _: f"[{next(numbers, '')}]", text)


def value_at(doc: Any, path: Path_) -> Any:
    """The value at `path` in a document."""
    node = doc
    for part in path:
        node = node[part]
    return node


def rename(doc: Any, pattern: str, new_key: str, edits: Edits) -> None:
    """Rename the field at every path `pattern` names to `new_key` where it stands, with its comments;
    where the new name is already given too, leave both for a person to decide."""
    for path in find(doc, pattern):
        parent = value_at(doc, path[:-1])
        old = str(path[-1])
        if new_key in parent:
            edits.undecided(
                path, f"'{new_key}' is given too: keep the right value as '{new_key}' and delete '{old}'"
            )
            continue
        _rename_key(parent, old, new_key)
        edits.changed(path, f"renamed to '{new_key}'")


def _rename_key(mapping: dict[str, Any], old: str, new: str) -> None:
    """Rename a key in place, keeping its position (and, in YAML, its comments)."""
    if isinstance(mapping, CommentedMap):
        position = list(mapping).index(old)
        comment = mapping.ca.items.pop(old, None)
        value = mapping.pop(old)
        mapping.insert(position, new, value)
        if comment is not None:
            mapping.ca.items[new] = comment
        return
    items = [(new if key == old else key, value) for key, value in mapping.items()]
    mapping.clear()
    mapping.update(items)


def _insert_first(mapping: dict[str, Any], key: str, value: Any) -> None:
    if isinstance(mapping, CommentedMap):
        mapping.insert(0, key, value)
        return
    items = [(key, value), *mapping.items()]
    mapping.clear()
    mapping.update(items)


def _mark(doc: Any, path: Path_, message: str) -> None:
    """Put `# compliance upgrade: PATH: MESSAGE` at the end of the line of the value at `path`
    (the line of the nearest block-style entry holding it, when it sits in a flow collection)."""
    chain = [doc]
    for part in path[:-1]:
        chain.append(chain[-1][part])
    level = len(path) - 1
    while level > 0 and (_is_flow(chain[level]) or not isinstance(chain[level], CommentedBase)):
        level -= 1  # a flow collection, or one a step made anew: the line of what holds it
    if level == 0 and _is_flow(chain[0]):
        chain[0].fa.set_block_style()
    container, key = chain[level], path[level]
    text = f"# {MARK} {format_path(path)}: {message}"
    slot = 0 if isinstance(container, CommentedSeq) else 2
    entry = container.ca.items.get(key)
    token = entry[slot] if entry is not None and len(entry) > slot else None
    if token is None:
        container.yaml_add_eol_comment(text, key)
    elif token.value.lstrip(" ").startswith("#"):
        # an end-of-line comment already (the file's own, or an earlier mark): ours goes first,
        # two spaces before the next `#` so that each is read back on its own
        token.value = f"{' ' if token.value.startswith(' ') else ''}{text}  {token.value.lstrip(' ')}"
    else:
        # only comment lines below: ours goes on the line itself, they stay below
        token.value = f" {text}{token.value}"


def _is_flow(node: Any) -> bool:
    return isinstance(node, CommentedBase) and node.fa.flow_style() is True


# ---------------------------------------------------------------------------------------------
# What the loader asks


def declared_version(located: Located) -> int:
    """The version of the format a loaded solution file is written for: its `schema_version`, else
    the first; a version newer than this engine reads, or not a version at all, is refused."""
    data = located.data
    if not isinstance(data, dict) or VERSION_FIELD not in data:
        return solution_model.FIRST_SCHEMA_VERSION
    value = data[VERSION_FIELD]
    current = current_version()
    where = (VERSION_FIELD,)
    if isinstance(value, bool) or not isinstance(value, int) or value < solution_model.FIRST_SCHEMA_VERSION:
        raise SolutionError(
            [
                located.problem(
                    where,
                    f"{value!r} is not a version of the solution format: write a whole number from "
                    f"{solution_model.FIRST_SCHEMA_VERSION} to {current}",
                )
            ]
        )
    if value > current:
        raise SolutionError([located.problem(where, solution_model.newer_version_message(value))])
    return value


def check_loadable(located: Located, text: str) -> None:
    """Refuse a solution file this engine would misread: one written for a newer version; one of an
    older version with fields that changed since (each problem names what replaced the field and
    the command that upgrades the file); one with values `compliance upgrade` left for a decision."""
    version = declared_version(located)
    problems: list[Problem] = []
    if isinstance(located.data, dict):
        command = upgrade_command(located.file)
        for step in steps_from(version):
            obstacles = step.obstacles(located.data)
            if obstacles:
                # a later step's check reads the next version, which this file is not yet
                problems += [located.problem(o.path, f"{o.message}; run: {command}") for o in obstacles]
                break
    problems += open_decisions(text, located.file)
    if problems:
        raise SolutionError(problems)


_MARK_COMMENT = re.compile(r"(?:^|\s)(#\s*" + re.escape(MARK) + r"\s*(.*))$")


def open_decisions(text: str, file: str) -> list[Problem]:
    """The `# compliance upgrade: ...` comments still in a file: values that wait for a decision."""
    problems: list[Problem] = []
    if MARK not in text:
        return problems
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARK_COMMENT.search(line)
        if match is None:
            continue
        # marks on one line stand two spaces apart; a comment of the file's own may follow them
        column = match.start(1)
        for part in match[1].split("  #"):
            text = part if part.startswith("#") else "#" + part
            mark = re.match(r"#\s*" + re.escape(MARK) + r"\s*(.*)$", text)
            if mark is not None:
                problems.append(
                    Problem(
                        file,
                        f"`compliance upgrade` left this value for a person to decide: {mark[1].strip()}; "
                        "decide, then delete the comment",
                        number,
                        column + 1,
                    )
                )
            column += len(part) + 2
    return problems


def explain_replaced_fields(problems: list[Problem]) -> list[Problem]:
    """Unknown-field problems about a field that a step replaced, told what replaced it instead."""
    replaced = {old: (step, new) for step in STEPS for old, new in step.replaces.items()}
    out = []
    for problem in problems:
        known = replaced.get(pattern_of(problem.path))
        if known is None or not problem.message.startswith("unknown field "):
            out.append(problem)
            continue
        step, new = known
        indices = [int(i) for i in re.findall(r"\[(\d+)\]", problem.path)]
        name = pattern_of(problem.path).rsplit(".", 1)[-1].removesuffix("[]")
        out.append(
            replace(
                problem,
                message=f"'{name}' is a field of version {step.version} of the solution format; "
                f"version {step.version + 1} replaces it with {_concrete(new, indices)}",
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# The upgrade


class Format(StrEnum):
    """How a solution file is written."""

    YAML = "yaml"
    JSON = "json"


@dataclass(frozen=True)
class Change:
    """One line of what an upgrade did, located in the file as it was."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    decision: bool

    def __str__(self) -> str:
        what = f"decide: {self.message}" if self.decision else self.message
        return str(Problem(self.file, what, self.line, self.column, self.path))


@dataclass(frozen=True)
class Upgrade:
    """A solution file upgraded in memory: its text before and after, and what changed."""

    file: str
    format: Format
    from_version: int
    to_version: int
    original: str
    text: str
    changes: tuple[Change, ...]
    steps: tuple[str, ...] = ()  # each step applied: `1 -> 2: what changed`
    relaid_lines: int = 0  # lines the YAML rewrite lays out anew besides the changes (0: kept)

    @property
    def needed(self) -> bool:
        """Whether the file had to change: not at the current version, or not saying so."""
        return bool(self.changes)

    @property
    def undecided(self) -> tuple[Change, ...]:
        """The values left as they were for a person to decide."""
        return tuple(c for c in self.changes if c.decision)

    def diff(self) -> str:
        """The upgrade as a unified diff."""
        lines = difflib.unified_diff(
            self.original.splitlines(keepends=True),
            self.text.splitlines(keepends=True),
            fromfile=self.file,
            tofile=f"{self.file} (version {self.to_version})",
        )
        return "".join(
            line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines
        )


def upgrade_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Upgrade:
    """Upgrade a solution file read from disk, in memory (`Upgrade.text` is what to write)."""
    result = upgrade_text(read_text(path, max_bytes=max_bytes), str(path))
    with path.open("rb") as fh:
        if fh.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:  # read_text drops it; keep it
            result = replace(result, original=f"\ufeff{result.original}", text=f"\ufeff{result.text}")
    return result


def upgrade_text(text: str, file: str) -> Upgrade:
    """Upgrade the text of a solution file to the current version of the format."""
    located = load_text(text, file)
    if not isinstance(located.data, dict):
        raise SolutionError(
            [located.problem((), "not a solution file: the top level must be a mapping of fields")]
        )
    version = declared_version(located)
    current = current_version()
    declared = VERSION_FIELD in located.data
    fmt = Format.JSON if _is_json(text) else Format.YAML
    if version == current and declared:
        return Upgrade(file, fmt, version, version, text, text, ())
    relaid = 0
    if fmt is Format.JSON:
        doc = json.loads(text)
        layout = None
    else:
        doc, layout = _load_round_trip(text, file)
    edits = Edits(doc, file)
    steps = steps_from(version)
    for step in steps:
        step.apply(doc, edits)
    if declared:
        doc[VERSION_FIELD] = current
        edits.changed((VERSION_FIELD,), f"set to {current} (was {version})")
    else:
        _insert_first(doc, VERSION_FIELD, current)
        edits.changed(
            (VERSION_FIELD,),
            f"set to {current} (left out, which means version {solution_model.FIRST_SCHEMA_VERSION})",
        )
    if layout is None:
        new_text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        new_text = layout.dump(doc)
        relaid = layout.relaid_lines
    _check_result(new_text, located, edits)
    changes = tuple(sorted((_change(located, e) for e in edits.done), key=_reading_order))
    applied = tuple(f"{s.version} -> {s.version + 1}: {s.description}" for s in steps)
    return Upgrade(file, fmt, version, current, text, new_text, changes, applied, relaid)


def _change(located: Located, edit: Edit) -> Change:
    line, column = located.where(edit.at if edit.at is not None else edit.path)
    return Change(located.file, line, column, format_path(edit.path), edit.message, edit.decision)


def _reading_order(change: Change) -> tuple[int, int]:
    return (change.line or 0, change.column or 0)


def _is_json(text: str) -> bool:
    if not text.lstrip().startswith("{"):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _check_result(text: str, original: Located, edits: Edits) -> None:
    """The upgraded text loads as a solution of the current version, but for the values left for a
    person to decide; its problems are located in the file as it was."""
    try:
        upgraded = load_text(text, original.file)
    except InputError as exc:  # the rewrite made text the safe loader refuses: a bug of ours
        raise AssertionError(f"the upgraded text does not load: {exc}") from None
    try:
        validate_located(Solution, Located(upgraded.data, original.file, original.positions), SolutionError)
    except SolutionError as exc:
        open_ = [format_path(e.path) for e in edits.done if e.decision]
        left = [p for p in exc.problems if not any(_within(p.path, o) for o in open_)]
        if left:
            left.append(
                Problem(
                    original.file,
                    "nothing was upgraded: once upgraded, the file must load; correct the problems above "
                    f"and run {upgrade_command(original.file)} again",
                )
            )
            raise SolutionError(left) from None


def _within(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith((ancestor + ".", ancestor + "["))


# ---------------------------------------------------------------------------------------------
# The YAML round trip: ruamel.yaml, set up to write the file as it was laid out


class _Representer(RoundTripRepresenter):
    """Writes null as the file wrote it (`null`, `~` or nothing)."""

    null_word = ""

    def represent_null(self, data: Any) -> Any:
        """A null, in the file's own word for it."""
        if self.null_word:
            return self.represent_scalar("tag:yaml.org,2002:null", self.null_word)
        return self.represent_none(data)


_Representer.add_representer(type(None), _Representer.represent_null)


@dataclass
class _Layout:
    """How a YAML file is laid out, as far as ruamel.yaml can be told."""

    mapping: int
    sequence: int
    offset: int
    null_word: str
    explicit_start: bool
    explicit_end: bool
    crlf: bool
    final_newline: bool
    relaid_lines: int = 0

    def yaml(self) -> YAML:
        """A round-trip YAML instance that writes this layout."""
        y = YAML(typ="rt")
        y.Representer = _Representer
        y.preserve_quotes = True
        y.width = 1 << 16  # never re-wrap a long line
        y.indent(mapping=self.mapping, sequence=self.sequence, offset=self.offset)
        y.explicit_start = self.explicit_start
        y.explicit_end = self.explicit_end
        representer = y.representer
        assert isinstance(representer, _Representer)
        representer.null_word = self.null_word
        return y

    def dump(self, doc: Any) -> str:
        """The document as text in this layout."""
        buffer = io.StringIO()
        self.yaml().dump(doc, buffer)
        text = buffer.getvalue()
        if not self.final_newline:
            text = text.removesuffix("\n")
        return text.replace("\n", "\r\n") if self.crlf else text


def _load_round_trip(text: str, file: str) -> tuple[Any, _Layout]:
    """The document, and the layout among a few likely ones that writes it back most faithfully."""
    plain = text.replace("\r\n", "\n")
    base = _Layout(
        mapping=2,
        sequence=2,
        offset=0,
        null_word=_null_word(plain),
        explicit_start=re.search(r"^---(\s|$)", plain, re.MULTILINE) is not None,
        explicit_end=re.search(r"^\.\.\.(\s|$)", plain, re.MULTILINE) is not None,
        crlf="\r\n" in text,
        final_newline=plain.endswith("\n"),
    )
    try:
        doc = base.yaml().load(plain)
    except YAMLError as exc:
        mark = exc.problem_mark if isinstance(exc, MarkedYAMLError) else None
        problem = getattr(exc, "problem", None) or str(exc)
        where: dict[str, int] = {}
        if mark is not None:
            where = {"line": mark.line + 1, "column": mark.column + 1}
        raise InputError.single(
            file, f"cannot be rewritten: the round-trip YAML parser reads it otherwise: {problem}", **where
        ) from None
    original = plain.splitlines()
    best: _Layout | None = None
    for mapping, sequence, offset in _indent_candidates(plain):
        layout = replace(base, mapping=mapping, sequence=sequence, offset=offset, crlf=False)
        written = layout.dump(doc).splitlines()
        layout.relaid_lines = _differing_lines(original, written)
        if best is None or layout.relaid_lines < best.relaid_lines:
            best = layout
        if best.relaid_lines == 0:
            break
    assert best is not None
    return doc, replace(best, crlf=base.crlf)


def _null_word(text: str) -> str:
    words = Counter(re.findall(r"(?:[:-]|^)[ \t]+(null|Null|NULL|~)[ \t]*(?:#.*)?$", text, re.MULTILINE))
    return words.most_common(1)[0][0] if words else ""


def _differing_lines(before: list[str], after: list[str]) -> int:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def _indent_candidates(text: str) -> Iterator[tuple[int, int, int]]:
    """(mapping, sequence, offset) indents to try, the file's own guessed first."""
    guessed = _guess_indent(text)
    seen: set[tuple[int, int, int]] = set()
    for mapping in (guessed[0], 2, 4):
        for sequence, offset in (
            (guessed[1], guessed[2]),
            (2, 0),
            (4, 2),
            (mapping, 0),
            (mapping + 2, mapping),
        ):
            candidate = (mapping, sequence, offset)
            if candidate not in seen and mapping >= 1 and sequence >= offset + 2:
                seen.add(candidate)
                yield candidate


def _guess_indent(text: str) -> tuple[int, int, int]:
    """The most common mapping indent, sequence indent and dash offset of a file's block collections."""
    mappings: Counter[int] = Counter()
    sequences: Counter[tuple[int, int]] = Counter()
    opener: int | None = None  # the column of the key whose line opens a block (`key:`)
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        content = line.lstrip(" ")
        if not content:
            continue
        column = len(line) - len(content)
        if opener is not None and column > opener:
            if content.startswith("- ") or content == "-":
                after = content[1:]
                sequences[(column - opener, 1 + len(after) - len(after.lstrip(" ")))] += 1
            else:
                mappings[column - opener] += 1
        key_column = column
        while content.startswith("- "):
            rest = content[2:].lstrip(" ")
            key_column += len(content) - len(rest)
            content = rest
        opener = key_column if content.endswith(":") else None
    mapping = mappings.most_common(1)[0][0] if mappings else 2
    if sequences:
        (offset, dash_width), _ = sequences.most_common(1)[0]
        return mapping, offset + dash_width, offset
    return mapping, mapping, 0


def load_editable(text: str, file: str) -> tuple[Any, Callable[[Any], str]]:
    """A solution document to edit in place, and the function that writes it back keeping its
    comments, key order, quoting and layout (JSON is written back as JSON, indented)."""
    if _is_json(text):
        trailing = "\n" if text.endswith("\n") else ""
        return json.loads(text), lambda doc: json.dumps(doc, indent=2, ensure_ascii=False) + trailing
    doc, layout = _load_round_trip(text, file)
    return doc, layout.dump
