"""A round's plan: the lengths people may type, and the totals the wording quotes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.rounds.engine import Phase
from bot.rounds.plan import (
    TIMED_PHASES,
    Timings,
    per_presenter,
    plan_length,
    timings_from_minutes,
    validate_timings,
)

SEC = timedelta(seconds=1)


def m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def test_the_timed_phases_are_the_engines_phases_in_round_order() -> None:
    assert TIMED_PHASES == tuple(p.value for p in Phase if p is not Phase.CLOSED)


def test_plan_totals_add_the_per_presenter_phases_once_per_presenter() -> None:
    timings = Timings()
    assert per_presenter(timings) == m(8 + 15 + 5 + 5)
    assert plan_length(timings, 0) == m(3 + 10 + 5)
    assert plan_length(timings, 2) == m(3 + 10 + 5) + 2 * m(33)


def test_timings_from_minutes_defaults_match_the_dataclass() -> None:
    assert timings_from_minutes() == Timings()
    t = timings_from_minutes(presenting=6, questions=20, summary=2.5)
    assert (t.presenting, t.questions, t.summary) == (m(6), m(20), m(2.5))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"presenting": 5}, "Presenting time must be between 6 and 10 minutes"),
        ({"presenting": 11}, "Presenting time must be between 6 and 10 minutes"),
        ({"questions": 0}, "Questions time must be between 1 and 60 minutes"),
        ({"questions": 61}, "Questions time must be between 1 and 60 minutes"),
        ({"opening": 0.5}, "Opening time"),
        ({"evaluation": -3}, "Evaluation time"),
        ({"updates": float("nan")}, "Updates time must be a number"),
        ({"summary": float("inf")}, "Summary time must be a number"),
        ({"actions": True}, "Actions time must be a number"),
        ({"actions": "5"}, "Actions time must be a number"),
    ],
)
def test_timings_outside_the_method_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        timings_from_minutes(**kwargs)


def test_validate_timings_accepts_the_edges() -> None:
    validate_timings(timings_from_minutes(presenting=6, questions=1, updates=60))
    validate_timings(Timings(presenting=m(10)))
    with pytest.raises(ValueError):
        validate_timings(Timings(presenting=m(10) + SEC))
