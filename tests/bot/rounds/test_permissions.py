"""Who may make which move now: `authorise`, checked against the engine's own refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.rounds.engine import (
    PER_PRESENTER,
    IllegalMove,
    Phase,
    RoundState,
    add_presenter,
    advance,
    current_presenter,
    end,
    pause,
    resume,
    start,
)
from bot.rounds.permissions import Move, authorise
from bot.rounds.plan import Timings

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def begin(*presenters: str) -> RoundState:
    return start(presenters, Timings(), T0).state


def walk_to(state: RoundState, phase: Phase, presenter: str | None = None) -> RoundState:
    """Advance (at T0) until `phase` is reached for `presenter`."""
    for _ in range(50):
        if state.phase is phase and (presenter is None or current_presenter(state) == presenter):
            return state
        state = advance(state, T0).state
    raise AssertionError(f"never reached {phase} for {presenter}")


FACILITATOR_MOVES = [Move.NEXT, Move.PAUSE, Move.RESUME, Move.END]


@pytest.mark.parametrize("move", FACILITATOR_MOVES)
def test_only_facilitators_steer_the_round(move: Move) -> None:
    state = pause(begin("a"), T0).state if move is Move.RESUME else begin("a")
    assert authorise(move, state, actor="f", is_facilitator=True) is None
    reason = authorise(move, state, actor="a", is_facilitator=False)
    assert reason is not None and reason.startswith("Only a facilitator can")
    assert authorise(Move.NEXT, state, actor="x", is_facilitator=False) == (
        "Only a facilitator can move the round on."
    )


@pytest.mark.parametrize(
    ("move", "state_of", "engine_call"),
    [
        (Move.PAUSE, lambda: pause(begin("a"), T0).state, lambda s: pause(s, T0)),
        (Move.RESUME, lambda: begin("a"), lambda s: resume(s, T0)),
        (Move.NEXT, lambda: advance(begin(), T0).state, lambda s: advance(s, T0)),
        (Move.VOLUNTEER, lambda: begin("f"), lambda s: add_presenter(s, "f")),
    ],
)
def test_authorise_gives_the_same_reason_as_the_engine(move, state_of, engine_call) -> None:
    state = state_of()
    reason = authorise(move, state, actor="f", is_facilitator=True)
    assert reason is not None
    with pytest.raises(IllegalMove) as exc:
        engine_call(state)
    assert str(exc.value) == reason


@pytest.mark.parametrize("move", list(Move))
def test_everything_is_refused_on_a_closed_round(move: Move) -> None:
    closed = end(begin("a"), T0).state
    for actor, fac in (("f", True), ("a", False)):
        assert authorise(move, closed, actor=actor, is_facilitator=fac) == "This round has ended."


def test_only_the_presenter_adds_actions_and_only_in_the_actions_phase() -> None:
    actions = walk_to(begin("a", "b"), Phase.ACTIONS, "a")
    assert authorise(Move.ADD_ACTION, actions, actor="a", is_facilitator=False) is None
    assert authorise(Move.ADD_ACTION, actions, actor="b", is_facilitator=False) == (
        "Only the presenter can record their actions."
    )
    assert authorise(Move.ADD_ACTION, actions, actor="f", is_facilitator=True) is not None
    for phase in (Phase.OPENING, Phase.PRESENTING, Phase.QUESTIONS, Phase.SUMMARY):
        state = walk_to(begin("a"), phase)
        reason = authorise(Move.ADD_ACTION, state, actor="a", is_facilitator=False)
        assert reason is not None and "actions phase" in reason


def test_volunteering_is_open_to_anyone_until_evaluation() -> None:
    for phase in (Phase.OPENING, Phase.UPDATES, *PER_PRESENTER):
        state = walk_to(begin("a"), phase)
        assert authorise(Move.VOLUNTEER, state, actor="b", is_facilitator=False) is None
    evaluation = walk_to(begin("a"), Phase.EVALUATION)
    reason = authorise(Move.VOLUNTEER, evaluation, actor="b", is_facilitator=True)
    assert reason is not None and "evaluation" in reason
    presenting = walk_to(begin("a"), Phase.PRESENTING)
    assert authorise(Move.VOLUNTEER, presenting, actor="a", is_facilitator=False) == (
        "You're already on the list."
    )


def test_rating_only_in_evaluation() -> None:
    evaluation = walk_to(begin("a"), Phase.EVALUATION)
    assert authorise(Move.RATE, evaluation, actor="anyone", is_facilitator=False) is None
    for phase in (Phase.OPENING, Phase.UPDATES, *PER_PRESENTER):
        reason = authorise(Move.RATE, walk_to(begin("a"), phase), actor="b", is_facilitator=True)
        assert reason is not None and "evaluation" in reason


def test_asking_is_for_supporters_in_the_questions_phase() -> None:
    questions = walk_to(begin("a", "b"), Phase.QUESTIONS, "a")
    assert authorise(Move.ASK, questions, actor="b", is_facilitator=False) is None
    assert authorise(Move.ASK, questions, actor="f", is_facilitator=True) is None
    assert "presenter" in (authorise(Move.ASK, questions, actor="a", is_facilitator=False) or "")
    paused = pause(questions, T0).state
    assert authorise(Move.ASK, paused, actor="b", is_facilitator=False) is None
    for phase in (Phase.OPENING, Phase.UPDATES, Phase.PRESENTING, Phase.SUMMARY, Phase.ACTIONS):
        reason = authorise(Move.ASK, walk_to(begin("a"), phase), actor="b", is_facilitator=False)
        assert reason is not None and "questions phase" in reason
