"""The ticker: APScheduler only says "now"; the rows in the database decide what is due.

APScheduler's own job stores are not shared between processes, so nothing timed is kept
in them: each tick asks the core to claim due timer rows, which is safe to do from any
number of processes at once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.retention import PRUNE_EVERY

log = logging.getLogger(__name__)


class Tickable(Protocol):
    async def tick(self) -> int: ...

    async def prune(self) -> object: ...


class Ticker:
    def __init__(
        self, target: Tickable, every_seconds: float, prune_every: timedelta = PRUNE_EVERY
    ) -> None:
        self.target = target
        self.every_seconds = every_seconds
        self.prune_every = prune_every
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    async def _tick(self) -> None:
        try:
            fired = await self.target.tick()
            if fired:
                log.debug("tick fired %d timers", fired)
        except Exception:
            log.exception("tick failed; the next tick will try again")

    async def _prune(self) -> None:
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

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
