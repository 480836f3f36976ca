"""Sets and people: who is in which set, roles, settings, data rights and the set's report."""

from __future__ import annotations

from bot.commands.values import ExportMe, FacilitatorChange, ForgetMe, Join, Leave, Report, Settings
from bot.router import Router
from bot.sets import membership, privacy, report, settings


def register(router: Router) -> None:
    router.command(Join, membership.join)
    router.command(Leave, membership.leave)
    router.command(FacilitatorChange, membership.facilitator)
    router.command(Report, report.report)
    router.command(Settings, settings.settings)
    router.command(ExportMe, privacy.export_me)
    router.command(ForgetMe, privacy.forget_me)
