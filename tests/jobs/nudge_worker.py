"""One scheduler process for the two-process test: tick and deliver until nothing is left.

    python -m tests.jobs.nudge_worker --db-url URL --sink http://127.0.0.1:PORT/ --now ISO

It prints `ready`, waits for a line on stdin (so two workers start together), then runs
the real core's `tick` and delivery against the database, posting every delivery to the
stand-in at `--sink`, and prints one JSON line with what it did.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime

import aiohttp
from sqlalchemy import func, select

from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.ports import Delivery, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform
from bot.replies import Direct
from bot.store.models import Outbox, Timer


class HttpSinkOutlet:
    """Delivers by POSTing to a local stand-in that records what it receives."""

    platform = Platform.CONSOLE

    def __init__(self, session: aiohttp.ClientSession, url: str, worker: str) -> None:
        self.session = session
        self.url = url
        self.worker = worker
        self.count = 0

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        reply = delivery.reply
        assert isinstance(reply, Direct), reply
        body = {"worker": self.worker, "handle": reply.handle, "user": reply.user.key}
        try:
            async with self.session.post(self.url, json=body) as response:
                if response.status >= 500:
                    raise DeliveryRetry(f"stand-in {response.status}", after=0.1)
                data = await response.json()
        except aiohttp.ClientError as exc:
            raise DeliveryRetry(repr(exc), after=0.1) from exc
        self.count += 1
        return MessageRef(ChannelRef(reply.user.workspace, "dm-" + reply.user.id), str(data["id"]))


async def left_to_do(app: Alsbot, now: datetime) -> int:
    timers, outbox = Timer.__table__, Outbox.__table__
    async with app.store.read() as conn:
        due = (
            await conn.execute(
                select(func.count())
                .select_from(timers)
                .where(timers.c.status.in_(("pending", "running")), timers.c.due_at <= now)
            )
        ).scalar_one()
        unsent = (
            await conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.status.in_(("pending", "sending")))
            )
        ).scalar_one()
    return due + unsent


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--sink", required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    config = load_config(None, {"ALSBOT_DATABASE_URL": args.db_url})
    app = await Alsbot.open(config, clock=FakeClock(now), worker=args.name, migrate=False)
    ticked = 0
    async with aiohttp.ClientSession() as session:
        outlet = HttpSinkOutlet(session, args.sink, args.name)
        app.attach(outlet)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        started = time.perf_counter()
        tick_seconds = 0.0
        try:
            for _ in range(2000):
                before = time.perf_counter()
                ticked += await app.processor.tick(limit=25)
                tick_seconds += time.perf_counter() - before
                await app.deliver_pending()
                if await left_to_do(app, now) == 0:
                    break
                await asyncio.sleep(0.01)
        finally:
            await app.close()
    summary = {
        "worker": args.name,
        "ticked": ticked,
        "delivered": outlet.count,
        "tick_seconds": round(tick_seconds, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
