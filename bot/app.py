"""`Alsbot`: the core as adapters see it — submit events, attach outlets, run.

There is no global instance: the CLI (or a test) builds one from a config and passes it to
each adapter.  `submit` returns only once the event is durable, which is what lets an
adapter acknowledge the platform safely; everything after that (processing, delivery)
can crash and resume from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import func, select

from bot.clock import Clock, SystemClock
from bot.compose import build_router
from bot.config import Config
from bot.context import Ctx
from bot.events import Event
from bot.followup.home import HomeSummary, home_summary
from bot.health import HealthBoard
from bot.inbox import InboxWriter
from bot.outbox import ChannelPacer, Deliverer
from bot.ports import MessageSource, Outlet, PlatformTraits, Traits
from bot.processor import Processor
from bot.refs import Platform, UserRef
from bot.reply_handles import Handle, ReplyHandles
from bot.retention import Pruned, prune
from bot.router import Router
from bot.store.db import Store, open_store
from bot.store.file_guard import StoreUnavailable
from bot.store.models import Inbox, Outbox

log = logging.getLogger(__name__)
# Seconds a background loop waits, once woken, before its pass: at a steady rate the
# events (or replies) arriving meanwhile join the same pass, so a pass's fixed statements
# and commit are shared by several instead of paid by each (measured at 200 events/s:
# 21 statements and 4 commits per event with none).  Small beside a person's patience,
# and it delays no acknowledgement: the inbox is written before the loop is woken.  Only
# within a stream (the last pass ended under `GATHER_WITHIN` ago): an event after a quiet
# spell is handled at once.
GATHER_EVENTS = 0.02
GATHER_REPLIES = 0.005
GATHER_BELOW = 32  # rows moved by the last pass: beyond it there is a backlog, go at once
GATHER_WITHIN = 0.1  # seconds since the last pass ended: a stream, worth gathering


def worth_gathering(moved: object, ended: float, now: float) -> bool:
    """Whether a woken loop should wait `GATHER_*` before its pass: within a stream (its
    last pass, which moved something, ended under `GATHER_WITHIN` ago), and not with a
    backlog (the last pass moved `GATHER_BELOW` or more: the next has work already)."""
    backlog = isinstance(moved, int) and moved >= GATHER_BELOW
    return not backlog and ended >= 0 and now - ended < GATHER_WITHIN


class Alsbot:
    def __init__(
        self,
        store: Store,
        config: Config,
        clock: Clock | None = None,
        router: Router | None = None,
        worker: str | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock or SystemClock()
        self.router = router or build_router()
        self.processor = Processor(store, self.clock, config, self.router, worker)
        self._process_wake = asyncio.Event()
        self._deliver_wake = asyncio.Event()
        self.inbox = InboxWriter(store, self.clock, on_new=self._process_wake.set)
        # Where any process's outlet finds the response_url or interaction token a
        # private answer needs (`bot.reply_handles`); `submit` writes them.
        self.reply_handles = ReplyHandles(store, self.clock)
        # A preparation that ends after its batch went on (`bot.preparing`) wakes the loop.
        self.processor.preparations.on_ready = self._process_wake.set
        self.processor.between_slices = self.inbox.wait_idle
        self.deliverers: dict[Platform, Deliverer] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        # What `/healthz` reports: the store, each platform's connection, the ticker.
        self.health = HealthBoard(now=lambda: self.clock.now().timestamp())
        self._store_problem: str | None = None
        self.health.report("database", True, "ok")

    @classmethod
    async def open(
        cls,
        config: Config,
        *,
        clock: Clock | None = None,
        router: Router | None = None,
        worker: str | None = None,
        migrate: bool = True,
    ) -> Alsbot:
        store = await open_store(config.database.url, migrate=migrate)
        return cls(store, config, clock, router, worker)

    def attach(
        self,
        outlet: Outlet,
        source: MessageSource | None = None,
        pacer: ChannelPacer | None = None,
        limiter: ChannelPacer | None = None,
        traits: PlatformTraits | None = None,
    ) -> None:
        """Deliver the outlet's platform through it, and read its messages from `source`.

        `traits` is what the core may assume about the platform (`bot.ports.PlatformTraits`),
        declared by the adapter; without them the platform gets the cautious defaults.  Its
        `pacing` is the default `pacer`.
        """
        traits = traits or PlatformTraits()
        self.processor.traits.declare(outlet.platform, traits)
        if pacer is None and traits.pacing is not None:
            pacer = ChannelPacer(traits.pacing.rate_per_second, traits.pacing.burst)
        self.deliverers[outlet.platform] = Deliverer(
            self.store, outlet, pacer, limiter=limiter, hooks=self.router.hooks
        )
        if source is not None:
            self.processor.sources[outlet.platform] = source

    # ------------------------------------------------------------------ the event path

    @property
    def traits(self) -> Traits:
        return self.processor.traits

    async def submit(self, event: Event, handle: Handle | None = None) -> bool:
        """Durably record `event`; False for a duplicate.  Safe to acknowledge after this.

        `handle`, the response_url or interaction token its private answers go through,
        is committed with it, so that any process can deliver them (`bot.reply_handles`).

        Raises `StoreUnavailable` while the database cannot keep it (its file was deleted
        or replaced): the adapter must then not acknowledge, so the platform retries.  The
        file is checked after the commit too, as one `os.stat`: a commit into a deleted
        file succeeds, and acknowledging it would lose the event.
        """
        if self._store_problem is not None:
            raise StoreUnavailable(self._store_problem)
        fresh = await self.inbox.put(event, handle)
        problem = self.check_store()
        if problem is not None:
            raise StoreUnavailable(problem)
        return fresh

    @property
    def refusal(self) -> str | None:
        """Why `submit` refuses events now (adapters answer 5xx before parsing), or None."""
        return self._store_problem

    def check_store(self) -> str | None:
        """Compare the database file with the one opened; report a change to `health`
        and log it once (never once per event or per check)."""
        problem = self.store.problem()
        if problem == self._store_problem:
            return problem
        self._store_problem = problem
        # Not the path: `/healthz` may be public; the log line says which file.
        detail = "its file was lost; restart needed (see the log)" if problem else "ok"
        self.health.report("database", problem is None, detail)
        if problem is not None:
            log.error(
                "%s: refusing events (the platforms will retry them) until alsbot is "
                "restarted on a good database",
                problem,
            )
        else:
            log.info("the database file is back; accepting events again")
        return problem

    async def handle(self, event: Event) -> bool:
        """Submit and run everything that follows, for tests and the console."""
        fresh = await self.submit(event)
        await self.settle()
        return fresh

    async def process_pending(self) -> int:
        total = 0
        while (n := await self.processor.process_pending()) > 0:
            total += n
        if total:
            self._deliver_wake.set()
        return total

    async def _process_pass(self) -> int:
        """One pass of the background loop.  Events that arrive meanwhile wake it again
        (`InboxWriter.on_new`), and it gathers them for a moment; after a large pass it
        looks again at once, as a backlog is likely."""
        moved = await self.processor.process_pending()
        if moved:
            self._deliver_wake.set()
        if moved >= GATHER_BELOW:
            self._process_wake.set()
        return moved

    async def _deliver_pass(self) -> int:
        sent = await self.deliver_pending()
        if sent >= GATHER_BELOW:
            self._deliver_wake.set()  # a backlog is likely
        return sent

    async def tick(self) -> int:
        n = await self.processor.tick()
        if n:
            self._deliver_wake.set()
        return n

    async def prune(self) -> Pruned:
        """Retention (`bot/retention.py`): people's words out of the inbox and outbox."""
        pruned = await prune(
            self.store,
            self.clock.now(),
            text_hours=self.config.retention.text_hours,
            keys_days=self.config.retention.keys_days,
        )
        if pruned.total:
            log.info("retention: %s", pruned)
        return pruned

    async def deliver_pending(self) -> int:
        total = 0
        for deliverer in self.deliverers.values():
            total += await deliverer.deliver_pending()
        return total

    async def settle(self, max_wait: float = 10.0) -> None:
        """Process, fire due timers and deliver until nothing is left that can go now."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while loop.time() < deadline:
            moved = await self.process_pending() + await self.tick() + await self.deliver_pending()
            if moved:
                continue
            waiting = await self._undelivered()
            if not waiting:
                return
            await asyncio.sleep(0.05)

    async def _undelivered(self) -> int:
        platforms = [p.value for p in self.deliverers]
        if not platforms:
            return 0
        outbox = Outbox.__table__
        async with self.store.read() as conn:
            return (
                await conn.execute(
                    select(func.count())
                    .select_from(outbox)
                    .where(
                        outbox.c.platform.in_(platforms),
                        outbox.c.status.in_(("pending", "sending")),
                    )
                )
            ).scalar_one()

    async def home_summary(self, user: UserRef) -> HomeSummary:
        """A person's open actions, next sessions and recent do's (read-only)."""
        async with self.store.read() as conn:
            return await home_summary(
                Ctx(conn, self.clock.now(), self.config, traits=self.traits), user
            )

    async def pending_events(self) -> int:
        inbox = Inbox.__table__
        async with self.store.read() as conn:
            return (
                await conn.execute(
                    select(func.count()).select_from(inbox).where(inbox.c.status == "pending")
                )
            ).scalar_one()

    # ------------------------------------------------------------------ running

    async def start(self) -> None:
        """Background loops: process on every new event, deliver on every new reply.

        Periodic timer ticks are `jobs.ticker.Ticker`'s job; both loops also poll every
        second so that rows left by a crash or another process are picked up, and the
        processing loop looks again as soon as a deferred event is due.
        """
        if self._tasks:
            return
        self._tasks = [
            asyncio.create_task(
                self._loop(
                    self._process_wake,
                    self._process_pass,
                    1.0,
                    due_in=self.processor.seconds_until_due,
                    gather=GATHER_EVENTS,
                ),
                name="alsbot-process",
            ),
            asyncio.create_task(
                self._loop(self._deliver_wake, self._deliver_pass, 0.5, gather=GATHER_REPLIES),
                name="alsbot-deliver",
            ),
        ]
        self._process_wake.set()

    async def _loop(
        self,
        wake: asyncio.Event,
        work: Callable[[], Awaitable[object]],
        every: float,
        due_in: Callable[[], float | None] | None = None,
        gather: float = 0.0,
    ) -> None:
        moved: object = 0
        ended = -1.0  # loop time when the last pass ended
        clock = asyncio.get_running_loop().time
        while not self._stopping:
            soon = due_in() if due_in is not None else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    wake.wait(), timeout=every if soon is None else min(every, soon)
                )
            if gather and wake.is_set() and worth_gathering(moved, ended, clock()):
                await asyncio.sleep(gather)
            wake.clear()
            if self._stopping:
                return
            try:
                moved = await work()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background %s failed; retrying", getattr(work, "__name__", work))
                await asyncio.sleep(1.0)
            if moved:
                ended = clock()

    async def stop(self, grace: float = 10.0) -> None:
        """Stop the loops after their current pass, so no delivery is cut off mid-flight
        (a cut-off delivery would sit in `sending` until its lease runs out)."""
        await self.inbox.wait_idle()
        self._stopping = True
        self.health.stopping()  # the connections closing from here on are expected
        self._process_wake.set()
        self._deliver_wake.set()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for deliverer in self.deliverers.values():  # files still being made and sent
            await deliverer.wait_idle(within=grace)
        self._tasks = []
        self._stopping = False

    async def close(self) -> None:
        await self.stop()
        self.processor.close()
        await self.store.close()
