"""Forms on Discord: `/als offer add` without its text answers with a modal; the modal's
submission is the command, recorded before it is acknowledged, with its own key.

Through the real discord.py client and the gateway/REST stand-in: the modal is the
interaction's first response (callback type 9, no deferral, nothing recorded); the
MODAL_SUBMIT interaction becomes `CommandInvoked("offer I can help with grants #funding")`.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.discord import forms
from bot.events import CommandInvoked, event_from_json
from bot.store.models import Inbox
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import Running, inbox_keys, wait_inbox


async def recorded(running: Running, key: str) -> CommandInvoked:
    async with running.app.store.read() as conn:
        body = (await conn.execute(select(Inbox.body).where(Inbox.key == key))).scalar_one()
    event = event_from_json(body)
    assert isinstance(event, CommandInvoked)
    return event


def inputs(modal: dict) -> list[dict]:
    out = []
    for row in modal["components"]:
        out.extend(row["components"] if row["type"] == 1 else [row["component"]])
    return out


@pytest.mark.asyncio
async def test_offer_add_without_text_answers_with_its_form_and_records_nothing(
    standin: DiscordStandIn, running: Running
) -> None:
    ana = standin.world.add_user("ana")
    info = await standin.slash(ana, "offer add")
    await standin.wait_for(lambda: info.callbacks)
    [callback] = info.callbacks
    assert callback["type"] == 9  # a modal, as the first response: no "thinking…"
    modal = standin.modal_of(info)
    assert modal["custom_id"] == "als_form:offer add" and modal["title"] == "Offer help"
    text, tags = inputs(modal)
    assert (text["custom_id"], text["style"], text["required"], text["max_length"]) == (
        "text",
        2,
        True,
        500,
    )
    assert text["label"] == "What can you offer the set?"
    assert (tags["custom_id"], tags["style"], tags["required"]) == ("tags", 1, False)
    assert f"discord:interaction:{info.id}" not in await inbox_keys(running.app)
    # With its text given, it is the command as ever.
    typed = await standin.slash(ana, "offer add", text="I can mentor")
    await wait_inbox(running.app, f"discord:interaction:{typed.id}")
    assert (await recorded(running, f"discord:interaction:{typed.id}")).text == (
        "offer I can mentor"
    )


@pytest.mark.asyncio
async def test_the_submitted_modal_becomes_the_command_recorded_before_its_deferral(
    standin: DiscordStandIn, running: Running
) -> None:
    ana = standin.world.add_user("ana")
    opened = await standin.slash(ana, "offer add")
    await standin.wait_for(lambda: opened.callbacks)
    modal = standin.modal_of(opened)
    sent = await standin.submit_modal(
        ana, modal, {"text": "I can help with grants", "tags": "funding"}
    )
    key = f"discord:interaction:{sent.id}"
    await wait_inbox(running.app, key)
    command = await recorded(running, key)
    assert command.text == "offer I can help with grants #funding"
    assert command.user.id == ana.id and command.channel.id == standin.world.general.id
    await standin.wait_for(lambda: sent.callbacks)
    assert sent.callbacks[0]["type"] == 5  # deferred ("thinking…") once recorded
    # The same interaction replayed is no second command.
    keys = await inbox_keys(running.app)
    assert keys.count(key) == 1


@pytest.mark.asyncio
async def test_a_want_form_and_a_modal_that_is_not_alsbots(
    standin: DiscordStandIn, running: Running
) -> None:
    bob = standin.world.add_user("bob")
    opened = await standin.slash(bob, "want add")
    await standin.wait_for(lambda: opened.callbacks)
    modal = standin.modal_of(opened)
    assert modal["custom_id"] == "als_form:want add"
    sent = await standin.submit_modal(bob, modal, {"text": "to run a focus group"})
    await wait_inbox(running.app, f"discord:interaction:{sent.id}")
    command = await recorded(running, f"discord:interaction:{sent.id}")
    assert command.text == "want to run a focus group"
    other = await standin.submit_modal(
        bob, {"custom_id": "someone_else", "components": []}, {}, standin.world.general.id
    )
    stale = await standin.submit_modal(bob, {**modal, "custom_id": "als_form:gone"}, {"text": "x"})
    await standin.wait_for(lambda: stale.callbacks)
    keys = await inbox_keys(running.app)
    assert f"discord:interaction:{other.id}" not in keys
    assert f"discord:interaction:{stale.id}" not in keys


def test_answers_are_read_from_action_rows_and_labels() -> None:
    data = {
        "custom_id": "als_form:offer add",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "text", "value": "a"}]},
            {"type": 18, "component": {"type": 4, "custom_id": "tags", "value": "b, c"}},
            {"type": 10, "content": "not an input"},
            "junk",
        ],
    }
    assert forms.answers(data) == {"text": "a", "tags": "b, c"}
    assert forms.answers({"components": "junk"}) == {}
