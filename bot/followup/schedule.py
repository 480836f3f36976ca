"""`/als schedule`: when the set next meets, and how it recurs.

Other services (reminders, nudges) react to a change through "schedule:changed" router hooks, so the
schedule stays one small concept and the jobs that depend on it live with their own logic.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, time
from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.commands.values import Schedule
from bot.context import Ctx, Refusal
from bot.dates import sessions
from bot.dates.recurrence import Recurrence, asked_at, describe, next_after, wall_time
from bot.dates.sessions import SessionDefaults, resolve
from bot.dates.when import WhenError
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


def when_text(moment: datetime, set_info: SetInfo, row: Any = None) -> str:
    """The session at `moment` as the set will read it, with its end, venue and link when
    the schedule row has them (a recurring session keeps the first one's length)."""
    if row is None:
        return sessions.show(moment, set_info.tz)
    end = sessions.end_of(moment, row.first_at, row.ends_at, set_info.tz, asked_at(row.recurrence))
    return sessions.show(moment, set_info.tz, end=end, venue=row.venue, link=row.link)


async def current(ctx: Ctx, set_id: int) -> Any:
    return (await ctx.conn.execute(select(SCHEDULES).where(SCHEDULES.c.set_id == set_id))).first()


async def next_session(ctx: Ctx, set_info: SetInfo) -> datetime | None:
    """The next session strictly after now, rolling a recurring schedule forward."""
    return await next_of(ctx, set_info, await current(ctx, set_info.id))


async def next_of(ctx: Ctx, set_info: SetInfo, row: Any) -> datetime | None:
    """`next_session` for a schedule row the caller has already read (None: no schedule)."""
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


def defaults_for(ctx: Ctx, set_info: SetInfo, row: Any) -> SessionDefaults:
    """The set's usual time: its `default_time` setting, else the last session's local
    time (the schedule being replaced), else 10:00 (`SessionDefaults.usual`)."""
    raw = set_info.setting(ctx, "default_time")  # "HH:MM", as the setting stores it, or ""
    try:
        default_time = time.fromisoformat(raw) if isinstance(raw, str) and raw else None
    except ValueError:  # a value stored by hand in the config
        default_time = None
    last = None
    if row is not None:
        rule = recurrence_from(row.recurrence)
        # A session moved out of a spring-forward gap is not the set's usual time.
        last = wall_time(rule, row.next_at or row.first_at, set_info.tz)
    return SessionDefaults(default_time=default_time, last_time=last)


async def schedule(ctx: Ctx, event: CommandInvoked, command: Schedule) -> None:
    set_info = await set_for_command(ctx, event, command)
    if command.when is None and not command.clear:
        row = await current(ctx, set_info.id)
        upcoming = await next_of(ctx, set_info, row)
        if upcoming is None:
            body = text(
                "No next session is scheduled. A facilitator can set one with `/als schedule thursday 10am every 4 weeks`."
            )
        else:
            rec = recurrence_from(row.recurrence) if row else None
            body = text(Strong("Next session: "), when_text(upcoming, set_info, row))
            if rec:
                body += f", {describe(rec)}"
        ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body))
        return
    previous = await current(ctx, set_info.id)
    session = None
    zone = set_info.timezone
    if command.when is not None:
        phrase = command.when
        if phrase.at is None and phrase.instant is None:
            # The set's usual time is on the set's clock, whoever's zone read the day.
            phrase = replace(phrase, zone=set_info.timezone)
        zone = phrase.zone
        try:
            session = resolve(
                phrase, command.recurrence, ctx.now, defaults_for(ctx, set_info, previous)
            )
        except WhenError as exc:
            said = exc.message[:1].upper() + exc.message[1:]
            if exc.kind == "past":
                said += "; choose a time in the future"
            raise Refusal(said + ".") from exc
    await ctx.conn.execute(delete(SCHEDULES).where(SCHEDULES.c.set_id == set_info.id))
    if command.clear:
        for hook in ctx.hooks(SCHEDULE_CHANGED):
            await hook(ctx, set_info, None)
        ctx.emit(
            Post(channel=set_info.channel, text=text("The session schedule has been cleared."))
        )
        return
    assert session is not None
    # The wall time asked for on the set's clock (said in another zone, the first session's
    # own time is the set's, as before): `first_at` may have been moved out of a DST gap.
    asked = session.at.strftime("%H:%M") if session.at and zone == set_info.timezone else None
    rule = command.recurrence
    if rule is not None and asked is not None:
        rule = replace(rule, at=asked)
    await ctx.conn.execute(
        insert(SCHEDULES).values(
            set_id=set_info.id,
            first_at=session.start,
            recurrence=asdict(rule) if rule else None,
            next_at=session.start,
            ends_at=session.end,
            venue=session.venue,
            link=session.link,
        )
    )
    for hook in ctx.hooks(SCHEDULE_CHANGED):
        await hook(ctx, set_info, session.start)
    shown = sessions.show(
        session.start, set_info.tz, end=session.end, venue=session.venue, link=session.link
    )
    body = text(Strong("Next session: "), shown)
    moved = asked is not None and asked != f"{session.start.astimezone(set_info.tz):%H:%M}"
    if moved:  # only inside a spring-forward gap (`bot.dates.when.resolve_local`)
        body += f" ({asked} does not exist that day: the clocks go forward)"
    if command.recurrence:
        body += f", then {describe(command.recurrence)}" + (f" at {asked}" if moved else "")
    ctx.emit(Post(channel=set_info.channel, text=body + "."))


def register(router: Router) -> None:
    router.command(Schedule, schedule)
