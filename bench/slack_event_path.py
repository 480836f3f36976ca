"""The Slack event path: signed `reaction_added` requests into the real `alsbot run`.

This process plays Slack: it runs the Web API stand-in (seeded with the messages to be
reacted to, so the reaction preparer's `conversations.history` and the `chat.postEphemeral`
confirmations are real HTTP), and sends signed `event_callback` envelopes with aiohttp.
`alsbot run` is a subprocess in HTTP mode on a real SQLite file; each reaction, with the
default `do_threshold` of 1, saves a do and confirms it to the reactor.

Phases, each against the floor first — a Bolt `AsyncApp` with an empty listener behind
the same aiohttp adapter (`bench._slack_floor`), driven by the same client:

1. burst: N events for distinct messages at 32 in flight — acks/s and ack p50/p99; for
   alsbot also durable effects/s (until every do is in the `dos` table, which this
   process polls read-only);
2. steady: 200 events/s, open loop — ack p50/p99/max;
3. crash (alsbot only): a burst cut short by `kill -9`.

After every acknowledgement from alsbot the event's inbox row is looked up (read-only);
after the crash every acknowledged key is looked up again.  Targets (issue 7): durable
effects/s ≥ 0.6 × the floor's acks/s; ack p99 ≤ 10 ms at 200/s; no acknowledged event
missing from the inbox.

    python -m bench.slack_event_path [--quick] [--server-prefix "-m pyinstrument -o p.html"]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shlex
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench._load import burst, steady
from bench._process import Cpu, ReadOnlyDb, Server, clean_env
from bench.common import emit
from testkit.eventually import reached
from testkit.slack import signing as sign
from testkit.slack.web_api import Message, SlackWebApi
from testkit.worlds.live import free_port

SECRET = "bench0signing0secret0abcdef012345"
CHANNEL = "C0BENCH"
REACTOR = "UREACTOR"
FACILITATOR = "UFACIL"
DEADLINE = 600.0  # seconds: the whole benchmark gives up after this
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


def reactions(api: IndexedWebApi, count: int) -> list[Request]:
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
    """The same aiohttp client for the floor and alsbot; optionally checks durability."""

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


async def wait_count(db: ReadOnlyDb, sql: str, target: int, limit: float) -> float | None:
    """When `sql` first counted `target`, on perf_counter; None on timeout."""
    return await reached(lambda: db.scalar(sql) >= target, limit)


async def measure_floor(work: Path, api: IndexedWebApi, args: argparse.Namespace) -> dict:
    port = free_port()
    server = Server(
        ["-m", "bench._slack_floor", str(port), SECRET],
        env=clean_env(),
        log_path=work / "floor.log",
    )
    await server.start(Path.cwd())
    try:
        await server.wait_http(f"http://127.0.0.1:{port}/healthz")
        url = f"http://127.0.0.1:{port}/slack/events"
        async with _session(args.in_flight) as session:
            client = Client(session, url, None)
            await burst(client.send, reactions(api, args.warmup), args.in_flight)
            load = reactions(api, args.events)
            cpu = Cpu(server)
            fast = await burst(client.send, load, args.in_flight)
            used = cpu.per_event(args.events)
            load = reactions(api, args.steady_events)
            cpu = Cpu(server)
            calm = await steady(client.send, load, args.rate)
            used.update(cpu.per_event(args.steady_events, "steady_"))
    finally:
        await server.stop()
    return {**fast.summary(), **used, **calm.summary("steady_")}


async def measure_alsbot(work: Path, api: IndexedWebApi, args: argparse.Namespace) -> dict:
    port = free_port()
    db_path = work / "alsbot.db"
    config = work / "alsbot.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{db_path}"\n\n'
        f'[slack]\nenabled = true\nmode = "http"\napi_base_url = "{api.url}"\n'
        f'host = "127.0.0.1"\nport = {port}\n\n[logging]\nlevel = "WARNING"\n',
        encoding="utf-8",
    )
    env = clean_env(SLACK_BOT_TOKEN=api.token, SLACK_SIGNING_SECRET=SECRET)
    prefix = shlex.split(args.server_prefix) if args.server_prefix else []
    server = Server(
        [*prefix, "-m", "adapters.cli", "run", "--config", str(config)],
        env=env,
        log_path=work / "alsbot.log",
    )
    await server.start(Path.cwd())
    result: dict[str, Any] = {}
    try:
        await server.wait_http(f"http://127.0.0.1:{port}/healthz")
        url = f"http://127.0.0.1:{port}/slack/events"
        db = ReadOnlyDb(db_path)
        dos = "SELECT count(*) FROM dos"
        async with _session(args.in_flight) as session:
            client = Client(session, url, db)
            await _join(session, url)
            await burst(client.send, reactions(api, args.warmup), args.in_flight)
            if await wait_count(db, dos, args.warmup, 60) is None:
                raise RuntimeError(f"warm-up do's were not saved:\n{server.output()}")
            sent = len(api.ephemerals)
            base = db.scalar(dos)
            load = reactions(api, args.events)
            cpu = Cpu(server)
            started = time.perf_counter()
            fast = await burst(client.send, load, args.in_flight)
            fast.started = started
            pending_after_acks = db.scalar("SELECT count(*) FROM inbox WHERE status = 'pending'")
            saved_at = await wait_count(db, dos, base + args.events, 120)
            result.update(cpu.per_event(args.events, "until_saved_"))
            replied_at = await _wait_replies(api, sent + args.events, 120)
            result.update(cpu.per_event(args.events, "until_replied_"))
            result.update(fast.summary())
            result["pending_events_when_last_acked"] = pending_after_acks
            if saved_at is not None:
                result["durable_effects_per_s"] = round(args.events / (saved_at - started), 1)
                result["effects_seconds"] = round(saved_at - started, 3)
            if replied_at is not None:
                result["replies_delivered_per_s"] = round(args.events / (replied_at - started), 1)
            base = db.scalar(dos)
            load = reactions(api, args.steady_events)
            cpu = Cpu(server)
            calm = await steady(client.send, load, args.rate)
            caught_up = await wait_count(db, dos, base + args.steady_events, 60)
            result.update(cpu.per_event(args.steady_events, "steady_"))
            result.update(calm.summary("steady_"))
            if caught_up is not None:
                result["steady_effects_behind_s"] = round(caught_up - calm.finished, 3)
            result["checked_after_ack"] = client.checked
            result["acked_not_in_inbox"] = len(client.not_durable)
            if not args.server_prefix:
                health = f"http://127.0.0.1:{port}/healthz"
                result.update(await _crash(server, client, api, db_path, health, args))
        db.close()
    finally:
        await server.stop()
    result["server_log_tail"] = server.output(400).strip().splitlines()[-3:]
    return result


async def _crash(
    server: Server,
    client: Client,
    api: IndexedWebApi,
    db_path: Path,
    health_url: str,
    args: argparse.Namespace,
) -> dict:
    """kill -9 mid-burst; then every key acknowledged in this phase must be in the inbox,
    and a restarted `alsbot run` must turn every recorded event into its do."""
    client.db, client.acked = None, []
    load = reactions(api, args.events)
    flood = asyncio.create_task(burst(client.send, load, args.in_flight))
    await asyncio.sleep(args.kill_after)
    await server.kill9()
    await flood
    db = ReadOnlyDb(db_path)
    try:
        missing = db.missing(client.acked)
        result = {"kill9_acked": len(client.acked), "kill9_acked_not_in_inbox": len(missing)}
        # Restart on the same database: every recorded event must become its do.
        again = Server(server.args[1:], env=server.env, log_path=server.log_path)
        await again.start(Path.cwd())
        try:
            await again.wait_http(health_url)
            pending = "SELECT count(*) FROM inbox WHERE status = 'pending'"
            started = time.perf_counter()
            await reached(lambda: not db.scalar(pending), 120, 0.02)
            reactions_in_inbox = db.scalar("SELECT count(*) FROM inbox WHERE key LIKE '%:EvB%'")
            result.update(
                kill9_restart_pending_left=db.scalar(pending),
                kill9_restart_seconds_to_drain=round(time.perf_counter() - started, 3),
                kill9_failed_events=db.scalar("SELECT count(*) FROM inbox WHERE status='failed'"),
                kill9_all_recorded_saved=db.scalar("SELECT count(*) FROM dos")
                == reactions_in_inbox,
            )
        finally:
            await again.stop()
    finally:
        db.close()
    return result


async def _join(session: aiohttp.ClientSession, url: str) -> None:
    """`/als join` in the channel: the set exists, so reactions there can save do's."""
    fields = sign.slash_command_fields(text="join", user_id=FACILITATOR, channel_id=CHANNEL)
    body = sign.form_body(fields)
    async with session.post(url, data=body, headers=sign.form_headers(SECRET, body)) as r:
        if r.status != 200:
            raise RuntimeError(f"/als join was answered {r.status}")


async def _wait_replies(api: SlackWebApi, target: int, limit: float) -> float | None:
    return await reached(lambda: len(api.ephemerals) >= target, limit)


def _session(in_flight: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=in_flight + 8, force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


async def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="alsbot-bench-") as scratch:
        work = Path(args.work_dir or scratch)
        async with IndexedWebApi() as api:
            floor = await measure_floor(work, api, args)
            alsbot = await measure_alsbot(work, api, args)
    durable = alsbot.get("durable_effects_per_s", 0.0)
    result = {
        "benchmark": "slack_event_path",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "events": args.events,
        "in_flight": args.in_flight,
        "steady_rate_per_s": args.rate,
        "floor": floor,
        "alsbot": alsbot,
        "ratio_durable_effects_to_floor_acks": round(durable / floor["acks_per_s"], 3),
        "ratio_acks_to_floor_acks": round(alsbot["acks_per_s"] / floor["acks_per_s"], 3),
        "targets": {
            "durable_ratio_min": 0.6,
            "steady_ack_ms_p99_max": 10.0,
            "acked_not_durable_max": 0,
        },
    }
    result["targets_met"] = {
        "durable_ratio": result["ratio_durable_effects_to_floor_acks"] >= 0.6,
        "steady_ack_p99": alsbot["steady_ack_ms_p99"] <= 10.0,
        "acked_not_durable": alsbot["acked_not_in_inbox"] == 0
        and alsbot.get("kill9_acked_not_in_inbox", 0) == 0
        and alsbot.get("kill9_all_recorded_saved", True),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 events: about 20 seconds")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--steady-seconds", type=float, default=20.0)
    parser.add_argument("--kill-after", type=float, default=1.0)
    parser.add_argument("--server-prefix", default="", help="interpreter args, e.g. a profiler")
    parser.add_argument("--work-dir", default="", help="keep the logs and database here")
    args = parser.parse_args()
    if args.quick:
        args.events, args.steady_seconds, args.kill_after = 1000, 4.0, 0.3
    args.warmup = 300
    args.steady_events = int(args.rate * args.steady_seconds)
    if args.work_dir:
        Path(args.work_dir).mkdir(parents=True, exist_ok=True)

    async def bounded() -> dict:
        async with asyncio.timeout(DEADLINE):
            return await run(args)

    emit(asyncio.run(bounded()))


if __name__ == "__main__":
    main()
