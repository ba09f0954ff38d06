"""The rule condition language: an all/any/not tree over fact predicates, in Kleene logic.

A condition is YAML data, never code. Leaves test one fact:

    {fact: flow.retention_days, lte: 365}
    {fact: flow.data_categories, any_under: [user.health]}
    {safeguard: mfa, at_least: partial}

and branches combine them: `{all: [...]}`, `{any: [...]}`, `{not: {...}}`. A missing fact makes
its leaf *unknown* (None); `all`, `any` and `not` follow Kleene's strong three-valued logic, so
an unknown only decides the result when the known facts cannot. Every fact path, operator and
operand is checked against the fact registry when the pack loads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from compliance.core import vocabulary
from compliance.core.explanations import OP_WORDS, counts_for, describe
from compliance.core.explanations import show as _show
from compliance.core.facts import SCOPE_NAMESPACES, FieldSpec, Truth, lookup, registry
from compliance.core.models.assessment import FactUsed
from compliance.core.models.solution import SystemKind
from compliance.core.yamlio import Located, Path_

SAFEGUARD_ORDER = {"absent": 0, "planned": 1, "partial": 2, "implemented": 3}

SCALAR_OPS = {"equals", "in", "gt", "gte", "lt", "lte", "present"}
LIST_OPS = {
    "contains",
    "contains_any",
    "contains_all",
    "any_under",
    "all_under",
    "present",
    "empty",
}
NUMERIC_KINDS = {"int", "number"}


@dataclass(frozen=True, slots=True, eq=False)  # equal by value to any FactUsed
class LeafResult(FactUsed):
    """One fact test as evaluated, with the part of the rule it belongs to: the explain trace is
    made of these.

    It is a `FactUsed` (the fact as an assessment records it) with the methods a trace needs, so
    that the engine puts the trace into a result as it is instead of copying every test: a
    1,000-flow assessment holds about 240,000 of them.
    """

    def describe(self) -> str:
        """`flow.lawful_basis = f; test: is f (must not hold)`."""
        return describe(self)

    def counts_for(self, outcome: bool) -> bool:
        """Whether this test pushed its condition towards `outcome` (true or false)."""
        return counts_for(self, outcome)


Trace = list[LeafResult]
Evaluator = Callable[[dict[str, Any], Trace], Truth]


@dataclass(frozen=True)
class Condition:
    """A compiled condition: evaluate with `cond(ctx, trace)`, show with `text`."""

    evaluate: Evaluator
    text: str
    facts: tuple[str, ...]
    # A safeguard test `on: data_systems` reads the systems holding the target's data too.
    reads_data_systems: bool = False

    def __call__(self, ctx: dict[str, Any], trace: Trace) -> Truth:
        return self.evaluate(ctx, trace)


TRUE = Condition(lambda ctx, trace: True, "always", ())


class Compiler:
    """Compiles raw condition data, collecting every problem rather than stopping at the first."""

    def __init__(self, located: Located, scope: str) -> None:
        self.located = located
        self.scope = scope
        self.namespaces = SCOPE_NAMESPACES[scope]
        self.problems: list[Any] = []
        # Safeguards may only count in favour of a requirement: never in `applies_when` and never
        # under `not`, so that adding an implemented safeguard can never lower a score.
        self.safeguards_allowed = True
        self.negated = False
        # The part of the rule being compiled, recorded in every test of its trace.
        self.part = "require"

    def compile_part(self, raw: Any, path: Path_, *, part: str) -> Condition:
        """Compile `applies_when` or `require` of a rule."""
        self.safeguards_allowed = part == "require"
        self.negated = False
        self.part = part
        return self.compile(raw, path)

    def error(self, path: Path_, message: str) -> Condition:
        """Record a problem and return a placeholder that is never evaluated."""
        self.problems.append(self.located.problem(path, message))
        return TRUE

    def compile(self, raw: Any, path: Path_) -> Condition:
        """Compile the condition at `path`."""
        if not isinstance(raw, dict) or not raw:
            return self.error(path, "a condition must be a mapping such as {fact: ..., equals: ...}")
        keys = set(raw)
        branch = keys & {"all", "any", "not"}
        if branch:
            if len(keys) != 1:
                return self.error(path, f"'{next(iter(branch))}' must stand alone in its mapping")
            kind = next(iter(branch))
            if kind == "not":
                return self._not(raw["not"], (*path, "not"))
            return self._junction(kind, raw[kind], (*path, kind))
        if "safeguard" in keys:
            return self._safeguard(raw, path)
        if "fact" in keys:
            return self._leaf(raw, path)
        hint = vocabulary.suggest(sorted(keys)[0], ["all", "any", "not", "fact", "safeguard"])
        return self.error(
            path,
            f"unknown condition keys {sorted(keys)}; expected all, any, not, fact or safeguard"
            + (f" (did you mean '{hint}'?)" if hint else ""),
        )

    def _not(self, raw: Any, path: Path_) -> Condition:
        self.negated = not self.negated
        inner = self.compile(raw, path)
        self.negated = not self.negated

        def evaluate(ctx: dict[str, Any], trace: Trace) -> Truth:
            v = inner.evaluate(ctx, trace)
            return None if v is None else not v

        return Condition(evaluate, f"not ({inner.text})", inner.facts, inner.reads_data_systems)

    def _junction(self, kind: str, raw: Any, path: Path_) -> Condition:
        if not isinstance(raw, list) or not raw:
            return self.error(path, f"'{kind}' needs a non-empty list of conditions")
        parts = [self.compile(item, (*path, i)) for i, item in enumerate(raw)]
        evals = [p.evaluate for p in parts]
        facts = tuple(f for p in parts for f in p.facts)
        joiner = " and " if kind == "all" else " or "
        text = joiner.join(f"({p.text})" if len(p.facts) > 1 else p.text for p in parts)
        # Every branch is evaluated (no short cut) so that the trace names every missing fact.
        if kind == "all":

            def evaluate(ctx: dict[str, Any], trace: Trace) -> Truth:
                result: Truth = True
                for ev in evals:
                    v = ev(ctx, trace)
                    if v is False:
                        result = False
                    elif v is None and result is True:
                        result = None
                return result

        else:

            def evaluate(ctx: dict[str, Any], trace: Trace) -> Truth:
                result: Truth = False
                for ev in evals:
                    v = ev(ctx, trace)
                    if v is True:
                        result = True
                    elif v is None and result is False:
                        result = None
                return result

        return Condition(evaluate, text, facts, any(p.reads_data_systems for p in parts))

    def _safeguard(self, raw: dict[str, Any], path: Path_) -> Condition:
        if not self.safeguards_allowed or self.negated:
            where = "in applies_when" if not self.safeguards_allowed else "under 'not'"
            return self.error(
                path,
                f"a safeguard test cannot stand {where}: safeguards may only count towards "
                "meeting a requirement (adding one must never lower a score)",
            )
        extra = set(raw) - {"safeguard", "at_least", "is", "on", "kinds"}
        if extra:
            return self.error(path, f"unknown keys {sorted(extra)} in a safeguard test")
        on = raw.get("on")
        if on is not None and on != "data_systems":
            return self.error(
                (*path, "on"),
                f"unknown 'on: {on}': a safeguard test reads 'on: data_systems' or the solution-wide list",
            )
        kinds = raw.get("kinds")
        if kinds is not None:
            known = {k.value for k in SystemKind}
            if on is None:
                return self.error((*path, "kinds"), "'kinds' narrows 'on: data_systems' and needs it")
            if not isinstance(kinds, list) or not kinds or any(k not in known for k in kinds):
                return self.error(
                    (*path, "kinds"), f"'kinds' is a list of system kinds: {', '.join(sorted(known))}"
                )
        key = raw["safeguard"]
        vocab = vocabulary.safeguards()
        if not isinstance(key, str) or key not in vocab:
            return self.error((*path, "safeguard"), vocab.unknown_message(str(key)))
        ops = [op for op in ("at_least", "is") if op in raw]
        if len(ops) != 1:
            return self.error(path, "a safeguard test needs exactly one of 'at_least' or 'is'")
        op = ops[0]
        wanted = raw[op]
        if wanted not in SAFEGUARD_ORDER:
            hint = vocabulary.suggest(str(wanted), SAFEGUARD_ORDER)
            return self.error(
                (*path, op),
                f"unknown safeguard status '{wanted}'" + (f" (did you mean '{hint}'?)" if hint else ""),
            )
        if op == "is" and wanted != "implemented":
            return self.error(
                (*path, op),
                f"'is: {wanted}' would fail once the safeguard is implemented; "
                "use 'at_least' (or 'is: implemented')",
            )
        level = SAFEGUARD_ORDER[wanted]
        fact = f"safeguards.{key}"
        negated = self.negated
        part = self.part
        allowed = None if kinds is None else frozenset(kinds)
        remembered = _Remembered()

        def meets(status: str | None) -> Truth:
            if status is None:
                return None
            return status == wanted if op == "is" else SAFEGUARD_ORDER[status] >= level

        def evaluate(ctx: dict[str, Any], trace: Trace) -> Truth:
            status = ctx["safeguards"].get(key)
            result = meets(status)
            if on is not None:
                # outside the kinds where the control is expected, a system counts only where it
                # states the control itself (a meter with no administrative login has no MFA)
                held = [
                    s
                    for s in ctx.get("data_systems") or ()
                    if allowed is None or s["kind"] in allowed or key in s["own"]
                ]
                if held:
                    # the weakest system decides; one that holds personal data only perhaps (an
                    # unknown flow) can make the result unknown, never a failure
                    results = [
                        (meets(s["safeguards"].get(key)), s["certain"], s["safeguards"].get(key))
                        for s in held
                    ]
                    failing = [r for r in results if r[0] is False]
                    if any(certain for _r, certain, _s in failing):
                        result, status = False, next(st for r, c, st in failing if c)
                    elif failing or any(r is None for r, _c, _s in results):
                        result, status = None, None
                    else:
                        result, status = (
                            True,
                            min((st for _r, _c, st in results), key=SAFEGUARD_ORDER.__getitem__),
                        )
            trace.append(
                remembered(status, lambda st: LeafResult(fact, st, op, wanted, result, part, negated), result)
            )
            return result

        where = ""
        if on is not None:
            where = " on every system holding the personal data" + (f" ({', '.join(kinds)})" if kinds else "")
        return Condition(
            evaluate,
            f"safeguard {key} {OP_WORDS[op]} {wanted}{where}",
            (fact,),
            reads_data_systems=on is not None,
        )

    def _leaf(self, raw: dict[str, Any], path: Path_) -> Condition:
        fact = raw["fact"]
        ops = [k for k in raw if k != "fact"]
        if not isinstance(fact, str):
            return self.error((*path, "fact"), "'fact' must be a dotted path such as flow.retention")
        spec = self._spec(fact, (*path, "fact"))
        if spec is None:
            return TRUE
        if len(ops) != 1:
            return self.error(path, f"a fact test needs exactly one operator, found {sorted(ops) or 'none'}")
        op = ops[0]
        allowed = LIST_OPS if spec.kind == "list" else SCALAR_OPS
        if op not in allowed:
            hint = vocabulary.suggest(op, allowed)
            return self.error(
                (*path, op),
                f"operator '{op}' does not apply to {fact} ({spec.kind}); use one of {sorted(allowed)}"
                + (f" (did you mean '{hint}'?)" if hint else ""),
            )
        operand = raw[op]
        if not self._check_operand(spec, op, operand, (*path, op)):
            return TRUE
        return _leaf_condition(fact, op, operand, spec, negated=self.negated, part=self.part)

    def _spec(self, fact: str, path: Path_) -> FieldSpec | None:
        namespace = fact.partition(".")[0]
        if namespace not in self.namespaces:
            self.error(
                path,
                f"'{fact}': a {self.scope}-scope rule can read {', '.join(self.namespaces[:-1] if namespace == 'safeguards' else self.namespaces)}",
            )
            return None
        spec = registry().get(fact)
        if spec is None:
            known = [p for p in registry() if p.startswith(namespace + ".")]
            hint = vocabulary.suggest(fact, known)
            self.error(path, f"unknown fact '{fact}'" + (f" (did you mean '{hint}'?)" if hint else ""))
        return spec

    def _check_operand(self, spec: FieldSpec, op: str, operand: Any, path: Path_) -> bool:
        kind = spec.item_kind if spec.kind == "list" else spec.kind
        if op in ("present", "empty"):
            if operand is not True:
                self.error(path, f"'{op}' takes the value true")
                return False
            return True
        if op in ("gt", "gte", "lt", "lte"):
            if kind not in NUMERIC_KINDS and kind != "date":
                self.error(path, f"'{op}' compares numbers or dates; {spec.path} is {kind}")
                return False
            if kind == "date":
                if not isinstance(operand, str) or not _is_iso_date(operand):
                    self.error(path, f"a date operand is written YYYY-MM-DD, not {operand!r}")
                    return False
            elif isinstance(operand, bool) or not isinstance(operand, int | float):
                self.error(path, f"'{op}' needs a number")
                return False
            return True
        many = op in ("in", "contains_any", "contains_all", "any_under", "all_under")
        values = operand if many else [operand]
        if many and (not isinstance(operand, list) or not operand):
            self.error(path, f"'{op}' needs a non-empty list")
            return False
        ok = True
        for i, value in enumerate(values):
            where = (*path, i) if many else path
            ok = self._check_value(spec, kind, value, where, hierarchical=op.endswith("_under")) and ok
        return ok

    def _check_value(
        self, spec: FieldSpec, kind: str | None, value: Any, path: Path_, *, hierarchical: bool
    ) -> bool:
        if kind == "bool":
            if not isinstance(value, bool):
                self.error(path, f"{spec.path} is true or false, not {value!r}")
                return False
            return True
        if kind in NUMERIC_KINDS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.error(path, f"{spec.path} is a number, not {value!r}")
                return False
            return True
        if hierarchical and spec.vocab is None:
            self.error(path, f"'_under' tests need a vocabulary field; {spec.path} has none")
            return False
        if spec.values is not None:
            if value not in spec.values:
                hint = vocabulary.suggest(str(value), spec.values)
                self.error(
                    path,
                    f"'{value}' is not a value of {spec.path}"
                    + (f" (did you mean '{hint}'?)" if hint else ""),
                )
                return False
            return True
        if not isinstance(value, str):
            self.error(path, f"{spec.path} is text, not {value!r}")
            return False
        return True


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _leaf_condition(
    fact: str, op: str, operand: Any, spec: FieldSpec, *, negated: bool = False, part: str = "require"
) -> Condition:
    get = _getter(tuple(fact.split(".")))
    test = _tests(op, operand, spec)
    text = (
        f"{fact} {OP_WORDS[op]} {_show(operand)}"
        if op not in ("present", "empty")
        else f"{fact} {OP_WORDS[op]}"
    )
    remembered = _Remembered()

    def record(value: Any) -> LeafResult:
        result: Truth = None if value is None else test(value)
        if op == "present" and value is not None and value in ("", []):
            result = None
        return LeafResult(fact, value, op, operand, result, part, negated)

    def evaluate(ctx: dict[str, Any], trace: Trace) -> Truth:
        leaf = remembered(get(ctx), record)
        trace.append(leaf)
        return leaf.result

    return Condition(evaluate, text, (fact,))


# Why a leaf remembers its tests: a rule is evaluated for every flow, party or system, and its
# tests see the same few values again and again (true, false, not given, a handful of vocabulary
# keys). The test of a value is a pure function of that value, so the recorded `LeafResult` of the
# first target stands, unchanged and shared, for every later target with the same value; the
# assessment is the same, built with a fraction of the work and the memory. (The engine relies on
# the sharing too: it phrases the explanation once for each combination of shared records.)
_REMEMBER_AT_MOST = 64  # distinct values per leaf: memory stays flat whatever values inputs bring
# Immutable, hashable values. The type is part of the key because True == 1 == 1.0, yet the
# assessment writes each of them differently. A list of texts (purposes, data categories) is
# remembered by its items: the record keeps the first list seen, equal to every later one, and
# already shared with the solution's facts as every value is.
_SHAREABLE = frozenset({str, bool, int, float, type(None), date})


class _Remembered:
    """The recorded tests of one leaf of a condition, by the value tested."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[tuple[Any, ...], LeafResult] = {}

    def __call__(self, value: Any, record: Callable[[Any], LeafResult], result: Truth = None) -> LeafResult:
        """The record of testing `value`: one kept from an earlier target, else `record(value)`.
        `result` is given where it depends on more than the value (a safeguard on the systems
        that hold the data)."""
        cls = value.__class__
        if cls in _SHAREABLE:
            key: tuple[Any, ...] = (cls, value, result)
        elif cls is list and all(item.__class__ is str for item in value):
            key = (list, tuple(value), result)
        else:
            return record(value)
        leaf = self._seen.get(key)
        if leaf is None:
            leaf = record(value)
            if len(self._seen) < _REMEMBER_AT_MOST:
                self._seen[key] = leaf
        return leaf


def _getter(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """The value at a dotted path in a context, None when any step is missing (as `facts.lookup`),
    with the common two-step path (`flow.retention_days`) unrolled: it is read for every target."""
    if len(keys) == 2:
        first, second = keys

        def get_two(ctx: dict[str, Any]) -> Any:
            inner = ctx.get(first)
            return inner.get(second) if isinstance(inner, dict) else None

        return get_two

    def get(ctx: dict[str, Any]) -> Any:
        return lookup(ctx, keys)

    return get


def _tests(op: str, operand: Any, spec: FieldSpec) -> Callable[[Any], bool]:
    if op == "equals":
        return lambda v: bool(v == operand)
    if op == "in":
        allowed = set(operand)
        return lambda v: v in allowed
    if op == "gt":
        return lambda v: bool(v > operand)
    if op == "gte":
        return lambda v: bool(v >= operand)
    if op == "lt":
        return lambda v: bool(v < operand)
    if op == "lte":
        return lambda v: bool(v <= operand)
    if op == "present":
        return lambda v: True
    if op == "empty":
        return lambda v: len(v) == 0
    if op == "contains":
        return lambda v: operand in v
    if op == "contains_any":
        wanted = set(operand)
        return lambda v: bool(wanted & set(v))
    if op == "contains_all":
        wanted = set(operand)
        return lambda v: wanted <= set(v)
    prefixes = tuple(operand)

    def under(item: str) -> bool:
        return any(item == p or item.startswith(p + ".") for p in prefixes)

    if op == "any_under":
        return lambda v: any(under(i) for i in v)
    if op == "all_under":
        return lambda v: all(under(i) for i in v)
    raise AssertionError(f"unhandled operator {op}")
