"""Due dates as people write them: the phrase, today in the set's zone, the next session."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dates.due import Due, find_due, read_due
from bot.dates.when import WhenError

TODAY = date(2026, 1, 5)  # a Monday
NEXT_SESSION = date(2026, 2, 9)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("by Friday", date(2026, 1, 9)),
        ("friday", date(2026, 1, 9)),
        ("by next week", date(2026, 1, 16)),  # the end of next (working) week: its Friday
        ("by the end of next week", date(2026, 1, 16)),
        ("by the end of the week", date(2026, 1, 9)),
        ("by the weekend", date(2026, 1, 9)),
        ("by end of month", date(2026, 1, 31)),
        ("by the end of the month", date(2026, 1, 31)),
        ("by next month", date(2026, 2, 28)),
        ("by the end of January", date(2026, 1, 31)),
        ("by end of Feb", date(2026, 2, 28)),
        ("by the end of January 2027", date(2027, 1, 31)),
        ("by mid-March", date(2026, 3, 15)),
        ("by 23/01", date(2026, 1, 23)),
        ("by 4/1", date(2027, 1, 4)),  # the next 4 January not in the past
        ("by 5/1", date(2026, 1, 5)),  # today is not past
        ("by 23/01/2027", date(2027, 1, 23)),
        ("by 23.01.27", date(2027, 1, 23)),
        ("in two weeks", date(2026, 1, 19)),
        ("in 2 weeks", date(2026, 1, 19)),
        ("in two weeks' time", date(2026, 1, 19)),
        ("within a fortnight", date(2026, 1, 19)),
        ("in a fortnight", date(2026, 1, 19)),
        ("within 3 days", date(2026, 1, 8)),
        ("in 3 days", date(2026, 1, 8)),
        ("in 2 months", date(2026, 3, 5)),
        ("before the next session", NEXT_SESSION),
        ("by the next session", NEXT_SESSION),
        ("by next time", NEXT_SESSION),
        ("before we next meet", NEXT_SESSION),
        ("by friday week", date(2026, 1, 16)),
        ("by tomorrow", date(2026, 1, 6)),
        ("by today", date(2026, 1, 5)),
        ("by end of day", date(2026, 1, 5)),
        ("by 3 Dec", date(2026, 12, 3)),
        ("by 2026-02-01", date(2026, 2, 1)),
        ("by next monday", date(2026, 1, 12)),
        ("by friday 5pm", date(2026, 1, 9)),
        ("on or before 23 Jan", date(2026, 1, 23)),
        ("until Thursday", date(2026, 1, 8)),
    ],
)
def test_read_due(phrase: str, expected: date) -> None:
    assert read_due(phrase, today=TODAY, next_session=NEXT_SESSION) == expected


def test_the_week_ends_on_friday_whatever_day_it_is() -> None:
    friday, saturday = date(2026, 1, 9), date(2026, 1, 10)
    assert read_due("by the end of the week", today=friday) == friday
    assert read_due("by the end of the week", today=saturday) == date(2026, 1, 16)
    assert read_due("by next week", today=saturday) == date(2026, 1, 23)


def test_the_end_of_a_month_already_passed_is_next_year_s() -> None:
    assert read_due("by the end of January", today=date(2026, 2, 3)) == date(2027, 1, 31)


@pytest.mark.parametrize(
    ("phrase", "fragment"),
    [
        ("by 31/02", "no 31 february"),
        ("by 01/23", "day/month"),
        ("by 2020-01-01", "already passed"),
        ("by 23/01/2020", "already passed"),
        ("by yesterday", "already passed"),
        ("by the Ides of March", "couldn't read"),
        ("before the next session", "no next session"),
    ],
)
def test_what_cannot_be_read_says_why(phrase: str, fragment: str) -> None:
    with pytest.raises(WhenError) as caught:
        read_due(phrase, today=TODAY)
    assert fragment in caught.value.message.lower()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("Write up notes by Friday", Due("Write up notes", date(2026, 1, 9), "by Friday")),
        ("Call Sam in two weeks.", Due("Call Sam", date(2026, 1, 19), "in two weeks")),
        ("stand by the team by 3 Dec", Due("stand by the team", date(2026, 12, 3), "by 3 Dec")),
        ("Talk to Sam in Finance by Friday", Due("Talk to Sam in Finance", date(2026, 1, 9), "by Friday")),
        ("Meet Jo on Thursday", Due("Meet Jo", date(2026, 1, 8), "on Thursday")),
        ("Read it before the next session", Due("Read it", NEXT_SESSION, "before the next session")),
        ("stand by the team", Due("stand by the team")),
        ("sign it by hand", Due("sign it by hand")),
        ("finish it by", Due("finish it by")),
        ("put it in the newsletter", Due("put it in the newsletter")),
        ("ask <@U1> about by-laws", Due("ask <@U1> about by-laws")),
        ("by Friday", Due("by Friday")),  # nothing to do: not a due date on its own
    ],
)  # fmt: skip
def test_find_due_splits_the_words_from_the_date(said: str, expected: Due) -> None:
    assert find_due(said, today=TODAY, next_session=NEXT_SESSION) == expected


@pytest.mark.parametrize(
    "said",
    ["Book the venue by the Ides of March", "Ship it by 31/02", "Ship it by 2020-01-01",
     "Call Sam by next session"],
)  # fmt: skip
def test_a_date_meant_but_unreadable_keeps_the_words_and_says_why(said: str) -> None:
    due = find_due(said, today=TODAY)
    assert due.what == said and due.day is None
    assert due.phrase and due.phrase in said and due.problem
