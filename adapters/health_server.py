"""`GET /healthz` in every mode: the body both servers answer, and a server of its own.

`alsbot run` starts `HealthServer` on `[health] host:port` when the port is non-zero, in
Slack Socket Mode, Discord only, both, or Slack HTTP mode (whose own server answers
`/healthz` too, with the same body from `health_response`).  Monitors, a container's
HEALTHCHECK and a load balancer poll it every few seconds, so a read is cheap: the board
is in memory, and the one database query (the inbox backlog) is shared by concurrent
reads, remembered for a second, and given `COUNT_TIMEOUT` seconds — a database that
hangs makes `/healthz` answer 503 at once, never hang with it.

The body says nothing secret and nothing a person wrote: each part's state and a short
detail, the ticker's last good run, the backlog as a number, and the process's name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from adapters.slack.http_guard import CappedSite, server_logger
from bot.preflight import Refused
from jobs.ticker import PART as TICKER

log = logging.getLogger(__name__)
PATH = "/healthz"
COUNT_TIMEOUT = 2.0  # seconds the backlog count may take before the read answers without it
COUNT_REUSE = 1.0  # seconds a backlog count is good for (polls come every few seconds)
INBOX = "inbox"  # the part that says whether the database answers reads
IDLE_SECONDS = 15.0
MAX_CONNECTIONS = 64  # an internal endpoint: a few monitors, not the world

Body = dict[str, Any]


class HealthReader:
    """Builds the `/healthz` body for one `Alsbot`."""

    def __init__(
        self,
        alsbot: Any,
        *,
        timeout: float = COUNT_TIMEOUT,
        reuse_for: float = COUNT_REUSE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.alsbot = alsbot
        self.timeout = timeout
        self.reuse_for = reuse_for
        self.monotonic = monotonic
        self._count: asyncio.Future[int] | None = None
        self._counted: tuple[float, int] | None = None

    @property
    def process(self) -> str:
        processor = getattr(self.alsbot, "processor", None)
        return str(getattr(processor, "worker", "")) or "alsbot"

    async def body(self) -> Body:
        backlog = await self._backlog()
        board = self.alsbot.health
        parts = board.snapshot()  # after the count: its outcome is one of the parts
        return {
            "ok": all(part["ok"] for part in parts.values()),
            "process": self.process,
            "parts": parts,
            "ticker": _ticker(board),
            "inbox_backlog": backlog,
        }

    async def _backlog(self) -> int | None:
        """The pending events, or None when the database did not answer in time.

        The count runs as its own task, shielded from a read's timeout: a read that gives
        up leaves it running, and the next read waits on the same query instead of piling
        another onto a database that hangs.
        """
        if self._counted is not None and self.monotonic() - self._counted[0] < self.reuse_for:
            return self._counted[1]
        if self._count is None or self._count.done():
            self._count = asyncio.ensure_future(self.alsbot.pending_events())
            self._count.add_done_callback(_retrieve)
        board = self.alsbot.health
        try:
            async with asyncio.timeout(self.timeout):
                count: int = await asyncio.shield(self._count)
        except TimeoutError:
            board.report(INBOX, False, f"the database did not answer within {self.timeout:g} s")
            return None
        except Exception as error:  # the query failed; its type only (no paths, no SQL)
            board.report(INBOX, False, f"the database read failed ({type(error).__name__})")
            return None
        board.report(INBOX, True, "the database answers")
        self._counted = (self.monotonic(), count)
        return count

    def close(self) -> None:
        if self._count is not None and not self._count.done():
            self._count.cancel()


_READERS: weakref.WeakKeyDictionary[Any, HealthReader] = weakref.WeakKeyDictionary()


def reader_for(alsbot: Any) -> HealthReader:
    """The one reader of `alsbot`: Slack HTTP mode's `/healthz` and the `[health] port`
    server share its count, so polling both is still one query a second, not two."""
    try:
        reader = _READERS.get(alsbot)
        if reader is None:
            reader = _READERS[alsbot] = HealthReader(alsbot)
    except TypeError:  # an object that cannot be weakly referred to: a reader of its own
        reader = HealthReader(alsbot)
    return reader


def _retrieve(future: asyncio.Future[int]) -> None:
    """A count nobody waited for to the end still has its failure read (no asyncio warning)."""
    if not future.cancelled():
        future.exception()


def _ticker(board: Any) -> dict[str, Any] | None:
    part = board.part(TICKER)
    if part is None or part.last_ok is None:
        return None
    return {
        "last_run": datetime.fromtimestamp(part.last_ok, UTC).isoformat(timespec="seconds"),
        "seconds_since": round(max(0.0, board.now() - part.last_ok), 1),
    }


async def health_response(body: Callable[[], Awaitable[Body]] | None) -> web.Response:
    """200 when every part is healthy, else 503; a failure to build the body is a 503 too."""
    if body is None:
        return web.json_response({"ok": True})
    try:
        answer = await body()
    except Exception as error:
        log.warning("health check failed: %s", type(error).__name__)
        return web.json_response({"ok": False, "error": type(error).__name__}, status=503)
    return web.json_response(answer, status=200 if answer.get("ok", True) else 503)


class HealthServer:
    """`GET /healthz` (and HEAD) and nothing else: every other path and method is 404."""

    def __init__(self, reader: HealthReader) -> None:
        self.reader = reader
        self.busy: set[Any] = set()
        self.web_app = web.Application(client_max_size=1024)
        self.web_app.router.add_get(PATH, self.handle_health)
        self.web_app.router.add_route("*", "/{anything:.*}", _not_found)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def handle_health(self, _: web.Request) -> web.Response:
        return await health_response(self.reader.body)

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the bound port (0 asks for an ephemeral one)."""
        self._runner = web.AppRunner(
            self.web_app,
            access_log=None,
            logger=server_logger(),
            keepalive_timeout=IDLE_SECONDS,
        )
        await self._runner.setup()
        site = CappedSite(self._runner, host, port, max_connections=MAX_CONNECTIONS, busy=self.busy)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            self._runner = None
            raise HealthServerError(
                f"cannot listen on [health] {host}:{port} ({error.strerror or error})",
                "choose a free port, or 0 for no health server",
            ) from None
        self.port = site.port
        log.info("health endpoint listening on http://%s:%s%s", host, self.port, PATH)
        return self.port

    async def stop(self) -> None:
        self.reader.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class HealthServerError(Refused):
    """The health server could not listen: `alsbot run` prints the one ✗ line and exits 2."""


async def _not_found(_: web.Request) -> web.Response:
    return web.json_response({"error": "not found"}, status=404)


async def start_health_server(alsbot: Any, host: str, port: int) -> HealthServer | None:
    """`alsbot run`'s entry point: None when `[health] port` is 0."""
    if not port:
        return None
    server = HealthServer(reader_for(alsbot))
    await server.start(host, port)
    return server


async def stop_health_server(server: HealthServer | None) -> None:
    if server is not None:
        with contextlib.suppress(Exception):
            await server.stop()
