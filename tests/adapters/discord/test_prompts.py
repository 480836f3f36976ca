"""The prompt of the week on the Discord stand-in, through discord.py: `/als prompts on`, the
prompt posted in the channel, a thread someone starts from it (a Discord thread started from
a message has that message's id: the core sees the prompt's thread), a reply there kept
nowhere, and ✅ on the reply saving it as a do."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.store.models import Base, Do
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import Running, dm_texts, wait_text
from testkit.eventually import eventually
from tests.bot.network.prompt_helpers import utc


async def tables_holding(running: Running, words: str) -> set[str]:
    found = set()
    async with running.app.store.read() as conn:
        for name, table in Base.metadata.tables.items():
            for row in await conn.execute(select(table)):
                if any(words in str(value) for value in row):
                    found.add(name)
    return found


async def processed(running: Running) -> int:
    table = Base.metadata.tables["inbox"]
    async with running.app.store.read() as conn:
        query = select(func.count()).select_from(table).where(table.c.status != "pending")
        return int((await conn.execute(query)).scalar_one())


@pytest.mark.asyncio
async def test_a_prompt_on_discord_its_thread_and_a_do_from_a_reply(
    standin: DiscordStandIn, running: Running, clock: FakeClock
) -> None:
    w = standin.world
    alice, bob, carol = w.add_user("alice"), w.add_user("bob"), w.add_user("carol")
    await standin.slash(alice, "setup")
    for person in (bob, carol):
        await standin.slash(person, "join")
    await standin.slash(alice, "prompts on", when="tuesday 9:30")
    await wait_text(standin, w.general.id, "turned on the prompt of the week")

    clock.set(utc(2026, 1, 13, 9, 30))
    await running.app.settle()
    prompt = await wait_text(standin, w.general.id, "Prompt of the week")
    assert "Where does your power lie, and how do you use it?" in prompt.content
    assert "React to a reply with ✅ to save it as a do" in prompt.content

    thread = w.thread_from_message(w.general.id, prompt.id, {"name": "Power"})
    await standin.flush()
    seen = await processed(running)
    words = "Mine lies in the rota nobody else wants to own"
    reply = await standin.say(carol, thread.id, words)

    async def handled() -> bool:
        return await processed(running) > seen

    await eventually(handled, within=5.0, what="carol's reply handled")
    assert await tables_holding(running, "rota nobody") == {"inbox"}

    await standin.react(bob, reply, "✅")
    await standin.wait_for(lambda: [t for t in dm_texts(standin, bob) if "saved as do #1" in t])
    async with running.app.store.read() as conn:
        assert [r.text for r in await conn.execute(select(Do.__table__))] == [words]
