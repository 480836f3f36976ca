"""Before each session: a reminder in the set's channel, and a digest for facilitators.

Both are timers planned by `bot.followup.planning` for one particular session.  At send
time each checks that this is still the set's next session and that it has not begun; a
reminder claimed late (the bot was down) is dropped if a later reminder is due as well,
so people never get "tomorrow" and "in an hour" at the same moment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot import timers
from bot.context import Ctx
from bot.counts import counted
from bot.followup import nudge_text, outcomes, planning, timer_checks
from bot.replies import Direct, Post, Text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Outbox

OUTBOX = Outbox.__table__


async def _ready(
    ctx: Ctx, timer: timers.DueTimer
) -> tuple[timer_checks.SetState | None, str | None]:
    """The set's state, or why this timer for one particular session should not go."""
    state = await timer_checks.set_state(ctx, int(timer.payload.get("set", 0)))
    if state is None:
        return None, "skipped: the set no longer exists"
    ctx.set_id = state.info.id
    session_at = planning.from_iso(timer.payload.get("session_at"))
    if session_at is None:
        return None, "skipped: no session given"
    if ctx.now >= session_at:
        return None, f"skipped: too late, the session was due {session_at.isoformat()}"
    if state.running:
        return None, "skipped: a session is running"
    if state.next_at != session_at:
        return None, "skipped: the session has moved"
    return state, None


async def on_reminder(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    state, why_not = await _ready(ctx, timer)
    if state is None:
        return why_not
    if timer_checks.lateness_matters(ctx.now, timer.due_at) and await planning.superseded(
        ctx, timer.id, timer.due_at, timer.payload.get("later") or []
    ):
        return "skipped: a later reminder for the same session is due too"
    assert state.next_at is not None
    text = nudge_text.reminder(
        state.next_at,
        state.info.tz,
        ctx.now,
        ends_at=state.ends_at,
        venue=state.venue,
        link=state.link,
    )
    ctx.emit(Post(channel=state.info.channel, text=text))
    return f"sent: {timer.payload.get('lead')} before"


async def _failure(ctx: Ctx, set_id: int, user_key: str, since: Any) -> str | None:
    """The error of a nudge DM to this person that failed for good in this cycle."""
    query = select(OUTBOX.c.error).where(
        OUTBOX.c.set_id == set_id,
        OUTBOX.c.lane == "dm:" + user_key,
        OUTBOX.c.status == "failed",
        OUTBOX.c.cause.startswith("timer:"),
    )
    if since is not None:
        query = query.where(OUTBOX.c.created_at >= since)
    return (await ctx.conn.execute(query.order_by(OUTBOX.c.id.desc()).limit(1))).scalar()


async def digest_text(
    ctx: Ctx,
    set_info: SetInfo,
    session_at: Any,
    *,
    venue: str | None = None,
    link: str | None = None,
) -> Text:
    since = await outcomes.cycle_start(ctx, set_info.id)
    lines = []
    for user_key in await outcomes.people_in_cycle(ctx, set_info.id, since):
        progress = await outcomes.progress(ctx, set_info.id, user_key, since)
        person = await timer_checks.person_state(ctx, set_info, user_key)
        failure = await _failure(ctx, set_info.id, user_key, since)
        lines.append(nudge_text.digest_line(user_key, progress, not person.nudges, failure))
    return nudge_text.digest(session_at, set_info.tz, lines, venue=venue, link=link)


async def on_digest(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    state, why_not = await _ready(ctx, timer)
    if state is None:
        return why_not
    facilitators = await sets.facilitators(ctx, state.info.id)
    if not facilitators:
        return "skipped: the set has no facilitator"
    assert state.next_at is not None
    body = await digest_text(ctx, state.info, state.next_at, venue=state.venue, link=state.link)
    for person in facilitators:
        ctx.emit(Direct(user=person, text=body))
    return f"sent to {counted(len(facilitators), 'facilitator')}"


def register(router: Router) -> None:
    router.timer(planning.REMINDER, on_reminder)
    router.timer(planning.DIGEST, on_digest)
