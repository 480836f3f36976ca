"""A whole round in a Teams channel, end to end: commands typed to the bot, the header card
and its Action.Submit buttons, the phases in its reply chain, private answers in 1:1 chats.

Everything goes over the wire as Teams sends it (`testkit.teams.running`): signed activities
to `/api/messages`, the bot's replies to the Bot Connector stand-in, whose records are all
the test reads — what the channel and each person's chat show, card by card."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.clock import FakeClock
from bot.store.models import Evaluation
from testkit.teams import payloads as p
from testkit.teams.running import HEADER, TeamsWorld, labels_of, mention_entities, run_teams

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[TeamsWorld]:
    async with run_teams(sqlite_url, clock) as w:
        yield w


def top_level(world: TeamsWorld) -> list[str]:
    """The channel's own posts (not in a reply chain), as they read now."""
    return [world.text(str(c.activity_id)) for c in world.posts_in() if c.root is None]


async def test_a_whole_round_in_a_channel(world: TeamsWorld) -> None:
    bf = world.bf
    ana, bob, carol, dave = (
        world.person(name) for name in ("Ana Lopez", "Bob Smith", "Carol Jones", "Dave Kim")
    )

    # Set up and joined by people who are on Teams only: each answer lands in the channel.
    await world.command(ana, "setup")
    for person in (bob, carol):
        await world.command(person, "join")
    # Teams delivers Dave's "join" twice (no answer in time): the same activity id, once.
    join = p.command(world.channel, dave, "join", to=world.bot)
    for _ in range(2):
        assert await world.send(join) == (200, None)
    posted = top_level(world)
    assert "<at>Ana Lopez</at> set up an Action Learning Set" in posted[0]
    assert [t for t in posted if "joined this Action Learning Set" in t] == [
        f"<at>{p.name}</at> joined this Action Learning Set. Welcome!" for p in (bob, carol, dave)
    ]
    # The facilitator's next steps are private: in Ana's 1:1 chat, opened for it.
    assert any("You're the facilitator" in t for t in world.dms_to(ana))
    assert not any("You're the facilitator" in t for t in posted)

    # @alsbot start @Bob: the header card in the channel, its buttons, its reply chain.
    await world.command(ana, "start <at>Bob Smith</at>", people=(bob,))
    header = world.header()
    assert "phase: Opening" in world.text(header)
    assert labels_of(bf.latest(header)) == [
        "Next phase",
        "Pause",
        "+5 min",
        "End",
        "I'd like to present",
    ]
    [bob_tag] = mention_entities(bf.latest(header))
    assert bob_tag["mentioned"]["id"] == bob.teams_id  # resolved to the member, pinged
    assert any("Ground rules" in t for t in world.chain(header))

    async def next_phase(expect: str) -> None:
        """Ana presses the header's Next phase: the same card is replaced (a PUT on its
        id), and no second header is posted."""
        updates, posts = len(bf.updates(activity_id=header)), len(bf.posts())
        await world.press(ana, header, "Next phase")
        assert len(bf.updates(activity_id=header)) == updates + 1
        assert f"phase: {expect}" in world.text(header), world.text(header)
        assert not [c for c in bf.posts()[posts:] if HEADER in world.text(str(c.activity_id))]

    await next_phase("Updates")
    assert any("This is the set's first session" in t for t in world.chain(header))
    await next_phase("Presenting")
    assert any("the floor is yours" in t for t in world.chain(header))
    await world.say(bob, "Our volunteer rota keeps collapsing.", header)

    # Questions typed in the reply chain; advice is answered privately, in a 1:1 chat.
    await next_phase("Questions")
    await world.say(carol, "What have you already tried?", header)
    await world.say(dave, "You should just offer them gift vouchers.", header)
    [reminder] = [t for t in world.dms_to(dave) if "gentle reminder" in t]
    assert reminder.startswith("(Only you can see this, from the channel “Set A”.)")
    assert "gift vouchers" in reminder
    everything_public = "\n".join(world.text(str(c.activity_id)) for c in world.posts_in())
    assert "gift vouchers" not in everything_public and "gentle reminder" not in everything_public

    await next_phase("Summary")
    assert any(
        "The questions you were asked" in t and "What have you already tried?" in t
        for t in world.dms_to(bob)
    )
    assert any("1 message read as advice" in t for t in world.dms_to(ana))

    # The presenter's actions, typed in the reply chain, shown back there.
    await next_phase("Actions")
    await world.say(bob, "Ask three long-standing volunteers what keeps them coming", header)
    recorded = [t for t in world.chain(header) if "Action recorded" in t]
    assert recorded == [
        "✅ Action recorded for <at>Bob Smith</at>: "
        "Ask three long-standing volunteers what keeps them coming · #1"
    ]

    # Ratings by the header's evaluation buttons, each thanked privately.
    await next_phase("Evaluation")
    assert labels_of(bf.latest(header))[-5:] == ["1", "2", "3", "4", "5"]
    await world.press(carol, header, "4")
    await world.press(dave, header, "5")
    assert any("your rating of 4/5 is recorded" in t for t in world.dms_to(carol))
    assert any("your rating of 5/5 is recorded" in t for t in world.dms_to(dave))
    async with world.app.store.read() as conn:
        ratings = sorted(r[0] for r in await conn.execute(select(Evaluation.__table__.c.rating)))
    assert ratings == [4, 5]

    # Closed: the header without buttons, and the summary in the channel.
    await next_phase("Closed")
    assert "this session has ended" in world.text(header)
    assert labels_of(bf.latest(header)) == []
    [summary] = [t for t in top_level(world) if t.startswith("Session summary")]
    assert "<at>Bob Smith</at>: Ask three long-standing volunteers" in summary
    assert "2 ratings, average 4.5/5" in summary

    # The round lives in the header's reply chain: nothing in any other chain.
    assert {c.root for c in world.posts_in()} == {None, header}
    assert all(";messageid=" + header in c.path for c in world.posts_in() if c.root)
    # Teams took every call; each activity was answered 200 at once.
    assert world.refused() == []
    assert {status for status, _ in world.answers} == {200}
    assert all(c.op != "update" or c.activity_id == header for c in bf.calls)
