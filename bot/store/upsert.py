"""`INSERT … ON CONFLICT DO NOTHING` for whichever dialect the store speaks."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import CursorResult, Table
from sqlalchemy.dialects import postgresql, sqlite


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
