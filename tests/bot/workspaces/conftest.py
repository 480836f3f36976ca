"""The real core on SQLite and, when configured, PostgreSQL; nudges may go at weekends
(the sessions here are on a Monday, their nudges on the Friday and the Sunday before)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.clock import FakeClock
from testkit.harness import Harness


@pytest_asyncio.fixture
async def h(any_db_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await Harness.open(any_db_url, clock, ALSBOT_DEFAULTS_SEND_ON_WEEKENDS="true")
    try:
        yield harness
    finally:
        await harness.close()
