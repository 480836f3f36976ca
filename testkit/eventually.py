"""Waiting for something another process or task does: the one poll-until loop.

Tests and benches often wait on real I/O they do not control — a child process becoming
healthy, a row another process commits, a reply the stand-in receives.  Each used to have
its own `while … deadline … sleep` loop with its own timeout message; this is that loop
once.  It polls with short real sleeps and never advances domain time: a test that needs
the bot's clock to move uses a `FakeClock` (see `testkit.timeline`), not this.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

T = TypeVar("T")


class NeverHappened(AssertionError):
    """The condition did not hold within the time allowed (an AssertionError, so pytest
    reports it as a failed expectation rather than an error in the test's machinery)."""


@overload
async def eventually(
    check: Callable[[], Awaitable[T]],
    *,
    within: float = ...,
    every: float = ...,
    what: str | Callable[[], str] = ...,
) -> T: ...


@overload
async def eventually(
    check: Callable[[], T],
    *,
    within: float = ...,
    every: float = ...,
    what: str | Callable[[], str] = ...,
) -> T: ...


async def eventually(
    check: Callable[[], T | Awaitable[T]],
    *,
    within: float = 5.0,
    every: float = 0.02,
    what: str | Callable[[], str] = "the condition",
) -> T:
    """Poll `check` (plain or async) until it returns something truthy, and return that.

    An exception raised by `check` ends the wait at once (so a check can say "the process
    died, stop waiting").  After `within` seconds of loop time it raises `NeverHappened`
    naming `what` — a callable is evaluated then, so the message can carry fresh logs.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        outcome = check()
        value: T = await outcome if inspect.isawaitable(outcome) else outcome
        if value:
            return value
        if loop.time() >= deadline:
            description = what() if callable(what) else what
            raise NeverHappened(f"{description} did not happen within {within:g} s")
        await asyncio.sleep(every)


async def reached(
    check: Callable[[], object | Awaitable[object]],
    within: float,
    every: float = 0.005,
    clock: Callable[[], float] = time.perf_counter,
) -> float | None:
    """For benches: when `check` first held, on `clock`; None if it never did in time.

    A bench reports a timeout as a figure rather than failing, so it gets a value back."""
    try:
        await eventually(check, within=within, every=every)
    except NeverHappened:
        return None
    return clock()
