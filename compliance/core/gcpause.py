"""Pausing Python's cyclic garbage collector around allocation-heavy work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while results pile up (no cycles are made; with it on,
    a 10,000-flow run spends half its time in collections).

    When the pause ends, the objects made during it are moved straight to the oldest generation
    (`gc.freeze()` then `gc.unfreeze()`, which does exactly that without walking them). Left in the
    youngest generation, the first allocation after the pause would walk all of them (a fifth of
    the engine's time at 1,000 flows), and they would be walked again when promoted: results that
    live on as long as the assessment, for nothing. They are still collected by full collections.
    A process that froze objects itself (before forking workers) keeps them frozen: nothing is
    moved then.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
