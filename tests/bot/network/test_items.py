"""Offers and wants through the real core (`bot/network/items.py`): adding with tags, the
set's lists and searches, edits and removals and who may make them, the limits' sentences,
from a DM, the matcher's hooks, leaving the set, export-me and forget-me."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.clock import FakeClock
from bot.context import Ctx
from bot.network.hooks import ITEM_GONE, ITEM_SAVED
from bot.refs import ChannelRef
from bot.replies import Direct, Ephemeral, File, Mention, Reply
from bot.set_info import SetInfo
from bot.store.models import NetworkItem, Timer
from testkit.harness import WS, Harness, private_to, u

ITEMS = NetworkItem.__table__
TIMERS = Timer.__table__
DM_BOB = ChannelRef(WS, "dm-bob")


async def members(h: Harness, *names: str) -> None:
    """`alice` joins first (so facilitates the set in #general), then the others."""
    for name in ("alice", *names):
        await h.cmd(name, "join")
    h.new()


async def item_rows(h: Harness) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(ITEMS).order_by(ITEMS.c.id)))


def said(replies: list[Reply], who: str) -> str:
    found = private_to(replies, who)
    assert found, f"nothing private to {who}: {replies}"
    return "\n".join(found)


@pytest_asyncio.fixture
async def h(any_db_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await Harness.open(any_db_url, clock)
    try:
        await members(harness, "bob", "carol")
        yield harness
    finally:
        await harness.close()


@pytest.mark.asyncio
async def test_an_offer_is_saved_with_its_tags_and_confirmed_privately(h: Harness) -> None:
    out = await h.cmd("bob", "offer I can help with #Funding grant applications #writing #funding.")
    assert all(isinstance(r, Ephemeral) and r.user == u("bob") for r in out)
    [row] = await item_rows(h)
    assert (row.kind, row.text, row.tags, row.status) == (
        "offer",
        "I can help with grant applications.",
        ["funding", "writing"],
        "open",
    )
    assert row.author_key == u("bob").key
    answer = said(out, "bob")
    assert (
        f"Offer {row.id} saved: “I can help with grant applications.” #funding #writing" in answer
    )
    assert "lasts until 12 April" in answer  # 12 January + 90 days
    assert "ask you both privately first: nobody is introduced without your yes" in answer
    assert f"/als offer edit {row.id}" in answer


@pytest.mark.asyncio
async def test_the_lists_show_the_sets_items_newest_first_and_search_them(h: Harness) -> None:
    await h.cmd("bob", "offer I can help with grant applications #funding")
    await h.cmd("carol", "offer I can run a focus group #research")
    await h.cmd("carol", "want I'd like to learn to chair a meeting")
    out = await h.cmd("alice", "offers")
    [listing] = [r for r in out if isinstance(r, Ephemeral)]
    lines = listing.text.plain().splitlines()
    assert lines[0] == "Offers in this set (2), newest first:"
    assert lines[1] == "2. I can run a focus group — @carol · #research · expires 12 April"
    assert lines[2] == "1. I can help with grant applications — @bob · #funding · expires 12 April"
    assert Mention(u("carol")) in listing.text.parts, "the author is a mention, not text"
    assert "want" not in lines[1] + lines[2]

    found = said(await h.cmd("alice", "offers FUNDING"), "alice")
    assert "Offers matching “FUNDING” (1)" in found and "grant applications" in found
    found = said(await h.cmd("alice", "offers #research group"), "alice")
    assert "focus group" in found and "grant" not in found
    found = said(await h.cmd("alice", "offers grant research"), "alice")
    assert found.startswith("No offers match “grant research”."), "every term must appear"
    assert "learn to chair" in said(await h.cmd("bob", "wants chair"), "bob")
    assert "No wants match" in said(await h.cmd("bob", "wants funding"), "bob")


@pytest.mark.asyncio
async def test_a_long_list_is_capped_with_a_note(h: Harness) -> None:
    for who in ("alice", "bob"):
        for n in range(9):
            await h.cmd(who, f"offer I can help with topic {who} {n}")
    listing = said(await h.cmd("carol", "offers"), "carol")
    assert listing.count(" — @") == 15
    assert "Showing the newest 15 of 18: add words to narrow it" in listing
    assert "topic bob 8" in listing and "topic alice 0" not in listing


@pytest.mark.asyncio
async def test_an_empty_list_says_how_to_add(h: Harness) -> None:
    assert said(await h.cmd("bob", "wants"), "bob").startswith("No wants in this set yet.")


@pytest.mark.asyncio
async def test_only_the_author_edits_and_the_author_or_a_facilitator_removes(h: Harness) -> None:
    await h.cmd("bob", "offer I can help with grant applications #funding")
    await h.cmd("carol", "want I'd like to learn to chair")
    out = await h.cmd("carol", "offer edit 1 I can help with nothing")
    assert "someone else's: only its author can change it" in said(out, "carol")
    out = await h.cmd("alice", "offer edit 1 I can help with nothing")
    assert "only its author can change it" in said(out, "alice"), "not even a facilitator"

    out = await h.cmd("bob", "offer edit 1 I can help with bids and reports #bids")
    assert "Offer 1 changed: “I can help with bids and reports” #bids" in said(out, "bob")
    [row, _] = await item_rows(h)
    assert (row.text, row.tags) == ("I can help with bids and reports", ["bids"])

    out = await h.cmd("carol", "offer remove 1")
    assert "only its author or a facilitator of the set can remove it" in said(out, "carol")
    assert [r.status for r in await item_rows(h)] == ["open", "open"]
    out = await h.cmd("bob", "want remove 2")
    assert "someone else's" in said(out, "bob")
    out = await h.cmd("carol", "want remove 2")
    assert said(out, "carol") == "Removed want 2: “I'd like to learn to chair”."

    out = await h.cmd("alice", "offer remove 1")
    assert said(out, "alice") == "Removed offer 1: “I can help with bids and reports” #bids."
    [told] = [r for r in out if isinstance(r, Direct)]
    assert told.user == u("bob") and Mention(u("alice")) in told.text.parts
    assert "was removed by @alice, a facilitator of your set" in told.text.plain()
    assert [r.status for r in await item_rows(h)] == ["removed", "removed"]
    assert "No offers in this set yet" in said(await h.cmd("bob", "offers"), "bob")
    out = await h.cmd("bob", "offer edit 1 I can help again")
    assert "Offer 1 was removed; add it again" in said(out, "bob")


@pytest.mark.asyncio
async def test_numbers_name_items_of_their_own_kind_in_their_own_set(h: Harness) -> None:
    await h.cmd("bob", "offer I can help with grant applications")
    out = await h.cmd("bob", "want remove 1")
    assert said(out, "bob").startswith("There's no want 1 in this set: `/als wants` lists them")
    out = await h.cmd("bob", "offer edit 7 I can help")
    assert said(out, "bob").startswith("There's no offer 7 in this set")
    await h.cmd("dave", "join", channel=ChannelRef(WS, "other"))
    out = await h.cmd("dave", "offer remove 1", channel=ChannelRef(WS, "other"))
    assert said(out, "dave").startswith("There's no offer 1 in this set")
    assert [r.status for r in await item_rows(h)] == ["open"]


@pytest.mark.asyncio
async def test_the_limits_refuse_with_a_sentence(h: Harness) -> None:
    out = await h.cmd("bob", "offer #funding #writing hi")
    assert "Say a little more" in said(out, "bob")
    out = await h.cmd("bob", "offer " + "x" * 501)
    assert "That's 501 characters; please keep it to 500" in said(out, "bob")
    out = await h.cmd("bob", "offer help " + " ".join(f"#t{n}" for n in range(11)))
    assert "That's 11 tags; 10 at most" in said(out, "bob")
    assert not await item_rows(h)

    await h.cmd("bob", "offer I can help with budgets")
    out = await h.cmd("bob", "offer i can help with BUDGETS #money")
    assert "You already have that offer in this set: offer 1" in said(out, "bob")
    for n in range(9):
        await h.cmd("bob", f"offer I can help with thing {n}")
    out = await h.cmd("bob", "offer I can help with one more thing")
    assert "You have 10 open offers in this set, the most one person can have" in said(out, "bob")
    assert len(await item_rows(h)) == 10
    out = await h.cmd("bob", "want I'd like help with one more thing")
    assert "Want 11 saved" in said(out, "bob"), "the limit is per kind"
    await h.cmd("bob", "offer remove 3")
    assert "Offer 12 saved" in said(
        await h.cmd("bob", "offer I can help with one more thing"), "bob"
    )


@pytest.mark.asyncio
async def test_from_a_dm_the_persons_only_set_is_meant(h: Harness) -> None:
    out = await h.cmd("bob", "offer I can help with grant applications", channel=DM_BOB)
    assert "Offer 1 saved" in said(out, "bob")
    [row] = await item_rows(h)
    assert row.set_id == 1
    assert "grant applications" in said(await h.cmd("bob", "offers", channel=DM_BOB), "bob")
    out = await h.cmd("bob", "offer remove 1", channel=DM_BOB)
    assert said(out, "bob").startswith("Removed offer 1")
    out = await h.cmd("erin", "offers", channel=ChannelRef(WS, "dm-erin"))
    assert "You're not in an Action Learning Set yet" in said(out, "erin")


@pytest.mark.asyncio
async def test_only_members_add_and_list(h: Harness) -> None:
    out = await h.cmd("erin", "offer I can help with grant applications")
    assert "not a member of this set" in said(out, "erin")
    out = await h.cmd("erin", "offers")
    assert "not a member of this set" in said(out, "erin")
    assert not await item_rows(h)


@pytest.mark.asyncio
async def test_the_matchers_hooks_hear_saves_and_goings_with_the_item_id(h: Harness) -> None:
    heard: list[tuple[str, int, int]] = []

    async def on_saved(ctx: Ctx, set_info: SetInfo, item_id: int) -> None:
        row = (await ctx.conn.execute(select(ITEMS).where(ITEMS.c.id == item_id))).one()
        heard.append(("saved", set_info.id, item_id))
        assert row.status == "open", "the row is written before the hook runs"

    async def on_gone(ctx: Ctx, set_info: SetInfo, item_id: int) -> None:
        row = (await ctx.conn.execute(select(ITEMS).where(ITEMS.c.id == item_id))).one()
        heard.append(("gone", set_info.id, item_id))
        assert row.status != "open"

    h.app.router.hook(ITEM_SAVED, on_saved)
    h.app.router.hook(ITEM_GONE, on_gone)
    await h.cmd("bob", "offer I can help with grant applications")
    await h.cmd("carol", "want I'd like to learn to chair")
    await h.cmd("bob", "offer edit 1 I can help with bids")
    await h.cmd("carol", "offer edit 1 nope")  # refused: no hook
    await h.cmd("bob", "offers")  # a list: no hook
    await h.cmd("bob", "offer remove 1")
    assert heard == [("saved", 1, 1), ("saved", 1, 2), ("saved", 1, 1), ("gone", 1, 1)]


@pytest.mark.asyncio
async def test_leaving_the_set_removes_ones_open_items(h: Harness) -> None:
    gone: list[int] = []

    async def on_gone(ctx: Ctx, set_info: SetInfo, item_id: int) -> None:
        gone.append(item_id)

    h.app.router.hook(ITEM_GONE, on_gone)
    await h.cmd("bob", "offer I can help with grant applications")
    await h.cmd("bob", "want I'd like to learn to chair")
    await h.cmd("carol", "offer I can run a focus group")
    await h.cmd("bob", "leave")
    assert [r.status for r in await item_rows(h)] == ["removed", "removed", "open"]
    assert gone == [1, 2]
    listing = said(await h.cmd("carol", "offers"), "carol")
    assert "focus group" in listing and "grant" not in listing


async def pending_timers(h: Harness) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(
            await conn.execute(
                select(TIMERS).where(TIMERS.c.status == "pending").order_by(TIMERS.c.id)
            )
        )


async def export_of(h: Harness, who: str) -> dict[str, Any]:
    [file] = [r for r in await h.cmd(who, "export-me") if isinstance(r, File)]
    return json.loads(file.content)


@pytest.mark.asyncio
async def test_export_me_shows_and_forget_me_deletes_ones_own_items(h: Harness) -> None:
    await h.cmd("bob", "offer I can help with grant applications #funding")
    await h.cmd("bob", "want I'd like to learn to chair")
    await h.cmd("bob", "want remove 2")
    await h.cmd("carol", "offer I can run a focus group")
    mine = (await export_of(h, "bob"))["offers_and_wants"]
    assert [(i["kind"], i["text"], i["tags"], i["status"]) for i in mine] == [
        ("offer", "I can help with grant applications", ["funding"], "open"),
        ("want", "I'd like to learn to chair", [], "removed"),
    ]
    assert "focus group" not in json.dumps(mine)

    await h.cmd("bob", "forget-me confirm")
    assert [(t.subject, t.kind) for t in await pending_timers(h)] == [
        (u("carol").key, "offer_reminder"),
        (u("carol").key, "offer_expiry"),
    ], "bob's reminders and expiries went with him"
    assert [(r.author_key, r.text) for r in await item_rows(h)] == [
        (u("carol").key, "I can run a focus group")
    ]
    assert (await export_of(h, "bob"))["offers_and_wants"] == []
    listing = said(await h.cmd("carol", "offers"), "carol")
    assert "grant" not in listing and "focus group" in listing
