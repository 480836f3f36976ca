"""Typing to the bot through a modal, for a bot that cannot read messages in its threads.

Without the Message Content intent Discord sends the bot an empty text for what people
type in a round's thread. The core then puts a `bot.typed_in` button on the phase's prompt
([Ask a question], [Add an action], [Give an update]); a press opens a modal with one text
field as the interaction's first answer (nothing is recorded: the press is not an event),
and the modal's submission is recorded as the `MessagePosted` the person would have typed
in that thread — keyed by the submission's interaction id, marked `via_form` — and only
then acknowledged (a silent deferral, as for a button), so the core's round logic reads
it exactly as a typed message.

The modal's `custom_id` names what it is for (`als_type:question`), so whichever process
holds the gateway can read a submission: discord.py's in-memory `Modal` never handles it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import discord

from adapters.discord import translate
from adapters.discord.client_parts import ClientParts
from adapters.discord.forms import INPUT_MAX_LENGTH, TITLE_LIMIT, answers
from adapters.discord.guilds import allowed, refuse
from bot.events import Event, MessagePosted
from bot.refs import ChannelRef, MessageRef, UserRef

log = logging.getLogger(__name__)

MODAL_PREFIX = "als_type:"
FIELD = "text"
MAX_TEXT = 2000  # what a person may type in one Discord message (without Nitro)
MODAL_TIMEOUT = 900.0
NOT_IN_THREAD = "That button belongs in a round's thread, so I did nothing. Please try there."
MISSED = "Nothing was typed, so nothing was sent."


def modal_id(what: str) -> str:
    return f"{MODAL_PREFIX}{what}"[:100]


def is_submission(custom_id: str) -> bool:
    return custom_id.startswith(MODAL_PREFIX)


def _cut(value: str, limit: int) -> str:
    value = value.strip() or "…"
    return value if len(value) <= limit else value[: limit - 1] + "…"


class TypingModal(discord.ui.Modal):
    """One paragraph field; the submission is read from the raw interaction by the client."""

    def __init__(self, what: str, title: str, field: str) -> None:
        super().__init__(
            title=_cut(title, TITLE_LIMIT), custom_id=modal_id(what), timeout=MODAL_TIMEOUT
        )
        self.add_item(
            discord.ui.TextInput(
                label=_cut(field, TITLE_LIMIT),
                custom_id=FIELD,
                style=discord.TextStyle.paragraph,
                required=True,
                max_length=min(MAX_TEXT, INPUT_MAX_LENGTH),
            )
        )


def pressed_label(interaction: discord.Interaction, custom_id: str) -> str | None:
    """The label of the button pressed, read from the message it is on."""
    for row in getattr(interaction.message, "components", None) or ():
        for item in getattr(row, "children", ()):
            if getattr(item, "custom_id", None) == custom_id:
                return getattr(item, "label", None)
    return None


def typed_event(
    interaction_id: int, user_id: int, place: translate.Place, data: Mapping[str, Any]
) -> MessagePosted | None:
    """A submitted modal → the message typed in the thread it was opened from; None when it
    is not in a server's thread or says nothing (Discord's client requires the field)."""
    words = answers(data).get(FIELD, "").strip()
    if place.guild_id is None or place.parent_id is None or not words:
        return None
    ws = translate.workspace(place.guild_id)
    channel, thread = translate.refs(place, ws)
    return MessagePosted(
        key=f"discord:interaction:{interaction_id}",
        user=UserRef(ws, str(user_id)),
        channel=channel,
        message=MessageRef(ChannelRef(ws, str(place.channel_id)), str(interaction_id)),
        text=words[:MAX_TEXT],
        thread=thread,
        via_form=True,
    )


class TypingForms(ClientParts):
    """Mixed into `AlsClient`: the press that opens the modal, and its submission."""

    async def open_typing_form(
        self, interaction: discord.Interaction, what: str, custom_id: str, field: str
    ) -> None:
        """The modal as the press's first answer; nothing recorded until it comes back."""
        if not allowed(interaction.guild_id, self.allowed_guild_ids):
            await refuse(interaction)
            return
        title = pressed_label(interaction, custom_id) or field
        try:
            await interaction.response.send_modal(TypingModal(what, title, field))
        except (discord.InteractionResponded, discord.HTTPException) as exc:
            log.info("discord: typing form for %s not opened (%s)", interaction.id, exc)

    async def handle_typed(self, interaction: discord.Interaction) -> None:
        """A typing form sent back: recorded as the message it stands for, then deferred."""
        data: Mapping[str, Any] = interaction.data or {}

        def build(place: translate.Place) -> Event | str:
            event = typed_event(interaction.id, interaction.user.id, place, data)
            if event is None:
                return NOT_IN_THREAD if answers(data).get(FIELD, "").strip() else MISSED
            return event

        await self._take(interaction, build, thinking=False, settle=False)
