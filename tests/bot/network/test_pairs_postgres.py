"""Pairs exactly once with two processes on PostgreSQL: the timer is claimed by one, and a
second timer for the same session finds its pairings and pairs nobody twice."""

from __future__ import annotations

import asyncio

import pytest

from bot import timers
from bot.clock import FakeClock
from testkit.harness import Harness
from testkit.nudges import timers_of, utc
from tests.bot.network.pairs_helpers import (
    SEVEN,
    groups,
    introductions,
    pairing_rows,
    questions,
    session_closes,
    set_of,
)

A_WEEK_ON = utc(2026, 1, 19, 10)


@pytest.mark.asyncio
async def test_two_processes_pair_once(postgres_url: str, clock: FakeClock) -> None:
    first = await Harness.open(postgres_url, clock)
    second = await Harness.open(postgres_url, clock)
    try:
        await set_of(first)
        await session_closes(first)
        [planned] = await timers_of(first, "pairs", "pending")
        clock.set(A_WEEK_ON)
        await asyncio.gather(*(h.app.tick() for h in (first, second, first, second)))
        [ran] = await timers_of(first, "pairs")
        assert ran.status == "done" and ran.note.startswith("paired: round 1")
        for h in (first, second):
            await h.app.settle()
        out = first.new() + second.new()
        assert sorted(n for g in groups(out) for n in g) == sorted(SEVEN)
        assert len(introductions(out)) == 3
        assert len(await pairing_rows(first)) == 7

        # Planned twice for one session (a replayed close): the second finds the pairings.
        async with first.app.store.write() as conn:
            await timers.schedule(
                conn,
                kind="pairs",
                due_at=A_WEEK_ON,
                subject=planned.subject,
                payload=planned.payload,
                dedupe="pairs:again",
            )
        await asyncio.gather(first.app.settle(), second.app.settle())
        assert not introductions(first.new() + second.new())
        notes = [t.note for t in await timers_of(first, "pairs")]
        assert "skipped: already paired after this session" in notes
        assert len(await pairing_rows(second)) == 7

        # The question a week later goes once to each, whichever process claims it.
        clock.set(utc(2026, 1, 26, 10))
        await asyncio.gather(*(h.app.tick() for h in (first, second)))
        for h in (first, second):
            await h.app.settle()
        out = first.new() + second.new()
        assert all(len(questions(out, name)) == 1 for name in SEVEN)
    finally:
        await second.close()
        await first.close()
