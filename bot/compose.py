"""The composition root of the core: which service handles what.

Adding a service means registering it here; nothing else in the core has to change.
"""

from __future__ import annotations

import bot.services.nudges as nudges
import bot.services.reminders as reminders
from bot import grammar as g
from bot.events import DirectMessage, MessagePosted
from bot.router import Router
from bot.services import (
    actions,
    dos,
    membership,
    privacy,
    report,
    round_chat,
    rounds,
    schedule,
    settings,
    updates_by_dm,
)


def build_router() -> Router:
    router = Router()
    router.command(g.Start, rounds.start)
    for verb in (g.Next, g.Pause, g.Resume, g.End):
        router.command(verb, rounds.control)
    router.command(g.Join, membership.join)
    router.command(g.Leave, membership.leave)
    router.command(g.FacilitatorChange, membership.facilitator)
    router.command(g.Schedule, schedule.schedule)
    router.command(g.AddAction, actions.add_action)
    router.command(g.ListActions, actions.list_actions)
    router.command(g.GiveUpdate, actions.give_update)
    router.command(g.Report, report.report)
    router.command(g.Settings, settings.settings)
    router.command(g.ExportMe, privacy.export_me)
    router.command(g.ForgetMe, privacy.forget_me)
    router.event(MessagePosted, round_chat.on_message)
    router.event(DirectMessage, updates_by_dm.on_direct_message)
    router.button("round", round_chat.on_button)
    router.timer("phase", rounds.on_phase_timer)
    router.hook("round:updates", actions.updates_digest)
    dos.register(router)
    nudges.register(router)
    reminders.register(router)
    return router
