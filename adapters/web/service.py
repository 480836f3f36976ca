"""The pages wired to the core: a token found in the store, the toolkit read through it,
people named by the platforms attached to the same `Alsbot`.

`alsbot run` calls `pages_for` when `[web] enabled = true`, then either mounts the routes
on the Slack HTTP server (same host and port: `bot.preflight.web_on_slack_server`) or
starts `serve_web`'s own listener.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from adapters.web.server import ReportPage, WebPages, WebServer
from bot.config import Config
from bot.ports import NameDirectory
from bot.refs import Platform
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

    return WebPages(find_set, toolkit, report_page)


async def serve_web(pages: WebPages, config: Config) -> Callable[[], Awaitable[None]]:
    """Start the pages' own listener on `[web] host:port`; returns its stop."""
    server = WebServer(pages)
    await server.start(config.web.host, config.web.port)
    return server.stop
