"""How long offers and wants last (`bot/network/item_expiry.py`), through the real core on a
FakeClock: the reminder a week before with [Keep it] and [Remove], the expiry and its one
DM, an extension that re-plans (the old timers never fire), quiet hours, and two processes
on PostgreSQL that expire an item once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot import timers
from bot.clock import FakeClock
from bot.context import Ctx
from bot.network.hooks import ITEM_GONE
from bot.replies import Direct, Edit, Reply
from bot.set_info import SetInfo
from bot.store.models import NetworkItem
from testkit.harness import Harness, private_to, u
from testkit.nudges import button_on, dms, press_button, timers_of, utc, wait_until
from tests.bot.network.test_items import item_rows, members

ITEMS = NetworkItem.__table__
ADDED = utc(2026, 1, 12, 10)  # START_OF_TESTS, a Monday
EXPIRES = utc(2026, 4, 12, 10)  # + 90 days
REMINDS = utc(2026, 4, 5, 10)  # a week before


WEEKENDS = {"ALSBOT_DEFAULTS_SEND_ON_WEEKENDS": "true"}


@pytest_asyncio.fixture
async def h(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """90 days from a Monday is a Sunday: these tests pin the days themselves, so weekend
    sending is on here; `test_at_a_weekend_the_dms_wait_for_monday` covers the default."""
    harness = await Harness.open(sqlite_url, clock, **WEEKENDS)
    try:
        await members(harness, "bob", "carol")
        yield harness
    finally:
        await harness.close()


def reminders(replies: list[Reply], who: str) -> list[Direct]:
    return [d for d in dms(replies, who) if any(b.label == "Keep it" for b in d.buttons)]


async def notes(h: Harness, kind: str) -> list[tuple[Any, str, str]]:
    return [(t.due_at, t.status, t.note) for t in await timers_of(h, kind)]


@pytest.mark.asyncio
async def test_a_week_before_a_reminder_then_at_the_end_it_expires_once(h: Harness) -> None:
    gone: list[int] = []

    async def on_gone(ctx: Ctx, set_info: SetInfo, item_id: int) -> None:
        gone.append(item_id)

    h.app.router.hook(ITEM_GONE, on_gone)
    await h.cmd("bob", "offer I can help with grant applications #funding")
    assert [(t.due_at, t.subject) for t in await timers_of(h, "offer_reminder", "pending")] == [
        (REMINDS, u("bob").key)
    ]
    assert [t.due_at for t in await timers_of(h, "offer_expiry", "pending")] == [EXPIRES]

    assert not dms(await wait_until(h, REMINDS - timedelta(minutes=1)), "bob")
    out = await wait_until(h, REMINDS)
    [reminder] = reminders(out, "bob")
    assert reminder.text.plain() == (
        "Your offer 1, “I can help with grant applications” #funding, expires on "
        "12 April. Keep it for another 90 days, or remove it?"
    )
    assert [b.label for b in reminder.buttons] == ["Keep it", "Remove"]
    assert all(b.action_id.startswith("offer:") for b in reminder.buttons)
    [row] = await item_rows(h)
    assert row.reminded_at == REMINDS

    assert "grant" in "\n".join(private_to(await h.cmd("carol", "offers"), "carol"))
    out = await wait_until(h, EXPIRES)
    [told] = dms(out, "bob")
    assert told.text.plain() == (
        "Your offer 1, “I can help with grant applications” #funding, has expired, so I no "
        "longer match it. If it still stands, add it again: `/als offer …`."
    )
    assert [r.status for r in await item_rows(h)] == ["expired"]
    assert gone == [1]
    assert not dms(await h.wait(timedelta(days=30)), "bob"), "told once"
    assert "No offers in this set yet" in private_to(await h.cmd("carol", "offers"), "carol")[0]

    out = await press_button(h, "bob", *button_on(reminder, "Keep it"))
    assert "has expired already: if it still stands, add it again" in private_to(out, "bob")[0]
    assert [r.status for r in await item_rows(h)] == ["expired"]


@pytest.mark.asyncio
async def test_keep_it_extends_and_the_old_timers_never_fire(h: Harness) -> None:
    await h.cmd("bob", "want I'd like to learn to run a focus group")
    [reminder] = reminders(await wait_until(h, REMINDS), "bob")
    await h.wait(timedelta(days=1))
    out = await press_button(h, "bob", *button_on(reminder, "Keep it"))
    [edit] = [r for r in out if isinstance(r, Edit)]
    assert edit.handle == reminder.handle and edit.buttons == ()
    new_expiry = REMINDS + timedelta(days=91)  # pressed a day after the reminder: + 90 days
    assert edit.text.plain() == (
        "Kept: your want 1, “I'd like to learn to run a focus group”, now lasts until 5 July."
    )
    [row] = await item_rows(h)
    assert (row.expires_at, row.reminded_at, row.status) == (new_expiry, None, "open")
    assert (EXPIRES, "cancelled", "extended") in await notes(h, "offer_expiry")
    assert [t.due_at for t in await timers_of(h, "offer_expiry", "pending")] == [new_expiry]

    out = await press_button(h, "bob", *button_on(reminder, "Keep it"))  # a second press
    assert "lasts until 5 July" in [r for r in out if isinstance(r, Edit)][0].text.plain()
    assert len(await timers_of(h, "offer_expiry", "pending")) == 1

    assert not dms(await wait_until(h, EXPIRES + timedelta(days=1)), "bob"), "the old expiry"
    assert [r.status for r in await item_rows(h)] == ["open"]
    out = await wait_until(h, new_expiry - timedelta(days=7))
    assert len(reminders(out, "bob")) == 1, "reminded again before the new end"
    out = await wait_until(h, new_expiry)
    assert "has expired" in dms(out, "bob")[0].text.plain()
    assert [r.status for r in await item_rows(h)] == ["expired"]


@pytest.mark.asyncio
async def test_a_timer_for_an_old_expiry_skips_with_a_note(h: Harness) -> None:
    """A copy moved out of quiet hours is not cancelled by [Keep it]: it re-reads the row."""
    await h.cmd("bob", "settings quiet_hours 09:00-12:00")
    await h.cmd("bob", "offer I can help with grant applications")
    out = await wait_until(h, REMINDS)
    assert not reminders(out, "bob")
    [(_, status, note)] = [n for n in await notes(h, "offer_reminder") if n[0] == REMINDS]
    assert (status, note) == ("skipped", "skipped: quiet hours; moved to 2026-04-05T11:00:00+00:00")
    [reminder] = reminders(await wait_until(h, utc(2026, 4, 5, 11)), "bob")  # 12:00 BST

    # The expiry (11:00 BST) is inside the hours too; it moves, then Keep it extends.
    await wait_until(h, EXPIRES)
    assert [r.status for r in await item_rows(h)] == ["open"]
    await press_button(h, "bob", *button_on(reminder, "Keep it"))
    await wait_until(h, utc(2026, 4, 12, 12))
    moved = [n for n in await notes(h, "offer_expiry") if n[0] == utc(2026, 4, 12, 11)]
    assert moved == [(utc(2026, 4, 12, 11), "skipped", "skipped: the item was extended")]
    assert [r.status for r in await item_rows(h)] == ["open"]


@pytest.mark.asyncio
async def test_at_a_weekend_the_dms_wait_for_monday(sqlite_url: str, clock: FakeClock) -> None:
    h = await Harness.open(sqlite_url, clock)
    try:
        await members(h, "bob")
        await h.cmd("bob", "offer I can help with grant applications")
        out = await wait_until(h, REMINDS)  # Sunday 5 April
        assert not reminders(out, "bob")
        [(_, _, note)] = [n for n in await notes(h, "offer_reminder") if n[0] == REMINDS]
        assert note == "skipped: the weekend; moved to 2026-04-06T10:00:00+00:00"
        assert len(reminders(await wait_until(h, utc(2026, 4, 6, 10)), "bob")) == 1
        await wait_until(h, EXPIRES)  # Sunday 12 April
        assert [r.status for r in await item_rows(h)] == ["open"]
        assert "grant" not in private_to(await h.cmd("bob", "offers"), "bob")[0], "past its end"
        out = await wait_until(h, utc(2026, 4, 13, 10))
        assert "has expired" in dms(out, "bob")[0].text.plain()
        assert [r.status for r in await item_rows(h)] == ["expired"]
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_remove_on_the_reminder_removes_it_and_only_its_author_may(h: Harness) -> None:
    gone: list[int] = []

    async def on_gone(ctx: Ctx, set_info: SetInfo, item_id: int) -> None:
        gone.append(item_id)

    h.app.router.hook(ITEM_GONE, on_gone)
    await h.cmd("bob", "offer I can help with grant applications")
    [reminder] = reminders(await wait_until(h, REMINDS), "bob")
    out = await press_button(h, "carol", *button_on(reminder, "Remove"))
    assert private_to(out, "carol") == ["That button is out of date."]
    assert [r.status for r in await item_rows(h)] == ["open"]

    out = await press_button(h, "bob", *button_on(reminder, "Remove"))
    [edit] = [r for r in out if isinstance(r, Edit)]
    assert edit.text.plain() == "Removed your offer 1, “I can help with grant applications”."
    assert [r.status for r in await item_rows(h)] == ["removed"] and gone == [1]
    assert (EXPIRES, "cancelled", "removed") in await notes(h, "offer_expiry")
    assert not dms(await wait_until(h, EXPIRES + timedelta(days=1)), "bob")


@pytest.mark.asyncio
async def test_a_short_offer_days_setting_has_no_reminder_and_a_removed_item_no_timers(
    h: Harness,
) -> None:
    await h.cmd("alice", "settings offer_days 7")
    await h.cmd("bob", "offer I can help with grant applications")
    assert not await timers_of(h, "offer_reminder")
    assert [t.due_at for t in await timers_of(h, "offer_expiry")] == [ADDED + timedelta(days=7)]
    await h.cmd("carol", "offer I can run a focus group")
    await h.cmd("carol", "offer remove 2")
    out = await wait_until(h, ADDED + timedelta(days=7))
    assert "has expired" in dms(out, "bob")[0].text.plain()
    assert not dms(out, "carol")
    assert [r.status for r in await item_rows(h)] == ["expired", "removed"]


@pytest.mark.asyncio
async def test_an_item_whose_author_left_expires_without_a_dm(h: Harness) -> None:
    await h.cmd("bob", "offer I can help with grant applications")
    await h.cmd("bob", "leave")
    assert [r.status for r in await item_rows(h)] == ["removed"]
    assert not dms(await wait_until(h, EXPIRES + timedelta(days=1)), "bob")
    assert [(s, n) for _, s, n in await notes(h, "offer_expiry")] == [("cancelled", "removed")]


async def _both_tick(first: Harness, second: Harness) -> list[Reply]:
    await asyncio.gather(first.app.tick(), second.app.tick())
    await asyncio.gather(first.app.settle(), second.app.settle())
    return first.new() + second.new()


@pytest.mark.asyncio
async def test_two_processes_remind_and_expire_an_item_once(
    postgres_url: str, clock: FakeClock
) -> None:
    """Each moment has a second timer row for the same item (as a copy moved out of quiet
    hours would be): the claim keeps one process per row, the item's conditional update
    keeps one effect per item."""
    first = await Harness.open(postgres_url, clock, **WEEKENDS)
    second = await Harness.open(postgres_url, clock, **WEEKENDS)
    try:
        await members(first, "bob")
        await first.cmd("bob", "offer I can help with grant applications")
        first.new()
        async with first.app.store.write() as conn:
            for kind in ("offer_reminder", "offer_expiry"):
                [planned] = [t for t in await timers_of(first, kind)]
                await timers.schedule(
                    conn,
                    kind=kind,
                    due_at=planned.due_at,
                    subject=planned.subject,
                    payload=planned.payload,
                    dedupe=f"copy:{planned.id}",
                )
        clock.set(REMINDS)
        assert len(reminders(await _both_tick(first, second), "bob")) == 1
        [row] = await item_rows(first)
        assert row.reminded_at == REMINDS
        assert sorted(n for _, _, n in await notes(first, "offer_reminder")) == [
            "sent",
            "skipped: already reminded",
        ]

        clock.set(EXPIRES)
        told = dms(await _both_tick(first, second), "bob")
        assert len(told) == 1 and "has expired" in told[0].text.plain()
        assert [r.status for r in await item_rows(second)] == ["expired"]
        [won, lost] = sorted(n for _, _, n in await notes(first, "offer_expiry"))
        assert won == "expired"
        # Read after the other committed, or blocked on its row lock and then found it closed.
        assert lost in ("skipped: the item is expired", "skipped: already closed")
    finally:
        await second.close()
        await first.close()


@pytest.mark.asyncio
async def test_expiry_and_keep_it_on_postgres(postgres_url: str, clock: FakeClock) -> None:
    h = await Harness.open(postgres_url, clock, **WEEKENDS)
    try:
        await members(h, "bob")
        await h.cmd("bob", "want I'd like to learn to chair #meetings")
        [reminder] = reminders(await wait_until(h, REMINDS), "bob")
        await press_button(h, "bob", *button_on(reminder, "Keep it"))
        assert not dms(await wait_until(h, EXPIRES + timedelta(hours=1)), "bob")
        out = await wait_until(h, REMINDS + timedelta(days=90))
        assert len(reminders(out, "bob")) == 1, "reminded again a week before the new end"
        assert "has expired" in dms(out, "bob")[-1].text.plain()
        rows = await item_rows(h)
        assert [(r.status, r.expires_at) for r in rows] == [
            ("expired", REMINDS + timedelta(days=90))
        ]
    finally:
        await h.close()
