"""A health board on a test's `FakeClock`, as `Alsbot` makes its own on the core's clock."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.health import HealthBoard


def board_on(clock: FakeClock) -> HealthBoard:
    return HealthBoard(now=lambda: clock.now().timestamp())


def wait(clock: FakeClock, seconds: float) -> float:
    """Move the clock on; returns the new time in the board's seconds since the epoch."""
    return clock.advance(timedelta(seconds=seconds)).timestamp()
