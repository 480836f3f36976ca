"""aiohttp ⇄ the Teams SDK's `HttpServer`: `POST /api/messages`, every activity's JWT
validated by the SDK before alsbot sees it.

The SDK serves itself on FastAPI; alsbot already runs aiohttp, so this is the SDK's
`HttpServerAdapter` for aiohttp, kept to a `to_sdk_request` / `to_response` pair as
slack-bolt keeps its framework adapters. The SDK's `HttpServer` (initialised with the
bot's client id and the cloud from `[teams]`, never with unauthenticated requests
allowed) checks the bearer token against the Bot Framework's published keys, issuer,
the bot's audience, expiry and the `serviceurl` claim, and answers 401 itself.

The SDK hands its callback a parsed `CoreActivity`; the listener wants the activity as
Teams sent it, every field kept (`OnActivity`). The route keeps the body it parsed in a
context variable for the one request, and the callback passes that on: the SDK awaits its
callback in the request's own task, so the value it sees is that request's.

What the SDK would choke on never reaches it: a body over `MAX_BODY` (413), not UTF-8 JSON,
not an object, or not a `CoreActivity` the SDK can read (`id`, `type` or `serviceUrl` not
a string: the SDK would answer 500, and Teams retry it for ever) (400). An exception from `OnActivity` is the SDK's 500 (Teams retries).

Two things the SDK does badly on an event loop are kept from it. Its validator fetches
keys with PyJWT's `PyJWKClient`, which uses `urllib` synchronously from inside the SDK's
async handler: when its cached Bot Framework key set is older than five minutes, and, for
a token whose issuer looks like Microsoft Entra's (the SDK's Agent 365 path), from that
token's own tenant, with a new client per tenant — so anyone could stall the whole event
loop for a network round trip per request. So before the SDK sees a request:

- a token whose (unverified) issuer is not the cloud's Bot Framework issuer, or whose key
  id is not among the Bot Framework's published keys, is refused with the SDK's own 401
  (alsbot is a classic bot: Bot Framework tokens only); a request without a token or with
  an unreadable one goes to the SDK, which refuses it without fetching anything;
- `KeyRefresher` refreshes the SDK's own key client's cache in a worker thread before a
  request finds it stale, and re-reads the keys (at most once a minute) for an unknown
  key id, so a newly rotated key is found.

The SDK still validates every token in full. `KeyRefresher` reaches one private attribute
chain of the SDK's (`HttpServer._token_validator._service_validator._jwks_client`); if a
later SDK moves it, nothing breaks: the SDK fetches for itself, as before.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import jwt
import pydantic
from aiohttp import web
from microsoft_teams.api import ClientCredentials, InvokeResponse
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment
from microsoft_teams.apps.events import ActivityEvent, CoreActivity
from microsoft_teams.apps.http import HttpServer
from microsoft_teams.apps.http.adapter import (
    HttpMethod,
    HttpRequest,
    HttpResponse,
    HttpRouteHandler,
)

from adapters.teams.cloud import cloud_environment
from bot.config import Secrets, TeamsConfig

log = logging.getLogger(__name__)

MESSAGING_PATH = "/api/messages"
# A Teams message is at most about 28 KB, plus the activity's envelope; 256 KB is the
# Bot Framework's own limit on a request (its "MessageSizeTooBig").
MAX_BODY = 256 * 1024

# Refresh the SDK's cached keys once they are this old: PyJWT's cache lasts 300 seconds.
KEYS_FRESH_SECONDS = 240.0
# Re-read the keys for an unknown key id at most this often (a rotation is rare; forged
# key ids are not).
KEYS_RETRY_SECONDS = 60.0
UNAUTHORIZED = HttpResponse(status=401, body={"error": "Unauthorized"})  # the SDK's own

OnActivity = Callable[[dict[str, Any]], Awaitable[tuple[int, Any]]]
# A look at a request before the SDK's: a response to answer instead, or None.
Screen = Callable[[HttpRequest], Awaitable[HttpResponse | None]]

_activity: ContextVar[dict[str, Any] | None] = ContextVar("teams_activity", default=None)


class BodyRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def to_sdk_request(request: web.Request) -> HttpRequest:
    """The SDK's request from aiohttp's; `BodyRefused` for a body it must not see."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BodyRefused(413, "body too large")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BodyRefused(413, "body too large") from None
    if len(raw) > MAX_BODY:
        raise BodyRefused(413, "body too large")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BodyRefused(400, "body is not JSON") from None
    if not isinstance(body, dict):
        raise BodyRefused(400, "body is not a JSON object")
    try:
        CoreActivity.model_validate(body)
    except pydantic.ValidationError:
        raise BodyRefused(400, "body is not an activity") from None
    if body.get("serviceUrl") is not None and not isinstance(body["serviceUrl"], str):
        raise BodyRefused(400, "body is not an activity")  # the SDK's token check needs one
    # Lower-case names: the SDK reads `authorization` (or `Authorization`) only.
    headers = {name.lower(): value for name, value in request.headers.items()}
    return HttpRequest(body=body, headers=headers)


def to_response(response: HttpResponse) -> web.Response:
    body = response.get("body")
    if body is None:
        return web.Response(status=response["status"])
    return web.json_response(body, status=response["status"])


class AiohttpAdapter:
    """The SDK's `HttpServerAdapter` on an `aiohttp.web.Application` alsbot runs itself
    (`AppRunner`/`TCPSite`), so `start`/`stop` are not the SDK's to call."""

    def __init__(
        self,
        app: web.Application | None = None,
        *,
        screen: Screen | None = None,
    ) -> None:
        self.app = app if app is not None else web.Application(client_max_size=MAX_BODY)
        self.screen = screen

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        if method != "POST":
            raise ValueError(f"unsupported HTTP method: {method}")

        async def route(request: web.Request) -> web.Response:
            try:
                sdk_request = await to_sdk_request(request)
            except BodyRefused as refused:
                log.warning("Teams endpoint: %s (%d)", refused.reason, refused.status)
                return web.json_response({"error": refused.reason}, status=refused.status)
            if self.screen is not None:
                instead = await self.screen(sdk_request)
                if instead is not None:
                    return to_response(instead)
            token = _activity.set(sdk_request["body"])
            try:
                return to_response(await handler(sdk_request))
            finally:
                _activity.reset(token)

        self.app.router.add_post(path, route)

    def serve_static(self, path: str, directory: str) -> None:
        raise NotImplementedError("alsbot serves no static files on the Teams endpoint")

    async def start(self, port: int) -> None:
        raise NotImplementedError("alsbot runs this aiohttp application itself")

    async def stop(self) -> None:
        return None


class KeyRefresher:
    """Keeps the SDK's cached Bot Framework keys fresh from a worker thread, and knows
    their key ids."""

    def __init__(
        self,
        client: jwt.PyJWKClient | None,
        *,
        fresh_seconds: float = KEYS_FRESH_SECONDS,
        retry_seconds: float = KEYS_RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.fresh_seconds = fresh_seconds
        self.retry_seconds = retry_seconds
        self.clock = clock
        self.kids: frozenset[str] = frozenset()
        self.refreshed_at: float | None = None  # the last fetch that succeeded
        self.tried_at: float | None = None
        self._one = asyncio.Lock()

    @classmethod
    def of(cls, server: HttpServer) -> KeyRefresher:
        validator = getattr(getattr(server, "_token_validator", None), "_service_validator", None)
        client = getattr(validator, "_jwks_client", None)
        if not isinstance(client, jwt.PyJWKClient):
            log.info("Teams SDK: its key client was not found; it fetches keys itself")
            client = None
        return cls(client)

    async def knows(self, kid: str) -> bool:
        """Whether `kid` is one of the published keys, refreshed first if stale, and once
        more (at most every `retry_seconds`) if it is not there. True when the keys could
        never be read: the SDK then decides (and refuses what it cannot check)."""
        if self.client is None:
            return True
        await self._refresh(lambda: self._older_than(self.refreshed_at, self.fresh_seconds))
        if kid not in self.kids:
            await self._refresh(lambda: self._older_than(self.tried_at, self.retry_seconds))
        return kid in self.kids or self.refreshed_at is None

    def _older_than(self, at: float | None, seconds: float) -> bool:
        return at is None or self.clock() - at >= seconds

    async def _refresh(self, due: Callable[[], bool]) -> None:
        if self.client is None or not due():
            return
        async with self._one:
            if not due():  # another request refreshed while this one waited
                return
            self.tried_at = self.clock()
            try:
                keys = await asyncio.to_thread(self.client.get_jwk_set, True)
            except Exception as e:
                log.warning("Teams: reading the Bot Framework's signing keys failed: %s", e)
                return
            self.kids = frozenset(k.key_id for k in keys.keys if k.key_id)
            self.refreshed_at = self.clock()


class TeamsIngress:
    """`POST /api/messages` on `app`: the SDK validates, then `on_activity` answers."""

    def __init__(self, on_activity: OnActivity, *, client_id: str, cloud: CloudEnvironment) -> None:
        if not client_id:
            raise ValueError("TEAMS_CLIENT_ID is not set: no activity could be validated")
        self.on_activity = on_activity
        self.adapter = AiohttpAdapter()
        self.app = self.adapter.app
        self.server = HttpServer(self.adapter, messaging_endpoint=MESSAGING_PATH)
        self.server.on_request = self._on_request
        # Only the client id is read (the audience tokens must carry); the secret is the
        # bot's own tokens' business (`credentials.py`), so none is given here.
        self.server.initialize(
            credentials=ClientCredentials(client_id=client_id, client_secret=""),
            cloud=cloud,
            dangerously_allow_unauthenticated_requests=False,
        )
        self.token_issuer = cloud.token_issuer
        self.keys = KeyRefresher.of(self.server)
        self.adapter.screen = self._screen

    async def _screen(self, request: HttpRequest) -> HttpResponse | None:
        """401 for a token the SDK would fetch keys on the event loop for; see the module
        docstring. Anything else is the SDK's to judge."""
        authorization = request["headers"].get("authorization", "")
        if not authorization.startswith("Bearer "):
            return None
        raw = authorization.removeprefix("Bearer ")
        try:
            kid = jwt.get_unverified_header(raw).get("kid")
            issuer = jwt.decode(raw, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            return None
        if issuer != self.token_issuer:
            log.warning("Teams endpoint: a token not issued by the Bot Framework (401)")
            return UNAUTHORIZED
        if not isinstance(kid, str) or not await self.keys.knows(kid):
            log.warning("Teams endpoint: a token signed by an unknown key (401)")
            return UNAUTHORIZED
        return None

    @classmethod
    def from_config(
        cls, on_activity: OnActivity, config: TeamsConfig, secrets: Secrets
    ) -> TeamsIngress:
        return cls(on_activity, client_id=secrets.teams_client_id, cloud=cloud_environment(config))

    async def _on_request(self, event: ActivityEvent) -> InvokeResponse[Any]:
        activity = _activity.get()
        if activity is None:  # only reached through `AiohttpAdapter`'s route
            raise RuntimeError("an activity reached the callback without its request body")
        status, body = await self.on_activity(activity)
        return InvokeResponse[Any](status=status, body=body)


def build_app(on_activity: OnActivity, config: TeamsConfig, secrets: Secrets) -> web.Application:
    """The Teams endpoint as an aiohttp application, to run on `[teams] host/port`."""
    return TeamsIngress.from_config(on_activity, config, secrets).app
