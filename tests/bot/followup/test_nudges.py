"""Outcome nudges through the real core: when they go, what they say, what stops them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio

from bot.clock import FakeClock
from bot.events import ButtonPressed
from bot.replies import Edit
from testkit.harness import Harness, private_to, u
from testkit.nudges import (
    action_rows,
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
from tests.bot.followup.update_helpers import press_on, preview


@pytest_asyncio.fixture
async def h(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """These tests pin lead times, quiet hours and DST on sessions whose nudges fall at
    weekends, so weekend sending is on here; `test_weekends.py` covers the default (off)."""
    harness = await Harness.open(sqlite_url, clock, ALSBOT_DEFAULTS_SEND_ON_WEEKENDS="true")
    try:
        yield harness
    finally:
        await harness.close()


@pytest.mark.asyncio
async def test_nudges_go_at_ten_local_three_and_one_days_before(h: Harness) -> None:
    await closed_session(h, actions=("Call the volunteer centre", "Write to the trustees"))
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 10), utc(2026, 2, 8, 10)]

    assert not dms(await wait_until(h, utc(2026, 2, 6, 9, 59)), "bob")
    out = await wait_until(h, utc(2026, 2, 6, 10))
    headers = nudge_headers(out, "bob")
    assert len(headers) == 1
    body = headers[0].text.plain()
    assert "Monday 9 February, 10:00" in body and "Europe/London" in body
    per_action = [d for d in dms(out, "bob") if d not in headers]
    assert [d.text.plain() for d in per_action] == [
        "• Call the volunteer centre — open",
        "• Write to the trustees — open",
    ]
    assert [b.label for b in per_action[0].buttons] == ["Done", "Partly", "Not yet", "Dropped"]
    assert all(b.action_id.startswith("nudge:") for d in dms(out, "bob") for b in d.buttons)
    assert [b.label for b in headers[0].buttons] == ["Snooze 1 day"]

    out = await wait_until(h, utc(2026, 2, 8, 10))
    assert len(nudge_headers(out, "bob")) == 1, "no update yet: the second nudge goes"


@pytest.mark.asyncio
async def test_status_buttons_set_statuses_and_an_update_stops_nudging(h: Harness) -> None:
    await closed_session(h, actions=("Call the volunteer centre", "Write to the trustees"))
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    out = await wait_until(h, utc(2026, 2, 6, 10))
    first = [d for d in dms(out, "bob") if d.text.plain().startswith("• Call")][0]

    out = await press_button(h, "bob", *button_on(first, "Done"))
    assert [a.status for a in await action_rows(h)] == ["done", "open"]
    edits = [r for r in out if isinstance(r, Edit)]
    assert len(edits) == 1 and edits[0].handle == first.handle
    assert "done ✓" in edits[0].text.plain()
    assert "1 action still without a status" in dms(out, "bob")[0].text.plain()

    other_hand = await press_button(h, "carol", *button_on(first, "Dropped"))
    assert "isn't one of yours" in other_hand[0].text.plain()
    assert [a.status for a in await action_rows(h)] == ["done", "open"]

    out = await h.dm("bob", "The centre will send two people from March.")
    assert "Share as my update" in [b.label for b in preview(out, "bob").buttons]
    assert not nudge_headers(await wait_until(h, utc(2026, 2, 6, 12)), "bob")
    # Held, not shared: to the facilitator Bob has still given no update.
    held = private_to(await h.cmd("alice", "actions @bob"), "alice")[0]
    assert "@bob — no update yet" in held, held
    out = await press_on(h, "bob", preview(out, "bob"), "Share as my update")
    reply = dms(out, "bob")[-1].text.plain()
    assert "Shared — it will be in the next session's Updates" in reply
    assert "Write to the trustees" in reply

    assert not nudge_headers(await wait_until(h, utc(2026, 2, 8, 12)), "bob")
    notes = [t.note for t in await timers_of(h, "nudge") if t.due_at == utc(2026, 2, 8, 10)]
    assert notes == ["skipped: already updated"]


@pytest.mark.asyncio
async def test_statuses_for_every_action_also_count_as_an_update(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    out = await wait_until(h, utc(2026, 2, 6, 10))
    action_dm = [d for d in dms(out, "bob") if d.text.plain().startswith("•")][0]
    out = await press_button(h, "bob", *button_on(action_dm, "Not yet"))
    assert "every action has a status" in dms(out, "bob")[0].text.plain()
    assert not nudge_headers(await wait_until(h, utc(2026, 2, 8, 12)), "bob")


@pytest.mark.asyncio
async def test_a_person_in_new_york_is_nudged_at_ten_their_time_across_dst(h: Harness) -> None:
    # The US changes clocks on Sunday 8 March 2026, London not until 29 March.
    await closed_session(h)
    await h.cmd("bob", "settings my_timezone America/New_York")
    await h.cmd("alice", "schedule 10 Mar 2026 10am")  # Tuesday, 10:00 GMT
    assert await pending_nudges(h, "bob") == [
        utc(2026, 3, 7, 15),  # Saturday 10:00 EST
        utc(2026, 3, 9, 14),  # Monday 10:00 EDT
    ]
    out = await wait_until(h, utc(2026, 3, 7, 15))
    # The session is 10:00 in London, which is 06:00 in New York once the US has changed.
    assert "Tuesday 10 March, 06:00 (America/New_York time)" in (
        nudge_headers(out, "bob")[0].text.plain()
    )


@pytest.mark.asyncio
async def test_london_spring_and_autumn_changes(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 31 Mar 2026 10am")  # Tuesday after the spring change
    assert await pending_nudges(h, "bob") == [utc(2026, 3, 28, 10), utc(2026, 3, 30, 9)]
    reminders = [t.due_at for t in await timers_of(h, "reminder", "pending")]
    assert reminders == [utc(2026, 3, 30, 9), utc(2026, 3, 31, 8)]  # 10:00 BST, 09:00 BST

    await h.cmd("alice", "schedule 27 Oct 2026 10am")  # Tuesday after the autumn change
    assert await pending_nudges(h, "bob") == [utc(2026, 10, 24, 9), utc(2026, 10, 26, 10)]
    reminders = [t.due_at for t in await timers_of(h, "reminder", "pending")]
    assert reminders == [utc(2026, 10, 26, 10), utc(2026, 10, 27, 9)]


@pytest.mark.asyncio
async def test_quiet_hours_move_nudges_when_planned_and_when_sent(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("bob", "settings quiet_hours 21:00-11:30")
    await h.cmd("alice", "schedule 9 Feb 2026 2pm")
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 11, 30), utc(2026, 2, 8, 11, 30)]

    # Hours changed after planning: the nudge notices at send time and moves itself.
    await h.cmd("bob", "settings quiet_hours 11:00-12:00")
    assert not nudge_headers(await wait_until(h, utc(2026, 2, 6, 11, 59)), "bob")
    moved = [t for t in await timers_of(h, "nudge") if t.due_at == utc(2026, 2, 6, 11, 30)]
    assert moved[0].note.startswith("skipped: quiet hours; moved to 2026-02-06T12:00")
    assert len(nudge_headers(await wait_until(h, utc(2026, 2, 6, 12)), "bob")) == 1


@pytest.mark.asyncio
async def test_snooze_one_day_respecting_quiet_hours_and_only_once(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 12 Feb 2026 10am")  # Thursday: nudges Mon 9 and Wed 11
    out = await wait_until(h, utc(2026, 2, 9, 10))
    header = nudge_headers(out, "bob")[0]
    await h.cmd("bob", "settings quiet_hours 09:30-10:45")
    out = await press_button(h, "bob", *button_on(header, "Snooze 1 day"))
    edit = [r for r in out if isinstance(r, Edit)][0]
    assert edit.handle == header.handle and not edit.buttons
    assert "Tuesday 10 February, 10:45" in edit.text.plain()
    await press_button(h, "bob", *button_on(header, "Snooze 1 day"))  # twice: still one
    snoozes = [t for t in await timers_of(h, "nudge") if (t.dedupe or "").startswith("snooze:")]
    assert [t.due_at for t in snoozes] == [utc(2026, 2, 10, 10, 45)]

    assert not nudge_headers(await wait_until(h, utc(2026, 2, 10, 10, 44)), "bob")
    assert len(nudge_headers(await wait_until(h, utc(2026, 2, 10, 10, 45)), "bob")) == 1


@pytest.mark.asyncio
async def test_snoozing_past_the_session_is_declined(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    out = await wait_until(h, utc(2026, 2, 8, 10))
    header = nudge_headers(out, "bob")[-1]
    out = await press_button(h, "bob", *button_on(header, "Snooze 1 day"))
    assert "starts before then" in dms(out, "bob")[0].text.plain()
    assert not [t for t in await timers_of(h, "nudge") if (t.dedupe or "").startswith("snooze:")]


@pytest.mark.asyncio
async def test_opting_out_is_respected_at_send_time(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    await h.cmd("bob", "settings nudges off")
    assert not dms(await wait_until(h, utc(2026, 2, 9, 9)), "bob")
    notes = {t.note for t in await timers_of(h, "nudge") if t.status != "cancelled"}
    assert notes == {"skipped: nudges are off for this person"}
    await h.cmd("bob", "settings nudges on")  # and back on: the next cycle nudges again
    await h.cmd("alice", "schedule 16 Feb 2026 10am")
    assert len(nudge_headers(await wait_until(h, utc(2026, 2, 13, 10)), "bob")) == 1


@pytest.mark.asyncio
async def test_replanning_never_doubles_and_cancels_what_moved(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    await h.cmd("alice", "schedule 9 Feb 2026 10am")  # the same again: nothing new
    assert len(await timers_of(h, "nudge", "pending")) == 2
    assert len(await timers_of(h, "reminder", "pending")) == 2

    await h.cmd("alice", "schedule 16 Feb 2026 10am")
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 13, 10), utc(2026, 2, 15, 10)]
    assert {t.note for t in await timers_of(h, "nudge", "cancelled")} == {"replanned"}

    await h.cmd("alice", "schedule 9 Feb 2026 10am")  # and back: revived, not duplicated
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 10), utc(2026, 2, 8, 10)]
    # 1 fallback from before the schedule existed + 2 for 9 Feb + 2 for 16 Feb.
    assert len(await timers_of(h, "nudge")) == 5

    out = await wait_until(h, utc(2026, 2, 9, 9))
    assert len(nudge_headers(out, "bob")) == 2


@pytest.mark.asyncio
async def test_without_a_next_session_one_nudge_comes_fourteen_days_after(h: Harness) -> None:
    await closed_session(h)  # Monday 12 January, nothing scheduled
    assert await pending_nudges(h, "bob") == [utc(2026, 1, 26, 10)]
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 10), utc(2026, 2, 8, 10)]
    await h.cmd("alice", "schedule off")
    assert await pending_nudges(h, "bob") == [utc(2026, 1, 26, 10)]
    out = await wait_until(h, utc(2026, 1, 26, 10))
    assert "it's been a while" in nudge_headers(out, "bob")[0].text.plain()


@pytest.mark.asyncio
async def test_a_recurring_schedule_plans_the_next_occurrence_when_one_passes(
    h: Harness,
) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Mar 2026 10am every 4 weeks")  # then Mon 6 Apr (BST)
    await wait_until(h, utc(2026, 3, 9, 10, 1))  # the session time passes, nobody meets
    assert await pending_nudges(h, "bob") == [utc(2026, 4, 3, 9), utc(2026, 4, 5, 9)]
    reminders = [t.due_at for t in await timers_of(h, "reminder", "pending")]
    assert reminders == [utc(2026, 4, 5, 9), utc(2026, 4, 6, 8)]


@pytest.mark.asyncio
async def test_nudges_due_while_down_go_only_if_still_useful(sqlite_url: str, clock) -> None:
    first = await Harness.open(sqlite_url, clock, ALSBOT_DEFAULTS_SEND_ON_WEEKENDS="true")
    await closed_session(first)
    await first.cmd("alice", "schedule 9 Feb 2026 10am")
    await first.close()

    clock.set(utc(2026, 2, 8, 18))  # down through both nudge times; back before the session
    second = await Harness.open(sqlite_url, clock, ALSBOT_DEFAULTS_SEND_ON_WEEKENDS="true")
    try:
        out = await second.wait(timedelta(0))
        assert len(nudge_headers(out, "bob")) == 1, "only the latest of the missed nudges"
        notes = sorted(t.note for t in await timers_of(second, "nudge") if t.status != "cancelled")
        assert notes == [
            "sent: 1 action",
            "skipped: a later nudge for the same session is due too",
        ]
        reminders = await timers_of(second, "reminder")
        assert [t.note for t in reminders] == ["sent: 1d before", None]
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_nudges_due_while_down_past_the_session_are_skipped(sqlite_url: str, clock) -> None:
    first = await Harness.open(sqlite_url, clock, ALSBOT_DEFAULTS_SEND_ON_WEEKENDS="true")
    await closed_session(first)
    await first.cmd("alice", "schedule 9 Feb 2026 10am")
    await first.close()

    clock.set(utc(2026, 2, 9, 11))  # back only after the session's time
    second = await Harness.open(sqlite_url, clock, ALSBOT_DEFAULTS_SEND_ON_WEEKENDS="true")
    try:
        out = await second.wait(timedelta(0))
        assert not nudge_headers(out, "bob")
        late = [t for t in await timers_of(second, "nudge") if t.status == "skipped"]
        assert len(late) == 2 and all(t.note.startswith("skipped: too late") for t in late)
        assert all(t.note.startswith("skipped") for t in await timers_of(second, "reminder"))
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_people_who_left_or_have_nothing_open_are_not_nudged(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    await h.cmd("bob", "leave")
    assert not dms(await wait_until(h, utc(2026, 2, 6, 10)), "bob")
    ran = [t for t in await timers_of(h, "nudge") if t.status != "cancelled"]
    assert ran[0].note == "skipped: no longer a member of the set"
    assert all(t.subject == u("bob").key for t in ran)


@pytest.mark.asyncio
async def test_forget_me_cancels_nudges_and_replanning_does_not_revive_them(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    await h.cmd("bob", "forget-me confirm")
    assert await pending_nudges(h, "bob") == []
    await h.cmd("alice", "schedule 10 Feb 2026 10am")
    assert await pending_nudges(h, "bob") == []
    assert not dms(await wait_until(h, utc(2026, 2, 10, 9)), "bob")


@pytest.mark.asyncio
async def test_discord_buttons_work_from_a_dm_that_carries_no_server(h: Harness) -> None:
    """On Discord the DM's user ref names no server; the stored nudge names the guild."""
    from adapters.discord.traits import DISCORD_TRAITS
    from bot.events import CommandInvoked
    from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
    from bot.replies import Direct
    from testkit.recording import RecordingOutlet

    discord = RecordingOutlet(platform=Platform.DISCORD)
    h.app.attach(discord, traits=DISCORD_TRAITS)
    guild = WorkspaceRef(Platform.DISCORD, "111")
    channel = ChannelRef(guild, "222")

    async def cmd(who: str, text: str) -> None:
        await h.app.handle(
            CommandInvoked(key=h.key(), user=UserRef(guild, who), channel=channel, text=text)
        )

    await cmd("1", "start")
    await cmd("1", "end")
    await cmd("7", "join")
    await cmd("7", "action Call the volunteer centre")
    await cmd("1", "schedule 9 Feb 2026 10am")
    await wait_until(h, utc(2026, 2, 6, 10))
    sent = [r for r in discord.replies() if isinstance(r, Direct) and r.user.id == "7"]
    header, action = sent[0], sent[1]

    from_dm = UserRef(WorkspaceRef(Platform.DISCORD, "999"), "7")
    dm_channel = ChannelRef(from_dm.workspace, "dm-7")

    async def press(reply: Direct, label: str) -> None:
        action_id, value = button_on(reply, label)
        await h.app.handle(
            ButtonPressed(
                key=h.key(), user=from_dm, channel=dm_channel, action_id=action_id, value=value
            )
        )

    await press(header, "Snooze 1 day")
    snoozes = [t for t in await timers_of(h, "nudge") if (t.dedupe or "").startswith("snooze:")]
    assert [t.subject for t in snoozes] == ["discord:111:7"]
    await press(action, "Not yet")
    assert [a.status for a in await action_rows(h)] == ["not_yet"]
    thanks = [
        r for r in discord.replies() if isinstance(r, Direct) and "every action" in r.text.plain()
    ]
    assert len(thanks) == 1


@pytest.mark.asyncio
async def test_changing_time_zones_replans_at_once(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 10 Mar 2026 10am")
    assert await pending_nudges(h, "bob") == [utc(2026, 3, 7, 10), utc(2026, 3, 9, 10)]
    await h.cmd("bob", "settings my_timezone America/New_York")  # after scheduling
    assert await pending_nudges(h, "bob") == [utc(2026, 3, 7, 15), utc(2026, 3, 9, 14)]
    await h.cmd("alice", "settings nudge_lead_days 2")
    assert await pending_nudges(h, "bob") == [utc(2026, 3, 8, 14)]
