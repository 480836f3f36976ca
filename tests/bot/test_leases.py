"""Named leases on real databases: one holder at a time, taken over once run out (on
PostgreSQL, shared by processes); always the asker's on SQLite (one process per file)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.clock import FakeClock
from bot.leases import Leases, holder_name
from bot.store.db import Store, open_store
from bot.store.models import Lease

LEASE = timedelta(seconds=30)


@pytest_asyncio.fixture
async def pg_store(postgres_url: str) -> AsyncIterator[Store]:
    """PostgreSQL, where processes share the lease (the conftest's `store` is SQLite)."""
    s = await open_store(postgres_url)
    try:
        yield s
    finally:
        await s.close()


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_one_holder_until_it_runs_out(pg_store: Store, clock: FakeClock) -> None:
    leases = Leases(pg_store)
    assert await leases.acquire("gateway", "a", clock.now(), LEASE)
    assert not await leases.acquire("gateway", "b", clock.now(), LEASE)
    assert await leases.holder("gateway", clock.now()) == "a"
    clock.advance(timedelta(seconds=20))
    assert await leases.acquire("gateway", "a", clock.now(), LEASE)  # renewed to +50 s
    clock.advance(timedelta(seconds=29))
    assert not await leases.acquire("gateway", "b", clock.now(), LEASE)
    clock.advance(timedelta(seconds=2))  # a stopped renewing 31 s ago
    assert await leases.holder("gateway", clock.now()) is None
    assert await leases.acquire("gateway", "b", clock.now(), LEASE)
    assert not await leases.acquire("gateway", "a", clock.now(), LEASE)
    assert await leases.holder("gateway", clock.now()) == "b"
    assert await leases.acquire("other", "a", clock.now(), LEASE)  # names are separate


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_renewing_keeps_the_tenure_and_taking_over_starts_one(
    pg_store: Store, clock: FakeClock
) -> None:
    leases = Leases(pg_store)

    async def acquired_at() -> object:
        async with pg_store.read() as conn:
            return (await conn.execute(select(Lease.__table__.c.acquired_at))).scalar_one()

    start = clock.now()
    await leases.acquire("gateway", "a", clock.now(), LEASE)
    clock.advance(timedelta(seconds=10))
    await leases.acquire("gateway", "a", clock.now(), LEASE)
    assert await acquired_at() == start
    clock.advance(timedelta(seconds=41))
    await leases.acquire("gateway", "b", clock.now(), LEASE)
    assert await acquired_at() == clock.now()


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_release_hands_over_at_once_but_only_by_the_holder(
    pg_store: Store, clock: FakeClock
) -> None:
    leases = Leases(pg_store)
    await leases.acquire("gateway", "a", clock.now(), LEASE)
    assert not await leases.release("gateway", "b")
    assert not await leases.acquire("gateway", "b", clock.now(), LEASE)
    assert await leases.release("gateway", "a")
    assert await leases.acquire("gateway", "b", clock.now(), LEASE)


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_many_asking_at_once_give_exactly_one_holder(
    pg_store: Store, clock: FakeClock
) -> None:
    leases = Leases(pg_store)
    for round_ in range(3):  # free, then run out twice
        names = [f"p{round_}-{i}" for i in range(8)]
        won = await asyncio.gather(
            *(leases.acquire("gateway", n, clock.now(), LEASE) for n in names)
        )
        assert sum(won) == 1
        assert await leases.holder("gateway", clock.now()) == names[won.index(True)]
        clock.advance(LEASE + timedelta(seconds=1))


def test_holder_names_are_unique_per_run_even_with_one_process_name() -> None:
    a, b = holder_name("worker-1"), holder_name("worker-1")
    assert a != b and a.startswith("worker-1/") and b.startswith("worker-1/")
    assert ":" in holder_name("")  # host:pid when no name was configured


@pytest.mark.asyncio
async def test_on_sqlite_the_asker_always_holds_it(store: Store, clock: FakeClock) -> None:
    """One process per SQLite file: a process restarted after a crash (a new holder name)
    takes the lease its dead predecessor left at once."""
    leases = Leases(store)
    assert await leases.acquire("gateway", "a", clock.now(), LEASE)
    assert await leases.acquire("gateway", "b", clock.now(), LEASE)
    assert await leases.holder("gateway", clock.now()) == "b"
    assert not await leases.release("gateway", "a")
    assert await leases.release("gateway", "b")
    assert await leases.holder("gateway", clock.now()) is None
