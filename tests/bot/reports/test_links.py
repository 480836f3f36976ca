"""`/als link` and `/als link rotate`: a facilitator's private links to the set's pages, made
once, replaced on demand (the old token then names nothing), refused to members, and an
honest answer when the pages are switched off."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.refs import ChannelRef
from bot.reports.links import set_for_token
from bot.store.models import WebLink
from testkit.harness import GENERAL, WS, Harness, private_to, public

BASE = "https://als.example.org"
LINKS = re.compile(re.escape(BASE) + r"/s/([A-Za-z0-9_-]+)/(toolkit|report)")
pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def web(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await Harness.open(
        sqlite_url, clock, ALSBOT_WEB_ENABLED="true", ALSBOT_WEB_BASE_URL=BASE + "/"
    )
    try:
        yield harness
    finally:
        await harness.close()


async def a_set(h: Harness, channel: ChannelRef = GENERAL) -> None:
    await h.cmd("alice", "setup", channel)
    await h.cmd("bob", "join", channel)


def links_in(said: str) -> tuple[str, str]:
    found = LINKS.findall(said)
    assert [page for _, page in found] == ["toolkit", "report"], said
    (toolkit, _), (report, _) = found
    assert toolkit == report  # one token names both pages
    return toolkit, said


async def tokens(h: Harness) -> list[str]:
    async with h.app.store.read() as conn:
        return list((await conn.execute(select(WebLink.__table__.c.token))).scalars())


async def token_set(h: Harness, token: str) -> int | None:
    async with h.app.store.read() as conn:
        return await set_for_token(conn, token)


async def test_the_first_link_makes_the_token_and_the_next_shows_the_same(web: Harness) -> None:
    await a_set(web)
    assert await tokens(web) == []
    replies = await web.cmd("alice", "link")
    assert public(replies) == []  # only the facilitator sees the links
    token, said = links_in(private_to(replies, "alice")[0])
    assert len(token) >= 32  # token_urlsafe(24): 192 bits
    assert "Anyone with a link can read its page" in said
    assert "never anyone's private words" in said
    assert "work only on the machine itself" not in said  # base_url is set
    assert await tokens(web) == [token]
    assert await token_set(web, token) is not None

    again, _ = links_in(private_to(await web.cmd("alice", "link"), "alice")[0])
    assert again == token and await tokens(web) == [token]


async def test_rotate_replaces_the_token_and_the_old_one_names_nothing(web: Harness) -> None:
    await a_set(web)
    old, _ = links_in(private_to(await web.cmd("alice", "link"), "alice")[0])
    set_id = await token_set(web, old)
    replies = await web.cmd("alice", "link rotate")
    assert public(replies) == []
    new, said = links_in(private_to(replies, "alice")[0])
    assert said.startswith("New links: the old ones no longer work")
    assert new != old
    assert await token_set(web, old) is None
    assert await token_set(web, new) == set_id
    assert await tokens(web) == [new]
    shown, _ = links_in(private_to(await web.cmd("alice", "link"), "alice")[0])
    assert shown == new


async def test_rotate_before_any_link_makes_one(web: Harness) -> None:
    await a_set(web)
    token, _ = links_in(private_to(await web.cmd("alice", "link rotate"), "alice")[0])
    assert await tokens(web) == [token]


async def test_a_member_is_refused_and_no_token_is_made(web: Harness) -> None:
    await a_set(web)
    for command in ("link", "link rotate"):
        said = private_to(await web.cmd("bob", command), "bob")
        assert len(said) == 1 and "facilitator" in said[0]
        assert not LINKS.search(said[0]) and "/s/" not in said[0]
    assert await tokens(web) == []


async def test_each_set_has_its_own_token(web: Harness) -> None:
    other = ChannelRef(WS, "other")
    await a_set(web)
    await a_set(web, other)
    first, _ = links_in(private_to(await web.cmd("alice", "link"), "alice")[0])
    second, _ = links_in(private_to(await web.cmd("alice", "link", other), "alice")[0])
    assert first != second
    assert await token_set(web, first) != await token_set(web, second)


async def test_with_the_pages_off_link_says_so_and_makes_nothing(h: Harness) -> None:
    await a_set(h)
    said = private_to(await h.cmd("alice", "link"), "alice")
    assert len(said) == 1
    assert "switched off" in said[0] and "`[web]`" in said[0] and "enabled = true" in said[0]
    assert "/s/" not in said[0]
    assert await tokens(h) == []


async def test_with_the_pages_off_rotate_still_kills_the_old_links(
    sqlite_url: str, clock: FakeClock
) -> None:
    """A link that leaked while the pages were on must not work again when they come back."""
    on = await Harness.open(sqlite_url, clock, ALSBOT_WEB_ENABLED="true")
    try:
        await a_set(on)
        said = private_to(await on.cmd("alice", "link"), "alice")[0]
        old = re.findall(r"/s/([A-Za-z0-9_-]+)/toolkit", said)[0]
    finally:
        await on.close()
    off = await Harness.open(sqlite_url, clock)
    off._seq = itertools.count(1000)  # event keys unlike the first run's (else: duplicates)
    try:
        said = private_to(await off.cmd("alice", "link rotate"), "alice")[0]
        assert said.startswith("Replaced: the old links will not work again.")
        assert "switched off" in said and "/s/" not in said
        assert await token_set(off, old) is None
        async with off.app.store.read() as conn:
            count = (await conn.execute(select(func.count()).select_from(WebLink))).scalar_one()
        assert count == 1
    finally:
        await off.close()


async def test_without_a_base_url_the_links_say_they_are_local(
    sqlite_url: str, clock: FakeClock
) -> None:
    h = await Harness.open(sqlite_url, clock, ALSBOT_WEB_ENABLED="true", ALSBOT_WEB_PORT="8123")
    try:
        await a_set(h)
        said = private_to(await h.cmd("alice", "link"), "alice")[0]
        assert "http://127.0.0.1:8123/s/" in said
        assert "work only on the machine itself" in said
    finally:
        await h.close()


async def test_only_token_shaped_strings_are_looked_up(web: Harness) -> None:
    await a_set(web)
    token, _ = links_in(private_to(await web.cmd("alice", "link"), "alice")[0])
    for wrong in ("", "short", token + "/", token[:-1] + "%", "x" * 65, token.upper() + "!"):
        assert await token_set(web, wrong) is None
