"""A DM asking about the set is answered from what the bot knows, and offered as nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.store.models import Draft
from testkit.harness import Harness, private_to
from testkit.nudges import closed_session


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
async def test_the_venue_and_link_come_from_the_schedule(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    out = await h.dm("bob", "where are we meeting")
    assert "I don't have a venue recorded for the set" in private_to(out, "bob")[0]
    await h.cmd("alice", "schedule 9 Feb 2026 10-12 in Room 8, Grange House")
    out = await h.dm("bob", "is the meeting still in Room 8? I might be late, my dad is ill")
    (answer,) = private_to(out, "bob")
    assert answer.split("\n")[0] == (
        "The next session is on Monday 9 February, 10:00–12:00 (Europe/London time), in Room 8, "
        "Grange House."
    )
    assert "I don't have a venue" not in answer
    assert "Nothing else from your message is shared with your set." in answer
    assert "send it to me as a message of its own" in answer
    assert "ill" not in answer.split("\n")[0]
    await h.cmd("alice", "schedule 9 Feb 2026 10am https://meet.google.com/abc-defg-hij")
    out = await h.dm("bob", "where are we meeting")
    assert private_to(out, "bob")[0] == (
        "The next session is on Monday 9 February, 10:00 (Europe/London time); join at "
        "https://meet.google.com/abc-defg-hij."
    )
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
