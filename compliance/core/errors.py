"""The one exception tree of the package: library code raises these, only the CLI exits."""

from __future__ import annotations

from dataclasses import dataclass, field


class ComplianceError(Exception):
    """Base of every error this package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field_path = f" {self.path}:" if self.path else ""
        return f"{where}:{field_path} {self.message}"


@dataclass
class InputError(ComplianceError):
    """A user's input (solution, rule pack, option) is invalid; maps to exit code 2."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.describe())

    def describe(self) -> str:
        """All problems, one per line."""
        return "\n".join(str(p) for p in self.problems)

    @classmethod
    def single(cls, file: str, message: str, **where: object) -> InputError:
        """An error with exactly one problem."""
        return cls([Problem(file, message, **where)])  # type: ignore[arg-type]


class SolutionError(InputError):
    """A solution description does not load or validate."""


class RulePackError(InputError):
    """A rule pack does not load; the run stops, a pack is never skipped."""


class UsageError(ComplianceError):
    """A command-line usage mistake; maps to exit code 2."""


class OutputError(ComplianceError):
    """An output could not be written; earlier outputs are left untouched."""


# The top-level package of our own code: an exception raised here is a bug, never the input's fault.
_OURS = __name__.split(".", 1)[0]


def raised_by(exc: BaseException, *packages: str) -> bool:
    """Whether `exc` was raised by one of `packages` (the libraries a seam reads hostile input
    with: pyHanko, pypdf, lxml, openpyxl) rather than by our own code: its type is theirs, or the
    innermost frame of its traceback that is theirs or ours is theirs. A seam takes what such a
    library raises on a damaged file as the file's fault and reports it; anything raised in our
    own code, whatever its type, is a bug and goes on to the internal-error exit."""
    owners = (*packages, _OURS)
    if type(exc).__module__.split(".", 1)[0] in packages:
        return True
    owner = None
    tb = exc.__traceback__
    while tb is not None:
        root = str(tb.tb_frame.f_globals.get("__name__", "")).split(".", 1)[0]
        if root in owners:
            owner = root
        tb = tb.tb_next
    return owner is not None and owner != _OURS
