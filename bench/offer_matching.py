"""Offers and wants (issue 18): what matching costs inside the event's transaction.

`/als want …` is answered, and its proposals written, in one write transaction: the set's
open offers and wants are read and ranked there (BM25 over the set's own texts,
`bot.network.matching`). A set of eight people may hold at most 10 open items of each kind
each (160); the bench also runs a set far past that, to show how it grows.
Measured for each size, as p50/p99 over repeated runs:
- `rank_ms`: ranking one want against every open offer (pure, the index built each time);
- `want_ms`: `/als want …` handled end to end through the real core on SQLite (the
  command, the insert, the ranking, the proposal rows and their two DMs committed), with
  the statements it ran.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

from bench.common import NullOutlet, emit, percentile
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.events import CommandInvoked
from bot.network.matching import Item, rank
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.store.models import NetworkItem

WS = WorkspaceRef(Platform.CONSOLE, "bench")
CHANNEL = ChannelRef(WS, "set")
START = datetime(2026, 1, 12, 10, tzinfo=UTC)
PEOPLE = [UserRef(WS, f"p{i}") for i in range(8)]
SUBJECTS = (
    "grant bids", "volunteer rotas", "focus groups", "safeguarding training", "data dashboards",
    "chairing meetings", "spreadsheets", "social prescribing", "co-production", "procurement",
    "GDPR requests", "board papers", "press releases", "survey design", "budget forecasts",
    "peer supervision", "community outreach", "digital inclusion", "funder reports", "rotas",
)  # fmt: skip
OPENINGS = ("I can help with", "I have run", "Happy to show anyone", "I know a lot about")
WANTS = ("I'd like help with", "I'd like to learn", "Can someone show me", "I need advice on")


def text(rng: random.Random, lead: tuple[str, ...]) -> str:
    a, b = rng.sample(SUBJECTS, 2)
    return f"{rng.choice(lead)} {a} and {b} for our {rng.choice(('team', 'charity', 'ward'))}"


async def seed(app: Alsbot, set_id: int, items: int) -> None:
    rng = random.Random(18)
    async with app.store.write() as conn:
        for n in range(items):
            kind = "offer" if n % 2 else "want"
            await conn.execute(
                insert(NetworkItem).values(
                    set_id=set_id, kind=kind, author_key=PEOPLE[n % 7 + 1].key,
                    text=text(rng, OPENINGS if kind == "offer" else WANTS), tags=[],
                    status="open", created_at=START, updated_at=START,
                    expires_at=START + timedelta(days=90),
                )
            )  # fmt: skip


async def one_size(items: int, runs: int) -> dict[str, object]:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        config = load_config(None, {"ALSBOT_DATABASE_URL": url})
        app = await Alsbot.open(config, clock=FakeClock(START))
        app.attach(NullOutlet(Platform.CONSOLE))
        try:
            for n, who in enumerate(PEOPLE):
                line = "setup" if n == 0 else "join"
                await app.handle(CommandInvoked(key=f"b:{n}", user=who, channel=CHANNEL, text=line))
            async with app.store.read() as conn:
                set_id = (await conn.exec_driver_sql("SELECT id FROM sets")).scalar_one()
            await seed(app, set_id, items)
            offers = [
                Item(n, PEOPLE[n % 7 + 1].key, text(rng, OPENINGS)) for n in range(items // 2)
            ]
            rank_ms = []
            for _ in range(runs):
                query = Item(-1, PEOPLE[0].key, text(rng, WANTS))
                started = time.perf_counter()
                rank(query, offers, limit=3)
                rank_ms.append((time.perf_counter() - started) * 1000)

            statements = [0]

            def count(*_: object) -> None:
                statements[0] += 1

            want_ms, per_want = [], []
            for n in range(runs):
                said = f"want {text(rng, WANTS)}"
                command = CommandInvoked(key=f"w:{n}", user=PEOPLE[0], channel=CHANNEL, text=said)
                statements[0] = 0
                event.listen(Engine, "before_cursor_execute", count)
                started = time.perf_counter()
                await app.handle(command)
                want_ms.append((time.perf_counter() - started) * 1000)
                event.remove(Engine, "before_cursor_execute", count)
                per_want.append(statements[0])
                # Keep the set's size (and p0 under the cap of 10): take it back again.
                async with app.store.read() as conn:
                    last = (
                        await conn.exec_driver_sql("SELECT max(id) FROM network_items")
                    ).scalar()
                await app.handle(
                    CommandInvoked(key=f"r:{n}", user=PEOPLE[0], channel=CHANNEL,
                                   text=f"want remove {last}")
                )  # fmt: skip
        finally:
            await app.close()
    return {
        "items": items,
        "rank_ms": {"p50": round(percentile(rank_ms, 50), 3), "p99": round(percentile(rank_ms, 99), 3)},
        "want_ms": {"p50": round(percentile(want_ms, 50), 2), "p99": round(percentile(want_ms, 99), 2)},
        "statements_per_want": max(per_want),
    }  # fmt: skip


async def main(quick: bool) -> None:
    sizes, runs = ((40, 160), 20) if quick else ((40, 160, 2_000), 60)
    emit(
        {
            "benchmark": "offer_matching",
            "quick": quick,
            "sizes": [await one_size(items, runs) for items in sizes],
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    asyncio.run(main(parser.parse_args().quick))
