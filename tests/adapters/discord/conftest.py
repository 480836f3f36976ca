"""Fixtures: the Discord stand-in, a real core on a SQLite file, and the adapter between them.

The helpers these fixtures use (and tests import) live in `testkit.discord.running`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.clock import FakeClock
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import Running, discord_config, run_bot


@pytest_asyncio.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as server:
        yield server


@pytest_asyncio.fixture
async def running(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Running]:
    bot = await run_bot(discord_config(standin, tmp_path / "alsbot.db"), clock)
    try:
        yield bot
    finally:
        await bot.close()
