"""What the core may assume about Teams (`bot.ports.PlatformTraits`), declared on attach.

A person's id is their Entra object id, which means them within their tenant (the
workspace) only. A link to a message needs the team's group id, which a reference does not
carry, so there is none. Teams allows a bot about 7 messages a second and 60 in 30 seconds
in one conversation: the core paces a channel below that. Teams gives a bot reactions only
on its own messages, so "Save as do" (a message action) is how any other message is saved.
With the app's resource-specific consent (`ChannelMessage.Read.Group`,
`ChatMessage.Read.Chat`) the bot reads what is typed in a team's channels without being
@mentioned, so a round's phases need no typing buttons.
"""

from __future__ import annotations

import re

from bot.ports import Pacing, PlatformTraits

# An Entra object id: a GUID, lower case (`ids.person`).
OBJECT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

SAVE_AS_DO = "from the message's ⋯ menu (More actions → Save as do)"

UNREADABLE = (
    "Teams did not give me its text (only an image, a file or a card, perhaps). Use “Save "
    "as do” on a message with words in it instead: ⋯ → More actions → Save as do."
)

TEAMS_TRAITS = PlatformTraits(
    global_user_ids=False,
    pacing=Pacing(rate_per_second=1.5, burst=5),
    unreadable=UNREADABLE,
    user_id=OBJECT_ID,
    save_as_do=SAVE_AS_DO,
)
