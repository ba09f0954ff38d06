"""Run a function on hostile input in a child process with a memory and a wall-clock limit.

A signed report is handed over by the party it assesses, so `verify` must end on any file: a page
tree with a cycle, a decompression bomb or a cross-reference table of a billion entries may not
hang it or take the machine's memory. The work runs in a child forked from a small, clean server
process (multiprocessing's forkserver, with the verifier's modules loaded once), limited to
`memory` bytes of address space (RLIMIT_AS) and `seconds` of wall clock; the parent kills it when
the time is up. The clock starts when the child is ready, so the server's one-time start does not
count against the file.

As with any use of multiprocessing's forkserver, the program's main module must be safe to
import (its work under `if __name__ == "__main__":`); the `compliance` command is.
"""

from __future__ import annotations

import multiprocessing
import resource
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

DEFAULT_SECONDS = 10.0
DEFAULT_MEMORY = 1 << 30  # 1 GiB
START_SECONDS = 120.0  # for the child to start (the server's first start imports the verifier)

_CONTEXT: Any = None


class LimitExceeded(Exception):  # noqa: N818 (an outcome, not a bug)
    """The work did not finish within its limits: `what` is 'time', 'memory' or 'crash'."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(detail)
        self.what = what


class ChildError(Exception):
    """The work raised an exception in the child; its traceback is the message."""


@dataclass(frozen=True)
class Limits:
    """How much the child may use."""

    seconds: float = DEFAULT_SECONDS
    memory: int = DEFAULT_MEMORY


def _context(preload: list[str]) -> Any:
    global _CONTEXT  # one server per process, started on first use
    if _CONTEXT is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(preload)
        _CONTEXT = ctx
    return _CONTEXT


def _child(conn: Connection, memory: int, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        conn.send(("ready", None))
        try:
            result = func(*args)
        except MemoryError:
            conn.send(("memory", None))
            return
        except RecursionError:
            conn.send(("crash", "the file nests its objects too deeply to read"))
            return
        except Exception:
            conn.send(("error", traceback.format_exc()))
            return
        conn.send(("ok", result))
    except MemoryError:
        conn.send(("memory", None))
    finally:
        conn.close()


def run_limited(
    func: Callable[..., Any], *args: Any, limits: Limits = Limits(), preload: list[str] | None = None
) -> Any:
    """`func(*args)` in a limited child; its result, or LimitExceeded, or ChildError. `func` and
    its arguments and result must be picklable (a module-level function and plain data)."""
    ctx = _context(preload or [func.__module__])
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, limits.memory, func, args), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(START_SECONDS):
            raise LimitExceeded("time", "the checking process did not start")
        kind, payload = parent.recv()
        if kind != "ready":
            return _outcome(kind, payload, limits)
        if not parent.poll(limits.seconds):
            raise LimitExceeded("time", f"not finished within {limits.seconds:g} s")
        kind, payload = parent.recv()
        return _outcome(kind, payload, limits)
    except EOFError:
        process.join(5)
        code = process.exitcode
        raise LimitExceeded(
            "crash", f"the checking process ended without an answer (exit status {code})"
        ) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        parent.close()


def _outcome(kind: str, payload: Any, limits: Limits) -> Any:
    if kind == "ok":
        return payload
    if kind == "memory":
        raise LimitExceeded("memory", f"needs more than {limits.memory >> 20} MiB of memory")
    if kind == "crash":
        raise LimitExceeded("crash", str(payload))
    raise ChildError(str(payload))
