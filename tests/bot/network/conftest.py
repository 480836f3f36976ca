"""The network tests' shared fixture: the real core on SQLite and, when configured,
PostgreSQL (a module that needs other settings declares its own `h`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.clock import FakeClock
from testkit.harness import Harness


@pytest_asyncio.fixture
async def h(any_db_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await Harness.open(any_db_url, clock)
    try:
        yield harness
    finally:
        await harness.close()
