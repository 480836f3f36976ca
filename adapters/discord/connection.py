"""The gateway connection, supervised: it never dies quietly, and it resumes where it was.

discord.py's `Client.connect` runs the gateway until an exception it does not expect; then
the task ends, and a bot that is still "up" answers nothing and says nothing.  Two things
end it in practice: a dispatch one of its parsers cannot read (an interaction without
`version`, a reaction without `type`, a member without `flags`; discord.py issues #2429 and
#4081), and network errors outside the few it retries.  So:

- every parser in `ConnectionState.parsers` (the dict `DiscordWebSocket.from_client`
  hands each socket) is wrapped: one that raises costs that one dispatch, logged with its
  event type (once a minute per type at most), and the connection carries on;
- `connect` is discord.py's loop (`DiscordWebSocket.from_client` + `poll_event`, resuming on
  `ReconnectWebSocket`) with every other exception caught: one log line, `discord`
  reported unhealthy on `alsbot.health`, a reconnect after a capped backoff, RESUMEing the
  session when there is one. Only what reconnecting cannot fix (a bad token, an intent not
  granted) ends it;
- the first connection of a process RESUMEs the session the last process left, from the
  stored durable sequence (`gateway_state.py`), so what Discord sent during a restart is
  replayed; when that is not possible, the set channels are read back by REST
  (`catchup.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import yarl
from discord.errors import ConnectionClosed, LoginFailure, PrivilegedIntentsRequired
from discord.gateway import DiscordWebSocket, ReconnectWebSocket

from adapters.discord.gateway_state import CatchUp, GatewayState, Progress, StateStore

log = logging.getLogger(__name__)
FATAL_CLOSE = (4004, 4010, 4011, 4012, 4013, 4014)  # token, shard, version, intents
TRACKED = ("raw_reaction_add", "raw_reaction_remove", "message")  # what is recorded
PERSIST_EVERY = 1.0
LOG_DROPPED_EVERY = 60.0


class Backoff:
    """`first`, doubling to `cap`; back to `first` once a connection was healthy."""

    def __init__(self, first: float, cap: float) -> None:
        self.first, self.cap, self.tries = first, cap, 0

    def delay(self) -> float:
        self.tries += 1
        return float(min(self.cap, self.first * 2 ** (self.tries - 1)))

    def reset(self) -> None:
        self.tries = 0


class SupervisedGateway:
    """Mixed into `AlsClient` (before `discord.Client`)."""

    # Provided by discord.Client and AlsClient:
    _connection: Any
    ws: Any
    shard_id: int | None
    is_closed: Callable[[], bool]

    def _init_gateway(
        self,
        *,
        health: Any = None,
        state_store: StateStore | None = None,
        catch_up: Callable[[CatchUp], Any] | None = None,
        backoff: tuple[float, float] = (1.0, 60.0),
        identify_wait: float = 5.0,
    ) -> None:
        self.health = health
        self.identify_wait = identify_wait
        self.state_store = state_store
        self._catch_up_with = catch_up
        self.progress = Progress()
        self.backoff = Backoff(*backoff)
        self._state = GatewayState()
        self._stamps: dict[int, tuple[str | None, int | None]] = {}
        self._dropped: dict[str, tuple[float, int]] = {}  # event -> (last logged, unlogged)
        self._background: set[asyncio.Task[Any]] = set()
        self._last_live: datetime | None = None  # the last dispatch read, this process
        self.dropped_dispatches = 0
        self._stopping = False  # set before the socket is closed: do not reconnect then
        parsers = self._connection.parsers
        for event, parse in list(parsers.items()):
            parsers[event] = self._guarded(event, parse)

    # ------------------------------------------------------------------ parsers

    def _guarded(self, event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
        def guarded(data: Any) -> None:
            ws = self.ws
            if event == "READY" and isinstance(data, dict):
                self._on_session(data.get("session_id"), data.get("resume_gateway_url"), ws)
            self.progress.read(getattr(ws, "sequence", None))
            self._last_live = datetime.now(UTC)
            try:
                self._note_raw(event, data)
                parse(data)
            except Exception as exc:  # one unreadable dispatch must not end the connection
                self._drop(event, exc)
            if event == "RESUMED":
                self._on_resumed()

        return guarded

    def _note_raw(self, event: str, data: Any) -> None:
        """Keep what discord.py's objects lose; overridden by the client."""

    def _drop(self, event: str, exc: Exception) -> None:
        self.dropped_dispatches += 1
        now = time.monotonic()
        last, unlogged = self._dropped.get(event, (-LOG_DROPPED_EVERY, 0))
        if now - last < LOG_DROPPED_EVERY:
            self._dropped[event] = (last, unlogged + 1)
            return
        self._dropped[event] = (now, 0)
        more = f" ({unlogged} more since the last report)" if unlogged else ""
        log.warning(
            "discord: dropped a %s dispatch discord.py could not read: %s: %s%s",
            event,
            type(exc).__name__,
            exc,
            more,
        )

    # ------------------------------------------------------------------ tracking

    def _stamp(self, event: str, payload: Any) -> None:
        """Called from `dispatch`, synchronously after the parser: the dispatch's session
        and sequence, and that it is in flight until its handler has recorded it."""
        if event not in TRACKED:
            return
        ws = self.ws
        session, sequence = getattr(ws, "session_id", None), getattr(ws, "sequence", None)
        if len(self._stamps) > 10_000:  # never consumed: a handler was missing
            self._stamps.clear()
        self._stamps[id(payload)] = (session, sequence)
        if sequence is not None:
            self.progress.begin(sequence)

    def _take_stamp(self, payload: Any) -> tuple[str | None, int | None]:
        return self._stamps.pop(id(payload), (None, None))

    def _recorded(self, sequence: int | None, ok: bool) -> None:
        """The dispatch at `sequence` is in the inbox (ok), or could not be: then the
        watermark stays below it, and a RESUME after a restart gets it again."""
        if ok:
            self.progress.done(sequence)

    # ------------------------------------------------------------------ sessions

    def _on_session(self, session_id: str | None, resume_url: str | None, ws: Any) -> None:
        """READY: a new session. What the previous one (or the stored one) left unrecorded
        was lost with it, so read it back by REST."""
        previous = self._state
        if self._last_live is not None:  # a session of this process: seen until then
            previous = self.progress.state(previous, self._last_live)
        gap = previous.catch_up
        if previous.session_id is not None and previous.seen_at is not None:
            gap = gap or CatchUp(previous.seen_at, previous.anchor)
        sequence = getattr(ws, "sequence", None) or 0
        self.progress.new_session(session_id, resume_url, sequence)
        self._state = GatewayState(catch_up=gap)
        self._report(True, "connected")
        self.backoff.reset()
        self._spawn(self._save_now(), "alsbot-discord-state")
        if gap is not None:
            self._spawn(self._run_catch_up(gap), "alsbot-discord-catch-up")

    def _on_resumed(self) -> None:
        self._report(True, "resumed")
        self.backoff.reset()
        log.info("discord: resumed session %s", self.progress.session_id)
        if self._state.catch_up is not None:  # an earlier catch-up did not finish
            self._spawn(self._run_catch_up(self._state.catch_up), "alsbot-discord-catch-up")

    async def _run_catch_up(self, gap: CatchUp) -> None:
        if self._catch_up_with is None:
            return
        try:
            await self._catch_up_with(gap)
        except Exception as exc:
            log.warning(
                "discord: catching up since %s failed: %s; retried on next start", gap.since, exc
            )
            return
        if self._state.catch_up == gap:
            self._state = GatewayState(catch_up=None)
            self.progress.changed = True
            await self._save_now()

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ persistence

    async def _save_now(self) -> None:
        if self.state_store is None:
            return
        # Seen until the last dispatch read. A process that never read one (Discord down,
        # or the RESUME refused) leaves the stored state as it was: its time is where the
        # gap began, and its age says whether the session may still be resumed.
        seen = self._last_live
        if seen is None:
            return
        state = self.progress.state(self._state, seen)
        self.progress.changed = False
        try:
            await self.state_store.save(state)
        except Exception as exc:  # the next save tries again; nothing is lost meanwhile
            self.progress.changed = True
            log.warning("discord: could not store the gateway state: %s", exc)

    async def _keep_saving(self) -> None:
        while True:
            await asyncio.sleep(PERSIST_EVERY)
            if self.progress.changed:
                await self._save_now()

    async def _first_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"initial": True, "shard_id": self.shard_id}
        if self.state_store is None:
            return params
        try:
            stored, updated_at = await self.state_store.load()
        except Exception as exc:
            log.warning("discord: could not read the gateway state (%s); identifying afresh", exc)
            return params
        self._state = stored
        if stored.resumable(datetime.now(UTC), updated_at):
            assert stored.session_id and stored.resume_url
            params.update(
                resume=True,
                session=stored.session_id,
                sequence=stored.sequence,
                gateway=yarl.URL(stored.resume_url),
            )
            log.info("discord: resuming session %s from %s", stored.session_id, stored.sequence)
        return params

    # ------------------------------------------------------------------ health

    def _report(self, ok: bool, detail: str) -> bool:
        if self.health is None:
            return False
        return bool(self.health.report("discord", ok, detail))

    # ------------------------------------------------------------------ the loop

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py's pause before a repeated IDENTIFY (Discord allows one per 5 s)."""
        if not initial and self.identify_wait:
            await asyncio.sleep(self.identify_wait)

    async def connect(self, *, reconnect: bool = True) -> None:
        params = await self._first_params()
        self._report(False, "connecting")
        self._spawn(self._keep_saving(), "alsbot-discord-keep-state")
        while not self._stopped():
            try:
                if params.get("resume") and self.progress.session_id != params.get("session"):
                    # A RESUME from the stored state: replayed dispatches come before RESUMED.
                    self.progress.new_session(
                        params["session"], str(params["gateway"]), params["sequence"] or 0
                    )
                log.debug(
                    "discord: connecting with %s",
                    {k: v for k, v in params.items() if k != "session"},
                )
                coro = DiscordWebSocket.from_client(self, **params)  # type: ignore[arg-type]
                self.ws = await asyncio.wait_for(coro, timeout=60.0)
                params["initial"] = False
                while True:
                    await self.ws.poll_event()
            except ReconnectWebSocket as e:
                self.dispatch("disconnect")  # type: ignore[attr-defined]
                if self._stopped():
                    return
                if self._report(False, "reconnecting"):
                    log.info("discord: reconnecting (%s)", "resume" if e.resume else "new session")
                ws = self.ws
                params.update(sequence=ws.sequence, resume=e.resume, session=ws.session_id)
                params["gateway"] = ws.gateway
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.dispatch("disconnect")  # type: ignore[attr-defined]
                if self._stopped():
                    return
                if _fatal(exc) or not reconnect:
                    self._report(False, f"stopped: {type(exc).__name__}")
                    if isinstance(exc, ConnectionClosed) and exc.code == 4014:
                        raise PrivilegedIntentsRequired(exc.shard_id) from None
                    raise
                delay = self.backoff.delay()
                self._report(False, f"disconnected: {type(exc).__name__}")
                log.warning(
                    "discord: gateway connection lost (%s: %s); reconnecting in %.1fs",
                    type(exc).__name__,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                ws = self.ws
                if ws is not None and getattr(ws, "session_id", None):
                    params.update(
                        resume=True, session=ws.session_id, sequence=ws.sequence, gateway=ws.gateway
                    )

    def _stopped(self) -> bool:
        return self._stopping or self.is_closed()

    async def _close_gateway(self, within: float, *, save: bool = True) -> None:
        """Stop keeping state and close the socket with 4000, not 1000: Discord invalidates
        a session closed with 1000/1001, and the next process wants to RESUME it. `save`
        is False when another process holds the gateway now: the stored state is its."""
        self._stopping = True
        for task in list(self._background):
            task.cancel()
        if save:
            await self._save_now()
        ws = self.ws
        if ws is not None and getattr(ws, "open", False):
            with contextlib.suppress(Exception):
                async with asyncio.timeout(within):
                    await ws.close(code=4000)
        self._report(False, "stopped")

    def _forget_session(self) -> None:
        """After handing the gateway to another process (`gateway_lease.py`): this one's
        session is that one's now, so a later turn starts from the stored state, not from
        what this process last saw; and `connect` may run again."""
        self.ws = None
        self.progress = Progress()
        self._state = GatewayState()
        self._stamps.clear()
        self._last_live = None
        self._stopping = False


def _fatal(exc: BaseException) -> bool:
    if isinstance(exc, (LoginFailure, PrivilegedIntentsRequired)):
        return True
    return isinstance(exc, ConnectionClosed) and exc.code in FATAL_CLOSE
