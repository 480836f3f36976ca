"""Timer rows: dedupe, due-ness, and claims that two workers never share."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import timers
from bot.store.db import open_store
from bot.store.models import Timer


@pytest.mark.asyncio
async def test_dedupe_and_due(any_db_url: str, clock) -> None:
    store = await open_store(any_db_url)
    now = clock.now()
    try:
        async with store.write() as conn:
            assert await timers.schedule(conn, kind="k", due_at=now, subject="s", dedupe="once")
            assert not await timers.schedule(conn, kind="k", due_at=now, subject="s", dedupe="once")
            await timers.schedule(
                conn, kind="k", due_at=now + timedelta(minutes=5), subject="later"
            )
        async with store.write() as conn:
            due = await timers.claim_due(conn, now=now, worker="w1")
            assert [t.subject for t in due] == ["s"]
            assert due[0].due_at == now
            await timers.finish(conn, due[0].id, now=now)
        async with store.write() as conn:
            assert await timers.claim_due(conn, now=now, worker="w1") == []
            assert await timers.next_due(conn) == now + timedelta(minutes=5)
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_rolled_back_claim_leaves_the_timer_pending(sqlite_url: str, clock) -> None:
    store = await open_store(sqlite_url)
    try:
        async with store.write() as conn:
            await timers.schedule(conn, kind="k", due_at=clock.now(), subject="s")
        with pytest.raises(RuntimeError):
            async with store.write() as conn:
                assert await timers.claim_due(conn, now=clock.now(), worker="w")
                raise RuntimeError("crash before the effect commits")
        async with store.write() as conn:
            assert len(await timers.claim_due(conn, now=clock.now(), worker="w")) == 1
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_concurrent_claims_are_disjoint(any_db_url: str, clock) -> None:
    store = await open_store(any_db_url)
    now = clock.now()
    try:
        async with store.write() as conn:
            for i in range(300):
                await timers.schedule(
                    conn, kind="k", due_at=now - timedelta(seconds=i), subject=str(i)
                )

        async def worker(name: str) -> list[int]:
            got: list[int] = []
            while True:
                async with store.write() as conn:
                    batch = await timers.claim_due(conn, now=now, worker=name, limit=25)
                    for t in batch:
                        await timers.finish(conn, t.id, now=now)
                if not batch:
                    return got
                got.extend(t.id for t in batch)
                await asyncio.sleep(0)

        results = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
        claimed = [i for r in results for i in r]
        assert len(claimed) == 300 and len(set(claimed)) == 300
        async with store.read() as conn:
            done = (
                await conn.execute(
                    select(func.count())
                    .select_from(Timer.__table__)
                    .where(Timer.__table__.c.status == "done")
                )
            ).scalar_one()
        assert done == 300
    finally:
        await store.close()
