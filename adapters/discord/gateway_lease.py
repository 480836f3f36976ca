"""One Discord gateway for several processes: whoever holds the lease connects it.

Every process that has Discord enabled logs in over REST — its outlet delivers replies and
its message source fetches messages without a gateway — but only the holder of the
`discord:gateway` lease (`bot/leases.py`) opens a gateway session, so Discord sends each
event once, to one process. The holder renews the lease every third of its length; a
standby asks for it just as often and takes over once it is free: released by a holder
that stopped, or run out because its holder died. The new holder RESUMEs the session the
old one left (its id and durable sequence are in `adapter_state`, `gateway_state.py`), so
what Discord sent meanwhile is replayed, and the inbox's keys drop what was already in.

A holder that cannot renew (its database is gone) closes its gateway before the lease
runs out, and one that finds the lease taken closes at once: two gateways never overlap
for longer than one renewal. Registering `/als` is the holder's job too.

On SQLite there is one process per file: the lease is always this process's, by the same
code. Without a store (a test's bare submitter) there is nothing to share and no lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import discord

from adapters.discord.sync import sync_commands
from adapters.discord.transport import webhook_context
from bot.clock import Clock, SystemClock
from bot.health import HealthBoard
from bot.leases import Leases, holder_name

log = logging.getLogger(__name__)
NAME = "discord:gateway"
STOP_WITHIN = 5.0  # closing a gateway being handed over, at most


class GatewayClient(Protocol):
    """What the lease needs of `AlsClient` (named here, not imported: the client imports
    this module)."""

    connected: asyncio.Event
    tree: Any
    dev_guild_id: int | None
    webhooks: Any
    health: HealthBoard | None

    async def connect(self, *, reconnect: bool = True) -> None: ...
    async def close(self) -> None: ...
    async def _close_gateway(self, within: float, *, save: bool = True) -> None: ...
    def _forget_session(self) -> None: ...


class NotReady(TimeoutError):
    """The first connection did not get ready in time (Discord said nothing to explain it)."""


class Unshared:
    """The lease when nothing is shared (no store): always this process's."""

    async def acquire(self, name: str, holder: str, now: datetime, duration: timedelta) -> bool:
        return True

    async def release(self, name: str, holder: str) -> bool:
        return True

    async def holder(self, name: str, now: datetime) -> str | None:
        return None


class GatewayLease:
    """Holds (or waits for) the gateway for one client; `task` renews or polls."""

    def __init__(
        self,
        client: GatewayClient,
        leases: Leases | Unshared,
        clock: Clock,
        *,
        holder: str,
        seconds: float,
    ) -> None:
        self.client = client
        self.leases = leases
        self.clock = clock
        self.me = holder
        self.duration = timedelta(seconds=seconds)
        self.every = seconds / 3
        self.ready_timeout = 60.0  # `begin` sets it: serve_discord's
        self.holding = False
        self.until: datetime | None = None  # when the lease runs out unless renewed
        self.held_by: str | None = None  # the other holder, as a standby last saw it
        self.gateway: asyncio.Task[None] | None = None
        self.task: asyncio.Task[None] | None = None
        self._stopping = False

    @classmethod
    def for_client(cls, client: GatewayClient, alsbot: Any, config: Any) -> GatewayLease:
        store = getattr(alsbot, "store", None)
        return cls(
            client,
            Leases(store) if store is not None else Unshared(),
            getattr(alsbot, "clock", None) or SystemClock(),
            holder=holder_name(config.scheduler.process_name),
            seconds=config.discord.gateway_lease_seconds,
        )

    # ------------------------------------------------------------------ start and stop

    async def begin(self, ready_timeout: float) -> None:
        """The first claim. A holder connects and waits for READY, raising what a first
        connection raises (a refused token, an intent not granted) as `serve_discord`
        always has; a standby only says so."""
        self.ready_timeout = ready_timeout
        if await self._acquire():
            await self._take(first=True)
        else:
            await self._stand_by()
        self.task = asyncio.create_task(self._run(), name="alsbot-discord-lease")

    async def stop(self) -> None:
        """Close the gateway (its state saved, the session resumable), then release the
        lease, so that a planned restart hands the gateway over at once."""
        self._stopping = True
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        await self.client.close()
        await self._wait_gateway()
        if self.holding:
            self.holding = False
            try:
                await self.leases.release(NAME, self.me)
            except Exception as exc:
                log.warning("discord: could not release the gateway lease: %s", exc)
            else:
                log.info("discord: released the gateway (%s)", self.me)

    async def _wait_gateway(self) -> None:
        """The gateway task ends once its socket is closed; cut it off if it does not.
        (`asyncio.wait`, not `await`: a stop cancelling *this* task must not be mistaken
        for the gateway's end and swallowed.)"""
        gateway, self.gateway = self.gateway, None
        if gateway is None:
            return
        await asyncio.wait({gateway}, timeout=STOP_WITHIN)
        if not gateway.done():
            gateway.cancel()
            await asyncio.wait({gateway}, timeout=STOP_WITHIN)
        if gateway.done() and not gateway.cancelled():
            gateway.exception()  # seen: its end was logged and reported by the connection

    # ------------------------------------------------------------------ the loop

    async def _run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.every)
                try:
                    if self.holding:
                        await self._renew()
                    else:
                        await self._poll()
                except Exception:  # never let the lease loop die: the gateway depends on it
                    log.exception("discord: the gateway lease loop failed; trying again")
        finally:
            gateway = self.gateway
            if not self._stopping and gateway is not None:  # cancelled: the process dies
                gateway.cancel()
                await asyncio.wait({gateway}, timeout=STOP_WITHIN)

    async def _acquire(self) -> bool:
        now = self.clock.now()
        if not await self.leases.acquire(NAME, self.me, now, self.duration):
            return False
        self.until = now + self.duration
        return True

    async def _renew(self) -> None:
        try:
            renewed = await self._acquire()
        except Exception as exc:
            now = self.clock.now()
            next_try = now + timedelta(seconds=self.every)
            if self.until is not None and next_try < self.until:
                log.warning("discord: could not renew the gateway lease (%s); retrying", exc)
                return
            log.warning(
                "discord: could not renew the gateway lease before it runs out (%s); "
                "closing the gateway so that another process can take it",
                exc,
            )
            await self._hand_over(save=True)
            return
        if not renewed:
            holder = await self._holder()
            log.warning(
                "discord: the gateway lease was taken by %s; closing this process's gateway",
                holder or "another process",
            )
            await self._hand_over(save=False)

    async def _poll(self) -> None:
        try:
            if await self._acquire():
                await self._take(first=False)
                return
            holder = await self._holder()
        except Exception as exc:
            log.warning("discord: could not ask for the gateway lease: %s", exc)
            return
        if holder is not None and holder != self.held_by:  # None: it just ran out
            await self._stand_by(holder)

    async def _holder(self) -> str | None:
        return await self.leases.holder(NAME, self.clock.now())

    # ------------------------------------------------------------------ turns

    async def _take(self, *, first: bool) -> None:
        client = self.client
        previous, self.held_by = self.held_by, None
        self.holding = True
        if first:
            log.info("discord: this process (%s) holds the gateway", self.me)
        else:
            log.info(
                "discord: this process (%s) takes over the gateway%s",
                self.me,
                f" from {previous}" if previous else "",
            )
        try:
            await sync_commands(cast(discord.Client, client), client.tree, client.dev_guild_id)
        except Exception as exc:
            if first:
                raise
            log.warning("discord: could not register /als after taking over: %s", exc)
        client.connected.clear()
        with webhook_context(client.webhooks):  # every event task inherits the adapter
            self.gateway = asyncio.create_task(client.connect(), name="alsbot-discord-gateway")
        ready = asyncio.ensure_future(client.connected.wait())
        done, _ = await asyncio.wait(
            {self.gateway, ready}, timeout=self.ready_timeout, return_when="FIRST_COMPLETED"
        )
        if ready in done:
            return
        ready.cancel()
        if first:
            if self.gateway in done:
                self.gateway.result()  # LoginFailure, PrivilegedIntentsRequired, … as Discord said
            raise NotReady(f"Discord did not get ready within {self.ready_timeout:.0f}s")
        # Later turns keep trying: the supervised connection reconnects and reports itself.
        log.warning("discord: the gateway is not ready %.0fs after taking over", self.ready_timeout)

    async def _hand_over(self, *, save: bool) -> None:
        """Close this process's gateway and stand by (the lease is, or soon will be, not ours)."""
        client = self.client
        self.holding = False
        self.until = None
        await client._close_gateway(STOP_WITHIN / 2, save=save)
        await self._wait_gateway()
        client._forget_session()
        client.connected.clear()
        log.info("discord: this process (%s) no longer holds the gateway", self.me)
        await self._stand_by()

    async def _holder_or_none(self) -> str | None:
        try:
            return await self._holder()
        except Exception:
            return None

    async def _stand_by(self, holder: str | None = None) -> None:
        self.held_by = holder or await self._holder_or_none()
        shown = self.held_by or "no process just now"
        log.info("discord: standing by; the gateway is held by %s", shown)
        health = self.client.health
        if health is not None:
            health.report("discord", True, f"standby (gateway held by {shown})")
