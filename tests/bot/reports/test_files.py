"""The report's files when the set went between the asking and the making: the asker is
told privately; a chart meant for the channel fails for good, saying why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ports import DeliveryFailed
from bot.replies import Ephemeral, FileRequest
from bot.reports import files
from testkit.harness import GENERAL, Harness, u

pytestmark = pytest.mark.asyncio
GONE = {"set": 999, "chart": "outcomes", "at": datetime(2026, 1, 12, tzinfo=UTC).isoformat()}


async def test_a_file_for_a_set_that_is_gone(h: Harness) -> None:
    private = FileRequest(channel=GENERAL, user=u("alice"), recipe=files.CHART, args=GONE)
    told = await files.make(h.app.store, private)
    assert isinstance(told, Ephemeral) and "no longer exists" in told.text.plain()
    public = FileRequest(channel=GENERAL, recipe=files.CHART, args=GONE)
    with pytest.raises(DeliveryFailed, match="the set no longer exists"):
        await files.make(h.app.store, public)
    assert await files.make(h.app.store, FileRequest(channel=GENERAL, recipe="x", args={})) is None
