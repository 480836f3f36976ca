"""A local stand-in for Slack's Socket Mode server: a websocket that pushes envelopes.

Slack's side of Socket Mode is simple and strict: on connect it sends `{"type": "hello"}`,
then one JSON envelope per event/command/interaction, and it expects each to be
acknowledged with `{"envelope_id": …}` (plus an optional `payload`) within 3 seconds, or it
retries.  This server does the same and records every acknowledgement with its arrival
time, so a test can prove that every envelope was acknowledged, once, and when.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed


@dataclass
class Ack:
    envelope_id: str
    at: float
    payload: dict[str, Any] | None
    raw: dict[str, Any]


class SocketModeServer:
    """`async with SocketModeServer() as sm:` — point the Web API stand-in at `sm.url`."""

    def __init__(self, app_id: str = "A0ALSBOT") -> None:
        self.app_id = app_id
        self.acks: dict[str, list[Ack]] = {}
        self.sent_at: dict[str, float] = {}
        self.other_messages: list[Any] = []
        self.connections: list[ServerConnection] = []
        self.connected_count = 0
        self._ids = itertools.count(1)
        self._server: Server | None = None
        self._changed = asyncio.Condition()
        self.port = 0
        self.wait_limit = 10.0  # seconds any wait_* may take before the test fails

    async def start(self) -> SocketModeServer:
        self._server = await serve(self._handle, "127.0.0.1", 0, ping_interval=None)
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    async def __aenter__(self) -> SocketModeServer:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=test-ticket&app_id={self.app_id}"

    # ------------------------------------------------------------------ server side

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        self.connected_count += 1
        await self._notify()
        hello = {
            "type": "hello",
            "num_connections": len(self.connections),
            "debug_info": {"host": "applink-standin", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        try:
            await ws.send(json.dumps(hello))
            async for raw in ws:
                await self._received(raw)
        except ConnectionClosed:
            pass
        finally:
            self.connections.remove(ws)
            await self._notify()

    async def _received(self, raw: str | bytes) -> None:
        now = asyncio.get_running_loop().time()
        try:
            message = json.loads(raw)
        except ValueError:
            self.other_messages.append(raw)
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not envelope_id:
            self.other_messages.append(message)
            return
        ack = Ack(envelope_id, now, message.get("payload"), message)
        self.acks.setdefault(envelope_id, []).append(ack)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ test side

    async def wait_connected(self, count: int = 1, *, ever: int = 0) -> None:
        """Until `count` clients are connected now (and `ever` connections were made)."""

        def ready() -> bool:
            return len(self.connections) >= count and self.connected_count >= ever

        async with asyncio.timeout(self.wait_limit), self._changed:
            await self._changed.wait_for(ready)

    async def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
    ) -> str:
        """Push one envelope (`events_api`, `slash_commands` or `interactive`)."""
        if not self.connections:
            raise RuntimeError("no Socket Mode client is connected")
        envelope_id = envelope_id or f"env-{next(self._ids):06d}"
        if accepts_response_payload is None:
            accepts_response_payload = kind != "events_api"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        self.sent_at[envelope_id] = asyncio.get_running_loop().time()
        await self.connections[-1].send(json.dumps(envelope))
        return envelope_id

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        for ws in list(self.connections):
            await ws.send(json.dumps({"type": "disconnect", "reason": reason}))

    async def wait_ack(self, envelope_id: str) -> Ack:
        async with asyncio.timeout(self.wait_limit), self._changed:
            await self._changed.wait_for(lambda: envelope_id in self.acks)
        return self.acks[envelope_id][0]

    def ack_delay(self, envelope_id: str) -> float:
        return self.acks[envelope_id][0].at - self.sent_at[envelope_id]

    def unacked(self) -> list[str]:
        return [e for e in self.sent_at if e not in self.acks]
