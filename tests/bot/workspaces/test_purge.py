"""After the grace period every row of the departed workspace is deleted, table by table,
and the other workspace's rows are exactly as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.departed import DEPARTED
from bot.outbox_rows import enqueue
from bot.replies import Direct, Post, text
from bot.store.models import Base
from bot.workspaces import purge
from testkit.harness import GENERAL, Harness, u
from testkit.nudges import closed_session
from tests.bot.workspaces.departure_helpers import (
    GONE,
    STAYS,
    STAYS_GENERAL,
    UNBOUND,
    changed_tables,
    fill,
    fill_unbound,
    install,
    mentions,
    remove,
    snapshot,
)

pytestmark = pytest.mark.asyncio
SQLITE_ONLY = pytest.mark.parametrize("any_db_url", ["sqlite"], indirect=True)


async def stays_in_use(h: Harness) -> None:
    await h.cmd("sam", "facilitator add @sam", channel=STAYS_GENERAL, ws=STAYS)
    await fill(h, STAYS)
    await fill_unbound(h)


async def gone_in_use(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    await fill(h, GONE)
    async with h.app.store.write() as conn:
        await enqueue(conn, [Post(channel=GENERAL, text=text("queued"))], now=h.clock.now())
        await enqueue(conn, [Direct(user=u("bob"), text=text("queued dm"))], now=h.clock.now())


async def test_after_the_grace_period_all_its_data_is_gone_and_nothing_else(h: Harness) -> None:
    await stays_in_use(h)
    before = await snapshot(h)
    await gone_in_use(h)
    used = await snapshot(h)
    every_table = set(Base.metadata.tables) - UNBOUND
    assert changed_tables(before, used) == every_table, "the departing workspace is in every table"

    await remove(h)
    await h.wait(timedelta(days=29))
    kept = await snapshot(h)
    assert all(kept[name] for name in every_table), "kept through the grace period"

    await h.wait(timedelta(days=1, minutes=1))
    after = await snapshot(h)
    assert changed_tables(before, after) == {"departed_workspaces"}
    [row] = after["departed_workspaces"]
    assert row[0] == GONE.key
    for name, rows in after.items():
        if name != "departed_workspaces":
            assert not mentions(rows, GONE), name
    async with h.app.store.read() as conn:
        [departed] = list(await conn.execute(select(DEPARTED)))
    assert departed.purged_at == departed.purge_at


@SQLITE_ONLY  # steps on PostgreSQL: `test_purge_postgres.py`
async def test_a_large_workspace_is_deleted_in_steps(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purge, "SETS_AT_ONCE", 1)
    await stays_in_use(h)
    before = await snapshot(h)
    await gone_in_use(h)
    await fill(h, GONE, lease=False, tag="2")  # a second set of its own
    await remove(h)
    await h.wait(timedelta(days=30, minutes=1))
    assert changed_tables(before, await snapshot(h)) == {"departed_workspaces"}


@SQLITE_ONLY
async def test_installed_again_after_the_deletion_it_starts_afresh(h: Harness) -> None:
    await closed_session(h)
    await remove(h)
    await h.wait(timedelta(days=31))
    await install(h)
    async with h.app.store.read() as conn:
        assert not list(await conn.execute(select(DEPARTED)))
    out = await h.cmd("alice", "facilitator add @alice")
    assert out, "work resumes: a new set answers"
