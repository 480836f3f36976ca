"""Workspaces installed through OAuth, kept in alsbot's own database.

slack_sdk's SQLAlchemy installation and state stores run unchanged over alsbot's `Store`:
they only ever call `engine.begin()` / `engine.connect()` as async context managers and
`conn.execute(statement, params)` / `result.mappings()`, which `Store.write()` and
`Store.read()` provide on both databases (on SQLite through `loop_sqlite`, one writer at a
time).  So there is one database, one backup and one `alsbot db upgrade`: the tables are
migration 0010's, never `create_tables()`.

`InstalledWorkspaces` is the `Workspaces` of OAuth mode.  It answers from memory (a request
must be acknowledged within 3 s, and every request asks), re-reads a workspace every few
minutes so that another process's install, reinstall or refresh is seen, and refreshes a
rotating token shortly before it expires — once per workspace however many requests ask
at that moment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
    SQLAlchemyInstallationStore,
)
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import BotIdentity
from adapters.slack.workspaces import Workspace
from bot.clock import Clock
from bot.store.db import Store

log = logging.getLogger(__name__)
STATE_SECONDS = 600  # an "Add to Slack" link is good for ten minutes (Bolt's default)
REFRESH_BEFORE = timedelta(minutes=5)  # refresh a rotating token this long before it expires
RECHECK = timedelta(minutes=5)  # re-read a workspace from the database this often


class StoreEngine:
    """The two methods of an `AsyncEngine` that slack_sdk's stores call, over `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Any]:
        async with self.store.write() as conn:
            yield conn

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Any]:
        async with self.store.read() as conn:
            yield conn


class InstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's store on alsbot's database (tables `slack_installations`, `slack_bots`)."""

    def __init__(self, store: Store, client_id: str) -> None:
        super().__init__(client_id=client_id, engine=StoreEngine(store))  # type: ignore[arg-type]

    async def latest_bot(self, team_id: str | None, enterprise_id: str | None) -> Bot | None:
        """The newest bot install serving `team_id`: the workspace's own (whatever
        enterprise it belongs to: an event may name its team alone), else an org-wide
        install of `enterprise_id`."""
        c = self.bots.c
        mine = sqlalchemy.and_(c.client_id == self.client_id, c.bot_token.is_not(None))
        wheres = []
        if team_id:
            wheres.append(sqlalchemy.and_(mine, c.team_id == team_id))
        if enterprise_id:
            wheres.append(
                sqlalchemy.and_(mine, c.enterprise_id == enterprise_id, c.team_id.is_(None))
            )
        async with self.engine.connect() as conn:
            for where in wheres:
                query = self.bots.select().where(where).order_by(sqlalchemy.desc(c.installed_at))
                result = await conn.execute(query.limit(1))
                for row in result.mappings():
                    return SQLAlchemyInstallationStore.build_bot_entity(row)
        return None

    async def forget_team(self, team_id: str, enterprise_id: str | None = None) -> int:
        """Delete every installation and bot row of `team_id` (or, with no team, of the
        org-wide install of `enterprise_id`) in one transaction; how many rows went."""
        gone = 0
        async with self.engine.begin() as conn:
            for table in (self.installations, self.bots):
                c = table.c
                where = sqlalchemy.and_(c.client_id == self.client_id, c.team_id == team_id)
                if not team_id:
                    where = sqlalchemy.and_(
                        c.client_id == self.client_id,
                        c.enterprise_id == enterprise_id,
                        c.team_id.is_(None),
                    )
                result = await conn.execute(table.delete().where(where))
                gone += result.rowcount or 0
        return gone

    async def count_workspaces(self) -> int:
        """How many workspaces (or org-wide installs) have a bot installed now."""
        c = self.bots.c
        key = sqlalchemy.func.coalesce(c.team_id, c.enterprise_id)
        query = sqlalchemy.select(sqlalchemy.func.count(sqlalchemy.distinct(key))).where(
            c.client_id == self.client_id, c.bot_token.is_not(None)
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar() or 0)


class StateStore(AsyncSQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth state store on alsbot's database (table `slack_oauth_states`).

    `async_consume` is one `DELETE … RETURNING`: slack_sdk's own reads the row and then
    deletes it, and two processes on PostgreSQL could both read it before either deleted
    it, letting one state be used twice."""

    def __init__(self, store: Store, expiration_seconds: int = STATE_SECONDS) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=StoreEngine(store))  # type: ignore[arg-type]

    async def async_consume(self, state: str) -> bool:
        now = normalize_datetime_for_db(datetime.now(tz=UTC))
        c = self.oauth_states.c
        statement = (
            self.oauth_states.delete().where(c.state == state, c.expire_at > now).returning(c.id)
        )
        try:
            async with self.engine.begin() as conn:
                return (await conn.execute(statement)).first() is not None
        except Exception as error:  # a database that cannot answer refuses the state
            log.warning("could not check an OAuth state: %s", type(error).__name__)
            return False


@dataclass
class _Known:
    bot: Bot
    read_at: datetime


class InstalledWorkspaces:
    """`Workspaces` for OAuth mode: every installed workspace, each with its own token."""

    def __init__(
        self,
        installations: InstallationStore,
        *,
        client_secret: str,
        client: AsyncWebClient,
        clock: Clock,
        refresh_before: timedelta = REFRESH_BEFORE,
        recheck: timedelta = RECHECK,
    ) -> None:
        """`client` answers `oauth.v2.access` (`[slack] api_base_url`), for refreshes."""
        self.installations = installations
        self.client_secret = client_secret
        self.client = client
        self.clock = clock
        self.refresh_before = refresh_before
        self.recheck = recheck
        self._known: dict[tuple[str | None, str | None], _Known] = {}
        self._locks: dict[tuple[str | None, str | None], asyncio.Lock] = {}

    async def find(self, team_id: str | None, enterprise_id: str | None = None) -> Workspace | None:
        key = (team_id, enterprise_id)
        now = self.clock.now()
        known = self._known.get(key)
        if known is None or now - known.read_at >= self.recheck:
            bot = await self.installations.latest_bot(team_id, enterprise_id)
            if bot is None:
                self._known.pop(key, None)
                return None
            known = self._known[key] = _Known(bot, now)
        if self._expiring(known.bot):
            known = await self._refresh(key) or known
        return _workspace(known.bot, team_id)

    async def forget(self, team_id: str, enterprise_id: str | None = None) -> None:
        gone = await self.installations.forget_team(team_id, enterprise_id)
        for key in [
            k for k in self._known if k[0] == team_id or (not team_id and k[1] == enterprise_id)
        ]:
            del self._known[key]
        log.info("Slack workspace %s forgotten: %d installation rows deleted", team_id, gone)

    def _expiring(self, bot: Bot) -> bool:
        if bot.bot_token_expires_at is None or not bot.bot_refresh_token:
            return False
        limit = (self.clock.now() + self.refresh_before).timestamp()
        return bool(bot.bot_token_expires_at <= limit)

    async def _refresh(self, key: tuple[str | None, str | None]) -> _Known | None:
        """One refresh at a time per workspace: those who waited find it done.  Another
        process may have refreshed it already, so the database is read first."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            known = self._known.get(key)
            if known is not None and not self._expiring(known.bot):
                return known
            bot = await self.installations.latest_bot(*key)
            if bot is None:
                self._known.pop(key, None)
                return None
            if self._expiring(bot):
                bot = await self._rotated(bot) or bot
            known = self._known[key] = _Known(bot, self.clock.now())
            return known

    async def _rotated(self, bot: Bot) -> Bot | None:
        """`oauth.v2.access` with the refresh token; the new token saved, in the bot row
        and in the installation row it came from.  None when Slack refused: the old token
        is used until it expires, and the next request tries again."""
        try:
            answer = await self.client.oauth_v2_access(
                client_id=self.installations.client_id,
                client_secret=self.client_secret,
                grant_type="refresh_token",
                refresh_token=bot.bot_refresh_token,
            )
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            log.warning("Slack refused to refresh the token of %s (%s)", bot.team_id, code)
            return None
        except Exception as error:  # unreachable: the same, later
            log.warning("could not refresh the token of %s: %s", bot.team_id, type(error).__name__)
            return None
        if answer.get("token_type") != "bot" or not answer.get("access_token"):
            log.warning("Slack's refresh for %s gave no bot token", bot.team_id)
            return None
        fresh = Bot(**bot.to_dict_for_copying())
        fresh.bot_token = answer["access_token"]
        fresh.bot_refresh_token = answer.get("refresh_token") or bot.bot_refresh_token
        fresh.bot_token_expires_at = int(self.clock.now().timestamp()) + int(answer["expires_in"])
        installation = await self.installations.async_find_installation(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            is_enterprise_install=bot.is_enterprise_install,
        )
        if installation is not None and installation.installed_at == bot.installed_at:
            installation.bot_token = fresh.bot_token
            installation.bot_refresh_token = fresh.bot_refresh_token
            installation.bot_token_expires_at = fresh.bot_token_expires_at
            await self.installations.async_save(installation)  # the bot row with it
        else:
            await self.installations.async_save_bot(fresh)
        log.info("refreshed the bot token of Slack workspace %s", bot.team_id)
        return fresh


def _workspace(bot: Bot, team_id: str | None) -> Workspace:
    team = bot.team_id or team_id or bot.enterprise_id or ""
    return Workspace(
        BotIdentity(team, bot.bot_user_id, bot.bot_id), bot.bot_token, bot.enterprise_id
    )
