"""The few statements every chat event runs, compiled once and run on SQLite's own cursor.

A statement through SQLAlchemy's `Connection.execute` costs about 40 µs of Python on this
machine whatever it does (a cache key, an execution context, a result object), against a
few µs for SQLite itself; a saved do runs eight of them.  `Lean` keeps SQLAlchemy as the
truth for the SQL, the types and the schema: it compiles the statement with the dialect
once per set of parameter names, and applies the same bind and result processors — only
the per-call machinery is skipped.  On PostgreSQL (and for any connection that is not the
event loop's SQLite connection, `bot.store.loop_sqlite`) it is exactly `conn.execute`, so
both databases run the same call sites.

Listeners of `before_cursor_execute` still see every statement (the benchmark counts
them), and a statement run before the transaction began begins it first, as SQLAlchemy's
autobegin would.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError

from bot.store.loop_sqlite import LoopConnection

_Processor = Callable[[Any], Any] | None


class _Plan:
    """One statement compiled for one set of parameter names."""

    def __init__(self, statement: Any, dialect: Any, keys: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.compiled = compiled
        self.sql: str = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        binds = compiled._bind_processors
        self.binds: tuple[_Processor, ...] = tuple(binds.get(n) for n in self.names)
        columns = compiled._result_columns
        self.row: Any = namedtuple("LeanRow", [c.keyname for c in columns], rename=True)  # type: ignore[misc]
        self.results: tuple[_Processor, ...] = tuple(
            c.type._cached_result_processor(dialect, None) for c in columns
        )
        self.any_result_processor = any(p is not None for p in self.results)
        # Column defaults SQLAlchemy would fill in before executing (`default=0`): only
        # plain values are supported, so a statement needing more fails here, not quietly.
        self.defaults: dict[str, Any] = {}
        for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
            default = column.default if column in compiled.insert_prefetch else column.onupdate
            if default is None or not default.is_scalar:
                raise NotImplementedError(f"Lean cannot fill in the default of {column}")
            self.defaults[column.key] = default.arg

    def arguments(self, params: dict[str, Any]) -> tuple[Any, ...]:
        values = self.compiled.construct_params(params, _check=False)
        values.update(self.defaults)  # only columns the parameters left out
        return tuple(
            (bind(values[n]) if bind is not None else values[n])
            for n, bind in zip(self.names, self.binds, strict=True)
        )

    def rows(self, raw: Sequence[Any]) -> list[Any]:
        make = self.row._make
        if not self.any_result_processor:
            return [make(r) for r in raw]
        procs = self.results
        return [
            make([(p(v) if p is not None else v) for p, v in zip(procs, r, strict=True)])
            for r in raw
        ]


class LeanResult:
    """The parts of a SQLAlchemy `Result` that the hot path uses."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


class Lean:
    """A statement to run through `run(conn, params)`; built once, at import."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}

    async def run(self, conn: Any, params: dict[str, Any]) -> Any:
        if not isinstance(conn, LoopConnection):
            return await conn.execute(self.statement, params)
        sync = conn.sync_connection
        key = (sync.dialect.name, tuple(params))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self.statement, sync.dialect, key[1])
        if not sync.in_transaction():
            sync.begin()  # as SQLAlchemy's autobegin: the `begin` event emits BEGIN
        args = plan.arguments(params)
        if sync._has_events or sync.engine._has_events:
            sync.dispatch.before_cursor_execute(sync, None, plan.sql, args, None, False)
        cursor = sync.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(plan.sql, args)
            raw = cursor.fetchall() if cursor.description is not None else []
            return LeanResult(plan.rows(raw), cursor.rowcount)
        except sqlite3.Error as error:  # raised as SQLAlchemy would, for the same handlers
            raise DBAPIError.instance(plan.sql, args, error, sqlite3.Error) from error
        finally:
            cursor.close()
