"""A local stand-in for the Bot Framework and Teams' Bot Connector, on loopback.

Microsoft's services are unreachable from the tests, and mocking the SDK would test our
assumptions about it rather than our code. `BotConnector` is three real servers:

- the Bot Framework's OpenID metadata and signing keys (`tokens.PublishedKeys`, plain
  http, from a thread of its own), where the SDK's `TokenValidator` fetches them;
- a Microsoft Entra login endpoint over HTTPS with a `trustme` CA, and an App Service
  managed identity endpoint (`login.EntraLogin`): the bot's own tokens;
- the connector (`service_url`, plain http): `/v3/conversations…` under the serviceUrl's
  path, each call needing a bearer token the login endpoint issued, recorded in `calls`,
  with faults on demand (`fail`) and Teams' 28 KB limit on an activity.

`sign`/`send` play the Bot Framework posting an activity to the bot, with a JWT signed by
the published key — or by an unpublished one, for another audience or issuer, expired, or
for another `serviceUrl`, to prove each is refused.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.config import Secrets, TeamsConfig
from testkit.teams.login import EntraLogin, TokenRequest, serve
from testkit.teams.records import (
    MAX_ACTIVITY_BYTES,
    Call,
    Fault,
    Member,
    Posted,
    card_in,
    error_body,
    split_conversation_id,
)
from testkit.teams.tokens import PublishedKeys, SigningKey, bot_framework_claims

SERVICE_PATH = "/teams"  # the serviceUrl's path, under which every /v3/… route is
_FROM_ACTIVITY = object()  # `sign`'s service_url default: the activity's own serviceUrl


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
        self.max_activity_bytes = max_activity_bytes
        self.clock = clock
        self.wait_limit = 5.0  # seconds `wait_for` may take before the test fails
        self.key = SigningKey.generate()  # the Bot Framework's published signing key
        self.published: list[SigningKey] = [self.key]  # append a key to rotate
        self.keys = PublishedKeys(self.published, issuer=token_issuer)
        self.login = EntraLogin(
            client_id=client_id,
            client_secret=client_secret,
            tenant_id=tenant_id,
            bot_scope=bot_scope,
            token_expires_in=token_expires_in,
            clock=clock,
        )
        self.calls: list[Call] = []
        self.members: dict[str, Member] = {}  # by 29: id and by aadObjectId
        self.activities: dict[str, Posted] = {}
        self.faults: list[Fault] = []
        self._after: list[Call] = []  # calls a call implied (a new chat's first activity)
        self._one_on_one: dict[str, str] = {}  # member id → "a:…" conversation id
        self._ids = itertools.count(1_767_225_600_000)  # activity ids: epoch ms, as Teams'
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._tmp: str | None = None
        self.port = 0
        self.static_token = ""  # a valid bearer token issued at start, without MSAL

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> BotConnector:
        self._tmp = tempfile.mkdtemp(prefix="teams-standin-")
        self.keys.start()
        await self.login.start(Path(self._tmp))
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
        self._runner, self.port = await serve(connector)
        self.static_token = self.login.issue()
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.login.close()
        await self.keys.close()
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
        return self.login.endpoint

    @property
    def ca_path(self) -> str:
        """The login endpoint's CA (PEM), for `REQUESTS_CA_BUNDLE`."""
        return self.login.ca_path

    @property
    def openid_metadata_url(self) -> str:
        return self.keys.metadata_url

    @property
    def jwks_url(self) -> str:
        return self.keys.keys_url

    @property
    def metadata_requests(self) -> list[str]:
        return self.keys.requests

    @property
    def token_requests(self) -> list[TokenRequest]:
        return self.login.token_requests

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

    def refuse_tokens(self, count: int | None = None, **how: str) -> None:
        """The token endpoint refuses the next `count` requests (None: every one);
        `error`/`description` as `EntraLogin.refuse`."""
        self.login.refuse(count, **how)

    def hold_tokens(self) -> None:
        self.login.hold()

    def release_tokens(self) -> None:
        self.login.release()

    def issue_token(self, *, expires_in: int | None = None, tenant: str | None = None) -> str:
        """An access token the connector accepts, as Entra would issue the bot."""
        return self.login.issue(expires_in=expires_in, tenant=tenant)

    def revoke_tokens(self) -> None:
        self.login.revoke()

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
        return token if self.login.valid(token) else None

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
            return web.json_response(error_body(401), status=401)
        fault = self._fault(request)
        if fault is not None:
            call.status = fault.status
            await self._record(call)
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            return web.json_response(
                error_body(fault.status, fault.code, fault.message),
                status=fault.status,
                headers=headers,
            )
        if op in ("send", "reply", "update") and len(raw) > self.max_activity_bytes:
            call.status = 413
            await self._record(call)
            return web.json_response(error_body(413), status=413)
        if with_body and not isinstance(body, dict):
            call.status = 400
            await self._record(call)
            return web.json_response(error_body(400), status=400)
        status, answer = handle(call)
        call.status = status
        await self._record(call)
        while self._after:
            await self._record(self._after.pop(0))
        if status >= 400:
            return web.json_response(error_body(status), status=status)
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
