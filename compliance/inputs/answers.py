"""Answers to the question bank as places in a solution document: where the answer to a question
about a fact (and the flow, party or system it names) is kept, read, written or taken out.

The question bank names facts as the rules read them (`flow.consent.recorded`,
`safeguards.backup`); a solution document keeps them under its own keys (`flows[i].consent.
recorded`, an entry of `safeguards` with `control: backup`). This module maps the one to the other
for the interview, the supplier questionnaire and the economy benchmark. It edits plain
documents (the data of a YAML file); validating the result is the loader's work.
"""

from __future__ import annotations

from typing import Any

from compliance.core.models.assessment import Target
from compliance.core.models.rules import Scope
from compliance.core.questions import SAFEGUARD_PREFIX

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
