"""Discord failing to give back a reacted-to message for now: the do waits, then is saved.

A 429 asking for longer than discord.py will wait (`max_ratelimit_timeout`, 30 s) comes
back from the REST stand-in as Discord sends it; the source turns it into `FetchRetry`
with Discord's own wait, and the core tries the reaction again after it (by the fake
clock), instead of handling it as a message without text.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.ports import FetchRetry
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef
from bot.store.models import Inbox
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import Running, dm_texts
from testkit.eventually import eventually
from tests.adapters.discord.test_dos import make_set

INBOX = Inbox.__table__


@pytest.mark.asyncio
async def test_a_long_429_is_a_retry_after_and_a_missing_message_is_none(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    hal = w.add_user("hal")
    tip = await standin.say(hal, w.general.id, "Ask 'what else?' one more time")
    where = MessageRef(ChannelRef(WorkspaceRef(Platform.DISCORD, w.guild_id), w.general.id), tip.id)
    standin.fail("GET", rf"/channels/{w.general.id}/messages/{tip.id}", 429, retry_after=45)
    with pytest.raises(FetchRetry) as raised:
        await running.client.source.fetch_message(where)
    assert raised.value.after == 45
    gone = MessageRef(where.channel, "1234567890123456789")
    assert await running.client.source.fetch_message(gone) is None


@pytest.mark.asyncio
async def test_a_reaction_whose_fetch_is_rate_limited_saves_its_do_afterwards(
    standin: DiscordStandIn, running: Running, clock: FakeClock
) -> None:
    w = standin.world
    alice, hal, ivy = w.add_user("alice"), w.add_user("hal"), w.add_user("ivy")
    await make_set(standin, alice)
    tip = await standin.say(hal, w.general.id, "Name the feeling before the fix")
    path = rf"/channels/{w.general.id}/messages/{tip.id}"
    standin.fail("GET", path, 429, retry_after=45)
    await standin.react(ivy, tip, "✅")

    async def deferred() -> object:
        async with running.app.store.read() as conn:
            rows = list(
                await conn.execute(
                    select(INBOX).where(
                        INBOX.c.key.like("discord:reaction:%"), INBOX.c.attempts > 0
                    )
                )
            )
        return rows and rows[0]

    row = await eventually(deferred, within=3, what="the reaction deferred")
    assert row.status == "pending" and row.not_before == clock.now() + timedelta(seconds=45)
    clock.advance(timedelta(seconds=45))
    await standin.wait_for(lambda: [t for t in dm_texts(standin, ivy) if "saved as do #1" in t])
    assert len(standin.calls("GET", path)) == 2
