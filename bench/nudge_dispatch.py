"""Dispatch rate of due nudges against a stand-in that allows 50 requests per second.

Target (issue 5): at least 95% of the allowed rate, nothing lost, nothing doubled.  The
real planner plans the nudges, the real `tick` turns the due ones into outbox rows, and
the real `Deliverer` sends them through a platform-wide `ChannelPacer` (`limiter`) to an
outlet that enforces 50 requests in any one-second window and answers anything over it
with `DeliveryRetry(after=…)`, as a 429 with Retry-After would be.

    python -m bench.nudge_dispatch                   # 1,000 nudges (2,000 requests), SQLite
    python -m bench.nudge_dispatch --quick           # 200 nudges (400 requests)
    python -m bench.nudge_dispatch --db-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.common import emit
from bench.nudge_claims import scratch_database
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.outbox import ChannelPacer
from bot.ports import Delivery, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef
from bot.replies import Direct
from bot.store.models import Outbox
from testkit.nudges import seed_presenters

WS = WorkspaceRef(Platform.CONSOLE, "bench")
PLANNED_AT = datetime(2026, 1, 12, 10, tzinfo=UTC)
# A Tuesday: its 3-day nudges (Saturday) come on Friday 6 February, and nothing else of the
# session is due then (the reminder and the digest come on Monday).
SESSION_AT = datetime(2026, 2, 10, 10, tzinfo=UTC)
SEND_AT = datetime(2026, 2, 6, 12, tzinfo=UTC)  # Friday 12:00: the 3-day nudges are due


@dataclass
class RateLimitedOutlet:
    """A platform that allows `limit` requests in any `window` seconds, else says retry."""

    limit: int = 50
    window: float = 1.0
    platform: Platform = Platform.CONSOLE
    accepted: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    rejected: int = 0
    _recent: deque = field(default_factory=deque)

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - self.window:
            self._recent.popleft()
        if len(self._recent) >= self.limit:
            self.rejected += 1
            raise DeliveryRetry("429 rate limited", after=self._recent[0] + self.window - now)
        self._recent.append(now)
        reply = delivery.reply
        assert isinstance(reply, Direct)
        self.accepted.append(reply.handle or "")
        self.times.append(now)
        return MessageRef(ChannelRef(WS, "dm-" + reply.user.id), str(len(self.accepted)))


async def seed(app: Alsbot, people: int) -> None:
    """One set, `people` past presenters with one open action each, planned for real."""
    await seed_presenters(
        app.store,
        app.config,
        people,
        now=PLANNED_AT,
        session_at=SESSION_AT,
        workspace=WS,
        with_facilitator=False,
    )


async def undelivered(app: Alsbot) -> int:
    outbox = Outbox.__table__
    async with app.store.read() as conn:
        return (
            await conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.status.in_(("pending", "sending")))
            )
        ).scalar_one()


async def run(url: str, people: int, rate: float, pace: float) -> dict:
    clock = FakeClock(PLANNED_AT)
    app = await Alsbot.open(load_config(None, {"ALSBOT_DATABASE_URL": url}), clock=clock)
    outlet = RateLimitedOutlet(limit=int(rate))
    app.attach(outlet, limiter=ChannelPacer(pace, 1))
    try:
        await seed(app, people)
        clock.set(SEND_AT)
        began = time.perf_counter()
        fired = await app.processor.tick()
        tick_seconds = time.perf_counter() - began
        expected = await undelivered(app)
        began = time.perf_counter()
        while await undelivered(app):
            if not await app.deliver_pending():
                await asyncio.sleep(0.01)
        deliver_seconds = time.perf_counter() - began
        async with app.store.read() as conn:
            outbox = Outbox.__table__
            statuses = dict(
                (
                    await conn.execute(
                        select(outbox.c.status, func.count()).group_by(outbox.c.status)
                    )
                ).all()
            )
    finally:
        await app.close()
    counts = Counter(outlet.accepted)
    span = outlet.times[-1] - outlet.times[0] if len(outlet.times) > 1 else 0.0
    achieved = (len(outlet.accepted) - 1) / span if span else 0.0
    return {
        "bench": "nudge_dispatch",
        "database": make_url(url).get_backend_name(),
        "nudges": fired,
        "requests": expected,
        "allowed_per_second": rate,
        "limiter_per_second": pace,
        "achieved_per_second": round(achieved, 2),
        "share_of_allowed": round(achieved / rate, 3),
        "delivery_seconds": round(deliver_seconds, 2),
        "tick_seconds": round(tick_seconds, 2),
        "rejected_429": outlet.rejected,
        "delivered": len(outlet.accepted),
        "lost": expected - len(counts),
        "doubled": sum(n - 1 for n in counts.values() if n > 1),
        "outbox": statuses,
        "ok": (
            len(counts) == expected
            and max(counts.values(), default=1) == 1
            and achieved >= 0.95 * rate
            and statuses == {"sent": expected}
        ),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--nudges", type=int, default=None)
    parser.add_argument("--rate", type=float, default=50.0, help="what the stand-in allows")
    parser.add_argument("--pace", type=float, default=49.0, help="the bot's own limiter")
    args = parser.parse_args()
    people = args.nudges or (200 if args.quick else 1000)
    async with scratch_database(args.db_url) as url:
        emit(await run(url, people, args.rate, args.pace))


if __name__ == "__main__":
    asyncio.run(main())
