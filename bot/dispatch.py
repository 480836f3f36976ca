"""`/als …`: read the text with the one grammar, apply its declared guards, hand it on.

The guards every command needs run here, once, from the command's declaration
(`bot.commands.spec.CommandSpec`): the workspace check, finding (or creating) the set the
command acts on, and the role. Handlers then read the set from `ctx.set_info` and keep only
the checks that depend on their own data, and a refusal of one kind has the same words
whichever command met it.
"""

from __future__ import annotations

from bot.commands.grammar import help_text, parse
from bot.commands.registry import spec_of
from bot.commands.spec import CommandSpec, Role, SetPolicy
from bot.commands.values import Command, Help, UsageError, named_people
from bot.commands.words import UNLINKED, shown
from bot.context import Ctx, Refusal
from bot.events import CommandInvoked
from bot.replies import Ephemeral, text
from bot.rounds import permissions
from bot.rounds.sessions import active_session
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets

OTHER_WORKSPACE = "alsbot serves members of this workspace only; use it in your own."
NOT_A_MEMBER = "You're not a member of this set: `/als join` first."
NOT_YET = "That command isn't available in this version of alsbot yet."


async def on_command(ctx: Ctx, event: CommandInvoked, router: Router) -> None:
    found = await sets.find_set(ctx, event.channel)
    if found is not None:
        ctx.set_id = found.id
    tz = await sets.timezone_for(ctx, event.user, found)
    locale = found.setting(ctx, "locale") if found else ctx.config.defaults.locale
    command = parse(event.text, now=ctx.now, tz=tz, locale=locale)
    spec = None if isinstance(command, UsageError) else spec_of(command)
    if event.user.workspace != event.channel.workspace and not (spec and spec.any_workspace):
        # The channel's set belongs to the workspace the bot is installed in; adapters
        # file shared-channel guests under it (Slack Connect: docs/SLACK.md), so this
        # refuses only a person the adapter placed in another workspace.
        raise Refusal(OTHER_WORKSPACE)
    if not isinstance(command, UsageError):
        command = _people_of_this_platform(ctx, event, command)
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
    assert spec is not None
    handler = router.commands.get(type(command))
    if handler is None:
        raise Refusal(NOT_YET)
    set_info = await resolve_set(ctx, event, spec, found)
    if set_info is not None:
        ctx.set_id, ctx.set_info = set_info.id, set_info
    await check_role(ctx, event, spec, spec.role_for(command), set_info)
    await handler(ctx, event, command)


def _people_of_this_platform(
    ctx: Ctx, event: CommandInvoked, command: Command
) -> Command | UsageError:
    """A person is named by the platform's own kind of id (`PlatformTraits.user_id`); any
    other id was typed, not picked from the platform's @-menu, and names nobody."""
    looks_like = ctx.traits.of(event.workspace.platform).user_id
    for person in named_people(command):
        if not looks_like.fullmatch(person):
            usage = spec_of(command).usage
            return UsageError(message=UNLINKED.format(name=shown(f"<@{person}>")), usage=usage)
    return command


async def resolve_set(
    ctx: Ctx, event: CommandInvoked, spec: CommandSpec, found: SetInfo | None
) -> SetInfo | None:
    """The set `spec.where` means, given the channel's (`found`, already looked up).

    A set created here gets its first facilitator from the first facilitator command run in
    it (`start`, `facilitator`), so a team needs no admin step to begin; `join` creates the
    set and its handler makes the joiner facilitator of a set that has none. Under
    `SET_UP` a missing set stays None: the handler sets it up (`bot.sets.setup`).
    """
    where = spec.where
    if found is not None or where in (SetPolicy.OPTIONAL, SetPolicy.SET_UP):
        set_info = found
    elif where is SetPolicy.EXISTING:
        set_info = await sets.require_set(ctx, event.channel)  # there is none: it refuses
    elif where is SetPolicy.FOR_PERSON:
        set_info = await sets.set_for_person(ctx, event.user, None)
    else:
        set_info = await sets.create_set(ctx, event.channel)
    if (
        set_info is not None
        and where is SetPolicy.CREATE
        and spec.role is Role.FACILITATOR
        and await sets.may_take_the_lead(ctx, set_info.id, event.user, admin=False)
    ):
        await sets.ensure_member(ctx, set_info.id, event.user, facilitator=True)
    return set_info


async def check_role(
    ctx: Ctx, event: CommandInvoked, spec: CommandSpec, role: Role, set_info: SetInfo | None
) -> None:
    """Refuse unless `event.user` holds `role` in the command's set."""
    if role is Role.ANYONE:
        return
    if set_info is None and spec.where is SetPolicy.SET_UP:
        return  # the handler sets the set up, with this person as its facilitator
    if set_info is None:
        raise TypeError(f"/als {spec.verb} is declared for a {role} but resolves no set")
    if role is Role.FACILITATOR:
        if await sets.facilitator_count(ctx, set_info.id) == 0:
            # Nobody leads a set others are in: only a workspace admin may name its facilitator.
            if event.invoker_is_admin and spec.verb == "facilitator":
                return
            if not await sets.may_take_the_lead(ctx, set_info.id, event.user, admin=False):
                raise Refusal(sets.LEADERLESS)
        await sets.require_facilitator(ctx, set_info, event.user, spec.what())
    elif role is Role.MEMBER:
        member = await sets.member_row(ctx, set_info.id, event.user)
        if member is None or not member.active:
            raise Refusal(NOT_A_MEMBER)
    elif role is Role.PRESENTER:
        session = await active_session(ctx, set_info.id)
        if session is not None:  # between sessions, anyone may (and becomes a member)
            reason = permissions.authorise(
                permissions.Move.ADD_ACTION,
                session.state,
                actor=event.user.key,
                is_facilitator=False,
            )
            if reason:
                raise Refusal(reason)
