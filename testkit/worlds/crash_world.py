"""The world the crash test kills the bot in: its sets, its timers, and how it is read.

Shared by `crash_run` (which drives the stream), `crash_verify` (which checks the
outcome), the test and its soak variant in `bench/`: one definition of what was seeded and
what "settled" means.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.app import Alsbot
from bot.config import load_config
from bot.context import Ctx
from bot.followup import planning
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.rounds.codec import state_from_json
from bot.rounds.engine import Phase
from bot.sets import records as sets
from bot.store.db import open_store
from bot.store.models import Inbox, Outbox, Posted, Timer
from bot.store.models import Session as SessionRow
from bot.store.models import Set as SetRow
from testkit.eventually import eventually
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.worlds.faults import SetLayout, add_owing_set
from testkit.worlds.live import BotProcess, SlackSender

SECRET = "crash-test-signing-secret-5d1f0e"
TEAM = sign.TEAM
WS = WorkspaceRef(Platform.SLACK, TEAM)
ACT, R1, R2, NUDGE = "C0ACT", "C0SET1", "C0SET2", "C0NUDGE"
FAC_ACT, FAC1, FAC2, PRES, NFAC = "UFACA", "UFAC1", "UFAC2", "UPRES", "UNFAC"
SUPPORTERS = ("USUP1", "USUP2")
SEEDED_KINDS = (planning.NUDGE, planning.REMINDER, planning.DIGEST)
# The seeded set's next session: four local days ahead at 15:00, so that both nudge leads
# ("3,1" days, at 10:00), both reminders ("1d,1h") and the digest are in the future
# whatever the time of day the test runs at — the same fifteen timers every run.
SESSION_DAYS_AHEAD, SESSION_AT = 4, wall_time(15, 0)


@dataclass
class CrashPlan:
    kills: int = 20
    duration: float = 62.0  # seconds of event stream; round 1's opening ends at its end
    seed: int = 8
    actors: int = 8
    nudged: int = 6
    stream_workers: int = 2
    settle_within: float = 150.0


@dataclass
class Seeded:
    """What `seed` planned, and when each timer was made due (to see any re-plan)."""

    counts: dict[str, int]
    due: dict[int, datetime]  # timer id → the due time the seed gave it
    nudge_set: int
    session_at: datetime


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
    settled_at: datetime | None = None  # wall time when nothing was left to do

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
            # The seeded timers fall due now, whatever the day: on a Saturday or Sunday
            # they would be moved to Monday and never fire within the test.
            "send_on_weekends": True,
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


def expected_seeded(plan: CrashPlan) -> dict[str, int]:
    """Two nudges per person (3 and 1 days ahead), two reminders, one digest."""
    return {planning.NUDGE: 2 * plan.nudged, planning.REMINDER: 2, planning.DIGEST: 1}


async def seed(db_url: str, plan: CrashPlan) -> Seeded:
    """Before the first start: a set for the action stream, and a set whose nudges,
    reminders and digest are planned as the bot plans them, then made due while the bot
    is being killed (only their due times change; payloads and dedupe keys are the
    planner's own)."""
    config = load_config(
        None, {"ALSBOT_DATABASE_URL": db_url, "ALSBOT_DEFAULTS_QUIET_HOURS": "off"}
    )
    app = await Alsbot.open(config)
    now = datetime.now(UTC)
    tz = ZoneInfo(config.defaults.timezone)
    day = now.astimezone(tz).date() + timedelta(days=SESSION_DAYS_AHEAD)
    session_at = datetime.combine(day, SESSION_AT, tzinfo=tz).astimezone(UTC)
    try:
        async with app.store.write() as conn:
            ctx = Ctx(conn, now, config, hooks=app.router.hooks)
            act = await sets.create_set(ctx, ChannelRef(WS, ACT))
            await sets.ensure_member(ctx, act.id, UserRef(WS, FAC_ACT), facilitator=True)
            layout = SetLayout(
                ChannelRef(WS, NUDGE),
                UserRef(WS, NFAC),
                [UserRef(WS, f"UN{i:02d}") for i in range(plan.nudged)],
            )
            nudge_set = await add_owing_set(
                ctx, layout, session_at, lambda i: f"Ask the board about budget line {i}"
            )
        timers = Timer.__table__
        due: dict[int, datetime] = {}
        async with app.store.write() as conn:
            ids = [
                r[0]
                for r in await conn.execute(
                    select(timers.c.id)
                    .where(timers.c.status == "pending", timers.c.kind.in_(SEEDED_KINDS))
                    .order_by(timers.c.due_at, timers.c.id)
                )
            ]
            # Spread them over the stream, in their planned order (a person's 3-day nudge
            # before their 1-day one): some fall due while the bot is down.
            span = max(plan.duration - 12.0, 5.0)
            for i, timer_id in enumerate(ids):
                due[timer_id] = now + timedelta(seconds=8.0 + span * i / max(len(ids), 1))
                await conn.execute(
                    update(timers).where(timers.c.id == timer_id).values(due_at=due[timer_id])
                )
            counts = Counter(
                r[0] for r in await conn.execute(select(timers.c.kind).where(timers.c.id.in_(ids)))
            )
    finally:
        await app.close()
    return Seeded(dict(counts), due, nudge_set.id, session_at)


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


async def session_ids(url: str) -> list[tuple[str, int]]:
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


async def header_ts(store: Any, channel: str, within: float = 120.0) -> str:
    """The round header's ts once its delivery is recorded (people reply to what they see)."""

    async def posted() -> str | None:
        session = await session_of(store, channel)
        if session is None:
            return None
        async with store.read() as conn:
            key = (
                await conn.execute(
                    select(Posted.__table__.c.message_key).where(
                        Posted.__table__.c.handle == f"session:{session.id}:header"
                    )
                )
            ).scalar()
        return MessageRef.from_key(key).id if key else None

    return await eventually(
        posted, within=within, every=0.1, what=f"the header in {channel} being posted"
    )


async def paused_remaining(store: Any, within: float = 120.0) -> float:
    async def paused() -> tuple[timedelta] | None:
        session = await session_of(store, R2)
        remaining = None if session is None else state_from_json(session.state).paused_remaining
        # In a tuple: a pause with no time left (a falsy timedelta) is still a pause.
        return None if remaining is None else (remaining,)

    (remaining,) = await eventually(paused, within=within, every=0.1, what="round 2 pausing")
    return remaining.total_seconds()


async def resumed_deadline(store: Any, within: float = 120.0) -> datetime:
    async def resumed() -> datetime | None:
        state = state_from_json((await session_of(store, R2)).state)
        return state.deadline if state.paused_remaining is None else None

    return await eventually(resumed, within=within, every=0.1, what="round 2 being resumed")


# ------------------------------------------------------------------------------ settling


async def _busy(store: Any) -> dict[str, Any]:
    """What is still to do now: each value is a row (or False) — all falsy means settled."""
    now = datetime.now(UTC)
    async with store.read() as conn:
        inbox = (
            await conn.execute(
                select(Inbox.__table__.c.id).where(Inbox.__table__.c.status == "pending")
            )
        ).first()
        outbox = (
            await conn.execute(
                select(Outbox.__table__.c.id, Outbox.__table__.c.lane).where(
                    Outbox.__table__.c.status.in_(("pending", "sending"))
                )
            )
        ).first()
        due = (
            await conn.execute(
                select(Timer.__table__.c.id, Timer.__table__.c.kind).where(
                    Timer.__table__.c.status.in_(("pending", "running")),
                    Timer.__table__.c.due_at <= now,
                )
            )
        ).first()
    r1 = await session_of(store, R1)
    r1_opening = r1 is None or state_from_json(r1.state).phase == Phase.OPENING
    return {
        "inbox": inbox and tuple(inbox),
        "outbox": outbox and tuple(outbox),
        "timer": due and tuple(due),
        "round1_opening": r1_opening,
    }


async def quiescent(db_url: str, within: float) -> tuple[float, datetime, dict[str, float]]:
    """Wait until nothing is pending anywhere and round 1 is past its opening.

    Returns the seconds waited, the wall time it was reached, and how long each kind of
    work kept it busy (so a slow settle names its cause)."""
    started = time.monotonic()
    store = await open_store(db_url, migrate=False)
    waited: Counter[str] = Counter()
    busy: dict[str, Any] = {}
    last = started

    async def settled() -> datetime | None:
        nonlocal busy, last
        now = datetime.now(UTC)
        busy = await _busy(store)
        tick = time.monotonic()
        for what, value in busy.items():
            if value:
                waited[what] += tick - last
        last = tick
        return None if any(busy.values()) else now

    try:
        at = await eventually(
            settled,
            within=within,
            every=0.2,
            what=lambda: f"settling (still busy: {busy}; waited {dict(waited)})",
        )
    finally:
        await store.close()
    return time.monotonic() - started, at, {k: round(v, 1) for k, v in waited.items()}


def workdir_db(workdir: Path) -> str:
    return f"sqlite+aiosqlite:///{workdir / 'alsbot.db'}"
