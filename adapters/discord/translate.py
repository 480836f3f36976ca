"""Discord payloads → core events.  Pure: plain values in, a frozen event (or None) out.

The core has one `/als` grammar for every platform, read from text.  Discord's app
commands arrive as typed options instead, so `command_text` rebuilds the normalised text
(`start <@1> <@2>`, `action call Sam by friday`) from them; `FORMS` says, per subcommand,
which options become which words. Both it and `commands.py` are read from the commands'
declarations (`bot.commands.values`), so they cannot disagree.

Where things are:
- a guild is the workspace; a DM has no guild, so the caller says which workspace a DM
  belongs to (see `client.py`), or the DM is dropped;
- a message in a thread belongs to the thread's parent channel, and the thread is named by
  its root message, `MessageRef(parent, thread id)` — a thread started from a message has
  that message's id;
- a `MessageRef` for a message carries the channel it lives in (the thread for a message in
  a thread), because that is what Discord needs to fetch or edit it.

Idempotency keys are what Discord delivers again unchanged on a gateway replay:
`discord:interaction:{id}`, `discord:message:{id}`,
`discord:reaction:{message_id}:{emoji}:{user_id}:{add|remove}[:burst]:{gateway session}:{sequence}`
— or, for a reaction read back by REST after a gap (`catchup.py`), `…:catchup:{anchor}`
in place of the session and sequence, the anchor naming the gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.discord.emoji import short_code, variant
from adapters.discord.forms import answers
from adapters.discord.views import parse_custom_id
from adapters.forms import command_text as form_text
from adapters.forms import missing, spec_for
from bot.commands.registry import SPECS
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessage,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef

COMMAND = "als"
SUBCOMMAND, GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE = range(1, 10)
# Message types people post: DEFAULT and REPLY.  Joins, pins, thread notices are not speech.
SPOKEN = (0, 19)

# subcommand path -> (the grammar's words for it, ((option, format), …) in order), from the
# commands' declarations. A format's "{}" is the option's value; a boolean option contributes
# its format when true.
FORMS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    spec.path: (spec.text_words, tuple((o.name, o.words) for o in spec.options))
    for spec in SPECS.values()
}


@dataclass(frozen=True, slots=True)
class Place:
    """Where something happened: a guild channel, a thread (with its parent), or a DM."""

    guild_id: int | None
    channel_id: int
    parent_id: int | None = None  # set when `channel_id` is a thread


def workspace(guild_id: int | str) -> WorkspaceRef:
    return WorkspaceRef(Platform.DISCORD, str(guild_id))


def refs(place: Place, ws: WorkspaceRef) -> tuple[ChannelRef, MessageRef | None]:
    """(the channel the core sees, the thread's root message or None)."""
    if place.parent_id is not None:
        parent = ChannelRef(ws, str(place.parent_id))
        return parent, MessageRef(parent, str(place.channel_id))
    return ChannelRef(ws, str(place.channel_id)), None


def _value(option: Mapping[str, Any], fmt: str) -> str:
    kind, value = option.get("type"), option.get("value")
    if kind == BOOLEAN:
        return fmt if value else ""
    if kind in (USER, MENTIONABLE):
        return fmt.format(f"<@{value}>")
    if kind == ROLE:
        return fmt.format(f"<@&{value}>")
    if kind == CHANNEL:
        return fmt.format(f"<#{value}>")
    text = " ".join(str(value if value is not None else "").split())
    return fmt.format(text) if text else ""


def _options(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A node's options; anything not shaped like Discord's is left out, not a crash."""
    raw = node.get("options")
    return [o for o in raw if isinstance(o, Mapping)] if isinstance(raw, list) else []


def command_text(data: Mapping[str, Any]) -> str | None:
    """The text after `/als` for an app command interaction's `data`, or None if not /als."""
    if data.get("name") != COMMAND:
        return None
    path: list[str] = []
    options = _options(data)
    while options and options[0].get("type") in (SUBCOMMAND, GROUP):
        path.append(str(options[0].get("name", "")))
        options = _options(options[0])
    key = " ".join(path)
    words, forms = FORMS.get(key, (key, ()))
    given = {str(o.get("name")): o for o in options}
    parts = [words] if words else []
    for name, fmt in forms:
        if name in given:
            rendered = _value(given.pop(name), fmt)
            if rendered:
                parts.append(rendered)
    parts.extend(v for o in given.values() if (v := _value(o, "{}")))  # undeclared: keep
    return " ".join(parts)


# Permission bits (Discord's documented flags) that make someone a server admin for alsbot:
# they may name the facilitator of a set that has none.
ADMINISTRATOR, MANAGE_CHANNELS = 1 << 3, 1 << 4


def is_admin(permissions: int | str | None) -> bool | None:
    """The interaction's `member.permissions` (a decimal string on the wire, an int once
    discord.py has read it); None when the payload did not carry them."""
    if isinstance(permissions, str):
        permissions = int(permissions) if permissions.isdigit() and len(permissions) < 40 else None
    if not isinstance(permissions, int) or isinstance(permissions, bool):
        return None
    return bool(permissions & (ADMINISTRATOR | MANAGE_CHANNELS))


def command_event(
    interaction_id: int,
    user_id: int,
    place: Place,
    data: Mapping[str, Any],
    permissions: int | str | None = None,
) -> CommandInvoked | None:
    if place.guild_id is None:
        return None  # /als belongs to a set's channel; the command is guild-only
    said = command_text(data)
    if said is None:
        return None
    ws = workspace(place.guild_id)
    channel, thread = refs(place, ws)
    return CommandInvoked(
        key=f"discord:interaction:{interaction_id}",
        user=UserRef(ws, str(user_id)),
        channel=channel,
        text=said,
        thread=thread,
        invoker_is_admin=is_admin(permissions),
    )


def form_event(
    interaction_id: int,
    user_id: int,
    place: Place,
    data: Mapping[str, Any],
    permissions: int | str | None = None,
) -> CommandInvoked | None:
    """A form's modal sent back (MODAL_SUBMIT) → the command its answers make, as typed;
    None when it is not an alsbot form, comes from no server, or left a required field
    empty (Discord's client does not let that happen)."""
    spec = spec_for(str(data.get("custom_id") or ""))
    if spec is None or place.guild_id is None:
        return None
    given = answers(data)
    if missing(spec, given):
        return None
    ws = workspace(place.guild_id)
    channel, thread = refs(place, ws)
    return CommandInvoked(
        key=f"discord:interaction:{interaction_id}",
        user=UserRef(ws, str(user_id)),
        channel=channel,
        text=form_text(spec, given),
        thread=thread,
        invoker_is_admin=is_admin(permissions),
    )


def button_event(
    interaction_id: int,
    user_id: int,
    place: Place,
    custom_id: str,
    message_id: int | None,
    *,
    dm_workspace: str | None = None,
) -> ButtonPressed | None:
    """A press on one of alsbot's buttons. In a DM (a nudge's [Done], a match's [Let's
    talk]) the press belongs to the server the DM does (`dm_workspace`, as for a DM's
    text); one that cannot be placed is dropped."""
    parsed = parse_custom_id(custom_id)
    if parsed is None:
        return None
    if place.guild_id is None:
        if dm_workspace is None:
            return None
        ws = workspace(dm_workspace)
        channel = ChannelRef(ws, str(place.channel_id))
    else:
        ws = workspace(place.guild_id)
        channel, _ = refs(place, ws)
    action, value = parsed
    return ButtonPressed(
        key=f"discord:interaction:{interaction_id}",
        user=UserRef(ws, str(user_id)),
        channel=channel,
        action_id=action,
        value=value,
        message=MessageRef(ChannelRef(ws, str(place.channel_id)), str(message_id))
        if message_id
        else None,
    )


def message_event(
    *,
    message_id: int,
    author_id: int,
    author_is_bot: bool,
    content: str,
    place: Place,
    message_type: int = 0,
    dm_workspace: str | None = None,
    withheld: bool = False,
) -> MessagePosted | DirectMessage | None:
    """A person's message in a channel/thread the bot sees, or a DM to the bot.

    Bots (the bot itself included) and system messages are not people speaking.  A DM is
    dropped when the caller could not say which workspace it belongs to.  `withheld`: the
    bot has no Message Content intent, so a server message's empty text is Discord's
    silence, not the person's (a DM, or a message naming the bot, still carries its text).
    """
    if author_is_bot or message_type not in SPOKEN:
        return None
    key = f"discord:message:{message_id}"
    if place.guild_id is None:
        if dm_workspace is None:
            return None
        ws = workspace(dm_workspace)
        channel = ChannelRef(ws, str(place.channel_id))
        return DirectMessage(
            key=key,
            user=UserRef(ws, str(author_id)),
            channel=channel,
            message=MessageRef(channel, str(message_id)),
            text=content,
        )
    ws = workspace(place.guild_id)
    channel, thread = refs(place, ws)
    return MessagePosted(
        key=key,
        user=UserRef(ws, str(author_id)),
        channel=channel,
        message=MessageRef(ChannelRef(ws, str(place.channel_id)), str(message_id)),
        text=content,
        thread=thread,
        withheld=withheld and not content,
    )


def reaction_event(
    *,
    added: bool,
    message_id: int,
    user_id: int,
    emoji_name: str | None,
    emoji_id: int | None,
    place: Place,
    bot_id: int | None = None,
    message_author_id: int | None = None,
    occurrence: str | None = None,
    burst: bool = False,
) -> ReactionAdded | ReactionRemoved | None:
    """A raw reaction (the message itself is never in it: the core fetches it later).

    A super (burst) reaction and a normal one are variants of one person's reaction, so a
    burst's key says `burst`: its removal does not take the normal one's place.
    """
    name = short_code(emoji_name, emoji_id)
    if not name or place.guild_id is None or user_id == bot_id:
        return None
    ws = workspace(place.guild_id)
    _, thread = refs(place, ws)
    message = MessageRef(ChannelRef(ws, str(place.channel_id)), str(message_id))
    user = UserRef(ws, str(user_id))
    form = variant(emoji_name, emoji_id, burst=burst)
    key = f"discord:reaction:{message_id}:{name}:{user_id}:{'add' if added else 'remove'}"
    if burst:
        key = f"{key}:burst"
    if occurrence:  # the gateway session and sequence: a replay keeps it, a re-add doesn't
        key = f"{key}:{occurrence}"
    if not added:
        return ReactionRemoved(key=key, user=user, message=message, emoji=name, variant=form)
    author = UserRef(ws, str(message_author_id)) if message_author_id else None
    return ReactionAdded(
        key=key,
        user=user,
        message=message,
        emoji=name,
        author=author,
        thread=thread,
        variant=form,
    )
