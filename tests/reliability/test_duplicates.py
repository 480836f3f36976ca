"""Issue 8, item 3 — duplicates: 10,000 events of which 30% arrive two or three times
(Slack retries, gateway replays, double-clicked buttons), and zero duplicated effects.

Through the core, then the same kinds of repeat through the real Slack endpoint and the
real Discord client on the gateway stand-in (`testkit/worlds/duplicates_core.py`, `…_slack.py`,
`…_discord.py`).  `bench/soak_duplicates.py` runs 100,000.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.clock import FakeClock
from testkit.config import START_OF_TESTS
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import discord_config, run_bot
from testkit.harness import Harness
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SlackWorld
from testkit.worlds.duplicates_core import run_duplicates
from testkit.worlds.duplicates_discord import run_discord_slice
from testkit.worlds.duplicates_slack import run_slack_slice


@pytest_asyncio.fixture
async def h(sqlite_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.open(sqlite_url, FakeClock(START_OF_TESTS))
    try:
        yield harness
    finally:
        await harness.close()


@pytest.mark.reliability
@pytest.mark.asyncio
async def test_ten_thousand_events_thirty_percent_repeated_no_doubled_effect(h: Harness) -> None:
    figures = await run_duplicates(h, total=10_000, rate=0.30, seed=8)
    print(json.dumps(figures, indent=1))
    assert figures["distinct_events"] >= 10_000
    assert 0.27 <= figures["repeated_events"] / figures["distinct_events"] <= 0.33
    assert set(figures["repeats_by_kind"]) == {"retry", "replay", "double click"}
    assert figures["doubled_effects"] == 0
    assert figures["problems"] == []


@pytest_asyncio.fixture
async def slack_world(sqlite_url: str) -> AsyncIterator[Any]:
    async with SlackWebApi() as api:
        world = await SlackWorld.open(api, sqlite_url, FakeClock(START_OF_TESTS))
        try:
            yield world
        finally:
            await world.close()


@pytest.mark.asyncio
async def test_repeats_through_the_slack_endpoint_have_one_effect(slack_world: Any) -> None:
    figures = await run_slack_slice(slack_world, total=300)
    print(json.dumps(figures, indent=1))
    assert figures["distinct_events"] >= 300
    assert figures["requests"] > figures["distinct_events"] * 1.25
    assert figures["problems"] == []


@pytest.mark.asyncio
async def test_gateway_replays_and_double_clicks_on_discord_have_one_effect(
    tmp_path: Path,
) -> None:
    async with DiscordStandIn() as standin:
        running = await run_bot(
            discord_config(standin, tmp_path / "dup.db"), FakeClock(START_OF_TESTS)
        )
        try:
            figures = await run_discord_slice(standin, running, total=400)
        finally:
            await running.close()
    print(json.dumps(figures, indent=1))
    assert figures["distinct_events"] >= 400
    assert 0.2 <= figures["repeated_events"] / figures["distinct_events"] <= 0.45
    assert figures["button_presses"].get("double click", 0) > 0
    assert (
        figures["replays_refused_by_the_inbox"] == figures["arrivals"] - figures["distinct_events"]
    )
    assert figures["problems"] == []
