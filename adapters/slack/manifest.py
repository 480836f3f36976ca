"""The Slack app manifest, generated from one list of scopes and events with their reasons.

`manifest.yaml` (HTTP mode) and `manifest.socket.yaml` are written from here, so a scope
cannot be added without saying why, and a test checks that the files in the repository
match and that every Web API method the adapter calls is covered by a listed scope.

    python -m adapters.slack.manifest --url https://alsbot.example.org > manifest.yaml
    python -m adapters.slack.manifest --socket > manifest.socket.yaml
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
EXAMPLE_URL = "https://alsbot.example.org"

# The minimum bot scopes, each with the reason it is needed.
SCOPES: dict[str, str] = {
    "commands": "the /als slash command",
    "chat:write": "post round headers and thread messages, update headers, send ephemerals",
    "im:write": "open a DM (conversations.open) for nudges, question lists and updates",
    "im:history": "receive DMs to the bot (message.im): updates, previewed to their author before sharing",
    "channels:history": "see round-thread messages in public channels; read a reacted message",
    "groups:history": "the same in private channels",
    "reactions:read": "reaction_added / reaction_removed, which collect do's",
    "files:write": "send exports (do's, export-me) as files",
    "channels:read": "is a set's channel public? (conversations.info, before /als start warns)",
    "groups:read": "the same for a private channel",
    "users:read": "is the person naming a leaderless set's facilitator a workspace admin? (users.info)",
}

# Events the adapter acts on, each with the scope that delivers it.
EVENTS: dict[str, str] = {
    "app_home_opened": "publish the Home tab (no scope needed)",
    "message.channels": "round threads in public channels (channels:history)",
    "message.groups": "round threads in private channels (groups:history)",
    "message.im": "DMs to the bot (im:history)",
    "reaction_added": "do's (reactions:read)",
    "reaction_removed": "do's (reactions:read)",
}

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
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}


def manifest(*, socket: bool, url: str = EXAMPLE_URL) -> dict[str, Any]:
    endpoint = url.rstrip("/") + "/slack/events"
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
    if not socket:
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
        },
        "oauth_config": {"scopes": {"bot": list(SCOPES)}},
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


def to_yaml(data: dict[str, Any], *, socket: bool) -> str:
    mode = "Socket Mode (no public URL)" if socket else "HTTP mode"
    lines = [
        f"# alsbot — Slack app manifest, {mode}.",
        "# Generated by `python -m adapters.slack.manifest`; see docs/SLACK.md.",
    ]
    if not socket:
        lines.append(f"# Replace {EXAMPLE_URL} with the public HTTPS address of your alsbot.")
    _emit(data, 0, lines, {**SCOPES, **EVENTS})
    return "\n".join(lines) + "\n"


def path_for(*, socket: bool) -> Path:
    return HERE / ("manifest.socket.yaml" if socket else "manifest.yaml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print alsbot's Slack app manifest.")
    parser.add_argument("--socket", action="store_true", help="the Socket Mode variant")
    parser.add_argument("--url", default=EXAMPLE_URL, help="alsbot's public HTTPS address")
    parser.add_argument("--write", action="store_true", help="rewrite the files in the repo")
    args = parser.parse_args(argv)
    if args.write:
        for socket in (False, True):
            path_for(socket=socket).write_text(
                to_yaml(manifest(socket=socket), socket=socket), encoding="utf-8"
            )
        return 0
    sys.stdout.write(to_yaml(manifest(socket=args.socket, url=args.url), socket=args.socket))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
