"""Safe YAML (and JSON) parsing that keeps every value's line and column (reading files is
`compliance.inputs.files`).

Hostile input is refused early and plainly: files above a size limit, alias bombs (by their
expanded size, computed without expanding them), recursive aliases, duplicate keys and
multi-document streams. Booleans follow YAML 1.2 (`true`/`false` only), so the country code
`NO` stays a string, and dates stay ISO strings for the models to parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from compliance.core.errors import InputError, Problem
from compliance.core.gcpause import gc_paused

DEFAULT_MAX_NODES = 2_000_000

_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_INT_TAG = "tag:yaml.org,2002:int"
_STR_TAG = "tag:yaml.org,2002:str"
_Scalar = yaml.ScalarNode

# The longest number (in characters) that is read: far above any value a model accepts, far below
# Python's limit on converting text to integers (4,300 digits).
MAX_NUMBER_CHARACTERS = 100

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader with YAML 1.2 booleans and no implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|false|True|False|TRUE|FALSE)$"), list("tTfF"))

Path_ = tuple[str | int, ...]


class Positions(Mapping[Path_, tuple[int, int]]):
    """The line and column (1-based) of every mapping key and sequence item of a document, and of
    the document itself under the empty path, read from its composed nodes when asked.

    Only errors and a few outputs ask for positions, so none is worked out in advance: recording
    one for every value cost nearly as much as making the values.
    """

    def __init__(self, root: yaml.Node) -> None:
        self._root = root

    def _marked(self, path: Path_) -> yaml.Node | None:
        """The node whose start is the position of `path` (for a mapping key: the key's), or None."""
        node = marked = self._root
        for part in path:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and str(key.value) == part:
                        marked, node = key, value
                        break
                else:
                    return None
            elif isinstance(node, yaml.SequenceNode) and type(part) is int and 0 <= part < len(node.value):
                marked = node = node.value[part]
            else:
                return None
        return marked

    def __getitem__(self, path: Path_) -> tuple[int, int]:
        node = self._marked(tuple(path))
        if node is None:
            raise KeyError(path)
        return _mark(node)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self._marked(path) is not None

    def __iter__(self) -> Iterator[Path_]:
        stack: list[tuple[Path_, yaml.Node]] = [((), self._root)]
        while stack:
            path, node = stack.pop()
            yield path
            if isinstance(node, yaml.MappingNode):
                stack += [((*path, str(k.value)), v) for k, v in reversed(node.value)]
            elif isinstance(node, yaml.SequenceNode):
                stack += [((*path, i), item) for i, item in reversed(list(enumerate(node.value)))]

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class Located:
    """A loaded document with the position of every mapping key and sequence item."""

    data: Any
    file: str
    positions: Mapping[Path_, tuple[int, int]]

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the closest known ancestor of `path`."""
        probe = tuple(path)
        while probe:
            found = self.positions.get(probe)
            if found is not None:
                return found
            probe = probe[:-1]
        return self.positions.get((), (None, None))

    def problem(self, path: Path_, message: str) -> Problem:
        """A Problem located at `path`."""
        line, column = self.where(path)
        return Problem(self.file, message, line, column, format_path(path))


def format_path(path: Path_) -> str:
    """`('flows', 2, 'retention')` -> `flows[2].retention`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_text(text: str, file: str, *, max_nodes: int = DEFAULT_MAX_NODES) -> Located:
    """Load one YAML (or JSON) document from text, keeping positions."""
    with gc_paused():
        return _load_text(text, file, max_nodes)


def _load_text(text: str, file: str, max_nodes: int) -> Located:
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.composer.ComposerError as exc:
            raise _yaml_problem(file, exc) from None
        except yaml.YAMLError as exc:
            raise _yaml_problem(file, exc) from None
        if root is None:
            raise InputError.single(file, "the file is empty", line=1, column=1)
        if "*" in text:  # an alias is written '*name': without one, nothing can expand
            _check_expanded_size(root, file, max_nodes)
        data = _convert(root, (), file, loader, _plain_strings(loader))
        return Located(data, file, Positions(root))
    finally:
        loader.dispose()


def _plain_strings(loader: Any) -> bool:
    """Whether the loader makes a text scalar into its value as it stands, as PyYAML's safe
    constructor does (unless another constructor was registered for texts)."""
    constructor = loader.yaml_constructors.get(_STR_TAG)
    return constructor is yaml.constructor.SafeConstructor.construct_yaml_str


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _yaml_problem(file: str, exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is not None:
        return InputError.single(file, message, line=mark.line + 1, column=mark.column + 1)
    return InputError.single(file, message)


def _check_expanded_size(root: yaml.Node, file: str, max_nodes: int) -> None:
    """Refuse documents whose aliases would expand past `max_nodes` (billion laughs)."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            line, column = _mark(node)
            raise InputError.single(file, "recursive YAML alias", line=line, column=column)
        in_progress.add(key)
        total = 1
        # A scalar counts 1, aliased or not, and holds nothing: counted here rather than in a call
        # of its own (most nodes are scalars).
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += (1 if k.__class__ is _Scalar else size(k)) + (
                    1 if v.__class__ is _Scalar else size(v)
                )
                if total > max_nodes:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += 1 if item.__class__ is _Scalar else size(item)
                if total > max_nodes:
                    break
        in_progress.discard(key)
        sizes[key] = total
        return total

    stack_limit_guard = size(root)
    if stack_limit_guard > max_nodes:
        raise InputError.single(
            file,
            f"document expands to more than {max_nodes:,} values (YAML aliases); refused",
            line=1,
            column=1,
        )


def _convert(node: yaml.Node, path: Path_, file: str, loader: Any, plain: bool) -> Any:
    """The value of a node; `plain` (`_plain_strings`) says that texts can be taken as they
    stand."""
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, column = _mark(key_node)
                raise InputError.single(
                    file, "YAML merge keys (<<) are not supported", line=line, column=column
                )
            if not isinstance(key_node, yaml.ScalarNode):
                line, column = _mark(key_node)
                raise InputError.single(file, "mapping keys must be plain text", line=line, column=column)
            key = str(key_node.value)
            if key in result:
                line, column = _mark(key_node)
                raise InputError(
                    [Problem(file, f"duplicate key '{key}'", line, column, format_path((*path, key)))]
                )
            result[key] = _convert(value_node, (*path, key), file, loader, plain)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            items.append(_convert(item, (*path, index), file, loader, plain))
        return items
    if node.tag == _INT_TAG and len(node.value) > MAX_NUMBER_CHARACTERS:
        # Python refuses to convert integers of more than 4,300 digits (a ValueError deep in the
        # constructor); no value of any model needs a fraction of that, so the file is refused here.
        line, column = _mark(node)
        raise InputError(
            [
                Problem(
                    file,
                    f"a number {len(node.value):,} characters long; numbers over {MAX_NUMBER_CHARACTERS} are refused",
                    line,
                    column,
                    format_path(path),
                )
            ]
        )
    if plain and node.tag == _STR_TAG and node.__class__ is _Scalar:
        # What the constructor makes of a text (`construct_yaml_str`), without its bookkeeping:
        # most values of a file are texts.
        value = node.value
    else:
        try:
            value = loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise _yaml_problem(file, exc) from None
    if value is not None and not isinstance(value, str | int | float | bool):
        line, column = _mark(node)
        raise InputError(
            [
                Problem(
                    file,
                    f"unsupported YAML value of type {node.tag.rsplit(':', 1)[-1]}; use plain text, numbers or true/false",
                    line,
                    column,
                    format_path(path),
                )
            ]
        )
    return value
