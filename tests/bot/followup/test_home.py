"""A person's own summary: only their open actions, their sets' next sessions and do's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from adapters.discord.traits import DISCORD_TRAITS
from bot.context import Ctx
from bot.events import ButtonPressed, CommandInvoked, DirectMessage
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.sets.records import memberships, same_person
from bot.store.models import OutcomeUpdate
from testkit.harness import WS, Harness, u
from testkit.recording import RecordingOutlet
from tests.bot.followup.update_helpers import add_open_action


@pytest.mark.asyncio
async def test_home_summary_is_mine_only(sqlite_url: str, clock) -> None:
    h = await Harness.open(sqlite_url, clock)
    try:
        await h.cmd("alice", "start @bob")
        await h.cmd("alice", "schedule 9 Feb 2026 10-12 in Room 8 every 4 weeks")
        for _ in range(5):
            await h.cmd("alice", "next")
        await h.say("bob", "Phone the volunteer centre by 30 Jan 2026")
        await h.cmd("alice", "end")
        await h.cmd("carol", "start", channel=ChannelRef(WS, "elsewhere"))

        bob = await h.app.home_summary(u("bob"))
        assert [(a.channel.id, a.text, a.due) for a in bob.actions] == [
            ("general", "Phone the volunteer centre", " (by Fri 30 Jan 2026)")
        ]
        assert [(s.channel.id, s.at, s.shown) for s in bob.sessions] == [
            (
                "general",
                datetime(2026, 2, 9, 10, tzinfo=UTC),
                "Monday 9 February 2026, 10:00–12:00 (Europe/London), Room 8",
            )
        ]
        assert (await h.app.home_summary(u("carol"))).actions == []
        stranger = await h.app.home_summary(u("bob", WorkspaceRef(Platform.CONSOLE, "other")))
        assert stranger.actions == [] and stranger.sessions == []
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_a_discord_dm_reaches_the_set_in_another_server(sqlite_url: str, clock) -> None:
    """Discord DMs carry no server; the same user id is the same person in every server
    (`DISCORD_TRAITS.global_user_ids`, declared when the adapter attaches)."""
    h = await Harness.open(sqlite_url, clock)
    discord = RecordingOutlet(platform=Platform.DISCORD)
    h.app.attach(discord, traits=DISCORD_TRAITS)
    try:
        guild = WorkspaceRef(Platform.DISCORD, "111")
        channel = ChannelRef(guild, "222")
        await h.app.handle(
            CommandInvoked(key="d1", user=UserRef(guild, "7"), channel=channel, text="join")
        )
        await add_open_action(h, 1, "discord:111:7", "Call the centre")
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
        # Held for its author alone until they say yes, then saved under their set identity.
        share = next(
            b
            for r in discord.replies()
            for b in getattr(r, "buttons", ())
            if b.label == "Share as my update"
        )
        await h.app.handle(
            ButtonPressed(
                key="d3",
                user=UserRef(elsewhere, "7"),
                channel=dm,
                action_id=share.action_id,
                value=share.value,
            )
        )
        async with h.app.store.read() as conn:
            ctx = Ctx(conn, clock.now(), h.app.config, traits=h.app.traits)
            found = await memberships(ctx, UserRef(elsewhere, "7"))
            assert [(s.channel, me) for s, me in found] == [(channel, UserRef(guild, "7"))]
            assert same_person(ctx, UserRef(elsewhere, "7"), "discord:111:7")
            assert not same_person(ctx, UserRef(WS, "7"), "console:other:7"), "console ids are not"
            assert not same_person(ctx, UserRef(elsewhere, "7"), "discord:111:8")
        async with h.app.store.read() as conn:
            saved = [
                (r.user_key, r.text) for r in await conn.execute(select(OutcomeUpdate.__table__))
            ]
        assert saved == [("discord:111:7", "It went well")]
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_without_declared_traits_an_id_names_a_person_only_in_its_workspace(
    sqlite_url: str, clock
) -> None:
    """The core assumes nothing about a platform whose adapter is not attached: the same
    Discord id in another server is not taken for the same person."""
    h = await Harness.open(sqlite_url, clock)
    try:
        guild = WorkspaceRef(Platform.DISCORD, "111")
        channel = ChannelRef(guild, "222")
        await h.app.handle(
            CommandInvoked(key="d1", user=UserRef(guild, "7"), channel=channel, text="join")
        )
        elsewhere = WorkspaceRef(Platform.DISCORD, "999")
        async with h.app.store.read() as conn:
            ctx = Ctx(conn, clock.now(), h.app.config, traits=h.app.traits)
            assert await memberships(ctx, UserRef(elsewhere, "7")) == []
            assert [me for _s, me in await memberships(ctx, UserRef(guild, "7"))] == [
                UserRef(guild, "7")
            ]
            assert not same_person(ctx, UserRef(elsewhere, "7"), "discord:111:7")
            assert same_person(ctx, UserRef(guild, "7"), "discord:111:7")
    finally:
        await h.close()
