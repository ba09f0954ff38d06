"""Where the facts of a result come from, as far as an auditor can rely on them.

Every fact in a solution file is a declaration by whoever wrote the file, whatever its `sources`
say: a file the supplier hands in can label its own claim "auditor check". A fact counts as checked
only where the assessor recorded the check in the decisions file (and the file still states the
value checked), and a scan counts as run only where this tool ran it: imported SARIF and SBOMs are
the supplier's scans. A derived fact (`flow.special_categories`) comes from the stated facts it is
computed from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from compliance.core.facts import DERIVED_FROM, SCOPE_NAMESPACES
from compliance.core.models.assessment import FactProvenance, FactUsed, Provenance, Target
from compliance.core.models.common import SourceKind
from compliance.core.models.decisions import Check, Person
from compliance.core.models.scan import ScanRun
from compliance.core.scan_facts import KINDS

_COLLECTIONS = {"flow": "flows", "party": "parties", "system": "systems"}
_OURS = {"code", "dependencies"}  # run kinds this tool runs itself; 'sarif' and 'sbom' are handed in


# One encoder for every value: `json.dumps` with options builds a new encoder on each call, and the
# digests and provenance of a large assessment encode tens of thousands of values. (`dumps` is
# exactly `JSONEncoder(options).encode`, so the text is the same.)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical(value: Any) -> str:
    """A value as canonical JSON: the same value, the same text."""
    return _CANONICAL.encode(value)


class Provenances:
    """The provenance of the facts of one solution, with the assessor's checks and the scans."""

    def __init__(
        self,
        document: Mapping[str, Any],
        checks: Sequence[Check],
        scans: Sequence[ScanRun],
        by_supplier: Callable[[Person], bool] = lambda _person: False,
    ) -> None:
        self.document = document
        # Items of each list by id (safeguards by control): looked up once per fact and target.
        self.items: dict[str, dict[str, Any]] = {
            name: {str(i.get(key)): i for i in (document.get(name) or []) if isinstance(i, dict)}
            for name, key in (
                ("flows", "id"),
                ("parties", "id"),
                ("systems", "id"),
                ("safeguards", "control"),
            )
        }
        self.checks = {c.fact: c for c in checks}
        self.by_supplier = by_supplier
        self.used_checks: set[str] = set()
        self.supplier_checks: set[str] = set()
        self.lapsed_checks: set[str] = set()
        self.scans = scans
        self._cache: dict[tuple[str, str | None], list[FactProvenance]] = {}

    def of_result(self, facts: Iterable[FactUsed], target: Target | None) -> list[FactProvenance]:
        """The provenance of every stated fact a result read (facts with no value rest on nothing)."""
        out: list[FactProvenance] = []
        seen: set[tuple[str, str | None, Provenance]] = set()
        for used in facts:
            if used.value is None:
                continue
            for p in self.of_fact(used.fact, target):
                key = (p.fact, p.path, p.kind)
                if key not in seen:
                    seen.add(key)
                    out.append(p)
        return out

    def of_fact(self, fact: str, target: Target | None, depth: int = 0) -> list[FactProvenance]:
        """The provenance of one fact in the context of a target."""
        key = (fact, target.id if target is not None else None)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        namespace, _, rest = fact.partition(".")
        result: list[FactProvenance]
        if fact in DERIVED_FROM and depth < 4:
            result = []
            for item in DERIVED_FROM[fact]:
                if item.split(".", 1)[0] in (*SCOPE_NAMESPACES["flow"], "party", "system"):
                    result += self.of_fact(item, target, depth + 1)
            if not result:
                result = [FactProvenance(fact=fact, path=None, kind=Provenance.DERIVED)]
        elif namespace == "scan":
            result = self._scan(fact, rest)
        elif namespace in ("solution", "safeguards") or (namespace in _COLLECTIONS and target is not None):
            result = [self._stated(fact, namespace, rest, target)]
        else:  # the DPIA screening's answers, and facts of no stated field
            result = [FactProvenance(fact=fact, path=None, kind=Provenance.DERIVED)]
        self._cache[key] = result
        return result

    def _scan(self, fact: str, rest: str) -> list[FactProvenance]:
        group = rest.partition(".")[0]
        kinds = KINDS.get(group, ())
        runs = [r for r in self.scans if r.kind in kinds]
        out = []
        for ours in (True, False):
            mine = [r for r in runs if (r.kind in _OURS) is ours]
            if mine:
                tools = ", ".join(sorted({r.tool for r in mine}))
                kind = Provenance.SCANNER_RUN if ours else Provenance.SUPPLIER_SCAN
                out.append(FactProvenance(fact=fact, path=None, kind=kind, by=tools))
        return out or [FactProvenance(fact=fact, path=None, kind=Provenance.DERIVED)]

    def _stated(self, fact: str, namespace: str, rest: str, target: Target | None) -> FactProvenance:
        node: Any = self.document
        parts = rest.split(".") if rest else []
        if namespace == "safeguards":
            path = f"safeguards[{parts[0]}].status" if parts else "safeguards"
            node = self.items["safeguards"].get(parts[0]) if parts else None
            value = node.get("status") if node else None
            return self._provenance(fact, path, [node] if node else [], "status", value)
        if namespace in _COLLECTIONS:
            assert target is not None
            node = self.items[_COLLECTIONS[namespace]].get(target.id) or {}
            prefix = f"{_COLLECTIONS[namespace]}[{target.id}]"
        else:
            prefix = ""
        chain = [node]
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                break
            chain.append(node)
        path = ".".join(p for p in (prefix, *parts) if p)
        value = node.get(parts[-1]) if parts and isinstance(node, dict) else None
        return self._provenance(fact, path, chain, parts[len(chain) - 1] if parts else "", value, parts)

    def _provenance(
        self,
        fact: str,
        path: str,
        chain: list[Any],
        field: str,
        value: Any,
        parts: Sequence[str] = (),
    ) -> FactProvenance:
        check = self.checks.get(path)
        if check is not None and self.by_supplier(check.checked_by):
            # the assessed supplier checking its own claim: a declaration about a check
            self.supplier_checks.add(path)
            who = f"{check.checked_by.name} ({check.checked_by.organisation})"
            return FactProvenance(
                fact=fact, path=path, kind=Provenance.DECLARED_CHECKED, by=who, on=check.checked_on
            )
        if check is not None:
            if canonical(check.value) == canonical(value):
                self.used_checks.add(path)
                who = f"{check.checked_by.name} ({check.checked_by.organisation})"
                return FactProvenance(
                    fact=fact,
                    path=path,
                    kind=Provenance.ASSESSOR_CHECKED,
                    by=who,
                    on=check.checked_on,
                    reference=check.evidence,
                )
            self.lapsed_checks.add(path)
        source = _source(chain, parts, field)
        if source is None:
            return FactProvenance(fact=fact, path=path, kind=Provenance.DECLARED)
        kind = (
            Provenance.DECLARED_CHECKED
            if source.get("kind") == SourceKind.AUDITOR_CHECK
            else Provenance.DECLARED
        )
        checked = source.get("checked_on")
        return FactProvenance(
            fact=fact,
            path=path,
            kind=kind,
            by=source.get("asserted_by") or None,
            on=date.fromisoformat(checked) if isinstance(checked, str) else None,
            reference=source.get("reference") or None,
        )


def _source(chain: list[Any], parts: Sequence[str], field: str) -> dict[str, Any] | None:
    """The most specific `sources` entry covering the field: the deepest object's own key, then
    its `*`, then the enclosing objects' entries for the branch that holds it."""
    for depth in range(len(chain) - 1, -1, -1):
        node = chain[depth]
        sources = node.get("sources") if isinstance(node, dict) else None
        if not isinstance(sources, dict):
            continue
        key = parts[depth] if depth < len(parts) else field
        entry = sources.get(key) or sources.get("*")
        if isinstance(entry, dict):
            return entry
    return None


def declared_only(provenance: Sequence[FactProvenance]) -> bool:
    """Whether a result rests on declarations only: some fact stated, none checked or scanned by us."""
    stated = [p for p in provenance if p.kind is not Provenance.DERIVED]
    return bool(stated) and not any(p.kind.verified for p in stated)
