"""A local Discord that discord.py really connects to: REST under `/api/v10` plus the gateway.

One aiohttp application on 127.0.0.1 (ephemeral port).  The gateway speaks the real
protocol: HELLO with a heartbeat interval, heartbeat ACKs, IDENTIFY → READY (with
`session_id` and `resume_gateway_url`) → GUILD_CREATE, RESUME → the missed dispatches →
RESUMED (or INVALID_SESSION for a session it does not know, or one the bot closed with
1000/1001, which Discord invalidates), RECONNECT on request, close code 4014 when the privileged MESSAGE_CONTENT intent is
asked for but not granted.  Tests push what people do (`slash`, `click`, `say`, `dm`,
`react`) and read what the bot did from `rest.calls` and `world`.

Frames are plain JSON text: discord.py asks for `compress=zlib-stream` but decompresses only
binary frames, so answering in text is both valid and easy to read in a failure.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from testkit.discord.payloads import (
    INTENT_DIRECT_MESSAGE_REACTIONS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    JSON,
    ChannelInfo,
    UserInfo,
    interaction_payload,
    reaction_payload,
)
from testkit.discord.rest import Call, Fault, RestApi
from testkit.discord.world import InteractionInfo, StoredMessage, World

HELLO, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT, MEMBERS, INVALID = 10, 1, 2, 3, 6, 7, 8, 9
INTENT_GUILDS = 1 << 0
INTENT_NEEDED = {  # event -> (intent in a guild, intent in a DM)
    "MESSAGE_CREATE": (INTENT_GUILD_MESSAGES, INTENT_DIRECT_MESSAGES),
    "MESSAGE_REACTION_ADD": (INTENT_GUILD_MESSAGE_REACTIONS, INTENT_DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE": (INTENT_GUILD_MESSAGE_REACTIONS, INTENT_DIRECT_MESSAGE_REACTIONS),
    "THREAD_CREATE": (INTENT_GUILDS, INTENT_GUILDS),
    "GUILD_CREATE": (INTENT_GUILDS, INTENT_GUILDS),
    "GUILD_DELETE": (INTENT_GUILDS, INTENT_GUILDS),
}


@dataclass
class GatewaySession:
    id: str
    intents: int
    seq: int = 0
    log: list[JSON] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    unsent: list[JSON] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class DiscordStandIn:
    """`async with DiscordStandIn() as discord:` then point a client at `api_base_url` and
    `gateway_url`; `world.token` is the only token it accepts."""

    def __init__(
        self,
        *,
        message_content_allowed: bool = True,
        seed: int = 7,
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self.world = World(message_content_allowed=message_content_allowed)
        self.rest = RestApi(self.world, lambda: self.gateway_url, seed=seed)
        self.world.emit = self._emit
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[tuple[str, dict[str, str]]] = []  # (path, query) per ws connect
        self.received: list[JSON] = []  # every frame the bot sent on the gateway
        self.replay_from: int | None = None  # on RESUME, re-send from this seq even if seen
        self.refusing = False  # while True the gateway answers 503: Discord unreachable
        self.withholding_ready = False  # while True an IDENTIFY gets no READY: Discord stalls
        self.invalidated: list[str] = []  # sessions the bot closed with 1000/1001
        self._closed_here: set[int] = set()  # sockets the stand-in closed (not the bot)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> DiscordStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(middlewares=[self.rest.middleware, self._notify])
        app.add_routes(
            [web.get("/gateway", self._gateway), web.get("/gateway/resume", self._gateway)]
        )
        app.add_routes(self.rest.routes())
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                self._closed_here.add(id(session.ws))
                await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @web.middleware
    async def _notify(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            return await handler(request)
        finally:
            await self.flush()
            await self._poke()

    async def _poke(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], within: float = 5.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked on every REST call and frame)."""
        deadline = time.monotonic() + within
        async with self._changed:
            while not (result := predicate()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"stand-in: condition not met in {within}s")
                try:
                    await asyncio.wait_for(self._changed.wait(), timeout=min(left, 0.25))
                except TimeoutError:
                    pass
        return result

    async def wait_for_call(self, method: str, pattern: str, *, after: int = 0) -> Call:
        def found() -> Call | None:
            return next(
                (c for c in self.rest.calls[after:] if c.matches(method, pattern) and c.status),
                None,
            )

        return await self.wait_for(found)

    def calls(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.rest.calls if c.matches(method, pattern)]

    def fail(self, method: str, pattern: str, status: int, **kwargs: Any) -> Fault:
        fault = Fault(method, pattern, status, **kwargs)
        self.rest.faults.append(fault)
        return fault

    # ------------------------------------------------------------------ the gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.refusing:
            self.connections.append((request.path, {"refused": "503"}))
            return web.Response(status=503, text="stand-in: gateway unavailable")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.connections.append((request.path, dict(request.query)))
        await ws.send_json({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        session: GatewaySession | None = None
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                self.received.append(message)
                session = await self._on_frame(ws, message, session)
                await self._poke()
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
                by_bot = id(ws) not in self._closed_here
                if by_bot and ws.close_code in (1000, 1001):  # Discord forgets it then
                    self.sessions.pop(session.id, None)
                    self.invalidated.append(session.id)
            await self._poke()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, message: JSON, session: GatewaySession | None
    ) -> GatewaySession | None:
        op, data = message.get("op"), message.get("d")
        if op == HEARTBEAT:
            await ws.send_json({"op": 11})
        elif op == IDENTIFY:
            return await self._identify(ws, data)
        elif op == RESUME:
            return await self._resume(ws, data)
        elif op == MEMBERS:
            chunk = {"guild_id": self.world.guild_id, "members": self.world.guild()["members"]}
            chunk.update(chunk_index=0, chunk_count=1, nonce=data.get("nonce"))
            if session is not None:
                self._emit("GUILD_MEMBERS_CHUNK", chunk)
                await self.flush()
        return session

    async def _identify(self, ws: web.WebSocketResponse, data: JSON) -> GatewaySession | None:
        w = self.world
        if data.get("token") != w.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & INTENT_MESSAGE_CONTENT and not w.message_content_allowed:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        session = GatewaySession(secrets.token_hex(16), intents, ws=ws)
        self.sessions[session.id] = session
        if self.withholding_ready:
            return session
        ready = {
            "v": 10,
            "user": w.bot.payload(),
            "guilds": [{"id": g, "unavailable": True} for g in w.guild_ids()],
            "session_id": session.id,
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway/resume",
            "application": {"id": w.app_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        self._emit("READY", ready, only=session)
        for guild_id in w.guild_ids():
            self._emit("GUILD_CREATE", w.guild(guild_id), only=session)
        await self.flush()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: JSON) -> GatewaySession | None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.world.token:
            await ws.send_json({"op": INVALID, "d": False})
            return None
        async with session.lock:
            session.ws = ws
            first = int(data.get("seq") or 0) + 1
            if self.replay_from is not None:
                first, self.replay_from = min(first, self.replay_from), None
            session.unsent.clear()
            for frame in session.log:
                if frame["s"] >= first:
                    await ws.send_json(frame)
        self._emit("RESUMED", {}, only=session)
        await self.flush()
        return session

    def _emit(self, event: str, data: JSON, *, only: GatewaySession | None = None) -> None:
        """Number and log a dispatch now; `flush` sends it (in order) to a live socket."""
        for session in [only] if only else list(self.sessions.values()):
            shown = self._as_seen(session, event, data)
            if shown is None:
                continue
            session.seq += 1
            frame = {"op": 0, "t": event, "s": session.seq, "d": shown}
            session.log.append(frame)
            session.unsent.append(frame)

    def _as_seen(self, session: GatewaySession, event: str, data: JSON) -> JSON | None:
        """Intents decide what a session gets, and whether it sees other people's text."""
        in_guild = "guild_id" in data
        needed = INTENT_NEEDED.get(event)
        if needed is not None and not session.intents & needed[0 if in_guild else 1]:
            return None
        if event == "MESSAGE_CREATE" and not session.intents & INTENT_MESSAGE_CONTENT:
            bot = self.world.bot.id
            mentioned = any(m["id"] == bot for m in data.get("mentions", []))
            if in_guild and data["author"]["id"] != bot and not mentioned:
                return {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        return data

    async def flush(self) -> None:
        for session in list(self.sessions.values()):
            async with session.lock:
                if session.ws is None or session.ws.closed:
                    continue
                frames, session.unsent = session.unsent, []
                for frame in frames:
                    await session.ws.send_json(frame)

    async def dispatch(self, event: str, data: JSON) -> None:
        self._emit(event, data)
        await self.flush()
        await self._poke()

    async def reconnect(self, *, replay_from: int | None = None) -> None:
        """Ask the bot to reconnect (op 7).  Discord replays what the bot missed on RESUME;
        `replay_from` also re-sends dispatches it already had, from that sequence number —
        the duplicate delivery every handler must survive."""
        self.replay_from = replay_from
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.send_json({"op": RECONNECT, "d": None})

    def forget_sessions(self) -> None:
        """Discord lets every session go (they expired while the bot was away): a RESUME
        now gets INVALID_SESSION, and what was sent to them is not sent again."""
        self.sessions.clear()

    async def drop(self) -> None:
        """Cut every live gateway connection (Discord going away mid-session)."""
        for session in self.live_sessions():
            assert session.ws is not None
            self._closed_here.add(id(session.ws))
            await session.ws.close(code=1011, message=b"stand-in: dropped")

    def dispatched(self, event: str) -> bool:
        """Whether a live session has been sent an `event` dispatch (for `wait_for`:
        `seq_of` raises until then)."""
        return any(f["t"] == event for session in self.live_sessions() for f in session.log)

    def seq_of(self, event: str, predicate: Callable[[JSON], bool] = lambda d: True) -> int:
        """The sequence number of the last `event` dispatch matching `predicate`."""
        for session in self.live_sessions():
            for frame in reversed(session.log):
                if frame["t"] == event and predicate(frame["d"]):
                    return int(frame["s"])
        raise AssertionError(f"no {event} was dispatched")

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.ws is not None and not s.ws.closed]

    # ------------------------------------------------------------------ other servers

    async def join_guild(self, name: str) -> ChannelInfo:
        """Someone adds the bot to another server: GUILD_CREATE, as Discord sends it for a
        join (no `unavailable` key). Returns that server's text channel."""
        channel = self.world.add_guild(name)
        assert channel.guild_id is not None
        created = self.world.guild(channel.guild_id)  # a fresh payload: ours to change
        created.pop("unavailable", None)
        await self.dispatch("GUILD_CREATE", created)
        return channel

    # ------------------------------------------------------------------ what people do

    def registered(self, name: str = "als") -> JSON:
        for scope in self.world.commands.values():
            for command in scope:
                if command["name"] == name:
                    return command
        raise AssertionError(f"/{name} was never registered")

    async def slash(
        self, user: UserInfo, sub: str, channel_id: str | None = None, **options: Any
    ) -> InteractionInfo:
        """`/als <sub> option:value …` (`sub` may be `dos search`), typed against the
        command the bot registered: an undeclared option is a test failure here."""
        data = self.slash_data(sub, **options)
        return await self._interact(2, user, channel_id or self.world.general.id, data)

    def slash_data(self, sub: str, **options: Any) -> JSON:
        """The `data` of an `/als <sub>` interaction."""
        command = self.registered()
        path, schema = sub.split(), command
        for name in path:
            found = next((o for o in schema.get("options", []) if o["name"] == name), None)
            assert found is not None, f"/als {sub} is not registered"
            schema = found
        declared = {o["name"]: o["type"] for o in schema.get("options", [])}
        resolved: JSON = {"users": {}, "members": {}}
        given: list[JSON] = []
        for name, value in options.items():
            assert name in declared, f"/als {sub} has no option {name!r}: {sorted(declared)}"
            if isinstance(value, UserInfo):
                resolved["users"][value.id] = value.payload()
                member = self.world.member(value.id)
                resolved["members"][value.id] = {k: v for k, v in member.items() if k != "user"}
                value = value.id
            given.append({"name": name, "type": declared[name], "value": value})
        nested = given
        for depth, name in enumerate(reversed(path)):
            nested = [{"name": name, "type": 1 if depth == 0 else 2, "options": nested}]
        data = {"id": command["id"], "name": command["name"], "type": 1, "options": nested}
        data["resolved"] = resolved
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return data

    async def message_command(
        self, user: UserInfo, message: StoredMessage, name: str = "Save as do"
    ) -> InteractionInfo:
        """`user` picks Apps → `name` on `message`: an APPLICATION_COMMAND interaction (type
        2) of a message command (`data.type` 3) against the command the bot registered, the
        message resolved in `data` with its content — Discord gives the target's content
        whether or not the bot has the Message Content intent."""
        command = self.registered(name)
        assert command.get("type") == 3, f"{name!r} is not a message command"
        data: JSON = {
            "id": command["id"],
            "name": command["name"],
            "type": 3,
            "target_id": message.id,
            "resolved": {"messages": {message.id: self.world.render(message, for_bot=False)}},
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._interact(2, user, message.channel_id, data)

    async def click(
        self, user: UserInfo, message: StoredMessage, custom_id: str
    ) -> InteractionInfo:
        data = {"custom_id": custom_id, "component_type": 2}
        ids = [c.get("custom_id") for row in message.components for c in row.get("components", [])]
        assert custom_id in ids, f"no button {custom_id!r} on that message: {ids}"
        return await self._interact(3, user, message.channel_id, data, message)

    def modal_of(self, info: InteractionInfo) -> JSON:
        """The modal the bot answered an interaction with (callback type 9), as sent."""
        for body in info.callbacks:
            if int(body.get("type", 0)) == 9:
                return dict(body.get("data") or {})
        raise AssertionError(f"interaction {info.id} was not answered with a modal")

    async def submit_modal(
        self,
        user: UserInfo,
        modal: JSON,
        values: dict[str, str],
        channel_id: str | None = None,
    ) -> InteractionInfo:
        """`user` fills in and sends a modal the bot showed: a MODAL_SUBMIT interaction
        (type 5) whose `data` holds each text input's value in the modal's own layout
        (action rows or labels), as Discord sends it; an input not filled is ''."""

        def answered(component: JSON) -> JSON:
            kind = component.get("type")
            if kind == 1:
                return {"type": 1, "components": [answered(c) for c in component["components"]]}
            if kind == 18:
                return {"type": 18, "component": answered(component["component"])}
            name = component.get("custom_id", "")
            return {"type": component.get("type"), "custom_id": name, "value": values.get(name, "")}

        data = {
            "custom_id": modal["custom_id"],
            "components": [answered(c) for c in modal.get("components", [])],
        }
        return await self._interact(5, user, channel_id or self.world.general.id, data)

    async def _interact(
        self,
        kind: int,
        user: UserInfo,
        channel_id: str,
        data: JSON,
        message: StoredMessage | None = None,
    ) -> InteractionInfo:
        info, payload = self.interaction(kind, user, channel_id, data, message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return info

    def interaction(
        self,
        kind: int,
        user: UserInfo,
        channel_id: str,
        data: JSON,
        message: StoredMessage | None = None,
    ) -> tuple[InteractionInfo, JSON]:
        """An interaction Discord knows (its token answers), and its INTERACTION_CREATE
        payload, not yet sent: a test may change it first (`dispatch` sends it)."""
        w = self.world
        channel = w.channel(channel_id)
        info = w.new_interaction(kind, user, channel_id, message.id if message else None)
        payload = interaction_payload(
            interaction_id=info.id,
            token=info.token,
            app_id=w.app_id,
            kind=kind,
            data=data,
            user=user,
            channel=channel,
            guild_id=channel.guild_id,
            message=w.render(message) if message else None,
            permissions=w.permissions.get(user.id, (1 << 41) - 1),
        )
        return info, payload

    async def say(self, user: UserInfo, channel_id: str, content: str) -> StoredMessage:
        """Someone posts in a channel or thread (the bot gets MESSAGE_CREATE)."""
        message = self.world.post(channel_id, user, {"content": content})
        await self.flush()
        await self._poke()
        return message

    async def dm(self, user: UserInfo, content: str) -> StoredMessage:
        return await self.say(user, self.world.dm_channel(user.id).id, content)

    async def react(
        self,
        user: UserInfo,
        message: StoredMessage,
        emoji: str,
        *,
        added: bool = True,
        burst: bool = False,
    ) -> None:
        """`emoji` is a character, or the name of one of the server's custom emoji."""
        who = self.world.reactors(message.id, emoji, burst=burst)
        if added and user.id not in who:
            who.append(user.id)
        elif not added and user.id in who:
            who.remove(user.id)
        data = reaction_payload(
            user=user,
            channel=self.world.channel(message.channel_id),
            message_id=message.id,
            emoji=emoji,
            message_author_id=message.author.id,
            added=added,
            burst=burst,
            emoji_id=self.world.custom_emoji.get(emoji),
        )
        await self.dispatch("MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE", data)

    def bot_messages(self, channel_id: str | None = None) -> list[StoredMessage]:
        return [
            m
            for m in self.world.messages.values()
            if m.author is self.world.bot and (channel_id is None or m.channel_id == channel_id)
        ]
