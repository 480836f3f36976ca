"""Both yeses pressed at the same moment on two processes sharing PostgreSQL: exactly one
conversation. Two harnesses are two processes (each its own store and processor).

The first two tests hold the interleaving still: one transaction records its answer and
keeps the row lock while the other's answer waits on it, then sees the first's committed
answer. The last presses through both processors at once, as platforms would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.context import Ctx
from bot.events import ButtonPressed
from bot.network import proposal_answers
from bot.refs import ChannelRef
from bot.replies import GroupDirect, Reply
from bot.store.models import Outbox
from testkit.harness import WS, Harness, u
from tests.bot.network.network_helpers import add_item, proposals, set_of

pytestmark = pytest.mark.postgres


@pytest_asyncio.fixture
async def two(postgres_url: str, clock: FakeClock) -> AsyncIterator[tuple[Harness, Harness]]:
    first = await Harness.open(postgres_url, clock)
    second = await Harness.open(postgres_url, clock)
    try:
        yield first, second
    finally:
        await second.close()
        await first.close()


async def _proposal(h: Harness) -> int:
    set_id = await set_of(h, "fran", "alice", "bob")
    await add_item(h, set_id, "bob", "offer", "I've written grant bids and can read a draft")
    await add_item(h, set_id, "alice", "want", "Feedback on my first grant bid, please")
    h.new()
    [row] = await proposals(h)
    return int(row.id)


def _yes(who: str, proposal_id: int, n: int) -> ButtonPressed:
    return ButtonPressed(
        key=f"race:{who}:{n}",
        user=u(who),
        channel=ChannelRef(WS, f"dm-{who}"),
        action_id="match:yes",
        value=str(proposal_id),
    )


async def _answer(h: Harness, event: ButtonPressed, *, hold: asyncio.Event | None = None) -> Any:
    """Run the button's handler in a write transaction of `h`'s own store; with `hold`, keep
    the transaction (and its row lock) open until it is set."""
    async with h.app.store.write() as conn:
        ctx = Ctx(conn, h.clock.now(), h.app.config, hooks=h.app.router.hooks, traits=h.app.traits)
        await proposal_answers.on_button(ctx, event)
        if hold is not None:
            await hold.wait()
    return ctx.out


def _groups(replies: list[Reply]) -> list[GroupDirect]:
    return [r for r in replies if isinstance(r, GroupDirect)]


@pytest.mark.asyncio
async def test_two_yeses_at_once_on_two_processes_open_one_conversation(
    two: tuple[Harness, Harness],
) -> None:
    first, second = two
    pid = await _proposal(first)
    release = asyncio.Event()
    alice = asyncio.create_task(_answer(first, _yes("alice", pid, 1), hold=release))
    await asyncio.sleep(0.3)  # alice's answer is written; her transaction holds the row
    bob = asyncio.create_task(_answer(second, _yes("bob", pid, 1)))
    await asyncio.sleep(0.5)
    assert not bob.done(), "bob's answer waits on the row alice's transaction holds"
    release.set()
    alice_out, bob_out = await asyncio.gather(alice, bob)
    assert not _groups(alice_out), "alice's transaction saw only her own answer"
    assert len(_groups(bob_out)) == 1, "bob's saw both, once alice's had committed"
    [row] = await proposals(first)
    assert (row.status, row.want_answer, row.offer_answer) == ("opened", "yes", "yes")


@pytest.mark.asyncio
async def test_a_yes_delivered_twice_at_once_opens_one_conversation(
    two: tuple[Harness, Harness],
) -> None:
    """Bob said yes earlier; alice's yes arrives twice (a double click, a redelivery) and
    each copy is handled by another process at once: both see two yeses, one opens."""
    first, second = two
    pid = await _proposal(first)
    await _answer(first, _yes("bob", pid, 1))
    release = asyncio.Event()
    one = asyncio.create_task(_answer(first, _yes("alice", pid, 1), hold=release))
    await asyncio.sleep(0.3)
    other = asyncio.create_task(_answer(second, _yes("alice", pid, 2)))
    await asyncio.sleep(0.5)
    assert not other.done()
    release.set()
    outs = await asyncio.gather(one, other)
    assert [len(_groups(out)) for out in outs] == [1, 0]


@pytest.mark.asyncio
async def test_presses_through_both_processors_at_once(two: tuple[Harness, Harness]) -> None:
    first, second = two
    for attempt in range(3):
        pid = await _proposal(first) if attempt == 0 else await _another(first, attempt)
        await asyncio.gather(
            first.app.handle(_yes("alice", pid, 10 + attempt)),
            second.app.handle(_yes("bob", pid, 10 + attempt)),
        )
        await first.app.settle()
        await second.app.settle()
    sent = _groups(first.outlet.replies()) + _groups(second.outlet.replies())
    assert len(sent) == 3, "one conversation per proposal, across both processes"
    assert {p.status for p in await proposals(first)} == {"opened"}
    async with first.app.store.read() as conn:
        rows = (
            await conn.execute(
                select(func.count())
                .select_from(Outbox.__table__)
                .where(Outbox.__table__.c.body.contains('"type":"group_direct"'))
            )
        ).scalar_one()
    assert rows == 3


async def _another(h: Harness, n: int) -> int:
    """A fresh want and offer for alice and bob on a new topic: another proposal."""
    topic = ("procurement rules for small contracts", "safeguarding referrals")[n - 1]
    assert all(p.status != "proposed" for p in await proposals(h))
    set_id = (await proposals(h))[0].set_id
    await add_item(h, set_id, "bob", "offer", f"I know {topic} well and can explain them")
    await add_item(h, set_id, "alice", "want", f"I'd like to understand {topic}")
    h.new()
    return int(max(p.id for p in await proposals(h)))
