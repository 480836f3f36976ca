"""A set with members always has a facilitator (issue 14, point 6): the only facilitator's
`forget-me` is refused like their `leave`, and a set left without one (from an older
version) can be given one only by a workspace admin — not by whoever claims it first."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.events import CommandInvoked
from bot.sets import privacy
from bot.sets import records as sets
from bot.store.models import Member
from testkit.harness import GENERAL, Harness, private_to, public, u


async def facilitators(h: Harness) -> list[str]:
    table = Member.__table__
    async with h.app.store.read() as conn:
        rows = await conn.execute(
            select(table.c.user_key).where(table.c.is_facilitator.is_(True), table.c.active)
        )
        return sorted(r[0].rsplit(":", 1)[1] for r in rows)


async def cmd(h: Harness, who: str, line: str, *, admin: bool | None = None) -> list:
    await h.app.handle(
        CommandInvoked(key=h.key(), user=u(who), channel=GENERAL, text=line, invoker_is_admin=admin)
    )
    return h.new()


@pytest.mark.asyncio
async def test_the_only_facilitators_forget_me_is_refused_so_nobody_can_take_the_set(
    h: Harness,
) -> None:
    await h.cmd("alice", "setup")
    await h.cmd("bob", "join")
    out = await h.cmd("alice", "forget-me confirm")
    assert private_to(out, "alice") == [privacy.STILL_LEADING.format(sets="a set")]
    assert await facilitators(h) == ["alice"], "alice is not forgotten: the set keeps her"
    out = await h.cmd("bob", "facilitator add <@bob>")
    assert "Only a facilitator" in private_to(out, "bob")[0] and public(out) == []
    assert await facilitators(h) == ["alice"]
    # Once she has named someone else, she can go.
    await h.cmd("alice", "facilitator add <@bob>")
    out = await h.cmd("alice", "forget-me confirm")
    assert "forgotten you" in private_to(out, "alice")[0]
    assert await facilitators(h) == ["bob"]


@pytest.mark.asyncio
async def test_the_last_member_of_all_may_forget_themselves(h: Harness) -> None:
    await h.cmd("alice", "setup")
    out = await h.cmd("alice", "forget-me confirm")
    assert "forgotten you" in private_to(out, "alice")[0]


@pytest.mark.asyncio
async def test_a_set_with_members_and_no_facilitator_is_named_one_only_by_an_admin(
    h: Harness,
) -> None:
    await h.cmd("alice", "setup")
    await h.cmd("bob", "join")
    await h.cmd("carol", "join")
    async with h.app.store.write() as conn:  # left leaderless by an older version
        await conn.execute(update(Member.__table__).values(is_facilitator=False))
    for who, line in (("bob", "facilitator add <@bob>"), ("carol", "start"), ("mallory", "start")):
        out = await cmd(h, who, line, admin=None)  # unknown counts as no
        assert private_to(out, who) == [sets.LEADERLESS], line
    out = await cmd(h, "bob", "facilitator add <@bob>", admin=False)
    assert private_to(out, "bob") == [sets.LEADERLESS]
    assert await facilitators(h) == []
    out = await cmd(h, "dave", "facilitator add <@carol>", admin=True)
    assert public(out) == ["@carol is now a facilitator of this set."]
    assert await facilitators(h) == ["carol"], "the admin names someone, without taking it"
    out = await cmd(h, "dave", "facilitator add <@dave>", admin=True)
    assert "Only a facilitator" in private_to(out, "dave")[0], "once led, the usual rule"


@pytest.mark.asyncio
async def test_a_new_set_is_still_led_by_its_first_runner_with_no_admin_step(h: Harness) -> None:
    out = await h.cmd("alice", "facilitator add <@bob>")
    assert public(out) == ["@bob is now a facilitator of this set."]
    assert await facilitators(h) == ["alice", "bob"]
