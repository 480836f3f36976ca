"""What a presenter commits to in a round: actions, and everyone's rating at its close.

These are the records a round leaves behind, so the closing summary is made here too;
following the actions up between sessions is `bot.followup`'s work.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update

from bot.commands.values import AddAction
from bot.context import Ctx
from bot.events import CommandInvoked
from bot.refs import MessageRef, UserRef
from bot.replies import Ephemeral, Mention, Post, Text, text
from bot.rounds.sessions import active_session, header_handle
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Action, Evaluation, ScheduleRow
from bot.store.upsert import inserted_id

ACTIONS = Action.__table__
EVALUATIONS = Evaluation.__table__
SCHEDULES = ScheduleRow.__table__


def due_text(due: date | None) -> str:
    return f" (by {due.strftime('%a %-d %b %Y')})" if due else ""


async def record(
    ctx: Ctx,
    set_info: SetInfo,
    session_id: int | None,
    owner: UserRef,
    command: AddAction,
    *,
    thread: MessageRef | None = None,
) -> int:
    result = await ctx.conn.execute(
        insert(ACTIONS).values(
            set_id=set_info.id,
            session_id=session_id,
            owner_key=owner.key,
            text=command.text,
            due=command.due,
            status="open",
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    action_id = inserted_id(result)
    confirmation = text(
        "✅ Action recorded for ", Mention(owner), ": ", command.text, due_text(command.due)
    )
    if session_id is not None:
        ctx.emit(
            Post(
                channel=set_info.channel,
                text=confirmation,
                thread=thread,
                thread_handle=None if thread else header_handle(session_id),
            )
        )
    else:
        ctx.emit(Ephemeral(channel=set_info.channel, user=owner, text=confirmation))
    return action_id


async def add_action(ctx: Ctx, event: CommandInvoked, command: AddAction) -> None:
    set_info = sets.command_set(ctx)
    session = await active_session(ctx, set_info.id)
    if session is not None:  # the dispatcher has checked it is the presenter's turn
        await record(ctx, set_info, session.id, event.user, command)
        return
    await sets.ensure_member(ctx, set_info.id, event.user)
    await record(ctx, set_info, None, event.user, command)


async def rate(
    ctx: Ctx, set_info: SetInfo, session_id: int, user: UserRef, rating: int, word: str | None
) -> None:
    word = (word or "").strip()[:60] or None
    existing = (
        await ctx.conn.execute(
            select(EVALUATIONS.c.id).where(
                EVALUATIONS.c.session_id == session_id, EVALUATIONS.c.user_key == user.key
            )
        )
    ).first()
    if existing:
        await ctx.conn.execute(
            update(EVALUATIONS)
            .where(EVALUATIONS.c.id == existing.id)
            .values(rating=rating, word=word, created_at=ctx.now)
        )
    else:
        await ctx.conn.execute(
            insert(EVALUATIONS).values(
                session_id=session_id,
                user_key=user.key,
                rating=rating,
                word=word,
                created_at=ctx.now,
            )
        )
    ctx.emit(
        Ephemeral(
            channel=set_info.channel,
            user=user,
            text=text(f"Thanks — your rating of {rating}/5 is recorded."),
            thread_handle=header_handle(session_id),
        )
    )


async def next_session_at(ctx: Ctx, set_id: int) -> Any:
    return (
        await ctx.conn.execute(select(SCHEDULES.c.next_at).where(SCHEDULES.c.set_id == set_id))
    ).scalar()


async def summary_lines(ctx: Ctx, set_info: SetInfo, session_id: int) -> Text:
    out = text()
    rows = list(
        await ctx.conn.execute(
            select(ACTIONS).where(ACTIONS.c.session_id == session_id).order_by(ACTIONS.c.id)
        )
    )
    out += text("\nActions:") if rows else text("\nActions: none recorded.")
    for row in rows:
        who = text(Mention(UserRef.from_key(row.owner_key))) if row.owner_key else text("someone")
        out += text("\n• ") + who + text(": ", row.text, due_text(row.due))
    stats = (
        await ctx.conn.execute(
            select(func.count(), func.avg(EVALUATIONS.c.rating)).where(
                EVALUATIONS.c.session_id == session_id
            )
        )
    ).one()
    if stats[0]:
        out += f"\nEvaluation: {stats[0]} rating(s), average {float(stats[1]):.1f}/5."
    next_at = await next_session_at(ctx, set_info.id)
    if next_at is not None and next_at > ctx.now:
        local = next_at.astimezone(set_info.tz)
        out += f"\nNext session: {local.strftime('%A %-d %B %Y, %H:%M')} ({set_info.timezone})."
    else:
        out += "\nNext session: not scheduled yet (`/als schedule <when>`)."
    return out


def register(router: Router) -> None:
    router.command(AddAction, add_action)
