"""SQLite on the event loop, without the asyncio bridge: SQLAlchemy's own sync engine behind
the few `AsyncConnection` methods alsbot uses.

SQLite calls on a local file finish in microseconds, so alsbot makes them on the loop thread
(writes are serialised in-process by `Store.write`, WAL readers never wait for the writer,
and several processes share one database only on PostgreSQL).  Before this, they went
through SQLAlchemy's asyncio layer with an inline stand-in for aiosqlite: nothing ever
waited, yet every statement still paid for a greenlet and its switches — measured, 88 µs a
statement and 358 µs an empty transaction, against 2 µs for SQLite itself, and a third of
the CPU a saved do cost.  Here the same SQL, types, events and pooling run through
SQLAlchemy's synchronous `pysqlite` dialect, called directly from the coroutine.

Rows are fetched as soon as a statement runs (`_BufferedCursor`), as the asyncio layer did:
a result read after its connection went back to the pool still has its rows.  The pools
never block (`max_overflow=-1`): a sync pool would wait on the loop thread, so one more
reader than the pool holds gets a connection of its own instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool


class _BufferedCursor(sqlite3.Cursor):
    """Fetches every row at `execute`, so reading them later needs no live statement."""

    _rows: list[Any]

    def execute(self, sql: str, parameters: Any = (), /) -> _BufferedCursor:
        super().execute(sql, parameters)
        self._rows = super().fetchall() if self.description is not None else []
        return self

    def fetchone(self) -> Any:
        rows = getattr(self, "_rows", None)
        return rows.pop(0) if rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = getattr(self, "_rows", [])
        size = self.arraysize if size is None else size
        taken, self._rows = rows[:size], rows[size:]
        return taken

    def fetchall(self) -> list[Any]:
        rows = getattr(self, "_rows", [])
        self._rows = []
        return rows


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _BufferedCursor) -> Any:
        return super().cursor(factory)


def sync_engine(url: str, *, pool_size: int, timeout: float) -> Engine:
    """A sync engine on the SQLite file `url` names (`sqlite+aiosqlite:///…` or `sqlite:///…`)."""
    database = make_url(url).database or ":memory:"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            database,
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,  # the checkpoint thread has its own connection
            detect_types=0,
            factory=_Connection,
        )

    return create_engine(
        "sqlite+pysqlite://",
        creator=connect,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=-1,
    )


class LoopConnection:
    """The `AsyncConnection` methods alsbot uses, over a sync `Connection`.

    Each method runs its statement at once; it is a coroutine only so that callers are
    the same for SQLite and PostgreSQL."""

    def __init__(self, sync: Connection) -> None:
        self.sync_connection = sync

    @property
    def dialect(self) -> Any:
        return self.sync_connection.dialect

    async def execute(
        self,
        statement: Any,
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> Any:
        return self.sync_connection.execute(
            statement, parameters, execution_options=execution_options
        )

    async def scalar(self, statement: Any, parameters: Any = None, **kwargs: Any) -> Any:
        return self.sync_connection.scalar(statement, parameters, **kwargs)

    async def scalars(self, statement: Any, parameters: Any = None, **kwargs: Any) -> Any:
        return self.sync_connection.scalars(statement, parameters, **kwargs)

    async def exec_driver_sql(
        self, statement: str, parameters: Any = None, execution_options: Any = None
    ) -> Any:
        return self.sync_connection.exec_driver_sql(statement, parameters, execution_options)

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[Any]:
        """A SAVEPOINT: released when the block ends, rolled back if it raises."""
        with self.sync_connection.begin_nested() as nested:
            yield nested

    async def begin(self) -> Any:
        return self.sync_connection.begin()

    async def commit(self) -> None:
        self.sync_connection.commit()

    async def rollback(self) -> None:
        self.sync_connection.rollback()

    async def run_sync(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return fn(self.sync_connection, *args, **kwargs)

    async def get_raw_connection(self) -> Any:
        return self.sync_connection.connection

    async def close(self) -> None:
        self.sync_connection.close()


@asynccontextmanager
async def connected(engine: Engine) -> AsyncIterator[LoopConnection]:
    """A pooled connection for reading: its transaction, if any, rolled back at the end."""
    with engine.connect() as sync:
        yield LoopConnection(sync)


@asynccontextmanager
async def transaction(engine: Engine) -> AsyncIterator[LoopConnection]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with engine.begin() as sync:
        yield LoopConnection(sync)
