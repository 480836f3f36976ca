"""Sets and their members: who belongs where, and who may do what.

A set is a channel.  The first person to set it up (`/als setup`, or a first `/als schedule`),
start a round or add a facilitator in a channel creates its set and becomes its facilitator,
so a team needs no admin step to begin; after that only facilitators can hand the role on.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.context import Ctx, Refusal
from bot.dates.zones import zone_or
from bot.refs import ChannelRef, UserRef
from bot.set_info import SetInfo
from bot.store.models import Member, Person
from bot.store.models import Set as SetRow
from bot.store.upsert import insert_ignore, inserted_id

SETS = SetRow.__table__
MEMBERS = Member.__table__
PEOPLE = Person.__table__


def info_from_row(row: Any) -> SetInfo:
    """A `SetInfo` from a row holding the `sets` columns (other columns may come along)."""
    return SetInfo(
        row.id, ChannelRef.from_key(row.channel_key), row.timezone, dict(row.settings or {})
    )


# Built once: this runs for nearly every event (see `bot.store.upsert._insert_ignore`).
_FIND_SET = select(SETS).where(SETS.c.channel_key == bindparam("b_channel_key"))


async def find_set(ctx: Ctx, channel: ChannelRef) -> SetInfo | None:
    row = (await ctx.conn.execute(_FIND_SET, {"b_channel_key": channel.key})).first()
    return info_from_row(row) if row else None


async def set_by_id(conn: AsyncConnection, set_id: int) -> SetInfo | None:
    """The set, or None when it is gone: for reads outside an event (files made at
    delivery, the web pages), which have a connection but no `Ctx`."""
    row = (await conn.execute(select(SETS).where(SETS.c.id == set_id))).first()
    return info_from_row(row) if row else None


async def get_set(ctx: Ctx, set_id: int) -> SetInfo:
    row = (await ctx.conn.execute(select(SETS).where(SETS.c.id == set_id))).one()
    return info_from_row(row)


async def create_set(ctx: Ctx, channel: ChannelRef) -> SetInfo:
    result = await ctx.conn.execute(
        insert(SETS).values(
            workspace_key=channel.workspace.key,
            channel_key=channel.key,
            timezone=ctx.config.defaults.timezone,
            settings={},
            created_at=ctx.now,
        )
    )
    return await get_set(ctx, inserted_id(result))


NO_SET = (
    "This channel has no Action Learning Set yet. "
    "Set one up here with `/als setup`: you become its facilitator."
)


async def require_set(ctx: Ctx, channel: ChannelRef) -> SetInfo:
    found = await find_set(ctx, channel)
    if found is None:
        raise Refusal(NO_SET)
    return found


async def sets_of(ctx: Ctx, user: UserRef) -> list[SetInfo]:
    rows = await ctx.conn.execute(
        select(SETS)
        .join(MEMBERS, MEMBERS.c.set_id == SETS.c.id)
        .where(MEMBERS.c.user_key == user.key, MEMBERS.c.active.is_(True))
        .order_by(SETS.c.id)
    )
    return [info_from_row(r) for r in rows]


def same_person(ctx: Ctx, user: UserRef, key: str) -> bool:
    """Is the person stored as `key` this user?  Where the platform's user ids are global
    (Discord: the same person in every server, and DMs arrive with no server at all), the
    id decides."""
    if user.key == key:
        return True
    other = UserRef.from_key(key)
    platform = user.workspace.platform
    return (
        ctx.traits.of(platform).global_user_ids
        and other.workspace.platform == platform
        and other.id == user.id
    )


async def memberships(ctx: Ctx, user: UserRef) -> list[tuple[SetInfo, UserRef]]:
    """The person's sets, each with the identity they have there: their workspace's sets,
    or where user ids are global their sets in every workspace of the platform (a Discord
    DM belongs to no server)."""
    platform = user.workspace.platform
    if not ctx.traits.of(platform).global_user_ids:
        found = await sets_of(ctx, user)
        return [(s, user) for s in found if s.channel.workspace == user.workspace]
    rows = await ctx.conn.execute(
        select(SETS, MEMBERS.c.user_key.label("member_key"))
        .join(MEMBERS, MEMBERS.c.set_id == SETS.c.id)
        .where(
            MEMBERS.c.user_key.like(f"{platform.value}:%:{user.id}"),
            MEMBERS.c.active.is_(True),
        )
        .order_by(SETS.c.id)
    )
    return [
        (info_from_row(r), UserRef.from_key(r.member_key))
        for r in rows
        if same_person(ctx, user, r.member_key)
    ]


async def set_for_person(ctx: Ctx, user: UserRef, channel: ChannelRef | None) -> SetInfo:
    """The set a personal command means: the channel's, else the person's only set."""
    if channel is not None:
        here = await find_set(ctx, channel)
        if here is not None:
            return here
    mine = [s for s in await sets_of(ctx, user) if s.channel.workspace == user.workspace]
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise Refusal("You're not in an Action Learning Set yet: use `/als join` in its channel.")
    raise Refusal("You're in several sets; run this in the channel of the set you mean.")


async def member_row(ctx: Ctx, set_id: int, user: UserRef) -> Any:
    return (
        await ctx.conn.execute(
            select(MEMBERS).where(MEMBERS.c.set_id == set_id, MEMBERS.c.user_key == user.key)
        )
    ).first()


async def ensure_member(ctx: Ctx, set_id: int, user: UserRef, *, facilitator: bool = False) -> bool:
    """Make `user` an active member; True when they were not one before."""
    row = await member_row(ctx, set_id, user)
    if row is None:
        await ctx.conn.execute(
            insert(MEMBERS).values(
                set_id=set_id,
                user_key=user.key,
                is_facilitator=facilitator,
                active=True,
                joined_at=ctx.now,
            )
        )
        return True
    changes: dict[str, Any] = {}
    if not row.active:
        changes["active"] = True
    if facilitator and not row.is_facilitator:
        changes["is_facilitator"] = True
    if changes:
        await ctx.conn.execute(update(MEMBERS).where(MEMBERS.c.id == row.id).values(**changes))
    return not row.active


async def touch_member(ctx: Ctx, set_id: int, user: UserRef) -> None:
    """Make sure someone taking part is a member, in one statement (the hot path)."""

    await ctx.conn.execute(
        insert_ignore(MEMBERS, ctx.dialect, ["set_id", "user_key"]),
        {
            "set_id": set_id,
            "user_key": user.key,
            "is_facilitator": False,
            "active": True,
            "joined_at": ctx.now,
        },
    )


async def is_facilitator(ctx: Ctx, set_id: int, user: UserRef) -> bool:
    row = await member_row(ctx, set_id, user)
    return bool(row and row.active and row.is_facilitator)


async def facilitator_count(ctx: Ctx, set_id: int) -> int:
    return (
        await ctx.conn.execute(
            select(func.count())
            .select_from(MEMBERS)
            .where(
                MEMBERS.c.set_id == set_id,
                MEMBERS.c.is_facilitator.is_(True),
                MEMBERS.c.active.is_(True),
            )
        )
    ).scalar_one()


async def member_count(ctx: Ctx, set_id: int) -> int:
    return (
        await ctx.conn.execute(
            select(func.count())
            .select_from(MEMBERS)
            .where(MEMBERS.c.set_id == set_id, MEMBERS.c.active.is_(True))
        )
    ).scalar_one()


LEADERLESS = (
    "This set has no facilitator, so only an admin of this workspace or server can name one: "
    "ask an admin to run `/als facilitator add @name` here."
)


async def may_take_the_lead(ctx: Ctx, set_id: int, user: UserRef, *, admin: bool) -> bool:
    """May `user` become the facilitator of a set that has none?

    A set nobody else is in is theirs to start (the first runner leads it, no admin step);
    but once others are in it, whoever claims a leaderless set could take over the others'
    set, so only a workspace admin may then name its facilitator.
    """
    if await facilitator_count(ctx, set_id) > 0:
        return False
    if admin:
        return True
    others = await ctx.conn.execute(
        select(func.count())
        .select_from(MEMBERS)
        .where(
            MEMBERS.c.set_id == set_id,
            MEMBERS.c.active.is_(True),
            MEMBERS.c.user_key != user.key,
        )
    )
    return others.scalar_one() == 0


async def led_alone(ctx: Ctx, user: UserRef) -> list[SetInfo]:
    """The sets `user` is the only facilitator of while others are still members: they
    cannot go (leave, forget-me) without handing the role on first."""
    mine = MEMBERS.alias("mine")
    rows = await ctx.conn.execute(
        select(SETS)
        .join(mine, mine.c.set_id == SETS.c.id)
        .where(
            mine.c.user_key == user.key,
            mine.c.active.is_(True),
            mine.c.is_facilitator.is_(True),
        )
        .order_by(SETS.c.id)
    )
    found = []
    for row in rows:
        if await facilitator_count(ctx, row.id) == 1 and await member_count(ctx, row.id) > 1:
            found.append(info_from_row(row))
    return found


async def facilitators(ctx: Ctx, set_id: int) -> list[UserRef]:
    rows = await ctx.conn.execute(
        select(MEMBERS.c.user_key)
        .where(
            MEMBERS.c.set_id == set_id,
            MEMBERS.c.is_facilitator.is_(True),
            MEMBERS.c.active.is_(True),
        )
        .order_by(MEMBERS.c.id)
    )
    return [UserRef.from_key(r[0]) for r in rows]


async def require_facilitator(ctx: Ctx, set_info: SetInfo, user: UserRef, doing: str) -> None:
    if not await is_facilitator(ctx, set_info.id, user):
        raise Refusal(f"Only a facilitator of this set can {doing}.")


async def set_facilitator(ctx: Ctx, set_id: int, user: UserRef, value: bool) -> None:
    await ensure_member(ctx, set_id, user)
    await ctx.conn.execute(
        update(MEMBERS)
        .where(MEMBERS.c.set_id == set_id, MEMBERS.c.user_key == user.key)
        .values(is_facilitator=value)
    )


async def deactivate(ctx: Ctx, set_id: int, user: UserRef) -> bool:
    result = await ctx.conn.execute(
        update(MEMBERS)
        .where(
            MEMBERS.c.set_id == set_id, MEMBERS.c.user_key == user.key, MEMBERS.c.active.is_(True)
        )
        .values(active=False, is_facilitator=False)
    )
    return bool(result.rowcount)


async def person(ctx: Ctx, user: UserRef) -> Any:
    return (await ctx.conn.execute(select(PEOPLE).where(PEOPLE.c.user_key == user.key))).first()


async def set_person(ctx: Ctx, user: UserRef, **values: Any) -> None:
    if await person(ctx, user) is None:
        await ctx.conn.execute(
            insert(PEOPLE).values(**{"user_key": user.key, "nudges": True, **values})
        )
    else:
        await ctx.conn.execute(update(PEOPLE).where(PEOPLE.c.user_key == user.key).values(**values))


async def timezone_for(ctx: Ctx, user: UserRef, set_info: SetInfo | None) -> ZoneInfo:
    """Dates people type are read in their own time zone, else their set's."""
    row = await person(ctx, user)
    return zone_or(
        row.timezone if row else None,
        set_info.timezone if set_info else None,
        fallback=ctx.config.defaults.timezone,
    )


def command_set(ctx: Ctx) -> SetInfo:
    """The set the dispatcher resolved for this command from its declaration (`where`)."""
    found = command_set_if_any(ctx)
    if found is None:
        raise TypeError("this command is declared to need no set (CommandSpec.where)")
    return found


def command_set_if_any(ctx: Ctx) -> SetInfo | None:
    """The command's set for a command that may have none (`SetPolicy.OPTIONAL`)."""
    return ctx.set_info
