"""The outbox: replies are committed with the effect that caused them, then delivered.

Writing the reply in the same transaction as the state change means a crash can never
leave a recorded action without its confirmation, or a sent nudge without its record
(`bot.outbox_rows`).  Delivery runs per lane (a channel, or one person's private replies)
so that one slow or rate-limited channel does not hold up the others, in order within a
lane — except that private replies caused by different events may overlap, a few at once
(`PRIVATE_AT_ONCE`): they are answers to separate things, and one at a time capped a
busy channel's confirmations at one round trip each.  A reply that names a `handle` not
yet posted waits for it; if that post failed for good, so does the reply.

Claiming is one statement (`UPDATE … RETURNING`), and the marks of finished rows are
group-committed (`bot.outbox_finish`): rows delivered at the same moment by different
lanes share one commit, and each lane still goes on only once its row's mark is durable.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, bindparam, or_, select, text, update

from bot.departed import ANY_DEPARTED, DROPPED, departed_among, lane_workspace
from bot.hooks import Hook, Hooks
from bot.outbox_finish import FinishWriter
from bot.outbox_rows import FILE_LANE, OUTBOX
from bot.pacing import ChannelPacer
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry, Outlet
from bot.refs import MessageRef
from bot.replies import Direct, Edit, Ephemeral, FileRequest, Reply, reply_from_json
from bot.store.db import Store
from bot.store.models import Posted

__all__ = ["MAKE_FILE", "ChannelPacer", "Deliverer", "FileMaker"]

log = logging.getLogger(__name__)
POSTED = Posted.__table__
LEASE = timedelta(seconds=60)
WAIT_FOR_HANDLE = 0.2  # seconds: a reply whose thread or target is not posted yet
MAX_ATTEMPTS = 8
PRIVATE_AT_ONCE = 16  # private replies of different causes in flight in one lane

FileMaker = Callable[[Store, FileRequest], Awaitable[Reply | None]]
# Who makes the file a `FileRequest` describes, when it is delivered: each maker answers the
# recipes it knows (None for the others) with a `File`, or with another reply (say, a private
# "nothing to export" when the do's went in the meantime).  It reads through its own
# connection and does its heavy work off the event loop; its bytes are never stored.
MAKE_FILE: Hook[FileMaker] = Hook("outbox.make_file")
# Files made at once per platform: each holds the interpreter (and its memory) for a while,
# and ten at once stretched acknowledgements past half a second.
MAKING_AT_ONCE = 1

# One statement claims a pass's rows: what is due (or whose lease ran out), oldest first,
# not in a lane still being delivered apart from the passes (`b_busy`).  PostgreSQL skips
# rows another process holds.
_CLAIMABLE = select(OUTBOX.c.id).where(
    # Word for word the partial index's condition (`outbox_pending`), which the OR below
    # does not imply to SQLite's planner: without it every claim scanned the whole table,
    # sent rows included (5.5 ms at 30,000 rows, on the event loop).
    text("outbox.status IN ('pending', 'sending')"),
    OUTBOX.c.platform == bindparam("b_platform"),
    or_(
        and_(
            OUTBOX.c.status == "pending",
            or_(OUTBOX.c.not_before.is_(None), OUTBOX.c.not_before <= bindparam("b_now")),
        ),
        and_(OUTBOX.c.status == "sending", OUTBOX.c.lease_until < bindparam("b_now")),
    ),
    OUTBOX.c.lane.not_in(bindparam("b_busy", expanding=True)),
)
_CLAIMABLE = _CLAIMABLE.order_by(OUTBOX.c.id).limit(bindparam("b_limit"))


def _claim_statement(locking: bool) -> Any:
    chosen = _CLAIMABLE.with_for_update(skip_locked=True) if locking else _CLAIMABLE
    return (
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(chosen.scalar_subquery()))
        .values(
            status="sending",
            lease_until=bindparam("b_until", type_=OUTBOX.c.lease_until.type),
            attempts=OUTBOX.c.attempts + 1,
        )
        .returning(*OUTBOX.c, ANY_DEPARTED)
    )


_CLAIM = {False: _claim_statement(False), True: _claim_statement(True)}


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
        self._finishes = FinishWriter(store)

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
        params = {
            "b_platform": self.platform,
            "b_now": now,
            "b_busy": list(self._making),
            "b_limit": self.batch,
            "b_until": now + LEASE,
        }
        async with self.store.write() as conn:
            rows = list(await conn.execute(_CLAIM[not self.store.is_sqlite], params))
            if rows and rows[0].any_departed:
                rows = await _withhold_departed(conn, rows)
        rows.sort(key=lambda r: int(r.id))
        return rows

    async def _run_lane(self, lane: str, rows: list[Row[Any]]) -> int:
        """Deliver a lane's rows in order: each row starts once the ones before it ended,
        except that a private reply may start beside others still in flight, up to
        `PRIVATE_AT_ONCE`, when it answers a different event than each of them."""
        outcomes: list[str | float] = []
        holds: list[float] = []  # the waits asked for by rows that must be tried again
        flying: dict[asyncio.Task[str | float], str | None] = {}

        def record(outcome: str | float) -> None:
            outcomes.append(outcome)
            if isinstance(outcome, float):
                holds.append(outcome)

        async def land(until: int) -> None:
            """Wait until at most `until` deliveries are in flight."""
            while len(flying) > until:
                done, _ = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    del flying[task]
                    record(task.result())

        untried = len(rows)
        for index, row in enumerate(rows):
            reply = reply_from_json(row.body)
            alongside = _overlaps(reply) and row.cause is not None
            if not alongside or row.cause in flying.values():
                await land(0)
            else:
                await land(PRIVATE_AT_ONCE - 1)
            if holds:
                untried = index
                break
            if not alongside or (not flying and index == len(rows) - 1):
                # In turn (a lone reply too: started at once, as the lanes were before).
                record(await self._deliver_one(row, reply))
                continue
            flying[asyncio.create_task(self._deliver_one(row, reply))] = row.cause
        await land(0)
        if holds and untried < len(rows):
            # The rest of the lane was claimed but not tried: give their counts back, and
            # hold them as long as the blocked row, so that none overtakes it (a lane is
            # in order) or reaches the platform before its Retry-After.
            await self._release([r.id for r in rows[untried:]], delay=max(holds), uncount=True)
        return outcomes.count("sent")

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

    async def _deliver_one(self, row: Row[Any], reply: Reply | None = None) -> str | float:
        """ "sent", "failed", or the seconds its lane must wait before trying it again."""
        if reply is None:
            reply = reply_from_json(row.body)
        thread: MessageRef | None = getattr(reply, "thread", None)
        target: MessageRef | None = None
        needed = reply.handle if isinstance(reply, Edit) else getattr(reply, "thread_handle", None)
        if needed is not None:
            resolved = await self._resolve(needed)
            if resolved == "failed":
                await self._finishes.finish(
                    row.id, "failed", error=f"depends on failed post {needed}"
                )
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
            with self._finishes.sending():
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
                await self._finishes.finish(row.id, "failed", error=f"gave up: {exc}")
                return "failed"
            hold = max(exc.after, 0.05)
            await self._release([row.id], delay=hold, error=str(exc), uncount=exc.rate_limited)
            return hold
        except DeliveryFailed as exc:
            log.warning("delivery failed for good: %s", exc)
            await self._finishes.finish(row.id, "failed", error=str(exc))
            return "failed"
        except Exception as exc:  # an adapter bug must not kill the loop
            log.exception("outlet crashed delivering outbox row %s", row.id)
            if row.attempts >= MAX_ATTEMPTS:
                await self._finishes.finish(row.id, "failed", error=f"adapter error: {exc!r}")
                return "failed"
            hold = 2.0 ** int(row.attempts)
            await self._release([row.id], delay=hold, error=repr(exc))
            return hold
        handle = None if isinstance(reply, Edit) else getattr(reply, "handle", None)
        await self._finishes.finish(
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


async def _withhold_departed(conn: Any, rows: list[Row[Any]]) -> list[Row[Any]]:
    """Claimed rows for a workspace the app was removed from are marked failed, in the
    claim's transaction, and not delivered (`bot.departed`): whatever wrote them, nothing
    reaches a workspace after its departure."""
    lanes = {row.lane: lane_workspace(row.lane) for row in rows}
    gone = await departed_among(conn, (w for w in lanes.values() if w))
    if not gone:
        return rows
    dropped = [int(row.id) for row in rows if lanes[row.lane] in gone]
    await conn.execute(
        update(OUTBOX).where(OUTBOX.c.id.in_(dropped)).values(status="failed", error=DROPPED)
    )
    log.info("%d replies to a departed workspace dropped", len(dropped))
    return [row for row in rows if lanes[row.lane] not in gone]


def _overlaps(reply: Reply) -> bool:
    """A private reply that depends on no other post: it may go beside its lane's others."""
    if not isinstance(reply, (Ephemeral, Direct)):
        return False
    return not getattr(reply, "handle", None) and not getattr(reply, "thread_handle", None)
