"""`forget-me` takes the `posted` rows of the DMs the person was sent (issue 18 review): a
nudge's header and action lines are DMs with handles, and each handle's row names the
message in their DM channel. After forget-me none is left; other people's stay."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from bot.clock import FakeClock
from bot.store.models import AdapterState, Posted
from testkit.harness import WS, Harness
from testkit.nudges import closed_session, nudge_headers, utc, wait_until


async def posted_in_dm_of(h: Harness, who: str) -> list[str]:
    table = Posted.__table__
    async with h.app.store.read() as conn:
        return [
            r.handle for r in await conn.execute(select(table)) if f":dm-{who}:" in r.message_key
        ]


@pytest.mark.asyncio
async def test_the_handles_of_a_persons_nudges_go_with_them(
    sqlite_url: str, clock: FakeClock
) -> None:
    h = await Harness.open(sqlite_url, clock)
    try:
        await closed_session(h, presenter="bob")
        await h.cmd("alice", "schedule 9 Feb 2026 10am")
        assert nudge_headers(await wait_until(h, utc(2026, 2, 6, 10)), "bob")
        assert await posted_in_dm_of(h, "bob"), "the nudge's DMs have handles"
        await h.cmd("bob", "forget-me confirm")
        assert await posted_in_dm_of(h, "bob") == []
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_an_adapters_address_for_the_person_goes_with_them(
    sqlite_url: str, clock: FakeClock
) -> None:
    """Teams' conversation references (`adapters/teams/conversations.py`) are the person's:
    their rows go with them, other people's stay."""
    h = await Harness.open(sqlite_url, clock)
    state = AdapterState.__table__
    now = datetime.now(UTC)
    rows = {
        f"{WS.key}:person:bob": '{"name":"Bob","teams_id":"29:b"}',
        f"{WS.key}:member:29:b": '{"id":"bob"}',
        f"{WS.key}:person:carol": '{"name":"Carol","teams_id":"29:c"}',
        f"{WS.key}:member:29:c": '{"id":"carol"}',
    }
    try:
        await h.cmd("alice", "setup")
        await h.cmd("bob", "join")
        async with h.app.store.write() as conn:
            for name, value in rows.items():
                await conn.execute(insert(state).values(name=name, value=value, updated_at=now))
        await h.cmd("bob", "forget-me confirm")
        async with h.app.store.read() as conn:
            left = {r.name for r in await conn.execute(select(state.c.name))}
        assert left >= {f"{WS.key}:person:carol", f"{WS.key}:member:29:c"}
        assert not left & {f"{WS.key}:person:bob", f"{WS.key}:member:29:b"}
    finally:
        await h.close()
