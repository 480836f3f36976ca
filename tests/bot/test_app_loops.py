"""The background loops gather a stream of events into one pass, and take a lone event
after a quiet spell at once."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import GATHER_BELOW, GATHER_WITHIN, Alsbot, worth_gathering
from bot.events import MessagePosted
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from testkit.eventually import eventually

WS = WorkspaceRef(Platform.CONSOLE, "local")
ROOM = ChannelRef(WS, "general")
ANN = UserRef(WS, "ann")


def said(n: int) -> MessagePosted:
    return MessagePosted(
        key=f"console:msg:{n}",
        user=ANN,
        channel=ROOM,
        message=MessageRef(ROOM, str(n)),
        text=f"hello {n}",
    )


def test_gather_only_within_a_stream_and_never_behind_a_backlog() -> None:
    assert not worth_gathering(0, -1.0, 5.0)  # never passed yet
    assert worth_gathering(3, 5.0, 5.0 + GATHER_WITHIN / 2)  # a pass just ended
    assert not worth_gathering(3, 5.0, 5.0 + GATHER_WITHIN * 2)  # a quiet spell since
    assert not worth_gathering(GATHER_BELOW, 5.0, 5.01)  # a backlog: go at once


@pytest.mark.asyncio
async def test_a_stream_of_events_is_handled_in_few_passes(app: Alsbot) -> None:
    passes: list[int] = []
    process = app.processor.process_pending

    async def counted(limit: int = 200) -> int:
        moved = await process(limit)
        if moved:
            passes.append(moved)
        return moved

    app.processor.process_pending = counted  # type: ignore[method-assign]
    await app.start()
    try:
        await app.submit(said(0))
        await eventually(lambda: passes == [1], what="the first event handled alone")
        for n in range(1, 9):  # eight more, a millisecond apart: a stream
            await app.submit(said(n))
            await asyncio.sleep(0.001)
        await eventually(lambda: sum(passes) == 9, what="all nine handled")
        assert len(passes) <= 3, passes  # one pass per event without gathering
    finally:
        await app.stop()
