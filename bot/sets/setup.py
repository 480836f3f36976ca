"""`/als setup`: a set and its first facilitator, before anyone runs a live session.

A facilitator's first act is usually to arrange the set, not to run a round: set-up makes
the channel's set, makes the person who ran it its facilitator and says what comes next.
The first `/als schedule` in a channel with no set does the same (`set_for_command`), so a
facilitator who starts there is not sent away. A set must never be left with members but
no facilitator: nobody could then change its schedule or settings, so `/als setup` and
`/als join` in a set that has none (one made by an older version) hand the role to the
person who ran them — when nobody else is in it, or they are a workspace admin.
"""

from __future__ import annotations

from bot.commands.registry import spec_of
from bot.commands.spec import Role
from bot.commands.values import Command, SetUp
from bot.context import Ctx, Refusal
from bot.events import CommandInvoked
from bot.refs import UserRef
from bot.replies import Ephemeral, Mention, Post, Strong, Text, text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets

PRIVACY_NOTE = (
    "Use a private channel, so only the set can read its rounds. alsbot keeps what the set "
    "records (actions, updates, do's and ratings), never a transcript of what is said; "
    "Slack, Discord or Teams keeps the thread itself, under your organisation's own retention "
    "settings."
)


def next_steps() -> Text:
    """What a new facilitator does next, in the order they usually do it."""
    return text(
        Strong("Next steps"),
        "\n• Schedule: `/als schedule wednesday 10am every 4 weeks` says when the set meets; "
        "reminders and nudges follow it.",
        "\n• Invite: add the members to this channel; each joins with `/als join`. "
        "`/als facilitator add @name` makes a co-facilitator.",
        "\n• Settings: `/als settings` shows the set's time zone, phase lengths and the rest; "
        "`/als settings timezone Europe/London` changes one.",
        "\n• Privacy: ",
        PRIVACY_NOTE,
        "\n• When you meet: `/als start @presenter …` opens a session.",
    )


async def set_up_here(ctx: Ctx, event: CommandInvoked) -> SetInfo:
    """Create the channel's set with `event.user` as its facilitator, and say so."""
    set_info = await sets.create_set(ctx, event.channel)
    ctx.set_id, ctx.set_info = set_info.id, set_info
    await sets.ensure_member(ctx, set_info.id, event.user, facilitator=True)
    ctx.emit(
        Post(
            channel=set_info.channel,
            text=text(
                Mention(event.user),
                " set up an Action Learning Set in this channel and is its facilitator. "
                "Join it with `/als join`.",
            ),
        ),
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text("You're the facilitator of this channel's Action Learning Set.\n")
            + next_steps(),
        ),
    )
    return set_info


async def set_for_command(ctx: Ctx, event: CommandInvoked, command: Command) -> SetInfo:
    """The command's set; a command that changes something sets one up where there is none
    (its declaration's `where` is `SET_UP`), a command that only reads refuses."""
    found = sets.command_set_if_any(ctx)
    if found is not None:
        return found
    if spec_of(command).role_for(command) is Role.ANYONE:
        raise Refusal(sets.NO_SET)
    return await set_up_here(ctx, event)


async def take_over_if_leaderless(
    ctx: Ctx, set_info: SetInfo, user: UserRef, *, admin: bool | None
) -> bool:
    """Make `user` the facilitator of a set that has none, if they may (`may_take_the_lead`:
    nobody else is in it, or they are a workspace admin); True when they became it."""
    if not await sets.may_take_the_lead(ctx, set_info.id, user, admin=admin is True):
        return False
    await sets.ensure_member(ctx, set_info.id, user, facilitator=True)
    return True


async def set_up(ctx: Ctx, event: CommandInvoked, _command: SetUp) -> None:
    set_info = sets.command_set_if_any(ctx)
    if set_info is None:
        await set_up_here(ctx, event)
        return
    if await take_over_if_leaderless(ctx, set_info, event.user, admin=event.invoker_is_admin):
        ctx.emit(
            Post(
                channel=set_info.channel,
                text=text(Mention(event.user), " is now this set's facilitator (it had none)."),
            )
        )
    facilitators = await sets.facilitators(ctx, set_info.id)
    said = text("This channel already has an Action Learning Set. Its facilitator")
    said += "s are " if len(facilitators) > 1 else " is "
    for i, person in enumerate(facilitators):
        said += text(", " if i else "", Mention(person))
    said += ".\n"
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=said + next_steps()))


def register(router: Router) -> None:
    router.command(SetUp, set_up)
