"""What the set's pages online read: the set's name and zone, its do's as asked for, and
the names of the people shown.

`adapters/web` turns a link's token into a set id (`bot.reports.links.set_for_token`) and
calls `toolkit_page`; everything about what a page may show is decided here and in the
pure renderer (`toolkit_page.render`), not in the adapter.  Reads go through the store's
read connection, outside any event's transaction; only the names learnt from a platform
are written (`bot.reports.names`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import Config
from bot.dates.zones import zone_or
from bot.dos import search
from bot.dos.common import DOS, SAVED
from bot.reports import toolkit_page as page
from bot.reports.figures import title_of
from bot.reports.names import DirectoryOf, names_for
from bot.sets import records as sets
from bot.store.db import Store


async def tag_counts(conn: AsyncConnection, set_id: int) -> list[tuple[str, int]]:
    """Every tag on the set's saved do's and how many carry it, by name: counted by the
    database (JSON array elements grouped), so a large toolkit is not decoded row by row
    on the event loop at every page view."""
    if conn.dialect.name == "postgresql":  # named as a derived column: `AS anon(value)`
        tag = func.json_array_elements_text(DOS.c.tags).table_valued("value").render_derived()
    else:  # SQLite's json_each has its own `value` column
        tag = func.json_each(DOS.c.tags).table_valued("value")
    rows = await conn.execute(
        select(tag.c.value, func.count())
        .select_from(DOS.join(tag, true()))
        .where(DOS.c.set_id == set_id, DOS.c.status == SAVED)
        .group_by(tag.c.value)
    )
    return sorted(((str(t), int(n)) for t, n in rows), key=lambda item: item[0].casefold())


async def toolkit_page(
    store: Store,
    set_id: int,
    params: Mapping[str, str],
    *,
    config: Config,
    directory_of: DirectoryOf,
    now: datetime,
) -> str | None:
    """The toolkit page for `params` (`q`, `tag`, `page`); None when the set is gone."""
    query = page.ToolkitQuery.from_params(params)
    async with store.read() as conn:
        where = await sets.set_by_id(conn, set_id)
        if where is None:
            return None
        total = await search.count(conn, set_id)
        tags = await tag_counts(conn, set_id)
        found = await search.search(
            conn, set_id, query.q, query.page, tag=query.tag or None, size=page.PER_PAGE
        )
        if query.page > found.pages:  # past the end (an old link): the last page instead
            query = replace(query, page=found.pages)
            found = await search.search(
                conn, set_id, query.q, query.page, tag=query.tag or None, size=page.PER_PAGE
            )
    view = page.ToolkitView(
        title=title_of(where, config.defaults.name),
        tz=zone_or(where.timezone),
        total=total,
        tags=tags,
        query=query,
        found=found.total,
        items=found.items,
        made_at=now,
    )
    names = await names_for(
        store,
        directory_of,
        page.people_in(view),
        now=now,
        max_age=timedelta(days=config.web.name_cache_days),
    )
    return page.render(view, names)
