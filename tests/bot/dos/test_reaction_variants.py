"""A person's reaction counts while any of its variants is on the message (issue 14.14):
a burst ✅ and a normal ✅, or 👍 in two skin tones, are one person's one reaction, and
removing one variant takes back only that one."""

from __future__ import annotations

import pytest

from bot.store.models import DoReaction
from testkit.harness import Harness
from tests.bot.dos.dos_helpers import dos, msg, react, rows, unreact

TIP = "Name the assumption before you test it"


@pytest.fixture
def h(set_on_any_db: Harness) -> Harness:
    """On SQLite and PostgreSQL: the variants are read and written under a row lock."""
    return set_on_any_db


@pytest.mark.asyncio
async def test_removing_a_burst_reaction_keeps_the_normal_one(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text=TIP, variant="✅")
    await react(h, "carol", msg(1), author="dave", text=TIP, variant="✅|burst")
    assert len(await dos(h)) == 1
    [row] = await rows(h, DoReaction)
    assert row.variants == '["✅", "✅|burst"]'
    await unreact(h, "carol", msg(1), variant="✅|burst")
    assert len(await dos(h)) == 1, "the normal ✅ is still there"
    [row] = await rows(h, DoReaction)
    assert row.variants == '["✅"]'
    await unreact(h, "carol", msg(1), variant="✅")
    assert await dos(h) == [], "the last variant gone within 10 minutes: undone"
    assert await rows(h, DoReaction) == []


@pytest.mark.asyncio
async def test_skin_tones_of_one_emoji_do_not_cancel_each_other(h: Harness) -> None:
    await h.cmd("alice", "settings do_emoji 👍")
    h.new()
    thumbs = {"emoji": "thumbsup", "author": "dave", "text": TIP}
    await react(h, "carol", msg(1), **thumbs, variant="👍🏽")  # type: ignore[arg-type]
    await react(h, "carol", msg(1), **thumbs, variant="thumbsup::skin-tone-2")  # type: ignore[arg-type]
    await unreact(h, "carol", msg(1), "thumbsup", variant="thumbsup::skin-tone-2")
    assert len(await dos(h)) == 1, "👍🏽 is still there"
    await unreact(h, "carol", msg(1), "thumbsup", variant="👍🏽")
    assert await dos(h) == []


@pytest.mark.asyncio
async def test_a_removal_without_a_variant_takes_the_reaction_back_whole(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text=TIP, variant="✅")
    await react(h, "carol", msg(1), author="dave", text=TIP, variant="✅|burst")
    await unreact(h, "carol", msg(1))
    assert await dos(h) == []


@pytest.mark.asyncio
async def test_the_same_variant_twice_is_one_and_one_removal_ends_it(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text=TIP, variant="✅")
    await react(h, "carol", msg(1), author="dave", text=TIP, variant="✅")
    await unreact(h, "carol", msg(1), variant="✅")
    assert await dos(h) == []


@pytest.mark.asyncio
async def test_a_custom_emoji_named_like_the_do_emoji_saves_nothing(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text=TIP, emoji="custom:white_check_mark:42")
    assert await dos(h) == []
