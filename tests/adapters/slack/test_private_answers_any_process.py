"""A private answer goes through the command's `response_url` whichever process sends it.

Two `SlackWorld`s are two processes on one PostgreSQL database, each with its own HTTP
endpoint, outlet and memory.  Process A receives the slash command; only process B's
loops run, so B claims the reply from the outbox and must answer through the
response_url A stored with the event — not `chat.postEphemeral` (which fails in channels
the bot is not in) and not a DM.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.reply_handles import SLACK_LIFETIME
from bot.store.models import ReplyHandle
from testkit.slack.web_api import SlackWebApi, dm_channel
from testkit.slack.world import SlackWorld

ALICE = "UALICE"


@asynccontextmanager
async def two_processes(
    web_api: SlackWebApi, postgres_url: str, clock: FakeClock
) -> AsyncIterator[tuple[SlackWorld, SlackWorld]]:
    """Two processes on one database (the tests have A receive and B settle)."""
    a = await SlackWorld.open(web_api, postgres_url, clock)
    try:
        b = await SlackWorld.open(web_api, postgres_url, clock)
        try:
            yield a, b
        finally:
            await b.close()
    finally:
        await a.close()


def trigger_of(w: SlackWorld, user: str) -> str:
    return next(t for t, who in w.askers.items() if who == user)


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_a_command_received_by_one_process_is_answered_privately_by_another(
    web_api: SlackWebApi, postgres_url: str, clock: FakeClock
) -> None:
    async with two_processes(web_api, postgres_url, clock) as (a, b):
        assert (await a.command(ALICE, "help")).status == 200
        await b.settle()  # B processes the event and delivers its reply; A does nothing
        assert len(a.bot.deliverers) == 1 and await a.bot.deliver_pending() == 0
        assert [r["key"] for r in web_api.responses] == [trigger_of(a, ALICE)]
        assert "help" in web_api.responses[0]["text"].lower()
        assert web_api.responses[0]["response_type"] == "ephemeral"
        assert web_api.calls_to("chat.postEphemeral") == []
        assert web_api.messages.get(dm_channel(ALICE), []) == []
        stored = await b.bot.reply_handles.get(next(iter(await _causes(b))))
        assert stored is not None and stored.uses == 1


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_a_button_pressed_through_one_process_is_answered_privately_by_another(
    web_api: SlackWebApi, postgres_url: str, clock: FakeClock
) -> None:
    async with two_processes(web_api, postgres_url, clock) as (a, b):
        assert (await a.command(ALICE, "start <@UBOB|bob>")).status == 200
        await b.settle()
        assert (await a.press("UDAVE", "Next phase")).status == 200  # not the facilitator
        await b.settle()
        dave = [r for r in web_api.responses if a.askers.get(r["key"]) == "UDAVE"]
        assert len(dave) == 1 and dave[0]["response_type"] == "ephemeral"
        assert [
            c for c in web_api.calls_to("chat.postEphemeral") if c.args["user"] == "UDAVE"
        ] == []
        assert web_api.messages.get(dm_channel("UDAVE"), []) == []


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_once_the_stored_url_has_expired_another_process_falls_back_to_an_ephemeral(
    web_api: SlackWebApi, postgres_url: str, clock: FakeClock
) -> None:
    async with two_processes(web_api, postgres_url, clock) as (a, b):
        assert (await a.command(ALICE, "help")).status == 200
        clock.advance(SLACK_LIFETIME)
        await b.settle()
        assert web_api.responses == []
        assert [c.args["user"] for c in web_api.calls_to("chat.postEphemeral")] == [ALICE]


@pytest.mark.asyncio
async def test_the_receiving_process_answers_from_memory_without_counting_in_the_database(
    http_world: SlackWorld,
) -> None:
    """The usual single process: the fast path, no database write per private answer."""
    assert (await http_world.command(ALICE, "help")).status == 200
    await http_world.settle()
    assert [r["key"] for r in http_world.api.responses] == [trigger_of(http_world, ALICE)]
    (cause,) = await _causes(http_world)
    stored = await http_world.bot.reply_handles.get(cause)
    assert stored is not None and stored.uses == 0, "stored for others, not used here"


async def _causes(w: SlackWorld) -> list[str]:
    table = ReplyHandle.__table__
    async with w.bot.store.read() as conn:
        return [r[0] for r in await conn.execute(select(table.c.cause))]


@pytest.mark.asyncio
async def test_the_response_url_is_in_no_log_line(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert (await http_world.command(ALICE, "help")).status == 200
    await http_world.settle()
    url = http_world.api.response_url(trigger_of(http_world, ALICE))
    assert http_world.api.responses, "it was used"
    leaks = [r.name for r in caplog.records if url in r.getMessage()]
    assert leaks == []
