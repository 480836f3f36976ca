"""HTTP mode's fast path for `event_callback` answers as Bolt's dispatch did (issue 16).

Two bots behind their real HTTP endpoints, each with its own Web API stand-in and SQLite
file: one as `start_slack` builds it (events take the fast path, `event_callbacks`), one
with the fast path taken out (every request through Bolt's `async_dispatch`, as before).
The same signed requests go to both — every event shape of the payload corpus, sound
events, the shapes that reach each branch of Bolt's middleware, and a few hundred seeded
mutations — and each must get the same status, body and content type from both, and
leave the same inbox rows and `adapter_state` rows behind.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.slack.event_callbacks import EventCallbacks
from bot.clock import FakeClock
from bot.events import Event
from bot.reply_handles import Handle
from bot.store.file_guard import StoreUnavailable
from bot.store.models import AdapterState, Inbox
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import CORPUS, CORPUS_EVENTS, SECRET, SET, SlackWorld

TS = "1767225601.000100"


@pytest_asyncio.fixture
async def bolt_world(tmp_path: Path, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    """The same bot, every request through Bolt (the fast path taken out)."""
    async with SlackWebApi() as api:
        db = f"sqlite+aiosqlite:///{tmp_path / 'bolt-only.db'}"
        world = await SlackWorld.open(api, db, FakeClock(clock.now()))
        assert world.service.http is not None
        world.service.http.events = None
        try:
            yield world
        finally:
            await world.close()


def fast_path(world: SlackWorld) -> EventCallbacks:
    assert world.service.http is not None
    events = world.service.http.events
    assert isinstance(events, EventCallbacks), "start_slack gives the server the fast path"
    return events


class Dispatches:
    """Counts Bolt's `async_dispatch` calls (a thin wrapper around the real one)."""

    def __init__(self, world: SlackWorld) -> None:
        assert world.service.http is not None
        bolt = world.service.http.bolt
        self.calls = 0
        real: Callable[[Any], Awaitable[Any]] = bolt.async_dispatch

        async def counted(request: Any) -> Any:
            self.calls += 1
            return await real(request)

        bolt.async_dispatch = counted  # type: ignore[method-assign]


async def post(world: SlackWorld, raw: str, headers: dict[str, str]) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(world.service.url, data=raw.encode(), headers=headers) as response,
    ):
        return response.status, await response.text(), response.headers.get("Content-Type", "")


async def rows(world: SlackWorld) -> tuple[set[tuple[str, str]], set[str]]:
    """The inbox (key and stored event) and the adapter_state names."""
    inbox, state = Inbox.__table__, AdapterState.__table__
    async with world.bot.store.read() as conn:
        events = (await conn.execute(select(inbox.c.key, inbox.c.body))).all()
        names = (await conn.execute(select(state.c.name))).scalars().all()
    return {(k, b) for k, b in events}, set(names)


# ---------------------------------------------------------------------- the cases


def sound_events() -> list[dict[str, Any]]:
    """Envelopes the bot acts on, each with its own event id."""
    thread = sign.message_event(user="UBOB", channel=SET, text="hi <@UALICE> &amp; <!here>",
                                ts="1767225601.000200", thread_ts=TS)  # fmt: skip
    dm = sign.message_event(user="UBOB", channel="DBOB", text="update", ts="1767225601.000300",
                            channel_type="im")  # fmt: skip
    dm_thread = sign.message_event(user="UBOB", channel="DBOB", text="more", channel_type="im",
                                   ts="1767225601.000400", thread_ts="1767225601.000300")  # fmt: skip
    added = sign.reaction_event("reaction_added", user="UBOB", reaction="white_check_mark",
                                channel=SET, ts=TS, item_user="UALICE")  # fmt: skip
    removed = sign.reaction_event("reaction_removed", user="UBOB", reaction="+1::skin-tone-2",
                                  channel=SET, ts=TS)  # fmt: skip
    home = {"type": "app_home_opened", "user": "UBOB", "tab": "home", "channel": "DBOB"}
    shared = sign.shared_envelope(
        sign.message_event(user="UBOB", channel=SET, text="from afar", ts="1767225601.000500"),
        event_id="Ev0SHARED",
    )
    events = [thread, dm, dm_thread, added, removed, home]
    return [sign.event_envelope(e, event_id=f"Ev0SOUND{i}") for i, e in enumerate(events)] + [
        shared
    ]


def edge_cases() -> list[tuple[str, str, dict[str, str]]]:
    """(name, raw body, extra headers) reaching each branch of Bolt's chain."""
    base = sign.event_envelope(
        sign.message_event(user="UBOB", channel=SET, text="x", ts=TS), event_id="Ev0EDGE"
    )

    def env(event: Any, **top: Any) -> dict[str, Any]:
        return {**base, "event": event, **top}

    own_message = {**base["event"], "user": "UBOT", "bot_id": "BBOT"}
    bot_id_only = {k: v for k, v in own_message.items() if k != "user"}
    assistant = {"type": "message", "channel_type": "im", "thread_ts": TS, "channel_id": "DBOB",
                 "user": "UBOB", "ts": TS}  # fmt: skip
    cases: dict[str, Any] = {
        "ssl_check in an event": env(base["event"], ssl_check="1"),
        "the bot opens its home": env({"type": "app_home_opened", "user": "UBOT", "tab": "home"}),
        "the bot's own message": env(own_message),
        "a message with the bot's bot_id only": env(bot_id_only),
        "the bot reacts": env(sign.reaction_event("reaction_added", user="UBOT", reaction="eyes",
                                                  channel=SET, ts=TS)),
        "the bot joins a channel": env({"type": "member_joined_channel", "user": "UBOT",
                                        "channel": SET}),
        "tokens revoked": env({"type": "tokens_revoked", "user": "UBOT"}),
        "no event": {k: v for k, v in base.items() if k != "event"},
        "event is a string": env("type"),
        "event is a list": env(["type"]),
        "event without a type": env({"user": "UBOB"}),
        "event type is a number": env({"type": 5}),
        "event type is empty": env({"type": ""}),
        "authorizations is a string": env(base["event"], authorizations="x"),
        "authorizations hold a string": env(base["event"], authorizations=["x"]),
        "the event's user is a number": env({**base["event"], "user": 5}),
        "the envelope's user is a number": env(base["event"], user=5),
        "the envelope's channel is a number": env(base["event"], channel=7),
        "two response_urls": env(base["event"], response_urls=[{}, {}]),
        "an assistant event without a channel": env(assistant),
        "an assistant thread with a bad thread": env({"type": "assistant_thread_started",
                                                      "channel": "DBOB",
                                                      "assistant_thread": "x"}),
        "a shared channel": env(base["event"], is_ext_shared_channel=True, enterprise_id="E1"),
        "an unknown event type": env({"type": "team_join", "user": {"id": "UNEW"}}),
        "not an event_callback": {**base, "type": "something_else"},
        "url_verification": {"type": "url_verification", "challenge": "abc", "token": "t"},
        "app_rate_limited": {"type": "app_rate_limited", "team_id": sign.TEAM,
                             "minute_rate_limited": 1767225600, "api_app_id": sign.APP},
    }  # fmt: skip
    out = []
    for n, (name, body) in enumerate(cases.items()):
        if isinstance(body, dict) and "event_id" in body:  # each its own inbox row if kept
            body = {**body, "event_id": f"Ev0EDGE{n}"}
        out.append((name, json.dumps(body), {}))
    out += [
        ("JSON after a space", " " + json.dumps({**base, "event_id": "Ev0SPACE"}), {}),
        ("not JSON", "{nope", {}),
        ("a JSON array", "[1]", {}),
        ("nested past the recursion limit", '{"a":' + "[" * 100_000 + "]" * 100_000 + "}", {}),
        ("Bolt's lazy-only header", json.dumps({**base, "event_id": "Ev0LAZY"}),
         {"X-Slack-Bolt-Lazy-Only": "1"}),
        ("Bolt's lazy function header", json.dumps({**base, "event_id": "Ev0LAZYF"}),
         {"X-Slack-Bolt-Lazy-Function-Name": "f"}),
    ]  # fmt: skip
    return out


REPLACEMENTS: list[Any] = [None, True, 0, 7, 1.5, "", [], {}, "U0", "UBOT", "BBOT", "1", "x",
                           [1, 2], {"id": "UBOB"}, {"a": "b"}, TS, "event_callback", "message"]  # fmt: skip


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(value, dict | list):
        for key, inner in value.items() if isinstance(value, dict) else enumerate(value):
            out.append((*prefix, key))
            out.extend(paths(inner, (*prefix, key)))
    return out


def mutations(count: int, seed: int = 16) -> list[dict[str, Any]]:
    """Sound envelopes with one to four fields deleted or swapped for another type."""
    rng = random.Random(seed)
    bases = sound_events()
    out = []
    for n in range(count):
        payload = json.loads(json.dumps(rng.choice(bases)))
        payload["event_id"] = f"Ev0MUT{n}"
        for _ in range(rng.randint(1, 4)):
            where = [p for p in paths(payload) if p != ("event_id",)]
            if not where:
                break
            path = rng.choice(where)
            parent = payload
            for step in path[:-1]:
                parent = parent[step]
            if isinstance(parent, dict) and rng.random() < 0.4:
                del parent[path[-1]]
            else:
                parent[path[-1]] = rng.choice(REPLACEMENTS)
        out.append(payload)
    return out


def corpus() -> list[tuple[str, str]]:
    out = []
    for path in CORPUS_EVENTS:
        stored = json.loads(path.read_text())
        out.append((f"{path.name} (wrapped)", json.dumps({**stored, "type": "event_callback"})))
        out.append((path.name, json.dumps(stored)))
    return out


# ---------------------------------------------------------------------- the same answers


async def same_answers(
    fast: SlackWorld, bolt: SlackWorld, cases: list[tuple[str, str, dict[str, str]]]
) -> None:
    differ = {}
    for name, raw, extra in cases:
        headers = {**sign.signed_headers(SECRET, raw), **extra}
        got, expected = await post(fast, raw, headers), await post(bolt, raw, headers)
        if got != expected:
            differ[name] = (got, expected)
    assert differ == {}, differ
    await fast.service.background.drain()
    await bolt.service.background.drain()
    assert await rows(fast) == await rows(bolt)
    assert sent(fast) == sent(bolt), "the same calls to Slack (the Home tab's)"


def sent(world: SlackWorld) -> list[tuple[str, str]]:
    return sorted((c.method, str(c.args.get("user_id"))) for c in world.api.calls)


@pytest.mark.asyncio
@pytest.mark.skipif(not CORPUS.exists(), reason="payload corpus not present")
async def test_every_corpus_event_shape_gets_bolts_answer(
    http_world: SlackWorld, bolt_world: SlackWorld
) -> None:
    taken, dispatched = fast_path(http_world).answered, Dispatches(http_world)
    cases = [(name, raw, {}) for name, raw in corpus()]
    await same_answers(http_world, bolt_world, cases)
    taken = fast_path(http_world).answered - taken
    assert taken >= len(CORPUS_EVENTS), "every wrapped shape, and the stored envelopes, fast"
    assert dispatched.calls == len(cases) - taken, "the rest through Bolt"


@pytest.mark.asyncio
async def test_sound_events_store_the_same_rows(
    http_world: SlackWorld, bolt_world: SlackWorld
) -> None:
    dispatched = Dispatches(http_world)
    cases = [(f"sound {i}", json.dumps(e), {}) for i, e in enumerate(sound_events())]
    await same_answers(http_world, bolt_world, cases)
    inbox, state = await rows(http_world)
    assert len(inbox) == len(cases) - 1, "every one but app_home_opened is kept"
    assert state == {f"slack:events-seen:{sign.TEAM}:{sign.APP}"}
    assert dispatched.calls == 0 and fast_path(http_world).answered == len(cases)


@pytest.mark.asyncio
async def test_every_branch_of_bolts_chain_gets_bolts_answer(
    http_world: SlackWorld, bolt_world: SlackWorld
) -> None:
    await same_answers(http_world, bolt_world, edge_cases())


@pytest.mark.asyncio
async def test_mutated_events_get_bolts_answer(
    http_world: SlackWorld, bolt_world: SlackWorld
) -> None:
    cases = [(f"mutation {i}", json.dumps(p), {}) for i, p in enumerate(mutations(300))]
    await same_answers(http_world, bolt_world, cases)
    assert fast_path(http_world).answered > len(cases) // 2, "mostly through the fast path"


# ---------------------------------------------------------------------- the fast path's own


@pytest.mark.asyncio
async def test_an_event_skips_bolts_dispatch_and_a_command_does_not(
    http_world: SlackWorld,
) -> None:
    dispatched = Dispatches(http_world)
    hello = sign.message_event(user="UBOB", channel=SET, text="hi", ts=TS)
    assert (await http_world.event(hello, event_id="Ev0HELLO")).status == 200
    assert dispatched.calls == 0 and fast_path(http_world).answered == 1
    assert await http_world.inbox_has("slack:event:Ev0HELLO"), "durable before the 200"
    assert (await http_world.command("UALICE", "help")).status == 200
    assert dispatched.calls == 1 and fast_path(http_world).answered == 1


@pytest.mark.asyncio
async def test_a_bad_or_missing_signature_is_refused_before_the_fast_path(
    http_world: SlackWorld,
) -> None:
    raw = json.dumps(sign.event_envelope(sign.message_event(user="UBOB", channel=SET,
                                                            text="hi", ts=TS)))  # fmt: skip
    forged = sign.signed_headers("not-the-secret", raw)
    unsigned = {"Content-Type": "application/json"}
    assert (await post(http_world, raw, forged))[0] == 401
    assert (await post(http_world, raw, unsigned))[0] == 401
    assert fast_path(http_world).answered == 0
    assert await rows(http_world) == (set(), set())


@pytest.mark.asyncio
async def test_a_duplicate_is_acknowledged_and_kept_once(http_world: SlackWorld) -> None:
    hello = sign.message_event(user="UBOB", channel=SET, text="hi", ts=TS)
    first = await http_world.event(hello, event_id="Ev0TWICE")
    again = await http_world.event(hello, event_id="Ev0TWICE", retry_num=1)
    assert (first.status, first.body, again.status, again.body) == (200, "", 200, "")
    assert fast_path(http_world).answered == 2
    assert await http_world.inbox_count() == 1


@pytest.mark.asyncio
async def test_app_home_opened_still_publishes_the_home(http_world: SlackWorld) -> None:
    opened = await http_world.event({"type": "app_home_opened", "user": "UBOB", "tab": "home"})
    assert opened.status == 200 and fast_path(http_world).answered == 1
    await http_world.service.background.drain()
    (call,) = http_world.api.calls_to("views.publish")
    assert call.args["user_id"] == "UBOB"


class Refusing:
    """The core's `submit` when it refuses: its database lost, or something unforeseen."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.seen = 0

    async def submit(self, event: Event, handle: Handle | None = None) -> bool:
        self.seen += 1
        raise self.error


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "error, status", [(StoreUnavailable("the database file is gone"), 503), (KeyError("x"), 500)]
)
async def test_a_refused_submit_is_not_acknowledged_either_way(
    http_world: SlackWorld,
    bolt_world: SlackWorld,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    status: int,
) -> None:
    refusing = Refusing(error)
    for world in (http_world, bolt_world):
        world.service.listeners.submitter = refusing
    raw = json.dumps(sign.event_envelope(sign.message_event(user="UBOB", channel=SET,
                                                            text="hi", ts=TS)))  # fmt: skip
    caplog.set_level(logging.INFO)
    got = await post(http_world, raw, sign.signed_headers(SECRET, raw))
    fast_logs = [r for r in caplog.records if r.levelno >= logging.WARNING]
    expected = await post(bolt_world, raw, sign.signed_headers(SECRET, raw))
    assert got == expected and got[0] == status and refusing.seen == 2
    assert fast_path(http_world).answered == 1
    assert await http_world.inbox_count() == 0
    assert not any(r.exc_info for r in fast_logs), "never a traceback per event"
    if status == 503:
        assert fast_logs == [], "the core said it once"
    else:
        assert [r.getMessage() for r in fast_logs] == [
            "an event could not be taken in: KeyError (answered 500)"
        ]
