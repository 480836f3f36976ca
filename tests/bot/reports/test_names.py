"""People's names for the web pages: asked of the platform once, kept for `max_age`, asked
again when stale; a platform that fails, hangs or is absent gives "A member" (or the name
it gave before), never a platform id; `forget-me` deletes the name and `export-me` shows it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.clock import FakeClock
from bot.ports import NameDirectory
from bot.refs import Platform, UserRef, WorkspaceRef
from bot.replies import File
from bot.reports.names import UNNAMED, DirectoryOf, names_for
from bot.store.db import Store, open_store
from bot.store.models import DisplayName
from testkit.config import START_OF_TESTS
from testkit.harness import Harness, u

pytestmark = pytest.mark.asyncio
SLACK = WorkspaceRef(Platform.SLACK, "T1")
ADA = UserRef(SLACK, "U0ADA")
BEN = UserRef(SLACK, "U0BEN")
WEEK = timedelta(days=7)


class Directory:
    """A platform's names, as the adapters' sources give them: counted, and able to fail."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.asked: list[str] = []
        self.fail = False
        self.hang = False
        self.in_flight = 0
        self.most_in_flight = 0

    async def display_name(self, user: UserRef) -> str | None:
        self.asked.append(user.id)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # let the others start: the cap is what limits them
            if self.hang:
                await asyncio.Event().wait()
            if self.fail:
                raise ConnectionError("the platform is down")
            return self.names.get(user.id)
        finally:
            self.in_flight -= 1


def of(directory: NameDirectory | None) -> DirectoryOf:
    return lambda platform: directory if platform is Platform.SLACK else None


@pytest_asyncio.fixture
async def db(any_db_url: str) -> AsyncIterator[Store]:
    store = await open_store(any_db_url)
    try:
        yield store
    finally:
        await store.close()


async def cached(store: Store) -> dict[str, str]:
    async with store.read() as conn:
        rows = await conn.execute(select(DisplayName.__table__))
        return {r.user_key: r.name for r in rows}


async def test_a_name_is_asked_once_then_read_from_the_cache(db: Store) -> None:
    platform = Directory({"U0ADA": "Ada Lovelace", "U0BEN": "Ben"})
    now = START_OF_TESTS
    first = await names_for(db, of(platform), [ADA.key, BEN.key, ADA.key], now=now, max_age=WEEK)
    assert first == {ADA.key: "Ada Lovelace", BEN.key: "Ben"}
    assert sorted(platform.asked) == ["U0ADA", "U0BEN"]
    assert await cached(db) == first

    later = now + timedelta(days=6)
    again = await names_for(db, of(platform), [ADA.key, BEN.key], now=later, max_age=WEEK)
    assert again == first and len(platform.asked) == 2  # no second question


async def test_a_stale_name_is_asked_again_and_replaced(db: Store) -> None:
    platform = Directory({"U0ADA": "Ada"})
    await names_for(db, of(platform), [ADA.key], now=START_OF_TESTS, max_age=WEEK)
    platform.names["U0ADA"] = "Ada L."
    stale = START_OF_TESTS + WEEK + timedelta(minutes=1)
    assert await names_for(db, of(platform), [ADA.key], now=stale, max_age=WEEK) == {
        ADA.key: "Ada L."
    }
    assert platform.asked == ["U0ADA", "U0ADA"]
    assert await cached(db) == {ADA.key: "Ada L."}
    async with db.read() as conn:
        fetched = (await conn.execute(select(DisplayName.__table__.c.fetched_at))).scalar_one()
    assert fetched == stale


async def test_a_failing_platform_gives_no_id(db: Store) -> None:
    platform = Directory({"U0ADA": "Ada"})
    platform.fail = True
    names = await names_for(db, of(platform), [ADA.key], now=START_OF_TESTS, max_age=WEEK)
    assert names == {ADA.key: UNNAMED}
    assert "U0ADA" not in json.dumps(list(names.values())) and await cached(db) == {}  # not kept

    platform.fail = False  # the next page asks again
    names = await names_for(db, of(platform), [ADA.key], now=START_OF_TESTS, max_age=WEEK)
    assert names == {ADA.key: "Ada"}


async def test_when_asking_again_fails_the_name_given_before_stays(db: Store) -> None:
    platform = Directory({"U0ADA": "Ada"})
    await names_for(db, of(platform), [ADA.key], now=START_OF_TESTS, max_age=WEEK)
    platform.fail = True
    stale = START_OF_TESTS + timedelta(days=30)
    assert await names_for(db, of(platform), [ADA.key], now=stale, max_age=WEEK) == {ADA.key: "Ada"}


async def test_a_platform_that_hangs_costs_only_the_time_limit(db: Store) -> None:
    platform = Directory({"U0ADA": "Ada"})
    platform.hang = True
    names = await asyncio.wait_for(
        names_for(db, of(platform), [ADA.key], now=START_OF_TESTS, max_age=WEEK, ask_seconds=0.05),
        timeout=5,
    )
    assert names == {ADA.key: UNNAMED}
    assert platform.in_flight == 0  # the question was cancelled, not left running


async def test_no_directory_or_no_name_or_a_strange_key_is_a_member(db: Store) -> None:
    platform = Directory({})
    discord = UserRef(WorkspaceRef(Platform.DISCORD, "1"), "80351110224678912")
    keys = [ADA.key, discord.key, "not a key", "nowhere:x:y"]
    names = await names_for(db, of(platform), keys, now=START_OF_TESTS, max_age=WEEK)
    assert names == dict.fromkeys(keys, UNNAMED)
    assert platform.asked == ["U0ADA"]  # only the platform that has a directory is asked


async def test_names_are_asked_a_few_at_a_time_and_tidied(db: Store) -> None:
    people = {f"U{n:04d}": f"  Person \n {n} " for n in range(12)}
    people["U0LONG"] = "x" * 300
    platform = Directory(people)
    keys = [UserRef(SLACK, p).key for p in people]
    names = await names_for(db, of(platform), keys, now=START_OF_TESTS, max_age=WEEK, at_once=3)
    assert platform.most_in_flight == 3
    assert names[UserRef(SLACK, "U0007").key] == "Person 7"
    long = names[UserRef(SLACK, "U0LONG").key]
    assert len(long) == 80 and long.endswith("…")


async def test_forget_me_deletes_the_name_and_export_me_shows_it(
    sqlite_url: str, clock: FakeClock
) -> None:
    h = await Harness.open(sqlite_url, clock)
    try:
        await h.cmd("alice", "setup")
        await h.cmd("bob", "join")
        platform = Directory({"bob": "Bob Builder", "alice": "Alice"})
        directory_of: DirectoryOf = lambda _platform: platform  # noqa: E731
        keys = [u("bob").key, u("alice").key]
        await names_for(h.app.store, directory_of, keys, now=clock.now(), max_age=WEEK)

        exported = [r for r in await h.cmd("bob", "export-me") if isinstance(r, File)]
        data = json.loads(exported[0].content)
        assert [row["name"] for row in data["display_name"]] == ["Bob Builder"]

        await h.cmd("bob", "forget-me confirm")
        assert await cached(h.app.store) == {u("alice").key: "Alice"}
    finally:
        await h.close()
