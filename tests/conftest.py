"""Shared fixtures: real databases (a SQLite file; PostgreSQL when available), fake time."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from bot.app import Alsbot
from bot.clock import FakeClock
from bot.store.db import Store, open_store
from testkit import browser, postgres
from testkit.config import START_OF_TESTS, make_config

PG_URL = os.environ.get("ALSBOT_TEST_POSTGRES_URL", "")
needs_postgres = pytest.mark.skipif(not PG_URL, reason="ALSBOT_TEST_POSTGRES_URL is not set")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START_OF_TESTS)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'alsbot.db'}"


async def _admin_execute(sql: str) -> None:
    conn = await postgres.connect(PG_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not PG_URL:
        pytest.skip("ALSBOT_TEST_POSTGRES_URL is not set")
    name = f"alsbot_t_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_postgres)])
def any_db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return request.getfixturevalue("postgres_url")


@pytest_asyncio.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    s = await open_store(sqlite_url)
    try:
        yield s
    finally:
        await s.close()


@pytest_asyncio.fixture
async def app(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Alsbot]:
    bot = await Alsbot.open(make_config(sqlite_url), clock=clock)
    try:
        yield bot
    finally:
        await bot.close()


@pytest.fixture(scope="session")
def axe() -> str:
    """axe-core's script for the accessibility checks (testkit.browser), or a skip that says
    why it is missing (no node/npm, or the registry out of reach)."""
    try:
        return browser.axe_script()
    except browser.AxeMissing as missing:
        pytest.skip(f"axe-core is not available: {missing}")
