"""An aiosqlite-compatible connection that runs SQLite calls inline on the event loop.

aiosqlite sends every statement to a worker thread and back: measured here, that hop costs
about 90 µs and a statement through SQLAlchemy about 340 µs, while SQLite itself answers a
simple query in under 2 µs.  With several statements per chat event the hops, not SQLite,
set the bot's speed.  SQLite calls on a local file finish in microseconds, so doing them on
the loop thread is cheaper than any hop — provided nothing makes them wait.  alsbot makes
sure of that: writes are serialised in-process (`Store.write`), WAL readers never wait for
the writer, and several processes share one database only on PostgreSQL.

SQLAlchemy's own aiosqlite dialect drives this object through `async_creator`, so the SQL,
types and pooling are exactly those of `sqlite+aiosqlite`; only where the work runs changes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any


class _Immediate:
    """Stands in for aiosqlite's queue of work for its thread: runs the work at once."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # handed to the awaiting caller, as aiosqlite would
            future.set_exception(exc)


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, seq)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """The parts of `aiosqlite.Connection` that SQLAlchemy's dialect uses."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn
        self._tx = _Immediate()

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def creator(database: str, timeout: float) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine` opening `database` inline."""

    async def connect() -> InlineConnection:
        conn = sqlite3.connect(
            database,
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
            detect_types=0,
        )
        return InlineConnection(conn)

    return connect
