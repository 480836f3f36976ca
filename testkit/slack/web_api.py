"""A local stand-in for Slack's Web API that answers like Slack and records every call.

Slack is unreachable from the tests, and mocking the SDK would test our assumptions about
Slack rather than our code.  This is a real HTTP server on loopback: point slack_sdk at it
with `base_url=api.url` and it speaks the same wire protocol — form, query or JSON bodies,
`Authorization: Bearer` tokens, `{"ok": false, "error": …}` answers, `429` with
`Retry-After`, HTML `5xx` pages — so the adapter's error handling meets real responses.

It knows one workspace (the bot's `token`, `team_id`, `bot_user_id`) or more
(`add_workspace`): each bot token belongs to one workspace, `auth.test` answers for the
calling token's, and `team_of(call)` says which workspace's token a call used — how a
test proves that a process serving several workspaces spoke to each with its own token.

Tests steer it with faults (rate limits, server errors, Slack errors, or a hang that holds
the answer until released, for the next N calls or a seeded fraction of calls, of chosen
methods), a delay, or a gate that holds every answer until released:
the gate is how a test proves that a slow Web API never delays an acknowledgement without
sleeping for real time.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from testkit.slack.oauth_grants import OAuthGrants

JSON_FIELDS = ("blocks", "attachments", "files", "view", "metadata")


def dm_channel(user: str) -> str:
    """The DM channel this stand-in opens for a user (`conversations.open`); the people in
    tests all have ids starting with U (or W), so it maps back."""
    return "D" + user.lstrip("UW")


@dataclass
class Call:
    """One request as the stand-in received it (after any fault was decided)."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    error: str | None = None


@dataclass
class Fault:
    """Answer matching calls badly: `kind` is "ratelimited", "status", "error" or "hang"
    (no answer until `release`, then the normal one).  The next `count` calls, or a seeded
    `fraction` of them, or (neither given) every call until `clear_faults`."""

    kind: str
    count: int | None = None
    fraction: float | None = None
    methods: frozenset[str] | None = None
    retry_after: int = 1
    status: int = 500
    error: str = "internal_error"
    teams: frozenset[str] | None = None  # only calls made with these workspaces' tokens

    def applies(self, method: str, team: str | None = None) -> bool:
        if self.teams is not None and team not in self.teams:
            return False
        return self.methods is None or method in self.methods


@dataclass
class HistoryLimits:
    """Slack's limits on reading messages for an app distributed outside the Marketplace:
    `per_minute` calls of `conversations.history`, and as many of `.replies`, a minute
    per workspace (Slack counts per method, per workspace: here per bot token; beyond,
    `429` with the seconds left as `Retry-After`), and at most `page` messages a page
    whatever `limit` asks.  `clock` counts seconds (a test gives its simulated time);
    `answered` is (method, at) of every call let through."""

    clock: Callable[[], float]
    per_minute: int = 1
    page: int = 15
    answered: list[tuple[str, float]] = field(default_factory=list)
    _by: list[tuple[str | None, str, float]] = field(default_factory=list)

    def wait(self, method: str, token: str | None = None) -> int:
        """0 to answer the call now (it is counted), else the `Retry-After` to send."""
        now = self.clock()
        recent = [at for t, m, at in self._by if (t, m) == (token, method) and at > now - 60.0]
        if len(recent) >= self.per_minute:
            return max(1, math.ceil(min(recent) + 60.0 - now))
        self._by.append((token, method, now))
        self.answered.append((method, now))
        return 0


@dataclass
class Message:
    channel: str
    ts: str
    text: str = ""
    user: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    blocks: list[Any] | None = None
    subtype: str | None = None
    reactions: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None

    def as_slack(self, *, with_metadata: bool = False) -> dict[str, Any]:
        """`with_metadata`: Slack returns message metadata only to `include_all_metadata`."""
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if with_metadata and self.metadata is not None:
            out["metadata"] = self.metadata
        if self.user:
            out["user"] = self.user
        if self.bot_id:
            out["bot_id"] = self.bot_id
        if self.subtype:
            out["subtype"] = self.subtype
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.blocks is not None:
            out["blocks"] = self.blocks
        if self.reactions:
            out["reactions"] = self.reactions
        return out


class SlackWebApi:
    """`async with SlackWebApi() as api:` — Slack's Web API at `api.url`."""

    def __init__(
        self,
        *,
        token: str = "xoxb-test-token",
        app_token: str = "xapp-test-token",
        team_id: str = "T0TEST",
        team: str = "ALS Test",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        seed: int = 0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """`clock` (e.g. `time.time`) makes message timestamps wall-clock times, as Slack's
        are, for a bot that searches by time; without it they count up from 2026-01-01."""
        self.token = token
        self.clock = clock
        self._last_ts = 0.0
        self.app_token = app_token
        self.team_id = team_id
        self.team = team
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        # Every workspace's bot token → its team; each team's name and bot (user id, bot id).
        self.tokens: dict[str, str] = {token: team_id}
        self.teams: dict[str, tuple[str, str, str]] = {team_id: (team, bot_user_id, bot_id)}
        self._caller = team_id  # the team whose token the method being answered came with
        self.calls: list[Call] = []
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.modals: list[dict[str, Any]] = []  # views.open: each modal opened, as sent
        self.expired_triggers: set[str] = set()  # views.open answers `expired_trigger_id`
        # Group DMs (mpims) opened by `conversations.open` with several users: channel id →
        # everyone in it (the bot included), one per set of people, as Slack keeps them.
        self.group_dms: dict[str, frozenset[str]] = {}
        self.uploads: dict[str, bytes] = {}
        self.alt_texts: dict[str, str | None] = {}  # files.getUploadURLExternal's alt_txt
        self.files: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.missing_users: set[str] = set()
        self.channel_errors: dict[str, str] = {}
        # `conversations.info`: channels named here are public; any other channel the bot
        # is asked about is a private one it was invited to (a test makes a room public).
        self.public_channels: set[str] = set()
        self.expired_response_urls: set[str] = set()
        self.socket_mode_url: str | None = None
        self.delay = 0.0
        self.wait_limit = 10.0  # seconds `wait_for` may take before the test fails
        self.faults: list[Fault] = []
        self.grants = OAuthGrants()  # "Add to Slack": codes, tokens, refreshes
        # Set to play a distributed (non-Marketplace) app's history limits: `HistoryLimits`.
        self.history_limits: HistoryLimits | None = None
        self._random = random.Random(seed)
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._gate: asyncio.Event | None = None
        self._hung = asyncio.Event()  # set (and replaced) by `release`
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> SlackWebApi:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        # Before `/api/{method}`: the app's own credentials, not a token (`oauth_grants`).
        app.router.add_post("/api/oauth.v2.access", self._oauth_v2_access)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{key}", self._respond)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackWebApi:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The `base_url` for slack_sdk (it must end with a slash)."""
        return f"{self.origin}/api/"

    def response_url(self, key: str) -> str:
        """A `response_url` as Slack puts in slash commands and block actions."""
        return f"{self.origin}/respond/{key}"

    # ------------------------------------------------------------------ steering

    def add_workspace(
        self, team_id: str, token: str, bot_user_id: str, bot_id: str, *, team: str = ""
    ) -> None:
        """Another workspace the app is installed in, with its own bot token and bot."""
        self.tokens[token] = team_id
        self.teams[team_id] = (team or team_id, bot_user_id, bot_id)

    def rate_limit(
        self,
        *,
        count: int | None = None,
        fraction: float | None = None,
        retry_after: int = 1,
        methods: Iterable[str] | None = None,
        teams: Iterable[str] | None = None,
    ) -> None:
        """Answer `429` + `Retry-After` to the next `count` calls, or a seeded fraction
        (`teams`: only calls made with those workspaces' tokens)."""
        self.faults.append(
            Fault(
                "ratelimited",
                count,
                fraction,
                _set(methods),
                retry_after=retry_after,
                teams=_set(teams),
            )
        )

    def server_error(
        self,
        *,
        count: int | None = 1,
        fraction: float | None = None,
        status: int = 503,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer an HTML `5xx` page, as Slack's edge does when it is unwell."""
        self.faults.append(Fault("status", count, fraction, _set(methods), status=status))

    def slack_error(
        self,
        error: str,
        *,
        count: int | None = 1,
        fraction: float | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer `{"ok": false, "error": error}` with HTTP 200, as Slack does."""
        self.faults.append(Fault("error", count, fraction, _set(methods), error=error))

    def hang(
        self,
        *,
        count: int | None = 1,
        fraction: float | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Hold the answer to matching calls until `release()` (or `close()`): a Web API
        that accepted the request and never answers, so the client's timeout decides."""
        self.faults.append(Fault("hang", count, fraction, _set(methods)))

    def clear_faults(self) -> None:
        """The fault is over: no more faults (calls already hanging wait for `release`)."""
        self.faults.clear()

    def hold(self) -> None:
        """Hold every answer until `release()` (requests are recorded when they arrive)."""
        if self._gate is None:
            self._gate = asyncio.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()
            self._gate = None
        self._hung.set()
        self._hung = asyncio.Event()

    def seed_message(
        self,
        channel: str,
        text: str,
        *,
        user: str | None = None,
        ts: str | None = None,
        thread_ts: str | None = None,
        bot_id: str | None = None,
        subtype: str | None = None,
    ) -> Message:
        """A message that exists in Slack without the bot having posted it."""
        message = Message(
            channel,
            ts or self._next_ts(),
            text,
            user=user,
            bot_id=bot_id,
            thread_ts=thread_ts,
            subtype=subtype,
        )
        self.messages.setdefault(channel, []).append(message)
        return message

    # ------------------------------------------------------------------ assertions

    def calls_to(self, method: str, *, team: str | None = None) -> list[Call]:
        """Calls to `method` (`team`: made with that workspace's token only)."""
        return [
            c
            for c in self.calls
            if c.method == method and (team is None or self.team_of(c) == team)
        ]

    def team_of(self, call: Call) -> str | None:
        """The workspace whose bot token `call` was made with (None: no bot token)."""
        return self.tokens.get(call.token) if call.token is not None else None

    @property
    def bot_users(self) -> frozenset[str]:
        """Every workspace's bot user id."""
        return frozenset(bot for _, bot, _ in self.teams.values())

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Arguments of every successful chat.postMessage (optionally in one channel)."""
        return [
            c.args
            for c in self.calls
            if c.method == "chat.postMessage"
            and c.status == 200
            and c.error is None
            and (channel is None or c.args.get("channel") == channel)
        ]

    def find(self, channel: str, ts: str) -> Message | None:
        for message in self.messages.get(channel, []):
            if message.ts == ts:
                return message
        return None

    async def wait_for(self, method: str, count: int = 1) -> list[Call]:
        """Wait (without polling) until `count` calls to `method` have arrived."""

        def enough() -> bool:
            return len(self.calls_to(method)) >= count

        async with asyncio.timeout(self.wait_limit), self._changed:
            await self._changed.wait_for(enough)
        return self.calls_to(method)

    # ------------------------------------------------------------------ internals

    def _next_ts(self) -> str:
        if self.clock is not None:  # unique per message, like Slack's
            self._last_ts = max(round(self.clock(), 6), round(self._last_ts + 0.000001, 6))
            return f"{self._last_ts:.6f}"
        n = next(self._ts)
        return f"{1767225600 + n}.{n:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    def _fault_for(self, method: str, team: str | None = None) -> Fault | None:
        for fault in list(self.faults):
            if not fault.applies(method, team):
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
            if fault.fraction is None:  # neither a count nor a fraction: every call
                return fault
            if self._random.random() < fault.fraction:
                return fault
        return None

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                args.update(json.loads(body))
            else:
                args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        for name in JSON_FIELDS:
            if isinstance(args.get(name), str) and args[name][:1] in "[{":
                args[name] = json.loads(args[name])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._read_args(request)
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else args.pop("token", None)
        args.pop("token", None)
        call = Call(method, args, token, _now())
        fault = self._fault_for(method, self.tokens.get(token) if token else None)
        if fault is not None and fault.kind == "hang":
            await self._record(call)  # the request arrived; the answer waits
            await self._hung.wait()
            fault = None
        else:
            if fault is not None:
                call.status = {"ratelimited": 429, "status": fault.status}.get(fault.kind, 200)
                call.error = fault.error if fault.kind != "ratelimited" else "ratelimited"
            await self._record(call)
        if fault is None and self.history_limits is not None and method in READING:
            wait = self.history_limits.wait(method, token)
            if wait:
                call.status, call.error = 429, "ratelimited"
                fault = Fault("ratelimited", retry_after=wait)
        if self._gate is not None:
            await self._gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if fault is not None:
            if fault.kind == "ratelimited":
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(fault.retry_after)},
                )
            if fault.kind == "status":
                return web.Response(
                    status=fault.status,
                    text="<html><body>Service Unavailable</body></html>",
                    content_type="text/html",
                )
            return web.json_response({"ok": False, "error": fault.error})
        grant = self.grants.tokens.get(token or "")
        if grant is not None and token not in self.tokens:  # installed by "Add to Slack"
            self.add_workspace(
                grant.team_id, grant.token, grant.bot_user_id, grant.bot_id, team=grant.team_name
            )
        if not token:
            return self._error(call, "not_authed")
        if method == "apps.connections.open" and token != self.app_token:
            return self._error(call, "invalid_auth")
        if method != "apps.connections.open" and token not in self.tokens:
            return self._error(call, "invalid_auth")
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return self._error(call, "unknown_method", status=404)
        # No await between naming the caller and answering: the handler reads it.
        self._caller = self.tokens.get(token, self.team_id)
        result = handler(args)
        if isinstance(result, str):
            return self._error(call, result)
        return web.json_response({"ok": True, **result})

    def _error(self, call: Call, error: str, status: int = 200) -> web.Response:
        call.error = error
        call.status = status
        return web.json_response({"ok": False, "error": error}, status=status)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        await self._record(Call("upload", {"file_id": file_id, "length": len(data)}, None, _now()))
        self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _respond(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        body = json.loads(await request.read() or b"{}")
        await self._record(Call("response_url", {"key": key, **body}, None, _now()))
        if key in self.expired_response_urls:
            return web.Response(status=404, text="expired_url", content_type="text/plain")
        self.responses.append({"key": key, **body})
        return web.Response(text="ok", content_type="text/plain")

    async def _oauth_v2_access(self, request: web.Request) -> web.Response:
        """`oauth.v2.access` as Slack takes it: the app's client id and secret as HTTP Basic
        auth (slack_sdk's way) or as form fields, and a `code` or a refresh token."""
        args = await self._read_args(request)
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
            args.setdefault("client_id", user)
            args.setdefault("client_secret", password)
        call = Call("oauth.v2.access", args, None, _now())
        await self._record(call)
        result = self._m_oauth_v2_access(args)
        if isinstance(result, str):
            return self._error(call, result)
        return web.json_response({"ok": True, **result})

    def _m_oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any] | str:
        return self.grants.exchange(args)

    def _channel_problem(self, channel: Any) -> str | None:
        if not isinstance(channel, str) or not channel:
            return "channel_not_found"
        return self.channel_errors.get(channel)

    # ------------------------------------------------------------------ methods

    def _bot(self) -> tuple[str, str]:
        """The calling workspace's bot: its user id and bot id."""
        _, user, bot = self.teams[self._caller]
        return user, bot

    def _m_auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        team, user, bot = self.teams[self._caller]
        return {
            "url": "https://als-test.slack.com/",
            "team": team,
            "user": "alsbot",
            "team_id": self._caller,
            "user_id": user,
            "bot_id": bot,
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(self, _: dict[str, Any]) -> dict[str, Any] | str:
        if not self.socket_mode_url:
            return "socket_mode_not_enabled"
        return {"url": self.socket_mode_url}

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any] | str:
        channel = args.get("channel")
        if problem := self._channel_problem(channel):
            return problem
        if not args.get("text") and not args.get("blocks"):
            return "no_text"
        thread_ts = args.get("thread_ts") or None
        if thread_ts and self.find(channel, thread_ts) is None:
            return "thread_not_found"
        bot_user, bot_id = self._bot()
        message = Message(
            channel,
            self._next_ts(),
            args.get("text", ""),
            user=bot_user,
            bot_id=bot_id,
            thread_ts=thread_ts,
            blocks=args.get("blocks"),
            metadata=args["metadata"] if isinstance(args.get("metadata"), dict) else None,
        )
        self.messages.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": message.ts, "message": message.as_slack()}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any] | str:
        channel = args.get("channel")
        if problem := self._channel_problem(channel):
            return problem
        message = self.find(channel, args.get("ts", ""))
        if message is None:
            return "message_not_found"
        if message.user != self._bot()[0]:
            return "cant_update_message"
        message.text = args.get("text", message.text)
        if "blocks" in args:
            message.blocks = args["blocks"]
        return {"channel": channel, "ts": message.ts, "text": message.text}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any] | str:
        channel = args.get("channel")
        if problem := self._channel_problem(channel):
            return problem
        if args.get("user") in self.missing_users or not args.get("user"):
            return "user_not_found"
        self.ephemerals.append(args)
        return {"message_ts": self._next_ts()}

    def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any] | str:
        channel, ts = args.get("channel", ""), args.get("message_ts", "")
        if self.find(channel, ts) is None:
            return "message_not_found"
        return {
            "channel": channel,
            "permalink": f"https://als-test.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def group_dm(self, *users: str) -> str | None:
        """The group DM opened for exactly these people (the bot aside), if any."""
        wanted = frozenset(users) | {self.bot_user_id}
        for channel, members in self.group_dms.items():
            if members == wanted:
                return channel
        return None

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any] | str:
        users = [u.strip() for u in str(args.get("users", "")).split(",") if u.strip()]
        if not users:
            return "users_list_not_supplied"
        if len(users) > 8:
            return "too_many_users"
        if len(set(users)) > 1:  # a multi-person DM, the bot added by Slack
            if any(user in self.missing_users for user in users):
                return "user_not_found"
            channel = self.group_dm(*users)
            if channel is None:
                channel = "G" + format(len(self.group_dms) + 1, "08d")
                self.group_dms[channel] = frozenset(users) | {self.bot_user_id}
            return {"channel": {"id": channel, "is_mpim": True}}
        user = users[0]
        if user == self.bot_user_id:
            return "cannot_dm_bot"
        if user in self.missing_users:
            return "user_not_found"
        return {"channel": {"id": dm_channel(user)}}

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any] | str:
        """The conversation object as Slack documents it for `conversations.info`."""
        channel = args.get("channel")
        if problem := self._channel_problem(channel):
            return problem
        if channel.startswith("D"):
            user = "U" + channel[1:]
            return {
                "channel": {
                    "id": channel,
                    "created": 1767225600,
                    "is_im": True,
                    "is_org_shared": False,
                    "user": user,
                    "is_user_deleted": False,
                    "priority": 0,
                }
            }
        private = channel not in self.public_channels
        return {
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": True,
                "is_group": False,
                "is_im": False,
                "is_mpim": False,
                "is_private": private,
                "created": 1767225600,
                "is_archived": False,
                "is_general": False,
                "unlinked": 0,
                "name_normalized": channel.lower(),
                "is_shared": False,
                "is_org_shared": False,
                "is_pending_ext_shared": False,
                "pending_shared": [],
                "context_team_id": self.team_id,
                "updated": 1767225600000,
                "parent_conversation": None,
                "creator": "U0CREATOR",
                "is_ext_shared": False,
                "shared_team_ids": [self.team_id],
                "pending_connected_team_ids": [],
                "is_member": True,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
                "previous_names": [],
            }
        }

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any] | str:
        """Newest first, a page at a time: `next_cursor` goes on below the page's last."""
        channel = args.get("channel")
        if problem := self._channel_problem(channel):
            return problem
        roots = [
            m for m in self.messages.get(channel, []) if m.thread_ts is None or m.thread_ts == m.ts
        ]
        found = _window(roots, args)
        found.sort(key=lambda m: float(m.ts), reverse=True)
        after = _cursor_ts(args.get("cursor"))
        if after is not None:
            found = [m for m in found if float(m.ts) < after]
        return self._page(found, args, 100)

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any] | str:
        """The thread's root first, then its replies oldest first, a page at a time."""
        channel = args.get("channel")
        if problem := self._channel_problem(channel):
            return problem
        message = self.find(channel, args.get("ts", ""))
        if message is None:
            return "thread_not_found"
        root_ts = message.thread_ts or message.ts
        root = self.find(channel, root_ts) or message
        replies = [
            m for m in self.messages.get(channel, []) if m.thread_ts == root_ts and m is not root
        ]
        found = sorted(_window(replies, args), key=lambda m: float(m.ts))
        after = _cursor_ts(args.get("cursor"))
        if after is None:
            found = [root, *found]
        else:
            found = [m for m in found if float(m.ts) > after]
        return self._page(found, args, 1000)

    def _page(self, found: list[Message], args: dict[str, Any], default: int) -> dict[str, Any]:
        limit = int(args.get("limit") or default)
        if self.history_limits is not None:
            limit = min(limit, self.history_limits.page)
        meta = _flag(args.get("include_all_metadata"))
        more = len(found) > limit
        cursor = _cursor(found[limit - 1].ts) if more else ""
        return {
            "messages": [m.as_slack(with_metadata=meta) for m in found[:limit]],
            "has_more": more,
            "response_metadata": {"next_cursor": cursor},
        }

    def _m_reactions_get(self, args: dict[str, Any]) -> dict[str, Any] | str:
        channel = args.get("channel", "")
        message = self.find(channel, args.get("timestamp", ""))
        if message is None:
            return "message_not_found"
        return {"type": "message", "channel": channel, "message": message.as_slack()}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any] | str:
        user = args.get("user", "")
        if not user or user in self.missing_users:
            return "user_not_found"
        profile = self.users.get(user, {})
        return {
            "user": {
                "id": user,
                "team_id": profile.get("team_id", self.team_id),  # a Connect guest's own
                "name": profile.get("name", user.lower()),
                "real_name": profile.get("real_name", user),
                "tz": profile.get("tz", "Europe/London"),
                "is_bot": user == self.bot_user_id,
                "is_admin": bool(profile.get("is_admin", False)),
                "is_owner": bool(profile.get("is_owner", False)),
                **({"is_stranger": True} if profile.get("is_stranger") else {}),
                "profile": {"display_name": profile.get("name", user.lower())},
            }
        }

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any] | str:
        user = args.get("user_id", "")
        view = args.get("view")
        if not user or user in self.missing_users:
            return "user_not_found"
        if not isinstance(view, dict) or view.get("type") != "home":
            return "invalid_arguments"
        self.views[user] = view
        return {"view": {"id": self._next_id("V"), **view}}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any] | str:
        """A modal opened with a trigger (a slash command's, an interaction's): Slack
        refuses one that is missing, used already or older than 3 s (`expired_triggers`)."""
        trigger = args.get("trigger_id")
        view = args.get("view")
        if not trigger:
            return "invalid_arguments"
        if trigger in self.expired_triggers:
            return "expired_trigger_id"
        if not isinstance(view, dict) or view.get("type") != "modal":
            return "invalid_arguments"
        if len(view.get("blocks") or []) > 100 or len(str(view.get("private_metadata", ""))) > 3000:
            return "invalid_arguments"
        self.expired_triggers.add(trigger)  # a trigger opens one view
        opened = {"id": self._next_id("V"), "hash": self._next_ts(), "trigger_id": trigger, **view}
        self.modals.append(opened)
        return {"view": opened}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any] | str:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return "invalid_arguments"
        file_id = self._next_id("F")
        self.alt_texts[file_id] = args.get("alt_txt")
        return {"upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any] | str:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return "invalid_arguments"
        if args.get("channel_id") and (problem := self._channel_problem(args["channel_id"])):
            return problem
        out = []
        for item in files:
            if item.get("id") not in self.uploads:
                return "file_not_found"
            record = {
                "id": item["id"],
                "title": item.get("title"),
                "channel_id": args.get("channel_id"),
                "thread_ts": args.get("thread_ts"),
                "content": self.uploads[item["id"]],
                "alt_txt": self.alt_texts.get(item["id"]),
            }
            self.files.append(record)
            out.append({"id": item["id"], "title": item.get("title") or ""})
        return {"files": out}


READING = frozenset({"conversations.history", "conversations.replies"})


def _cursor(ts: str) -> str:
    """A cursor as Slack's look: opaque base64 (of the page's last ts here)."""
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _cursor_ts(cursor: Any) -> float | None:
    if not isinstance(cursor, str) or not cursor:
        return None
    return float(base64.b64decode(cursor).decode().removeprefix("next_ts:"))


def _now() -> float:
    return asyncio.get_running_loop().time()


def _set(methods: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(methods) if methods is not None else None


def _flag(value: Any) -> bool:
    """A boolean argument as slack_sdk sends it: `1`/`true` in a form or query, or JSON."""
    return value is True or str(value).lower() in ("1", "true")


def _window(messages: list[Message], args: dict[str, Any]) -> list[Message]:
    """Slack's `oldest`/`latest`/`inclusive` filter."""
    inclusive = _flag(args.get("inclusive"))
    oldest = float(args["oldest"]) if args.get("oldest") else None
    latest = float(args["latest"]) if args.get("latest") else None
    out = []
    for m in messages:
        ts = float(m.ts)
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            continue
        if latest is not None and (ts > latest or (ts == latest and not inclusive)):
            continue
        out.append(m)
    return out
