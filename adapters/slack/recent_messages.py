"""Messages the source read lately, so that a do reaction does not read one twice.

A reaction removed and added again, a second reactor once the first was prepared, a retry
after the undo: each would spend a `conversations.history` call, which a distributed app
gets once a minute per workspace (`adapters.slack.history_budget`).  What was read is kept
here, per message, for the do's undo window (`bot.dos.capture.UNDO_WINDOW`, 10 minutes) —
the time in which those repeats happen.

Privacy: these are people's own words, held in this process's memory only and never
written anywhere.  They are kept no longer than the undo window (an entry older than that
is never answered and is dropped on the next touch), and at most `SIZE` messages (the
least recently read go first), so a busy workspace cannot grow it.  A message edited
within the window may be answered as it was when read; the reaction that read it saw the
same text.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from bot.dos.capture import UNDO_WINDOW
from bot.ports import FetchedMessage

SIZE = 500
KEEP = UNDO_WINDOW.total_seconds()


class RecentMessages:
    """`key` is the message's `MessageRef.key`; `clock` counts seconds."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, size: int = SIZE, keep: float = KEEP
    ) -> None:
        self.clock = clock
        self.size = size
        self.keep = keep
        self._read: OrderedDict[str, tuple[float, FetchedMessage]] = OrderedDict()
        # When each entry of `_read` was read, in that order (`_read` is in the order of
        # use): expiry looks only at what it drops.  A key read again has a newer pair
        # here; its older pair is skipped when it comes up.
        self._times: deque[tuple[float, str]] = deque()
        # Messages not in the channel's history (thread replies): ids only, no words.
        self._replies: OrderedDict[str, float] = OrderedDict()

    def get(self, key: str) -> FetchedMessage | None:
        self._expire()
        found = self._read.get(key)
        if found is None:
            return None
        self._read.move_to_end(key)
        return found[1]

    def put(self, key: str, message: FetchedMessage) -> None:
        now = self.clock()
        self._read[key] = (now, message)
        self._read.move_to_end(key)
        self._times.append((now, key))
        self._expire()

    def is_reply(self, key: str) -> bool:
        """`conversations.history` did not have it: only `.replies` will."""
        self._expire()
        return key in self._replies

    def note_reply(self, key: str) -> None:
        self._replies[key] = self.clock()
        self._replies.move_to_end(key)
        self._expire()

    def __len__(self) -> int:
        self._expire()
        return len(self._read)

    def _expire(self) -> None:
        """Each call looks at only what it drops, and one more (it was a scan of every
        entry on every read: 0.3 ms a reaction with 500 kept)."""
        oldest = self.clock() - self.keep
        while len(self._read) > self.size:
            self._read.popitem(last=False)
        while len(self._replies) > self.size:
            self._replies.popitem(last=False)
        while self._times and self._times[0][0] < oldest:
            at, key = self._times.popleft()
            found = self._read.get(key)
            if found is not None and found[0] == at:  # not read again since
                del self._read[key]
        # `note_reply` moves a key to the end with its new time: oldest first.
        while self._replies and next(iter(self._replies.values())) < oldest:
            self._replies.popitem(last=False)
        if len(self._times) > 4 * self.size:  # keys evicted by size leave pairs behind
            self._times = deque(p for p in self._times if self._read.get(p[1], (None,))[0] == p[0])
