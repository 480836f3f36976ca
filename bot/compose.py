"""The composition root of the core: which service handles what.

Adding a service means registering it here; nothing else in the core has to change.
"""

from __future__ import annotations

from bot.commands import grammar as g
from bot.dos import toolkit
from bot.events import DirectMessage, MessagePosted
from bot.followup import actions, nudges, reminders, schedule, updates_by_dm, updates_phase
from bot.rounds import chat, commitments, control
from bot.router import Router
from bot.sets import membership, privacy, report, settings


def build_router() -> Router:
    router = Router()
    router.command(g.Start, control.start)
    for verb in (g.Next, g.Pause, g.Resume, g.End):
        router.command(verb, control.control)
    router.command(g.Join, membership.join)
    router.command(g.Leave, membership.leave)
    router.command(g.FacilitatorChange, membership.facilitator)
    router.command(g.Schedule, schedule.schedule)
    router.command(g.AddAction, commitments.add_action)
    router.command(g.ListActions, actions.list_actions)
    router.command(g.GiveUpdate, actions.give_update)
    router.command(g.Report, report.report)
    router.command(g.Settings, settings.settings)
    router.command(g.ExportMe, privacy.export_me)
    router.command(g.ForgetMe, privacy.forget_me)
    router.event(MessagePosted, chat.on_message)
    router.event(DirectMessage, updates_by_dm.on_direct_message)
    router.button("round", chat.on_button)
    router.timer("phase", control.on_phase_timer)
    router.hook("round:updates", updates_phase.digest)
    toolkit.register(router)
    nudges.register(router)
    reminders.register(router)
    return router
