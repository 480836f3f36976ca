"""The processor's preparation step: a preparation that fails for now defers only its own
event (with backoff and the platform's Retry-After), a slow one never holds up the batch,
events about one message keep their order, and the last try is announced to the preparer.

A real SQLite inbox and a router of our own: the preparers here stand for a platform that
fails, hangs or answers, so that the processor's part is tested without any feature.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot import preparing
from bot.app import Alsbot
from bot.clock import Clock, FakeClock, SystemClock
from bot.context import Ctx
from bot.events import Event, MessagePosted, ReactionAdded, ReactionRemoved
from bot.ports import FetchRetry
from bot.preparing import RETRY_DELAYS, TRIES
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.router import Preparing, Router
from bot.store.models import Inbox
from testkit.config import make_config
from testkit.eventually import eventually

WS = WorkspaceRef(Platform.CONSOLE, "local")
C = ChannelRef(WS, "general")
ALICE = UserRef(WS, "alice")
INBOX = Inbox.__table__
_keys = itertools.count(1)


def added(message: str) -> ReactionAdded:
    return ReactionAdded(
        key=f"add:{next(_keys)}", user=ALICE, message=MessageRef(C, message), emoji="tada"
    )


def removed(message: str) -> ReactionRemoved:
    return ReactionRemoved(
        key=f"remove:{next(_keys)}", user=ALICE, message=MessageRef(C, message), emoji="tada"
    )


def said(text: str) -> MessagePosted:
    n = next(_keys)
    return MessagePosted(
        key=f"msg:{n}", user=ALICE, channel=C, message=MessageRef(C, f"said{n}"), text=text
    )


class World:
    """An Alsbot whose only handlers record what they were given, in order.

    The reaction preparer stands for a platform: `how[message id]` makes it "fail",
    "fail:<Retry-After>", "hang" or be "slow" (0.2 s) or "slower" (0.4 s); any other
    message is fetched.
    """

    def __init__(self, app: Alsbot) -> None:
        self.app = app
        self.seen: list[Event] = []
        self.preps: list[Preparing] = []
        self.how: dict[str, str] = {}

    async def row(self, key: str) -> Any:
        async with self.app.store.read() as conn:
            return (await conn.execute(select(INBOX).where(INBOX.c.key == key))).one()

    def router(self) -> Router:
        router = Router()

        async def record(_ctx: Ctx, event: Event) -> None:
            self.seen.append(event)

        for cls in (ReactionAdded, ReactionRemoved, MessagePosted):
            router.event(cls, record)
        router.prepare(ReactionAdded, self.prepare)
        return router

    async def prepare(self, event: Event, prep: Preparing) -> Event:
        self.preps.append(prep)
        assert isinstance(event, ReactionAdded)
        how = self.how.get(event.message.id, "")
        if how.startswith("fail"):
            if prep.last_try:
                return dataclasses.replace(event, unread=ReactionAdded.FAILED)
            after = float(how.split(":")[1]) if ":" in how else None
            raise FetchRetry("the platform is unwell", after=after)
        if how == "hang":
            await asyncio.Event().wait()
        if how == "slow":
            await asyncio.sleep(0.2)
        if how == "slower":
            await asyncio.sleep(0.4)
        return dataclasses.replace(event, text="fetched")


async def open_world(url: str, clock: Clock) -> World:
    world = World(None)  # type: ignore[arg-type]
    world.app = await Alsbot.open(make_config(url), clock=clock, router=world.router())
    return world


@pytest_asyncio.fixture
async def world(any_db_url: str, clock: FakeClock) -> AsyncIterator[World]:
    w = await open_world(any_db_url, clock)
    try:
        yield w
    finally:
        await w.app.close()


@pytest.mark.asyncio
async def test_a_failed_preparation_defers_only_its_own_event(world: World, clock) -> None:
    world.how["m1"] = "fail"
    failing = added("m1")
    await world.app.submit(failing)
    await world.app.submit(said("hello"))
    await world.app.settle()
    assert [type(e).__name__ for e in world.seen] == ["MessagePosted"], "the other one went on"
    row = await world.row(failing.key)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.not_before == clock.now() + timedelta(seconds=RETRY_DELAYS[0])
    assert world.app.processor.seconds_until_due() == RETRY_DELAYS[0]

    clock.advance(timedelta(seconds=RETRY_DELAYS[0] - 1))
    await world.app.settle()
    assert len(world.preps) == 1, "not tried again before it is due"
    clock.advance(timedelta(seconds=1))
    await world.app.settle()
    assert len(world.preps) == 2 and world.preps[1].attempt == 1
    assert (await world.row(failing.key)).attempts == 2


@pytest.mark.asyncio
async def test_retry_after_is_honoured_when_longer_than_the_backoff(world: World, clock) -> None:
    world.how["m1"] = "fail:90"
    event = added("m1")
    await world.app.handle(event)
    row = await world.row(event.key)
    assert row.not_before == clock.now() + timedelta(seconds=90)
    clock.advance(timedelta(seconds=89))
    await world.app.settle()
    assert len(world.preps) == 1
    clock.advance(timedelta(seconds=1))
    await world.app.settle()
    assert len(world.preps) == 2


@pytest.mark.asyncio
async def test_the_last_try_is_announced_and_its_event_handled(world: World, clock) -> None:
    world.how["m1"] = "fail"
    event = added("m1")
    await world.app.handle(event)
    for delay in RETRY_DELAYS:
        clock.advance(timedelta(seconds=delay))
        await world.app.settle()
    assert [p.last_try for p in world.preps] == [False] * (TRIES - 1) + [True]
    assert sum(RETRY_DELAYS) == 600, "six tries over ten minutes"
    [handled] = world.seen
    assert isinstance(handled, ReactionAdded) and handled.unread == ReactionAdded.FAILED
    assert (await world.row(event.key)).status == "done"


@pytest.mark.asyncio
async def test_later_events_about_the_same_message_wait_behind_a_deferred_one(
    world: World, clock
) -> None:
    world.how["m1"] = "fail"
    first = added("m1")
    await world.app.handle(first)
    undo = removed("m1")
    other = removed("m2")
    await world.app.submit(undo)
    await world.app.submit(other)
    await world.app.settle()
    assert world.seen == [other], "the removal on m1 waits for its addition"
    assert (await world.row(undo.key)).status == "pending"

    del world.how["m1"]  # the platform is well again
    clock.advance(timedelta(seconds=RETRY_DELAYS[0]))
    await world.app.settle()
    assert [e.key for e in world.seen] == [other.key, first.key, undo.key]


@pytest.mark.asyncio
async def test_a_hung_preparation_does_not_hold_up_the_batch(world: World, clock) -> None:
    world.app.processor.preparations.time_limit = 0.2  # the backstop adds its second
    world.how.update({f"h{i}": "hang" for i in range(3)})
    hung = [added(f"h{i}") for i in range(3)]
    for event in hung:
        await world.app.submit(event)
    hello = said("help")
    await world.app.submit(hello)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await world.app.settle()
    took = loop.time() - started
    assert world.seen == [hello]
    assert took < 1.0, f"a hung preparation held the batch for {took:.2f} s"

    # The hung ones are given up on after their time limit, and deferred, not lost.
    async def all_deferred() -> bool:
        await world.app.process_pending()
        rows = [await world.row(e.key) for e in hung]
        return all(r.attempts == 1 and r.status == "pending" for r in rows)

    await eventually(all_deferred, within=2.5, what="the hung preparations deferred")


@pytest.mark.asyncio
async def test_the_loop_wakes_when_a_slow_preparation_ends(world: World) -> None:
    world.app.processor.preparations.patience = 0.01
    await world.app.start()
    loop = asyncio.get_running_loop()
    world.how["m1"] = "slow"
    event = added("m1")
    started = loop.time()
    await world.app.submit(event)
    await eventually(lambda: world.seen, within=2, every=0.01)
    took = loop.time() - started
    assert took < 0.6, f"applied after {took:.2f} s: the loop slept through the end"


@pytest.mark.asyncio
async def test_the_loop_looks_again_as_soon_as_a_deferred_event_is_due(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the system clock, a deferral shorter than the loop's 1-second poll is met on
    time: the loop sleeps until the earliest `not_before`, not a whole poll."""
    monkeypatch.setattr(preparing, "RETRY_DELAYS", (0.3, 0.3, 0.3, 0.3, 0.3))
    world = await open_world(sqlite_url, SystemClock())
    try:
        world.how["m1"] = "fail"
        await world.app.start()
        await world.app.submit(added("m1"))
        loop = asyncio.get_running_loop()
        await eventually(lambda: world.preps, within=2, every=0.01)
        first = loop.time()
        await eventually(lambda: len(world.preps) > 1, within=2, every=0.01)
        took = loop.time() - first
        assert 0.25 < took < 0.7, f"tried again after {took:.2f} s"
    finally:
        await world.app.close()


@pytest.mark.asyncio
async def test_two_passes_at_once_share_the_preparations(world: World) -> None:
    """A pass that finds a preparation started by another pass, already finished, applies
    it; the pass that started it must not stumble over the missing result."""
    world.how.update({"fast": "slow", "slower": "slower"})
    fast, slower = added("fast"), added("slower")
    await world.app.submit(fast)
    await world.app.submit(slower)
    first = asyncio.create_task(world.app.processor.process_pending())
    await asyncio.sleep(0.25)  # "fast" (0.2 s) is done, "slower" (0.4 s) still running
    await world.app.processor.process_pending()  # takes and applies "fast"
    await first
    await world.app.settle()
    assert sorted(e.key for e in world.seen) == sorted([fast.key, slower.key]), "each once"
