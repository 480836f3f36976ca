"""Two sets with their own do's and links, served by the real web server over a loopback
port from a real SQLite file; people named by the console's world."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import pytest_asyncio

from adapters.console.world import ConsoleSource, ConsoleWorld
from adapters.web.server import WebServer
from adapters.web.service import pages_for
from bot.clock import FakeClock
from bot.dos.common import DOS, SAVED
from bot.dos.do_text import hashtags, normalise_text
from bot.refs import ChannelRef, Platform
from bot.reports.links import set_for_token
from testkit.harness import GENERAL, WS, Harness, private_to, u

OTHER = ChannelRef(WS, "other")
NAMES = {"alice": "Ada Lovelace", "bob": "Grace Hopper", "carol": "Katherine Johnson"}
A_DOS = (
    ("alice", "Ask what they have tried already #listening", ("bob",)),
    ("bob", "Pause for ten seconds before answering #listening #pace", ("alice",)),
    ("alice", "Write the action down in the presenter's own words", ("bob", "alice")),
)
B_DOS = (("carol", "Set B keeps this to itself: SECRET-B #listening", ()),)


async def report_page(set_id: int) -> str:
    """Stands in for the report's HTML: enough to tell which set it is about."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Report</title>'
        f"</head><body><main><h1>Report of set {set_id}</h1></main></body></html>"
    )


@dataclass
class Site:
    h: Harness
    server: WebServer
    http: aiohttp.ClientSession
    tokens: dict[str, str]  # "A", "B" → token
    set_ids: dict[str, int]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def url(self, which: str, page: str = "toolkit", query: str = "") -> str:
        return f"{self.base}/s/{self.tokens[which]}/{page}{query}"

    async def token(self, channel: ChannelRef, command: str = "link") -> str:
        said = private_to(await self.h.cmd("alice", command, channel), "alice")[0]
        return said.split("/s/", 1)[1].split("/", 1)[0]


async def add_dos(
    h: Harness, set_id: int, dos: tuple[tuple[str, str, tuple[str, ...]], ...], at: datetime
) -> None:
    async with h.app.store.write() as conn:
        for n, (author, body, savers) in enumerate(dos):
            await conn.execute(
                DOS.insert().values(
                    set_id=set_id,
                    text=body,
                    norm_text=normalise_text(body),
                    author_key=u(author).key,
                    saved_by=[u(s).key for s in savers],
                    tags=hashtags(body),
                    status=SAVED,
                    created_at=at + timedelta(days=n),
                )
            )


@pytest_asyncio.fixture
async def site(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Site]:
    h = await Harness.open(sqlite_url, clock, ALSBOT_WEB_ENABLED="true")
    world = ConsoleWorld(clock=clock, out=io.StringIO(), names=dict(NAMES))
    h.app.processor.sources[Platform.CONSOLE] = ConsoleSource(world)
    server = WebServer(pages_for(h.app, h.app.config, report_page))
    http = aiohttp.ClientSession()
    try:
        for channel in (GENERAL, OTHER):
            await h.cmd("alice", "setup", channel)
        tokens: dict[str, str] = {}
        set_ids: dict[str, int] = {}
        for which, channel, dos in (("A", GENERAL, A_DOS), ("B", OTHER, B_DOS)):
            site = Site(h, server, http, tokens, set_ids)
            tokens[which] = await site.token(channel)
            async with h.app.store.read() as conn:
                found = await set_for_token(conn, tokens[which])
            assert found is not None
            set_ids[which] = found
            await add_dos(h, found, dos, clock.now() - timedelta(days=10))
        await server.start("127.0.0.1", 0)
        yield Site(h, server, http, tokens, set_ids)
    finally:
        await http.close()
        await server.stop()
        await h.close()
