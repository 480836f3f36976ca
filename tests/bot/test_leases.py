"""Named leases on real databases: one holder at a time, taken over once run out (on
PostgreSQL, shared by processes); always the asker's on SQLite (one process per file)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.leases import Leases, holder_name
from bot.store.db import open_store
from bot.store.models import Lease

LEASE = timedelta(seconds=30)


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_one_holder_until_it_runs_out(postgres_url: str, clock: FakeClock) -> None:
    store = await open_store(postgres_url)
    leases = Leases(store)
    try:
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
    finally:
        await store.close()


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_renewing_keeps_the_tenure_and_taking_over_starts_one(
    postgres_url: str, clock: FakeClock
) -> None:
    store = await open_store(postgres_url)
    leases = Leases(store)

    async def acquired_at() -> object:
        async with store.read() as conn:
            return (await conn.execute(select(Lease.__table__.c.acquired_at))).scalar_one()

    try:
        start = clock.now()
        await leases.acquire("gateway", "a", clock.now(), LEASE)
        clock.advance(timedelta(seconds=10))
        await leases.acquire("gateway", "a", clock.now(), LEASE)
        assert await acquired_at() == start
        clock.advance(timedelta(seconds=41))
        await leases.acquire("gateway", "b", clock.now(), LEASE)
        assert await acquired_at() == clock.now()
    finally:
        await store.close()


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_release_hands_over_at_once_but_only_by_the_holder(
    postgres_url: str, clock: FakeClock
) -> None:
    store = await open_store(postgres_url)
    leases = Leases(store)
    try:
        await leases.acquire("gateway", "a", clock.now(), LEASE)
        assert not await leases.release("gateway", "b")
        assert not await leases.acquire("gateway", "b", clock.now(), LEASE)
        assert await leases.release("gateway", "a")
        assert await leases.acquire("gateway", "b", clock.now(), LEASE)
    finally:
        await store.close()


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_many_asking_at_once_give_exactly_one_holder(
    postgres_url: str, clock: FakeClock
) -> None:
    store = await open_store(postgres_url)
    leases = Leases(store)
    try:
        for round_ in range(3):  # free, then run out twice
            names = [f"p{round_}-{i}" for i in range(8)]
            won = await asyncio.gather(
                *(leases.acquire("gateway", n, clock.now(), LEASE) for n in names)
            )
            assert sum(won) == 1
            assert await leases.holder("gateway", clock.now()) == names[won.index(True)]
            clock.advance(LEASE + timedelta(seconds=1))
    finally:
        await store.close()


def test_holder_names_are_unique_per_run_even_with_one_process_name() -> None:
    a, b = holder_name("worker-1"), holder_name("worker-1")
    assert a != b and a.startswith("worker-1/") and b.startswith("worker-1/")
    assert ":" in holder_name("")  # host:pid when no name was configured


@pytest.mark.asyncio
async def test_on_sqlite_the_asker_always_holds_it(sqlite_url: str, clock: FakeClock) -> None:
    """One process per SQLite file: a process restarted after a crash (a new holder name)
    takes the lease its dead predecessor left at once."""
    store = await open_store(sqlite_url)
    leases = Leases(store)
    try:
        assert await leases.acquire("gateway", "a", clock.now(), LEASE)
        assert await leases.acquire("gateway", "b", clock.now(), LEASE)
        assert await leases.holder("gateway", clock.now()) == "b"
        assert not await leases.release("gateway", "a")
        assert await leases.release("gateway", "b")
        assert await leases.holder("gateway", clock.now()) is None
    finally:
        await store.close()
