"""Teams ids ⇄ the core's refs.

- A workspace is a Microsoft Entra tenant (`conversation.tenantId`): a channel message and
  a 1:1 chat of one organisation then share it, so a person's DM finds their sets.
- A person is their Entra object id (`from.aadObjectId`, a GUID): stable for the tenant and
  shaped like a user id the grammar accepts (`<@…>`); the app-scoped `29:…` id the
  connector needs to open a 1:1 chat is kept beside it (`conversations.py`).
- A channel is a conversation id without its reply-chain suffix (`;messageid=…`). Teams
  ids hold colons (`19:…@thread.tacv2`, `a:1…`), which the core's keys use as separators, so
  a colon is written `%3A` (and `%` as `%25`) — reversible, and nothing else changes.
- A message is an activity id; a reply chain is named by its root's id.
"""

from __future__ import annotations

import re

from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef

REPLY_CHAIN = re.compile(r";messageid=(?P<root>[^;]+)$")


def workspace(tenant_id: str) -> WorkspaceRef:
    return WorkspaceRef(Platform.TEAMS, tenant_id.lower())


def person(tenant_id: str, aad_object_id: str) -> UserRef:
    return UserRef(workspace(tenant_id), aad_object_id.lower())


def encode(conversation_id: str) -> str:
    return conversation_id.replace("%", "%25").replace(":", "%3A")


def decode(ref_id: str) -> str:
    return ref_id.replace("%3A", ":").replace("%25", "%")


def split_reply_chain(conversation_id: str) -> tuple[str, str | None]:
    """`19:x@thread.tacv2;messageid=17` → (`19:x@thread.tacv2`, `17`); no suffix → (id, None)."""
    match = REPLY_CHAIN.search(conversation_id)
    if match is None:
        return conversation_id, None
    return conversation_id[: match.start()], match["root"]


def channel(tenant_id: str, conversation_id: str) -> ChannelRef:
    base, _ = split_reply_chain(conversation_id)
    return ChannelRef(workspace(tenant_id), encode(base))


def conversation_id(channel_ref: ChannelRef, thread: MessageRef | None = None) -> str:
    """The connector's conversation id for a channel, or for a reply chain in it."""
    base = decode(channel_ref.id)
    return f"{base};messageid={thread.id}" if thread is not None else base


def message(tenant_id: str, conversation: str, activity_id: str) -> MessageRef:
    return MessageRef(channel(tenant_id, conversation), activity_id)
