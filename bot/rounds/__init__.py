"""Rounds: a session of the set, its phases, presenters, timers, actions and ratings."""

from __future__ import annotations

from bot.commands.values import AddAction, End, Next, Pause, Resume, Start
from bot.events import MessagePosted
from bot.rounds import chat, commitments, control
from bot.router import Router
from bot.sets.hooks import MEMBER_LEAVING


def register(router: Router) -> None:
    router.command(Start, control.start)
    router.command(Next, control.control)
    router.command(Pause, control.control)
    router.command(Resume, control.control)
    router.command(End, control.control)
    router.command(AddAction, commitments.add_action)
    router.event(MessagePosted, chat.on_message)
    router.button("round", chat.on_button)
    router.timer("phase", control.on_phase_timer)
    router.hook(MEMBER_LEAVING, control.on_member_leaving)
