"""Joining, leaving, and handing on the facilitator role.

A set is never left with members and no facilitator: the last facilitator can be removed,
leave or `forget-me` only once another is added (the last member of all may go). A set that
has none anyway (made by an older version) is given one only by a workspace admin, unless
nobody else is in it (`records.may_take_the_lead`): otherwise whoever claimed it first
would take over the others' set.
"""

from __future__ import annotations

from bot.commands.values import FacilitatorChange, Join, Leave
from bot.context import Ctx, Refusal
from bot.events import CommandInvoked
from bot.refs import UserRef
from bot.replies import Ephemeral, Mention, Post, text
from bot.router import Router
from bot.sets import records as sets
from bot.sets.hooks import MEMBER_LEAVING
from bot.sets.setup import take_over_if_leaderless

# A set with members and no facilitator is stuck: nobody may change its schedule or settings.
LAST_FACILITATOR_LEAVING = (
    "You're this set's only facilitator and others remain, so make someone else facilitator "
    "first: `/als facilitator add @name`."
)
LAST_FACILITATOR_REMOVED = (
    "A set needs at least one facilitator: add another with `/als facilitator add @name` "
    "before removing this one."
)


async def join(ctx: Ctx, event: CommandInvoked, _command: Join) -> None:
    set_info = sets.command_set(ctx)
    fresh = await sets.ensure_member(ctx, set_info.id, event.user)
    leads = await take_over_if_leaderless(ctx, set_info, event.user, admin=event.invoker_is_admin)
    if fresh:
        ctx.emit(
            Post(
                channel=set_info.channel,
                text=text(Mention(event.user), " joined this Action Learning Set. Welcome!"),
            )
        )
    elif not leads:
        ctx.emit(
            Ephemeral(
                channel=event.channel,
                user=event.user,
                text=text("You're already a member of this set."),
            )
        )
    if leads:
        ctx.emit(
            Post(
                channel=set_info.channel,
                text=text(
                    Mention(event.user),
                    " is now this set's facilitator, as it had none: facilitators run sessions "
                    "and change the schedule and settings (`/als facilitator add @name` adds "
                    "another).",
                ),
            )
        )


async def leave(ctx: Ctx, event: CommandInvoked, _command: Leave) -> None:
    set_info = sets.command_set(ctx)
    row = await sets.member_row(ctx, set_info.id, event.user)
    if row is None or not row.active:
        raise Refusal("You're not a member of this set.")
    if (
        row.is_facilitator
        and await sets.facilitator_count(ctx, set_info.id) == 1
        and await sets.member_count(ctx, set_info.id) > 1
    ):
        raise Refusal(LAST_FACILITATOR_LEAVING)
    for leaving in ctx.hooks(MEMBER_LEAVING):
        await leaving(ctx, set_info, event.user)
    await sets.deactivate(ctx, set_info.id, event.user)
    ctx.emit(
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text(
                "You've left this set. Your past actions stay with the set; `/als forget-me` removes your data."
            ),
        )
    )


async def facilitator(ctx: Ctx, event: CommandInvoked, command: FacilitatorChange) -> None:
    set_info = sets.command_set(ctx)
    target = UserRef(event.workspace, command.user)
    if command.add:
        await sets.set_facilitator(ctx, set_info.id, target, True)
        ctx.emit(
            Post(
                channel=set_info.channel,
                text=text(Mention(target), " is now a facilitator of this set."),
            )
        )
        return
    if not await sets.is_facilitator(ctx, set_info.id, target):
        raise Refusal("They aren't a facilitator of this set.")
    if await sets.facilitator_count(ctx, set_info.id) == 1:
        raise Refusal(LAST_FACILITATOR_REMOVED)
    await sets.set_facilitator(ctx, set_info.id, target, False)
    ctx.emit(
        Post(
            channel=set_info.channel,
            text=text(Mention(target), " is no longer a facilitator of this set."),
        )
    )


def register(router: Router) -> None:
    router.command(Join, join)
    router.command(Leave, leave)
    router.command(FacilitatorChange, facilitator)
