"""Duplicates through the real Discord adapter: gateway replays and double clicks.

discord.py is connected to the stand-in's gateway.  People use the bot as on Discord: a
round driven by "Next phase" presses (half of them double-clicked: a *new* interaction for
the same button), questions in the round's thread, `/als action` in a set's channel, updates
by DM, tips saved as do's with ✅.  After each batch of ten events the gateway asks the bot
to reconnect and, on RESUME, replays the last few dispatches it had already delivered (the
same session, the same sequence numbers, the same interaction ids), sometimes twice: about
30% of the events arrive two or three times, the way Discord repeats itself.

Every replay must reach the adapter (it logs each event the inbox already holds) and none
may have an effect: the database is compared with what the people did.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections import Counter
from typing import Any

from sqlalchemy import select

from bot.refs import Platform, UserRef, WorkspaceRef
from bot.rounds import engine, plan
from bot.rounds.codec import state_from_json
from bot.store.models import Action, DoReaction, Draft, Inbox
from bot.store.models import Session as SessionRow
from testkit.config import START_OF_TESTS
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import UserInfo
from testkit.discord.running import Running, buttons_of, inbox_keys, wait_text
from testkit.eventually import eventually
from testkit.worlds.duplicates_core import PHASE_WORDS

BATCH = 10


class Refused(logging.Handler):
    """Counts the adapter's "already received; no second effect" lines."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.keys: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if "was already received" in record.getMessage():
            self.keys[str(record.args[0])] += 1  # type: ignore[index]


class Replayer:
    """Tracks each event's gateway sequence number and replays the tail of each batch."""

    def __init__(self, standin: DiscordStandIn, running: Running, rng: random.Random) -> None:
        self.standin, self.running, self.rng = standin, running, rng
        self.seqs: dict[str, int] = {}  # inbox key (or key prefix for reactions) -> seq
        self.arrivals: Counter[str] = Counter()
        self.kinds: dict[str, str] = {}
        self.batch: list[str] = []
        self.replays = 0

    def seen(self, key: str, event: str, match: Any, kind: str) -> None:
        self.seqs[key] = self.standin.seq_of(event, match)
        self.kinds[key] = kind
        self.arrivals[key] += 1
        self.batch.append(key)

    async def end_of_batch(self, force: bool = False) -> None:
        if len(self.batch) < BATCH and not (force and self.batch):
            return
        await self.running.app.settle()
        await self.wait_recorded(self.batch)
        k = self.rng.randint(1, 5)  # about 3 of 10 again…
        tail = self.batch[-k:]
        await self.replay(tail)
        if self.rng.random() < 0.3:  # …and some of those a third time
            await self.replay(tail[-self.rng.randint(1, len(tail)) :])
        self.batch = []

    async def replay(self, keys: list[str]) -> None:
        first = min(self.seqs[k] for k in keys)
        for key, seq in self.seqs.items():
            if seq >= first:
                self.arrivals[key] += 1
        standin = self.standin
        resumes = len([c for c in standin.connections if c[0] == "/gateway/resume"])
        top = max(s.seq for s in standin.live_sessions())
        await standin.reconnect(replay_from=first)
        await standin.wait_for(
            lambda: len([c for c in standin.connections if c[0] == "/gateway/resume"]) > resumes,
            within=30,
        )
        await standin.wait_for(lambda: self._resumed_after(top), within=30)
        self.replays += 1

    def _resumed_after(self, seq: int) -> bool:
        return any(
            f["t"] == "RESUMED" and f["s"] > seq
            for s in self.standin.live_sessions()
            for f in s.log[-20:]
        )

    async def wait_recorded(self, keys: list[str]) -> None:
        recorded: set[str] = set()

        async def all_recorded() -> bool:
            nonlocal recorded
            recorded = set(await inbox_keys(self.running.app))
            return all(any(r.startswith(k) for r in recorded) for k in keys)

        await eventually(
            all_recorded,
            within=10.0,
            what=lambda: f"recording {[k for k in keys if k not in recorded][:3]}",
        )


async def run_discord_slice(
    standin: DiscordStandIn, running: Running, total: int = 200, seed: int = 8
) -> dict[str, Any]:
    rng = random.Random(seed)
    refused = Refused()
    logger = logging.getLogger("adapters.discord.client")
    level = logger.level
    logger.addHandler(refused)
    logger.setLevel(logging.INFO)
    try:
        return await _run(standin, running, total, rng, refused)
    finally:
        logger.removeHandler(refused)
        logger.setLevel(level)


async def _run(
    standin: DiscordStandIn, running: Running, total: int, rng: random.Random, refused: Refused
) -> dict[str, Any]:
    w = standin.world
    alice, bob, carol = w.add_user("alice"), w.add_user("bob"), w.add_user("carol")
    members = [w.add_user(f"m{i}") for i in range(5)]
    acts = w.add_channel("acts")
    r = Replayer(standin, running, rng)
    clicks = Counter[str]()
    expected_actions: list[tuple[str, str]] = []
    expected_updates: list[tuple[str, str]] = []
    expected_reactions: list[tuple[str, str]] = []

    async def slash(who: UserInfo, sub: str, channel: str, **options: Any) -> None:
        info = await standin.slash(who, sub, channel_id=channel, **options)
        r.seen(
            f"discord:interaction:{info.id}",
            "INTERACTION_CREATE",
            lambda d: d["id"] == info.id,
            "slash command",
        )
        await r.end_of_batch()

    async def say(who: UserInfo, channel: str, text: str) -> Any:
        message = await standin.say(who, channel, text)
        kind = "DM" if channel == w.dm_channel(who.id).id else "channel message"
        r.seen(
            f"discord:message:{message.id}", "MESSAGE_CREATE", lambda d: d["id"] == message.id, kind
        )
        await r.end_of_batch()
        return message

    await slash(alice, "start", acts.id)
    await slash(alice, "end", acts.id)
    await slash(alice, "start", w.general.id, presenter1=bob)
    header = await wait_text(standin, w.general.id, "Action Learning session")
    await wait_text(standin, header.id, "Ground rules")
    steps, n = 0, itertools.count()
    while len(r.seqs) < total * 0.4 and steps < 7:
        button = buttons_of(header)["Next phase"]
        before = header.content
        for click in range(2 if rng.random() < 0.5 else 1):
            info = await standin.click(alice, header, button)
            r.seen(
                f"discord:interaction:{info.id}",
                "INTERACTION_CREATE",
                lambda d, i=info: d["id"] == i.id,
                "button press",
            )
            clicks["double click" if click else "click"] += 1
        await standin.wait_for(lambda b=before: header.content != b, within=30)
        await r.end_of_batch()
        steps += 1
        for _ in range(6):
            i = next(n)
            who = carol if i % 2 else members[i % 5]
            await say(who, header.id, f"What would change if it worked, {i}?")
    i = 0
    while len(r.seqs) < total:
        who = members[i % 5]
        if i < 5 or rng.random() < 0.45:
            text = f"Call the funder {who.username} about grant {i}"
            await slash(who, "action add", acts.id, what=text)
            expected_actions.append((who.id, text))
        elif rng.random() < 0.8:
            text = f"Update {i}: the funder replied"
            await say(who, w.dm_channel(who.id).id, text)
            expected_updates.append((who.id, text))
        else:
            tip = await say(who, acts.id, f"Tip {i}: agree the next step before you hang up")
            fan = members[(i + 1) % 5]
            await standin.react(fan, tip, "✅")
            prefix = f"discord:reaction:{tip.id}:white_check_mark:{fan.id}:add:"
            r.seen(
                prefix, "MESSAGE_REACTION_ADD", lambda d, t=tip: d["message_id"] == t.id, "reaction"
            )
            expected_reactions.append((tip.id, fan.id))
            await r.end_of_batch()
        i += 1
    await r.end_of_batch(force=True)
    duplicates = sum(n - 1 for n in r.arrivals.values())
    await standin.wait_for(lambda: sum(refused.keys.values()) >= duplicates, within=60)
    await running.app.settle()
    problems = await verify(
        standin, running, r, header, steps, expected_actions, expected_updates, expected_reactions
    )
    if sum(refused.keys.values()) != duplicates:
        problems.append(f"the adapter refused {sum(refused.keys.values())} of {duplicates}")
    repeated = Counter(n for n in r.arrivals.values())
    return {
        "distinct_events": len(r.seqs),
        "repeated_events": sum(1 for n in r.arrivals.values() if n > 1),
        "arrivals": sum(r.arrivals.values()),
        "events_by_kind": dict(Counter(r.kinds.values())),
        "repeated_by_kind": dict(Counter(r.kinds[k] for k, n in r.arrivals.items() if n > 1)),
        "arrived_twice": repeated.get(2, 0),
        "arrived_three_times_or_more": sum(v for k, v in repeated.items() if k > 2),
        "gateway_resumes_with_replay": r.replays,
        "replays_refused_by_the_inbox": sum(refused.keys.values()),
        "button_presses": dict(clicks),
        "moves": steps,
        "problems": problems,
    }


async def verify(
    standin: DiscordStandIn,
    running: Running,
    r: Replayer,
    header: Any,
    steps: int,
    expected_actions: list[tuple[str, str]],
    expected_updates: list[tuple[str, str]],
    expected_reactions: list[tuple[str, str]],
) -> list[str]:
    problems: list[str] = []
    async with running.app.store.read() as conn:
        keys = [row[0] for row in await conn.execute(select(Inbox.__table__.c.key))]
        actions = list(await conn.execute(select(Action.__table__)))
        # A DM is held for its author as an update draft until they share it.
        updates = list(
            await conn.execute(select(Draft.__table__).where(Draft.__table__.c.kind == "update"))
        )
        reactions = list(await conn.execute(select(DoReaction.__table__)))
        session = (
            await conn.execute(select(SessionRow.__table__).order_by(SessionRow.__table__.c.id))
        ).all()[-1]
    for key in r.seqs:
        found = [k for k in keys if k == key or (key.endswith(":") and k.startswith(key))]
        if len(found) != 1:
            problems.append(f"{key}: {len(found)} inbox rows")
    ws = WorkspaceRef(Platform.DISCORD, standin.world.guild_id)
    have = Counter((a.owner_key, a.text) for a in actions)
    for uid, text in expected_actions:
        if have[(UserRef(ws, uid).key, text)] != 1:
            problems.append(f"action {text!r} x{have[(UserRef(ws, uid).key, text)]}")
    have_u = Counter((u.user_key, u.text) for u in updates)
    for uid, text in expected_updates:
        if have_u[(UserRef(ws, uid).key, text)] != 1:
            problems.append(f"update {text!r} x{have_u[(UserRef(ws, uid).key, text)]}")
    have_r = Counter((d.message_key.rsplit(":", 1)[-1], d.user_key) for d in reactions)
    for mid, uid in expected_reactions:
        if have_r[(mid, UserRef(ws, uid).key)] > 1:
            problems.append(f"reaction on {mid} recorded {have_r[(mid, UserRef(ws, uid).key)]}x")
    state = state_from_json(session.state)
    bob = next(u for u in standin.world.users.values() if u.username == "bob")
    want = engine.start((UserRef(ws, bob.id).key,), plan.Timings(), START_OF_TESTS).state
    announcements = 1
    for _ in range(steps):
        want = engine.advance(want, START_OF_TESTS).state
        announcements += want.phase != engine.Phase.CLOSED
    if (state.phase, state.current) != (want.phase, want.current):
        problems.append(f"round at {state.phase}, expected {want.phase}")
    bot = standin.bot_messages()
    headers = [
        m
        for m in bot
        if m.channel_id == standin.world.general.id and "Action Learning session" in m.content
    ]
    if len(headers) != 1:
        problems.append(f"{len(headers)} headers: {[m.content[:60] for m in headers]}")
    titles = Counter(
        m.content.split("**")[1]
        for m in bot
        if m.channel_id == header.id
        and m.content.startswith("**")
        and m.content.split("**")[1] in PHASE_WORDS
    )
    if any(k > 1 for k in titles.values()) or sum(titles.values()) != announcements:
        problems.append(f"announcements {dict(titles)}, expected {announcements} once each")
    return problems
