"""`INSERT … ON CONFLICT DO NOTHING` for whichever dialect the store speaks."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import CursorResult, Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.models import AdapterState


def insert_ignore(table: Table, dialect: str, conflict_on: list[str]) -> Any:
    return _insert_ignore(table, dialect, tuple(conflict_on))


@lru_cache(maxsize=256)
def _insert_ignore(table: Table, dialect: str, conflict_on: tuple[str, ...]) -> Any:
    """Built once per table: statements are immutable, and SQLAlchemy memoises the cache
    key on the object, so reusing it saves both the building and the key (this runs on
    every inbox flush and several times per reaction)."""
    module = sqlite if dialect == "sqlite" else postgresql
    return module.insert(table).on_conflict_do_nothing(index_elements=list(conflict_on))


def inserted_id(result: CursorResult[Any]) -> int:
    """The integer primary key a single-row INSERT made (every table here has one)."""
    key = result.inserted_primary_key
    if key is None:
        raise ValueError("the statement inserted no row")
    return int(key[0])


async def put_adapter_state(conn: AsyncConnection, name: str, value: str, now: datetime) -> None:
    """Set the `adapter_state` row `name` (an adapter's small value kept across restarts):
    an update, and an insert only when there was no row, so the common case — the row
    exists — is one statement and two processes writing a new one do not collide."""
    state = AdapterState.__table__
    done = await conn.execute(
        update(state).where(state.c.name == name).values(value=value, updated_at=now)
    )
    if not done.rowcount:
        await conn.execute(
            insert_ignore(state, conn.dialect.name, ["name"]),
            {"name": name, "value": value, "updated_at": now},
        )
