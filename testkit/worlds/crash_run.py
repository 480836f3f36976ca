"""The crash run: the real `alsbot run` killed with SIGKILL at seeded moments while this
process plays Slack — a stream of signed commands and DMs, one round left to its timer and
one driven through every phase, paused across crashes.

`run_crash` returns the figures that `tests/reliability/test_crash.py` checks and
`bench/soak_crash.py` reports (docs/RELIABILITY.md).
"""

import asyncio
import random
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.rounds.codec import state_from_json
from bot.rounds.engine import Phase
from bot.store.db import open_store
from testkit.slack.web_api import SlackWebApi, dm_channel
from testkit.worlds.crash_verify import verify
from testkit.worlds.crash_world import (
    ACT,
    FAC1,
    FAC2,
    PRES,
    R1,
    R2,
    SECRET,
    SUPPORTERS,
    CrashPlan,
    Run,
    config_sections,
    header_ts,
    paused_remaining,
    quiescent,
    resumed_deadline,
    seed,
    session_of,
    workdir_db,
)
from testkit.worlds.live import BotProcess, SlackSender, child_env, free_port, write_config

# Round 2's script stretches with a longer soak, but each of its one-minute phases must
# still be ended by a command, not by its timer: the longest gap between moves is 10 units.
MAX_STRETCH = 5.0


# ------------------------------------------------------------------------------ the stream


async def actors(run: Run, names: list[str], rng: random.Random) -> None:
    """Members commit actions and DM outcome updates; each person's events in order."""
    loop = asyncio.get_running_loop()
    counts: Counter[str] = Counter()
    started: set[str] = set()
    while loop.time() < run.at(run.plan.duration):
        user = rng.choice(names)
        counts[user] += 1
        n = counts[user]
        if user not in started or rng.random() < 0.55:
            text = f"Call supplier {user} about order {n}"
            await run.command(f"act-{user}-{n}", user, ACT, f"action {text}")
            run.expected_actions.append((user, text))
            started.add(user)
        else:
            text = f"Update {n} from {user}: spoke to them, it is moving"
            await run.message(f"dm-{user}-{n}", user, dm_channel(user), text, None)
            run.expected_updates.append((user, text))
        await asyncio.sleep(rng.uniform(0.02, 0.2))


async def round_one(run: Run) -> None:
    """Started so that its one-minute opening ends with the stream, however long."""
    await run.until(max(0.2, run.plan.duration - 61.8))
    await run.command("r1-start", FAC1, R1, "start")


async def round_two(run: Run, store: Any) -> None:
    """Every phase, by command; paused across crashes; questions, actions and ratings."""
    d = min(run.plan.duration / 62.0, MAX_STRETCH)  # the script stretches with a soak

    async def move(at: float, name: str, text: str):
        await run.until(at * d)
        return await run.command(f"r2-{name}", FAC2, R2, text)

    await move(1.0, "start", f"start <@{PRES}|pres>")
    await move(5.0, "next-updates", "next")
    await move(9.0, "next-presenting", "next")
    await move(13.0, "pause", "pause")
    await run.until(14.0 * d)
    run.pause_remaining = await paused_remaining(store)
    resumed = await move(27.0, "resume", "resume")
    run.resume_acked_at = resumed.acked_at
    run.resumed_deadline = await resumed_deadline(store)
    await move(31.0, "next-questions", "next")
    ts = await header_ts(store, R2)
    for i in range(6):
        await run.until((32.0 + i) * d)
        who = SUPPORTERS[i % 2]
        question = f"What would success look like for you, question {i}?"
        run.questions.append(question)
        await run.message(f"r2-q{i}", who, R2, question, ts)
    await move(41.0, "next-summary", "next")
    await move(45.0, "next-actions", "next")
    for i in range(3):
        await run.until((46.0 + i) * d)
        action = f"Phone the trustees about plan {i}"
        run.r2_actions.append(action)
        await run.message(f"r2-a{i}", PRES, R2, action, ts)
    await move(52.0, "next-evaluation", "next")
    for i, who in enumerate(SUPPORTERS):
        await run.until((53.0 + i) * d)
        run.ratings[who] = 4 + i
        await run.message(f"r2-rate-{who}", who, R2, f"{4 + i} useful", ts)
    await move(58.0, "next-closed", "next")


async def monitor(run: Run, store: Any, stop: asyncio.Event) -> None:
    """Reads both rounds every 100 ms, across every crash: phases only move forward, the
    opening deadline of round 1 never moves, a paused round keeps its remaining time."""
    r1_deadline: datetime | None = None
    while not stop.is_set():
        for channel, seen in ((R1, run.observed_r1), (R2, run.observed_r2)):
            try:
                session = await session_of(store, channel)
            except Exception:  # the file is being written by a process being killed
                continue
            if session is None:
                continue
            state = state_from_json(session.state)
            mark: Any = (
                (state.phase.value, state.deadline and state.deadline.isoformat())
                if channel == R1
                else (state.phase.value, state.current)
            )
            if not seen or seen[-1][0] != mark[0]:
                seen.append(mark)
            run.invariant_checks += 1
            if channel == R1 and state.phase == Phase.OPENING:
                if r1_deadline is None:
                    r1_deadline = state.deadline
                elif state.deadline != r1_deadline:
                    run.problems.append(
                        f"round 1's deadline moved: {r1_deadline} → {state.deadline}"
                    )
            if channel == R2 and state.paused_remaining is not None and run.pause_remaining:
                if abs(state.paused_remaining.total_seconds() - run.pause_remaining) > 1e-6:
                    run.problems.append(
                        f"round 2's paused time changed: {run.pause_remaining} → "
                        f"{state.paused_remaining.total_seconds()}"
                    )
        await asyncio.sleep(0.1)


async def supervisor(run: Run, kill_at: list[float]) -> None:
    for moment in kill_at:
        await run.until(moment)
        await run.bot.kill()
        await run.bot.start()


def kill_moments(plan: CrashPlan, rng: random.Random) -> list[float]:
    moments: list[float] = []
    while len(moments) < plan.kills:
        candidate = rng.uniform(1.5, plan.duration)
        if all(abs(candidate - m) > 0.6 for m in moments):
            moments.append(candidate)
    return sorted(moments)


# ------------------------------------------------------------------------------ the run


async def run_crash(workdir: Path, plan: CrashPlan | None = None) -> dict[str, Any]:
    plan = plan or CrashPlan()
    rng = random.Random(plan.seed)
    db_url = workdir_db(workdir)
    seeded = await seed(db_url, plan)
    port = free_port()
    # Wall-clock message timestamps, as Slack's: a retry looks for its reply by time.
    async with SlackWebApi(token="xoxb-crash-test-token", seed=plan.seed, clock=time.time) as api:
        config = write_config(workdir / "alsbot.toml", config_sections(db_url, api.url, port))
        env = child_env(
            {"SLACK_BOT_TOKEN": api.token, "SLACK_SIGNING_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
        )
        logdir = workdir / "logs"
        logdir.mkdir()
        bot = BotProcess(config, env, logdir, port)
        sender = SlackSender(bot.url, SECRET)
        loop = asyncio.get_running_loop()
        await bot.start()
        await bot.wait_healthy()
        run = Run(plan, api, bot, sender, db_url, loop.time(), time.time(), rng)
        store = await open_store(db_url, migrate=False)
        stop = asyncio.Event()
        watcher = asyncio.create_task(monitor(run, store, stop))
        people = [f"UA{i:02d}" for i in range(plan.actors)]
        groups = [people[i :: plan.stream_workers] for i in range(plan.stream_workers)]
        kills = kill_moments(plan, rng)
        try:
            await asyncio.gather(
                supervisor(run, kills),
                round_one(run),
                round_two(run, store),
                *(actors(run, group, random.Random(rng.random())) for group in groups if group),
            )
            await bot.wait_healthy()
            settle_s, run.settled_at, settle_waits = await quiescent(
                db_url, within=plan.settle_within
            )
            stop.set()
            await watcher
        finally:
            stop.set()
            await store.close()
            await sender.close()
            exit_code = await bot.stop()
        logs = bot.logs()
        figures = await verify(run, seeded, exit_code, logs)
        figures["settle_after_stream_s"] = round(settle_s, 1)
        figures["settle_waited_for_s"] = settle_waits
        figures["stream_seconds"] = plan.duration
    return figures
