"""Shared helpers for benchmarks: percentiles, memory, a null outlet, JSON output."""

from __future__ import annotations

import json
import os
import resource
import sys
from dataclasses import dataclass
from typing import Any

from bot.ports import Delivery
from bot.refs import MessageRef, Platform
from bot.replies import Direct, Post


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc), else the peak from getrusage."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(result: dict[str, Any]) -> None:
    json.dump(result, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    sys.stdout.flush()


@dataclass
class NullOutlet:
    """Accepts every reply at once: measures the core, not a network."""

    platform: Platform = Platform.CONSOLE
    count: int = 0

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        self.count += 1
        reply = delivery.reply
        if isinstance(reply, Post):
            return MessageRef(reply.channel, f"m{self.count}")
        if isinstance(reply, Direct):
            return None
        return delivery.target
