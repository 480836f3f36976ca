"""A local stand-in for the Bot Framework and Teams' Bot Connector, on loopback.

Microsoft's services are unreachable from the tests, and mocking the SDK would test our
assumptions about it rather than our code. This is three real servers:

- the Bot Framework's OpenID metadata and signing keys (plain http), where the SDK's
  `TokenValidator` fetches them (`openid_metadata_url`, with `/openidconfiguration`
  replaced by `/keys`). PyJWT fetches them with `urllib`, synchronously, from inside the
  SDK's async handler: served from the test's event loop that fetch would wait for a loop
  it blocks, so these two documents are served from a thread of their own;
- a Microsoft Entra login endpoint over HTTPS (MSAL refuses plain http) with a `trustme`
  CA (`ca_path`: give it to `REQUESTS_CA_BUNDLE`): tenant discovery and the
  client-credentials token endpoint, which counts requests and can be told to refuse;
- the connector (`service_url`, plain http): `/v3/conversations…`, each call needing a
  bearer token this stand-in issued, recorded in `calls`, with faults on demand (`fail`)
  and Teams' 28 KB limit on an activity.

`sign`/`send` play the Bot Framework posting an activity to the bot, with a JWT signed by
the published key — or by an unpublished one, for another audience or issuer, expired, or
for another `serviceUrl`, to prove each is refused.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import shutil
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
import trustme
from aiohttp import web

from bot.config import Secrets, TeamsConfig
from testkit.teams.tokens import SigningKey, bot_framework_claims, entra_app_token

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MAX_ACTIVITY_BYTES = 28 * 1024  # Teams' limit on one message (text, cards, entities)
SERVICE_PATH = "/teams"  # the serviceUrl's path, under which every /v3/… route is
_FROM_ACTIVITY = object()  # `sign`'s service_url default: the activity's own serviceUrl

# Teams' error bodies for the statuses a test injects without naming a code.
ERROR_CODES: dict[int, tuple[str, str]] = {
    400: ("BadArgument", "Invalid request."),
    401: ("Unauthorized", "Authorization has been denied for this request."),
    403: ("BotNotInConversationRoster", "The bot is not part of the conversation roster."),
    404: ("ConversationNotFound", "Conversation not found."),
    412: ("PreconditionFailed", "Precondition failed, please try again."),
    413: ("RequestEntityTooLarge", "Request Entity Too Large"),
    429: ("TooManyRequests", "Too many requests. Please retry after some time."),
    500: ("ServiceError", "Unknown error."),
    502: ("ServiceError", "Bad gateway."),
    503: ("ServiceUnavailable", "Service unavailable."),
}


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """`19:…@thread.tacv2;messageid=1712…` → (the channel's id, the reply chain's root)."""
    base, sep, rest = conversation_id.partition(";messageid=")
    return base, (rest or None) if sep else None


@dataclass
class Call:
    """One request to the connector as the stand-in answered it. `op` is
    "create_conversation", "send" (a new activity in a conversation or reply chain),
    "reply" (POST …/activities/{id}), "update", "delete", "get_member" or "get_members". `conversation`
    is the id without `;messageid=…`; `root` the reply chain's root, when known;
    `activity_id` the activity made, or the one acted on."""

    op: str
    method: str
    path: str
    conversation: str | None
    root: str | None
    activity_id: str | None
    body: Any
    at: float
    status: int = 200
    token: str | None = None
    reply_to: str | None = None  # the activity replied to: the path's, or the body's replyToId


@dataclass
class Fault:
    status: int
    count: int | None  # None: every matching call until `clear_faults`
    path: str | None = None  # a regular expression searched in the request path
    method: str | None = None
    retry_after: float | None = None
    code: str | None = None
    message: str | None = None

    def applies(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass
class TokenRequest:
    tenant: str
    form: dict[str, str]
    at: float
    status: int


@dataclass
class Member:
    """A person the connector knows (a TeamsChannelAccount)."""

    aad_object_id: str
    name: str
    id: str
    tenant_id: str
    email: str = ""

    def as_teams(self) -> dict[str, Any]:
        given, _, surname = self.name.partition(" ")
        email = self.email or f"{given.lower() or 'user'}@contoso.com"
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": given,
            "surname": surname,
            "email": email,
            "userPrincipalName": email,
            "tenantId": self.tenant_id,
            "userRole": "user",
        }


@dataclass
class Posted:
    """An activity the bot made: every version of its body, the first being the post."""

    conversation: str
    root: str | None
    versions: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def latest(self) -> dict[str, Any]:
        return self.versions[-1]


class BotConnector:
    """`async with BotConnector() as bf:` — the Bot Framework, Entra login and connector."""

    def __init__(
        self,
        *,
        client_id: str = "6f1b1c02-5e0d-4bd4-9d2a-0c6a7b7f0b07",
        client_secret: str = "test-client-secret",
        tenant_id: str = "72f988bf-86f1-41af-91ab-2d7cd011db47",
        login_tenant: str = "botframework.com",
        token_issuer: str = "https://api.botframework.com",
        bot_scope: str = "https://api.botframework.com/.default",
        bot_name: str = "alsbot",
        token_expires_in: int = 3599,
        max_activity_bytes: int = MAX_ACTIVITY_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.tenant_id = tenant_id
        self.login_tenant = login_tenant
        self.token_issuer = token_issuer
        self.bot_scope = bot_scope
        self.bot_id = f"28:{client_id}"
        self.bot_name = bot_name
        self.token_expires_in = token_expires_in
        self.max_activity_bytes = max_activity_bytes
        self.clock = clock
        self.wait_limit = 5.0  # seconds `wait_for` may take before the test fails
        self.key = SigningKey.generate()  # the Bot Framework's published signing key
        self.published: list[SigningKey] = [self.key]
        self.entra_key = SigningKey.generate()  # signs the bot's own access tokens
        self.calls: list[Call] = []
        self.token_requests: list[TokenRequest] = []
        self.metadata_requests: list[str] = []  # paths of OpenID/JWKS fetches (thread)
        self.members: dict[str, Member] = {}  # by 29: id and by aadObjectId
        self.activities: dict[str, Posted] = {}
        self.faults: list[Fault] = []
        self.token_refusals: int | None = 0  # None: refuse every token request
        self.token_refusal_error = (
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.",
        )
        self.token_gate: asyncio.Event | None = None  # `hold_tokens`
        self._issued: dict[str, float] = {}  # access token → when it expires
        self._after: list[Call] = []  # calls a call implied (a new chat's first activity)
        self._one_on_one: dict[str, str] = {}  # member id → "a:…" conversation id
        self._ids = itertools.count(1_767_225_600_000)  # activity ids: epoch ms, as Teams'
        self._changed = asyncio.Condition()
        self._runners: list[web.AppRunner] = []
        self._keys_server: ThreadingHTTPServer | None = None
        self._tmp: str | None = None
        self.ca = trustme.CA()
        self.ca_path = ""
        self.port = 0
        self.login_port = 0
        self.keys_port = 0
        self.static_token = ""  # a valid bearer token issued at start, without MSAL
        # Azure App Service's managed identity endpoint (IDENTITY_ENDPOINT/IDENTITY_HEADER):
        # the identity whose tokens it gives, and every request to it (its query).
        self.identity_header = uuid.uuid4().hex
        self.managed_identity_client_id = client_id
        self.identity_requests: list[dict[str, str]] = []

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> BotConnector:
        self._tmp = tempfile.mkdtemp(prefix="teams-standin-")
        self.ca_path = str(Path(self._tmp) / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_path)
        self._start_keys_server()

        connector = web.Application(client_max_size=4 * 1024 * 1024)
        # Only under the serviceUrl's path, as Teams' own (…/amer/, …/teams/): a client
        # that drops it is caught here rather than in production.
        r = connector.router
        v3 = SERVICE_PATH + "/v3/conversations"
        r.add_post(v3, self._create_conversation)
        r.add_post(v3 + "/{cid}/activities", self._send)
        r.add_post(v3 + "/{cid}/activities/{aid}", self._reply)
        r.add_put(v3 + "/{cid}/activities/{aid}", self._update)
        r.add_delete(v3 + "/{cid}/activities/{aid}", self._delete)
        r.add_get(v3 + "/{cid}/members/{mid}", self._get_member)
        r.add_get(v3 + "/{cid}/members", self._get_members)
        connector.router.add_get("/msi/token", self._managed_identity_token)
        self.port = await self._serve(connector, None)

        login = web.Application()
        login.router.add_get(
            "/{tenant}/v2.0/.well-known/openid-configuration", self._tenant_discovery
        )
        login.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
        self.login_port = await self._serve(login, server_ctx)
        self.static_token = self.issue_token()
        return self

    async def _serve(self, app: web.Application, ssl_context: ssl.SSLContext | None) -> int:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        self._runners.append(runner)
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    def _start_keys_server(self) -> None:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                standin.metadata_requests.append(self.path)
                if self.path == "/v1/.well-known/openidconfiguration":
                    body = standin.openid_metadata()
                elif self.path == "/v1/.well-known/keys":
                    body = {"keys": [k.jwk() for k in standin.published]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.keys_port = int(server.server_address[1])
        threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="teams-standin-keys",
            daemon=True,
        ).start()
        self._keys_server = server

    async def close(self) -> None:
        self.release_tokens()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self._keys_server is not None:
            server, self._keys_server = self._keys_server, None
            await asyncio.to_thread(server.shutdown)
            server.server_close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    async def __aenter__(self) -> BotConnector:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ where things are

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """An activity's `serviceUrl` (Teams' look like https://smba.trafficmanager.net/teams/)."""
        return f"{self.origin}{SERVICE_PATH}/"

    @property
    def login_endpoint(self) -> str:
        return f"https://127.0.0.1:{self.login_port}"

    @property
    def openid_metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.keys_port}/v1/.well-known/openidconfiguration"

    @property
    def jwks_url(self) -> str:
        return f"http://127.0.0.1:{self.keys_port}/v1/.well-known/keys"

    @property
    def identity_endpoint(self) -> str:
        """IDENTITY_ENDPOINT, with `identity_header` as IDENTITY_HEADER, for MSAL's
        managed identity client (as App Service sets them)."""
        return f"{self.origin}/msi/token"

    def openid_metadata(self) -> dict[str, Any]:
        """As login.botframework.com serves it."""
        return {
            "issuer": self.token_issuer,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def teams_config(self, **overrides: Any) -> TeamsConfig:
        """`[teams]` pointing alsbot at this stand-in (port 0: a free one)."""
        settings: dict[str, Any] = {
            "enabled": True,
            "host": "127.0.0.1",
            "port": 0,
            "cloud": "public",
            "login_endpoint": self.login_endpoint,
            "login_tenant": self.login_tenant,
            "openid_metadata_url": self.openid_metadata_url,
            "token_issuer": self.token_issuer,
            "bot_scope": self.bot_scope,
        }
        settings.update(overrides)
        return TeamsConfig(**settings)

    def secrets(self, **overrides: str) -> Secrets:
        settings = {
            "teams_client_id": self.client_id,
            "teams_client_secret": self.client_secret,
            "teams_tenant_id": self.tenant_id,
        }
        settings.update(overrides)
        return Secrets(**settings)

    # ------------------------------------------------------------------ steering

    def add_member(
        self, aad_object_id: str, name: str, *, id: str | None = None, email: str = ""
    ) -> Member:
        """Someone `GET …/members/{id}` answers for (by their 29: id or object id)."""
        member = Member(
            aad_object_id=aad_object_id.lower(),
            name=name,
            id=id or f"29:1{uuid.uuid5(uuid.NAMESPACE_URL, aad_object_id).hex}",
            tenant_id=self.tenant_id,
            email=email,
        )
        self.members[member.id] = member
        self.members[member.aad_object_id] = member
        return member

    def fail(
        self,
        status: int,
        *,
        count: int | None = 1,
        path: str | None = None,
        method: str | None = None,
        retry_after: float | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> Fault:
        """Answer the next `count` connector calls (None: all until `clear_faults`) whose
        path matches `path` (a regex) with `status`, Teams' error body and, if given,
        `Retry-After`. Checked after the bearer token, as Teams does."""
        if retry_after is None and status == 429:
            retry_after = 1
        fault = Fault(status, count, path, method, retry_after, code, message)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def refuse_tokens(
        self,
        count: int | None = None,
        *,
        error: str = "invalid_client",
        description: str = "AADSTS7000215: Invalid client secret provided. Ensure the secret "
        "being sent in the request is the client secret value, not the client secret ID.",
    ) -> None:
        """The token endpoint refuses the next `count` requests (None: every one)."""
        self.token_refusals = count
        self.token_refusal_error = (error, description)

    def hold_tokens(self) -> None:
        """The token endpoint answers nothing until `release_tokens` (a hung login)."""
        self.token_gate = asyncio.Event()

    def release_tokens(self) -> None:
        if self.token_gate is not None:
            self.token_gate.set()
            self.token_gate = None

    def issue_token(self, *, expires_in: int | None = None, tenant: str | None = None) -> str:
        """An access token the connector accepts, as Entra would issue the bot."""
        token, exp = entra_app_token(
            self.entra_key,
            now=self.clock(),
            tenant=tenant or self.tenant_id,
            client_id=self.client_id,
            audience=self.bot_scope.removesuffix("/.default"),
            expires_in=self.token_expires_in if expires_in is None else expires_in,
        )
        self._issued[token] = exp
        return token

    def revoke_tokens(self) -> None:
        self._issued.clear()

    # ------------------------------------------------------------------ reading

    def find(
        self, op: str | tuple[str, ...] | None = None, *, conversation: str | None = None
    ) -> list[Call]:
        """Answered (2xx) calls of `op`, in a conversation (with or without ;messageid=)."""
        ops = (op,) if isinstance(op, str) else op
        want = split_conversation_id(conversation)[0] if conversation else None
        return [
            c
            for c in self.calls
            if 200 <= c.status < 300
            and (ops is None or c.op in ops)
            and (want is None or c.conversation == want)
        ]

    def posts(self, conversation: str | None = None) -> list[Call]:
        """New activities the bot sent (posts and replies), oldest first."""
        return self.find(("send", "reply"), conversation=conversation)

    def updates(
        self, conversation: str | None = None, activity_id: str | None = None
    ) -> list[Call]:
        return [
            c
            for c in self.find("update", conversation=conversation)
            if activity_id is None or c.activity_id == activity_id
        ]

    def latest(self, activity_id: str) -> dict[str, Any]:
        """The activity as it reads now, after every update."""
        return self.activities[activity_id].latest

    def text_of(self, activity_id: str) -> str:
        return str(self.latest(activity_id).get("text") or "")

    def card_of(self, activity_id: str) -> dict[str, Any] | None:
        """The Adaptive Card the activity shows now, if any."""
        return card_in(self.latest(activity_id))

    def one_on_one(self, member_id: str) -> str | None:
        """The 1:1 conversation `POST /v3/conversations` opened with someone (by their 29:
        id, or their object id if registered with `add_member`)."""
        known = self.members.get(member_id) or self.members.get(member_id.lower())
        return self._one_on_one.get(known.id if known else member_id)

    async def wait_for(self, predicate: Callable[[BotConnector], Any]) -> Any:
        """Until `predicate(self)` is truthy (re-checked on every call): its value. Fails
        after `wait_limit` seconds."""
        async with asyncio.timeout(self.wait_limit), self._changed:
            return await self._changed.wait_for(lambda: predicate(self))

    # ------------------------------------------------------------------ the Bot Framework

    def sign(
        self,
        activity: dict[str, Any],
        *,
        key: SigningKey | None = None,
        audience: str | None = None,
        issuer: str | None = None,
        service_url: Any = _FROM_ACTIVITY,
        expires_in: float = 3600.0,
        now: float | None = None,
    ) -> str:
        """The JWT the Bot Framework puts on an activity it posts to the bot."""
        url = activity.get("serviceUrl") if service_url is _FROM_ACTIVITY else service_url
        claims = bot_framework_claims(
            issuer=self.token_issuer if issuer is None else issuer,
            audience=self.client_id if audience is None else audience,
            service_url=url,
            expires_in=expires_in,
            now=now,
        )
        return (key or self.key).sign(claims)

    async def send(
        self,
        endpoint_url: str,
        activity: dict[str, Any],
        *,
        signed: bool | SigningKey = True,
        token: str | None = None,
        **sign_args: Any,
    ) -> tuple[int, Any]:
        """POST an activity to the bot as the Bot Framework does: (status, JSON or text or
        None). `signed=False` sends no Authorization header; a `SigningKey` signs with that
        (unpublished) key; `token` sends that token as it is; `sign_args` go to `sign`."""
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif signed is not False:
            key = signed if isinstance(signed, SigningKey) else None
            headers["Authorization"] = f"Bearer {self.sign(activity, key=key, **sign_args)}"
        return await post_raw(endpoint_url, json.dumps(activity).encode(), headers)

    # ------------------------------------------------------------------ the connector

    def _authorized(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        exp = self._issued.get(token)
        return token if exp is not None and exp > self.clock() else None

    def _fault(self, request: web.Request) -> Fault | None:
        for fault in self.faults:
            if fault.applies(request.method, request.path):
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    async def _answer(
        self,
        request: web.Request,
        op: str,
        handle: Callable[[Call], tuple[int, Any]],
        *,
        with_body: bool = True,
    ) -> web.Response:
        """Authorization, faults and the size limit, then `handle` (which may change the
        call's fields), then the record."""
        cid = request.match_info.get("cid")
        conversation, root = split_conversation_id(cid) if cid else (None, None)
        raw = await request.read() if with_body else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        call = Call(
            op=op,
            method=request.method,
            path=request.path,
            conversation=conversation,
            root=root,
            activity_id=request.match_info.get("aid"),
            body=body,
            at=self.clock(),
        )
        call.token = self._authorized(request)
        if call.token is None:
            call.status = 401
            await self._record(call)
            return web.json_response(_error_body(401), status=401)
        fault = self._fault(request)
        if fault is not None:
            call.status = fault.status
            await self._record(call)
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            return web.json_response(
                _error_body(fault.status, fault.code, fault.message),
                status=fault.status,
                headers=headers,
            )
        if op in ("send", "reply", "update") and len(raw) > self.max_activity_bytes:
            call.status = 413
            await self._record(call)
            return web.json_response(_error_body(413), status=413)
        if with_body and not isinstance(body, dict):
            call.status = 400
            await self._record(call)
            return web.json_response(_error_body(400), status=400)
        status, answer = handle(call)
        call.status = status
        await self._record(call)
        while self._after:
            await self._record(self._after.pop(0))
        if status >= 400:
            return web.json_response(_error_body(status), status=status)
        return web.json_response(answer, status=status)

    def _new_id(self) -> str:
        return str(next(self._ids))

    async def _create_conversation(self, request: web.Request) -> web.Response:
        def handle(call: Call) -> tuple[int, Any]:
            members = call.body.get("members") or []
            if len(members) != 1 or not isinstance(members[0], dict) or not members[0].get("id"):
                return 400, None
            if call.body.get("isGroup"):
                return 400, None  # a bot can only open 1:1 chats
            member_id = str(members[0]["id"])
            known = self.members.get(member_id)
            key = known.id if known else member_id
            conversation = self._one_on_one.get(key)
            if conversation is None:
                conversation = f"a:1{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"
                self._one_on_one[key] = conversation
            call.conversation = conversation
            answer: dict[str, Any] = {"id": conversation}
            first = call.body.get("activity")
            if isinstance(first, dict):  # posted in the new chat at once
                activity_id = self._new_id()
                self.activities[activity_id] = Posted(conversation, None, [first])
                answer["activityId"] = activity_id
                self._after.append(
                    Call("send", "POST", call.path, conversation, None, activity_id, first, call.at)
                )
            return 201, answer

        return await self._answer(request, "create_conversation", handle)

    def _post(self, call: Call, root: str | None) -> tuple[int, Any]:
        assert call.conversation is not None
        activity_id = self._new_id()
        call.activity_id = activity_id
        call.root = root
        self.activities[activity_id] = Posted(call.conversation, root, [call.body])
        return 201, {"id": activity_id}

    async def _send(self, request: web.Request) -> web.Response:
        def handle(call: Call) -> tuple[int, Any]:
            # A body's replyToId is kept, but it does not thread: in a channel, a post goes
            # into a reply chain only by its conversation id (`;messageid=<root>`) or as
            # POST …/activities/{id}. (The SDK's `reply()` sends replyToId this way.)
            reply_to = call.body.get("replyToId")
            call.reply_to = reply_to if isinstance(reply_to, str) else None
            return self._post(call, call.root)

        return await self._answer(request, "send", handle)

    async def _reply(self, request: web.Request) -> web.Response:
        def handle(call: Call) -> tuple[int, Any]:
            to = self.activities.get(call.activity_id or "")
            root = call.root or (to.root if to and to.root else None) or call.activity_id
            call.reply_to = call.activity_id
            call.body.setdefault("replyToId", call.activity_id)
            return self._post(call, root)

        return await self._answer(request, "reply", handle)

    async def _update(self, request: web.Request) -> web.Response:
        def handle(call: Call) -> tuple[int, Any]:
            posted = self.activities.get(call.activity_id or "")
            if posted is None or posted.deleted or posted.conversation != call.conversation:
                return 404, None
            call.root = posted.root
            posted.versions.append(call.body)
            return 200, {"id": call.activity_id}

        return await self._answer(request, "update", handle)

    async def _delete(self, request: web.Request) -> web.Response:
        def handle(call: Call) -> tuple[int, Any]:
            posted = self.activities.get(call.activity_id or "")
            if posted is None or posted.deleted:
                return 404, None
            posted.deleted = True
            call.root = posted.root
            return 200, {}

        return await self._answer(request, "delete", handle, with_body=False)

    async def _get_member(self, request: web.Request) -> web.Response:
        def handle(call: Call) -> tuple[int, Any]:
            member = self.members.get(request.match_info["mid"]) or self.members.get(
                request.match_info["mid"].lower()
            )
            if member is None:
                return 404, None
            return 200, member.as_teams()

        return await self._answer(request, "get_member", handle, with_body=False)

    async def _get_members(self, request: web.Request) -> web.Response:
        def handle(call: Call) -> tuple[int, Any]:
            people = {m.id: m for m in self.members.values()}
            return 200, [m.as_teams() for m in people.values()]

        return await self._answer(request, "get_members", handle, with_body=False)

    # ------------------------------------------------------------------ Entra login

    async def _tenant_discovery(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        base = f"{self.login_endpoint}/{tenant}"
        return web.json_response(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/v2.0",
                "request_uri_parameter_supported": False,
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "tenant_region_scope": "NA",
                "cloud_instance_name": "microsoftonline.com",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        if self.token_gate is not None:
            await self.token_gate.wait()
        form = {k: str(v) for k, v in (await request.post()).items()}
        scopes = form.get("scope", "").split()
        error: tuple[int, str, str] | None = None
        if self.token_refusals is None or self.token_refusals > 0:
            if self.token_refusals is not None:
                self.token_refusals -= 1
            error = (401, *self.token_refusal_error)
        elif form.get("grant_type") != "client_credentials":
            error = (
                400,
                "unsupported_grant_type",
                "AADSTS70003: The app requested an unsupported grant type.",
            )
        elif form.get("client_id") != self.client_id:
            error = (
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not "
                f"found in the directory '{tenant}'.",
            )
        elif form.get("client_secret") != self.client_secret:
            error = (401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        elif self.bot_scope not in scopes:
            error = (
                400,
                "invalid_scope",
                f"AADSTS1002012: The provided value for scope {' '.join(scopes)} is not valid.",
            )
        self.token_requests.append(
            TokenRequest(tenant, form, self.clock(), error[0] if error else 200)
        )
        if error is not None:
            status, code, description = error
            return web.json_response(
                {
                    "error": code,
                    "error_description": description,
                    "error_codes": [int(re.sub(r"\D", "", description.split(":")[0]) or 0)],
                    "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
                    "trace_id": str(uuid.uuid4()),
                    "correlation_id": str(uuid.uuid4()),
                },
                status=status,
            )
        token = self.issue_token(tenant=tenant)
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.token_expires_in,
                "ext_expires_in": self.token_expires_in,
                "access_token": token,
            }
        )

    async def _managed_identity_token(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.identity_requests.append(query)
        if request.headers.get("X-IDENTITY-HEADER") != self.identity_header:
            return web.json_response({"statusCode": 401, "message": "Unauthorized"}, status=401)
        if (
            query.get("client_id", self.managed_identity_client_id)
            != self.managed_identity_client_id
        ):
            return web.json_response(
                {"statusCode": 400, "message": "No managed identity found for specified ClientId."},
                status=400,
            )
        if query.get("resource") != self.bot_scope.removesuffix("/.default"):
            return web.json_response({"statusCode": 500, "message": "invalid resource"}, status=500)
        token = self.issue_token()
        return web.json_response(
            {
                "access_token": token,
                "expires_on": str(int(self._issued[token])),
                "resource": query["resource"],
                "token_type": "Bearer",
                "client_id": self.managed_identity_client_id,
            }
        )


@dataclass
class FixedTokens:
    """`BotTokens` without a login: always this token (e.g. `BotConnector.static_token`),
    for a test about something other than the bot's own tokens."""

    token: str
    asked: int = 0

    async def bot_token(self) -> str:
        self.asked += 1
        return self.token


def card_in(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or []:
        if isinstance(attachment, dict) and attachment.get("contentType") == ADAPTIVE_CARD:
            content = attachment.get("content")
            return content if isinstance(content, dict) else None
    return None


def _error_body(status: int, code: str | None = None, message: str | None = None) -> dict[str, Any]:
    default_code, default_message = ERROR_CODES.get(status, ("ServiceError", "Unknown error."))
    return {"error": {"code": code or default_code, "message": message or default_message}}


async def post_raw(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    """POST bytes as they are (bad JSON, an oversized body): (status, JSON or text or None)."""
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            if not text:
                return response.status, None
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text
