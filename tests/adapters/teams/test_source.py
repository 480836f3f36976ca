"""The bot's own posts' text, kept by the outlet and read back for reactions on them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from adapters.teams import ids
from adapters.teams.conversations import Conversations, PersonAddress
from adapters.teams.source import KEEP, STATE, PostTexts, TeamsMessageSource, post_name
from bot.clock import FakeClock
from bot.ports import FetchedMessage, NameDirectory
from bot.refs import MessageRef
from bot.store.db import Store, open_store

pytestmark = pytest.mark.asyncio

TENANT_ID = "6e4f2c1a-0000-4000-8000-000000000001"
CHANNEL = ids.channel(TENANT_ID, "19:abc123@thread.tacv2")


@pytest_asyncio.fixture
async def any_store(any_db_url: str) -> AsyncIterator[Store]:
    store = await open_store(any_db_url)
    try:
        yield store
    finally:
        await store.close()


async def test_answers_the_text_of_a_post_it_kept_and_none_for_others(
    any_store: Store, clock: FakeClock
) -> None:
    posts = PostTexts(any_store, clock)
    source = TeamsMessageSource(posts)
    mine = MessageRef(CHANNEL, "1700000000001")
    await posts.remember(mine, "Save this: call the funder", thread="1699999999999")
    assert await source.fetch_message(mine) == FetchedMessage(
        author=None,
        text="Save this: call the funder",
        thread=MessageRef(CHANNEL, "1699999999999"),
        author_is_bot=True,
    )
    assert await source.fetch_message(MessageRef(CHANNEL, "1700000000002")) is None
    other_chat = ids.channel(TENANT_ID, "19:other@thread.v2")
    assert await source.fetch_message(MessageRef(other_chat, "1700000000001")) is None

    await posts.remember(mine, "Edited text")
    fetched = await source.fetch_message(mine)
    assert fetched is not None and fetched.text == "Edited text" and fetched.thread is None


async def test_old_posts_are_pruned(store: Store, clock: FakeClock) -> None:
    posts = PostTexts(store, clock)
    old = MessageRef(CHANNEL, "1")
    await posts.remember(old, "old")
    clock.advance(KEEP + timedelta(days=1))
    assert await posts.get(old) is None, "expired, though not yet pruned"
    fresh = PostTexts(store, clock)  # a new process prunes at its first write
    await fresh.remember(MessageRef(CHANNEL, "2"), "new")
    async with store.read() as conn:
        names = list(
            (await conn.execute(select(STATE.c.name).where(STATE.c.name.like("teams:%")))).scalars()
        )
    assert names == [post_name(MessageRef(CHANNEL, "2"))]


async def test_long_ids_fit_the_column(store: Store, clock: FakeClock) -> None:
    posts = PostTexts(store, clock)
    long_chat = ids.channel(TENANT_ID, "19:" + "x" * 300 + "@thread.v2")
    message = MessageRef(long_chat, "1:" + "y" * 250)
    assert len(post_name(message)) <= 200
    await posts.remember(message, "kept")
    kept = await posts.get(message)
    assert kept is not None and kept.text == "kept"
    async with store.read() as conn:
        count = (await conn.execute(select(func.count()).select_from(STATE))).scalar_one()
    assert count == 1


async def test_rows_are_named_for_the_workspace_purge() -> None:
    name = post_name(MessageRef(CHANNEL, "17"))
    assert name.startswith(f"teams:{TENANT_ID}:post:")


async def test_privacy_of_a_channel_is_unknown(store: Store, clock: FakeClock) -> None:
    assert await TeamsMessageSource(PostTexts(store, clock)).channel_is_private(CHANNEL) is None


async def test_a_persons_name_is_the_one_teams_last_gave(store: Store, clock: FakeClock) -> None:
    """`NameDirectory` for the web pages: the name kept with the person's reference."""
    references = Conversations(store)
    source = TeamsMessageSource(PostTexts(store, clock), references)
    assert isinstance(source, NameDirectory)
    ana = ids.person(TENANT_ID, "0a0a0a0a-0000-4000-8000-00000000a0a0")
    assert await source.display_name(ana) is None  # never seen: cannot say
    address = PersonAddress("29:1ana", "Ana Lima", "https://smba/", TENANT_ID)
    await references.remember_person(ana, address)
    assert await source.display_name(ana) == "Ana Lima"
    await references.remember_person(ana, PersonAddress("29:1ana", " ", "https://smba/", TENANT_ID))
    assert await source.display_name(ana) is None  # a blank name is no name
