"""Alembic, driven from code so that `alsbot db upgrade` and start-up need no alembic.ini."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncConnection

MIGRATIONS = Path(__file__).with_name("migrations")
# Search structures that SQLAlchemy cannot model, created by migration 0002: SQLite's FTS5
# table `dos_fts` (with its shadow tables `dos_fts_*`) and PostgreSQL's `dos_fts_gin`.
UNMODELLED_PREFIX = "dos_fts"


def include_name(name: str | None, type_: str, _parent_names: Any = None) -> bool:
    """Alembic's `include_name`: compare everything but the unmodelled search objects."""
    return not (type_ in ("table", "index") and (name or "").startswith(UNMODELLED_PREFIX))


def alembic_config(connection: Any = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(conn: AsyncConnection, revision: str = "head") -> None:
    """Migrate through `conn` (the store's writer, in its transaction)."""
    await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def current_revision(conn: AsyncConnection) -> str | None:
    return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
