"""Sets and people: who is in which set, roles, settings, and data rights."""

from __future__ import annotations

from bot.router import Router
from bot.sets import membership, privacy, settings, setup, standing


def register(router: Router) -> None:
    for module in (setup, membership, settings, privacy, standing):
        module.register(router)
