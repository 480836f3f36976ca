"""Property: for any DM text, nothing of it is visible to another member until its author
pressed [Share as my update] (issue 12, item 1).

Hypothesis writes what Bob sends the bot — questions, thanks, statuses in words, private
news, odd characters, a command typed as text — and presses any of the private buttons he
is shown except [Share as my update] ([Edit], [Not an update], [No], [Yes, mark done],
[Keep the old one]). After each example nothing of what he wrote is in a reply to anyone
else, in the facilitators' digest, in the next session's Updates phase or in
`/als actions`, and no outcome update exists. Then, if a draft is still waiting, Bob
presses [Share as my update] and it does appear in the Updates phase: the checks can see.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import FakeClock
from bot.context import Ctx
from bot.events import ButtonPressed
from bot.followup import reminders, updates_phase
from bot.refs import ChannelRef
from bot.replies import Direct, Edit, Ephemeral, Reply
from bot.rounds import engine, plan
from bot.rounds.sessions import SessionInfo
from bot.sets import records as sets
from bot.store.models import Draft, OutcomeUpdate
from testkit.config import START_OF_TESTS
from testkit.harness import WS, Harness, u
from testkit.nudges import closed_session
from tests.bot.followup.update_helpers import press_private, private_button

PHRASES = [
    "hi",
    "Thanks!",
    "what time is the next meeting?",
    "is the meeting still in Room 8?",
    "is it still on?",
    "where are we meeting",
    "I might be late, my dad is in hospital again",
    "the rota one is done",
    "dropped the budget one",
    "not yet started the budget one",
    "all done!",
    "I've done the rota",
    "My manager and I fell out badly",
    "/als update done",
    "@everyone <!channel>",
    "👍",
    "?",
    "\n",
]
piece = st.sampled_from(PHRASES) | st.text(max_size=12)
dm_text = st.lists(piece, min_size=1, max_size=4).map(" ".join)
PRESSABLE = ["Edit", "Not an update", "No", "Yes, mark done", "Keep the old one"]
ops = st.lists(
    st.tuples(st.just("dm"), dm_text) | st.tuples(st.just("press"), st.sampled_from(PRESSABLE)),
    min_size=1,
    max_size=5,
)
_SECRETS = itertools.count(1)


def secret() -> str:
    """A word nobody else could say by chance, so that "visible" is checked exactly."""
    return f"zqx{next(_SECRETS)}secret"


def reaching_others(replies: list[Reply]) -> list[Reply]:
    """Replies anyone but Bob can see (an `Edit` of his own preview is his DM)."""
    out = []
    for reply in replies:
        if isinstance(reply, (Direct, Ephemeral)) and reply.user.id == "bob":
            continue
        if isinstance(reply, Edit) and reply.handle.startswith("update-draft:"):
            continue
        out.append(reply)
    return out


async def what_others_see(h: Harness) -> str:
    """The digest, the next Updates phase and `/als actions`, as Alice would see them."""
    async with h.app.store.read() as conn:
        ctx = Ctx(conn, h.clock.now(), h.app.config, traits=h.app.traits)
        set_info = await sets.get_set(ctx, 1)
        digest = await reminders.digest_text(ctx, set_info, h.clock.now() + timedelta(days=3))
        state = engine.start(("console:local:dave",), plan.Timings(), h.clock.now()).state
        upcoming = SessionInfo(10**6, set_info.id, state)
        updates = await updates_phase.digest(ctx, set_info, upcoming)
    actions = await h.cmd("alice", "actions @bob")
    parts = [digest.plain(), updates.plain() if updates else ""]
    parts += [r.text.plain() for r in actions if hasattr(r, "text")]
    return "\n".join(parts)


async def rows(h: Harness, model: Any) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(model.__table__)))


async def example(steps: list[tuple[str, str]], marked: list[bool], tmp: Path) -> bool:
    """Run one example; True if a draft was left to share (and its sharing was checked)."""
    db = tmp / f"p{next(_SECRETS)}.db"
    h = await Harness.open(f"sqlite+aiosqlite:///{db}", FakeClock(START_OF_TESTS))
    try:
        await closed_session(
            h, actions=("Draft a shared rota with the team leader", "Review the budget")
        )
        await h.cmd("alice", "schedule 9 Feb 2026 10am")
        await h.wait(timedelta(days=10))
        said: list[str] = []
        for (kind, value), mark in zip(steps, itertools.cycle(marked), strict=False):
            if kind == "dm":
                body = f"{value} {secret()}" if mark else value
                said.append(body)
                out = await h.dm("bob", body)
            else:
                try:
                    private_button(h, "bob", value)
                except AssertionError:
                    continue
                out = await press_private(h, "bob", value)
            assert reaching_others(out) == [], (body if kind == "dm" else value, out)
        assert await rows(h, OutcomeUpdate) == []
        seen = await what_others_see(h)
        assert "@bob — no update yet" in seen
        for body in said:
            for word in body.split():
                if word.startswith("zqx"):
                    assert word not in seen, (word, seen)
            if len(body.strip()) >= 12:
                assert body.strip() not in seen
        # Once Bob says yes, the same checks see his words.
        waiting = [d for d in await rows(h, Draft) if not (d.data or {}).get("editing")]
        if waiting:
            await h.app.handle(
                ButtonPressed(
                    key=h.key(),
                    user=u("bob"),
                    channel=ChannelRef(WS, "dm-bob"),
                    action_id="upd:share",
                    value=str(waiting[0].id),
                )
            )
            shared = (await rows(h, OutcomeUpdate))[0].text
            assert shared in (await what_others_see(h))
        return bool(waiting)
    finally:
        await h.close()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=ops, marked=st.lists(st.booleans(), min_size=1, max_size=3))
def test_nothing_of_a_dm_is_seen_by_others_until_shared(
    steps: list[tuple[str, str]], marked: list[bool], tmp_path: Path
) -> None:
    asyncio.run(example(steps, marked, tmp_path))


def test_the_property_sees_a_shared_update(tmp_path: Path) -> None:
    """The check is not vacuous: the hospital DM made into a draft and shared is seen."""
    shared = asyncio.run(
        example([("dm", "My dad is in hospital again, so the rota waited")], [True], tmp_path)
    )
    assert shared, "the DM was not held as a draft, so the shared branch never ran"
