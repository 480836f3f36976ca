"""What a mixin of `AlsClient` (`save_as_do.SaveAsDo`, `typing_forms.TypingForms`) uses of
the client, declared once for the type checker: at run time the base is `object`, and the
methods are `AlsClient`'s own (record, then acknowledge; say no privately)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from adapters.discord import translate
from bot.events import Event

if TYPE_CHECKING:
    _Client = discord.Client
else:
    _Client = object


class ClientParts(_Client):
    allowed_guild_ids: frozenset[int]

    if TYPE_CHECKING:  # AlsClient's

        async def _where(
            self, cause: str, interaction: discord.Interaction, *, thinking: bool
        ) -> translate.Place | None: ...
        async def _refuse(
            self, cause: str, interaction: discord.Interaction, message: str
        ) -> None: ...
        async def _record_then_defer(
            self,
            cause: str,
            event: Event,
            interaction: discord.Interaction,
            started: float,
            *,
            thinking: bool,
        ) -> bool: ...
        def _settle_later(self, cause: str) -> None: ...
