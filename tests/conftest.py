"""Shared fixtures: real databases (a SQLite file; PostgreSQL when available), fake time."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
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


async def _migrated(url: str) -> None:
    store = await open_store(url)
    await store.close()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file built by the migrations, once per run: a test's database starts as a
    copy of it (a file copy is a few ms; running the ten migrations' DDL was ~50 ms, paid
    by some 2,500 tests).  Opening the copy still runs the migrations, which find it at
    head.  Left in rollback-journal mode: the store switches each copy to WAL."""
    path = tmp_path_factory.mktemp("template") / "alsbot.db"
    asyncio.run(_migrated(f"sqlite+aiosqlite:///{path}"))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    return path


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A test's SQLite database: a migrated copy of the run's template, or — marked
    `empty_db` — no file at all, for a test about creating or migrating one."""
    path = tmp_path / "alsbot.db"
    if request.node.get_closest_marker("empty_db") is None:
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
    return f"sqlite+aiosqlite:///{path}"


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


_TEMPLATES: list[str] = []


@pytest.fixture(scope="session")
def migrated_postgres() -> str:
    """A PostgreSQL database built by the migrations, once per run (dropped at its end): the
    template each `any_db_url` database is created from (`CREATE DATABASE … TEMPLATE`, ~60
    ms, where running the migrations took ~240)."""
    if not PG_URL:
        pytest.skip("ALSBOT_TEST_POSTGRES_URL is not set")
    name = f"alsbot_tmpl_{uuid.uuid4().hex[:12]}"
    _TEMPLATES.append(name)
    asyncio.run(_admin_execute(f'CREATE DATABASE "{name}"'))
    asyncio.run(_migrated(make_url(PG_URL).set(database=name).render_as_string(False)))
    return name


@pytest_asyncio.fixture
async def migrated_postgres_url(migrated_postgres: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test, already at the newest schema."""
    name = f"alsbot_t_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_postgres}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The soak-style tests first (stable: each file keeps its order). The two workers take
    whole files in collection order, and `tests/reliability` sorts late: its minute-long
    files then ran last, one worker busy for two minutes while the other idled."""
    items.sort(key=lambda item: item.get_closest_marker("reliability") is None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop this run's PostgreSQL template, if one was made (never another run's)."""
    for name in _TEMPLATES:
        asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_postgres)])
def any_db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """SQLite and PostgreSQL, each a fresh database at the newest schema."""
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("migrated_postgres_url"))


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
