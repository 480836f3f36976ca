"""Socket Mode: the same Bolt app over a websocket that the app opens to Slack.

No public URL and no signature (the app-level `SLACK_APP_TOKEN` authenticates the
connection).  Bolt's handler dispatches each envelope and sends the acknowledgement only
after `async_dispatch` returns — after our listener's `submit` — and sends none when the
listener failed, so Slack retries exactly the envelopes that were not made durable.

The SDK reconnects by itself (its monitor pings every `ping_interval` seconds and opens a
new URL when the websocket closed or went stale) but tells nobody, so a small watcher
asks it `is_connected()` every `watch_every` seconds and reports part "slack" to the
health board: connected, reconnecting (the SDK holds its reconnect lock), disconnected.
A dropped websocket shows on `/healthz` as a 503 until the SDK is connected again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import SlackStartupError, slack_code, unreachable
from bot.preflight import APP_TOKEN_HOME

log = logging.getLogger(__name__)
PART = "slack"
PING_INTERVAL = 10.0  # seconds: Bolt's default; stale after 4 of them without a pong
WATCH_EVERY = 1.0  # seconds between two looks at the connection (a dict read, no I/O)
# Socket Mode switched off is what pasting the HTTP manifest (manifest.yaml) does.
SOCKET_MODE_OFF = (
    'paste manifest.socket.yaml (App Manifest), or set [slack] mode = "http" to match the '
    "manifest pasted"
)
CONNECTIONS_FIXES = {
    "socket_mode_not_enabled": SOCKET_MODE_OFF,
    "invalid_auth": f"copy {APP_TOKEN_HOME} again into SLACK_APP_TOKEN",
    "not_authed": f"set SLACK_APP_TOKEN to {APP_TOKEN_HOME}",
    "not_allowed_token_type": f"SLACK_APP_TOKEN must be {APP_TOKEN_HOME}",
    "missing_scope": "make an app-level token with the connections:write scope (Basic "
    "Information → App-Level Tokens) and set SLACK_APP_TOKEN to it",
    "token_revoked": f"make a new one: {APP_TOKEN_HOME}",
}


def connections_refusal(code: str) -> SlackStartupError:
    fix = CONNECTIONS_FIXES.get(code, f"SLACK_APP_TOKEN must be {APP_TOKEN_HOME}")
    if code == "socket_mode_not_enabled":
        return SlackStartupError(
            "Socket Mode is off for this Slack app (apps.connections.open: "
            "socket_mode_not_enabled)",
            fix,
        )
    return SlackStartupError(f"Slack refused SLACK_APP_TOKEN (apps.connections.open: {code})", fix)


class SlackSocketMode:
    def __init__(
        self,
        bolt: AsyncApp,
        app_token: str,
        client: AsyncWebClient,
        *,
        health: Any = None,
        ping_interval: float = PING_INTERVAL,
        watch_every: float = WATCH_EVERY,
    ) -> None:
        self.bolt = bolt
        self.app_token = app_token
        self.client = client
        self.health = health
        self.ping_interval = ping_interval
        self.watch_every = watch_every
        self.handler: AsyncSocketModeHandler | None = None
        self._watcher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the connection (`apps.connections.open` on the configured Web API).

        The first URL is fetched here, not by the SDK: the SDK retries a refused app token
        forever with a stack trace every few seconds, where an operator needs one clear
        message and a failed start.
        """
        try:
            opened = await self.client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as error:
            raise connections_refusal(slack_code(error)) from None
        except Exception as error:  # no answer
            raise unreachable(self.client.base_url, error) from None
        self.handler = AsyncSocketModeHandler(
            self.bolt, self.app_token, web_client=self.client, ping_interval=self.ping_interval
        )
        self.handler.client.wss_uri = str(opened["url"])
        await self.handler.connect_async()  # type: ignore[no-untyped-call]  # slack_sdk
        log.info("Slack Socket Mode connected through %s", self.client.base_url)
        self._report(True, "connected")
        self._watcher = asyncio.create_task(self._watch(), name="alsbot-slack-socket-watch")

    async def state(self) -> tuple[bool, str]:
        """The connection as the SDK sees it now: (connected, detail)."""
        if self.handler is None:
            return False, "stopped"
        client = self.handler.client
        if await client.is_connected():
            return True, "connected"
        if client.connect_operation_lock.locked():
            return False, "reconnecting"
        return False, "disconnected"

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.watch_every)
            try:
                ok, detail = await self.state()
            except Exception as error:  # the SDK's state, half torn down: not connected
                ok, detail = False, f"disconnected ({type(error).__name__})"
            self._report(ok, detail)

    def _report(self, ok: bool, detail: str) -> None:
        if self.health is not None:
            self.health.report(PART, ok, detail)

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if self.handler is not None:
            self._report(False, "stopped")
            await self.handler.close_async()  # type: ignore[no-untyped-call]  # slack_sdk
            self.handler = None
