"""The pages wired to the core: a token found in the store, the toolkit read through it,
people named by the platforms attached to the same `Alsbot`.

`alsbot run` calls `pages_for` when `[web] enabled = true`, then either mounts the routes
on the Slack HTTP server (same host and port: `bot.preflight.web_on_slack_server`) or
starts `serve_web`'s own listener.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from adapters.web.server import ReportPage, WebPages, WebServer
from bot.config import Config
from bot.ports import NameDirectory
from bot.refs import Platform
from bot.reports import files
from bot.reports.links import set_for_token
from bot.reports.names import DirectoryOf
from bot.reports.web_pages import toolkit_page


def directories(alsbot: Any) -> DirectoryOf:
    """Each platform's `NameDirectory`: its attached message source, when it is one."""

    def directory_of(platform: Platform) -> NameDirectory | None:
        source = alsbot.processor.sources.get(platform)
        return source if isinstance(source, NameDirectory) else None

    return directory_of


def pages_for(alsbot: Any, config: Config, report_page: ReportPage | None = None) -> WebPages:
    async def find_set(token: str) -> int | None:
        async with alsbot.store.read() as conn:
            return await set_for_token(conn, token)

    async def toolkit(set_id: int, params: Mapping[str, str]) -> str | None:
        return await toolkit_page(
            alsbot.store,
            set_id,
            params,
            config=config,
            directory_of=directories(alsbot),
            now=alsbot.clock.now(),
        )

    return WebPages(find_set, toolkit, report_page or report_pages(alsbot, config))


REPORT_FRESH_SECONDS = 300.0


def report_pages(alsbot: Any, config: Config) -> ReportPage:
    """The report page (`bot.reports.files.report_page`), kept for `REPORT_FRESH_SECONDS`
    per set: drawing its two charts takes a few hundred milliseconds of a worker thread,
    and a funder reloading the page should not pay that again; the figures change only
    when a session closes or an update comes in, and a page five minutes old says when it
    was made."""
    made: dict[int, tuple[float, str | None]] = {}

    async def report(set_id: int) -> str | None:
        now = time.monotonic()
        hit = made.get(set_id)
        if hit is not None and now - hit[0] < REPORT_FRESH_SECONDS:
            return hit[1]
        page = await files.report_page(
            alsbot.store, set_id, now=alsbot.clock.now(), default_title=config.defaults.name
        )
        for stale in [k for k, (at, _) in made.items() if now - at >= REPORT_FRESH_SECONDS]:
            del made[stale]
        made[set_id] = (now, page)
        return page

    return report


async def serve_web(pages: WebPages, config: Config) -> Callable[[], Awaitable[None]]:
    """Start the pages' own listener on `[web] host:port`; returns its stop."""
    server = WebServer(pages)
    await server.start(config.web.host, config.web.port)
    return server.stop
