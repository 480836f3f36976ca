"""The inbox: durable before `put` returns, duplicates recognised, batches under load."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.events import MessagePosted, event_from_json
from bot.inbox import InboxWriter
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.store.db import open_store
from bot.store.models import Inbox

W = WorkspaceRef(Platform.SLACK, "T1")
C = ChannelRef(W, "C1")


def message(n: int, key: str | None = None) -> MessagePosted:
    return MessagePosted(
        key=key or f"slack:event:{n}",
        user=UserRef(W, "U1"),
        channel=C,
        message=MessageRef(C, f"{n}.0"),
        text=f"hello {n}",
    )


@pytest.mark.asyncio
async def test_put_is_durable_and_dedups(any_db_url: str, clock) -> None:
    store = await open_store(any_db_url)
    writer = InboxWriter(store, clock)
    try:
        assert await writer.put(message(1)) is True
        assert await writer.put(message(1)) is False
        # A second, independent store sees the row: it is committed, not just buffered.
        other = await open_store(any_db_url, migrate=False)
        async with other.read() as conn:
            rows = list(await conn.execute(select(Inbox.__table__.c.body)))
        await other.close()
        assert [event_from_json(r.body) for r in rows] == [message(1)]
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_concurrent_puts_with_duplicates_are_each_answered_once(
    any_db_url: str, clock
) -> None:
    store = await open_store(any_db_url)
    writer = InboxWriter(store, clock, max_batch=64)
    try:
        events = [message(i % 300) for i in range(1000)]
        results = await asyncio.gather(*(writer.put(e) for e in events))
        assert sum(results) == 300
        async with store.read() as conn:
            count = (
                await conn.execute(select(func.count()).select_from(Inbox.__table__))
            ).scalar_one()
        assert count == 300
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_failed_write_is_reported_to_every_caller(sqlite_url: str, clock) -> None:
    store = await open_store(sqlite_url)
    writer = InboxWriter(store, clock)
    await store.close()
    async with store.write() as conn:  # break the table so the insert fails
        await conn.exec_driver_sql("DROP TABLE inbox")
    from sqlalchemy.exc import OperationalError

    with pytest.raises(OperationalError, match="no such table"):
        await writer.put(message(1))
    await store.close()
