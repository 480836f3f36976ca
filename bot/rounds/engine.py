"""The round engine: Action Learning phases as a pure state machine.

Every function takes the state and `now` and returns a new state plus effects; nothing here
reads a clock, touches the database or knows a platform.  The service layer stores the
state as JSON on the session row and turns effects into replies and timer rows.  What time
alone does to the state (deadlines, holds, more time) is in `bot.rounds.round_clock`; the
plan's lengths are in `bot.rounds.plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.rounds.plan import Timings


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

_ZERO = timedelta(0)
ENDED = "This round has ended."
_NOBODY = "Nobody is presenting yet: someone needs to volunteer before the round can move on."
_ALREADY_LISTED = "You're already on the list."


def aware(now: datetime) -> datetime:
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


def enter(state: RoundState, phase: Phase, current: int, now: datetime) -> Step:
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
    aware(now)
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
    return enter(blank, Phase.OPENING, 0, now)


def why_not_advance(state: RoundState) -> str | None:
    if state.phase is Phase.CLOSED:
        return ENDED
    if state.phase is Phase.UPDATES and not state.presenters:
        return _NOBODY
    return None


def successor(state: RoundState) -> tuple[Phase, int]:
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
    aware(now)
    reason = why_not_advance(state)
    if reason:
        raise IllegalMove(reason)
    phase, current = successor(state)
    return enter(state, phase, current, now)


def why_not_pause(state: RoundState) -> str | None:
    if state.phase is Phase.CLOSED:
        return ENDED
    if is_paused(state):
        return "The round is already paused."
    return None


def why_not_resume(state: RoundState) -> str | None:
    if state.phase is Phase.CLOSED:
        return ENDED
    if not is_paused(state):
        return "The round isn't paused."
    return None


def pause(state: RoundState, now: datetime) -> Step:
    """Freeze the clock.  The deadline is cleared so that no timer fires while paused."""
    aware(now)
    reason = why_not_pause(state)
    if reason:
        raise IllegalMove(reason)
    # Every running phase has a deadline; a hand-edited row without one pauses with nothing left.
    remaining = _ZERO if state.deadline is None else max(state.deadline - now, _ZERO)
    new = replace(state, deadline=None, paused_remaining=remaining)
    return Step(new, (Paused(remaining),))


def resume(state: RoundState, now: datetime) -> Step:
    """Restart the clock with exactly the time that was left when it was paused."""
    aware(now)
    reason = why_not_resume(state)
    if reason:
        raise IllegalMove(reason)
    deadline = now + (state.paused_remaining or _ZERO)
    new = replace(state, deadline=deadline, paused_remaining=None)
    return Step(new, (Resumed(deadline),))


def end(state: RoundState, now: datetime) -> Step:
    """Close early.  `current` is kept so the summary can say whose turn was cut short."""
    aware(now)
    if state.phase is Phase.CLOSED:
        raise IllegalMove(ENDED)
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


def why_not_add(state: RoundState, presenter: str | None) -> str | None:
    if state.phase is Phase.CLOSED:
        return ENDED
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
    reason = why_not_add(state, presenter)
    if reason:
        raise IllegalMove(reason)
    held = None if state.held is Held.NOBODY else state.held  # someone has offered now
    new = replace(state, presenters=(*state.presenters, presenter), held=held)
    return Step(new, (PresenterAdded(presenter),))


def remove_presenter(state: RoundState, presenter: str) -> Step:
    """Drop someone who has left before their turn.  Turns already taken stay on record (their
    actions hang off them), and the person holding the floor is handled by `advance`."""
    if state.phase is Phase.CLOSED:
        raise IllegalMove(ENDED)
    if presenter not in state.presenters:
        raise IllegalMove("They aren't on the list of presenters.")
    index = state.presenters.index(presenter)
    if state.phase is Phase.EVALUATION or (state.phase in PER_PRESENTER and index < state.current):
        raise IllegalMove("They have already presented in this round.")
    if state.phase in PER_PRESENTER and index == state.current:
        raise IllegalMove("They're presenting right now: move the round on first.")
    presenters = state.presenters[:index] + state.presenters[index + 1 :]
    return Step(replace(state, presenters=presenters))
