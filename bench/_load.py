"""Load shapes shared by the event-path benchmarks: a burst at N in flight, a steady rate.

Both take `send(item) -> bool` (True once the platform side was acknowledged) and record
each acknowledgement's latency, so the same code drives the floor and alsbot.  The steady
phase is open-loop — request *i* starts at `i / rate` whatever happened to the earlier
ones — because a closed loop slows down with the server and hides its worst moments.
Latency is measured from the moment a request was due, so a client running late shows up
in the figures rather than hiding (coordinated omission).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.common import percentile

Send = Callable[[Any], Awaitable[bool]]


@dataclass
class Phase:
    """What one phase measured: acknowledgements, failures, latencies in ms, wall time."""

    sent: int = 0
    acked: int = 0
    failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 1e-9)

    @property
    def acks_per_second(self) -> float:
        return self.acked / self.seconds

    def summary(self, prefix: str = "") -> dict[str, float | int]:
        return {
            f"{prefix}events": self.sent,
            f"{prefix}acked": self.acked,
            f"{prefix}failed": self.failed,
            f"{prefix}seconds": round(self.seconds, 3),
            f"{prefix}acks_per_s": round(self.acks_per_second, 1),
            f"{prefix}ack_ms_p50": round(percentile(self.latencies_ms, 50), 3),
            f"{prefix}ack_ms_p99": round(percentile(self.latencies_ms, 99), 3),
            f"{prefix}ack_ms_max": round(max(self.latencies_ms, default=0.0), 3),
        }


async def _one(send: Send, item: Any, due: float, phase: Phase) -> None:
    phase.sent += 1
    try:
        ok = await send(item)
    except Exception:  # a refused connection, a timeout: counted, never fatal to the bench
        ok = False
    if ok:
        phase.acked += 1
        phase.latencies_ms.append((time.perf_counter() - due) * 1000)
    else:
        phase.failed += 1


async def burst(send: Send, items: Sequence[Any], in_flight: int) -> Phase:
    """Send every item with at most `in_flight` outstanding: the throughput shape."""
    phase = Phase()
    queue = iter(items)

    async def worker() -> None:
        for item in queue:
            await _one(send, item, time.perf_counter(), phase)

    phase.started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    phase.finished = time.perf_counter()
    return phase


async def steady(send: Send, items: Sequence[Any], rate: float) -> Phase:
    """Start item *i* at `i / rate` seconds (open loop); wait for the stragglers."""
    phase = Phase()
    tasks: list[asyncio.Task[None]] = []
    phase.started = start = time.perf_counter()
    for i, item in enumerate(items):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(send, item, due, phase)))
    await asyncio.gather(*tasks)
    phase.finished = time.perf_counter()
    return phase
