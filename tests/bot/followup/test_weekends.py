"""Nudges, reminders and the digest keep off weekends unless the set says otherwise.

The default config (`send_on_weekends` off) on a FakeClock: 9 February 2026 is a Monday.
"""

from __future__ import annotations

import pytest

from bot.replies import Direct, Edit, Post
from testkit.harness import Harness, public
from testkit.nudges import (
    button_on,
    closed_session,
    dms,
    nudge_headers,
    pending_nudges,
    press_button,
    timers_of,
    utc,
    wait_until,
)


async def due(h: Harness, kind: str) -> list:
    return [t.due_at for t in await timers_of(h, kind, "pending")]


@pytest.mark.asyncio
async def test_a_monday_session_reminds_digests_and_nudges_on_friday(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    friday = utc(2026, 2, 6, 10)
    assert await due(h, "reminder") == [friday, utc(2026, 2, 9, 9)], "1d on Friday, 1h stays"
    assert await due(h, "nudge_digest") == [friday]
    # 3 days before is Friday already; 1 day before (Sunday) moves there too: one nudge.
    assert await pending_nudges(h, "bob") == [friday]

    out = await wait_until(h, friday)
    assert any("⏰ Reminder: the set meets on Monday 9 February at 10:00" in t for t in public(out))
    assert any("Before the next session" in d.text.plain() for d in dms(out, "alice"))
    assert len(nudge_headers(out, "bob")) == 1
    weekend = await wait_until(h, utc(2026, 2, 9, 8, 59))
    assert not [r for r in weekend if isinstance(r, Post | Direct)], "nothing at the weekend"
    out = await wait_until(h, utc(2026, 2, 9, 9))
    assert any("in about an hour" in t for t in public(out))


@pytest.mark.asyncio
async def test_send_on_weekends_on_keeps_sunday(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "settings send_on_weekends on")
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    sunday = utc(2026, 2, 8, 10)
    assert await due(h, "reminder") == [sunday, utc(2026, 2, 9, 9)]
    assert await due(h, "nudge_digest") == [sunday]
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 10), sunday]
    # Switching it off again re-plans at once.
    await h.cmd("alice", "settings send_on_weekends off")
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 10)]
    assert await due(h, "reminder") == [utc(2026, 2, 6, 10), utc(2026, 2, 9, 9)]


@pytest.mark.asyncio
async def test_the_weekend_is_the_recipients_own(h: Harness) -> None:
    """Bob lives in Sydney (UTC+11 in February); the set meets Tuesday 08:00 London, which
    is Tuesday 19:00 in Sydney."""
    await closed_session(h)
    await h.cmd("bob", "settings my_timezone Sydney")
    await h.cmd("alice", "schedule 10 Feb 2026 8am")
    assert await pending_nudges(h, "bob") == [
        utc(2026, 2, 5, 23),  # 3 days before is Saturday in Sydney: Friday 10:00 there
        utc(2026, 2, 8, 23),  # Monday 10:00 in Sydney, while London still has Sunday
    ]
    # The channel's reminder keeps to the set's zone: Monday 08:00 London is a weekday.
    assert await due(h, "reminder") == [utc(2026, 2, 9, 8), utc(2026, 2, 10, 7)]


@pytest.mark.asyncio
async def test_a_friday_already_past_sends_the_nudge_and_digest_now(h: Harness) -> None:
    """Scheduled on Friday afternoon for Monday: Friday 10:00 has gone, so the nudge and the
    digest go at once; the "1d" reminder is dropped (the channel has just seen the
    schedule) and the "1h" one stays."""
    await closed_session(h)
    now = utc(2026, 2, 6, 15)
    await wait_until(h, now)
    out = await h.cmd("alice", "schedule 9 Feb 2026 10am")
    out += await wait_until(h, utc(2026, 2, 6, 15, 1))
    assert len(nudge_headers(out, "bob")) == 1
    assert any("Before the next session" in d.text.plain() for d in dms(out, "alice"))
    sent = [(t.kind, t.due_at, t.note[:4]) for t in await timers_of(h, "nudge")]
    sent += [(t.kind, t.due_at, t.note[:4]) for t in await timers_of(h, "nudge_digest")]
    assert sorted(s for s in sent if s[1] == now) == [
        ("nudge", now, "sent"),
        ("nudge_digest", now, "sent"),
    ]
    assert await due(h, "reminder") == [utc(2026, 2, 9, 9)]


@pytest.mark.asyncio
async def test_scheduled_at_the_weekend_for_monday_nothing_comes_before_monday(
    h: Harness,
) -> None:
    await closed_session(h)
    await wait_until(h, utc(2026, 2, 7, 12))  # Saturday
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    assert await pending_nudges(h, "bob") == [], "Monday 12:00 would be after the session"
    assert await due(h, "reminder") == [utc(2026, 2, 9, 9)]
    assert await due(h, "nudge_digest") == []


@pytest.mark.asyncio
async def test_a_set_that_meets_at_the_weekend_hears_about_it_at_the_weekend(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 8 Feb 2026 10am")  # a Sunday
    assert await due(h, "reminder") == [utc(2026, 2, 7, 10), utc(2026, 2, 8, 9)]
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 5, 10), utc(2026, 2, 7, 10)]


@pytest.mark.asyncio
async def test_a_nudge_claimed_at_the_weekend_waits_for_monday(h: Harness) -> None:
    """A nudge due on Friday but claimed on Saturday (the bot was down, or the person moved
    zone) is not sent at the weekend: it moves to Monday, before a Tuesday session."""
    await closed_session(h)
    await h.cmd("alice", "schedule 10 Feb 2026 10am")  # Tuesday
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 10), utc(2026, 2, 9, 10)]
    h.clock.set(utc(2026, 2, 7, 11))  # Saturday: the Friday nudge was never claimed
    out = await h.wait(utc(2026, 2, 7, 11) - h.clock.now())
    assert not nudge_headers(out, "bob")
    moved = [t for t in await timers_of(h, "nudge") if t.due_at == utc(2026, 2, 6, 10)]
    assert moved[0].note == "skipped: the weekend; moved to 2026-02-09T11:00:00+00:00"


@pytest.mark.asyncio
async def test_snoozing_on_friday_wakes_on_monday(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 11 Feb 2026 10am")  # Wednesday: nudges Fri 6 and Tue 10
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 10), utc(2026, 2, 10, 10)]
    header = nudge_headers(await wait_until(h, utc(2026, 2, 6, 10)), "bob")[0]
    out = await press_button(h, "bob", *button_on(header, "Snooze 1 day"))
    edit = [r for r in out if isinstance(r, Edit)][0]
    assert "Monday 9 February, 10:00" in edit.text.plain()
    snoozes = [t for t in await timers_of(h, "nudge") if (t.dedupe or "").startswith("snooze:")]
    assert [t.due_at for t in snoozes] == [utc(2026, 2, 9, 10)]
    assert not nudge_headers(await wait_until(h, utc(2026, 2, 9, 9, 59)), "bob")
    assert len(nudge_headers(await wait_until(h, utc(2026, 2, 9, 10)), "bob")) == 1
