"""`alsbot export report`: one set's report as CSV, HTML or PNG, from the database alone.

For funders and for operators without chat access: it reads (never writes) the database the
bot uses, finds the set by its channel, and renders exactly what `/als report export` sends —
nobody named.  The refusals an operator can meet (no file, no tables, no or several sets, a
range the wrong way round) are `ExportProblem`s with a sentence each, never a traceback.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from bot.reports import files
from bot.reports.figures import title_of
from bot.sets.exports import ExportProblem, store_for_export, the_set

FORMATS = ("csv", "html", "png")


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
    """(file name, content, sessions in the report) for one set; reads, never writes."""
    if fmt not in FORMATS:
        raise ExportProblem(f"the report comes as {', '.join(FORMATS)}, not {fmt!r}")
    if since and until and since > until:
        raise ExportProblem(f"--from {since} is after --to {until}")
    async with store_for_export(url) as store, store.read() as conn:
        set_info = await the_set(conn, channel_key, nothing="so no report")
        figures = await files.figures_for(
            conn,
            set_info,
            title=title_of(set_info, default_title),
            now=now,
            since=since,
            until=until,
        )
    filename, content = await asyncio.to_thread(files.render, fmt, figures)
    return filename, content, len(figures.sessions)
