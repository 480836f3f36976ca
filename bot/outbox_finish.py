"""Marking delivered replies, group-committed.

Every delivered reply needs its `sent` (or `failed`) mark made durable before its lane goes
on: a crash before the mark re-sends the reply (as "maybe delivered"), and a reply waiting
for the post it threads under finds that post through the mark's `posted` row.  One
transaction per reply made the marks a third of a confirmation's database work, so marks
made while another batch is being written queue for the next one: each commit carries
every lane's finished rows, and each lane still waits only for the commit that holds its
own, as `bot.inbox.InboxWriter` does for events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, update

from bot.refs import MessageRef
from bot.store.db import Store
from bot.store.models import Outbox, Posted
from bot.store.upsert import insert_ignore

log = logging.getLogger(__name__)
OUTBOX = Outbox.__table__
POSTED = Posted.__table__
_MARK = update(OUTBOX).where(OUTBOX.c.id == bindparam("b_id"))  # run as an executemany
# Seconds a batch stays open for more marks while other deliveries are still in flight:
# the replies of one pass go out together and their answers come back within a
# millisecond or two of each other; without the wait, each became a commit of its own at
# a steady rate.  A lone delivery's mark is written at once.
GATHER = 0.002


@dataclass(frozen=True, slots=True)
class _Mark:
    row_id: int
    status: str
    error: str | None
    posted: tuple[str, MessageRef] | None
    done: asyncio.Future[None]


class FinishWriter:
    """One deliverer's finished rows, written in batches."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._queue: list[_Mark] = []
        self._flusher: asyncio.Task[None] | None = None
        self._sending = 0  # deliveries in flight, whose marks will follow

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """Around a delivery: while any is in flight, a batch waits `GATHER` for it."""
        self._sending += 1
        try:
            yield
        finally:
            self._sending -= 1

    async def finish(
        self,
        row_id: int,
        status: str,
        *,
        error: str | None = None,
        posted: tuple[str, MessageRef] | None = None,
    ) -> None:
        """Mark the row `status` (and record the post its handle names); returns once
        the mark is committed, and raises what the commit raised."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Mark(row_id, status, error, posted, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())
        await done

    async def _flush_all(self) -> None:
        if self._sending:
            await asyncio.sleep(GATHER)
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await self._write(batch)
            except Exception as exc:  # each lane decides what a lost mark means
                log.exception("marking %d delivered replies failed", len(batch))
                for mark in batch:
                    if not mark.done.done():
                        mark.done.set_exception(exc)
                continue
            for mark in batch:
                if not mark.done.done():
                    mark.done.set_result(None)

    async def _write(self, batch: list[_Mark]) -> None:
        now = datetime.now(UTC)  # transport time, like the rest of delivery
        marks: list[dict[str, Any]] = [
            {
                "b_id": m.row_id,
                "status": m.status,
                "sent_at": now if m.status == "sent" else None,
                "error": m.error,
                "lease_until": None,
            }
            for m in batch
        ]
        posted = [
            {"handle": m.posted[0], "message_key": m.posted[1].key, "created_at": now}
            for m in batch
            if m.posted is not None
        ]
        async with self._store.write() as conn:
            await conn.execute(_MARK, marks)
            if posted:
                await conn.execute(insert_ignore(POSTED, self._store.dialect, ["handle"]), posted)
