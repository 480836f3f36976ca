"""Who may name the facilitator of a Discord set that has none (issue 14, point 6): the
interaction carries the member's permissions, and only Manage Channels or Administrator
count — through the gateway stand-in and the real discord.py client."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.store.models import Member
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import Running, wait_text
from testkit.discord.world import VIEW_CHANNEL

SEND_MESSAGES, MANAGE_CHANNELS, USE_COMMANDS = 1 << 11, 1 << 4, 1 << 31
MEMBER = VIEW_CHANNEL | SEND_MESSAGES | USE_COMMANDS


async def facilitators(running: Running) -> list[str]:
    table = Member.__table__
    async with running.app.store.read() as conn:
        rows = await conn.execute(select(table.c.user_key).where(table.c.is_facilitator.is_(True)))
        return sorted(r[0].rsplit(":", 1)[1] for r in rows)


@pytest.mark.asyncio
async def test_only_a_member_who_manages_channels_names_a_leaderless_sets_facilitator(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice, bob, carol, dave = (w.add_user(n) for n in ("alice", "bob", "carol", "dave"))
    for person in (alice, bob, carol):
        w.permissions[person.id] = MEMBER
    w.permissions[dave.id] = MEMBER | MANAGE_CHANNELS
    await standin.slash(alice, "setup")
    await wait_text(standin, w.general.id, "set up an Action Learning Set")
    for person in (bob, carol):
        await standin.slash(person, "join")
        await wait_text(standin, w.general.id, f"<@{person.id}> joined")
    async with running.app.store.write() as conn:  # left leaderless by an older version
        await conn.execute(update(Member.__table__).values(is_facilitator=False))

    await standin.slash(bob, "facilitator", change="add", person=bob)
    refused = await wait_text(standin, w.general.id, "only an admin of this workspace or server")
    assert refused.ephemeral
    assert await facilitators(running) == []

    await standin.slash(dave, "facilitator", change="add", person=carol)
    named = await wait_text(standin, w.general.id, "is now a facilitator of this set")
    assert not named.ephemeral and f"<@{carol.id}>" in named.content
    assert await facilitators(running) == [carol.id]
