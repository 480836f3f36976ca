"""Discord API payloads, shaped as Discord sends them, for the stand-in.

discord.py parses these with the same code it uses against Discord itself, so each builder
carries every field discord.py reads unconditionally (a missing one is a `KeyError` deep in
the library, which is exactly the kind of drift these tests exist to catch).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

# Snowflakes must be 17-20 digits: discord.py's mention escaping only matches those. Like
# Discord's, they carry the time they were made (`?after=` a time reads by them).
DISCORD_EPOCH_MS = 1_420_070_400_000
_last_snowflake = 0
EPOCH = "2026-01-12T10:00:00.000000+00:00"

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types)
GUILD_TEXT = 0
DM = 1
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12

# Gateway intents that matter here.
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15

# Application flags telling whether the privileged intent is switched on in the portal.
APP_FLAG_MESSAGE_CONTENT = 1 << 18
APP_FLAG_MESSAGE_CONTENT_LIMITED = 1 << 19


def snowflake() -> str:
    global _last_snowflake
    made = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
    _last_snowflake = max(made, _last_snowflake + 1)
    return str(_last_snowflake)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class UserInfo:
    id: str
    username: str
    bot: bool = False
    dms_open: bool = True

    def payload(self) -> JSON:
        return {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.username.title(),
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }


def member_payload(
    user: UserInfo, *, roles: list[str] | None = None, permissions: str | None = None
) -> JSON:
    data: JSON = {
        "user": user.payload(),
        "nick": None,
        "avatar": None,
        "roles": roles or [],
        "joined_at": EPOCH,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = permissions
    return data


def role_payload(role_id: str, name: str, permissions: int, position: int = 0) -> JSON:
    return {
        "id": role_id,
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


@dataclass
class ChannelInfo:
    id: str
    type: int
    name: str = ""
    guild_id: str | None = None
    parent_id: str | None = None
    owner_id: str | None = None
    recipient: UserInfo | None = None
    archived: bool = False
    members: set[str] = field(default_factory=set)
    message_count: int = 0
    overwrites: list[JSON] = field(default_factory=list)  # permission_overwrites

    @property
    def is_thread(self) -> bool:
        return self.type in (PUBLIC_THREAD, PRIVATE_THREAD)

    def payload(self) -> JSON:
        if self.type == DM:
            assert self.recipient is not None
            return {
                "id": self.id,
                "type": DM,
                "last_message_id": None,
                "recipients": [self.recipient.payload()],
                "flags": 0,
            }
        data: JSON = {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild_id,
            "name": self.name,
            "position": 0,
            "permission_overwrites": list(self.overwrites),
            "nsfw": False,
            "parent_id": self.parent_id,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        if self.type == GUILD_TEXT:
            data["topic"] = None
            data["default_auto_archive_duration"] = 1440
        if self.is_thread:
            data.update(
                owner_id=self.owner_id,
                message_count=self.message_count,
                member_count=len(self.members),
                total_message_sent=self.message_count,
                thread_metadata={
                    "archived": self.archived,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": EPOCH,
                    "locked": False,
                    "invitable": self.type == PRIVATE_THREAD,
                    "create_timestamp": EPOCH,
                },
            )
        return data


def message_payload(
    *,
    message_id: str,
    channel: ChannelInfo,
    author: UserInfo,
    content: str,
    components: list[JSON] | None = None,
    embeds: list[JSON] | None = None,
    attachments: list[JSON] | None = None,
    mentions: list[UserInfo] | None = None,
    flags: int = 0,
    webhook_id: str | None = None,
    edited: bool = False,
    thread: ChannelInfo | None = None,
) -> JSON:
    data: JSON = {
        "id": message_id,
        "channel_id": channel.id,
        "author": author.payload(),
        "content": content,
        "timestamp": EPOCH,
        "edited_timestamp": now_iso() if edited else None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [m.payload() for m in mentions or []],
        "mention_roles": [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "reactions": [],
        "pinned": False,
        "type": 0,
        "flags": flags,
        "components": components or [],
    }
    if channel.guild_id is not None:
        data["guild_id"] = channel.guild_id
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    if thread is not None:
        data["thread"] = thread.payload()
    return data


def guild_payload(
    *,
    guild_id: str,
    name: str,
    owner_id: str,
    roles: list[JSON],
    channels: list[ChannelInfo],
    threads: list[ChannelInfo],
    members: list[JSON],
) -> JSON:
    return {
        "id": guild_id,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-GB",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": EPOCH,
        "large": False,
        "unavailable": False,
        "member_count": len(members),
        "voice_states": [],
        "members": members,
        "channels": [c.payload() for c in channels],
        "threads": [t.payload() for t in threads],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def application_payload(app_id: str, owner: UserInfo, bot: UserInfo, flags: int) -> JSON:
    return {
        "id": app_id,
        "name": bot.username,
        "icon": None,
        "description": "alsbot under test",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": bot.payload(),
        "terms_of_service_url": None,
        "privacy_policy_url": None,
        "owner": owner.payload(),
        "verify_key": "0" * 64,
        "team": None,
        "guild_id": None,
        "flags": flags,
        "tags": [],
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "approximate_guild_count": 1,
    }


def interaction_payload(
    *,
    interaction_id: str,
    token: str,
    app_id: str,
    kind: int,
    data: JSON,
    user: UserInfo,
    channel: ChannelInfo,
    guild_id: str | None,
    message: JSON | None = None,
    permissions: int = (1 << 41) - 1,
) -> JSON:
    """An INTERACTION_CREATE body: kind 2 is an app command, kind 3 a component.
    `permissions` are the member's, resolved in the channel (`member.permissions`)."""
    payload: JSON = {
        "id": interaction_id,
        "application_id": app_id,
        "type": kind,
        "data": data,
        "channel_id": channel.id,
        "channel": channel.payload(),
        "token": token,
        "version": 1,
        "app_permissions": str((1 << 50) - 1),
        "locale": "en-GB",
        "entitlements": [],
        "authorizing_integration_owners": {"0": guild_id or "0"},
        "context": 0 if guild_id else 1,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if guild_id is not None:
        payload["guild_id"] = guild_id
        payload["guild_locale"] = "en-GB"
        payload["member"] = member_payload(user, permissions=str(permissions))
    else:
        payload["user"] = user.payload()
    if message is not None:
        payload["message"] = message
    return payload


def reaction_payload(
    *,
    user: UserInfo,
    channel: ChannelInfo,
    message_id: str,
    emoji: str,
    message_author_id: str | None,
    added: bool,
    burst: bool = False,
    emoji_id: str | None = None,
) -> JSON:
    """MESSAGE_REACTION_ADD / _REMOVE: the message itself is never in it. A super reaction
    is `burst` (type 1); a server's custom emoji has an `id`."""
    data: JSON = {
        "user_id": user.id,
        "channel_id": channel.id,
        "message_id": message_id,
        "emoji": {"id": emoji_id, "name": emoji},
        "burst": burst,
        "type": 1 if burst else 0,
    }
    if channel.guild_id is not None:
        data["guild_id"] = channel.guild_id
        if added:
            data["member"] = member_payload(user)
    if added:
        data["message_author_id"] = message_author_id
        data["burst_colors"] = []
    return data


# ------------------------------------------------------------------ payloads discord.py trips on
# Real traffic (discord.py issues #2429 and #4081) and Discord's own documentation have
# fields that discord.py reads unconditionally but Discord may leave out.


def without(data: JSON, *path: str) -> JSON:
    """A copy of `data` without the key at `path` (`"member", "flags"`)."""
    copy: JSON = {**data}
    node = copy
    for key in path[:-1]:
        node[key] = {**node[key]}
        node = node[key]
    node.pop(path[-1], None)
    return copy


def malformed_dispatches(good_reaction: JSON, good_interaction: JSON) -> list[tuple[str, JSON]]:
    """One of each: an interaction without `version`, a reaction without `type`, a
    reaction whose member has no `flags`."""
    return [
        ("INTERACTION_CREATE", without(good_interaction, "version")),
        ("MESSAGE_REACTION_ADD", without(good_reaction, "type")),
        ("MESSAGE_REACTION_ADD", without(good_reaction, "member", "flags")),
    ]


def reaction_summary(emoji: str, emoji_id: str | None, normal: int, burst: int, me: bool) -> JSON:
    """A message's `reactions[]` entry, with normal and burst counts apart."""
    return {
        "emoji": {"id": emoji_id, "name": emoji},
        "count": normal + burst,
        "count_details": {"normal": normal, "burst": burst},
        "me": me,
        "me_burst": False,
        "burst_colors": [],
    }
