"""Planning the prompt of the week: the set's setting read, the next slot as things stand
(`bot.network.prompt_times` given the set's zone, quiet hours, weekends, sessions and the
weeks already posted), the one pending `prompt` timer made to match it, and which prompt
is next in turn.

The dedupe key of the timer is `prompt:<set id>:<UTC stamp>` — not `plan:…`, which
follow-up's planner (`bot.followup.planning.reconcile`) owns and would cancel. The rotation
is the bank (`prompt_bank.BANK`, keys `bank:<i>`) and then the set's own (`set_prompts`,
keys `set:<id>`): the one posted least recently goes next, one never posted first, in list
order — so a newly added prompt comes soon.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot import timers
from bot.context import Ctx
from bot.dates.local_times import Quiet, parse_quiet
from bot.followup import schedule
from bot.network import prompt_times
from bot.network.prompt_bank import BANK
from bot.network.prompt_times import Sessions, Slot, Weekly
from bot.set_info import SetInfo
from bot.store.models import PromptPost, SetPrompt, Timer
from bot.store.models import Session as SessionRow

KIND = "prompt"
SETTING = "prompts"
OFF = "off"

TIMERS = Timer.__table__
POSTS = PromptPost.__table__
OWN = SetPrompt.__table__
SESSIONS = SessionRow.__table__


def weekly(ctx: Ctx, set_info: SetInfo) -> Weekly | None:
    return Weekly.read(set_info.setting(ctx, SETTING))


def quiet(ctx: Ctx) -> Quiet:
    """The quiet hours a channel post keeps to: `[defaults] quiet_hours`, in the set's zone
    (a set has no quiet hours of its own). Reminders ignore them because they are tied to a
    session's time; a prompt's time is only a wish, so it moves out of them."""
    return parse_quiet(ctx.config.defaults.quiet_hours)


# --------------------------------------------------------------------------- planning


async def sessions_of(ctx: Ctx, set_info: SetInfo) -> Sessions:
    """The schedule (its first session, rule and next session) and the sessions held in the
    last fortnight: enough to know whether this week or a later one has a session."""
    row = await schedule.current(ctx, set_info.id)
    held = tuple(
        r.started_at
        for r in await ctx.conn.execute(
            select(SESSIONS.c.started_at).where(
                SESSIONS.c.set_id == set_info.id,
                SESSIONS.c.started_at >= ctx.now - timedelta(days=15),
            )
        )
    )
    if row is None:
        return Sessions(held=held)
    return Sessions(row.first_at, schedule.recurrence_from(row.recurrence), row.next_at, held)


async def _posted_weeks(ctx: Ctx, set_id: int) -> set[str]:
    rows = await ctx.conn.execute(
        select(POSTS.c.week).where(
            POSTS.c.set_id == set_id, POSTS.c.posted_at >= ctx.now - timedelta(days=15)
        )
    )
    return {r.week for r in rows}


async def next_slot(ctx: Ctx, set_info: SetInfo, after: datetime | None = None) -> Slot | None:
    """The next prompt's slot after `after` (default now) as things stand, or None
    (prompts off, or no free week)."""
    wanted = weekly(ctx, set_info)
    if wanted is None:
        return None
    return prompt_times.next_slot(
        ctx.now if after is None else after,
        wanted,
        set_info.tz,
        quiet=quiet(ctx),
        weekends=bool(set_info.setting(ctx, "send_on_weekends")),
        sessions=await sessions_of(ctx, set_info),
        posted=await _posted_weeks(ctx, set_info.id),
    )


async def plan(ctx: Ctx, set_info: SetInfo) -> Slot | None:
    """Make the set's one pending `prompt` timer the wanted one (none when prompts are off):
    cancel any other, add or revive the wanted one. Two processes planning at once still
    make one row (the dedupe key is unique).

    A row another transaction holds (claimed by a tick, or being cancelled by another
    planner) is skipped, not waited for (`SKIP LOCKED` on PostgreSQL): waiting could close
    a cycle with that transaction, which may itself be waiting for this one's
    `prompt_posts` row. A row left pending that way checks when due that it is still the
    wanted one (`_why_not`), and `prompt_posts` keeps its week to one post."""
    slot = await next_slot(ctx, set_info)
    key = f"{KIND}:{set_info.id}:{_stamp(slot.at)}" if slot else None
    others = select(TIMERS.c.id).where(
        TIMERS.c.kind == KIND,
        TIMERS.c.subject == _subject(set_info.id),
        TIMERS.c.status == "pending",
    )
    if key is not None:
        others = others.where(TIMERS.c.dedupe != key)
    if ctx.dialect == "postgresql":
        others = others.with_for_update(skip_locked=True)
    await ctx.conn.execute(
        update(TIMERS)
        .where(TIMERS.c.id.in_(others.scalar_subquery()), TIMERS.c.status == "pending")
        .values(status="cancelled", note="replanned")
    )
    if slot is None or key is None:
        return None
    payload = {"set": set_info.id, "week": slot.week, "asked": slot.asked.isoformat()}
    added = await timers.schedule(
        ctx.conn,
        kind=KIND,
        due_at=slot.at,
        subject=_subject(set_info.id),
        payload=payload,
        dedupe=key,
    )
    if not added:  # turned off and on again: the same slot's row comes back
        await ctx.conn.execute(
            update(TIMERS)
            .where(TIMERS.c.dedupe == key, TIMERS.c.status == "cancelled")
            .values(status="pending", payload=payload, note=None)
        )
    return slot


def _subject(set_id: int) -> str:
    return f"set:{set_id}"


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%MZ}"


async def pending_at(ctx: Ctx, set_id: int) -> datetime | None:
    """When the set's pending prompt is due, as planned."""
    due: datetime | None = (
        await ctx.conn.execute(
            select(func.min(TIMERS.c.due_at)).where(
                TIMERS.c.kind == KIND,
                TIMERS.c.subject == _subject(set_id),
                TIMERS.c.status == "pending",
            )
        )
    ).scalar()
    return due


# --------------------------------------------------------------------------- the bank


async def own_prompts(ctx: Ctx, set_id: int) -> list[Any]:
    """The set's own prompts in the order they were added: #5, #6, … in `/als prompts list`."""
    return list(
        await ctx.conn.execute(
            select(OWN).where(OWN.c.set_id == set_id, OWN.c.status == "active").order_by(OWN.c.id)
        )
    )


async def rotation(ctx: Ctx, set_id: int) -> list[tuple[str, str]]:
    """Every prompt the set may get, as (key, text): the bank's, then the set's own."""
    bank = [(f"bank:{i}", words) for i, words in enumerate(BANK)]
    return bank + [(f"set:{r.id}", r.text) for r in await own_prompts(ctx, set_id)]


async def pick(ctx: Ctx, set_id: int) -> tuple[str, str]:
    """The prompt posted least recently: one never posted first (in list order), else the
    one whose last post is oldest."""
    last = {
        r.prompt_key: r.last
        for r in await ctx.conn.execute(
            select(POSTS.c.prompt_key, func.max(POSTS.c.posted_at).label("last"))
            .where(POSTS.c.set_id == set_id)
            .group_by(POSTS.c.prompt_key)
        )
    }
    choices = await rotation(ctx, set_id)
    order = {key: i for i, (key, _) in enumerate(choices)}
    return min(choices, key=lambda c: (c[0] in last, last.get(c[0]) or ctx.now, order[c[0]]))
