"""Crash: kill -9 the real `alsbot run` 20 times during a stream of events and live rounds.

The bot runs as an operator runs it (Slack HTTP mode, a SQLite file, the Web API stand-in,
real time, `scheduler.tick_seconds = 0.2`); this process plays Slack. While a seeded
stream of signed slash commands, DMs and round-thread messages flows in — each retried,
as Slack retries, until it gets a 2xx — a supervisor kills the process with SIGKILL at 20
seeded random moments and restarts it at once. Meanwhile:

- round 1 was started by `/als start` and is left alone: its opening phase ends by its
  phase timer, at its own deadline, whatever restarts happen in between;
- round 2 is driven through every phase by `/als next`, paused across several crashes
  and resumed, with questions, actions and ratings posted in its thread;
- a third set has nudges, reminders and a facilitators' digest falling due during the run.

At the end, every acknowledged event has its effect in the database, exactly once; the
rounds are in the phase the moves and the clock say, with the remaining time they had;
every reply that the database says was sent reached Slack, and any reply that reached
Slack twice did so only because a kill landed between Slack accepting it and the `sent`
commit — the at-least-once window documented in docs/ARCHITECTURE.md.

`run_crash` returns the figures (docs/RELIABILITY.md); `bench/soak_crash.py` runs it longer.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from bot.app import Alsbot
from bot.config import load_config
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.round_codec import state_from_json
from bot.round_engine import Phase
from bot.services import planning, sets
from bot.services.context import Ctx
from bot.store.db import open_store
from bot.store.models import (
    Action,
    Evaluation,
    Inbox,
    Outbox,
    OutcomeUpdate,
    Posted,
    ScheduleRow,
    Timer,
)
from bot.store.models import Session as SessionRow
from bot.store.models import Set as SetRow
from tests.reliability.live import BotProcess, SlackSender, child_env, free_port, write_config
from tests.reliability.wire import dm_channel, observed, reconcile
from tests.standins import slack_signing as sign
from tests.standins.slack_web_api import SlackWebApi

SECRET = "crash-test-signing-secret-5d1f0e"
TEAM = "T0TEST"
WS = WorkspaceRef(Platform.SLACK, TEAM)
ACT, R1, R2, NUDGE = "C0ACT", "C0SET1", "C0SET2", "C0NUDGE"
FAC_ACT, FAC1, FAC2, PRES, NFAC = "UFACA", "UFAC1", "UFAC2", "UPRES", "UNFAC"
SUPPORTERS = ("USUP1", "USUP2")
# The at-least-once window: from Slack accepting a message to the `sent` commit. It is
# milliseconds; this allows for a loaded CI machine.
WINDOW_SECONDS = 2.0
PHASE_ORDER = [
    Phase.OPENING,
    Phase.UPDATES,
    Phase.PRESENTING,
    Phase.QUESTIONS,
    Phase.SUMMARY,
    Phase.ACTIONS,
    Phase.EVALUATION,
    Phase.CLOSED,
]


@dataclass
class CrashPlan:
    kills: int = 20
    duration: float = 62.0  # seconds of event stream; round 1's opening ends at ~60 s
    seed: int = 8
    actors: int = 8
    nudged: int = 6
    stream_workers: int = 2


@dataclass
class Run:
    plan: CrashPlan
    api: SlackWebApi
    bot: BotProcess
    sender: SlackSender
    db_url: str
    t0: float  # loop time at the start of the stream
    wall0: float
    rng: random.Random
    expected_actions: list[tuple[str, str]] = field(default_factory=list)
    expected_updates: list[tuple[str, str]] = field(default_factory=list)
    r2_actions: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    ratings: dict[str, int] = field(default_factory=dict)
    askers: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    observed_r1: list[tuple[str, str | None]] = field(default_factory=list)
    observed_r2: list[tuple[str, int]] = field(default_factory=list)
    pause_remaining: float | None = None
    invariant_checks: int = 0
    resume_acked_at: float | None = None
    resumed_deadline: datetime | None = None

    def at(self, seconds: float) -> float:
        return self.t0 + seconds

    async def until(self, seconds: float) -> None:
        delay = self.at(seconds) - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def command(self, name: str, user: str, channel: str, text: str):
        self.askers[name] = user
        return await self.sender.command(
            name, user, channel, text, response_url=self.api.response_url(name)
        )

    async def message(self, name: str, user: str, channel: str, text: str, thread_ts: str | None):
        seeded = self.api.seed_message(channel, text, user=user, thread_ts=thread_ts)
        kind = "im" if channel.startswith("D") else "channel"
        event = sign.message_event(
            user=user,
            channel=channel,
            text=text,
            ts=seeded.ts,
            thread_ts=thread_ts,
            channel_type=kind,
            team=TEAM,
        )
        return await self.sender.event(name, event)


# ------------------------------------------------------------------------------ seeding


def config_sections(db_url: str, api_url: str, port: int) -> dict[str, dict[str, Any]]:
    return {
        "database": {"url": db_url},
        "scheduler": {"tick_seconds": 0.2},
        "defaults": {
            "opening_minutes": 1,
            "updates_minutes": 1,
            "presenting_minutes": 6,
            "questions_minutes": 1,
            "summary_minutes": 1,
            "actions_minutes": 1,
            "evaluation_minutes": 1,
            "quiet_hours": "off",
        },
        "slack": {
            "enabled": True,
            "mode": "http",
            "api_base_url": api_url,
            "host": "127.0.0.1",
            "port": port,
        },
        "logging": {"level": "INFO"},
    }


async def seed(db_url: str, plan: CrashPlan) -> tuple[dict[str, int], list[int]]:
    """Before the first start: a set for the action stream, and a set whose nudges,
    reminders and digest fall due while the bot is being killed."""
    config = load_config(
        None, {"ALSBOT_DATABASE_URL": db_url, "ALSBOT_DEFAULTS_QUIET_HOURS": "off"}
    )
    app = await Alsbot.open(config)
    now = datetime.now(UTC)
    try:
        async with app.store.write() as conn:
            ctx = Ctx(conn, now, config, router=app.router)
            act = await sets.create_set(ctx, ChannelRef(WS, ACT))
            await sets.ensure_member(ctx, act.id, UserRef(WS, FAC_ACT), facilitator=True)
            nudge_set = await sets.create_set(ctx, ChannelRef(WS, NUDGE))
            await sets.ensure_member(ctx, nudge_set.id, UserRef(WS, NFAC), facilitator=True)
            for i in range(plan.nudged):
                person = UserRef(WS, f"UN{i:02d}")
                await sets.ensure_member(ctx, nudge_set.id, person)
                await conn.execute(
                    insert(Action.__table__).values(
                        set_id=nudge_set.id,
                        session_id=None,
                        owner_key=person.key,
                        text=f"Ask the board about budget line {i}",
                        due=None,
                        status="open",
                        created_at=now,
                        updated_at=now,
                    )
                )
            session_at = now + timedelta(days=3, hours=2)
            await conn.execute(
                insert(ScheduleRow.__table__).values(
                    set_id=nudge_set.id, first_at=session_at, recurrence=None, next_at=session_at
                )
            )
            await planning.plan_set(ctx, nudge_set)
        timers = Timer.__table__
        kinds = (planning.NUDGE, planning.REMINDER, planning.DIGEST)
        async with app.store.write() as conn:
            ids = [
                r[0]
                for r in await conn.execute(
                    select(timers.c.id)
                    .where(timers.c.status == "pending", timers.c.kind.in_(kinds))
                    .order_by(timers.c.due_at, timers.c.id)
                )
            ]
            # Spread them over the stream: some fall due while the bot is down.
            span = max(plan.duration - 12.0, 5.0)
            for i, timer_id in enumerate(ids):
                due = now + timedelta(seconds=8.0 + span * i / max(len(ids), 1))
                await conn.execute(update(timers).where(timers.c.id == timer_id).values(due_at=due))
            counts = Counter(
                r[0] for r in await conn.execute(select(timers.c.kind).where(timers.c.id.in_(ids)))
            )
    finally:
        await app.close()
    return dict(counts), ids


# ------------------------------------------------------------------------------ reading


async def read_all(db_url: str, table: Any, *where: Any) -> list[Any]:
    store = await open_store(db_url, migrate=False)
    try:
        async with store.read() as conn:
            return list(await conn.execute(select(table).where(*where)))
    finally:
        await store.close()


async def session_of(store: Any, channel: str) -> Any:
    sets_t, sessions = SetRow.__table__, SessionRow.__table__
    async with store.read() as conn:
        return (
            await conn.execute(
                select(sessions)
                .join(sets_t, sets_t.c.id == sessions.c.set_id)
                .where(sets_t.c.channel_key == ChannelRef(WS, channel).key)
                .order_by(sessions.c.id.desc())
                .limit(1)
            )
        ).first()


async def header_ts(store: Any, channel: str, within: float = 120.0) -> str:
    """The round header's ts once its delivery is recorded (people reply to what they see)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        session = await session_of(store, channel)
        if session is not None:
            async with store.read() as conn:
                key = (
                    await conn.execute(
                        select(Posted.__table__.c.message_key).where(
                            Posted.__table__.c.handle == f"session:{session.id}:header"
                        )
                    )
                ).scalar()
            if key:
                return MessageRef.from_key(key).id
        await asyncio.sleep(0.1)
    raise AssertionError(f"the header in {channel} was never posted")


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
    await run.until(0.2)
    await run.command("r1-start", FAC1, R1, "start")


async def round_two(run: Run, store: Any) -> None:
    """Every phase, by command; paused across crashes; questions, actions and ratings."""
    d = run.plan.duration / 62.0  # the script stretches with a longer soak

    async def move(at: float, name: str, text: str):
        await run.until(at * d)
        return await run.command(f"r2-{name}", FAC2, R2, text)

    await move(1.0, "start", f"start <@{PRES}|pres>")
    await move(5.0, "next-updates", "next")
    await move(9.0, "next-presenting", "next")
    await move(13.0, "pause", "pause")
    await run.until(14.0 * d)
    run.pause_remaining = await _paused_remaining(store)
    resumed = await move(27.0, "resume", "resume")
    run.resume_acked_at = resumed.acked_at
    run.resumed_deadline = await _resumed_deadline(store)
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


async def _paused_remaining(store: Any, within: float = 120.0) -> float:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        session = await session_of(store, R2)
        if session is not None:
            state = state_from_json(session.state)
            if state.paused_remaining is not None:
                return state.paused_remaining.total_seconds()
        await asyncio.sleep(0.1)
    raise AssertionError("round 2 was never paused")


async def _resumed_deadline(store: Any, within: float = 120.0) -> datetime:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        session = await session_of(store, R2)
        state = state_from_json(session.state)
        if state.paused_remaining is None and state.deadline is not None:
            return state.deadline
        await asyncio.sleep(0.1)
    raise AssertionError("round 2 was never resumed")


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


async def quiescent(db_url: str, within: float) -> float:
    """Wait until nothing is pending anywhere (round 1 past its opening); seconds waited."""
    started = time.monotonic()
    store = await open_store(db_url, migrate=False)
    busy: dict[str, Any] = {}
    try:
        while time.monotonic() - started < within:
            async with store.read() as conn:
                inbox = (
                    await conn.execute(
                        select(Inbox.__table__.c.id).where(Inbox.__table__.c.status == "pending")
                    )
                ).first()
                outbox = (
                    await conn.execute(
                        select(Outbox.__table__.c.id).where(
                            Outbox.__table__.c.status.in_(("pending", "sending"))
                        )
                    )
                ).first()
                due = (
                    await conn.execute(
                        select(Timer.__table__.c.id).where(
                            Timer.__table__.c.status.in_(("pending", "running")),
                            Timer.__table__.c.due_at <= datetime.now(UTC),
                        )
                    )
                ).first()
            r1 = await session_of(store, R1)
            r1_moved = r1 is not None and state_from_json(r1.state).phase != Phase.OPENING
            if inbox is None and outbox is None and due is None and r1_moved:
                return time.monotonic() - started
            busy = {"inbox": inbox, "outbox": outbox, "timer": due, "round1_moved": r1_moved}
            await asyncio.sleep(0.2)
    finally:
        await store.close()
    raise AssertionError(f"still busy after {within} s: {busy}")


async def run_crash(workdir: Path, plan: CrashPlan | None = None) -> dict[str, Any]:
    plan = plan or CrashPlan()
    rng = random.Random(plan.seed)
    db_url = f"sqlite+aiosqlite:///{workdir / 'alsbot.db'}"
    seeded, seeded_ids = await seed(db_url, plan)
    port = free_port()
    async with SlackWebApi(token="xoxb-crash-test-token", seed=plan.seed) as api:
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
            settle_s = await quiescent(db_url, within=150.0)
            stop.set()
            await watcher
        finally:
            stop.set()
            await store.close()
            await sender.close()
            exit_code = await bot.stop()
        logs = bot.logs()
        figures = await verify(run, seeded, seeded_ids, exit_code, logs)
        figures["settle_after_stream_s"] = round(settle_s, 1)
        figures["stream_seconds"] = plan.duration
    return figures


# ------------------------------------------------------------------------------ checks


async def verify(
    run: Run, seeded: dict[str, int], seeded_ids: list[int], exit_code: int | None, logs: str
) -> dict:
    problems = run.problems
    url = run.db_url
    inbox = {r.key: r for r in await read_all(url, Inbox.__table__)}
    outbox = await read_all(url, Outbox.__table__)
    actions = await read_all(url, Action.__table__)
    updates = await read_all(url, OutcomeUpdate.__table__)
    timers = await read_all(url, Timer.__table__)
    evaluations = await read_all(url, Evaluation.__table__)
    sessions = {
        channel: (await read_all(url, SessionRow.__table__, SessionRow.__table__.c.id == sid))[0]
        for channel, sid in await _session_ids(url)
    }

    # 1. Every acknowledged event is durable and was handled.
    lost = []
    for item in run.sender.sent:
        key = (
            f"slack:event:Ev{item.name}"
            if item.kind == "events_api"
            else f"slack:command:trig.{item.name}"
        )
        row = inbox.get(key)
        if item.acked_at is None:
            problems.append(f"{item.name} was never acknowledged")
        elif row is None:
            lost.append(item.name)
        elif row.status != "done" or row.error:
            problems.append(f"{item.name}: inbox {row.status} {row.error}")
    if lost:
        problems.append(f"acknowledged but lost: {lost}")

    # 2. Their effects, each exactly once.
    have = Counter((a.owner_key, a.text) for a in actions)
    for user, text in run.expected_actions:
        if have[(UserRef(WS, user).key, text)] != 1:
            problems.append(f"action {text!r}: {have[(UserRef(WS, user).key, text)]} rows")
    have_updates = Counter((u.user_key, u.text) for u in updates)
    for user, text in run.expected_updates:
        if have_updates[(UserRef(WS, user).key, text)] != 1:
            problems.append(f"update {text!r}: {have_updates[(UserRef(WS, user).key, text)]} rows")
    r2 = sessions[R2]
    r2_actions = sorted(a.text for a in actions if a.session_id == r2.id)
    if r2_actions != sorted(run.r2_actions):
        problems.append(f"round 2 actions {r2_actions} != {run.r2_actions}")
    rated = {e.user_key: e.rating for e in evaluations if e.session_id == r2.id}
    if rated != {UserRef(WS, w).key: n for w, n in run.ratings.items()}:
        problems.append(f"round 2 ratings {rated}")

    # 3. The rounds: phases and time.
    r1_state = state_from_json(sessions[R1].state)
    r2_state = state_from_json(r2.state)
    if r1_state.phase != Phase.UPDATES:
        problems.append(f"round 1 is in {r1_state.phase}, expected updates")
    opening = [m for m in run.observed_r1 if m[0] == "opening"]
    r1_opening_deadline = datetime.fromisoformat(opening[0][1]) if opening else None
    r1_lag = (
        (r1_state.phase_started_at - r1_opening_deadline).total_seconds()
        if r1_opening_deadline
        else None
    )
    if r1_lag is None or not 0 <= r1_lag <= 30:
        problems.append(f"round 1 moved on {r1_lag} s after its deadline")
    if r2_state.phase != Phase.CLOSED:
        problems.append(f"round 2 is in {r2_state.phase}, expected closed")
    # Resumed with exactly the time it had: deadline = when the resume was handled + that.
    resume_lag = None
    if run.resumed_deadline and run.pause_remaining and run.resume_acked_at:
        handled = run.resumed_deadline - timedelta(seconds=run.pause_remaining)
        resume_lag = handled.timestamp() - run.resume_acked_at
        if not -1.0 <= resume_lag <= 30.0:
            problems.append(f"round 2 resumed {resume_lag:.1f} s after the command was acked")
    else:
        problems.append("round 2's pause and resume were not observed")
    r2_phases = [Phase(p) for p, _ in run.observed_r2]
    if r2_phases != sorted(r2_phases, key=PHASE_ORDER.index) or len(set(r2_phases)) != len(
        r2_phases
    ):
        problems.append(f"round 2 phases went {r2_phases}")

    # 4. Timers: every nudge, reminder and digest ran once; none is left behind.
    ours = [t for t in timers if t.id in seeded_ids]
    not_done = [(t.kind, t.status, t.note) for t in ours if t.status != "done"]
    if not_done:
        problems.append(f"timers not done: {not_done}")
    unsent = [(t.kind, t.note) for t in ours if not (t.note or "").startswith("sent")]
    if unsent:
        problems.append(f"timers that did not send: {unsent}")
    stuck = [(t.kind, t.status) for t in timers if t.status in ("running", "failed")]
    if stuck:
        problems.append(f"timers stuck or failed: {stuck}")

    # 5. Replies: one row per effect; every sent row reached Slack; doubles only in the window.
    not_sent = [(o.lane, o.status, o.error) for o in outbox if o.status != "sent"]
    if not_sent:
        problems.append(f"outbox rows not sent: {not_sent[:5]}")
    wire = reconcile(outbox, run.api, run.askers)
    if wire.repeated_rows:
        problems.append(f"the core enqueued one reply twice: {wire.repeated_rows[:3]}")
    if wire.missing:
        problems.append(f"sent in the database but never reached Slack: {list(wire.missing)[:3]}")
    if wire.unexplained:
        problems.append(f"reached Slack with no row behind it: {wire.unexplained[:3]}")
    doubles: list[dict[str, Any]] = []
    for key, firsts in wire.extra.items():
        for first in firsts:
            gaps = [k - first for k in run.bot.kills if 0 <= k - first <= WINDOW_SECONDS]
            doubles.append({"what": key[:2], "kill_after_s": round(min(gaps), 3) if gaps else None})
            if not gaps:
                problems.append(f"delivered twice with no kill in the window: {key}")

    # 6. The process: clean exits apart from the kills; no error logged.
    if exit_code != 0:
        problems.append(f"final SIGTERM exit code {exit_code}")
    errors = [line for line in logs.splitlines() if line.startswith(("ERROR", "CRITICAL"))]

    nudges = [t for t in ours if t.kind == planning.NUDGE]
    sent_items = run.sender.sent
    return {
        "kills": len(run.bot.kills),
        "process_starts": run.bot.runs,
        "events_acknowledged": sum(1 for i in sent_items if i.acked_at is not None),
        "events_by_kind": dict(Counter(i.kind for i in sent_items)),
        "requests_sent": sum(i.attempts for i in sent_items),
        "requests_unanswered_or_refused": sum(len(i.failures) for i in sent_items),
        "slow_acks": sum(1 for i in sent_items if "slow" in i.answer.lower()),
        "effects_checked": {
            "actions": len(run.expected_actions) + len(run.r2_actions),
            "outcome_updates": len(run.expected_updates),
            "ratings": len(run.ratings),
            "round_phases": len(run.observed_r1) + len(run.observed_r2),
        },
        "timers_seeded": seeded,
        "nudges_sent": sum(1 for t in nudges if (t.note or "").startswith("sent")),
        "round1_timer_lag_s": round(r1_lag, 2) if r1_lag is not None else None,
        "round2_paused_remaining_s": run.pause_remaining,
        "round2_resume_handled_after_ack_s": round(resume_lag, 2) if resume_lag else None,
        "invariant_reads": run.invariant_checks,
        "replies_in_outbox": len(outbox),
        "messages_at_slack": sum(len(t) for t in observed(run.api, run.askers).values()),
        "duplicates_in_window": len(doubles),
        "duplicates": doubles,
        "error_log_lines": len(errors),
        "errors": errors[:5],
        "lost": len(lost),
        "problems": problems,
    }


async def _session_ids(url: str) -> list[tuple[str, int]]:
    store = await open_store(url, migrate=False)
    try:
        out = []
        for channel in (R1, R2):
            session = await session_of(store, channel)
            assert session is not None, f"no session in {channel}"
            out.append((channel, session.id))
        return out
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_twenty_kills_lose_nothing_and_double_nothing(tmp_path: Path) -> None:
    seed = int(os.environ.get("ALSBOT_RELIABILITY_SEED", "8"))
    figures = await run_crash(tmp_path, CrashPlan(seed=seed))
    print(json.dumps(figures, indent=1))
    assert figures["kills"] == 20
    assert figures["lost"] == 0
    assert figures["problems"] == []
    assert figures["error_log_lines"] == 0, figures["errors"]
