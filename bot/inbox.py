"""The inbox: an event is durable before the platform hears "OK".

Slack and Discord expect an answer within 3 seconds and retry otherwise, so `put` must be
fast *and* durable.  One transaction per event made the naive design slow and lose the
race with the acknowledgement; here concurrent `put`s are group-committed: while one batch
is being written, newcomers queue for the next, so under load each commit carries many
events and each caller still waits only for the commit that holds its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from bot.clock import Clock
from bot.events import Event, event_to_json
from bot.reply_handles import Handle
from bot.reply_handles import insert as insert_handles
from bot.store.db import Store
from bot.store.lean import Lean
from bot.store.models import Inbox
from bot.store.upsert import insert_ignore

log = logging.getLogger(__name__)
TABLE = Inbox.__table__
# An event's key, its JSON, its caller's future, and the reply handle written with it.
Queued = tuple[str, str, asyncio.Future[bool], Handle | None]


@lru_cache(maxsize=4)
def _insert_returning_key(dialect: str) -> Any:
    """Built once: `.returning()` makes a new statement, whose cache key SQLAlchemy would
    compute again on every flush."""
    return insert_ignore(TABLE, dialect, ["key"]).returning(TABLE.c.key)


@lru_cache(maxsize=4)
def _lean_insert_one(dialect: str) -> Lean:
    """The same for a batch of one — every commit at a steady rate — on SQLite's cursor."""
    return Lean(_insert_returning_key(dialect))


class InboxWriter:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        max_batch: int = 1000,
        on_new: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._max_batch = max_batch
        self._queue: list[Queued] = []
        self._flusher: asyncio.Task[None] | None = None
        self._on_new = on_new

    async def put(self, event: Event, handle: Handle | None = None) -> bool:
        """Durably record `event` (and the `handle` its replies answer through, in the
        same commit); False when its key was recorded before (a duplicate)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((event.key, event_to_json(event), future, handle))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())
        return await future

    async def _flush_all(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            try:
                fresh = await self._write(batch)
            except Exception as exc:  # the callers must not acknowledge
                log.exception("inbox write failed for %d events", len(batch))
                for _, _, future, _ in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            seen: set[str] = set()
            for key, _, future, _ in batch:
                is_new = key in fresh and key not in seen
                seen.add(key)
                if not future.done():
                    future.set_result(is_new)
            if fresh and self._on_new is not None:
                self._on_new()

    async def _write(self, batch: list[Queued]) -> set[str]:
        now = self._clock.now()
        rows: dict[str, str] = {}
        handles: dict[str, Handle] = {}
        for key, body, _, handle in batch:
            rows.setdefault(key, body)
            if handle is not None:
                handles.setdefault(handle.cause, handle)
        stmt = _insert_returning_key(self._store.dialect)
        values = [
            {"key": k, "body": b, "status": "pending", "received_at": now} for k, b in rows.items()
        ]
        async with self._store.write() as conn:
            if len(values) == 1:
                result = await _lean_insert_one(self._store.dialect).run(conn, values[0])
            else:
                result = await conn.execute(stmt, values)
            fresh = {r[0] for r in result}
            await insert_handles(conn, self._store.dialect, list(handles.values()), now)
            return fresh

    async def wait_idle(self) -> None:
        while self._flusher is not None and not self._flusher.done():
            await self._flusher
