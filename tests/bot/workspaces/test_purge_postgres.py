"""Two processes on one PostgreSQL database delete a departed workspace once: the purge
timer is claimed by one of them, step by step."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.departed import DEPARTED
from bot.store.models import Set as SetRow
from bot.workspaces import purge
from testkit.harness import Harness
from testkit.nudges import closed_session
from tests.bot.workspaces.departure_helpers import GONE, fill, remove


@pytest.mark.asyncio
async def test_two_processes_delete_a_workspace_once(
    postgres_url: str,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(purge, "SETS_AT_ONCE", 1)
    first = await Harness.open(postgres_url, clock)
    second = await Harness.open(postgres_url, clock)
    try:
        await closed_session(first)
        await fill(first, GONE)
        await remove(first)
        clock.advance(timedelta(days=30, minutes=1))
        caplog.set_level(logging.INFO, logger="bot.workspaces.purge")
        for _ in range(4):  # a step each: two sets, then the rest
            await asyncio.gather(*(h.app.tick() for h in (first, second, first, second)))
        deleted = [r for r in caplog.records if "data deleted" in r.getMessage()]
        assert len(deleted) == 1 and GONE.key in deleted[0].getMessage()
        sets = SetRow.__table__
        async with first.app.store.read() as conn:
            assert (await conn.execute(select(func.count()).select_from(sets))).scalar() == 0
            [row] = list(await conn.execute(select(DEPARTED)))
        assert row.purged_at is not None
    finally:
        await first.close()
        await second.close()
