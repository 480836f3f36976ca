"""Opening the database, and the two ways in: `read()` and `write()`.

SQLite allows one writer at a time; letting concurrent events race for it is how the naive
design hit `database is locked`.  SQLite calls run on the event loop through SQLAlchemy's
sync engine (see `loop_sqlite`): they take microseconds, far less than a hop to a driver
thread or a greenlet.  So on SQLite every write goes through one connection, an
in-process lock and `BEGIN IMMEDIATE` (which waits on `busy_timeout` instead of failing
when another process holds the lock), in WAL mode so that readers never wait.  On
PostgreSQL writes run concurrently and row claims use `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.store import loop_sqlite, migrate
from bot.store.file_guard import DatabaseFile, StoreUnavailable

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 15_000
CHECKPOINT_EVERY = 0.25  # seconds: at most one background WAL checkpoint this often
AUTOCHECKPOINT_BACKSTOP = 20_000  # pages (~80 MB): SQLite's own, if those ever stall


def _sqlite_pragmas(
    begin_sql: str,
) -> tuple[Callable[[Any, Any], None], Callable[[Any], None]]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (needed for
        # SAVEPOINTs and for BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # NORMAL in WAL mode survives a process crash (kill -9); only a power loss can
        # drop the last transactions.  See docs/RELIABILITY.md.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_BACKSTOP}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect, loop_sqlite.begin_with(begin_sql)


def sqlite_file(url: str) -> DatabaseFile | None:
    """The file a SQLite URL names (None for PostgreSQL and for `:memory:`)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return DatabaseFile(Path(database).expanduser().resolve())


class Store:
    """The database: `write()` for one unit of work, `read()` for queries."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        # The SQLite file, watched for being deleted or replaced (`bot.store.file_guard`).
        self.file = sqlite_file(url)
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if self.file is not None:
                self.file.check_folder()
            self._sqlite_writer = loop_sqlite.HeldConnection(
                self._sqlite_engine(url, "BEGIN IMMEDIATE", pool_size=1)
            )
            self._sqlite_reader = self._sqlite_engine(url, "BEGIN", pool_size=4)
            self._write_lock: asyncio.Lock | None = asyncio.Lock()
            self._writer: AsyncEngine | None = None  # PostgreSQL's
            self._wal_file = database if database and database != ":memory:" else None
        elif self.dialect == "postgresql":
            self._writer = create_async_engine(url, pool_size=10, max_overflow=10)
            self._write_lock = None
            self._wal_file = None
        else:
            raise ValueError(f"unsupported database {self.dialect!r}: use sqlite or postgresql")
        self._checkpointing: asyncio.Task[None] | None = None
        self._checkpointed_at = 0.0
        self._checkpoint_conn: sqlite3.Connection | None = None

    @staticmethod
    def _sqlite_engine(url: str, begin_sql: str, pool_size: int) -> Engine:
        engine = loop_sqlite.sync_engine(url, pool_size=pool_size, timeout=BUSY_TIMEOUT_MS / 1000)
        on_connect, on_begin = _sqlite_pragmas(begin_sql)
        event.listen(engine, "connect", on_connect)
        event.listen(engine, "begin", on_begin)
        return engine

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction that commits on success and rolls back on any exception."""
        if self._writer is not None:
            async with self._writer.begin() as conn:
                yield conn
            return
        assert self._write_lock is not None
        async with self._write_lock, self._sqlite_writer.transaction() as loop_conn:
            yield cast(AsyncConnection, loop_conn)
        self._maybe_checkpoint()

    def _maybe_checkpoint(self) -> None:
        """Copy the WAL into the database file from a thread, not on the event loop.

        SQLite's automatic checkpoint runs inside a commit, on the committing connection,
        and ends with an fsync: with the inline driver it stalled the whole event loop for
        up to ~10 ms every few hundred commits (acknowledgements included).  A PASSIVE
        checkpoint on its own connection neither waits for nor blocks the writer, and
        changes no durability: a commit is in the WAL either way.  The automatic one stays
        as a backstop at `AUTOCHECKPOINT_BACKSTOP` pages.
        """
        if self._wal_file is None:
            return
        if self._checkpointing is not None and not self._checkpointing.done():
            return
        now = time.monotonic()
        if now - self._checkpointed_at < CHECKPOINT_EVERY:
            return
        self._checkpointed_at = now
        self._checkpointing = asyncio.get_running_loop().create_task(
            asyncio.to_thread(self._checkpoint)
        )

    def _checkpoint(self) -> None:
        try:
            if self._checkpoint_conn is None:
                # mode=rw: never create the file (a deleted one must stay missing, to
                # be noticed by `bot.store.file_guard`, not be replaced by an empty one).
                self._checkpoint_conn = sqlite3.connect(
                    f"file:{quote(self._wal_file or '')}?mode=rw",
                    uri=True,
                    check_same_thread=False,
                    isolation_level=None,
                )
            self._checkpoint_conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:  # the next one, or the backstop, catches up
            log.warning("background WAL checkpoint failed: %s", error)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        if self._writer is not None:
            async with self._writer.connect() as conn:
                yield conn
            return
        async with loop_sqlite.connected(self._sqlite_reader) as loop_conn:
            yield cast(AsyncConnection, loop_conn)

    async def upgrade(self) -> None:
        """Apply Alembic migrations up to head (idempotent)."""
        async with self.write() as conn:
            await migrate.upgrade(conn)

    async def revision(self) -> str | None:
        """The Alembic revision the database is at (None before the first upgrade)."""
        async with self.read() as conn:
            return await migrate.current_revision(conn)

    def problem(self) -> str | None:
        """Why what is written now would be lost (the SQLite file is gone), else None."""
        return self.file.problem() if self.file is not None else None

    async def ensure_writable(self) -> None:
        """Raise `StoreUnavailable` unless a write would succeed: a SQLite file (or its
        directory, which must hold the WAL) that is read-only opens and reads fine, and
        only fails at the first write — the first event, after "alsbot is running"."""
        if self.file is None or self._write_lock is None:
            return
        try:
            async with self._write_lock, self._sqlite_writer.connected() as conn:
                await conn.begin()  # BEGIN IMMEDIATE: takes the write lock
                # A write statement checks that the file can be written; rolled back, it
                # leaves nothing behind.
                await conn.exec_driver_sql("CREATE TABLE alsbot_write_probe (x INTEGER)")
                await conn.rollback()
        except OperationalError as error:
            raise StoreUnavailable(
                f"cannot write to the database file {self.file.name}: {error.orig}"
            ) from None

    async def close(self) -> None:
        task = self._checkpointing
        if task is not None and task.get_loop() is asyncio.get_running_loop():
            await asyncio.gather(task, return_exceptions=True)
        if self._checkpoint_conn is not None:
            self._checkpoint_conn.close()
            self._checkpoint_conn = None
        if self._writer is not None:
            await self._writer.dispose()
        else:
            self._sqlite_writer.close()
            self._sqlite_writer.engine.dispose()
            self._sqlite_reader.dispose()


async def open_store(url: str, *, migrate: bool = True) -> Store:
    store = Store(url)
    if migrate:
        try:
            await store.upgrade()
        except OperationalError as error:
            if store.file is None:
                raise
            await store.close()
            raise StoreUnavailable(
                f"cannot open the database file {store.file.name}: {error.orig}"
            ) from None
    if store.file is not None:
        store.file.remember()
    return store
