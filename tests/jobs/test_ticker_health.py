"""The ticker on `/healthz`: healthy after a good tick, unhealthy after a failed one, and
stale — judged when health is read, since a stopped ticker cannot say so — once its last
good tick is older than max(3 × tick_seconds, 60 s).  The board's clock is injected."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.health import HealthBoard
from jobs.ticker import Ticker, stale_after
from testkit.health import board_on, wait


class Target:
    def __init__(self, board: HealthBoard) -> None:
        self.health = board
        self.failing = False

    async def tick(self) -> int:
        if self.failing:
            raise RuntimeError("database is locked")
        return 0

    async def prune(self) -> None:
        return None


def ticker_part(board: HealthBoard) -> dict[str, object]:
    return board.snapshot()["ticker"]


def test_staleness_is_three_ticks_but_never_under_a_minute() -> None:
    assert stale_after(5.0) == 60.0
    assert stale_after(0.2) == 60.0
    assert stale_after(30.0) == 90.0


@pytest.mark.asyncio
async def test_a_ticker_that_stops_ticking_goes_stale_and_recovers_on_the_next_good_tick(
    clock: FakeClock,
) -> None:
    board = board_on(clock)
    target = Target(board)
    ticker = Ticker(target, 30.0)  # the target's own board, as with an `Alsbot`
    assert "ticker" not in board.snapshot(), "no tick yet, nothing to report"
    await ticker._tick()
    assert ticker_part(board)["ok"] is True
    wait(clock, 90)
    assert board.ok, "three intervals: still fresh"
    wait(clock, 1)
    part = ticker_part(board)
    assert part["ok"] is False and "stale" in str(part["detail"]) and not board.ok
    await ticker._tick()
    assert ticker_part(board)["ok"] is True and board.ok


@pytest.mark.asyncio
async def test_a_failed_tick_is_unhealthy_until_the_next_good_one(clock: FakeClock) -> None:
    board = board_on(clock)
    target = Target(board)
    ticker = Ticker(target, 5.0, health=board)
    await ticker._tick()
    target.failing = True
    wait(clock, 5)
    await ticker._tick()
    part = ticker_part(board)
    assert part["ok"] is False
    assert part["detail"] == "the last tick failed (RuntimeError)", "its type, not its message"
    last = board.part("ticker")
    assert last is not None and last.last_ok == clock.now().timestamp() - 5
    target.failing = False
    wait(clock, 5)
    await ticker._tick()
    assert ticker_part(board)["ok"] is True
