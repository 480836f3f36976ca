"""How often alsbot may read a workspace's messages (`conversations.history`/`.replies`).

Slack limits these two methods to one request a minute, 15 messages a page, for apps
distributed outside the Marketplace (`[slack] distribution = "distributed"`); internal and
Marketplace apps keep Tier 3 (50+ a minute).  Slack counts its limits "per API method per
workspace per app", so the budget here is one lane per workspace and per method: a read
of `conversations.history` in one workspace never waits for `.replies`, nor for another
workspace (Slack's docs list the limit on each method's own page).  Both callers share it —
the message source (a do reaction's text) and the outlet's post-crash look-up
(`adapters.slack.outlet`) — because Slack counts their calls together.

Nothing waits here: `take` answers 0 (go) or how many seconds until this caller's slot,
and the caller raises the core's retry (`FetchRetry`, `DeliveryRetry`) with that delay, so
the core's inbox or outbox tries again later and nothing is lost.  A caller that must wait
is promised a slot after those already promised, so three do's in one minute are read at
0, 60 and 120 s rather than all retrying together and one of them losing every time.

A 429's `Retry-After` holds that workspace's lane (`hold`), whatever the distribution:
Slack's own answer wins over the arithmetic.  Internal and Marketplace installs keep only
that (no budget of alsbot's own).  Time comes from an injected clock in seconds, so tests
move it instead of sleeping; the budget lives in the process (several processes on one
database each keep their own, and Slack's 429s then pace them).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

HISTORY = "conversations.history"
REPLIES = "conversations.replies"
PERIOD = 60.0  # seconds: Slack's window for "1 request a minute"
DISTRIBUTED_PAGE = 15  # messages a page Slack returns to a non-Marketplace app
SLACK_PAGE = 200  # Slack's own maximum page otherwise (its docs advise no more than 200)
TOLERANCE = 0.001  # seconds: float rounding between two readings of one moment
GRACE = 10.0  # seconds a promised slot is kept for a caller that has not come back
MAX_LANES = 10_000  # workspaces × 2 methods remembered; the least recently used go first
MAX_PROMISES = 1_000  # callers promised a slot in one lane


Clock = Callable[[], float]


def steady(clock: Callable[[], float]) -> Clock:
    """`clock`, never running backwards: a wall clock (the core's, so that a test's
    FakeClock moves it) stepped back by NTP must not hand out a slot twice."""
    last = [float("-inf")]

    def now() -> float:
        last[0] = max(last[0], clock())
        return last[0]

    return now


@dataclass
class _Lane:
    """One workspace's budget for one method."""

    next_at: float = float("-inf")  # when the next call may go (budget or Retry-After)
    promised: OrderedDict[str, float] = field(default_factory=OrderedDict)  # caller → slot


class HistoryBudget:
    """`per_minute` calls a minute per workspace and method (None: no budget of alsbot's
    own, only Slack's `Retry-After` holds); `page`: the largest `limit` to ask for."""

    def __init__(self, *, per_minute: int | None, page: int, clock: Clock = time.monotonic):
        if per_minute is not None and per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.page = page
        self.clock = clock
        self._lanes: OrderedDict[tuple[str, str], _Lane] = OrderedDict()
        # (team, method, at) of every call let through, newest last: what tests assert on.
        self.granted: deque[tuple[str, str, float]] = deque(maxlen=1000)

    @classmethod
    def for_distribution(cls, distribution: str, clock: Clock = time.monotonic) -> HistoryBudget:
        if distribution == "distributed":
            return cls(per_minute=1, page=DISTRIBUTED_PAGE, clock=clock)
        return cls(per_minute=None, page=SLACK_PAGE, clock=clock)

    @property
    def replies_only(self) -> bool:
        """Read one message with `conversations.replies` alone: it answers for a thread
        reply and for any other message, so a do costs one call of the scarce budget
        instead of two for a reply (`.history` first, then `.replies`), and leaves the
        `.history` lane to the outlet's look-ups."""
        return self.per_minute is not None

    @property
    def spacing(self) -> float:
        return PERIOD / self.per_minute if self.per_minute else 0.0

    def limit(self, wanted: int) -> int:
        """`limit` for a call: what the caller wants, never more than Slack will give."""
        return max(1, min(wanted, self.page))

    def take(self, team: str, method: str, caller: str) -> float:
        """0.0: call now (the slot is spent).  Otherwise the seconds until `caller`'s slot;
        `caller` (a message's or a reply's key) keeps that slot if it comes back for it."""
        now = self.clock()
        lane = self._lane(team, method)
        spacing = self.spacing
        for who, slot in list(lane.promised.items()):
            if slot + GRACE < now:  # not back for its slot: someone else may have it
                del lane.promised[who]
        mine = lane.promised.get(caller)
        # A call now must not push back a slot promised to another (an earlier one).
        before = mine if mine is not None else now + spacing - TOLERANCE
        blocking = any(s < before for w, s in lane.promised.items() if w != caller)
        if lane.next_at <= now + TOLERANCE and not blocking:
            lane.promised.pop(caller, None)
            lane.next_at = now + spacing
            self.granted.append((team, method, now))
            return 0.0
        if spacing == 0.0:  # no budget of alsbot's own: only a Retry-After hold
            return max(lane.next_at - now, TOLERANCE)
        if mine is None:
            last = max(lane.promised.values(), default=float("-inf"))
            mine = max(lane.next_at, last + spacing, now)
            if len(lane.promised) < MAX_PROMISES:
                lane.promised[caller] = mine
        return max(mine, lane.next_at, now + TOLERANCE) - now

    def hold(self, team: str, method: str, seconds: float) -> None:
        """Slack answered 429 with `Retry-After: seconds`: no call of `method` in `team`
        before then (other workspaces and the other method are not held).  Slots already
        promised move along in their order."""
        lane = self._lane(team, method)
        until = self.clock() + max(seconds, 0.0)
        lane.next_at = max(lane.next_at, until)
        ordered = sorted(lane.promised.items(), key=lambda item: item[1])
        for n, (who, slot) in enumerate(ordered):
            lane.promised[who] = max(slot, until + n * self.spacing)

    def _lane(self, team: str, method: str) -> _Lane:
        key = (team, method)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
            while len(self._lanes) > MAX_LANES:
                self._lanes.popitem(last=False)
        else:
            self._lanes.move_to_end(key)
        return lane
