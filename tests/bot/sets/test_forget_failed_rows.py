"""forget-me reaches the rows that went wrong too: an event whose handling failed and a
reply that could not be delivered keep the person's words and name until it runs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.store.models import Inbox, Outbox
from testkit.harness import Harness, u
from testkit.recording import always_fail
from tests.bot.dos.dos_helpers import make_set, msg, react

WORDS = "bxq what I said in the channel"


async def every(h: Harness, model: type[Inbox] | type[Outbox]) -> list[tuple[str, str, str]]:
    """(status, key or lane, body) of every row."""
    table = model.__table__
    name = table.c.key if model is Inbox else table.c.lane
    async with h.app.store.read() as conn:
        return [tuple(r) for r in await conn.execute(select(table.c.status, name, table.c.body))]


def naming_bob(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    bob = u("bob")
    return [r for r in rows if any(n in r[1] + r[2] for n in (bob.key, "bxq", f"<@{bob.id}>"))]


@pytest.mark.asyncio
async def test_forget_me_blanks_failed_inbox_and_outbox_rows(h: Harness) -> None:
    await make_set(h)
    # An event that fails: the database refuses the do bob's reaction would save.
    async with h.app.store.write() as conn:
        await conn.exec_driver_sql(
            "CREATE TRIGGER no_dos BEFORE INSERT ON dos BEGIN SELECT RAISE(ABORT, 'full'); END"
        )
    await react(h, "bob", msg(1), author="dave", text=WORDS, key="test:react:failed")
    async with h.app.store.write() as conn:
        await conn.exec_driver_sql("DROP TRIGGER no_dos")
    # A reply to bob that cannot be delivered, for good.
    h.outlet.fail = always_fail
    await h.cmd("bob", "join")
    h.outlet.fail = None

    inbox_before = [r for r in naming_bob(await every(h, Inbox)) if r[0] == "failed"]
    outbox_before = [r for r in naming_bob(await every(h, Outbox)) if r[0] == "failed"]
    assert [r[1] for r in inbox_before] == ["test:react:failed"] and WORDS in inbox_before[0][2]
    assert outbox_before, "the reply to /als join failed for good"

    await h.cmd("bob", "forget-me confirm")

    inbox_after = dict((key, (status, body)) for status, key, body in await every(h, Inbox))
    assert inbox_after["test:react:failed"] == ("failed", '{"kind": "forgotten"}'), (
        "the key stays (a late retry is still recognised), the words go"
    )
    assert [r for r in naming_bob(await every(h, Outbox)) if r[0] == "failed"] == []
    assert [r for r in naming_bob(await every(h, Inbox)) if r[0] != "pending"] == []
