"""The round engine, driven by an explicit `now` that the tests move by hand (no sleeping)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rounds import engine as re_
from bot.rounds import permissions, plan, round_clock
from bot.rounds.codec import state_from_json, state_to_json
from bot.rounds.engine import (
    PER_PRESENTER,
    Closed,
    IllegalMove,
    OneMinuteLeft,
    Paused,
    Phase,
    PhaseStarted,
    PresenterAdded,
    Resumed,
    RoundState,
    Step,
    add_presenter,
    advance,
    current_presenter,
    end,
    pause,
    remove_presenter,
    resume,
    start,
)
from bot.rounds.plan import Timings
from bot.rounds.round_clock import next_wakeup, on_time, time_left

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)
TIMINGS = Timings()


def m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def begin(*presenters: str) -> RoundState:
    return start(presenters, TIMINGS, T0).state


def walk_to(state: RoundState, phase: Phase, presenter: str | None = None) -> RoundState:
    """Advance (at T0) until `phase` is reached for `presenter`."""
    for _ in range(50):
        if state.phase is phase and (presenter is None or current_presenter(state) == presenter):
            return state
        state = advance(state, T0).state
    raise AssertionError(f"never reached {phase} for {presenter}")


# --- start --------------------------------------------------------------------------------


def test_start_opens_with_the_opening_phase_and_its_deadline() -> None:
    step = start(("alice", "bob"), TIMINGS, T0)
    s = step.state
    assert s.phase is Phase.OPENING
    assert s.presenters == ("alice", "bob")
    assert s.phase_started_at == T0
    assert s.deadline == T0 + TIMINGS.opening
    assert s.paused_remaining is None and s.warned is False
    assert step.effects == (PhaseStarted(Phase.OPENING, None, T0 + TIMINGS.opening),)
    assert current_presenter(s) is None


def test_start_removes_duplicate_presenters_keeping_order() -> None:
    assert begin("b", "a", "b", "c", "a").presenters == ("b", "a", "c")


def test_start_rejects_a_naive_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        start(("a",), TIMINGS, datetime(2026, 1, 5, 9, 0))


# --- advancing through every phase --------------------------------------------------------


def test_full_round_with_three_presenters_visits_every_phase_in_order() -> None:
    now = T0
    state = start(("alice", "bob", "cara"), TIMINGS, now).state
    seen: list[tuple[Phase, str | None]] = [(state.phase, None)]
    effects = []
    while state.phase is not Phase.CLOSED:
        now += m(2)
        step = advance(state, now)
        state = step.state
        effects.extend(step.effects)
        seen.append((state.phase, current_presenter(state)))
        if state.phase is not Phase.CLOSED:
            assert state.phase_started_at == now
            assert state.deadline == now + getattr(TIMINGS, state.phase.value)
    expected = [(Phase.OPENING, None), (Phase.UPDATES, None)]
    for who in ("alice", "bob", "cara"):
        expected += [(p, who) for p in PER_PRESENTER]
    expected += [(Phase.EVALUATION, None), (Phase.CLOSED, None)]
    assert seen == expected
    assert effects[-1] == Closed(early=False)
    started = [e for e in effects if isinstance(e, PhaseStarted)]
    assert [(e.phase, e.presenter) for e in started] == expected[1:-1]
    assert state.deadline is None
    assert time_left(state, now) is None


def test_leaving_updates_with_nobody_presenting_is_refused() -> None:
    state = advance(begin(), T0).state
    assert state.phase is Phase.UPDATES
    with pytest.raises(IllegalMove, match="Nobody is presenting yet"):
        advance(state, T0)


def test_advancing_a_closed_round_is_refused() -> None:
    state = walk_to(begin("a"), Phase.CLOSED)
    with pytest.raises(IllegalMove, match="This round has ended."):
        advance(state, T0)


def test_advancing_while_paused_unpauses_and_gives_the_new_phase_full_time() -> None:
    state = walk_to(begin("a"), Phase.QUESTIONS)
    state = pause(state, T0 + m(3)).state
    step = advance(state, T0 + m(30))
    assert step.state.phase is Phase.SUMMARY
    assert step.state.paused_remaining is None
    assert step.state.deadline == T0 + m(30) + TIMINGS.summary
    assert step.effects == (PhaseStarted(Phase.SUMMARY, "a", T0 + m(30) + TIMINGS.summary),)


def test_advance_resets_the_warning_flag() -> None:
    state = replace(walk_to(begin("a"), Phase.PRESENTING), warned=True)
    assert advance(state, T0).state.warned is False


# --- pause and resume ---------------------------------------------------------------------


def test_pause_stores_the_remaining_time_and_resume_restores_it() -> None:
    state = walk_to(begin("a"), Phase.PRESENTING)  # deadline T0 + 8 min
    step = pause(state, T0 + m(3))
    assert step.state.deadline is None
    assert step.state.paused_remaining == m(5)
    assert step.effects == (Paused(m(5)),)
    assert time_left(step.state, T0 + m(100)) == m(5)  # frozen while paused
    assert next_wakeup(step.state) is None
    assert on_time(step.state, T0 + m(100)) == Step(step.state)

    step = resume(step.state, T0 + m(20))
    assert step.state.deadline == T0 + m(25)
    assert step.state.paused_remaining is None
    assert step.effects == (Resumed(T0 + m(25)),)
    assert time_left(step.state, T0 + m(21)) == m(4)


def test_pausing_after_the_deadline_stores_zero_not_a_negative() -> None:
    state = walk_to(begin("a"), Phase.PRESENTING)
    step = pause(state, T0 + m(12))
    assert step.state.paused_remaining == timedelta(0)
    assert resume(step.state, T0 + m(13)).state.deadline == T0 + m(13)


def test_pause_resume_keep_seconds_exactly() -> None:
    state = walk_to(begin("a"), Phase.QUESTIONS)
    paused = pause(state, T0 + timedelta(minutes=7, seconds=13, microseconds=5)).state
    assert paused.paused_remaining == timedelta(minutes=7, seconds=46, microseconds=999_995)


def test_double_pause_and_resume_while_running_are_refused() -> None:
    state = begin("a")
    with pytest.raises(IllegalMove, match="isn't paused"):
        resume(state, T0)
    paused = pause(state, T0).state
    with pytest.raises(IllegalMove, match="already paused"):
        pause(paused, T0)


def test_pause_and_resume_are_refused_on_a_closed_round() -> None:
    closed = end(begin("a"), T0).state
    for move in (pause, resume):
        with pytest.raises(IllegalMove, match="This round has ended."):
            move(closed, T0)


def test_the_warning_survives_a_pause() -> None:
    state = walk_to(begin("a"), Phase.PRESENTING)
    state = on_time(state, T0 + m(7)).state
    assert state.warned
    state = resume(pause(state, T0 + m(7.5)).state, T0 + m(9)).state
    assert state.warned and state.deadline == T0 + m(9.5)
    assert next_wakeup(state) == T0 + m(9.5)


# --- end ----------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", [p for p in Phase if p is not Phase.CLOSED])
def test_end_closes_early_from_any_open_phase(phase: Phase) -> None:
    state = walk_to(begin("a"), phase)
    step = end(state, T0 + m(1))
    assert step.state.phase is Phase.CLOSED
    assert step.state.deadline is None and step.state.paused_remaining is None
    assert step.effects == (Closed(early=True),)


def test_end_works_while_paused_and_is_refused_once_closed() -> None:
    state = pause(walk_to(begin("a"), Phase.SUMMARY), T0).state
    closed = end(state, T0).state
    assert closed.paused_remaining is None
    with pytest.raises(IllegalMove, match="This round has ended."):
        end(closed, T0)


# --- volunteering and leaving -------------------------------------------------------------


@pytest.mark.parametrize("phase", [Phase.OPENING, Phase.UPDATES, *PER_PRESENTER])
def test_volunteering_appends_to_the_queue_before_evaluation(phase: Phase) -> None:
    state = walk_to(begin("a"), phase)
    step = add_presenter(state, "zed")
    assert step.state.presenters == ("a", "zed")
    assert step.effects == (PresenterAdded("zed"),)


def test_a_volunteer_in_the_last_actions_phase_presents_next() -> None:
    state = add_presenter(walk_to(begin("a"), Phase.ACTIONS), "b").state
    state = advance(state, T0).state
    assert (state.phase, current_presenter(state)) == (Phase.PRESENTING, "b")


def test_volunteering_rescues_an_empty_round() -> None:
    state = add_presenter(advance(begin(), T0).state, "a").state
    assert current_presenter(advance(state, T0).state) == "a"


@pytest.mark.parametrize("who", ["a", "b", "c"])  # done, presenting now, queued
def test_volunteering_twice_is_refused(who: str) -> None:
    state = walk_to(begin("a", "b", "c"), Phase.QUESTIONS, "b")
    with pytest.raises(IllegalMove, match="You're already on the list"):
        add_presenter(state, who)


@pytest.mark.parametrize(
    ("phase", "reason"), [(Phase.EVALUATION, "closed"), (Phase.CLOSED, "ended")]
)
def test_volunteering_is_refused_from_evaluation_on(phase: Phase, reason: str) -> None:
    with pytest.raises(IllegalMove, match=reason):
        add_presenter(walk_to(begin("a"), phase), "b")


def test_volunteering_needs_a_key() -> None:
    with pytest.raises(ValueError):
        add_presenter(begin(), "")


def test_removing_a_queued_presenter() -> None:
    state = walk_to(begin("a", "b", "c"), Phase.PRESENTING, "a")
    step = remove_presenter(state, "b")
    assert step.state.presenters == ("a", "c") and step.effects == ()
    assert current_presenter(step.state) == "a"
    assert remove_presenter(begin("a", "b"), "a").state.presenters == ("b",)


def test_removing_the_only_presenter_before_the_start_leaves_an_empty_round() -> None:
    state = remove_presenter(advance(begin("a"), T0).state, "a").state
    with pytest.raises(IllegalMove, match="Nobody"):
        advance(state, T0)


@pytest.mark.parametrize(
    ("who", "phase", "reason"),
    [
        ("b", Phase.SUMMARY, "presenting right now"),
        ("a", Phase.SUMMARY, "already presented"),
        ("a", Phase.EVALUATION, "already presented"),
        ("zed", Phase.UPDATES, "aren't on the list"),
        ("a", Phase.CLOSED, "This round has ended."),
    ],
)
def test_removing_is_refused_when_it_would_rewrite_history(
    who: str, phase: Phase, reason: str
) -> None:
    state = walk_to(begin("a", "b"), phase, "b" if phase is Phase.SUMMARY else None)
    with pytest.raises(IllegalMove, match=reason):
        remove_presenter(state, who)


# --- time: warnings, auto-advance, catch-up -----------------------------------------------


def test_nothing_happens_before_anything_is_due() -> None:
    state = walk_to(begin("a"), Phase.PRESENTING)
    assert on_time(state, T0 + m(6)) == Step(state)
    assert next_wakeup(state) == T0 + m(7)


def test_one_minute_warning_fires_once() -> None:
    state = walk_to(begin("a"), Phase.PRESENTING)
    step = on_time(state, T0 + m(7))
    assert step.effects == (OneMinuteLeft(Phase.PRESENTING, "a"),)
    assert step.state.warned
    assert next_wakeup(step.state) == T0 + m(8)
    again = on_time(step.state, T0 + m(7.5))
    assert again == Step(step.state)


def test_no_warning_in_a_phase_of_one_minute_or_less() -> None:
    timings = replace(TIMINGS, opening=MIN)
    state = start(("a",), timings, T0).state
    assert next_wakeup(state) == T0 + MIN
    assert on_time(state, T0 + 30 * SEC).effects == ()
    assert on_time(state, T0 + MIN).state.phase is Phase.UPDATES


def test_deadline_moves_the_round_on_by_itself() -> None:
    state = walk_to(begin("a"), Phase.QUESTIONS)
    step = on_time(state, T0 + m(15))
    assert step.state.phase is Phase.SUMMARY
    assert step.effects == (PhaseStarted(Phase.SUMMARY, "a", T0 + m(20)),)


def test_deadline_without_the_warning_skips_straight_to_the_move() -> None:
    state = walk_to(begin("a"), Phase.PRESENTING)
    step = on_time(state, T0 + m(9))
    assert [type(e) for e in step.effects] == [PhaseStarted]


def test_updates_with_nobody_on_time_waits_and_says_so_once() -> None:
    # Issue 13: never on to the Evaluation without anyone having presented.
    state = advance(begin(), T0).state
    step = on_time(state, T0 + TIMINGS.updates)
    assert step.state.phase is Phase.UPDATES
    assert step.effects == (re_.NobodyYet(),)
    assert next_wakeup(step.state) is None
    assert on_time(step.state, T0 + m(60)) == Step(step.state)


def test_evaluation_times_out_into_a_normal_close() -> None:
    state = walk_to(begin("a"), Phase.EVALUATION)
    step = on_time(state, T0 + m(5))
    assert step.state.phase is Phase.CLOSED and step.effects == (Closed(early=False),)
    assert next_wakeup(step.state) is None
    assert on_time(step.state, T0 + m(500)) == Step(step.state)


def test_overdue_round_catches_up_one_phase_per_call_from_now() -> None:
    state = start(("a", "b"), TIMINGS, T0).state
    late = T0 + timedelta(hours=1)
    phases = []
    for _ in range(20):
        wake = next_wakeup(state)
        if wake is None or wake > late:
            break
        step = on_time(state, late)
        assert len(step.effects) == 1
        state = step.state
        phases.append(state.phase)
        if state.phase is not Phase.CLOSED:
            assert state.phase_started_at == late
            assert state.deadline == late + getattr(TIMINGS, state.phase.value)
    # Opening timed out an hour ago: exactly one move, and the rest get their full time.
    assert phases == [Phase.UPDATES]
    assert next_wakeup(state) == late + TIMINGS.updates - MIN


def test_simulated_session_driven_only_by_the_clock() -> None:
    """The scheduler's loop: sleep until next_wakeup, call on_time, repeat."""
    state = start(("a", "b"), TIMINGS, T0).state
    log: list[object] = []
    while (wake := next_wakeup(state)) is not None:
        step = on_time(state, wake)
        assert step.effects, "a wakeup must always do something"
        log.extend(step.effects)
        state = step.state
    warnings = [e for e in log if isinstance(e, OneMinuteLeft)]
    assert len(warnings) == 1 + 1 + 4 * 2 + 1  # one per phase
    total = sum((getattr(TIMINGS, p.value) for p in Phase if p is not Phase.CLOSED), timedelta())
    total += sum((getattr(TIMINGS, p.value) for p in PER_PRESENTER), timedelta())
    assert state.phase_started_at == T0 + total
    assert log[-1] == Closed(early=False)


def test_time_left_counts_down_and_floors_at_zero() -> None:
    state = begin("a")
    assert time_left(state, T0 + m(1)) == m(2)
    assert time_left(state, T0 + m(10)) == timedelta(0)


# --- JSON ---------------------------------------------------------------------------------


def test_json_round_trip_of_a_paused_round() -> None:
    state = pause(walk_to(begin("U1", "T9:U2"), Phase.QUESTIONS, "U1"), T0 + m(4)).state
    raw = state_to_json(state)
    data = json.loads(raw)
    assert data["phase"] == "questions" and data["paused_remaining"] == 660
    assert data["deadline"] is None and data["phase_started_at"] == "2026-01-05T09:00:00+00:00"
    assert state_from_json(raw) == state


def test_json_normalises_other_offsets_to_utc() -> None:
    plus_one = datetime(2026, 6, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    state = start(("a",), TIMINGS, plus_one).state
    back = state_from_json(state_to_json(state))
    assert back == state and back.deadline is not None and back.deadline.tzinfo is UTC


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        "{}",
        '{"version": 99}',
        state_to_json(start(("a",), TIMINGS, T0).state).replace('"opening"', '"opening?"', 1),
        state_to_json(start(("a",), TIMINGS, T0).state).replace("+00:00", "", 1),
        state_to_json(start(("a",), TIMINGS, T0).state).replace('"current":0', '"current":"0"'),
        state_to_json(start(("a",), TIMINGS, T0).state).replace('"warned":false', '"warned":0'),
        state_to_json(start(("a",), TIMINGS, T0).state).replace('["a"]', "[1]"),
    ],
)
def test_corrupt_json_raises_value_error(raw: str) -> None:
    with pytest.raises(ValueError, match="Stored round state is not valid"):
        state_from_json(raw)


_moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
)
_spans = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2))
_states = st.builds(
    RoundState,
    phase=st.sampled_from(Phase),
    presenters=st.lists(st.text(min_size=1), max_size=6, unique=True).map(tuple),
    current=st.integers(0, 6),
    phase_started_at=_moments,
    deadline=st.none() | _moments,
    paused_remaining=st.none() | _spans,
    warned=st.booleans(),
    timings=st.builds(Timings, *[_spans] * 7),
)


@settings(max_examples=300)
@given(_states)
def test_json_round_trip_is_exact(state: RoundState) -> None:
    assert state_from_json(state_to_json(state)) == state


@pytest.mark.parametrize("module", [re_, round_clock, plan, permissions])
def test_the_module_reads_no_clock(module: ModuleType) -> None:
    source = open(module.__file__ or "", encoding="utf-8").read()
    assert ".now(" not in source and "utcnow" not in source and "time.time" not in source
