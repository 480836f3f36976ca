"""What the core may assume about Slack (`bot.ports.PlatformTraits`), declared on attach.

A user id means a person only within its workspace (the default).  Slack allows about one
message a second per channel, with short bursts: the `[slack]` config sets the core's
per-channel pacing below that, so a busy set is slowed rather than answered with 429s.
"""

from __future__ import annotations

import re

from bot.config import SlackConfig
from bot.ports import Pacing, PlatformTraits
from bot.refs import MessageRef

_TS = re.compile(r"\d+\.\d+")
# A Slack user id: `U…`, or `W…` on Enterprise Grid; upper-case letters and digits only.
USER_ID = re.compile(r"[UW][A-Z0-9]{1,39}")
# The message shortcut "Save as do" (issue 19), in the words Slack's menus use.
SAVE_AS_DO = "from the message's ⋯ menu (More actions → Save as do)"


def archive_link(message: MessageRef) -> str | None:
    """A link that needs no API call, for a message with a real `ts`.

    Slack's canonical permalink needs the workspace's domain (from `chat.getPermalink`),
    which alsbot does not keep, so the archive link is used: it opens the message for
    anyone signed in to the workspace.
    """
    if not _TS.fullmatch(message.id):
        return None
    return f"https://slack.com/archives/{message.channel.id}/p{message.id.replace('.', '')}"


def slack_traits(config: SlackConfig) -> PlatformTraits:
    return PlatformTraits(
        global_user_ids=False,
        permalink=archive_link,
        pacing=Pacing(config.channel_rate_per_second, config.channel_burst),
        user_id=USER_ID,
        save_as_do=SAVE_AS_DO,
    )
