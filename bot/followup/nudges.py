"""Outcome nudges: DM past presenters about their open actions before the next session.

A nudge timer (planned by `bot.followup.planning`) decides at send time whether it is
still worth sending — the person may have opted out, already updated, left the set, or the
session may have moved or already begun (the bot was down) — and skips with a note when
not.  Its DM offers Done / Partly / Not yet / Dropped per action and Snooze 1 day; a
free-text reply is previewed privately and becomes the outcome update only when its author
presses [Share as my update] (`bot.followup.updates_by_dm`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import timers
from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.counts import counted
from bot.dates.local_times import at_local, in_quiet
from bot.dates.working_days import next_working
from bot.events import ButtonPressed
from bot.followup import actions, nudge_text, outcomes, planning, schedule, timer_checks
from bot.refs import UserRef
from bot.replies import Direct, Edit
from bot.router import Router
from bot.sets import records as sets
from bot.store.models import Timer

TIMERS = Timer.__table__
STATUSES = {status for status, _ in nudge_text.BUTTON_STATUSES}


def _not_useful(ctx: Ctx, state: timer_checks.SetState, session_at: datetime | None) -> str | None:
    """Why a nudge for `session_at` should not go now (None: it should)."""
    if state.running:
        return "skipped: a session is running"
    if session_at is not None:
        if ctx.now >= session_at:
            return f"skipped: too late, the session was due {session_at.isoformat()}"
        if state.next_at != session_at:
            return "skipped: the session has moved"
    return None


async def on_nudge(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    payload = timer.payload
    state = await timer_checks.set_state(ctx, int(payload.get("set", 0)))
    if state is None:
        return "skipped: the set no longer exists"
    set_info = state.info
    ctx.set_id = set_info.id
    user_key = payload.get("user") or timer.subject
    person = await timer_checks.person_state(ctx, set_info, user_key)
    if not person.member:
        return "skipped: no longer a member of the set"
    if not person.nudges:
        return "skipped: nudges are off for this person"
    session_at = planning.from_iso(payload.get("session_at"))
    why_not = _not_useful(ctx, state, session_at)
    if why_not:
        return why_not
    if timer_checks.lateness_matters(ctx.now, timer.due_at) and await planning.superseded(
        ctx, timer.id, timer.due_at, payload.get("later") or []
    ):
        return "skipped: a later nudge for the same session is due too"
    progress = await outcomes.progress(ctx, set_info.id, user_key, state.cycle_start)
    if not progress.outstanding:
        return "skipped: no open actions"
    if progress.responded:
        return "skipped: already updated"
    tz, quiet = person.tz, person.quiet
    # Claimed late (the bot was down), or the hours or zone changed since it was planned.
    later = next_working(ctx.now, tz, quiet, planning.weekends_ok(ctx, set_info, session_at))
    if later != ctx.now:
        quiet_now = in_quiet(ctx.now.astimezone(tz).time(), quiet)
        why = "quiet hours" if quiet_now else "the weekend"
        if session_at is not None and later >= session_at:
            return f"skipped: {why} {'last' if quiet_now else 'lasts'} until the session"
        return await timer_checks.moved(
            ctx, timer, later, why, payload={**payload, "lead": f"after {why}"}
        )
    where = (state.venue, state.link)
    _send(ctx, timer.id, UserRef.from_key(user_key), session_at, tz, progress.outstanding, where)
    return f"sent: {counted(len(progress.outstanding), 'action')}"


def _send(
    ctx: Ctx,
    timer_id: int,
    user: UserRef,
    session_at: datetime | None,
    tz: ZoneInfo,
    rows: list[Any],
    where: tuple[str | None, str | None] = (None, None),
) -> None:
    venue, link = where
    ctx.emit(
        Direct(
            user=user,
            text=nudge_text.nudge_header(user, session_at, tz, rows, venue=venue, link=link),
            buttons=(nudge_text.snooze_button(timer_id),),
            handle=nudge_text.header_handle(timer_id),
        )
    )
    for row in rows[: nudge_text.MAX_ACTION_MESSAGES]:
        ctx.emit(
            Direct(
                user=user,
                text=nudge_text.action_message(row),
                buttons=nudge_text.status_buttons(row.id, timer_id),
                handle=nudge_text.action_handle(timer_id, row.id),
            )
        )


# --------------------------------------------------------------------------- buttons


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    verb = event.verb
    if verb == "snooze":
        await _snooze(ctx, event)
        return
    action_part, _, timer_part = event.value.partition(":")
    if verb not in STATUSES or not action_part.isdigit() or not timer_part.isdigit():
        raise Refusal(OUT_OF_DATE)
    row = await actions.set_status(ctx, int(action_part), event.user, verb)
    ctx.set_id = row.set_id
    owner_key = row.owner_key  # who the action belongs to (on Discord a DM's user ref differs)
    ctx.emit(
        Edit(
            handle=nudge_text.action_handle(int(timer_part), row.id),
            text=nudge_text.action_message(row, verb, marked=True),
            buttons=nudge_text.status_buttons(row.id, int(timer_part)),
        )
    )
    since = await outcomes.cycle_start(ctx, row.set_id)
    progress = await outcomes.progress(ctx, row.set_id, owner_key, since)
    if not progress.updates:
        ctx.emit(Direct(user=event.user, text=nudge_text.after_status(len(progress.unanswered))))


async def _snooze(ctx: Ctx, event: ButtonPressed) -> None:
    if not event.value.isdigit():
        raise Refusal(OUT_OF_DATE)
    row = (await ctx.conn.execute(select(TIMERS).where(TIMERS.c.id == int(event.value)))).first()
    payload = (row.payload or {}) if row is not None else {}
    me = payload.get("user")
    if (
        row is None
        or row.kind != planning.NUDGE
        or not me
        or not sets.same_person(ctx, event.user, me)
    ):
        raise Refusal(OUT_OF_DATE)
    set_info = await planning.find_set(ctx, int(payload.get("set", 0)))
    if set_info is None:
        raise Refusal("That set no longer exists.")
    ctx.set_id = set_info.id
    person = await timer_checks.person_state(ctx, set_info, me)
    tz, quiet = person.tz, person.quiet
    local = ctx.now.astimezone(tz)
    session_at = planning.from_iso(payload.get("session_at"))
    tomorrow = at_local(local.date() + timedelta(1), local.time(), tz)
    # A day on: outside quiet hours, and Friday's snooze wakes on Monday.
    due = next_working(tomorrow, tz, quiet, planning.weekends_ok(ctx, set_info, session_at))
    handle = nudge_text.header_handle(row.id)
    since = await outcomes.cycle_start(ctx, set_info.id)
    progress = await outcomes.progress(ctx, set_info.id, me, since)
    place = await schedule.current(ctx, set_info.id)
    header = nudge_text.nudge_header(
        UserRef.from_key(me),
        session_at,
        tz,
        progress.outstanding,
        venue=place.venue if place else None,
        link=place.link if place else None,
    )
    if session_at is not None and due >= session_at:
        ctx.emit(Edit(handle=handle, text=header, buttons=()))
        ctx.emit(Direct(user=event.user, text=nudge_text.snooze_too_late()))
        return
    coming = await _next_planned(ctx, payload.get("later") or [], due + timedelta(hours=1))
    if coming is None:
        await timers.schedule(
            ctx.conn,
            kind=planning.NUDGE,
            due_at=due,
            subject=me,
            payload={**payload, "lead": "snoozed", "snoozed_from": row.id},
            dedupe=f"snooze:{row.id}",
        )
    ctx.emit(Edit(handle=handle, text=nudge_text.snoozed(header, coming or due, tz), buttons=()))


async def _next_planned(ctx: Ctx, later: list[str], until: datetime) -> datetime | None:
    """A planned nudge for the same session due by `until` makes a snooze timer redundant."""
    if not later:
        return None
    return (
        await ctx.conn.execute(
            select(TIMERS.c.due_at)
            .where(
                TIMERS.c.dedupe.in_(later),
                TIMERS.c.status == "pending",
                TIMERS.c.due_at > ctx.now,
                TIMERS.c.due_at <= until,
            )
            .order_by(TIMERS.c.due_at)
            .limit(1)
        )
    ).scalar()


def register(router: Router) -> None:
    """Nudge timers and buttons, and the planning hooks that create nudges."""
    router.timer(planning.NUDGE, on_nudge)
    router.button("nudge", on_button)
    planning.register(router)
