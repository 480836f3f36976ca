"""1,000 concurrent rounds in one process, 20 messages each through the core.

Targets (issue 7): RSS at most 150 MB; p99 handling per message at most 5 ms. The floor in
the same run is the cost of recording the same messages in the inbox alone (what any
durable bot must pay: a second database, nothing processing it), so the ratio holds on a
noisy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.common import NullOutlet, emit, peak_rss_mb, percentile, rss_mb
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.events import CommandInvoked, MessagePosted
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.store.models import Posted
from testkit.eventually import eventually

WS = WorkspaceRef(Platform.CONSOLE, "bench")
LINES = [
    "What has changed since you first noticed this?",
    "You should talk to your manager.",
    "How do the others in the team see it?",
    "Is it the same every week?",
    "Who benefits if nothing changes?",
]


def message(r: int, m: int, thread: MessageRef) -> MessagePosted:
    """Message `m` of round `r`, from one of four supporters, in the round's thread."""
    return MessagePosted(
        key=f"msg:{r}:{m}",
        user=UserRef(WS, f"s{r}-{m % 4}"),
        channel=thread.channel,
        message=MessageRef(thread.channel, f"u{r}-{m}"),
        text=LINES[m % len(LINES)],
        thread=thread,
    )


async def run(rounds: int, messages: int, in_flight: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}"
        app = await Alsbot.open(
            load_config(None, {"ALSBOT_DATABASE_URL": url}),
            clock=FakeClock(datetime(2026, 1, 12, 10, tzinfo=UTC)),
        )
        outlet = NullOutlet()
        app.attach(outlet)
        handling: list[float] = []
        handling_cpu: list[float] = []  # the same, in this thread's CPU time: no preemption
        processor = app.processor

        def timed(method):
            async def wrapper(conn, event, now, *rest):
                start, start_cpu = time.perf_counter(), time.thread_time()
                try:
                    return await method(conn, event, now, *rest)
                finally:
                    handling.append((time.perf_counter() - start) * 1000)
                    handling_cpu.append((time.thread_time() - start_cpu) * 1000)

            return wrapper

        processor._apply_fast = timed(processor._apply_fast)  # type: ignore[method-assign]
        processor._apply_one = timed(processor._apply_one)  # type: ignore[method-assign]
        rss_start = rss_mb()
        setup_start = time.perf_counter()
        n = 0
        for r in range(rounds):
            channel = ChannelRef(WS, f"c{r}")
            for text in (f"start <@p{r}>", "next", "next", "next"):
                n += 1
                await app.submit(
                    CommandInvoked(
                        key=f"b:{n}", user=UserRef(WS, f"f{r}"), channel=channel, text=text
                    )
                )
        await app.settle(max_wait=600)
        setup_seconds = time.perf_counter() - setup_start
        async with app.store.read() as conn:
            headers = {
                row.handle: MessageRef.from_key(row.message_key)
                for row in await conn.execute(select(Posted.__table__))
                if row.handle.endswith(":header")
            }
        threads = [headers[f"session:{i + 1}:header"] for i in range(rounds)]
        handling.clear()
        handling_cpu.clear()

        end_to_end: list[float] = []
        semaphore = asyncio.Semaphore(in_flight)

        async def one(r: int, m: int) -> None:
            event = message(r, m, threads[r])
            async with semaphore:
                start = time.perf_counter()
                await app.submit(event)
                end_to_end.append((time.perf_counter() - start) * 1000)

        await app.start()
        started = time.perf_counter()
        await asyncio.gather(*(one(r, m) for m in range(messages) for r in range(rounds)))

        async def drained() -> bool:
            return not await app.pending_events()

        await eventually(drained, within=600, every=0.01, what="every event being processed")
        elapsed = time.perf_counter() - started
        await app.stop()
        await app.settle(max_wait=600)
        total = rounds * messages
        rss_peak, rss_end = peak_rss_mb(), rss_mb()
        floor = await inbox_floor(Path(scratch) / "floor.db", rounds, messages, in_flight)
        result = {
            "benchmark": "many_rounds",
            "rounds": rounds,
            "messages_per_round": messages,
            "messages": total,
            "setup_seconds": round(setup_seconds, 2),
            "messages_per_second": round(total / elapsed, 1),
            "handling_ms_p50": round(percentile(handling, 50), 3),
            "handling_ms_p99": round(percentile(handling, 99), 3),
            "handling_cpu_ms_p50": round(percentile(handling_cpu, 50), 3),
            "handling_cpu_ms_p99": round(percentile(handling_cpu, 99), 3),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "durable_ack_ms_p50": round(percentile(end_to_end, 50), 3),
            "durable_ack_ms_p99": round(percentile(end_to_end, 99), 3),
            "rss_mb_start": round(rss_start, 1),
            "rss_mb_end": round(rss_end, 1),
            "rss_mb_peak": round(rss_peak, 1),
            "replies_delivered": outlet.count,
            "floor_inbox_only": floor,
            "ratio_messages_per_s_to_floor": round(
                total / elapsed / floor["messages_per_second"], 3
            ),
            "targets": {"rss_mb_peak_max": 150, "handling_ms_p99_max": 5.0},
        }
        result["targets_met"] = result["rss_mb_peak"] <= 150 and result["handling_ms_p99"] <= 5.0
        await app.close()
        return result


async def inbox_floor(path: Path, rounds: int, messages: int, in_flight: int) -> dict:
    """The same messages, same concurrency, only made durable: no processor running."""
    url = f"sqlite+aiosqlite:///{path}"
    app = await Alsbot.open(
        load_config(None, {"ALSBOT_DATABASE_URL": url}),
        clock=FakeClock(datetime(2026, 1, 12, 10, tzinfo=UTC)),
    )
    latencies: list[float] = []
    semaphore = asyncio.Semaphore(in_flight)

    async def one(r: int, m: int) -> None:
        event = message(r, m, MessageRef(ChannelRef(WS, f"c{r}"), f"t{r}"))
        async with semaphore:
            start = time.perf_counter()
            await app.submit(event)
            latencies.append((time.perf_counter() - start) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(one(r, m) for m in range(messages) for r in range(rounds)))
    elapsed = time.perf_counter() - started
    await app.close()
    return {
        "messages_per_second": round(rounds * messages / elapsed, 1),
        "durable_ack_ms_p50": round(percentile(latencies, 50), 3),
        "durable_ack_ms_p99": round(percentile(latencies, 99), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 rounds instead of 1,000")
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--in-flight", type=int, default=32)
    args = parser.parse_args()
    rounds = 100 if args.quick else args.rounds
    emit(asyncio.run(run(rounds, args.messages, args.in_flight)))


if __name__ == "__main__":
    main()
