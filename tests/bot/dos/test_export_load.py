"""Ten HTML exports of a 20,000-do toolkit through a running `Alsbot` on SQLite (issue 14,
point 12).  Before: the database grew by ~100 MB (94 MB of base64 in outbox bodies, kept for
a day), and events submitted while the files were rendered waited up to 0.8–2 s for their
acknowledgement.  Now: the outbox holds a few hundred bytes per export, acknowledgements stay
under half a second, and every file still arrives whole."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.app import Alsbot
from bot.events import CommandInvoked
from bot.replies import File
from bot.store.models import Do, Outbox, Set
from testkit.config import make_config
from testkit.harness import GENERAL, u
from testkit.recording import CONSOLE, RecordingOutlet
from tests.bot.dos.test_export import parse_html

DOS = 20_000
EXPORTS = 10
TIP = "Ask what they have already tried before offering an idea of your own, then wait"


def database_bytes(path: Path) -> int:
    """The file's size with the write-ahead log folded in, so two readings compare."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


async def outbox_body_bytes(app: Alsbot) -> int:
    """The outbox's bodies, leaving out the `/als help` answers people asked for meanwhile:
    their size follows the command list, not the exports this test is about."""
    outbox = Outbox.__table__
    body = outbox.c.body
    async with app.store.read() as conn:
        return int(
            (
                await conn.execute(
                    select(func.coalesce(func.sum(func.length(body)), 0)).where(
                        ~outbox.c.cause.like("h%")
                    )
                )
            ).scalar_one()
        )


@pytest.mark.reliability
@pytest.mark.asyncio
async def test_ten_exports_of_20000_dos_store_nothing_and_keep_acks_fast(
    tmp_path: Path, clock
) -> None:
    path = tmp_path / "alsbot.db"
    config = make_config(f"sqlite+aiosqlite:///{path}")
    app = await Alsbot.open(config, clock=clock)
    outlet = RecordingOutlet(platform=CONSOLE.platform)
    app.attach(outlet)
    await app.handle(
        CommandInvoked(
            key="setup", user=u("alice"), channel=GENERAL, text="facilitator add <@alice>"
        )
    )
    async with app.store.write() as conn:
        set_id = (await conn.execute(select(Set.__table__.c.id))).scalar_one()
        await conn.execute(
            insert(Do.__table__),
            [
                {
                    "set_id": set_id,
                    "text": f"{TIP} #{i % 12} ({i})",
                    "norm_text": f"{TIP} {i}".lower(),
                    "author_key": "console:local:bob",
                    "saved_by": ["console:local:carol"],
                    "tags": [str(i % 12)],
                    "status": "saved",
                    "created_at": clock.now() - timedelta(minutes=i),
                }
                for i in range(DOS)
            ],
        )
    await app.close()
    bytes_before = database_bytes(path)

    app = await Alsbot.open(config, clock=clock)
    app.attach(outlet)
    bodies_before = await outbox_body_bytes(app)
    await app.start()
    acks: list[float] = []
    busy_acks = 0
    try:
        for n in range(EXPORTS):
            who = u(f"member{n}")
            await app.submit(
                CommandInvoked(key=f"x{n}", user=who, channel=GENERAL, text="dos export html")
            )
            for m in range(5):  # people carry on while the files are made
                started = time.perf_counter()
                await app.submit(
                    CommandInvoked(key=f"h{n}.{m}", user=u("zed"), channel=GENERAL, text="help")
                )
                acks.append(time.perf_counter() - started)
                busy_acks += sum(isinstance(d.reply, File) for d in outlet.sent) < EXPORTS
                await asyncio.sleep(0.05)
        deadline = time.perf_counter() + 90
        while len([d for d in outlet.sent if isinstance(d.reply, File)]) < EXPORTS:
            assert time.perf_counter() < deadline, "the files did not all arrive"
            await asyncio.sleep(0.05)
        await app.stop()
        bodies_after = await outbox_body_bytes(app)
    finally:
        await app.close()
    bytes_after = database_bytes(path)

    pages = [d.reply for d in outlet.sent if isinstance(d.reply, File)]
    assert sorted(p.user.id for p in pages if p.user) == sorted(
        f"member{n}" for n in range(EXPORTS)
    )
    assert len(parse_html(pages[-1].content.decode()).found) == DOS, "the file arrives whole"
    assert busy_acks >= 40, "acknowledgements were measured while files were outstanding"
    grown = (bodies_after - bodies_before, bytes_after - bytes_before)
    assert grown[0] < 100_000, f"outbox bodies grew by {grown[0]:,} bytes"
    assert grown[1] < 2_000_000, f"the database grew by {grown[1]:,} bytes"
    assert max(acks) < 0.5, f"slowest acknowledgement {max(acks):.3f} s"
