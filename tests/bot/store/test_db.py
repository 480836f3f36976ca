"""Storage on real databases: migrations, round-trips, and concurrent writers."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, select

from bot.store.db import open_store
from bot.store.migrate import alembic_config, include_name
from bot.store.models import Action, Base, Set


@pytest.mark.asyncio
async def test_migrations_build_exactly_the_models(any_db_url: str) -> None:
    store = await open_store(any_db_url)
    try:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert await store.revision() == head
        async with store.read() as conn:
            # include_name leaves out only the search objects SQLAlchemy cannot model
            # (FTS5 `dos_fts*` on SQLite, the GIN expression index `dos_fts_gin`).
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": include_name}),
                    Base.metadata,
                )
            )
        assert diff == []
        await store.upgrade()  # idempotent
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_round_trip_keeps_values_and_aware_times(any_db_url: str) -> None:
    store = await open_store(any_db_url)
    moment = datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC)
    try:
        async with store.write() as conn:
            set_id = (
                await conn.execute(
                    insert(Set.__table__).values(
                        workspace_key="slack:T1",
                        channel_key="slack:T1:C1",
                        timezone="Europe/London",
                        settings={"do_threshold": 2, "nested": ["x", "ü"]},
                        created_at=moment,
                    )
                )
            ).inserted_primary_key[0]
            await conn.execute(
                insert(Action.__table__).values(
                    set_id=set_id,
                    owner_key="slack:T1:U1",
                    text="Ask three volunteers 🙂",
                    due=date(2026, 4, 1),
                    status="open",
                    created_at=moment,
                    updated_at=moment,
                )
            )
        async with store.read() as conn:
            s = (await conn.execute(select(Set.__table__))).one()
            a = (await conn.execute(select(Action.__table__))).one()
        assert s.settings == {"do_threshold": 2, "nested": ["x", "ü"]}
        assert s.created_at == moment and s.created_at.tzinfo is not None
        assert a.text == "Ask three volunteers 🙂" and a.due == date(2026, 4, 1)
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_naive_datetimes_are_refused(store) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with store.write() as conn:
            await conn.execute(
                insert(Set.__table__).values(
                    workspace_key="w",
                    channel_key="c",
                    timezone="UTC",
                    settings={},
                    created_at=datetime(2026, 1, 1),
                )
            )


@pytest.mark.asyncio
async def test_32_concurrent_writers_lose_nothing(any_db_url: str) -> None:
    store = await open_store(any_db_url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        async with store.write() as conn:
            set_id = (
                await conn.execute(
                    insert(Set.__table__).values(
                        workspace_key="w",
                        channel_key="w:c",
                        timezone="UTC",
                        settings={},
                        created_at=now,
                    )
                )
            ).inserted_primary_key[0]

        async def writer(n: int) -> None:
            for i in range(25):
                async with store.write() as conn:
                    await conn.execute(
                        insert(Action.__table__).values(
                            set_id=set_id,
                            owner_key=f"w:u{n}",
                            text=f"{n}-{i}",
                            status="open",
                            created_at=now,
                            updated_at=now,
                        )
                    )

        await asyncio.gather(*(writer(n) for n in range(32)))
        async with store.read() as conn:
            count = (
                await conn.execute(select(func.count()).select_from(Action.__table__))
            ).scalar_one()
            texts = {r[0] for r in await conn.execute(select(Action.__table__.c.text))}
        assert count == 32 * 25
        assert len(texts) == 32 * 25
    finally:
        await store.close()


def test_a_database_migrated_by_a_newer_alsbot_is_one_clear_refusal(tmp_path) -> None:
    """An older alsbot on a newer schema (code rolled back, data not restored) used to stop
    with Alembic's "Can't locate revision" traceback; now one line says what to undo."""
    import sqlite3
    import subprocess
    import sys

    from bot.store.migrate import NewerSchema

    path = tmp_path / "alsbot.db"
    url = f"sqlite+aiosqlite:///{path}"

    async def open_and_close() -> None:
        store = await open_store(url)
        await store.close()

    asyncio.run(open_and_close())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(NewerSchema, match="schema revision 0099.*newer alsbot"):
        asyncio.run(open_and_close())
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "db", "upgrade", "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("✗ the database is at schema revision 0099")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
