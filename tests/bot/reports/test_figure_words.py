"""How a figure is said: the same words in the chart, its alt text and the HTML tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.reports import figure_words as words
from tests.bot.reports.figure_samples import EMPTY, FULL, NO_RATINGS, SIX


@pytest.mark.parametrize(
    ("value", "said"),
    [(None, "–"), (3.25, "3.3"), (4.1666, "4.2"), (2.05, "2.1"), (5.0, "5.0"), (0.0, "0.0")],
)
def test_one_decimal_rounds_half_up_as_people_do(value: float | None, said: str) -> None:
    assert words.one_decimal(value) == said


def test_sessions_and_ratings_in_words() -> None:
    assert words.session_name(SIX[0]) == "session 3 (4 Nov)"
    assert words.session_name(SIX[0], with_year=True) == "session 3 (4 Nov 2026)"
    assert words.rating_words(SIX[0]) == "4.2 from 6 ratings (spread 0.7, lowest to highest 3–5)"
    assert words.rating_words(replace(SIX[0], ratings=NO_RATINGS)) == "no ratings"
    assert words.range_words(5, 5) == "5" and words.range_words(None, 3) == "–"
    assert words.outcome_words(SIX[2]) == "no actions agreed"
    assert words.outcome_words(SIX[4]) == "1 action: 1 done"
    assert words.spans_years(SIX) is False
    assert words.spans_years((SIX[0], replace(SIX[1], held_on=date(2027, 1, 6)))) is True


def test_the_period_is_what_was_asked_for_else_the_sessions_shown() -> None:
    assert words.period_words(FULL) == "4 November 2026 to 3 December 2026"
    asked = replace(FULL, period_from=date(2026, 10, 1), period_to=date(2026, 12, 31))
    assert words.period_words(asked) == "1 October 2026 to 31 December 2026"
    assert words.period_words(EMPTY) == "no sessions held yet"
    assert (
        words.period_words(replace(EMPTY, period_from=date(2026, 10, 1))) == "from 1 October 2026"
    )
    assert words.period_words(replace(EMPTY, period_to=date(2026, 10, 1))) == "up to 1 October 2026"
    one = replace(EMPTY, period_from=date(2026, 10, 1), period_to=date(2026, 10, 1))
    assert words.period_words(one) == "1 October 2026"


def test_when_it_was_made_is_in_the_sets_zone_and_months_read_as_words() -> None:
    summer = replace(FULL, made_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    assert words.made_words(summer) == "2 July 2026, 00:30 (Europe/London)"
    gone = replace(FULL, timezone="Not/AZone")
    assert words.made_words(gone) == "5 December 2026, 09:30 (UTC)"
    assert words.month_words("2026-11") == "November 2026"
    assert words.month_words("soon") == "soon"
