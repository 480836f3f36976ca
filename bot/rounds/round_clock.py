"""A round's clock: deadlines, more time, a presenter still speaking, and what time alone does.

The engine's moves are what people do; these are what the clock does to the same state, with
the same contract (an explicit aware `now`, a new state plus effects, no I/O). Kept apart so
the timing rules (holds, one-minute warnings, a clock run by hand) read as one piece.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.rounds.engine import (
    ENDED,
    Extended,
    Held,
    IllegalMove,
    NobodyYet,
    OneMinuteLeft,
    Phase,
    RoundState,
    Step,
    TimeUp,
    aware,
    current_presenter,
    enter,
    is_paused,
    phase_duration,
    successor,
)

_ONE_MINUTE = timedelta(minutes=1)
_ZERO = timedelta(0)
# A presenter still typing keeps their phase open until they have been quiet this long,
# but never longer than HOLD_MOST past the deadline.
QUIET_FOR = timedelta(seconds=30)
HOLD_MOST = timedelta(minutes=2)
# A presenter's message this soon after their Actions phase ended is still one of their actions.
LATE_ACTION = timedelta(seconds=60)


def time_left(state: RoundState, now: datetime) -> timedelta | None:
    """What a "time?" command shows; frozen while paused, never negative."""
    aware(now)
    if state.phase is Phase.CLOSED:
        return None
    if state.paused_remaining is not None:
        return state.paused_remaining
    return None if state.deadline is None else max(state.deadline - now, _ZERO)


def extend(state: RoundState, now: datetime, added: timedelta) -> Step:
    """The facilitator's "+5 min": more time for this phase, counted from its deadline (or
    from now, when the deadline has already passed and the phase is waiting)."""
    aware(now)
    if state.phase is Phase.CLOSED:
        raise IllegalMove(ENDED)
    if added <= _ZERO:
        raise ValueError("added time must be positive")
    if state.paused_remaining is not None:
        remaining = state.paused_remaining + added
        new = replace(state, paused_remaining=remaining, held=None, warned=remaining <= _ONE_MINUTE)
        return Step(new, (Extended(added, state.phase, remaining),))
    deadline = max(state.deadline or now, now) + added
    left = deadline - now
    # A fresh one-minute warning is due when the new deadline is more than a minute away.
    new = replace(state, deadline=deadline, held=None, warned=left <= _ONE_MINUTE)
    return Step(new, (Extended(added, state.phase, left),))


def presenter_spoke(state: RoundState, now: datetime) -> RoundState:
    """Note that the presenter has just said something in their own phase."""
    aware(now)
    if current_presenter(state) is None:
        return state
    return replace(state, presenter_said_at=now)


def worth_noting(state: RoundState, now: datetime) -> bool:
    """Whether the presenter speaking at `now` could hold their phase (`hold_until`): only
    within `QUIET_FOR` of the deadline or past it. Earlier, noting it changes nothing, so the
    message costs no write."""
    return state.deadline is not None and now + QUIET_FOR > state.deadline


def late_action_owner(state: RoundState, now: datetime) -> str | None:
    """Whose Actions phase ended less than `LATE_ACTION` ago, if anyone's: a turn ends only
    by moving from one presenter's Actions to the next presenter, or to the Evaluation."""
    aware(now)
    if is_paused(state) or now - state.phase_started_at > LATE_ACTION:
        return None
    if state.phase is Phase.PRESENTING and 0 < state.current <= len(state.presenters):
        return state.presenters[state.current - 1]
    if state.phase is Phase.EVALUATION and 0 <= state.current < len(state.presenters):
        return state.presenters[state.current]
    return None


# --- what time alone does -----------------------------------------------------------------


def _warns(state: RoundState) -> bool:
    duration = phase_duration(state.timings, state.phase)
    return duration is not None and duration > _ONE_MINUTE and not state.warned


def hold_until(state: RoundState) -> datetime | None:
    """Past its deadline, a phase whose presenter spoke less than `QUIET_FOR` ago waits until
    they have been quiet that long, and never beyond `HOLD_MOST` past the deadline."""
    said, deadline = state.presenter_said_at, state.deadline
    if said is None or deadline is None or current_presenter(state) is None:
        return None
    quiet = said + QUIET_FOR
    return min(quiet, deadline + HOLD_MOST) if quiet > deadline else None


def next_wakeup(state: RoundState) -> datetime | None:
    """When the scheduler should next call `on_time`; None when time cannot change anything."""
    if state.phase is Phase.CLOSED or is_paused(state) or state.deadline is None:
        return None
    if state.held is not None:
        return None  # said once; a person moves it on
    if _warns(state):
        return state.deadline - _ONE_MINUTE
    return max(state.deadline, hold_until(state) or state.deadline)


def on_time(state: RoundState, now: datetime, *, auto_advance: bool = True) -> Step:
    """Apply at most one timed event.  One phase per call keeps each step a separate effect
    (and a separate announcement) when the bot catches up after downtime; the caller loops
    until `next_wakeup` is in the future.

    Past the deadline a phase moves on only when nothing holds it: the presenter still
    typing (`hold_until`), the set running the clock by hand (`auto_advance` off: "time is
    up" is said once), or the Updates over with nobody to present (said once; it waits)."""
    aware(now)
    if state.phase is Phase.CLOSED or is_paused(state) or state.deadline is None:
        return Step(state)
    if now >= state.deadline:
        hold = hold_until(state)
        if state.held is not None or (hold is not None and now < hold):
            return Step(state)
        if not auto_advance:
            return Step(replace(state, held=Held.TIME_UP), (TimeUp(state.phase),))
        if state.phase is Phase.UPDATES and not state.presenters:
            return Step(replace(state, held=Held.NOBODY), (NobodyYet(),))
        phase, current = successor(state)
        return enter(state, phase, current, now)
    if _warns(state) and now >= state.deadline - _ONE_MINUTE:
        new = replace(state, warned=True)
        return Step(new, (OneMinuteLeft(state.phase, current_presenter(state)),))
    return Step(state)
