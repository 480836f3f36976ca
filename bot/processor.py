"""Turning durable inbox rows and due timers into effects and replies.

Pending events are applied in slices, one transaction each, so a busy moment commits many
events at once (on SQLite a slice also stops after `SLICE_SECONDS`: the inbox's writer
never waits long).  A slice first runs without a SAVEPOINT per event; if any event in it
refuses or fails, the whole slice rolls back and is replayed with a SAVEPOINT around each
event, so one event's failure rolls back only its own writes (never a partial write) and
never another's.  A `Refusal` rolls back too and becomes a private reply to the person; a
failure marks the event `failed` and tells the person nothing was changed.  Due timers
each run in their own SAVEPOINT, committed with their `done` (or `failed`) mark.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, union_all, update

from bot import logs
from bot.clock import Clock
from bot.config import Config
from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.departed import ANY_DEPARTED, SKIPPED, departed_among, gated
from bot.dispatch import on_command
from bot.events import (
    AppInstalled,
    AppRemoved,
    ButtonPressed,
    CommandInvoked,
    DirectMessage,
    Event,
    MessagePosted,
    MessageSaved,
)
from bot.leases import host_and_pid
from bot.outbox_rows import SliceRows, enqueue
from bot.ports import MessageSource, Traits
from bot.preparing import TRIES, Deferral, Preparations, plan, subject
from bot.refs import Platform
from bot.replies import Direct, Ephemeral, Reply, text
from bot.router import PrepareAgain, Router
from bot.store.db import Store
from bot.store.lean import Lean
from bot.store.models import Inbox
from bot.timers import claim_due, finish

log = logging.getLogger(__name__)
INBOX = Inbox.__table__
SLICE_SECONDS = 0.003  # see Processor.process_pending
SLICE_MOST = 64  # events one SQLite slice may take: far more than fit in SLICE_SECONDS
SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again."

# Built once (see `bot.store.upsert._insert_ignore`): a fresh `in_(ids)` per slice cost
# more to build and cache-key than SQLite's work for it.  SET values come from the
# parameters' column names; WHERE parameters are named `b_…`.
# The due rows (at most `b_limit`), and every deferred row that is not due yet: those are
# few, and the events behind them about the same message must wait (`bot.preparing`).
_ROW = (INBOX.c.id, INBOX.c.body, INBOX.c.attempts, INBOX.c.not_before)
_DUE = (
    select(*_ROW)
    .where(
        INBOX.c.status == "pending",
        or_(INBOX.c.not_before.is_(None), INBOX.c.not_before <= bindparam("b_now")),
    )
    .order_by(INBOX.c.id)
    .limit(bindparam("b_limit"))
    .subquery()
)
_PENDING = union_all(
    select(*_DUE.c),
    select(*_ROW).where(INBOX.c.status == "pending", INBOX.c.not_before > bindparam("b_now")),
)
# On SQLite the slice's rows are claimed by id range (ids are read in order; a row in the
# range but not in the slice is simply not acted on): an `IN` list is re-rendered for
# every slice.  On PostgreSQL the lock must take only the slice's own rows.
_MINE_RANGE = select(INBOX.c.id, ANY_DEPARTED).where(
    INBOX.c.id.between(bindparam("b_low"), bindparam("b_high")), INBOX.c.status == "pending"
)
# Every pass and slice runs these: compiled once, run on SQLite's own cursor.
_LEAN_PENDING = Lean(_PENDING)
_LEAN_MINE_RANGE = Lean(_MINE_RANGE)
_MINE_LOCKED = (
    select(INBOX.c.id, ANY_DEPARTED)
    .where(INBOX.c.id.in_(bindparam("b_ids", expanding=True)), INBOX.c.status == "pending")
    .with_for_update(skip_locked=True)
)
_FINISH = update(INBOX).where(INBOX.c.id == bindparam("b_id"))  # run as an executemany
_DEFER = update(INBOX).where(INBOX.c.id == bindparam("b_id"), INBOX.c.status == "pending")
# PostgreSQL: lease the rows this process will prepare (see `bot.preparing`).
_LEASE = (
    update(INBOX)
    .where(
        INBOX.c.id.in_(bindparam("b_ids", expanding=True)),
        INBOX.c.status == "pending",
        or_(INBOX.c.not_before.is_(None), INBOX.c.not_before <= bindparam("b_now")),
    )
    .values(not_before=bindparam("b_until", type_=INBOX.c.not_before.type))
    .returning(INBOX.c.id)
)


class _Replay(Exception):
    """An optimistic slice hit a refusal or failure: roll back, replay it carefully."""


def private_reply(event: Event, message: str) -> Reply | None:
    if isinstance(event, DirectMessage):
        return Direct(user=event.user, text=text(message))
    if isinstance(event, (CommandInvoked, ButtonPressed, MessagePosted, MessageSaved)):
        return Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text(message),
            thread=getattr(event, "thread", None),
        )
    return None


def _follow(gone: set[str], event: AppRemoved | AppInstalled) -> None:
    """The slice's later events see a removal (or a new install) applied before them."""
    if isinstance(event, AppRemoved):
        gone.add(event.workspace.key)
    else:
        gone.discard(event.workspace.key)


def _row_id(row: Any) -> int:
    return int(row.id)


class Processor:
    def __init__(
        self, store: Store, clock: Clock, config: Config, router: Router, worker: str | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.router = router
        self.worker = worker or config.scheduler.process_name or host_and_pid()
        self.sources: dict[Platform, MessageSource] = {}
        self.traits = Traits()  # each attached platform's (`Alsbot.attach`), for every Ctx
        # Facts that never change once true (which message is which session's header),
        # remembered across events to save a query on every message in a round thread.
        self.memo: dict[Any, Any] = {}
        # Awaited between two slices on SQLite (the application passes the inbox's
        # `wait_idle`): an acknowledgement goes before the next slice.
        self.between_slices: Callable[[], Awaitable[None]] | None = None
        self.preparations = Preparations(router, store, clock, config, self.sources)
        if not store.is_sqlite:  # several processes may share the inbox
            self.preparations.claim = self._lease
        # The earliest `not_before` of a deferred row seen by the last pass: when the
        # processing loop should look again even if nothing new arrives.
        self.next_due: datetime | None = None

    async def process_pending(self, limit: int = 200) -> int:
        """Handle up to `limit` pending events, in short transactions; returns how many
        moved on (applied, failed, deferred or to be prepared again).

        On SQLite the writer lock is shared with the inbox, so each transaction stops after
        `SLICE_SECONDS`: an acknowledgement waiting to be made durable never waits longer.
        Events still being prepared, deferred, or behind either are left pending.
        """
        now = self.clock.now()
        async with self.store.read() as conn:
            rows = sorted(
                await _LEAN_PENDING.run(conn, {"b_limit": limit, "b_now": now}), key=_row_id
            )
        due = [
            r
            for r in rows
            if r.not_before is None or r.not_before <= now or self.preparations.owns(r.id)
        ]
        due_ids = {r.id for r in due}
        later = [r.not_before for r in rows if r.id not in due_ids and r.not_before is not None]
        self.next_due = min(later, default=None)
        if not due:
            return 0
        ready = await self.preparations.run(due)
        prepared, deferrals, blocked = plan(rows, ready, now)
        moved = 0
        if deferrals:
            await self._defer(deferrals)
            moved += len(deferrals)
            self.next_due = min([*later, *(d.not_before for d in deferrals if d.not_before)])
        attempts = {r.id: r.attempts or 0 for r in due}
        while prepared:
            taken, finished = await self._apply_batch(prepared, blocked, attempts)
            if taken == 0:
                break
            moved += finished
            prepared = prepared[taken:]
            if prepared and self.store.is_sqlite:
                await self._breathe()
        return moved

    async def _lease(self, ids: list[int], until: datetime) -> set[int]:
        async with self.store.write() as conn:
            now = self.clock.now()
            found = await conn.execute(_LEASE, {"b_ids": ids, "b_now": now, "b_until": until})
            return {r[0] for r in found}

    async def _defer(self, deferrals: list[Deferral]) -> None:
        async with self.store.write() as conn:
            await conn.execute(_DEFER, [d.params() for d in deferrals])

    def seconds_until_due(self) -> float | None:
        """Until the earliest deferred row is due, by the processor's clock (None: none)."""
        if self.next_due is None:
            return None
        return max((self.next_due - self.clock.now()).total_seconds(), 0.0)

    def close(self) -> None:
        """Stop the preparations still running (their events stay pending in the inbox)."""
        self.preparations.cancel()

    async def _breathe(self) -> None:
        """Give the event loop a turn between slices.

        The inline SQLite driver never suspends, so without this the slices for 200 events
        would run back to back and every request arriving meanwhile would wait for all of
        them (measured: ack p99 over 100 ms in a burst).  A few bare yields let the
        requests already read reach `InboxWriter.put`; then the inbox's group commit runs
        before the next slice takes the writer.
        """
        for _ in range(4):
            await asyncio.sleep(0)
        if self.between_slices is not None:
            await self.between_slices()

    async def _apply_batch(
        self,
        prepared: list[tuple[int, Event | None, str | None]],
        blocked: set[str],
        attempts: dict[int, int],
    ) -> tuple[int, int]:
        """Apply events in order until the time slice is used; returns how many were taken
        and how many of those moved on.

        The slice first runs without a SAVEPOINT per event (two statements saved on every
        event); if any event refuses or fails, the whole slice rolls back and is replayed
        with a SAVEPOINT around each event, so one event's failure never undoes another's.
        """
        try:
            return await self._apply_slice(prepared, blocked, attempts, careful=False)
        except _Replay:
            return await self._apply_slice(prepared, blocked, attempts, careful=True)

    async def _apply_slice(
        self,
        prepared: list[tuple[int, Event | None, str | None]],
        blocked: set[str],
        attempts: dict[int, int],
        *,
        careful: bool,
    ) -> tuple[int, int]:
        if self.store.is_sqlite:  # claim only what the slice can reach, not all 200 again
            prepared = prepared[:SLICE_MOST]
        ids = [p[0] for p in prepared]
        taken = 0
        again: list[Deferral] = []
        held: set[str] = set()  # messages whose event is prepared again, in this slice
        replies = SliceRows()  # the slice's replies: one INSERT at its end
        async with self.store.write() as conn:
            if self.store.is_sqlite:
                found = await _LEAN_MINE_RANGE.run(conn, {"b_low": min(ids), "b_high": max(ids)})
            else:
                found = await conn.execute(_MINE_LOCKED, {"b_ids": ids})
            found = list(found)
            mine = {r[0] for r in found}
            # Events from a workspace the app was removed from have no effect
            # (`bot.departed`); a removal earlier in this slice counts too.
            gone: set[str] = set()
            if found and found[0].any_departed:
                gone = await departed_among(
                    conn, (w for p in prepared if p[1] and (w := gated(p[1])))
                )
            now = self.clock.now()
            started = time.perf_counter()
            outcomes: dict[str, list[int]] = {"done": [], "failed": []}
            errors: dict[int, str] = {}
            for row_id, event, problem in prepared:
                taken += 1
                if row_id not in mine:
                    continue
                if (blocked or held) and (about := subject(event)) in blocked | held:
                    continue  # behind an event about the same message, prepared again
                if gone and event is not None and gated(event) in gone:
                    outcomes["done"].append(row_id)
                    errors[row_id] = SKIPPED
                    continue
                if isinstance(event, (CommandInvoked, ButtonPressed)):
                    # A command may look for replies still on their way (an export asked
                    # for twice): those of the events before it are written first.
                    await replies.write(conn)
                if event is None:
                    outcomes["failed"].append(row_id)
                    errors[row_id] = problem or "unreadable"
                elif careful:
                    status, error = await self._apply_one(conn, event, now, replies)
                    if status == "again" and attempts.get(row_id, 0) + 1 < TRIES:
                        tries = attempts.get(row_id, 0) + 1
                        again.append(Deferral(row_id, None, tries, f"prepared again: {error}"))
                        if (about := subject(event)) is not None:
                            held.add(about)
                        continue
                    outcomes["failed" if status == "failed" else "done"].append(row_id)
                    if error:
                        errors[row_id] = error
                else:
                    try:
                        await self._apply_fast(conn, event, now, replies)
                    except Exception as exc:
                        raise _Replay from exc
                    outcomes["done"].append(row_id)
                if isinstance(event, (AppRemoved, AppInstalled)) and row_id in outcomes["done"]:
                    _follow(gone, event)
                if self.store.is_sqlite and time.perf_counter() - started > SLICE_SECONDS:
                    break
            finished = [  # one executemany for the slice, errors or not
                {
                    "b_id": i,
                    "status": status,
                    "processed_at": now,
                    "error": errors[i][:2000] if i in errors else None,
                }
                for status, row_ids in outcomes.items()
                for i in row_ids
            ]
            await replies.write(conn)
            if finished:
                await conn.execute(_FINISH, finished)
            if again:
                await conn.execute(_DEFER, [d.params() for d in again])
        blocked |= held  # only once committed: a replayed slice starts afresh
        return taken, len(finished) + len(again)

    async def _apply_fast(self, conn: Any, event: Event, now: Any, replies: SliceRows) -> None:
        ctx = Ctx(
            conn, now, self.config, hooks=self.router.hooks, memo=self.memo, traits=self.traits
        )
        with logs.about(event.key, lambda: ctx.set_id):
            await self._dispatch(ctx, event)
            await replies.add(conn, ctx.out, now=now, cause=event.key, set_id=ctx.set_id)

    async def _apply_one(
        self, conn: Any, event: Event, now: Any, replies: SliceRows
    ) -> tuple[str, str | None]:
        ctx = Ctx(
            conn, now, self.config, hooks=self.router.hooks, memo=self.memo, traits=self.traits
        )
        with logs.about(event.key, lambda: ctx.set_id):
            try:
                async with conn.begin_nested():
                    await self._dispatch(ctx, event)
                    await replies.add(conn, ctx.out, now=now, cause=event.key, set_id=ctx.set_id)
                return "done", None
            except PrepareAgain as stale:
                return "again", str(stale)
            except Refusal as refusal:
                reply = private_reply(event, str(refusal))
                if reply is not None:
                    await replies.add(conn, [reply], now=now, cause=event.key, set_id=ctx.set_id)
                return "done", f"refused: {refusal}"
            except Exception as exc:
                log.exception("handling %s (%s) failed", event.key, type(event).__name__)
                reply = private_reply(event, SORRY)
                if reply is not None:
                    await replies.add(conn, [reply], now=now, cause=event.key)
                return "failed", repr(exc)

    async def _dispatch(self, ctx: Ctx, event: Event) -> None:
        if isinstance(event, CommandInvoked):
            await on_command(ctx, event, self.router)
            return
        if isinstance(event, ButtonPressed):
            handler = self.router.button_handler(event.action_id)
            if handler is None:
                raise Refusal(OUT_OF_DATE)
            await handler(ctx, event)
            return
        for handler in self.router.events.get(type(event), ()):
            await handler(ctx, event)

    async def tick(self, limit: int = 500) -> int:
        """Claim and run due timers; effects and `done` commit together."""
        total = 0
        while True:
            async with self.store.write() as conn:
                now = self.clock.now()
                due = await claim_due(conn, now=now, worker=self.worker, limit=limit)
                for timer in due:
                    ctx = Ctx(conn, now, self.config, hooks=self.router.hooks, traits=self.traits)
                    handler = self.router.timers.get(timer.kind)
                    try:
                        async with conn.begin_nested():
                            note = (
                                await handler(ctx, timer) if handler else "no handler for this kind"
                            )
                            await enqueue(
                                conn, ctx.out, now=now, cause=f"timer:{timer.id}", set_id=ctx.set_id
                            )
                        status = "skipped" if note and note.startswith("skipped") else "done"
                        await finish(conn, timer.id, now=now, status=status, note=note)
                    except Exception as exc:
                        log.exception("timer %s (%s) failed", timer.id, timer.kind)
                        await finish(
                            conn, timer.id, now=now, status="failed", note=repr(exc)[:2000]
                        )
            total += len(due)
            if len(due) < limit:
                return total
