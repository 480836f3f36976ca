"""The round clock's rules from issue 13: more time, a presenter still speaking, a clock run
by hand, a round waiting for a presenter, and an action said just after its phase ended."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.rounds import engine
from bot.rounds.codec import state_from_json, state_to_json
from bot.rounds.engine import (
    Extended,
    Held,
    NobodyYet,
    OneMinuteLeft,
    Phase,
    PhaseStarted,
    RoundState,
    Step,
    TimeUp,
    add_presenter,
    advance,
    pause,
    start,
)
from bot.rounds.plan import Timings
from bot.rounds.round_clock import (
    extend,
    hold_until,
    late_action_owner,
    next_wakeup,
    on_time,
    presenter_spoke,
    worth_noting,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SEC = timedelta(seconds=1)
MIN = timedelta(minutes=1)


def begin(*presenters: str) -> RoundState:
    return start(presenters, Timings(), T0).state


def at(state: RoundState, phase: Phase, presenter: str | None = None) -> RoundState:
    for _ in range(50):
        if state.phase is phase and (
            presenter is None or engine.current_presenter(state) == presenter
        ):
            return state
        state = advance(state, T0).state
    raise AssertionError(f"never reached {phase}")


def run(state: RoundState, until: datetime, *, auto_advance: bool = True) -> list[engine.Effect]:
    """Fire every wake-up up to `until`, as the timer rows would."""
    effects: list[engine.Effect] = []
    for _ in range(100):
        wake = next_wakeup(state)
        if wake is None or wake > until:
            return effects
        step = on_time(state, wake, auto_advance=auto_advance)
        effects += step.effects
        if step.state == state:
            raise AssertionError(f"a wake-up at {wake} changed nothing")
        state = step.state
    raise AssertionError("too many wake-ups")


def test_more_time_moves_the_deadline_and_the_old_deadline_does_nothing() -> None:
    state = at(begin("a"), Phase.QUESTIONS)  # until 09:15
    state = on_time(state, T0 + 14 * MIN).state
    assert state.warned
    step = extend(state, T0 + 14 * MIN, 5 * MIN)
    assert step.state.deadline == T0 + 20 * MIN
    assert step.effects == (Extended(5 * MIN, Phase.QUESTIONS, 6 * MIN),)
    assert on_time(step.state, T0 + 15 * MIN) == Step(step.state)  # the old deadline's timer
    # a fresh one-minute warning, then the move, at the new times
    assert next_wakeup(step.state) == T0 + 19 * MIN
    warned = on_time(step.state, T0 + 19 * MIN)
    assert warned.effects == (OneMinuteLeft(Phase.QUESTIONS, "a"),)
    moved = on_time(warned.state, T0 + 20 * MIN)
    assert moved.state.phase is Phase.SUMMARY


def test_more_time_while_paused_adds_to_what_is_left() -> None:
    state = pause(begin("a"), T0 + MIN).state
    step = extend(state, T0 + 2 * MIN, 10 * MIN)
    assert step.state.paused_remaining == 12 * MIN and step.state.deadline is None


def test_more_time_after_the_deadline_counts_from_now_and_lifts_the_wait() -> None:
    state = begin("a")
    said = on_time(state, T0 + 3 * MIN, auto_advance=False)
    assert said.effects == (TimeUp(Phase.OPENING),) and said.state.held is Held.TIME_UP
    step = extend(said.state, T0 + 10 * MIN, 5 * MIN)
    assert step.state.deadline == T0 + 15 * MIN and step.state.held is None
    assert next_wakeup(step.state) == T0 + 14 * MIN


def test_more_time_on_a_closed_round_is_refused() -> None:
    closed = engine.end(begin("a"), T0).state
    with pytest.raises(engine.IllegalMove):
        extend(closed, T0, 5 * MIN)


def test_a_presenter_speaking_is_noted_only_where_it_could_hold_the_phase() -> None:
    state = at(begin("a", "b"), Phase.ACTIONS, "a")  # until 09:05
    early = T0 + 5 * MIN - 31 * SEC
    assert not worth_noting(state, early)
    assert hold_until(presenter_spoke(state, early)) is None  # so skipping it changes nothing
    assert worth_noting(state, T0 + 5 * MIN - 29 * SEC)
    assert worth_noting(state, T0 + 6 * MIN)


def test_a_presenter_still_speaking_holds_the_phase_until_quiet() -> None:
    state = at(begin("a", "b"), Phase.ACTIONS, "a")  # until 09:05
    state = replace_warned(state)
    state = presenter_spoke(state, T0 + 5 * MIN - 10 * SEC)
    assert on_time(state, T0 + 5 * MIN) == Step(state)  # 10 s since they spoke
    assert next_wakeup(state) == T0 + 5 * MIN + 20 * SEC
    assert on_time(state, T0 + 5 * MIN + 19 * SEC).effects == ()
    moved = on_time(state, T0 + 5 * MIN + 20 * SEC)
    assert moved.effects == (PhaseStarted(Phase.PRESENTING, "b", T0 + 13 * MIN + 20 * SEC),)


def test_a_presenter_who_keeps_talking_is_moved_on_two_minutes_after_the_deadline() -> None:
    state = replace_warned(at(begin("a", "b"), Phase.ACTIONS, "a"))
    deadline = T0 + 5 * MIN
    now = deadline - 5 * SEC
    while now < deadline + 2 * MIN:
        state = presenter_spoke(state, now)
        assert on_time(state, now).state.phase is Phase.ACTIONS, now
        now += 20 * SEC
    assert hold_until(state) == deadline + 2 * MIN
    assert on_time(state, deadline + 2 * MIN).state.phase is Phase.PRESENTING


def test_someone_who_spoke_long_before_the_deadline_does_not_hold_it() -> None:
    state = replace_warned(at(begin("a"), Phase.PRESENTING))
    state = presenter_spoke(state, T0 + 7 * MIN)
    assert hold_until(state) is None
    assert on_time(state, T0 + 8 * MIN).state.phase is Phase.QUESTIONS


def test_only_the_presenter_holds_a_phase_and_a_new_phase_forgets_them() -> None:
    opening = begin("a")
    assert presenter_spoke(opening, T0) == opening  # nobody holds the floor in the Opening
    state = presenter_spoke(at(opening, Phase.PRESENTING), T0)
    assert advance(state, T0).state.presenter_said_at is None


def test_without_auto_advance_time_up_is_said_once_and_the_facilitator_moves_on() -> None:
    state = begin("a")
    effects = run(state, T0 + 3 * 60 * MIN, auto_advance=False)
    assert effects == [OneMinuteLeft(Phase.OPENING, None), TimeUp(Phase.OPENING)]
    waiting = on_time(state, T0 + 3 * MIN, auto_advance=False).state
    assert next_wakeup(waiting) is None
    assert on_time(waiting, T0 + 60 * MIN, auto_advance=False) == Step(waiting)
    assert on_time(waiting, T0 + 60 * MIN, auto_advance=True) == Step(waiting)
    moved = advance(waiting, T0 + 61 * MIN)
    assert moved.state.phase is Phase.UPDATES and moved.state.held is None


def test_a_round_with_nobody_waits_then_goes_on_when_someone_offers() -> None:
    state = begin()
    effects = run(state, T0 + 4 * 60 * MIN)
    assert [type(e) for e in effects] == [OneMinuteLeft, PhaseStarted, OneMinuteLeft, NobodyYet]
    waiting = on_time(advance(state, T0).state, T0 + 10 * MIN).state
    assert waiting.phase is Phase.UPDATES and waiting.held is Held.NOBODY
    with pytest.raises(engine.IllegalMove):
        advance(waiting, T0 + 20 * MIN)  # the facilitator can only end it, not skip to Evaluation
    offered = add_presenter(waiting, "c").state
    assert offered.held is None
    due = next_wakeup(offered)
    assert due is not None and due <= T0 + 10 * MIN  # due at once
    moved = on_time(offered, T0 + 20 * MIN)
    assert moved.effects == (PhaseStarted(Phase.PRESENTING, "c", T0 + 28 * MIN),)


def test_an_action_said_just_after_the_actions_phase_is_its_presenters() -> None:
    state = at(begin("a", "b"), Phase.ACTIONS, "a")
    nxt = advance(state, T0 + MIN).state  # b presenting from 09:01
    assert late_action_owner(nxt, T0 + MIN + 20 * SEC) == "a"
    assert late_action_owner(nxt, T0 + 2 * MIN) == "a"
    assert late_action_owner(nxt, T0 + 2 * MIN + SEC) is None
    assert late_action_owner(advance(nxt, T0 + MIN).state, T0 + MIN) is None  # b's questions
    last = at(nxt, Phase.ACTIONS, "b")
    evaluation = advance(last, T0 + 3 * MIN).state
    assert evaluation.phase is Phase.EVALUATION
    assert late_action_owner(evaluation, T0 + 3 * MIN + 30 * SEC) == "b"
    assert late_action_owner(begin("a"), T0) is None


def test_the_new_fields_survive_storage_and_old_rows_still_read() -> None:
    state = presenter_spoke(at(begin("a"), Phase.PRESENTING), T0 + SEC)
    state = on_time(state, T0 + 8 * MIN + 31 * SEC, auto_advance=False).state
    assert state.held is Held.TIME_UP
    assert state_from_json(state_to_json(state)) == state
    old = json.loads(state_to_json(begin("a")))
    assert "held" not in old and "presenter_said_at" not in old
    assert state_from_json(json.dumps(old)).held is None


def replace_warned(state: RoundState) -> RoundState:
    """Past the one-minute warning, so the next wake-up is the deadline itself."""
    return replace(state, warned=True)
