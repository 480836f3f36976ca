"""What `bench.slack_event_path` drives its servers with: the Web API stand-in, signed
reactions, the client, the burst-and-steady phases for a server that saves do's, and the
SQL counts of a server run under `bench._sql_counting`.

The same client, load and phases serve alsbot and the same-work floor, so the two are
compared on exactly the same terms.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench._load import burst, steady
from bench._process import Cpu, ReadOnlyDb, Server
from testkit.eventually import reached
from testkit.slack import signing as sign
from testkit.slack.web_api import Message, SlackWebApi

SECRET = "bench0signing0secret0abcdef012345"
CHANNEL = "C0BENCH"
REACTOR = "UREACTOR"
DOS = "SELECT count(*) FROM dos"
PENDING = "SELECT count(*) FROM inbox WHERE status = 'pending'"
_run = itertools.count(1)


class IndexedWebApi(SlackWebApi):
    """The stand-in, finding a message by (channel, ts) in O(1).

    The stand-in scans a channel's messages on every `conversations.history`; with tens
    of thousands seeded that scan, in this process, would be what the benchmark measures.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index: dict[tuple[str, str], Message] = {}

    def seed_message(self, channel: str, text: str, **kwargs: Any) -> Message:
        message = super().seed_message(channel, text, **kwargs)
        self.index[(channel, message.ts)] = message
        return message

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any] | str:
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        ts = args.get("latest")
        if inclusive and ts and ts == args.get("oldest"):
            found = self.index.get((str(args.get("channel")), ts))
            if found is not None and found.thread_ts in (None, found.ts):
                return {"messages": [found.as_slack()], "has_more": False}
        return super()._m_conversations_history(args)


@dataclass(frozen=True, slots=True)
class Request:
    key: str
    body: bytes
    headers: dict[str, str]


def reactions(api: SlackWebApi, count: int) -> list[Request]:
    """`count` signed reactions, each on a fresh message with its own text (so no merges)."""
    run = next(_run)
    out = []
    for i in range(count):
        author = f"UAUTHOR{i % 97:02d}"
        text = f"Tip {run}-{i}: ask what they have already tried before offering advice"
        message = api.seed_message(CHANNEL, text, user=author)
        event = sign.reaction_event(
            "reaction_added",
            user=REACTOR,
            reaction="white_check_mark",
            channel=CHANNEL,
            ts=message.ts,
            item_user=author,
        )
        event_id = f"EvB{run:03d}{i:09d}"
        body = json.dumps(sign.event_envelope(event, event_id=event_id)).encode()
        out.append(Request(f"slack:event:{event_id}", body, sign.signed_headers(SECRET, body)))
    return out


class Client:
    """The same aiohttp client for every server; optionally checks durability."""

    def __init__(self, session: aiohttp.ClientSession, url: str, db: ReadOnlyDb | None) -> None:
        self.session = session
        self.url = url
        self.db = db
        self.checked = 0
        self.not_durable: list[str] = []
        self.acked: list[str] = []

    async def send(self, request: Request) -> bool:
        async with self.session.post(self.url, data=request.body, headers=request.headers) as r:
            await r.read()
            if r.status != 200:
                return False
        self.acked.append(request.key)
        if self.db is not None:  # acknowledged ⇒ in the inbox, at this very moment
            self.checked += 1
            if not self.db.has_key(request.key):
                self.not_durable.append(request.key)
        return True


def session(in_flight: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=in_flight + 8, force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


async def wait_count(db: ReadOnlyDb, sql: str, target: int, limit: float) -> float | None:
    """When `sql` first counted `target`, on perf_counter; None on timeout."""
    return await reached(lambda: db.scalar(sql) >= target, limit)


async def wait_replies(api: SlackWebApi, target: int, limit: float) -> float | None:
    return await reached(lambda: len(api.ephemerals) >= target, limit)


class SqlCounts:
    """The statement and commit counts of a server run under `bench._sql_counting`."""

    def __init__(self, server: Server, path: Path) -> None:
        self.server = server
        self.path = path
        self.start: dict[str, int] = {}

    async def read(self) -> dict[str, int]:
        self.path.unlink(missing_ok=True)
        os.kill(self.server.pid, signal.SIGUSR1)
        if await reached(self.path.exists, 10, 0.01) is None:
            raise RuntimeError(f"no SQL counts in {self.path}:\n{self.server.output()}")
        counts: dict[str, int] = json.loads(self.path.read_text(encoding="utf-8"))
        return counts

    async def mark(self) -> None:
        self.start = await self.read()

    async def per_event(self, events: int, prefix: str) -> dict[str, float]:
        now = await self.read()
        spent = {k: now[k] - self.start.get(k, 0) for k in now}
        return {
            f"{prefix}statements_per_event": round(spent["statements"] / events, 2),
            f"{prefix}commits_per_event": round(spent["commits"] / events, 3),
            f"{prefix}begins_per_event": round(spent["begins"] / events, 3),
            f"{prefix}rollbacks_per_event": round(spent["rollbacks"] / events, 3),
        }


async def durable_phases(
    server: Server,
    client: Client,
    api: SlackWebApi,
    db: ReadOnlyDb,
    args: argparse.Namespace,
    *,
    replies: bool,
    sql: SqlCounts | None = None,
) -> dict[str, Any]:
    """Warm-up, then burst (until every do is saved, and confirmed if `replies`), then
    steady: the figures alsbot and the same-work floor are compared on."""
    result: dict[str, Any] = {}
    base, sent = db.scalar(DOS), len(api.ephemerals)
    await burst(client.send, reactions(api, args.warmup), args.in_flight)
    if await wait_count(db, DOS, base + args.warmup, 60) is None:
        raise RuntimeError(f"warm-up do's were not saved:\n{server.output()}")
    if replies and await wait_replies(api, sent + args.warmup, 60) is None:
        raise RuntimeError(f"warm-up do's were not confirmed:\n{server.output()}")
    sent, base = len(api.ephemerals), db.scalar(DOS)
    load = reactions(api, args.events)
    if sql is not None:
        await sql.mark()
    cpu = Cpu(server)
    started = time.perf_counter()
    fast = await burst(client.send, load, args.in_flight)
    fast.started = started
    pending_after_acks = db.scalar(PENDING)
    saved_at = await wait_count(db, DOS, base + args.events, 120)
    result.update(cpu.per_event(args.events, "until_saved_"))
    if replies:
        replied_at = await wait_replies(api, sent + args.events, 120)
        result.update(cpu.per_event(args.events, "until_replied_"))
        if replied_at is not None:
            result["replies_delivered_per_s"] = round(args.events / (replied_at - started), 1)
    if sql is not None:
        result.update(await sql.per_event(args.events, "burst_"))
    result.update(fast.summary())
    result["pending_events_when_last_acked"] = pending_after_acks
    if saved_at is not None:
        result["durable_effects_per_s"] = round(args.events / (saved_at - started), 1)
        result["effects_seconds"] = round(saved_at - started, 3)
    sent, base = len(api.ephemerals), db.scalar(DOS)
    load = reactions(api, args.steady_events)
    if sql is not None:
        await sql.mark()
    cpu = Cpu(server)
    calm = await steady(client.send, load, args.rate)
    caught_up = await wait_count(db, DOS, base + args.steady_events, 60)
    result.update(cpu.per_event(args.steady_events, "steady_"))
    result.update(calm.summary("steady_"))
    if caught_up is not None:
        result["steady_effects_behind_s"] = round(caught_up - calm.finished, 3)
    if replies:
        await wait_replies(api, sent + args.steady_events, 60)
    if sql is not None:
        result.update(await sql.per_event(args.steady_events, "steady_"))
    result["checked_after_ack"] = client.checked
    result["acked_not_in_inbox"] = len(client.not_durable)
    return result
