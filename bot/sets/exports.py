"""What every `alsbot export …` needs before it renders anything: the database opened for
reading only, and the one set it is about.

The operator's mistakes — no file where the URL points, a database never migrated, no set or
several without `--channel`, a channel with no set — are `ExportProblem`s, one sentence each,
which the command line prints as they are (never a traceback).  A SQLite file is looked for
before the store is opened, since opening it would create an empty one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.set_info import SetInfo
from bot.sets.records import info_from_row
from bot.store.db import Store, open_store
from bot.store.models import Set as SetRow

SETS = SetRow.__table__


class ExportProblem(Exception):
    """Why an `alsbot export` command cannot export: shown to the operator as it is."""


def _is_file(path: str) -> bool:  # before the store exists: it would create the file
    return Path(path).is_file()


@asynccontextmanager
async def store_for_export(url: str) -> AsyncIterator[Store]:
    """The database at `url`, never migrated or created by an export."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not _is_file(parsed.database or ""):
        raise ExportProblem(f"there is no database at {parsed.database!r}")
    store = await open_store(url, migrate=False)
    try:
        yield store
    finally:
        await store.close()


async def the_set(conn: AsyncConnection, channel_key: str | None, *, nothing: str) -> SetInfo:
    """The set in `channel_key`, or the only set when none is named; `nothing` ends the
    sentence for a database with no sets ("so no do's")."""
    try:
        rows = list(await conn.execute(select(SETS).order_by(SETS.c.id)))
    except DBAPIError:
        raise ExportProblem(
            "this database has no alsbot tables yet: run `alsbot db upgrade` first"
        ) from None
    keys = [r.channel_key for r in rows]
    chosen = [r for r in rows if r.channel_key == channel_key] if channel_key else rows
    if len(chosen) == 1:
        return info_from_row(chosen[0])
    if channel_key:
        raise ExportProblem(f"no set in channel {channel_key!r}; sets: {', '.join(keys) or 'none'}")
    if not keys:
        raise ExportProblem(f"this database has no sets yet, {nothing}")
    raise ExportProblem(f"several sets: choose one with --channel ({', '.join(keys)})")
