"""Every row of every table, as plain values: for "changed nothing" and "left nothing" checks.

The list of tables comes from the database itself (not the models), so a table added
later, or SQLite's full-text index, is included without anyone remembering to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot.store.db import Store

# FTS5 keeps its index in binary shadow tables; the virtual table itself shows the text.
_FTS_SHADOWS = ("_data", "_idx", "_docsize", "_config", "_content")


async def table_names(store: Store) -> list[str]:
    async with store.read() as conn:
        if conn.dialect.name == "sqlite":
            rows = await conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            )
            names = [r[0] for r in rows if not r[0].startswith("sqlite_")]
            return [n for n in names if not _is_fts_shadow(n, names)]
        rows = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        )
        return [r[0] for r in rows]


def _is_fts_shadow(name: str, names: list[str]) -> bool:
    return any(name.endswith(s) and name[: -len(s)] in names for s in _FTS_SHADOWS)


async def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """{table: sorted rows}, every column, as stored."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    names = await table_names(store)
    async with store.read() as conn:
        for name in names:
            rows = await conn.execute(text(f'SELECT * FROM "{name}"'))
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def find(
    tables: dict[str, list[tuple[Any, ...]]], needles: list[str]
) -> list[tuple[str, str, str]]:
    """(table, needle, the value) for every stored value containing a needle, ignoring case."""
    hits = []
    lowered = [n.lower() for n in needles]
    for name, rows in tables.items():
        for row in rows:
            for value in row:
                shown = str(value).lower() if value is not None else ""
                for needle, low in zip(needles, lowered, strict=True):
                    if low in shown:
                        hits.append((name, needle, str(value)[:200]))
    return hits
