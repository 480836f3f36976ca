"""Is a set's Discord channel private? Read from the server the client already holds: a
channel whose @everyone role cannot view it is private; one the client cannot place, unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.refs import ChannelRef, Platform, WorkspaceRef
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import buttons_of, discord_config, in_channel, run_bot, wait_text
from testkit.discord.world import ADMINISTRATOR


@pytest.mark.asyncio
async def test_a_channel_everyone_cannot_view_is_private(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    w = standin.world
    assert not w.everyone_permissions & ADMINISTRATOR  # else no channel could be private
    hidden = w.add_channel("the-set", private=True)
    lobby = w.add_channel("lobby")
    bot = await run_bot(discord_config(standin, tmp_path / "a.db"), clock)
    try:
        ws = WorkspaceRef(Platform.DISCORD, w.guild_id)
        source = bot.client.source
        assert await source.channel_is_private(ChannelRef(ws, hidden.id)) is True
        assert await source.channel_is_private(ChannelRef(ws, w.general.id)) is True
        assert await source.channel_is_private(ChannelRef(ws, lobby.id)) is False
        assert await source.channel_is_private(ChannelRef(ws, "1234567890123456789")) is None
        assert not standin.calls("GET", r"/channels/"), "answered from the cache, no request"
    finally:
        await bot.close()


@pytest.mark.asyncio
async def test_start_in_a_channel_everyone_can_view_warns_only_the_facilitator(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    w = standin.world
    lobby = w.add_channel("lobby")
    bot = await run_bot(discord_config(standin, tmp_path / "a.db"), clock)
    try:
        alice = w.add_user("alice")
        await standin.slash(alice, "start", channel_id=lobby.id)
        warning = await wait_text(standin, lobby.id, "This channel is public")
        assert warning.ephemeral and set(buttons_of(warning)) == {"Start anyway", "Cancel"}
        assert [m for m in in_channel(standin, lobby.id) if not m.ephemeral] == []
        await standin.click(alice, warning, buttons_of(warning)["Start anyway"])
        header = await wait_text(standin, lobby.id, "Action Learning session")
        assert not header.ephemeral
    finally:
        await bot.close()
