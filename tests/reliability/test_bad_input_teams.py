"""Malformed and unexpected Teams activities through the real `POST /api/messages`.

One running bot (`serve_teams` behind the SDK's JWT check, on the Bot Connector stand-in)
takes the whole corpus of `teams_shapes.py`: every payload builder, the shapes Microsoft
documents that alsbot does not act on, hand-picked oddities, and each of them with every
field removed in turn and replaced by wrong types, huge and odd strings. Each is signed
as the Bot Framework signs (unsigned requests are the ingress tests' business).

For each: the answer is a clean 2xx or 4xx — never a 5xx (Teams would retry it for ever)
and never a traceback — and the inbox gains exactly the events `translate` makes of it
(none for what is not for the core). The core is not running while the corpus is sent,
so no other table may change but the conversation references (`adapter_state`, which any
activity refreshes). Afterwards the core processes every event recorded: each must be
`done`, none `failed`; every stored name and key fits its PostgreSQL column.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select, table

from adapters.forms import asked_by
from adapters.teams.fields import bot_ids
from adapters.teams.listener import LOOKUPS_PER_ACTIVITY
from adapters.teams.service import serve_teams
from adapters.teams.translate import Resolved, translate
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.events import CommandInvoked, Event
from bot.store.models import AdapterState, Inbox
from testkit.config import START_OF_TESTS
from testkit.teams.connector import BotConnector
from tests.reliability import teams_shapes as shapes
from tests.reliability.db_dump import table_names

pytestmark = pytest.mark.asyncio

INBOX, STATE = Inbox.__table__, AdapterState.__table__
# PostgreSQL's columns: inbox.key, adapter_state.name, user/channel keys, message keys.
KEY_ROOM, NAME_ROOM, REF_ROOM, MESSAGE_ROOM = 300, 200, 300, 400
MAX_BODY = 256 * 1024  # the ingress refuses more (413)


@dataclass
class Bot:
    bf: BotConnector
    app: Alsbot
    url: str
    cast: shapes.Cast


@pytest_asyncio.fixture
async def bot(any_db_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    """SQLite, and PostgreSQL when the tests have one: it refuses what a column cannot hold."""
    async with BotConnector() as bf:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", bf.ca_path)
        env = {"ALSBOT_DATABASE_URL": any_db_url}
        config = dataclasses.replace(
            load_config(None, env), teams=bf.teams_config(), secrets=bf.secrets()
        )
        app = await Alsbot.open(config, clock=FakeClock(START_OF_TESTS))
        stop = await serve_teams(app, config)
        cast = shapes.Cast(bf.tenant_id, bf.service_url, bf.client_id)
        for member in (cast.ana, cast.bob):
            assert member.aad is not None
            bf.add_member(member.aad, member.name, id=member.teams_id)
        try:
            yield Bot(bf, app, f"http://127.0.0.1:{stop.port}/api/messages", cast)
        finally:
            await stop()
            await app.close()


async def counts(app: Alsbot) -> dict[str, int]:
    out = {}
    async with app.store.read() as conn:
        for name in await table_names(app.store):
            out[name] = (
                await conn.execute(select(func.count()).select_from(table(name)))
            ).scalar_one()
    return out


async def inbox_since(app: Alsbot, last: int) -> list[tuple[int, str]]:
    async with app.store.read() as conn:
        rows = await conn.execute(
            select(INBOX.c.id, INBOX.c.key).where(INBOX.c.id > last).order_by(INBOX.c.id)
        )
        return [(int(r.id), str(r.key)) for r in rows]


def expected_keys(activity: Any, client_id: str) -> tuple[set[str], list[Event]]:
    """The inbox keys the listener should record: translate's events, but for a command
    that opens a form instead (it goes to the person's 1:1 chat, not the inbox)."""
    if not isinstance(activity, dict):
        return set(), []
    events = translate(activity, Resolved(bot_ids(activity, client_id), {}))
    recorded = [
        e for e in events if not (isinstance(e, CommandInvoked) and asked_by(e.text) is not None)
    ]
    return {e.key for e in recorded}, events


def too_long(event: Event) -> bool:
    if len(event.key) > KEY_ROOM:
        return True
    for names, room in (
        (("user", "channel", "author"), REF_ROOM),
        (("message", "thread"), MESSAGE_ROOM),
    ):
        for name in names:
            ref = getattr(event, name, None)
            if ref is not None and len(ref.key) > room:
                return True
    return False


async def run_corpus(bot: Bot, cases: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Send each case; the problems found (empty when all is well)."""
    problems: list[str] = []
    before = await counts(bot.app)
    seen: set[str] = set()
    last = max((i for i, _ in await inbox_since(bot.app, 0)), default=0)
    statuses: dict[int, int] = {}
    for name, activity in cases:
        try:
            want, events = expected_keys(activity, bot.bf.client_id)
        except Exception as error:  # translate must never raise
            problems.append(f"{name}: translate raised {error!r}")
            want, events = set(), []
        for event in events:
            if too_long(event):
                problems.append(f"{name}: an event's key or ref is too long for its column")
        status, body = await bot.bf.send(bot.url, activity)
        statuses[status] = statuses.get(status, 0) + 1
        shown = json.dumps(body) if not isinstance(body, str) else body
        if status >= 500 or not 200 <= status < 500:
            problems.append(f"{name}: answered {status} {shown[:200]}")
        if "Traceback" in (shown or "") or 'File "' in (shown or ""):
            problems.append(f"{name}: a traceback in the answer")
        new = await inbox_since(bot.app, last)
        last = new[-1][0] if new else last
        got = {key for _, key in new}
        if status < 300 and got != want - seen:
            problems.append(
                f"{name}: inbox got {sorted(got)[:3]}, translate made {sorted(want)[:3]}"
            )
        if status >= 300 and got:
            problems.append(f"{name}: refused ({status}) yet recorded {sorted(got)[:3]}")
        seen |= got
    after = await counts(bot.app)
    changed = {
        t: (before.get(t), n)
        for t, n in after.items()
        if before.get(t) != n and t not in ("inbox", "adapter_state")
    }
    if changed:
        problems.append(f"tables written by the listener: {changed}")
    problems += await stored_names_fit(bot.app)
    problems += await every_event_is_done(bot.app)
    print(f"{len(cases)} activities, statuses {statuses}, {len(seen)} events")
    print("\n".join(f"PROBLEM {p}" for p in problems))
    return problems


async def stored_names_fit(app: Alsbot) -> list[str]:
    async with app.store.read() as conn:
        names = [str(r[0]) for r in await conn.execute(select(STATE.c.name))]
    return [f"adapter_state name of {len(n)} characters" for n in names if len(n) > NAME_ROOM]


async def every_event_is_done(app: Alsbot) -> list[str]:
    await app.process_pending()
    async with app.store.read() as conn:
        rows = await conn.execute(
            select(INBOX.c.key, INBOX.c.status, INBOX.c.error).where(INBOX.c.status != "done")
        )
        return [f"event {r.key[:80]} is {r.status}: {(r.error or '')[:200]}" for r in rows]


def _fits(cases: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Bodies the ingress takes (over 256 KB is a 413, checked once in `test_odd_shapes`)."""
    return [(n, a) for n, a in cases if shapes.size_of(a) <= MAX_BODY]


async def test_every_builder_and_documented_shape_is_answered_cleanly(bot: Bot) -> None:
    bases = shapes.built(bot.cast) + shapes.documented(bot.cast)
    cases = [(n, shapes.fresh_ids(a)) for n, a in bases]
    problems = await run_corpus(bot, cases)
    assert problems == [], "\n".join(problems)
    got = await inbox_since(bot.app, 0)
    assert len(got) >= 12, "the builders' own activities are events (a sound corpus)"


async def test_odd_shapes_are_answered_cleanly(bot: Bot) -> None:
    cases = shapes.odd(bot.cast)
    too_big = [(n, a) for n, a in cases if shapes.size_of(a) > MAX_BODY]
    assert too_big, "one case is over the ingress's limit"
    for name, activity in too_big:
        status, _ = await bot.bf.send(bot.url, activity)
        assert status == 413, name
    problems = await run_corpus(bot, _fits(cases))
    assert problems == [], "\n".join(problems)


async def test_each_field_removed_or_mistyped_is_answered_cleanly(bot: Bot) -> None:
    bases = shapes.built(bot.cast) + shapes.documented(bot.cast)[:16]
    cases = _fits([m for name, base in bases for m in shapes.mutations(name, base)])
    assert len(cases) > 1000
    if bot.app.store.dialect == "postgresql":
        # Every other case (each kind of mutation still many times over): PostgreSQL is here
        # for what its columns refuse, and the whole corpus runs on SQLite.
        cases = cases[::2]
    assert await run_corpus(bot, cases) == []


async def test_a_form_that_cannot_reach_its_person_is_answered_cleanly(bot: Bot) -> None:
    """`offer` with no words opens its form in the person's 1:1 chat: when Teams refuses
    that chat for good (the person blocked the bot), a retry of the activity cannot help,
    so the answer is not a 5xx."""
    c = bot.cast
    bot.bf.fail(403, path=r"/v3/conversations$", count=None, code="ConversationBlockedByUser")
    carla = shapes.p.person("Carla Cruz")
    status, body = await bot.bf.send(bot.url, shapes.p.command(c.place, carla, "offer", to=c.bot))
    assert 200 <= status < 500, body
    stranger = shapes.p.Member("8:orgid:x", "Dee", shapes.p.object_id())  # no 29: id kept
    status, body = await bot.bf.send(
        bot.url, shapes.p.command(c.place, stranger, "offer", to=c.bot)
    )
    assert 200 <= status < 500, body


async def test_thousands_of_mentions_do_not_hold_the_answer(bot: Bot) -> None:
    """Each unknown mention is a connector lookup: 2,000 of them took over 5 s on loopback
    (minutes on a real network, past Teams' wait, then retried). A few are looked up."""
    c = bot.cast
    entities = [
        {
            "type": "mention",
            "text": f"<at>P{n}</at>",
            "mentioned": {"id": f"29:1p{n}", "name": f"P{n}"},
        }
        for n in range(2000)
    ]
    said = "<at>alsbot</at> start " + " ".join(f"<at>P{n}</at>" for n in range(2000))
    activity = shapes.p.message(
        c.place, c.ana, said, to=c.bot, entities=[shapes.p.mention(c.bot), *entities]
    )
    status, _ = await bot.bf.send(bot.url, activity)
    assert status == 200
    assert len([x for x in bot.bf.calls if x.op == "get_member"]) <= LOOKUPS_PER_ACTIVITY
