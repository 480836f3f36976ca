"""Do's on Discord: a raw reaction, the message fetched by REST, the do saved — or, without
the Message Content intent, the facilitator told why nothing was saved."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FakeClock
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import UserInfo
from testkit.discord.running import (
    Running,
    discord_config,
    dm_texts,
    run_bot,
    wait_text,
)


async def make_set(standin: DiscordStandIn, facilitator: UserInfo) -> None:
    """The first `/als start` in a channel makes it a set, with its starter as facilitator."""
    await standin.slash(facilitator, "start")
    await wait_text(standin, standin.world.general.id, "Action Learning session")


@pytest.mark.asyncio
async def test_a_reaction_with_the_do_emoji_saves_the_message(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice, hal, ivy = w.add_user("alice"), w.add_user("hal"), w.add_user("ivy")
    await make_set(standin, alice)
    tip = await standin.say(hal, w.general.id, "Ask 'what else?' one more time")
    await standin.react(ivy, tip, "✅")
    # The reactor is told privately (no interaction to answer on, so by DM).
    await standin.wait_for(lambda: [t for t in dm_texts(standin, ivy) if "saved as do #1" in t])
    assert standin.calls("GET", rf"/channels/{w.general.id}/messages/{tip.id}")
    in_guild = [m for m in w.messages.values() if w.channels[m.channel_id].guild_id]
    assert not [m for m in in_guild if "saved as do" in m.content]


@pytest.mark.asyncio
async def test_without_message_content_the_facilitator_is_told(
    tmp_path: Path, clock: FakeClock
) -> None:
    async with DiscordStandIn(message_content_allowed=False) as standin:
        bot = await run_bot(discord_config(standin, tmp_path / "a.db"), clock)
        try:
            w = standin.world
            alice, hal, ivy = w.add_user("alice"), w.add_user("hal"), w.add_user("ivy")
            await make_set(standin, alice)
            tip = await standin.say(hal, w.general.id, "A tip nobody can read")
            await standin.react(ivy, tip, "✅")
            told = await standin.wait_for(
                lambda: [t for t in dm_texts(standin, alice) if "Message Content" in t]
            )
            assert f"/{w.general.id}/{tip.id}" in told[0]  # a link to the unread message
        finally:
            await bot.close()
