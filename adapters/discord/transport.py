"""Where Discord lives: the REST base URL and the gateway URL, per client.

discord.py hard-codes `https://discord.com/api/v10` in the class attribute `Route.BASE`
and `wss://gateway.discord.gg/` in `DiscordWebSocket.DEFAULT_GATEWAY`.  Changing those
class attributes would move every client in the process, so instead each `AlsClient` gets:

- `CompatHTTPClient`, an `HTTPClient` that rewrites each route's URL onto the configured
  base and the default gateway onto the configured one (a resume URL the server handed out
  in READY is used as given), and discovers the gateway with `GET /gateway/bot` when only
  the API base is configured;
- `CompatWebhookAdapter`, for the calls discord.py makes outside `HTTPClient`: interaction
  callbacks and followups go through a webhook adapter held in the context variable
  `discord.webhook.async_.async_context`.  The client sets it in the task that runs the
  gateway (every event task inherits it) and `webhook_context()` sets it around the
  outlet's own calls.

This is how Discord-compatible servers are supported, and how the tests reach the local
stand-in: nothing is monkeypatched.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

log = logging.getLogger(__name__)
DISCORD_API = Route.BASE
_VERSIONED = re.compile(r"/api/v\d+$")


def normalise_api_base(url: str | None) -> str | None:
    """`http://host:port` or `…/api` or `…/api/v10` → the full versioned base, or None."""
    url = (url or "").strip().rstrip("/")
    if not url:
        return None
    if _VERSIONED.search(url):
        return url
    if url.endswith("/api"):
        return url + "/v10"
    return url + "/api/v10"


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The configured `discord.api_base_url` and `discord.gateway_url` (None: Discord's)."""

    api_base: str | None = None
    gateway: str | None = None

    @classmethod
    def from_config(cls, api_base_url: str | None, gateway_url: str | None) -> Endpoints:
        return cls(normalise_api_base(api_base_url), (gateway_url or "").strip() or None)

    @property
    def custom(self) -> bool:
        return self.api_base is not None or self.gateway is not None

    def rest(self, url: str) -> str:
        if self.api_base and url.startswith(DISCORD_API):
            return self.api_base + url[len(DISCORD_API) :]
        return url

    def websocket(self, url: str) -> str:
        if not self.gateway:
            return url
        given = yarl.URL(url)
        if given.host != DiscordWebSocket.DEFAULT_GATEWAY.host:
            return url  # a resume_gateway_url the server chose
        return str(yarl.URL(self.gateway).with_query(given.query))


class CompatHTTPClient(HTTPClient):
    """discord.py's HTTP client, aimed at `endpoints` instead of discord.com."""

    def __init__(self, *args: Any, endpoints: Endpoints, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.endpoints = endpoints

    async def request(self, route: Route, **kwargs: Any) -> Any:
        route.url = self.endpoints.rest(route.url)
        return await super().request(route, **kwargs)

    async def ws_connect(self, url: str, *, compress: int = 0) -> Any:
        return await super().ws_connect(self.endpoints.websocket(url), compress=compress)

    async def static_login(self, token: str) -> Any:
        data = await super().static_login(token)
        if self.endpoints.api_base and not self.endpoints.gateway:
            _, url, _ = await self.get_bot_gateway()
            log.info("discord: using the gateway %s announced by %s", url, self.endpoints.api_base)
            self.endpoints = Endpoints(self.endpoints.api_base, url)
        return data


class CompatWebhookAdapter(AsyncWebhookAdapter):
    """Interaction callbacks and followups, aimed at the same server as REST."""

    def __init__(self, http: HTTPClient) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # discord.py's is unannotated
        self._http = http

    def request(self, route: Route, *args: Any, **kwargs: Any) -> Any:
        endpoints = getattr(self._http, "endpoints", None)
        if endpoints is not None:
            route.url = endpoints.rest(route.url)
        return super().request(route, *args, **kwargs)


def replace_http(client: Any, endpoints: Endpoints) -> CompatHTTPClient:
    """Give a freshly built `discord.Client` a `CompatHTTPClient` with the same options.

    Must run in the client's `__init__`, before anything (the app command tree, the
    connection state) has kept a reference to the old one.
    """
    old: HTTPClient = client.http
    new = CompatHTTPClient(
        old.loop,
        None if old.connector is _missing() else old.connector,
        proxy=old.proxy,
        proxy_auth=old.proxy_auth,
        unsync_clock=not old.use_clock,
        http_trace=old.http_trace,
        max_ratelimit_timeout=old.max_ratelimit_timeout,
        endpoints=endpoints,
    )
    client.http = new
    client._connection.http = new
    return new


def _missing() -> Any:
    from discord.utils import MISSING

    return MISSING


@contextlib.contextmanager
def webhook_context(adapter: AsyncWebhookAdapter) -> Iterator[None]:
    """Route discord.py's webhook/interaction calls made in this block through `adapter`."""
    token = async_context.set(adapter)
    try:
        yield
    finally:
        async_context.reset(token)
