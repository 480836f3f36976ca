"""The do's tests' shared fixture: a set on either database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.clock import FakeClock
from testkit.harness import Harness
from tests.bot.dos.dos_helpers import make_set


@pytest_asyncio.fixture
async def set_on_any_db(any_db_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """A harness with a set, on SQLite and (when configured) PostgreSQL."""
    harness = await Harness.open(any_db_url, clock)
    try:
        await make_set(harness)
        yield harness
    finally:
        await harness.close()
