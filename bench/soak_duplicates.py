"""Duplicates soak: the duplicates test (tests/reliability/test_duplicates.py), bigger.

Through the core, `--events` distinct events (default 100,000) of which 30% arrive two or
three times (retries, gateway replays, double clicks); then the same kinds of repeat
through the real Slack endpoint and the real Discord client on the gateway stand-in.  The
figures are the tests': distinct events, repeats by kind, effects checked, doubled effects
(must be 0) and `problems` (must be empty).  `--quick`: 5,000 through the core and the
tests' sizes through the adapters.

    python -m bench.soak_duplicates [--quick] [--events N] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import emit, peak_rss_mb
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


async def core(tmp: Path, events: int, seed: int) -> dict[str, Any]:
    h = await Harness.open(f"sqlite+aiosqlite:///{tmp / 'core.db'}", FakeClock(START_OF_TESTS))
    try:
        return await run_duplicates(h, total=events, rate=0.30, seed=seed)
    finally:
        await h.close()


async def slack(tmp: Path, events: int, seed: int) -> dict[str, Any]:
    async with SlackWebApi() as api:
        url = f"sqlite+aiosqlite:///{tmp / 'slack.db'}"
        world = await SlackWorld.open(api, url, FakeClock(START_OF_TESTS))
        try:
            return await run_slack_slice(world, total=events, seed=seed)
        finally:
            await world.close()


async def discord(tmp: Path, events: int, seed: int) -> dict[str, Any]:
    async with DiscordStandIn(seed=seed) as standin:
        running = await run_bot(
            discord_config(standin, tmp / "discord.db"), FakeClock(START_OF_TESTS)
        )
        try:
            return await run_discord_slice(standin, running, total=events, seed=seed)
        finally:
            await running.close()


async def soak(events: int, slack_events: int, discord_events: int, seed: int) -> dict:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="alsbot-soak-dup-") as name:
        tmp = Path(name)
        through_core = await core(tmp, events, seed)
        through_slack = await slack(tmp, slack_events, seed)
        through_discord = await discord(tmp, discord_events, seed)
    parts = (through_core, through_slack, through_discord)
    return {
        "benchmark": "soak_duplicates",
        "seed": seed,
        "ok": all(not p["problems"] for p in parts) and through_core["doubled_effects"] == 0,
        "run_seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "core": through_core,
        "slack_endpoint": through_slack,
        "discord_gateway": through_discord,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5,000 events through the core")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    events = args.events or (5_000 if args.quick else 100_000)
    slack_events, discord_events = (300, 400) if args.quick else (1_000, 2_000)
    result = asyncio.run(soak(events, slack_events, discord_events, args.seed))
    emit(result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
