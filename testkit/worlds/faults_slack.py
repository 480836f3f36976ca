"""The Slack platform-fault world: the Web API stand-in answering 429 + Retry-After, 5xx
and timeouts while every set's nudges, reminders and digests fall due, and what reached Slack
compared with what the database says was sent.

`run_faults` returns the figures that `tests/reliability/test_platform_faults.py` checks and
`bench/soak_faults.py` reports; a timeout either loses the request or (with
`processed_on_timeout`) only Slack's answer — the at-least-once window.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from adapters.slack.client import delivery_client
from adapters.slack.outlet import SlackOutlet
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.events import CommandInvoked
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.replies import Ephemeral, reply_from_json
from testkit.slack import signing as sign
from testkit.slack.web_api import Call, SlackWebApi
from testkit.worlds import faults as common
from testkit.worlds.wire import reconcile

TEAM = sign.TEAM
WS = WorkspaceRef(Platform.SLACK, TEAM)


@dataclass
class FaultPlan:
    sets: int = 8
    people: int = 5
    rate_limited: float = 0.10  # 429 with Retry-After
    server_errors: float = 0.11  # HTML 503 (of the calls not rate limited: ~20% in all)
    timeouts: float = 0.05
    processed_on_timeout: bool = False  # the answer, not the request, is lost
    retry_after: int = 1
    client_timeout: int = 1  # seconds before the outlet gives up waiting for Slack
    fixed_waits: float | None = 0.5  # replaces the outlet's 5 s / 2 s back-offs; None: real
    seed: int = 8


class FaultyWebApi(SlackWebApi):
    """The Web API stand-in, plus calls that hang past the client's timeout."""

    def __init__(self, *, timeouts: float, hold: float, processed: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timeout_fraction = timeouts
        self.hold_seconds = hold
        self.processed_on_timeout = processed
        self.timed_out: list[Call] = []

    async def _api(self, request: web.Request) -> web.Response:
        if self._random.random() >= self.timeout_fraction:
            return await super()._api(request)
        method = request.match_info["method"]
        if self.processed_on_timeout:
            response = await super()._api(request)  # Slack acts on it…
            self.timed_out.append(self.calls[-1])
            await asyncio.sleep(self.hold_seconds)  # …but the answer never arrives in time
            return response
        call = Call(method, {}, None, asyncio.get_running_loop().time(), 0, "timeout")
        await self._record(call)
        self.timed_out.append(call)
        await asyncio.sleep(self.hold_seconds)
        return web.Response(status=504, text="gateway timeout")


def person(s: int, i: int) -> str:
    return f"U{s:02d}P{i}"


def facilitator(s: int) -> str:
    return f"U{s:02d}F"


def channel(s: int) -> str:
    return f"C0S{s:02d}"


def layouts(plan: FaultPlan) -> list[common.SetLayout]:
    return [
        common.SetLayout(
            ChannelRef(WS, channel(s)),
            UserRef(WS, facilitator(s)),
            [UserRef(WS, person(s, i)) for i in range(plan.people)],
        )
        for s in range(plan.sets)
    ]


async def run_faults(tmp_path: Any, plan: FaultPlan | None = None) -> dict[str, Any]:
    plan = plan or FaultPlan()
    started = time.perf_counter()
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'faults.db'}"
    hold = plan.client_timeout + 0.5
    clock = FakeClock(common.START)
    async with FaultyWebApi(
        timeouts=plan.timeouts,
        hold=hold,
        processed=plan.processed_on_timeout,
        seed=plan.seed,
        clock=lambda: clock.now().timestamp(),  # Slack's timestamps are on the bot's time
    ) as api:
        api.rate_limit(fraction=plan.rate_limited, retry_after=plan.retry_after)
        api.server_error(count=None, fraction=plan.server_errors, status=503)
        gone = {person(0, 1), person(min(3, plan.sets - 1), 2)}
        archived = channel(min(5, plan.sets - 1))
        api.missing_users.update(gone)
        api.channel_errors[archived] = "is_archived"
        env = {
            "ALSBOT_DATABASE_URL": db_url,
            "ALSBOT_SLACK_CHANNEL_RATE_PER_SECOND": "0",
            "ALSBOT_DEFAULTS_QUIET_HOURS": "off",
        }
        app = await Alsbot.open(load_config(None, env), clock=clock)
        outlet = SlackOutlet(delivery_client(api.token, api.url, timeout=plan.client_timeout))
        app.attach(outlet)
        try:
            await common.seed(app, layouts(plan))
            steps = await common.fire_all(app)
            # The facilitators ask how the set is doing.
            for s in range(plan.sets):
                await app.submit(
                    CommandInvoked(
                        key=f"report:{s}",
                        user=UserRef(WS, facilitator(s)),
                        channel=ChannelRef(WS, channel(s)),
                        text="report",
                    )
                )
            await app.settle(max_wait=600)
            figures = await verify(app, api, plan, gone, archived)
        finally:
            await app.close()
    figures["steps"] = steps
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


async def verify(
    app: Alsbot, api: FaultyWebApi, plan: FaultPlan, gone: set[str], archived: str
) -> dict[str, Any]:
    # Failures: exactly the impossible ones, each with Slack's reason.
    expected_failure = {f"dm:{UserRef(WS, g).key}" for g in gone} | {ChannelRef(WS, archived).key}
    out = await common.outcome(app, expected_failure, {"user_not_found", "is_archived"})
    problems, rows, failed = out.problems, out.rows, out.failed
    reasons = Counter((r.error or "").removeprefix("slack: ") for r in failed)

    # Exactly once at Slack (or, with answers lost to timeouts, at most once more each).
    wire = reconcile(rows, api)
    if wire.missing:
        problems.append(f"marked sent, never reached Slack: {list(wire.missing)[:3]}")
    if wire.unexplained:
        problems.append(f"at Slack without a row: {wire.unexplained[:3]}")
    doubles = sum(len(v) for v in wire.extra.values())
    if wire.repeated_rows:
        problems.append(f"one cause enqueued twice: {wire.repeated_rows[:3]}")
    lost_answers = len(api.timed_out) if plan.processed_on_timeout else 0
    if doubles > lost_answers:
        problems.append(f"{doubles} doubled messages, only {lost_answers} lost answers")

    # Shown to facilitators: /als report, and the digest for nudges that failed.
    reports: dict[str, str] = {}
    digests: dict[str, str] = {}
    for r in rows:
        reply = reply_from_json(r.body)
        if isinstance(reply, Ephemeral) and r.cause and r.cause.startswith("report:"):
            reports[reply.channel.id] = reply.text.plain()
        elif (
            r.cause
            and r.cause.startswith("timer:")
            and "Before the next session"
            in str(reply.text.plain() if hasattr(reply, "text") else "")
        ):
            digests[reply.user.id] = reply.text.plain()
    for g in gone:
        s = int(g[1:3])
        if f"to {g} — slack: user_not_found" not in reports.get(channel(s), ""):
            problems.append(f"/als report in {channel(s)} does not show the failure for {g}")
        if "could not be delivered (slack: user_not_found)" not in digests.get(facilitator(s), ""):
            problems.append(f"the digest for {channel(s)} does not name the failed nudge")
    if "is_archived" not in reports.get(archived, ""):
        problems.append(f"/als report in {archived} does not show the archived channel")
    clean = [
        c for c in reports if c != archived and not any(int(g[1:3]) == int(c[3:]) for g in gone)
    ]
    for c in clean:
        if "could not be delivered" in reports[c]:
            problems.append(f"/als report in {c} shows failures that did not happen")

    # Retry-After was honoured: the next try of a 429'd message came no sooner.
    gaps = retry_gaps(api)
    early = [g for g in gaps if g < plan.retry_after - 0.05]
    if early:
        problems.append(f"{len(early)} retries came before Retry-After ({min(early):.2f} s)")

    statuses = Counter(
        "timeout" if c.error == "timeout" else str(c.status) for c in api.calls if c.method
    )
    total_calls = len(api.calls)
    return {
        "sets": plan.sets,
        "people": plan.sets * plan.people,
        **common.timer_figures(out),
        "calls": total_calls,
        "calls_by_status": dict(statuses),
        "fault_rate": round(
            sum(n for s, n in statuses.items() if s != "200") / max(total_calls, 1), 3
        ),
        "share_429_or_5xx": round(
            sum(n for s, n in statuses.items() if s == "429" or s.startswith("5"))
            / max(total_calls, 1),
            3,
        ),
        "share_timeouts": round(len(api.timed_out) / max(total_calls, 1), 3),
        "timeouts": len(api.timed_out),
        "answers_lost_after_slack_acted": lost_answers,
        "failure_reasons": dict(reasons),
        "delivered_twice": doubles,
        "lost": sum(wire.missing.values()),
        "retry_after_min_gap_s": round(min(gaps), 2) if gaps else None,
        "problems": problems,
    }


def retry_gaps(api: SlackWebApi) -> list[float]:
    """For each 429, seconds until the same message was tried again."""
    out = []
    calls = api.calls
    for i, call in enumerate(calls):
        if call.status != 429:
            continue
        same = (call.method, json.dumps(call.args, sort_keys=True, default=str))
        for later in calls[i + 1 :]:
            if (later.method, json.dumps(later.args, sort_keys=True, default=str)) == same:
                out.append(later.at - call.at)
                break
    return out
