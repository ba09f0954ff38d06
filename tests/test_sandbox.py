"""The child process that checks hostile files: it ends within its time and memory limits, and a
bug inside it is a bug, not a verdict."""

from __future__ import annotations

import time

import pytest

from compliance.trust.sandbox import ChildError, LimitExceeded, Limits, run_limited


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes << 20)
    return len(block)


def sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def fail() -> None:
    raise ValueError("a bug in the checker")


def recurse(n: int) -> int:
    return recurse(n + 1) + 1


def test_the_result_comes_back() -> None:
    assert run_limited(allocate, 16, limits=Limits(seconds=30)) == 16 << 20


def test_more_memory_than_the_limit_is_a_memory_limit() -> None:
    with pytest.raises(LimitExceeded) as caught:
        run_limited(allocate, 2048, limits=Limits(seconds=30, memory=1 << 30))
    assert caught.value.what == "memory" and "1024 MiB" in str(caught.value)


def test_work_past_the_time_limit_is_stopped() -> None:
    with pytest.raises(LimitExceeded) as caught:
        run_limited(sleep, 60, limits=Limits(seconds=0.5))
    assert caught.value.what == "time" and "0.5 s" in str(caught.value)


def test_endless_recursion_is_reported_as_too_deep() -> None:
    with pytest.raises(LimitExceeded) as caught:
        run_limited(recurse, 0, limits=Limits(seconds=30))
    assert caught.value.what == "crash" and "too deeply" in str(caught.value)


def test_an_exception_in_the_child_is_a_bug_with_its_traceback() -> None:
    with pytest.raises(ChildError, match="a bug in the checker"):
        run_limited(fail, limits=Limits(seconds=30))
