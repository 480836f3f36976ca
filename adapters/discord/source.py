"""`bot.ports.MessageSource` for Discord: the reacted-to message, fetched by REST.

Raw reaction events carry ids only, and the client's message cache is neither complete
(it holds the last thousand messages seen since start) nor trustworthy for text that was
edited while the bot was away, so the message is always fetched.

Without the privileged MESSAGE_CONTENT intent Discord returns other people's messages with
empty content.  That is reported faithfully — `text=""` with `content_missing` set on the
source — so the core can tell the facilitator instead of saving empty do's. Whether a
channel is private is read from the client's cache of the server (`channel_is_private`).

A message deleted or hidden from the bot is None; Discord failing for now (a 429 that
discord.py did not wait out, a 5xx after its own retries, a timeout or a dropped
connection) raises `FetchRetry`, so the core tries the event again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

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
        the server's channels and roles), so no request is made; None when not cached."""
        where = self.client.get_channel(int(channel.id))
        if isinstance(where, discord.Thread):
            if where.type is discord.ChannelType.private_thread:
                return True
            where = where.parent
        if isinstance(where, (discord.DMChannel, discord.GroupChannel)):
            return True
        if isinstance(where, discord.abc.GuildChannel):
            return not where.permissions_for(where.guild.default_role).view_channel
        return None


def _retry_after(error: discord.HTTPException) -> float | None:
    try:
        return float(error.response.headers.get("Retry-After", ""))
    except (AttributeError, TypeError, ValueError):
        return None
