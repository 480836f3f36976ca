"""Inbound events: what an adapter hands the core after translating a platform payload.

They are inert (frozen, no methods that reach a connection) so that they can be stored in
the inbox table, replayed after a crash, and compared in tests.  Every event carries an
idempotency `key` that is the same however often the platform delivers it: Slack's
`event_id`, a Discord interaction id, or message + emoji + user for a raw reaction.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    key: str
    user: UserRef
    kind: ClassVar[str] = "event"

    def __post_init__(self) -> None:
        # Nobody means to type U+0000, Slack's JSON and Discord can carry it, and
        # PostgreSQL cannot store it in text: kept, it would fail the event on one
        # database and not the other. It goes here, where every event is made.
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and "\x00" in value:
                object.__setattr__(self, f.name, value.replace("\x00", ""))

    @property
    def workspace(self) -> WorkspaceRef:
        return self.user.workspace


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandInvoked(Event):
    """`/als <text>`.  Adapters normalise user mentions in `text` to `<@ID>`.

    `channel_private` is whether the platform says the channel is private (None: not asked,
    or it could not say); the core asks, before the transaction, only for a command that
    needs to know (`/als start`: `bot.rounds.room`).

    `invoker_is_admin` is whether the platform says the person who ran it administers the
    workspace (Slack `is_admin`/`is_owner`; Discord Manage Channels or Administrator). None
    means not asked or unknown, and counts as no: only an admin may name the facilitator of
    a set that has none (`bot.sets.records.may_take_the_lead`).
    """

    channel: ChannelRef
    text: str
    thread: MessageRef | None = None
    channel_private: bool | None = None
    invoker_is_admin: bool | None = None
    kind: ClassVar[str] = "command"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    """A message in a channel or a thread the bot can see (never the bot's own).

    `withheld`: the platform did not let the bot read its text (Discord without the Message
    Content intent sends an empty one): nothing may be read into the silence, so it has no
    effect and gets no answer.  `via_form`: typed into the bot's own one-field form (a modal
    opened by a `bot.typed_in` button) where the platform cannot let the bot read the
    thread; it is the message the person would have typed, but nobody else has seen it.
    """

    channel: ChannelRef
    message: MessageRef
    text: str
    thread: MessageRef | None = None
    withheld: bool = False
    via_form: bool = False
    kind: ClassVar[str] = "message"


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectMessage(Event):
    """A message sent to the bot in a DM: outcome updates arrive this way."""

    channel: ChannelRef
    message: MessageRef
    text: str
    kind: ClassVar[str] = "dm"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    """`user` reacted with `emoji` (a short code without colons, e.g. `white_check_mark`).

    `author`, `text` and `thread` describe the reacted-to message when the adapter knows
    them; when it does not (Discord raw events, Slack `reaction_added`), the core asks the
    adapter's `MessageSource` after the event is durable.  `unread` says why `text` is
    still None once prepared: `SKIPPED` (no fetch was needed), `GONE` (deleted),
    `REFUSED` (the platform will not let the bot read it: a missing scope, the bot not in
    the conversation), `FAILED` (the platform failed on every try); None: not prepared.

    `variant` is which form of `emoji` it was (the raw emoji with its skin tone, Discord's
    burst): a person's several forms of one emoji count once, and removing one of them
    takes back only that one. "" when the platform did not say.
    """

    SKIPPED: ClassVar[str] = "skipped"
    GONE: ClassVar[str] = "gone"
    FAILED: ClassVar[str] = "failed"
    REFUSED: ClassVar[str] = "refused"

    message: MessageRef
    emoji: str
    author: UserRef | None = None
    text: str | None = None
    thread: MessageRef | None = None
    unread: str | None = None
    variant: str = ""
    kind: ClassVar[str] = "reaction_added"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionRemoved(Event):
    message: MessageRef
    emoji: str
    variant: str = ""  # as `ReactionAdded.variant`
    kind: ClassVar[str] = "reaction_removed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed(Event):
    """A button built from a `replies.Button`; `action_id` and `value` come back verbatim."""

    channel: ChannelRef
    action_id: str
    value: str = ""
    message: MessageRef | None = None
    kind: ClassVar[str] = "button"

    @property
    def verb(self) -> str:
        """What the button does, after the prefix the router matched: `round:next` → `next`."""
        return self.action_id.partition(":")[2]


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageSaved(Event):
    """ "Save as do" on a message (Slack's message shortcut, Discord's message context
    menu): the platform's payload already carries the message, so nothing is fetched.

    `author` is None for a bot's (or an unknown author's) message; `thread` is the root of
    the thread the message is in, when it is in one.  No threshold applies: one person's
    choice saves it, with the same consent rule in a round's thread as a reaction.
    """

    channel: ChannelRef
    message: MessageRef
    text: str
    author: UserRef | None = None
    thread: MessageRef | None = None
    kind: ClassVar[str] = "save_as_do"


@dataclass(frozen=True, slots=True, kw_only=True)
class AppRemoved(Event):
    """The app was uninstalled from a workspace, or its bot token revoked
    (`app_uninstalled`, `tokens_revoked`): all work for the workspace stops at once, and
    its data is deleted after `[slack] uninstall_grace_days` unless it is installed again.

    `user` is the bot's own user in that workspace (the event has no person).
    """

    reason: str  # "uninstalled" | "tokens_revoked"
    kind: ClassVar[str] = "app_removed"


@dataclass(frozen=True, slots=True, kw_only=True)
class AppInstalled(Event):
    """The app was installed (or installed again) in a workspace through OAuth: a
    deletion pending since an uninstall is called off.  `user` is the person who installed it."""

    kind: ClassVar[str] = "app_installed"


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        CommandInvoked,
        MessagePosted,
        DirectMessage,
        ReactionAdded,
        ReactionRemoved,
        ButtonPressed,
        MessageSaved,
        AppRemoved,
        AppInstalled,
    )
}

# ---------------------------------------------------------------------------------------
# Serialisation for the inbox table.  Refs are stored by their `key` strings.

_REF_TYPES: dict[str, type] = {
    "user": UserRef,
    "author": UserRef,
    "channel": ChannelRef,
    "message": MessageRef,
    "thread": MessageRef,
}


def event_to_json(event: Event) -> str:
    data: dict[str, Any] = {"kind": event.kind}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        data[f.name] = value.key if hasattr(value, "key") and f.name != "key" else value
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def event_from_json(raw: str) -> Event:
    data = json.loads(raw)
    cls = EVENT_TYPES[data.pop("kind")]
    for name, ref_type in _REF_TYPES.items():
        if data.get(name) is not None:
            data[name] = ref_type.from_key(data[name])  # type: ignore[attr-defined]
    return cls(**data)


def console_workspace() -> WorkspaceRef:
    return WorkspaceRef(Platform.CONSOLE, "local")


__all__ = [
    "AppInstalled",
    "AppRemoved",
    "ButtonPressed",
    "CommandInvoked",
    "DirectMessage",
    "Event",
    "MessagePosted",
    "MessageSaved",
    "ReactionAdded",
    "ReactionRemoved",
    "event_from_json",
    "event_to_json",
]
