"""Reading dates and times in the reader's zone, including both daylight-saving edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dates.when import WhenError, looks_like_date, read, read_date, read_datetime, resolve_local

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# Monday 5 January 2026, 09:00 in London (GMT, so UTC and local agree).
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("2026-12-03 14:00", utc(2026, 12, 3, 14, 0)),
        ("2026-12-03T14:00", utc(2026, 12, 3, 14, 0)),
        ("14:00 2026-12-03", utc(2026, 12, 3, 14, 0)),
        ("3 Dec 10am", utc(2026, 12, 3, 10, 0)),
        ("Dec 3 10am", utc(2026, 12, 3, 10, 0)),
        ("3rd December 10am", utc(2026, 12, 3, 10, 0)),
        ("3 December 2026 2:30pm", utc(2026, 12, 3, 14, 30)),
        ("December 3 2026, 2:30 pm", utc(2026, 12, 3, 14, 30)),
        ("on the 3rd of December at 10am", utc(2026, 12, 3, 10, 0)),
        ("today 5pm", utc(2026, 1, 5, 17, 0)),
        ("tomorrow 9am", utc(2026, 1, 6, 9, 0)),
        ("thursday 10am", utc(2026, 1, 8, 10, 0)),
        ("10am thursday", utc(2026, 1, 8, 10, 0)),
        ("Thu 10:00", utc(2026, 1, 8, 10, 0)),
        ("friday 2:30pm", utc(2026, 1, 9, 14, 30)),
        ("9 a.m. friday", utc(2026, 1, 9, 9, 0)),
        ("friday 10.30am", utc(2026, 1, 9, 10, 30)),
        ("monday 10am", utc(2026, 1, 12, 10, 0)),  # a weekday is never today
        ("next monday noon", utc(2026, 1, 12, 12, 0)),
        ("this monday noon", utc(2026, 1, 5, 12, 0)),  # `this` allows today
        ("in 3 days 9am", utc(2026, 1, 8, 9, 0)),
        ("in 2 weeks 14:00", utc(2026, 1, 19, 14, 0)),
        ("in a week 12pm", utc(2026, 1, 12, 12, 0)),
        ("in 1 month 12am", utc(2026, 2, 5, 0, 0)),
        ("thu 8 jan 2026 10:00", utc(2026, 1, 8, 10, 0)),
        ("in 2 hours", utc(2026, 1, 5, 11, 0)),
        ("in 30 minutes", utc(2026, 1, 5, 9, 30)),
        ("10am", utc(2026, 1, 5, 10, 0)),  # still ahead today
        ("8am", utc(2026, 1, 6, 8, 0)),  # already passed today: tomorrow
        ("NOON", utc(2026, 1, 5, 12, 0)),
    ],
)
def test_read_datetime(phrase: str, expected: datetime) -> None:
    assert read_datetime(phrase, now=NOW, tz=LONDON) == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("2026-12-03", date(2026, 12, 3)),
        ("3 Dec", date(2026, 12, 3)),
        ("Dec 3", date(2026, 12, 3)),
        ("3 Dec.", date(2026, 12, 3)),
        ("sept 30", date(2026, 9, 30)),
        ("3 December 2026", date(2026, 12, 3)),
        ("today", date(2026, 1, 5)),
        ("tomorrow", date(2026, 1, 6)),
        ("friday", date(2026, 1, 9)),
        ("Friday 5pm", date(2026, 1, 9)),  # a due date ignores the time
        ("monday", date(2026, 1, 12)),
        ("next monday", date(2026, 1, 12)),
        ("in 3 days", date(2026, 1, 8)),
        ("in 2 weeks", date(2026, 1, 19)),
        ("5 jan", date(2026, 1, 5)),  # today is not in the past
        ("4 jan", date(2027, 1, 4)),  # yesterday's day-month means next year
        ("29 feb", date(2028, 2, 29)),  # the next leap day
        ("5pm", date(2026, 1, 5)),
        ("in 2 hours", date(2026, 1, 5)),
    ],
)
def test_read_date(phrase: str, expected: date) -> None:
    assert read_date(phrase, now=NOW, tz=LONDON) == expected


def test_month_end_for_in_months() -> None:
    now = utc(2026, 1, 31, 12, 0)
    assert read_date("in 1 month", now=now, tz=LONDON) == date(2026, 2, 28)


def test_year_rolls_over_in_december() -> None:
    now = utc(2026, 12, 20, 12, 0)
    assert read_date("3 jan", now=now, tz=LONDON) == date(2027, 1, 3)
    assert read_date("20 dec", now=now, tz=LONDON) == date(2026, 12, 20)
    assert read_datetime("jan 3 10am", now=now, tz=LONDON) == utc(2027, 1, 3, 10, 0)


def test_today_is_the_readers_local_day() -> None:
    late_utc = utc(2026, 1, 5, 23, 30)
    assert read_date("today", now=late_utc, tz=ZoneInfo("Pacific/Auckland")) == date(2026, 1, 6)
    early_utc = utc(2026, 1, 6, 3, 0)
    assert read_date("today", now=early_utc, tz=NEW_YORK) == date(2026, 1, 5)
    assert read_datetime("tomorrow 9am", now=early_utc, tz=NEW_YORK) == utc(2026, 1, 6, 14, 0)


def test_naive_now_is_taken_as_utc() -> None:
    assert read_date("tomorrow", now=datetime(2026, 1, 5, 9), tz=LONDON) == date(2026, 1, 6)


@pytest.mark.parametrize(
    ("phrase", "kind"),
    [
        ("thursday", "no_time"),
        ("3 Dec", "no_time"),
        ("yesterday 10am", "past"),
        ("today 8am", "past"),
        ("2025-01-01 10:00", "past"),
        ("blah", "unreadable"),
        ("", "unreadable"),
        ("10am 11am", "unreadable"),
        ("friday week 10am", "unreadable"),
        ("in lots days 10am", "unreadable"),
        ("25:00 friday", "invalid"),
        ("13pm friday", "invalid"),
        ("0am friday", "invalid"),
        ("31 feb 10am", "invalid"),
        ("0 feb 10am", "invalid"),
        ("2026-02-30 10:00", "invalid"),
        ("fri 3 dec 2026 10am", "invalid"),
        ("one two three four five six seven eight nine ten eleven twelve thirteen", "unreadable"),
    ],
)
def test_read_datetime_errors(phrase: str, kind: str) -> None:
    with pytest.raises(WhenError) as caught:
        read_datetime(phrase, now=NOW, tz=LONDON)
    assert caught.value.kind == kind
    assert caught.value.message


def test_no_time_message_says_how() -> None:
    with pytest.raises(WhenError, match="say a time too, e.g. thursday 10am"):
        read_datetime("thursday", now=NOW, tz=LONDON)


def test_weekday_that_does_not_match_the_date_is_named() -> None:
    with pytest.raises(WhenError, match="3 Dec 2026 is a Thursday, not a Friday"):
        read_date("fri 3 dec 2026", now=NOW, tz=LONDON)


def test_a_mismatched_weekday_suggests_that_weekday_either_side_not_in_the_past() -> None:
    with pytest.raises(WhenError) as caught:
        read_date("wed 23 jan 2027", now=NOW, tz=LONDON)
    assert caught.value.message.endswith("did you mean Wednesday 20 January or 27 January?")
    with pytest.raises(WhenError) as caught:  # Friday 2 January is already past
        read_date("fri 6 jan 2026", now=NOW, tz=LONDON)
    assert caught.value.message == (
        "6 Jan 2026 is a Tuesday, not a Friday; did you mean Friday 9 January?"
    )


@pytest.mark.parametrize("phrase", ["yesterday", "2026-01-04", "4 Jan 2026"])
def test_read_date_past(phrase: str) -> None:
    with pytest.raises(WhenError) as caught:
        read_date(phrase, now=NOW, tz=LONDON)
    assert caught.value.kind == "past"


def test_read_keeps_the_parts_apart() -> None:
    assert read("10am", now=NOW, tz=LONDON).day is None
    assert read("10am", now=NOW, tz=LONDON).at == time(10, 0)
    assert read("friday", now=NOW, tz=LONDON).at is None


# --- daylight saving -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "tz", "expected"),
    [
        # London springs forward 01:00 GMT -> 02:00 BST on Sunday 29 March 2026.
        ("2026-03-28 10:00", LONDON, utc(2026, 3, 28, 10, 0)),
        ("2026-03-29 00:59", LONDON, utc(2026, 3, 29, 0, 59)),
        ("2026-03-29 01:00", LONDON, utc(2026, 3, 29, 1, 0)),  # gap: 02:00 BST
        ("2026-03-29 01:30", LONDON, utc(2026, 3, 29, 1, 0)),  # gap: 02:00 BST
        ("2026-03-29 02:00", LONDON, utc(2026, 3, 29, 1, 0)),
        ("2026-03-29 10:00", LONDON, utc(2026, 3, 29, 9, 0)),
        # London falls back 02:00 BST -> 01:00 GMT on Sunday 25 October 2026.
        ("2026-10-25 00:30", LONDON, utc(2026, 10, 24, 23, 30)),
        ("2026-10-25 01:30", LONDON, utc(2026, 10, 25, 0, 30)),  # first (BST) 01:30
        ("2026-10-25 02:00", LONDON, utc(2026, 10, 25, 2, 0)),
        ("2026-10-25 10:00", LONDON, utc(2026, 10, 25, 10, 0)),
        # New York: 02:00 EST -> 03:00 EDT on 8 March; 02:00 EDT -> 01:00 EST on 1 November.
        ("2026-03-08 02:30", NEW_YORK, utc(2026, 3, 8, 7, 0)),  # gap: 03:00 EDT
        ("2026-03-08 10:00", NEW_YORK, utc(2026, 3, 8, 14, 0)),
        ("2026-11-01 01:30", NEW_YORK, utc(2026, 11, 1, 5, 30)),  # first (EDT) 01:30
        ("2026-11-01 10:00", NEW_YORK, utc(2026, 11, 1, 15, 0)),
    ],
)
def test_dst(phrase: str, tz: ZoneInfo, expected: datetime) -> None:
    assert read_datetime(phrase, now=NOW, tz=tz) == expected


def test_weekday_across_spring_forward() -> None:
    saturday = utc(2026, 3, 28, 12, 0)
    assert read_datetime("sunday 10am", now=saturday, tz=LONDON) == utc(2026, 3, 29, 9, 0)
    assert read_datetime("sunday 1:30am", now=saturday, tz=LONDON) == utc(2026, 3, 29, 1, 0)


def test_resolve_local_gap_and_fold() -> None:
    gap = resolve_local(datetime(2026, 3, 29, 1, 30), LONDON)
    assert (gap.hour, gap.minute, gap.utcoffset()) == (2, 0, timedelta(hours=1))
    fold = resolve_local(datetime(2026, 10, 25, 1, 30), LONDON)
    assert fold.fold == 0 and fold.utcoffset() == timedelta(hours=1)
    # Lord Howe Island moves its clocks by half an hour: 02:00 -> 02:30 on 4 October 2026.
    half = resolve_local(datetime(2026, 10, 4, 2, 15), ZoneInfo("Australia/Lord_Howe"))
    assert (half.hour, half.minute) == (2, 30)


ZONES = [
    LONDON,
    NEW_YORK,
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("UTC"),
]


@given(
    wall=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    tz=st.sampled_from(ZONES),
)
def test_resolve_local_never_moves_backwards_or_far(wall: datetime, tz: ZoneInfo) -> None:
    resolved = resolve_local(wall, tz)
    local = resolved.replace(tzinfo=None)
    assert wall.replace(fold=0) <= local < wall + timedelta(hours=2)
    # What it returns is a real instant that reads back as itself.
    assert resolved.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local
    if local != wall.replace(fold=0):  # moved: only in a gap, and to a whole second
        assert local.microsecond == 0


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("friday", True),
        ("3 Dec", True),
        ("31 feb", True),
        ("2026-13-45", True),
        ("tomorow", False),  # misspelt: indistinguishable from prose, so left as text
        ("the team", False),
        ("hand", False),
        ("", False),
        ("the end of the long meeting on monday next", False),
    ],
)
def test_looks_like_date(phrase: str, expected: bool) -> None:
    assert looks_like_date(phrase) is expected


@given(st.text())
def test_reading_anything_raises_only_when_error(text: str) -> None:
    for reader in (read_date, read_datetime):
        try:
            reader(text, now=NOW, tz=LONDON)
        except WhenError as exc:
            assert exc.kind in ("unreadable", "invalid", "past", "no_time")
