"""`Lean` runs a statement on SQLite's own cursor: the same rows, types, counts and errors
as SQLAlchemy's `execute`, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy import event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.dos import statements as q
from bot.store.db import Store, open_store
from bot.store.lean import Lean, LeanResult
from bot.store.models import Inbox
from bot.store.models import Set as SetRow

SETS = SetRow.__table__
WHEN = datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=UTC)


@pytest_asyncio.fixture
async def db(any_db_url: str) -> AsyncIterator[Store]:
    store = await open_store(any_db_url)
    async with store.write() as conn:
        await conn.execute(
            insert(SETS),
            {
                "workspace_key": "slack:T1",
                "channel_key": "slack:T1:C1",
                "timezone": "Europe/London",
                "settings": {"do_emoji": "star", "do_threshold": 2},
                "created_at": WHEN,
            },
        )
    try:
        yield store
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_the_rows_and_their_types_are_sqlalchemys(db: Store) -> None:
    params = {"b_channel_key": "slack:T1:C1", "b_message_key": "slack:T1:C1:1.0"}
    async with db.read() as conn:
        expected = (await conn.execute(q.SET_AND_SOURCE, params)).first()
        got = (await Lean(q.SET_AND_SOURCE).run(conn, params)).first()
    assert got is not None and expected is not None
    assert tuple(got) == tuple(expected)
    assert got.settings == {"do_emoji": "star", "do_threshold": 2}  # JSON, decoded
    assert got.created_at == WHEN and got.created_at.tzinfo is not None  # UTC, aware
    assert got.source_status is None


@pytest.mark.asyncio
async def test_bound_values_are_processed_and_returning_works(db: Store) -> None:
    lean = Lean(insert(SETS).returning(SETS.c.id, SETS.c.created_at))
    row = {
        "workspace_key": "slack:T1",
        "channel_key": "slack:T1:C2",
        "timezone": "UTC",
        "settings": {"a": [1, 2]},
        "created_at": WHEN,
    }
    async with db.write() as conn:
        made = (await lean.run(conn, row)).one()
    assert made.created_at == WHEN
    async with db.read() as conn:
        stored = (await conn.execute(select(SETS).where(SETS.c.id == made.id))).one()
    assert stored.settings == {"a": [1, 2]} and stored.created_at == WHEN


@pytest.mark.asyncio
async def test_a_failure_is_sqlalchemys_error_and_rolls_back(db: Store) -> None:
    lean = Lean(insert(SETS))
    duplicate = {
        "workspace_key": "slack:T1",
        "channel_key": "slack:T1:C1",  # unique: already there
        "timezone": "UTC",
        "settings": {},
        "created_at": WHEN,
    }
    with pytest.raises(IntegrityError):
        async with db.write() as conn:
            await conn.execute(insert(SETS), {**duplicate, "channel_key": "slack:T1:C9"})
            await lean.run(conn, duplicate)
    async with db.read() as conn:
        keys = set((await conn.execute(select(SETS.c.channel_key))).scalars())
    assert keys == {"slack:T1:C1"}  # the statement before it went too


@pytest.mark.asyncio
async def test_listeners_see_every_statement_and_a_read_begins_its_transaction(
    sqlite_url: str,
) -> None:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement.split()[0])

    event.listen(Engine, "before_cursor_execute", count)
    store = await open_store(sqlite_url)
    try:
        seen.clear()
        async with store.read() as conn:
            result = await q.LEAN_REACTORS.run(conn, {"b_message_key": "m"})
            assert conn.sync_connection.in_transaction()
        assert isinstance(result, LeanResult) and list(result) == []
        assert seen == ["BEGIN", "SELECT"]
    finally:
        event.remove(Engine, "before_cursor_execute", count)
        await store.close()


@pytest.mark.asyncio
async def test_a_columns_plain_default_is_filled_in_as_sqlalchemy_would(db: Store) -> None:
    inbox = Inbox.__table__
    lean = Lean(insert(inbox).returning(inbox.c.attempts))  # `attempts` defaults to 0
    row = {"key": "k1", "body": "{}", "status": "pending", "received_at": WHEN}
    async with db.write() as conn:
        assert (await lean.run(conn, row)).scalar() == 0
