"""Issue 14's fault run: real `alsbot run`, a faulty Slack, and hostile clients at once.

This process plays Slack and the people attacking the bot's public URL:

1. history faults: 50 reactions on 50 messages in a set's channel while ~18 % of
   `conversations.history` calls fail (429 + Retry-After, HTML 503s, `ok:false`
   `ratelimited`/`internal_error`; seeded) — every do must still be saved (lost = 0);
2. garbage: 200 unsigned or malformed requests of every shape the probe sent (non-object
   JSON, `payload=x`, empty or non-numeric timestamps, no headers) — each a 4xx, never a 5xx;
3. idle sockets: 2,000 connections that send nothing (and a few that send half a header),
   then one signed event — its acknowledgement time and `/healthz` while they are open, and
   how many the server closed by itself within a minute;
4. the log: lines and bytes `alsbot run` wrote over the whole run (at its default level).

Targets (issue 14's "Done when"): lost 0, garbage 5xx 0, `/healthz` 200 under the idle
flood, the event acknowledged within 3 s (Slack's limit), idle sockets closed, log < 100
lines.

    python -m bench.hostile_run [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench._process import ReadOnlyDb, Server, clean_env
from bench.common import emit
from bench.slack_event_path import SECRET, IndexedWebApi, _join, reactions
from testkit.eventually import reached
from testkit.slack.web_api import Fault
from testkit.worlds.live import free_port

HISTORY = frozenset({"conversations.history"})


def faulty_api() -> IndexedWebApi:
    """~18 % of history calls fail: three kinds at ~6.5 % each (seeded by the stand-in)."""
    api = IndexedWebApi()
    api.faults.extend(
        [
            Fault("ratelimited", None, 0.065, HISTORY, retry_after=1),
            Fault("status", None, 0.065, HISTORY, status=503),
            Fault("error", None, 0.035, HISTORY, error="ratelimited"),
            Fault("error", None, 0.035, HISTORY, error="internal_error"),
        ]
    )
    return api


def garbage(count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Unsigned or malformed requests, cycling through the shapes the probe sent."""
    now = str(int(time.time()))
    shapes: list[tuple[bytes, dict[str, str]]] = [
        (b'"hello"', {"Content-Type": "application/json"}),
        (b"[]", {"Content-Type": "application/json"}),
        (b"1", {"Content-Type": "application/json"}),
        (b"null", {"Content-Type": "application/json"}),
        (b"payload=x", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"{}", {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=00"}),
        (b"{}", {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}),
        (b'{"type":"event_callback"}', {"X-Slack-Request-Timestamp": now}),
        (b"\xff\xfe", {"Content-Type": "application/json"}),
        (b"", {}),
    ]
    return [shapes[i % len(shapes)] for i in range(count)]


async def send_garbage(session: aiohttp.ClientSession, url: str, count: int) -> dict[str, int]:
    statuses: dict[str, int] = {}
    for body, headers in garbage(count):
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            key = f"{response.status // 100}xx"
            statuses[key] = statuses.get(key, 0) + 1
    return statuses


async def idle_flood(
    session: aiohttp.ClientSession, port: int, url: str, api: IndexedWebApi, count: int
) -> dict[str, Any]:
    """Open `count` silent sockets (a tenth of them with half a header), then measure."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 1024)), hard))
    writers: list[asyncio.StreamWriter] = []
    readers: list[asyncio.StreamReader] = []
    opened = 0
    for i in range(count):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            break
        opened += 1
        if i % 10 == 0:
            writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
        readers.append(reader)
        writers.append(writer)
    result: dict[str, Any] = {"idle_opened": opened}
    try:
        started = time.perf_counter()
        async with session.get(url.replace("/slack/events", "/healthz")) as response:
            await response.read()
            result["healthz_status_under_flood"] = response.status
        result["healthz_seconds_under_flood"] = round(time.perf_counter() - started, 3)
        request = reactions(api, 1)[0]
        started = time.perf_counter()
        async with session.post(url, data=request.body, headers=request.headers) as response:
            await response.read()
            result["event_status_under_flood"] = response.status
        result["event_ack_seconds_under_flood"] = round(time.perf_counter() - started, 3)

        async def closed(reader: asyncio.StreamReader) -> bool:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader.read(65536), 75)
            return reader.at_eof()

        started = time.perf_counter()
        shut = await asyncio.gather(*(closed(r) for r in readers))
        result["idle_closed_by_server"] = sum(shut)
        result["idle_closed_within_seconds"] = round(time.perf_counter() - started, 1)
    finally:
        for writer in writers:
            writer.close()
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    api = faulty_api()
    await api.start()
    result: dict[str, Any] = {"benchmark": "hostile_run"}
    with tempfile.TemporaryDirectory(prefix="alsbot-hostile-") as name:
        work = Path(name)
        port = free_port()
        db_path = work / "alsbot.db"
        config = work / "alsbot.toml"
        config.write_text(
            f'[database]\nurl = "sqlite+aiosqlite:///{db_path}"\n\n'
            f'[slack]\nenabled = true\nmode = "http"\napi_base_url = "{api.url}"\n'
            f'host = "127.0.0.1"\nport = {port}\n',
            encoding="utf-8",
        )
        env = clean_env(SLACK_BOT_TOKEN=api.token, SLACK_SIGNING_SECRET=SECRET)
        log_path = work / "alsbot.log"
        server = Server(
            ["-m", "adapters.cli", "run", "--config", str(config)], env=env, log_path=log_path
        )
        await server.start(Path.cwd())
        url = f"http://127.0.0.1:{port}/slack/events"
        try:
            await server.wait_http(url.replace("/slack/events", "/healthz"))
            db = ReadOnlyDb(db_path)
            timeout = aiohttp.ClientTimeout(total=30)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                await _join(session, url)
                load = reactions(api, args.reactions)
                acked = 0
                for request in load:
                    async with session.post(
                        url, data=request.body, headers=request.headers
                    ) as response:
                        await response.read()
                        acked += response.status == 200
                await reached(lambda: db.scalar("SELECT count(*) FROM dos") >= acked, args.wait)
                saved = db.scalar("SELECT count(*) FROM dos")
                history = api.calls_to("conversations.history")
                result.update(
                    reactions_sent=len(load),
                    reactions_acked=acked,
                    dos_saved=saved,
                    lost=acked - saved,
                    history_calls=len(history),
                    history_faults=sum(1 for c in history if c.status != 200 or c.error),
                )
                result["garbage"] = await send_garbage(session, url, args.garbage)
                result.update(await idle_flood(session, port, url, api, args.idle))
                async with session.get(url.replace("/slack/events", "/healthz")) as response:
                    result["healthz_status_after"] = response.status
            db.close()
        finally:
            await server.stop()
            await api.close()
        log = log_path.read_text(encoding="utf-8", errors="replace")
        result["log_lines"] = len(log.splitlines())
        result["log_bytes"] = len(log.encode())
        result["log_tail"] = log.splitlines()[-5:]
        sources: dict[str, int] = {}
        for line in log.splitlines():
            words = line.split(" ", 2)
            if len(words) >= 2 and words[0].isupper():
                key = f"{words[0]} {words[1].rstrip(':')}"
                sources[key] = sources.get(key, 0) + 1
        result["log_by_source"] = dict(sorted(sources.items(), key=lambda kv: -kv[1])[:12])
    garbage_5xx = result["garbage"].get("5xx", 0)
    result["targets_met"] = {
        "lost_0": result["lost"] == 0,
        "garbage_no_5xx": garbage_5xx == 0,
        "healthz_up_under_flood": result.get("healthz_status_under_flood") == 200,
        "event_acked_under_flood_3s": result.get("event_status_under_flood") == 200
        and result.get("event_ack_seconds_under_flood", 99) < 3,
        "idle_sockets_closed": result.get("idle_closed_by_server", 0)
        >= 0.95 * result.get("idle_opened", 1),
        "log_under_100_lines": result["log_lines"] < 100,
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reactions", type=int, default=50)
    parser.add_argument("--garbage", type=int, default=200)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--wait", type=float, default=180.0, help="seconds for do's to save")
    args = parser.parse_args()
    if args.quick:
        args.wait = min(args.wait, 120.0)
    emit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
