"""slack_sdk's installation and state stores over alsbot's database, and the workspaces
they serve (`adapters.slack.installations`), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
import sqlalchemy
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from adapters.slack.client import patient_client
from adapters.slack.installations import InstallationStore, InstalledWorkspaces, StateStore
from adapters.slack.translate import BotIdentity
from bot.clock import FakeClock
from bot.store.db import Store, open_store
from testkit.slack.oauth_grants import CLIENT_ID, CLIENT_SECRET
from testkit.slack.web_api import SlackWebApi

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def sqlite_store(store: Store) -> Store:
    """Tests of the cache and the refresh, which do not depend on the database."""
    return store


@pytest_asyncio.fixture
async def db(any_db_url: str) -> AsyncIterator[Store]:
    s = await open_store(any_db_url)
    try:
        yield s
    finally:
        await s.close()


def _installation(team: str, *, at: float = 1_767_225_600.0, **extra: object) -> Installation:
    fields: dict[str, object] = {
        "app_id": "A0ALSBOT",
        "team_id": team,
        "team_name": f"Team {team}",
        "bot_token": f"xoxb-{team}",
        "bot_id": f"B{team}",
        "bot_user_id": f"U{team}",
        "bot_scopes": "commands,chat:write",
        "user_id": "UINSTALLER",
        "installed_at": at,
    }
    return Installation(**{**fields, **extra})  # type: ignore[arg-type]


def _shape(table: sqlalchemy.Table) -> dict[str, tuple[str, int | None, bool]]:
    return {
        c.name: (type(c.type).__name__, getattr(c.type, "length", None), bool(c.nullable))
        for c in table.columns
    }


async def test_slack_sdk_s_stores_run_on_the_migration_s_tables(db: Store) -> None:
    """One database per run (a PostgreSQL one costs seconds to make): the tables' shapes,
    then installations, then states."""
    await _tables_are_slack_sdk_s_shapes(db)
    await _save_find_and_forget_through_slack_sdk_s_own_code(db)
    await _a_state_is_used_once_and_not_after_it_expires(db)


async def _tables_are_slack_sdk_s_shapes(db: Store) -> None:
    """Column names, types, lengths and nullability as slack_sdk 3.48 builds them."""
    wanted = sqlalchemy.MetaData()
    tables = [
        SQLAlchemyInstallationStore.build_installations_table(wanted, "slack_installations"),
        SQLAlchemyInstallationStore.build_bots_table(wanted, "slack_bots"),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(wanted, "slack_oauth_states"),
    ]

    def reflect(sync: sqlalchemy.Connection) -> sqlalchemy.MetaData:
        found = sqlalchemy.MetaData()
        found.reflect(sync, only=[t.name for t in tables])
        return found

    async with db.read() as conn:
        found = await conn.run_sync(reflect)
    for table in tables:
        have = found.tables[table.name]
        mine = {
            name: (_generic(kind), length, nullable)
            for name, (kind, length, nullable) in _shape(have).items()
        }
        assert mine == _shape(table), table.name
        assert {i.name for i in have.indexes} == {i.name for i in table.indexes}


def _generic(kind: str) -> str:
    """A reflected type's generic name (PostgreSQL reflects VARCHAR, TIMESTAMP, BOOLEAN)."""
    return {
        "VARCHAR": "String",
        "INTEGER": "Integer",
        "TIMESTAMP": "DateTime",
        "DATETIME": "DateTime",
        "BOOLEAN": "Boolean",
    }.get(kind, kind)


async def _save_find_and_forget_through_slack_sdk_s_own_code(db: Store) -> None:
    store = InstallationStore(db, CLIENT_ID)
    await store.async_save(_installation("T1"))
    await store.async_save(_installation("T2"))
    await store.async_save(_installation("T1", at=1_767_225_700.0))  # installed again
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-T1" and found.user_id == "UINSTALLER"
    assert found.installed_at == 1_767_225_700.0
    bot = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_user_id == "UT2"
    assert await store.count_workspaces() == 2
    other_app = InstallationStore(db, "9999.9999")
    assert await other_app.async_find_bot(enterprise_id=None, team_id="T1") is None

    assert await store.forget_team("T1") == 4  # two installations, two bot rows
    assert await store.async_find_installation(enterprise_id=None, team_id="T1") is None
    assert await store.latest_bot("T1", None) is None
    assert await store.latest_bot("T2", None) is not None
    await store.async_delete_all(enterprise_id=None, team_id="T2")  # slack_sdk's own
    assert await store.count_workspaces() == 0


async def _a_state_is_used_once_and_not_after_it_expires(db: Store) -> None:
    states = StateStore(db)
    state = await states.async_issue()
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False, "a state is good for one install"
    assert await states.async_consume("made-up") is False
    old = StateStore(db, expiration_seconds=-1)
    assert await states.async_consume(await old.async_issue()) is False
    # Several processes on PostgreSQL: one state, consumed at once, lets one through.
    state = await states.async_issue()
    answers = await asyncio.gather(*(states.async_consume(state) for _ in range(4)))
    assert sorted(answers) == [False, False, False, True]


async def test_find_answers_from_memory_and_sees_changes_after_a_while(
    sqlite_store: Store, clock: FakeClock
) -> None:
    store = InstallationStore(sqlite_store, CLIENT_ID)
    workspaces = InstalledWorkspaces(
        store, client_secret=CLIENT_SECRET, client=patient_client(None, None), clock=clock
    )
    assert await workspaces.find("T1") is None
    await store.async_save(_installation("T1"))
    found = await workspaces.find("T1")
    assert found is not None
    assert found.identity == BotIdentity("T1", "UT1", "BT1") and found.token == "xoxb-T1"
    await store.async_delete_all(enterprise_id=None, team_id="T1")  # another process
    assert await workspaces.find("T1") == found, "from memory, no query"
    clock.advance(timedelta(minutes=6))
    assert await workspaces.find("T1") is None

    await store.async_save(_installation("T2"))
    assert await workspaces.find("T2") is not None
    await workspaces.forget("T2")
    assert await workspaces.find("T2") is None
    assert await store.count_workspaces() == 0


async def test_an_expiring_token_is_refreshed_once_however_many_ask(
    sqlite_store: Store, clock: FakeClock, web_api: SlackWebApi
) -> None:
    web_api.grants.rotation = True
    client = patient_client(None, web_api.url)
    code = web_api.grants.approve(
        f"https://slack.com/oauth/v2/authorize?client_id={CLIENT_ID}&scope=commands"
        "&redirect_uri=https://alsbot.example.org/slack/oauth_redirect",
        team_id="T1",
    ).split("code=")[1]
    answer = await client.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code
    )
    expires = clock.now() + timedelta(minutes=2)  # within the five minutes before expiry
    store = InstallationStore(sqlite_store, CLIENT_ID)
    await store.async_save(
        _installation(
            "T1",
            bot_token=answer["access_token"],
            bot_refresh_token=answer["refresh_token"],
            bot_token_expires_at=int(expires.timestamp()),
        )
    )
    workspaces = InstalledWorkspaces(store, client_secret=CLIENT_SECRET, client=client, clock=clock)
    found = await asyncio.gather(*(workspaces.find("T1") for _ in range(6)))

    refreshes = [c for c in web_api.calls_to("oauth.v2.access") if c.args.get("grant_type")]
    assert len(refreshes) == 1
    assert refreshes[0].args["refresh_token"] == answer["refresh_token"]
    tokens = {w.token for w in found if w is not None}
    assert len(tokens) == 1 and tokens != {answer["access_token"]}
    (token,) = tokens
    assert token.startswith("xoxe.xoxb-") and token in web_api.grants.tokens
    # Saved: another process (a new cache) finds the new token, which is not expiring.
    again = InstalledWorkspaces(store, client_secret=CLIENT_SECRET, client=client, clock=clock)
    assert (await again.find("T1")).token == token  # type: ignore[union-attr]
    saved = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert saved is not None and saved.bot_token == token
    assert saved.bot_token_expires_at == int(clock.now().timestamp()) + web_api.grants.expires_in
    assert len([c for c in web_api.calls_to("oauth.v2.access") if c.args.get("grant_type")]) == 1


async def test_a_refused_refresh_keeps_the_old_token_and_tries_again_later(
    sqlite_store: Store, clock: FakeClock, web_api: SlackWebApi
) -> None:
    store = InstallationStore(sqlite_store, CLIENT_ID)
    expires = clock.now() + timedelta(minutes=1)
    await store.async_save(
        _installation(
            "T1", bot_refresh_token="xoxe-1-unknown", bot_token_expires_at=int(expires.timestamp())
        )
    )
    workspaces = InstalledWorkspaces(
        store, client_secret=CLIENT_SECRET, client=patient_client(None, web_api.url), clock=clock
    )
    found = await workspaces.find("T1")
    assert found is not None and found.token == "xoxb-T1"
    assert [c.error for c in web_api.calls_to("oauth.v2.access")] == ["invalid_refresh_token"]
    await workspaces.find("T1")
    assert len(web_api.calls_to("oauth.v2.access")) == 2
