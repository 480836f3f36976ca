"""Next sessions: constant local wall-clock time across DST, month ends and leap years."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dates.recurrence import (
    Recurrence,
    describe,
    next_after,
    nth_weekday,
    occurrences_after,
    upcoming,
)
from bot.dates.when import resolve_local

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
WEEKLY = Recurrence(kind="weekly")
FORTNIGHTLY = Recurrence(kind="weekly", interval=2)
MONTHLY = Recurrence(kind="monthly")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def test_one_off() -> None:
    first = utc(2026, 3, 5, 10)
    assert occurrences_after(first, None, LONDON, utc(2026, 3, 1)) == first
    assert occurrences_after(first, None, LONDON, first) is None
    assert occurrences_after(first, None, LONDON, utc(2027, 1, 1)) is None


def test_first_is_returned_until_it_has_happened() -> None:
    first = utc(2026, 3, 5, 10)
    assert occurrences_after(first, WEEKLY, LONDON, first - timedelta(seconds=1)) == first


def test_strictly_after() -> None:
    first = utc(2026, 1, 8, 10)
    assert occurrences_after(first, WEEKLY, LONDON, first) == utc(2026, 1, 15, 10)
    assert occurrences_after(first, WEEKLY, LONDON, utc(2026, 1, 15, 10)) == utc(2026, 1, 22, 10)


def test_weekly_keeps_london_wall_clock_through_both_changes() -> None:
    first = utc(2026, 3, 19, 10)  # Thursday 10:00 GMT
    sessions = upcoming(first, WEEKLY, LONDON, first - timedelta(days=1), 4)
    assert sessions == [
        utc(2026, 3, 19, 10),
        utc(2026, 3, 26, 10),
        utc(2026, 4, 2, 9),  # 10:00 BST
        utc(2026, 4, 9, 9),
    ]
    autumn = occurrences_after(first, WEEKLY, LONDON, utc(2026, 10, 22, 9))
    assert autumn == utc(2026, 10, 29, 10)  # back to GMT, still 10:00 local
    assert all(local(s, LONDON).time() == time(10) for s in sessions)


def test_fortnightly_new_york_across_november() -> None:
    first = utc(2026, 10, 22, 14)  # Thursday 10:00 EDT
    after = occurrences_after(first, FORTNIGHTLY, NEW_YORK, first)
    assert after == utc(2026, 11, 5, 15)  # Thursday 10:00 EST
    assert local(after, NEW_YORK) == datetime(2026, 11, 5, 10)


def test_session_inside_the_spring_gap_moves_to_the_first_valid_time() -> None:
    first = utc(2026, 3, 22, 1, 30)  # Sunday 01:30 GMT
    sessions = upcoming(first, WEEKLY, LONDON, first, 2)
    assert sessions == [utc(2026, 3, 29, 1, 0), utc(2026, 4, 5, 0, 30)]
    assert [local(s, LONDON).time() for s in sessions] == [time(2, 0), time(1, 30)]


def test_session_in_the_autumn_overlap_takes_the_first_one() -> None:
    first = utc(2026, 10, 18, 0, 30)  # Sunday 01:30 BST
    assert occurrences_after(first, WEEKLY, LONDON, first) == utc(2026, 10, 25, 0, 30)


def test_far_future_stays_on_the_grid() -> None:
    first = utc(2026, 1, 8, 10)
    found = occurrences_after(first, FORTNIGHTLY, LONDON, utc(2040, 6, 1))
    assert found is not None
    days = (local(found, LONDON).date() - date(2026, 1, 8)).days
    assert days % 14 == 0 and 0 < (found - utc(2040, 6, 1)).days < 14
    assert local(found, LONDON).time() == time(10)


def test_monthly_clamps_to_month_end_and_comes_back() -> None:
    first = utc(2026, 1, 31, 10)
    sessions = upcoming(first, MONTHLY, LONDON, first, 4)
    assert [local(s, LONDON).date() for s in sessions] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert [local(s, LONDON).time() for s in sessions] == [time(10)] * 4


def test_monthly_in_a_leap_year() -> None:
    first = utc(2028, 1, 30, 10)
    found = occurrences_after(first, MONTHLY, LONDON, first)
    assert found is not None and local(found, LONDON).date() == date(2028, 2, 29)
    leap_day = utc(2028, 2, 29, 10)
    later = upcoming(leap_day, MONTHLY, LONDON, utc(2029, 1, 30), 2)
    assert [local(s, LONDON).date() for s in later] == [date(2029, 2, 28), date(2029, 3, 29)]


def test_every_three_months() -> None:
    first = utc(2026, 1, 15, 10)
    sessions = upcoming(first, Recurrence(kind="monthly", interval=3), LONDON, first, 3)
    assert [local(s, LONDON).date() for s in sessions] == [
        date(2026, 4, 15),
        date(2026, 7, 15),
        date(2026, 10, 15),
    ]


def test_monthly_nth_second_tuesday_across_dst() -> None:
    rule = Recurrence(kind="monthly_nth", nth=2, weekday=1)
    first = utc(2026, 1, 13, 10)  # 2nd Tuesday of January, 10:00 GMT
    sessions = upcoming(first, rule, LONDON, first, 4)
    assert sessions == [
        utc(2026, 2, 10, 10),
        utc(2026, 3, 10, 10),
        utc(2026, 4, 14, 9),  # 10:00 BST
        utc(2026, 5, 12, 9),
    ]


def test_monthly_last_friday() -> None:
    rule = Recurrence(kind="monthly_nth", nth=-1, weekday=4)
    first = utc(2026, 1, 30, 10)
    sessions = upcoming(first, rule, LONDON, first, 3)
    assert [local(s, LONDON).date() for s in sessions] == [
        date(2026, 2, 27),
        date(2026, 3, 27),
        date(2026, 4, 24),
    ]


def test_monthly_nth_keeps_a_first_session_off_the_rule() -> None:
    rule = Recurrence(kind="monthly_nth", nth=2, weekday=1)
    first = utc(2026, 1, 7, 10)  # a Wednesday, before January's 2nd Tuesday
    sessions = upcoming(first, rule, LONDON, first - timedelta(hours=1), 3)
    assert [local(s, LONDON).date() for s in sessions] == [
        date(2026, 1, 7),
        date(2026, 1, 13),
        date(2026, 2, 10),
    ]


@pytest.mark.parametrize(
    ("year", "month", "nth", "weekday", "expected"),
    [
        (2026, 1, 1, 0, date(2026, 1, 5)),
        (2026, 1, 2, 1, date(2026, 1, 13)),
        (2026, 1, 4, 3, date(2026, 1, 22)),
        (2026, 1, -1, 4, date(2026, 1, 30)),
        (2026, 1, -1, 5, date(2026, 1, 31)),
        (2026, 1, 5, 0, date(2026, 1, 26)),  # no 5th Monday: the last one
        (2028, 2, -1, 1, date(2028, 2, 29)),
    ],
)
def test_nth_weekday(year: int, month: int, nth: int, weekday: int, expected: date) -> None:
    assert nth_weekday(year, month, nth, weekday) == expected


@pytest.mark.parametrize(
    ("rec", "text"),
    [
        (None, "once"),
        (WEEKLY, "every week"),
        (FORTNIGHTLY, "every 2 weeks"),
        (MONTHLY, "monthly"),
        (Recurrence(kind="monthly", interval=3), "every 3 months"),
        (Recurrence(kind="monthly_nth", nth=2, weekday=1), "monthly on the 2nd Tuesday"),
        (Recurrence(kind="monthly_nth", nth=-1, weekday=4), "monthly on the last Friday"),
    ],
)
def test_describe(rec: Recurrence | None, text: str) -> None:
    assert describe(rec) == text


@pytest.mark.parametrize(
    "rec",
    [
        Recurrence(kind="weekly", interval=0),
        Recurrence(kind="monthly_nth", nth=None, weekday=1),
        Recurrence(kind="monthly_nth", nth=2, weekday=7),
        Recurrence(kind="yearly"),  # type: ignore[arg-type]
    ],
)
def test_malformed_rules_are_refused(rec: Recurrence) -> None:
    with pytest.raises(ValueError):
        occurrences_after(utc(2026, 1, 1), rec, LONDON, utc(2026, 2, 1))


def test_naive_inputs_are_taken_as_utc() -> None:
    assert occurrences_after(
        datetime(2026, 1, 8, 10), WEEKLY, LONDON, datetime(2026, 1, 8, 10)
    ) == utc(2026, 1, 15, 10)


def test_end_of_calendar_gives_none() -> None:
    assert occurrences_after(utc(2026, 1, 8), MONTHLY, LONDON, utc(9998, 12, 31)) is None
    assert occurrences_after(utc(2026, 1, 8), WEEKLY, LONDON, utc(9998, 12, 31)) is None


ZONES = [LONDON, NEW_YORK, ZoneInfo("Australia/Sydney"), ZoneInfo("UTC")]
RULES = st.one_of(
    st.builds(Recurrence, kind=st.just("weekly"), interval=st.integers(1, 12)),
    st.builds(Recurrence, kind=st.just("monthly"), interval=st.integers(1, 12)),
    st.builds(
        Recurrence,
        kind=st.just("monthly_nth"),
        interval=st.integers(1, 12),
        nth=st.sampled_from([1, 2, 3, 4, -1]),
        weekday=st.integers(0, 6),
    ),
)


def brute_force(first: datetime, rec: Recurrence, tz: ZoneInfo, after: datetime) -> datetime:
    """Walk every rule day from the first session on, the slow and obvious way."""
    if first > after:
        return first
    start = first.astimezone(tz)
    for step in itertools.count():
        if rec.kind == "weekly":
            day = start.date() + timedelta(weeks=rec.interval * step)
        else:
            year, month0 = divmod(start.year * 12 + start.month - 1 + rec.interval * step, 12)
            if rec.kind == "monthly":
                last = calendar.monthrange(year, month0 + 1)[1]
                day = date(year, month0 + 1, min(start.day, last))
            else:
                assert rec.nth is not None and rec.weekday is not None
                day = nth_weekday(year, month0 + 1, rec.nth, rec.weekday)
        candidate = resolve_local(datetime.combine(day, start.time()), tz).astimezone(UTC)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable")


@given(
    first=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
    rec=RULES,
    tz=st.sampled_from(ZONES),
)
def test_matches_brute_force(
    first: datetime, gap: timedelta, rec: Recurrence, tz: ZoneInfo
) -> None:
    first = first.replace(microsecond=0, tzinfo=UTC)
    after = first + gap
    found = occurrences_after(first, rec, tz, after)
    assert found is not None and found > after
    assert found == brute_force(first, rec, tz, after)


def test_next_after_keeps_a_time_ahead_and_reads_a_passed_one_forward() -> None:
    first = utc(2026, 1, 12, 10)  # a Monday, 10:00 London
    now = utc(2026, 1, 20, 9)
    assert next_after(utc(2026, 1, 26, 10), first, WEEKLY, LONDON, now) == utc(2026, 1, 26, 10)
    # The stored time has passed (the planner has not rolled it on yet): read forward.
    assert next_after(utc(2026, 1, 19, 10), first, WEEKLY, LONDON, now) == utc(2026, 1, 26, 10)
    assert next_after(None, first, FORTNIGHTLY, LONDON, now) == utc(2026, 1, 26, 10)
    # A one-off whose time has passed has no next session; an instant is not "after" itself.
    assert next_after(utc(2026, 1, 19, 10), first, None, LONDON, now) is None
    assert next_after(now, first, None, LONDON, now) is None


# --------------------------------------------------------------------------- issue 14, point 18
# A first session asked for inside the spring-forward gap (01:30 on Sunday 29 March 2026 in
# London does not exist) is moved to 02:00 BST, the first moment that does; the rule keeps
# the 01:30 that was asked for (`Recurrence.at`), so only that one session moves.

GAP_FIRST = resolve_local(datetime(2026, 3, 29, 1, 30), LONDON).astimezone(UTC)


def test_a_first_session_in_the_spring_gap_moves_alone() -> None:
    assert GAP_FIRST == utc(2026, 3, 29, 1, 0)  # 02:00 BST
    rule = Recurrence(kind="weekly", at="01:30")
    sessions = upcoming(GAP_FIRST, rule, LONDON, GAP_FIRST - timedelta(seconds=1), 4)
    assert [local(s, LONDON) for s in sessions] == [
        datetime(2026, 3, 29, 2, 0),  # the gap: the first moment that exists
        datetime(2026, 4, 5, 1, 30),  # back to the time asked for
        datetime(2026, 4, 12, 1, 30),
        datetime(2026, 4, 19, 1, 30),
    ]
    monthly = Recurrence(kind="monthly_nth", nth=-1, weekday=6, at="01:30")  # last Sunday
    later = upcoming(GAP_FIRST, monthly, LONDON, GAP_FIRST, 2)
    assert [local(s, LONDON) for s in later] == [
        datetime(2026, 4, 26, 1, 30),
        datetime(2026, 5, 31, 1, 30),
    ]


def test_a_rule_stored_before_at_was_kept_reads_the_first_session() -> None:
    """Rows written earlier have no `at`: their time is the first session's, as before."""
    later = occurrences_after(GAP_FIRST, WEEKLY, LONDON, GAP_FIRST)
    assert later is not None and local(later, LONDON) == datetime(2026, 4, 5, 2, 0)


def test_the_autumn_overlap_is_always_its_first_one() -> None:
    """01:30 on 25 October 2026 happens twice (BST, then GMT): the first, every time,
    whether the rule reaches it from before or the first session is that day."""
    rule = Recurrence(kind="weekly", at="01:30")
    first = resolve_local(datetime(2026, 10, 18, 1, 30), LONDON).astimezone(UTC)
    sessions = upcoming(first, rule, LONDON, first, 2)
    assert sessions == [utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)]
    assert [local(s, LONDON).time() for s in sessions] == [time(1, 30)] * 2
    on_the_day = resolve_local(datetime(2026, 10, 25, 1, 30), LONDON).astimezone(UTC)
    assert on_the_day == utc(2026, 10, 25, 0, 30)  # 01:30 BST, fold 0
    assert occurrences_after(on_the_day, rule, LONDON, on_the_day) == utc(2026, 11, 1, 1, 30)


def test_a_malformed_wall_time_is_refused() -> None:
    with pytest.raises(ValueError):
        occurrences_after(GAP_FIRST, Recurrence(kind="weekly", at="25:99"), LONDON, GAP_FIRST)
