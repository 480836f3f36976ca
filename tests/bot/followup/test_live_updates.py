"""Updates given live in the Updates phase: recorded, shown back privately, editable."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.replies import Ephemeral, Post
from bot.store.models import Action, Draft, OutcomeUpdate
from testkit.harness import Harness, private_to
from testkit.nudges import closed_session, nudge_headers, utc, wait_until
from tests.bot.followup.update_helpers import dm_and_share, press_on, press_private

ACTIONS = ("Call the volunteer centre", "Write to the trustees")


async def stored(h: Harness, model: Any) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(model.__table__).order_by(model.__table__.c.id)))


async def in_updates_phase(h: Harness) -> None:
    """Bob presented last time (two actions); four weeks on, the next session's Updates."""
    await closed_session(h, actions=ACTIONS)
    await h.cmd("alice", "schedule 9 Feb 2026 10am every 4 weeks")
    await wait_until(h, utc(2026, 2, 9, 10))
    await h.cmd("alice", "start @dave")
    await h.cmd("alice", "next")
    h.new()


@pytest.mark.asyncio
async def test_a_previous_presenters_message_is_their_update(h: Harness) -> None:
    await in_updates_phase(h)
    out = await h.say("bob", "The centre will send two people; no word from the trustees")
    assert all(isinstance(r, Ephemeral) and r.user.id == "bob" for r in out), out
    assert all(r.thread is not None for r in out if isinstance(r, Ephemeral))
    shown = private_to(out, "bob")
    assert shown[0].endswith("“The centre will send two people; no word from the trustees”")
    assert [b.label for b in out[0].buttons] == ["Edit", "Remove"]
    assert "• Call the volunteer centre — open" in shown
    assert "• Write to the trustees — open" in shown
    updates = await stored(h, OutcomeUpdate)
    assert [(u.user_key, u.session_id) for u in updates] == [("console:local:bob", 2)]
    # A second message is recorded too, without showing the actions again.
    out = await h.say("bob", "And the rota is in place")
    assert len(private_to(out, "bob")) == 1
    assert len(await stored(h, OutcomeUpdate)) == 2
    actions = private_to(await h.cmd("alice", "actions @bob"), "alice")[0]
    assert "@bob — has given an update" in actions


@pytest.mark.asyncio
async def test_others_and_greetings_are_not_recorded(h: Harness) -> None:
    await in_updates_phase(h)
    assert await h.say("carol", "Well done Bob, that sounds great") == []
    assert await h.say("alice", "Who would like to go first?") == []
    assert await h.say("bob", "Hi all!") == []
    assert await stored(h, OutcomeUpdate) == []


@pytest.mark.asyncio
async def test_status_buttons_in_the_thread(h: Harness) -> None:
    await in_updates_phase(h)
    await h.say("bob", "Mixed month, honestly")
    out = await press_private(h, "bob", "Partly")
    assert private_to(out, "bob") == ["✓ “Write to the trustees” is now marked partly done."]
    assert all(isinstance(r, Ephemeral) for r in out), "answered where it was pressed"
    out = await press_private(h, "bob", "Done", by="carol")
    assert "isn't one of yours" in private_to(out, "carol")[0]
    assert [a.status for a in await stored(h, Action)] == ["open", "partly"]


@pytest.mark.asyncio
async def test_status_in_words_in_the_thread_is_confirmed_first(h: Harness) -> None:
    await in_updates_phase(h)
    out = await h.say("bob", "The trustees one is done, they said yes")
    shown = private_to(out, "bob")
    assert "Mark “Write to the trustees” as done?" in shown
    assert "• Write to the trustees — open" not in shown, "asked about in words instead"
    assert "• Call the volunteer centre — open" in shown
    assert [a.status for a in await stored(h, Action)] == ["open", "open"]
    await press_private(h, "bob", "No")
    assert [a.status for a in await stored(h, Action)] == ["open", "open"]
    await press_private(h, "bob", "Yes, mark done")
    assert [a.status for a in await stored(h, Action)] == ["open", "done"]


@pytest.mark.asyncio
async def test_edit_in_the_thread_replaces_it(h: Harness) -> None:
    await in_updates_phase(h)
    await h.say("bob", "The centre will send two poeple")
    out = await press_private(h, "bob", "Edit")
    assert "it will replace" in private_to(out, "bob")[0]
    out = await h.say("bob", "The centre will send two people in March")
    assert private_to(out, "bob")[0].startswith("✎ Your update for this session now reads:")
    assert [u.text for u in await stored(h, OutcomeUpdate)] == [
        "The centre will send two people in March"
    ]
    assert await stored(h, Draft) == []


@pytest.mark.asyncio
async def test_edit_by_dm_is_previewed_then_replaces_it(h: Harness) -> None:
    await in_updates_phase(h)
    await h.say("bob", "The centre will send two poeple")
    await press_private(h, "bob", "Edit")
    await h.cmd("alice", "next")
    out = await h.dm("bob", "The centre will send two people in March")
    shown = [
        d for d in out if any(b.label == "Replace my update" for b in getattr(d, "buttons", ()))
    ]
    assert shown and "Your update would now read:" in shown[0].text.plain()
    assert [u.text for u in await stored(h, OutcomeUpdate)] == ["The centre will send two poeple"]
    await press_on(h, "bob", shown[0], "Replace my update")
    assert [u.text for u in await stored(h, OutcomeUpdate)] == [
        "The centre will send two people in March"
    ]


@pytest.mark.asyncio
async def test_keep_the_old_one_and_remove(h: Harness) -> None:
    await in_updates_phase(h)
    await h.say("bob", "Not much to report")
    await press_private(h, "bob", "Edit")
    out = await press_private(h, "bob", "Keep the old one")
    assert "your update stays as it was" in private_to(out, "bob")[0]
    assert await stored(h, Draft) == []
    out = await press_private(h, "bob", "Remove", by="carol")
    assert "isn't yours" in private_to(out, "carol")[0]
    out = await press_private(h, "bob", "Remove")
    assert private_to(out, "bob")[0].startswith("Removed: it is no longer recorded")
    assert await stored(h, OutcomeUpdate) == []
    assert "@bob — no update yet" in private_to(await h.cmd("alice", "actions @bob"), "alice")[0]


@pytest.mark.asyncio
async def test_a_live_update_counts_for_its_own_cycle_not_the_next(h: Harness) -> None:
    await in_updates_phase(h)
    await h.say("bob", "The centre will send two people")
    await h.wait(timedelta(minutes=5))
    await h.cmd("alice", "end")
    await h.wait(timedelta(hours=1))
    actions = private_to(await h.cmd("alice", "actions @bob"), "alice")[0]
    assert "@bob — has given an update (live, at the last session)" in actions
    # Before the session after, Bob is asked again: last time's update is not this time's.
    out = await wait_until(h, utc(2026, 3, 6, 11))
    assert len(nudge_headers(out, "bob")) == 1
    await h.cmd("alice", "start @dave")
    updates = [
        r.text.plain()
        for r in await h.cmd("alice", "next")
        if isinstance(r, Post) and r.text.plain().startswith("Updates from last time")
    ]
    assert "The centre will send two people" not in updates[0]
    assert "No update yet from @bob" in updates[0]


@pytest.mark.asyncio
async def test_the_updates_phase_shows_a_shared_dm_but_never_a_draft(h: Harness) -> None:
    await closed_session(h, actions=ACTIONS)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    await dm_and_share(h, "bob", "The centre will send two people")
    await h.dm("bob", "I am struggling at home at the moment")
    assert [d.text for d in await stored(h, Draft)] == ["I am struggling at home at the moment"]
    await wait_until(h, utc(2026, 2, 9, 10))
    await h.cmd("alice", "start @dave")
    out = await h.cmd("alice", "next")
    text = " ".join(r.text.plain() for r in out if isinstance(r, Post))
    assert "Update: “The centre will send two people”" in text
    assert "struggling" not in text
