"""`/als dos export` (issue 14, point 12): the outbox keeps a small description of the file,
never its body; the file is made at delivery and arrives whole; a person gets one export at
a time and `PER_HOUR` an hour, refused privately with when they can try again."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import func, insert, select, update

from bot.dos import export_file
from bot.events import CommandInvoked
from bot.replies import Ephemeral, File, Reply, reply_from_json
from bot.store.models import Do, Outbox, Set
from testkit.harness import GENERAL, Harness, u
from tests.bot.dos.dos_helpers import make_set
from tests.bot.dos.test_export import parse_html

OUTBOX = Outbox.__table__


@pytest_asyncio.fixture
async def h(any_db_url: str, clock) -> AsyncIterator[Harness]:
    """The harness on SQLite and on PostgreSQL: the limit is a query on either."""
    harness = await Harness.open(any_db_url, clock)
    try:
        yield harness
    finally:
        await harness.close()


async def insert_dos(h: Harness, n: int, text: str = "Ask what they have tried") -> int:
    """`n` saved do's written straight into the set's table: a storage test, not capture."""
    async with h.app.store.read() as conn:
        set_id = (await conn.execute(select(Set.__table__.c.id))).scalar_one()
    now = h.clock.now()
    rows = [
        {
            "set_id": set_id,
            "text": f"{text} #{i % 7} ({i})",
            "norm_text": f"{text} {i}".lower(),
            "author_key": "console:local:bob",
            "saved_by": ["console:local:carol"],
            "tags": [str(i % 7)],
            "status": "saved",
            "created_at": now - timedelta(minutes=i),
        }
        for i in range(n)
    ]
    async with h.app.store.write() as conn:
        await conn.execute(insert(Do.__table__), rows)
    return set_id


async def outbox_bodies(h: Harness) -> list[str]:
    async with h.app.store.read() as conn:
        return [r[0] for r in await conn.execute(select(OUTBOX.c.body).order_by(OUTBOX.c.id))]


def files(replies: list[Reply]) -> list[File]:
    return [r for r in replies if isinstance(r, File)]


def private_texts(replies: list[Reply], who: str) -> list[str]:
    return [r.text.plain() for r in replies if isinstance(r, Ephemeral) and r.user.id == who]


@pytest.mark.asyncio
async def test_the_file_is_made_at_delivery_and_its_body_never_stored(h: Harness) -> None:
    await make_set(h)
    await insert_dos(h, 600, "A tip long enough to make the page weigh something " * 3)
    [page] = files(await h.cmd("erin", "dos export html"))
    assert page.user is not None and page.user.id == "erin"
    assert len(parse_html(page.content.decode()).found) == 600, "every do, once"
    [table] = files(await h.cmd("frank", "dos export csv"))
    assert len(list(csv.DictReader(io.StringIO(table.content.decode())))) == 600

    bodies = await outbox_bodies(h)
    asked = [reply_from_json(b) for b in bodies if '"file_request"' in b]
    assert len(asked) == 2, "each export is a small request in the outbox"
    assert max(len(b) for b in bodies) < 2_000, "no file body is ever written to the database"
    assert len(page.content) > 200_000


@pytest.mark.asyncio
async def test_do_s_removed_before_delivery_are_not_in_the_file(h: Harness) -> None:
    await make_set(h)
    set_id = await insert_dos(h, 3)
    await h.app.submit(
        CommandInvoked(key=h.key(), user=u("erin"), channel=GENERAL, text="dos export md")
    )
    await h.app.process_pending()  # asked for, not yet delivered
    async with h.app.store.write() as conn:
        await conn.execute(
            update(Do.__table__).where(Do.__table__.c.set_id == set_id).values(status="removed")
        )
    await h.app.settle()
    out = h.new()
    assert files(out) == []
    assert private_texts(out, "erin") == [export_file.NOTHING]


@pytest.mark.asyncio
async def test_a_second_export_while_one_is_being_made_is_refused_privately(h: Harness) -> None:
    await make_set(h)
    await insert_dos(h, 20)
    for who in ("erin", "erin", "frank"):
        await h.app.submit(
            CommandInvoked(key=h.key(), user=u(who), channel=GENERAL, text="dos export")
        )
    await h.app.settle()
    out = h.new()
    assert [f.user.id for f in files(out) if f.user] == ["erin", "frank"], "one each"
    [refusal] = private_texts(out, "erin")
    assert refusal.startswith("Your last export is still being made")
    assert not any(isinstance(r, File) and r.user is None for r in out), "nothing public"

    for _ in range(export_file.PER_HOUR - 1):  # erin's first counted; four more this hour
        h.clock.advance(timedelta(minutes=5))
        assert len(files(await h.cmd("erin", "dos export csv"))) == 1
    h.clock.advance(timedelta(minutes=10))  # 30 minutes after the first
    out = await h.cmd("erin", "dos export csv")
    assert files(out) == []
    assert private_texts(out, "erin") == [
        "You've exported the do's 5 times in the last hour; you can export again in 30 minutes."
    ]
    assert len(files(await h.cmd("frank", "dos export csv"))) == 1, "the limit is erin's"
    h.clock.advance(timedelta(minutes=30))
    assert len(files(await h.cmd("erin", "dos export csv"))) == 1


@pytest.mark.asyncio
async def test_the_limit_is_counted_from_the_database(h: Harness, any_db_url: str, clock) -> None:
    """A restarted process (no memory of earlier exports) still refuses the sixth."""
    await make_set(h)
    await insert_dos(h, 2)
    for _ in range(export_file.PER_HOUR):
        assert len(files(await h.cmd("erin", "dos export md"))) == 1
    await h.close()
    again = await Harness.open(any_db_url, clock)
    try:
        event = CommandInvoked(
            key="after-restart", user=u("erin"), channel=GENERAL, text="dos export"
        )
        await again.app.handle(event)  # a fresh harness counts its keys from 1 again
        out = again.new()
        assert files(out) == [] and "you can export again in" in private_texts(out, "erin")[0]
        async with again.app.store.read() as conn:
            requests = (
                await conn.execute(
                    select(func.count()).where(OUTBOX.c.handle == export_file.handle_of(u("erin")))
                )
            ).scalar_one()
        assert requests == export_file.PER_HOUR
    finally:
        await again.close()
