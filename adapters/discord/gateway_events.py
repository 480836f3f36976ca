"""Gateway events in: messages and reactions become core events, stamped and tracked.

Mixed into `AlsClient`. Each dispatch alsbot records is stamped (in `dispatch`, called by
discord.py synchronously after the parser) with the gateway session and sequence it came
in under, and reported recorded (or not) when its handler is done, so the stored sequence a
restart resumes from never passes an event that is not in the inbox (`connection.py`).

Where a thing happened is read from the payload (`_note_raw`), not from discord.py's cache:
a message from a server discord.py has not cached is still that server's, not a DM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from adapters.discord import translate
from adapters.discord.catchup import warm_cache
from adapters.discord.guilds import allowed, leave_unlisted
from bot.events import Event
from bot.refs import UserRef

log = logging.getLogger(__name__)
SERVERS_WITHIN = 10.0  # how long a DM waits for the servers to be known


if TYPE_CHECKING:  # what the mixin uses of discord.Client, for the type checker only
    _Client = discord.Client
else:
    _Client = object


class GatewayEvents(_Client):
    """`on_message`, `on_raw_reaction_*`, and where things are (`_place`, `dm_home`)."""

    _message_guilds: dict[int, int | None]
    _interaction_channels: dict[int, int]
    _parents: dict[int, int | None]
    _dm_homes: dict[str, str]
    connected: asyncio.Event
    allowed_guild_ids: frozenset[int]  # `[discord] allowed_guild_ids`; empty: any server
    _leaving: set[int]
    can_read_content: bool  # has the Message Content intent (`AlsClient.setup_hook`)

    if TYPE_CHECKING:  # AlsClient's and SupervisedGateway's

        async def _submit(self, event: Event) -> bool | None: ...
        def _take_stamp(self, payload: Any) -> tuple[str | None, int | None]: ...
        def _stamp(self, event: str, payload: Any) -> None: ...
        def _recorded(self, sequence: int | None, ok: bool) -> None: ...

    async def on_ready(self) -> None:
        self.connected.set()

    async def on_resumed(self) -> None:
        """A RESUME by a new process gets no READY (and no servers): it is connected all
        the same, and fills discord.py's cache by REST."""
        if not self._connection._guilds:
            try:
                await warm_cache(self)
            except discord.HTTPException as exc:
                log.warning("discord: could not load the servers after resuming: %s", exc)
        self.connected.set()
        await self._leave_unlisted(self.guilds)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Each server of READY (discord.py dispatches this for each before `on_ready`), and
        one back from an outage."""
        await self._leave_unlisted([guild])

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Someone added alsbot to a server just now."""
        await self._leave_unlisted([guild])

    async def _leave_unlisted(self, guilds: Sequence[discord.Guild]) -> None:
        """Servers not in `allowed_guild_ids` are left (`guilds.py`)."""
        await leave_unlisted(guilds, self.allowed_guild_ids, self._leaving)

    def _note_raw(self, event: str, data: Any) -> None:
        if not isinstance(data, dict):
            return
        if event == "MESSAGE_CREATE" and "id" in data:
            if len(self._message_guilds) > 1000:
                self._message_guilds.clear()
            guild = data.get("guild_id")
            self._message_guilds[int(data["id"])] = int(guild) if guild else None
        elif event == "INTERACTION_CREATE" and "id" in data and not data.get("channel"):
            if len(self._interaction_channels) > 1000:
                self._interaction_channels.clear()
            if str(data.get("channel_id") or "").isdigit():
                self._interaction_channels[int(data["id"])] = int(data["channel_id"])

    async def on_message(self, message: discord.Message) -> None:
        _, sequence = self._take_stamp(message)
        recorded = False
        try:
            recorded = await self._message(message)
        finally:
            self._recorded(sequence, recorded)

    async def _message(self, message: discord.Message) -> bool:
        """False if the message was for alsbot and could not be recorded."""
        # A server message's guild is the payload's `guild_id`, whether or not discord.py
        # has that server cached (a message from an uncached one is not a DM).
        guild_id = self._message_guilds.pop(message.id, None)
        if message.author.bot or message.webhook_id is not None:
            return True
        if guild_id is None and message.guild is not None:
            guild_id = message.guild.id
        if not allowed(guild_id, self.allowed_guild_ids):
            return True  # a server alsbot is leaving: dropped, never recorded
        place = await self._place(message.channel.id, guild_id)
        home = None if guild_id else await self.dm_home(message.author.id)
        event = translate.message_event(
            message_id=message.id,
            author_id=message.author.id,
            author_is_bot=message.author.bot,
            content=message.content,
            place=place,
            message_type=message.type.value,
            dm_workspace=home,
            withheld=not self.can_read_content,
        )
        if event is not None:
            return await self._submit(event) is not None
        if guild_id is None:
            log.info("discord: a DM from %s shares no server with alsbot", message.author.id)
        return True

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        """Stamp reactions and messages with the gateway session and sequence they came in.

        discord.py calls this synchronously right after recording the sequence, so the
        stamp is exact. It is what tells a RESUME replay of a reaction (same stamp, so the
        inbox drops it) from someone adding it again after removing it (a new stamp), and
        what keeps the stored sequence below every dispatch not yet recorded.
        """
        if args:
            self._stamp(event, args[0])
        super().dispatch(event, *args, **kwargs)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, added=True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, added=False)

    async def _reaction(self, payload: discord.RawReactionActionEvent, *, added: bool) -> None:
        session, sequence = self._take_stamp(payload)
        recorded = False
        try:
            if not allowed(payload.guild_id, self.allowed_guild_ids):
                recorded = True  # a server alsbot is leaving: dropped, never recorded
                return
            place = await self._place(payload.channel_id, payload.guild_id)
            event = translate.reaction_event(
                added=added,
                message_id=payload.message_id,
                user_id=payload.user_id,
                emoji_name=payload.emoji.name,
                emoji_id=payload.emoji.id,
                place=place,
                bot_id=self.user.id if self.user else None,
                message_author_id=payload.message_author_id,
                occurrence=f"{session}:{sequence}" if sequence is not None else None,
                burst=payload.burst,
            )
            recorded = event is None or await self._submit(event) is not None
        finally:
            self._recorded(sequence, recorded)

    # ------------------------------------------------------------------ where things are

    async def _place(self, channel_id: int | None, guild_id: int | None) -> translate.Place:
        """A channel, or a thread and its parent: from the cache, else asked of Discord once."""
        channel_id = channel_id or 0
        if guild_id is None or not channel_id:
            return translate.Place(guild_id, channel_id)
        if channel_id not in self._parents:
            found: Any = self.get_channel(channel_id)
            if found is None:
                try:
                    found = await self.fetch_channel(channel_id)
                except discord.HTTPException as exc:
                    log.warning("discord: cannot look up channel %s: %s", channel_id, exc)
                    return translate.Place(guild_id, channel_id)
            is_thread = isinstance(found, discord.Thread)
            self._parents[channel_id] = found.parent_id if is_thread else None
        return translate.Place(guild_id, channel_id, self._parents[channel_id])

    def remember_dm_home(self, user: UserRef) -> None:
        """The outlet DMed `user` on behalf of this guild: their answer belongs there too."""
        self._dm_homes[user.id] = user.workspace.id

    async def dm_home(self, user_id: int) -> str | None:
        """Which server a DM belongs to: the one alsbot last wrote from, else the first
        server (by id) the person shares with alsbot, else None."""
        known = self._dm_homes.get(str(user_id))
        if known is not None:
            return known
        if not self.connected.is_set():  # a DM a RESUME replays comes before the servers
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SERVERS_WITHIN):
                    await self.connected.wait()
        for guild in sorted(self.guilds, key=lambda g: g.id):
            if not allowed(guild.id, self.allowed_guild_ids):
                continue  # a server alsbot is leaving is nobody's DM home
            if guild.get_member(user_id) is not None:
                return str(guild.id)
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                await guild.fetch_member(user_id)
                return str(guild.id)
        return None
