"""The prompt of the week through the real core (`bot.network.prompts`): turning it on and
off, the timer, the weeks it skips, its rotation, restarts. The fake clock starts on Monday
12 January 2026 at 10:00 UTC (10:00 in London, the set's default zone)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.clock import FakeClock
from bot.store.models import Set as SetRow
from testkit.harness import Harness, private_to, public
from testkit.nudges import closed_session, wait_until
from tests.bot.network.prompt_helpers import (
    a_set,
    posted_prompts,
    posts,
    prompt_timers,
    prompts_in,
    utc,
)

LONDON = ZoneInfo("Europe/London")
BANK_0 = "Where does your power lie, and how do you use it?"
BANK_1 = "What is one small 'do' you saw this week?"


@pytest.mark.asyncio
async def test_turning_it_on_plans_next_monday_and_says_so(h: Harness) -> None:
    await a_set(h, "bob")
    out = await h.cmd("alice", "prompts on")
    [said] = private_to(out, "alice")
    assert said.startswith("The prompt of the week is on: Monday 10:00 (Europe/London)")
    # Monday 10:00 is now: the next one is a week away, strictly after now.
    assert "The next: Monday 19 January 2026, 10:00 (Europe/London)." in said
    [told] = public(out)
    assert told.startswith("@alice turned on the prompt of the week")
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 19, 10)]
    [timer] = await prompt_timers(h)
    assert timer.dedupe == "prompt:1:20260119T1000Z" and timer.payload["week"] == "2026-W04"

    # Another day and time: the one pending timer moves; the channel is not told again.
    out = await h.cmd("alice", "prompts on tue 9:30")
    assert "Tuesday 09:30" in private_to(out, "alice")[0]
    assert "The next: Tuesday 13 January 2026, 09:30" in private_to(out, "alice")[0]
    assert public(out) == []
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 13, 9, 30)]
    assert len(await prompt_timers(h, "cancelled")) == 1


@pytest.mark.asyncio
async def test_only_a_facilitator_turns_it_on_or_off(h: Harness) -> None:
    await a_set(h, "bob")
    for words in ("prompts on", "prompts off", "prompts on friday 9am"):
        out = await h.cmd("bob", words)
        assert not public(out)
        [said] = private_to(out, "bob")
        assert "facilitator" in said, said
    assert await prompt_timers(h) == []


@pytest.mark.asyncio
async def test_off_cancels_the_pending_prompt_and_nothing_is_posted(h: Harness) -> None:
    await a_set(h, "bob")
    await h.cmd("alice", "prompts on")
    out = await h.cmd("alice", "prompts off")
    assert private_to(out, "alice") == [
        "The prompt of the week is off. `/als prompts on` turns it on again."
    ]
    assert await prompt_timers(h) == []
    assert "already off" in private_to(await h.cmd("alice", "prompts off"), "alice")[0]
    assert prompts_in(await h.wait(timedelta(days=21))) == []
    listed = private_to(await h.cmd("bob", "prompts list"), "bob")[0]
    assert listed.startswith("Prompt of the week: off.")
    # On again at the same time: the cancelled row comes back rather than a second one.
    await h.cmd("alice", "prompts on")
    assert len(await prompt_timers(h)) == 1


@pytest.mark.asyncio
async def test_saturday_comes_on_friday_unless_the_set_sends_at_weekends(h: Harness) -> None:
    await a_set(h)
    said = private_to(await h.cmd("alice", "prompts on saturday 10:00"), "alice")[0]
    assert "Saturday is a weekend day and this set doesn't send at weekends" in said
    assert "The next: Friday 16 January 2026, 10:00" in said
    await h.cmd("alice", "settings send_on_weekends on")  # re-plans at once
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 17, 10)]
    said = private_to(await h.cmd("alice", "prompts on sat 7am"), "alice")[0]
    assert "07:00 is inside the quiet hours (20:00-08:00), so it comes at 08:00" in said
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 17, 8)]


@pytest.mark.asyncio
async def test_a_new_time_zone_moves_the_prompt(h: Harness) -> None:
    await a_set(h)
    await h.cmd("alice", "prompts on")
    await h.cmd("alice", "settings timezone New York")
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 12, 15)]


@pytest.mark.asyncio
async def test_the_post_asks_for_replies_in_its_thread_and_keeps_none(h: Harness) -> None:
    await a_set(h, "bob")
    await h.cmd("alice", "settings do_emoji 🌱")
    await h.cmd("alice", "prompts on")
    [prompt] = prompts_in(await wait_until(h, utc(2026, 1, 19, 10)))
    assert prompt.handle == "prompt:1:2026-W04"
    assert prompt.text.plain() == (
        f"💬 Prompt of the week: {BANK_0}\n"
        "Reply in this thread. Your replies stay in this thread; I don't keep them. "
        "React to a reply with 🌱 to save it as a do in the set's toolkit."
    )
    [row] = await posts(h)
    assert (row.week, row.prompt_key, row.posted_at) == ("2026-W04", "bank:0", utc(2026, 1, 19, 10))
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 26, 10)]


@pytest.mark.asyncio
async def test_rotation_goes_through_the_bank_and_the_sets_own(h: Harness) -> None:
    await a_set(h, "bob")
    await h.cmd("bob", "prompts add What surprised you this week?")
    await h.cmd("alice", "prompts on")
    weeks = []
    for _ in range(3):
        weeks += prompts_in(await h.wait(timedelta(days=7)))
    # Added now, never posted: it goes before the ones already posted.
    await h.cmd("bob", "prompts add Who helped you this week?")
    for _ in range(5):
        weeks += prompts_in(await h.wait(timedelta(days=7)))
    firsts = [p.text.plain().split("\n")[0].removeprefix("💬 Prompt of the week: ") for p in weeks]
    assert firsts == [
        BANK_0,
        BANK_1,
        "What would you like to do, and what do you like doing?",
        "Describe this month's work in one word or image.",
        "What surprised you this week?",
        "Who helped you this week?",
        BANK_0,  # then the least recently posted
        BANK_1,
    ]
    assert [r.prompt_key for r in await posts(h)][4:6] == ["set:1", "set:2"]
    assert len({r.week for r in await posts(h)}) == 8


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("when", "weekends", "start", "session", "expected"),
    [
        # Mondays: week 2 has a Thursday session; the clocks go forward at its end (29 March).
        (
            "monday 10:00",
            "off",
            utc(2026, 3, 10, 12),
            "schedule 26 March 2026 2pm",
            [utc(2026, 3, 16, 10), utc(2026, 3, 30, 9), utc(2026, 4, 6, 9)],
        ),
        # Sundays (weekends on): the clocks go forward on week 3's own Sunday, before 10:00.
        (
            "sunday 10:00",
            "on",
            utc(2026, 3, 9, 12),
            "schedule 18 March 2026 2pm",
            [utc(2026, 3, 15, 10), utc(2026, 3, 29, 9), utc(2026, 4, 5, 9)],
        ),
    ],
)
async def test_a_prompt_week_across_a_session_week_and_a_dst_change(
    h: Harness, when: str, weekends: str, start: datetime, session: str, expected: list[datetime]
) -> None:
    h.clock.set(start)
    await a_set(h, "bob")
    await h.cmd("alice", f"settings send_on_weekends {weekends}")
    await h.cmd("alice", f"prompts on {when}")
    await wait_until(h, expected[0])
    # After week 1's prompt, week 2's is planned; the session scheduled now moves it on.
    week_2 = expected[0] + timedelta(days=7)
    assert [t.due_at for t in await prompt_timers(h)] == [week_2]
    await h.cmd("alice", session)
    assert [t.due_at for t in await prompt_timers(h)] == [expected[1]]
    await wait_until(h, expected[-1] + timedelta(days=1))
    times = [at for at, _ in posted_prompts(h)]
    assert times == expected
    assert [r.posted_at for r in await posts(h)] == expected
    assert {t.astimezone(LONDON).strftime("%H:%M") for t in times} == {"10:00"}


@pytest.mark.asyncio
async def test_a_session_held_that_week_is_seen_when_the_prompt_is_due(h: Harness) -> None:
    """No schedule says so (an unscheduled session, still running): the timer's own check
    skips the week."""
    await a_set(h, "bob")
    await h.cmd("alice", "prompts on wednesday 10:00")
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 14, 10)]
    h.clock.set(utc(2026, 1, 14, 9, 50))
    await h.cmd("alice", "start @bob")
    out = await wait_until(h, utc(2026, 1, 14, 10, 1))
    assert prompts_in(out) == []
    [skipped] = await prompt_timers(h, "skipped")
    assert skipped.note.startswith("skipped: the set meets that week; next 2026-01-21T10:00")
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 21, 10)]


@pytest.mark.asyncio
async def test_checked_again_when_due(h: Harness) -> None:
    await a_set(h)
    await h.cmd("alice", "prompts on")
    # Turned off behind the command's back (a value written by hand): it is read when due.
    async with h.app.store.write() as conn:
        await conn.execute(update(SetRow.__table__).values(settings={"prompts": "off"}))
    assert prompts_in(await wait_until(h, utc(2026, 1, 19, 11))) == []
    [skipped] = await prompt_timers(h, "skipped")
    assert skipped.note == "skipped: prompts are off"
    assert await prompt_timers(h) == []


@pytest.mark.asyncio
async def test_a_prompt_a_day_late_waits_for_next_week(h: Harness) -> None:
    await a_set(h)
    await h.cmd("alice", "prompts on")
    h.clock.set(utc(2026, 1, 20, 11))  # the bot was down over Monday 10:00
    await h.app.settle()
    assert prompts_in(h.new()) == []
    [skipped] = await prompt_timers(h, "skipped")
    assert skipped.note.startswith("skipped: too late")
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 26, 10)]
    # A few hours late is still that week's prompt.
    h.clock.set(utc(2026, 1, 26, 15))
    await h.app.settle()
    assert len(prompts_in(h.new())) == 1


@pytest.mark.asyncio
async def test_it_survives_a_restart(sqlite_url: str, clock: FakeClock) -> None:
    first = await Harness.open(sqlite_url, clock)
    try:
        await a_set(first, "bob")
        await first.cmd("alice", "prompts on")
    finally:
        await first.close()
    second = await Harness.open(sqlite_url, clock)
    try:
        out = await wait_until(second, utc(2026, 1, 19, 10, 1))
        assert len(prompts_in(out)) == 1
        assert [t.due_at for t in await prompt_timers(second)] == [utc(2026, 1, 26, 10)]
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_on_by_the_config_it_is_planned_when_a_session_closes(
    sqlite_url: str, clock: FakeClock
) -> None:
    """`[defaults] prompts` turns prompts on for every set without a command: the first
    session's close plans them, skipping that session's own week."""
    h = await Harness.open(sqlite_url, clock, ALSBOT_DEFAULTS_PROMPTS="tuesday 9:30")
    try:
        await a_set(h, "bob")
        assert await prompt_timers(h) == []
        await closed_session(h)  # this week has a session now
        assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 20, 9, 30)]
        listed = private_to(await h.cmd("bob", "prompts list"), "bob")[0]
        assert listed.startswith("Prompt of the week: Tuesday 09:30 (Europe/London)")
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_on_by_the_config_a_list_plans_it_too(sqlite_url: str, clock: FakeClock) -> None:
    h = await Harness.open(sqlite_url, clock, ALSBOT_DEFAULTS_PROMPTS="tuesday 9:30")
    try:
        await a_set(h, "bob")
        listed = private_to(await h.cmd("bob", "prompts list"), "bob")[0]
        assert "Next: Tuesday 13 January 2026, 09:30 (Europe/London)." in listed
        assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 13, 9, 30)]
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_a_set_that_meets_every_week_is_told_no_week_is_free(h: Harness) -> None:
    await a_set(h, "bob")
    await h.cmd("alice", "schedule thursday 2pm every week")
    said = private_to(await h.cmd("alice", "prompts on"), "alice")[0]
    assert said.endswith(
        "But the set meets every week, so no week in the coming year is free for one."
    )
    assert await prompt_timers(h) == []
    listed = private_to(await h.cmd("bob", "prompts list"), "bob")[0]
    assert "No week in the coming year is free of a session." in listed
    # Every other week instead: the weeks between get their prompt.
    await h.cmd("alice", "schedule thursday 2pm every 2 weeks")
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 19, 10)]


@pytest.mark.asyncio
async def test_scheduling_and_clearing_a_session_moves_the_prompt(h: Harness) -> None:
    await a_set(h, "bob")
    await h.cmd("alice", "prompts on")
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 19, 10)]
    await h.cmd("alice", "schedule 22 January 2026 2pm")
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 26, 10)]
    await h.cmd("alice", "schedule clear")
    assert [t.due_at for t in await prompt_timers(h)] == [utc(2026, 1, 19, 10)]
    assert len(await prompt_timers(h, None)) == 2, "the first row came back, no third"
