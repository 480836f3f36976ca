"""The "Save as do" message action (`saveAsDo`, a message extension action command on any
message) → `MessageSaved`. Teams puts the message in the invoke's `value.messagePayload`
(its body as HTML, its author as an Entra user), so nothing is fetched; this is how a do is
saved on Teams, which sends a bot reactions only on its own messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.teams import ids
from adapters.teams.fields import (
    conversation_of,
    dict_at,
    key_of,
    sender_object_id,
    str_at,
    tenant_of,
)
from adapters.teams.text import MAX_TEXT, At, as_typed, plain, unmarked
from adapters.teams.traits import OBJECT_ID
from bot.events import MessageSaved
from bot.refs import MessageRef

SAVE_AS_DO = "saveAsDo"  # the manifest's message action command id
SAVE_INVOKES = ("composeExtension/fetchTask", "composeExtension/submitAction")


def is_save_as_do(activity: Mapping[str, Any]) -> bool:
    return (
        activity.get("type") == "invoke"
        and activity.get("name") in SAVE_INVOKES
        and str_at(dict_at(activity, "value"), "commandId") == SAVE_AS_DO
    )


def message_saved(activity: Mapping[str, Any]) -> MessageSaved | None:
    """ "Save as do" on a message: Teams puts the message in `value.messagePayload` (its
    body as HTML, its author as an Entra user), so nothing is fetched."""
    if not is_save_as_do(activity):
        return None
    aad, tenant, key = sender_object_id(activity), tenant_of(activity), key_of(activity)
    said = dict_at(dict_at(activity, "value"), "messagePayload")
    message_id = str_at(said, "id")
    if aad is None or key is None or not message_id:
        return None
    base, _ = conversation_of(activity)
    channel = ids.channel(tenant, base)
    body = dict_at(said, "body")
    mentioned = said.get("mentions")
    by_tag = {
        str(m.get("id")): m
        for m in (mentioned if isinstance(mentioned, list) else [])
        if isinstance(m, Mapping)
    }

    def mention(tag: At) -> str:
        person = _payload_user(dict_at(by_tag.get(tag.tag_id or ""), "mentioned"))
        return f"<@{person}>" if person else as_typed(tag)

    content = str_at(body, "content")
    text = plain(content, mention) if content else ""
    if str_at(body, "contentType").lower() == "text":
        text = unmarked(content).strip()[:MAX_TEXT]
    reply_to = str_at(said, "replyToId")
    root = reply_to or conversation_of(activity)[1]
    author = _payload_user(dict_at(said, "from"))
    return MessageSaved(
        key=key,
        user=ids.person(tenant, aad),
        channel=channel,
        message=MessageRef(channel, message_id),
        text=text,
        author=ids.person(tenant, author) if author else None,
        thread=MessageRef(channel, root) if root and root != message_id else None,
    )


def _payload_user(identity: Mapping[str, Any]) -> str | None:
    """The Entra object id of a message payload's user (`from`, a mention's `mentioned`);
    None for an application (a bot), a device or anything unreadable."""
    if identity.get("application"):
        return None
    user = dict_at(identity, "user")
    found = str_at(user, "aadObjectId") or (
        str_at(user, "id") if str_at(user, "userIdentityType") in ("aadUser", "") else ""
    )
    found = found.lower()
    return found if OBJECT_ID.fullmatch(found) else None
