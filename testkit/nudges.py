"""Helpers for nudge, reminder and Updates-phase tests: a closed session, timers, DMs.

Built on `testkit.harness.Harness` (the real core on SQLite, a FakeClock, a recording outlet).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from bot.compose import build_router
from bot.config import Config
from bot.context import Ctx
from bot.events import ButtonPressed
from bot.followup import planning
from bot.refs import ChannelRef, UserRef, WorkspaceRef
from bot.replies import Direct, Reply
from bot.sets import records as sets
from bot.store.db import Store
from bot.store.models import Action, Member, ScheduleRow, Timer
from testkit.harness import WS, Harness, u

TIMERS = Timer.__table__


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def wait_until(h: Harness, moment: datetime) -> list[Reply]:
    """`h.wait` to an absolute moment: these tests speak in local dates, not deltas."""
    return await h.wait(moment - h.clock.now())


async def closed_session(
    h: Harness, presenter: str = "bob", actions: tuple[str, ...] = ("Call the volunteer centre",)
) -> None:
    """Alice facilitates a session where `presenter` commits to `actions`; it closes."""
    await h.cmd("alice", f"start @{presenter}")
    for _ in range(5):  # opening → updates → presenting → questions → summary → actions
        await h.cmd("alice", "next")
    for line in actions:
        await h.say(presenter, line)
    await h.cmd("alice", "next")  # evaluation
    await h.cmd("alice", "next")  # closed
    h.new()


async def timers_of(h: Harness, kind: str, status: str | None = None) -> list[Any]:
    query = select(TIMERS).where(TIMERS.c.kind == kind)
    if status is not None:
        query = query.where(TIMERS.c.status == status)
    async with h.app.store.read() as conn:
        return list(await conn.execute(query.order_by(TIMERS.c.due_at, TIMERS.c.id)))


async def pending_nudges(h: Harness, who: str) -> list[datetime]:
    return [
        t.due_at
        for t in await timers_of(h, "nudge", "pending")
        if t.subject == u(who).key and t.dedupe.startswith("plan:")
    ]


async def action_rows(h: Harness) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(Action.__table__).order_by(Action.__table__.c.id)))


def dms(replies: list[Reply], who: str) -> list[Direct]:
    return [r for r in replies if isinstance(r, Direct) and r.user.id == who]


def nudge_headers(replies: list[Reply], who: str) -> list[Direct]:
    return [d for d in dms(replies, who) if d.handle and d.handle.count(":") == 1]


async def press_button(h: Harness, who: str, action_id: str, value: str) -> list[Reply]:
    await h.app.handle(
        ButtonPressed(
            key=h.key(),
            user=u(who),
            channel=ChannelRef(WS, f"dm-{who}"),
            action_id=action_id,
            value=value,
        )
    )
    return h.new()


def button_on(reply: Direct, label: str) -> tuple[str, str]:
    for b in reply.buttons:
        if b.label == label:
            return b.action_id, b.value
    raise AssertionError(f"no [{label}] on {reply.text.plain()!r}")


async def seed_presenters(
    store: Store,
    config: Config,
    n: int,
    *,
    now: datetime,
    session_at: datetime,
    workspace: WorkspaceRef = WS,
    with_facilitator: bool = True,
) -> int:
    """A set whose `n` past presenters each have one open action, a session at
    `session_at`, and its timers planned at `now` by the real planner. Returns the set id.
    The first presenter is the set's facilitator (and so gets the digest) unless
    `with_facilitator` is False."""
    async with store.write() as conn:
        ctx = Ctx(conn, now, config, hooks=build_router().hooks)
        set_info = await sets.create_set(ctx, ChannelRef(workspace, "general"))
        people = [UserRef(workspace, f"p{i:05d}").key for i in range(n)]
        await conn.execute(
            insert(Member.__table__),
            [
                {
                    "set_id": set_info.id,
                    "user_key": key,
                    "is_facilitator": with_facilitator and key == people[0],
                    "active": True,
                    "joined_at": now,
                }
                for key in people
            ],
        )
        await conn.execute(
            insert(Action.__table__),
            [
                {
                    "set_id": set_info.id,
                    "session_id": None,
                    "owner_key": key,
                    "text": f"Action of {key}",
                    "due": None,
                    "status": "open",
                    "created_at": now,
                    "updated_at": now,
                }
                for key in people
            ],
        )
        await conn.execute(
            insert(ScheduleRow.__table__).values(
                set_id=set_info.id, first_at=session_at, recurrence=None, next_at=session_at
            )
        )
        await planning.plan_set(ctx, set_info)
        return set_info.id
