"""What the connector stand-in keeps of each call, and Teams' answers' shapes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MAX_ACTIVITY_BYTES = 28 * 1024  # Teams' limit on one message (text, cards, entities)

# Teams' error bodies for the statuses a test injects without naming a code.
ERROR_CODES: dict[int, tuple[str, str]] = {
    400: ("BadArgument", "Invalid request."),
    401: ("Unauthorized", "Authorization has been denied for this request."),
    403: ("BotNotInConversationRoster", "The bot is not part of the conversation roster."),
    404: ("ConversationNotFound", "Conversation not found."),
    412: ("PreconditionFailed", "Precondition failed, please try again."),
    413: ("RequestEntityTooLarge", "Request Entity Too Large"),
    429: ("TooManyRequests", "Too many requests. Please retry after some time."),
    500: ("ServiceError", "Unknown error."),
    502: ("ServiceError", "Bad gateway."),
    503: ("ServiceUnavailable", "Service unavailable."),
}


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """`19:…@thread.tacv2;messageid=1712…` → (the channel's id, the reply chain's root)."""
    base, sep, rest = conversation_id.partition(";messageid=")
    return base, (rest or None) if sep else None


@dataclass
class Call:
    """One request to the connector as the stand-in answered it. `op` is
    "create_conversation", "send" (a new activity in a conversation or reply chain),
    "reply" (POST …/activities/{id}), "update", "delete", "get_member" or "get_members". `conversation`
    is the id without `;messageid=…`; `root` the reply chain's root, when known;
    `activity_id` the activity made, or the one acted on."""

    op: str
    method: str
    path: str
    conversation: str | None
    root: str | None
    activity_id: str | None
    body: Any
    at: float
    status: int = 200
    token: str | None = None
    reply_to: str | None = None  # the activity replied to: the path's, or the body's replyToId


@dataclass
class Fault:
    status: int
    count: int | None  # None: every matching call until `clear_faults`
    path: str | None = None  # a regular expression searched in the request path
    method: str | None = None
    retry_after: float | None = None
    code: str | None = None
    message: str | None = None

    def applies(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or re.search(self.path, path) is not None


@dataclass
class Member:
    """A person the connector knows (a TeamsChannelAccount)."""

    aad_object_id: str
    name: str
    id: str
    tenant_id: str
    email: str = ""

    def as_teams(self) -> dict[str, Any]:
        given, _, surname = self.name.partition(" ")
        email = self.email or f"{given.lower() or 'user'}@contoso.com"
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": given,
            "surname": surname,
            "email": email,
            "userPrincipalName": email,
            "tenantId": self.tenant_id,
            "userRole": "user",
        }


@dataclass
class Posted:
    """An activity the bot made: every version of its body, the first being the post."""

    conversation: str
    root: str | None
    versions: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def latest(self) -> dict[str, Any]:
        return self.versions[-1]


def card_in(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or []:
        if isinstance(attachment, dict) and attachment.get("contentType") == ADAPTIVE_CARD:
            content = attachment.get("content")
            return content if isinstance(content, dict) else None
    return None


def error_body(status: int, code: str | None = None, message: str | None = None) -> dict[str, Any]:
    default_code, default_message = ERROR_CODES.get(status, ("ServiceError", "Unknown error."))
    return {"error": {"code": code or default_code, "message": message or default_message}}
