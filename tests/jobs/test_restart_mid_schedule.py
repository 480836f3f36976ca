"""Restarting between sessions loses nothing and sends nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.replies import Direct, Post
from testkit.harness import Harness
from testkit.nudges import closed_session, timers_of, utc

# The schedule below is a Monday's, whose one-day nudge and reminder fall on Sunday: weekend
# sending is on so that they stay a separate moment (the default, off, is tested in
# tests/bot/followup/test_weekends.py).
WEEKENDS = {"ALSBOT_DEFAULTS_SEND_ON_WEEKENDS": "true"}


def headers(h: Harness) -> list[str]:
    return [
        r.handle
        for r in h.outlet.replies()
        if isinstance(r, Direct) and r.handle and r.handle.count(":") == 1
    ]


def reminders(h: Harness) -> list[str]:
    return [
        r.text.plain() for r in h.outlet.replies() if isinstance(r, Post) and "⏰" in r.text.plain()
    ]


@pytest.mark.asyncio
async def test_restart_mid_schedule_no_loss_no_duplicate(sqlite_url: str, clock) -> None:
    first = await Harness.open(sqlite_url, clock, **WEEKENDS)
    await h_setup(first)
    await first.wait(utc(2026, 2, 6, 10) - clock.now())  # the first nudge goes
    assert len(headers(first)) == 1
    # The second nudge falls due and is processed, but the process stops before delivery.
    clock.set(utc(2026, 2, 8, 10))
    assert await first.app.tick() >= 2  # the nudge, the 1-day reminder and the digest
    assert len(headers(first)) == 1
    await first.close()

    second = await Harness.open(sqlite_url, clock, **WEEKENDS)  # same SQLite file, a new process
    try:
        await second.wait(timedelta(0))  # delivers what was committed but not yet sent
        await second.wait(utc(2026, 2, 9, 11) - clock.now())
        sent = headers(first) + headers(second)
        assert len(sent) == len(set(sent)) == 2, "each nudge exactly once across the restart"
        assert len(reminders(first) + reminders(second)) == 2
        done = [t for t in await timers_of(second, "nudge") if t.status == "done"]
        assert len(done) == 2
        # The one-off session's time passed: re-planned, and nothing more is due for Bob
        # (his fallback nudge, 14 days after his session, is long past).
        assert await timers_of(second, "nudge", "pending") == []
        assert [t.status for t in await timers_of(second, "plan")] == ["done"]
    finally:
        await second.close()


async def h_setup(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
