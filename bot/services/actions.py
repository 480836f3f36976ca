"""Actions presenters commit to, the outcome updates they give later, and ratings.

These are the things people choose to put on record, so they are what the summary, the
next session's Updates phase and `export-me` are made of.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update

from bot import round_engine as engine
from bot.events import CommandInvoked
from bot.grammar import AddAction, GiveUpdate, ListActions
from bot.refs import MessageRef, UserRef
from bot.replies import Ephemeral, Mention, Post, Strong, Text, text
from bot.services import sets
from bot.services.context import Ctx, Refusal
from bot.services.sessions import SessionInfo, active_session, header_handle
from bot.services.sets import SetInfo
from bot.store.models import Action, Evaluation, OutcomeUpdate, ScheduleRow
from bot.store.models import Session as SessionRow

ACTIONS = Action.__table__
UPDATES = OutcomeUpdate.__table__
EVALUATIONS = Evaluation.__table__
SESSIONS = SessionRow.__table__
SCHEDULES = ScheduleRow.__table__

STATUS_LABELS = {
    "open": "open",
    "done": "done",
    "partly": "partly done",
    "not_yet": "not yet",
    "dropped": "dropped",
}


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
    action_id = result.inserted_primary_key[0]
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
    set_info = await sets.set_for_person(ctx, event.user, event.channel)
    ctx.set_id = set_info.id
    session = await active_session(ctx, set_info.id)
    if session is not None:
        reason = engine.authorise(
            engine.Move.ADD_ACTION,
            session.state,
            actor=event.user.key,
            is_facilitator=await sets.is_facilitator(ctx, set_info.id, event.user),
        )
        if reason:
            raise Refusal(reason)
        await record(ctx, set_info, session.id, event.user, command)
        return
    await sets.ensure_member(ctx, set_info.id, event.user)
    await record(ctx, set_info, None, event.user, command)


async def open_actions(ctx: Ctx, set_id: int, owner: UserRef | None = None) -> list[Any]:
    query = select(ACTIONS).where(
        ACTIONS.c.set_id == set_id, ACTIONS.c.status.in_(("open", "partly", "not_yet"))
    )
    if owner is not None:
        query = query.where(ACTIONS.c.owner_key == owner.key)
    return list(await ctx.conn.execute(query.order_by(ACTIONS.c.owner_key, ACTIONS.c.id)))


async def latest_update(ctx: Ctx, set_id: int, user_key: str, since: Any = None) -> Any:
    query = select(UPDATES).where(UPDATES.c.set_id == set_id, UPDATES.c.user_key == user_key)
    if since is not None:
        query = query.where(UPDATES.c.created_at >= since)
    return (await ctx.conn.execute(query.order_by(UPDATES.c.id.desc()).limit(1))).first()


async def list_actions(ctx: Ctx, event: CommandInvoked, command: ListActions) -> None:
    set_info = await sets.set_for_person(ctx, event.user, event.channel)
    owner = UserRef(event.workspace, command.user) if command.user else None
    rows = await open_actions(ctx, set_info.id, owner)
    if not rows:
        body = (
            text("No open actions", " for ", Mention(owner))
            if owner
            else text("No open actions in this set.")
        )
        ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body + "."))
        return
    body = text(Strong("Open actions"))
    current = None
    for row in rows:
        if row.owner_key != current:
            current = row.owner_key
            who = (
                text(Mention(UserRef.from_key(current))) if current else text("(someone who left)")
            )
            status = await _update_state(ctx, set_info.id, current)
            body += text("\n") + who + status
        body += text(
            f"\n  #{row.id} ",
            row.text,
            due_text(row.due),
            f" [{STATUS_LABELS.get(row.status, row.status)}]",
        )
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body))


async def _update_state(ctx: Ctx, set_id: int, owner_key: str | None) -> str:
    """Whether someone has updated in the current cycle (see `bot.services.outcomes`)."""
    from bot.services import outcomes

    if not owner_key:
        return ""
    since = await outcomes.cycle_start(ctx, set_id)
    progress = await outcomes.progress(ctx, set_id, owner_key, since)
    if progress.updates:
        return " — has given an update"
    return " — has given each action a status" if progress.responded else " — no update yet"


async def give_update(ctx: Ctx, event: CommandInvoked, command: GiveUpdate) -> None:
    set_info = await sets.set_for_person(ctx, event.user, event.channel)
    member = await sets.member_row(ctx, set_info.id, event.user)
    if member is None or not member.active:
        raise Refusal("Outcome updates are for members of this set: `/als join` first.")
    await save_update(ctx, set_info, event.user, command.text)
    ctx.emit(
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text(
                "Thanks — your update is saved and will be shared at the next session's Updates."
            ),
        )
    )


async def save_update(ctx: Ctx, set_info: SetInfo, user: UserRef, body: str) -> int:
    ctx.set_id = set_info.id
    result = await ctx.conn.execute(
        insert(UPDATES).values(
            set_id=set_info.id, user_key=user.key, text=body.strip()[:4000], created_at=ctx.now
        )
    )
    return result.inserted_primary_key[0]


async def set_status(ctx: Ctx, action_id: int, owner: UserRef, status: str) -> Any:
    row = (await ctx.conn.execute(select(ACTIONS).where(ACTIONS.c.id == action_id))).first()
    if row is None or row.owner_key is None or not sets.same_person(owner, row.owner_key):
        raise Refusal("That action isn't one of yours.")
    await ctx.conn.execute(
        update(ACTIONS).where(ACTIONS.c.id == action_id).values(status=status, updated_at=ctx.now)
    )
    return row


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


async def updates_digest(ctx: Ctx, set_info: SetInfo, session: SessionInfo) -> Text | None:
    """For the Updates phase: see `bot.services.updates_phase`."""
    from bot.services import updates_phase

    return await updates_phase.digest(ctx, set_info, session)
