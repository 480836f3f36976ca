"""A person's own summary: only their open actions, their sets' next sessions and do's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.refs import ChannelRef, Platform, WorkspaceRef
from tests.harness import WS, Harness, u


@pytest.mark.asyncio
async def test_home_summary_is_mine_only(sqlite_url: str, clock) -> None:
    h = await Harness.open(sqlite_url, clock)
    try:
        await h.cmd("alice", "start @bob")
        await h.cmd("alice", "schedule 9 Feb 2026 10am every 4 weeks")
        for _ in range(5):
            await h.cmd("alice", "next")
        await h.say("bob", "Phone the volunteer centre by 30 Jan 2026")
        await h.cmd("alice", "end")
        await h.cmd("carol", "start", channel=ChannelRef(WS, "elsewhere"))

        bob = await h.app.home_summary(u("bob"))
        assert [(a.channel.id, a.text, a.due) for a in bob.actions] == [
            ("general", "Phone the volunteer centre", " (by Fri 30 Jan 2026)")
        ]
        assert [(s.channel.id, s.at) for s in bob.sessions] == [
            ("general", datetime(2026, 2, 9, 10, tzinfo=UTC))
        ]
        assert (await h.app.home_summary(u("carol"))).actions == []
        stranger = await h.app.home_summary(u("bob", WorkspaceRef(Platform.CONSOLE, "other")))
        assert stranger.actions == [] and stranger.sessions == []
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_a_discord_dm_reaches_the_set_in_another_server(sqlite_url: str, clock) -> None:
    """Discord DMs carry no server; the same user id is the same person in every server."""
    from sqlalchemy import select

    from bot.context import Ctx
    from bot.events import CommandInvoked, DirectMessage
    from bot.refs import MessageRef, UserRef
    from bot.sets.records import memberships, same_person
    from bot.store.models import OutcomeUpdate

    h = await Harness.open(sqlite_url, clock)
    try:
        guild = WorkspaceRef(Platform.DISCORD, "111")
        channel = ChannelRef(guild, "222")
        await h.app.handle(
            CommandInvoked(key="d1", user=UserRef(guild, "7"), channel=channel, text="join")
        )
        elsewhere = WorkspaceRef(Platform.DISCORD, "999")  # the adapter's guess for the DM
        dm = ChannelRef(elsewhere, "dm-7")
        await h.app.handle(
            DirectMessage(
                key="d2",
                user=UserRef(elsewhere, "7"),
                channel=dm,
                message=MessageRef(dm, "1"),
                text="It went well",
            )
        )
        async with h.app.store.read() as conn:
            ctx = Ctx(conn, clock.now(), h.app.config)
            found = await memberships(ctx, UserRef(elsewhere, "7"))
        assert [(s.channel, me) for s, me in found] == [(channel, UserRef(guild, "7"))]
        assert same_person(UserRef(elsewhere, "7"), "discord:111:7")
        assert not same_person(UserRef(WS, "7"), "console:other:7"), "only Discord ids are global"
        async with h.app.store.read() as conn:
            saved = [
                (r.user_key, r.text) for r in await conn.execute(select(OutcomeUpdate.__table__))
            ]
        assert saved == [("discord:111:7", "It went well")]
    finally:
        await h.close()
