"""Between sessions: the schedule, outcome updates, nudges, reminders and the digest."""

from __future__ import annotations

from bot.followup import actions, nudges, reminders, schedule, updates_by_dm, updates_phase
from bot.router import Router


def register(router: Router) -> None:
    for module in (schedule, actions, updates_by_dm, updates_phase, nudges, reminders):
        module.register(router)
