"""Socket Mode: the same Bolt app over a websocket that the app opens to Slack.

No public URL and no signature (the app-level `SLACK_APP_TOKEN` authenticates the
connection).  Bolt's handler dispatches each envelope and sends the acknowledgement only
after `async_dispatch` returns — after our listener's `submit` — and sends none when the
listener failed, so Slack retries exactly the envelopes that were not made durable.
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import SlackStartupError

log = logging.getLogger(__name__)


class SlackSocketMode:
    def __init__(self, bolt: AsyncApp, app_token: str, client: AsyncWebClient) -> None:
        self.bolt = bolt
        self.app_token = app_token
        self.client = client
        self.handler: AsyncSocketModeHandler | None = None

    async def start(self) -> None:
        """Open the connection (`apps.connections.open` on the configured Web API).

        The first URL is fetched here, not by the SDK: the SDK retries a refused app token
        forever with a stack trace every few seconds, where an operator needs one clear
        message and a failed start.
        """
        try:
            opened = await self.client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as error:
            code = error.response.get("error") if isinstance(error.response.data, dict) else None
            raise SlackStartupError(
                f"apps.connections.open refused SLACK_APP_TOKEN ({code or error.response.status_code}):"
                " it must be an app-level token (xapp-…) with connections:write"
            ) from None
        self.handler = AsyncSocketModeHandler(self.bolt, self.app_token, web_client=self.client)
        self.handler.client.wss_uri = str(opened["url"])
        await self.handler.connect_async()  # type: ignore[no-untyped-call]  # slack_sdk
        log.info("Slack Socket Mode connected through %s", self.client.base_url)

    async def stop(self) -> None:
        if self.handler is not None:
            await self.handler.close_async()  # type: ignore[no-untyped-call]  # slack_sdk
            self.handler = None
