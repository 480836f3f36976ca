"""How the set is doing: the report's figures, its charts and files, and the set's pages
online (the links to them)."""

from __future__ import annotations

from bot.reports import command, links
from bot.router import Router


def register(router: Router) -> None:
    command.register(router)
    links.register(router)
