"""Rounds: a session of the set, its phases, presenters, timers, actions and ratings."""

from __future__ import annotations

from bot.rounds import action_changes, attendance, chat, commitments, control, room
from bot.router import Router


def register(router: Router) -> None:
    for module in (control, room, commitments, action_changes, chat, attendance):
        module.register(router)
