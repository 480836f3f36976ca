"""Loading and saving a session's engine state, and arming its phase timer.

The engine state lives on the session row; a timer row is armed at the state's next
wake-up.  Stale timers are harmless (the engine does nothing when nothing is due), so a
state change just arms a new one rather than hunting down the old.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from bot import timers
from bot.context import Ctx, Refusal
from bot.dates.recurrence import Recurrence, next_after
from bot.rounds import codec, engine, round_clock
from bot.rounds.engine import RoundState
from bot.set_info import SetInfo
from bot.store.models import Posted, Round, ScheduleRow
from bot.store.models import Session as SessionRow
from bot.store.upsert import inserted_id

SESSIONS = SessionRow.__table__
ROUNDS = Round.__table__
POSTED = Posted.__table__
SCHEDULES = ScheduleRow.__table__


async def scheduled_next(ctx: Ctx, set_info: SetInfo) -> datetime | None:
    """The set's next session after now, as its schedule says — read only: the schedule
    itself is `bot.followup.schedule`'s, which rolls it on; a round only needs to know it
    (a due date "before the next session", the summary's "Next session")."""
    row = await schedule_row(ctx, set_info.id)
    return None if row is None else next_from(row, set_info, ctx.now)


async def schedule_row(ctx: Ctx, set_id: int) -> Any | None:
    """The set's schedule row, for a caller that needs more of it than the next session."""
    return (await ctx.conn.execute(select(SCHEDULES).where(SCHEDULES.c.set_id == set_id))).first()


def next_from(row: Any, set_info: SetInfo, now: datetime) -> datetime | None:
    """The next session after `now` that a schedule row says."""
    rec = Recurrence(**row.recurrence) if row.recurrence else None
    return next_after(row.next_at, row.first_at, rec, set_info.tz, now)


async def booked_length(ctx: Ctx, set_id: int) -> timedelta | None:
    """How long a session of the set is booked for: the schedule's first session, from its
    start to its end (later sessions keep that length); None when no end is known."""
    row = (
        await ctx.conn.execute(
            select(SCHEDULES.c.first_at, SCHEDULES.c.ends_at).where(SCHEDULES.c.set_id == set_id)
        )
    ).first()
    if row is None or row.ends_at is None or row.ends_at <= row.first_at:
        return None
    length: timedelta = row.ends_at - row.first_at
    return length


def header_handle(session_id: int) -> str:
    return f"session:{session_id}:header"


class RoundChanged(Refusal):
    """Another process saved the session since this one read it (PostgreSQL, several bot
    processes). As a Refusal it makes the processor replay the event on the fresh state;
    a timer tries again a moment later."""

    def __init__(self) -> None:
        super().__init__("The round changed at that very moment: please try again.")


@dataclass
class SessionInfo:
    id: int
    set_id: int
    state: RoundState
    scratch: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # the row's, when read: a save over someone else's is refused

    @property
    def header(self) -> str:
        return header_handle(self.id)


def _info(row: Any) -> SessionInfo:
    return SessionInfo(
        row.id,
        row.set_id,
        codec.state_from_json(row.state),
        dict(row.scratch or {}),
        row.version,
    )


async def active_session(ctx: Ctx, set_id: int) -> SessionInfo | None:
    row = (
        await ctx.conn.execute(
            select(SESSIONS).where(SESSIONS.c.set_id == set_id, SESSIONS.c.status == "active")
        )
    ).first()
    return _info(row) if row else None


async def load_session(ctx: Ctx, session_id: int) -> SessionInfo | None:
    row = (await ctx.conn.execute(select(SESSIONS).where(SESSIONS.c.id == session_id))).first()
    return _info(row) if row and row.status == "active" else None


async def session_for_thread(ctx: Ctx, thread_key: str) -> SessionInfo | None:
    """The active session whose header message is the root of this thread.

    Only positive answers are remembered: a header's message never changes, but a thread
    we do not know yet may be a header whose delivery is still being recorded.
    """
    memo_key = ("thread-session", thread_key)
    session_id = ctx.memo.get(memo_key)
    if session_id is None:
        handle = (
            await ctx.conn.execute(
                select(POSTED.c.handle).where(POSTED.c.message_key == thread_key)
            )
        ).scalar()
        if not handle or not handle.startswith("session:") or not handle.endswith(":header"):
            return None
        session_id = int(handle.split(":")[1])
        ctx.memo[memo_key] = session_id
    return await load_session(ctx, session_id)


async def create_session(ctx: Ctx, set_id: int, state: RoundState, started_by: str) -> SessionInfo:
    result = await ctx.conn.execute(
        insert(SESSIONS).values(
            set_id=set_id,
            status="active",
            state=codec.state_to_json(state),
            started_by=started_by,
            started_at=ctx.now,
            version=0,
            scratch={},
        )
    )
    return SessionInfo(inserted_id(result), set_id, state, {})


async def save(ctx: Ctx, session: SessionInfo) -> None:
    """Write the state back, only over the version it was read at: a deadline moved by one
    process is never overwritten by another acting on what it read before (RoundChanged)."""
    closed = session.state.phase == engine.Phase.CLOSED
    result = await ctx.conn.execute(
        update(SESSIONS)
        .where(SESSIONS.c.id == session.id, SESSIONS.c.version == session.version)
        .values(
            state=codec.state_to_json(session.state),
            scratch=session.scratch,
            version=SESSIONS.c.version + 1,
            status="closed" if closed else "active",
            closed_at=ctx.now if closed else None,
        )
    )
    if result.rowcount != 1:
        raise RoundChanged()
    session.version += 1


async def arm(ctx: Ctx, session: SessionInfo) -> None:
    wake = round_clock.next_wakeup(session.state)
    if wake is None:
        return
    await timers.schedule(
        ctx.conn,
        kind="phase",
        due_at=wake,
        subject=str(session.id),
        dedupe=f"phase:{session.id}:{wake.isoformat()}",
    )


async def record_round(ctx: Ctx, session_id: int, presenter: str, position: int) -> None:
    exists = (
        await ctx.conn.execute(
            select(ROUNDS.c.id).where(
                ROUNDS.c.session_id == session_id, ROUNDS.c.presenter_key == presenter
            )
        )
    ).first()
    if exists is None:
        await ctx.conn.execute(
            insert(ROUNDS).values(
                session_id=session_id,
                presenter_key=presenter,
                position=position,
                started_at=ctx.now,
            )
        )
