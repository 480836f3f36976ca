"""Platform faults on Teams: the Bot Connector stand-in answers 429 + Retry-After or 5xx to
~20% of the calls that deliver (`POST /v3/conversations`, `POST …/activities`, `PUT
…/activities/{id}`) and stalls 5% past the outlet's timeout; every nudge, reminder and
digest still reaches its person or channel, and what can never be delivered is recorded
and shown to the set's facilitators.

The whole adapter runs (`serve_teams`, as `alsbot run` does: the outlet, its tokens from
the stand-in's Entra login, the listener behind the SDK's JWT check) with the core on a
`FakeClock`: stepping it fires every nudge, reminder and digest (`faults.py`); retries,
Retry-After and timeouts are real seconds (transport time). People and channels are known
as an install would have left them (conversation references): some people's 1:1 chats
are known, the others' are opened by the outlet (`POST /v3/conversations`).

Exactly once, or at least once: Teams takes no client-chosen id to deduplicate a post. A
stall that never reached Teams (`handled_on_timeout=False`, the usual hang) is retried
and delivered once; when Teams did post and only its answer was lost
(`handled_on_timeout=True`), the retry posts again — the at-least-once window the outlet's
docstring names, measured here (never more doubles than lost answers, nothing lost). A
`PUT` (an edit) and opening a 1:1 chat are idempotent: Teams answers the same chat again.

Permanent failures: two people blocked the bot (403 `ConversationBlockedByUser`), the bot
was removed from one set's channel (403 `BotNotInConversationRoster`) and another set's
conversation is gone (404 `ConversationNotFound`). Facilitators see them in `/als report`
(typed in the set's channel, answered in their 1:1 chat; the gone conversation has nowhere
to type it, so that one is checked in the outbox only) and the failed nudges in their
digest.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

import adapters.teams.outlet as teams_outlet
from adapters.teams import ids, render
from adapters.teams.conversations import ChannelAddress, Conversations, PersonAddress
from adapters.teams.service import serve_teams
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.refs import UserRef
from bot.replies import Direct, Ephemeral, Post, Text, reply_from_json, text
from testkit.teams import payloads
from testkit.teams.connector import BotConnector
from testkit.teams.records import Call, card_in, error_body, split_conversation_id
from testkit.worlds import faults as common

DELIVERY_OPS = ("create_conversation", "send", "reply", "update")
REASONS = {"ConversationBlockedByUser", "BotNotInConversationRoster", "ConversationNotFound"}


@dataclass
class TeamsFaultPlan:
    sets: int = 8
    people: int = 5
    timeouts: float = 0.05  # held past the outlet's timeout
    rate_limited: float = 0.10  # 429 + Retry-After
    bad_gateway: float = 0.05  # 502
    unavailable: float = 0.05  # 503
    handled_on_timeout: bool = False  # Teams posted it; only its answer was lost
    retry_after: float = 0.5
    client_timeout: float = 1.0  # the outlet's bound on one call
    fixed_waits: float | None = 0.3  # replaces the outlet's 5 s / 2 s back-offs; None: real
    # Seeded draws: with seed 2 the ~280 calls meet close to the nominal mix (seed 1 drew
    # 8% timeouts); a soak would run thousands.
    seed: int = 2


class FaultyConnector(BotConnector):
    """The stand-in, plus seeded transient faults on the calls that deliver."""

    def __init__(self, plan: TeamsFaultPlan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.draws = random.Random(plan.seed)
        self.timed_out: list[Call] = []

    async def _answer(
        self,
        request: web.Request,
        op: str,
        handle: Callable[[Call], tuple[int, Any]],
        *,
        with_body: bool = True,
    ) -> web.Response:
        if op not in DELIVERY_OPS or self._authorized(request) is None:
            return await super()._answer(request, op, handle, with_body=with_body)
        plan, draw = self.plan, self.draws.random()
        if draw < plan.timeouts:
            return await self._stall(request, op, handle, with_body)
        draw -= plan.timeouts
        for status, share in ((429, plan.rate_limited), (502, plan.bad_gateway), (503, plan.unavailable)):  # fmt: skip
            if draw < share:
                return await self._refuse(request, op, status)
            draw -= share
        return await super()._answer(request, op, handle, with_body=with_body)

    async def _call_of(self, request: web.Request, op: str, status: int) -> Call:
        cid = request.match_info.get("cid")
        conversation, root = split_conversation_id(cid) if cid else (None, None)
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        return Call(op, request.method, request.path, conversation, root,
                    request.match_info.get("aid"), body, self.clock(), status=status)  # fmt: skip

    async def _refuse(self, request: web.Request, op: str, status: int) -> web.Response:
        call = await self._call_of(request, op, status)
        await self._record(call)
        headers = {"Retry-After": f"{self.plan.retry_after:g}"} if status == 429 else {}
        return web.json_response(error_body(status), status=status, headers=headers)

    async def _stall(
        self,
        request: web.Request,
        op: str,
        handle: Callable[[Call], tuple[int, Any]],
        with_body: bool,
    ) -> web.Response:
        hold = self.plan.client_timeout + 0.5
        if self.plan.handled_on_timeout:  # Teams acts on it; the answer comes too late
            before = len(self.calls)
            response = await super()._answer(request, op, handle, with_body=with_body)
            self.timed_out.extend(self.calls[before : before + 1])
            await asyncio.sleep(hold)
            return response
        call = await self._call_of(request, op, 504)
        self.timed_out.append(call)
        await self._record(call)
        await asyncio.sleep(hold)
        return web.json_response(error_body(504), status=504)


@dataclass
class Someone:
    member: payloads.Member
    user: UserRef
    chat: str | None  # their 1:1 chat with the bot, when an install left it known


@contextlib.contextmanager
def _setting(env: dict[str, str], waits: float | None) -> Iterator[None]:
    """Environment and outlet back-offs for the run, restored after."""
    saved_env = {k: os.environ.get(k) for k in env}
    saved = (teams_outlet.SERVER_ERROR_WAIT, teams_outlet.NETWORK_ERROR_WAIT)
    os.environ.update(env)
    if waits is not None:
        teams_outlet.SERVER_ERROR_WAIT = teams_outlet.NETWORK_ERROR_WAIT = waits
    try:
        yield
    finally:
        teams_outlet.SERVER_ERROR_WAIT, teams_outlet.NETWORK_ERROR_WAIT = saved
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


async def run_teams_faults(tmp_path: Path, plan: TeamsFaultPlan | None = None) -> dict[str, Any]:
    plan = plan or TeamsFaultPlan()
    started = time.perf_counter()
    async with FaultyConnector(plan) as bf:
        with _setting({"REQUESTS_CA_BUNDLE": bf.ca_path}, plan.fixed_waits):
            return await _run(bf, tmp_path, plan, started)


async def _run(
    bf: FaultyConnector, tmp_path: Path, plan: TeamsFaultPlan, started: float
) -> dict[str, Any]:
    env = {
        "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'faults.db'}",
        "ALSBOT_DEFAULTS_QUIET_HOURS": "off",
    }
    config = dataclasses.replace(load_config(None, env), teams=bf.teams_config(), secrets=bf.secrets())  # fmt: skip
    app = await Alsbot.open(config, clock=FakeClock(common.START))
    stop = await serve_teams(app, config)
    stop.outlet.timeout = plan.client_timeout  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{stop.port}/api/messages"  # type: ignore[attr-defined]
    tenant, bot = bf.tenant_id, payloads.bot(bf.client_id)
    places = [
        dataclasses.replace(payloads.channel(tenant, f"Set {s}"), service_url=bf.service_url)
        for s in range(plan.sets)
    ]
    closed = {(0, 1), (min(3, plan.sets - 3), 2)}
    facilitators = [_someone(tenant, f"Fac {s}", known=s % 2 == 0) for s in range(plan.sets)]
    people = [
        [_someone(tenant, f"P{s}.{i}", known=i % 2 == 0 or (s, i) in closed) for i in range(plan.people)]
        for s in range(plan.sets)
    ]  # fmt: skip
    roster, gone = places[-2], places[-1]
    try:
        conversations = Conversations(app.store)
        for place in places:
            await conversations.remember_channel(
                ids.channel(tenant, place.conversation),
                ChannelAddress(place.conversation, bf.service_url, tenant, "channel", place.team),
            )
        for who in [*facilitators, *(p for row in people for p in row)]:
            assert who.member.aad is not None
            bf.add_member(who.member.aad, who.member.name, id=who.member.teams_id)
            await conversations.remember_person(
                who.user,
                PersonAddress(who.member.teams_id, who.member.name, bf.service_url, tenant, who.chat),
            )  # fmt: skip
        layouts = [
            common.SetLayout(ids.channel(tenant, places[s].conversation), facilitators[s].user,
                             [p.user for p in people[s]])
            for s in range(plan.sets)
        ]  # fmt: skip
        await common.seed(app, layouts)
        for s, i in closed:
            chat = people[s][i].chat or ""
            bf.fail(403, count=None, path=re.escape(chat), code="ConversationBlockedByUser",
                    message="User blocked the conversation with the bot.")  # fmt: skip
        bf.fail(403, count=None, path=re.escape(roster.conversation),
                code="BotNotInConversationRoster")  # fmt: skip
        bf.fail(404, count=None, path=re.escape(gone.conversation), code="ConversationNotFound")
        steps = await common.fire_all(app, max_wait=120)
        fired_at = time.perf_counter()
        reports = await ask_for_reports(bf, app, url, bot, places[:-1], facilitators)
        expected = {f"dm:{people[s][i].user.key}" for s, i in closed}
        expected |= {ids.channel(tenant, p.conversation).key for p in (roster, gone)}
        out = await common.outcome(app, expected, REASONS)
        figures = common.timer_figures(out)
        problems = out.problems
        problems += shown_to_facilitators(bf, reports, places, facilitators, people, closed, roster)
        everyone = [*facilitators, *(p for row in people for p in row)]
        leads = await private_leads(app, out.rows)
        figures.update(wire_figures(bf, out.rows, everyone, plan, problems, leads))
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


def _someone(tenant: str, name: str, *, known: bool) -> Someone:
    member = payloads.person(name)
    assert member.aad is not None
    chat = "a:1" + payloads.object_id().replace("-", "") * 3 if known else None
    return Someone(member, ids.person(tenant, member.aad), chat)


def _code(error: str | None) -> str:
    return next((code for code in sorted(REASONS) if code in (error or "")), error or "?")


def card_text(activity: Any) -> str:
    """Every `text` in an activity's card, in order: what a person reads."""
    return words(card_in(activity) if isinstance(activity, dict) else None)


def words(card: Any) -> str:
    """Every `text` of a card's TextRuns and TextBlocks, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str) and node.get("type") in ("TextRun", "TextBlock"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return "\n".join(found)


def chat_of(bf: BotConnector, who: Someone) -> str | None:
    return who.chat or bf.one_on_one(who.member.teams_id)


def said_in(bf: BotConnector, conversation: str | None) -> list[str]:
    if conversation is None:
        return []
    return [card_text(c.body) for c in bf.posts(conversation)]


async def ask_for_reports(
    bf: BotConnector,
    app: Alsbot,
    url: str,
    bot: payloads.Member,
    places: list[payloads.Place],
    facilitators: list[Someone],
) -> dict[str, str]:
    """Each facilitator types `@alsbot report` in their set's channel (a real activity);
    the answer comes in their 1:1 chat. {channel conversation id: the report's text}."""
    for place, fac in zip(places, facilitators, strict=False):
        status, body = await bf.send(url, payloads.command(place, fac.member, "report", to=bot))
        assert status == 200, (status, body)
    await app.settle(max_wait=60)
    out = {}
    for place, fac in zip(places, facilitators, strict=False):
        said = said_in(bf, chat_of(bf, fac))
        out[place.conversation] = "\n".join(t for t in said if "how the set is doing" in t)
    return out


def shown_to_facilitators(
    bf: BotConnector,
    reports: dict[str, str],
    places: list[payloads.Place],
    facilitators: list[Someone],
    people: list[list[Someone]],
    closed: set[tuple[int, int]],
    roster: payloads.Place,
) -> list[str]:
    problems = []
    for s, i in closed:
        who, report = people[s][i], reports.get(places[s].conversation, "")
        if who.user.id not in report or "ConversationBlockedByUser" not in report:
            problems.append(
                f"/als report in set {s} does not show that {who.member.name} blocked alsbot"
            )
        digest = "\n".join(t for t in said_in(bf, chat_of(bf, facilitators[s])) if "Before the next session" in t)  # fmt: skip
        if "could not be delivered" not in digest or "ConversationBlockedByUser" not in digest:
            problems.append(f"the digest for set {s} does not name the failed nudge")
    if "BotNotInConversationRoster" not in reports.get(roster.conversation, ""):
        problems.append("/als report does not show the channel alsbot was removed from")
    troubled = {places[s].conversation for s, _ in closed} | {roster.conversation}
    for conversation, report in reports.items():
        if not report:
            problems.append(f"no report reached the facilitator of {conversation}")
        elif conversation not in troubled and "could not be delivered" in report:
            problems.append(f"/als report in {conversation} shows failures that did not happen")
    for s, fac in enumerate(facilitators):
        if not any("Before the next session" in t for t in said_in(bf, chat_of(bf, fac))):
            problems.append(f"no digest reached the facilitator of set {s}")
    return problems


def _shown(reply: Any, names: dict[UserRef, render.Person], leads: dict[str, str]) -> str:
    body: Text = reply.text
    if isinstance(reply, Ephemeral):
        body = text(leads[reply.channel.key]) + body  # the outlet's own first line
    return json.dumps(card_in(render.message(body, reply.buttons, names)), sort_keys=True)


async def private_leads(app: Alsbot, rows: list[Any]) -> dict[str, str]:
    """Each channel's first line of a private answer, as the outlet writes it."""
    references = Conversations(app.store)
    leads: dict[str, str] = {}
    for row in rows:
        reply = reply_from_json(row.body)
        if isinstance(reply, Ephemeral) and reply.channel.key not in leads:
            address = await references.channel(reply.channel)
            leads[reply.channel.key] = teams_outlet.private_lead(address)
    return leads


def wire_figures(
    bf: FaultyConnector, rows: list[Any], everyone: list[Someone], plan: TeamsFaultPlan,
    problems: list[str], leads: dict[str, str],
) -> dict[str, Any]:  # fmt: skip
    """Compare sent outbox rows with the activities Teams holds; count what went wrong."""
    names = {w.user: render.Person(w.member.teams_id, w.member.name) for w in everyone}
    by_user = {w.user: w for w in everyone}
    expected: Counter[tuple[str, str]] = Counter()
    for row in rows:
        reply = reply_from_json(row.body)
        if row.status != "sent" or not isinstance(reply, Post | Direct | Ephemeral):
            continue
        if isinstance(reply, Post):
            where: str | None = ids.decode(reply.channel.id)
        else:
            where = chat_of(bf, by_user[reply.user])
        expected[(where or "?", _shown(reply, names, leads))] += 1
    seen: Counter[tuple[str, str]] = Counter(
        (c.conversation or "?", json.dumps(card_in(c.body), sort_keys=True)) for c in bf.posts()
    )
    missing, doubled = expected - seen, seen - expected
    if missing:
        shown = [(where, words(json.loads(card))[:80]) for where, card in missing]
        problems.append(f"marked sent, not at Teams: {shown[:3]}")
    lost_answers = len(bf.timed_out) if plan.handled_on_timeout else 0
    if sum(doubled.values()) > lost_answers:
        problems.append(f"{sum(doubled.values())} doubled at Teams, only {lost_answers} answers lost")  # fmt: skip
    calls = [c for c in bf.calls if c.op in DELIVERY_OPS]
    timed_out = {id(c) for c in bf.timed_out}
    statuses = Counter("timeout" if id(c) in timed_out else str(c.status) for c in calls)
    gaps = retry_gaps(calls)
    early = [g for g in gaps if g < plan.retry_after - 0.05]
    if early:
        problems.append(f"{len(early)} calls came before Retry-After ({min(early):.2f} s)")
    busy = sum(n for s, n in statuses.items() if s == "429" or s.startswith("5"))
    return {
        "delivery_calls": len(calls),
        "calls_by_status": dict(statuses),
        "share_429_or_5xx": round(busy / max(len(calls), 1), 3),
        "share_timeouts": round(len(bf.timed_out) / max(len(calls), 1), 3),
        "timeouts": len(bf.timed_out),
        "answers_lost_after_teams_acted": lost_answers,
        "delivered_twice": sum(doubled.values()),
        "lost": sum(missing.values()),
        "retries_after_429": len(gaps),
        "retry_after_min_gap_s": round(min(gaps), 2) if gaps else None,
    }


def _target(call: Call) -> str:
    """Where a call delivers: its conversation, or (opening a chat) the person."""
    if call.conversation:
        return call.conversation
    members = call.body.get("members") if isinstance(call.body, dict) else None
    return json.dumps(members, sort_keys=True)


def retry_gaps(calls: list[Call]) -> list[float]:
    """For each 429, seconds until anything was next sent to that conversation."""
    out = []
    for n, call in enumerate(calls):
        if call.status != 429:
            continue
        later = next((c for c in calls[n + 1 :] if _target(c) == _target(call)), None)
        if later is not None:
            out.append(later.at - call.at)
    return out
