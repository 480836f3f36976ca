"""The Teams event path: signed Bot Framework activities into the real `alsbot run`.

This process plays the Bot Framework and Teams: it runs the Bot Connector stand-in
(`testkit.teams.connector`: the published signing keys, the HTTPS Entra login the bot gets
its own tokens from, and the `/v3/conversations` endpoints its replies go to) and posts
signed activities to `POST /api/messages` with aiohttp. `alsbot run` is a subprocess with
`[teams] enabled` pointed at the stand-in (`REQUESTS_CA_BUNDLE` trusts the login's test CA)
and a real SQLite file.

Set-up (not timed): a set in a channel (everyone `join`s), `auto_advance off`, a round
started with Paul presenting and moved on to his Actions phase. The measured mix
(`bench._teams_bench`): Paul's words in the round's reply chain, each held as a draft and
answered with a private [Record as action] card in his 1:1 chat, and one in five a
supporter's 👍 on a bot post. Every activity crosses the whole path: the SDK's JWT
validation, the listener's conversation references, the inbox commit before the answer,
processing, and (four in five) a reply through the outbox and the outlet to the stand-in.

Phases, all driven by the same client:

- floor: the SDK's `HttpServer` behind the same aiohttp adapter, with a listener that only
  answers 200 (`bench._teams_floor`) — what JWT validation and the framework alone cost;
- alsbot burst: N activities at 32 in flight — acks/s, ack p50/p99, durable/s (until every
  inbox row of the burst is processed, polled read-only), replies delivered/s (until the
  stand-in recorded every reply; four activities in five draw one, so replies ÷ durable is
  0.8 when the replies keep up);
- alsbot steady: 100 activities/s, open loop — ack p50/p99/max, server CPU per activity.

After every acknowledgement from alsbot the activity's inbox row is looked up, and after
the burst every acknowledged key again. alsbot runs under `bench._sql_counting` (unless
`--no-sql-counts`), so its SQL statements and commits per activity are reported.

    python -m bench.teams_event_path [--quick] [--server-prefix "-m cProfile -o x.prof"]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._load import burst, steady
from bench._process import Cpu, ReadOnlyDb, Server, alsbot_run, clean_env
from bench._slack_bench import Client, SqlCounts, session
from bench._teams_bench import PENDING, CountingConnector, World, set_up_round
from bench.common import emit
from testkit.eventually import reached
from testkit.worlds.live import free_port

DEADLINE = 900.0  # seconds: the whole benchmark gives up after this
PROCESSED_SINCE = "SELECT count(*) FROM inbox WHERE id > ? AND status != 'pending'"
FAILED_SINCE = "SELECT count(*) FROM inbox WHERE id > ? AND status = 'failed'"
LAST_ROW = "SELECT max(id) FROM inbox"


async def measure_floor(work: Path, bf: CountingConnector, args: argparse.Namespace) -> dict:
    port = free_port()
    server = Server(
        ["-m", "bench._teams_floor", str(port), bf.client_id]
        + [bf.openid_metadata_url, bf.token_issuer],
        env=clean_env(),
        log_path=work / "floor.log",
    )
    await server.start(Path.cwd())
    world = World.of(bf)
    world.thread = "1767225600000"
    world.bot_posts = ["1767225600000"]
    try:
        await server.wait_http(f"http://127.0.0.1:{port}/healthz")
        async with session(args.in_flight) as http:
            client = Client(http, f"http://127.0.0.1:{port}/api/messages", None)
            await burst(client.send, world.mix(args.warmup)[0], args.in_flight)
            load = world.mix(args.events)[0]
            cpu = Cpu(server)
            fast = await burst(client.send, load, args.in_flight)
            used = cpu.per_event(args.events)
            load = world.mix(args.steady_events)[0]
            cpu = Cpu(server)
            calm = await steady(client.send, load, args.rate)
            used.update(cpu.per_event(args.steady_events, "steady_"))
    finally:
        await server.stop()
    return {**fast.summary(), **used, **calm.summary("steady_")}


async def measure_alsbot(work: Path, bf: CountingConnector, args: argparse.Namespace) -> dict:
    port, health = free_port(), free_port()
    db_path = work / "alsbot.db"
    for leftover in (db_path, *(Path(f"{db_path}-{end}") for end in ("wal", "shm"))):
        leftover.unlink(missing_ok=True)  # a kept --work-dir
    config = work / "alsbot.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{db_path}"\n\n'
        f'[teams]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\n'
        f'login_endpoint = "{bf.login_endpoint}"\nlogin_tenant = "{bf.login_tenant}"\n'
        f'openid_metadata_url = "{bf.openid_metadata_url}"\n'
        f'token_issuer = "{bf.token_issuer}"\nbot_scope = "{bf.bot_scope}"\n\n'
        f'[health]\nport = {health}\n\n[logging]\nlevel = "WARNING"\n',
        encoding="utf-8",
    )
    counts_path = work / "sql_counts.json"
    env = clean_env(
        TEAMS_CLIENT_ID=bf.client_id,
        TEAMS_CLIENT_SECRET=bf.client_secret,
        TEAMS_TENANT_ID=bf.tenant_id,
        REQUESTS_CA_BUNDLE=bf.ca_path,
        BENCH_SQL_COUNTS_PATH=str(counts_path),
    )
    server = alsbot_run(
        config,
        env=env,
        log_path=work / "alsbot.log",
        server_prefix=args.server_prefix,
        count_sql=not args.no_sql_counts,
    )
    await server.start(Path.cwd())
    try:
        await server.wait_http(f"http://127.0.0.1:{health}/healthz")
        url = f"http://127.0.0.1:{port}/api/messages"
        db = ReadOnlyDb(db_path)
        world = World.of(bf)
        result = await set_up_round(world, url, db)
        sql = None if args.no_sql_counts else SqlCounts(server, counts_path)
        async with session(args.in_flight) as http:
            client = Client(http, url, db)
            result.update(await _phases(server, client, world, db, args, sql))
            missing = db.missing(client.acked)
        result["acked_missing_from_inbox_at_end"] = len(missing)
        result["inbox_failed"] = db.scalar("SELECT count(*) FROM inbox WHERE status = 'failed'")
        result["drafts_held"] = db.scalar("SELECT count(*) FROM drafts")
        db.close()
    finally:
        await server.stop()
    result["server_log_tail"] = server.output(400).strip().splitlines()[-3:]
    return result


async def _phases(
    server: Server,
    client: Client,
    world: World,
    db: ReadOnlyDb,
    args: argparse.Namespace,
    sql: SqlCounts | None,
) -> dict[str, Any]:
    """Warm-up, burst (until every row is processed and every reply delivered), steady."""
    bf = world.bf
    result: dict[str, Any] = {}
    load, replies = world.mix(args.warmup)
    sent = bf.delivered
    await burst(client.send, load, args.in_flight)
    if await reached(lambda: bf.delivered >= sent + replies, 60) is None:
        raise RuntimeError(f"warm-up replies were not delivered:\n{server.output()}")
    await reached(lambda: db.scalar(PENDING) == 0, 60)

    base, sent = db.scalar(LAST_ROW), bf.delivered
    load, replies = world.mix(args.events)
    if sql is not None:
        await sql.mark()
    cpu = Cpu(server)
    started = time.perf_counter()
    fast = await burst(client.send, load, args.in_flight)
    fast.started = started
    result["pending_when_last_acked"] = db.scalar(PENDING)
    durable_at = await reached(lambda: db.scalar(PROCESSED_SINCE, base) >= args.events, 120)
    result.update(cpu.per_event(args.events, "until_processed_"))
    replied_at = await reached(lambda: bf.delivered >= sent + replies, 120)
    result.update(cpu.per_event(args.events, "until_replied_"))
    if sql is not None:
        result.update(await sql.per_event(args.events, "burst_"))
    result.update(fast.summary())
    result["replies_expected"] = replies
    result["replies_delivered"] = bf.delivered - sent
    result["burst_failed_in_inbox"] = db.scalar(FAILED_SINCE, base)
    if durable_at is not None:
        result["durable_per_s"] = round(args.events / (durable_at - started), 1)
    if replied_at is not None:
        result["replies_delivered_per_s"] = round(replies / (replied_at - started), 1)
    result["acked_not_in_inbox_after_burst"] = len(db.missing(client.acked))

    base, sent = db.scalar(LAST_ROW), bf.delivered
    load, replies = world.mix(args.steady_events)
    if sql is not None:
        await sql.mark()
    cpu = Cpu(server)
    calm = await steady(client.send, load, args.rate)
    caught_up = await reached(lambda: db.scalar(PROCESSED_SINCE, base) >= len(load), 60)
    result.update(cpu.per_event(args.steady_events, "steady_"))
    result.update(calm.summary("steady_"))
    if caught_up is not None:
        result["steady_processing_behind_s"] = round(max(caught_up - calm.finished, 0.0), 3)
    replied = await reached(lambda: bf.delivered >= sent + replies, 60)
    if replied is not None:
        result["steady_replies_behind_s"] = round(max(replied - calm.finished, 0.0), 3)
    if sql is not None:
        result.update(await sql.per_event(args.steady_events, "steady_"))
    result["checked_after_ack"] = client.checked
    result["acked_not_in_inbox"] = len(client.not_durable)
    return result


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


async def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="alsbot-bench-") as scratch:
        work = Path(args.work_dir or scratch)
        async with CountingConnector() as bf:
            floor = await measure_floor(work, bf, args)
            alsbot = await measure_alsbot(work, bf, args)
    return {
        "benchmark": "teams_event_path",
        "commit": _commit(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "events": args.events,
        "in_flight": args.in_flight,
        "steady_rate_per_s": args.rate,
        "floor": floor,
        "alsbot": alsbot,
        "ratio_acks_to_floor_acks": _ratio(alsbot.get("acks_per_s"), floor.get("acks_per_s")),
        "ratio_durable_to_floor_acks": _ratio(alsbot.get("durable_per_s"), floor["acks_per_s"]),
        "ratio_replies_to_durable": _ratio(
            alsbot.get("replies_delivered_per_s"), alsbot.get("durable_per_s")
        ),
        "ratio_steady_p99_to_floor": _ratio(
            alsbot.get("steady_ack_ms_p99"), floor.get("steady_ack_ms_p99")
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 activities: under a minute")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--steady-seconds", type=float, default=20.0)
    parser.add_argument("--server-prefix", default="", help="interpreter args, e.g. a profiler")
    parser.add_argument(
        "--no-sql-counts", action="store_true", help="run alsbot without bench._sql_counting"
    )
    parser.add_argument("--work-dir", default="", help="keep the logs and database here")
    args = parser.parse_args()
    if args.quick:
        args.events, args.steady_seconds = 1000, 4.0
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
