"""Duplicates through the core: 10,000 events of which 30% arrive two or three times.

The harness (a SQLite file, a FakeClock, a recording outlet) receives a seeded mix of what
a busy workspace sends: rounds driven through every phase by "Next phase" buttons,
volunteers, questions, presenters' actions and ratings in the rounds' threads, and members
recording actions and DMing outcome updates.  30% of the events arrive again, once or
twice, the way platforms repeat themselves:

- a retry (Slack's `X-Slack-Retry-Num`, a Socket Mode redelivery): the same key, soon;
- a replay (a Discord gateway resume): the same key, after the first was processed;
- a double click: a *new* key for the same button — only the button's own value (the step
  it was drawn for, the person already listed) can tell it is a repeat.

The expected outcome is computed from the round engine itself: every round ends closed
after exactly its intended moves, every action, update and rating exists once, each phase
was announced once, and no event's replies were enqueued twice.  The same repeats through
the real adapters are in `duplicates_slack.py` and `duplicates_discord.py`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.events import ButtonPressed, CommandInvoked, DirectMessage, Event, MessagePosted
from bot.refs import ChannelRef, MessageRef
from bot.rounds import engine, plan
from bot.rounds.codec import state_from_json
from bot.rounds.wording import TITLES, step_token
from bot.store.models import Action, Draft, Evaluation, Inbox, Outbox, Posted
from bot.store.models import Session as SessionRow
from bot.store.models import Set as SetRow
from testkit.config import START_OF_TESTS
from testkit.harness import WS, Harness, u

PHASE_WORDS = set(TITLES.values())


@dataclass
class Planned:
    """One distinct event and how often (and how) it arrives."""

    event: Event
    copies: int = 0  # extra arrivals with the same key
    clicks: list[Event] = field(default_factory=list)  # extra presses with new keys
    kind: str = ""


@dataclass
class World:
    rng: random.Random
    keys: itertools.count = field(default_factory=lambda: itertools.count(1))
    actions: list[tuple[str, str]] = field(default_factory=list)
    updates: list[tuple[str, str]] = field(default_factory=list)
    round_actions: dict[int, list[str]] = field(default_factory=dict)
    ratings: dict[tuple[int, str], int] = field(default_factory=dict)
    announcements: dict[int, int] = field(default_factory=dict)
    final: dict[int, engine.RoundState] = field(default_factory=dict)

    def key(self, prefix: str) -> str:
        return f"dup:{prefix}:{next(self.keys)}"


def command(w: World, who: str, where: str, text: str) -> CommandInvoked:
    return CommandInvoked(key=w.key("cmd"), user=u(who), channel=ChannelRef(WS, where), text=text)


# ------------------------------------------------------------------------------ the plan


def round_script(w: World, r: int, session_id: int, header: MessageRef) -> list[Planned]:
    """A whole round, by buttons and thread messages, modelled with the engine itself."""
    fac, channel = f"fac{r}", ChannelRef(WS, f"round{r}")
    presenters = (u(f"p{r}a").key, u(f"p{r}b").key)
    now = START_OF_TESTS
    state = engine.start(presenters, plan.Timings(), now).state
    announced = 1  # the opening
    out: list[Planned] = []
    n = itertools.count()

    def said(who: str, text: str) -> Planned:
        i = next(n)
        return Planned(
            MessagePosted(
                key=w.key("msg"),
                user=u(who),
                channel=channel,
                message=MessageRef(channel, f"m{r}.{i}"),
                text=text,
                thread=header,
            ),
            kind="message",
        )

    def press(who: str, action: str, value: str) -> Planned:
        return Planned(
            ButtonPressed(
                key=w.key("btn"), user=u(who), channel=channel, action_id=action, value=value
            ),
            kind="button",
        )

    volunteer = f"v{r}"
    out.append(press(volunteer, "round:volunteer", str(session_id)))
    state = engine.add_presenter(state, u(volunteer).key).state
    while state.phase != engine.Phase.CLOSED:
        presenter = engine.current_presenter(state)
        if state.phase == engine.Phase.QUESTIONS:
            for i in range(3):
                out.append(said(f"s{r}x{i}", f"What would help most here, {r}.{i}?"))
        elif state.phase == engine.Phase.ACTIONS and presenter:
            name = presenter.rsplit(":", 1)[1]
            for i in range(2):
                text = f"Phone the trustees about item {r}.{name}.{i}"
                out.append(said(name, text))
                w.round_actions.setdefault(session_id, []).append(text)
        elif state.phase == engine.Phase.EVALUATION:
            for i in range(3):
                who, rating = f"s{r}x{i}", 1 + (r + i) % 5
                w.ratings[(session_id, u(who).key)] = rating
                if i % 2:
                    out.append(press(who, "round:rate", f"{session_id}:{rating}"))
                else:
                    out.append(said(who, f"{rating} helpful"))
        out.append(press(fac, "round:next", f"{session_id}:{step_token(state)}"))
        state = engine.advance(state, now).state
        if state.phase != engine.Phase.CLOSED:
            announced += 1
    w.announcements[session_id] = announced
    w.final[session_id] = state
    return out


def member_script(w: World, who: str, where: str, count: int) -> list[Planned]:
    """A member records actions in their set and DMs outcome updates (an action first)."""
    out: list[Planned] = []
    for n in range(count):
        if n == 0 or w.rng.random() < 0.5:
            text = f"Call supplier {who} about order {n}"
            out.append(Planned(command(w, who, where, f"action {text}"), kind="command"))
            w.actions.append((who, text))
        else:
            text = f"Update {n} from {who}: it is moving"
            dm = ChannelRef(WS, f"dm-{who}")
            event = DirectMessage(
                key=w.key("dm"),
                user=u(who),
                channel=dm,
                message=MessageRef(dm, f"d{who}.{n}"),
                text=text,
            )
            out.append(Planned(event, kind="dm"))
            w.updates.append((who, text))
    return out


def interleave(rng: random.Random, scripts: list[list[Planned]]) -> list[Planned]:
    """A uniformly random merge that keeps each script's own order: shuffle which script
    each slot comes from (as likely as picking the next script by what it has left)."""
    order = [i for i, script in enumerate(scripts) for _ in script]
    rng.shuffle(order)
    cursors = [iter(script) for script in scripts]
    return [next(cursors[i]) for i in order]


def arrivals(rng: random.Random, plan: list[Planned], rate: float) -> tuple[list[Event], Counter]:
    """The stream as the bot receives it: 30% of events again, once or twice."""
    slots: list[list[Event]] = [[p.event] for p in plan]
    kinds: Counter[str] = Counter()
    for i, p in enumerate(plan):
        if rng.random() >= rate:
            continue
        for _ in range(rng.choice((1, 2))):
            if p.kind == "button" and rng.random() < 0.5:
                again: Event = _with_key(p.event, p.event.key + f":click{len(p.clicks)}")
                p.clicks.append(again)
                kinds["double click"] += 1
                at = i + rng.randint(0, 3)
            elif rng.random() < 0.5:
                again, at = p.event, i + rng.randint(0, 5)
                kinds["retry"] += 1
            else:
                again, at = p.event, i + rng.randint(20, 400)
                kinds["replay"] += 1
            p.copies += 1
            slots[min(at, len(slots) - 1)].append(again)
    return [e for slot in slots for e in slot], kinds


def _with_key(event: Event, key: str) -> Event:
    return dataclasses.replace(event, key=key)


# ------------------------------------------------------------------------------ the run


async def submit_all(h: Harness, events: list[Event], chunk: int) -> Counter[bool]:
    fresh: Counter[bool] = Counter()
    for start in range(0, len(events), chunk):
        part = events[start : start + chunk]
        results = await asyncio.gather(*(h.app.submit(e) for e in part))
        fresh.update(results)
        await h.app.settle(max_wait=600)
    return fresh


async def run_duplicates(
    h: Harness, total: int = 10_000, rate: float = 0.30, seed: int = 8, chunk: int = 400
) -> dict[str, Any]:
    started = time.perf_counter()
    w = World(random.Random(seed))
    rounds = max(4, total // 250)
    # Sets of about eight members, as action learning sets are (people ≈ total / 20).
    action_sets = max(4, total // 160)
    # Stage 1: the sets and rounds exist (these events are repeated too).
    setup = [
        Planned(command(w, f"fac{r}", f"round{r}", f"start <@p{r}a> <@p{r}b>"), kind="command")
        for r in range(rounds)
    ]
    for a in range(action_sets):
        setup.append(Planned(command(w, f"afac{a}", f"acts{a}", "start"), kind="command"))
        setup.append(Planned(command(w, f"afac{a}", f"acts{a}", "end"), kind="command"))
    stage1, kinds1 = arrivals(w.rng, setup, rate)
    fresh = await submit_all(h, stage1, chunk)
    sessions, headers = await _rounds(h, rounds)
    # Stage 2: everything else, interleaved.
    scripts = [round_script(w, r, sessions[r], headers[r]) for r in range(rounds)]
    used = len(setup) + sum(len(s) for s in scripts)
    people = [f"m{i:05d}" for i in range(max(8, (total - used) // 20))]
    left = total - used
    per = [left // len(people) + (1 if i < left % len(people) else 0) for i in range(len(people))]
    scripts += [
        member_script(w, who, f"acts{i % action_sets}", n)
        for i, (who, n) in enumerate(zip(people, per, strict=True))
    ]
    plan = interleave(w.rng, scripts)
    stage2, kinds2 = arrivals(w.rng, plan, rate)
    fresh += await submit_all(h, stage2, chunk)
    seconds = time.perf_counter() - started
    figures = await verify(h, w, setup + plan, fresh)
    everything = setup + plan
    figures.update(
        {
            "distinct_events": len(everything),
            "repeated_events": sum(1 for p in everything if p.copies),
            "arrivals": len(stage1) + len(stage2),
            "repeats_by_kind": dict(kinds1 + kinds2),
            "rounds": rounds,
            "seconds": round(seconds, 1),
            "events_per_second": round((len(stage1) + len(stage2)) / seconds),
        }
    )
    return figures


async def _rounds(h: Harness, rounds: int) -> tuple[dict[int, int], dict[int, MessageRef]]:
    sessions: dict[int, int] = {}
    headers: dict[int, MessageRef] = {}
    sets_t, sessions_t, posted = SetRow.__table__, SessionRow.__table__, Posted.__table__
    async with h.app.store.read() as conn:
        for r in range(rounds):
            sid = (
                await conn.execute(
                    select(sessions_t.c.id)
                    .join(sets_t, sets_t.c.id == sessions_t.c.set_id)
                    .where(sets_t.c.channel_key == ChannelRef(WS, f"round{r}").key)
                )
            ).scalar_one()
            key = (
                await conn.execute(
                    select(posted.c.message_key).where(posted.c.handle == f"session:{sid}:header")
                )
            ).scalar_one()
            sessions[r], headers[r] = sid, MessageRef.from_key(key)
    return sessions, headers


async def verify(
    h: Harness, w: World, everything: list[Planned], fresh: Counter[bool]
) -> dict[str, Any]:
    problems: list[str] = []
    async with h.app.store.read() as conn:
        inbox = list(await conn.execute(select(Inbox.__table__)))
        actions = list(await conn.execute(select(Action.__table__)))
        # A DM is held for its author as an update draft until they share it.
        updates = list(
            await conn.execute(select(Draft.__table__).where(Draft.__table__.c.kind == "update"))
        )
        ratings = list(await conn.execute(select(Evaluation.__table__)))
        sessions = list(await conn.execute(select(SessionRow.__table__)))
        outbox = list(await conn.execute(select(Outbox.__table__)))
    keys = {p.event.key for p in everything} | {c.key for p in everything for c in p.clicks}
    if len(inbox) != len(keys) or {r.key for r in inbox} != keys:
        problems.append(f"inbox holds {len(inbox)} rows for {len(keys)} distinct keys")
    if fresh[True] != len(keys):
        problems.append(f"submit said 'new' {fresh[True]} times for {len(keys)} keys")
    failed = [(r.key, r.error) for r in inbox if r.status != "done"]
    if failed:
        problems.append(f"events not done: {failed[:3]}")

    doubled: Counter[str] = Counter()  # surplus copies of an effect, by kind
    have = Counter((a.owner_key, a.text) for a in actions)
    for who, text in w.actions:
        if have[(u(who).key, text)] != 1:
            problems.append(f"action {text!r} recorded {have[(u(who).key, text)]} times")
    doubled["actions"] = sum(n - 1 for n in have.values() if n > 1)
    by_session: dict[int, list[str]] = {}
    for a in actions:
        if a.session_id is not None:
            by_session.setdefault(a.session_id, []).append(a.text)
    for sid, texts in w.round_actions.items():
        if sorted(by_session.get(sid, [])) != sorted(texts):
            problems.append(f"session {sid} actions {by_session.get(sid)} != {texts}")
    have_updates = Counter((u.user_key, u.text) for u in updates)
    for who, text in w.updates:
        if have_updates[(u(who).key, text)] != 1:
            problems.append(f"update {text!r} stored {have_updates[(u(who).key, text)]} times")
    doubled["outcome_updates"] = sum(n - 1 for n in have_updates.values() if n > 1)
    per_rater = Counter((r.session_id, r.user_key) for r in ratings)
    doubled["ratings"] = sum(n - 1 for n in per_rater.values() if n > 1)
    got = {(r.session_id, r.user_key): r.rating for r in ratings}
    if got != w.ratings or doubled["ratings"]:
        problems.append(f"ratings differ: {len(ratings)} stored, {len(w.ratings)} given")

    for row in sessions:
        state = state_from_json(row.state)
        want = w.final.get(row.id)
        if want is None:
            continue
        if (state.phase, state.presenters) != (want.phase, want.presenters):
            problems.append(f"session {row.id}: {state.phase} {state.presenters}")
    announced: Counter[int] = Counter()
    refused = 0
    for row in outbox:
        body = json.loads(row.body)
        handle = body.get("thread_handle") or ""
        if body.get("type") == "post" and handle.endswith(":header"):
            first = body["text"][0][1] if body["text"] else ""
            if first in PHASE_WORDS:
                announced[int(handle.split(":")[1])] += 1
        if body.get("type") == "ephemeral" and "out of date" in json.dumps(body):
            refused += 1
    for sid, n in w.announcements.items():
        if announced[sid] != n:
            problems.append(f"session {sid}: {announced[sid]} phase announcements, expected {n}")
        doubled["phase_announcements"] += max(0, announced[sid] - n)
    # One event, one set of replies: the same reply twice for one cause is a doubled effect.
    same = Counter((row.cause, row.body) for row in outbox)
    doubled["replies"] = sum(n - 1 for n in same.values() if n > 1)
    if doubled["replies"]:
        problems.append(f"{doubled['replies']} replies enqueued twice for one event")
    replies = Counter(type(d.reply).__name__ for d in h.outlet.sent)
    return {
        "effects_checked": {
            "actions": len(w.actions) + sum(len(v) for v in w.round_actions.values()),
            "outcome_updates": len(w.updates),
            "ratings": len(w.ratings),
            "phase_announcements": sum(w.announcements.values()),
        },
        "double_clicks_refused_as_out_of_date": refused,
        "replies_delivered": dict(replies),
        "doubled_effects": sum(doubled.values()),
        "doubled_by_kind": dict(doubled),
        "problems": problems,
    }
