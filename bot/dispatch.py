"""`/als …`: read the text with the one grammar, then hand it to the service that owns it."""

from __future__ import annotations

from bot.commands.grammar import help_text, parse
from bot.commands.values import Help, UsageError
from bot.context import Ctx, Refusal
from bot.events import CommandInvoked
from bot.replies import Ephemeral, text
from bot.router import Router
from bot.sets import records as sets


async def on_command(ctx: Ctx, event: CommandInvoked, router: Router) -> None:
    set_info = await sets.find_set(ctx, event.channel)
    if set_info is not None:
        ctx.set_id = set_info.id
    tz = await sets.timezone_for(ctx, event.user, set_info)
    command = parse(event.text, now=ctx.now, tz=tz)
    if event.user.workspace != event.channel.workspace and not isinstance(command, Help):
        # A shared channel (Slack Connect) can hold people from other workspaces; a set
        # belongs to one workspace, and nothing of it is shown or changed from another.
        raise Refusal("alsbot serves members of this workspace only; use it in your own.")
    if isinstance(command, UsageError):
        ctx.emit(
            Ephemeral(
                channel=event.channel,
                user=event.user,
                text=text(f"{command.message}\nUsage: {command.usage}"),
            )
        )
        return
    if isinstance(command, Help):
        ctx.emit(
            Ephemeral(channel=event.channel, user=event.user, text=text(help_text(command.topic)))
        )
        return
    handler = router.commands.get(type(command))
    if handler is None:
        raise Refusal("That command isn't available in this version of alsbot yet.")
    await handler(ctx, event, command)
