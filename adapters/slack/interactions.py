"""Remembered `response_url`s: how a private answer reaches the person who asked.

`chat.postEphemeral` only works in channels the bot is a member of, but a slash command
or a button press comes with a `response_url` that can answer the person anywhere, for 30
minutes and up to 5 times.  The listener remembers it under the event's idempotency key
before the event is submitted; the outlet finds it through `Delivery.cause`.

Here it lives in this process's memory, the fast path for the usual case of one process.
It is also handed to `submit` with the event (`bot.reply_handles`), so that another
process's outlet — or this one after a restart — can still use it; once it expires or is
used up there too, the outlet falls back to `chat.postEphemeral` (and then to a DM).
The two counts of uses are apart: a url used up between them is refused by Slack, and
that refusal falls back in the same way.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.reply_handles import SLACK_LIFETIME, SLACK_MAX_USES

# The same limits as the handles stored with the events (`bot.reply_handles`).
LIFETIME = SLACK_LIFETIME.total_seconds()
MAX_USES = SLACK_MAX_USES


@dataclass
class Remembered:
    url: str
    user_id: str
    expires: float
    uses: int = 0


class ResponseUrls:
    def __init__(
        self, *, capacity: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._items: OrderedDict[str, Remembered] = OrderedDict()
        self._capacity = capacity
        self._clock = clock

    def remember(self, key: str, url: str, user_id: str) -> None:
        self._items[key] = Remembered(url, user_id, self._clock() + LIFETIME)
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)

    def take(self, key: str | None, user_id: str) -> str | None:
        """The url for answering `user_id` about `key`, counting one use; None if spent."""
        if key is None:
            return None
        item = self._items.get(key)
        if item is None or item.user_id != user_id:
            return None
        if item.expires < self._clock() or item.uses >= MAX_USES:
            self._items.pop(key, None)
            return None
        item.uses += 1
        return item.url

    def forget(self, key: str) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)
