"""Sets and people: who is in which set, roles, settings, data rights and the set's report."""

from __future__ import annotations

from bot.router import Router
from bot.sets import membership, privacy, report, settings, setup, standing


def register(router: Router) -> None:
    for module in (setup, membership, report, settings, privacy, standing):
        module.register(router)
