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
import resource
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.health_server import HealthServer, start_health_server, stop_health_server
from adapters.preflight.database import refusing
from adapters.web.server import WebPages
from adapters.web.service import pages_for, serve_web
from bot.app import Alsbot
from bot.config import Config
from bot.preflight import web_on_slack_server
from bot.store.db import sqlite_file
from jobs.ticker import Ticker

log = logging.getLogger(__name__)
Stop = Callable[[], Awaitable[None]]
ACCEPT_FAILED = "socket.accept() out of system resource"
WATCH_EVERY = 2.0  # seconds between two looks at the database file, with no events coming
SAY_AGAIN_AFTER = 60.0  # seconds between two lines about failing accepts


def raise_open_file_limit() -> tuple[int, int]:
    """Lift the open-file soft limit to the hard one; returns (before, after).

    The soft limit is often 1,024, which ~1,100 idle sockets were enough to exhaust: the
    listener then could not accept anything (`/healthz` included) and asyncio logged every
    failed accept.  The hard limit is what the operator allows; the HTTP server's own
    connection cap (`[slack] max_connections`) stays well below it.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft, soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError) as error:
        log.warning("could not raise the open-file limit from %d: %s", soft, error)
        return soft, soft
    return soft, target


def quiet_accept_failures(loop: asyncio.AbstractEventLoop) -> None:
    """asyncio reports each failed accept (out of descriptors or memory) with a traceback,
    and retries every second per listener: 272,089 lines in 35 s in the probe.  Say it
    once a minute, with a count, and pass every other report to the default handler."""
    state = {"next": 0.0, "dropped": 0}

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not str(context.get("message", "")).startswith(ACCEPT_FAILED):
            loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now < state["next"]:
            state["dropped"] += 1
            return
        error = context.get("exception")
        log.error(
            "cannot accept connections: out of descriptors or memory (%s); %d more since the "
            "last line",
            type(error).__name__ if error is not None else "?",
            state["dropped"],
        )
        state["next"], state["dropped"] = now + SAY_AGAIN_AFTER, 0

    loop.set_exception_handler(handler)


async def start_platforms(
    alsbot: Alsbot, config: Config, pages: WebPages | None = None
) -> list[Stop]:
    """Start each enabled platform, and the set's pages online when `pages` is given (on
    the Slack HTTP server when they share its address, else on their own listener); if
    one fails, those already started are stopped."""
    stops: list[Stop] = []
    on_slack = pages is not None and web_on_slack_server(config)
    try:
        if config.slack.enabled:
            from adapters.slack.service import serve_slack

            mount = pages.mount if pages is not None and on_slack else None
            stops.append(await serve_slack(alsbot, config, mount))
        if config.discord.enabled:
            from adapters.discord.client import serve_discord

            stops.append(await serve_discord(alsbot, config))
        if config.teams.enabled:
            from adapters.teams.service import serve_teams

            stops.append(await serve_teams(alsbot, config))
        if pages is not None and not on_slack:
            stops.append(await serve_web(pages, config))
    except BaseException:
        for stop in reversed(stops):
            with contextlib.suppress(Exception):
                await stop()
        raise
    return stops


async def serve(config: Config, *, stop_event: asyncio.Event | None = None) -> None:
    before, after = raise_open_file_limit()
    if after != before:
        log.info("open-file limit raised from %d to %d", before, after)
    quiet_accept_failures(asyncio.get_running_loop())
    # One process per SQLite file, and a database that cannot be written is refused
    # here, with one line (`StoreUnavailable`), not at the first event.
    lock = sqlite_file(config.database.url)
    if lock is not None:
        lock.lock()
    try:
        with refusing(config.database.url):  # unreachable, login refused: one line
            alsbot = await Alsbot.open(config)
        try:
            await alsbot.store.ensure_writable()
        except BaseException:
            await alsbot.close()
            raise
        await _run(alsbot, config, stop_event)
    finally:
        if lock is not None:
            lock.unlock()


async def watch_store(alsbot: Alsbot, every: float = WATCH_EVERY) -> None:
    """Notice a lost database file within seconds even when no event comes to notice it."""
    while True:
        await asyncio.sleep(every)
        alsbot.check_store()


async def _run(alsbot: Alsbot, config: Config, stop_event: asyncio.Event | None) -> None:
    ticker = Ticker(alsbot, config.scheduler.tick_seconds)
    stop_event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop_event.set)
    stops: list[Stop] = []
    watcher: asyncio.Task[None] | None = None
    health: HealthServer | None = None
    try:
        # `[health] port`: its own `/healthz` in every mode, answering (503) while the
        # platforms still connect.
        health = await start_health_server(alsbot, config.health.host, config.health.port)
        # Platforms first: events left pending by a crash are processed as soon as the
        # loops start, and a reaction among them needs its platform's message source
        # (attached by `serve_<platform>`) to be read — prepared without it, it would be
        # marked done with no do saved.
        # `[web] enabled`: the set's pages, after the platforms whose names they show.
        pages = pages_for(alsbot, config) if config.web.enabled else None
        stops = await start_platforms(alsbot, config, pages)
        # Everything built so far (the SDKs, the models, the compiled statements) lives as
        # long as the process: take it out of the collector's sight, so that a full
        # collection does not walk ~130,000 objects in the middle of an acknowledgement.
        gc.collect()
        gc.freeze()
        await alsbot.start()
        ticker.start()
        watcher = asyncio.create_task(watch_store(alsbot), name="alsbot-store-watch")
        log.info(
            "alsbot is running (%s)",
            ", ".join(
                name
                for name, on in (
                    ("slack", config.slack.enabled),
                    ("discord", config.discord.enabled),
                    ("teams", config.teams.enabled),
                    ("web pages", config.web.enabled),
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
        await stop_health_server(health)  # before anything it reads is closed
        if watcher is not None:
            watcher.cancel()
        await ticker.stop()
        await alsbot.stop()
        for stop in reversed(stops):
            with contextlib.suppress(Exception):
                await stop()
        await alsbot.close()
