"""Registering `/als` with Discord: globally, or in one guild while developing.

Global commands take a while to appear everywhere; guild commands appear at once, which is
what `discord.dev_guild_id` is for.  Discord limits how often commands may be created, so
the commands are compared with what is registered and only written when they differ —
restarting the bot does not re-upload them.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)
_COMPARED = ("name", "description", "type", "options", "choices", "required", "min_value",
             "max_value", "contexts", "integration_types")  # fmt: skip


def _shape(value: Any) -> Any:
    """The parts of a command payload that matter, in a comparable form (Discord gives a
    message command an empty description; discord.py's payload has none)."""
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, dict):
        kept = {
            k: _shape(v) for k, v in value.items() if k in _COMPARED and v not in (None, [], "")
        }
        if kept.get("required") is False:
            del kept["required"]
        return kept
    return value


def same_commands(wanted: list[dict[str, Any]], registered: list[dict[str, Any]]) -> bool:
    def key(commands: list[dict[str, Any]]) -> str:
        return json.dumps(sorted((_shape(c) for c in commands), key=lambda c: c.get("name", "")),
                          sort_keys=True)  # fmt: skip

    return key(wanted) == key(registered)


async def sync_commands(
    client: discord.Client, tree: app_commands.CommandTree, dev_guild_id: int | None
) -> bool:
    """Make Discord's `/als` match the tree; True when something was written."""
    app_id = client.application_id
    if app_id is None:  # pragma: no cover - login always sets it
        raise RuntimeError("the application id is unknown; log in first")
    guild = discord.Object(dev_guild_id) if dev_guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    wanted: list[dict[str, Any]] = [dict(c.to_dict(tree)) for c in tree.get_commands(guild=guild)]
    if guild is None:
        registered = await client.http.get_global_commands(app_id)
    else:
        registered = await client.http.get_guild_commands(app_id, guild.id)
    if same_commands(wanted, [dict(c) for c in registered]):
        log.info("discord: /als is already registered %s", "in the dev guild" if guild else "")
        return False
    await tree.sync(guild=guild)
    log.info("discord: registered /als %s", f"in guild {guild.id}" if guild else "globally")
    return True
