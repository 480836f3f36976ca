"""The ticker: one job claims due timers at once and then every few seconds; retention is
a job of its own, first run one interval after start, so it never delays a timer."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from jobs.ticker import Ticker


class Target:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def tick(self) -> int:
        self.calls.append("tick")
        return 0

    async def prune(self) -> None:
        self.calls.append("prune")
        raise RuntimeError("a failing pass is logged; the next one tries again")


@pytest.mark.asyncio
async def test_the_tick_runs_at_once_and_retention_runs_on_its_own_interval() -> None:
    target = Target()
    ticker = Ticker(target, 2.0, prune_every=timedelta(minutes=10))
    ticker.start()
    try:
        tick = ticker.scheduler.get_job("alsbot-tick")
        prune = ticker.scheduler.get_job("alsbot-prune")
        assert tick.trigger.interval == timedelta(seconds=2)
        assert prune.trigger.interval == timedelta(minutes=10)
        now = datetime.now(UTC)
        assert tick.next_run_time <= now + timedelta(seconds=1)
        assert prune.next_run_time >= now + timedelta(minutes=9)
        for job in (tick, prune):  # run each job's own callable, as the scheduler would
            await job.func()
        assert target.calls == ["tick", "prune"]
    finally:
        await ticker.stop()


class SlowTarget:
    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished = False

    async def tick(self) -> int:
        self.started.set()
        await self.release.wait()
        self.finished = True
        return 0

    async def prune(self) -> None:
        pass


@pytest.mark.asyncio
async def test_stopping_lets_the_tick_in_flight_finish_without_an_error_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`alsbot run` stopped by SIGTERM logged "Error running job alsbot-tick" with a
    CancelledError traceback: APScheduler cancelled the tick in flight."""
    target = SlowTarget()
    ticker = Ticker(target, 60.0)
    ticker.start()
    await asyncio.wait_for(target.started.wait(), 5)
    stopping = asyncio.create_task(ticker.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # waits for the tick ...
    target.release.set()
    await asyncio.wait_for(stopping, 5)
    assert target.finished  # ... which finished its work
    assert not ticker.scheduler.running
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
