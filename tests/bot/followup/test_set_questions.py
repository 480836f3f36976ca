"""A DM asking about the set is answered from what the bot knows, and offered as nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from bot.store.models import Draft
from bot.store.models import Set as SetRow
from testkit.harness import Harness, private_to
from testkit.nudges import closed_session

SETS = SetRow.__table__


async def set_venue(h: Harness, venue: Any) -> None:
    """The "venue" setting comes with a later issue: written here as it would be stored."""
    async with h.app.store.write() as conn:
        await conn.execute(update(SETS).values(settings={"venue": venue}))


async def drafts(h: Harness) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(Draft.__table__)))


@pytest.mark.asyncio
async def test_the_next_session_in_the_askers_own_time_zone(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am every 4 weeks")
    await h.cmd("bob", "settings my_timezone America/New_York")
    out = await h.dm("bob", "what time is the next meeting?")
    assert private_to(out, "bob") == [
        "The next session is on Monday 9 February, 05:00 (America/New_York time)."
    ]
    out = await h.dm("alice", "is it still on?")
    assert private_to(out, "alice") == [
        "As far as I know it's on: the next session is on Monday 9 February, 10:00 "
        "(Europe/London time)."
    ]
    assert await drafts(h) == []


@pytest.mark.asyncio
async def test_the_venue_when_the_set_has_one(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    out = await h.dm("bob", "where are we meeting")
    assert "I don't have a venue recorded for the set" in private_to(out, "bob")[0]
    await set_venue(h, "Room 8, Grange House")
    out = await h.dm("bob", "is the meeting still in Room 8? I might be late, my dad is ill")
    (answer,) = private_to(out, "bob")
    assert "The set meets at: Room 8, Grange House." in answer
    assert "Nothing else from your message is shared with your set." in answer
    assert "send it to me as a message of its own" in answer
    assert "ill" not in answer.split("\n")[0]
    for odd in (8, {"room": 8}, "   "):  # read defensively: a setting of another shape
        await set_venue(h, odd)
        out = await h.dm("bob", "which room are we in?")
        assert "I don't have a venue recorded" in private_to(out, "bob")[0]
    assert await drafts(h) == []


@pytest.mark.asyncio
async def test_no_schedule_a_session_running_and_no_set(h: Harness) -> None:
    await closed_session(h)
    out = await h.dm("bob", "when is the next session?")
    assert "No next session is scheduled" in private_to(out, "bob")[0]
    await h.cmd("alice", "start")
    out = await h.dm("bob", "is it still on?")
    assert "Your set is meeting right now" in private_to(out, "bob")[0]
    out = await h.dm("zed", "when is the next session?")
    assert "you're not in one yet" in private_to(out, "zed")[0]
    assert await drafts(h) == []
