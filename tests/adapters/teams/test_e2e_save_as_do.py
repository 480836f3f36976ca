"""Do's on Teams, end to end: "Save as do" (the message action's invoke, with the message
in it) saves one do however often and by whomever it is chosen, and a ✅ reaction on the
bot's own post is treated as on every platform (it saves nothing).

Teams tells a bot about reactions on its own posts only, so "Save as do" is how a
person's message is saved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from adapters.teams.listener import SAVED
from bot.clock import FakeClock
from bot.store.models import Do, DoSource, Inbox
from testkit.teams.running import CHECK_MARK, TeamsWorld, run_teams

pytestmark = pytest.mark.asyncio
TASK = {"task": {"type": "message", "value": SAVED}}


@pytest_asyncio.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[TeamsWorld]:
    async with run_teams(sqlite_url, clock) as w:
        yield w


async def rows(world: TeamsWorld, table: Any) -> list[Any]:
    async with world.app.store.read() as conn:
        return list(await conn.execute(select(table).order_by(table.c.id)))


async def test_save_as_do_saves_one_do_however_often_it_is_chosen(world: TeamsWorld) -> None:
    ana, bob, carol, dave = (
        world.person(name) for name in ("Ana Lopez", "Bob Smith", "Carol Jones", "Dave Kim")
    )
    await world.command(ana, "setup")
    for person in (bob, carol, dave):
        await world.command(person, "join")
    tip = await world.say(carol, "Try a two-minute check-in before every meeting", None)

    # Ana chooses "Save as do" on Carol's post: the invoke's answer is the task message.
    assert await world.save_as_do(ana, tip, ident="f:save-1") == (200, TASK)
    [do] = await rows(world, Do.__table__)
    assert do.text == "Try a two-minute check-in before every meeting"
    assert do.author_key == f"teams:{world.bf.tenant_id}:{carol.aad}"
    told = [t for t in world.dms_to(ana) if "Saved as do #1" in t]
    assert len(told) == 1 and told[0].startswith(
        "(Only you can see this, from the channel “Set A”.)"
    )

    # `/als dos`, typed in the channel, lists it (privately, in Ana's chat).
    await world.say(ana, "/als dos", None)
    assert any("Try a two-minute check-in" in t for t in world.dms_to(ana)[len(told) :])

    # Teams delivers the same invoke again (same id): answered the same, recorded once.
    sent = len(world.bf.posts())
    assert await world.save_as_do(ana, tip, ident="f:save-1") == (200, TASK)
    assert len(await rows(world, Do.__table__)) == 1
    assert len(world.bf.posts()) == sent, "nothing is said twice"

    # Bob saves the same message: still one do, Bob among its savers.
    await world.save_as_do(bob, tip)
    assert any("already saved as do #1" in t for t in world.dms_to(bob))
    # Dave's post says the same in other words' case and stops: merged into do #1.
    again = await world.say(dave, "try a two-minute check-in before every meeting!", None)
    await world.save_as_do(carol, again, fetch=False)  # submitAction, as some clients send
    assert any("says the same as do #1" in t for t in world.dms_to(carol))
    [do] = await rows(world, Do.__table__)
    assert {ana.aad, bob.aad, carol.aad} <= {k.split(":")[-1] for k in do.saved_by}
    assert len(await rows(world, DoSource.__table__)) == 2  # both messages kept as sources
    assert world.refused() == []
    channel = "\n".join(world.text(str(c.activity_id)) for c in world.posts_in())
    assert "do #1" not in channel, "every answer about a save is private"


async def test_a_check_mark_on_the_bots_own_post_saves_nothing_as_on_every_platform(
    world: TeamsWorld,
) -> None:
    """As on Slack and Discord, the bot's own messages are never do's: a ✅ on one (the only
    reactions Teams reports) is recorded and processed after a restart, saves nothing and
    says nothing; "Save as do" on it says why, privately."""
    ana, bob = world.person("Ana Lopez"), world.person("Bob Smith")
    await world.command(ana, "setup")
    await world.command(bob, "join")
    welcome = next(
        str(c.activity_id) for c in world.posts_in() if "joined" in world.text(str(c.activity_id))
    )
    await world.restart()
    sent = len(world.bf.posts())
    assert await world.react(ana, welcome, CHECK_MARK) == (200, None)
    [reaction] = [
        r for r in await rows(world, Inbox.__table__) if r.key.endswith(f":add:{CHECK_MARK}")
    ]
    assert reaction.status == "done"
    assert await rows(world, Do.__table__) == []
    assert len(world.bf.posts()) == sent, "nothing said about a reaction on the bot's post"

    assert await world.save_as_do(bob, welcome) == (200, TASK)
    assert any("I don't save the bot's own messages" in t for t in world.dms_to(bob))
    assert await rows(world, Do.__table__) == []
    async with world.app.store.read() as conn:
        count = select(func.count()).select_from(DoSource.__table__)
        assert (await conn.execute(count)).scalar_one() == 0


async def test_save_as_do_in_a_rounds_reply_chain_asks_its_author_first(world: TeamsWorld) -> None:
    """A round's reply chain is confidential: Carol's "Save as do" on Bob's message there
    asks Bob in his 1:1 chat; his [Yes, save it] saves it, and the question card is
    replaced by the answer in place."""
    ana, bob, carol = (world.person(name) for name in ("Ana Lopez", "Bob Smith", "Carol Jones"))
    await world.command(ana, "setup")
    for person in (bob, carol):
        await world.command(person, "join")
    await world.command(ana, "start <at>Bob Smith</at>", people=(bob,))
    header = world.header()
    tip = await world.say(bob, "Always start meetings with a two-minute check-in", header)
    assert await world.save_as_do(carol, tip) == (200, TASK)
    assert any("I've asked its author" in t for t in world.dms_to(carol))
    assert await rows(world, Do.__table__) == []
    question = world.dm_with(bob, "would like to add something you wrote")
    assert "Always start meetings with a two-minute check-in" in world.text(question)
    await world.press(bob, question, "Yes, save it")
    assert world.text(question).startswith("Thank you: it is saved as do #1.")
    assert len(world.bf.updates(activity_id=question)) == 1
    [do] = await rows(world, Do.__table__)
    assert do.text == "Always start meetings with a two-minute check-in"
    channel = "\n".join(world.text(str(c.activity_id)) for c in world.posts_in())
    assert "two-minute check-in" not in channel
