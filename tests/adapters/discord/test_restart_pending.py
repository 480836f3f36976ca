"""A reaction left pending by a crash is saved once `alsbot run` is back.

Pending inbox rows are processed as soon as the core's loops start; a reaction needs its
message fetched through the platform's message source, which `serve_discord` attaches
only after READY.  `alsbot run` therefore starts the platforms before the loops: the other
way round, the row was marked done with no do saved (found by bench/discord_event_path.py,
which lost 441 of 685 such reactions on one kill -9).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.discord import translate
from adapters.runtime import serve
from bot.app import Alsbot
from bot.store.models import Do, Inbox, Set
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import discord_config
from testkit.discord.world import StoredMessage
from testkit.eventually import eventually


async def _count(app: Alsbot, table: type) -> int:
    async with app.store.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


@pytest.mark.asyncio
async def test_a_reaction_pending_at_a_crash_is_saved_after_restart(
    standin: DiscordStandIn, tmp_path: Path
) -> None:
    w = standin.world
    config = discord_config(standin, tmp_path / "run.db")
    alice, hal, ivy = w.add_user("alice"), w.add_user("hal"), w.add_user("ivy")

    # A first run makes #general a set.
    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, stop_event=stop))
    await standin.wait_for(lambda: w.commands and standin.live_sessions(), 15)
    await standin.slash(alice, "join")
    probe = await Alsbot.open(config, migrate=False)
    try:
        await eventually(lambda: _sets(probe), within=20.0, every=0.05, what="the set")
    finally:
        await probe.close()
    stop.set()
    await running

    # What a crash leaves: the reaction durable in the inbox, not yet processed.
    tip = StoredMessage("1400000000000000001", w.general.id, hal, "Ask 'what else?' once more")
    w.messages[tip.id] = tip
    event = translate.reaction_event(
        added=True,
        message_id=int(tip.id),
        user_id=int(ivy.id),
        emoji_name="✅",
        emoji_id=None,
        place=translate.Place(int(w.guild_id), int(w.general.id)),
        message_author_id=int(hal.id),
        occurrence="crashed-session:42",
    )
    assert event is not None
    left = await Alsbot.open(config, migrate=False)
    try:
        assert await left.submit(event)
        assert await _count(left, Do) == 0
    finally:
        await left.close()

    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, stop_event=stop))
    check = await Alsbot.open(config, migrate=False)
    try:
        await eventually(
            lambda: _processed(check), within=20.0, every=0.05, what="processing the reaction"
        )
        assert await _count(check, Do) == 1
        assert standin.calls("GET", rf"/channels/{w.general.id}/messages/{tip.id}")
    finally:
        await check.close()
        stop.set()
        await running


async def _sets(app: Alsbot) -> bool:
    return await _count(app, Set) > 0


async def _processed(app: Alsbot) -> bool:
    inbox = Inbox.__table__
    async with app.store.read() as conn:
        pending = await conn.execute(
            select(func.count()).select_from(inbox).where(inbox.c.status == "pending")
        )
        return int(pending.scalar_one()) == 0
