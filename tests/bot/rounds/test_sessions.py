"""A session's state is saved only over the version it was read at, so several bot processes
on one database agree on a round's clock: the database, not a process, holds the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.context import Ctx
from bot.events import ButtonPressed
from bot.rounds import control, engine, sessions
from bot.store.models import Timer
from testkit.harness import GENERAL, Harness, public, u

MIN = timedelta(minutes=1)


async def read_session(h: Harness) -> sessions.SessionInfo:
    async with h.app.store.read() as conn:
        ctx = Ctx(conn, h.clock.now(), h.app.config)
        session = await sessions.active_session(ctx, 1)
    assert session is not None
    return session


async def notes(h: Harness) -> list[str | None]:
    async with h.app.store.read() as conn:
        return [r.note for r in await conn.execute(select(Timer.__table__))]


@pytest.mark.asyncio
async def test_a_save_over_a_newer_version_is_refused(any_db_url: str, clock) -> None:
    h = await Harness.open(any_db_url, clock)
    try:
        await h.cmd("alice", "start @bob")
        stale = await read_session(h)
        await h.press("alice", "+5 min")  # saved by "another process" since `stale` was read
        async with h.app.store.write() as conn:
            ctx = Ctx(conn, clock.now(), h.app.config)
            stale.state = engine.advance(stale.state, clock.now()).state
            with pytest.raises(sessions.RoundChanged):
                await sessions.save(ctx, stale)
        fresh = await read_session(h)
        assert fresh.state.phase is engine.Phase.OPENING
        assert fresh.state.deadline == clock.now() + 8 * MIN
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_a_phase_timer_that_meets_another_change_keeps_nothing_and_looks_again(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await h.cmd("alice", "start @bob")
    await h.cmd("alice", "next")
    await h.cmd("alice", "next")  # presenting until +8 min; the warning timer at +7
    stale = await read_session(h)
    await h.press("alice", "+5 min")  # now until +13
    real_load = sessions.load_session
    warning_at = h.clock.now() + 7 * MIN
    reads = iter([stale])

    async def as_read_before_the_press(ctx: Ctx, session_id: int):
        # The warning's timer reads the round as it was before the press, once.
        early = ctx.now < warning_at
        return (None if early else next(reads, None)) or await real_load(ctx, session_id)

    monkeypatch.setattr(control, "load_session", as_read_before_the_press)
    out = await h.wait(7 * MIN)
    assert not public(out), "no warning from the state read before +5 min"
    assert "retry: the round changed at the same moment" in await notes(h)
    out = await h.wait(5 * MIN)
    assert any("One minute left for Presenting" in t for t in public(out))
    out = await h.wait(MIN)
    assert any(t.startswith("Questions for @bob") for t in public(out))


@pytest.mark.asyncio
async def test_two_processes_agree_on_more_time(postgres_url: str, clock) -> None:
    first = await Harness.open(postgres_url, clock)
    second = await Harness.open(postgres_url, clock)
    try:
        await first.cmd("alice", "start @bob")  # the Opening, until +3 min
        more = first.button("+5 min")
        await second.app.handle(
            ButtonPressed(
                key="second:more",
                user=u("alice"),
                channel=GENERAL,
                action_id=more.action_id,
                value=more.value,
            )
        )
        out = await first.wait(3 * MIN)  # the first process ticks at the old deadline
        assert not public(out)
        out = await first.wait(5 * MIN)
        assert any(t.startswith("Updates from last time") for t in public(out))
    finally:
        await second.close()
        await first.close()
