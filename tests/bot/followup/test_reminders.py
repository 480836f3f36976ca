"""Session reminders, the facilitators' digest, and nudges that cannot be delivered."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.clock import FakeClock
from bot.ports import Delivery, DeliveryFailed
from bot.replies import Direct, Post
from testkit.harness import Harness, private_to, public
from testkit.nudges import closed_session, dms, nudge_headers, timers_of, utc, wait_until
from tests.bot.followup.update_helpers import dm_and_share


@pytest_asyncio.fixture
async def h(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """These tests pin lead times, quiet hours and DST on sessions whose nudges fall at
    weekends, so weekend sending is on here; `test_weekends.py` covers the default (off)."""
    harness = await Harness.open(sqlite_url, clock, ALSBOT_DEFAULTS_SEND_ON_WEEKENDS="true")
    try:
        yield harness
    finally:
        await harness.close()


@pytest.mark.asyncio
async def test_reminders_a_day_and_an_hour_before(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    out = await wait_until(h, utc(2026, 2, 8, 10))
    posts = [r for r in out if isinstance(r, Post)]
    assert [p.text.plain() for p in posts] == [
        "⏰ Reminder: the set meets tomorrow at 10:00 (Europe/London). "
        "Previous presenters: the session opens with your updates."
    ]
    out = await wait_until(h, utc(2026, 2, 9, 9))
    assert any("in about an hour, at 10:00" in t for t in public(out))


@pytest.mark.asyncio
async def test_reminders_can_be_configured_or_switched_off(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "settings reminder_leads 2d")
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    assert [t.due_at for t in await timers_of(h, "reminder", "pending")] == [utc(2026, 2, 7, 10)]
    await h.cmd("alice", "settings reminder_leads off")
    await h.cmd("alice", "schedule 9 Feb 2026 10am")  # re-planning drops them
    assert await timers_of(h, "reminder", "pending") == []
    assert not [t for t in public(await wait_until(h, utc(2026, 2, 9, 9, 30))) if "⏰" in t]


@pytest.mark.asyncio
async def test_facilitators_get_a_digest_the_day_before(h: Harness) -> None:
    await h.cmd("alice", "start @bob @carol")
    for _ in range(5):
        await h.cmd("alice", "next")
    await h.say("bob", "Call the volunteer centre")
    for _ in range(4):
        await h.cmd("alice", "next")
    await h.say("carol", "Plan the quarter")
    await h.cmd("alice", "next")
    await h.cmd("alice", "next")
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    await h.cmd("carol", "settings nudges off")
    await wait_until(h, utc(2026, 2, 6, 11))
    await dm_and_share(h, "bob", "They said yes.")
    out = await wait_until(h, utc(2026, 2, 8, 10))
    digest = [
        d.text.plain() for d in dms(out, "alice") if "Before the next session" in d.text.plain()
    ]
    assert len(digest) == 1
    assert "@bob — has updated: “They said yes.”" in digest[0]
    assert "@carol — no update yet (1 open action)" in digest[0]
    assert "(has switched nudges off)" in digest[0]
    assert not dms(out, "bob") and not dms(out, "carol")


@pytest.mark.asyncio
async def test_a_nudge_that_cannot_be_delivered_is_shown_to_facilitators(h: Harness) -> None:
    def dms_to_bob_fail(delivery: Delivery, _attempt: int) -> Exception | None:
        reply = delivery.reply
        if isinstance(reply, Direct) and reply.user.id == "bob":
            return DeliveryFailed("cannot_dm_user")
        return None

    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    h.outlet.fail = dms_to_bob_fail
    out = await wait_until(h, utc(2026, 2, 6, 12))
    assert not nudge_headers(out, "bob")
    report = private_to(await h.cmd("alice", "report"), "alice")[0]
    assert "Messages that could not be delivered" in report and "to bob — cannot_dm_user" in report
    out = await wait_until(h, utc(2026, 2, 8, 10))
    digest = [t for t in private_to(out, "alice") if "Before the next session" in t][0]
    assert "⚠ my nudge could not be delivered (cannot_dm_user)" in digest
