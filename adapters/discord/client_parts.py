"""What a mixin of `AlsClient` (`save_as_do.SaveAsDo`, `typing_forms.TypingForms`) uses of
the client, declared once for the type checker: at run time the base is `object`, and the
methods are `AlsClient`'s own (record, then acknowledge; say no privately)."""

from __future__ import annotations

from collections.abc import Callable
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

        async def _take(
            self,
            interaction: discord.Interaction,
            build: Callable[[translate.Place], Event | str],
            *,
            thinking: bool = True,
            settle: bool = True,
        ) -> None: ...
