"""Writing outputs: all of them or none, never over an input, never half-way through a signal.

A run writes each output to a temporary file beside it first and replaces the targets only when
every output was written. The replacements run with SIGINT, SIGTERM and SIGHUP blocked, so that
an interrupt arrives before the first replacement or after the last, never between two of them:
a report and its JSON always come from the same run. Temporaries are named
`.compliance-tmp.PID.NAME.XXXX.tmp`; a run that was killed leaves its own behind, and the next
run in that folder removes those whose process is gone.

Before any work, the outputs are checked: an output that names an input (the solution, its
decisions, a rule pack, any declared evidence, a file inside a declared code folder), the same
path named twice, or a folder is refused with exit 2, and nothing is written.
"""

from __future__ import annotations

import json
import os
import re
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from compliance.core.errors import InputError, OutputError, UsageError
from compliance.core.messages import N_
from compliance.inputs.files import read_text
from compliance.outputs.i18n import translator

TEMP_PREFIX = ".compliance-tmp."
# An assessment JSON beside a report is read only to compare run IDs; larger ones are not ours.
MAX_SIDE_BY_SIDE_BYTES = 256 * 1024 * 1024
_TEMP_NAME = re.compile(r"^\.compliance-tmp\.(\d+)\..*\.tmp$")
# The signals that would stop a run between two replacements.
_DEFERRED = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


def _tr(message: str, lang: str) -> str:
    return translator(lang).gettext(message)


def check_outputs(
    outputs: Sequence[Path], inputs: Iterable[Path] = (), folders: Iterable[Path] = (), *, lang: str = "en"
) -> None:
    """Refuse outputs that name an input, a file inside an input folder, the same file twice, or a
    folder; raised as a usage error (in the CLI's language) before anything is written."""
    seen: dict[Path, Path] = {}
    files = [(p, _real(p)) for p in inputs]
    trees = [_real(p) for p in folders]
    for path in outputs:
        if str(path).endswith(os.sep) or path.is_dir():
            raise UsageError(_tr(N_("{path}: is a folder; name a file to write"), lang).format(path=path))
        real = _real(path)
        if real in seen:
            raise UsageError(
                _tr(N_("{path}: named twice as an output (also as {other})"), lang).format(
                    path=path, other=seen[real]
                )
            )
        seen[real] = path
        for given, resolved in files:
            if real == resolved or _same_file(path, given):
                raise UsageError(
                    _tr(
                        N_("{path}: is an input of this run ({input}); writing it would destroy it"), lang
                    ).format(path=path, input=given)
                )
        for tree in trees:
            if real.is_relative_to(tree):
                raise UsageError(
                    _tr(
                        N_("{path}: lies inside {folder}, which this run reads; write it elsewhere"), lang
                    ).format(path=path, folder=tree)
                )


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path.absolute()


def _same_file(a: Path, b: Path) -> bool:
    """Whether two names are the same file (a hard link too); False when either does not exist."""
    try:
        return a.samefile(b)
    except (OSError, ValueError):
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporaries that runs which no longer exist left in `folder`; what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False) or _alive(int(match.group(1))):
            continue
        try:
            Path(entry.path).unlink()
            removed.append(Path(entry.path))
        except OSError:
            continue  # another run removed it, or the folder is not ours to clean: harmless
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # a process of another user, or a number no process has: leave it alone
    return True


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back until the block ends, then deliver them.

    Blocking them in this thread is not enough where the process has other threads (a thread that
    does not block a signal receives it, and Python runs the handler in the main thread at once),
    so in the main thread the handlers are swapped for one that only notes the signal."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    noted: list[int] = []
    handlers: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for deferred in _DEFERRED:
            handlers[deferred] = signal.signal(deferred, lambda signum, _frame: noted.append(signum))
    try:
        yield
    finally:
        for number, handler in handlers.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        for number in dict.fromkeys(noted):
            signal.raise_signal(number)


def write_all_atomically(outputs: Sequence[tuple[Path, str | bytes]], *, lang: str = "en") -> None:
    """Write several files so that either all are replaced or none is: each goes to a temporary
    file beside its target first, and the targets are replaced only when every write worked."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in outputs:
            folder = path.parent if str(path.parent) else Path()
            try:
                folder.mkdir(parents=True, exist_ok=True)
                remove_stale_temporaries(folder)
                fd, tmp_name = tempfile.mkstemp(
                    prefix=f"{TEMP_PREFIX}{os.getpid()}.{path.name}.", suffix=".tmp", dir=folder
                )
                staged.append((Path(tmp_name), path))
                # mkstemp makes the file 0600; give it the mode a plain open() would have.
                os.fchmod(fd, 0o666 & ~_umask())
                if isinstance(text, bytes):
                    with os.fdopen(fd, "wb") as fb:
                        fb.write(text)
                else:
                    with os.fdopen(fd, "w", encoding="utf-8") as fh:
                        fh.write(text)
            except OSError as exc:
                raise OutputError(cannot_write(path, exc, lang)) from exc
        with signals_deferred():
            for staged_file, path in staged:
                try:
                    staged_file.replace(path)
                except OSError as exc:
                    raise OutputError(cannot_write(path, exc, lang)) from exc
    finally:
        for staged_file, _target in staged:
            staged_file.unlink(missing_ok=True)


def cannot_write(path: Path, exc: OSError, lang: str = "en") -> str:
    """`PATH: cannot write: REASON`, in the language given."""
    return _tr(N_("{path}: cannot write: {reason}"), lang).format(path=path, reason=exc.strerror)


def write_atomically(path: Path, text: str | bytes, *, lang: str = "en") -> None:
    """Write a file whole or not at all: an earlier file is replaced only on success."""
    write_all_atomically([(path, text)], lang=lang)


# Side by side: a report and the JSON written with it


def other_runs_beside(
    pdf: Path, run_id: str | None, outputs: Iterable[str], *, exclude: Iterable[Path] = ()
) -> list[tuple[Path, str | None]]:
    """JSON assessments beside a report that another run wrote: those the report's run says it
    wrote with it, and the one of the same name, whose run ID is not the report's. A file that
    cannot be read as an assessment is left out (it may be anything); (path, its run ID)."""
    names = {n for n in outputs if n.endswith(".json") and n == Path(n).name and n not in (".", "..")}
    names.add(pdf.with_suffix(".json").name)
    skipped = {_real(p) for p in exclude}
    found: list[tuple[Path, str | None]] = []
    for name in sorted(names):
        path = pdf.parent / name
        if _real(path) in skipped or not path.is_file():
            continue
        try:
            data = json.loads(read_text(path, max_bytes=MAX_SIDE_BY_SIDE_BYTES))
        except (InputError, ValueError):
            continue
        if not isinstance(data, dict) or "verdict" not in data or "findings" not in data:
            continue
        run = data.get("run")
        other = run.get("id") if isinstance(run, dict) and isinstance(run.get("id"), str) else None
        if other != run_id:
            found.append((path, other))
    return found
