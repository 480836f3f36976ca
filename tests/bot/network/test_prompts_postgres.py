"""Two processes on one PostgreSQL database post the prompt of the week once a week: the timer
claim gives each row to one process, and `prompt_posts` (unique on set and week) refuses a
second prompt for a week even from a second timer row claimed by the other process."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot import timers
from bot.clock import FakeClock
from bot.context import Ctx
from bot.network import prompts
from bot.sets import records as sets
from testkit.harness import Harness
from tests.bot.network.prompt_helpers import a_set, posted_prompts, posts, prompt_timers, utc


async def both_tick_at(first: Harness, second: Harness, moment) -> None:  # type: ignore[no-untyped-def]
    """Both processes claim due timers at the same moment, one row at a time each, then
    deliver."""
    first.clock.set(moment)
    await asyncio.gather(first.app.processor.tick(limit=1), second.app.processor.tick(limit=1))
    await asyncio.gather(first.app.settle(), second.app.settle())


@pytest.mark.asyncio
async def test_two_processes_post_once_a_week(postgres_url: str, clock: FakeClock) -> None:
    first = await Harness.open(postgres_url, clock)
    second = await Harness.open(postgres_url, clock)
    try:
        await a_set(first, "bob")
        await first.cmd("alice", "prompts on")
        [planned] = await prompt_timers(first)
        # A second row for the same week (as if two processes had planned it differently):
        # each process claims one of the two at the same moment.
        async with first.app.store.write() as conn:
            await timers.schedule(
                conn,
                kind="prompt",
                due_at=planned.due_at,
                subject=planned.subject,
                payload=dict(planned.payload),
                dedupe="prompt:1:a-stray-second-row",
            )
        week = timedelta(days=7)
        for n in range(3):
            await both_tick_at(first, second, utc(2026, 1, 19, 10) + n * week)
        sent = posted_prompts(first) + posted_prompts(second)
        assert sorted(at for at, _ in sent) == [utc(2026, 1, 19, 10) + n * week for n in range(3)]
        assert [r.week for r in await posts(first)] == ["2026-W04", "2026-W05", "2026-W06"]
        [stray] = await prompt_timers(first, "skipped")
        assert stray.dedupe == "prompt:1:a-stray-second-row"
        assert stray.note.startswith(
            ("skipped: this week's prompt is already posted", "skipped: no longer the wanted")
        )
        assert [t.due_at for t in await prompt_timers(first)] == [utc(2026, 2, 9, 10)]
    finally:
        await second.close()
        await first.close()


@pytest.mark.asyncio
async def test_a_week_takes_one_prompt_whoever_asks(any_db_url: str, clock: FakeClock) -> None:
    """The constraint itself: a second post for one set and week writes nothing and says so,
    whatever timer asked (on SQLite and PostgreSQL)."""
    h = await Harness.open(any_db_url, clock)
    try:
        await a_set(h)
        async with h.app.store.write() as conn:
            ctx = Ctx(conn, clock.now(), h.app.config)
            set_info = await sets.get_set(ctx, 1)
            assert await prompts._post(ctx, set_info, "2026-W04") == "posted bank:0 for 2026-W04"
            assert await prompts._post(ctx, set_info, "2026-W04") == (
                "skipped: this week's prompt is already posted"
            )
            assert len(ctx.out) == 1
        assert [(r.week, r.prompt_key) for r in await posts(h)] == [("2026-W04", "bank:0")]
    finally:
        await h.close()
