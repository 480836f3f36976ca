"""The next session's Updates phase and `/als actions`: who has updated, and what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from testkit.harness import Harness, private_to, public
from testkit.nudges import button_on, closed_session, dms, press_button, utc, wait_until
from tests.bot.followup.update_helpers import dm_and_share


async def two_presenters(h: Harness) -> None:
    await h.cmd("alice", "start @bob @carol")
    for _ in range(5):
        await h.cmd("alice", "next")
    await h.say("bob", "Call the volunteer centre")
    await h.say("bob", "Write to the trustees")
    for _ in range(4):
        await h.cmd("alice", "next")
    await h.say("carol", "Plan the quarter")
    await h.cmd("alice", "next")
    await h.cmd("alice", "next")


@pytest.mark.asyncio
async def test_updates_phase_shows_updates_and_statuses_and_asks_the_rest(h: Harness) -> None:
    await two_presenters(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    out = await wait_until(h, utc(2026, 2, 6, 10))
    call = [d for d in dms(out, "bob") if d.text.plain().startswith("• Call")][0]
    await press_button(h, "bob", *button_on(call, "Done"))
    await dm_and_share(h, "bob", "The centre will send two people.")
    await wait_until(h, utc(2026, 2, 9, 10))

    await h.cmd("alice", "start @dave")
    out = await h.cmd("alice", "next")
    updates = [t for t in public(out) if t.startswith("Updates from last time")][0]
    assert (
        "@bob:\n  • Call the volunteer centre — done\n  • Write to the trustees — open\n"
        "  Update: “The centre will send two people.”" in updates
    )
    assert "@carol:\n  • Plan the quarter — open" in updates
    assert "No update yet from @carol — please share yours live now." in updates
    assert "No update yet from @bob" not in updates


@pytest.mark.asyncio
async def test_first_session_and_no_actions(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    out = await h.cmd("alice", "next")
    assert any("This is the set's first session" in t for t in public(out))


@pytest.mark.asyncio
async def test_an_old_update_does_not_count_for_the_next_cycle(h: Harness) -> None:
    await closed_session(h)
    await dm_and_share(h, "bob", "First cycle: I phoned the centre.")
    out = private_to(await h.cmd("alice", "actions"), "alice")[0]
    assert "@bob — has given an update" in out
    # A second session closes; Bob's old update belongs to the cycle before it.
    await h.wait(timedelta(days=28))
    await h.cmd("alice", "start @dave")
    await h.cmd("alice", "end")
    out = private_to(await h.cmd("alice", "actions"), "alice")[0]
    assert "@bob — no update yet" in out
    await h.wait(timedelta(days=1))
    await dm_and_share(h, "bob", "Second cycle: still waiting to hear back.")
    out = private_to(await h.cmd("alice", "actions"), "alice")[0]
    assert "@bob — has given an update" in out
