"""Platform faults on Discord: the REST stand-in answers 429 + Retry-After or 5xx to ~20% of
the calls that deliver messages and times out on 5%; every nudge, reminder and digest still
reaches its person or channel exactly once, and what can never be delivered is recorded and
shown to the set's facilitators.

The real discord.py client is connected to the stand-in's gateway (`serve_discord`, as
`alsbot run` does) and the core runs on a `FakeClock`.  Faults apply to the calls that
deliver (`POST /users/@me/channels`, `/channels/{id}/messages`): discord.py itself waits out
short 429s (honouring `retry_after`) and retries 502s; 503s and timeouts go back to the
outbox.  A timeout holds the answer past the outlet's `timeout`.  With `handled` Discord
created the message before its answer was lost: the retry carries the same nonce (the outbox
row's key) with `enforce_nonce`, so Discord returns the first message instead of a second.

Permanent failures: two people's DMs are closed (50007), the bot lost Send Messages in one
set's channel (50013) and another set's channel was deleted (10003).  Facilitators see the
failures in `/als report` (a real slash command; the deleted channel has nowhere left to run
it, so that one is checked in the outbox only) and the failed nudges in their digest.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.discord.client import serve_discord
from adapters.discord.render import render
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.replies import Direct, Post, reply_from_json
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import DM, UserInfo
from testkit.discord.running import FAST, discord_config, wait_inbox
from testkit.worlds import faults as common

DELIVERY = r"/channels/\d+/messages|/users/@me/channels"
REASONS = {"50007", "50013", "10003"}


@dataclass
class DiscordFaultPlan:
    sets: int = 8
    people: int = 5
    timeouts: float = 0.05
    rate_limited: float = 0.10  # 429 + Retry-After (discord.py waits it out)
    bad_gateway: float = 0.05  # 502 (discord.py retries it itself)
    unavailable: float = 0.05  # 503 (back to the outbox)
    handled_on_timeout: bool = False  # Discord created the message; only its answer is lost
    retry_after: float = 0.5
    client_timeout: float = 1.5  # the outlet's bound on one delivery
    # The draws are seeded: with seed 1 the first few hundred calls meet close to the
    # nominal mix (seed 8 happened to draw only 14% 429/5xx); the soak runs thousands.
    seed: int = 1


def inject(standin: DiscordStandIn, plan: DiscordFaultPlan) -> None:
    """The fault mix, as fractions of all delivery calls (each draw is of what is left)."""
    left = 1.0
    hold = plan.client_timeout + 1.5
    for status, share, extra in (
        (504, plan.timeouts, {"hold": hold, "handled": plan.handled_on_timeout}),
        (429, plan.rate_limited, {"retry_after": plan.retry_after}),
        (502, plan.bad_gateway, {}),
        (503, plan.unavailable, {}),
    ):
        if share > 0:
            standin.fail("*", DELIVERY, status, fraction=share / left, **extra)
            left -= share


async def run_discord_faults(tmp_path: Path, plan: DiscordFaultPlan | None = None) -> dict:
    plan = plan or DiscordFaultPlan()
    started = time.perf_counter()
    async with DiscordStandIn(seed=plan.seed) as standin:
        world = standin.world
        ws = WorkspaceRef(Platform.DISCORD, world.guild_id)
        closed = {(0, 1), (min(3, plan.sets - 2), 2)}
        channels = [world.add_channel(f"set-{s}") for s in range(plan.sets)]
        facilitators = [world.add_user(f"fac{s}") for s in range(plan.sets)]
        people = [
            [world.add_user(f"p{s}.{i}", dms_open=(s, i) not in closed) for i in range(plan.people)]
            for s in range(plan.sets)
        ]
        no_permission, deleted = channels[-2], channels[-1]
        config = discord_config(standin, tmp_path / "faults.db", ALSBOT_DEFAULTS_QUIET_HOURS="off")
        app = await Alsbot.open(config, clock=FakeClock(common.START))
        stop = await serve_discord(app, config, ready_timeout=30, **FAST)
        stop.client.outlet.timeout = plan.client_timeout
        try:
            layouts = [
                common.SetLayout(
                    ChannelRef(ws, channels[s].id),
                    UserRef(ws, facilitators[s].id),
                    [UserRef(ws, p.id) for p in people[s]],
                )
                for s in range(plan.sets)
            ]
            await common.seed(app, layouts)
            standin.rest.bucket_limit = 50  # as Discord: many requests per route at once
            standin.fail(  # someone took the bot's Send Messages permission in this channel
                "POST",
                rf"/channels/{no_permission.id}/messages",
                403,
                times=10**9,
                code=50013,
                message="Missing Permissions",
            )
            inject(standin, plan)
            del world.channels[deleted.id]
            await standin.dispatch("CHANNEL_DELETE", deleted.payload())
            steps = await common.fire_all(app)
            fired_at = time.perf_counter()
            reports = await ask_for_reports(standin, app, channels, facilitators, deleted)
            gone = {people[s][i].id for s, i in closed}
            expected = {f"dm:{UserRef(ws, g).key}" for g in gone}
            expected |= {ChannelRef(ws, c.id).key for c in (no_permission, deleted)}
            out = await common.outcome(app, expected, REASONS)
            figures = common.timer_figures(out)
            problems = out.problems
            problems += shown_to_facilitators(
                standin, reports, channels, facilitators, people, closed, no_permission, deleted
            )
            figures.update(wire_figures(standin, out.rows, plan, problems))
            figures["problems"] = problems
        finally:
            await stop()
            await app.close()
    figures["steps"] = steps
    figures["sets"] = plan.sets
    figures["people"] = plan.sets * plan.people
    figures["failure_reasons"] = dict(Counter(_code(r.error) for r in out.failed))
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["seconds_firing_timers"] = round(fired_at - started, 1)
    return figures


def _code(error: str | None) -> str:
    return next((code for code in sorted(REASONS) if code in (error or "")), error or "?")


async def ask_for_reports(
    standin: DiscordStandIn,
    app: Alsbot,
    channels: list[Any],
    facilitators: list[UserInfo],
    deleted: Any,
) -> dict[str, str]:
    """Each facilitator runs `/als report` in their set's channel (a real slash command)."""
    tokens, keys = {}, []
    for channel, fac in zip(channels, facilitators, strict=True):
        if channel is deleted:
            continue
        info = await standin.slash(fac, "report show", channel_id=channel.id)
        tokens[channel.id] = info.token
        keys.append(f"discord:interaction:{info.id}")
    for key in keys:
        await wait_inbox(app, key, within=30)
    await app.settle(max_wait=120)
    await standin.wait_for(lambda: all(_answer(standin, t) for t in tokens.values()), within=30)
    return {cid: _answer(standin, token) for cid, token in tokens.items()}


def _answer(standin: DiscordStandIn, token: str) -> str:
    """The report's text: the interaction's answer once it is more than "thinking…"."""
    return "\n".join(
        m.content
        for m in standin.world.messages.values()
        if m.interaction_token == token and "how the set is doing" in m.content
    )


def shown_to_facilitators(
    standin: DiscordStandIn,
    reports: dict[str, str],
    channels: list[Any],
    facilitators: list[UserInfo],
    people: list[list[UserInfo]],
    closed: set[tuple[int, int]],
    no_permission: Any,
    deleted: Any,
) -> list[str]:
    problems = []
    digests = {
        fac.id: "\n".join(t for t in _dms(standin, fac) if "Before the next session" in t)
        for fac in facilitators
    }
    for s, i in closed:
        who, report = people[s][i], reports.get(channels[s].id, "")
        if who.id not in report or "50007" not in report:
            problems.append(
                f"/als report in set {s} does not show the closed DMs of {who.username}"
            )
        digest = digests[facilitators[s].id]
        if "could not be delivered" not in digest or "50007" not in digest:
            problems.append(f"the digest for set {s} does not name the failed nudge")
    if "50013" not in reports.get(no_permission.id, ""):
        problems.append("/als report does not show the channel the bot may not post in")
    troubled = {channels[s].id for s, _ in closed} | {no_permission.id, deleted.id}
    for cid, report in reports.items():
        if cid not in troubled and "could not be delivered" in report:
            problems.append(f"/als report in {cid} shows failures that did not happen")
    for s, fac in enumerate(facilitators):
        if not digests[fac.id]:
            problems.append(f"no digest reached the facilitator of set {s}")
    return problems


def _dms(standin: DiscordStandIn, user: UserInfo) -> list[str]:
    dm = next(
        (c for c in standin.world.channels.values() if c.type == DM and c.recipient is user),
        None,
    )
    if dm is None:
        return []
    return [m.content for m in standin.world.messages.values() if m.channel_id == dm.id]


def wire_figures(
    standin: DiscordStandIn, rows: list[Any], plan: DiscordFaultPlan, problems: list[str]
) -> dict[str, Any]:
    """Compare sent outbox rows with the messages Discord holds; count what went wrong."""
    world = standin.world
    dm_of = {
        c.recipient.id: c.id
        for c in world.channels.values()
        if c.type == DM and c.recipient is not None
    }
    expected: Counter[tuple[str, str]] = Counter()
    for row in rows:
        reply = reply_from_json(row.body)
        if row.status != "sent" or not isinstance(reply, Post | Direct):
            continue
        where = reply.channel.id if isinstance(reply, Post) else dm_of.get(reply.user.id, "?")
        expected[(where, render(reply.text, reply.buttons).content)] += 1
    seen: Counter[tuple[str, str]] = Counter(
        (m.channel_id, m.content)
        for m in world.messages.values()
        if m.author is world.bot and m.interaction_token is None
    )
    missing = expected - seen
    doubled = seen - expected
    if missing:
        problems.append(f"marked sent, not at Discord: {list(missing)[:3]}")
    if doubled:
        problems.append(f"at Discord more often than sent: {list(doubled)[:3]}")
    calls = [c for c in standin.rest.calls if _delivery(c.path)]
    statuses = Counter("timeout" if c.timed_out else str(c.status) for c in calls)
    gaps = retry_gaps(calls)
    early = [g for g in gaps if g < plan.retry_after - 0.05]
    if early:
        problems.append(f"{len(early)} retries came before Retry-After ({min(early):.2f} s)")
    faults = sum(n for s, n in statuses.items() if s not in ("200", "403", "404"))
    busy = sum(n for s, n in statuses.items() if s == "429" or s.startswith("5"))
    return {
        "delivery_calls": len(calls),
        "calls_by_status": dict(statuses),
        "fault_rate": round(faults / max(len(calls), 1), 3),
        "share_429_or_5xx": round(busy / max(len(calls), 1), 3),
        "share_timeouts": round(statuses.get("timeout", 0) / max(len(calls), 1), 3),
        "timeouts": statuses.get("timeout", 0),
        "answers_lost_after_discord_acted": statuses.get("timeout", 0)
        if plan.handled_on_timeout
        else 0,
        "retried_by_nonce_not_reposted": _nonce_hits(standin),
        "delivered_twice": sum(doubled.values()),
        "lost": sum(missing.values()),
        "retry_after_min_gap_s": round(min(gaps), 2) if gaps else None,
    }


def _delivery(path: str) -> bool:
    return re.fullmatch(DELIVERY, path) is not None


def _nonce_hits(standin: DiscordStandIn) -> int:
    """Message creations answered with an earlier message because the nonce was seen."""
    counts = Counter(
        str(c.body.get("nonce"))
        for c in standin.rest.calls
        if c.method == "POST" and _delivery(c.path) and c.path.endswith("/messages")
        if isinstance(c.body, dict) and c.body.get("nonce") and c.status == 200
    )
    return sum(n - 1 for n in counts.values() if n > 1)


def retry_gaps(calls: list[Any]) -> list[float]:
    """For each 429, seconds until the same request (nonce aside) was made again."""

    def same(call: Any) -> tuple[str, str, str]:
        body = dict(call.body) if isinstance(call.body, dict) else {}
        body.pop("nonce", None)
        return call.method, call.path, json.dumps(body, sort_keys=True, default=str)

    out = []
    for i, call in enumerate(calls):
        if call.status != 429:
            continue
        key = same(call)
        later = next((c for c in calls[i + 1 :] if same(c) == key), None)
        if later is not None:
            out.append(later.at - call.at)
    return out
