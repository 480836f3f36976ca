"""When the prompt of the week goes (`bot.network.prompt_times`): pure, so any week can be
asked about. 12 January 2026 is a Monday; London changes its clocks on 29 March and 25
October 2026 (the last Sundays of March and October)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.dates.local_times import parse_quiet
from bot.dates.recurrence import Recurrence
from bot.network.prompt_times import Sessions, Weekly, next_slot, week_label, week_of

LONDON = ZoneInfo("Europe/London")
QUIET = parse_quiet("20:00-08:00")
MONDAY_10 = Weekly(0, time(10, 0))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_reading_the_stored_setting() -> None:
    assert Weekly.read("monday 10:00") == MONDAY_10
    assert Weekly.read("Tuesday 09:30") == Weekly(1, time(9, 30))
    assert Weekly.read("tuesday 09:30").stored == "tuesday 09:30"  # type: ignore[union-attr]
    assert Weekly(6, time(7, 5)).shown == "Sunday 07:05"
    assert Weekly.read(" Tuesday  9:30 ") == Weekly(1, time(9, 30)), "as written in a config file"
    for off in ("off", "", "someday 10:00", "monday", "monday 25:00", None, True):
        assert Weekly.read(off) is None, off


def test_the_next_weekday_and_time_in_the_sets_zone() -> None:
    wednesday = utc(2026, 1, 14, 12)
    slot = next_slot(wednesday, MONDAY_10, LONDON)
    assert slot is not None
    assert slot.at == utc(2026, 1, 19, 10) and slot.week == "2026-W04" and not slot.moved
    # Tuesday 09:30, asked on a Monday: this week's.
    slot = next_slot(utc(2026, 1, 12, 12), Weekly(1, time(9, 30)), LONDON)
    assert slot is not None and slot.at == utc(2026, 1, 13, 9, 30) and slot.week == "2026-W03"
    # In another zone: Monday 10:00 in New York is 15:00 UTC in January.
    slot = next_slot(wednesday, MONDAY_10, ZoneInfo("America/New_York"))
    assert slot is not None and slot.at == utc(2026, 1, 19, 15)


def test_strictly_after_now() -> None:
    at = utc(2026, 1, 19, 10)
    slot = next_slot(at, MONDAY_10, LONDON)
    assert slot is not None and slot.at == utc(2026, 1, 26, 10)
    slot = next_slot(at - timedelta(seconds=1), MONDAY_10, LONDON)
    assert slot is not None and slot.at == at


@pytest.mark.parametrize(
    ("before", "after", "utc_hour_before", "utc_hour_after"),
    [
        (datetime(2026, 3, 23, 10), datetime(2026, 3, 30, 10), 10, 9),  # spring forward
        (datetime(2026, 10, 19, 10), datetime(2026, 10, 26, 10), 9, 10),  # fall back
    ],
)
def test_ten_oclock_stays_ten_oclock_across_daylight_saving(
    before: datetime, after: datetime, utc_hour_before: int, utc_hour_after: int
) -> None:
    first = next_slot(before.replace(tzinfo=UTC) - timedelta(days=2), MONDAY_10, LONDON)
    assert first is not None
    second = next_slot(first.at, MONDAY_10, LONDON)
    assert second is not None
    assert [first.at.hour, second.at.hour] == [utc_hour_before, utc_hour_after]
    for slot in (first, second):
        assert slot.at.astimezone(LONDON).time() == time(10, 0)
    assert second.at - first.at == timedelta(days=7, hours=utc_hour_after - utc_hour_before)
    assert first.at.astimezone(LONDON).date() == before.date()
    assert second.at.astimezone(LONDON).date() == after.date()


def test_a_whole_year_of_mondays_keeps_local_time() -> None:
    now, seen = utc(2026, 1, 1), []
    for _ in range(52):
        slot = next_slot(now, MONDAY_10, LONDON)
        assert slot is not None
        local = slot.at.astimezone(LONDON)
        assert (local.weekday(), local.time()) == (0, time(10, 0))
        seen.append(slot.week)
        now = slot.at
    assert len(set(seen)) == 52, "one slot a week, each week once"


def test_out_of_quiet_hours() -> None:
    early = Weekly(0, time(7, 0))
    slot = next_slot(utc(2026, 1, 14), early, LONDON, quiet=QUIET)
    assert slot is not None
    assert slot.at == utc(2026, 1, 19, 8) and slot.moved and slot.asked == utc(2026, 1, 19, 7)
    # Without quiet hours it stays at 07:00.
    slot = next_slot(utc(2026, 1, 14), early, LONDON)
    assert slot is not None and slot.at == utc(2026, 1, 19, 7)


def test_weekends_move_to_friday_unless_the_set_sends_at_weekends() -> None:
    saturday = Weekly(5, time(10, 0))
    slot = next_slot(utc(2026, 1, 12), saturday, LONDON, quiet=QUIET)
    assert slot is not None
    assert slot.at == utc(2026, 1, 16, 10), "Friday before, same time"
    assert slot.week == week_label(week_of(utc(2026, 1, 17, 10), LONDON)) == "2026-W03"
    slot = next_slot(utc(2026, 1, 12), saturday, LONDON, quiet=QUIET, weekends=True)
    assert slot is not None and slot.at == utc(2026, 1, 17, 10)
    # A Friday moved to Friday 10:00 that has passed waits for the next week's Friday.
    slot = next_slot(utc(2026, 1, 16, 11), saturday, LONDON, quiet=QUIET)
    assert slot is not None and slot.at == utc(2026, 1, 23, 10) and slot.week == "2026-W04"


def test_a_late_friday_inside_quiet_hours_never_lands_on_saturday() -> None:
    late_friday = Weekly(4, time(22, 0))
    slot = next_slot(utc(2026, 1, 12), late_friday, LONDON, quiet=QUIET)
    assert slot is not None and slot.at == utc(2026, 1, 16, 8), "the start of Friday's free hours"


def test_a_sunday_evening_moved_past_midnight_still_counts_for_its_week() -> None:
    sunday_night = Weekly(6, time(21, 0))
    now = utc(2026, 1, 18, 22)  # Sunday 22:00, after the asked time, before quiet hours end
    slot = next_slot(now, sunday_night, LONDON, quiet=QUIET, weekends=True)
    assert slot is not None
    assert slot.at == utc(2026, 1, 19, 8) and slot.week == "2026-W03"


def test_weeks_with_a_session_are_skipped() -> None:
    # A one-off session on Thursday 22 January: that week (W04) has no prompt.
    one_off = Sessions(first_at=utc(2026, 1, 22, 14), next_at=utc(2026, 1, 22, 14))
    slot = next_slot(utc(2026, 1, 14), MONDAY_10, LONDON, sessions=one_off)
    assert slot is not None and slot.week == "2026-W05" and slot.at == utc(2026, 1, 26, 10)
    # The session being later in the week than the prompt makes no difference, nor earlier.
    sunday = Sessions(first_at=utc(2026, 1, 25, 23, 30))
    slot = next_slot(utc(2026, 1, 14), MONDAY_10, LONDON, sessions=sunday)
    assert slot is not None and slot.week == "2026-W05"
    # A session held on Monday morning, before Wednesday's prompt, counts too.
    held = Sessions(held=(utc(2026, 1, 12, 9),))
    slot = next_slot(utc(2026, 1, 12, 10), Weekly(2, time(10, 0)), LONDON, sessions=held)
    assert slot is not None and slot.at == utc(2026, 1, 21, 10)


def test_a_recurring_schedule_skips_each_session_week() -> None:
    every_2_weeks = Sessions(
        first_at=utc(2026, 1, 15, 10),
        rule=Recurrence("weekly", interval=2, at="10:00"),
        next_at=utc(2026, 1, 15, 10),
    )
    now, weeks = utc(2026, 1, 12), []
    for _ in range(4):
        slot = next_slot(now, MONDAY_10, LONDON, sessions=every_2_weeks)
        assert slot is not None
        weeks.append(slot.week)
        now = slot.at
    assert weeks == ["2026-W04", "2026-W06", "2026-W08", "2026-W10"]
    monthly = Sessions(
        first_at=utc(2026, 1, 15, 10), rule=Recurrence("monthly_nth", nth=3, weekday=3)
    )
    slot = next_slot(utc(2026, 2, 9, 11), MONDAY_10, LONDON, sessions=monthly)
    assert slot is not None and slot.week == "2026-W09", "the third Thursday of February is W08"


def test_a_set_that_meets_every_week_gets_none() -> None:
    weekly = Sessions(first_at=utc(2026, 1, 15, 10), rule=Recurrence("weekly"))
    assert next_slot(utc(2026, 1, 12), MONDAY_10, LONDON, sessions=weekly) is None


def test_a_week_already_posted_is_skipped() -> None:
    slot = next_slot(utc(2026, 1, 12, 11), Weekly(1, time(10, 0)), LONDON, posted={"2026-W03"})
    assert slot is not None and slot.week == "2026-W04"
