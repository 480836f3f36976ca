"""Finding do's: full-text search, a random one, the newest one, and all for an export.

SQLite searches the FTS5 table `dos_fts` (migration 0002; kept in step by triggers),
PostgreSQL the GIN-indexed `to_tsvector('simple', text)`.  Both get the same query: every
word the person typed, as a prefix, all required.  Words are reduced to `\\w+` tokens, so
nothing a person types is ever read as query syntax.  An SQLite without FTS5 falls back
to LIKE on the normalised text.  Results are newest first, `PAGE_SIZE` to a page.

Functions take a connection rather than a `Ctx`, so that `alsbot export dos` can use them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, func, literal_column, select
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dos.common import DOS, SAVED, DoInfo, do_info
from bot.dos.do_text import fts5_query, search_terms, tsquery

PAGE_SIZE = 5
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


@dataclass(frozen=True, slots=True)
class Page:
    items: list[DoInfo]
    total: int
    page: int
    terms: list[str]
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


async def has_fts5(conn: AsyncConnection) -> bool:
    if conn.dialect.name != "sqlite":
        return False
    found = await conn.execute(
        sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dos_fts'")
    )
    return found.first() is not None


async def _match(conn: AsyncConnection, terms: list[str]) -> Any:
    if not terms:
        return None
    if conn.dialect.name == "postgresql":
        return func.to_tsvector(_SIMPLE, DOS.c.text).op("@@")(
            func.to_tsquery(_SIMPLE, tsquery(terms))
        )
    if await has_fts5(conn):
        rowids = (
            sql("SELECT rowid FROM dos_fts WHERE dos_fts MATCH :q")
            .bindparams(q=fts5_query(terms))
            .columns(literal_column("rowid"))
        )
        return DOS.c.id.in_(rowids)
    return and_(*(DOS.c.norm_text.contains(t, autoescape=True) for t in terms))


def tagged(tag: str) -> ColumnElement[bool]:
    """Do's carrying `tag`: its JSON string (quotes included, so `listen` is not
    `listening`) inside the stored list, as both dialects keep the JSON's text."""
    return cast(DOS.c.tags, Text).contains(json.dumps(tag), autoescape=True)


async def search(
    conn: AsyncConnection,
    set_id: int,
    terms: str,
    page: int = 1,
    *,
    tag: str | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """`size` to a page (chat shows `PAGE_SIZE`; the web page more); `tag` narrows to the
    do's carrying it."""
    words = search_terms(terms)
    where = [DOS.c.set_id == set_id, DOS.c.status == SAVED]
    match = await _match(conn, words)
    if match is not None:
        where.append(match)
    if tag:
        where.append(tagged(tag))
    total = (await conn.execute(select(func.count()).select_from(DOS).where(*where))).scalar_one()
    rows = await conn.execute(
        select(DOS)
        .where(*where)
        .order_by(DOS.c.created_at.desc(), DOS.c.id.desc())
        .offset((max(page, 1) - 1) * size)
        .limit(size)
    )
    return Page([do_info(r) for r in rows], total, page, words, size)


async def count(conn: AsyncConnection, set_id: int) -> int:
    return (
        await conn.execute(
            select(func.count())
            .select_from(DOS)
            .where(DOS.c.set_id == set_id, DOS.c.status == SAVED)
        )
    ).scalar_one()


async def random_do(conn: AsyncConnection, set_id: int) -> DoInfo | None:
    row = (
        await conn.execute(
            select(DOS)
            .where(DOS.c.set_id == set_id, DOS.c.status == SAVED)
            .order_by(func.random())
            .limit(1)
        )
    ).first()
    return do_info(row) if row else None


async def newest_do(conn: AsyncConnection, set_id: int) -> DoInfo | None:
    row = (
        await conn.execute(
            select(DOS)
            .where(DOS.c.set_id == set_id, DOS.c.status == SAVED)
            .order_by(DOS.c.created_at.desc(), DOS.c.id.desc())
            .limit(1)
        )
    ).first()
    return do_info(row) if row else None
