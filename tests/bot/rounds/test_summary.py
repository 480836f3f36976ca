"""The closing summary says what happened: who presented, the ratings and their words,
and the next session — never the time the session itself was meant for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from testkit.harness import Harness, private_to, public
from tests.bot.rounds.round_helpers import next_phases


def summary_of(out: list) -> str:
    [found] = [t for t in public(out) if t.startswith("Session summary")]
    return found


async def whole_round(h: Harness, presenters: int) -> None:
    """From the opening to the evaluation, each presenter through their four phases."""
    await h.cmd("alice", "next")  # updates
    for _ in range(presenters):
        await next_phases(h, 4)  # presenting, questions, summary, actions
    await h.cmd("alice", "next")  # evaluation


@pytest.mark.asyncio
async def test_ended_early_lists_only_who_presented(h: Harness) -> None:
    await h.cmd("alice", "start @bob @carol")
    await h.cmd("alice", "next")  # updates
    await h.cmd("alice", "next")  # presenting: bob
    out = await h.cmd("alice", "end")
    summary = summary_of(out)
    assert summary.startswith("Session summary (ended early)")
    assert "\nPresenters: @bob\n" in summary
    assert "\nDid not present this time: @carol\n" in summary
    assert "Presenters: @bob, @carol" not in summary


@pytest.mark.asyncio
async def test_ended_before_anyone_presented(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    out = await h.cmd("alice", "end")
    summary = summary_of(out)
    assert "\nPresenters: nobody presented this time\n" in summary
    assert "\nDid not present this time: @bob\n" in summary


@pytest.mark.asyncio
async def test_a_presenter_who_left_is_named_as_not_presenting(h: Harness) -> None:
    await h.cmd("alice", "start @bob @carol")
    await h.cmd("alice", "next")  # updates
    await h.cmd("carol", "leave")
    await h.cmd("alice", "next")  # presenting: bob
    await next_phases(h, 4)  # … to the evaluation
    out = await h.cmd("alice", "next")
    summary = summary_of(out)
    assert "\nPresenters: @bob\n" in summary
    assert "\nDid not present this time: @carol\n" in summary


@pytest.mark.asyncio
async def test_a_full_round_lists_everyone_who_presented(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.cmd("carol", "join")
    await h.press("carol", "I'd like to present")
    await whole_round(h, presenters=2)
    summary = summary_of(await h.cmd("alice", "next"))
    assert "\nPresenters: @bob, @carol\n" in summary
    assert "Did not present" not in summary


@pytest.mark.asyncio
async def test_ratings_read_naturally_with_their_words(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await whole_round(h, presenters=1)
    await h.say("carol", "4 energising")
    summary = summary_of(await h.cmd("alice", "end"))
    assert "Evaluation: 1 rating, average 4.0/5 — energising." in summary

    await h.cmd("alice", "start @bob")
    await whole_round(h, presenters=1)
    await h.say("carol", "5 Energising")
    await h.say("dave", "4 energising")
    await h.say("erin", "four - focused")
    await h.press("frank", "5")  # a button gives no word
    summary = summary_of(await h.cmd("alice", "next"))
    assert "Evaluation: 4 ratings, average 4.5/5 — energising ×2, focused." in summary
    assert "rating(s)" not in summary


async def early_start(h: Harness, when: str) -> str:
    """Schedule a session for tomorrow 10:00, start it at 09:55 and end it at once."""
    await h.cmd("alice", "facilitator add @alice")  # the set, before any session
    await h.cmd("alice", f"schedule {when}")
    await h.wait(timedelta(hours=23, minutes=55))  # Tue 13 Jan 09:55 (London = UTC)
    await h.cmd("alice", "start @bob")
    await h.cmd("alice", "next")
    await h.cmd("alice", "next")  # bob presents
    return summary_of(await h.cmd("alice", "end"))


@pytest.mark.asyncio
async def test_a_session_started_early_is_that_session_not_the_next(h: Harness) -> None:
    summary = await early_start(h, "13 Jan 2026 10am every 4 weeks")
    assert "13 January" not in summary
    assert "Next session: Tuesday 10 February 2026, 10:00 (Europe/London)." in summary
    out = await h.cmd("alice", "schedule")
    assert "Tuesday 10 February 2026, 10:00" in private_to(out, "alice")[0]


@pytest.mark.asyncio
async def test_a_one_off_session_started_early_leaves_none_scheduled(h: Harness) -> None:
    summary = await early_start(h, "13 Jan 2026 10am")
    assert "13 January" not in summary
    assert "Next session: not scheduled yet" in summary
    out = await h.wait(timedelta(days=2))
    assert not any("Reminder" in t for t in public(out)), "nothing is planned for 10:00"


@pytest.mark.asyncio
async def test_a_session_held_well_before_the_scheduled_one_keeps_it(h: Harness) -> None:
    await h.cmd("alice", "facilitator add @alice")
    await h.cmd("alice", "schedule 13 Jan 2026 10am every 4 weeks")
    await h.cmd("alice", "start @bob")  # Mon 12 Jan 10:00: an extra session, a day before
    summary = summary_of(await h.cmd("alice", "end"))
    assert "Next session: Tuesday 13 January 2026, 10:00 (Europe/London)." in summary


@pytest.mark.asyncio
async def test_the_summary_says_where_and_how_long_the_next_session_is(h: Harness) -> None:
    summary = await early_start(h, "13 Jan 2026 10-12 in Room 8 https://zoom.us/j/1 every 4 weeks")
    assert (
        "Next session: Tuesday 10 February 2026, 10:00–12:00 (Europe/London), Room 8, "
        "join at https://zoom.us/j/1." in summary
    )
