"""What a nudge, reminder or digest needs to know at send time, in as few queries as possible.

A timer batch may hold a thousand nudges; each one asks the same questions (is the set
still there, is a session running, when is the next one, when did this cycle begin, is
the person still a member, what are their preferences).  Asking them one query each costs
a dozen round trips per nudge; here they are two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, select, type_coerce

from bot import timers
from bot.context import Ctx
from bot.dates.local_times import Quiet, parse_quiet
from bot.dates.recurrence import asked_at
from bot.dates.sessions import end_of
from bot.dates.zones import zone_or
from bot.followup import schedule
from bot.refs import ChannelRef
from bot.set_info import SetInfo
from bot.store.models import Member, Person, ScheduleRow, UTCDateTime
from bot.store.models import Session as SessionRow
from bot.store.models import Set as SetRow

SETS = SetRow.__table__
SESSIONS = SessionRow.__table__
SCHEDULES = ScheduleRow.__table__
MEMBERS = Member.__table__
PEOPLE = Person.__table__


@dataclass(frozen=True)
class SetState:
    info: SetInfo
    running: bool  # a session is active right now
    next_at: datetime | None  # the next session strictly after now
    cycle_start: datetime | None  # the close of the latest session
    venue: str | None = None  # where the schedule says it meets, and how to join
    link: str | None = None
    ends_at: datetime | None = None  # the next session's end, when the schedule has one


@dataclass(frozen=True)
class PersonState:
    member: bool  # an active member of the set
    tz: ZoneInfo
    quiet: Quiet
    nudges: bool


def _set_state_query() -> Any:
    running = (
        select(SESSIONS.c.id)
        .where(SESSIONS.c.set_id == SETS.c.id, SESSIONS.c.status == "active")
        .limit(1)
        .scalar_subquery()
    )
    closed = (
        select(func.coalesce(SESSIONS.c.closed_at, SESSIONS.c.started_at))
        .where(SESSIONS.c.set_id == SETS.c.id, SESSIONS.c.status == "closed")
        .order_by(SESSIONS.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            SETS,
            running.label("running_id"),
            type_coerce(closed, UTCDateTime).label("cycle_start"),
            SCHEDULES.c.set_id.label("scheduled"),
            SCHEDULES.c.next_at,
            SCHEDULES.c.first_at,
            SCHEDULES.c.ends_at,
            SCHEDULES.c.recurrence,
            SCHEDULES.c.venue,
            SCHEDULES.c.link,
        )
        .select_from(SETS.outerjoin(SCHEDULES, SCHEDULES.c.set_id == SETS.c.id))
        .where(SETS.c.id == bindparam("set_id"))
    )


def _person_state_query() -> Any:
    return (
        select(MEMBERS.c.active, PEOPLE.c.timezone, PEOPLE.c.nudges, PEOPLE.c.quiet_hours)
        .select_from(MEMBERS.outerjoin(PEOPLE, PEOPLE.c.user_key == MEMBERS.c.user_key))
        .where(
            and_(MEMBERS.c.set_id == bindparam("set_id"), MEMBERS.c.user_key == bindparam("user"))
        )
    )


# Built once: constructing a statement costs more than running it on SQLite.
SET_STATE = _set_state_query()
PERSON_STATE = _person_state_query()


async def set_state(ctx: Ctx, set_id: int) -> SetState | None:
    row = (await ctx.conn.execute(SET_STATE, {"set_id": set_id})).first()
    if row is None:
        return None
    info = SetInfo(
        row.id, ChannelRef.from_key(row.channel_key), row.timezone, dict(row.settings or {})
    )
    next_at = row.next_at
    if row.scheduled is None:
        next_at = None
    elif next_at is None or next_at <= ctx.now:  # passed: a recurring schedule rolls on
        next_at = await schedule.next_session(ctx, info)
    ends_at = (
        end_of(next_at, row.first_at, row.ends_at, info.tz, asked_at(row.recurrence))
        if next_at
        else None
    )
    return SetState(
        info, row.running_id is not None, next_at, row.cycle_start, row.venue, row.link, ends_at
    )


async def person_state(ctx: Ctx, info: SetInfo, user_key: str) -> PersonState:
    """Membership and preferences (own zone, else the set's; own quiet hours, else the
    config's) — the same answers as `sets.timezone_for` and `/als settings`."""
    row = (await ctx.conn.execute(PERSON_STATE, {"set_id": info.id, "user": user_key})).first()
    defaults = ctx.config.defaults
    if row is None:
        return PersonState(
            False,
            zone_or(info.timezone, defaults.timezone),
            parse_quiet(defaults.quiet_hours),
            True,
        )
    return PersonState(
        bool(row.active),
        zone_or(row.timezone, info.timezone, defaults.timezone),
        parse_quiet(row.quiet_hours or defaults.quiet_hours),
        row.nudges is not False,
    )


def lateness_matters(now: datetime, due_at: datetime, threshold_seconds: float = 600) -> bool:
    """Only a timer claimed well after its time can have a later sibling already due
    (siblings are at least an hour apart), so only then is it worth asking."""
    return (now - due_at).total_seconds() >= threshold_seconds


async def moved(
    ctx: Ctx,
    timer: timers.DueTimer,
    later: datetime,
    why: str,
    *,
    dedupe: str | None = None,
    payload: dict[str, Any] | None = None,
) -> str:
    """A timer claimed when its message must not go (quiet hours, a weekend: the bot was
    down when it was due, or the hours changed) is planned again for `later`, as a copy
    of itself keyed by its own id; the note says why. Nudges, the offers' reminders and
    the pairs' timers all move this way."""
    await timers.schedule(
        ctx.conn,
        kind=timer.kind,
        due_at=later,
        subject=timer.subject,
        payload=timer.payload if payload is None else payload,
        dedupe=dedupe or f"moved:{timer.id}",
    )
    return f"skipped: {why}; moved to {later.isoformat()}"
