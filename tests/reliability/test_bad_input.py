"""Bad input to the grammar and the core (issue 8, item 4): a clear message or a recorded
refusal, never a crash, never a partial write.

`tests/bot/commands/test_grammar.py` already throws arbitrary text and long fillers at `parse`;
this adds what real clients send — control, zero-width and right-to-left characters,
emoji sequences, both platforms' mention markup, runs up to 40,000 characters — after
every verb, and then sends such text through the real core on a real SQLite file (a set
in a running session) as commands, thread messages, DMs and reactions. The adapters'
payload translation is in `test_bad_input_payloads.py`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.commands import registry
from bot.commands.grammar import parse
from bot.commands.values import AddAction, Command, UsageError
from bot.compose import build_router
from bot.events import (
    CommandInvoked,
    DirectMessage,
    MessagePosted,
    ReactionAdded,
    event_from_json,
    event_to_json,
)
from bot.refs import ChannelRef, MessageRef
from bot.replies import Reply
from bot.store.models import Inbox, Posted
from testkit.config import START_OF_TESTS, make_config
from testkit.harness import GENERAL, WS, Harness, u
from testkit.recording import RecordingOutlet
from tests.reliability.db_dump import dump
from tests.reliability.odd_text import CONTROL, odd_or_long, odd_text

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ZONES = [ZoneInfo("Europe/London"), ZoneInfo("Pacific/Kiritimati"), ZoneInfo("America/St_Johns")]
VERBS = [v.name for v in registry.VERBS] + [
    "dos remove", "dos export", "dos random", "facilitator add", "facilitator remove",
    "forget-me confirm", "schedule off", "settings my_timezone", "settings quiet_hours",
    "actions", "", "nonsense", "/als",
]  # fmt: skip


# ---------------------------------------------------------------------- the grammar


@settings(max_examples=1000, deadline=None)
@given(verb=st.sampled_from(VERBS), rest=odd_or_long, tz=st.sampled_from(ZONES))
def test_the_grammar_answers_any_text_with_a_command_or_a_usage_error(
    verb: str, rest: str, tz: ZoneInfo
) -> None:
    text = f"{verb} {rest}"
    started = time.perf_counter()
    result = parse(text, now=NOW, tz=tz)
    assert time.perf_counter() - started < 2.0, "40,000 characters parse in well under a second"
    assert isinstance(result, Command | UsageError), result
    if isinstance(result, UsageError):
        assert result.message.strip() and result.usage.startswith("/als")
        # What was wrong is named, but a paste is not echoed back whole.
        assert len(result.message) <= 600 and len(result.usage) <= 600, len(result.message)
    if isinstance(result, AddAction):
        assert result.text.strip()
    assert parse(text, now=NOW, tz=tz) == result, "the same text always reads the same"


@settings(max_examples=150, deadline=None)
@given(rest=odd_text)
def test_a_usage_error_names_the_verb_it_is_about(rest: str) -> None:
    for verb in ("schedule", "dos remove", "facilitator", "settings presenting_minutes"):
        result = parse(f"{verb} {rest}", now=NOW, tz=ZONES[0])
        if isinstance(result, UsageError):
            assert result.usage.startswith(f"/als {verb.split()[0]}"), (verb, result)


def test_nul_characters_never_reach_the_database() -> None:
    """PostgreSQL refuses U+0000 in text; it used to fail the whole event with an apology
    there (and not on SQLite), so a pasted NUL lost someone's action or update."""
    event = CommandInvoked(key="k\x00", user=u("bob"), channel=GENERAL, text="call\x00 Sam")
    assert event.text == "call Sam" and event.key == "k"
    again = event_from_json(event_to_json(event))
    assert again == event and "\x00" not in event_to_json(again)
    for c in CONTROL[1:]:
        kept = MessagePosted(key="m", user=u("b"), channel=GENERAL,
                             message=MessageRef(GENERAL, "1"), text=f"a{c}b")  # fmt: skip
        assert kept.text == f"a{c}b", "other control characters are the person's own text"


# ---------------------------------------------------------------------- the core


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A set in #general: alice facilitates, bob presents, the session is in Questions."""
    path = tmp_path_factory.mktemp("bad-input") / "template.db"

    async def build() -> None:
        h = await Harness.open(f"sqlite+aiosqlite:///{path}", FakeClock(START_OF_TESTS))
        await h.cmd("alice", "start @bob")
        await h.cmd("carol", "join")
        for _ in range(3):
            await h.cmd("alice", "next")
        await h.close()

    asyncio.run(build())
    return path


KINDS = ["command", "message", "dm", "reaction"]


def make_event(kind: str, text: str, n: int) -> Any:
    if kind == "command":
        return CommandInvoked(key=f"odd:{n}", user=u("carol"), channel=GENERAL, text=text)
    if kind == "dm":
        channel = ChannelRef(WS, "dm-bob")
        return DirectMessage(key=f"odd:{n}", user=u("bob"), channel=channel,
                             message=MessageRef(channel, f"d{n}"), text=text)  # fmt: skip
    if kind == "reaction":
        return ReactionAdded(key=f"odd:{n}", user=u("carol"), message=MessageRef(GENERAL, f"r{n}"),
                             emoji="white_check_mark", author=u("dave"), text=text)  # fmt: skip
    return MessagePosted(key=f"odd:{n}", user=u("carol"), channel=GENERAL,
                         message=MessageRef(GENERAL, f"m{n}"), text=text, thread=None)  # fmt: skip


def render_everywhere(reply: Reply) -> None:
    """Both renderers take whatever the core said (RenderError is a clean refusal)."""
    value = getattr(reply, "text", None)
    if value is None:
        return
    slack_render.message(value, getattr(reply, "buttons", ()))
    rendered = discord_render.render(value, getattr(reply, "buttons", ()))
    assert len(rendered.content) <= discord_render.MAX_CONTENT


async def header_of(h: Harness) -> MessageRef:
    """The running session's header, as the template's delivery recorded it."""
    async with h.app.store.read() as conn:
        key = (
            await conn.execute(
                select(Posted.__table__.c.message_key).where(
                    Posted.__table__.c.handle == "session:1:header"
                )
            )
        ).scalar_one()
    return MessageRef.from_key(key)


async def run_one(template: Path, work: Path, kind: str, verb: str, text: str) -> None:
    copy = work / "cell.db"
    shutil.copy(template, copy)
    h = await Harness.open(f"sqlite+aiosqlite:///{copy}", FakeClock(START_OF_TESTS))
    try:
        event = make_event(kind, f"{verb} {text}" if kind == "command" else text, 1)
        if isinstance(event, MessagePosted):
            event = dataclasses.replace(event, thread=await header_of(h))
        await h.app.handle(event)
        async with h.app.store.read() as conn:
            row = (await conn.execute(select(Inbox.__table__))).all()[-1]
        assert row.key == event.key and row.status == "done", (row.status, row.error)
        for reply in h.outlet.replies():
            render_everywhere(reply)
    finally:
        await h.close()


@pytest.mark.reliability
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(kind=st.sampled_from(KINDS), verb=st.sampled_from(VERBS), text=odd_or_long)
def test_the_core_takes_any_text_without_failing(
    template: Path, tmp_path: Path, kind: str, verb: str, text: str
) -> None:
    asyncio.run(run_one(template, tmp_path, kind, verb, text))


# ---------------------------------------------------------------------- no partial write

REFUSED = [
    ("carol", "next"), ("carol", "settings presenting_minutes 7"), ("alice", "settings nope 1"),
    ("alice", "schedule yesterday 10am"), ("carol", "facilitator add <@carol>"),
    ("alice", "facilitator remove <@alice>"), ("carol", "dos remove 99"), ("alice", "start"),
    ("carol", "action sneak one in"), ("erin", "end"), ("alice", "resume"),
]  # fmt: skip
BOOKKEEPING = ("inbox", "outbox")  # the event's own row and its private answer


@pytest.mark.asyncio
@pytest.mark.parametrize(("who", "line"), REFUSED)
async def test_a_refused_command_changes_nothing(
    template: Path, tmp_path: Path, who: str, line: str
) -> None:
    copy = tmp_path / "cell.db"
    shutil.copy(template, copy)
    h = await Harness.open(f"sqlite+aiosqlite:///{copy}", FakeClock(START_OF_TESTS))
    try:
        before = await dump(h.app.store)
        # (keys of its own: the template's events were `test:1`…, and a repeat is ignored)
        await h.app.handle(
            CommandInvoked(key=f"refused:{line}", user=u(who), channel=GENERAL, text=line)
        )
        out = h.new()
        after = await dump(h.app.store)
        changed = [t for t in before if before[t] != after[t] and t not in BOOKKEEPING]
        assert changed == [], f"/als {line} by {who} wrote to {changed}"
        assert out and all(getattr(r, "user", None) == u(who) for r in out), "a private answer"
    finally:
        await h.close()


@pytest.mark.asyncio
async def test_an_event_that_fails_halfway_leaves_nothing_behind(
    template: Path, tmp_path: Path
) -> None:
    """The action is written, then the service fails: the row must not survive, the event
    is marked failed, and the person gets an apology rather than a stack trace."""
    copy = tmp_path / "cell.db"
    shutil.copy(template, copy)
    router = build_router()
    real = router.commands[AddAction]

    async def fails_after_writing(ctx: Any, event: Any, command: Any) -> None:
        await real(ctx, event, command)
        raise RuntimeError("the disk went away after the action was written")

    router.commands[AddAction] = fails_after_writing
    app = await Alsbot.open(make_config(f"sqlite+aiosqlite:///{copy}"),
                            clock=FakeClock(START_OF_TESTS), router=router)  # fmt: skip
    outlet = RecordingOutlet()
    app.attach(outlet)
    h = Harness(app, outlet)
    try:
        # (keys of its own: the template's events were `test:1`…, and a repeat is ignored)
        end = CommandInvoked(key="half:end", user=u("alice"), channel=GENERAL, text="end")
        await h.app.handle(end)
        before = await dump(app.store)
        await h.app.handle(
            CommandInvoked(
                key="half",
                user=u("alice"),
                channel=GENERAL,
                text="action call the trustees by friday",
            )
        )
        out = h.new()
        after = await dump(app.store)
        changed = [t for t in before if before[t] != after[t] and t not in BOOKKEEPING]
        assert changed == [], f"a failed event wrote to {changed}"
        async with app.store.read() as conn:
            row = (
                await conn.execute(select(Inbox.__table__).where(Inbox.__table__.c.key == "half"))
            ).one()
        assert row.status == "failed" and "disk went away" in (row.error or "")
        said = " ".join(r.text.plain() for r in out)
        assert "Sorry" in said and "Traceback" not in said and "disk" not in said
    finally:
        await h.close()
