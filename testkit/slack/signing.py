"""Requests exactly as Slack sends them: signed bodies, event envelopes, command forms.

Slack signs every HTTP request with `v0=HMAC-SHA256(signing_secret, "v0:{ts}:{body}")` in
`X-Slack-Signature`, the timestamp in `X-Slack-Request-Timestamp`.  Building the bodies
here (rather than handing dicts to the app) is what makes the tests exercise Bolt's own
verification and parsing: events arrive as a JSON `event_callback` envelope, slash commands
as a form, interactions as a form with one `payload=` field holding JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

_ids = itertools.count(1)

TEAM = "T0TEST"
APP = "A0ALSBOT"
# A connected organisation in Slack Connect tests: its workspace and one of its people.
GUEST_TEAM = "T0GUEST"


def signature(secret: str, timestamp: int | str, body: str | bytes) -> str:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str,
    body: str | bytes,
    *,
    timestamp: int | None = None,
    content_type: str = "application/json",
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """Headers for `body` as Slack would send them (optionally as a retry)."""
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(secret, ts, body),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def form_headers(secret: str, body: str, **kwargs: Any) -> dict[str, str]:
    return signed_headers(secret, body, content_type="application/x-www-form-urlencoded", **kwargs)


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids):08d}"


# ---------------------------------------------------------------------- Events API


def event_envelope(
    event: dict[str, Any],
    *,
    team_id: str = TEAM,
    api_app_id: str = APP,
    event_id: str | None = None,
    event_time: int | None = None,
    bot_user_id: str = "UBOT",
) -> dict[str, Any]:
    """`team_id`: the workspace the app is installed in, and `bot_user_id` its bot there."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_id("Ev"),
        "event_time": event_time or int(time.time()),
        "authorizations": [
            {"enterprise_id": None, "team_id": team_id, "user_id": bot_user_id, "is_bot": True}
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + new_id("ctx"),
    }


def shared_envelope(
    event: dict[str, Any],
    *,
    envelope_team: str = GUEST_TEAM,
    installed_team: str = TEAM,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An envelope from a Slack Connect channel, as Slack sends it to the installing app.

    Slack names the envelope (`team_id`, `context_team_id`) after a team of the shared
    channel that need not be the installation's, even for the host's own people; only
    `authorizations[0]` names the installation (shapes as in bolt-python's Slack Connect
    fixtures, captured from Slack).
    """
    envelope = event_envelope(event, team_id=envelope_team, event_id=event_id)
    envelope.update(
        {
            "context_team_id": envelope_team,
            "context_enterprise_id": None,
            "is_ext_shared_channel": True,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": installed_team,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
    )
    return envelope


def message_event(
    *,
    user: str,
    channel: str,
    text: str,
    ts: str,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    team: str = TEAM,
    **extra: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": team,
        "client_msg_id": new_id("msg-"),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = "UBOT"
    if team != TEAM:  # a Slack Connect guest: Slack adds the person's own team
        event.update({"user_team": team, "source_team": team, "user_profile": {"team": team}})
    event.update(extra)
    return event


def reaction_event(
    kind: str, *, user: str, reaction: str, channel: str, ts: str, item_user: str | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": f"{int(time.time())}.000100",
    }
    if item_user:
        event["item_user"] = item_user
    return event


def app_rate_limited(minute: int, *, team_id: str = TEAM) -> dict[str, Any]:
    """Slack's notice that it is dropping the app's events for a workspace (no inner
    event, not an `event_callback`), as documented."""
    return {
        "token": "legacy-verification-token",
        "type": "app_rate_limited",
        "team_id": team_id,
        "minute_rate_limited": minute,
        "api_app_id": APP,
    }


def url_verification(challenge: str) -> dict[str, Any]:
    return {"token": "legacy", "challenge": challenge, "type": "url_verification"}


# ---------------------------------------------------------------------- commands & actions


def slash_command_fields(
    *,
    text: str,
    user_id: str,
    channel_id: str,
    team_id: str = TEAM,
    command: str = "/als",
    trigger_id: str | None = None,
    response_url: str = "https://hooks.slack.com/commands/none",
    user_name: str | None = None,
    channel_name: str = "als-set",
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "als-test",
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_id("trig."),
    }


def form_body(fields: dict[str, Any]) -> str:
    """A form body; booleans as Slack writes them (`true`/`false`)."""
    flat = {
        k: ("true" if v is True else "false" if v is False else "" if v is None else str(v))
        for k, v in fields.items()
    }
    return urlencode(flat)


def block_actions_payload(
    *,
    user_id: str,
    channel_id: str,
    action_id: str,
    value: str = "",
    message_ts: str,
    team_id: str = TEAM,
    user_team_id: str | None = None,
    trigger_id: str | None = None,
    response_url: str = "https://hooks.slack.com/actions/none",
    label: str = "Button",
    is_ephemeral: bool = False,
) -> dict[str, Any]:
    """A button click.  `team` is the installation whose message holds the button;
    `user.team_id` is the clicker's own team (`user_team_id`, a Slack Connect guest's)."""
    action_ts = f"{int(time.time())}.{next(_ids):06d}"
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": user_team_id or team_id},
        "api_app_id": APP,
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": trigger_id or new_id("trig."),
        "team": {"id": team_id, "domain": "als-test"},
        "channel": {"id": channel_id, "name": "als-set"},
        "message": {"type": "message", "user": "UBOT", "ts": message_ts, "text": "…"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": label},
                "value": value,
                "action_ts": action_ts,
            }
        ],
    }


def message_shortcut_payload(
    *,
    user_id: str,
    channel_id: str,
    message: dict[str, Any],
    callback_id: str = "save_as_do",
    team_id: str = TEAM,
    user_team_id: str | None = None,
    trigger_id: str | None = None,
    response_url: str = "https://hooks.slack.com/app/none",
) -> dict[str, Any]:
    """A message shortcut chosen from a message's menu (`message_action`): the message
    itself rides along (`message`: as `conversations.history` shows it)."""
    return {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": f"{int(time.time())}.{next(_ids):06d}",
        "team": {"id": team_id, "domain": "als-test"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": user_team_id or team_id},
        "channel": {"id": channel_id, "name": "als-set"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_id("trig."),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": message,
    }


def view_submission_payload(
    *,
    user_id: str,
    view: dict[str, Any],
    answers: dict[str, str | None],
    team_id: str = TEAM,
) -> dict[str, Any]:
    """A modal sent back, as Slack reports it: the view as opened, with `state.values`
    holding each input block's value (null for an input left empty)."""
    values: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block["element"]
        values[block["block_id"]] = {
            element["action_id"]: {"type": element["type"], "value": answers.get(block["block_id"])}
        }
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "als-test"},
        "user": {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": team_id,
        },
        "api_app_id": APP,
        "token": "legacy-verification-token",
        "trigger_id": new_id("trig."),
        "view": {
            **{k: v for k, v in view.items() if k != "trigger_id"},
            "team_id": team_id,
            "state": {"values": values},
            "root_view_id": view.get("id"),
            "app_id": APP,
            "bot_id": "BBOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }


def payload_body(payload: dict[str, Any]) -> str:
    """An interaction body: one `payload` form field holding the JSON."""
    return urlencode({"payload": json.dumps(payload)})
