"""Duplicates through the real Slack HTTP endpoint: signed requests repeated as Slack does.

Slash commands sent again with the same `trigger_id`, Events API deliveries retried with
`X-Slack-Retry-Num`, block actions re-sent and "Next phase" double-clicked (a new
`trigger_id` for the same button).  Checked against the database and what Slack shows.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter

from sqlalchemy import select

from bot.refs import Platform, UserRef, WorkspaceRef
from bot.rounds import engine, plan
from bot.rounds.codec import state_from_json
from bot.store.models import Action, Draft, Inbox
from bot.store.models import Session as SessionRow
from testkit.config import START_OF_TESTS
from testkit.slack import signing as sign
from testkit.slack.web_api import dm_channel
from testkit.slack.world import SlackWorld


async def run_slack_slice(
    world: SlackWorld, total: int = 300, rate: float = 0.30, seed: int = 8
) -> dict:
    """Signed requests to the real endpoint; repeats as Slack makes them."""
    rng = random.Random(seed)
    alice, bob, carol, channel, acts = "UALICE", "UBOB", "UCAROL", "C0SET", "C0ACTS"
    sent: Counter[str] = Counter()
    distinct: set[str] = set()
    expected_actions: list[tuple[str, str]] = []
    expected_updates: list[tuple[str, str]] = []

    async def command(who: str, text: str, where: str, name: str) -> None:
        distinct.add(f"slack:command:trig.{name}")
        copies = 1 + (rng.choice((1, 2)) if rng.random() < rate else 0)
        for _ in range(copies):
            answer = await world.command(who, text, channel=where, trigger_id=f"trig.{name}")
            assert answer.status == 200
            sent["command"] += 1

    async def event(payload: dict, name: str) -> None:
        distinct.add(f"slack:event:Ev{name}")
        copies = 1 + (rng.choice((1, 2)) if rng.random() < rate else 0)
        for attempt in range(copies):
            answer = await world.event(payload, event_id=f"Ev{name}", retry_num=attempt or None)
            assert answer.status == 200
            sent["event retry" if attempt else "event"] += 1

    async def next_phase(name: str) -> None:
        """Press "Next phase"; sometimes twice (a double click), sometimes re-sent."""
        for message in reversed(world.api.messages.get(channel, [])):
            buttons = [b for b in world.buttons(message) if b["text"]["text"] == "Next phase"]
            if buttons:
                break
        button = buttons[0]
        clicks = 2 if rng.random() < 0.5 else 1
        for click in range(clicks):
            trigger = f"trig.{name}.{click}"
            distinct.add(f"slack:action:{trigger}")
            payload = sign.block_actions_payload(
                user_id=alice,
                channel_id=channel,
                action_id=button["action_id"],
                value=button["value"],
                message_ts=message.ts,
                trigger_id=trigger,
                response_url=world.api.response_url(trigger),
            )
            world.askers[trigger] = alice
            for _ in range(1 + (rng.random() < rate)):
                assert (await world._deliver("interactive", payload)).status == 200
                sent["click"] += 1
        await world.settle()

    await command(alice, "start", acts, "acts-start")
    await command(alice, "end", acts, "acts-end")
    await command(alice, f"start <@{bob}|bob>", channel, "start")
    await world.settle()
    header = world.header()
    steps = 0
    n = itertools.count()
    while len(distinct) < total * 0.4 and steps < 7:
        await next_phase(f"next{steps}")
        steps += 1
        for _ in range(6):
            i = next(n)
            who = carol if i % 2 else f"UM{i % 5}"
            text = f"What would change if it worked, {i}?"
            seeded = world.api.seed_message(channel, text, user=who, thread_ts=header.ts)
            await event(
                sign.message_event(
                    user=who, channel=channel, text=text, ts=seeded.ts, thread_ts=header.ts
                ),
                f"q{i}",
            )
        await world.settle()
    i = 0
    while len(distinct) < total:
        who = f"UM{i % 5}"
        if i < 5 or rng.random() < 0.5:
            text = f"Call the funder {who} about grant {i}"
            await command(who, f"action {text}", acts, f"act{i}")
            expected_actions.append((who, text))
        else:
            text = f"Update {i}: the funder replied"
            seeded = world.api.seed_message(dm_channel(who), text, user=who)
            await event(
                sign.message_event(
                    user=who, channel=dm_channel(who), text=text, ts=seeded.ts, channel_type="im"
                ),
                f"dm{i}",
            )
            expected_updates.append((who, text))
        i += 1
        if i % 25 == 0:
            await world.settle()
    await world.settle()

    problems: list[str] = []
    async with world.bot.store.read() as conn:
        keys = {r[0] for r in await conn.execute(select(Inbox.__table__.c.key))}
        actions = list(await conn.execute(select(Action.__table__)))
        # A DM is held for its author as an update draft until they share it.
        updates = list(
            await conn.execute(select(Draft.__table__).where(Draft.__table__.c.kind == "update"))
        )
        session = (await conn.execute(select(SessionRow.__table__))).first()
    if keys != distinct:
        problems.append(f"inbox {len(keys)} keys, sent {len(distinct)} distinct")
    ws = WorkspaceRef(Platform.SLACK, sign.TEAM)
    have = Counter((a.owner_key, a.text) for a in actions)
    problems += [
        f"action {t!r} x{have[(UserRef(ws, u).key, t)]}"
        for u, t in expected_actions
        if have[(UserRef(ws, u).key, t)] != 1
    ]
    have_u = Counter((u.user_key, u.text) for u in updates)
    problems += [
        f"update {t!r} x{have_u[(UserRef(ws, u).key, t)]}"
        for u, t in expected_updates
        if have_u[(UserRef(ws, u).key, t)] != 1
    ]
    state = state_from_json(session.state)
    expected_state = engine.start((UserRef(ws, bob).key,), plan.Timings(), START_OF_TESTS).state
    announcements = 1
    for _ in range(steps):
        expected_state = engine.advance(expected_state, START_OF_TESTS).state
        announcements += expected_state.phase != engine.Phase.CLOSED
    if (state.phase, state.current) != (expected_state.phase, expected_state.current):
        problems.append(f"round at {state.phase}, expected {expected_state.phase}")
    headers = [m for m in world.api.messages[channel] if "Action Learning session" in m.text]
    if len(headers) != 1:
        problems.append(f"{len(headers)} headers")
    titles = Counter(t.split("*")[1] for t in world.thread() if t.startswith("*"))
    doubled = {t: k for t, k in titles.items() if k > 1}
    if doubled:
        problems.append(f"announced twice: {doubled}")
    if sum(titles.values()) != announcements:
        problems.append(f"{sum(titles.values())} announcements, expected {announcements}")
    confirmations = Counter(
        t
        for u in {u for u, _ in expected_actions}
        for t in world.private(u)
        if "Action recorded" in t
    )
    if any(k > 1 for k in confirmations.values()) or sum(confirmations.values()) != len(
        expected_actions
    ):
        problems.append(f"{sum(confirmations.values())} confirmations for {len(expected_actions)}")
    return {
        "distinct_events": len(distinct),
        "requests": sum(sent.values()),
        "requests_by_kind": dict(sent),
        "moves": steps,
        "problems": problems,
    }
