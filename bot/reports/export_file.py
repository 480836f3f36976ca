"""`alsbot export report`: one set's report as CSV, HTML or PNG, from the database alone.

For funders and for operators without chat access: it reads (never writes) the database the
bot uses, finds the set by its channel, and renders exactly what `/als report export` sends —
nobody named.  The refusals an operator can meet (no file, no tables, no or several sets, a
range the wrong way round) are `ExportProblem`s with a sentence each, never a traceback.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.dos.toolkit import ExportProblem
from bot.reports import files
from bot.sets import records as sets
from bot.store.db import Store, open_store
from bot.store.models import Set as SetRow

FORMATS = ("csv", "html", "png")
SETS = SetRow.__table__


def _is_file(path: str) -> bool:  # before the store exists: it would create the file
    return Path(path).is_file()


async def report_from_url(
    url: str,
    fmt: str,
    channel_key: str | None,
    *,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
    default_title: str = "",
) -> tuple[str, bytes, int]:
    """(file name, content, sessions in the report) for one set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not _is_file(parsed.database or ""):
        raise ExportProblem(f"there is no database at {parsed.database!r}")
    store = await open_store(url, migrate=False)
    try:
        return await report_from_store(
            store, fmt, channel_key, now=now, since=since, until=until, default_title=default_title
        )
    finally:
        await store.close()


async def report_from_store(
    store: Store,
    fmt: str,
    channel_key: str | None,
    *,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
    default_title: str = "",
) -> tuple[str, bytes, int]:
    if fmt not in FORMATS:
        raise ExportProblem(f"the report comes as {', '.join(FORMATS)}, not {fmt!r}")
    if since and until and since > until:
        raise ExportProblem(f"--from {since} is after --to {until}")
    async with store.read() as conn:
        try:
            rows = list(await conn.execute(select(SETS).order_by(SETS.c.id)))
        except DBAPIError:
            raise ExportProblem(
                "this database has no alsbot tables yet: run `alsbot db upgrade` first"
            ) from None
        keys = [r.channel_key for r in rows]
        if channel_key:
            rows = [r for r in rows if r.channel_key == channel_key]
        if len(rows) != 1:
            if channel_key:
                raise ExportProblem(
                    f"no set in channel {channel_key!r}; sets: {', '.join(keys) or 'none'}"
                )
            if not keys:
                raise ExportProblem("this database has no sets yet, so no report")
            raise ExportProblem(f"several sets: choose one with --channel ({', '.join(keys)})")
        set_info = sets.info_from_row(rows[0])
        figures = await files.figures_for(
            conn,
            set_info,
            title=files.title_of(set_info, default_title),
            now=now,
            since=since,
            until=until,
        )
    filename, content = await asyncio.to_thread(files.render, fmt, figures)
    return filename, content, len(figures.sessions)
