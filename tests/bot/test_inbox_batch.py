"""Two copies of one key in the same group commit (a platform retry racing its original):
one row, holding the first copy; the first caller hears "new", the second "duplicate"."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.events import MessagePosted, event_from_json
from bot.inbox import InboxWriter
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.store.db import open_store
from bot.store.models import Inbox

W = WorkspaceRef(Platform.SLACK, "T1")
C = ChannelRef(W, "C1")


def copy(text: str, key: str = "slack:event:Ev1") -> MessagePosted:
    return MessagePosted(
        key=key, user=UserRef(W, "U1"), channel=C, message=MessageRef(C, "1.0"), text=text
    )


@pytest.mark.asyncio
async def test_two_copies_in_one_batch_make_one_row_and_one_new(any_db_url: str, clock) -> None:
    store = await open_store(any_db_url)
    batches: list[int] = []
    writer = InboxWriter(store, clock, on_new=lambda: batches.append(1))
    try:
        # Both are queued before the flusher first runs, so they share one commit (a copy in
        # a later batch would be told "duplicate" by the database instead).
        results = await asyncio.gather(
            writer.put(copy("first")), writer.put(copy("second")), writer.put(copy("x", "k2"))
        )
        assert results == [True, False, True]
        assert batches == [1], "one group commit held all three"
        async with store.read() as conn:
            rows = list(await conn.execute(select(Inbox.__table__.c.key, Inbox.__table__.c.body)))
        assert sorted(r.key for r in rows) == ["k2", "slack:event:Ev1"]
        [kept] = [event_from_json(r.body) for r in rows if r.key == "slack:event:Ev1"]
        assert kept == copy("first"), "the first copy is the one recorded"
        assert await writer.put(copy("third")) is False, "and a later copy is a duplicate"
    finally:
        await store.close()
