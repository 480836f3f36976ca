"""Operating it: `alsbot run` with [discord] enabled, dev-guild command sync, the invite URL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.discord.cli import discord_cli, fetch_application_id
from adapters.discord.invite import NEEDED, explain, invite_url, permissions, reminder
from adapters.runtime import serve
from bot.clock import FakeClock
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import discord_config, run_bot


@pytest.mark.asyncio
async def test_alsbot_run_serves_discord(standin: DiscordStandIn, tmp_path: Path) -> None:
    config = discord_config(standin, tmp_path / "run.db", ALSBOT_SCHEDULER_TICK_SECONDS="0.2")
    stop = asyncio.Event()
    running = asyncio.create_task(serve(config, stop_event=stop))
    try:
        await standin.wait_for(lambda: standin.world.commands and standin.live_sessions(), 10)
        lee = standin.world.add_user("lee")
        info = await standin.slash(lee, "help")
        edit = await standin.wait_for_call(
            "PATCH", rf"/webhooks/\d+/{info.token}/messages/@original"
        )
        assert "Commands" in edit.body["content"]
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
    assert not standin.live_sessions()


@pytest.mark.asyncio
async def test_dev_guild_sync_registers_in_that_guild_only(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    guild = standin.world.guild_id
    config = discord_config(standin, tmp_path / "a.db", ALSBOT_DISCORD_DEV_GUILD_ID=guild)
    bot = await run_bot(config, clock)
    try:
        assert standin.calls("PUT", rf"/applications/\d+/guilds/{guild}/commands")
        assert not standin.calls("PUT", r"/applications/\d+/commands")
        assert standin.registered()["guild_id"] == guild
        mo = standin.world.add_user("mo")
        info = await standin.slash(mo, "help", topic="schedule")
        edit = await standin.wait_for_call(
            "PATCH", rf"/webhooks/\d+/{info.token}/messages/@original"
        )
        assert "/als schedule" in edit.body["content"]
    finally:
        await bot.close()


def test_invite_url_asks_for_both_scopes_and_only_the_permissions_used() -> None:
    url = invite_url(1300000000000000003)
    assert url.startswith("https://discord.com/oauth2/authorize?client_id=1300000000000000003")
    assert "scope=bot+applications.commands" in url
    assert f"permissions={permissions().value}" in url
    # One bit per documented permission, nothing more.
    assert bin(permissions().value).count("1") == len(NEEDED)
    assert not permissions().administrator and not permissions().mention_everyone
    assert all(why for _, why in NEEDED) and str(permissions().value) in explain()


def test_invite_url_command_with_a_known_application_id() -> None:
    result = CliRunner().invoke(discord_cli, ["invite-url", "--application-id", "42"], env={})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("https://discord.com/oauth2/authorize?client_id=42&")
    assert "send_messages_in_threads" in result.output
    quiet = CliRunner().invoke(
        discord_cli, ["invite-url", "--no-explain"], env={"ALSBOT_DISCORD_APPLICATION_ID": "7"}
    )
    assert quiet.stdout.strip() == invite_url(7)
    assert "untick Public Bot" in quiet.stderr and "allowed_guild_ids" in quiet.stderr


def test_invite_url_reminds_to_untick_public_bot_and_set_the_allow_list() -> None:
    open_ = CliRunner().invoke(discord_cli, ["invite-url", "--application-id", "42"], env={})
    reminders = [line for line in open_.stderr.splitlines() if "Public Bot" in line]
    assert reminders == [reminder(())], open_.output
    assert "set [discord] allowed_guild_ids" in reminders[0]
    listed = CliRunner().invoke(
        discord_cli,
        ["invite-url", "--application-id", "42"],
        env={"ALSBOT_DISCORD_ALLOWED_GUILD_IDS": "1,2"},
    )
    assert "allowed_guild_ids lists 2, and it leaves any other" in listed.stderr


@pytest.mark.asyncio
async def test_the_application_id_is_asked_of_the_configured_server(
    standin: DiscordStandIn, tmp_path: Path
) -> None:
    config = discord_config(standin, tmp_path / "a.db")
    assert await fetch_application_id(config) == int(standin.world.app_id)


@pytest.mark.asyncio
async def test_a_gateway_that_never_gets_ready_is_one_refusal_line(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    """It was a bare TimeoutError: a traceback and exit 1 where every other start-up
    failure is one `✗` line and exit 2."""
    from adapters.discord.client import serve_discord
    from bot.app import Alsbot
    from bot.preflight import Refused
    from testkit.discord.running import FAST

    standin.withholding_ready = True
    config = discord_config(standin, tmp_path / "run.db")
    app = await Alsbot.open(config, clock=clock)
    try:
        with pytest.raises(Refused) as refused:
            await serve_discord(app, config, ready_timeout=1.0, **FAST)
    finally:
        await app.close()
    line = refused.value.finding.line()
    assert line.startswith("✗ Discord did not get ready within 1s — Discord accepted")
