"""Outbound replies: what the core asks an adapter to show.

Text is structured (`Text` of `Plain`, `Strong` and `Mention` parts) rather than a markup
string, because only the adapter knows its platform's escaping rules: keeping user text as
`Plain` is what lets every adapter guarantee that `<!channel>` or `@everyone` typed by a
user never pings anyone, while the bot's own `Mention`s still do.

A posted message can be given a `handle` (e.g. `round:7:header`).  Later replies name the
handle instead of a platform id (`Edit`, or `thread_handle` to reply in its thread); the
delivery loop records which platform message each handle became.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal

from bot.refs import ChannelRef, MessageRef, UserRef


@dataclass(frozen=True, slots=True)
class Plain:
    text: str


@dataclass(frozen=True, slots=True)
class Strong:
    text: str


@dataclass(frozen=True, slots=True)
class Mention:
    user: UserRef


Part = Plain | Strong | Mention


@dataclass(frozen=True, slots=True)
class Text:
    parts: tuple[Part, ...] = ()

    def __add__(self, other: Text | str) -> Text:
        return Text(self.parts + text(other).parts)

    def plain(self, name_of: Any = None) -> str:
        """A plain rendering; `name_of(UserRef) -> str` names mentioned people."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, Mention):
                out.append("@" + (name_of(part.user) if name_of else part.user.id))
            else:
                out.append(part.text)
        return "".join(out)


def text(*items: Text | Part | str) -> Text:
    """Build `Text` from strings (plain), parts and other `Text`s."""
    parts: list[Part] = []
    for item in items:
        if isinstance(item, Text):
            parts.extend(item.parts)
        elif isinstance(item, str):
            if item:
                parts.append(Plain(item))
        else:
            parts.append(item)
    return Text(tuple(parts))


ButtonStyle = Literal["primary", "danger"] | None


@dataclass(frozen=True, slots=True)
class Button:
    action_id: str
    label: str
    value: str = ""
    style: ButtonStyle = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    type: ClassVar[str] = "reply"


@dataclass(frozen=True, slots=True, kw_only=True)
class Post(Reply):
    """A message in a channel, or in a thread when `thread_handle` or `thread` is given."""

    channel: ChannelRef
    text: Text
    buttons: tuple[Button, ...] = ()
    handle: str | None = None
    thread_handle: str | None = None
    thread: MessageRef | None = None
    type: ClassVar[str] = "post"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ephemeral(Reply):
    """Seen only by `user`, in `channel` (or its thread).  Adapters that cannot show an
    ephemeral message outside an interaction fall back to a DM, never to a public post."""

    channel: ChannelRef
    user: UserRef
    text: Text
    buttons: tuple[Button, ...] = ()
    thread_handle: str | None = None
    thread: MessageRef | None = None
    type: ClassVar[str] = "ephemeral"


@dataclass(frozen=True, slots=True, kw_only=True)
class Direct(Reply):
    """A direct message to `user`."""

    user: UserRef
    text: Text
    buttons: tuple[Button, ...] = ()
    handle: str | None = None
    type: ClassVar[str] = "direct"


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupDirect(Reply):
    """One conversation between the bot and several people of one workspace, opened only
    when each of them has said yes to it: a Slack group DM (`conversations.open` with every
    user); where a platform has no such thing, a DM to each that names the others (Discord).
    The opening line names everybody with `Mention`s, so each reads who the others are."""

    users: tuple[UserRef, ...]
    text: Text
    buttons: tuple[Button, ...] = ()
    type: ClassVar[str] = "group_direct"


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit(Reply):
    """Replace the text and buttons of the message posted under `handle`."""

    handle: str
    text: Text
    buttons: tuple[Button, ...] = ()
    type: ClassVar[str] = "edit"


@dataclass(frozen=True, slots=True, kw_only=True)
class File(Reply):
    """A file in `channel`, or privately to `user` when `user` is given."""

    channel: ChannelRef
    filename: str
    content: bytes
    title: str = ""
    user: UserRef | None = None
    alt: str = ""  # an image's text alternative (Slack `alt_txt`, Discord's description)
    type: ClassVar[str] = "file"


@dataclass(frozen=True, slots=True, kw_only=True)
class FileRequest(Reply):
    """A `File` described rather than carried: `recipe` names who makes it (a builder
    registered on `bot.outbox.MAKE_FILE`) and `args` what from (JSON values).

    A large file (the do's toolkit as one HTML page) written whole into the outbox sat in
    the database for a day, and rendering it inside the event's transaction stalled the
    event loop.  The outbox keeps this small description instead; the deliverer makes the
    file when it sends it, off the loop, and hands the outlet an ordinary `File`.
    """

    channel: ChannelRef
    recipe: str
    args: dict[str, Any]
    user: UserRef | None = None
    # Files the request's outbox row under a name its feature can count (a rate limit);
    # it is never a posted message's handle, since the `File` made is delivered without it.
    handle: str | None = None
    type: ClassVar[str] = "file_request"


REPLY_TYPES: dict[str, type[Reply]] = {
    cls.type: cls for cls in (Post, Ephemeral, Direct, GroupDirect, Edit, File, FileRequest)
}
# Names an earlier release wrote to the outbox: rows written before a rename still deliver.
_FORMER_TYPES: dict[str, type[Reply]] = {"update": Edit}

# ---------------------------------------------------------------------------------------
# Serialisation for the outbox table.

_REFS: dict[str, type] = {
    "channel": ChannelRef,
    "user": UserRef,
    "thread": MessageRef,
}


def _text_to_json(value: Text) -> list[list[str]]:
    out: list[list[str]] = []
    for part in value.parts:
        if isinstance(part, Mention):
            out.append(["m", part.user.key])
        elif isinstance(part, Strong):
            out.append(["b", part.text])
        else:
            out.append(["p", part.text])
    return out


def _text_from_json(raw: list[list[str]]) -> Text:
    parts: list[Part] = []
    for kind, value in raw:
        if kind == "m":
            parts.append(Mention(UserRef.from_key(value)))
        elif kind == "b":
            parts.append(Strong(value))
        else:
            parts.append(Plain(value))
    return Text(tuple(parts))


def reply_to_json(reply: Reply) -> str:
    data: dict[str, Any] = {"type": reply.type}
    for f in fields(reply):
        value = getattr(reply, f.name)
        if isinstance(value, Text):
            value = _text_to_json(value)
        elif f.name == "buttons":
            value = [[b.action_id, b.label, b.value, b.style] for b in value]
        elif f.name == "content":
            value = base64.b64encode(value).decode()
        elif value is not None and f.name in _REFS:
            value = value.key
        elif f.name == "users":
            value = [user.key for user in value]
        data[f.name] = value
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def reply_from_json(raw: str) -> Reply:
    data = json.loads(raw)
    kind = data.pop("type")
    cls = REPLY_TYPES.get(kind) or _FORMER_TYPES[kind]
    if "text" in data:
        data["text"] = _text_from_json(data["text"])
    if "buttons" in data:
        data["buttons"] = tuple(Button(*b) for b in data["buttons"])
    if "content" in data:
        data["content"] = base64.b64decode(data["content"])
    if "users" in data:
        data["users"] = tuple(UserRef.from_key(key) for key in data["users"])
    for name, ref_type in _REFS.items():
        if data.get(name) is not None:
            data[name] = ref_type.from_key(data[name])  # type: ignore[attr-defined]
    return cls(**data)


def naming_the_others(body: Text, user: UserRef, people: list[UserRef]) -> Text:
    """A `GroupDirect`'s text as `user` reads it where the platform sends each person their
    own DM (Discord, Teams): the others it does not name already are named first, so each
    knows who else has it."""
    named = {part.user for part in body.parts if isinstance(part, Mention)}
    others = [other for other in people if other != user and other not in named]
    if not others:
        return body
    lead: list[Mention | str] = ["(Also sent to "]
    for n, other in enumerate(others):
        lead += [", " if n else "", Mention(other)]
    return text(*lead, ")\n") + body
