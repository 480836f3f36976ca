"""Who may make which move in a round now: the check before a button or command acts.

It reads the round state and gives the same reasons as the engine's IllegalMove (it calls the
engine's own checks), so a stale button is turned away with the sentence a typed command would
get, before it reaches a transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from bot.rounds.engine import (
    ENDED,
    Phase,
    RoundState,
    current_presenter,
    why_not_add,
    why_not_advance,
    why_not_pause,
    why_not_resume,
)


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
    Move.NEXT: why_not_advance,
    Move.PAUSE: why_not_pause,
    Move.RESUME: why_not_resume,
}


def authorise(move: Move, state: RoundState, *, actor: str, is_facilitator: bool) -> str | None:
    """None when `actor` may make `move` now, else a short reason fit for an ephemeral reply.

    It shares its reasons with the engine's IllegalMove so that a refused button and a refused
    command say the same thing; checking here first keeps a stale click from reaching a
    transaction.
    """
    if state.phase is Phase.CLOSED:
        return ENDED
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
        return why_not_add(state, actor)
    if move is Move.RATE and state.phase is not Phase.EVALUATION:
        return "Ratings are collected in the evaluation at the end of the round."
    if move is Move.ASK:
        if state.phase is not Phase.QUESTIONS:
            return "Questions are asked in the questions phase, after the presenter has spoken."
        if actor == current_presenter(state):
            return "As the presenter, you answer the questions rather than ask them."
    return None
