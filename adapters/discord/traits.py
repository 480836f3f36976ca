"""What the core may assume about Discord (`bot.ports.PlatformTraits`), declared on attach.

A user id (a snowflake) is the same person in every server, and a DM arrives with no
server at all: the core finds a person's sets by the id alone.  A message link is
documented and stable, so it needs no API call.  Delivery is paced by discord.py, which
follows Discord's own rate-limit headers, so the core adds no pacing of its own.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from bot.ports import PlatformTraits
from bot.refs import MessageRef

# Without the privileged Message Content intent, Discord hands the bot an empty text for
# other people's messages: the facilitators are told the way that needs no intent ("Save
# as do"), and how to turn the intent on for reactions (when it was not off by choice).
UNREADABLE = (
    "Discord did not let me read its text: alsbot runs without Discord's Message Content "
    "intent. Save it with “Save as do” instead (right-click the message, or press and hold "
    "on a phone → Apps → Save as do), which needs no intent. For ✅ to work too, turn the "
    "intent on: in the Discord Developer Portal, open the application → Bot → Privileged "
    "Gateway Intents, turn on “Message Content Intent”, set `[discord] message_content = "
    "true`, and restart alsbot."
)


# The message context-menu command "Save as do" (issue 19), in the words Discord's menus use.
SAVE_AS_DO = (
    "from the message's menu (right-click it, or press and hold on a phone → Apps → Save as do)"
)


def message_link(message: MessageRef) -> str:
    guild = message.channel.workspace.id
    return f"https://discord.com/channels/{guild}/{message.channel.id}/{message.id}"


# A snowflake: a 64-bit integer, written in ASCII digits.
SNOWFLAKE = re.compile(r"[0-9]{1,20}")

DISCORD_TRAITS = PlatformTraits(
    global_user_ids=True,
    permalink=message_link,
    pacing=None,
    unreadable=UNREADABLE,
    user_id=SNOWFLAKE,
    save_as_do=SAVE_AS_DO,
)


def reading(can_read: Callable[[], bool]) -> PlatformTraits:
    """Discord's traits with whether the bot reads what people type: the client's answer,
    known once it has connected (the intent asked for, and granted to the application)."""
    return dataclasses.replace(DISCORD_TRAITS, reads_messages=can_read)
