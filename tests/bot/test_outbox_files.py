"""Files made at delivery (`FileRequest`, issue 14 point 12): the outbox row stays small, the
maker runs when the row is sent, a slow one holds up no channel, and a recipe nobody makes
fails for good instead of looping."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.hooks import Hooks
from bot.outbox import MAKE_FILE, Deliverer
from bot.outbox_rows import FILE_LANE, enqueue
from bot.refs import ChannelRef, UserRef
from bot.replies import File, FileRequest, Post, Reply, reply_from_json, reply_to_json, text
from bot.store.db import Store
from bot.store.models import Outbox
from testkit.recording import CONSOLE, RecordingOutlet
from tests.bot.test_outbox import drain

C = ChannelRef(CONSOLE, "general")
U = UserRef(CONSOLE, "erin")
BIG = b"x" * 3_000_000


def wanted(n: int = 1, recipe: str = "test.big") -> FileRequest:
    return FileRequest(channel=C, user=U, recipe=recipe, args={"n": n}, handle="test:" + U.key)


def test_a_request_is_small_and_round_trips() -> None:
    body = reply_to_json(wanted(7))
    assert len(body) < 200
    assert reply_from_json(body) == wanted(7)


@pytest.mark.asyncio
async def test_a_slow_file_holds_up_no_channel_and_keeps_its_own_order(store: Store, clock) -> None:
    gate = asyncio.Event()
    made: list[int] = []

    async def maker(_store: Store, request: FileRequest) -> Reply | None:
        if request.recipe != "test.big":
            return None
        await gate.wait()  # a file that takes its time
        made.append(int(request.args["n"]))
        return File(channel=request.channel, user=request.user, filename="f", content=BIG)

    hooks = Hooks()
    hooks.add(MAKE_FILE, maker)
    outlet = RecordingOutlet()
    deliverer = Deliverer(store, outlet, hooks=hooks)
    async with store.write() as conn:
        await enqueue(conn, [wanted(1), wanted(2)], now=clock.now())
        await enqueue(conn, [Post(channel=C, text=text("meanwhile"))], now=clock.now())
    await deliverer.deliver_pending()
    assert [type(d.reply).__name__ for d in outlet.sent] == ["Post"], "the channel went on"
    await deliverer.deliver_pending()  # the file lane is busy: not claimed a second time
    gate.set()
    await drain(deliverer)
    await deliverer.wait_idle(within=2)
    assert made == [1, 2]
    sent_files = [d.reply for d in outlet.sent if isinstance(d.reply, File)]
    assert [len(f.content) for f in sent_files] == [len(BIG)] * 2
    async with store.read() as conn:
        rows = list(await conn.execute(select(Outbox.__table__).order_by(Outbox.__table__.c.id)))
    assert {r.status for r in rows} == {"sent"}
    assert rows[0].lane == FILE_LANE + U.key
    assert max(len(r.body) for r in rows) < 500, "the bytes never reached the database"


@pytest.mark.asyncio
async def test_a_recipe_nobody_makes_fails_for_good(store: Store, clock) -> None:
    outlet = RecordingOutlet()
    async with store.write() as conn:
        await enqueue(conn, [wanted(recipe="nobody.makes.this")], now=clock.now())
    deliverer = Deliverer(store, outlet)
    await drain(deliverer)
    await deliverer.wait_idle(within=2)
    async with store.read() as conn:
        [row] = list(await conn.execute(select(Outbox.__table__)))
    assert row.status == "failed" and "nobody.makes.this" in row.error
    assert outlet.sent == []
