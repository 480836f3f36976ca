"""Restart: 1,000 active rounds and 10,000 pending nudges; time from start to ready.

"Ready" means a fresh process has opened the database (migrations checked), started its
loops and run its first tick — every timer is a row, so nothing needs re-arming beyond
that, and the bench checks the rows are all there. Target (issue 7): under 2 s. The floor in
the same run is a bare Python process importing the core (what any restart must pay).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.common import NullOutlet, emit
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.events import CommandInvoked
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.store.models import Session, Timer

WS = WorkspaceRef(Platform.CONSOLE, "bench")
START = datetime(2026, 1, 12, 10, tzinfo=UTC)

CHILD = """
import asyncio, json, sys, time
t0 = time.perf_counter()
from datetime import datetime, UTC
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from jobs.ticker import Ticker
async def main():
    t1 = time.perf_counter()
    app = await Alsbot.open(load_config(None, {"ALSBOT_DATABASE_URL": sys.argv[1]}),
                            clock=FakeClock(datetime.fromisoformat(sys.argv[2])))
    await app.start()
    ticker = Ticker(app, 5.0)
    fired = await app.tick()
    ticker.start()
    ready = time.perf_counter()
    await ticker.stop()
    await app.close()
    print(json.dumps({"import_s": t1 - t0, "open_to_ready_s": ready - t1, "fired": fired}))
asyncio.run(main())
"""


async def build(url: str, rounds: int, nudges: int) -> None:
    app = await Alsbot.open(load_config(None, {"ALSBOT_DATABASE_URL": url}), clock=FakeClock(START))
    app.attach(NullOutlet())
    for r in range(rounds):
        await app.submit(
            CommandInvoked(
                key=f"s{r}",
                user=UserRef(WS, f"f{r}"),
                channel=ChannelRef(WS, f"c{r}"),
                text=f"start <@p{r}>",
            )
        )
    await app.settle(max_wait=3600)
    rows = [
        {
            "kind": "nudge",
            "due_at": START + timedelta(days=3, minutes=i % 1440),
            "status": "pending",
            "subject": f"console:bench:p{i}",
            "payload": {"set_id": 1},
            "dedupe": f"bench-nudge:{i}",
        }
        for i in range(nudges)
    ]
    async with app.store.write() as conn:
        await conn.execute(insert(Timer.__table__), rows)
    await app.close()


async def census(url: str) -> dict:
    app = await Alsbot.open(load_config(None, {"ALSBOT_DATABASE_URL": url}), migrate=False)
    timers, sessions = Timer.__table__, Session.__table__
    async with app.store.read() as conn:
        pending = dict(
            (
                await conn.execute(
                    select(timers.c.kind, func.count())
                    .where(timers.c.status == "pending")
                    .group_by(timers.c.kind)
                )
            ).all()
        )
        active = (
            await conn.execute(
                select(func.count()).select_from(sessions).where(sessions.c.status == "active")
            )
        ).scalar_one()
    await app.close()
    return {"pending_timers": pending, "active_sessions": active}


def spawn(code: str, *args: str) -> tuple[float, dict]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return time.perf_counter() - started, json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 rounds and 1,000 nudges")
    args = parser.parse_args()
    rounds, nudges = (100, 1000) if args.quick else (1000, 10000)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'restart.db'}"
        build_started = time.perf_counter()
        asyncio.run(build(url, rounds, nudges))
        build_s = time.perf_counter() - build_started
        before = asyncio.run(census(url))
        floor_s, _ = spawn("import json, bot.app, jobs.ticker; print(json.dumps({}))")
        total_s, child = spawn(CHILD, url, (START + timedelta(seconds=30)).isoformat())
        after = asyncio.run(census(url))
    result = {
        "benchmark": "restart",
        "active_rounds": before["active_sessions"],
        "pending_timers_before": before["pending_timers"],
        "pending_timers_after": after["pending_timers"],
        "build_seconds": round(build_s, 1),
        "process_start_to_ready_s": round(total_s, 3),
        "import_s": round(child["import_s"], 3),
        "open_to_ready_s": round(child["open_to_ready_s"], 3),
        "timers_fired_on_start": child["fired"],
        "floor_bare_import_process_s": round(floor_s, 3),
        "ratio_to_floor": round(total_s / floor_s, 2),
        "target_s": 2.0,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    result["targets_met"] = total_s < 2.0 and after["active_sessions"] == rounds
    emit(result)


if __name__ == "__main__":
    main()
