"""What reaches the core from the gateway: DMs, raw reactions, fetched messages, slow cores."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.discord.client import serve_discord
from bot.clock import FakeClock
from bot.events import CommandInvoked, Event
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.reply_handles import Handle
from bot.store.models import Inbox
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import INTENT_MESSAGE_CONTENT
from testkit.discord.running import (
    FAST,
    Running,
    discord_config,
    dm_texts,
    inbox_keys,
    run_bot,
    wait_inbox,
)
from testkit.eventually import eventually


@pytest.mark.asyncio
async def test_a_dm_belongs_to_the_server_the_person_shares_with_alsbot(
    standin: DiscordStandIn, running: Running
) -> None:
    gus = standin.world.add_user("gus")
    stranger = standin.world.add_user("stranger", in_guild=False)
    said = await standin.dm(gus, "It went well")
    lost = await standin.dm(stranger, "hello?")
    await wait_inbox(running.app, f"discord:message:{said.id}")
    await standin.wait_for(lambda: any("alsbot" in t for t in dm_texts(standin, gus)))
    keys = await inbox_keys(running.app)
    assert f"discord:message:{lost.id}" not in keys  # shares no server: nowhere to file it
    # The core answered in the DM (gus is in no set yet, so it says hello).
    assert dm_texts(standin, stranger) == ["hello?"]


@pytest.mark.asyncio
async def test_raw_reactions_and_the_message_they_point_at(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    hal, ivy = w.add_user("hal"), w.add_user("ivy")
    tip = await standin.say(hal, w.general.id, "Ask 'what else?' one more time")
    await standin.react(ivy, tip, "✅")
    await standin.react(ivy, tip, "✅", added=False)
    await standin.react(w.bot, tip, "✅")  # the bot's own reaction is not an event
    added = f"discord:reaction:{tip.id}:white_check_mark:{ivy.id}:add:"
    removed = f"discord:reaction:{tip.id}:white_check_mark:{ivy.id}:remove:"

    async def removal_recorded() -> list[str] | None:
        keys = await inbox_keys(running.app)
        return keys if any(k.startswith(removed) for k in keys) else None

    keys = await eventually(removal_recorded, what="the removal reaching the inbox")
    assert any(k.startswith(added) for k in keys)
    assert not [k for k in keys if f":{w.bot.id}:" in k]

    ws = WorkspaceRef(Platform.DISCORD, w.guild_id)
    fetched = await running.client.source.fetch_message(
        MessageRef(ChannelRef(ws, w.general.id), tip.id)
    )
    assert fetched is not None
    assert fetched.text == "Ask 'what else?' one more time"
    assert fetched.author == UserRef(ws, hal.id) and not fetched.author_is_bot
    assert standin.calls("GET", rf"/channels/{w.general.id}/messages/{tip.id}")
    missing = MessageRef(ChannelRef(ws, w.general.id), "1234567890123456789")
    assert await running.client.source.fetch_message(missing) is None
    # Nothing said in the server is kept by discord.py's message cache: alsbot never reads
    # it (raw events, REST fetches), and searching it cost every reaction a scan.
    assert list(running.client.cached_messages) == []


@pytest.mark.asyncio
async def test_without_the_message_content_intent_text_is_reported_missing(
    tmp_path: Path, clock: FakeClock
) -> None:
    async with DiscordStandIn(message_content_allowed=False) as standin:
        bot = await run_bot(discord_config(standin, tmp_path / "a.db"), clock)
        try:
            identify = next(f for f in standin.received if f["op"] == 2)
            assert not identify["d"]["intents"] & INTENT_MESSAGE_CONTENT  # no 4014 crash loop
            assert bot.client.source.content_missing
            w = standin.world
            jo = w.add_user("jo")
            tip = await standin.say(jo, w.general.id, "A tip nobody can read")
            await wait_inbox(bot.app, f"discord:message:{tip.id}")
            ws = WorkspaceRef(Platform.DISCORD, w.guild_id)
            fetched = await bot.client.source.fetch_message(
                MessageRef(ChannelRef(ws, w.general.id), tip.id)
            )
            assert fetched is not None and fetched.text == ""
        finally:
            await bot.close()


class SlowCore:
    """A core whose database is slow: `submit` waits until the test lets it go."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.events: list[Event] = []

    async def submit(self, event: Event, handle: Handle | None = None) -> bool:
        await self.gate.wait()
        self.events.append(event)
        return True

    def attach(self, outlet: object, source: object = None, traits: object = None) -> None:
        pass


@pytest.mark.asyncio
async def test_interactions_are_acknowledged_before_the_core_is_done(
    standin: DiscordStandIn, tmp_path: Path
) -> None:
    core = SlowCore()
    config = discord_config(standin, tmp_path / "a.db")
    stop = await serve_discord(core, config, settle_after=0.1, **FAST)
    try:
        w = standin.world
        kim = w.add_user("kim")
        info = await standin.slash(kim, "schedule", when="thursday 10am", repeat="fortnightly")
        await standin.wait_for(lambda: info.callbacks)
        assert core.events == []  # deferred first: Discord's 3 s do not wait for the core
        core.gate.set()
        await standin.wait_for(lambda: core.events, within=2)
        (event,) = core.events
        assert isinstance(event, CommandInvoked)
        assert event.text == "schedule thursday 10am fortnightly"
        assert event.key == f"discord:interaction:{info.id}"
        # This core never answers: "thinking…" is still replaced rather than left hanging.
        original = standin.world.messages[info.original_id]  # type: ignore[index]
        await standin.wait_for(lambda: original.content == "✓ Done.")
    finally:
        await stop()


@pytest.mark.asyncio
async def test_a_subcommand_group_reaches_the_grammar(
    standin: DiscordStandIn, running: Running
) -> None:
    nia = standin.world.add_user("nia")
    info = await standin.slash(nia, "dos search", terms="listening", page=2)
    key = f"discord:interaction:{info.id}"
    await wait_inbox(running.app, key)
    async with running.app.store.read() as conn:
        body = (await conn.execute(select(Inbox.__table__.c.body).where(Inbox.key == key))).scalar()
    assert '"text":"dos listening page 2"' in body
    # Whatever the core says back arrives privately, in place of "thinking…".
    await standin.wait_for_call("PATCH", rf"/webhooks/\d+/{info.token}/messages/@original")
