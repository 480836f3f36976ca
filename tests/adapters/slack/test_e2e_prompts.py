"""The prompt of the week on the Slack stand-in, over the real HTTP endpoint: the prompt is
posted in the channel, a reply in its thread is kept nowhere (only the inbox has it, until
retention blanks it), and the set's do emoji on a reply saves it as a do — the reply's text
fetched from Slack, as for any message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.store.models import Base, Do
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SET, SlackWorld

ALICE, BOB, CAROL = "UALICE", "UBOB", "UCAROL"


@pytest_asyncio.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with SlackWebApi() as api:
        w = await SlackWorld.open(api, sqlite_url, clock)
        try:
            yield w
        finally:
            await w.close()


async def counts(world: SlackWorld) -> dict[str, int]:
    out = {}
    async with world.bot.store.read() as conn:
        for name, table in Base.metadata.tables.items():
            out[name] = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
    return out


async def tables_holding(world: SlackWorld, words: str) -> set[str]:
    found = set()
    async with world.bot.store.read() as conn:
        for name, table in Base.metadata.tables.items():
            for row in await conn.execute(select(table)):
                if any(words in str(value) for value in row):
                    found.add(name)
    return found


@pytest.mark.asyncio
async def test_a_prompt_on_slack_its_thread_and_a_do_from_a_reply(world: SlackWorld) -> None:
    for who, line in ((ALICE, f"facilitator add <@{ALICE}>"), (BOB, "join"), (CAROL, "join")):
        assert (await world.command(who, line)).status == 200
        await world.settle()
    assert (await world.command(ALICE, "prompts on")).status == 200
    await world.settle()
    assert any("The prompt of the week is on" in t for t in world.private(ALICE))
    await world.wait(timedelta(days=7))
    [prompt] = [m for m in world.api.messages[SET] if "Prompt of the week" in m.text]
    assert prompt.user == "UBOT" and prompt.thread_ts is None
    assert "Where does your power lie, and how do you use it?" in prompt.text
    assert "React to a reply with ✅ to save it as a do" in prompt.text

    before = await counts(world)
    words = "Mine lies in the rota nobody else wants to own"
    reply = world.api.seed_message(SET, words, user=CAROL, thread_ts=prompt.ts)
    event = sign.message_event(
        user=CAROL, channel=SET, text=words, ts=reply.ts, thread_ts=prompt.ts
    )
    assert (await world.event(event)).status == 200
    await world.settle()
    after = await counts(world)
    changed = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    # The adapter notes once that this workspace delivers Events API requests (HTTP mode).
    assert set(changed) <= {"inbox", "adapter_state"} and changed["inbox"] == 1, changed
    assert await tables_holding(world, "rota nobody") == {"inbox"}
    assert not [m for m in world.api.messages[SET] if m.thread_ts == prompt.ts and m.user == "UBOT"]

    assert (await world.react(BOB, reply)).status == 200
    await world.settle()
    async with world.bot.store.read() as conn:
        saved = [r.text for r in await conn.execute(select(Do.__table__))]
    assert saved == [words]
