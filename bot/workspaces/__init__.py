"""A workspace the app leaves (issue 19): on `AppRemoved` all work there stops at once, and
after `[slack] uninstall_grace_days` its data is deleted, unless `AppInstalled` calls the
departure off first (`departure.py`, `purge.py`; what belongs to a workspace: `scope.py`).
The checks that keep a departed workspace silent are in the kernel (`bot.departed`), where
the processor and the deliverer can reach them.

High in the core, above every feature package: deleting a workspace means knowing every
table, and how each feature's timers name what they are about."""

from __future__ import annotations

from bot.events import AppInstalled, AppRemoved
from bot.router import Router
from bot.workspaces import departure, purge, scope


def register(router: Router) -> None:
    router.event(AppRemoved, departure.on_removed)
    router.event(AppInstalled, departure.on_installed)
    router.timer(scope.PURGE, purge.on_purge)
