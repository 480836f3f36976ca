"""Conversation references: the reverse lookup a mention needs (its `29:` id → the
person's Entra object id), kept in `adapter_state` beside the person's address."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import delete

from adapters.teams import ids
from adapters.teams.conversations import Conversations, PersonAddress, member_name
from bot.store.db import Store, open_store
from bot.store.models import AdapterState

pytestmark = pytest.mark.asyncio
TENANT = "3F1E7A52-8C4D-4B6E-A9F0-2D1C3B4A5E6F"
AAD = "0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e"


@pytest_asyncio.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    opened = await open_store(sqlite_url)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_remembered_person_is_found_by_their_teams_id(store: Store) -> None:
    teams_id = "29:1" + "a" * 120  # long, as Teams' are: the row's name still fits
    await Conversations(store).remember_person(
        ids.person(TENANT, AAD), PersonAddress(teams_id, "Ana", "https://smba/", TENANT)
    )
    fresh = Conversations(store)  # another process: from the database, not memory
    assert await fresh.object_id(TENANT, teams_id) == AAD
    assert await fresh.object_id(TENANT.lower(), teams_id) == AAD
    assert await fresh.object_id(TENANT, "29:someone-else") is None
    assert await fresh.object_id("another-tenant", teams_id) is None
    assert len(member_name(TENANT, "29:" + "x" * 400)) <= 200
    assert member_name(TENANT, teams_id).startswith(f"teams:{TENANT.lower()}:")


async def test_a_reference_deleted_behind_the_process_is_written_again_by_a_later_activity(
    store: Store,
) -> None:
    """`forget-me` or a purge deletes the rows in the database; what this process
    remembered is trusted only `kept_for`, so the person's next activity writes them again
    instead of being skipped as unchanged."""
    person = ids.person(TENANT, AAD)
    address = PersonAddress("29:ana", "Ana", "https://smba/", TENANT)
    references = Conversations(store, kept_for=0.0)
    await references.remember_person(person, address)
    async with store.write() as conn:
        await conn.execute(delete(AdapterState.__table__))
    assert await references.person(person) is None
    await references.remember_person(person, address)
    assert await Conversations(store).person(person) == address
