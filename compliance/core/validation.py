"""Validation errors as located problems: pydantic's errors turned into `file:line:column:
field: what is wrong`, with did-you-mean hints, for solution files, packs and shipped data alike."""

from __future__ import annotations

import json
import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from compliance.core import vocabulary
from compliance.core.errors import InputError, Problem
from compliance.core.yamlio import Located, Path_

# pydantic's tags for validated types in an error's location ('function-after[...]', 'list[...]',
# 'tagged-union[...]'): not fields. A key of the file may hold a bracket too ('jurisdict[on').
_TAG = re.compile(r"^(?:[a-z][a-z-]*\[.*\]|function-[a-z-]+)$", re.DOTALL)


def _loc_path(loc: tuple[int | str, ...]) -> Path_:
    return tuple(p for p in loc if not (isinstance(p, str) and _TAG.match(p)))


_WHERE = re.compile(r"^(?P<where>[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*)(?:: | )(?P<rest>.*)$")


def _parse_where(where: str) -> Path_:
    out: list[str | int] = []
    for part in where.split("."):
        m = re.match(r"^([a-z_]+)(?:\[(\d+)\])?$", part)
        if not m:
            return ()
        out.append(m[1])
        if m[2] is not None:
            out.append(int(m[2]))
    return tuple(out)


def _model_at(model: type[BaseModel], path: Path_) -> type[BaseModel] | None:
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _inner_model(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(tp: Any) -> Any:
    for _ in range(4):
        origin = typing.get_origin(tp)
        if origin is None:
            return tp
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if not args:
            return tp
        tp = args[-1] if origin is dict else args[0]
    return tp


def validation_problems(
    exc: ValidationError, located: Located, model: type[BaseModel], base: Path_ = ()
) -> list[Problem]:
    """Turn pydantic errors into located problems with did-you-mean hints."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        path = (*base, *_loc_path(err["loc"]))
        kind = err["type"]
        message = err["msg"]
        if kind == "extra_forbidden":
            # The unknown key is the location's last part, whatever it looks like.
            name = str(err["loc"][-1]) if err["loc"] else ""
            if not path or path[-1] != err["loc"][-1]:
                path = (*path, name)
            owner = _model_at(model, path[len(base) : -1])
            hint = vocabulary.suggest(name, owner.model_fields) if owner else None
            message = f"unknown field '{name}'" + (f" (did you mean '{hint}'?)" if hint else "")
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "enum":
            expected = err.get("ctx", {}).get("expected", "")
            choices = re.findall(r"'([^']*)'", expected)
            hint = vocabulary.suggest(str(err.get("input")), choices)
            message = f"'{err.get('input')}' is not allowed; expected {expected}" + (
                f" (did you mean '{hint}'?)" if hint else ""
            )
        elif kind == "value_error":
            message = message.removeprefix("Value error, ")
            parts = message.split("\n")
            if len(parts) > 1 or _WHERE.match(parts[0]):
                for part in parts:
                    m = _WHERE.match(part)
                    sub = _parse_where(m["where"]) if m else ()
                    if m and sub and sub[0] in _fields_of(_model_at(model, path[len(base) :])):
                        problems.append(located.problem((*path, *sub), m["rest"]))
                    else:
                        problems.append(located.problem(path, part))
                continue
        problems.append(located.problem(path, message))
    return problems


def _fields_of(model: type[BaseModel] | None) -> set[str]:
    return set(model.model_fields) if model else set()


def validate_located(model: type[BaseModel], located: Located, error: type[InputError]) -> Any:
    """Validate loaded YAML against a model; every problem located at its file:line:column."""
    if not isinstance(located.data, dict):
        raise error([located.problem((), "the top level must be a mapping of fields")])
    try:
        return model.model_validate_json(json.dumps(located.data))
    except ValidationError as exc:
        raise error(validation_problems(exc, located, model)) from None
