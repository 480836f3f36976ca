"""Preparing events outside the write transaction, without letting a slow platform hold
up anyone else.

A preparer (`bot.router.Preparer`) may ask the platform something before an event is
applied (the text of a reacted-to message, whether a channel is private).  Such a call can
hang or fail, so:

- each preparation runs as its own task; the processor waits at most `PATIENCE` for a
  batch's preparations, applies what is ready, and leaves an event whose preparation is
  still running pending — its task goes on, up to `Preparing.time_limit`, and wakes the
  processor when it ends (`on_ready`).  One hung fetch costs its own event, never the
  batch (a `/als help` behind three hung fetches waited 27.8 s before);
- a preparation that fails for now (`bot.ports.FetchRetry`) leaves the inbox row pending
  with `not_before` (the backoff below, or the platform's `Retry-After` if longer) and
  `attempts` + 1; `TRIES` tries in all, then the preparer is told it is the last try and
  hands the event on marked as unreadable, so the person can be told;
- order per message holds: an event about a message (its `message` reference) waits while
  an earlier event about the same message is deferred or still being prepared (a reaction's
  removal never overtakes its addition);
- with several processes (PostgreSQL) each event is prepared by one of them: a process
  first leases the rows it will prepare (`claim`, which moves `not_before` past the
  preparation's time limit), and the others leave those rows alone until the lease ends.
  Without it two processes fetched most reactions twice (20 reactions, 21–22 calls).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import logs
from bot.clock import Clock
from bot.config import Config
from bot.events import Event, MessageSaved, event_from_json
from bot.ports import FetchRetry, MessageSource
from bot.refs import MessageRef, Platform
from bot.router import Preparer, Preparing, Router
from bot.store.db import Store

log = logging.getLogger(__name__)

# Seconds to wait after each failed try: the 6th and last try comes 10 minutes after the
# first.  Slack's own outages and rate-limit windows (`Retry-After` up to a minute for
# `conversations.history`) are mostly over within that, and 10 minutes is also the do's
# undo window: the reactor is still in the conversation when told to try again.
RETRY_DELAYS = (20.0, 40.0, 80.0, 160.0, 300.0)
TRIES = len(RETRY_DELAYS) + 1
PATIENCE = 0.5  # seconds a batch waits for its preparations before applying the rest
TIME_LIMIT = 5.0  # seconds one call to the platform may take (`Preparing.time_limit`)
BACKSTOP = 1.0  # more seconds before the processor gives up on a preparer itself
LEASE_MARGIN = 5.0  # more seconds a lease lasts, beyond the longest preparation
CONCURRENCY = 16  # calls to the platform at once, over all preparations (`Preparing.calls`)


@dataclass(frozen=True, slots=True)
class Prepared:
    """One inbox row after preparation: apply `event`, or record `problem`, or defer it
    (`retry`), or leave it for now (`busy`: its preparation is still running)."""

    event: Event | None
    problem: str | None = None
    retry: FetchRetry | None = None
    busy: bool = False


@dataclass(frozen=True, slots=True)
class Deferral:
    row_id: int
    not_before: datetime | None
    attempts: int
    error: str

    def params(self) -> dict[str, Any]:
        return {
            "b_id": self.row_id,
            "not_before": self.not_before,
            "attempts": self.attempts,
            "error": self.error[:2000],
        }


def subject(event: Event | None) -> str | None:
    """The message an event is about: events about one message are applied in order.

    "Save as do" (`MessageSaved`) carries its message and waits for no fetch, so it never
    queues behind a reaction whose fetch is being retried (a rate-limited history read):
    whichever of the two comes first saves, the other finds it saved (the claim is atomic)."""
    if isinstance(event, MessageSaved):
        return None
    message = getattr(event, "message", None)
    return message.key if isinstance(message, MessageRef) else None


def retry_delay(attempts: int, after: float | None) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return timedelta(seconds=max(base, after or 0.0))


def _event_or_none(body: str) -> Event | None:
    try:
        return event_from_json(body)
    except Exception:  # an unreadable row fails on its own turn; it blocks nothing
        return None


def _subject_of_body(body: str) -> str | None:
    return subject(_event_or_none(body))


class _BatchReader:
    """One read connection for a batch's preparations, taken in turn.

    A connection per preparation cost more than the queries it ran (a pool checkout and a
    rollback each: measured, a quarter of the core's time per reaction).  The batch's
    preparations read before they call the platform, so they share one; one that reads
    after the batch went on opens its own.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = asyncio.Lock()
        self._opened: AbstractAsyncContextManager[AsyncConnection] | None = None
        self._conn: AsyncConnection | None = None
        self._closed = False

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        if self._closed:
            async with self._store.read() as conn:
                yield conn
            return
        async with self._lock:
            if self._conn is None:
                self._opened = self._store.read()
                self._conn = await self._opened.__aenter__()
            yield self._conn

    async def close(self) -> None:
        self._closed = True
        async with self._lock:
            if self._opened is not None:
                opened, self._opened, self._conn = self._opened, None, None
                await opened.__aexit__(None, None, None)


class Preparations:
    """The preparation tasks of one processor, kept across its passes."""

    def __init__(
        self,
        router: Router,
        store: Store,
        clock: Clock,
        config: Config,
        sources: dict[Platform, MessageSource],
    ) -> None:
        self.router = router
        self.store = store
        self.clock = clock
        self.config = config
        self.sources = sources
        self.patience = PATIENCE
        self.time_limit = TIME_LIMIT
        self.on_ready: Callable[[], None] | None = None  # the processing loop's wake-up
        # Lease rows (ids, until) → the ids leased; None: one process only (SQLite).
        self.claim: Callable[[list[int], datetime], Awaitable[set[int]]] | None = None
        self._running: dict[int, tuple[Event, asyncio.Task[Prepared]]] = {}
        self._slots = asyncio.Semaphore(CONCURRENCY)

    async def run(self, rows: Sequence[Any]) -> dict[int, Prepared]:
        """Prepare due rows (id, body, attempts); wait for them at most `patience`."""
        out: dict[int, Prepared] = {}
        started: list[asyncio.Task[Prepared]] = []
        reader = _BatchReader(self.store)
        wanted: list[tuple[int, Event, Preparer, int]] = []
        for row in rows:
            if row.id in self._running:
                continue
            try:
                event = event_from_json(row.body)
            except Exception as exc:  # a row we cannot read must not block the others
                out[row.id] = Prepared(None, f"unreadable: {exc!r}")
                continue
            preparer = self.router.preparers.get(type(event))
            if preparer is None:
                out[row.id] = Prepared(event)
                continue
            wanted.append((row.id, event, preparer, row.attempts or 0))
        leased = await self._lease([w[0] for w in wanted])
        for row_id, event, preparer, attempts in wanted:
            if leased is not None and row_id not in leased:
                out[row_id] = Prepared(event, busy=True)  # another process prepares it
                continue
            task = asyncio.create_task(self._prepare(event, preparer, attempts, reader))
            task.add_done_callback(self._ended)
            self._running[row_id] = (event, task)
            started.append(task)
        if started:
            try:
                await asyncio.wait(started, timeout=self.patience)
            finally:
                await reader.close()
        for row in rows:
            if row.id in out:
                continue
            if row.id not in self._running:  # a concurrent pass took its result: it applies it
                out[row.id] = Prepared(_event_or_none(row.body), busy=True)
                continue
            event, task = self._running[row.id]
            if not task.done():
                out[row.id] = Prepared(event, busy=True)
                continue
            del self._running[row.id]
            out[row.id] = task.result() if not task.cancelled() else Prepared(event, busy=True)
        self._forget_others({r.id for r in rows})
        return out

    def owns(self, row_id: int) -> bool:
        """This process is preparing the row (under its own lease)."""
        return row_id in self._running

    async def _lease(self, ids: list[int]) -> set[int] | None:
        if self.claim is None or not ids:
            return None
        longest = self.patience + self.time_limit + BACKSTOP + LEASE_MARGIN
        return await self.claim(ids, self.clock.now() + timedelta(seconds=longest))

    def _forget_others(self, seen: set[int]) -> None:
        """Drop finished preparations of rows no longer pending here (another process
        handled them while this one was still fetching)."""
        for row_id in [i for i, (_, t) in self._running.items() if t.done() and i not in seen]:
            del self._running[row_id]

    def _ended(self, _task: asyncio.Task[Prepared]) -> None:
        if self.on_ready is not None:
            self.on_ready()

    async def _prepare(
        self, event: Event, preparer: Preparer, attempts: int, reader: _BatchReader
    ) -> Prepared:
        last_try = attempts + 1 >= TRIES
        prep = Preparing(
            source=self.sources.get(event.workspace.platform),
            read=reader.read,
            config=self.config,
            now=self.clock.now(),
            attempt=attempts,
            last_try=last_try,
            time_limit=self.time_limit,
            calls=self._slots,
        )
        with logs.about(event.key):
            try:
                try:
                    async with asyncio.timeout(self.time_limit + BACKSTOP):
                        return Prepared(await preparer(event, prep))
                except TimeoutError:
                    raise FetchRetry(
                        f"preparing took over {self.time_limit + BACKSTOP:g} s"
                    ) from None
            except FetchRetry as retry:
                if last_try:
                    log.warning(
                        "preparing %s failed on every try (%s); handling it unprepared",
                        event.key,
                        retry,
                    )
                    return Prepared(event)
                return Prepared(event, retry=retry)
            except Exception:
                log.exception("preparing %s failed; handling it unprepared", event.key)
                return Prepared(event)

    def cancel(self) -> None:
        for _, task in self._running.values():
            task.cancel()
        self._running.clear()


def plan(
    rows: Iterable[Any], ready: dict[int, Prepared], now: datetime
) -> tuple[list[tuple[int, Event | None, str | None]], list[Deferral], set[str]]:
    """In inbox order: what to apply now, what to defer, and which messages are blocked
    (an earlier event about them waits), so that later events about them wait too."""
    apply: list[tuple[int, Event | None, str | None]] = []
    deferrals: list[Deferral] = []
    blocked: set[str] = set()
    for row in rows:
        got = ready.get(row.id)
        if got is None:  # not due yet: a deferred row
            if (about := _subject_of_body(row.body)) is not None:
                blocked.add(about)
            continue
        about = subject(got.event)
        if about is not None and about in blocked:
            continue  # stays pending, behind the earlier event about the same message
        if got.busy or got.retry is not None:
            if about is not None:
                blocked.add(about)
            if got.retry is not None:
                attempts = (row.attempts or 0) + 1
                due = now + retry_delay(attempts, got.retry.after)
                deferrals.append(Deferral(row.id, due, attempts, f"retrying: {got.retry}"))
                log.info(
                    "event %s deferred to %s (try %d of %d failed: %s)",
                    getattr(got.event, "key", row.id),
                    due.isoformat(timespec="seconds"),
                    attempts,
                    TRIES,
                    got.retry,
                )
            continue
        apply.append((row.id, got.event, got.problem))
    return apply, deferrals, blocked
