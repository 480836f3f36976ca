"""`bot.ports.MessageSource` for Discord: the reacted-to message, fetched by REST.

Raw reaction events carry ids only, and the client's message cache is neither complete
(it holds the last thousand messages seen since start) nor trustworthy for text that was
edited while the bot was away, so the message is always fetched.  Nothing here needs the
gateway: a process standing by for it (`gateway_lease.py`) answers by REST alone.

Without the privileged MESSAGE_CONTENT intent Discord returns other people's messages with
empty content.  That is reported faithfully — `text=""` with `content_missing` set on the
source — so the core can tell the facilitator instead of saving empty do's. Whether a
channel is private is read from the client's cache of the server (`channel_is_private`),
or, in a process that holds no server because it stands by for the gateway, asked of
Discord.

A message deleted or hidden from the bot is None; Discord failing for now (a 429 that
discord.py did not wait out, a 5xx after its own retries, a timeout or a dropped
connection) raises `FetchRetry`, so the core tries the event again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from bot.ports import FetchedMessage, FetchRetry
from bot.refs import ChannelRef, MessageRef, UserRef

log = logging.getLogger(__name__)


class DiscordMessageSource:
    def __init__(self, client: discord.Client, reads_content: Callable[[], bool]) -> None:
        self.client = client
        self._reads_content = reads_content

    @property
    def content_missing(self) -> bool:
        """True when Discord will hide message text from this bot (intent not granted)."""
        return not self._reads_content()

    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None:
        try:
            data = await self.client.http.get_message(int(message.channel.id), int(message.id))
        except (discord.NotFound, discord.Forbidden):
            return None
        except discord.RateLimited as error:
            raise FetchRetry("discord: rate limited", after=error.retry_after) from error
        except discord.DiscordServerError as error:
            raise FetchRetry(f"discord: HTTP {error.status}") from error
        except discord.HTTPException as error:
            if error.status != 429:
                raise
            raise FetchRetry("discord: HTTP 429", after=_retry_after(error)) from error
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise FetchRetry(f"discord: {type(error).__name__}") from error
        ws = message.channel.workspace
        author = data.get("author") or {}
        thread = None
        where = self.client.get_channel(int(message.channel.id))
        if isinstance(where, discord.Thread) and where.parent_id is not None:
            parent = ChannelRef(ws, str(where.parent_id))
            thread = MessageRef(parent, str(where.id))
        content = data.get("content") or ""
        if not content and self.content_missing:
            log.warning(
                "message %s came back without text: the MESSAGE_CONTENT intent is not enabled",
                message.id,
            )
        return FetchedMessage(
            author=UserRef(ws, str(author["id"])) if author.get("id") else None,
            text=content,
            thread=thread,
            author_is_bot=bool(author.get("bot")),
        )

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        """A server channel (or a thread's parent) whose @everyone role cannot view it is
        private; a DM is private. Read from what the client already holds (its cache of
        the server's channels and roles), so no request is made; None when not cached.
        A process standing by for the gateway holds no server: it asks Discord."""
        where = self.client.get_channel(int(channel.id))
        if where is None and not self.client.guilds:
            return await self._private_by_rest(int(channel.id))
        if isinstance(where, discord.Thread):
            if where.type is discord.ChannelType.private_thread:
                return True
            where = where.parent
        if isinstance(where, (discord.DMChannel, discord.GroupChannel)):
            return True
        if isinstance(where, discord.abc.GuildChannel):
            return not where.permissions_for(where.guild.default_role).view_channel
        return None

    async def display_name(self, user: UserRef) -> str | None:
        """The name Discord shows for the person: their nickname in the set's server when
        the client holds it, else their global name, else their user name — from the
        cache, or asked by REST (`GET /users/{id}`) in a process that holds none. None
        when Discord will not say; the page then shows "A member", never the id."""
        if not user.id.isascii() or not user.id.isdigit():
            return None
        user_id = int(user.id)
        guild = (
            self.client.get_guild(int(user.workspace.id)) if user.workspace.id.isdigit() else None
        )
        found: discord.abc.User | None = guild.get_member(user_id) if guild is not None else None
        found = found or self.client.get_user(user_id)
        if found is None:
            try:
                found = await self.client.fetch_user(user_id)
            except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
                log.info("discord: no display name for a person (%s)", type(error).__name__)
                return None
        name = found.display_name
        return name.strip() if isinstance(name, str) and name.strip() else None

    async def _private_by_rest(self, channel_id: int) -> bool | None:
        http = self.client.http
        try:
            data: dict[str, Any] = dict(await http.get_channel(channel_id))
            kind = data.get("type")
            if kind in PRIVATE_KINDS:
                return True
            if kind in THREAD_KINDS and data.get("parent_id"):
                data = dict(await http.get_channel(int(data["parent_id"])))
            guild_id = data.get("guild_id")
            if not guild_id:
                return None
            guild = await http.get_guild(int(guild_id))
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
            log.info("discord: could not tell whether channel %s is private: %s", channel_id, error)
            return None
        return not _everyone_can_view(dict(guild), data)


PRIVATE_KINDS = (1, 3, 12)  # a DM, a group DM, a private thread
THREAD_KINDS = (10, 11)  # announcement and public threads: as private as their channel
VIEW_CHANNEL, ADMINISTRATOR = 1 << 10, 1 << 3


def _everyone_can_view(guild: dict[str, Any], channel: dict[str, Any]) -> bool:
    """What `GuildChannel.permissions_for(guild.default_role).view_channel` says, from raw
    payloads: the @everyone role (its id is the server's), then its channel overwrite."""
    guild_id = str(guild.get("id"))
    role = next((r for r in guild.get("roles") or [] if str(r.get("id")) == guild_id), None)
    permissions = int(role.get("permissions") or 0) if role else 0
    if permissions & ADMINISTRATOR:
        return True
    for overwrite in channel.get("permission_overwrites") or []:
        if str(overwrite.get("id")) == guild_id:
            permissions &= ~int(overwrite.get("deny") or 0)
            permissions |= int(overwrite.get("allow") or 0)
    return bool(permissions & VIEW_CHANNEL)


def _retry_after(error: discord.HTTPException) -> float | None:
    try:
        return float(error.response.headers.get("Retry-After", ""))
    except (AttributeError, TypeError, ValueError):
        return None
