"""Working days: a weekend moment moves to the Friday before, composed with quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.dates.local_times import in_quiet, parse_quiet
from bot.dates.working_days import is_weekend, next_working, send_slot, working_day

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
ZONES = [LONDON, NEW_YORK, SYDNEY, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("UTC")]
QUIETS = [None, parse_quiet("20:00-08:00"), parse_quiet("09:00-17:00"), parse_quiet("22:00-23:30")]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_sunday_and_saturday_move_to_the_friday_before_at_the_same_local_time() -> None:
    friday = utc(2026, 2, 6, 10)
    assert working_day(utc(2026, 2, 8, 10), LONDON) == friday  # Sunday
    assert working_day(utc(2026, 2, 7, 10), LONDON) == friday  # Saturday
    assert working_day(utc(2026, 2, 9, 10), LONDON) == utc(2026, 2, 9, 10)  # Monday stays
    assert working_day(utc(2026, 2, 8, 10), LONDON, allow_weekends=True) == utc(2026, 2, 8, 10)


def test_the_weekend_is_the_recipients_own() -> None:
    # Sunday 23:00 in London is already Monday 10:00 in Sydney: a working day there.
    sunday_night = utc(2026, 2, 8, 23)
    assert working_day(sunday_night, SYDNEY) == sunday_night
    assert working_day(sunday_night, LONDON) == utc(2026, 2, 6, 23)


def test_the_friday_keeps_its_wall_clock_across_a_clock_change() -> None:
    # London springs forward on Sunday 29 March 2026: 10:00 BST that Sunday is 09:00 UTC,
    # and 10:00 on the Friday before, still GMT, is 10:00 UTC.
    assert working_day(utc(2026, 3, 29, 9), LONDON) == utc(2026, 3, 27, 10)


def test_quiet_hours_that_would_push_friday_into_saturday_pull_it_back() -> None:
    quiet = parse_quiet("20:00-08:00")
    # Sunday 22:00 → Friday 22:00 is quiet, and its end is Saturday 08:00: Friday 08:00.
    slot = send_slot(utc(2026, 2, 8, 22), now=utc(2026, 2, 1), tz=LONDON, quiet=quiet)
    assert slot == utc(2026, 2, 6, 8)
    # Early Sunday (05:00) → Friday 05:00 is quiet until Friday 08:00.
    slot = send_slot(utc(2026, 2, 8, 5), now=utc(2026, 2, 1), tz=LONDON, quiet=quiet)
    assert slot == utc(2026, 2, 6, 8)


def test_a_friday_already_past_goes_now_on_a_weekday_and_on_monday_at_the_weekend() -> None:
    sunday = utc(2026, 2, 8, 10)
    friday_afternoon = utc(2026, 2, 6, 15)
    assert send_slot(sunday, now=friday_afternoon, tz=LONDON) == friday_afternoon
    quiet = parse_quiet("20:00-08:00")
    friday_night = utc(2026, 2, 6, 21)  # quiet, and the weekend follows: Monday 08:00
    assert send_slot(sunday, now=friday_night, tz=LONDON, quiet=quiet) == utc(2026, 2, 9, 8)
    saturday = utc(2026, 2, 7, 12)
    assert send_slot(sunday, now=saturday, tz=LONDON) == utc(2026, 2, 9, 12)
    # A moment already past before any moving stays past: the caller drops it.
    assert send_slot(utc(2026, 2, 5, 10), now=friday_afternoon, tz=LONDON) < friday_afternoon


def test_next_working_moves_forward_to_monday_and_out_of_quiet_hours() -> None:
    quiet = parse_quiet("20:00-08:00")
    assert next_working(utc(2026, 2, 7, 10), LONDON, quiet) == utc(2026, 2, 9, 10)
    assert next_working(utc(2026, 2, 6, 22), LONDON, quiet) == utc(2026, 2, 9, 8)
    assert next_working(utc(2026, 2, 7, 10), LONDON, quiet, allow_weekends=True) == utc(
        2026, 2, 7, 10
    )
    assert next_working(utc(2026, 2, 4, 12), LONDON, quiet) == utc(2026, 2, 4, 12)


moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=UTC)
)


@given(
    wanted=moments,
    before=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    tz=st.sampled_from(ZONES),
    quiet=st.sampled_from(QUIETS),
)
def test_a_slot_is_never_on_a_weekend_nor_in_quiet_hours_nor_moved_past(
    wanted: datetime, before: timedelta, tz: ZoneInfo, quiet: tuple[time, time] | None
) -> None:
    now = wanted - before
    slot = send_slot(wanted, now=now, tz=tz, quiet=quiet)
    assert not is_weekend(slot, tz), (wanted, slot)
    assert not in_quiet(slot.astimezone(tz).time(), quiet), (wanted, slot)
    assert slot >= now, "a future moment is never moved into the past"
    if not is_weekend(wanted, tz) and not in_quiet(wanted.astimezone(tz).time(), quiet):
        assert slot == wanted, "a working moment outside quiet hours is left alone"


@given(wanted=moments, tz=st.sampled_from(ZONES))
def test_a_weekend_moment_lands_on_its_friday_at_the_same_wall_clock(
    wanted: datetime, tz: ZoneInfo
) -> None:
    moved = working_day(wanted, tz).astimezone(tz)
    local = wanted.astimezone(tz)
    if local.weekday() < 5:
        assert moved == local
        return
    assert moved.weekday() == 4 and 1 <= (local.date() - moved.date()).days <= 2
    # The same wall-clock time: none of these zones changes its clocks on a Friday.
    assert moved.time() == local.time()


@given(moment=moments, tz=st.sampled_from(ZONES), quiet=st.sampled_from(QUIETS))
def test_next_working_is_at_or_after_and_a_working_moment(
    moment: datetime, tz: ZoneInfo, quiet: tuple[time, time] | None
) -> None:
    found = next_working(moment, tz, quiet)
    assert found >= moment and found - moment <= timedelta(days=3)
    assert not is_weekend(found, tz)
    assert not in_quiet(found.astimezone(tz).time(), quiet)
