"""What keeps a hostile client from costing the HTTP server more than its own request.

The endpoint is public: anyone can open sockets to it and send anything.  A probe showed
what that cost before: ~1,100 idle sockets exhausted the process's descriptors (and
`/healthz` with them) and 200 unsigned garbage requests wrote 380 KB of tracebacks.  So:

* every connection has a deadline for its request headers and, between requests, for
  being idle (aiohttp's `keepalive_timeout`, whose timer starts when the connection is
  accepted and is only reset by a finished response, so a client that trickles its
  headers byte by byte is cut off as an idle one is); the body has its own deadline
  (`SlackHttpServer` reads it under `asyncio.timeout`);
* the number of open connections is capped.  At the cap the oldest connection that is
  not in the middle of a request is closed to make room (idle sockets cannot crowd out
  Slack, whose requests arrive whole and at once); only if every connection is busy is
  the newcomer closed;
* refusals are counted and summarised in at most one log line a minute, and aiohttp's
  own per-request error log (a traceback for every malformed request line) goes through
  the same throttle.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)
SUMMARY_EVERY = 60.0  # seconds between two lines about refused requests or connections


@dataclass(frozen=True)
class HttpLimits:
    idle_seconds: float = 15.0  # to send a request's headers, and between two requests
    body_seconds: float = 10.0  # to send a body once its headers are in (Slack's are tiny)
    max_connections: int = 1000


class Summary:
    """Counts refusals by reason; logs the first at once, then one line per `every` s."""

    def __init__(
        self,
        what: str,
        every: float = SUMMARY_EVERY,
        now: Callable[[], float] = time.monotonic,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        self.what = what
        self.every = every
        self.now = now
        self.hints = dict(hints or {})  # reason -> what the operator should look at
        self.counts: Counter[str] = Counter()
        self.total = 0
        self._next = 0.0

    def count(self, reason: str) -> None:
        self.counts[reason] += 1
        self.total += 1
        if self.now() >= self._next:
            self.flush()

    def flush(self) -> None:
        if not self.counts:
            return
        pending = sum(self.counts.values())
        reasons = ", ".join(f"{n} {reason}" for reason, n in self.counts.most_common())
        hints = "".join(
            f"; {self.hints[r]}" for r, _ in self.counts.most_common() if r in self.hints
        )
        log.warning(
            "%s: %d (%s)%s; next summary in %.0f s", self.what, pending, reasons, hints, self.every
        )
        self.counts.clear()
        self._next = self.now() + self.every


class ThrottledLog(logging.Filter):
    """aiohttp's server logger, one line a minute: it logs a traceback for every malformed
    request line or header, which a hostile client can send as fast as it likes."""

    def __init__(self, every: float = SUMMARY_EVERY, now: Callable[[], float] = time.monotonic):
        super().__init__()
        self.every = every
        self.now = now
        self._next = 0.0
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        if self.now() < self._next:
            self._dropped += 1
            return False
        error = record.exc_info[1] if record.exc_info else None
        # The error's first line only (its later lines quote what the client sent).
        first = str(error).splitlines()[0][:100] if error is not None and str(error) else ""
        detail = f"{type(error).__name__}: {first}" if error is not None else ""
        dropped = f" ({self._dropped} more since the last line)" if self._dropped else ""
        record.msg = f"{record.getMessage()}: {detail}{dropped}".strip(": ")
        record.args, record.exc_info, record.exc_text = (), None, None
        # A client's malformed request is the client's problem, not the server's error.
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        self._dropped = 0
        self._next = self.now() + self.every
        return True


def server_logger() -> logging.Logger:
    """The logger aiohttp's connections report to, behind the throttle (installed once)."""
    logger = logging.getLogger(f"{__name__}.connections")
    if not any(isinstance(f, ThrottledLog) for f in logger.filters):
        logger.addFilter(ThrottledLog())
    return logger


class _Refused(asyncio.Protocol):
    """Accepted over the cap while every connection was busy: closed at once."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class CappedSite(web.BaseSite):
    """A TCP site whose protocol factory enforces `max_connections` (see the module doc).

    aiohttp has no connection limit of its own; the factory is the one place that sees a
    connection before it costs anything beyond its socket.
    """

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        *,
        max_connections: int,
        busy: set[Any],
    ) -> None:
        super().__init__(runner, backlog=min(1024, max(128, max_connections)))
        self.host = host
        self.requested_port = port
        self.port = port
        self.max_connections = max_connections
        self.busy = busy  # the connections (protocols) handling a request now
        self.closed = Summary("closed connections over the cap")

    @property
    def name(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None
        self._server = await loop.create_server(
            lambda: self._connection(server),
            self.host,
            self.requested_port,
            backlog=self._backlog,
            reuse_address=True,
        )
        sockets = self._server.sockets if isinstance(self._server, asyncio.Server) else []
        self.port = sockets[0].getsockname()[1] if sockets else self.requested_port

    def _connection(self, server: web.Server) -> asyncio.BaseProtocol:
        connections = server.connections  # oldest first (accept order)
        if len(connections) >= self.max_connections:
            idle = next((c for c in connections if c not in self.busy), None)
            if idle is None:
                self.closed.count("new, every connection busy")
                return _Refused()
            self.closed.count("idle, to make room")
            idle.force_close()
        handler: asyncio.BaseProtocol = server()
        return handler


def busy_tracker(busy: set[Any]) -> Any:
    """A middleware that marks a connection busy while a request on it is handled, so
    that the cap never closes a connection in the middle of a request."""

    @web.middleware
    async def track(request: web.Request, handler: Any) -> web.StreamResponse:
        protocol = request.protocol
        busy.add(protocol)
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            busy.discard(protocol)

    return track
