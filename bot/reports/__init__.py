"""How the set is doing: the report's figures, its charts and files, and the set's pages
online (the links to them)."""

from __future__ import annotations

from bot.outbox import MAKE_FILE
from bot.reports import command, files, links
from bot.router import Router


def register(router: Router) -> None:
    command.register(router)
    links.register(router)
    router.hook(MAKE_FILE, files.make)
