"""Between sessions: the schedule, outcome updates, nudges, reminders and the digest."""

from __future__ import annotations

from bot.commands.values import GiveUpdate, ListActions, Schedule
from bot.events import DirectMessage
from bot.followup import actions, nudges, reminders, schedule, updates_by_dm, updates_phase
from bot.rounds.hooks import UPDATES
from bot.router import Router


def register(router: Router) -> None:
    router.command(Schedule, schedule.schedule)
    router.command(ListActions, actions.list_actions)
    router.command(GiveUpdate, actions.give_update)
    router.event(DirectMessage, updates_by_dm.on_direct_message)
    router.hook(UPDATES, updates_phase.digest)
    nudges.register(router)
    reminders.register(router)
