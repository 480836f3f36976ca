"""Attendance (issue 17, item 1): who took part in a session, and the first way they showed up.

Driven through the real core (a `Harness`), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from bot.context import OUT_OF_DATE
from bot.events import ButtonPressed, MessagePosted
from bot.refs import ChannelRef, MessageRef
from bot.replies import Ephemeral
from bot.rounds.attendance import ALREADY, HERE_ACTION, MARKED
from bot.store.models import Attendance, Session
from testkit.harness import GENERAL, WS, Harness, private_to, public, u
from tests.bot.rounds import round_helpers

ATTENDANCE = Attendance.__table__


@pytest_asyncio.fixture
async def h(any_db_url: str, clock) -> AsyncIterator[Harness]:
    harness = await Harness.open(any_db_url, clock)
    try:
        yield harness
    finally:
        await harness.close()


async def attended(h: Harness) -> dict[str, str]:
    """Who took part in the newest session, and how: `{name: how}` (one row each)."""
    async with h.app.store.read() as conn:
        session_id = (await conn.execute(select(Session.__table__.c.id))).scalars().all()[-1]
        found = list(
            await conn.execute(select(ATTENDANCE).where(ATTENDANCE.c.session_id == session_id))
        )
    names = [r.user_key.rsplit(":", 1)[1] for r in found]
    assert len(names) == len(set(names)), f"one row per person: {names}"
    return {name: r.how for name, r in zip(names, found, strict=True)}


async def all_rows(h: Harness) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(ATTENDANCE)))


@pytest.mark.asyncio
async def test_each_way_of_showing_up_is_recorded_once_and_the_first_wins(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    opening = h.button("I'm here")
    assert opening.action_id == HERE_ACTION

    out = await h.press("dave", "I'm here")  # listening, not typing
    assert private_to(out, "dave") == [MARKED] and public(out) == []
    assert all(isinstance(r, Ephemeral) for r in out), "the answer is dave's alone"
    out = await h.press("dave", "I'm here")
    assert private_to(out, "dave") == [ALREADY]

    await h.say("carol", "Morning all")
    await h.say("carol", "Glad to be here")
    out = await h.press("carol", "I'm here")  # she spoke first: that stays how she came
    assert private_to(out, "carol") == [ALREADY]

    await h.press("alice", "Next phase")  # → Updates
    await round_helpers.next_phases(h, 1)  # → Presenting (a command does not count)
    await h.say("bob", "Our rota keeps collapsing")
    await round_helpers.next_phases(h, 4)  # → Evaluation
    await h.press("erin", "4")  # a rating by button
    await h.say("frank", "4 energising")  # a rating in words
    await h.say("bob", "5")  # bob rates, having spoken first
    await h.press("alice", "3")  # alice rates, having pressed first

    assert await attended(h) == {
        "alice": "pressed",
        "bob": "spoke",
        "carol": "spoke",
        "dave": "here",
        "erin": "rated",
        "frank": "rated",
    }
    dave = next(r for r in await all_rows(h) if r.user_key == u("dave").key)
    assert dave.first_at == h.clock.now()


@pytest.mark.asyncio
async def test_what_is_not_taking_part_in_the_session(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.say("carol", "Is anyone joining the call?", in_thread=False)  # the channel
    await h.app.handle(
        MessagePosted(
            key=h.key(), user=u("carol"), channel=GENERAL, message=MessageRef(GENERAL, "m2"),
            text="Another conversation", thread=MessageRef(GENERAL, "not-the-round"),
        )
    )  # fmt: skip
    here = h.button("I'm here")
    await h.app.handle(
        ButtonPressed(
            key=h.key(), user=u("gina"), channel=ChannelRef(WS, "elsewhere"),
            action_id=here.action_id, value=here.value,
        )
    )  # fmt: skip
    assert private_to(h.new(), "gina") == [OUT_OF_DATE], "pressed outside the set's channel"
    await h.press("erin", "I'd like to present")
    assert await attended(h) == {"erin": "pressed"}

    await h.cmd("alice", "end")
    await h.say("carol", "Thanks, that was useful")  # in the round's thread, after it closed
    out = await h.press("dave", "I'm here")
    assert private_to(out, "dave") == ["That button is out of date: this session has ended."]
    assert await attended(h) == {"erin": "pressed"}


@pytest.mark.asyncio
async def test_the_bot_itself_never_counts(h: Harness) -> None:
    """A whole round of the bot's posts, run by commands alone, makes no row: the bot's own
    messages never arrive as events (the adapters drop them, and other bots' — their
    tests: tests/adapters/slack/test_e2e_attendance.py, tests/adapters/discord/
    test_attendance_button.py)."""
    await h.cmd("alice", "start @bob")
    await round_helpers.next_phases(h, 6)  # every phase, to Evaluation
    await h.wait(timedelta(minutes=10))
    await h.cmd("alice", "end")
    assert len(h.outlet.sent) > 10
    assert await all_rows(h) == []


@pytest.fixture
def attendance_statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "attendance" in statement.lower():
            seen.append(statement.split()[0].upper())

    event.listen(Engine, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", on_statement)


@pytest.mark.asyncio
async def test_a_message_costs_one_statement_and_none_once_known(
    h: Harness, attendance_statements: list[str]
) -> None:
    await h.cmd("alice", "start @bob")
    attendance_statements.clear()
    for n in range(4):
        h.clock.advance(timedelta(seconds=5))
        await h.say("carol", f"message {n}")
    # The first message inserts; the second finds the row from an earlier transaction and
    # remembers it; later ones cost nothing.
    assert attendance_statements == ["INSERT", "INSERT"]
    out = await h.press("carol", "I'm here")
    assert private_to(out, "carol") == [ALREADY]
    assert attendance_statements == ["INSERT", "INSERT"], "known: no statement"
    assert await attended(h) == {"carol": "spoke"}


@pytest.mark.asyncio
async def test_a_replayed_slice_still_records_who_spoke(h: Harness) -> None:
    """Events applied together share `now`; when one of them is refused the slice is rolled
    back and replayed. What the first attempt saw must not make the replay skip the row."""
    await h.cmd("alice", "start @bob")
    thread = h.header()
    for n in range(2):
        await h.app.submit(
            MessagePosted(
                key=f"same-slice:{n}", user=u("carol"), channel=GENERAL,
                message=MessageRef(GENERAL, f"s{n}"), text=f"hello {n}", thread=thread,
            )
        )  # fmt: skip
    await h.app.submit(
        ButtonPressed(key="refused", user=u("dave"), channel=GENERAL, action_id="round:nonsense")
    )
    await h.app.settle()
    assert private_to(h.new(), "dave") == [OUT_OF_DATE], "the refusal made the slice replay"
    assert await attended(h) == {"carol": "spoke"}
    h.clock.advance(timedelta(seconds=5))
    await h.say("carol", "still here")
    assert await attended(h) == {"carol": "spoke"}
