""" "Save as do" on Slack: the message shortcut, signed and sent to the real HTTP endpoint,
saves a do from the message the payload carries — no `conversations.history` or
`conversations.replies` read, asserted on the Web API stand-in — and the person is answered
privately through the shortcut's `response_url`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adapters.slack import translate
from bot.events import MessageSaved
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.store.models import Do, DoSource
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi, dm_channel
from testkit.slack.world import CORPUS_BACKEND, IDENTITY, SECRET, SET, SlackWorld

ALICE, CAROL, DAVE = "UALICE", "UCAROL", "UDAVE"
READS = ("conversations.history", "conversations.replies")
TEAM = WorkspaceRef(Platform.SLACK, sign.TEAM)


async def rows(w: SlackWorld, model: type) -> list:
    table = model.__table__  # type: ignore[attr-defined]
    async with w.bot.store.read() as conn:
        return list(await conn.execute(select(table).order_by(table.c.id)))


async def a_set(w: SlackWorld) -> None:
    assert (await w.command(ALICE, f"facilitator add <@{ALICE}>")).status == 200
    await w.settle()


@pytest.mark.asyncio
async def test_the_shortcut_saves_a_do_without_reading_history(
    http_world: SlackWorld, web_api: SlackWebApi
) -> None:
    w = http_world
    await w.bot.settle()
    await a_set(w)
    tip = web_api.seed_message(SET, "Try a 2-minute &lt;check-in&gt; <!here>", user=CAROL)
    answer = await w.save_as_do(ALICE, tip)
    assert answer.status == 200 and answer.body == "", "acknowledged once durable, silently"
    await w.settle()
    [do] = await rows(w, Do)
    assert do.text == "Try a 2-minute <check-in> @here", "the text as a fetched one reads"
    assert do.author_key == f"slack:{sign.TEAM}:{CAROL}"
    assert do.saved_by == [f"slack:{sign.TEAM}:{ALICE}"]
    [source] = await rows(w, DoSource)
    assert source.message_key == f"slack:{sign.TEAM}:{SET}:{tip.ts}"
    [said] = [t for t in w.private(ALICE) if "Saved as *do #1*" in t]
    assert "&lt;check-in&gt; @here" in said and "<!here>" not in said
    assert [r for r in web_api.responses if "Saved as" in r["text"]], "via response_url"
    assert not [m for m in web_api.messages.get(SET, []) if "Saved as" in m.text]
    assert [c.method for c in web_api.calls if c.method in READS] == []

    # A reaction on it now adds its reactor and reads nothing either: it is saved.
    assert (await w.react(DAVE, tip)).status == 200
    await w.settle()
    [do] = await rows(w, Do)
    assert do.saved_by[-1] == f"slack:{sign.TEAM}:{DAVE}" and len(await rows(w, DoSource)) == 1
    assert [c.method for c in web_api.calls if c.method in READS] == []


@pytest.mark.asyncio
async def test_in_a_rounds_thread_the_author_is_asked_and_the_bot_is_not_saved(
    http_world: SlackWorld, web_api: SlackWebApi
) -> None:
    w = http_world
    assert (await w.command(ALICE, f"start <@{CAROL}>")).status == 200
    await w.settle()
    assert (await w.say(CAROL, "I keep a list of what each volunteer enjoys")).status == 200
    await w.settle()
    [reply] = [m for m in web_api.messages[SET] if m.user == CAROL]
    assert (await w.save_as_do(DAVE, reply)).status == 200
    await w.settle()
    assert await rows(w, Do) == []
    asked = [m.text for m in web_api.messages.get(dm_channel(CAROL), []) if m.user == "UBOT"]
    assert any("I keep a list" in t for t in asked), "its author is asked first"
    assert any("asked its author" in t for t in w.private(DAVE))

    assert (await w.save_as_do(DAVE, w.header())).status == 200
    await w.settle()
    assert any("bot's own messages" in t for t in w.private(DAVE))
    assert [c.method for c in web_api.calls if c.method in READS] == []


@pytest.mark.asyncio
async def test_other_shortcuts_and_blank_payloads_record_nothing(
    http_world: SlackWorld, web_api: SlackWebApi
) -> None:
    w = http_world
    tip = web_api.seed_message(SET, "Pause before answering", user=CAROL)
    other = sign.message_shortcut_payload(
        user_id=ALICE, channel_id=SET, message=tip.as_slack(), callback_id="something_else"
    )
    [blank] = [p for p in CORPUS_BACKEND if p.name == "MessageShortcutPayload.json"]
    blanked = {**json.loads(blank.read_text()), "callback_id": "save_as_do"}
    for payload in (other, blanked):
        body = sign.payload_body(payload)
        answer = await w.send_http(body, sign.form_headers(SECRET, body))
        assert answer.status == 200
    await w.settle()
    assert await w.inbox_count() == 0
    assert isinstance(translate.from_message_shortcut(blanked, IDENTITY), translate.Ignored)


def test_translating_the_payload() -> None:
    said = {"type": "message", "user": CAROL, "ts": "1767225600.000200", "text": "a &amp; b"}
    reply = {**said, "thread_ts": "1767225600.000100"}
    payload = sign.message_shortcut_payload(
        user_id=ALICE,
        channel_id=SET,
        message=reply,
        trigger_id="trig.9",
        team_id="T0OTHER",  # the clicker's own organisation in Slack Connect: not used
        response_url="https://hooks.slack.com/app/T/1/x",
    )
    outcome = translate.from_message_shortcut(payload, IDENTITY)
    assert isinstance(outcome, translate.Inbound)
    channel = ChannelRef(TEAM, SET)
    assert outcome.event == MessageSaved(
        key="slack:action:trig.9",
        user=UserRef(TEAM, ALICE),
        channel=channel,
        message=MessageRef(channel, "1767225600.000200"),
        text="a & b",
        author=UserRef(TEAM, CAROL),
        thread=MessageRef(channel, "1767225600.000100"),
    )
    assert outcome.response_url == "https://hooks.slack.com/app/T/1/x"
    for bots in ({"bot_id": "B1"}, {"subtype": "bot_message"}, {"user": IDENTITY.user_id}):
        event = translate.from_message_shortcut({**payload, "message": {**said, **bots}}, IDENTITY)
        assert isinstance(event, translate.Inbound) and isinstance(event.event, MessageSaved)
        assert event.event.author is None and event.event.thread is None
    no_trigger = {k: v for k, v in payload.items() if k != "trigger_id"}
    keyed = translate.from_message_shortcut(no_trigger, IDENTITY)
    assert isinstance(keyed, translate.Inbound)
    assert keyed.event.key == f"slack:action:1767225600.000200:{payload['action_ts']}"
