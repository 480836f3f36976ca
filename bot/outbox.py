"""The outbox: replies are committed with the effect that caused them, then delivered.

Writing the reply in the same transaction as the state change means a crash can never
leave a recorded action without its confirmation, or a sent nudge without its record.
Delivery runs per lane (a channel, or a person's DMs) so that one slow or rate-limited
channel does not hold up the others, in order within a lane.  A reply that names a
`handle` not yet posted waits for it; if that post failed for good, so does the reply.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.hooks import Hook, Hooks
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry, Outlet
from bot.refs import MessageRef
from bot.replies import (
    Direct,
    Edit,
    Ephemeral,
    File,
    FileRequest,
    Post,
    Reply,
    reply_from_json,
    reply_to_json,
)
from bot.store.db import Store
from bot.store.models import Outbox, Posted
from bot.store.upsert import insert_ignore

log = logging.getLogger(__name__)
OUTBOX = Outbox.__table__
POSTED = Posted.__table__
# Run once per delivered reply, so built once (see `bot.store.upsert._insert_ignore`).
_FINISH = update(OUTBOX).where(OUTBOX.c.id == bindparam("b_id"))
LEASE = timedelta(seconds=60)
WAIT_FOR_HANDLE = 0.2  # seconds: a reply whose thread or target is not posted yet
MAX_ATTEMPTS = 8

FileMaker = Callable[[Store, FileRequest], Awaitable[Reply | None]]
# Who makes the file a `FileRequest` describes, when it is delivered: each maker answers the
# recipes it knows (None for the others) with a `File`, or with another reply (say, a private
# "nothing to export" when the do's went in the meantime).  It reads through its own
# connection and does its heavy work off the event loop; its bytes are never stored.
MAKE_FILE: Hook[FileMaker] = Hook("outbox.make_file")
FILE_LANE = "file:"
# Files made at once per platform: each holds the interpreter (and its memory) for a while,
# and ten at once stretched acknowledgements past half a second.
MAKING_AT_ONCE = 1


def _wall() -> datetime:
    """Transport time: retries and leases are about the network, not the domain clock."""
    return datetime.now(UTC)


def _delivery_key(row: Row[Any]) -> str:
    """The row's id and creation time (ms): the same on every attempt, and not repeated by
    another database whose rows count from 1 too (Discord's nonce allows 25 characters)."""
    return f"{row.id}.{int(row.created_at.timestamp() * 1000)}"


def _maybe_delivered(row: Row[Any]) -> bool:
    """Whether an earlier attempt may have reached the platform: `attempts` counts this
    claim, and a rate limit or a lane's wait gives its count back, so more than one means
    an attempt ended by a crash, a lease running out, a timeout or an error answer.  Even
    a 5xx can come from a gateway that gave up after Slack had posted the message."""
    return int(row.attempts) > 1


def _lane_and_platform(reply: Reply) -> tuple[str, str] | None:
    if isinstance(reply, FileRequest):
        # A lane of its own per person: a file takes a while to make, and the channel's
        # messages must not wait behind it (`Deliverer.deliver_pending`).
        who = reply.user.key if reply.user else reply.channel.key
        return FILE_LANE + who, reply.channel.workspace.platform.value
    if isinstance(reply, (Post, Ephemeral, File)):
        return reply.channel.key, reply.channel.workspace.platform.value
    if isinstance(reply, Direct):
        return "dm:" + reply.user.key, reply.user.workspace.platform.value
    return None  # an Edit goes where the post it edits went


async def enqueue(
    conn: AsyncConnection,
    replies: Iterable[Reply],
    *,
    now: datetime,
    cause: str | None = None,
    set_id: int | None = None,
) -> int:
    rows = []
    by_handle: dict[str, tuple[str, str]] = {}
    for reply in replies:
        if isinstance(reply, Edit):
            where = by_handle.get(reply.handle)
            if where is None:
                found = (
                    await conn.execute(
                        select(OUTBOX.c.lane, OUTBOX.c.platform)
                        .where(OUTBOX.c.handle == reply.handle)
                        .order_by(OUTBOX.c.id)
                        .limit(1)
                    )
                ).first()
                if found is None:
                    log.warning("edit of unknown handle %s dropped", reply.handle)
                    continue
                where = (found.lane, found.platform)
            handle = None
        else:
            where = _lane_and_platform(reply)
            assert where is not None
            handle = getattr(reply, "handle", None)
            if handle:
                by_handle[handle] = where
        rows.append(
            {
                "platform": where[1],
                "lane": where[0],
                "cause": cause,
                "body": reply_to_json(reply),
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "set_id": set_id,
                "handle": handle,
            }
        )
    if rows:
        await conn.execute(insert(OUTBOX), rows)
    return len(rows)


class ChannelPacer:
    """A token bucket per lane: `rate` posts a second with bursts of `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens: dict[str, tuple[float, float]] = {}

    async def wait(self, lane: str) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        tokens, last = self._tokens.get(lane, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate) - 1.0
        # Take the token before sleeping (the balance may go negative), so that callers
        # waiting at the same time queue one behind another instead of all waking at once.
        self._tokens[lane] = (tokens, now)
        if tokens < 0.0:
            await asyncio.sleep(-tokens / self.rate)


class Deliverer:
    """Claims a platform's pending replies and hands them to its outlet."""

    def __init__(
        self,
        store: Store,
        outlet: Outlet,
        pacer: ChannelPacer | None = None,
        batch: int = 200,
        limiter: ChannelPacer | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        self.store = store
        self.hooks = hooks or Hooks()  # the router's: who makes a `FileRequest`'s file
        self.outlet = outlet
        self.platform = outlet.platform.value
        self.pacer = pacer or ChannelPacer(0, 1)
        self.batch = batch
        # Platform-wide pacing across all lanes (e.g. Discord's ~50 requests/s per bot).
        self.limiter = limiter
        self._recovered = False
        # File lanes still being made and sent, apart from the passes (see deliver_pending).
        self._making: dict[str, asyncio.Task[int]] = {}
        self._makers = asyncio.Semaphore(MAKING_AT_ONCE)

    async def deliver_pending(self) -> int:
        """One pass: claim what can go, run each lane in order and the lanes at once.

        A file lane (`FILE_LANE`) runs in a task of its own that the pass does not wait
        for: making a large file takes a second or more, and every other lane's replies
        would otherwise wait for the next pass until it was done.  Its lane is not claimed
        again while the task runs, so its rows stay in order.
        """
        rows = await self._claim()
        if not rows:
            return 0
        lanes: dict[str, list[Row[Any]]] = defaultdict(list)
        for row in rows:
            lanes[row.lane].append(row)
        for lane in [name for name in lanes if name.startswith(FILE_LANE)]:
            task = asyncio.create_task(self._run_lane(lane, lanes.pop(lane)), name=lane)
            self._making[lane] = task
            task.add_done_callback(self._made)
        sent = await asyncio.gather(*(self._run_lane(lane, r) for lane, r in lanes.items()))
        return sum(sent)

    def _made(self, task: asyncio.Task[int]) -> None:
        self._making.pop(task.get_name(), None)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivering %s failed", task.get_name(), exc_info=task.exception())

    async def wait_idle(self, within: float | None = None) -> None:
        """Until the files being made now are sent (or `within` seconds): before stopping."""
        if self._making:
            await asyncio.wait(list(self._making.values()), timeout=within)

    async def _recover(self) -> None:
        """On SQLite one process delivers, so a row still `sending` when a fresh Deliverer
        starts was cut off by a crash: make it claimable now, not when its lease runs out
        (otherwise every restart leaves a minute of silence; docs/RELIABILITY.md)."""
        self._recovered = True
        if not self.store.is_sqlite:
            return
        async with self.store.write() as conn:
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.platform == self.platform, OUTBOX.c.status == "sending")
                .values(status="pending", lease_until=None)
            )

    async def _claim(self) -> list[Row[Any]]:
        if not self._recovered:
            await self._recover()
        now = _wall()
        claimable = and_(
            OUTBOX.c.platform == self.platform,
            or_(
                and_(
                    OUTBOX.c.status == "pending",
                    or_(OUTBOX.c.not_before.is_(None), OUTBOX.c.not_before <= now),
                ),
                and_(OUTBOX.c.status == "sending", OUTBOX.c.lease_until < now),
            ),
        )
        if self._making:
            claimable = and_(claimable, OUTBOX.c.lane.not_in(list(self._making)))
        query = select(OUTBOX.c.id).where(claimable).order_by(OUTBOX.c.id).limit(self.batch)
        if not self.store.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        async with self.store.write() as conn:
            ids = [r[0] for r in await conn.execute(query)]
            if not ids:
                return []
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(ids))
                .values(status="sending", lease_until=now + LEASE, attempts=OUTBOX.c.attempts + 1)
            )
            rows = await conn.execute(
                select(OUTBOX).where(OUTBOX.c.id.in_(ids)).order_by(OUTBOX.c.id)
            )
            return list(rows)

    async def _run_lane(self, lane: str, rows: list[Row[Any]]) -> int:
        sent = 0
        for index, row in enumerate(rows):
            outcome = await self._deliver_one(row)
            if outcome == "sent":
                sent += 1
            elif isinstance(outcome, float):
                # The rest of the lane was claimed but not tried: give their counts back,
                # and hold them as long as the blocked row, so that none overtakes it (a
                # lane is in order) or reaches the platform before its Retry-After.
                await self._release([r.id for r in rows[index:]], delay=outcome, uncount=True)
                break
        return sent

    async def _resolve(self, handle: str) -> MessageRef | None | str:
        async with self.store.read() as conn:
            key = (
                await conn.execute(select(POSTED.c.message_key).where(POSTED.c.handle == handle))
            ).scalar()
            if key:
                return MessageRef.from_key(key)
            failed = (
                await conn.execute(
                    select(OUTBOX.c.id).where(
                        OUTBOX.c.handle == handle, OUTBOX.c.status == "failed"
                    )
                )
            ).first()
        return "failed" if failed else None

    async def _deliver_one(self, row: Row[Any]) -> str | float:
        """ "sent", "failed", or the seconds its lane must wait before trying it again."""
        reply = reply_from_json(row.body)
        thread: MessageRef | None = getattr(reply, "thread", None)
        target: MessageRef | None = None
        needed = reply.handle if isinstance(reply, Edit) else getattr(reply, "thread_handle", None)
        if needed is not None:
            resolved = await self._resolve(needed)
            if resolved == "failed":
                await self._finish(row.id, "failed", error=f"depends on failed post {needed}")
                return "failed"
            if not isinstance(resolved, MessageRef):
                return WAIT_FOR_HANDLE
            if isinstance(reply, Edit):
                target = resolved
            else:
                thread = resolved
        if not isinstance(reply, Ephemeral):  # private answers are not channel messages
            await self.pacer.wait(row.lane)
        if self.limiter is not None:
            await self.limiter.wait("*")
        try:
            if isinstance(reply, FileRequest):
                reply = await self._make(reply)
            posted = await self.outlet.deliver(
                Delivery(
                    reply=reply,
                    cause=row.cause,
                    thread=thread,
                    target=target,
                    key=_delivery_key(row),
                    maybe_delivered=_maybe_delivered(row),
                    created_at=row.created_at,
                )
            )
        except DeliveryRetry as exc:
            if not exc.rate_limited and row.attempts >= MAX_ATTEMPTS:
                await self._finish(row.id, "failed", error=f"gave up: {exc}")
                return "failed"
            hold = max(exc.after, 0.05)
            await self._release([row.id], delay=hold, error=str(exc), uncount=exc.rate_limited)
            return hold
        except DeliveryFailed as exc:
            log.warning("delivery failed for good: %s", exc)
            await self._finish(row.id, "failed", error=str(exc))
            return "failed"
        except Exception as exc:  # an adapter bug must not kill the loop
            log.exception("outlet crashed delivering outbox row %s", row.id)
            if row.attempts >= MAX_ATTEMPTS:
                await self._finish(row.id, "failed", error=f"adapter error: {exc!r}")
                return "failed"
            hold = 2.0 ** int(row.attempts)
            await self._release([row.id], delay=hold, error=repr(exc))
            return hold
        handle = None if isinstance(reply, Edit) else getattr(reply, "handle", None)
        await self._finish(
            row.id,
            "sent",
            posted=(handle, posted) if handle and posted and not isinstance(reply, Edit) else None,
        )
        return "sent"

    async def _make(self, request: FileRequest) -> Reply:
        """The reply a `FileRequest` stands for, made now (see `MAKE_FILE`)."""
        async with self._makers:
            for maker in self.hooks(MAKE_FILE):
                made = await maker(self.store, request)
                if made is not None:
                    return made
        raise DeliveryFailed(f"nothing makes files of the recipe {request.recipe!r}")

    async def _finish(
        self,
        row_id: int,
        status: str,
        *,
        error: str | None = None,
        posted: tuple[str, MessageRef] | None = None,
    ) -> None:
        now = _wall()
        async with self.store.write() as conn:
            await conn.execute(
                _FINISH,
                {
                    "b_id": row_id,
                    "status": status,
                    "sent_at": now if status == "sent" else None,
                    "error": error,
                    "lease_until": None,
                },
            )
            if posted is not None:
                handle, ref = posted
                await conn.execute(
                    insert_ignore(POSTED, self.store.dialect, ["handle"]),
                    {"handle": handle, "message_key": ref.key, "created_at": now},
                )

    async def _release(
        self, ids: list[int], *, delay: float, error: str | None = None, uncount: bool = False
    ) -> None:
        """Put rows back for later; `uncount` gives back the attempt the claim counted
        (a rate limit is the platform's pace, not a failure of the message)."""
        values: dict[str, Any] = {
            "status": "pending",
            "lease_until": None,
            "not_before": _wall() + timedelta(seconds=delay),
        }
        if uncount:
            values["attempts"] = OUTBOX.c.attempts - 1
        if error is not None:
            values["error"] = error
        async with self.store.write() as conn:
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(ids), OUTBOX.c.status == "sending")
                .values(**values)
            )
