"""Teams reactions → the core's `ReactionAdded` / `ReactionRemoved`.

Teams sends a bot reactions only on its own messages (`messageReaction`, on `replyToId`),
by the six names it has always had (`like`, `heart`, …) or, for the newer reactions, an id
holding the emoji's code points (`2705_whiteheavycheckmark`): both are read into the
core's emoji names, so a set's do emoji (✅ by default) is reachable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from adapters.teams import ids
from adapters.teams.fields import conversation_of, key_of, str_at, thread_of
from bot.emoji_names import normalise_emoji
from bot.events import Event, ReactionAdded, ReactionRemoved
from bot.refs import MessageRef

# Teams' first six reactions, by the names it still sends for them.
REACTIONS = {
    "like": "thumbsup",
    "heart": "heart",
    "laugh": "laughing",
    "surprised": "open_mouth",
    "sad": "cry",
    "angry": "angry",
}
# A newer reaction id: its code points in hex, then a name (`2705_whiteheavycheckmark`,
# `1f44d-1f3fd_thumbsup` with a skin tone).
EMOJI_ID = re.compile(r"^(?P<points>[0-9a-f]{2,6}(?:-[0-9a-f]{2,6})*)_\w+$", re.IGNORECASE)


def emoji_name(reaction_type: str) -> str:
    """The core's name for a Teams reaction (`like` → `thumbsup`, `2705_…` → the
    `white_check_mark` every set saves a do with by default), "" if unreadable."""
    raw = reaction_type.strip()
    if raw.lower() in REACTIONS:
        return REACTIONS[raw.lower()]
    coded = EMOJI_ID.match(raw)
    if coded is not None:
        try:
            chars = "".join(chr(int(p, 16)) for p in coded["points"].split("-"))
        except (ValueError, OverflowError):
            chars = ""
        name = normalise_emoji(chars) if chars else ""
        if name:
            return name
    return normalise_emoji(raw)


def reactions(activity: Mapping[str, Any], aad: str, tenant: str) -> list[Event]:
    target = str_at(activity, "replyToId")
    base, _ = conversation_of(activity)
    if not target:
        return []
    channel = ids.channel(tenant, base)
    message = MessageRef(channel, target)
    user = ids.person(tenant, aad)
    thread = thread_of(activity, channel, target)
    events: list[Event] = []
    for field, added in (("reactionsRemoved", False), ("reactionsAdded", True)):
        listed = activity.get(field)
        for reaction in listed if isinstance(listed, list) else []:
            raw = str_at(reaction, "type")
            emoji = emoji_name(raw)
            key = key_of(activity, "add" if added else "remove", raw)
            if not emoji or key is None:
                continue
            if added:
                events.append(
                    ReactionAdded(
                        key=key, user=user, message=message, emoji=emoji, thread=thread, variant=raw
                    )
                )
            else:
                events.append(
                    ReactionRemoved(key=key, user=user, message=message, emoji=emoji, variant=raw)
                )
    return events
