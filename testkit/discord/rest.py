"""The stand-in's REST API under `/api/v10`: the routes discord.py and the adapter call.

Every call is recorded (method, path, body, status) so tests can assert what the bot did
on the wire.  Faults are injected before routing: a `429` carries `Retry-After`, the `Via`
header (without it discord.py takes a 429 for a Cloudflare ban) and the JSON body
discord.py reads (`retry_after`, `global`); 5xx answers too.  A fault with `hold` is a
timeout: the answer is held longer than the client waits, and with `handled` Discord has
acted on the request first (only the answer is lost).  Like Discord, a message created with
`enforce_nonce` and a nonce seen in the last few minutes is not created again: the earlier
one is returned.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from testkit.discord.payloads import (
    APP_FLAG_MESSAGE_CONTENT_LIMITED,
    JSON,
    application_payload,
)
from testkit.discord.world import EPHEMERAL, ApiError, World

API = "/api/v10"
Handler = Callable[[web.Request], Awaitable[Any]]


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0
    at: float = field(default_factory=time.monotonic)
    timed_out: bool = False  # held past the client's patience by a `hold` fault

    def matches(self, method: str, pattern: str) -> bool:
        return self.method == method and re.fullmatch(pattern, self.path) is not None


CALL = web.RequestKey("call", Call)


@dataclass
class Fault:
    """Answer matching calls with `status` (`times` times, or for a seeded `fraction`)."""

    method: str
    pattern: str
    status: int
    times: int = 1
    retry_after: float = 0.05
    code: int = 0
    is_global: bool = False
    fraction: float | None = None
    message: str = ""  # Discord's words for the error (default: "stand-in fault <status>")
    hold: float = 0.0  # a timeout: seconds the answer is held (longer than the client waits)
    handled: bool = False  # with `hold`: Discord acted on the request; only the answer is lost

    def applies(self, method: str, path: str, rng: random.Random) -> bool:
        if self.method not in ("*", method) or not re.fullmatch(self.pattern, path):
            return False
        if self.fraction is not None:
            return rng.random() < self.fraction
        if self.times <= 0:
            return False
        self.times -= 1
        return True


def as_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Discord's content type is exactly `application/json`: discord.py compares the header
    verbatim, so aiohttp's `json_response` (`…; charset=utf-8`) would read as text."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error(status: int, code: int, message: str) -> web.Response:
    return as_json({"message": message, "code": code}, status)


class RestApi:
    """Routes over a `World`; `calls` is the record, `faults` the injected failures."""

    def __init__(self, world: World, gateway_url: Callable[[], str], seed: int = 7) -> None:
        self.world = world
        self.gateway_url = gateway_url
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.rng = random.Random(seed)
        self.changed = asyncio.Condition()
        self.nonces: dict[str, tuple[float, str]] = {}  # nonce -> (when, message id)
        self.nonce_window = 300.0  # "the past few minutes"
        # Discord's X-RateLimit-* headers on each answer, allowing this many requests per
        # bucket per second.  None (the default): no headers, and discord.py then sends one
        # request per route bucket at a time.
        self.bucket_limit: int | None = None

    # ------------------------------------------------------------------ wiring

    def routes(self) -> list[web.RouteDef]:
        r = web.route
        return [
            r("GET", API + "/gateway", self.gateway),
            r("GET", API + "/gateway/bot", self.gateway_bot),
            r("GET", API + "/users/@me", self.me),
            r("GET", API + "/oauth2/applications/@me", self.application),
            r("GET", API + "/applications/@me", self.application),
            r("PUT", API + "/applications/{app}/commands", self.put_commands),
            r("GET", API + "/applications/{app}/commands", self.get_commands),
            r("PUT", API + "/applications/{app}/guilds/{guild}/commands", self.put_commands),
            r("GET", API + "/applications/{app}/guilds/{guild}/commands", self.get_commands),
            r("POST", API + "/interactions/{iid}/{token}/callback", self.callback),
            r("POST", API + "/webhooks/{app}/{token}", self.followup),
            r("GET", API + "/webhooks/{app}/{token}/messages/{mid}", self.get_followup),
            r("PATCH", API + "/webhooks/{app}/{token}/messages/{mid}", self.edit_followup),
            r("POST", API + "/channels/{cid}/messages", self.create_message),
            r("GET", API + "/channels/{cid}/messages", self.history),
            r("GET", API + "/channels/{cid}/messages/{mid}", self.get_message),
            r("PATCH", API + "/channels/{cid}/messages/{mid}", self.edit_message),
            r("POST", API + "/channels/{cid}/messages/{mid}/threads", self.thread_from_message),
            r("POST", API + "/channels/{cid}/threads", self.thread_without_message),
            r("PUT", API + "/channels/{cid}/thread-members/{uid}", self.add_thread_member),
            r("GET", API + "/channels/{cid}/messages/{mid}/reactions/{emoji}", self.reactors),
            r("GET", API + "/channels/{cid}", self.get_channel),
            r("POST", API + "/users/@me/channels", self.open_dm),
            r("GET", API + "/users/@me/guilds", self.my_guilds),
            r("GET", API + "/users/{uid}", self.get_user),  # after every `/users/@me` route
            r("GET", API + "/guilds/{gid}", self.get_guild),
            r("GET", API + "/guilds/{gid}/threads/active", self.active_threads),
            r("GET", API + "/guilds/{gid}/channels", self.guild_channels),
            r("GET", API + "/guilds/{gid}/members/{uid}", self.get_member),
            # The allow-list: the bot leaving a server.
            r("DELETE", API + "/users/@me/guilds/{gid}", self.leave_guild),
            r("*", API + "/{tail:.*}", self.unknown),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API):
            return await handler(request)
        path = request.path[len(API) :]
        call = Call(request.method, path, dict(request.query), await self._body(request))
        request[CALL] = call
        self.calls.append(call)
        tokenless = path.startswith(("/interactions/", "/webhooks/"))
        try:
            if not tokenless and request.headers.get("Authorization") != f"Bot {self.world.token}":
                raise ApiError(401, 0, "401: Unauthorized")
            fault = self._choose(request.method, path)
            if fault is not None and fault.hold:
                call.timed_out = True
                response = await self._held(fault, request, handler)
            elif fault is not None:
                response = self._fault_response(fault)
            else:
                response = await handler(request)
            if not isinstance(response, web.StreamResponse):
                response = as_json(response)
        except ApiError as exc:
            response = error(exc.status, exc.code, exc.message)
        call.status = response.status
        if self.bucket_limit is not None and response.status != 429:
            response.headers.update(self._bucket_headers())
        async with self.changed:
            self.changed.notify_all()
        return response

    async def _body(self, request: web.Request) -> Any:
        if request.content_type == "multipart/form-data":
            form = await request.post()
            body: JSON = json.loads(str(form.get("payload_json") or "{}"))
            files = [
                {"name": v.filename, "size": len(v.file.read())}
                for k, v in form.items()
                if k.startswith("files[") and hasattr(v, "file")
            ]
            body["_files"] = files
            return body
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")

    def _bucket_headers(self) -> dict[str, str]:
        limit = self.bucket_limit or 1
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - 1),
            "X-RateLimit-Reset": f"{time.time() + 1.0:.3f}",
            "X-RateLimit-Reset-After": "1.000",
        }

    def _choose(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.applies(method, path, self.rng):
                return fault
        return None

    async def _held(self, fault: Fault, request: web.Request, handler: Handler) -> Any:
        """A timeout: answer only after `fault.hold` seconds, when the client has given up."""
        if fault.handled:
            try:
                response = await handler(request)
            except ApiError as exc:
                response = error(exc.status, exc.code, exc.message)
        else:
            response = error(504, 0, "stand-in timeout")
        await asyncio.sleep(fault.hold)
        return response

    def _fault_response(self, fault: Fault) -> web.Response:
        if fault.status == 429:
            body = {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
            }
            headers = {
                "Retry-After": str(fault.retry_after),
                "Via": "1.1 google",
                "X-RateLimit-Scope": "global" if fault.is_global else "user",
            }
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            return as_json(body, 429, headers)
        return error(fault.status, fault.code, fault.message or f"stand-in fault {fault.status}")

    async def _json(self, request: web.Request) -> JSON:
        body = request[CALL].body
        if isinstance(body, dict):
            return body
        return {}

    # ------------------------------------------------------------------ identity

    async def gateway(self, request: web.Request) -> JSON:
        return {"url": self.gateway_url()}

    async def gateway_bot(self, request: web.Request) -> JSON:
        return {
            "url": self.gateway_url(),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    async def me(self, request: web.Request) -> JSON:
        return self.world.bot.payload()

    async def application(self, request: web.Request) -> JSON:
        w = self.world
        flags = APP_FLAG_MESSAGE_CONTENT_LIMITED if w.message_content_allowed else 0
        if w.application_flags is not None:  # issue 15, preflight: set by a test
            flags = w.application_flags
        return application_payload(w.app_id, w.owner, w.bot, flags)

    async def put_commands(self, request: web.Request) -> list[JSON]:
        scope = request.match_info.get("guild", "global")
        body = request[CALL].body or []
        registered = []
        for i, command in enumerate(body):
            registered.append(
                {
                    **command,
                    "id": str(1_290_000_000_000_000_000 + len(self.world.commands) * 100 + i),
                    "application_id": self.world.app_id,
                    "version": "1",
                    "default_member_permissions": command.get("default_member_permissions"),
                    "type": command.get("type", 1),
                    "description": command.get("description", ""),
                    "nsfw": command.get("nsfw", False),
                    **({"guild_id": scope} if scope != "global" else {}),
                }
            )
        self.world.commands[scope] = registered
        return registered

    async def get_commands(self, request: web.Request) -> list[JSON]:
        return self.world.commands.get(request.match_info.get("guild", "global"), [])

    # ------------------------------------------------------------------ interactions

    async def callback(self, request: web.Request) -> JSON | web.Response:
        w = self.world
        info = w.interaction_by_id(request.match_info["iid"], request.match_info["token"])
        body = await self._json(request)
        if info.callbacks:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - info.created > w.interaction_deadline:
            raise ApiError(404, 10062, "Unknown interaction")
        info.callbacks.append(body)
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        result: JSON = {"interaction": {"id": info.id, "type": info.kind}}
        if kind in (4, 5):  # a message now, or "thinking…" to be edited later
            flags = int(data.get("flags") or 0)
            message = w.post(
                info.channel_id,
                w.bot,
                {**data, "content": data.get("content", "") if kind == 4 else ""},
                interaction_token=info.token,
            )
            message.flags = flags
            info.original_id = message.id
            result["interaction"].update(
                response_message_id=message.id,
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(flags & EPHEMERAL),
            )
            result["resource"] = {"type": kind, "message": w.render(message)}
        elif kind == 7 and info.message_id:  # update the component's message
            w.edit(w.messages[info.message_id], data)
        return result

    async def followup(self, request: web.Request) -> JSON:
        w = self.world
        info = w.live_token(request.match_info["app"], request.match_info["token"])
        body = await self._json(request)
        if not info.callbacks:
            raise ApiError(404, 10015, "Unknown Webhook")
        message = w.post(info.channel_id, w.bot, body, interaction_token=info.token)
        return w.render(message)

    async def get_followup(self, request: web.Request) -> JSON:
        w = self.world
        info = w.live_token(request.match_info["app"], request.match_info["token"])
        mid = request.match_info["mid"]
        mid = info.original_id if mid == "@original" else mid
        if mid is None or mid not in w.messages:
            raise ApiError(404, 10008, "Unknown Message")
        return w.render(w.messages[mid])

    async def edit_followup(self, request: web.Request) -> JSON:
        w = self.world
        info = w.live_token(request.match_info["app"], request.match_info["token"])
        mid = request.match_info["mid"]
        mid = info.original_id if mid == "@original" else mid
        if mid is None or mid not in w.messages:
            raise ApiError(404, 10008, "Unknown Message")
        return w.render(w.edit(w.messages[mid], await self._json(request)))

    # ------------------------------------------------------------------ channels and messages

    async def create_message(self, request: web.Request) -> JSON:
        w = self.world
        body = await self._json(request)
        nonce = str(body.get("nonce") or "")
        if nonce and body.get("enforce_nonce"):
            seen = self.nonces.get(nonce)
            now = time.monotonic()
            if seen is not None and now - seen[0] < self.nonce_window and seen[1] in w.messages:
                return w.render(w.messages[seen[1]])
        message = w.post(request.match_info["cid"], w.bot, body)
        if nonce:
            self.nonces[nonce] = (time.monotonic(), message.id)
        return w.render(message)

    async def get_message(self, request: web.Request) -> JSON:
        w = self.world
        return w.render(w.message(request.match_info["cid"], request.match_info["mid"]))

    async def edit_message(self, request: web.Request) -> JSON:
        w = self.world
        message = w.message(request.match_info["cid"], request.match_info["mid"])
        if message.author is not w.bot:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        return w.render(w.edit(message, await self._json(request)))

    async def thread_from_message(self, request: web.Request) -> JSON:
        m = request.match_info
        return self.world.thread_from_message(
            m["cid"], m["mid"], await self._json(request)
        ).payload()

    async def thread_without_message(self, request: web.Request) -> JSON:
        return self.world.thread_without_message(
            request.match_info["cid"], await self._json(request)
        ).payload()

    async def add_thread_member(self, request: web.Request) -> web.Response:
        thread = self.world.channel(request.match_info["cid"])
        thread.members.add(request.match_info["uid"])
        return web.Response(status=204)

    async def reactors(self, request: web.Request) -> list[JSON]:
        """`?type=1` lists the burst (super) reactors, else the normal ones; a custom emoji
        is named `name:id` in the path."""
        w = self.world
        m = request.match_info
        w.message(m["cid"], m["mid"])
        emoji = m["emoji"].split(":")[0]
        burst = request.query.get("type") == "1"
        ids = (w.burst_reactions if burst else w.reactions).get((m["mid"], emoji), [])
        after = int(request.query.get("after") or 0)
        limit = int(request.query.get("limit") or 25)
        ids = [i for i in ids if int(i) > after][:limit]
        return [w.users[i].payload() for i in ids]

    async def history(self, request: web.Request) -> list[JSON]:
        limit = min(int(request.query.get("limit") or 50), 100)
        return self.world.history(request.match_info["cid"], request.query.get("after"), limit)

    async def my_guilds(self, request: web.Request) -> list[JSON]:
        w = self.world
        return [{"id": g, "name": w.guild(g)["name"], "icon": None, "owner": False,
                 "permissions": str(w.everyone_permissions), "features": []}
                for g in w.guild_ids() if g not in w.left_guilds]  # fmt: skip

    async def active_threads(self, request: web.Request) -> JSON:
        return {"threads": self.world.guild(request.match_info["gid"])["threads"], "members": []}

    async def get_channel(self, request: web.Request) -> JSON:
        return self.world.channel(request.match_info["cid"]).payload()

    async def open_dm(self, request: web.Request) -> JSON:
        body = await self._json(request)
        return self.world.dm_channel(str(body.get("recipient_id"))).payload()

    async def get_guild(self, request: web.Request) -> JSON:
        return self.world.guild(request.match_info["gid"])

    async def guild_channels(self, request: web.Request) -> list[JSON]:
        return self.world.guild(request.match_info["gid"])["channels"]

    async def get_user(self, request: web.Request) -> JSON:
        """`GET /users/{id}`: anyone Discord knows, whether or not they share a server."""
        return self.world.user(request.match_info["uid"]).payload()

    async def get_member(self, request: web.Request) -> JSON:
        self.world.guild(request.match_info["gid"])  # 404 for a server the bot is not in
        return self.world.member(request.match_info["uid"])

    # ------------------------------------------------------------------ the allow-list

    async def leave_guild(self, request: web.Request) -> web.Response:
        """The bot leaves a server: recorded in `world.left_guilds`, then GUILD_DELETE."""
        self.world.leave_guild(request.match_info["gid"])
        return web.Response(status=204)

    async def unknown(self, request: web.Request) -> web.Response:
        return error(404, 0, "404: Not Found")
