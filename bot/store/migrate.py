"""Alembic, driven from code so that `alsbot db upgrade` and start-up need no alembic.ini."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.file_guard import StoreUnavailable

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


class NewerSchema(StoreUnavailable):
    """The database was migrated by a newer alsbot than this one (a rollback of the code
    without a restore of the data).  Alembic's own answer is a 40-line traceback ending
    in "Can't locate revision"; the operator needs to know which of the two to undo."""


def _upgrade(sync: Connection, revision: str) -> None:
    cfg = alembic_config(sync)
    current = MigrationContext.configure(sync).get_current_revision()
    scripts = ScriptDirectory.from_config(cfg)
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        newest = scripts.get_current_head()
        raise NewerSchema(
            f"the database is at schema revision {current}, which this alsbot (newest "
            f"{newest}) does not know: a newer alsbot migrated it — run that version again, "
            "or restore the backup taken before the upgrade (docs/DEPLOY.md, Rollback)"
        )
    command.upgrade(cfg, revision)


async def upgrade(conn: AsyncConnection, revision: str = "head") -> None:
    """Migrate through `conn` (the store's writer, in its transaction)."""
    await conn.run_sync(lambda sync: _upgrade(sync, revision))


async def current_revision(conn: AsyncConnection) -> str | None:
    return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
