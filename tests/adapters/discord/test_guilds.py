"""`[discord] allowed_guild_ids`: alsbot leaves servers not on the list, records nothing from
them meanwhile, and warns at start when the list is empty."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from adapters.discord.guilds import NOT_HERE, allowed
from bot.clock import FakeClock
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import ChannelInfo
from testkit.discord.rest import Fault
from testkit.discord.running import Running, discord_config, inbox_keys, run_bot, wait_inbox
from testkit.discord.world import EPHEMERAL

LEAVE = r"/users/@me/guilds/(\d+)"
ALSBOT = Path(sys.executable).with_name("alsbot")


@pytest_asyncio.fixture
async def stranger(standin: DiscordStandIn) -> ChannelInfo:
    """A server someone else added the bot to while it was offline; its channel."""
    return standin.world.add_guild("Stranger Server")


@pytest_asyncio.fixture
async def listed(
    standin: DiscordStandIn, stranger: ChannelInfo, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Running]:
    """alsbot allowed only in the set's server."""
    bot = await run_allowing(standin, tmp_path / "alsbot.db", clock)
    try:
        yield bot
    finally:
        await bot.close()


async def run_allowing(
    standin: DiscordStandIn, db: Path, clock: FakeClock, guild_id: str | None = None
) -> Running:
    """alsbot allowed only in `guild_id` (the set's server unless given)."""
    env = {"ALSBOT_DISCORD_ALLOWED_GUILD_IDS": guild_id or standin.world.guild_id}
    return await run_bot(discord_config(standin, db, **env), clock)


def refuse_to_leave(standin: DiscordStandIn) -> Fault:
    """Discord refuses to let the bot leave: the other servers stay, and must be ignored."""
    return standin.fail("DELETE", LEAVE, 403, code=50001, message="Missing Access")


def test_the_rule() -> None:
    assert allowed(5, ()) and allowed(None, ())  # empty: any server
    assert allowed(5, {5, 6}) and not allowed(7, {5, 6})
    assert allowed(None, {5})  # a DM is nobody's server: left alone


@pytest.mark.asyncio
async def test_leaves_a_server_not_on_the_list_at_start(
    standin: DiscordStandIn,
    stranger: ChannelInfo,
    tmp_path: Path,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    w = standin.world
    bot = await run_allowing(standin, tmp_path / "alsbot.db", clock)
    try:
        await standin.wait_for_call("DELETE", LEAVE)
        assert w.left_guilds == [stranger.guild_id]
        await standin.wait_for(lambda: len(bot.client.guilds) == 1)  # GUILD_DELETE read
        assert [g.id for g in bot.client.guilds] == [int(w.guild_id)]
        assert len(standin.calls("DELETE", LEAVE)) == 1  # asked once, not per hook
    finally:
        await bot.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "leaving server 'Stranger Server'" in m and str(stranger.guild_id) in m for m in warnings
    ), warnings
    assert not any("allowed_guild_ids is empty" in m for m in warnings)


@pytest.mark.asyncio
async def test_a_server_joined_later_is_left(standin: DiscordStandIn, listed: Running) -> None:
    await standin.wait_for_call("DELETE", LEAVE)  # the one there at start
    other = await standin.join_guild("Another Server")
    await standin.wait_for(lambda: other.guild_id in standin.world.left_guilds)
    assert standin.world.guild_id not in standin.world.left_guilds
    await standin.wait_for(
        lambda: [g.id for g in listed.client.guilds] == [int(standin.world.guild_id)]
    )


@pytest.mark.asyncio
async def test_nothing_from_a_server_not_on_the_list_is_recorded(
    standin: DiscordStandIn, stranger: ChannelInfo, tmp_path: Path, clock: FakeClock
) -> None:
    """Until Discord lets it leave (here it refuses the first time), alsbot drops that
    server's messages, reactions and interactions; the set's server is served as ever."""
    w = standin.world
    refused = refuse_to_leave(standin)
    bot = await run_allowing(standin, tmp_path / "alsbot.db", clock)
    try:
        await standin.wait_for(lambda: refused.times == 0 and standin.calls("DELETE", LEAVE))
        assert w.left_guilds == []
        sam = w.add_user("sam")
        said = await standin.say(sam, stranger.id, "our salaries are")
        await standin.react(sam, said, "✅")
        asked = await standin.slash(sam, "help", channel_id=stranger.id)
        await standin.wait_for(lambda: asked.callbacks)
        assert asked.callbacks[0]["type"] == 4  # answered at once, not "thinking…"
        assert asked.callbacks[0]["data"]["content"] == NOT_HERE
        assert asked.callbacks[0]["data"]["flags"] & EPHEMERAL

        # The same from the set's server is recorded (and shows the others were read).
        here = await standin.say(sam, w.general.id, "hello")
        await standin.react(sam, here, "✅")
        helped = await standin.slash(sam, "help")
        await wait_inbox(bot.app, f"discord:interaction:{helped.id}")
        await wait_inbox(bot.app, f"discord:message:{here.id}")
        keys = await inbox_keys(bot.app)
        assert any(k.startswith(f"discord:reaction:{here.id}:") for k in keys)
        assert not [k for k in keys if said.id in k or asked.id in k], keys
        assert asked.callbacks[0] != helped.callbacks[0]
    finally:
        await bot.close()


@pytest.mark.asyncio
async def test_a_press_from_a_server_not_on_the_list_is_refused(
    standin: DiscordStandIn, stranger: ChannelInfo, tmp_path: Path, clock: FakeClock
) -> None:
    w = standin.world
    refuse_to_leave(standin)
    bot = await run_allowing(standin, tmp_path / "alsbot.db", clock)
    try:
        await standin.wait_for(lambda: standin.calls("DELETE", LEAVE))
        # A header message with alsbot's buttons, as one copied there would look.
        header = w.post(
            stranger.id,
            w.bot,
            {
                "content": "header",
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 2,
                                "style": 1,
                                "label": "Next phase",
                                "custom_id": "als|round:next|7",
                            }
                        ],
                    }
                ],
            },  # fmt: skip
        )
        sam = w.add_user("sam")
        pressed = await standin.click(sam, header, "als|round:next|7")
        await standin.wait_for(lambda: pressed.callbacks)
        assert pressed.callbacks[0]["data"]["content"] == NOT_HERE
        assert not [k for k in await inbox_keys(bot.app) if pressed.id in k]
    finally:
        await bot.close()


@pytest.mark.asyncio
async def test_an_empty_list_warns_at_start_and_leaves_nothing(
    standin: DiscordStandIn,
    stranger: ChannelInfo,
    tmp_path: Path,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    bot = await run_bot(discord_config(standin, tmp_path / "alsbot.db"), clock)
    try:
        sam = standin.world.add_user("sam")
        said = await standin.say(sam, stranger.id, "hello")
        await wait_inbox(bot.app, f"discord:message:{said.id}")
    finally:
        await bot.close()
    assert not standin.calls("DELETE", LEAVE) and not standin.world.left_guilds
    warned = [
        r.getMessage() for r in caplog.records if "allowed_guild_ids is empty" in r.getMessage()
    ]
    assert len(warned) == 1 and "Public Bot" in warned[0]


@pytest.mark.asyncio
async def test_a_process_that_resumes_leaves_too(
    standin: DiscordStandIn, stranger: ChannelInfo, tmp_path: Path, clock: FakeClock
) -> None:
    """A RESUME brings no READY: the servers are read by REST, and checked then."""
    db = tmp_path / "alsbot.db"
    first = await run_bot(discord_config(standin, db), clock)
    await first.close()
    second = await run_allowing(standin, db, clock)
    try:
        assert standin.connections[-1][0] == "/gateway/resume"
        await standin.wait_for(lambda: standin.world.left_guilds == [stranger.guild_id])
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_alsbot_run_logs_the_server_it_leaves(
    standin: DiscordStandIn, stranger: ChannelInfo, tmp_path: Path
) -> None:
    """As an operator runs it: `alsbot run`, the list from the environment."""
    w = standin.world
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ALSBOT_", "DISCORD_"))},
        "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "ALSBOT_DISCORD_ENABLED": "true",
        "ALSBOT_DISCORD_API_BASE_URL": standin.api_base_url,
        "ALSBOT_DISCORD_GATEWAY_URL": standin.gateway_url,
        "ALSBOT_DISCORD_ALLOWED_GUILD_IDS": f"{w.guild_id}, 1234567890123456789",
        "DISCORD_BOT_TOKEN": w.token,
    }
    process = await asyncio.create_subprocess_exec(
        str(ALSBOT),
        "run",
        env=env,
        cwd=str(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await standin.wait_for(lambda: w.left_guilds, within=30)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 20)
    log = output.decode()
    assert process.returncode == 0, log
    assert w.left_guilds == [stranger.guild_id], log
    assert f"leaving server 'Stranger Server' ({stranger.guild_id})" in log, log
    assert "allowed_guild_ids is empty" not in log


@pytest.mark.asyncio
async def test_the_catch_up_reads_no_server_off_the_list(
    standin: DiscordStandIn, stranger: ChannelInfo, tmp_path: Path, clock: FakeClock
) -> None:
    """A set recorded there before the list was set is not read back after a gap."""
    w = standin.world
    db = tmp_path / "alsbot.db"
    first = await run_bot(discord_config(standin, db), clock)
    alice, hal, ivy = w.add_user("alice"), w.add_user("hal"), w.add_user("ivy")
    try:
        await standin.slash(alice, "setup", channel_id=stranger.id)
        await standin.wait_for(lambda: standin.bot_messages(stranger.id))
        tip = await standin.say(hal, stranger.id, "a tip")
        await wait_inbox(first.app, f"discord:message:{tip.id}")
    finally:
        await first.close()
    await standin.react(ivy, tip, "✅")
    standin.forget_sessions()  # a gap the gateway cannot replay: a catch-up by REST
    refuse_to_leave(standin)
    second = await run_allowing(standin, db, clock)
    try:
        await standin.wait_for(lambda: second.client._state.catch_up is None)
        await second.app.settle()
        assert not standin.calls("GET", rf"/channels/{stranger.id}/messages$")
        assert not [k for k in await inbox_keys(second.app) if ":catchup:" in k]
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_a_dm_is_filed_under_a_server_on_the_list(
    standin: DiscordStandIn, stranger: ChannelInfo, tmp_path: Path, clock: FakeClock
) -> None:
    """DMs are still taken, but never filed under a server alsbot is leaving — even when
    that server comes first (here the set's own server is off the list, its leave refused)."""
    w = standin.world
    refuse_to_leave(standin)
    bot = await run_allowing(standin, tmp_path / "alsbot.db", clock, str(stranger.guild_id))
    try:
        await standin.wait_for(lambda: standin.calls("DELETE", LEAVE))
        assert len(bot.client.guilds) == 2 and int(w.guild_id) < int(str(stranger.guild_id))
        gus = w.add_user("gus")
        assert await bot.client.dm_home(int(gus.id)) == stranger.guild_id
        said = await standin.dm(gus, "It went well")
        await wait_inbox(bot.app, f"discord:message:{said.id}")
    finally:
        await bot.close()
