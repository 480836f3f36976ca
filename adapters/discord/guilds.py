"""Which Discord servers alsbot serves: `[discord] allowed_guild_ids`, and leaving the rest.

An invite link carries only the application id, and a *Public Bot* can be added by anyone
who has that id to any server they manage. Everything said in such a server (messages,
reactions, `/als`) would then land in this operator's database. So, with a list set, the
bot leaves every server not on it — those it is in at READY, those it joins later — and,
until Discord confirms it has left, drops their events before the inbox. DMs are not a
server's events and are left alone. An empty list serves any server, with a warning.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Collection, Iterable

import discord

log = logging.getLogger(__name__)
NOT_HERE = "This alsbot is not set up for this server."


def allowed(guild_id: int | None, allowed_ids: Collection[int]) -> bool:
    """May alsbot record what happens in `guild_id` (None: a DM, not a server's)?"""
    return guild_id is None or not allowed_ids or guild_id in allowed_ids


def warn_if_open(allowed_ids: Collection[int]) -> None:
    """Said once per start: an operator who never set the list should learn why to."""
    if allowed_ids:
        return
    log.warning(
        "discord: [discord] allowed_guild_ids is empty, so alsbot serves any server it is "
        "added to: anyone who sees the invite link's client id can add it to their own "
        "server, and what is said there lands in this database. Set allowed_guild_ids "
        "(ALSBOT_DISCORD_ALLOWED_GUILD_IDS) and untick Public Bot (Developer Portal → Bot)."
    )


async def leave_unlisted(
    guilds: Iterable[discord.Guild], allowed_ids: Collection[int], leaving: set[int]
) -> list[int]:
    """Leave each server not on the list; returns the ids left. `leaving` holds the leaves
    in flight, so READY and a join at once ask only once. A refused leave is logged and
    tried again on the next READY or resume; its events stay dropped meanwhile."""
    left = []
    for guild in list(guilds):
        if allowed(guild.id, allowed_ids) or guild.id in leaving:
            continue
        leaving.add(guild.id)
        log.warning(
            "discord: leaving server %r (%s): it is not in [discord] allowed_guild_ids",
            guild.name,
            guild.id,
        )
        try:
            await guild.leave()
        except discord.HTTPException as exc:
            log.warning(
                "discord: could not leave server %s (%s); ignoring everything from it",
                guild.id,
                exc,
            )
            continue
        finally:
            leaving.discard(guild.id)
        left.append(guild.id)
    return left


async def refuse(interaction: discord.Interaction) -> None:
    """Answer privately at once, so nobody is left with "thinking…"; nothing is kept (no
    token, no event) of an interaction from a server alsbot does not serve."""
    log.info(
        "discord: interaction %s from server %s, not in allowed_guild_ids: refused",
        interaction.id,
        interaction.guild_id,
    )
    with contextlib.suppress(discord.HTTPException, discord.InteractionResponded):
        await interaction.response.send_message(NOT_HERE, ephemeral=True)
