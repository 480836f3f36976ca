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

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.forms import command_text as form_text
from adapters.forms import missing, spec_for
from adapters.teams import ids
from adapters.teams.fields import (
    conversation_of,
    dict_at,
    key_of,
    kind_of,
    mention_entities,
    sender_object_id,
    str_at,
    tenant_of,
    thread_of,
)
from adapters.teams.reactions import reactions
from adapters.teams.save_as_do import SAVE_INVOKES, message_saved
from adapters.teams.text import AT, MAX_TEXT, OPEN, At, as_typed, plain, unmarked
from adapters.teams.traits import OBJECT_ID
from bot.commands.registry import BY_VERB
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessage,
    Event,
    MessagePosted,
)
from bot.refs import ChannelRef, MessageRef

# The core's columns for a person's or channel's key (`teams:<tenant>:<id>`) and a
# message's: no id Teams sends comes near them, so an event that would not fit is not one.
REF_ROOM, MESSAGE_ROOM = 300, 400
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


@dataclass(frozen=True, slots=True)
class Resolved:
    """What the listener found out before translating: who the bot is, and the Entra
    object id of each mentioned `29:` id it could resolve."""

    bot_ids: frozenset[str] = frozenset()
    people: Mapping[str, str] | None = None

    def person(self, teams_id: str) -> str | None:
        found = (self.people or {}).get(teams_id)
        return found.lower() if found and OBJECT_ID.fullmatch(found.lower()) else None


def _raw_text(activity: Mapping[str, Any]) -> str:
    """The message's `text`, or its `text/html` attachment when Teams sent no text."""
    text = str_at(activity, "text")
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
    entities = mention_entities(activity)
    used: set[int] = set()
    leading = {"bot": False}  # the first tag was the bot's

    def mention(tag: At) -> str:
        for n, entity in enumerate(entities):
            shown = " ".join(AT.sub(lambda m: m["name"], str_at(entity, "text")).split())
            if n in used or html.unescape(shown) != tag.name:
                continue
            used.add(n)
            teams_id = str_at(dict_at(entity, "mentioned"), "id")
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
    if str_at(dict_at(activity, "from"), "id") in resolved.bot_ids:
        return []
    if kind == "message":
        made = _message(activity, resolved, aad, tenant)
        return [made] if made is not None else []
    if kind == "messageReaction":
        return reactions(activity, aad, tenant)
    if kind == "invoke" and activity.get("name") in SAVE_INVOKES:
        saved = message_saved(activity)
        return [saved] if saved is not None else []
    return []


def channel_private(activity: Mapping[str, Any]) -> bool | None:
    if kind_of(activity) == "groupChat":
        return True
    membership = str_at(dict_at(dict_at(activity, "channelData"), "channel"), "membershipType")
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
    activity_id = str_at(activity, "id")
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
    thread = thread_of(activity, channel, activity_id)
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
    card = str_at(activity, "replyToId")
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
