"""The composition root of the core: the feature packages, registered on one router.

This is the only module that knows every feature package. A package adds its commands,
events, buttons, timers and hook handlers in its own `register(router)`; adding a feature
means one line here. The order is the order in which hook handlers run.
"""

from __future__ import annotations

from bot import dos, followup, network, reports, rounds, sets, workspaces
from bot.router import Router

FEATURES = (
    sets.register,
    rounds.register,
    dos.register,
    followup.register,
    reports.register,
    network.register,
    workspaces.register,
)


def build_router() -> Router:
    router = Router()
    for register in FEATURES:
        register(router)
    return router
