"""The services' shared fixture: `h`, the real core driven through a harness."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from testkit.harness import Harness


@pytest_asyncio.fixture
async def h(sqlite_url: str, clock) -> AsyncIterator[Harness]:
    harness = await Harness.open(sqlite_url, clock)
    try:
        yield harness
    finally:
        await harness.close()
