"""The stand-in's state: one guild, its channels and threads, people, messages, DMs.

It plays Discord's side of the truth: a thread started from a message has that message's id,
a message fetched without the MESSAGE_CONTENT intent comes back with empty content, a DM
to someone whose DMs are closed is refused with code 50007, an interaction token expires.
Both the REST routes and the gateway read and change it; tests inspect it.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from testkit.discord.payloads import (
    DM,
    GUILD_TEXT,
    JSON,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    ChannelInfo,
    UserInfo,
    guild_payload,
    member_payload,
    message_payload,
    reaction_summary,
    role_payload,
    snowflake,
)

EPHEMERAL = 1 << 6
ALL_PERMISSIONS = (1 << 41) - 1
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10


class ApiError(Exception):
    """Raised by world operations; the REST layer turns it into Discord's error JSON."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class StoredMessage:
    id: str
    channel_id: str
    author: UserInfo
    content: str
    components: list[JSON] = field(default_factory=list)
    embeds: list[JSON] = field(default_factory=list)
    attachments: list[JSON] = field(default_factory=list)
    flags: int = 0
    mentions: list[UserInfo] = field(default_factory=list)
    allowed_mentions: JSON | None = None
    edits: int = 0
    interaction_token: str | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)


@dataclass
class InteractionInfo:
    id: str
    token: str
    kind: int
    user: UserInfo
    channel_id: str
    created: float
    message_id: str | None = None  # the component's message, for buttons
    callbacks: list[JSON] = field(default_factory=list)
    original_id: str | None = None
    expired: bool = False


@dataclass
class World:
    """Everything Discord would know.  Ids are real-looking snowflakes."""

    message_content_allowed: bool = True
    interaction_deadline: float = 3.0
    bot: UserInfo = field(default_factory=lambda: UserInfo(snowflake(), "alsbot", bot=True))
    owner: UserInfo = field(default_factory=lambda: UserInfo(snowflake(), "owner"))
    app_id: str = field(default_factory=snowflake)
    guild_id: str = field(default_factory=snowflake)
    # Shaped as a bot token is (three parts, dots between): `check-config` checks the shape.
    token: str = field(
        default_factory=lambda: "stand-in." + secrets.token_hex(3) + "." + secrets.token_urlsafe(16)
    )
    users: dict[str, UserInfo] = field(default_factory=dict)
    channels: dict[str, ChannelInfo] = field(default_factory=dict)
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    interactions: dict[str, InteractionInfo] = field(default_factory=dict)
    commands: dict[str, list[JSON]] = field(default_factory=dict)  # scope -> registered
    reactions: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    burst_reactions: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    custom_emoji: dict[str, str] = field(default_factory=dict)  # name -> id, the server's
    outsiders: set[str] = field(default_factory=set)  # users who share no guild with the bot
    # What @everyone may do: everything but administrator (which would override every
    # channel's overwrites, so no channel could be private).
    everyone_permissions: int = ALL_PERMISSIONS & ~ADMINISTRATOR
    emit: Callable[[str, JSON], None] = lambda t, d: None
    # A member's permissions as their interactions carry them; anyone not listed has all.
    permissions: dict[str, int] = field(default_factory=dict)
    # Other servers the bot is in (id -> name), and those it left, in order (allow-list).
    other_guilds: dict[str, str] = field(default_factory=dict)
    left_guilds: list[str] = field(default_factory=list)
    # --- issue 15, preflight: the flags `GET /applications/@me` reports, when they should
    # not follow `message_content_allowed` (the portal and the gateway disagreeing: 4014).
    application_flags: int | None = None

    def __post_init__(self) -> None:
        self.users[self.bot.id] = self.bot
        # The set's channel, private as docs/DISCORD.md advises; `add_channel` makes others.
        self.general = self.add_channel("general", private=True)

    # ------------------------------------------------------------------ people and places

    def add_user(self, name: str, *, dms_open: bool = True, in_guild: bool = True) -> UserInfo:
        user = UserInfo(snowflake(), name, dms_open=dms_open)
        self.users[user.id] = user
        if not in_guild:
            self.outsiders.add(user.id)
        return user

    def add_channel(self, name: str, *, private: bool = False) -> ChannelInfo:
        """A server text channel; a private one is as Discord's *Private Channel* switch
        makes it: @everyone (the role whose id is the server's) is denied View Channel, and
        the invited (here the bot) are allowed it."""
        channel = ChannelInfo(snowflake(), GUILD_TEXT, name, guild_id=self.guild_id)
        if private:
            view = str(VIEW_CHANNEL)
            channel.overwrites = [
                {"id": self.guild_id, "type": 0, "allow": "0", "deny": view},
                {"id": self.bot.id, "type": 1, "allow": view, "deny": "0"},
            ]
        self.channels[channel.id] = channel
        return channel

    def channel(self, channel_id: str) -> ChannelInfo:
        found = self.channels.get(channel_id)
        if found is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return found

    def user(self, user_id: str) -> UserInfo:
        found = self.users.get(user_id)
        if found is None:
            raise ApiError(404, 10013, "Unknown User")
        return found

    def message(self, channel_id: str, message_id: str) -> StoredMessage:
        found = self.messages.get(message_id)
        if found is None or found.channel_id != channel_id:
            raise ApiError(404, 10008, "Unknown Message")
        return found

    def guild(self, guild_id: str | None = None) -> JSON:
        """A server's GUILD_CREATE payload: the set's server, or one of `other_guilds`."""
        gid = guild_id or self.guild_id
        if gid != self.guild_id and gid not in self.other_guilds:
            raise ApiError(404, 10004, "Unknown Guild")
        everyone = role_payload(gid, "@everyone", self.everyone_permissions)
        members = [member_payload(self.bot)] + [
            member_payload(u)
            for u in self.users.values()
            if not u.bot and u.id not in self.outsiders
        ]
        here = [c for c in self.channels.values() if c.guild_id == gid]
        return guild_payload(
            guild_id=gid,
            name=self.other_guilds.get(gid, "Action Learning"),
            owner_id=self.owner.id,
            roles=[everyone],
            channels=[c for c in here if c.type == GUILD_TEXT],
            threads=[c for c in here if c.is_thread and not c.archived],
            members=members,
        )

    def member(self, user_id: str) -> JSON:
        user = self.users.get(user_id)
        if user is None or user_id in self.outsiders:
            raise ApiError(404, 10007, "Unknown Member")
        return member_payload(user)

    def dm_channel(self, user_id: str) -> ChannelInfo:
        user = self.user(user_id)
        for channel in self.channels.values():
            if channel.type == DM and channel.recipient is user:
                return channel
        channel = ChannelInfo(snowflake(), DM, recipient=user)
        self.channels[channel.id] = channel
        return channel

    # ------------------------------------------------------------------ other servers

    def add_guild(self, name: str) -> ChannelInfo:
        """Another server the bot is in (someone added it), with one text channel: the
        channel is returned, so a test can post, react and run `/als` there."""
        guild_id = snowflake()
        self.other_guilds[guild_id] = name
        channel = ChannelInfo(snowflake(), GUILD_TEXT, "general", guild_id=guild_id)
        self.channels[channel.id] = channel
        return channel

    def guild_ids(self) -> list[str]:
        """Every server the bot is in, the set's first."""
        return [self.guild_id, *self.other_guilds]

    def leave_guild(self, guild_id: str) -> None:
        """`DELETE /users/@me/guilds/{id}`: recorded in `left_guilds`, then GUILD_DELETE."""
        if guild_id not in self.guild_ids() or guild_id in self.left_guilds:
            raise ApiError(404, 10004, "Unknown Guild")
        self.left_guilds.append(guild_id)
        self.other_guilds.pop(guild_id, None)
        self.emit("GUILD_DELETE", {"id": guild_id})

    # ------------------------------------------------------------------ messages

    def render(self, message: StoredMessage, *, for_bot: bool = True) -> JSON:
        """The message as the bot sees it: without MESSAGE_CONTENT, others' text is hidden."""
        channel = self.channel(message.channel_id)
        hidden = (
            for_bot
            and not self.message_content_allowed
            and message.author is not self.bot
            and channel.type != DM
            and self.bot not in message.mentions
        )
        thread = self.channels.get(message.id)
        return message_payload(
            message_id=message.id,
            channel=channel,
            author=message.author,
            content="" if hidden else message.content,
            components=[] if hidden else message.components,
            embeds=[] if hidden else message.embeds,
            attachments=[] if hidden else message.attachments,
            mentions=message.mentions,
            flags=message.flags,
            edited=message.edits > 0,
            thread=thread if thread is not None and thread.is_thread else None,
        )

    def post(
        self,
        channel_id: str,
        author: UserInfo,
        body: JSON,
        *,
        message_id: str | None = None,
        interaction_token: str | None = None,
    ) -> StoredMessage:
        """Store a message and tell the gateway (the bot sees its own messages too)."""
        channel = self.channel(channel_id)
        if channel.type == DM and author is self.bot and not channel.recipient.dms_open:  # type: ignore[union-attr]
            raise ApiError(403, 50007, "Cannot send messages to this user")
        if channel.archived:
            channel.archived = False
        content = body.get("content") or ""
        if len(content) > 2000:
            raise ApiError(
                400, 50035, "Invalid Form Body: content: Must be 2000 or fewer in length."
            )
        message = StoredMessage(
            id=message_id or snowflake(),
            channel_id=channel_id,
            author=author,
            content=content,
            components=body.get("components") or [],
            embeds=body.get("embeds") or [],
            attachments=uploaded(body),
            flags=int(body.get("flags") or 0),
            mentions=self._mentioned(content, body.get("allowed_mentions")),
            allowed_mentions=body.get("allowed_mentions"),
            interaction_token=interaction_token,
        )
        self.messages[message.id] = message
        channel.message_count += 1
        if not message.ephemeral:
            self.emit("MESSAGE_CREATE", self.render(message))
        return message

    def edit(self, message: StoredMessage, body: JSON) -> StoredMessage:
        if "content" in body:
            message.content = body["content"] or ""
            message.mentions = self._mentioned(message.content, body.get("allowed_mentions"))
        for key in ("components", "embeds"):
            if key in body:
                setattr(message, key, body[key] or [])
        if "attachments" in body or "_files" in body:
            message.attachments = uploaded(body)
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        message.edits += 1
        return message

    def _mentioned(self, content: str, allowed: JSON | None) -> list[UserInfo]:
        """Who a message would ping: `<@id>` in the text, filtered by allowed_mentions."""
        ids = re.findall(r"<@!?(\d{17,20})>", content)
        if allowed is not None:
            parse = allowed.get("parse", [])
            if "users" not in parse:
                permitted = {str(u) for u in allowed.get("users", [])}
                ids = [i for i in ids if i in permitted]
        return [self.users[i] for i in dict.fromkeys(ids) if i in self.users]

    def pings_everyone(self, message: StoredMessage) -> bool:
        """Would Discord notify @everyone/@here for this message?"""
        unescaped = "@everyone" in message.content or "@here" in message.content
        allowed = message.allowed_mentions
        return unescaped and (allowed is None or "everyone" in allowed.get("parse", []))

    def reactors(self, message_id: str, emoji: str, *, burst: bool = False) -> list[str]:
        table = self.burst_reactions if burst else self.reactions
        return table.setdefault((message_id, emoji), [])

    def reaction_summaries(self, message: StoredMessage) -> list[JSON]:
        """The `reactions` of a fetched message: each emoji once, normal and burst apart."""
        names = [e for m, e in [*self.reactions, *self.burst_reactions] if m == message.id]
        found = []
        for emoji in dict.fromkeys(names):
            normal = self.reactions.get((message.id, emoji), [])
            burst = self.burst_reactions.get((message.id, emoji), [])
            if normal or burst:
                me = self.bot.id in normal
                found.append(
                    reaction_summary(
                        emoji, self.custom_emoji.get(emoji), len(normal), len(burst), me
                    )
                )
        return found

    def history(self, channel_id: str, after: str | None, limit: int) -> list[JSON]:
        """`GET /channels/{id}/messages?after=`: the oldest `limit` after it, newest first."""
        self.channel(channel_id)
        floor = int(after or 0)
        found = sorted(
            (m for m in self.messages.values() if m.channel_id == channel_id and int(m.id) > floor),
            key=lambda m: int(m.id),
        )[:limit]
        return [
            {**self.render(m), "reactions": self.reaction_summaries(m)} for m in reversed(found)
        ]

    # ------------------------------------------------------------------ threads

    def thread_from_message(self, channel_id: str, message_id: str, body: JSON) -> ChannelInfo:
        parent = self.channel(channel_id)
        self.message(channel_id, message_id)
        if message_id in self.channels:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        return self._new_thread(parent, message_id, PUBLIC_THREAD, body)

    def thread_without_message(self, channel_id: str, body: JSON) -> ChannelInfo:
        parent = self.channel(channel_id)
        kind = int(body.get("type") or PRIVATE_THREAD)
        return self._new_thread(parent, snowflake(), kind, body)

    def _new_thread(
        self, parent: ChannelInfo, thread_id: str, kind: int, body: JSON
    ) -> ChannelInfo:
        """A thread the bot started (and is in), announced as Discord does."""
        thread = ChannelInfo(
            thread_id,
            kind,
            body.get("name") or "thread",
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.bot.id,
            members={self.bot.id},
        )
        self.channels[thread.id] = thread
        self.emit("THREAD_CREATE", {**thread.payload(), "newly_created": True})
        return thread

    # ------------------------------------------------------------------ interactions

    def new_interaction(
        self, kind: int, user: UserInfo, channel_id: str, message_id: str | None = None
    ) -> InteractionInfo:
        info = InteractionInfo(
            id=snowflake(),
            token="itoken." + secrets.token_urlsafe(24),
            kind=kind,
            user=user,
            channel_id=channel_id,
            created=time.monotonic(),
            message_id=message_id,
        )
        self.interactions[info.token] = info
        return info

    def interaction_by_id(self, interaction_id: str, token: str) -> InteractionInfo:
        info = self.interactions.get(token)
        if info is None or info.id != interaction_id:
            raise ApiError(404, 10062, "Unknown interaction")
        return info

    def live_token(self, app_id: str, token: str) -> InteractionInfo:
        info = self.interactions.get(token)
        if app_id != self.app_id or info is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        if info.expired:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return info


def uploaded(body: JSON) -> list[JSON]:
    """Attachment objects for the files of a multipart request (`_files`, see the REST)."""
    described = {
        str(a.get("filename")): a.get("description")
        for a in body.get("attachments") or []
        if isinstance(a, dict)
    }
    return [
        {
            "id": snowflake(),
            "description": described.get(f["name"]),
            "filename": f["name"],
            "size": f["size"],
            "url": f"https://cdn.stand-in.invalid/{f['name']}",
            "proxy_url": f"https://media.stand-in.invalid/{f['name']}",
            "content_type": "application/octet-stream",
        }
        for f in body.get("_files") or []
    ]
