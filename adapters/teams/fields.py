"""What an activity says, read defensively: Teams' JSON as sent (any field may be missing
or of another type), each value checked before it is used. Shared by the translation, the
listener (which keeps references from every activity) and the Save-as-do reading.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from adapters.teams import ids
from adapters.teams.traits import OBJECT_ID
from bot.refs import ChannelRef, MessageRef

KEY_ROOM = 300  # the inbox's key column
# No Teams id holds a control character, and PostgreSQL refuses U+0000 in text.
ID_JUNK = re.compile(r"[\x00-\x1f\x7f]")


def dict_at(value: Any, key: str) -> Mapping[str, Any]:
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def str_at(value: Any, key: str) -> str:
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, str) else ""


def tenant_of(activity: Mapping[str, Any]) -> str:
    """The Entra tenant id (a GUID, lower case), or "" when there is none of that shape."""
    found = (
        str_at(dict_at(activity, "conversation"), "tenantId")
        or str_at(dict_at(dict_at(activity, "channelData"), "tenant"), "id")
    ).lower()
    return found if OBJECT_ID.fullmatch(found) else ""


def clean_id(ident: str) -> str:
    """The id, or "" when it holds what no Teams id does (a control character)."""
    return "" if ID_JUNK.search(ident) else ident


def conversation_of(activity: Mapping[str, Any]) -> tuple[str, str | None]:
    """(the conversation id without `;messageid=…`, the reply chain's root or None)."""
    return ids.split_reply_chain(clean_id(str_at(dict_at(activity, "conversation"), "id")))


def kind_of(activity: Mapping[str, Any]) -> str:
    """ "channel", "groupChat" or "personal" (Teams' `conversationType`)."""
    conversation = dict_at(activity, "conversation")
    kind = str_at(conversation, "conversationType")
    if kind:
        return kind
    return "groupChat" if conversation.get("isGroup") else "personal"


def sender_object_id(activity: Mapping[str, Any]) -> str | None:
    aad = str_at(dict_at(activity, "from"), "aadObjectId").lower()
    return aad if OBJECT_ID.fullmatch(aad) else None


def bot_ids(activity: Mapping[str, Any], configured: str | None = None) -> frozenset[str]:
    """The bot's ids: the activity's recipient (Teams addresses the bot as `28:<app id>`)
    and the configured app id, in both spellings."""
    found = {str_at(dict_at(activity, "recipient"), "id")}
    if configured:
        found |= {configured, configured if configured.startswith("28:") else "28:" + configured}
    return frozenset(i for i in found if i)


def mentioned_people(activity: Mapping[str, Any], bots: frozenset[str]) -> list[str]:
    """The `29:` ids of the people a message's mention entities name (not the bot's)."""
    out: list[str] = []
    for entity in mention_entities(activity):
        teams_id = clean_id(str_at(dict_at(entity, "mentioned"), "id"))
        if teams_id.startswith("29:") and teams_id not in bots and teams_id not in out:
            out.append(teams_id)
    return out


def key_of(activity: Mapping[str, Any], *suffix: str) -> str | None:
    activity_id = str_at(activity, "id")
    if not activity_id and activity.get("type") == "messageReaction":
        # Should a reaction come without an id, its message, reactor and time name it
        # (a retry repeats all three).
        sender = str_at(dict_at(activity, "from"), "id")
        parts = (str_at(activity, "replyToId"), sender, str_at(activity, "timestamp"))
        activity_id = "r:" + ":".join(parts) if all(parts[:2]) else ""
    base, _ = conversation_of(activity)
    if not activity_id or not base:
        return None
    key = ":".join(("teams", tenant_of(activity), ids.encode(base), activity_id, *suffix))
    if len(key) > KEY_ROOM:
        key = "teams:h-" + hashlib.sha256(key.encode()).hexdigest()
    return key


def mention_entities(activity: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entities = activity.get("entities")
    if not isinstance(entities, list):
        return []
    return [e for e in entities if isinstance(e, Mapping) and e.get("type") == "mention"]


def thread_of(activity: Mapping[str, Any], channel: ChannelRef, own_id: str) -> MessageRef | None:
    """The reply chain's root, when the message is not the root itself (channels only:
    a chat has no reply chains)."""
    if kind_of(activity) != "channel":
        return None
    _, root = conversation_of(activity)
    root = root or str_at(activity, "replyToId") or None
    return MessageRef(channel, root) if root and root != own_id else None
