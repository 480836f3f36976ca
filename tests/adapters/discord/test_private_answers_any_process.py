"""A private answer goes back through the interaction whichever process sends it.

Process A holds the gateway: it receives `/als …`, records it (with the interaction's
application id and token) and defers it; its loops do not run.  Process B never sees the
interaction — its client is logged in for REST only, as a process without the gateway
is — and claims the reply from the outbox: it must answer through the interaction's
webhook (the "thinking…" original edited once, later answers as ephemeral followups),
not by DM.  Both on one PostgreSQL database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from adapters.discord.client import AlsClient, build_client, serve_discord
from adapters.discord.interactions import ACK_WAIT
from adapters.discord.traits import DISCORD_TRAITS
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.ports import Delivery, DeliveryRetry
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.replies import Ephemeral, text
from bot.reply_handles import DISCORD_LIFETIME, Handle
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import (
    FAST,
    Running,
    buttons_of,
    discord_config,
    dm_texts,
    wait_inbox,
    wait_text,
)
from testkit.discord.world import EPHEMERAL

ORIGINAL = r"/webhooks/\d+/[^/]+/messages/@original"
FOLLOWUP = r"/webhooks/\d+/[^/]+"


@dataclass
class Processes:
    a: Alsbot
    stop_a: Any
    b: Alsbot
    b_client: AlsClient

    @property
    def a_client(self) -> AlsClient:
        return self.stop_a.client


@pytest_asyncio.fixture
async def two(
    standin: DiscordStandIn, postgres_url: str, clock: FakeClock
) -> AsyncIterator[Processes]:
    config = discord_config(standin, "unused", ALSBOT_DATABASE_URL=postgres_url)
    a = await Alsbot.open(config, clock=clock)
    stop_a = await serve_discord(a, config, ready_timeout=10, **FAST, settle_after=60.0)
    b = await Alsbot.open(config, clock=clock, migrate=False)
    b_client = build_client(b, config, **FAST)
    await b_client.login(config.secrets.discord_bot_token)  # REST only: no gateway
    b.attach(b_client.outlet, b_client.source, traits=DISCORD_TRAITS)
    try:
        yield Processes(a, stop_a, b, b_client)
    finally:
        await b_client.close()
        await b.close()
        await stop_a()
        await a.close()


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_a_command_deferred_by_one_process_is_answered_privately_by_another(
    standin: DiscordStandIn, two: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = standin.world
    bob = w.add_user("bob")
    info = await standin.slash(bob, "help")
    cause = f"discord:interaction:{info.id}"
    await wait_inbox(two.a, cause)
    await standin.wait_for(lambda: info.original_id)  # A deferred it: "thinking…"

    await two.b.settle()  # B processes and delivers; A's loops never run
    edits = standin.calls("PATCH", ORIGINAL)
    assert len(edits) == 1, "B edited the thinking… original through the token"
    original = w.messages[info.original_id]
    assert original.ephemeral and "help" in original.content.lower()
    assert dm_texts(standin, bob) == [], "not a DM"

    # A later answer to the same interaction is an ephemeral followup…
    where = ChannelRef(WorkspaceRef(Platform.DISCORD, w.guild_id), w.general.id)
    person = UserRef(where.workspace, bob.id)
    later = Ephemeral(channel=where, user=person, text=text("One more thing."))
    await two.b_client.outlet.deliver(Delivery(reply=later, cause=cause, key="k1"))
    followups = standin.calls("POST", FOLLOWUP)
    assert len(followups) == 1 and followups[0].body["flags"] & EPHEMERAL
    assert any(m.content == "One more thing." and m.ephemeral for m in w.messages.values())
    # …and A's own "✓ Done." settler finds the original already used by B.
    await two.a_client.outlet.settle_original(cause)
    assert len(standin.calls("PATCH", ORIGINAL)) == 1
    assert "help" in w.messages[info.original_id].content.lower()

    # Someone else's answer never goes through bob's token: it is a DM to them.
    carol = w.add_user("carol")
    theirs = Ephemeral(channel=where, user=UserRef(where.workspace, carol.id), text=text("Hi."))
    await two.b_client.outlet.deliver(Delivery(reply=theirs, cause=cause, key="k2"))
    assert len(standin.calls("POST", FOLLOWUP)) == 1
    assert any("Hi." in t for t in dm_texts(standin, carol))
    # discord.py's gateway logs every dispatch whole at DEBUG (the receiving side, words
    # and all); the stand-in's access log is not the bot's.  Every other line: no token.
    ours = [r for r in caplog.records if r.name not in ("discord.gateway", "aiohttp.access")]
    assert [r.name for r in ours if info.token in r.getMessage()] == [], "no token in logs"
    assert any("<token>" in r.getMessage() for r in ours), "discord.py's webhook log, withheld"


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_a_reply_waits_for_the_other_processes_deferral_then_falls_back_to_a_dm(
    standin: DiscordStandIn, two: Processes, clock: FakeClock
) -> None:
    """Stored but not yet settled: retry shortly (not a failed attempt); settled as not
    deferred, or never settled within the acknowledgement window: a DM."""
    w = standin.world
    bob = w.add_user("bob")
    where = ChannelRef(WorkspaceRef(Platform.DISCORD, w.guild_id), w.general.id)
    reply = Ephemeral(
        channel=where, user=UserRef(where.workspace, bob.id), text=text("Your answer.")
    )
    cause = "discord:interaction:123"
    await two.b.reply_handles.remember(
        Handle(
            cause,
            "discord",
            bob.id,
            "itoken.unsettled",
            lifetime=DISCORD_LIFETIME,
            application_id=w.app_id,
            thinking=True,
        )
    )
    outlet = two.b_client.outlet
    with pytest.raises(DeliveryRetry) as retry:
        await outlet.deliver(Delivery(reply=reply, cause=cause, key="k1"))
    assert retry.value.rate_limited and retry.value.after < 1.0
    assert dm_texts(standin, bob) == []

    clock.advance(timedelta(seconds=ACK_WAIT))
    await outlet.deliver(Delivery(reply=reply, cause=cause, key="k1"))
    assert any("Your answer." in t for t in dm_texts(standin, bob))
    assert standin.calls("PATCH", ORIGINAL) == [] and standin.calls("POST", FOLLOWUP) == []


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_a_button_press_deferred_by_one_process_gets_its_private_answer_from_another(
    standin: DiscordStandIn, two: Processes
) -> None:
    """A press is deferred silently (no thinking… original): B answers with a followup."""
    w = standin.world
    alice, bob, carol = w.add_user("alice"), w.add_user("bob"), w.add_user("carol")
    start = await standin.slash(alice, "start", presenter1=bob)
    await wait_inbox(two.a, f"discord:interaction:{start.id}")
    await two.b.settle()
    header = await wait_text(standin, w.general.id, "Action Learning session")
    assert "✓ Done." in w.messages[start.original_id].content, "B settled A's thinking…"

    press = await standin.click(carol, header, buttons_of(header)["Next phase"])
    await wait_inbox(two.a, f"discord:interaction:{press.id}")
    await two.b.settle()
    answers = [c for c in standin.calls("POST", FOLLOWUP) if press.token in c.path]
    assert len(answers) == 1 and answers[0].body["flags"] & EPHEMERAL
    assert dm_texts(standin, carol) == []


@pytest.mark.asyncio
async def test_one_process_answers_only_the_person_who_caused_the_interaction_through_it(
    standin: DiscordStandIn, running: Running
) -> None:
    """An interaction's followups are shown to whoever caused it: a private answer for
    someone else (a presenter queued by the facilitator's `/als start`) goes by DM."""
    w = standin.world
    bob, carol = w.add_user("bob"), w.add_user("carol")
    info = await standin.slash(bob, "help")
    cause = f"discord:interaction:{info.id}"

    def answered() -> bool:
        original = w.messages.get(info.original_id or "")
        return original is not None and "help" in original.content.lower()

    await standin.wait_for(answered)
    where = ChannelRef(WorkspaceRef(Platform.DISCORD, w.guild_id), w.general.id)
    theirs = Ephemeral(channel=where, user=UserRef(where.workspace, carol.id), text=text("Hi."))
    await running.client.outlet.deliver(Delivery(reply=theirs, cause=cause, key="k1"))
    assert [c for c in standin.calls("POST", FOLLOWUP) if info.token in c.path] == []
    assert any("Hi." in t for t in dm_texts(standin, carol))


@pytest.mark.asyncio
async def test_a_reactions_private_answer_never_looks_for_a_stored_token(
    standin: DiscordStandIn, running: Running
) -> None:
    """Only interactions store tokens: the confirmation of a ✅ (caused by a reaction) is
    a DM at once, without a read of `reply_handles` per reply (issue 16: a seventh of the
    CPU of a saved do on Discord)."""
    w = standin.world
    bob = w.add_user("bob")
    outlet = running.client.outlet
    handles = outlet.handles
    assert handles is not None
    asked: list[str] = []
    original_get = handles.get

    async def counting_get(cause: str) -> Any:
        asked.append(cause)
        return await original_get(cause)

    handles.get = counting_get  # type: ignore[method-assign]
    where = ChannelRef(WorkspaceRef(Platform.DISCORD, w.guild_id), w.general.id)
    saved = Ephemeral(channel=where, user=UserRef(where.workspace, bob.id), text=text("Saved."))
    cause = f"discord:reaction:1:white_check_mark:{bob.id}:add"
    await outlet.deliver(Delivery(reply=saved, cause=cause, key="k1"))
    assert any("Saved." in t for t in dm_texts(standin, bob))
    assert asked == []
    await outlet.deliver(Delivery(reply=saved, cause="discord:interaction:77", key="k2"))
    assert asked == ["discord:interaction:77"]  # an interaction's answer still looks
