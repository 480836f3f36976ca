"""The ticker: APScheduler only says "now"; the rows in the database decide what is due.

APScheduler's own job stores are not shared between processes, so nothing timed is kept
in them: each tick asks the core to claim due timer rows, which is safe to do from any
number of processes at once.

Each tick reports to the health board (`bot.health`): healthy after a good tick, with
`fresh_for` so that a ticker that stopped (or a tick stuck on the database) is judged
stale when `/healthz` is read; unhealthy after a failed tick.  The next good tick makes
it healthy again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.health import HealthBoard
from bot.retention import PRUNE_EVERY

log = logging.getLogger(__name__)
PART = "ticker"
STALE_AFTER_TICKS = 3  # a good tick older than this many intervals is stale ...
STALE_AT_LEAST = 60.0  # ... but never sooner than this (seconds): short intervals jitter
STOP_GRACE = 5.0  # seconds a tick or retention pass in flight may finish in on stop


def stale_after(every_seconds: float) -> float:
    return max(STALE_AFTER_TICKS * every_seconds, STALE_AT_LEAST)


class Tickable(Protocol):
    async def tick(self) -> int: ...

    async def prune(self) -> object: ...


class Ticker:
    def __init__(
        self,
        target: Tickable,
        every_seconds: float,
        prune_every: timedelta = PRUNE_EVERY,
        health: HealthBoard | None = None,
    ) -> None:
        self.target = target
        self.every_seconds = every_seconds
        self.prune_every = prune_every
        # The core's own board when the target is an `Alsbot`.
        found = getattr(target, "health", None)
        self.health = health or (found if isinstance(found, HealthBoard) else None)
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._busy: set[asyncio.Task[object]] = set()

    @contextlib.contextmanager
    def _in_flight(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._busy.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._busy.discard(task)

    async def _tick(self) -> None:
        with self._in_flight():
            await self._tick_once()

    async def _tick_once(self) -> None:
        try:
            fired = await self.target.tick()
            if fired:
                log.debug("tick fired %d timers", fired)
        except Exception as error:
            log.exception("tick failed; the next tick will try again")
            self._report(False, f"the last tick failed ({type(error).__name__})")
        else:
            self._report(True, "ticking")

    def _report(self, ok: bool, detail: str) -> None:
        if self.health is not None:
            self.health.report(PART, ok, detail, fresh_for=stale_after(self.every_seconds))

    async def _prune(self) -> None:
        with self._in_flight():
            try:
                await self.target.prune()
            except Exception:
                log.exception("retention failed; the next run will try again")

    def start(self) -> None:
        # The first tick runs at once: whatever fell due while the bot was down goes now.
        self.scheduler.add_job(
            self._tick,
            "interval",
            seconds=self.every_seconds,
            max_instances=1,
            coalesce=True,
            id="alsbot-tick",
            next_run_time=datetime.now(UTC),
        )
        # Retention is not urgent: its own job, first run one interval after start, so it
        # neither delays the timer tick nor adds to start-up.
        self.scheduler.add_job(
            self._prune,
            "interval",
            seconds=self.prune_every.total_seconds(),
            max_instances=1,
            coalesce=True,
            id="alsbot-prune",
        )
        self.scheduler.start()

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """No new runs, then let the one in flight finish (its effect is one transaction
        either way): APScheduler's own shutdown cancels it, and logs the cancellation of
        a routine stop as "Error running job" with a traceback."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        if self._busy:
            await asyncio.wait(set(self._busy), timeout=grace)
        self.scheduler.shutdown(wait=False)
