"""A round's plan: how long each phase runs, the lengths the method allows, and the totals.

It sits below the engine (the round state carries its Timings) and knows no phase beyond
the field names, so the engine, the codec and the wording can all read a plan without
reading each other.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from math import isfinite

_ONE_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Timings:
    opening: timedelta = timedelta(minutes=3)
    updates: timedelta = timedelta(minutes=10)
    presenting: timedelta = timedelta(minutes=8)
    questions: timedelta = timedelta(minutes=15)
    summary: timedelta = timedelta(minutes=5)
    actions: timedelta = timedelta(minutes=5)
    evaluation: timedelta = timedelta(minutes=5)


# The timed phases in round order; each is named by the engine's Phase of the same value.
TIMED_PHASES = tuple(f.name for f in fields(Timings))
PRESENTING_RANGE = (6, 10)
PHASE_RANGE = (1, 60)


def validate_timings(timings: Timings) -> None:
    """Reject plans the method does not allow, with a sentence fit to show the facilitator."""
    for name in TIMED_PHASES:
        minutes = getattr(timings, name) / _ONE_MINUTE
        low, high = PRESENTING_RANGE if name == "presenting" else PHASE_RANGE
        if not low <= minutes <= high:
            raise ValueError(
                f"{name.capitalize()} time must be between {low} and {high} minutes "
                f"(got {minutes:g})."
            )


def timings_from_minutes(
    presenting: float = 8,
    questions: float = 15,
    *,
    opening: float = 3,
    updates: float = 10,
    summary: float = 5,
    actions: float = 5,
    evaluation: float = 5,
) -> Timings:
    """Build validated Timings from the minutes people type in config or a command."""
    given = {
        "opening": opening,
        "updates": updates,
        "presenting": presenting,
        "questions": questions,
        "summary": summary,
        "actions": actions,
        "evaluation": evaluation,
    }
    for name, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not isfinite(value):
            raise ValueError(f"{name.capitalize()} time must be a number of minutes.")
    timings = Timings(**{name: timedelta(minutes=value) for name, value in given.items()})
    validate_timings(timings)
    return timings


def per_presenter(timings: Timings) -> timedelta:
    return timings.presenting + timings.questions + timings.summary + timings.actions


def plan_length(timings: Timings, presenters: int) -> timedelta:
    """The whole plan for this many presenters, phase by phase."""
    fixed = timings.opening + timings.updates + timings.evaluation
    return fixed + presenters * per_presenter(timings)
