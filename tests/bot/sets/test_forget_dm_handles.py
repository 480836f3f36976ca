"""`forget-me` takes the `posted` rows of the DMs the person was sent (issue 18 review): a
nudge's header and action lines are DMs with handles, and each handle's row names the
message in their DM channel. After forget-me none is left; other people's stay."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.store.models import Posted
from testkit.harness import Harness
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
