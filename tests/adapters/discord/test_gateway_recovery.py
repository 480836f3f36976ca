"""A ✅ added while alsbot is down still saves its do, once (issue 14.5).

Through the gateway stand-in: the bot stops (cleanly, or killed), someone reacts, the bot
starts again. Discord still holds the session, so the new process RESUMEs it from the
stored durable sequence and gets the reaction replayed; or Discord has let the session go,
so the new process IDENTIFYs and reads the set channel back by REST. Either way the do is
saved exactly once, and a reaction already recorded is not counted again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from adapters.discord.gateway_state import RESUMABLE_FOR, STATE
from bot.clock import FakeClock
from bot.config import Config
from bot.store.db import open_store
from bot.store.models import Do
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import UserInfo
from testkit.discord.running import (
    Running,
    discord_config,
    dm_texts,
    inbox_keys,
    run_bot,
    start_session,
    wait_inbox,
    wait_text,
)
from testkit.discord.world import StoredMessage
from testkit.eventually import eventually

TIP = "Ask 'what else?' one more time"


async def saved_dos(bot: Running) -> int:
    async with bot.app.store.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(Do))).scalar_one())


def saved_notes(standin: DiscordStandIn, user: UserInfo) -> list[str]:
    return [t for t in dm_texts(standin, user) if "saved as do" in t]


async def a_set_and_a_tip(standin: DiscordStandIn, bot: Running) -> StoredMessage:
    w = standin.world
    alice, hal = w.add_user("alice"), w.add_user("hal")
    await standin.slash(alice, "start")
    await wait_text(standin, w.general.id, "Action Learning session")
    tip = await standin.say(hal, w.general.id, TIP)
    await wait_inbox(bot.app, f"discord:message:{tip.id}")
    return tip


async def settled_once(standin: DiscordStandIn, bot: Running, ivy: UserInfo) -> None:
    await standin.wait_for(lambda: saved_notes(standin, ivy))
    await bot.app.settle()
    assert await saved_dos(bot) == 1
    assert len(saved_notes(standin, ivy)) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("stop", ["close", "kill"])
async def test_a_reaction_during_a_restart_is_replayed_by_resume(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock, stop: str
) -> None:
    config = discord_config(standin, tmp_path / "alsbot.db")
    first = await run_bot(config, clock)
    tip = await a_set_and_a_tip(standin, first)
    ivy = standin.world.add_user("ivy")
    await (first.close() if stop == "close" else first.kill())
    assert not standin.live_sessions()

    await standin.react(ivy, tip, "✅")  # nobody is connected: Discord keeps it for the session
    second = await run_bot(config, clock)
    try:
        assert standin.connections[-1][0] == "/gateway/resume"
        assert len(standin.sessions) == 1, "the same session, resumed"
        await settled_once(standin, second, ivy)
        assert not standin.calls("GET", rf"/channels/{standin.world.general.id}/messages$")
        # No READY, so no servers from the gateway: read by REST instead.
        general = second.client.get_channel(int(standin.world.general.id))
        assert general is not None and general.guild.me is not None
        assert await second.client.dm_home(int(ivy.id)) == standin.world.guild_id
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_a_reaction_during_a_restart_is_caught_up_when_the_session_is_gone(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    config = discord_config(standin, tmp_path / "alsbot.db")
    first = await run_bot(config, clock)
    tip = await a_set_and_a_tip(standin, first)
    ivy = standin.world.add_user("ivy")
    await first.close()

    await standin.react(ivy, tip, "✅")
    standin.forget_sessions()  # the session expired while alsbot was down
    second = await run_bot(config, clock)
    try:
        resumes = [c for c in standin.connections if c[0] == "/gateway/resume"]
        assert len(resumes) == 1, "a RESUME was tried, refused with INVALID_SESSION"
        assert len(standin.sessions) == 1, "then a new session"
        await settled_once(standin, second, ivy)
        general = standin.world.general.id
        assert standin.calls("GET", rf"/channels/{general}/messages$")
        keys = [k for k in await inbox_keys(second.app) if ":catchup:" in k]
        assert keys and all(
            k.startswith(f"discord:reaction:{tip.id}:white_check_mark:") for k in keys
        )
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_catching_up_on_what_was_recorded_live_doubles_nothing(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    config = discord_config(standin, tmp_path / "alsbot.db")
    bot = await run_bot(config, clock)
    tip = await a_set_and_a_tip(standin, bot)
    ivy = standin.world.add_user("ivy")
    await standin.react(ivy, tip, "✅")
    await settled_once(standin, bot, ivy)
    for restart in (1, 2):  # two restarts, each after the session was lost: two catch-ups
        await bot.close()
        standin.forget_sessions()
        bot = await run_bot(config, clock)
        await _catch_ups(bot, restart)
        await bot.app.settle()
    try:
        assert await saved_dos(bot) == 1
        assert len(saved_notes(standin, ivy)) == 1
    finally:
        await bot.close()


async def _catch_ups(bot: Running, count: int) -> None:
    """Wait until `count` catch-ups (each names its gap in its keys) have submitted."""

    async def done() -> bool:
        keys = [k for k in await inbox_keys(bot.app) if ":catchup:" in k]
        return len(keys) >= count and bot.client._state.catch_up is None

    await eventually(done, what=f"{count} catch-up(s) submitting the ✅ again")


@pytest.mark.asyncio
async def test_a_reaction_while_reconnecting_is_caught_up_when_the_resume_fails(
    standin: DiscordStandIn, running: Running
) -> None:
    tip = await a_set_and_a_tip(standin, running)
    ivy = standin.world.add_user("ivy")
    standin.refusing = True  # Discord unreachable: the bot keeps retrying
    await standin.drop()
    await standin.wait_for(lambda: any("refused" in c[1] for c in standin.connections))
    standin.forget_sessions()  # and the session is gone by the time it is back
    await standin.react(ivy, tip, "✅")  # sent to no session: only REST can show it
    standin.refusing = False
    await settled_once(standin, running, ivy)
    assert standin.calls("GET", rf"/channels/{standin.world.general.id}/messages$")


@pytest.mark.asyncio
async def test_a_stale_stored_session_is_not_resumed_and_the_gap_is_caught_up(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    config = discord_config(standin, tmp_path / "alsbot.db")
    first = await run_bot(config, clock)
    tip = await a_set_and_a_tip(standin, first)
    ivy = standin.world.add_user("ivy")
    await first.close()
    await standin.react(ivy, tip, "✅")
    await _age_stored_state(config, RESUMABLE_FOR + timedelta(minutes=1))
    second = await run_bot(config, clock)
    try:
        assert not [c for c in standin.connections if c[0] == "/gateway/resume"]
        await settled_once(standin, second, ivy)
    finally:
        await second.close()


async def _age_stored_state(config: Config, by: timedelta) -> None:
    store = await open_store(config.database.url)
    try:
        async with store.write() as conn:
            await conn.execute(update(STATE).values(updated_at=datetime.now(UTC) - by))
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_the_catch_up_reads_the_rounds_threads_too(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    config = discord_config(standin, tmp_path / "alsbot.db")
    first = await run_bot(config, clock)
    w = standin.world
    alice, bob, carol, ivy = (w.add_user(n) for n in ("alice", "bob", "carol", "ivy"))
    header = await start_session(standin, bob, alice)
    advice = await standin.say(carol, header.id, "Try a pre-mortem")
    await wait_inbox(first.app, f"discord:message:{advice.id}")
    await first.close()
    await standin.react(ivy, advice, "✅")
    standin.forget_sessions()
    second = await run_bot(config, clock)
    try:
        # A round's thread is confidential: its author is asked first, and the reactor told.
        await standin.wait_for(
            lambda: [t for t in dm_texts(standin, ivy) if "asked its author" in t]
        )
        assert standin.calls("GET", rf"/channels/{header.id}/messages$")
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_a_dm_during_a_restart_is_replayed_and_finds_its_server(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    config = discord_config(standin, tmp_path / "alsbot.db")
    first = await run_bot(config, clock)
    await a_set_and_a_tip(standin, first)
    ivy = standin.world.add_user("ivy")
    await first.close()
    dm = await standin.dm(ivy, "help")
    second = await run_bot(config, clock)
    try:
        await wait_inbox(second.app, f"discord:message:{dm.id}")
        assert standin.connections[-1][0] == "/gateway/resume"
    finally:
        await second.close()
