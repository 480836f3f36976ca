"""Do's between and during sessions: the weekly "do of the week", and one in the Opening.

The weekly post is a set setting (`do_of_week`, off by default).  Turning it on arms a
`do_of_week` timer for the next Monday at `POST_AT` in the set's time zone; each post arms
the next.  It features the newest do never featured, else the one featured longest ago,
so a small toolkit cycles and a growing one shows what is new.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update

from bot import timers
from bot.context import Ctx
from bot.dos.common import DOS, SAVED, do_info
from bot.dos.do_text import snippet
from bot.dos.search import newest_do
from bot.replies import Plain, Post, Strong, Text, text
from bot.rounds.sessions import SessionInfo
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.timers import DueTimer

KIND = "do_of_week"
SETTING = "do_of_week"
POST_AT = time(9, 0)
WEEKDAY = 0  # Monday


def next_post(now: datetime, set_info: SetInfo) -> datetime:
    """The next Monday 09:00 on the set's wall clock after `now` (DST-safe)."""
    tz = set_info.tz
    local = now.astimezone(tz)
    day: date = local.date() + timedelta(days=(WEEKDAY - local.weekday()) % 7)
    candidate = datetime.combine(day, POST_AT, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(day + timedelta(days=7), POST_AT, tzinfo=tz)
    return candidate


async def arm(ctx: Ctx, set_info: SetInfo) -> None:
    due = next_post(ctx.now, set_info)
    await timers.schedule(
        ctx.conn,
        kind=KIND,
        due_at=due,
        subject=str(set_info.id),
        dedupe=f"{KIND}:{set_info.id}:{due.isoformat()}",
    )


async def on_setting_changed(ctx: Ctx, set_info: SetInfo, name: str, value: Any) -> None:
    """Hook "settings:changed": arm or disarm the weekly post."""
    if name == SETTING:
        await timers.cancel(ctx.conn, kind=KIND, subject=str(set_info.id), note="setting changed")
        if value:
            await arm(ctx, set_info)


async def pick(ctx: Ctx, set_id: int) -> Any:
    never = (
        await ctx.conn.execute(
            select(DOS)
            .where(DOS.c.set_id == set_id, DOS.c.status == SAVED, DOS.c.featured_at.is_(None))
            .order_by(DOS.c.created_at.desc(), DOS.c.id.desc())
            .limit(1)
        )
    ).first()
    if never is not None:
        return never
    return (
        await ctx.conn.execute(
            select(DOS)
            .where(DOS.c.set_id == set_id, DOS.c.status == SAVED)
            .order_by(DOS.c.featured_at, DOS.c.id)
            .limit(1)
        )
    ).first()


async def on_timer(ctx: Ctx, timer: DueTimer) -> str | None:
    set_info = await sets.get_set(ctx, int(timer.subject))
    if not set_info.setting(ctx, SETTING):
        return "skipped: do_of_week is off"
    ctx.set_id = set_info.id
    await arm(ctx, set_info)
    row = await pick(ctx, set_info.id)
    if row is None:
        return "skipped: no do's yet"
    do = do_info(row)
    await ctx.conn.execute(update(DOS).where(DOS.c.id == do.id).values(featured_at=ctx.now))
    ctx.emit(
        Post(
            channel=set_info.channel,
            text=text(
                "💡 ",
                Strong("Do of the week"),
                f" (#{do.id}): ",
                Plain(snippet(do.text, 600)),
                "\nMore in the set's toolkit: `/als dos`, or `/als dos export` for the page.",
            ),
        )
    )
    return None


async def opening_do(ctx: Ctx, set_info: SetInfo, session: SessionInfo) -> Text | None:
    """Hook "round:opening": the set's newest do, as a reminder of what the set has found."""
    do = await newest_do(ctx.conn, set_info.id)
    if do is None:
        return None
    return text("💡 A recent do from this set (#", str(do.id), "): ", Plain(snippet(do.text)))
