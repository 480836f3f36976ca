"""Reply handles: committed with their event, counted and claimed atomically across
processes, expired by the core's clock, deleted by retention and by forget-me.

Each test runs on SQLite and, with ALSBOT_TEST_POSTGRES_URL, on PostgreSQL; "two
processes" are two `Store`s (two connection pools) on one database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio

from bot import reply_handles
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.events import CommandInvoked
from bot.reply_handles import DISCORD_LIFETIME, SLACK_LIFETIME, Handle
from bot.retention import prune
from bot.store.db import Store, open_store
from testkit.config import make_config
from testkit.harness import GENERAL, Harness, u

URL = "https://hooks.slack.com/commands/T1/1/secret-part"


def slack_handle(cause: str = "slack:command:1", user: str = "U1") -> Handle:
    return Handle(cause, "slack", user, URL, lifetime=SLACK_LIFETIME)


def command(key: str, who: str = "alice", text: str = "help") -> CommandInvoked:
    return CommandInvoked(key=key, user=u(who), channel=GENERAL, text=text)


@pytest_asyncio.fixture
async def bot(any_db_url: str, clock: FakeClock) -> AsyncIterator[Alsbot]:
    app = await Alsbot.open(make_config(any_db_url), clock=clock)
    try:
        yield app
    finally:
        await app.close()


@pytest_asyncio.fixture
async def other(bot: Alsbot, any_db_url: str) -> AsyncIterator[Store]:
    """A second process's connections to the same database."""
    store = await open_store(any_db_url, migrate=False)
    try:
        yield store
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_handle_is_committed_with_its_event_and_never_shows_its_secret(
    bot: Alsbot, clock: FakeClock
) -> None:
    handle = slack_handle()
    assert await bot.submit(command("slack:command:1"), handle) is True
    stored = await bot.reply_handles.get("slack:command:1")
    assert stored is not None
    assert (stored.platform, stored.user_id, stored.secret) == ("slack", "U1", URL)
    assert stored.created_at == clock.now()
    assert stored.expires_at == clock.now() + SLACK_LIFETIME
    assert stored.uses == 0 and stored.deferred is None and not stored.original_used
    assert "secret-part" not in repr(stored) and "secret-part" not in repr(handle)
    assert await bot.reply_handles.get("slack:command:2") is None


@pytest.mark.asyncio
async def test_a_replayed_event_keeps_the_first_handle_and_its_count(bot: Alsbot) -> None:
    await bot.submit(command("slack:command:1"), slack_handle())
    assert await bot.reply_handles.take_use("slack:command:1", "U1", 5) == URL
    replay = Handle("slack:command:1", "slack", "U1", URL + "-again")
    assert await bot.submit(command("slack:command:1"), replay) is False
    stored = await bot.reply_handles.get("slack:command:1")
    assert stored is not None and stored.secret == URL and stored.uses == 1


@pytest.mark.asyncio
async def test_uses_are_counted_for_their_person_until_spent_or_expired(
    bot: Alsbot, clock: FakeClock
) -> None:
    handles = bot.reply_handles
    await handles.remember(slack_handle())
    await handles.remember(slack_handle("slack:command:2"))
    assert await handles.take_use("slack:command:1", "U2", 5) is None, "someone else's"
    assert [await handles.take_use("slack:command:1", "U1", 5) for _ in range(6)] == [URL] * 5 + [
        None
    ]
    clock.advance(SLACK_LIFETIME - timedelta(seconds=1))
    assert await handles.take_use("slack:command:2", "U1", 5) == URL
    clock.advance(timedelta(seconds=1))
    assert await handles.take_use("slack:command:2", "U1", 5) is None, "expired"
    assert await handles.get("slack:command:2") is None


@pytest.mark.asyncio
async def test_two_processes_taking_at_once_get_five_uses_between_them(
    bot: Alsbot, other: Store, clock: FakeClock
) -> None:
    await bot.reply_handles.remember(slack_handle())
    now = clock.now()
    takers = [
        reply_handles.take_use(store, "slack:command:1", "U1", now, 5)
        for store in (bot.store, other) * 6
    ]
    taken = await asyncio.gather(*takers)
    assert taken.count(URL) == 5 and taken.count(None) == 7


@pytest.mark.asyncio
async def test_the_thinking_original_is_claimed_once_across_two_processes(
    bot: Alsbot, other: Store, clock: FakeClock
) -> None:
    cause = "discord:interaction:1"
    token = Handle(
        cause,
        "discord",
        "42",
        "itoken.abc",
        lifetime=DISCORD_LIFETIME,
        application_id="7",
        thinking=True,
    )
    await bot.reply_handles.remember(token)
    now = clock.now()
    claims = await asyncio.gather(
        *(reply_handles.claim_original(s, cause, now) for s in (bot.store, other) * 4)
    )
    assert claims.count(True) == 1 and claims.count(False) == 7
    assert await bot.reply_handles.claim_original("discord:interaction:2") is None, "none kept"

    silent = Handle("discord:interaction:3", "discord", "42", "t", application_id="7")
    await bot.reply_handles.remember(silent)
    assert await bot.reply_handles.claim_original("discord:interaction:3") is False, (
        "a button press has no thinking… original to edit"
    )


@pytest.mark.asyncio
async def test_the_deferral_is_settled_for_the_other_processes(bot: Alsbot) -> None:
    cause = "discord:interaction:1"
    await bot.reply_handles.remember(
        Handle(cause, "discord", "42", "t", lifetime=DISCORD_LIFETIME, application_id="7")
    )
    await bot.reply_handles.settle_deferred(cause, True)
    stored = await bot.reply_handles.get(cause)
    assert stored is not None and stored.deferred is True
    assert stored.expires_at == stored.created_at + DISCORD_LIFETIME


@pytest.mark.asyncio
async def test_retention_deletes_expired_handles_and_keeps_live_ones(
    bot: Alsbot, clock: FakeClock
) -> None:
    await bot.reply_handles.remember(
        Handle("discord:interaction:1", "discord", "42", "t", lifetime=DISCORD_LIFETIME)
    )
    await bot.reply_handles.remember(slack_handle())
    clock.advance(DISCORD_LIFETIME)
    pruned = await prune(bot.store, clock.now(), text_hours=24, keys_days=14)
    assert pruned.handles == 1
    assert await bot.reply_handles.get("slack:command:1") is not None
    clock.advance(SLACK_LIFETIME)
    assert (await bot.prune()).handles == 1
    assert (await bot.prune()).handles == 0


@pytest.mark.asyncio
async def test_forget_me_deletes_a_persons_handles_but_answers_itself(
    sqlite_url: str, clock: FakeClock
) -> None:
    h = await Harness.open(sqlite_url, clock)
    try:
        await h.cmd("bob", "join")
        console = u("bob").workspace.platform.value
        for cause, who in (("test:old", "bob"), ("test:alice", "alice")):
            await h.app.reply_handles.remember(Handle(cause, console, who, "secret"))
        forget = command("test:forget", "bob", "forget-me confirm")
        await h.app.submit(forget, Handle("test:forget", console, "bob", "secret"))
        await h.app.settle()
        assert any("forgot" in str(r).lower() for r in h.new()), "forget-me answered"
        assert await h.app.reply_handles.get("test:old") is None
        assert await h.app.reply_handles.get("test:alice") is not None
        assert await h.app.reply_handles.get("test:forget") is not None
    finally:
        await h.close()
