"""Fixtures for the Slack adapter: the Web API and Socket Mode stand-ins on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.clock import FakeClock
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SlackWorld


@pytest_asyncio.fixture
async def web_api() -> AsyncIterator[SlackWebApi]:
    async with SlackWebApi() as api:
        yield api


@pytest_asyncio.fixture
async def socket_server(web_api: SlackWebApi) -> AsyncIterator[SocketModeServer]:
    async with SocketModeServer() as server:
        web_api.socket_mode_url = server.url
        yield server


@pytest_asyncio.fixture
async def http_world(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[SlackWorld]:
    """The bot behind its real HTTP endpoint, on SQLite, with the fake clock."""
    w = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        yield w
    finally:
        await w.close()
