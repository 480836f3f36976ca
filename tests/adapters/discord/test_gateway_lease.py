"""Several processes on one PostgreSQL database hold one Discord gateway between them.

Each process is the real core and the real discord.py client against the stand-in; the
lease is short (0.6 s by the test's clock, renewed and polled for every 0.2 s of real
time), and the test's fake clock decides when a dead holder's lease has run out.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.clock import FakeClock
from bot.leases import Leases
from bot.refs import ChannelRef, Platform, WorkspaceRef
from bot.store.models import Do, Lease
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import UserInfo
from testkit.discord.running import (
    Running,
    dm_texts,
    gateway_opens,
    health_of,
    inbox_keys,
    run_adapter_only,
    run_bot,
    shared_config,
    wait_inbox,
    wait_text,
)
from testkit.discord.world import StoredMessage

pytestmark = [pytest.mark.postgres, pytest.mark.asyncio]
LEASE = 0.6


async def saved_dos(bot: Running) -> int:
    async with bot.app.store.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(Do))).scalar_one())


def saved_notes(standin: DiscordStandIn, user: UserInfo) -> list[str]:
    return [t for t in dm_texts(standin, user) if "saved as do" in t]


async def two(standin: DiscordStandIn, url: str, clock: FakeClock) -> tuple[Running, Running]:
    first = await run_bot(shared_config(standin, url, "first", LEASE), clock)
    second = await run_bot(shared_config(standin, url, "second", LEASE), clock)
    return first, second


async def a_set_and_tips(standin: DiscordStandIn, bot: Running, n: int) -> list[StoredMessage]:
    w = standin.world
    alice, hal = w.add_user("alice"), w.add_user("hal")
    await standin.slash(alice, "start")
    await wait_text(standin, w.general.id, "Action Learning session")
    tips = [await standin.say(hal, w.general.id, f"Tip {i}: listen first") for i in range(n)]
    for tip in tips:
        await wait_inbox(bot.app, f"discord:message:{tip.id}")
    return tips


async def renewals(n: int = 3) -> None:
    """A few renewal periods of real time: for what must *not* happen meanwhile."""
    await asyncio.sleep(n * LEASE / 3)


async def test_two_processes_open_one_gateway_session(
    standin: DiscordStandIn, postgres_url: str, clock: FakeClock
) -> None:
    first, second = await two(standin, postgres_url, clock)
    try:
        await renewals()
        assert gateway_opens(standin) == (1, 0)
        assert len(standin.connections) == 1 and len(standin.live_sessions()) == 1
        assert first.client.ws is not None and second.client.ws is None
        assert first.stop.lease.holding and not second.stop.lease.holding
        assert health_of(first)["ok"] is True
        assert health_of(second) == {
            **health_of(second),
            "ok": True,
            "detail": f"standby (gateway held by {first.stop.lease.me})",
        }
        assert first.stop.lease.me.startswith("first/")
        # `/als` registered once, by the holder.
        assert len(standin.calls("GET", r"/applications/\d+/commands$")) == 1
        # Both answer: an event reaches the inbox once, whichever process handles it.
        alice = standin.world.add_user("alice")
        await standin.slash(alice, "start")
        await wait_text(standin, standin.world.general.id, "Action Learning session")
        keys = await inbox_keys(second.app)
        assert len([k for k in keys if k.startswith("discord:interaction:")]) == 1
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("how", ["kill", "stop"])
async def test_the_other_process_takes_over_and_resumes(
    standin: DiscordStandIn, postgres_url: str, clock: FakeClock, how: str
) -> None:
    first, second = await two(standin, postgres_url, clock)
    try:
        before, during = await a_set_and_tips(standin, first, 2)
        ivy, joe = standin.world.add_user("ivy"), standin.world.add_user("joe")
        session = standin.live_sessions()[0].id
        await standin.react(ivy, before, "✅")  # around the takeover: recorded, or replayed
        if how == "kill":
            await first.kill()  # no release, no goodbye: the lease runs out by itself
        else:  # a planned stop (as `alsbot run` stops): it releases the lease at once
            await first.app.stop()
            await first.close()
        assert not standin.live_sessions()
        await standin.react(joe, during, "✅")  # nobody connected: Discord keeps it
        started = time.monotonic()
        if how == "kill":
            await renewals()
            assert not standin.live_sessions(), "not before the dead holder's lease ran out"
            clock.advance(timedelta(seconds=LEASE + 0.1))
            started = time.monotonic()
        await standin.wait_for(lambda: standin.live_sessions(), within=5)
        took = time.monotonic() - started
        assert took < LEASE, f"took over {took:.2f}s after the lease was free"
        assert gateway_opens(standin) == (1, 1), "RESUMEd, not IDENTIFYed again"
        assert standin.connections[-1][0] == "/gateway/resume"
        assert [s.id for s in standin.live_sessions()] == [session]
        assert second.stop.lease.holding
        await standin.wait_for(lambda: saved_notes(standin, joe))
        await second.app.settle()
        keys = await inbox_keys(second.app)
        reactions = [k for k in keys if k.startswith("discord:reaction:")]
        assert [k.split(":")[4] for k in reactions] == [ivy.id, joe.id], keys  # once each
        assert len(saved_notes(standin, joe)) == 1
        if how == "stop":  # (a kill may cut the first process's work on ivy's short)
            assert await saved_dos(second) == 2
            assert len(saved_notes(standin, ivy)) == 1
        await standin.wait_for(lambda: health_of(second)["detail"] == "resumed")
    finally:
        if first.stop.lease.task is not None and not first.stop.lease.task.done():
            await first.close()
        await second.close()


async def test_a_standby_delivers_and_reads_without_a_gateway(
    standin: DiscordStandIn, postgres_url: str, clock: FakeClock
) -> None:
    """The holder only records; the standby (no gateway session) processes every event:
    it posts, edits and DMs over REST, fetches reacted-to messages, and tells a private
    channel from a public one by asking Discord."""
    w = standin.world
    hidden, lobby = w.add_channel("the-set", private=True), w.add_channel("lobby")
    holder = await run_adapter_only(shared_config(standin, postgres_url, "holder", LEASE), clock)
    standby = await run_bot(shared_config(standin, postgres_url, "standby", LEASE), clock)
    try:
        assert standby.client.ws is None and not standby.client.guilds
        ws = WorkspaceRef(Platform.DISCORD, w.guild_id)
        source = standby.client.source
        assert await source.channel_is_private(ChannelRef(ws, hidden.id)) is True
        assert await source.channel_is_private(ChannelRef(ws, w.general.id)) is True
        assert await source.channel_is_private(ChannelRef(ws, lobby.id)) is False
        assert await source.channel_is_private(ChannelRef(ws, "1234567890123456789")) is None

        tips = await a_set_and_tips(standin, holder, 1)
        ivy = w.add_user("ivy")
        await standin.react(ivy, tips[0], "✅")
        await standin.wait_for(lambda: saved_notes(standin, ivy))
        assert await saved_dos(standby) == 1
        # A private answer, through the interaction token the holder stored with the event.
        info = await standin.slash(ivy, "help")
        edit = await standin.wait_for_call(
            "PATCH", rf"/webhooks/\d+/{info.token}/messages/@original"
        )
        assert "Commands" in edit.body["content"]
        assert gateway_opens(standin) == (1, 0) and standby.client.ws is None
    finally:
        await holder.close()
        await standby.close()


async def test_a_holder_that_finds_the_lease_taken_closes_its_gateway_at_once(
    standin: DiscordStandIn, postgres_url: str, clock: FakeClock
) -> None:
    bot = await run_bot(shared_config(standin, postgres_url, "only", LEASE), clock)
    try:
        session = standin.live_sessions()[0].id
        async with bot.app.store.write() as conn:  # as if another process had taken it
            await conn.execute(
                update(Lease.__table__).values(
                    holder="intruder", until=clock.now() + timedelta(seconds=LEASE)
                )
            )
        await standin.wait_for(lambda: not standin.live_sessions(), within=LEASE)
        assert session not in standin.invalidated, "closed resumable, for the new holder"
        standing_by = "standby (gateway held by intruder)"
        await standin.wait_for(lambda: health_of(bot)["detail"] == standing_by, within=2)
        # The intruder dies; this process takes the gateway back and resumes its session.
        clock.advance(timedelta(seconds=LEASE + 0.1))
        await standin.wait_for(lambda: standin.live_sessions(), within=5)
        assert [s.id for s in standin.live_sessions()] == [session]
        assert gateway_opens(standin) == (1, 1)
        alice = standin.world.add_user("alice")
        await standin.slash(alice, "start")
        await wait_text(standin, standin.world.general.id, "Action Learning session")
    finally:
        await bot.close()


class Unreachable(Leases):
    """The database gone for this process alone (the lease's statements fail)."""

    async def acquire(self, *args: object) -> bool:
        raise ConnectionRefusedError("the database is unreachable")

    async def holder(self, *args: object) -> str | None:
        raise ConnectionRefusedError("the database is unreachable")


async def test_a_holder_that_cannot_renew_closes_before_its_lease_runs_out(
    standin: DiscordStandIn, postgres_url: str, clock: FakeClock
) -> None:
    bot = await run_bot(shared_config(standin, postgres_url, "only", LEASE), clock)
    lease = bot.stop.lease
    try:
        working, lease.leases = lease.leases, Unreachable(bot.app.store)
        until = lease.until
        assert until is not None
        await renewals()  # failing renewals, but the lease still has time: keep the gateway
        assert standin.live_sessions()
        clock.set(until - timedelta(seconds=LEASE / 6))  # the next renewal would be too late
        await standin.wait_for(lambda: not standin.live_sessions(), within=LEASE)
        # Closed while its lease still ran (the clock stood before `until`), and it no
        # longer counts itself the holder: another process may take over from here.
        assert not lease.holding and lease.until is None
        lease.leases = working  # the database is back
        await standin.wait_for(lambda: standin.live_sessions(), within=5)
        assert gateway_opens(standin) == (1, 1)
    finally:
        await bot.close()
