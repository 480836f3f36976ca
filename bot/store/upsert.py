"""`INSERT … ON CONFLICT DO NOTHING` for whichever dialect the store speaks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(table: Table, dialect: str, conflict_on: list[str]) -> Any:
    module = sqlite if dialect == "sqlite" else postgresql
    return module.insert(table).on_conflict_do_nothing(index_elements=conflict_on)
