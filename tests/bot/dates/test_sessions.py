"""Reading a session as a facilitator announces it: times, ranges, parts of the day, venue
and link, the set's usual time and locale, daylight-saving edges, and refusals that name
the part they could not read."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dates.recurrence import Recurrence
from bot.dates.sessions import SessionDefaults, end_of, read_session, resolve, show, where
from bot.dates.when import WhenError

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # Monday 5 January 2026, 09:00 in London


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON).astimezone(UTC)


def start(text: str, *, defaults: SessionDefaults | None = None, locale: str = "uk") -> datetime:
    phrase = read_session(text, now=NOW, tz=LONDON, locale=locale)
    return resolve(phrase, None, NOW, defaults or SessionDefaults()).start


@pytest.mark.parametrize(
    ("text", "at", "ends"),
    [
        ("thursday at 10", time(10), None),
        ("thursday 10.30", time(10, 30), None),
        ("thursday 10:30", time(10, 30), None),
        ("thursday 10am", time(10), None),
        ("thursday 10 am", time(10), None),
        ("thursday 10 a.m.", time(10), None),
        ("thursday noon", time(12), None),
        ("thursday at 2", time(14), None),  # a bare hour before 7 is the afternoon
        ("thursday at 6.30", time(18, 30), None),
        ("thursday at 7", time(7), None),
        ("thursday 02:00", time(2), None),  # with its zero: as said
        ("thursday 10-12", time(10), time(12)),
        ("thursday 10 – 12", time(10), time(12)),
        ("thursday 10—12", time(10), time(12)),
        ("thursday 10am-12pm", time(10), time(12)),
        ("thursday 10am–12pm", time(10), time(12)),
        ("thursday 10:00 to 11:30", time(10), time(11, 30)),
        ("thursday between 10 and 12", time(10), time(12)),
        ("thursday 2-4", time(14), time(16)),
        ("thursday 2-4pm", time(14), time(16)),
        ("thursday 10-12pm", time(10), time(12)),
        ("thursday 9-5", time(9), time(17)),
        ("thursday 11-1", time(11), time(13)),
        ("thursday 10am-2", time(10), time(14)),
        ("thursday 7pm-9pm", time(19), time(21)),
        ("thursday evening", time(18), None),
    ],
)
def test_times_and_ranges(text: str, at: time, ends: time | None) -> None:
    phrase = read_session(text, now=NOW, tz=LONDON)
    session = resolve(phrase, None, NOW, SessionDefaults())
    assert session.start == london(2026, 1, 8, at.hour, at.minute)
    expected_end = None if ends is None else london(2026, 1, 8, ends.hour, ends.minute)
    assert session.end == expected_end


@pytest.mark.parametrize(
    ("text", "venue", "link"),
    [
        ("thursday 10am in Room 8 of the Town Hall", "Room 8 of the Town Hall", None),
        ("in Room 8 of the Town Hall thursday 10am", "Room 8 of the Town Hall", None),
        ("thursday in Room 8 at 10", "Room 8", None),
        ("thursday 10am at the Town Hall", "the Town Hall", None),
        ("thursday 10am @ Grange House.", "Grange House", None),
        ("thursday 10am in Room 8, Grange House", "Room 8, Grange House", None),
        ("thursday in 8 Bridge Street at 10am", "8 Bridge Street", None),
        ("thursday 10am https://meet.google.com/abc-defg-hij", None,
         "https://meet.google.com/abc-defg-hij"),
        ("thursday 10am <https://zoom.us/j/123>", None, "https://zoom.us/j/123"),
        ("thursday 10am <https://zoom.us/j/123|our Zoom room>", None, "https://zoom.us/j/123"),
        ("thursday 10am (https://teams.microsoft.com/l/meetup-join/x).", None,
         "https://teams.microsoft.com/l/meetup-join/x"),
        ("thursday 10am in Room 8 https://zoom.us/j/1", "Room 8", "https://zoom.us/j/1"),
        ("thursday 10am online", "online", None),
        ("thursday 10am zoom https://zoom.us/j/1", "zoom", "https://zoom.us/j/1"),
        ("thursday 10am, Room 8, Grange House", "Room 8, Grange House", None),
        ("thursday 10am - Grange House", "Grange House", None),
        ("8th January, 10:00, Room 8", "Room 8", None),
        ("thursday 10am on Zoom https://zoom.us/j/1", "on Zoom", "https://zoom.us/j/1"),
        ("thursday 10am via Microsoft Teams", "via Microsoft Teams", None),
        ("thursday 10am at the Town Hall!", "the Town Hall", None),
    ],
)  # fmt: skip
def test_venue_and_link(text: str, venue: str | None, link: str | None) -> None:
    phrase = read_session(text, now=NOW, tz=LONDON)
    assert (phrase.day, phrase.venue, phrase.link) == (date(2026, 1, 8), venue, link)
    assert phrase.at == time(10)


@pytest.mark.parametrize(
    "text",
    ["in 3 days at 10am", "at 10 on thursday", "at noon in 2 weeks", "in a week at 10",
     "10am, thursday"],
)  # fmt: skip
def test_dates_and_times_after_in_and_at_are_not_venues(text: str) -> None:
    assert read_session(text, now=NOW, tz=LONDON).venue is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow morning", london(2026, 1, 6, 9)),
        ("tomorrow afternoon", london(2026, 1, 6, 14)),
        ("this afternoon", london(2026, 1, 5, 14)),
        ("tonight", london(2026, 1, 5, 18)),
        ("next week", london(2026, 1, 12, 10)),
        ("10 am next week", london(2026, 1, 12, 10)),
        ("in 7 days", london(2026, 1, 12, 10)),
        ("next thursday", london(2026, 1, 8, 10)),
        ("Friday 23rd January", london(2026, 1, 23, 10)),
        ("23rd January 2pm", london(2026, 1, 23, 14)),
        ("23/01/2026 10:00", london(2026, 1, 23, 10)),
        ("23/01 10:00", london(2026, 1, 23, 10)),
        ("4/1 10:00", london(2027, 1, 4, 10)),  # 4 January has passed: next year's
        ("in 2 hours", datetime(2026, 1, 5, 11, tzinfo=UTC)),
    ],
)
def test_days_and_the_usual_time(text: str, expected: datetime) -> None:
    assert start(text) == expected


def test_the_usual_time_is_the_setting_then_the_last_session_then_ten() -> None:
    assert SessionDefaults().usual == time(10)
    assert SessionDefaults(last_time=time(14)).usual == time(14)
    assert SessionDefaults(time(9), time(14)).usual == time(9)
    assert start("friday", defaults=SessionDefaults(last_time=time(14))) == london(2026, 1, 9, 14)
    assert start("tomorrow morning", defaults=SessionDefaults(time(9, 30))) == london(
        2026, 1, 6, 9, 30
    )
    assert start("tomorrow afternoon", defaults=SessionDefaults(time(9, 30))) == london(
        2026, 1, 6, 14
    )
    assert start("tomorrow evening", defaults=SessionDefaults(time(19))) == london(2026, 1, 6, 19)


@pytest.mark.parametrize(
    ("text", "locale", "day"),
    [
        ("03/04 10am", "uk", date(2026, 4, 3)),
        ("03/04 10am", "us", date(2026, 3, 4)),
        ("12/01/2027 10am", "uk", date(2027, 1, 12)),
        ("12/01/2027 10am", "us", date(2027, 12, 1)),
        ("01/23/2026 10am", "us", date(2026, 1, 23)),
        ("23.01.2026 10am", "uk", date(2026, 1, 23)),
        ("23/1/26 10am", "uk", date(2026, 1, 23)),
    ],
)
def test_numeric_dates_follow_the_locale(text: str, locale: str, day: date) -> None:
    assert read_session(text, now=NOW, tz=LONDON, locale=locale).day == day


@pytest.mark.parametrize(
    ("text", "locale", "message"),
    [
        ("thursday 25:61", "uk", "I couldn't read the time '25:61'"),
        ("thursday 10:75am", "uk", "I couldn't read the time '10:75am'"),
        ("thursday 0am", "uk", "I couldn't read the time '0am'"),
        ("23/01/2026 25:00", "uk", "I couldn't read the time '25:00'"),
        ("Friday 23rd January blah", "uk", "I read Friday 23 January 2026 but not 'blah'"),
        ("blah", "uk", "I couldn't read 'blah' as a date or time"),
        ("Wednesday 23rd January", "uk",
         "23 Jan 2026 is a Friday, not a Wednesday; did you mean Wednesday 21 January or 28 January?"),
        ("01/23/2026 10am", "uk",
         "I read '01/23/2026' as day/month, and there's no month 23 (`/als settings locale` "
         "says how this set reads dates)"),
        ("23/01/2026 10am", "us",
         "I read '23/01/2026' as month/day, and there's no month 23 (`/als settings locale` "
         "says how this set reads dates)"),
        ("31/02 10am", "uk", "there's no 31 February"),
        ("thursday 4pm-2pm", "uk", "the time '4pm–2pm' ends before it starts"),
        ("thursday 10-12 2-4", "uk", "that has two time ranges in it; give one, e.g. 10-12"),
        ("morning afternoon", "uk", "say one part of the day (morning or afternoon)"),
    ],
)  # fmt: skip
def test_refusals_name_the_part(text: str, locale: str, message: str) -> None:
    with pytest.raises(WhenError) as raised:
        read_session(text, now=NOW, tz=LONDON, locale=locale)
    assert raised.value.message == message


def test_a_time_never_blames_the_date() -> None:
    for text in ("next thursday 25:61", "23/01/2026 at 99:99", "tomorrow 13pm"):
        with pytest.raises(WhenError) as raised:
            read_session(text, now=NOW, tz=LONDON)
        assert raised.value.message.startswith("I couldn't read the time"), text


def test_past_sessions_are_refused_when_resolved() -> None:
    with pytest.raises(WhenError) as raised:
        start("today 8am")
    assert raised.value.kind == "past"
    assert raised.value.message == "Monday 5 January 2026 08:00 (Europe/London) has already passed"


def test_spring_forward_gap_and_fall_back_overlap() -> None:
    """London: 01:00 → 02:00 on 29 March 2026, 02:00 → 01:00 on 25 October 2026."""
    in_gap = start("29/03/2026 01:30")
    assert in_gap == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 BST, the first real moment
    overlap = start("25/10/2026 01:30")
    assert overlap == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 01:30 (BST)
    summer = read_session("2/4/2026 10-12", now=NOW, tz=LONDON)
    session = resolve(summer, None, NOW, SessionDefaults())
    assert (session.start, session.end) == (
        datetime(2026, 4, 2, 9, tzinfo=UTC),
        datetime(2026, 4, 2, 11, tzinfo=UTC),
    )


def test_a_recurring_session_keeps_its_wall_clock_length_across_dst() -> None:
    first, first_end = london(2026, 3, 9, 10), london(2026, 3, 9, 12)
    after_change = london(2026, 4, 6, 10)
    assert end_of(after_change, first, first_end, LONDON) == london(2026, 4, 6, 12)
    assert end_of(after_change, first, None, LONDON) is None


def test_a_new_york_set_reads_in_new_york() -> None:
    phrase = read_session("03/08/2026 2:30am", now=NOW, tz=NEW_YORK, locale="us")
    session = resolve(phrase, None, NOW, SessionDefaults())
    assert session.start == datetime(2026, 3, 8, 7, tzinfo=UTC)  # the gap: 03:00 EDT


def test_an_nth_weekday_rule_names_the_first_day() -> None:
    phrase = read_session("10am", now=NOW, tz=LONDON)
    rule = Recurrence("monthly_nth", nth=-1, weekday=4)
    assert resolve(phrase, rule, NOW, SessionDefaults()).start == london(2026, 1, 30, 10)


def test_show_says_the_whole_session() -> None:
    assert show(
        london(2027, 1, 23, 10),
        LONDON,
        end=london(2027, 1, 23, 12),
        venue="Room 8 of the Town Hall",
        link="https://meet.google.com/abc",
    ) == (
        "Saturday 23 January 2027, 10:00–12:00 (Europe/London), Room 8 of the Town Hall, "
        "join at https://meet.google.com/abc"
    )
    assert show(london(2026, 7, 1, 9), LONDON) == "Wednesday 1 July 2026, 09:00 (Europe/London)"


@given(st.text(max_size=120))
def test_any_text_reads_or_is_refused_with_a_sentence(said: str) -> None:
    try:
        phrase = read_session(said, now=NOW, tz=LONDON)
    except WhenError as exc:
        assert exc.message
        return
    if phrase.ends is not None:
        assert phrase.at is not None and phrase.ends > phrase.at


def test_where_a_venue_reads_after_meets() -> None:
    assert where("Room 8") == "in Room 8"
    assert where("Room 8 of the Town Hall") == "in Room 8 of the Town Hall"
    assert where("the Town Hall") == "in the Town Hall"
    assert where("12 High Street") == "at 12 High Street"
    assert where("Bexley Civic Centre") == "at Bexley Civic Centre"
    assert where("on Zoom") == "on Zoom"
    assert where("online") == "online"
    assert where("Zoom") == "on Zoom"


def test_a_session_in_the_spring_gap_keeps_the_time_asked_for() -> None:
    """Issue 14, point 18: 01:30 on 29 March 2026 does not exist in London; the session
    starts at 02:00 BST, but `at` keeps 01:30 for the rule, and a recurring end is measured
    from 01:30 (01:30–03:00 every week), not from the moved start."""
    now = datetime(2026, 3, 20, 10, tzinfo=UTC)
    phrase = read_session("sunday 29 march 01:30 to 03:00", now=now, tz=LONDON)
    session = resolve(phrase, Recurrence("weekly"), now, SessionDefaults())
    assert session.start == london(2026, 3, 29, 2, 0)
    assert session.end == london(2026, 3, 29, 3, 0)
    assert session.at == time(1, 30)
    later = london(2026, 4, 5, 1, 30)
    assert end_of(later, session.start, session.end, LONDON, session.at) == london(2026, 4, 5, 3)
    assert end_of(session.start, session.start, session.end, LONDON, session.at) == session.end
