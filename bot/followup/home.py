"""A person's own summary across their sets: open actions, next sessions, recent do's.

Read-only, so an adapter can show it at any moment (Slack's App Home tab) without an event
or a transaction; it is the core's answer, so every platform shows the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bot.context import Ctx
from bot.dates import sessions
from bot.dates.recurrence import asked_at, next_after
from bot.followup import actions
from bot.followup.schedule import recurrence_from
from bot.refs import ChannelRef, UserRef
from bot.rounds import commitments
from bot.sets import records as sets
from bot.store.models import Do, ScheduleRow

MAX_DOS = 5


@dataclass(frozen=True, slots=True)
class HomeAction:
    channel: ChannelRef
    text: str
    due: str = ""


@dataclass(frozen=True, slots=True)
class HomeSession:
    channel: ChannelRef
    at: datetime
    timezone: str
    shown: str = ""  # the session in full (bot.dates.sessions.show): end, venue and link too


@dataclass(frozen=True, slots=True)
class HomeSummary:
    actions: list[HomeAction] = field(default_factory=list)
    sessions: list[HomeSession] = field(default_factory=list)
    dos: list[str] = field(default_factory=list)


async def home_summary(ctx: Ctx, user: UserRef) -> HomeSummary:
    found = HomeSummary()
    mine = [s for s in await sets.sets_of(ctx, user) if s.channel.workspace == user.workspace]
    schedules = ScheduleRow.__table__
    for set_info in mine:
        for row in await actions.open_actions(ctx, set_info.id, user):
            found.actions.append(
                HomeAction(set_info.channel, row.text, commitments.due_text(row.due))
            )
        plan = (
            await ctx.conn.execute(select(schedules).where(schedules.c.set_id == set_info.id))
        ).first()
        if plan is None:
            continue
        rule = recurrence_from(plan.recurrence)
        at = next_after(plan.next_at, plan.first_at, rule, set_info.tz, ctx.now)
        if at is not None:
            end = sessions.end_of(
                at, plan.first_at, plan.ends_at, set_info.tz, asked_at(plan.recurrence)
            )
            shown = sessions.show(at, set_info.tz, end=end, venue=plan.venue, link=plan.link)
            found.sessions.append(HomeSession(set_info.channel, at, set_info.timezone, shown))
    if mine:
        dos = Do.__table__
        rows = await ctx.conn.execute(
            select(dos.c.text)
            .where(dos.c.set_id.in_([s.id for s in mine]), dos.c.status == "saved")
            .order_by(dos.c.id.desc())
            .limit(MAX_DOS)
        )
        found.dos.extend(r.text for r in rows)
    found.sessions.sort(key=lambda s: s.at)
    return found
