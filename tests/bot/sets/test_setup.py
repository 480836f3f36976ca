"""Set-up before any session, and a set that always keeps a facilitator while it has members."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.events import CommandInvoked
from bot.refs import ChannelRef, UserRef
from bot.sets import membership
from bot.sets import records as sets
from bot.sets.setup import PRIVACY_NOTE
from bot.store.models import Member
from bot.store.models import Set as SetRow
from testkit.harness import GENERAL, WS, Harness, private_to, public

NEW = ChannelRef(WS, "new-set")


async def _facilitators(h: Harness, channel: ChannelRef = GENERAL) -> list[str]:
    members, set_rows = Member.__table__, SetRow.__table__
    async with h.app.store.read() as conn:
        rows = await conn.execute(
            select(members.c.user_key)
            .join(set_rows, set_rows.c.id == members.c.set_id)
            .where(
                set_rows.c.channel_key == channel.key,
                members.c.active.is_(True),
                members.c.is_facilitator.is_(True),
            )
            .order_by(members.c.id)
        )
        return [UserRef.from_key(r[0]).id for r in rows]


async def _has_set(h: Harness, channel: ChannelRef) -> bool:
    set_rows = SetRow.__table__
    async with h.app.store.read() as conn:
        found = await conn.execute(
            select(set_rows.c.id).where(set_rows.c.channel_key == channel.key)
        )
        return found.first() is not None


@pytest.mark.asyncio
async def test_setup_makes_the_set_and_its_facilitator_and_shows_the_next_steps(
    h: Harness,
) -> None:
    out = await h.cmd("alice", "setup")
    assert public(out) == [
        "@alice set up an Action Learning Set in this channel and is its facilitator. "
        "Join it with `/als join`."
    ]
    (steps,) = private_to(out, "alice")
    assert steps.startswith("You're the facilitator of this channel's Action Learning Set.")
    for step in ("/als schedule wednesday 10am every 4 weeks", "/als join", "/als settings"):
        assert f"`{step}" in steps
    assert PRIVACY_NOTE in steps and "private channel" in steps
    assert await _facilitators(h) == ["alice"]
    # Facilitator commands work at once, with no live session ever started.
    assert "how the set is doing" in private_to(await h.cmd("alice", "report"), "alice")[0]


@pytest.mark.asyncio
async def test_setup_again_says_the_set_exists_and_who_facilitates(h: Harness) -> None:
    await h.cmd("alice", "setup")
    await h.cmd("alice", "facilitator add @bob")
    out = await h.cmd("carol", "set-up")
    assert public(out) == []
    (said,) = private_to(out, "carol")
    assert said.startswith(
        "This channel already has an Action Learning Set. Its facilitators are @alice, @bob."
    )
    assert "`/als schedule wednesday 10am every 4 weeks`" in said
    assert await _facilitators(h) == ["alice", "bob"]


@pytest.mark.asyncio
async def test_a_first_schedule_sets_the_set_up_and_schedules_it(h: Harness) -> None:
    out = await h.cmd("alice", "schedule thursday 10am weekly", channel=NEW)
    said = public(out)
    assert said[0].startswith("@alice set up an Action Learning Set in this channel")
    assert said[1].startswith("Next session: Thursday")
    assert "Next steps" in private_to(out, "alice")[0]
    assert await _facilitators(h, NEW) == ["alice"]
    # Only showing the schedule sets nothing up, and says how to.
    other = ChannelRef(WS, "other")
    assert private_to(await h.cmd("bob", "schedule", channel=other), "bob") == [sets.NO_SET]
    assert "/als setup" in sets.NO_SET
    assert not await _has_set(h, other)


@pytest.mark.asyncio
async def test_join_in_a_new_channel_makes_the_first_joiner_its_facilitator(h: Harness) -> None:
    out = await h.cmd("carol", "join", channel=NEW)
    assert public(out) == [
        "@carol joined this Action Learning Set. Welcome!",
        "@carol is now this set's facilitator, as it had none: facilitators run sessions and "
        "change the schedule and settings (`/als facilitator add @name` adds another).",
    ]
    await h.cmd("dave", "join", channel=NEW)
    assert await _facilitators(h, NEW) == ["carol"]


async def as_admin(h: Harness, who: str, line: str) -> list:
    """A command from someone the platform says administers the workspace."""
    await h.app.handle(
        CommandInvoked(
            key=h.key(), user=UserRef(WS, who), channel=GENERAL, text=line, invoker_is_admin=True
        )
    )
    return h.new()


@pytest.mark.asyncio
async def test_an_old_set_with_no_facilitator_gets_one_only_from_an_admin(h: Harness) -> None:
    """A set others are in, with nobody leading it (from before the rule, or an older
    forget-me): whoever claimed it first would take over the others' set (issue 14, point 6),
    so `join` and `setup` hand the role only to a workspace admin."""
    await h.cmd("alice", "setup")
    await h.cmd("bob", "join")
    async with h.app.store.write() as conn:  # a set from before the rule: nobody leads it
        await conn.execute(update(Member.__table__).values(is_facilitator=False))
    out = await h.cmd("bob", "join")
    assert public(out) == [] and await _facilitators(h) == []
    out = await h.cmd("alice", "setup")
    assert public(out) == [] and await _facilitators(h) == []
    out = await as_admin(h, "bob", "join")  # already a member: no welcome, but now the facilitator
    assert public(out) == [
        "@bob is now this set's facilitator, as it had none: facilitators run sessions and "
        "change the schedule and settings (`/als facilitator add @name` adds another)."
    ]
    assert await _facilitators(h) == ["bob"]
    async with h.app.store.write() as conn:
        await conn.execute(update(Member.__table__).values(is_facilitator=False))
    out = await as_admin(h, "alice", "setup")
    assert public(out) == ["@alice is now this set's facilitator (it had none)."]
    assert "Its facilitator is @alice." in private_to(out, "alice")[0]


@pytest.mark.asyncio
async def test_a_set_everyone_left_is_taken_by_whoever_comes_first(h: Harness) -> None:
    """With no other member there is nobody to take over from: no admin step to restart."""
    await h.cmd("alice", "setup")
    async with h.app.store.write() as conn:
        await conn.execute(update(Member.__table__).values(is_facilitator=False, active=False))
    out = await h.cmd("bob", "join")
    assert "@bob is now this set's facilitator" in public(out)[-1]
    assert await _facilitators(h) == ["bob"]


@pytest.mark.asyncio
async def test_the_last_facilitator_can_be_neither_removed_nor_leave_while_others_remain(
    h: Harness,
) -> None:
    await h.cmd("alice", "setup")
    await h.cmd("bob", "join")
    out = await h.cmd("alice", "facilitator remove @alice")
    assert private_to(out, "alice") == [membership.LAST_FACILITATOR_REMOVED]
    out = await h.cmd("alice", "leave")
    assert private_to(out, "alice") == [membership.LAST_FACILITATOR_LEAVING]
    assert "`/als facilitator add @name`" in membership.LAST_FACILITATOR_LEAVING
    assert await _facilitators(h) == ["alice"]
    # With a second facilitator, either way out is open.
    await h.cmd("alice", "facilitator add @bob")
    assert "You've left this set" in private_to(await h.cmd("alice", "leave"), "alice")[0]
    assert await _facilitators(h) == ["bob"]


@pytest.mark.asyncio
async def test_the_only_member_may_leave_even_as_the_facilitator(h: Harness) -> None:
    await h.cmd("alice", "setup", channel=NEW)
    out = await h.cmd("alice", "leave", channel=NEW)
    assert "You've left this set" in private_to(out, "alice")[0]
    assert await _facilitators(h, NEW) == []
