"""The floor for the Discord event path: a plain discord.py `Client` whose
`on_raw_reaction_add` listener does nothing but note the time.

It runs in its own process, like `alsbot run`, with the same intents and the same
transport onto the stand-in (`adapters.discord.transport`), so the only difference from
alsbot is what the listener does: here note (message id, `time.monotonic()`), there
translate the reaction and commit it to the inbox.  `time.monotonic()` is CLOCK_MONOTONIC,
one clock for every process on the machine, so the benchmark can compare it with the
moment it sent each dispatch.

A reaction with the marker emoji (🏁) ends a phase: the listener writes what it noted to
`OUT` (JSON) and posts "floor saw N" in the channel, which the stand-in sees.

    python -m bench._discord_floor API_BASE_URL GATEWAY_URL OUT     # token in DISCORD_BOT_TOKEN
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

import discord

from adapters.discord.client import default_intents
from adapters.discord.transport import Endpoints, replace_http

MARKER_EMOJI = "🏁"


class EmptyClient(discord.Client):
    def __init__(self, endpoints: Endpoints, out: Path) -> None:
        super().__init__(intents=default_intents())
        replace_http(self, endpoints)
        self.out = out
        self.seen: list[tuple[int, float]] = []

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.emoji.name != MARKER_EMOJI:
            self.seen.append((payload.message_id, time.monotonic()))
            return
        seen, self.seen = self.seen, []
        self.out.write_text(json.dumps({"seen": seen}), encoding="utf-8")
        channel = self.get_channel(payload.channel_id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send(f"floor saw {len(seen)}")


async def serve(api: str, gateway: str, out: Path) -> None:
    client = EmptyClient(Endpoints.from_config(api, gateway), out)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(client.start(os.environ["DISCORD_BOT_TOKEN"]))
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({task, waiter}, return_when="FIRST_COMPLETED")
    await client.close()
    if task.done():
        task.result()


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(serve(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
