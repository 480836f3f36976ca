"""A round on Discord without the Message Content intent (`[discord] message_content =
false`): what people type in the thread reaches the bot as an empty text, so the phases'
prompts carry a button that opens a modal, and the modal's words are the message.

Through the real discord.py client and the gateway/REST stand-in: the IDENTIFY asks for no
content; a message typed in the thread is withheld and gets no answer at all; [Ask a
question], [Add an action] and [Give an update] open a one-field modal as the press's
first answer (nothing recorded), and its submission is recorded as the typed message —
then deferred — and read by the core as one: the question shown in the thread and handed
to the presenter, the action and the update stored. A DM still carries its text. With the
intent on, no prompt carries these buttons.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.discord import translate
from adapters.discord.client import WITHOUT_INTENT
from adapters.discord.typing_forms import is_submission, typed_event
from bot.clock import FakeClock
from bot.events import DirectMessage, Event, MessagePosted, event_from_json
from bot.store.models import Action, Inbox, Outbox, OutcomeUpdate
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import INTENT_MESSAGE_CONTENT, UserInfo
from testkit.discord.running import (
    Running,
    advance_to,
    buttons_of,
    discord_config,
    dm_texts,
    in_channel,
    inbox_keys,
    run_bot,
    start_session,
    wait_inbox,
    wait_text,
)
from testkit.discord.world import StoredMessage
from testkit.eventually import eventually

TYPING = ("Ask a question", "Add an action", "Give an update")


@pytest_asyncio.fixture
async def without_intent(
    standin: DiscordStandIn, tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Running]:
    caplog.set_level("INFO", logger="adapters.discord.client")
    config = discord_config(standin, tmp_path / "alsbot.db", ALSBOT_DISCORD_MESSAGE_CONTENT="false")
    bot = await run_bot(config, clock)
    try:
        yield bot
    finally:
        await bot.close()


async def stored(running: Running, model: Any) -> list[Any]:
    async with running.app.store.read() as conn:
        return list(await conn.execute(select(model.__table__)))


async def recorded(running: Running, key: str) -> Event:
    async with running.app.store.read() as conn:
        body = (await conn.execute(select(Inbox.body).where(Inbox.key == key))).scalar_one()
    return event_from_json(body)


async def processed(running: Running, key: str) -> None:
    async def done() -> bool:
        return key in await inbox_keys(running.app, processed=True)

    await eventually(done, within=5.0, what=f"{key} processed")


async def prompt(standin: DiscordStandIn, thread: str, starts: str) -> StoredMessage:
    return await standin.wait_for(
        lambda: next((m for m in in_channel(standin, thread) if m.content.startswith(starts)), None)
    )


async def through_the_form(
    standin: DiscordStandIn, running: Running, who: UserInfo, on: StoredMessage, label: str,
    words: str,
) -> str:  # fmt: skip
    """`who` presses [label] on `on`, gets its modal, and sends `words`; the submission's key."""
    pressed = await standin.click(who, on, buttons_of(on)[label])
    await standin.wait_for(lambda: pressed.callbacks)
    assert pressed.callbacks[0]["type"] == 9  # the modal is the first answer: no deferral
    assert f"discord:interaction:{pressed.id}" not in await inbox_keys(running.app)
    modal = standin.modal_of(pressed)
    assert modal["title"] == label and modal["custom_id"].startswith("als_type:")
    [row] = modal["components"]
    [field] = row["components"] if row["type"] == 1 else [row["component"]]
    assert field["custom_id"] == "text" and field["required"] and field["style"] == 2
    sent = await standin.submit_modal(who, modal, {"text": words}, on.channel_id)
    key = f"discord:interaction:{sent.id}"
    await wait_inbox(running.app, key)
    await standin.wait_for(lambda: sent.callbacks)
    assert sent.callbacks[0]["type"] == 6  # a silent deferral, once recorded
    event = await recorded(running, key)
    assert isinstance(event, MessagePosted)
    assert (event.text, event.via_form, event.withheld) == (words, True, False)
    assert event.thread is not None and event.thread.id == on.channel_id
    return key


@pytest.mark.asyncio
async def test_a_round_without_the_intent_through_buttons_and_modals(
    standin: DiscordStandIn, without_intent: Running, caplog: pytest.LogCaptureFixture
) -> None:
    running = without_intent
    identify = next(f for f in standin.received if f["op"] == 2)
    assert not identify["d"]["intents"] & INTENT_MESSAGE_CONTENT  # not even asked for
    assert any(WITHOUT_INTENT in r.getMessage() for r in caplog.get_records("setup"))
    w = standin.world
    alice, bob, carol = w.add_user("alice"), w.add_user("bob"), w.add_user("carol")
    header = await start_session(standin, bob, alice)
    thread = header.id
    await standin.slash(carol, "join")

    # Questions: carol's typed words are withheld, so nothing at all answers them.
    await advance_to(standin, header, alice, "Questions")
    questions = await prompt(standin, thread, "**Questions**")
    assert "Ask a question" in buttons_of(questions)
    calls = len(standin.rest.calls)
    typed = await standin.say(carol, thread, "You should pay them more")
    await processed(running, f"discord:message:{typed.id}")
    withheld = await recorded(running, f"discord:message:{typed.id}")
    assert isinstance(withheld, MessagePosted) and withheld.withheld and not withheld.text
    asked = await through_the_form(
        standin, running, carol, questions, "Ask a question", "What have you tried? @everyone"
    )
    shown = await wait_text(standin, thread, "Question from")
    assert shown.content == f"Question from <@{carol.id}>: “What have you tried? @\u200beveryone”"
    assert shown.mentions == [carol]  # nobody else pinged by her words
    after_typed = [c for c in standin.rest.calls[calls:] if c.method == "POST"]
    assert all(asked.rsplit(":", 1)[1] in c.path or c.body.get("content", "").startswith(
        "Question from") or "/callback" in c.path for c in after_typed), after_typed  # fmt: skip
    async with running.app.store.read() as conn:
        causes = [r[0] for r in await conn.execute(select(Outbox.cause))]
    assert f"discord:message:{typed.id}" not in causes

    await advance_to(standin, header, alice, "Summary")
    await standin.wait_for(lambda: any("What have you tried?" in t for t in dm_texts(standin, bob)))

    # Actions: bob's action through the form is recorded as a typed one is.
    await advance_to(standin, header, alice, "Actions")
    actions = await prompt(standin, thread, "**Actions**")
    await through_the_form(
        standin, running, bob, actions, "Add an action", "call the volunteer centre by Friday"
    )
    await wait_text(standin, thread, "Action recorded")
    [action] = await stored(running, Action)
    assert action.text == "call the volunteer centre" and action.due is not None
    await standin.slash(alice, "end")
    await wait_text(standin, w.general.id, "Session summary")

    # A DM still carries its text without the intent.
    dms = len(dm_texts(standin, bob))
    dm = await standin.dm(bob, "The centre will send two people")
    await wait_inbox(running.app, f"discord:message:{dm.id}")
    event = await recorded(running, f"discord:message:{dm.id}")
    assert isinstance(event, DirectMessage) and event.text == "The centre will send two people"
    await standin.wait_for(lambda: len(dm_texts(standin, bob)) > dms)  # answered, as ever

    # Next session's Updates: bob's update through the form, shown and recorded.
    await standin.wait_for(lambda: not header.components)
    await standin.slash(alice, "start", presenter1=carol)
    second = await standin.wait_for(
        lambda: next(
            (
                m
                for m in in_channel(standin, w.general.id)
                if m.content.startswith("**Action Learning session**") and m.id != header.id
            ),
            None,
        )
    )
    await advance_to(standin, second, alice, "Updates")
    updates = await prompt(standin, second.id, "**Updates from last time**")
    await through_the_form(
        standin, running, bob, updates, "Give an update", "Two volunteers start on Monday"
    )
    shown = await wait_text(standin, second.id, "Update from")
    assert "Two volunteers start on Monday" in shown.content
    texts = [u.text for u in await stored(running, OutcomeUpdate)]
    assert "Two volunteers start on Monday" in texts
    assert not [c for c in standin.rest.calls if c.status >= 400]


@pytest.mark.asyncio
async def test_with_the_intent_no_prompt_carries_a_typing_button(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice, bob = w.add_user("alice"), w.add_user("bob")
    header = await start_session(standin, bob, alice)
    await advance_to(standin, header, alice, "Actions")
    await prompt(standin, header.id, "**Actions**")
    labels = {label for m in in_channel(standin, header.id) for label in buttons_of(m)}
    assert not labels & set(TYPING), labels
    typed = await standin.say(bob, header.id, "call the volunteer centre")
    await wait_inbox(running.app, f"discord:message:{typed.id}")
    event = await recorded(running, f"discord:message:{typed.id}")
    assert isinstance(event, MessagePosted) and event.text and not event.withheld


def test_a_submission_is_a_message_only_in_a_servers_thread_and_with_words() -> None:
    guild, channel, thread = 111111111111111111, 222222222222222222, 333333333333333333
    data = {
        "custom_id": "als_type:question",
        "components": [{"type": 1, "components": [{"type": 4, "custom_id": "text", "value": " Why? "}]}],
    }  # fmt: skip
    event = typed_event(9, 444, translate.Place(guild, thread, parent_id=channel), data)
    assert event is not None and event.key == "discord:interaction:9"
    assert (event.text, event.via_form, event.withheld) == ("Why?", True, False)
    assert event.thread is not None and event.thread.id == str(thread)
    assert event.channel.id == str(channel) and event.message.channel.id == str(thread)
    assert typed_event(9, 444, translate.Place(guild, channel), data) is None  # not a thread
    assert typed_event(9, 444, translate.Place(None, 77), data) is None  # a DM
    blank = {**data, "components": [{"type": 4, "custom_id": "text", "value": "  "}]}
    assert typed_event(9, 444, translate.Place(guild, thread, parent_id=channel), blank) is None
    assert is_submission("als_type:action") and not is_submission("als_form:offer add")
