"""Timers that lose nothing (issue 13), through the core on a fake clock: more time, a
presenter still speaking, an action said just late, the clock run by hand, a round with
nobody to present, the plan's total, and a volunteer queued during someone's turn."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.replies import Ephemeral, Post
from bot.store.models import Action, ScheduleRow, Timer
from testkit.harness import Harness, private_to, public
from tests.bot.followup.update_helpers import press_private

SEC = timedelta(seconds=1)
MIN = timedelta(minutes=1)


async def table(h: Harness, model) -> list:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(model.__table__)))


def headers(out: list) -> list[str]:
    return [r.text.plain() for r in out if (getattr(r, "handle", None) or "").endswith(":header")]


async def to_presenting(h: Harness, who: str = "@bob") -> None:
    await h.cmd("alice", f"start {who}")
    await h.cmd("alice", "next")
    await h.cmd("alice", "next")  # presenting, 8 minutes


async def bob_at_actions_with_carol_next(h: Harness) -> None:
    """Bob's Actions phase (5 minutes) starts now; Carol presents after him."""
    await h.cmd("alice", "start @bob @carol")
    for _ in range(5):
        await h.cmd("alice", "next")


@pytest.mark.asyncio
async def test_more_time_button_moves_the_deadline_and_the_old_one_does_nothing(
    h: Harness,
) -> None:
    await to_presenting(h)
    out = await h.press("carol", "+5 min")
    assert private_to(out, "carol") == ["Only a facilitator can give a phase more time."]
    assert not public(out)
    await h.wait(7 * MIN)  # one minute left
    out = await h.press("alice", "+5 min")
    assert [t for t in public(out) if not t.startswith("Action Learning")] == [
        "⏱ 5 min more for Presenting: 6 min left."
    ]
    assert any("6 min left" in t for t in headers(out)), "the header changes in place"
    out = await h.wait(MIN)  # the old deadline passes
    assert not public(out)
    async with h.app.store.read() as conn:
        notes = [r.note for r in await conn.execute(select(Timer.__table__))]
    assert "nothing due" in notes, "the old deadline's row ran and did nothing"
    out = await h.wait(4 * MIN)
    assert [t for t in public(out) if t not in headers(out)] == [
        "⏳ One minute left for Presenting."
    ]
    out = await h.wait(MIN)
    assert any(t.startswith("Questions for @bob") for t in public(out))


@pytest.mark.asyncio
async def test_als_more_takes_minutes_and_only_from_a_facilitator(h: Harness) -> None:
    await to_presenting(h)
    await h.cmd("carol", "join")
    out = await h.cmd("carol", "more 10")
    assert private_to(out, "carol") == [
        "Only a facilitator of this set can give the current phase more time."
    ]
    assert not public(out)
    for wrong in ("more 0", "more 31", "more ten"):
        out = await h.cmd("alice", wrong)
        said = private_to(out, "alice")
        assert said and "1 to 30" in said[0] and not public(out), wrong
    out = await h.cmd("alice", "more 10")
    assert "⏱ 10 min more for Presenting: 18 min left." in public(out)
    out = await h.cmd("alice", "more")
    assert "⏱ 5 min more for Presenting: 23 min left." in public(out)
    out = await h.wait(22 * MIN + 59 * SEC)
    assert not any(t.startswith("Questions for") for t in public(out))
    out = await h.wait(SEC)
    assert any(t.startswith("Questions for @bob") for t in public(out))


@pytest.mark.asyncio
async def test_an_action_said_just_after_actions_ended_is_the_presenters(h: Harness) -> None:
    await bob_at_actions_with_carol_next(h)
    out = await h.wait(5 * MIN)  # Bob's Actions phase times out into Carol's turn
    assert any(t.startswith("Presenting: @carol") for t in public(out))
    await h.wait(20 * SEC)
    out = await h.say("bob", "Check the budget")
    assert any(
        "Action recorded for @bob: Check the budget" in t
        and "counted as an action for @bob's turn" in t
        for t in public(out)
    )
    actions = await table(h, Action)
    assert [(a.owner_key.split(":")[-1], a.text) for a in actions] == [("bob", "Check the budget")]
    # Words that do not read as an action go the way they do in the Actions phase.
    out = await h.say("bob", "Hmm, the newsletter maybe")
    assert any("Record as action" in b.label for r in out for b in getattr(r, "buttons", ()))
    out = await press_private(h, "bob", "Record as action")
    assert any("counted as an action for @bob's turn" in t for t in public(out))
    # A minute on, Bob's words are his own again, and Carol's are never actions here.
    await h.wait(41 * SEC)
    assert not await h.say("bob", "Call the council")
    assert not await h.say("carol", "Call the council")
    assert len(await table(h, Action)) == 2


@pytest.mark.asyncio
async def test_the_last_presenters_late_action_is_not_taken_as_a_rating_or_comment(
    h: Harness,
) -> None:
    await h.cmd("alice", "start @bob")
    for _ in range(5):
        await h.cmd("alice", "next")
    await h.cmd("alice", "next")  # evaluation
    out = await h.say("bob", "Ring the council by Friday")
    assert any("counted as an action for @bob's turn" in t for t in public(out))
    out = await h.say("bob", "4 useful")
    assert any("4" in t for t in private_to(out, "bob"))
    out = await h.say("bob", "Thanks all, that was really helpful")
    assert not any("Record as action" in t for t in private_to(out, "bob"))
    assert len(await table(h, Action)) == 1


@pytest.mark.asyncio
async def test_a_presenter_still_typing_keeps_the_phase_then_it_moves_on(h: Harness) -> None:
    await bob_at_actions_with_carol_next(h)
    await h.wait(4 * MIN + 50 * SEC)
    await h.say("bob", "Call the volunteer centre")
    out = await h.wait(10 * SEC)  # the deadline: Bob spoke 10 seconds ago
    assert not any(t.startswith("Presenting: @carol") for t in public(out))
    out = await h.wait(19 * SEC)
    assert not public(out)
    out = await h.wait(SEC)  # 30 seconds of quiet
    assert any(t.startswith("Presenting: @carol") for t in public(out))


@pytest.mark.asyncio
async def test_a_presenter_who_keeps_typing_is_moved_on_after_two_minutes(h: Harness) -> None:
    await bob_at_actions_with_carol_next(h)
    await h.wait(4 * MIN + 55 * SEC)
    for _ in range(6):  # every 20 seconds, from 5 s before the deadline to 1:35 after it
        await h.say("bob", "and another thing to write to the trustees")
        out = await h.wait(20 * SEC)
        assert not any(t.startswith("Presenting: @carol") for t in public(out))
    await h.say("bob", "and one more")
    out = await h.wait(5 * SEC)  # 2:00 after the deadline
    assert any(t.startswith("Presenting: @carol") for t in public(out))


@pytest.mark.asyncio
async def test_with_auto_advance_off_time_up_is_said_once(h: Harness) -> None:
    await h.cmd("alice", "facilitator add @alice")
    out = await h.cmd("alice", "settings auto_advance off")
    assert not any("not" in t.lower() and "setting" in t.lower() for t in private_to(out, "alice"))
    await h.cmd("alice", "start @bob")
    out = await h.wait(3 * MIN)
    said = [t for t in public(out) if t.startswith("⏰")]
    assert said == [
        "⏰ Time is up for Opening. The facilitator moves on with [Next phase] "
        "(or gives more time with [+5 min])."
    ]
    assert not any(t.startswith("Updates from last time") for t in public(out))
    assert "phase: Opening · time is up" in headers(out)[-1]
    out = await h.wait(timedelta(hours=2))
    assert not public(out)
    out = await h.press("alice", "Next phase")
    assert any(t.startswith("Updates from last time") for t in public(out))
    await h.cmd("alice", "settings auto_advance on")
    out = await h.wait(10 * MIN)
    assert any(t.startswith("Presenting: @bob") for t in public(out))


@pytest.mark.asyncio
async def test_a_round_with_nobody_asks_who_will_present_and_waits(h: Harness) -> None:
    out = await h.cmd("alice", "start")
    [header] = headers(out)
    assert "Presenters:" not in header and "Who will present?" in header
    assert any(
        b.label == "I'd like to present" for r in out if isinstance(r, Post) for b in r.buttons
    )
    out = await h.wait(13 * MIN)  # the Opening, then the Updates, run out
    assert (
        public(out).count("Nobody has offered to present yet — press [I'd like to present].") == 1
    )
    assert "waiting for a presenter" in headers(out)[-1]
    out = await h.wait(timedelta(hours=3))
    assert not public(out), "it waits, saying nothing more"
    out = await h.cmd("alice", "next")
    assert any("Nobody is presenting yet" in t for t in private_to(out, "alice"))
    out = await h.press("carol", "I'd like to present")
    shown = public(out)
    assert any("@carol will present" in t for t in shown)
    assert any(t.startswith("Presenting: @carol") for t in shown), "it goes on at once"
    assert not any(t.startswith("Evaluation") for t in shown)


@pytest.mark.asyncio
async def test_the_plan_shows_its_total_and_warns_against_the_booked_length(h: Harness) -> None:
    await h.cmd("alice", "facilitator add @alice")
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    async with h.app.store.write() as conn:
        first_at = (await conn.execute(select(ScheduleRow.__table__.c.first_at))).scalar_one()
        await conn.execute(
            update(ScheduleRow.__table__).values(ends_at=first_at + timedelta(hours=2))
        )
    out = await h.cmd("alice", "start @bob @carol @dave @erin @frank @gina")
    opening = next(t for t in public(out) if t.startswith("Opening"))
    assert "— about 3 h 36 min in all" in opening
    assert "⚠ This plan (about 3 h 36 min) is longer than the 2 h booked" in opening
    await h.cmd("alice", "end")
    out = await h.cmd("alice", "start @bob @carol")
    opening = next(t for t in public(out) if t.startswith("Opening"))
    assert "— about 1 h 24 min in all" in opening and "⚠" not in opening


@pytest.mark.asyncio
async def test_without_a_booked_length_the_plan_shows_its_total_only(h: Harness) -> None:
    out = await h.cmd("alice", "start @bob @carol @dave @erin @frank @gina")
    opening = next(t for t in public(out) if t.startswith("Opening"))
    assert "about 3 h 36 min in all" in opening and "⚠" not in opening
    await h.cmd("alice", "end")
    out = await h.cmd("alice", "start")
    opening = next(t for t in public(out) if t.startswith("Opening"))
    assert "about 18 min, plus 33 min for each presenter" in opening


@pytest.mark.asyncio
async def test_a_volunteer_during_a_phase_is_queued_quietly_and_announced_at_its_end(
    h: Harness,
) -> None:
    await to_presenting(h)
    out = await h.press("carol", "I'd like to present")
    assert not public(out), "nothing in the thread, and the header stays as it is"
    [ack] = [r for r in out if isinstance(r, Ephemeral)]
    assert ack.user.id == "carol"
    assert ack.text.plain() == "You're next in the queue; I'll announce it when this phase ends."
    out = await h.press("dave", "I'd like to present")
    assert private_to(out, "dave") == [
        "You're in the queue, with 1 before you; I'll announce it when this phase ends."
    ]
    out = await h.cmd("alice", "next")  # Bob's Presenting ends: now they are named
    shown = [t for t in public(out) if not t.startswith("Action Learning")]
    assert shown[:2] == [
        "@carol will present in this session.",
        "@dave will present in this session.",
    ]
    assert shown[2].startswith("Questions for @bob")
    assert any("Presenters: @bob, @carol, @dave" in t for t in headers(out))
    for _ in range(2):  # summary, actions: named once, not again
        out = await h.cmd("alice", "next")
        assert not any("will present" in t for t in public(out))
    out = await h.cmd("alice", "next")
    assert any(t.startswith("Presenting: @carol") for t in public(out))
