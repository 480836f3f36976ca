"""Data rights end to end (issue 8, item 9): `export-me` is exactly a person's own rows, and
after `forget-me` no table, no column, holds their id, their key or anything they wrote —
except their actions' text, which the set keeps with no name on it (DESIGN §1, privacy.py).

Two people, bob and carol, have look-alike data in two sets: actions, updates, ratings,
questions asked in a round, do's written and saved, personal settings, memberships and
pending nudges. Every piece of bob's text carries the marker `bxq`, carol's `cyz`, so a
scan of every stored value can tell whose data is where.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.events import CommandInvoked
from bot.refs import ChannelRef
from bot.replies import File
from bot.store.models import (
    Action,
    Attendance,
    Do,
    Evaluation,
    Member,
    NetworkItem,
    OutcomeUpdate,
    Person,
    Round,
    Timer,
)
from testkit.harness import GENERAL, WS, Harness, private_to, u
from tests.bot.dos.dos_helpers import msg, react, rows
from tests.reliability.db_dump import dump, find

SECOND = ChannelRef(WS, "second")
BOB, CAROL = u("bob"), u("carol")
MARK = {"bob": "bxq", "carol": "cyz"}


@pytest_asyncio.fixture
async def h(any_db_url: str, clock) -> AsyncIterator[Harness]:
    harness = await Harness.open(any_db_url, clock)
    try:
        yield harness
    finally:
        await harness.close()


async def seed(h: Harness) -> None:
    """Both people in two sets, with every kind of row a person can have."""

    async def c(who: str, line: str, channel: ChannelRef = GENERAL) -> list[str]:
        return private_to(await h.cmd(who, line, channel=channel), who)

    await c("dave", "start", SECOND)
    await c("dave", "end", SECOND)
    for who in ("bob", "carol"):
        await c(who, "join", SECOND)
        assert "recorded" in (await c(who, f"action {MARK[who]}second call the funder", SECOND))[0]
        await c(who, f"update {MARK[who]}secondupdate the funder said maybe", SECOND)
    await c("alice", "start <@bob> <@carol>")
    await c("alice", "schedule 2026-02-09 10:00 every 4 weeks")
    for _ in range(3):
        await c("alice", "next")  # → questions for bob
    await h.say("carol", "cyzquestion what have you tried so far?")
    for _ in range(2):
        await c("alice", "next")  # → actions for bob
    await h.say("bob", "Phone the volunteer centre bxqaction")  # a commitment (issue 12)
    for _ in range(2):
        await c("alice", "next")  # → questions for carol
    await h.say("bob", "bxqquestion what would help most?")
    for _ in range(2):
        await c("alice", "next")  # → actions for carol
    await h.say("carol", "Draft the rota cyzaction")
    await c("alice", "next")  # → evaluation
    await h.say("bob", "4 bxqword")
    await h.say("carol", "5 cyzword")
    await c("alice", "next")  # → closed; nudges are planned for both presenters
    for who, zone in (("bob", "America/New_York"), ("carol", "Europe/Paris")):
        await c(who, f"update {MARK[who]}update they said yes")
        await c(who, f"settings my_timezone {zone}")
        await c(who, "settings quiet_hours 21:00-07:00")
    # Between sessions (issue 18): offers and wants proposed to others (bob's accepted by
    # both, carol's waiting), prompts they added, and a pairing a week after the session.
    await c("alice", "pairs on")
    await c("dave", "join")
    await c("bob", "offer bxqoffer I can coach new chairs of meetings #chairing")
    await c("dave", "want I'd like help chairing my first board meeting #chairing")
    await c("carol", "want cyzwant I'd like to learn the procurement rules #procurement")
    await c("alice", "offer I know the council procurement rules well #procurement")
    await h.wait(timedelta(hours=3))  # bob (New York, quiet until 07:00) is told at 08:00
    await h.press("bob", "Let's talk")
    await h.press("dave", "Let's talk")
    for who in ("bob", "carol"):
        await c(who, f"prompts add {MARK[who]}prompt What did you notice this week?")
    await h.wait(timedelta(days=8))  # the pairing, a week after the session closed
    await react(h, "carol", msg(901), author="bob", text="bxqdo Write the question down first")
    await react(h, "bob", msg(902), author="carol", text="cyzdo Ask before you advise")
    await react(h, "dave", msg(903), author="dave", text="Both saved this one")
    await react(h, "bob", msg(903), author="dave", text="Both saved this one")
    await react(h, "carol", msg(903), author="dave", text="Both saved this one")


async def export(h: Harness, who: str) -> dict[str, Any]:
    files = [r for r in await h.cmd(who, "export-me") if isinstance(r, File)]
    assert len(files) == 1 and files[0].user == u(who)
    return json.loads(files[0].content)


async def ids(h: Harness, model: Any, column: str, key: str) -> set[int]:
    return {r.id for r in await rows(h, model, model.__table__.c[column] == key)}


async def savers(h: Harness, key: str) -> set[int]:
    async with h.app.store.read() as conn:
        return {r.id for r in await conn.execute(select(Do.__table__)) if key in r.saved_by}


async def every_row(h: Harness, model: Any) -> list[Any]:
    """Every row, in no order (some tables have no `id` to order by, unlike `rows`)."""
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(model.__table__)))


async def pending_nudges(h: Harness, key: str) -> int:
    t = Timer.__table__
    return len(
        await rows(h, Timer, t.c.subject == key, t.c.status == "pending", t.c.kind == "nudge")
    )


@pytest.mark.asyncio
@pytest.mark.parametrize(("who", "other"), [("bob", "carol"), ("carol", "bob")])
async def test_export_me_is_exactly_my_own_rows(h: Harness, who: str, other: str) -> None:
    await seed(h)
    key = u(who).key
    data = await export(h, who)
    got = {section: {row["id"] for row in data[section]} for section in (
        "actions", "outcome_updates", "ratings", "presented", "dos_written", "dos_saved",
        "attendance", "offers_and_wants")}  # fmt: skip
    assert got == {
        "actions": await ids(h, Action, "owner_key", key),
        "outcome_updates": await ids(h, OutcomeUpdate, "user_key", key),
        "ratings": await ids(h, Evaluation, "user_key", key),
        "presented": await ids(h, Round, "presenter_key", key),
        "dos_written": await ids(h, Do, "author_key", key),
        "dos_saved": await savers(h, key),
        "attendance": await ids(h, Attendance, "user_key", key),
        "offers_and_wants": await ids(h, NetworkItem, "author_key", key),
    }
    assert len(got["offers_and_wants"]) == 1
    assert len(data["pairs"]) == 1 and len(data["prompts_added"]) == 1
    assert len(got["attendance"]) == 1, "they spoke in the round: one row for the session"
    assert len(got["actions"]) == 2 and len(got["outcome_updates"]) == 2, "both sets are in it"
    assert {m["id"] for m in data["memberships"]} == await ids(h, Member, "user_key", key)
    assert [p["user_key"] for p in data["preferences"]] == [key]
    assert {p["user_key"] for p in data["preferences"]} == {
        r.user_key for r in await every_row(h, Person) if r.user_key == key
    }
    everything = json.dumps(data, ensure_ascii=False)
    assert u(other).key not in everything, f"{who}'s export names {other}"
    # The one text of the other's allowed: a do they wrote that this person saved (the
    # set's shared toolkit); who wrote it is not said.
    shared = {do["text"] for do in data["dos_saved"]}
    without_shared = json.dumps({k: v for k, v in data.items() if k != "dos_saved"})
    assert MARK[other] not in without_shared, f"{who}'s export holds {other}'s words"
    assert shared == {
        f"{MARK[other]}do Ask before you advise"
        if who == "bob"
        else "bxqdo Write the question down first",
        "Both saved this one",
    }
    for text in (f"{MARK[who]}action", f"{MARK[who]}update", f"{MARK[who]}word", f"{MARK[who]}do",
                 f"{MARK[who]}prompt"):  # fmt: skip
        assert text in everything


@pytest.mark.asyncio
async def test_forget_me_leaves_nothing_of_the_person_and_keeps_the_others(h: Harness) -> None:
    await seed(h)
    await h.app.settle()
    carol_before = await export(h, "carol")
    before = await dump(h.app.store)
    assert find(before, ["bxq"]) and await pending_nudges(h, BOB.key) >= 2
    carol_nudges = await pending_nudges(h, CAROL.key)
    assert carol_nudges >= 2

    await h.app.handle(
        CommandInvoked(key="forget:42", user=BOB, channel=GENERAL, text="forget-me confirm")
    )
    await h.app.settle()
    after = await dump(h.app.store)

    kept_actions = {r.text for r in await every_row(h, Action) if r.owner_key is None}
    assert kept_actions == {"bxqsecond call the funder", "Phone the volunteer centre bxqaction"}
    confirmation = [r for r in after["outbox"] if "forget:42" in [str(v) for v in r]]
    assert len(confirmation) == 1, "the reply to forget-me is sent after it"
    assert "Done: alsbot has forgotten you" in str(confirmation[0])
    # That one reply is to bob, so it names him (its body, and its lane: his private one).
    to_bob = {str(v) for v in confirmation[0]}
    leftovers = [
        (table, needle, value)
        for table, needle, value in find(after, [BOB.key, "bob", "bxq"])
        if not (table == "actions" and value in kept_actions)
        and not (table == "outbox" and any(v.startswith(value) for v in to_bob))
    ]
    assert leftovers == [], "\n".join(map(str, leftovers))
    assert await pending_nudges(h, BOB.key) == 0
    assert await pending_nudges(h, CAROL.key) == carol_nudges, "carol's nudges are untouched"
    # The do bob wrote goes (privacy.py: "do's they wrote"), so carol no longer saved it;
    # everything else of hers is exactly as it was.
    carol_before["dos_saved"] = [
        d for d in carol_before["dos_saved"] if not d["text"].startswith("bxq")
    ]
    assert len(carol_before["dos_saved"]) == 1
    assert await export(h, "carol") == carol_before, "carol's data is exactly as it was"

    def carols(tables: dict[str, Any]) -> Counter[tuple[str, str]]:
        skip = ("inbox", "outbox")  # bookkeeping: bob's events named carol too
        return Counter((t, n) for t, n, _ in find(tables, [CAROL.key, "cyz"]) if t not in skip)

    gone = carols(before) - carols(after)
    assert gone == Counter({("dos", CAROL.key): 1}), (
        "of carol's stored values only her save of bob's (deleted) do went"
    )
    assert not carols(after) - carols(before)
