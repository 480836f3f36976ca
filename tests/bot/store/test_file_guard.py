"""The SQLite file can be lost under a running bot, or be read-only, or be shared by two
processes: each is noticed (real files in tmp_path, a real second process for the lock)."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import Alsbot
from bot.clock import FakeClock
from bot.events import MessagePosted
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.store.db import open_store, sqlite_file
from bot.store.file_guard import DatabaseFile, StoreLocked, StoreUnavailable
from testkit.config import make_config
from testkit.files import delete_database, immutable

W = WorkspaceRef(Platform.SLACK, "T1")
C = ChannelRef(W, "C1")


def message(n: int) -> MessagePosted:
    return MessagePosted(
        key=f"slack:event:{n}",
        user=UserRef(W, "U1"),
        channel=C,
        message=MessageRef(C, f"{n}.0"),
        text=f"hello {n}",
    )


@pytest.mark.asyncio
async def test_a_deleted_or_replaced_file_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "alsbot.db"
    store = await open_store(f"sqlite+aiosqlite:///{path}")
    try:
        assert store.problem() is None
        delete_database(path)
        assert "was deleted" in (store.problem() or "")
        # Whatever is put back at the path is not the file the connections write to.
        await (await open_store(f"sqlite+aiosqlite:///{path}")).close()  # a fresh, empty one
        assert "was replaced" in (store.problem() or "")
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_postgresql_has_no_file_to_lose(any_db_url: str) -> None:
    store = await open_store(any_db_url)
    try:
        assert store.problem() is None
        assert (store.file is None) == (store.dialect == "postgresql")
        # No lock either: several processes on one PostgreSQL database are allowed.
        assert (sqlite_file(any_db_url) is None) == (store.dialect == "postgresql")
        await store.ensure_writable()
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_submit_refuses_once_the_file_is_gone_and_says_so_once(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.app")
    path = tmp_path / "alsbot.db"
    bot = await Alsbot.open(make_config(f"sqlite+aiosqlite:///{path}"), clock=clock)
    try:
        assert await bot.submit(message(1)) is True
        assert bot.health.ok and bot.refusal is None
        delete_database(path)
        # The commit into the deleted file succeeds; it must not be acknowledged.
        # (Deleted, or already replaced by an empty file a new connection created.)
        with pytest.raises(StoreUnavailable, match="was deleted|was replaced"):
            await bot.submit(message(2))
        for n in range(3, 13):
            with pytest.raises(StoreUnavailable):
                await bot.submit(message(n))
            bot.check_store()
        assert not bot.health.ok
        assert bot.health.snapshot()["database"]["ok"] is False
        assert str(path) not in str(bot.health.snapshot()), "/healthz may be public"
        assert bot.refusal is not None and "alsbot.db was" in bot.refusal
        lines = [r for r in caplog.records if r.name == "bot.app"]
        assert len(lines) == 1 and lines[0].levelno == logging.ERROR
        assert str(path) in lines[0].getMessage()
    finally:
        await bot.close()


@pytest.mark.asyncio
async def test_a_read_only_file_is_refused_before_the_first_event(tmp_path: Path) -> None:
    path = tmp_path / "alsbot.db"
    url = f"sqlite+aiosqlite:///{path}"
    await (await open_store(url)).close()
    with immutable(path):
        store = await open_store(url)  # opens, migrates (nothing to do) and reads fine
        try:
            with pytest.raises(StoreUnavailable, match="readonly|read-only|unable to open"):
                await store.ensure_writable()
        finally:
            await store.close()
    store = await open_store(url)
    try:
        await store.ensure_writable()
        async with store.read() as conn:
            tables = await conn.exec_driver_sql("SELECT name FROM sqlite_master")
            assert "alsbot_write_probe" not in {row[0] for row in tables}, (
                "the probe leaves nothing"
            )
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_read_only_directory_is_refused_before_the_first_event(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite+aiosqlite:///{folder / 'alsbot.db'}"
    await (await open_store(url)).close()  # a clean close leaves no -wal or -shm
    with immutable(folder):
        with pytest.raises(StoreUnavailable):
            store = await open_store(url)
            try:
                await store.ensure_writable()
            finally:
                await store.close()
        file = sqlite_file(url)
        assert file is not None
        with pytest.raises(StoreUnavailable, match="directory must be writable"):
            file.lock()


@pytest.mark.asyncio
async def test_a_folder_that_does_not_exist_is_refused_not_made(tmp_path: Path) -> None:
    """Issue 15: made silently, a typo in the path started an empty database elsewhere."""
    path = tmp_path / "typo" / "alsbot.db"
    expected = f"the folder {path.parent} for the database file alsbot.db does not exist"
    with pytest.raises(StoreUnavailable, match=expected):
        await open_store(f"sqlite+aiosqlite:///{path}")
    file = sqlite_file(f"sqlite+aiosqlite:///{path}")
    assert file is not None
    with pytest.raises(StoreUnavailable, match=expected):
        file.lock()
    assert not path.parent.exists()


HOLD = """
import sys, time
from pathlib import Path
from bot.store.file_guard import DatabaseFile
DatabaseFile(Path(sys.argv[1])).lock()
print("locked", flush=True)
time.sleep(60)
"""


def test_one_process_per_file_and_a_crash_frees_it(tmp_path: Path) -> None:
    path = tmp_path / "alsbot.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreLocked, match=f"pid {holder.pid}"):
            DatabaseFile(path).lock()
    finally:
        holder.kill()  # kill -9: nothing of alsbot's runs, the kernel drops the lock
        holder.wait()
    mine = DatabaseFile(path)
    mine.lock()
    other = DatabaseFile(path)
    with pytest.raises(StoreLocked):
        other.lock()
    mine.unlock()
    other.lock()
    other.unlock()
    assert os.path.exists(path.with_name("alsbot.db.lock"))


@pytest.mark.asyncio
async def test_the_check_after_each_commit_is_cheap(tmp_path: Path) -> None:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'alsbot.db'}")
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(10_000):
            assert store.problem() is None
        assert (loop.time() - started) / 10_000 < 50e-6  # one os.stat: a few µs
    finally:
        await store.close()
