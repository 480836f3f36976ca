"""Two scheduler processes, one PostgreSQL database, 1,000 due nudges: each sent once.

Two real OS processes (`tests/jobs/nudge_worker.py`) tick and deliver against a fresh
database; every delivery is POSTed to a stand-in HTTP server in this test process, which
records who sent what.  Skipped without ALSBOT_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.store.db import open_store
from bot.store.models import Outbox, Timer
from testkit.config import make_config as config_for
from testkit.nudges import seed_presenters, utc

ROOT = Path(__file__).resolve().parents[2]
NUDGES = 1000


async def start_sink(received: list[dict]) -> tuple[web.AppRunner, str]:
    async def record(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        return web.json_response({"id": len(received)})

    app = web.Application()
    app.router.add_post("/", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/"


@pytest.mark.postgres
@pytest.mark.reliability
@pytest.mark.asyncio
async def test_two_processes_send_each_of_1000_nudges_exactly_once(postgres_url: str) -> None:
    planned_at = utc(2026, 1, 12, 10)
    session_at = utc(2026, 2, 10, 10)  # a Tuesday: only the nudges are due on the Friday
    store = await open_store(postgres_url)  # migrates once, before the workers start
    try:
        await seed_presenters(
            store, config_for(postgres_url), NUDGES, now=planned_at, session_at=session_at
        )
    finally:
        await store.close()
    now = utc(2026, 2, 6, 12)  # Fri 12:00: the 3-day nudges (Saturday's) are due

    received: list[dict] = []
    runner, sink = await start_sink(received)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = []
    try:
        for name in ("worker-a", "worker-b"):
            workers.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.jobs.nudge_worker",
                    "--db-url",
                    postgres_url,
                    "--sink",
                    sink,
                    "--now",
                    now.isoformat(),
                    "--name",
                    name,
                    cwd=ROOT,
                    env=env,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
            )
        for worker in workers:  # both ready before either starts: they really compete
            line = await asyncio.wait_for(worker.stdout.readline(), 60)
            assert line.strip() == b"ready", line
        for worker in workers:
            worker.stdin.write(b"go\n")
            await worker.stdin.drain()
        results = await asyncio.wait_for(asyncio.gather(*(w.communicate() for w in workers)), 120)
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
        await runner.cleanup()
    for worker, (_out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err.decode()[-3000:]
    summaries = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in results]
    assert received, (summaries, [err.decode()[-2000:] for _, err in results])

    headers = [r["handle"] for r in received if r["handle"].count(":") == 1]
    assert len(headers) == NUDGES and len(set(headers)) == NUDGES, "each nudge sent once"
    assert len({r["user"] for r in received if r["handle"].count(":") == 1}) == NUDGES
    handles = Counter(r["handle"] for r in received)
    assert max(handles.values()) == 1 and len(received) == 2 * NUDGES  # header + 1 action
    assert sum(s["delivered"] for s in summaries) == len(received)

    store = await open_store(postgres_url, migrate=False)
    try:
        async with store.read() as conn:
            timers = Timer.__table__
            nudges = list(
                await conn.execute(
                    select(timers.c.status, timers.c.claimed_by, timers.c.note).where(
                        timers.c.kind == "nudge", timers.c.due_at <= now
                    )
                )
            )
            outbox = Outbox.__table__
            statuses = Counter(r[0] for r in await conn.execute(select(outbox.c.status)))
    finally:
        await store.close()
    assert len(nudges) == NUDGES
    assert {(r.status, r.note) for r in nudges} == {("done", "sent: 1 action")}
    claimers = Counter(r.claimed_by for r in nudges)
    assert set(claimers) == {"worker-a", "worker-b"}, f"both processes took part: {claimers}"
    assert statuses == {"sent": 2 * NUDGES}
