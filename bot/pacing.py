"""Pacing deliveries: a token bucket per lane, so a channel gets posts at the platform's pace.

Slack allows about one message a second per channel and Discord about fifty requests a
second per bot; a burst beyond that earns 429s that hold a lane far longer than pacing.
"""

from __future__ import annotations

import asyncio
import time


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
