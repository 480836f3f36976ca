"""Between sessions: the schedule, outcome updates, nudges, reminders and the digest."""

from __future__ import annotations

from bot.followup import (
    actions,
    live_updates,
    nudges,
    reminders,
    schedule,
    status_offers,
    update_drafts,
    updates_by_dm,
    updates_phase,
)
from bot.router import Router


def register(router: Router) -> None:
    for module in (
        schedule,
        actions,
        updates_by_dm,
        update_drafts,
        status_offers,
        updates_phase,
        live_updates,
        nudges,
        reminders,
    ):
        module.register(router)
