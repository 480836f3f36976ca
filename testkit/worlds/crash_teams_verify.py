"""Checking a Teams crash run (`crash_teams`): the database and the connector stand-in
against what was sent and acknowledged.

Every acknowledged activity that makes an event is in the inbox once, processed; the round
is where its moves put it; every update written to the bot is a draft or a shared update,
once. Every reply the database says was sent reached the connector: each outbox row is
rendered again by the Teams outlet itself (`DryOutlet`, its HTTP call recorded instead of
made) and matched, by conversation and the exact activity body, with what the stand-in
recorded. Teams takes no client-chosen id to look a post up by, so a kill between the
connector accepting a post and the row's `sent` commit posts it again on restart (the
at-least-once window, docs/ARCHITECTURE.md): each such double must have a kill in that
window, and there are at most as many as kills.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sqlalchemy import select

from adapters.teams import ids
from adapters.teams.conversations import Conversations
from adapters.teams.outlet import TeamsOutlet
from bot.ports import Delivery
from bot.refs import MessageRef
from bot.replies import Edit, reply_from_json
from bot.rounds.codec import state_from_json
from bot.rounds.engine import Phase
from bot.store.db import open_store
from bot.store.models import (
    Action,
    Attendance,
    Do,
    Draft,
    Evaluation,
    Inbox,
    Outbox,
    OutcomeUpdate,
    Posted,
)
from bot.store.models import Session as SessionRow
from bot.store.models import Set as SetRow
from testkit.eventually import eventually
from testkit.teams.connector import BotConnector
from testkit.worlds.live import LEVEL, error_line

if TYPE_CHECKING:
    from testkit.worlds.crash_teams import TeamsRun

WINDOW_SECONDS = 2.0  # from the connector accepting a post to its `sent` commit, on a slow CI
KILL_READ_LAG = 0.5  # a post read by the stand-in just after the kill that cut it short
KEY_ROOM = 300
Shape = tuple[str, ...]


def inbox_key(activity: dict[str, Any]) -> str:
    """The idempotency key Teams' activity makes: tenant, conversation, activity id."""
    conversation = activity["conversation"]
    base, _ = ids.split_reply_chain(conversation["id"])
    key = f"teams:{conversation['tenantId'].lower()}:{ids.encode(base)}:{activity['id']}"
    assert len(key) <= KEY_ROOM, key  # (longer ones are hashed; these never are)
    return key


def canonical(body: Any) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


class _NoTokens:
    async def bot_token(self) -> str:
        return "dry-run"

    def invalidate(self) -> None:
        """A dry run never sends, so is never refused."""


class DryOutlet(TeamsOutlet):
    """The Teams outlet with its sending replaced by a record: what a row's delivery puts
    on the wire, as the outlet renders it (its cards, mentions, where a private answer
    goes), without the code that sends it (`_send`, `_call`), which is what is checked."""

    def __init__(self, conversations: Conversations, bot_id: str) -> None:
        super().__init__(conversations, _NoTokens(), bot_id=bot_id)  # type: ignore[arg-type]
        self.made: list[tuple[str, str, dict[str, Any]]] = []

    async def _send(self, service_url: str, conversation: str, activity: dict[str, Any]) -> str:
        url = f"{self._conversation_url(service_url, conversation)}/activities"
        self.made.append(("POST", url, activity))
        return f"dry-{len(self.made)}"

    async def _call(self, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
        self.made.append((method, url, body))  # an edit; or a 1:1 chat opened (not a message)
        return {"id": f"dry-{len(self.made)}"}


def wire_shape(method: str, url: str, body: Any) -> Shape | None:
    """(what, conversation without `;messageid=`, [activity id,] body) of one call."""
    if "/v3/conversations/" not in url:
        return None  # opening a 1:1 chat: not a message
    rest = url.split("/v3/conversations/", 1)[1]
    conversation, _, tail = rest.partition("/activities")
    base, _ = ids.split_reply_chain(unquote(conversation))
    if method == "POST":
        return ("post", base, canonical(body))
    if method == "PUT":
        return ("update", base, unquote(tail.strip("/")), canonical(body))
    return None


def arrivals(bf: BotConnector) -> tuple[dict[Shape, list[float]], set[Shape]]:
    """Posts the connector accepted (with their arrival times) and every update's shape."""
    posts: dict[Shape, list[float]] = {}
    for call in bf.posts():
        posts.setdefault(("post", call.conversation or "", canonical(call.body)), []).append(
            call.at
        )
    updates = {
        ("update", c.conversation or "", c.activity_id or "", canonical(c.body))
        for c in bf.updates()
    }
    return posts, updates


async def expected_shapes(
    store: Any, rows: list[Any], bot_id: str
) -> tuple[Counter[Shape], list[str]]:
    """The wire shapes of every sent row, as the outlet renders them from the final state."""
    async with store.read() as conn:
        posted = {
            r.handle: MessageRef.from_key(r.message_key)
            for r in await conn.execute(select(Posted.__table__))
        }
    outlet = DryOutlet(Conversations(store), bot_id)
    shapes: Counter[Shape] = Counter()
    problems: list[str] = []
    for row in rows:
        reply = reply_from_json(row.body)
        thread = getattr(reply, "thread", None)
        handle = getattr(reply, "thread_handle", None)
        if handle is not None:
            thread = posted.get(handle)
        target = posted.get(reply.handle) if isinstance(reply, Edit) else None
        outlet.made.clear()
        try:
            await outlet.deliver(
                Delivery(reply=reply, cause=row.cause, thread=thread, target=target)
            )
        except Exception as error:  # noqa: BLE001 - reported, not raised
            problems.append(f"row {row.id} ({type(reply).__name__}) cannot be rendered: {error}")
            continue
        for method, url, body in outlet.made:
            shape = wire_shape(method, url, body)
            if shape is not None:
                shapes[shape] += 1
    await outlet.close()
    return shapes, problems


def explain_doubles(
    extra: dict[Shape, int], posts: dict[Shape, list[float]], kills: list[float]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each post the connector got more often than rows were sent for, matched to a kill
    that landed after one arrival (within the window) and before the next. A kill explains
    one double of each post, but may explain several posts: the outbox sends to several
    conversations at once, and a kill cuts short every one then in flight."""
    doubles: list[dict[str, Any]] = []
    problems: list[str] = []
    for shape, surplus in extra.items():
        times = sorted(posts[shape])
        candidates = []
        for first, again in zip(times, times[1:], strict=False):
            inside = [
                k for k in kills if first - KILL_READ_LAG <= k <= min(again, first + WINDOW_SECONDS)
            ]
            if inside:
                candidates.append((inside[0] - first, inside[0]))
        used: set[float] = set()
        chosen = []
        for gap, kill in sorted(candidates):
            if kill not in used and len(chosen) < surplus:
                used.add(kill)
                chosen.append((gap, kill))
        doubles.extend(
            {"conversation": shape[1][:24], "kill": kills.index(k), "kill_after_s": round(g, 3)}
            for g, k in chosen
        )
        if len(chosen) < surplus:
            problems.append(
                f"posted {surplus} more time(s) than sent, {len(chosen)} explained by a kill: "
                f"{shape[1]} {shape[2][:160]}"
            )
    return doubles, problems


async def _busy(store: Any) -> bool:
    async with store.read() as conn:
        inbox = (
            await conn.execute(select(Inbox.__table__.c.id).where(Inbox.status == "pending"))
        ).first()
        outbox = (
            await conn.execute(
                select(Outbox.__table__.c.id).where(Outbox.status.in_(("pending", "sending")))
            )
        ).first()
    return bool(inbox or outbox)


async def settle(db_url: str, within: float) -> float:
    """Wait until no event is pending and no reply is left to send; the seconds waited."""
    started = time.monotonic()
    store = await open_store(db_url, migrate=False)
    try:

        async def idle() -> bool:
            return not await _busy(store)

        await eventually(idle, within=within, every=0.2, what="the inbox and outbox settling")
    finally:
        await store.close()
    return time.monotonic() - started


async def _all(store: Any, table: Any, *where: Any) -> list[Any]:
    async with store.read() as conn:
        return list(await conn.execute(select(table).where(*where)))


async def verify(run: TeamsRun, exit_code: int | None, logs: str) -> dict[str, Any]:
    problems = run.problems
    tenant = run.bf.tenant_id
    store = await open_store(run.db_url, migrate=False)
    try:
        inbox = {r.key: r for r in await _all(store, Inbox.__table__)}
        outbox = await _all(store, Outbox.__table__)
        sets = {r.channel_key: r for r in await _all(store, SetRow.__table__)}
        set_a = sets.get(ids.channel(tenant, run.set_a.conversation).key)
        sessions = (
            await _all(store, SessionRow.__table__, SessionRow.__table__.c.set_id == set_a.id)
            if set_a is not None
            else []
        )
        actions = await _all(store, Action.__table__)
        evaluations = await _all(store, Evaluation.__table__)
        attendance = await _all(store, Attendance.__table__)
        drafts = [d for d in await _all(store, Draft.__table__) if d.kind == "update"]
        updates = await _all(store, OutcomeUpdate.__table__)
        dos = await _all(store, Do.__table__)
        sent_rows = [o for o in outbox if o.status == "sent"]
        shapes, render_problems = await expected_shapes(store, sent_rows, run.bf.client_id)
    finally:
        await store.close()

    # 1. Every acknowledged activity that makes an event: in the inbox once, processed.
    lost: list[str] = []
    events = 0
    for item in run.sender.sent:
        if item.acked_at is None:
            problems.append(f"{item.name} was never acknowledged")
            continue
        if item.payload.get("type") not in ("message", "invoke"):
            continue  # an install makes no event, only a conversation reference
        events += 1
        row = inbox.get(inbox_key(item.payload))
        if row is None:
            lost.append(item.name)
        elif row.status != "done" or row.error:
            problems.append(f"{item.name}: inbox {row.status} {row.error}")
    if lost:
        problems.append(f"acknowledged but lost: {lost}")
    refused = [(n, status) for n, status in run.sender.redelivered if status != 200]
    if refused:
        problems.append(f"a duplicate delivery was not acknowledged: {refused[:5]}")
    teams_rows = [k for k in inbox if k.startswith("teams:")]
    if len(teams_rows) != events:
        problems.append(f"{len(teams_rows)} inbox rows for {events} activities")

    # 2. The round: where its moves put it, with its actions, ratings and attendance.
    if len(sessions) != 1:
        problems.append(f"set A has {len(sessions)} sessions")
    else:
        session = sessions[0]
        state = state_from_json(session.state)
        if state.phase != Phase.CLOSED:
            problems.append(f"the round is in {state.phase} after {run.moves}")
        pat = ids.person(tenant, run.pat.aad or "").key
        got = sorted(a.text for a in actions if a.session_id == session.id and a.owner_key == pat)
        if got != sorted(run.actions):
            problems.append(f"the round's actions {got} != {run.actions}")
        rated = {e.user_key: e.rating for e in evaluations if e.session_id == session.id}
        want = {ids.person(tenant, aad).key: n for aad, n in run.ratings.items()}
        if rated != want:
            problems.append(f"ratings {rated} != {want}")
        here = {a.user_key: a.how for a in attendance if a.session_id == session.id}
        for aad in run.here:
            if here.get(ids.person(tenant, aad).key) != "here":
                problems.append(f"attendance of {aad}: {here.get(ids.person(tenant, aad).key)}")

    # 3. Set B: every action once; every update written to the bot a draft, or a shared
    # update, exactly once.
    owned = Counter((a.owner_key, a.text) for a in actions)
    for aad, text in run.set_b_actions:
        if owned[(ids.person(tenant, aad).key, text)] != 1:
            problems.append(f"action {text!r}: {owned[(ids.person(tenant, aad).key, text)]} rows")
    held = Counter((d.user_key, d.text) for d in drafts)
    given = Counter((u.user_key, u.text) for u in updates)
    for aad, text in run.updates:
        key = (ids.person(tenant, aad).key, text)
        if held[key] + given[key] != 1 or ((aad, text) in run.shared and given[key] != 1):
            problems.append(f"update {text!r}: {held[key]} drafts, {given[key]} shared")
    if len(dos) > len(run.saved_as_do):
        problems.append(f"{len(dos)} dos from {len(run.saved_as_do)} saves")

    # 4. Replies: every sent row reached the connector; doubles only in the window.
    problems.extend(render_problems)
    not_sent = [(o.id, o.status, o.error) for o in outbox if o.status != "sent"]
    if not_sent:
        problems.append(f"outbox rows not sent: {not_sent[:5]}")
    posts, seen_updates = arrivals(run.bf)
    expected_posts = {s: n for s, n in shapes.items() if s[0] == "post"}
    missing = {s: n - len(posts.get(s, [])) for s, n in expected_posts.items()}
    missing = {s: n for s, n in missing.items() if n > 0}
    if missing:
        problems.append(f"sent in the database, never at the connector: {list(missing)[:2]}")
    unexplained = [s for s in posts if s not in expected_posts]
    if unexplained:
        problems.append(f"at the connector with no row behind it: {unexplained[:2]}")
    lost_edits = [s for s in shapes if s[0] == "update" and s not in seen_updates]
    if lost_edits:
        problems.append(
            f"card updates sent in the database, never at the connector: {lost_edits[:2]}"
        )
    extra = {s: len(t) - expected_posts[s] for s, t in posts.items() if s in expected_posts}
    extra = {s: n for s, n in extra.items() if n > 0}
    doubles, double_problems = explain_doubles(extra, posts, sorted(run.kill_times))
    problems.extend(double_problems)
    per_kill = Counter(d["kill"] for d in doubles)

    # 5. The process: a clean exit after the kills; nothing logged as an error.
    if exit_code != 0:
        problems.append(f"final SIGTERM exit code {exit_code}")
    errors = [line for line in logs.splitlines() if error_line(line)]
    warnings = [line for line in logs.splitlines() if LEVEL.match(line) and " WARNING " in line]
    sent = run.sender.sent
    return {
        "kills": len(run.kill_times),
        "process_starts": run.bot.runs,
        "activities_acknowledged": sum(1 for i in sent if i.acked_at is not None),
        "activities_by_kind": dict(Counter(i.kind for i in sent)),
        "requests_sent": sum(i.attempts for i in sent),
        "requests_unanswered_or_refused": sum(len(i.failures) for i in sent),
        "unanswered_or_refused_by_kind": dict(Counter(f for i in sent for f in i.failures)),
        "events_in_inbox": len(teams_rows),
        "duplicates_delivered": len(run.sender.redelivered),
        "round_moves": len(run.moves),
        "effects_checked": {
            "round_actions": len(run.actions),
            "set_b_actions": len(run.set_b_actions),
            "ratings": len(run.ratings),
            "attendance": len(run.here),
            "updates_written": len(run.updates),
            "updates_shared": len(run.shared),
            "saved_as_do": len(run.saved_as_do),
        },
        "replies_in_outbox": len(outbox),
        "posts_at_connector": sum(len(t) for t in posts.values()),
        "card_updates_at_connector": len(run.bf.updates()),
        "posts_doubled_in_window": len(doubles),
        "posts_doubled_unexplained": sum(extra.values()) - len(doubles),
        "kills_that_doubled_a_post": len(per_kill),
        "most_doubled_by_one_kill": max(per_kill.values(), default=0),
        "duplicates": doubles,
        "warning_log_lines": len(warnings),
        "warnings": warnings[:5],
        "error_log_lines": len(errors),
        "errors": errors[:5],
        "lost": len(lost),
        "problems": problems,
    }
