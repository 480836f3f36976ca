"""Planning a set's timers between sessions: nudges, reminders, the facilitators' digest.

Planning is a pure wish list (`wanted`: dedupe key → timer) reconciled against the rows
already in `timers`, so it can run as often as anything changes — a session closes, the
schedule changes, a recurring session's time passes — and never doubles a timer:

* a wanted key with no row is inserted (`INSERT … ON CONFLICT DO NOTHING` on `dedupe`, so
  two processes planning at once still make one row);
* a pending row that is no longer wanted is cancelled (note "replanned");
* a wanted key whose row was cancelled earlier is revived; one already sent, skipped or
  running is left alone — it has had its effect.

Every planned key starts `plan:<set id>:`; nudges carry the person as `subject` (so
`forget-me` cancels them), set-wide timers carry `set:<id>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import NoResultFound

from bot import timers
from bot.context import Ctx
from bot.dates.local_times import NUDGE_AT, Lead, at_local, before, parse_days, parse_leads
from bot.dates.recurrence import occurrences_after
from bot.dates.working_days import is_weekend, send_slot
from bot.followup import outcomes, schedule, timer_checks
from bot.followup.hooks import SCHEDULE_CHANGED
from bot.refs import UserRef
from bot.replies import Mention, Text, text
from bot.rounds import hooks as rounds_hooks
from bot.rounds.sessions import SessionInfo
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.hooks import PERSON_CHANGED, SETTINGS_CHANGED
from bot.store.models import Timer

TIMERS = Timer.__table__
NUDGE, REMINDER, DIGEST, ROLL = "nudge", "reminder", "nudge_digest", "plan"


def planned(set_id: int, kind: str = "") -> str:
    """How the dedupe key of every timer planned for the set begins (`kind`: of one kind,
    e.g. `NUDGE`), so a set's timers are found by a prefix of a unique index."""
    return f"plan:{set_id}:{kind + ':' if kind else ''}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # lets the pending-timers partial index serve scans


@dataclass(frozen=True)
class Wanted:
    kind: str
    due_at: datetime
    subject: str
    payload: dict[str, Any]


@dataclass
class Plan:
    next_at: datetime | None
    nudged: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def stamp(moment: datetime) -> str:
    """A compact UTC form for keys: 20260209T1000Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def from_iso(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw).astimezone(UTC) if raw else None


def set_subject(set_id: int) -> str:
    return f"set:{set_id}"


# --------------------------------------------------------------------------- the wish list


def weekends_ok(ctx: Ctx, set_info: SetInfo, session_at: datetime | None) -> bool:
    """Whether this set's messages may land on a Saturday or Sunday: it says so
    (`send_on_weekends`), or the session itself is at a weekend in the set's zone — a set
    that meets on Saturday hears about it on Friday and Saturday alike."""
    if set_info.setting(ctx, "send_on_weekends"):
        return True
    return session_at is not None and is_weekend(session_at, set_info.tz)


def _session_timers(ctx: Ctx, set_info: SetInfo, next_at: datetime) -> dict[str, Wanted]:
    """Reminders (posted in the channel) and the digest (one DM to all the facilitators)
    keep to the set's zone: working days there, no one person's quiet hours."""
    tz, sid, at = set_info.tz, set_info.id, stamp(next_at)
    subject = set_subject(sid)
    weekends = weekends_ok(ctx, set_info, next_at)
    wanted: dict[str, Wanted] = {}
    reminders: dict[str, Wanted] = {}
    seen: set[datetime] = set()
    for lead in parse_leads(set_info.setting(ctx, "reminder_leads")):
        due = reminder_at(ctx.now, next_at, lead, set_info, weekends)
        if due is not None and due not in seen:
            seen.add(due)  # "2d" and "1d" both moved to Friday: one reminder
            reminders[f"plan:{sid}:reminder:{at}:{lead.label}"] = Wanted(
                REMINDER, due, subject, {"set": sid, "session_at": iso(next_at), "lead": lead.label}
            )
    wanted.update(_linked(reminders))
    digest_at = send_slot(
        before(next_at, Lead(1, "d"), tz), now=ctx.now, tz=tz, allow_weekends=weekends
    )
    if ctx.now <= digest_at < next_at:
        wanted[f"plan:{sid}:digest:{at}"] = Wanted(
            DIGEST, digest_at, subject, {"set": sid, "session_at": iso(next_at)}
        )
    # When the session's time passes, plan again: a recurring schedule rolls forward.
    wanted[f"plan:{sid}:roll:{at}"] = Wanted(
        ROLL, next_at, subject, {"set": sid, "session_at": iso(next_at)}
    )
    return wanted


async def _nudge_timers(
    ctx: Ctx, set_info: SetInfo, user_key: str, next_at: datetime | None
) -> dict[str, Wanted]:
    person = await timer_checks.person_state(ctx, set_info, user_key)
    tz, quiet = person.tz, person.quiet
    sid = set_info.id
    wanted: dict[str, Wanted] = {}
    weekends = weekends_ok(ctx, set_info, next_at)
    if next_at is not None:
        series = f"{planned(sid, NUDGE)}{user_key}:{stamp(next_at)}"
        session_day = next_at.astimezone(tz).date()
        seen: set[datetime] = set()
        for days in parse_days(set_info.setting(ctx, "nudge_lead_days")):
            ideal = at_local(session_day - timedelta(days), NUDGE_AT, tz)
            due = send_slot(ideal, now=ctx.now, tz=tz, quiet=quiet, allow_weekends=weekends)
            if not ctx.now <= due < next_at or due in seen:
                continue
            seen.add(due)
            wanted[f"{series}:{days}d"] = Wanted(
                NUDGE,
                due,
                user_key,
                {
                    "set": sid,
                    "user": user_key,
                    "session_at": iso(next_at),
                    "lead": f"{days}d",
                },
            )
        return _linked(wanted)
    anchor = await outcomes.latest_action_at(ctx, sid, user_key)
    if anchor is None:
        return wanted
    after = int(set_info.setting(ctx, "nudge_fallback_days"))
    day = anchor.astimezone(tz).date() + timedelta(days=after)
    due = send_slot(
        at_local(day, NUDGE_AT, tz), now=ctx.now, tz=tz, quiet=quiet, allow_weekends=weekends
    )
    if due >= ctx.now:
        series = f"{planned(sid, NUDGE)}{user_key}:after"
        wanted[f"{series}:{day.isoformat()}"] = Wanted(
            NUDGE,
            due,
            user_key,
            {
                "set": sid,
                "user": user_key,
                "session_at": None,
                "lead": f"{after}d after",
                "later": [],
            },
        )
    return wanted


def reminder_at(
    now: datetime, session_at: datetime, lead: Lead, set_info: SetInfo, weekends: bool
) -> datetime | None:
    """When the `lead` reminder for the session goes, on a working day in the set's zone
    (`bot.dates.working_days.send_slot`); None when no such moment is left before it. A
    reminder whose Friday has passed is not sent at once: the channel has just seen the
    schedule, and the shorter leads still remind it."""
    due = send_slot(
        before(session_at, lead, set_info.tz), now=now, tz=set_info.tz, allow_weekends=weekends
    )
    return due if now < due < session_at else None


def _linked(series: dict[str, Wanted]) -> dict[str, Wanted]:
    """Give each timer of one series the dedupe keys of those due after it (`later`)."""
    for want in series.values():
        want.payload["later"] = sorted(
            (k for k, w in series.items() if w.due_at > want.due_at),
            key=lambda k: series[k].due_at,
        )
    return series


# --------------------------------------------------------------------------- reconciling


async def reconcile(ctx: Ctx, set_id: int, wanted: dict[str, Wanted]) -> dict[str, int]:
    counts = {"added": 0, "moved": 0, "revived": 0, "cancelled": 0, "kept": 0}
    pending = {
        r.dedupe: r
        for r in await ctx.conn.execute(
            select(TIMERS.c.id, TIMERS.c.dedupe, TIMERS.c.status).where(
                TIMERS.c.status == "pending",
                TIMERS.c.due_at >= EPOCH,
                TIMERS.c.dedupe.startswith(planned(set_id), autoescape=True),
            )
        )
    }
    stale = [r.id for key, r in pending.items() if key not in wanted]
    if stale:
        await ctx.conn.execute(
            update(TIMERS)
            .where(TIMERS.c.id.in_(stale), TIMERS.c.status == "pending")
            .values(status="cancelled", note="replanned")
        )
        counts["cancelled"] = len(stale)
    keys = list(wanted)
    existing: dict[str, Any] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for row in await ctx.conn.execute(
            select(
                TIMERS.c.id, TIMERS.c.dedupe, TIMERS.c.status, TIMERS.c.due_at, TIMERS.c.payload
            ).where(TIMERS.c.dedupe.in_(chunk))
        ):
            existing[row.dedupe] = row
    for key, want in wanted.items():
        found = existing.get(key)
        if found is None:
            added = await timers.schedule(
                ctx.conn,
                kind=want.kind,
                due_at=want.due_at,
                subject=want.subject,
                payload=want.payload,
                dedupe=key,
            )
            counts["added"] += int(added)
        elif found.status == "cancelled" or (
            found.status == "pending"
            and (found.due_at != want.due_at or found.payload != want.payload)
        ):
            await ctx.conn.execute(
                update(TIMERS)
                .where(TIMERS.c.id == found.id, TIMERS.c.status == found.status)
                .values(
                    status="pending",
                    due_at=want.due_at,
                    payload=want.payload,
                    subject=want.subject,
                    note=None,
                )
            )
            counts["revived" if found.status == "cancelled" else "moved"] += 1
        else:
            counts["kept"] += 1
    return counts


async def plan_set(ctx: Ctx, set_info: SetInfo) -> Plan:
    """(Re)plan every timer of the set between now and its next session."""
    next_at = await schedule.next_session(ctx, set_info)
    wanted: dict[str, Wanted] = {}
    if next_at is not None:
        wanted.update(_session_timers(ctx, set_info, next_at))
    plan = Plan(next_at)
    for user_key in await outcomes.people_owing(ctx, set_info.id):
        theirs = await _nudge_timers(ctx, set_info, user_key, next_at)
        if theirs:
            plan.nudged.append(user_key)
        wanted.update(theirs)
    plan.counts = await reconcile(ctx, set_info.id, wanted)
    return plan


async def superseded(ctx: Ctx, timer_id: int, due_at: datetime, later: list[str]) -> bool:
    """A later timer of the same kind for the same session is already due too (we were
    down): only the latest one is worth sending.  `later` holds their dedupe keys, so this
    is a unique-index lookup however long the timers table grows."""
    if not later:
        return False
    found = (
        await ctx.conn.execute(
            select(TIMERS.c.id)
            .where(
                TIMERS.c.dedupe.in_(later),
                TIMERS.c.id != timer_id,
                TIMERS.c.status.in_(("pending", "running")),
                TIMERS.c.due_at > due_at,
                TIMERS.c.due_at <= ctx.now,
            )
            .limit(1)
        )
    ).first()
    return found is not None


# --------------------------------------------------------------------------- hooks


async def on_schedule_changed(ctx: Ctx, set_info: SetInfo, _next_at: datetime | None) -> None:
    await plan_set(ctx, set_info)


async def on_closing(ctx: Ctx, set_info: SetInfo, _session: SessionInfo) -> Text | None:
    """The closing summary says who will hear from the bot before next time."""
    plan = await plan_set(ctx, set_info)
    willing = [
        key for key in plan.nudged if (await timer_checks.person_state(ctx, set_info, key)).nudges
    ]
    if not willing:
        return None
    out = text("Before next time I'll check in by DM with ")
    for i, key in enumerate(willing):
        out += text(", " if i else "", Mention(UserRef.from_key(key)))
    return out + " about their actions."


# A session started up to this long before the schedule's next time is that session.
EARLY_START = timedelta(hours=2)


async def on_started(ctx: Ctx, set_info: SetInfo, _session: SessionInfo) -> None:
    """A session started a little before its scheduled time (09:55 for 10:00) is that
    session, not an extra one: its scheduled time is spent now, so the schedule moves on to
    the following session (none, for a one-off) and its reminders, nudges and digest are
    re-planned. Done when the session starts, because the closing summary reads the
    schedule before the CLOSING hooks run."""
    row = await schedule.current(ctx, set_info.id)
    if row is None or row.next_at is None:
        return
    if not ctx.now <= row.next_at <= ctx.now + EARLY_START:
        return
    rec = schedule.recurrence_from(row.recurrence)
    following = occurrences_after(row.first_at, rec, set_info.tz, row.next_at) if rec else None
    await ctx.conn.execute(
        update(schedule.SCHEDULES)
        .where(schedule.SCHEDULES.c.set_id == set_info.id)
        .values(next_at=following)
    )
    for changed in ctx.hooks(SCHEDULE_CHANGED):
        await changed(ctx, set_info, following)


async def on_roll(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    """A session's time has passed: plan for the next one (a recurring schedule rolls on)."""
    set_info = await find_set(ctx, int(timer.payload.get("set", 0)))
    if set_info is None:
        return "skipped: the set no longer exists"
    ctx.set_id = set_info.id
    plan = await plan_set(ctx, set_info)
    following = plan.next_at.isoformat() if plan.next_at else "none"
    return f"replanned: next session {following}; {plan.counts}"


async def find_set(ctx: Ctx, set_id: int) -> SetInfo | None:
    try:
        return await sets.get_set(ctx, set_id)
    except NoResultFound:  # the set was deleted after the timer was planned
        return None


# Settings that move when nudges, reminders or the digest are due.
TIMING_SETTINGS = {"timezone", "reminder_leads", "nudge_lead_days", "send_on_weekends"}


async def on_settings_changed(ctx: Ctx, set_info: SetInfo, name: str, _value: Any) -> None:
    if name in TIMING_SETTINGS:
        await plan_set(ctx, await sets.get_set(ctx, set_info.id))  # re-read: the new value


async def on_person_changed(ctx: Ctx, user: UserRef, name: str, _value: Any) -> None:
    """A person's own time zone moves their nudges; quiet hours and opt-out are read at
    send time, so they need no re-planning."""
    if name == "my_timezone":
        for set_info, _me in await sets.memberships(ctx, user):
            await plan_set(ctx, set_info)


def register(router: Router) -> None:
    router.hook(SETTINGS_CHANGED, on_settings_changed)
    router.hook(PERSON_CHANGED, on_person_changed)
    router.hook(SCHEDULE_CHANGED, on_schedule_changed)
    router.hook(rounds_hooks.STARTED, on_started)
    router.hook(rounds_hooks.CLOSING, on_closing)
    router.timer(ROLL, on_roll)
