"""Measuring the same-work floor (`bench._discord_same_work_floor`) as alsbot is measured.

The same stand-in, the same burst and steady rate, the same read-only readers: the floor's
inbox through `InboxWatch` (its keys end in the gateway session and sequence, as alsbot's
do), its `dos` through `SELECT count(*)`.  So `durable_effects_per_s` here and in
`alsbot` count the same thing — from the first dispatch sent until every do is committed
— and their ratio is what alsbot's structure costs over the work itself.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench._discord_load import (
    HEARTBEAT_MS,
    BenchDiscord,
    InboxWatch,
    latency,
    quiesce,
    rate,
    until,
)
from bench._process import Cpu, Server, clean_env

DOS = "SELECT count(*) FROM dos"


async def measure_same_work_floors(
    work: Path, args: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The same-work floor, then (unless `--no-confirm`) the one that also DMs."""
    plain = await measure_same_work_floor(work, args)
    confirming = await measure_same_work_floor(work, args, confirm=True) if args.confirm else None
    return plain, confirming


def compared_to_same_work(
    alsbot: dict[str, Any], plain: dict[str, Any], confirming: dict[str, Any] | None
) -> dict[str, Any]:
    """The benchmark's entries: each floor, and alsbot's rate ÷ the floor's.

    The empty-listener floor does nothing with an event; this one does alsbot's work for a
    ✅ leanly, so the ratio is what alsbot's structure costs, not what the work costs.
    """

    def ratio(name: str, floor: dict[str, Any]) -> float:
        return round(alsbot.get(name, 0.0) / floor.get(name, float("inf")), 3)

    out: dict[str, Any] = {
        "same_work_floor": plain,
        "ratio_durable_effects_to_same_work_floor": ratio("durable_effects_per_s", plain),
    }
    if confirming is not None:
        out["same_work_floor_confirm"] = confirming
        out["ratio_replies_delivered_to_same_work_floor_confirm"] = ratio(
            "replies_delivered_per_s", confirming
        )
    return out


async def measure_same_work_floor(
    work: Path, args: argparse.Namespace, *, confirm: bool = False
) -> dict[str, Any]:
    """Burst (and, without `confirm`, the steady phase) against the same-work floor.

    With `confirm` the floor DMs the reactor for each do, as alsbot does: the burst then
    also reports `replies_delivered_per_s`, until the stand-in holds every DM.
    """
    name = "same-work-confirm" if confirm else "same-work"
    db = work / f"{name}.db"
    result: dict[str, Any] = {"confirm_dm": confirm}
    async with BenchDiscord(heartbeat_interval_ms=HEARTBEAT_MS) as discord:
        argv = ["-m", "bench._discord_same_work_floor", discord.api_base_url]
        argv += [discord.gateway_url, str(db), *(["--confirm"] if confirm else [])]
        server = Server(
            argv,
            env=clean_env(DISCORD_BOT_TOKEN=discord.world.token),
            log_path=work / f"{name}.log",
        )
        await server.start(Path.cwd())
        watch = InboxWatch(db)
        try:
            if await until(discord.live_sessions, 30) is None:
                raise RuntimeError(f"the same-work floor never connected:\n{server.output()}")
            watch.start()  # the floor made its tables before it connected
            dm = discord.world.dm_channel(discord.reactor.id)
            await discord.push_all(discord.seed(args.warmup))
            if await until(lambda: watch.scalar(DOS) >= args.warmup, 60) is None:
                raise RuntimeError(f"warm-up do's were not saved:\n{server.output()}")
            if confirm:
                await until(lambda: dm.message_count >= args.warmup, 60)

            base, replies = watch.scalar(DOS), dm.message_count
            quiesce()
            cpu = Cpu(server)
            started = time.monotonic()
            sent = await discord.push_all(discord.seed(args.events))
            pushed = time.monotonic()
            inboxed = await until(lambda: watch.all_durable(sent), 120, 0.001)
            saved = await until(lambda: watch.scalar(DOS) >= base + len(sent), 180)
            result.update(cpu.per_event(len(sent), "until_saved_"))
            result.update(
                events=len(sent),
                push_seconds=round(pushed - started, 3),
                **rate("inbox_durable", len(sent), started, inboxed),
                **rate("durable_effects", len(sent), started, saved),
            )
            if confirm:
                delivered = await until(lambda: dm.message_count >= replies + len(sent), 180)
                result.update(cpu.per_event(len(sent), "until_replied_"))
                result.update(rate("replies_delivered", len(sent), started, delivered))
                return result

            base = watch.scalar(DOS)
            calm = await discord.steady(discord.seed(args.steady_events), args.rate)
            caught_up = await until(lambda: watch.scalar(DOS) >= base + len(calm), 60)
            await until(lambda: watch.all_durable(calm), 10, 0.001)
            lat = watch.latencies_ms(calm)
            result.update(
                steady_events=len(calm),
                steady_not_durable=len(calm) - len(lat),
                **latency(lat, "steady_durable_"),
                **latency(watch.received_ms(calm), "steady_to_writer_"),
            )
            if caught_up is not None:
                result["steady_effects_behind_s"] = round(caught_up - calm[-1].sent, 3)
        finally:
            await watch.stop()
            watch.close()
            await server.stop()
    return result
