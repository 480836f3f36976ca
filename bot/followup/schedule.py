"""`/als schedule`: when the set next meets, and how it recurs.

Other services (reminders, nudges) react to a change through "schedule:changed" router hooks, so the
schedule stays one small concept and the jobs that depend on it live with their own logic.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.commands.values import Schedule
from bot.context import Ctx, Refusal
from bot.dates.recurrence import Recurrence, describe, next_after
from bot.events import CommandInvoked
from bot.followup.hooks import SCHEDULE_CHANGED
from bot.replies import Ephemeral, Post, Strong, text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets.setup import set_for_command
from bot.store.models import ScheduleRow

SCHEDULES = ScheduleRow.__table__


def recurrence_from(raw: dict[str, Any] | None) -> Recurrence | None:
    return Recurrence(**raw) if raw else None


def when_text(moment: datetime, set_info: SetInfo) -> str:
    local = moment.astimezone(set_info.tz)
    return f"{local.strftime('%A %-d %B %Y, %H:%M')} ({set_info.timezone})"


async def current(ctx: Ctx, set_id: int) -> Any:
    return (await ctx.conn.execute(select(SCHEDULES).where(SCHEDULES.c.set_id == set_id))).first()


async def next_session(ctx: Ctx, set_info: SetInfo) -> datetime | None:
    """The next session strictly after now, rolling a recurring schedule forward."""
    row = await current(ctx, set_info.id)
    if row is None:
        return None
    upcoming = next_after(
        row.next_at, row.first_at, recurrence_from(row.recurrence), set_info.tz, ctx.now
    )
    if upcoming is not None and upcoming != row.next_at:
        await ctx.conn.execute(
            update(SCHEDULES).where(SCHEDULES.c.set_id == set_info.id).values(next_at=upcoming)
        )
    return upcoming


async def schedule(ctx: Ctx, event: CommandInvoked, command: Schedule) -> None:
    set_info = await set_for_command(ctx, event, command)
    if command.first is None and not command.clear:
        upcoming = await next_session(ctx, set_info)
        row = await current(ctx, set_info.id)
        if upcoming is None:
            body = text(
                "No next session is scheduled. A facilitator can set one with `/als schedule thursday 10am every 4 weeks`."
            )
        else:
            rec = recurrence_from(row.recurrence) if row else None
            body = text(Strong("Next session: "), when_text(upcoming, set_info))
            if rec:
                body += f", {describe(rec)}"
        ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body))
        return
    await ctx.conn.execute(delete(SCHEDULES).where(SCHEDULES.c.set_id == set_info.id))
    if command.clear:
        for hook in ctx.hooks(SCHEDULE_CHANGED):
            await hook(ctx, set_info, None)
        ctx.emit(
            Post(channel=set_info.channel, text=text("The session schedule has been cleared."))
        )
        return
    assert command.first is not None
    if command.first <= ctx.now:
        raise Refusal("That time has already passed; choose a time in the future.")
    await ctx.conn.execute(
        insert(SCHEDULES).values(
            set_id=set_info.id,
            first_at=command.first,
            recurrence=asdict(command.recurrence) if command.recurrence else None,
            next_at=command.first,
        )
    )
    for hook in ctx.hooks(SCHEDULE_CHANGED):
        await hook(ctx, set_info, command.first)
    body = text(Strong("Next session: "), when_text(command.first, set_info))
    if command.recurrence:
        body += f", then {describe(command.recurrence)}"
    ctx.emit(Post(channel=set_info.channel, text=body + "."))


def register(router: Router) -> None:
    router.command(Schedule, schedule)
