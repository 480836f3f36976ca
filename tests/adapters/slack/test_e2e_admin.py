"""Who may name the facilitator of a Slack set that has none (issue 14, point 6): the
adapter asks `users.info` before the command's transaction, only for the commands that can
name one, and only a workspace admin or owner is let through."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.sets.records import LEADERLESS
from bot.store.models import Member
from testkit.slack.world import SET, SlackWorld

ALICE, BOB, CAROL, DAVE, ERIN = "UALICE", "UBOB", "UCAROL", "UDAVE", "UERIN"


async def facilitators(world: SlackWorld) -> list[str]:
    table = Member.__table__
    async with world.bot.store.read() as conn:
        rows = await conn.execute(select(table.c.user_key).where(table.c.is_facilitator.is_(True)))
        return sorted(r[0].rsplit(":", 1)[1] for r in rows)


@pytest.mark.asyncio
async def test_only_a_slack_admin_names_the_facilitator_of_a_leaderless_set(
    http_world: SlackWorld,
) -> None:
    w = http_world
    w.api.users[DAVE] = {"is_admin": True}
    w.api.users[ERIN] = {"is_owner": True}
    await w.command(ALICE, "setup")
    await w.command(BOB, "join")
    await w.command(CAROL, "join")
    await w.settle()
    async with w.bot.store.write() as conn:
        await conn.execute(update(Member.__table__).values(is_facilitator=False))

    await w.command(BOB, f"facilitator add <@{BOB}|bob>")
    await w.settle()
    assert w.private(BOB)[-1] == LEADERLESS
    assert await facilitators(w) == []

    await w.command(DAVE, f"facilitator add <@{CAROL}|carol>")
    await w.settle()
    assert await facilitators(w) == [CAROL]
    assert any(f"<@{CAROL}> is now a facilitator" in str(m) for m in w.api.posted(SET))

    w.api.users.pop(DAVE)
    async with w.bot.store.write() as conn:
        await conn.execute(update(Member.__table__).values(is_facilitator=False))
    await w.command(ERIN, "join")  # an owner joining a leaderless set takes the lead
    await w.settle()
    assert await facilitators(w) == [ERIN]

    asked = [c.args.get("user") for c in w.api.calls_to("users.info")]
    assert asked == [ALICE, BOB, CAROL, BOB, DAVE, ERIN], "asked for the naming commands only"
    await w.command(BOB, "dos")
    await w.command(BOB, "help")
    await w.settle()
    assert len(w.api.calls_to("users.info")) == len(asked)


@pytest.mark.asyncio
async def test_an_admin_of_a_connected_organisation_is_no_admin_here(
    http_world: SlackWorld,
) -> None:
    """A Slack Connect guest is filed under the installation (docs/SLACK.md), so only
    `users.info`'s own `team_id` (or `is_stranger`) tells that their admin rights are
    another organisation's."""
    w = http_world
    w.api.users["WGUEST"] = {"is_admin": True, "team_id": "T0GUEST"}
    w.api.users["WSTRANGER"] = {"is_owner": True, "is_stranger": True}
    await w.command(ALICE, "setup")
    await w.command(BOB, "join")
    await w.settle()
    async with w.bot.store.write() as conn:
        await conn.execute(update(Member.__table__).values(is_facilitator=False))
    for guest in ("WGUEST", "WSTRANGER"):
        await w.command(guest, f"facilitator add <@{BOB}|bob>")
        await w.settle()
        assert w.private(guest)[-1] == LEADERLESS
    assert await facilitators(w) == []
