"""The round engine: Action Learning phases as a pure state machine.

Every function takes the state and `now` and returns a new state plus effects; nothing here
reads a clock, touches the database or knows a platform.  The service layer stores the
state as JSON on the session row and turns effects into replies and timer rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from math import isfinite


class Phase(StrEnum):
    OPENING = "opening"
    UPDATES = "updates"
    PRESENTING = "presenting"
    QUESTIONS = "questions"
    SUMMARY = "summary"
    ACTIONS = "actions"
    EVALUATION = "evaluation"
    CLOSED = "closed"


PER_PRESENTER: tuple[Phase, ...] = (
    Phase.PRESENTING,
    Phase.QUESTIONS,
    Phase.SUMMARY,
    Phase.ACTIONS,
)


class Held(StrEnum):
    """What a phase past its deadline is waiting for, once it has said so."""

    TIME_UP = "time_up"  # `auto_advance` is off: the facilitator moves on
    NOBODY = "nobody"  # Updates is over and nobody has offered to present


class IllegalMove(Exception):
    """A move the rules do not allow now; `str(exc)` is a short sentence fit for chat."""


@dataclass(frozen=True, slots=True)
class Timings:
    opening: timedelta = timedelta(minutes=3)
    updates: timedelta = timedelta(minutes=10)
    presenting: timedelta = timedelta(minutes=8)
    questions: timedelta = timedelta(minutes=15)
    summary: timedelta = timedelta(minutes=5)
    actions: timedelta = timedelta(minutes=5)
    evaluation: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class RoundState:
    phase: Phase
    presenters: tuple[str, ...]
    current: int
    phase_started_at: datetime
    deadline: datetime | None
    paused_remaining: timedelta | None
    warned: bool
    timings: Timings = field(default_factory=Timings)
    # When the presenter last spoke in this phase: their phase does not end mid-sentence.
    presenter_said_at: datetime | None = None
    held: Held | None = None


@dataclass(frozen=True, slots=True)
class PhaseStarted:
    phase: Phase
    presenter: str | None
    deadline: datetime | None


@dataclass(frozen=True, slots=True)
class OneMinuteLeft:
    phase: Phase
    presenter: str | None


@dataclass(frozen=True, slots=True)
class Paused:
    remaining: timedelta


@dataclass(frozen=True, slots=True)
class Resumed:
    deadline: datetime


@dataclass(frozen=True, slots=True)
class PresenterAdded:
    presenter: str


@dataclass(frozen=True, slots=True)
class Closed:
    early: bool


@dataclass(frozen=True, slots=True)
class Extended:
    added: timedelta
    phase: Phase
    left: timedelta


@dataclass(frozen=True, slots=True)
class TimeUp:
    phase: Phase


@dataclass(frozen=True, slots=True)
class NobodyYet:
    pass


Effect = (
    PhaseStarted
    | OneMinuteLeft
    | Paused
    | Resumed
    | PresenterAdded
    | Closed
    | Extended
    | TimeUp
    | NobodyYet
)


@dataclass(frozen=True, slots=True)
class Step:
    state: RoundState
    effects: tuple[Effect, ...] = ()


# --- durations and time -------------------------------------------------------------------

_ONE_MINUTE = timedelta(minutes=1)
_ZERO = timedelta(0)
# A presenter still typing keeps their phase open until they have been quiet this long,
# but never longer than HOLD_MOST past the deadline.
QUIET_FOR = timedelta(seconds=30)
HOLD_MOST = timedelta(minutes=2)
# A presenter's message this soon after their Actions phase ended is still one of their actions.
LATE_ACTION = timedelta(seconds=60)
MORE_RANGE = (1, 30)
_ENDED = "This round has ended."
_NOBODY = "Nobody is presenting yet: someone needs to volunteer before the round can move on."
_ALREADY_LISTED = "You're already on the list."
TIMED_PHASES = tuple(p.value for p in Phase if p is not Phase.CLOSED)  # Timings' field names


def _aware(now: datetime) -> datetime:
    # A naive `now` would silently compare against aware deadlines in the stored state and
    # raise deep inside a handler; fail at the boundary with a message a developer can act on.
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime (UTC)")
    return now


def phase_duration(timings: Timings, phase: Phase) -> timedelta | None:
    """The planned length of `phase`; None for CLOSED, which never times out."""
    return None if phase is Phase.CLOSED else getattr(timings, phase.value)


def is_paused(state: RoundState) -> bool:
    return state.paused_remaining is not None


def current_presenter(state: RoundState) -> str | None:
    """Who holds the floor: only meaningful in the four per-presenter phases."""
    if state.phase in PER_PRESENTER and 0 <= state.current < len(state.presenters):
        return state.presenters[state.current]
    return None


def time_left(state: RoundState, now: datetime) -> timedelta | None:
    """What a "time?" command shows; frozen while paused, never negative."""
    _aware(now)
    if state.phase is Phase.CLOSED:
        return None
    if state.paused_remaining is not None:
        return state.paused_remaining
    return None if state.deadline is None else max(state.deadline - now, _ZERO)


def _enter(state: RoundState, phase: Phase, current: int, now: datetime) -> Step:
    # Every phase starts from `now`, not from the previous deadline: a facilitator who moves
    # on early or a bot that catches up late both give the new phase its full time.
    duration = phase_duration(state.timings, phase)
    deadline = None if duration is None else now + duration
    new = replace(
        state,
        phase=phase,
        current=current,
        phase_started_at=now,
        deadline=deadline,
        paused_remaining=None,
        warned=False,
        presenter_said_at=None,
        held=None,
    )
    if phase is Phase.CLOSED:
        return Step(new, (Closed(early=False),))
    presenter = current_presenter(new)
    return Step(new, (PhaseStarted(phase, presenter, deadline),))


# --- the moves ----------------------------------------------------------------------------


def start(presenters: tuple[str, ...], timings: Timings, now: datetime) -> Step:
    """Open a round.  Timings are not validated here: `timings_from_minutes` is the gate for
    what people type, and tests may want odd lengths."""
    _aware(now)
    unique = tuple(dict.fromkeys(presenters))
    blank = RoundState(
        phase=Phase.OPENING,
        presenters=unique,
        current=0,
        phase_started_at=now,
        deadline=None,
        paused_remaining=None,
        warned=False,
        timings=timings,
    )
    return _enter(blank, Phase.OPENING, 0, now)


def _why_not_advance(state: RoundState) -> str | None:
    if state.phase is Phase.CLOSED:
        return _ENDED
    if state.phase is Phase.UPDATES and not state.presenters:
        return _NOBODY
    return None


def _successor(state: RoundState) -> tuple[Phase, int]:
    """The next (phase, presenter index); assumes the move is legal."""
    phase, current = state.phase, state.current
    if phase is Phase.OPENING:
        return Phase.UPDATES, 0
    if phase is Phase.UPDATES:
        return (Phase.PRESENTING, 0) if state.presenters else (Phase.EVALUATION, 0)
    if phase is Phase.ACTIONS:
        if current + 1 < len(state.presenters):
            return Phase.PRESENTING, current + 1
        return Phase.EVALUATION, current
    if phase in PER_PRESENTER:
        return PER_PRESENTER[PER_PRESENTER.index(phase) + 1], current
    return Phase.CLOSED, current


def advance(state: RoundState, now: datetime) -> Step:
    """The facilitator's "next".  Allowed while paused: moving on is an explicit decision
    that the paused phase is over, so the pause ends with it."""
    _aware(now)
    reason = _why_not_advance(state)
    if reason:
        raise IllegalMove(reason)
    phase, current = _successor(state)
    return _enter(state, phase, current, now)


def _why_not_pause(state: RoundState) -> str | None:
    if state.phase is Phase.CLOSED:
        return _ENDED
    if is_paused(state):
        return "The round is already paused."
    return None


def _why_not_resume(state: RoundState) -> str | None:
    if state.phase is Phase.CLOSED:
        return _ENDED
    if not is_paused(state):
        return "The round isn't paused."
    return None


def pause(state: RoundState, now: datetime) -> Step:
    """Freeze the clock.  The deadline is cleared so that no timer fires while paused."""
    _aware(now)
    reason = _why_not_pause(state)
    if reason:
        raise IllegalMove(reason)
    # Every running phase has a deadline; a hand-edited row without one pauses with nothing left.
    remaining = _ZERO if state.deadline is None else max(state.deadline - now, _ZERO)
    new = replace(state, deadline=None, paused_remaining=remaining)
    return Step(new, (Paused(remaining),))


def resume(state: RoundState, now: datetime) -> Step:
    """Restart the clock with exactly the time that was left when it was paused."""
    _aware(now)
    reason = _why_not_resume(state)
    if reason:
        raise IllegalMove(reason)
    deadline = now + (state.paused_remaining or _ZERO)
    new = replace(state, deadline=deadline, paused_remaining=None)
    return Step(new, (Resumed(deadline),))


def end(state: RoundState, now: datetime) -> Step:
    """Close early.  `current` is kept so the summary can say whose turn was cut short."""
    _aware(now)
    if state.phase is Phase.CLOSED:
        raise IllegalMove(_ENDED)
    new = replace(
        state,
        phase=Phase.CLOSED,
        phase_started_at=now,
        deadline=None,
        paused_remaining=None,
        warned=False,
        held=None,
    )
    return Step(new, (Closed(early=True),))


def extend(state: RoundState, now: datetime, added: timedelta) -> Step:
    """The facilitator's "+5 min": more time for this phase, counted from its deadline (or
    from now, when the deadline has already passed and the phase is waiting)."""
    _aware(now)
    if state.phase is Phase.CLOSED:
        raise IllegalMove(_ENDED)
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
    _aware(now)
    if current_presenter(state) is None:
        return state
    return replace(state, presenter_said_at=now)


def late_action_owner(state: RoundState, now: datetime) -> str | None:
    """Whose Actions phase ended less than `LATE_ACTION` ago, if anyone's: a turn ends only
    by moving from one presenter's Actions to the next presenter, or to the Evaluation."""
    _aware(now)
    if is_paused(state) or now - state.phase_started_at > LATE_ACTION:
        return None
    if state.phase is Phase.PRESENTING and 0 < state.current <= len(state.presenters):
        return state.presenters[state.current - 1]
    if state.phase is Phase.EVALUATION and 0 <= state.current < len(state.presenters):
        return state.presenters[state.current]
    return None


def _why_not_add(state: RoundState, presenter: str | None) -> str | None:
    if state.phase is Phase.CLOSED:
        return _ENDED
    if state.phase is Phase.EVALUATION:
        return "Volunteering has closed: the round is at its evaluation."
    if presenter is not None and presenter in state.presenters:
        return _ALREADY_LISTED
    return None


def add_presenter(state: RoundState, presenter: str) -> Step:
    """Volunteering: join the back of the queue.  Someone who has already presented stays in
    `presenters`, so a second turn in the same round is refused too."""
    if not presenter:
        raise ValueError("a presenter key cannot be empty")
    reason = _why_not_add(state, presenter)
    if reason:
        raise IllegalMove(reason)
    held = None if state.held is Held.NOBODY else state.held  # someone has offered now
    new = replace(state, presenters=(*state.presenters, presenter), held=held)
    return Step(new, (PresenterAdded(presenter),))


def remove_presenter(state: RoundState, presenter: str) -> Step:
    """Drop someone who has left before their turn.  Turns already taken stay on record (their
    actions hang off them), and the person holding the floor is handled by `advance`."""
    if state.phase is Phase.CLOSED:
        raise IllegalMove(_ENDED)
    if presenter not in state.presenters:
        raise IllegalMove("They aren't on the list of presenters.")
    index = state.presenters.index(presenter)
    if state.phase is Phase.EVALUATION or (state.phase in PER_PRESENTER and index < state.current):
        raise IllegalMove("They have already presented in this round.")
    if state.phase in PER_PRESENTER and index == state.current:
        raise IllegalMove("They're presenting right now: move the round on first.")
    presenters = state.presenters[:index] + state.presenters[index + 1 :]
    return Step(replace(state, presenters=presenters))


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
    _aware(now)
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
        phase, current = _successor(state)
        return _enter(state, phase, current, now)
    if _warns(state) and now >= state.deadline - _ONE_MINUTE:
        new = replace(state, warned=True)
        return Step(new, (OneMinuteLeft(state.phase, current_presenter(state)),))
    return Step(state)


# --- timings ------------------------------------------------------------------------------

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


# --- storage ------------------------------------------------------------------------------


class Move(StrEnum):
    NEXT = "next"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"
    ADD_ACTION = "add_action"
    VOLUNTEER = "volunteer"
    RATE = "rate"
    ASK = "ask"
    MORE = "more"


_FACILITATOR_ONLY = {
    Move.NEXT: "Only a facilitator can move the round on.",
    Move.PAUSE: "Only a facilitator can pause the round.",
    Move.RESUME: "Only a facilitator can resume the round.",
    Move.END: "Only a facilitator can end the round.",
    Move.MORE: "Only a facilitator can give a phase more time.",
}
# The engine's own refusals, so a stale button is turned away before it reaches a transaction.
_STATE_CHECKS: dict[Move, Callable[[RoundState], str | None]] = {
    Move.NEXT: _why_not_advance,
    Move.PAUSE: _why_not_pause,
    Move.RESUME: _why_not_resume,
}


def authorise(move: Move, state: RoundState, *, actor: str, is_facilitator: bool) -> str | None:
    """None when `actor` may make `move` now, else a short reason fit for an ephemeral reply.

    It shares its reasons with the engine's IllegalMove so that a refused button and a refused
    command say the same thing; checking here first keeps a stale click from reaching a
    transaction.
    """
    if state.phase is Phase.CLOSED:
        return _ENDED
    if move in _FACILITATOR_ONLY:
        if not is_facilitator:
            return _FACILITATOR_ONLY[move]
        check = _STATE_CHECKS.get(move)
        return check(state) if check else None
    if move is Move.ADD_ACTION:
        if state.phase is not Phase.ACTIONS:
            return "Actions are recorded in the actions phase, after the presenter's summary."
        if actor != current_presenter(state):
            return "Only the presenter can record their actions."
        return None
    if move is Move.VOLUNTEER:
        return _why_not_add(state, actor)
    if move is Move.RATE and state.phase is not Phase.EVALUATION:
        return "Ratings are collected in the evaluation at the end of the round."
    if move is Move.ASK:
        if state.phase is not Phase.QUESTIONS:
            return "Questions are asked in the questions phase, after the presenter has spoken."
        if actor == current_presenter(state):
            return "As the presenter, you answer the questions rather than ask them."
    return None
