"""`/als schedule` as a facilitator announces a session: shown back in full, stored with its
end, venue and link, and said again by the reminders, the digest and `/als schedule`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.replies import Edit, Post
from bot.store.models import ScheduleRow
from testkit.harness import Harness, private_to, public
from testkit.nudges import (
    button_on,
    closed_session,
    dms,
    nudge_headers,
    press_button,
    utc,
    wait_until,
)

SCHEDULES = ScheduleRow.__table__


async def schedule_row(h: Harness) -> Any:
    async with h.app.store.read() as conn:
        return (await conn.execute(select(SCHEDULES))).first()


@pytest.mark.asyncio
async def test_venue_link_and_end_are_stored_shown_and_reminded(h: Harness) -> None:
    await closed_session(h)
    out = await h.cmd(
        "alice",
        "schedule Tuesday 10th February in Room 8 of the Town Hall at 10 – 12 "
        "<https://meet.google.com/abc-defg-hij|Meet> fortnightly",
    )
    assert public(out) == [
        "Next session: Tuesday 10 February 2026, 10:00–12:00 (Europe/London), Room 8 of the "
        "Town Hall, join at https://meet.google.com/abc-defg-hij, then every 2 weeks."
    ]
    row = await schedule_row(h)
    assert (row.first_at, row.ends_at) == (utc(2026, 2, 10, 10), utc(2026, 2, 10, 12))
    assert (row.venue, row.link) == (
        "Room 8 of the Town Hall",
        "https://meet.google.com/abc-defg-hij",
    )

    shown = await h.cmd("bob", "schedule")
    assert private_to(shown, "bob") == [
        "Next session: Tuesday 10 February 2026, 10:00–12:00 (Europe/London), Room 8 of the "
        "Town Hall, join at https://meet.google.com/abc-defg-hij, every 2 weeks"
    ]

    out = await wait_until(h, utc(2026, 2, 9, 10))
    reminders = [r.text.plain() for r in out if isinstance(r, Post) and "⏰" in r.text.plain()]
    assert reminders == [
        "⏰ Reminder: the set meets tomorrow, 10:00–12:00 (Europe/London), in Room 8 of the "
        "Town Hall; join at https://meet.google.com/abc-defg-hij. Previous presenters: the "
        "session opens with your updates."
    ]
    digest = [
        d.text.plain() for d in dms(out, "alice") if "Before the next session" in d.text.plain()
    ]
    assert (
        digest
        and "(Tuesday 10 February 2026, 10:00, Europe/London, in Room 8 of the Town Hall"
        in digest[0]
    )


@pytest.mark.asyncio
async def test_a_recurring_session_keeps_its_place_and_length_across_summer_time(
    h: Harness,
) -> None:
    """A 10:00–12:00 session every 4 weeks from 9 March is still 10:00–12:00 London time on
    6 April, after the clocks went forward, and still in Room 8."""
    await closed_session(h)
    await h.cmd("alice", "schedule 9/3 10-12 in Room 8 every 4 weeks")
    await wait_until(h, utc(2026, 3, 9, 13))
    shown = private_to(await h.cmd("alice", "schedule"), "alice")
    assert shown == [
        "Next session: Monday 6 April 2026, 10:00–12:00 (Europe/London), Room 8, every 4 weeks"
    ]


@pytest.mark.asyncio
async def test_no_time_said_means_the_sets_usual_time(h: Harness) -> None:
    """The set's `default_time`, else the last session's time, else 10:00."""
    await closed_session(h)  # Monday 12 January 2026, 10:00
    out = await h.cmd("alice", "schedule next thursday")
    assert public(out) == ["Next session: Thursday 15 January 2026, 10:00 (Europe/London)."]
    await h.cmd("alice", "schedule thursday 2.30pm")
    out = await h.cmd("alice", "schedule in 7 days")
    assert public(out) == ["Next session: Monday 19 January 2026, 14:30 (Europe/London)."]
    await h.cmd("alice", "settings default_time 9:15")
    out = await h.cmd("alice", "schedule next week")
    assert public(out) == ["Next session: Monday 19 January 2026, 09:15 (Europe/London)."]
    out = await h.cmd("alice", "schedule tomorrow afternoon")
    assert public(out) == ["Next session: Tuesday 13 January 2026, 14:00 (Europe/London)."]


@pytest.mark.asyncio
async def test_the_sets_locale_decides_how_numeric_dates_read(h: Harness) -> None:
    await closed_session(h)
    out = await h.cmd("alice", "schedule 03/04 10am")
    assert public(out) == ["Next session: Friday 3 April 2026, 10:00 (Europe/London)."]
    await h.cmd("alice", "settings locale us")
    out = await h.cmd("alice", "schedule 03/04 10am")
    assert public(out) == ["Next session: Wednesday 4 March 2026, 10:00 (Europe/London)."]


@pytest.mark.asyncio
async def test_refusals_name_the_part_and_change_nothing(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule thursday 10am in Room 8")
    for said, because in [
        ("thursday 25:61", "I couldn't read the time '25:61'."),
        ("Thursday 15th January blah", "I read Thursday 15 January 2026 but not 'blah'."),
    ]:
        out = await h.cmd("alice", f"schedule {said}")
        assert private_to(out, "alice")[0].startswith(because), said
    # A day with no time is checked with the set's usual time, here 10:00, already gone.
    await h.wait(timedelta(hours=2))
    out = await h.cmd("alice", "schedule today")
    assert private_to(out, "alice") == [
        "Monday 12 January 2026 10:00 (Europe/London) has already passed; choose a time in the "
        "future."
    ]
    row = await schedule_row(h)
    assert (row.first_at, row.venue) == (utc(2026, 1, 15, 10), "Room 8")


@pytest.mark.asyncio
async def test_a_nudge_says_where_the_next_session_is_and_keeps_it_when_snoozed(
    h: Harness,
) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule Thursday 12th February 10am in Room 8 of the Town Hall")
    out = await wait_until(h, utc(2026, 2, 9, 10))
    (header,) = nudge_headers(out, "bob")
    assert header.text.plain().startswith(
        "👋 Hi @bob — your set meets next on Thursday 12 February, 10:00 (Europe/London time), "
        "in Room 8 of the Town Hall.\n"
    )
    out = await press_button(h, "bob", *button_on(header, "Snooze 1 day"))
    (edit,) = [r for r in out if isinstance(r, Edit)]
    assert "(Europe/London time), in Room 8 of the Town Hall." in edit.text.plain()


@pytest.mark.asyncio
async def test_the_usual_time_is_on_the_sets_clock_whoever_schedules(h: Harness) -> None:
    """A facilitator in New York who says `next thursday` gets the London set's 10:00."""
    await closed_session(h)
    await h.cmd("alice", "settings my_timezone America/New_York")
    out = await h.cmd("alice", "schedule next thursday")
    assert public(out) == ["Next session: Thursday 15 January 2026, 10:00 (Europe/London)."]
    out = await h.cmd("alice", "schedule thursday 10am")  # a time said is the sayer's own
    assert public(out) == ["Next session: Thursday 15 January 2026, 15:00 (Europe/London)."]
