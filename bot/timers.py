"""Timer rows: the database, not the scheduler, decides what is due.

`claim_due` runs inside the same write transaction as the handlers' effects, so a timer's
effect and its `status = 'done'` commit together or not at all: after a crash the row is
simply still pending, and two processes on PostgreSQL never both act on one row because
the claim takes row locks with `SKIP LOCKED`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.models import Timer
from bot.store.upsert import insert_ignore

TIMERS = Timer.__table__


@dataclass(frozen=True, slots=True)
class DueTimer:
    id: int
    kind: str
    due_at: datetime
    subject: str
    payload: dict[str, Any]


async def schedule(
    conn: AsyncConnection,
    *,
    kind: str,
    due_at: datetime,
    subject: str,
    payload: dict[str, Any] | None = None,
    dedupe: str | None = None,
) -> bool:
    """Add a timer; with `dedupe`, a second timer with the same key is ignored."""
    result = await conn.execute(
        insert_ignore(TIMERS, conn.dialect.name, ["dedupe"]),
        {
            "kind": kind,
            "due_at": due_at,
            "subject": subject,
            "payload": payload or {},
            "dedupe": dedupe,
            "status": "pending",
        },
    )
    return bool(result.rowcount)


async def cancel(conn: AsyncConnection, *, kind: str, subject: str, note: str = "cancelled") -> int:
    result = await conn.execute(
        update(TIMERS)
        .where(TIMERS.c.kind == kind, TIMERS.c.subject == subject, TIMERS.c.status == "pending")
        .values(status="cancelled", note=note)
    )
    return result.rowcount


async def claim_due(
    conn: AsyncConnection, *, now: datetime, worker: str, limit: int = 500
) -> list[DueTimer]:
    """Claim up to `limit` due timers for this transaction, oldest first."""
    due = (
        select(TIMERS.c.id)
        .where(TIMERS.c.status == "pending", TIMERS.c.due_at <= now)
        .order_by(TIMERS.c.due_at, TIMERS.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = await conn.execute(
        update(TIMERS)
        .where(TIMERS.c.id.in_(due.scalar_subquery()))
        .values(status="running", claimed_by=worker, claimed_at=now)
        .returning(TIMERS.c.id, TIMERS.c.kind, TIMERS.c.due_at, TIMERS.c.subject, TIMERS.c.payload)
    )
    out = [DueTimer(r.id, r.kind, r.due_at, r.subject, r.payload or {}) for r in rows]
    out.sort(key=lambda t: (t.due_at, t.id))
    return out


async def finish(
    conn: AsyncConnection,
    timer_id: int,
    *,
    now: datetime,
    status: str = "done",
    note: str | None = None,
) -> None:
    await conn.execute(
        update(TIMERS).where(TIMERS.c.id == timer_id).values(status=status, done_at=now, note=note)
    )


async def next_due(conn: AsyncConnection) -> datetime | None:
    due = (
        await conn.execute(
            select(TIMERS.c.due_at)
            .where(TIMERS.c.status == "pending")
            .order_by(TIMERS.c.due_at)
            .limit(1)
        )
    ).scalar()
    return due
