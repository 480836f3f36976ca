""" "Save as do" on Discord: the message context menu, through the gateway stand-in, with the
Message Content intent off (the client's `read_content=False`): the chosen message comes in
the interaction, so a do is saved without the intent and without fetching the message."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.discord import translate
from adapters.discord.save_as_do import NAME, message_saved
from bot.clock import FakeClock
from bot.events import MessageSaved
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.store.models import Do, DoSource
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import (
    Running,
    discord_config,
    dm_texts,
    inbox_keys,
    run_bot,
    start_session,
)


async def rows(bot: Running, model: type) -> list:
    table = model.__table__  # type: ignore[attr-defined]
    async with bot.app.store.read() as conn:
        return list(await conn.execute(select(table).order_by(table.c.id)))


def answers(standin: DiscordStandIn, token: str) -> list[str]:
    """What the person saw on their interaction (its private "thinking…", replaced)."""
    return [m.content for m in standin.world.messages.values() if m.interaction_token == token]


@pytest.mark.asyncio
async def test_the_context_menu_saves_a_do_without_the_message_content_intent(
    tmp_path: Path, clock: FakeClock
) -> None:
    async with DiscordStandIn(message_content_allowed=False) as standin:
        bot = await run_bot(discord_config(standin, tmp_path / "a.db"), clock, read_content=False)
        try:
            assert bot.client.can_read_content is False
            w = standin.world
            alice, hal, ivy = w.add_user("alice"), w.add_user("hal"), w.add_user("ivy")
            synced = [(c["name"], c["type"]) for scope in w.commands.values() for c in scope]
            assert sorted(synced) == [(NAME, 3), ("als", 1)], "synced with /als"

            header = await start_session(standin, hal, alice)
            tip = await standin.say(ivy, w.general.id, "Ask 'what else?' one more time")
            info = await standin.message_command(alice, tip)
            said = await standin.wait_for(
                lambda: [t for t in answers(standin, info.token) if "Saved as" in t]
            )
            assert "Saved as **do #1**" in said[0] and "what else?" in said[0]
            assert [m for m in w.messages.values() if m.interaction_token == info.token][
                0
            ].ephemeral
            [do] = await rows(bot, Do)
            assert do.text == "Ask 'what else?' one more time"
            assert do.author_key == f"discord:{w.general.guild_id}:{ivy.id}"
            assert f"discord:interaction:{info.id}" in await inbox_keys(bot.app)
            assert not standin.calls("GET", rf"/channels/\d+/messages/{tip.id}$"), "not fetched"

            # In the round's thread (its own channel): the author is asked first.
            secret = await standin.say(hal, header.id, "I keep a list of what volunteers enjoy")
            info = await standin.message_command(ivy, secret)
            await standin.wait_for(
                lambda: [t for t in answers(standin, info.token) if "asked its author" in t]
            )
            await standin.wait_for(
                lambda: [t for t in dm_texts(standin, hal) if "volunteers enjoy" in t]
            )
            assert len(await rows(bot, Do)) == 1
            [_, pending] = await rows(bot, DoSource)
            assert pending.status == "pending"
            assert pending.message_key == f"discord:{w.general.guild_id}:{header.id}:{secret.id}"

            # The bot's own message is not saved, and the person is told why.
            info = await standin.message_command(ivy, header)
            await standin.wait_for(
                lambda: [t for t in answers(standin, info.token) if "bot's own" in t]
            )
            assert len(await rows(bot, Do)) == 1
        finally:
            await bot.close()


def _data(message: dict, target: str = "77") -> dict:
    """A message command's `data`: `target` chosen, `message` resolved under its own id."""
    return {
        "id": "1",
        "name": NAME,
        "type": 3,
        "target_id": target,
        "resolved": {"messages": {message["id"]: message}},
    }


def test_translating_the_interaction() -> None:
    ws = translate.workspace(5)
    said = {"id": "77", "channel_id": "30", "content": "a tip", "author": {"id": "9"}, "type": 0}
    in_thread = translate.Place(5, 30, parent_id=20)
    event = message_saved(1001, 8, in_thread, _data(said))
    parent = ChannelRef(ws, "20")
    assert event == MessageSaved(
        key="discord:interaction:1001",
        user=UserRef(ws, "8"),
        channel=parent,
        message=MessageRef(ChannelRef(ws, "30"), "77"),
        text="a tip",
        author=UserRef(ws, "9"),
        thread=MessageRef(parent, "30"),
    )
    here = translate.Place(5, 30)
    for bots in ({"author": {"id": "9", "bot": True}}, {"webhook_id": "3"}, {"type": 7}):
        found = message_saved(1001, 8, here, _data({**said, **bots}))
        assert found is not None and found.author is None and found.thread is None
    assert message_saved(1001, 8, translate.Place(None, 30), _data(said)) is None, "a DM"
    assert message_saved(1001, 8, here, _data(said, target="78")) is None, "not resolved"
    assert message_saved(1001, 8, here, {"target_id": "77"}) is None
    elsewhere = {**said, "channel_id": "31"}
    assert message_saved(1001, 8, here, _data(elsewhere)) is None
