"""Teams activities → the core's events. Pure: an activity dict (as Teams sent it) and what
the listener resolved (the `29:` ids of mentioned people → their Entra object ids, the
bot's own ids) in, a list of events out (usually one; none for what is not for the core).

- A channel or group chat message that begins with the bot's mention is a command (the
  mention and an optional `als`/`/als` dropped); in a 1:1 chat a message beginning with
  `als`/`/als` (or the mention) is one, any other is a `DirectMessage`. Other channel and
  group chat messages (delivered through the app's resource-specific consent) are
  `MessagePosted`.
- Mentions: only an `<at>` whose mention entity names a person the listener resolved
  becomes `<@objectid>`; any other (no entity, a tag, a channel, someone unresolvable) is
  `@Name` as shown, which the grammar refuses as unlinked. Typed text never holds `<@`.
- A card's Action.Submit comes back as a message with `value`: `als_action` → a button,
  `als_form` → the command the form's answers make (`adapters.forms`).
- `messageReaction` → reactions on `replyToId`; the `saveAsDo` message action (its
  `composeExtension/fetchTask` or `/submitAction` invoke) → `MessageSaved`.
- Nothing from an activity without `from.aadObjectId` (an anonymous meeting guest, a
  bot): the core's people are Entra object ids.

Idempotency keys name the activity (Teams sends a retry with the same id) in its
conversation: `teams:<tenant>:<conversation>:<activity id>`, hashed when longer than the
inbox's key column allows.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.forms import command_text as form_text
from adapters.forms import missing, spec_for
from adapters.teams import ids
from adapters.teams.text import AT, MAX_TEXT, OPEN, At, as_typed, plain, unmarked
from adapters.teams.traits import OBJECT_ID
from bot.commands.registry import BY_VERB
from bot.emoji_names import normalise_emoji
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessage,
    Event,
    MessagePosted,
    MessageSaved,
    ReactionAdded,
    ReactionRemoved,
)
from bot.refs import ChannelRef, MessageRef

SAVE_AS_DO = "saveAsDo"  # the manifest's message action command id
SAVE_INVOKES = ("composeExtension/fetchTask", "composeExtension/submitAction")
KEY_ROOM = 300  # the inbox's key column
# The core's columns for a person's or channel's key (`teams:<tenant>:<id>`) and a
# message's: no id Teams sends comes near them, so an event that would not fit is not one.
REF_ROOM, MESSAGE_ROOM = 300, 400
# No Teams id holds a control character, and PostgreSQL refuses U+0000 in text.
ID_JUNK = re.compile(r"[\x00-\x1f\x7f]")
COMMAND_WORD = re.compile(r"^/?als(?:\s+|$)", re.IGNORECASE)
# In the 1:1 chat a message that is one command word and nothing else (`help`, `actions`,
# `dos`: what the app's command menu inserts) is that command. Anything longer needs `als`
# first: a person answering a nudge in their own words ("Update: I called the funder")
# must get the private preview and [Share as my update], never a shared update.
ONE_WORD_COMMANDS = frozenset(BY_VERB)
# In a channel or group chat the bot reads every message (resource-specific consent), so
# `/als <words>` typed without mentioning the bot is a command too, as the help and every
# hint the core gives spell it; a message merely beginning "als" is not.
SLASH_COMMAND = re.compile(r"^/als(?:\s+|$)", re.IGNORECASE)
PRIVATE_MEMBERSHIP = {"private": True, "shared": True, "standard": False}
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


@dataclass(frozen=True, slots=True)
class Resolved:
    """What the listener found out before translating: who the bot is, and the Entra
    object id of each mentioned `29:` id it could resolve."""

    bot_ids: frozenset[str] = frozenset()
    people: Mapping[str, str] | None = None

    def person(self, teams_id: str) -> str | None:
        found = (self.people or {}).get(teams_id)
        return found.lower() if found and OBJECT_ID.fullmatch(found.lower()) else None


# ---------------------------------------------------------------------- reading fields


def _dict(value: Any, key: str) -> Mapping[str, Any]:
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _str(value: Any, key: str) -> str:
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, str) else ""


def tenant_of(activity: Mapping[str, Any]) -> str:
    """The Entra tenant id (a GUID, lower case), or "" when there is none of that shape."""
    found = (
        _str(_dict(activity, "conversation"), "tenantId")
        or _str(_dict(_dict(activity, "channelData"), "tenant"), "id")
    ).lower()
    return found if OBJECT_ID.fullmatch(found) else ""


def clean_id(ident: str) -> str:
    """The id, or "" when it holds what no Teams id does (a control character)."""
    return "" if ID_JUNK.search(ident) else ident


def conversation_of(activity: Mapping[str, Any]) -> tuple[str, str | None]:
    """(the conversation id without `;messageid=…`, the reply chain's root or None)."""
    return ids.split_reply_chain(clean_id(_str(_dict(activity, "conversation"), "id")))


def kind_of(activity: Mapping[str, Any]) -> str:
    """ "channel", "groupChat" or "personal" (Teams' `conversationType`)."""
    conversation = _dict(activity, "conversation")
    kind = _str(conversation, "conversationType")
    if kind:
        return kind
    return "groupChat" if conversation.get("isGroup") else "personal"


def sender_object_id(activity: Mapping[str, Any]) -> str | None:
    aad = _str(_dict(activity, "from"), "aadObjectId").lower()
    return aad if OBJECT_ID.fullmatch(aad) else None


def bot_ids(activity: Mapping[str, Any], configured: str | None = None) -> frozenset[str]:
    """The bot's ids: the activity's recipient (Teams addresses the bot as `28:<app id>`)
    and the configured app id, in both spellings."""
    found = {_str(_dict(activity, "recipient"), "id")}
    if configured:
        found |= {configured, configured if configured.startswith("28:") else "28:" + configured}
    return frozenset(i for i in found if i)


def mentioned_people(activity: Mapping[str, Any], bots: frozenset[str]) -> list[str]:
    """The `29:` ids of the people a message's mention entities name (not the bot's)."""
    out: list[str] = []
    for entity in _mentions(activity):
        teams_id = clean_id(_str(_dict(entity, "mentioned"), "id"))
        if teams_id.startswith("29:") and teams_id not in bots and teams_id not in out:
            out.append(teams_id)
    return out


def key_of(activity: Mapping[str, Any], *suffix: str) -> str | None:
    activity_id = _str(activity, "id")
    if not activity_id and activity.get("type") == "messageReaction":
        # Should a reaction come without an id, its message, reactor and time name it
        # (a retry repeats all three).
        sender = _str(_dict(activity, "from"), "id")
        parts = (_str(activity, "replyToId"), sender, _str(activity, "timestamp"))
        activity_id = "r:" + ":".join(parts) if all(parts[:2]) else ""
    base, _ = conversation_of(activity)
    if not activity_id or not base:
        return None
    key = ":".join(("teams", tenant_of(activity), ids.encode(base), activity_id, *suffix))
    if len(key) > KEY_ROOM:
        key = "teams:h-" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _mentions(activity: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entities = activity.get("entities")
    if not isinstance(entities, list):
        return []
    return [e for e in entities if isinstance(e, Mapping) and e.get("type") == "mention"]


def _raw_text(activity: Mapping[str, Any]) -> str:
    """The message's `text`, or its `text/html` attachment when Teams sent no text."""
    text = _str(activity, "text")
    if text.strip():
        return text
    attachments = activity.get("attachments")
    for item in attachments if isinstance(attachments, list) else []:
        if isinstance(item, Mapping) and item.get("contentType") == "text/html":
            content = item.get("content")
            if isinstance(content, str):
                return content
    return ""


def message_text(
    activity: Mapping[str, Any], resolved: Resolved, *, drop_leading_bot: bool
) -> tuple[str, bool]:
    """(the text the core reads, whether it began with the bot's mention).

    Each `<at>` is matched with the first unused mention entity of the same name, in
    order; the bot's mention at the start is dropped when `drop_leading_bot`."""
    entities = _mentions(activity)
    used: set[int] = set()
    leading = {"bot": False}  # the first tag was the bot's

    def mention(tag: At) -> str:
        for n, entity in enumerate(entities):
            shown = " ".join(AT.sub(lambda m: m["name"], _str(entity, "text")).split())
            if n in used or html.unescape(shown) != tag.name:
                continue
            used.add(n)
            teams_id = _str(_dict(entity, "mentioned"), "id")
            if teams_id in resolved.bot_ids:
                if tag.index == 0:
                    leading["bot"] = True
                    return OPEN if drop_leading_bot else as_typed(tag)
                return as_typed(tag)
            person = resolved.person(teams_id)
            return f"<@{person}>" if person else as_typed(tag)
        return as_typed(tag)

    text = plain(_raw_text(activity), mention)
    began = leading["bot"] and text.startswith(OPEN)
    return text.replace(OPEN, "").strip(), began


# ---------------------------------------------------------------------- activities


def translate(activity: Mapping[str, Any], resolved: Resolved) -> list[Event]:
    """The events an activity makes (none for what is not for the core)."""
    return [event for event in _translate(activity, resolved) if _fits(event)]


def _fits(event: Event) -> bool:
    """Whether the event's refs fit the core's columns (PostgreSQL refuses longer)."""
    for name in ("user", "channel", "author"):
        ref = getattr(event, name, None)
        if ref is not None and len(ref.key) > REF_ROOM:
            return False
    for name in ("message", "thread"):
        ref = getattr(event, name, None)
        if ref is not None and len(ref.key) > MESSAGE_ROOM:
            return False
    return True


def _translate(activity: Mapping[str, Any], resolved: Resolved) -> list[Event]:
    if not isinstance(activity, Mapping):
        return []
    kind = activity.get("type")
    aad = sender_object_id(activity)
    tenant = tenant_of(activity)
    base, _ = conversation_of(activity)
    if aad is None or not tenant or not base:
        return []
    if _str(_dict(activity, "from"), "id") in resolved.bot_ids:
        return []
    if kind == "message":
        made = _message(activity, resolved, aad, tenant)
        return [made] if made is not None else []
    if kind == "messageReaction":
        return _reactions(activity, aad, tenant)
    if kind == "invoke" and activity.get("name") in SAVE_INVOKES:
        saved = message_saved(activity)
        return [saved] if saved is not None else []
    return []


def _thread(activity: Mapping[str, Any], channel: ChannelRef, own_id: str) -> MessageRef | None:
    """The reply chain's root, when the message is not the root itself (channels only:
    a chat has no reply chains)."""
    if kind_of(activity) != "channel":
        return None
    _, root = conversation_of(activity)
    root = root or _str(activity, "replyToId") or None
    return MessageRef(channel, root) if root and root != own_id else None


def channel_private(activity: Mapping[str, Any]) -> bool | None:
    if kind_of(activity) == "groupChat":
        return True
    membership = _str(_dict(_dict(activity, "channelData"), "channel"), "membershipType")
    return PRIVATE_MEMBERSHIP.get(membership.lower())


def _message(
    activity: Mapping[str, Any], resolved: Resolved, aad: str, tenant: str
) -> Event | None:
    key = key_of(activity)
    if key is None:
        return None
    base, _ = conversation_of(activity)
    channel = ids.channel(tenant, base)
    user = ids.person(tenant, aad)
    value = activity.get("value")
    if isinstance(value, Mapping) and ("als_action" in value or "als_form" in value):
        return _submitted(activity, value, key, user, channel)
    activity_id = _str(activity, "id")
    message = MessageRef(channel, activity_id)
    kind = kind_of(activity)
    text, to_bot = message_text(activity, resolved, drop_leading_bot=True)
    if not to_bot:
        text, _ = message_text(activity, resolved, drop_leading_bot=False)
    if kind == "personal":
        said = COMMAND_WORD.match(text)
        if said is None and not to_bot and text.strip().lower() not in ONE_WORD_COMMANDS:
            return DirectMessage(key=key, user=user, channel=channel, message=message, text=text)
        return CommandInvoked(
            key=key, user=user, channel=channel, text=text[said.end() :] if said else text
        )
    thread = _thread(activity, channel, activity_id)
    if to_bot or SLASH_COMMAND.match(text):
        said = COMMAND_WORD.match(text)
        return CommandInvoked(
            key=key,
            user=user,
            channel=channel,
            text=(text[said.end() :] if said else text).strip(),
            thread=thread,
            channel_private=channel_private(activity),
        )
    return MessagePosted(
        key=key, user=user, channel=channel, message=message, text=text, thread=thread
    )


def _submitted(
    activity: Mapping[str, Any],
    value: Mapping[str, Any],
    key: str,
    user: Any,
    channel: ChannelRef,
) -> Event | None:
    """An Adaptive Card's Action.Submit: a button's data, or a form's answers."""
    card = _str(activity, "replyToId")
    if "als_form" in value:
        spec = spec_for(str(value.get("als_form") or ""))
        if spec is None:
            return None
        answers = {
            name: unmarked(answer)
            for name, answer in value.items()
            if isinstance(name, str) and isinstance(answer, str) and not name.startswith("als_")
        }
        if missing(spec, answers):
            return None
        text = form_text(spec, answers)[:MAX_TEXT]
        return CommandInvoked(key=key, user=user, channel=_typed_in(value, channel), text=text)
    action = value.get("als_action")
    raw_value = value.get("als_value", "")
    if not isinstance(action, str) or not action:
        return None
    return ButtonPressed(
        key=key,
        user=user,
        channel=channel,
        action_id=action,
        value=raw_value if isinstance(raw_value, str) else str(raw_value),
        message=MessageRef(channel, card) if card else None,
    )


def _typed_in(value: Mapping[str, Any], arrived_in: ChannelRef) -> ChannelRef:
    """Where the form's command was typed: the form card is sent to the person's 1:1 chat,
    so its answers arrive there, and the card names the channel it was asked in
    (`als_channel`, as Slack's view keeps it in `private_metadata`). Only a Teams channel
    of the same tenant is taken; anything else is the chat the answers came from."""
    named = value.get("als_channel")
    if not isinstance(named, str) or not named:
        return arrived_in
    try:
        channel = ChannelRef.from_key(named)
    except ValueError:
        return arrived_in
    return channel if channel.workspace == arrived_in.workspace else arrived_in


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


def _reactions(activity: Mapping[str, Any], aad: str, tenant: str) -> list[Event]:
    target = _str(activity, "replyToId")
    base, _ = conversation_of(activity)
    if not target:
        return []
    channel = ids.channel(tenant, base)
    message = MessageRef(channel, target)
    user = ids.person(tenant, aad)
    thread = _thread(activity, channel, target)
    events: list[Event] = []
    for field, added in (("reactionsRemoved", False), ("reactionsAdded", True)):
        listed = activity.get(field)
        for reaction in listed if isinstance(listed, list) else []:
            raw = _str(reaction, "type")
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


def is_save_as_do(activity: Mapping[str, Any]) -> bool:
    return (
        activity.get("type") == "invoke"
        and activity.get("name") in SAVE_INVOKES
        and _str(_dict(activity, "value"), "commandId") == SAVE_AS_DO
    )


def message_saved(activity: Mapping[str, Any]) -> MessageSaved | None:
    """ "Save as do" on a message: Teams puts the message in `value.messagePayload` (its
    body as HTML, its author as an Entra user), so nothing is fetched."""
    if not is_save_as_do(activity):
        return None
    aad, tenant, key = sender_object_id(activity), tenant_of(activity), key_of(activity)
    said = _dict(_dict(activity, "value"), "messagePayload")
    message_id = _str(said, "id")
    if aad is None or key is None or not message_id:
        return None
    base, _ = conversation_of(activity)
    channel = ids.channel(tenant, base)
    body = _dict(said, "body")
    mentioned = said.get("mentions")
    by_tag = {
        str(m.get("id")): m
        for m in (mentioned if isinstance(mentioned, list) else [])
        if isinstance(m, Mapping)
    }

    def mention(tag: At) -> str:
        person = _payload_user(_dict(by_tag.get(tag.tag_id or ""), "mentioned"))
        return f"<@{person}>" if person else as_typed(tag)

    content = _str(body, "content")
    text = plain(content, mention) if content else ""
    if _str(body, "contentType").lower() == "text":
        text = unmarked(content).strip()[:MAX_TEXT]
    reply_to = _str(said, "replyToId")
    root = reply_to or conversation_of(activity)[1]
    author = _payload_user(_dict(said, "from"))
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
    user = _dict(identity, "user")
    found = _str(user, "aadObjectId") or (
        _str(user, "id") if _str(user, "userIdentityType") in ("aadUser", "") else ""
    )
    found = found.lower()
    return found if OBJECT_ID.fullmatch(found) else None
