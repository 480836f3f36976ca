"""The stored gateway state: the durable watermark, freshness, and the row on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.discord.gateway_state import (
    RESUMABLE_FOR,
    CatchUp,
    GatewayState,
    Progress,
    StateStore,
)
from bot.store.db import open_store


def test_the_watermark_stays_below_every_dispatch_not_yet_recorded() -> None:
    p = Progress()
    p.new_session("s", "ws://resume", 1)
    for seq in (2, 3, 4):
        p.read(seq)
    p.begin(3)
    p.begin(4)
    assert p.durable == 2, "3 and 4 are not in the inbox yet"
    p.done(4)
    assert p.durable == 2, "4 is, but 3 is not: a resume must get 3 again"
    p.done(3)
    assert p.durable == 4
    p.read(5)
    p.begin(5)  # its handler could not record it: never done
    p.read(6)
    assert p.durable == 4
    state = p.state(GatewayState(), datetime(2026, 1, 1, tzinfo=UTC))
    assert (state.session_id, state.resume_url, state.sequence) == ("s", "ws://resume", 4)


def test_a_session_is_resumed_only_while_discord_may_still_hold_it() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    state = GatewayState("s", "ws://resume", 7, now.isoformat())
    assert state.resumable(now, now - RESUMABLE_FOR + timedelta(seconds=1))
    assert not state.resumable(now, now - RESUMABLE_FOR - timedelta(seconds=1))
    assert not GatewayState(None, "ws://resume", 7).resumable(now, now)
    assert not state.resumable(now, None)
    assert GatewayState.from_json("not json") == GatewayState()


@pytest.mark.asyncio
async def test_the_state_row_round_trips(any_db_url: str) -> None:
    store = await open_store(any_db_url)
    try:
        states = StateStore(store)
        assert await states.load() == (GatewayState(), None)
        first = GatewayState("s1", "ws://r", 3, "2026-01-01T00:00:00+00:00", CatchUp("t", "a:1"))
        await states.save(first)
        await states.save(GatewayState("s2", "ws://r", 9))
        loaded, updated_at = await states.load()
        assert loaded == GatewayState("s2", "ws://r", 9)
        assert updated_at is not None and updated_at.tzinfo is not None
        await states.save(first)
        assert (await states.load())[0] == first
    finally:
        await store.close()
