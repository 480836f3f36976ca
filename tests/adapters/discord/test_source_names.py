"""Discord names people for the web pages (the stand-in's gateway and REST): from the
client's cache when it holds them (without the members intent it rarely does), else by
`GET /users/{id}`; nothing, never an id, for someone Discord does not know or when it
fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.web.service import directories
from bot.clock import FakeClock
from bot.ports import NameDirectory
from bot.refs import Platform, UserRef, WorkspaceRef
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import discord_config, run_bot


@pytest.mark.asyncio
async def test_members_from_the_cache_others_by_rest_unknown_as_none(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    w = standin.world
    member = w.add_user("ada")
    outsider = w.add_user("grace", in_guild=False)
    bot = await run_bot(discord_config(standin, tmp_path / "a.db"), clock)
    try:
        ws = WorkspaceRef(Platform.DISCORD, w.guild_id)
        source = directories(bot.app)(Platform.DISCORD)
        assert isinstance(source, NameDirectory) and source is bot.client.source

        assert await source.display_name(UserRef(ws, member.id)) == "Ada"  # its global name

        assert await source.display_name(UserRef(ws, outsider.id)) == "Grace"
        assert len(standin.calls("GET", rf"/users/{outsider.id}$")) == 1

        assert await source.display_name(UserRef(ws, "1234567890123456789")) is None  # 404
        assert await source.display_name(UserRef(ws, "not-a-snowflake")) is None
        standin.fail("GET", r"/users/\d+$", 403)
        other = w.add_user("katherine", in_guild=False)
        assert await source.display_name(UserRef(ws, other.id)) is None  # raises nothing
    finally:
        await bot.close()
