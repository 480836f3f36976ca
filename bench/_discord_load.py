"""Playing Discord for the event-path benchmark: seeded messages, raw reaction dispatches
pushed down the gateway, heartbeats watched, the bot's inbox observed.

`BenchDiscord` is the tests' Discord stand-in (`testkit.discord.gateway`) with three
additions a benchmark needs: messages seeded straight into its world (tens of thousands,
without a MESSAGE_CREATE each, which the bot would have to read), a push that numbers and
sends dispatches in order through the stand-in's own `_emit`/`flush` (so a RESUME would
replay them exactly like a test's), and a record of every heartbeat — the sequence number
the bot reports, which is where the gateway would resume it.

`InboxWatch` reads the bot's SQLite file read-only, never taking the writer, and notes when
each reaction's inbox row first became visible: the moment it was durable, give or take
the poll interval.  At each heartbeat it checks that every reaction dispatch the heartbeat
covers (sequence ≤ the reported one) is already durable.
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._process import ReadOnlyDb
from bench.common import percentile
from testkit.discord.gateway import HEARTBEAT, DiscordStandIn, GatewaySession
from testkit.discord.payloads import JSON, UserInfo, reaction_payload
from testkit.discord.world import StoredMessage
from testkit.eventually import reached

DO_EMOJI = "✅"
HEARTBEAT_MS = 1000  # every second here; Discord's is ~41 s


def latency(values: list[float], prefix: str) -> dict[str, float]:
    return {
        f"{prefix}ms_p50": round(percentile(values, 50), 3),
        f"{prefix}ms_p99": round(percentile(values, 99), 3),
        f"{prefix}ms_max": round(max(values, default=0.0), 3),
    }


async def until(predicate: Any, limit: float, step: float = 0.005) -> float | None:
    """When `predicate()` first held, on the monotonic clock the phases start on."""
    return await reached(predicate, limit, step, clock=time.monotonic)


def rate(name: str, count: int, started: float, at: float | None) -> dict[str, float]:
    """`<name>_seconds` and `<name>_per_s` for `count` done from `started` to `at`."""
    if at is None:
        return {f"{name}_timed_out": True}  # type: ignore[dict-item]
    return {
        f"{name}_seconds": round(at - started, 3),
        f"{name}_per_s": round(count / (at - started), 1),
    }


@dataclass(frozen=True, slots=True)
class Beat:
    at: float  # time.monotonic() when the stand-in read it
    session: str
    seq: int


@dataclass(frozen=True, slots=True)
class Sent:
    """One reaction dispatch: its gateway sequence number and when it was due/sent."""

    session: str
    seq: int
    message_id: str
    due: float
    sent: float


class BenchDiscord(DiscordStandIn):
    """The stand-in, with bulk seeding, an in-order push, and heartbeats reported."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_beat: Any = None  # called with each Beat, synchronously
        self.on_sent: Any = None  # called with each Sent, synchronously
        self.reactor = self.world.add_user("reactor")
        self.facilitator = self.world.add_user("facilitator")
        self.authors = [self.world.add_user(f"author{i:02d}") for i in range(97)]
        self._run = 0

    async def _on_frame(
        self, ws: Any, message: JSON, session: GatewaySession | None
    ) -> GatewaySession | None:
        if message.get("op") == HEARTBEAT and session is not None:
            beat = Beat(time.monotonic(), session.id, int(message.get("d") or 0))
            if self.on_beat is not None:
                self.on_beat(beat)
        return await super()._on_frame(ws, message, session)

    def seed(self, count: int) -> list[StoredMessage]:
        """`count` messages in #general, each with its own text (so no two merge as one do).

        Stored directly in the world: the bot learns of them only when it fetches one.
        """
        self._run += 1
        w = self.world
        out = []
        for i in range(count):
            author = self.authors[i % len(self.authors)]
            text = f"Tip {self._run}-{i}: ask what they have already tried before advising"
            message = StoredMessage(
                id=_next_id(), channel_id=w.general.id, author=author, content=text
            )
            w.messages[message.id] = message
            out.append(message)
        return out

    def reaction(
        self, message: StoredMessage, emoji: str = DO_EMOJI, user: UserInfo | None = None
    ) -> JSON:
        return reaction_payload(
            user=user or self.reactor,
            channel=self.world.channel(message.channel_id),
            message_id=message.id,
            emoji=emoji,
            message_author_id=message.author.id,
            added=True,
        )

    def live(self) -> GatewaySession:
        sessions = self.live_sessions()
        if len(sessions) != 1:
            raise RuntimeError(f"expected one live gateway session, found {len(sessions)}")
        return sessions[0]

    async def push(self, message: StoredMessage, due: float, emoji: str = DO_EMOJI) -> Sent:
        """One MESSAGE_REACTION_ADD, numbered and written to the live socket, in order."""
        session = self.live()
        self._emit("MESSAGE_REACTION_ADD", self.reaction(message, emoji), only=session)
        seq = session.seq
        await self.flush()
        sent = Sent(session.id, seq, message.id, due, time.monotonic())
        if self.on_sent is not None:
            self.on_sent(sent)
        return sent

    async def push_all(self, messages: list[StoredMessage]) -> list[Sent]:
        """As fast as the socket takes them (TCP back-pressure is the only pacing: the
        gateway does not wait for a client).  Stops at the first write that fails."""
        out: list[Sent] = []
        for message in messages:
            try:
                out.append(await self.push(message, time.monotonic()))
            except (ConnectionError, RuntimeError):
                break
        return out

    async def steady(
        self, messages: list[StoredMessage], rate: float, emoji: str = DO_EMOJI
    ) -> list[Sent]:
        """Dispatch *i* at `i / rate` seconds (open loop); latency counts from when it was due."""
        quiesce()
        gc.disable()  # a phase lasts seconds; the sender must not stop to collect
        try:
            out: list[Sent] = []
            start = time.monotonic()
            for i, message in enumerate(messages):
                due = start + i / rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                out.append(await self.push(message, due, emoji))
            return out
        finally:
            gc.enable()


def quiesce() -> None:
    """Collect, then freeze what this process holds (the seeded world, the gateway log,
    the REST record: tens of thousands of objects) out of the collector's sight.

    Without it a full collection in this process — measured at 130–440 ms late in a run —
    stops the sender mid-phase, and the open-loop latencies charge that to the bot.  The
    steady phases also switch the collector off while they send.
    """
    gc.collect()
    gc.freeze()


_ids = iter(range(1_400_000_000_000_000_001, 1_500_000_000_000_000_000))


def _next_id() -> str:
    return str(next(_ids))


_WALL_TO_MONOTONIC = time.time() - time.monotonic()


def _monotonic(stamp: str) -> float:
    """An inbox `received_at` (naive UTC text, the bot's wall clock) on time.monotonic()."""
    wall = datetime.fromisoformat(stamp).replace(tzinfo=UTC).timestamp()
    return wall - _WALL_TO_MONOTONIC


def occurrence(key: str) -> tuple[str, int] | None:
    """(gateway session, sequence) from a reaction's inbox key (`…:add:<session>:<seq>`)."""
    parts = key.split(":")
    if len(parts) < 8 or parts[1] != "reaction":
        return None
    return parts[-2], int(parts[-1])


@dataclass
class InboxWatch:
    """Polls the bot's inbox (read-only) and remembers when each reaction became durable."""

    path: Path
    interval: float = 0.001
    durable: dict[tuple[str, int], float] = field(default_factory=dict)
    # when the bot's inbox writer took the row (its `received_at`, on this clock)
    received: dict[tuple[str, int], float] = field(default_factory=dict)
    last_id: int = 0
    beats_checked: int = 0
    beats_ahead: int = 0  # heartbeats that reported a sequence not yet durable
    most_ahead: int = 0  # the most reaction dispatches one heartbeat was ahead by
    acked_not_durable: set[tuple[str, int]] = field(default_factory=set)
    sent: list[tuple[str, int]] = field(default_factory=list)  # reaction dispatches, in order
    _db: ReadOnlyDb | None = None
    _task: asyncio.Task[None] | None = None
    _settled: int = 0  # self.sent[:_settled] are all durable

    def open(self) -> None:
        self._db = ReadOnlyDb(self.path)

    def poll(self) -> None:
        assert self._db is not None
        now = time.monotonic()
        rows = self._db.conn.execute(
            "SELECT id, key, received_at FROM inbox WHERE id > ? ORDER BY id", (self.last_id,)
        ).fetchall()
        for row_id, key, received_at in rows:
            self.last_id = row_id
            found = occurrence(key)
            if found is not None:
                self.durable.setdefault(found, now)
                self.received[found] = _monotonic(received_at)

    async def _loop(self) -> None:
        while True:
            self.poll()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self._db is None:
            self.open()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def scalar(self, sql: str, *args: object) -> int:
        assert self._db is not None
        return self._db.scalar(sql, *args)

    def note_sent(self, sent: Sent) -> None:
        self.sent.append((sent.session, sent.seq))

    def check_beat(self, beat: Beat) -> None:
        """Every reaction the heartbeat covers must already be in the inbox."""
        if self._db is None:  # a heartbeat after the watch closed: nothing left to check
            return
        self.poll()
        self.beats_checked += 1
        # Skip the prefix known durable, so a check costs the backlog, not the whole run
        # (this runs on the loop that sends the dispatches whose latency is measured).
        while self._settled < len(self.sent) and self.sent[self._settled] in self.durable:
            self._settled += 1
        behind = [
            k
            for k in self.sent[self._settled :]
            if k[0] == beat.session and k[1] <= beat.seq and k not in self.durable
        ]
        if behind:
            self.beats_ahead += 1
            self.most_ahead = max(self.most_ahead, len(behind))
            self.acked_not_durable.update(behind)

    def latencies_ms(self, sent: list[Sent]) -> list[float]:
        return [
            (self.durable[(s.session, s.seq)] - s.due) * 1000
            for s in sent
            if (s.session, s.seq) in self.durable
        ]

    def received_ms(self, sent: list[Sent]) -> list[float]:
        """Due → the bot's inbox writer stamping the row, just before its commit: the
        part of the latency spent reaching the writer (gateway, loop, adapter)."""
        return [
            (self.received[(s.session, s.seq)] - s.due) * 1000
            for s in sent
            if (s.session, s.seq) in self.received
        ]

    def all_durable(self, sent: list[Sent]) -> bool:
        return all((s.session, s.seq) in self.durable for s in sent)
