""" "Save as do": a message context-menu command (Apps → Save as do on any message).

Discord puts the chosen message in the interaction (`data.resolved.messages[target_id]`),
content included whether or not the bot has the Message Content intent, so a do is saved
without fetching the message and without the intent (`bot.dos.save_as_do`). It is
registered beside `/als` (the same tree, synced with it) and handled as `/als` is: recorded
first, then deferred as a private "thinking…", which the core's private answer replaces.

Where things are follows `translate`: a message in a thread lives in the thread's channel,
and the core's channel is the thread's parent, the thread named by its root message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import discord
from discord import app_commands

from adapters.discord import translate
from adapters.discord.client_parts import ClientParts
from bot.events import Event, MessageSaved
from bot.refs import ChannelRef, MessageRef, UserRef

log = logging.getLogger(__name__)
NAME = "Save as do"  # Discord: 1-32 characters, spaces and capitals allowed in menus
NOT_HERE = "Use “Save as do” on a message in your set's channel on a server."


def _snowflake(value: Any) -> str | None:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return text if text.isdigit() and len(text) < 25 else None


def message_saved(
    interaction_id: int, user_id: int, place: translate.Place, data: Mapping[str, Any]
) -> MessageSaved | None:
    """The chosen message (`target_id`, resolved in the payload) as a `MessageSaved`; None
    outside a server or when the payload does not hold the message.

    A bot's or a webhook's message, or a system notice, has no author: the core says it
    does not save those."""
    if place.guild_id is None:
        return None
    target = _snowflake(data.get("target_id"))
    resolved = data.get("resolved")
    messages = resolved.get("messages") if isinstance(resolved, Mapping) else None
    said = messages.get(target) if isinstance(messages, Mapping) and target else None
    if target is None or not isinstance(said, Mapping):
        return None
    if _snowflake(said.get("channel_id")) not in (None, str(place.channel_id)):
        return None  # Discord shows the menu on messages of the interaction's channel
    ws = translate.workspace(place.guild_id)
    author_part = said.get("author")
    author_id = _snowflake(author_part.get("id")) if isinstance(author_part, Mapping) else None
    by_a_bot = (
        not isinstance(author_part, Mapping)
        or bool(author_part.get("bot"))
        or bool(said.get("webhook_id"))
        or said.get("type", 0) not in translate.SPOKEN
    )
    content = said.get("content")
    channel, thread = translate.refs(place, ws)
    return MessageSaved(
        key=f"discord:interaction:{interaction_id}",
        user=UserRef(ws, str(user_id)),
        channel=channel,
        message=MessageRef(ChannelRef(ws, str(place.channel_id)), target),
        text=content if isinstance(content, str) else "",
        author=None if by_a_bot or author_id is None else UserRef(ws, author_id),
        thread=thread,
    )


@runtime_checkable
class SaveHandler(Protocol):
    async def handle_save_as_do(self, interaction: discord.Interaction) -> None: ...


@app_commands.guild_only()
async def _chosen(interaction: discord.Interaction, message: discord.Message) -> None:
    """What discord.py calls: the message is read again from the raw payload."""
    client = interaction.client
    if isinstance(client, SaveHandler):
        await client.handle_save_as_do(interaction)


def context_menu() -> app_commands.ContextMenu:
    return app_commands.ContextMenu(name=NAME, callback=_chosen)


class SaveAsDo(ClientParts):
    """Mixed into `AlsClient`: the context menu's handler."""

    async def handle_save_as_do(self, interaction: discord.Interaction) -> None:
        """Record, then acknowledge, as `handle_command` does."""
        data: Mapping[str, Any] = interaction.data or {}

        def build(place: translate.Place) -> Event | str:
            made = message_saved(interaction.id, interaction.user.id, place, data)
            return NOT_HERE if made is None else made

        await self._take(interaction, build)
