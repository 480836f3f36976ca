"""Which interaction caused which event, so a reply can go back through it.

An `Ephemeral` reply can only be private on Discord as a response to an interaction, and
the interaction's token is good for 15 minutes.  When the client defers an interaction it
records the token under the event's idempotency key (the `cause` the outbox hands back
with each reply); the outlet looks it up.  It lives in memory on purpose: a token is
worthless after 15 minutes, and after a restart the outlet falls back to a DM.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TOKEN_LIFETIME = 15 * 60.0
SAFETY = 30.0  # do not start a followup that might land after the token has expired
MAX_REMEMBERED = 5000
ACK_WAIT = 5.0  # Discord wants the deferral within 3 s; after that it is not coming


@dataclass
class Pending:
    """A deferred interaction; `thinking` means Discord shows "alsbot is thinking…" until
    the original response is edited, which the first reply for it does.

    It is remembered *before* it is deferred: the client records the event durably first
    and only then acknowledges it (Discord never redelivers an acknowledged interaction),
    so a reply can be ready before the deferral is. `answerable()` waits for it.
    """

    interaction: Any  # a discord.Interaction: its followup webhook carries the token
    created: float
    thinking: bool
    original_used: bool = False
    deferred: bool | None = None  # None until the client has tried to defer

    def __post_init__(self) -> None:
        self._settled = asyncio.Event()

    def settle(self, deferred: bool) -> None:
        self.deferred = deferred
        self._settled.set()

    async def answerable(self, within: float = ACK_WAIT) -> bool:
        """True once the interaction is deferred; False if deferring failed or never came."""
        if self.deferred is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(within):
                    await self._settled.wait()
        return bool(self.deferred)


class InteractionTokens:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_cause: OrderedDict[str, Pending] = OrderedDict()

    def remember(
        self, cause: str, interaction: Any, *, thinking: bool, deferred: bool | None = True
    ) -> Pending:
        """`deferred=None`: not deferred yet — the client settles it once it has tried."""
        entry = Pending(interaction, self._clock(), thinking, deferred=deferred)
        self._by_cause[cause] = entry
        self._by_cause.move_to_end(cause)
        while len(self._by_cause) > MAX_REMEMBERED:
            self._by_cause.popitem(last=False)
        return entry

    def usable(self, cause: str | None) -> Pending | None:
        """The interaction behind `cause` if its token can still be used, else None."""
        if cause is None:
            return None
        entry = self._by_cause.get(cause)
        if entry is None:
            return None
        if self._clock() - entry.created > TOKEN_LIFETIME - SAFETY:
            del self._by_cause[cause]
            return None
        return entry

    async def ready(self, cause: str | None) -> Pending | None:
        """`usable`, once deferred: None if the deferral failed (the reply goes by DM)."""
        entry = self.usable(cause)
        if entry is None:
            return None
        if not await entry.answerable():
            self.forget(cause or "")
            return None
        return entry

    def forget(self, cause: str) -> None:
        self._by_cause.pop(cause, None)
