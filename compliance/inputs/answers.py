"""Answers to the question bank as places in a solution document: where the answer to a question
about a fact (and the flow, party or system it names) is kept, read, written or taken out.

The question bank names facts as the rules read them (`flow.consent.recorded`,
`safeguards.backup`); a solution document keeps them under its own keys (`flows[i].consent.
recorded`, an entry of `safeguards` with `control: backup`). This module maps the one to the other
for the interview, the supplier questionnaire and the economy benchmark. It edits plain
documents (the data of a YAML file); validating the result is the loader's work.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from compliance.core.facts import registry
from compliance.core.messages import N_, Message, say
from compliance.core.models.assessment import Target
from compliance.core.models.rules import Scope
from compliance.core.models.solution import ANNEX_A_CONTROLS, SubserviceMethod
from compliance.core.questions import SAFEGUARD_PREFIX, RecordField
from compliance.core.questions import vocabulary_choices as vocabulary_choices  # the input layer's name too
from compliance.core.vocabulary import suggest

# Where each kind of target is listed in a solution document.
COLLECTIONS = {Scope.FLOW: "flows", Scope.PARTY: "parties", Scope.SYSTEM: "systems"}
_NAMESPACES = {scope.value: scope for scope in COLLECTIONS}

_MISSING = object()


class NoPlaceError(LookupError):
    """The document has no place for the answer: its target is not in it, or the fact is not of
    the target's kind."""


def _home(doc: dict[str, Any], fact: str, target: Target | None) -> tuple[dict[str, Any], list[str]]:
    """The mapping that holds the fact's first key, and the keys from there to the fact."""
    namespace, _, rest = fact.partition(".")
    keys = rest.split(".")
    if namespace == "solution":
        return doc, keys
    scope = _NAMESPACES.get(namespace)
    if scope is None:
        raise NoPlaceError(f"'{fact}' is not a fact of the solution, a flow, a party or a system")
    if target is None or target.kind is not scope:
        raise NoPlaceError(f"'{fact}' is asked about a {scope.value}; none is named")
    items = doc.get(COLLECTIONS[scope])
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("id") == target.id:
            return item, keys
    raise NoPlaceError(f"no {scope.value} '{target.id}' in the solution")


def _safeguard(doc: dict[str, Any], key: str) -> dict[str, Any] | None:
    for entry in doc.get("safeguards") or []:
        if isinstance(entry, dict) and entry.get("control") == key:
            return entry
    return None


def get_answer(doc: dict[str, Any], fact: str, target: Target | None = None) -> tuple[bool, Any]:
    """Whether the document states the fact (for the target), and its value."""
    if fact.startswith(SAFEGUARD_PREFIX):
        entry = _safeguard(doc, fact.removeprefix(SAFEGUARD_PREFIX))
        return (False, None) if entry is None or "status" not in entry else (True, entry["status"])
    home, keys = _home(doc, fact, target)
    node: Any = home
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def set_answer(doc: dict[str, Any], fact: str, target: Target | None, value: Any) -> None:
    """State the fact (for the target) as `value`, creating the mappings on the way."""
    if fact.startswith(SAFEGUARD_PREFIX):
        key = fact.removeprefix(SAFEGUARD_PREFIX)
        entry = _safeguard(doc, key)
        if entry is None:
            doc.setdefault("safeguards", []).append({"control": key, "status": value})
        else:
            entry["status"] = value
        return
    home, keys = _home(doc, fact, target)
    node = home
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value


def remove_answer(doc: dict[str, Any], fact: str, target: Target | None = None) -> bool:
    """Take the fact (for the target) out of the document; whether it was there. A mapping left
    empty is taken out with it."""
    if fact.startswith(SAFEGUARD_PREFIX):
        entry = _safeguard(doc, fact.removeprefix(SAFEGUARD_PREFIX))
        if entry is None:
            return False
        doc["safeguards"].remove(entry)
        return True
    home, keys = _home(doc, fact, target)
    trail: list[tuple[dict[str, Any], str]] = []
    node: Any = home
    for key in keys[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            return False
        trail.append((node, key))
        node = node[key]
    if not isinstance(node, dict) or node.get(keys[-1], _MISSING) is _MISSING:
        return False
    del node[keys[-1]]
    for parent, key in reversed(trail):
        if parent[key]:
            break
        del parent[key]
    return True


# ---------------------------------------------------------------------------------------------
# Typed answers


class BadAnswer(ValueError):  # noqa: N818  # a person's answer, not a program's error
    """An answer that does not fit the question; `message` says what would, in any language."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.text)
        self.message = message


NO_ITEMS = ("none", "-")  # an empty list: "none of them"


def parse_answer(fact: str, text: str, choices: Mapping[str, str]) -> Any:
    """The value of a typed answer to the question about `fact`: the number or key of a choice
    (several, comma-separated, for a list), a vocabulary key, a number, a date (YYYY-MM-DD) or text,
    as the solution format takes it."""
    answer = " ".join(text.split())
    if not answer:
        raise BadAnswer(say(N_("Give an answer, or d (don't know), s (skip), q (stop).")))
    if fact.startswith(SAFEGUARD_PREFIX):
        return _choice(answer, choices)
    spec = registry().get(fact)
    if spec is None:
        raise BadAnswer(say(N_("There is no such question.")))
    if spec.kind in ("bool", "enum") and choices:
        value = _choice(answer, choices)
        return {"true": True, "false": False}.get(value, value) if spec.kind == "bool" else value
    if spec.kind == "list":
        if answer.lower() in NO_ITEMS:
            return []
        items = [item.strip() for item in answer.split(",") if item.strip()]
        if choices:
            return [_choice(item, choices) for item in items]
        return [_key(item, spec.values) for item in items]
    if spec.kind == "vocab":
        return _key(answer, spec.values)
    if spec.kind in ("int", "int_or_word"):
        if spec.kind == "int_or_word" and spec.values and answer.lower() in spec.values:
            return answer.lower()
        try:
            return int(answer)
        except ValueError:
            if spec.values:
                raise BadAnswer(
                    say(N_("Give a whole number or: {words}."), words=sorted(spec.values))
                ) from None
            raise BadAnswer(say(N_("Give a whole number."))) from None
    if spec.kind == "number":
        try:
            return float(answer.replace(",", "."))
        except ValueError:
            raise BadAnswer(say(N_("Give a number."))) from None
    if spec.kind == "date":
        try:
            return date.fromisoformat(answer).isoformat()
        except ValueError:
            raise BadAnswer(say(N_("Give a date as year-month-day, such as 2026-09-30."))) from None
    return answer


def parse_field(field: RecordField, text: str, choices: Mapping[str, str]) -> Any:
    """The value of a typed answer to one field of a record (an assurance document's type, its
    period's end): the number or key of a choice, a date, a whole number, the other parties a
    report takes inside its scope (numbers or ids of `choices`, comma-separated, or "none"), or
    ISO/IEC 27001 Annex A controls by number ("A.8.28, A.5.19", or "none")."""
    answer = " ".join(text.split())
    if not answer:
        raise BadAnswer(say(N_("Give an answer, or d (don't know), s (skip), q (stop).")))
    if field.kind == "enum":
        return _choice(answer, choices)
    if field.kind == "bool":
        return _choice(answer, choices) == "true"
    if field.kind == "date":
        try:
            return date.fromisoformat(answer).isoformat()
        except ValueError:
            raise BadAnswer(say(N_("Give a date as year-month-day, such as 2026-09-30."))) from None
    if field.kind == "int":
        if not answer.isdigit():
            raise BadAnswer(say(N_("Give a whole number.")))
        return int(answer)
    if answer.lower() in (*NO_ITEMS, "ingen", "inga"):  # "none", in Danish and Swedish too
        return []
    items = [item.strip() for item in answer.split(",") if item.strip()]
    if field.kind == "parties":
        chosen = dict.fromkeys(_choice(item, choices) for item in items)
        return [{"party": party, "method": SubserviceMethod.INCLUSIVE.value} for party in chosen]
    controls = [item.upper() for item in items]
    for control in controls:
        if control not in ANNEX_A_CONTROLS:
            raise BadAnswer(
                say(
                    N_("'{item}' is not a control of ISO/IEC 27001:2022 Annex A (such as A.8.28)."),
                    item=control,
                )
            )
    return list(dict.fromkeys(controls))


def _choice(answer: str, choices: Mapping[str, str]) -> str:
    keys = list(choices)
    if answer.isdigit() and 1 <= int(answer) <= len(keys):
        return keys[int(answer) - 1]
    if answer in choices:
        return answer
    raise BadAnswer(say(N_("Give the number of an answer, 1 to {n}."), n=len(keys)))


def _key(item: str, values: frozenset[str] | None) -> str:
    if values is None or item in values:
        return item
    hint = suggest(item, sorted(values))
    if hint:
        raise BadAnswer(
            say(N_("'{item}' is not in the list (did you mean '{hint}'?)."), item=item, hint=hint)
        )
    raise BadAnswer(say(N_("'{item}' is not in the list."), item=item))


def set_source(doc: dict[str, Any], fact: str, target: Target | None, source: Mapping[str, Any]) -> None:
    """Record where the answer about `fact` comes from, beside it: in the `sources` of the mapping
    that holds it, under the fact's own key (the entry's `status` for a safeguard)."""
    if fact.startswith(SAFEGUARD_PREFIX):
        entry = _safeguard(doc, fact.removeprefix(SAFEGUARD_PREFIX))
        if entry is not None:
            entry.setdefault("sources", {})["status"] = dict(source)
        return
    home, keys = _home(doc, fact, target)
    node: Any = home
    for key in keys[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        sources = node.get("sources")
        if not isinstance(sources, dict):
            sources = node["sources"] = {}
        sources[keys[-1]] = dict(source)
