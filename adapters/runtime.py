"""`alsbot run`: one process, one database, every enabled platform.

Each platform adapter exposes `serve_<platform>(alsbot, config)`, which starts it and
returns an async function that stops it; the same `Alsbot` (and so the same database and
sets) serves them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable

from bot.app import Alsbot
from bot.config import Config
from jobs.ticker import Ticker

log = logging.getLogger(__name__)
Stop = Callable[[], Awaitable[None]]


async def start_platforms(alsbot: Alsbot, config: Config) -> list[Stop]:
    stops: list[Stop] = []
    if config.slack.enabled:
        from adapters.slack.service import serve_slack

        stops.append(await serve_slack(alsbot, config))
    if config.discord.enabled:
        from adapters.discord.client import serve_discord

        stops.append(await serve_discord(alsbot, config))
    return stops


async def serve(config: Config, *, stop_event: asyncio.Event | None = None) -> None:
    alsbot = await Alsbot.open(config)
    ticker = Ticker(alsbot, config.scheduler.tick_seconds)
    stop_event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop_event.set)
    stops: list[Stop] = []
    try:
        # Platforms first: events left pending by a crash are processed as soon as the
        # loops start, and a reaction among them needs its platform's message source
        # (attached by `serve_<platform>`) to be read — prepared without it, it would be
        # marked done with no do saved.
        stops = await start_platforms(alsbot, config)
        # Everything built so far (the SDKs, the models, the compiled statements) lives as
        # long as the process: take it out of the collector's sight, so that a full
        # collection does not walk ~130,000 objects in the middle of an acknowledgement.
        gc.collect()
        gc.freeze()
        await alsbot.start()
        ticker.start()
        log.info(
            "alsbot is running (%s)",
            ", ".join(
                name
                for name, on in (
                    ("slack", config.slack.enabled),
                    ("discord", config.discord.enabled),
                )
                if on
            ),
        )
        await stop_event.wait()
    finally:
        # The core's loops stop first, after their current pass, while the platforms'
        # connections are still open: a delivery cut off by a closed session would sit in
        # `sending` until the next start. Events still arriving meanwhile go to the inbox
        # (the store is open until the end) and are processed on the next start.
        ticker.stop()
        await alsbot.stop()
        for stop in reversed(stops):
            with contextlib.suppress(Exception):
                await stop()
        await alsbot.close()
