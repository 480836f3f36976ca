"""Which interaction caused which event, so a reply can go back through it.

An `Ephemeral` reply can only be private on Discord as a response to an interaction, and
the interaction's token is good for 15 minutes.  When the client defers an interaction it
records the token under the event's idempotency key (the `cause` the outbox hands back
with each reply); the outlet looks it up.  It lives in memory on purpose: a token is
worthless after 15 minutes, and after a restart the outlet falls back to a DM.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TOKEN_LIFETIME = 15 * 60.0
SAFETY = 30.0  # do not start a followup that might land after the token has expired
MAX_REMEMBERED = 5000


@dataclass
class Pending:
    """A deferred interaction; `thinking` means Discord shows "alsbot is thinking…" until
    the original response is edited, which the first reply for it does."""

    interaction: Any  # a discord.Interaction: its followup webhook carries the token
    created: float
    thinking: bool
    original_used: bool = False


class InteractionTokens:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_cause: OrderedDict[str, Pending] = OrderedDict()

    def remember(self, cause: str, interaction: Any, *, thinking: bool) -> Pending:
        entry = Pending(interaction, self._clock(), thinking)
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

    def forget(self, cause: str) -> None:
        self._by_cause.pop(cause, None)
