"""Attendance is a person's own record: `export-me` shows it, `forget-me` removes it (issue 17),
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.replies import File
from bot.store.models import Attendance, Session
from testkit.harness import Harness, private_to, u


@pytest_asyncio.fixture
async def h(any_db_url: str, clock) -> AsyncIterator[Harness]:
    harness = await Harness.open(any_db_url, clock)
    try:
        yield harness
    finally:
        await harness.close()


async def session_ids(h: Harness) -> list[int]:
    async with h.app.store.read() as conn:
        table = Session.__table__
        return list((await conn.execute(select(table.c.id).order_by(table.c.id))).scalars())


async def attendance(h: Harness) -> list[Any]:
    async with h.app.store.read() as conn:
        table = Attendance.__table__
        return list(await conn.execute(select(table).order_by(table.c.id)))


async def two_sessions(h: Harness) -> None:
    """Bob speaks in the first session and presses [I'm here] in the second; Carol is in
    the first only."""
    await h.cmd("alice", "start")
    await h.say("bob", "Morning")
    await h.say("carol", "Hello")
    await h.cmd("alice", "end")
    h.clock.advance(timedelta(days=28))
    await h.cmd("alice", "start")
    await h.press("bob", "I'm here")
    await h.cmd("alice", "end")


async def export(h: Harness, who: str) -> dict[str, Any]:
    files = [r for r in await h.cmd(who, "export-me") if isinstance(r, File)]
    assert len(files) == 1
    data: dict[str, Any] = json.loads(files[0].content)
    return data


@pytest.mark.asyncio
async def test_export_me_lists_the_sessions_i_took_part_in(h: Harness) -> None:
    await two_sessions(h)
    first, second = await session_ids(h)
    mine = await export(h, "bob")
    assert [(a["session_id"], a["how"]) for a in mine["attendance"]] == [
        (first, "spoke"),
        (second, "here"),
    ]
    rows = {r.session_id: r for r in await attendance(h) if r.user_key == u("bob").key}
    assert [a["first_at"] for a in mine["attendance"]] == [
        rows[first].first_at.isoformat(),
        rows[second].first_at.isoformat(),
    ]
    assert u("carol").key not in json.dumps(mine)
    theirs = await export(h, "carol")
    assert [(a["session_id"], a["how"]) for a in theirs["attendance"]] == [(first, "spoke")]


@pytest.mark.asyncio
async def test_forget_me_removes_my_attendance_and_keeps_others(h: Harness) -> None:
    await two_sessions(h)
    preview = private_to(await h.cmd("bob", "forget-me"), "bob")[0]
    assert "the sessions you took part in" in preview
    assert len(await attendance(h)) == 3, "nothing is removed without confirmation"
    await h.cmd("bob", "forget-me confirm")
    assert [r.user_key for r in await attendance(h)] == [u("carol").key]
    assert (await export(h, "bob"))["attendance"] == []


@pytest.mark.asyncio
async def test_someone_forgotten_mid_session_who_speaks_again_is_counted_again(
    h: Harness,
) -> None:
    """The process remembered carol's row (to skip the insert); forget-me deletes the row,
    so it must forget that too."""
    await h.cmd("alice", "start")
    for n in range(3):
        h.clock.advance(timedelta(seconds=5))
        await h.say("carol", f"message {n}")
    await h.cmd("carol", "forget-me confirm")
    assert await attendance(h) == []
    h.clock.advance(timedelta(seconds=5))
    await h.say("carol", "Still here, just forgotten")
    assert [(r.user_key, r.how) for r in await attendance(h)] == [(u("carol").key, "spoke")]
