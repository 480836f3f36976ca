"""HTTP mode: an aiohttp server with `POST /slack/events` and `GET /healthz`.

The handler is Bolt's own aiohttp pair (`to_bolt_request` → `async_dispatch` →
`to_aiohttp_response`), so signature checks are Bolt's: an unsigned, wrongly signed or
stale (> 5 minutes) request gets 401 before any listener runs.  Around it this module only
refuses what Bolt should never see (bodies that are not UTF-8, or absurdly large), so a
malformed request is a clean 4xx rather than a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller

Health = Callable[[], Awaitable[dict[str, Any]]]


class SlackHttpServer:
    def __init__(self, bolt: AsyncApp, *, health: Health | None = None) -> None:
        self.bolt = bolt
        self.health = health
        self.web_app = web.Application(client_max_size=MAX_BODY)
        self.web_app.router.add_post(EVENTS_PATH, self.handle_events)
        self.web_app.router.add_get("/healthz", self.handle_health)
        self._runner: web.AppRunner | None = None
        self.host = ""
        self.port = 0

    async def handle_events(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return web.json_response({"error": "body is not UTF-8"}, status=400)
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def handle_health(self, _: web.Request) -> web.Response:
        body: dict[str, Any] = {"ok": True, "mode": "http"}
        if self.health is not None:
            try:
                body.update(await self.health())
            except Exception as error:
                log.warning("health check failed: %s", error)
                return web.json_response({"ok": False, "error": type(error).__name__}, status=503)
        return web.json_response(body, status=200 if body.get("ok", True) else 503)

    async def start(self, host: str = "127.0.0.1", port: int = 3000) -> int:
        """Listen; returns the bound port (pass 0 for an ephemeral one)."""
        self._runner = web.AppRunner(self.web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = server.sockets if isinstance(server, asyncio.Server) else []
        self.host, self.port = host, sockets[0].getsockname()[1] if sockets else port
        log.info("Slack HTTP mode listening on http://%s:%s%s", host, self.port, EVENTS_PATH)
        return self.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{EVENTS_PATH}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
