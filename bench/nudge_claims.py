"""Claim cost with a long history: 1,000,000 finished timer rows and 10,000 due.

Target (issue 5): claiming a batch of 1,000 due timers takes under 50 ms on SQLite and on
PostgreSQL.  The history is bulk-loaded (sqlite3 `executemany` in one transaction; asyncpg
`COPY` on PostgreSQL) so the setup takes seconds, then `bot.timers.claim_due` runs exactly
as `Processor.tick` runs it, batch after batch, until the due rows are gone.

    python -m bench.nudge_claims                      # SQLite in a temporary file
    python -m bench.nudge_claims --db-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python -m bench.nudge_claims --quick              # 100,000 history rows, 2,000 due

With a PostgreSQL URL a scratch database is created on that server and dropped afterwards.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text, update
from sqlalchemy.engine import make_url

from bench.common import emit, percentile
from bot import timers
from bot.store.db import open_store
from bot.store.models import Timer

TIMERS = Timer.__table__
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CHUNK = 50_000
COLUMNS = ["kind", "due_at", "status", "subject", "payload", "dedupe", "claimed_by", "done_at"]


@contextlib.asynccontextmanager
async def scratch_database(url: str | None) -> AsyncIterator[str]:
    """A fresh database URL: a temporary SQLite file, or a new database on the server of
    a PostgreSQL URL (dropped afterwards)."""
    if url is None or make_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="alsbot-bench-") as scratch:
            yield url or f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}"
        return
    import asyncpg

    parsed = make_url(url)
    admin = dict(
        user=parsed.username,
        password=parsed.password,
        host=parsed.host,
        port=parsed.port or 5432,
        database=parsed.database,
    )
    name = f"alsbot_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(**admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(**admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def history_rows(count: int, start: int = 0):
    """Finished nudges spread over the two years before NOW."""
    span = 2 * 365 * 24 * 3600
    for i in range(start, start + count):
        due = NOW - timedelta(seconds=3600 + (i * 7919) % span)
        yield (
            "nudge",
            due,
            "done",
            f"console:bench:p{i % 5000:05d}",
            "{}",
            f"hist:{i}",
            "bench",
            due,
        )


def due_rows(count: int):
    for i in range(count):
        yield (
            "nudge",
            NOW - timedelta(seconds=1 + i % 3600),
            "pending",
            f"console:bench:p{i % 5000:05d}",
            "{}",
            f"due:{i}",
            None,
            None,
        )


def _sqlite_text(row: tuple) -> tuple:
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    return tuple(v.astimezone(UTC).strftime(fmt) if isinstance(v, datetime) else v for v in row)


async def load(url: str, history: int, due: int) -> float:
    started = time.perf_counter()
    store = await open_store(url)  # the real schema, by the real migrations
    await store.close()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = sqlite3.connect(parsed.database or "")
        sql = f"INSERT INTO timers ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        with db:
            for offset in range(0, history, CHUNK):
                rows = history_rows(min(CHUNK, history - offset), offset)
                db.executemany(sql, (_sqlite_text(r) for r in rows))
            db.executemany(sql, (_sqlite_text(r) for r in due_rows(due)))
        db.execute("ANALYZE")
        db.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(
            user=parsed.username,
            password=parsed.password,
            host=parsed.host,
            port=parsed.port or 5432,
            database=parsed.database,
        )
        try:
            for offset in range(0, history, CHUNK):
                rows = list(history_rows(min(CHUNK, history - offset), offset))
                await conn.copy_records_to_table("timers", records=rows, columns=COLUMNS)
            await conn.copy_records_to_table("timers", records=list(due_rows(due)), columns=COLUMNS)
            await conn.execute("ANALYZE timers")
        finally:
            await conn.close()
    return time.perf_counter() - started


async def claim_all(url: str, batch: int) -> tuple[list[float], list[float], int]:
    """Claim batch after batch; each claimed batch is finished in the same transaction,
    as the tick does.  Returns (claim ms, whole transaction ms, rows claimed)."""
    store = await open_store(url, migrate=False)
    claim_ms: list[float] = []
    txn_ms: list[float] = []
    claimed = 0
    try:
        while True:
            began = time.perf_counter()
            async with store.write() as conn:
                before = time.perf_counter()
                due = await timers.claim_due(conn, now=NOW, worker="bench", limit=batch)
                claim_ms.append((time.perf_counter() - before) * 1000)
                if due:
                    await conn.execute(
                        update(TIMERS)
                        .where(TIMERS.c.id.in_([t.id for t in due]))
                        .values(status="done", done_at=NOW)
                    )
            txn_ms.append((time.perf_counter() - began) * 1000)
            claimed += len(due)
            if len(due) < batch:
                break
        async with store.read() as conn:
            plan = [
                " ".join(str(c) for c in row)
                for row in await conn.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT id FROM timers WHERE status = 'pending' "
                        "AND due_at <= '2026-06-01 12:00:00.000000' ORDER BY due_at, id LIMIT 1000"
                    )
                    if store.is_sqlite
                    else text(
                        "EXPLAIN SELECT id FROM timers WHERE status = 'pending' AND due_at <= "
                        "'2026-06-01 12:00:00+00' ORDER BY due_at, id LIMIT 1000 "
                        "FOR UPDATE SKIP LOCKED"
                    )
                )
            ]
        print(json.dumps({"plan": plan}), file=__import__("sys").stderr)
    finally:
        await store.close()
    return claim_ms[:-1] if len(claim_ms) > 1 else claim_ms, txn_ms, claimed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--history", type=int, default=None)
    parser.add_argument("--due", type=int, default=None)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    history = args.history if args.history is not None else (100_000 if args.quick else 1_000_000)
    due = args.due if args.due is not None else (2_000 if args.quick else 10_000)
    async with scratch_database(args.db_url) as url:
        load_seconds = await load(url, history, due)
        claim_ms, txn_ms, claimed = await claim_all(url, args.batch)
    full = [m for m in claim_ms]
    emit(
        {
            "bench": "nudge_claims",
            "database": make_url(url).get_backend_name(),
            "history_rows": history,
            "due_rows": due,
            "batch": args.batch,
            "batches": len(full),
            "claimed": claimed,
            "claim_ms": {
                "p50": round(percentile(full, 50), 2),
                "p95": round(percentile(full, 95), 2),
                "max": round(max(full), 2),
            },
            "transaction_ms_p50": round(percentile(txn_ms, 50), 2),
            "load_seconds": round(load_seconds, 1),
            "target_ms": 50,
            "ok": claimed == due and max(full) < 50,
        }
    )


if __name__ == "__main__":
    asyncio.run(main())
