"""Private replies: a lane per person, overlapping when they answer different events; one
statement claims a pass, and marks of rows delivered together share one commit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine

from bot.outbox import _CLAIMABLE, PRIVATE_AT_ONCE, Deliverer
from bot.outbox_rows import enqueue
from bot.ports import Delivery, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.replies import Direct, Ephemeral, Post, text
from bot.store.db import Store, open_store
from bot.store.models import Outbox
from testkit.recording import CONSOLE, RecordingOutlet

C = ChannelRef(CONSOLE, "general")
ANN, BOB = UserRef(CONSOLE, "ann"), UserRef(CONSOLE, "bob")


@dataclass
class SlowOutlet(RecordingOutlet):
    """Takes `pause` seconds per delivery, and remembers how many were in flight."""

    pause: float = 0.02
    in_flight: int = 0
    most_in_flight: int = 0
    order: list[str] = field(default_factory=list)

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.pause)
            self.order.append(delivery.reply.text.plain())  # type: ignore[union-attr]
            return await super().deliver(delivery)
        finally:
            self.in_flight -= 1


async def statuses(store: Store) -> list[str]:
    async with store.read() as conn:
        return list((await conn.execute(select(Outbox.__table__.c.status))).scalars())


@pytest.mark.asyncio
async def test_private_replies_to_different_events_overlap_and_one_events_keep_order(
    store, clock
) -> None:
    async with store.write() as conn:
        for i in range(PRIVATE_AT_ONCE + 4):  # reactions, each confirmed to the same person
            reply = Ephemeral(channel=C, user=ANN, text=text(f"saved {i}"))
            await enqueue(conn, [reply], now=clock.now(), cause=f"event:{i}")
    outlet = SlowOutlet()
    await Deliverer(store, outlet).deliver_pending()
    assert outlet.most_in_flight == PRIVATE_AT_ONCE
    assert sorted(outlet.order) == sorted(f"saved {i}" for i in range(PRIVATE_AT_ONCE + 4))
    assert await statuses(store) == ["sent"] * (PRIVATE_AT_ONCE + 4)

    async with store.write() as conn:  # one event's three answers: in order, one at a time
        replies = [Ephemeral(channel=C, user=ANN, text=text(f"step {i}")) for i in range(3)]
        await enqueue(conn, replies, now=clock.now(), cause="event:one")
    outlet = SlowOutlet()
    await Deliverer(store, outlet).deliver_pending()
    assert outlet.order == ["step 0", "step 1", "step 2"] and outlet.most_in_flight == 1


@pytest.mark.asyncio
async def test_channel_posts_never_overlap(store, clock) -> None:
    async with store.write() as conn:
        for i in range(4):
            await enqueue(
                conn, [Post(channel=C, text=text(f"m{i}"))], now=clock.now(), cause=f"e{i}"
            )
    outlet = SlowOutlet()
    await Deliverer(store, outlet).deliver_pending()
    assert outlet.order == ["m0", "m1", "m2", "m3"] and outlet.most_in_flight == 1


@pytest.mark.asyncio
async def test_one_persons_rate_limit_does_not_hold_anothers_confirmation(store, clock) -> None:
    """Ephemerals in one channel to two people are two lanes: Ann's 429 holds only hers."""

    def ann_is_limited(delivery: Delivery, _attempt: int) -> Exception | None:
        if delivery.reply.user == ANN:  # type: ignore[union-attr]
            return DeliveryRetry("429", after=30.0, rate_limited=True)
        return None

    async with store.write() as conn:
        await enqueue(conn, [Ephemeral(channel=C, user=ANN, text=text("a1"))], now=clock.now())
        await enqueue(conn, [Ephemeral(channel=C, user=ANN, text=text("a2"))], now=clock.now())
        await enqueue(conn, [Ephemeral(channel=C, user=BOB, text=text("b1"))], now=clock.now())
        await enqueue(conn, [Direct(user=BOB, text=text("b2"))], now=clock.now())
    outlet = RecordingOutlet(fail=ann_is_limited)
    await Deliverer(store, outlet).deliver_pending()
    assert sorted(d.reply.text.plain() for d in outlet.sent) == ["b1", "b2"]  # type: ignore[union-attr]
    async with store.read() as conn:
        lanes = dict(
            (await conn.execute(select(Outbox.__table__.c.body, Outbox.__table__.c.lane))).all()
        )
    assert len(set(lanes.values())) == 3  # Ann's ephemerals, Bob's ephemeral, Bob's DMs
    assert all(ANN.key in lane for body, lane in lanes.items() if '"a' in body)


@pytest.mark.asyncio
async def test_a_pass_is_claimed_by_one_statement_and_marked_in_few_commits(
    any_db_url: str, clock
) -> None:
    store = await open_store(any_db_url)
    statements: list[str] = []
    commits: list[int] = []

    def on_statement(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0].upper())

    def on_commit(_conn) -> None:  # type: ignore[no-untyped-def]
        commits.append(1)

    try:
        async with store.write() as conn:
            for i in range(20):
                reply = Ephemeral(channel=C, user=UserRef(CONSOLE, f"u{i}"), text=text(f"x{i}"))
                await enqueue(conn, [reply], now=clock.now(), cause=f"e{i}")
        event.listen(Engine, "before_cursor_execute", on_statement)
        event.listen(Engine, "commit", on_commit)
        deliverer = Deliverer(store, SlowOutlet(pause=0.01))
        deliverer._recovered = True  # the start-up recovery is not this pass's work
        claimed = await deliverer._claim()
        assert [s for s in statements if s not in ("BEGIN", "SAVEPOINT")] == ["UPDATE"]
        assert [r.id for r in claimed] == sorted(r.id for r in claimed) and len(claimed) == 20
        assert {r.status for r in claimed} == {"sending"} and {r.attempts for r in claimed} == {1}
        statements.clear()
        commits.clear()
        sent = await asyncio.gather(*(deliverer._run_lane(r.lane, [r]) for r in claimed))
        assert sum(sent) == 20
        assert len(commits) <= 5  # twenty lanes finishing together (one commit each before)
        assert await statuses(store) == ["sent"] * 20
    finally:
        event.remove(Engine, "before_cursor_execute", on_statement)
        event.remove(Engine, "commit", on_commit)
        await store.close()


@pytest.mark.asyncio
async def test_the_claim_reads_only_unsent_rows_through_their_index(store: Store) -> None:
    """Sent rows pile up until retention removes them: a claim must not scan them (it did,
    5.5 ms at 30,000 rows, on the event loop, at every delivery pass)."""
    now = datetime.now(UTC)
    values = {"b_platform": "slack", "b_now": now, "b_busy": [], "b_limit": 200}
    assert store.is_sqlite
    compiled = _CLAIMABLE.compile(dialect=sqlite.dialect())
    expanded = compiled.construct_expanded_state(values)
    binds = compiled._bind_processors
    args = [
        binds[n](expanded.parameters[n]) if n in binds else expanded.parameters[n]
        for n in expanded.positiontup or ()
    ]
    async with store.read() as conn:
        plan = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + expanded.statement, tuple(args))
        details = [row[3] for row in plan]
    assert any("USING INDEX outbox_pending" in d for d in details), details
    assert not any(d.startswith("SCAN outbox") for d in details), details
