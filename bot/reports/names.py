"""People's names for the web pages: what their platform shows, never a platform id.

A page anyone with the link can read must not carry `U024BE7LH` or a snowflake (an id is a
handle for finding someone, and it means nothing to a reader).  So each person shown is
named by their platform (`bot.ports.NameDirectory`: Slack's display name, Discord's global
name), and the answer is kept in `display_names` for `[web] name_cache_days`, so a page
read a hundred times asks the platform once.

Only the missing and stale names are asked for, `AT_ONCE` at a time, and the whole asking
has `ASK_SECONDS`: a slow or failing platform makes a page say "A member" (or the name it
gave last time), never wait on it, never show an id.  Failures are not cached, so the next
page asks again.  `forget-me` deletes a person's row (`bot.sets.privacy`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from bot.ports import NameDirectory
from bot.refs import Platform, UserRef
from bot.store.db import Store
from bot.store.models import DisplayName

log = logging.getLogger(__name__)
NAMES = DisplayName.__table__
UNNAMED = "A member"  # anyone the platform would not name in time: never their id
ASK_SECONDS = 3.0  # the platform's whole allowance for one page
AT_ONCE = 4  # requests to the platform in flight for one page
LONGEST = 80  # characters of a name shown (the column holds 200)

DirectoryOf = Callable[[Platform], NameDirectory | None]


def clean(name: str | None) -> str | None:
    """A name as shown: one line, spaces collapsed, at most `LONGEST` characters."""
    if not isinstance(name, str):
        return None
    value = " ".join(name.split())
    if len(value) > LONGEST:
        value = value[: LONGEST - 1].rstrip() + "…"
    return value or None


async def names_for(
    store: Store,
    directory_of: DirectoryOf,
    user_keys: Iterable[str],
    *,
    now: datetime,
    max_age: timedelta,
    ask_seconds: float = ASK_SECONDS,
    at_once: int = AT_ONCE,
) -> dict[str, str]:
    """{user key: the name to show} for every key given; `UNNAMED` for anyone unnamed."""
    keys = list(dict.fromkeys(k for k in user_keys if k))
    if not keys:
        return {}
    async with store.read() as conn:
        rows = await conn.execute(
            select(NAMES.c.user_key, NAMES.c.name, NAMES.c.fetched_at).where(
                NAMES.c.user_key.in_(keys)
            )
        )
        cached = {r.user_key: (r.name, r.fetched_at) for r in rows}
    fresh = {k: name for k, (name, at) in cached.items() if now - at < max_age}
    learnt = await ask(directory_of, [k for k in keys if k not in fresh], ask_seconds, at_once)
    if learnt:
        await _remember(store, learnt, now)
    return {
        key: fresh.get(key) or learnt.get(key) or (cached[key][0] if key in cached else UNNAMED)
        for key in keys
    }


async def ask(
    directory_of: DirectoryOf, keys: list[str], seconds: float, at_once: int
) -> dict[str, str]:
    """The names the platforms gave within `seconds`; the rest are left out."""
    if not keys:
        return {}
    gate = asyncio.Semaphore(at_once)

    async def one(key: str) -> str | None:
        try:
            user = UserRef.from_key(key)
        except ValueError:
            return None
        directory = directory_of(user.workspace.platform)
        if directory is None:
            return None
        async with gate:
            try:
                return clean(await directory.display_name(user))
            except Exception as error:  # unknown is "A member"; the page still shows
                log.warning("could not ask for a display name: %s", type(error).__name__)
                return None

    tasks = {asyncio.ensure_future(one(key)): key for key in keys}
    done, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if pending:
        log.info("%d display names did not come within %g s", len(pending), seconds)
    return {tasks[t]: name for t in done if (name := t.result()) is not None}


async def _remember(store: Store, learnt: dict[str, str], now: datetime) -> None:
    rows = [{"user_key": k, "name": name, "fetched_at": now} for k, name in learnt.items()]
    try:
        async with store.write() as conn:
            await conn.execute(_upsert(conn.dialect.name), rows)
    except Exception as error:  # a name not kept is asked for again; the page still shows
        log.warning("could not keep display names: %s", type(error).__name__)


def _upsert(dialect: str) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(NAMES)
    return statement.on_conflict_do_update(
        index_elements=[NAMES.c.user_key],
        set_={"name": statement.excluded.name, "fetched_at": statement.excluded.fetched_at},
    )
