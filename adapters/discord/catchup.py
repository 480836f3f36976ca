"""After a gap the gateway cannot replay: read the set channels back by REST.

When a session cannot be RESUMEd (it expired while alsbot was down, or Discord invalidated
it), what happened meanwhile is not sent again. Reactions are what matters — a ✅ added
during a restart must still save its do — so for each set channel on Discord the messages
since the gap began (less `LOOKBACK`, for reactions to messages posted just before it) are
listed (`GET /channels/{id}/messages?after=`), and for each with the set's do emoji its
reactors are read (`GET …/reactions/{emoji}?type=0|1`, normal and burst). Each becomes an
ordinary `ReactionAdded` whose key ends in `catchup:{anchor}`: a repeated catch-up of the
same gap submits the same keys (the inbox drops them), and a reaction already recorded
live is one more add of a variant the person already has (the core counts people once).

What REST cannot show is not recovered: a reaction removed during the gap (the do stays),
and reactions on messages older than the look-back.

After a RESUME by a new process discord.py's cache is empty (Discord sends the servers
only after IDENTIFY), so `warm_cache` fills it from REST: the DM routing, thread parents
and channel privacy read it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import discord
from discord.utils import time_snowflake
from sqlalchemy import select

from adapters.discord import translate
from adapters.discord.emoji import rest_name, short_code
from adapters.discord.gateway_state import CatchUp
from adapters.discord.guilds import allowed
from bot.emoji_names import normalise_emoji
from bot.store.models import Set as SetRow

log = logging.getLogger(__name__)
SETS = SetRow.__table__
LOOKBACK = timedelta(hours=6)
MAX_PAGES = 20  # 2,000 messages per channel and gap
PAGE = 100
NORMAL, BURST = 0, 1


class CatchUpReader:
    """`await reader(gap)`: submit the do-emoji reactions the gap hid."""

    def __init__(self, client: Any, store: Any, default_emoji: str) -> None:
        self.client = client
        self.store = store
        self.default_emoji = normalise_emoji(default_emoji) or "white_check_mark"
        self.submitted = 0

    async def set_channels(self) -> list[tuple[int, int, str]]:
        """(guild id, channel id, do emoji) for every set on Discord."""
        async with self.store.read() as conn:
            found = await conn.execute(
                select(SETS.c.channel_key, SETS.c.settings).where(
                    SETS.c.channel_key.like("discord:%")
                )
            )
            rows = list(found)
        channels = []
        for key, settings in rows:
            _, guild, channel = str(key).split(":", 2)
            emoji = settings.get("do_emoji") if isinstance(settings, dict) else None
            name = normalise_emoji(str(emoji)) if emoji else self.default_emoji
            if guild.isdigit() and channel.isdigit() and name:
                channels.append((int(guild), int(channel), name))
        return channels

    async def __call__(self, gap: CatchUp) -> None:
        since = datetime.fromisoformat(gap.since) - LOOKBACK
        channels = await self.set_channels()
        log.info(
            "discord: catching up on %d set channel(s) since %s (the session could not resume)",
            len(channels),
            gap.since,
        )
        before = self.submitted
        for guild_id, channel_id, emoji in channels:
            if not allowed(guild_id, self.client.allowed_guild_ids):
                continue  # a server alsbot is leaving (`guilds.py`)
            for place in self._places(guild_id, channel_id):
                try:
                    await self._channel(place, emoji, since, gap.anchor)
                except (discord.NotFound, discord.Forbidden) as exc:
                    log.info("discord: cannot catch up on %s: %s", place.channel_id, exc)
        log.info("discord: caught up: %d reaction(s) submitted", self.submitted - before)

    def _places(self, guild_id: int, channel_id: int) -> list[translate.Place]:
        """The set's channel, and its threads discord.py knows to be active (rounds')."""
        places = [translate.Place(guild_id, channel_id)]
        guild = self.client.get_guild(guild_id)
        for thread in guild.threads if guild is not None else []:
            if thread.parent_id == channel_id:
                places.append(translate.Place(guild_id, thread.id, channel_id))
        return places

    async def _channel(
        self, place: translate.Place, emoji: str, since: datetime, anchor: str
    ) -> None:
        after = time_snowflake(since)
        for _ in range(MAX_PAGES):
            page = await self.client.http.logs_from(place.channel_id, PAGE, after=after)
            if not page:
                return
            for message in page:
                await self._message(place, message, emoji, anchor)
            after = max(int(m["id"]) for m in page)
            if len(page) < PAGE:
                return

    async def _message(
        self, place: translate.Place, message: dict[str, Any], emoji: str, anchor: str
    ) -> None:
        author = (message.get("author") or {}).get("id")
        for reaction in message.get("reactions") or []:
            raw = reaction.get("emoji") or {}
            name, custom_id = raw.get("name"), raw.get("id")
            custom = int(custom_id) if custom_id else None
            if not name or short_code(name, custom) != emoji:
                continue
            details = reaction.get("count_details") or {"normal": reaction.get("count", 0)}
            for kind in (NORMAL, BURST):
                if not details.get("burst" if kind == BURST else "normal"):
                    continue
                users = await self.client.http.get_reaction_users(
                    place.channel_id,
                    int(message["id"]),
                    rest_name(name, custom_id),
                    PAGE,
                    type=kind,
                )
                for user in users:
                    await self._submit(
                        place, message, name, custom, int(user["id"]), author, kind == BURST,
                        anchor,
                    )  # fmt: skip

    async def _submit(
        self,
        place: translate.Place,
        message: dict[str, Any],
        name: str,
        custom: int | None,
        user_id: int,
        author: str | None,
        burst: bool,
        anchor: str,
    ) -> None:
        event = translate.reaction_event(
            added=True,
            message_id=int(message["id"]),
            user_id=user_id,
            emoji_name=name,
            emoji_id=custom,
            place=place,
            bot_id=self.client.user.id if self.client.user else None,
            message_author_id=int(author) if author else None,
            occurrence=f"catchup:{anchor}",
            burst=burst,
        )
        if event is not None and await self.client.alsbot.submit(event):
            self.submitted += 1


async def warm_cache(client: Any) -> None:
    """Fill discord.py's empty cache after a RESUME by a new process: the servers, their
    channels and active threads, and alsbot's own member (its permissions)."""
    state = client._connection
    http = client.http
    guilds = await http.get_guilds(200)
    for partial in guilds:
        guild_id = int(partial["id"])
        if state._get_guild(guild_id) is not None:
            continue
        data = await http.get_guild(guild_id)
        data["channels"] = await http.get_all_guild_channels(guild_id)
        try:
            data["threads"] = (await http.get_active_threads(guild_id)).get("threads", [])
        except discord.HTTPException:
            data["threads"] = []
        if client.user is not None:
            try:
                data["members"] = [await http.get_member(guild_id, client.user.id)]
            except discord.HTTPException:
                data["members"] = []
        state._add_guild_from_data(data)
    log.info("discord: loaded %d server(s) by REST after resuming", len(guilds))
