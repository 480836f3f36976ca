"""HTTP mode: an aiohttp server with `POST /slack/events` and `GET /healthz` (and, in
OAuth mode, `GET /slack/install` and `GET /slack/oauth_redirect`: `adapters.slack.oauth`).

`/healthz` answers the same body as the health server of its own (`adapters.health_server`,
`[health] port`), so a monitor may poll either.

Nothing a sender wrote is parsed before its signature is checked.  Bolt checks signatures
too, but only after it has parsed the body and built its context, and a body that is not
a JSON object (`"hello"`, `[]`, `null`, `payload=x`) or a timestamp header that is not a
number made that parsing raise: a 500 and a 1.9 KB traceback for every unsigned request.
So this module verifies first (slack_sdk's `SignatureVerifier`, Slack's 5-minute window),
refuses what fails with 401 (400 for a malformed timestamp) counted in one summary line a
minute.  A verified Events API delivery (`event_callback`) then goes to the fast path
given as `events` (`event_callbacks.EventCallbacks`, which answers it as Bolt would,
without Bolt's dispatch); anything else — or an event it leaves to Bolt — becomes Bolt's
request, built from the text already read (parsed by Bolt), and a signed body that is not
an object is refused with 400 before it is dispatched (`async_dispatch` →
`to_aiohttp_response`).  Bolt's own verification is off
(`bolt_app.build_bolt_app`): every HTTP request has been verified here, and Socket Mode
needs none.  Anything that still raises is a 500 and one line, never a traceback per
request.  Timeouts and the connection cap are `http_guard`'s.

While the core refuses events (its database is lost or read-only: `Alsbot.refusal`) a
verified request gets 503 before Bolt sees it, so Slack retries it later, and nothing is
logged per request: the core logged the state change once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.health_server import health_response
from adapters.slack.http_guard import CappedSite, HttpLimits, Summary, busy_tracker, server_logger
from adapters.slack.manifest import EVENTS_PATH
from adapters.slack.oauth import OAuthPages

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller
FRESH = 60 * 5  # seconds: Slack's own replay window for a request's timestamp

# Requests that fail verification this way are usually Slack's own, refused by a wrong
# secret or a wrong clock here: say where to look (in the once-a-minute summary line).
HINTS = {
    "bad signature": "check SLACK_SIGNING_SECRET (Basic Information → App Credentials)",
    "stale or future timestamp": "check this machine's clock (NTP)",
}

Health = Callable[[], Awaitable[dict[str, Any]]]
Refusal = Callable[[], str | None]
# A verified request's text and headers → its HTTP status, or None for Bolt to answer
# (`event_callbacks.EventCallbacks`: Events API deliveries without Bolt's dispatch).
FastPath = Callable[[str, Mapping[str, str]], Awaitable[int | None]]


class SlackHttpServer:
    def __init__(
        self,
        bolt: AsyncApp,
        *,
        signing_secret: str,
        health: Health | None = None,
        refusal: Refusal | None = None,
        limits: HttpLimits | None = None,
        now: Callable[[], float] = time.time,
        events: FastPath | None = None,
        oauth: OAuthPages | None = None,
    ) -> None:
        self.bolt = bolt
        self.events = events
        self.health = health
        self.refusal = refusal
        self.limits = limits or HttpLimits()
        self.verifier = SignatureVerifier(signing_secret)
        self.now = now
        self.refused = Summary("refused requests to the Slack endpoint", hints=HINTS)
        self.busy: set[Any] = set()
        self.web_app = web.Application(
            client_max_size=MAX_BODY, middlewares=[busy_tracker(self.busy), _one_line_errors]
        )
        self.web_app.router.add_post(EVENTS_PATH, self.handle_events)
        self.web_app.router.add_get("/healthz", self.handle_health)
        if oauth is not None:  # people's browsers, unsigned: nothing here reads a body
            self.web_app.add_routes(oauth.routes())
        self._runner: web.AppRunner | None = None
        self.site: CappedSite | None = None
        self.host = ""
        self.port = 0

    async def handle_events(self, request: web.Request) -> web.StreamResponse:
        try:
            async with asyncio.timeout(self.limits.body_seconds):
                raw = await request.read()
        except TimeoutError:
            self.refused.count("body too slow")
            return web.json_response({"error": "body too slow"}, status=408)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.refused.count("not UTF-8")
            return web.json_response({"error": "body is not UTF-8"}, status=400)
        refused = self._verify(request, text)
        if refused is not None:
            status, reason = refused
            self.refused.count(reason)
            return web.json_response({"error": reason}, status=status)
        refusal = self.refusal() if self.refusal is not None else None
        if refusal is not None:
            return web.json_response({"error": "not accepting events now"}, status=503)
        if self.events is not None:
            answered = await self.events(text, request.headers)
            if answered is not None:  # as Bolt answers an event: an empty text/plain body
                return web.Response(status=answered, body=b"", content_type="text/plain")
        try:  # Bolt parses the body and reads its context; a non-object body raises
            bolt_request: AsyncBoltRequest | None = AsyncBoltRequest(
                body=text,
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]  # as Bolt's own adapter
            )
        except Exception:  # whatever a signed but malformed body makes Bolt's reading raise
            bolt_request = None
        if bolt_request is None or not isinstance(bolt_request.body, dict):
            log.warning("a signed Slack request whose body is not a JSON object; refused (400)")
            return web.json_response({"error": "body is not a JSON object"}, status=400)
        bolt_response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    def _verify(self, request: web.Request, text: str) -> tuple[int, str] | None:
        """(status, reason) when the request is not Slack's, else None."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature", "")
        if not signature or timestamp is None:
            return 401, "unsigned"
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
            return 400, "malformed timestamp"
        if abs(self.now() - int(timestamp)) > FRESH:
            return 401, "stale or future timestamp"
        if not self.verifier.is_valid(text, timestamp, signature):
            return 401, "bad signature"
        return None

    async def handle_health(self, _: web.Request) -> web.Response:
        return await health_response(self.health)

    async def start(self, host: str = "127.0.0.1", port: int = 3000) -> int:
        """Listen; returns the bound port (pass 0 for an ephemeral one)."""
        self._runner = web.AppRunner(
            self.web_app,
            access_log=None,
            logger=server_logger(),
            keepalive_timeout=self.limits.idle_seconds,
            lingering_time=1.0,  # after a refused body: read at most this long, then close
        )
        await self._runner.setup()
        self.site = CappedSite(
            self._runner, host, port, max_connections=self.limits.max_connections, busy=self.busy
        )
        await self.site.start()
        self.host, self.port = host, self.site.port
        log.info("Slack HTTP mode listening on http://%s:%s%s", host, self.port, EVENTS_PATH)
        return self.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{EVENTS_PATH}"

    async def stop(self) -> None:
        self.refused.flush()
        if self.site is not None:
            self.site.closed.flush()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@web.middleware
async def _one_line_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Whatever escapes a handler is a 500 and one line (its type only: a message can
    quote the request), never aiohttp's traceback per request."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except (web.HTTPException, asyncio.CancelledError):
        raise
    except Exception as error:
        name = type(error).__name__
        log.error("%s %s failed: %s (answered 500)", request.method, request.path, name)
        log.debug("the failure in full", exc_info=error)
        return web.json_response({"error": "internal error"}, status=500)
