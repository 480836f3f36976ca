"""Local times for nudges and reminders: quiet hours, lead times, daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.dates.local_times import (
    Lead,
    at_local,
    before,
    in_quiet,
    out_of_quiet,
    parse_days,
    parse_leads,
    parse_quiet,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_ten_local_is_a_different_utc_hour_either_side_of_the_change() -> None:
    assert at_local(date(2026, 3, 28), time(10), LONDON) == utc(2026, 3, 28, 10)  # GMT
    assert at_local(date(2026, 3, 30), time(10), LONDON) == utc(2026, 3, 30, 9)  # BST
    assert at_local(date(2026, 10, 24), time(10), LONDON) == utc(2026, 10, 24, 9)  # BST
    assert at_local(date(2026, 10, 26), time(10), LONDON) == utc(2026, 10, 26, 10)  # GMT
    assert at_local(date(2026, 3, 7), time(10), NEW_YORK) == utc(2026, 3, 7, 15)  # EST
    assert at_local(date(2026, 3, 9), time(10), NEW_YORK) == utc(2026, 3, 9, 14)  # EDT
    assert at_local(date(2026, 11, 2), time(10), NEW_YORK) == utc(2026, 11, 2, 15)  # EST


def test_a_time_in_the_spring_gap_moves_to_the_first_real_moment() -> None:
    assert at_local(date(2026, 3, 29), time(1, 30), LONDON) == utc(2026, 3, 29, 1)  # 02:00 BST


@pytest.mark.parametrize(
    ("raw", "wall", "quiet"),
    [
        ("20:00-08:00", time(23), True),
        ("20:00-08:00", time(7, 59), True),
        ("20:00-08:00", time(8), False),
        ("20:00-08:00", time(19, 59), False),
        ("12:00-14:00", time(13), True),
        ("12:00-14:00", time(14), False),
        ("off", time(23), False),
        ("09:00-09:00", time(9), False),
        ("nonsense", time(3), False),
    ],
)
def test_quiet_hours(raw: str, wall: time, quiet: bool) -> None:
    assert in_quiet(wall, parse_quiet(raw)) is quiet


def test_out_of_quiet_moves_to_the_end_of_the_window_in_local_time() -> None:
    quiet = parse_quiet("20:00-08:00")
    # 23:00 London on a winter evening → 08:00 next morning.
    assert out_of_quiet(utc(2026, 1, 14, 23), LONDON, quiet) == utc(2026, 1, 15, 8)
    # 06:00 London in summer (05:00 UTC) → 08:00 BST the same day (07:00 UTC).
    assert out_of_quiet(utc(2026, 7, 1, 5), LONDON, quiet) == utc(2026, 7, 1, 7)
    # The night the clocks go forward: 23:00 GMT Saturday → 08:00 BST Sunday.
    assert out_of_quiet(utc(2026, 3, 28, 23), LONDON, quiet) == utc(2026, 3, 29, 7)
    # Outside quiet hours nothing moves.
    assert out_of_quiet(utc(2026, 1, 14, 12), LONDON, quiet) == utc(2026, 1, 14, 12)
    # A window ending inside the spring gap ends at the first moment that exists.
    assert out_of_quiet(utc(2026, 3, 29, 0, 45), LONDON, parse_quiet("00:30-01:30")) == utc(
        2026, 3, 29, 1
    )


def test_leads_and_days_parse_forgivingly() -> None:
    assert parse_leads("1d,1h") == [Lead(1, "d"), Lead(1, "h")]
    assert parse_leads(" 2d , 3h,2d") == [Lead(2, "d"), Lead(3, "h")]
    assert parse_leads("off") == [] and parse_leads("") == [] and parse_leads(None) == []
    assert parse_days("1,3") == [3, 1] and parse_days("0,x,2") == [2] and parse_days(None) == []


def test_a_day_before_keeps_the_wall_clock_across_the_change() -> None:
    session = at_local(date(2026, 3, 29), time(10), LONDON)  # the day the clocks go forward
    assert before(session, Lead(1, "d"), LONDON) == utc(2026, 3, 28, 10)  # Saturday 10:00 GMT
    assert session - before(session, Lead(1, "d"), LONDON) == timedelta(hours=23)
    assert before(session, Lead(1, "h"), LONDON) == session - timedelta(hours=1)
    autumn = at_local(date(2026, 10, 25), time(10), LONDON)  # the day the clocks go back
    assert autumn - before(autumn, Lead(1, "d"), LONDON) == timedelta(hours=25)
