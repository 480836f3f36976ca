"""The app removed from a workspace: its work stops at once, its replies are dropped, its
events have no effect; installed again within the grace period, it carries on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.departed import DEPARTED, DROPPED, SKIPPED
from bot.events import AppRemoved, CommandInvoked
from bot.outbox_rows import OUTBOX, enqueue
from bot.refs import UserRef
from bot.replies import Direct, Post, text
from bot.store.models import Inbox, ScheduleRow
from bot.store.models import Set as SetRow
from bot.workspaces import scope
from testkit.harness import GENERAL, Harness, u
from testkit.nudges import closed_session, dms, pending_nudges, timers_of, utc, wait_until
from tests.bot.workspaces.departure_helpers import (
    GONE,
    STAYS,
    STAYS_GENERAL,
    fill,
    install,
    pending_timers,
    remove,
)

pytestmark = pytest.mark.asyncio
SESSION = "schedule 9 Feb 2026 10am"  # bob's nudges: Friday 6 and Sunday 8 February, 10:00


async def departures(h: Harness) -> list[object]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(DEPARTED)))


async def outbox_rows(h: Harness) -> list[object]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(OUTBOX).order_by(OUTBOX.c.id)))


def to_gone(h: Harness) -> list[object]:
    return [d for d in h.outlet.sent if d.reply.__class__.__name__ != "Edit" and GONE.key in d.lane]


async def test_an_uninstall_stops_a_pending_nudge_and_drops_queued_replies(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", SESSION)
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 10), utc(2026, 2, 8, 10)]
    pending = {t.id for t in await timers_of(h, "nudge", "pending")}
    h.new()
    async with h.app.store.write() as conn:  # queued, not yet delivered
        await enqueue(conn, [Post(channel=GENERAL, text=text("queued"))], now=h.clock.now())
        await enqueue(conn, [Direct(user=u("bob"), text=text("queued dm"))], now=h.clock.now())
        await enqueue(
            conn, [Post(channel=STAYS_GENERAL, text=text("elsewhere"))], now=h.clock.now()
        )

    await remove(h)

    assert [r.text.plain() for r in h.new()] == ["elsewhere"]
    dropped = [r for r in await outbox_rows(h) if r.status == "failed"]
    assert len(dropped) == 2 and {r.error for r in dropped} == {DROPPED}
    nudges = [t for t in await timers_of(h, "nudge") if t.id in pending]
    assert len(nudges) == 2
    assert {(t.status, t.note) for t in nudges} == {
        ("cancelled", "workspace departed: uninstalled")
    }
    [row] = await departures(h)
    assert row.workspace_key == GONE.key and row.reason == "uninstalled"
    assert row.purge_at - row.departed_at == timedelta(days=30) and row.purged_at is None

    out = await wait_until(h, utc(2026, 2, 9, 11))
    assert not dms(out, "bob") and not out
    [purge] = await timers_of(h, scope.PURGE, "pending")
    assert purge.due_at == row.purge_at


async def test_a_reply_written_after_the_removal_is_not_sent(h: Harness) -> None:
    """A timer that was already running, or an event applied by another process at the
    same moment, may still write a reply: the deliverer drops it at claim."""
    await closed_session(h)
    await remove(h)
    h.new()
    async with h.app.store.write() as conn:
        await enqueue(conn, [Post(channel=GENERAL, text=text("late"))], now=h.clock.now())
        await enqueue(conn, [Direct(user=u("bob"), text=text("late dm"))], now=h.clock.now())
        await enqueue(
            conn, [Post(channel=STAYS_GENERAL, text=text("elsewhere"))], now=h.clock.now()
        )
    await h.app.settle()
    assert [r.text.plain() for r in h.new()] == ["elsewhere"]
    late = [r for r in await outbox_rows(h) if "late" in r.body]
    assert [(r.status, r.error) for r in late] == [("failed", DROPPED)] * 2


async def test_an_event_from_the_departed_workspace_does_nothing(h: Harness) -> None:
    await closed_session(h)
    await remove(h)
    h.new()
    assert await h.cmd("alice", SESSION) == []
    inbox, schedules = Inbox.__table__, ScheduleRow.__table__
    async with h.app.store.read() as conn:
        assert not list(await conn.execute(select(schedules)))
        last = (await conn.execute(select(inbox).order_by(inbox.c.id.desc()).limit(1))).one()
    assert (last.status, last.error) == ("done", SKIPPED)
    assert not await timers_of(h, "nudge", "pending")


async def test_events_after_a_removal_in_the_same_batch_do_nothing(h: Harness) -> None:
    """Both in the inbox before either is applied: the removal comes first, so the command
    after it in the same slice has no effect."""
    sam = UserRef(STAYS, "sam")
    await h.app.submit(
        AppRemoved(key="removed:stays", user=UserRef(STAYS, "UBOT"), reason="tokens_revoked")
    )
    await h.app.submit(
        CommandInvoked(
            key="cmd:stays", user=sam, channel=STAYS_GENERAL, text="facilitator add <@sam>"
        )
    )
    await h.app.settle()
    assert h.new() == []
    sets = SetRow.__table__
    async with h.app.store.read() as conn:
        assert not list(await conn.execute(select(sets).where(sets.c.workspace_key == STAYS.key)))


async def test_removed_twice_keeps_the_first_dates_and_one_purge(h: Harness) -> None:
    await closed_session(h)
    await remove(h, reason="uninstalled")
    [first] = await departures(h)
    await h.wait(timedelta(days=10))
    await remove(h, reason="tokens_revoked")
    [again] = await departures(h)
    assert again == first
    assert len(await timers_of(h, scope.PURGE, "pending")) == 1
    await h.wait(timedelta(days=20, minutes=1))
    [done] = await departures(h)
    assert done.purged_at == first.purge_at


async def test_every_kind_of_timer_stops_and_those_ahead_come_back(h: Harness) -> None:
    await fill(h, GONE)
    await fill(h, STAYS)
    kinds = {k for k, form in scope.TIMER_SUBJECTS.items() if form != scope.WORKSPACE}
    before = await pending_timers(h)
    assert {t.kind for t in before if t.dedupe.startswith(f"fill:{GONE.key}")} == kinds

    await remove(h)
    left = await pending_timers(h)
    assert [t.kind for t in left if not t.dedupe.startswith(f"fill:{STAYS.key}")] == [scope.PURGE]
    assert {t.kind for t in left if t.dedupe.startswith(f"fill:{STAYS.key}")} == kinds

    await install(h)
    back = await pending_timers(h)
    assert {t.kind for t in back if t.dedupe.startswith(f"fill:{GONE.key}")} == kinds
    assert not await departures(h) and not await timers_of(h, scope.PURGE, "pending")


async def test_a_reinstall_within_the_grace_period_keeps_the_data_and_its_nudges(
    h: Harness,
) -> None:
    await closed_session(h)
    await h.cmd("alice", SESSION)
    await remove(h)
    await h.wait(timedelta(days=5))
    await install(h)
    assert not await departures(h)
    assert [t.note for t in await timers_of(h, scope.PURGE)] == ["installed again"]
    assert await pending_nudges(h, "bob") == [utc(2026, 2, 6, 10), utc(2026, 2, 8, 10)]
    out = await wait_until(h, utc(2026, 2, 6, 10))
    assert dms(out, "bob"), "the nudge goes as planned"
    await h.wait(timedelta(days=40))
    sets = SetRow.__table__
    async with h.app.store.read() as conn:
        assert list(await conn.execute(select(sets).where(sets.c.workspace_key == GONE.key)))
