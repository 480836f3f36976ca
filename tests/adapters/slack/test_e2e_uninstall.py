"""The app uninstalled from a Slack workspace, over the real HTTP endpoint: the nudge that
was waiting is never sent, nothing more is posted there, and after the grace period no
table holds anything of the workspace but the record of its departure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adapters.slack.service import start_slack
from bot.events import AppRemoved
from bot.refs import Platform, UserRef, WorkspaceRef
from bot.store.models import Base, DepartedWorkspace, Timer
from testkit.slack import signing as sign
from testkit.slack.world import SlackWorld

ALICE, BOB = "UALICE", "UBOB"
TEAM = WorkspaceRef(Platform.SLACK, sign.TEAM)


async def pending_nudges(world: SlackWorld) -> list[datetime]:
    timers = Timer.__table__
    async with world.bot.store.read() as conn:
        rows = await conn.execute(
            select(timers.c.due_at).where(timers.c.kind == "nudge", timers.c.status == "pending")
        )
        return [r.due_at for r in rows]


async def tables_holding(world: SlackWorld, words: str) -> set[str]:
    found = set()
    async with world.bot.store.read() as conn:
        for name, table in Base.metadata.tables.items():
            for row in await conn.execute(select(table)):
                if any(words in str(value) for value in row):
                    found.add(name)
    return found


async def wait_until(world: SlackWorld, moment: datetime) -> None:
    await world.wait(moment - world.clock.now())


@pytest.mark.asyncio
async def test_an_uninstall_stops_a_nudge_and_deletes_the_data_later(
    http_world: SlackWorld,
) -> None:
    world = http_world
    for line in (f"start <@{BOB}|bob>", *["next"] * 5):  # … → Actions
        assert (await world.command(ALICE, line)).status == 200
        await world.settle()
    await world.say(BOB, "Ask three long-standing volunteers what keeps them coming")
    for line in ("next", "next", "schedule 9 Feb 2026 10am"):  # Evaluation, closed
        assert (await world.command(ALICE, line)).status == 200
        await world.settle()
    assert await pending_nudges(world), "Bob's nudges wait for the days before the session"
    held = await tables_holding(world, sign.TEAM)
    assert {"sets", "members", "actions", "inbox", "outbox", "posted", "timers"} <= held
    assert "departed_workspaces" not in held

    answer = await world.event({"type": "app_uninstalled"}, event_id="EvUNINSTALL1")
    assert answer.status == 200
    await world.settle()
    assert (
        await world.bot.submit(
            AppRemoved(
                key="slack:event:EvUNINSTALL1", user=UserRef(TEAM, "UBOT"), reason="uninstalled"
            )
        )
        is False
    ), "the endpoint recorded the uninstall as the core's AppRemoved, under this key"
    assert not await pending_nudges(world)
    posted_before = len([c for c in world.api.calls if c.method.startswith("chat.")])

    await wait_until(world, datetime(2026, 2, 9, 11, tzinfo=UTC))
    assert not [t for t in world.private(BOB) if "9 February" in t], "no nudge reached Bob"
    assert len([c for c in world.api.calls if c.method.startswith("chat.")]) == posted_before

    await wait_until(world, datetime(2026, 2, 11, 10, 1, tzinfo=UTC))  # 30 days on
    assert await tables_holding(world, sign.TEAM) == {"departed_workspaces"}


@pytest.mark.asyncio
async def test_single_token_mode_restarted_with_a_working_token_calls_the_deletion_off(
    http_world: SlackWorld,
) -> None:
    """The operator reinstalls the app by hand, copies the token and restarts alsbot: the
    token `auth.test` accepts says the app is installed again, so the data stays."""
    world = http_world
    assert (await world.command(ALICE, "setup")).status == 200
    await world.settle()
    assert (await world.event({"type": "app_uninstalled"}, event_id="EvGONE")).status == 200
    await world.settle()
    departed = DepartedWorkspace.__table__
    async with world.bot.store.read() as conn:
        assert (await conn.execute(select(departed.c.workspace_key))).scalars().all() == [TEAM.key]

    await world.service.stop()
    world.service = await start_slack(world.bot, world.bot.config)
    await world.settle()
    async with world.bot.store.read() as conn:
        assert (await conn.execute(select(departed.c.workspace_key))).scalars().all() == []
    await world.wait(timedelta(days=31))
    assert "sets" in await tables_holding(world, sign.TEAM), "nothing was deleted"
