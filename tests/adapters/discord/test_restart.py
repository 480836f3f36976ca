"""A restart: new process, same database, same Discord — old buttons still work."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FakeClock
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import (
    buttons_of,
    discord_config,
    run_bot,
    start_session,
    wait_text,
)


@pytest.mark.asyncio
async def test_buttons_posted_before_a_restart_still_work(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> None:
    w = standin.world
    alice, bob = w.add_user("alice"), w.add_user("bob")
    config = discord_config(standin, tmp_path / "alsbot.db")

    first = await run_bot(config, clock)
    header = await start_session(standin, bob, alice)
    await first.close()
    assert not standin.live_sessions()

    second = await run_bot(config, clock)
    try:
        # The session the first process left is resumed (issue 14.5), not a new IDENTIFY.
        assert len(standin.sessions) == 1 and standin.connections[-1][0] == "/gateway/resume"
        await standin.click(alice, header, buttons_of(header)["Next phase"])
        await standin.wait_for(lambda: "phase: Updates" in header.content)
        await wait_text(standin, header.id, "Updates from last time")
        # /als was registered once: the second start found it unchanged.
        assert len(standin.calls("PUT", r"/applications/\d+/commands")) == 1
        assert len(standin.calls("GET", r"/applications/\d+/commands")) == 2
    finally:
        await second.close()
