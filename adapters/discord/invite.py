"""The install link: scopes `bot` and `applications.commands`, and only the permissions used.

Each permission is here because a feature needs it; nothing else is asked for, so a server
admin can read the consent screen and see why.
"""

from __future__ import annotations

from collections.abc import Collection

import discord

# (permission, why alsbot needs it)
NEEDED: tuple[tuple[str, str], ...] = (
    ("view_channel", "see the set's channel and its threads"),
    ("send_messages", "post session headers, summaries and answers"),
    ("send_messages_in_threads", "run each session inside its thread"),
    ("create_public_threads", "start the session thread from the header message"),
    ("attach_files", "send exports (`/als dos export`, `/als export-me`) and long texts"),
    ("read_message_history", "fetch the message someone reacted to, to collect a do"),
)
SCOPES = ("bot", "applications.commands")


def permissions() -> discord.Permissions:
    return discord.Permissions(**{name: True for name, _ in NEEDED})


def invite_url(application_id: int | str) -> str:
    """The URL a server admin opens to add alsbot (its application id is the client id)."""
    return discord.utils.oauth_url(str(application_id), permissions=permissions(), scopes=SCOPES)


def reminder(allowed_guild_ids: Collection[int]) -> str:
    """One line: the link is only as private as the *Public Bot* switch and the allow-list."""
    first = "Reminder: untick Public Bot (Developer Portal → Bot) so only you can add alsbot"
    if allowed_guild_ids:
        listed = len(allowed_guild_ids)
        return f"{first}; [discord] allowed_guild_ids lists {listed}, and it leaves any other."
    return f"{first}, and set [discord] allowed_guild_ids to the servers it may serve."


def explain() -> str:
    """One line per permission, with the integer Discord expects."""
    lines = [f"permissions={permissions().value} (scopes: {' '.join(SCOPES)})"]
    lines += [f"  {name}: {why}" for name, why in NEEDED]
    return "\n".join(lines)
