"""Where a round is held: a warning, to the facilitator alone, before a round in a public room.

A presenter shares a real problem from their work; in a public Slack channel anyone in the
workspace can find the thread and read it. So `/als start` asks the platform (before the
transaction, through the adapter's `MessageSource`) whether the channel is private, and in
a channel the platform says is public it does not start: the facilitator privately gets
the reason, how to move to a private channel, and [Start anyway] [Cancel]. Nothing is
posted in the channel until they choose. A platform that cannot say (None) is not warned
about: the warning is for a channel known to be public, not a guess.
"""

from __future__ import annotations

import asyncio
import dataclasses

from bot.commands.grammar import verb_of
from bot.commands.values import Start
from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.events import ButtonPressed, CommandInvoked, Event
from bot.replies import Button, Ephemeral, Strong, text
from bot.rounds import control
from bot.rounds.sessions import active_session
from bot.router import Preparing, Router
from bot.sets import records as sets

PREFIX = "room"
PUBLIC_WARNING = (
    "This channel is public: anyone in the workspace can open it and read the round's "
    "thread, including what presenters share about their work. Action Learning is best held "
    "in a private channel only the set can see: create one, invite the members, and run "
    "`/als setup` and then `/als start` there."
)
CANCELLED = "Not started. Nothing was posted in the channel."
ASK_SECONDS = 5.0  # how long the platform may take to say; then the round starts unwarned


async def prepare(event: Event, prep: Preparing) -> Event:
    """`router.prepare(CommandInvoked, …)`: ask whether the channel is private, for
    `/als start` only (every other command goes by without a call to the platform)."""
    source = prep.source
    if not isinstance(event, CommandInvoked) or source is None or verb_of(event.text) != "start":
        return event
    try:  # a platform slow to answer must not hold up every event prepared with this one
        private = await asyncio.wait_for(source.channel_is_private(event.channel), ASK_SECONDS)
    except TimeoutError:
        private = None
    return dataclasses.replace(event, channel_private=private)


async def start(ctx: Ctx, event: CommandInvoked, command: Start) -> None:
    set_info = sets.command_set(ctx)
    if event.channel_private is False and await active_session(ctx, set_info.id) is None:
        presenters = " ".join(command.presenters)
        ctx.emit(
            Ephemeral(
                channel=event.channel,
                user=event.user,
                text=text(Strong("Start the round here?"), " ", PUBLIC_WARNING),
                buttons=(
                    Button(f"{PREFIX}:start", "Start anyway", presenters, "primary"),
                    Button(f"{PREFIX}:cancel", "Cancel", ""),
                ),
            )
        )
        return
    await control.start(ctx, event, command)


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    if event.verb == "cancel":
        ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=text(CANCELLED)))
        return
    if event.verb != "start":
        raise Refusal(OUT_OF_DATE)
    set_info = await sets.find_set(ctx, event.channel)
    if set_info is None or event.user.workspace != set_info.channel.workspace:
        raise Refusal(OUT_OF_DATE)
    await sets.require_facilitator(ctx, set_info, event.user, Start.spec.what())
    ctx.set_id, ctx.set_info = set_info.id, set_info
    # The press confirms the command it was offered for: the same start, already warned.
    confirmed = CommandInvoked(
        key=event.key, user=event.user, channel=event.channel, text="start", channel_private=None
    )
    presenters = tuple(p for p in event.value.split() if p)
    await control.start(ctx, confirmed, Start(presenters=presenters))


def register(router: Router) -> None:
    router.command(Start, start)
    router.button(PREFIX, on_button)
    router.prepare(CommandInvoked, prepare)
