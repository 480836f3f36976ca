"""What the platform-fault tests share: sets that owe updates before a session, and the clock
stepped through every nudge, reminder and digest they cause.

Each set gets a facilitator, members with an open action from the last cycle (so each is
nudged) and a session ahead; `planning.plan_set` then writes the nudge, reminder and digest
timers exactly as closing a session would.  `fire_all` moves the `FakeClock` to each due
time and lets the core run and deliver to the end before the next one, so a nudge that
failed for good is already recorded when the facilitators' digest is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from bot.app import Alsbot
from bot.context import Ctx
from bot.followup import planning
from bot.refs import ChannelRef, UserRef
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Action, Outbox, ScheduleRow, Timer

START = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
SESSION_AT = datetime(2026, 1, 20, 14, 0, tzinfo=UTC)
KINDS = (planning.NUDGE, planning.REMINDER, planning.DIGEST)


@dataclass
class SetLayout:
    channel: ChannelRef
    facilitator: UserRef
    people: list[UserRef]


async def add_owing_set(
    ctx: Ctx, layout: SetLayout, session_at: datetime, action_text: Callable[[int], str]
) -> SetInfo:
    """A set whose members each owe an update on one open action, with a session ahead;
    its nudges, reminders and digest are planned as closing a session would plan them."""
    info = await sets.create_set(ctx, layout.channel)
    await sets.ensure_member(ctx, info.id, layout.facilitator, facilitator=True)
    for i, who in enumerate(layout.people):
        await sets.ensure_member(ctx, info.id, who)
        await ctx.conn.execute(
            insert(Action.__table__).values(
                set_id=info.id,
                session_id=None,
                owner_key=who.key,
                text=action_text(i),
                due=None,
                status="open",
                created_at=ctx.now,
                updated_at=ctx.now,
            )
        )
    await ctx.conn.execute(
        insert(ScheduleRow.__table__).values(
            set_id=info.id, first_at=session_at, recurrence=None, next_at=session_at
        )
    )
    await planning.plan_set(ctx, info)
    return info


async def seed(app: Alsbot, layouts: list[SetLayout]) -> None:
    now = app.clock.now()
    async with app.store.write() as conn:
        ctx = Ctx(conn, now, app.config, hooks=app.router.hooks)
        for n, layout in enumerate(layouts):
            await add_owing_set(
                ctx, layout, SESSION_AT, lambda i, n=n: f"Talk to the funder about plan {n}.{i}"
            )


async def due_times(app: Alsbot) -> list[datetime]:
    timers = Timer.__table__
    async with app.store.read() as conn:
        return [
            r[0]
            for r in await conn.execute(
                select(timers.c.due_at)
                .where(timers.c.status == "pending", timers.c.kind.in_(KINDS))
                .group_by(timers.c.due_at)
                .order_by(timers.c.due_at)
            )
        ]


async def fire_all(app: Alsbot, max_wait: float = 600) -> int:
    """Step the clock through every timer before the session; deliver after each step."""
    steps = [t for t in await due_times(app) if t < SESSION_AT]
    for due in steps:
        app.clock.set(due)  # type: ignore[attr-defined]
        await app.settle(max_wait=max_wait)
    return len(steps)


@dataclass
class Outcome:
    fired: list[Any]
    rows: list[Any]
    failed: list[Any]
    problems: list[str]


async def outcome(app: Alsbot, expected_failures: set[str], reasons: set[str]) -> Outcome:
    """Every timer sent; every outbox row delivered or failed, and only where it had to.

    `expected_failures` are the lanes that cannot be delivered to (a person's DMs, a
    channel); `reasons` the words each failure's recorded error must contain one of.
    """
    problems: list[str] = []
    async with app.store.read() as conn:
        timers = list(
            await conn.execute(select(Timer.__table__).where(Timer.__table__.c.kind.in_(KINDS)))
        )
        rows = list(await conn.execute(select(Outbox.__table__).order_by(Outbox.__table__.c.id)))
    fired = [t for t in timers if t.due_at < SESSION_AT]
    unsent = [(t.kind, t.status, t.note) for t in fired if not (t.note or "").startswith("sent")]
    if unsent:
        problems.append(f"timers that did not send: {unsent[:5]}")
    failed = [r for r in rows if r.status == "failed"]
    wrong = [(r.lane, r.error) for r in failed if r.lane not in expected_failures]
    if wrong:
        problems.append(f"gave up on deliverable messages: {wrong[:5]}")
    unexplained = [r.error for r in failed if not any(w in (r.error or "") for w in reasons)]
    if unexplained:
        problems.append(f"failures for other reasons: {unexplained[:5]}")
    never = expected_failures - {r.lane for r in failed}
    if never:
        problems.append(f"lanes that should have failed but did not: {sorted(never)}")
    stuck = [(r.lane, r.status) for r in rows if r.status not in ("sent", "failed")]
    if stuck:
        problems.append(f"undelivered: {stuck[:5]}")
    return Outcome(fired, rows, failed, problems)


def timer_figures(out: Outcome) -> dict[str, Any]:
    return {
        "timers_fired": len(out.fired),
        "timers_by_kind": dict(Counter(t.kind for t in out.fired)),
        "messages": len([r for r in out.rows if r.cause and r.cause.startswith("timer:")]),
        "max_attempts_for_one_message": max((r.attempts for r in out.rows), default=0),
        "failed_for_good": len(out.failed),
    }
