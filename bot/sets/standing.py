"""A person's standing in their workspace, asked of the platform before a command's
transaction: only a workspace admin may name the facilitator of a set that has none.

Discord's interactions carry the invoker's permissions, so its adapter fills
`CommandInvoked.invoker_is_admin` itself; Slack's slash commands do not, so this preparer
asks the adapter's `AdminDirectory` (`users.info`) — for the few commands that can name a
facilitator, and with a time limit, so a slow platform delays nothing else. Whatever cannot
be learned is None, which counts as "not an admin".
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from bot.commands.grammar import verb_of
from bot.events import CommandInvoked, Event
from bot.ports import AdminDirectory
from bot.router import Preparing, Router

log = logging.getLogger(__name__)

# The commands through which someone can come to lead a set that has none.
NAMING_VERBS = frozenset({"facilitator", "join", "setup"})
ASK_SECONDS = 5.0


async def prepare(event: Event, prep: Preparing) -> Event:
    """`router.prepare(CommandInvoked, …)`: the invoker's admin standing, for the commands
    that can name a facilitator (every other command goes by without a call)."""
    source = prep.source
    if (
        not isinstance(event, CommandInvoked)
        or event.invoker_is_admin is not None
        or not isinstance(source, AdminDirectory)
        or verb_of(event.text) not in NAMING_VERBS
    ):
        return event
    if event.user.workspace != event.channel.workspace:
        return event  # an admin of another organisation (Slack Connect) is none of this one
    try:
        admin = await asyncio.wait_for(source.user_is_admin(event.user), ASK_SECONDS)
    except TimeoutError:
        admin = None
    except Exception as exc:  # unknown means no; the command still runs
        log.warning("could not ask whether %s is a workspace admin: %r", event.user.key, exc)
        admin = None
    return dataclasses.replace(event, invoker_is_admin=admin)


def register(router: Router) -> None:
    router.prepare(CommandInvoked, prepare)
