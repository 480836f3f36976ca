"""When an event cannot be recorded, the warning names the event, not what was typed: the
database's own error quotes the row it could not write, the person's words with it."""

from __future__ import annotations

import logging

import pytest

from bot.clock import FakeClock
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SlackWorld

WORDS = "bxq my private update"


@pytest.mark.asyncio
async def test_an_unrecorded_command_is_logged_without_its_words(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    world = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        async with world.bot.store.write() as conn:
            await conn.exec_driver_sql("DROP TABLE inbox")
        caplog.set_level(logging.DEBUG, logger="adapters")
        answer = await world.command("UBOB", f"update {WORDS}")
        assert answer.status == 200 and "Nothing was changed" in answer.body
    finally:
        await world.close()
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "could not record slack:command:" in warning.getMessage()
    assert "OperationalError" in warning.getMessage(), "what went wrong, by its type"
    assert all("bxq" not in r.getMessage() for r in caplog.records)
