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
from sqlalchemy.exc import DBAPIError
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


class HeldConnection:
    """The writer's one connection, kept checked out between transactions.

    There is one writer at a time (`Store.write` holds a lock), and handing its connection
    back to the pool after each transaction only to take it again cost a pool round trip
    and a reset each time — a tenth of an event's CPU at a steady rate."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sync: Connection | None = None

    def _connection(self) -> Connection:
        if self._sync is None or self._sync.closed or self._sync.invalidated:
            self._sync = self.engine.connect()
        return self._sync

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[LoopConnection]:
        """Committed when the block ends, rolled back if it raises."""
        sync = self._connection()
        with sync.begin():
            yield LoopConnection(sync)

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[LoopConnection]:
        """For a caller that begins and ends its transaction itself (rolled back if not)."""
        sync = self._connection()
        try:
            yield LoopConnection(sync)
        finally:
            if sync.in_transaction():
                sync.rollback()

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None


def begin_with(sql: str) -> Callable[[Connection], None]:
    """A `begin` listener that starts the transaction with `sql` (BEGIN IMMEDIATE for the
    writer) on the driver's own connection: through `exec_driver_sql` it cost a statement's
    whole SQLAlchemy round trip on every transaction.  Listeners of `before_cursor_execute`
    still see it, and a failure is raised as SQLAlchemy's error, as before."""

    def on_begin(conn: Connection) -> None:
        if conn._has_events or conn.engine._has_events:
            conn.dispatch.before_cursor_execute(conn, None, sql, (), None, False)
        try:
            conn.connection.dbapi_connection.execute(sql)  # type: ignore[union-attr]
        except sqlite3.Error as error:
            raise DBAPIError.instance(sql, (), error, sqlite3.Error) from error

    return on_begin


@asynccontextmanager
async def connected(engine: Engine) -> AsyncIterator[LoopConnection]:
    """A pooled connection for reading: its transaction, if any, rolled back at the end."""
    with engine.connect() as sync:
        yield LoopConnection(sync)
