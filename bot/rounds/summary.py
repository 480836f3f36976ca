"""The closing summary: what a session leaves behind, in one post."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.context import Ctx
from bot.refs import UserRef
from bot.replies import Mention, Text, text
from bot.rounds.commitments import ACTIONS, due_text
from bot.rounds.evaluation import EVALUATIONS
from bot.set_info import SetInfo
from bot.store.models import ScheduleRow

SCHEDULES = ScheduleRow.__table__


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
