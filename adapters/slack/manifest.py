"""The Slack app manifest, generated from one list of scopes and events with their reasons.

`manifest.yaml` (HTTP mode) and `manifest.socket.yaml` are written from here, so a scope
cannot be added without saying why, and a test checks that the files in the repository
match and that every Web API method the adapter calls is covered by a listed scope.

    alsbot slack manifest --url https://als.example.net > manifest.yaml
    alsbot slack manifest --socket > manifest.socket.yaml
    python -m adapters.slack.manifest --write      # rewrite the two files in the repository

The committed HTTP manifest carries a placeholder address and a comment saying to replace
it; one generated for a real `--url` has that address everywhere and no such comment, so
what an operator pastes is complete.  The address is checked first (`endpoint_for`): Slack
only POSTs to HTTPS, and alsbot listens on `/slack/events` only, so any other path would
verify nothing and deliver nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).parent
EXAMPLE_URL = "https://alsbot.example.org"
EVENTS_PATH = "/slack/events"  # the one path alsbot serves Slack on (`server.SlackHttpServer`)
# OAuth install (`adapters.slack.oauth`): the "Add to Slack" page, and where Slack sends the
# installer back to (the manifest's `redirect_urls`, HTTP mode only).
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
SAVE_AS_DO = "save_as_do"  # the message shortcut's callback_id
# Hosts a plain-HTTP address may name: a stand-in or a tunnel's local end, never Slack's target.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

# The minimum bot scopes, each with the reason it is needed.
SCOPES: dict[str, str] = {
    "commands": "the /als slash command",
    "chat:write": "post round headers and thread messages, update headers, send ephemerals",
    "im:write": "open a DM (conversations.open) for nudges, question lists and updates",
    "im:history": "receive DMs to the bot (message.im): updates, previewed to their author before sharing",
    "mpim:write": "open a group DM (conversations.open with several people) for a match both said yes to",
    "mpim:history": "find a group DM message already posted before posting a retry again (conversations.history)",
    "channels:history": "see round-thread messages in public channels; read a reacted message",
    "groups:history": "the same in private channels",
    "reactions:read": "reaction_added / reaction_removed, which collect do's",
    "files:write": "send exports (do's, export-me) as files",
    "channels:read": "is a set's channel public? (conversations.info, before /als start warns)",
    "groups:read": "the same for a private channel",
    "users:read": "is the person naming a leaderless set's facilitator a workspace admin? (users.info)",
}
# The one list of bot scopes: the manifest's, and what "Add to Slack" asks for
# (`oauth.oauth_flow`), so an install never gets fewer scopes than the code needs.
BOT_SCOPES: list[str] = list(SCOPES)

# Events the adapter acts on, each with the scope that delivers it.
EVENTS: dict[str, str] = {
    "app_home_opened": "publish the Home tab (no scope needed)",
    "message.channels": "round threads in public channels (channels:history)",
    "message.groups": "round threads in private channels (groups:history)",
    "message.im": "DMs to the bot (im:history)",
    "reaction_added": "do's (reactions:read)",
    "reaction_removed": "do's (reactions:read)",
    "app_uninstalled": "stop all work for a workspace that removed the app (no scope needed)",
    "tokens_revoked": "the same when its bot token is revoked (no scope needed)",
}

# Message shortcuts (the ⋯ menu on a message): their payload carries the message.
SHORTCUTS: list[dict[str, str]] = [
    {
        "name": "Save as do",
        "type": "message",
        "callback_id": SAVE_AS_DO,
        "description": "Save this message to the set's do's",
    }
]

# Which scope each Web API method the adapter calls needs (None: no scope).
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "apps.connections.open": None,  # app-level token with connections:write
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "conversations.open": "im:write",
    "conversations.history": "channels:history",
    "conversations.replies": "channels:history",
    "conversations.info": "channels:read",
    "users.info": "users:read",
    "views.publish": None,
    "views.open": None,  # a form (`/als offer` with no words), opened with the command's trigger_id
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}


class BadUrl(ValueError):
    """An address Slack could not deliver to alsbot's endpoint; the message says the fix."""


def endpoint_for(url: str) -> str:
    """alsbot's public address → the Request URL, `https://host[:port]/slack/events`.

    A bare origin gets `/slack/events` appended (that is the one path alsbot serves); an
    address already ending in it is kept.  Anything else is refused rather than guessed:
    a path prefix, a query or credentials would be pasted into Slack and never verify.
    """
    raw = url.strip()
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    try:
        host = parts.hostname
        parts.port  # noqa: B018  # raises for a port that is not a number or out of range
    except ValueError:
        raise BadUrl(f"{url!r} has a port that is not a number from 1 to 65535") from None
    if scheme not in ("https", "http") or not host:
        raise BadUrl(f"{url!r} is not an address: give alsbot's public origin, https://your.host")
    if parts.username is not None or parts.password is not None:
        raise BadUrl(f"{url!r} carries a user name or password; Slack would not send them")
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise BadUrl(
            f"{url!r} is plain HTTP: Slack only sends to HTTPS; put a TLS reverse proxy in "
            "front of alsbot and give its https:// address"
        )
    if parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise BadUrl(f"{url!r} has a query or fragment; give the origin only (https://your.host)")
    if parts.path.rstrip("/") not in ("", EVENTS_PATH):
        raise BadUrl(
            f"{url!r} has the path {parts.path!r}, but alsbot answers only on {EVENTS_PATH}: "
            f"give the origin (https://your.host) or https://your.host{EVENTS_PATH}"
        )
    return f"{scheme}://{parts.netloc.lower()}{EVENTS_PATH}"


def manifest(*, socket: bool, url: str = EXAMPLE_URL) -> dict[str, Any]:
    """`token_rotation_enabled` stays false: alsbot refreshes rotating tokens when an
    app has it on (`installations.InstalledWorkspaces`), but turning it on cannot be
    undone in Slack, and a single-workspace `SLACK_BOT_TOKEN` would then expire."""
    endpoint = endpoint_for(url)
    command: dict[str, Any] = {
        "command": "/als",
        "description": "Action Learning Sets: rounds, actions, schedule, do's",
        "usage_hint": "help | setup | start @presenter | next | action <text> by <date>",
        "should_escape": True,
    }
    if not socket:
        command = {
            "command": "/als",
            "url": endpoint,
            **{k: v for k, v in command.items() if k != "command"},
        }
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket,
        "token_rotation_enabled": False,
    }
    oauth_config: dict[str, Any] = {"scopes": {"bot": BOT_SCOPES}}
    if not socket:
        origin = endpoint.removesuffix(EVENTS_PATH)
        oauth_config = {"redirect_urls": [origin + REDIRECT_PATH], **oauth_config}
        settings["event_subscriptions"] = {"request_url": endpoint, "bot_events": list(EVENTS)}
        settings["interactivity"] = {"is_enabled": True, "request_url": endpoint}
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "alsbot",
            "description": "Keeps Action Learning Sets going: rounds, actions, nudges, do's.",
            "background_color": "#2c4a52",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "alsbot", "always_online": True},
            "slash_commands": [command],
            "shortcuts": SHORTCUTS,
        },
        "oauth_config": oauth_config,
        "settings": settings,
    }


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _emit(value: Any, indent: int, lines: list[str], notes: dict[str, str]) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                _emit(item, indent + 1, lines, notes)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                first, *rest = item.items()
                lines.append(f"{pad}- {first[0]}: {_scalar(first[1])}")
                for key, sub in rest:
                    lines.append(f"{pad}  {key}: {_scalar(sub)}")
            else:
                note = notes.get(item) if isinstance(item, str) else None
                lines.append(f"{pad}- {_scalar(item)}" + (f"  # {note}" if note else ""))


def to_yaml(data: dict[str, Any], *, socket: bool, url_given: bool = False) -> str:
    """`url_given`: the manifest carries the operator's own address, so the placeholder
    comment would be wrong; it says the step Slack will not do by itself instead."""
    mode = "Socket Mode (no public URL)" if socket else "HTTP mode"
    lines = [
        f"# alsbot — Slack app manifest, {mode}.",
        "# Generated by `alsbot slack manifest`; see docs/SLACK.md.",
    ]
    if not socket and not url_given:
        lines.append(f"# Replace {EXAMPLE_URL} with the public HTTPS address of your alsbot.")
    if not socket:
        lines.append("# Slack cannot verify the Request URL until alsbot runs there: then open")
        lines.append("# Event Subscriptions and press Retry next to it (docs/SLACK.md).")
    _emit(data, 0, lines, {**SCOPES, **EVENTS})
    return "\n".join(lines) + "\n"


def path_for(*, socket: bool) -> Path:
    return HERE / ("manifest.socket.yaml" if socket else "manifest.yaml")


def render(*, socket: bool, url: str | None = None) -> str:
    """The manifest as pasted into Slack; `url` None = the placeholder address.

    Raises `BadUrl` for an address alsbot could not be reached at, and for any address
    with Socket Mode (which has none: a URL there means the wrong manifest was chosen)."""
    if socket and url is not None:
        raise BadUrl(
            "Socket Mode needs no URL: leave out --url, or leave out --socket for HTTP mode"
        )
    data = manifest(socket=socket, url=EXAMPLE_URL if url is None else url)
    return to_yaml(data, socket=socket, url_given=url is not None)


def main(argv: list[str] | None = None) -> int:
    """`python -m adapters.slack.manifest`: the same as `alsbot slack manifest`, plus
    `--write` for the files in the repository."""
    parser = argparse.ArgumentParser(description="Print alsbot's Slack app manifest.")
    parser.add_argument("--socket", action="store_true", help="the Socket Mode variant")
    parser.add_argument("--url", default=None, help="alsbot's public HTTPS address")
    parser.add_argument("--write", action="store_true", help="rewrite the files in the repo")
    args = parser.parse_args(argv)
    if args.write:
        for socket in (False, True):
            path_for(socket=socket).write_text(render(socket=socket), encoding="utf-8")
        return 0
    try:
        sys.stdout.write(render(socket=args.socket, url=args.url))
    except BadUrl as bad:
        parser.error(str(bad))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
