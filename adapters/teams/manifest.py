"""The Teams app package (`alsbot teams manifest`): manifest.json and two icons in a zip.

The bot's command menus are built from the same registry as `/als help`
(`bot.commands.registry.VERBS`), so a verb cannot be renamed in one place and not the
other. Teams shows at most ten commands a menu (Microsoft's bot-menu guide; manifest
schemas up to 1.22 say the same, newer ones allow 12): each menu names its ten, and every
other verb is listed in `LEFT_OUT` with where it is still reachable, so a verb added to the
registry fails the tests until someone chooses.

The manifest asks for resource-specific consent to read channel and chat messages
(`ChannelMessage.Read.Group`, `ChatMessage.Read.Chat`): with it Teams sends the bot what is
typed in a round's reply chain without an @mention. "Save as do" is a message action
(`saveAsDo`), because Teams sends a bot reactions only on its own messages.

`problems(manifest)` checks every length and format the schema states, so a long
`[teams] app_name` or a developer URL without https is refused here, with its fix, rather
than by Teams at upload. The zip's bytes depend only on its inputs (fixed timestamps,
icons drawn without fonts), so the same settings give the same package.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from bot.commands.registry import BY_VERB
from bot.config import TeamsConfig

MANIFEST_VERSION = "1.27"  # Microsoft's manifest reference lists 1.27 as generally available
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
DEFAULT_APP_VERSION = "1.0.0"
ACCENT = "#2C4A52"  # the Slack app's background colour
SAVE_AS_DO = "saveAsDo"  # the message action's command id (the listener matches on it)
MESSAGES_PATH = "/api/messages"
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"

# Where a round runs (a team's channel, a group chat) and the 1:1 chat with the bot. The
# titles are what people type after @alsbot (or alone, in the 1:1 chat): the grammar's verbs.
CHANNEL_COMMANDS: tuple[str, ...] = (
    "help",
    "setup",
    "join",
    "start",
    "next",
    "end",
    "schedule",
    "action",
    "actions",
    "dos",
)
PERSONAL_COMMANDS: tuple[str, ...] = (
    "help",
    "update",
    "actions",
    "action",
    "dos",
    "offer",
    "want",
    "pairs",
    "export-me",
    "forget-me",
)
# Every verb in neither menu, and why a menu of ten has no room for it. All of them still
# work when typed, and `help` lists them.
LEFT_OUT: dict[str, str] = {
    "pause": "a facilitator's, mid-session: the session's card has the button",
    "resume": "a facilitator's, mid-session: the session's card has the button",
    "more": "a facilitator's, mid-session: the session's card has [+5 min]",
    "leave": "rare; typed when needed",
    "facilitator": "rare; typed when needed",
    "report": "a facilitator's, now and then",
    "link": "a facilitator's, now and then",
    "prompts": "set once by a facilitator",
    "settings": "set once by a facilitator",
}

# The limits the schema (and Microsoft's bot-menu guide) state.
MAX_COMMANDS = 10
MAX_COMMAND_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128
MAX_SHORT_NAME = 30
MAX_FULL_NAME = 100
MAX_SHORT_DESCRIPTION = 80
MAX_FULL_DESCRIPTION = 4000
MAX_DEVELOPER_NAME = 32
MAX_URL = 2048
MAX_DOMAINS = 16
MAX_ACTION_ID = 64
COLOR_SIZE = 192
OUTLINE_SIZE = 32

GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
SCOPES = ("team", "personal", "groupChat")
RSC = (
    # Teams sends the bot every message typed in a team's channels where the app is
    # installed (a round's replies), not only those that @mention it.
    ("ChannelMessage.Read.Group", "Application"),
    # The same in a group chat the app is added to.
    ("ChatMessage.Read.Chat", "Application"),
)

SHORT_DESCRIPTION = "Keeps Action Learning Sets going between meetings."
FULL_DESCRIPTION = (
    "alsbot keeps Action Learning Sets going between meetings. It hosts an Action Learning "
    "round in a channel's reply chain (ground rules, updates, presenting, questions, "
    "actions, evaluation) with timers and buttons; nudges past presenters in a 1:1 chat "
    "for an update on their actions before the next session; and collects the set's do's "
    "(choose Save as do from a message's More actions), searchable and exportable. Type "
    "@alsbot help in a channel, or help in the chat with alsbot."
)


class ManifestError(ValueError):
    """Settings the package cannot be made from; the message says the fix."""


@dataclass(frozen=True, slots=True)
class Developer:
    """The manifest's `developer`: who runs this alsbot, and their pages people can open
    from the app's details in Teams."""

    name: str
    website: str
    privacy: str
    terms: str


def origin(section: TeamsConfig) -> str:
    return section.public_url.strip().rstrip("/")


def default_developer(section: TeamsConfig) -> Developer:
    """From `[teams] public_url`: the host as the name, its pages as the links. alsbot does
    not serve /privacy or /terms itself: the operator puts their organisation's notices there
    or names others (`--privacy`, `--terms`)."""
    base = origin(section) or "https://alsbot.example.org"
    host = urlsplit(base).hostname or "alsbot"
    return Developer(
        name=host[:MAX_DEVELOPER_NAME],
        website=base + "/",
        privacy=base + "/privacy",
        terms=base + "/terms",
    )


def _fit(text: str, limit: int) -> str:
    """`text` cut at a word to `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return cut + "…"


def _command(verb: str) -> dict[str, str]:
    found = BY_VERB[verb]
    summary = found.summary[:1].upper() + found.summary[1:]
    usage = found.usage.split(" · ")[0].removeprefix("/als ")
    described = f"{summary}: {usage}" if usage != verb else summary
    if len(described) > MAX_COMMAND_DESCRIPTION:
        described = summary
    return {"title": verb, "description": _fit(described, MAX_COMMAND_DESCRIPTION)}


def _resource(app_id: str, section: TeamsConfig) -> str:
    """An Application ID URI for `webApplicationInfo`, which resource-specific consent needs
    beside the app's id; alsbot signs nobody in, so nothing asks for a token with it."""
    host = urlsplit(origin(section)).hostname
    return f"api://{host}/{app_id}" if host else f"api://botid-{app_id}"


def manifest(
    *,
    app_id: str,
    section: TeamsConfig,
    developer: Developer | None = None,
    version: str = DEFAULT_APP_VERSION,
) -> dict[str, Any]:
    """The manifest for the bot whose Microsoft App ID (TEAMS_CLIENT_ID) is `app_id`; the
    app's own id is the same GUID, as Microsoft's samples have it."""
    developer = developer or default_developer(section)
    app_name = " ".join(section.app_name.split()) or "alsbot"
    host = urlsplit(origin(section)).hostname
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": developer.name,
            "websiteUrl": developer.website,
            "privacyUrl": developer.privacy,
            "termsOfUseUrl": developer.terms,
        },
        "name": {"short": app_name, "full": f"{app_name}: Action Learning Sets"},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["team", "groupChat"],
                        "commands": [_command(v) for v in CHANNEL_COMMANDS],
                    },
                    {"scopes": ["personal"], "commands": [_command(v) for v in PERSONAL_COMMANDS]},
                ],
            }
        ],
        "composeExtensions": [
            {
                "botId": app_id,
                "canUpdateConfiguration": False,
                "commands": [
                    {
                        "id": SAVE_AS_DO,
                        "type": "action",
                        "title": "Save as do",
                        "description": "Save this message to the set's do's",
                        "context": ["message"],
                        "fetchTask": True,
                    }
                ],
            }
        ],
        "authorization": {
            "permissions": {
                "resourceSpecific": [{"name": name, "type": kind} for name, kind in RSC]
            }
        },
        "webApplicationInfo": {"id": app_id, "resource": _resource(app_id, section)},
        "validDomains": [host] if host else [],
    }


def _length(out: list[str], where: str, value: Any, limit: int, *, required: bool = True) -> None:
    if not isinstance(value, str) or (required and not value.strip()):
        out.append(f"{where} is missing")
    elif len(value) > limit:
        out.append(f"{where} is {len(value)} characters; Teams allows {limit}")


def _https(out: list[str], where: str, value: Any) -> None:
    _length(out, where, value, MAX_URL)
    if isinstance(value, str) and not re.match(r"https://[^/\s]+", value, re.IGNORECASE):
        out.append(f"{where} {value!r} is not an https:// address")


def _guid(out: list[str], where: str, value: Any) -> None:
    if not isinstance(value, str) or not GUID.fullmatch(value):
        out.append(f"{where} {value!r} is not a GUID (the Azure bot's Microsoft App ID)")


def problems(data: dict[str, Any]) -> list[str]:
    """Every limit and format the manifest schema states that this manifest breaks (an
    empty list: Teams should take it), in words an operator can act on."""
    out: list[str] = []
    if data.get("manifestVersion") != MANIFEST_VERSION or data.get("$schema") != SCHEMA_URL:
        out.append(f"manifestVersion and $schema must both name {MANIFEST_VERSION}")
    if not SEMVER.fullmatch(str(data.get("version", ""))):
        out.append(f"version {data.get('version')!r} is not three numbers, such as 1.0.0")
    _guid(out, "id", data.get("id"))
    name, description = data.get("name", {}), data.get("description", {})
    _length(out, "[teams] app_name (name.short)", name.get("short"), MAX_SHORT_NAME)
    _length(out, "name.full", name.get("full"), MAX_FULL_NAME)
    _length(out, "description.short", description.get("short"), MAX_SHORT_DESCRIPTION)
    _length(out, "description.full", description.get("full"), MAX_FULL_DESCRIPTION)
    developer = data.get("developer", {})
    _length(out, "developer name", developer.get("name"), MAX_DEVELOPER_NAME)
    for key, said in (
        ("websiteUrl", "website"),
        ("privacyUrl", "privacy"),
        ("termsOfUseUrl", "terms"),
    ):
        _https(out, f"developer {said} URL", developer.get(key))
    if not HEX_COLOR.fullmatch(str(data.get("accentColor", ""))):
        out.append(f"accentColor {data.get('accentColor')!r} is not #RRGGBB")
    icons = data.get("icons", {})
    if icons != {"color": COLOR_ICON, "outline": OUTLINE_ICON}:
        out.append(f"icons must name {COLOR_ICON} and {OUTLINE_ICON}, the package's files")
    bots = data.get("bots", [])
    if len(bots) != 1:
        out.append("there must be exactly one bot")
    for bot in bots[:1]:
        _guid(out, "bots[0].botId", bot.get("botId"))
        if not set(bot.get("scopes", [])) <= set(SCOPES):
            out.append(f"bots[0].scopes {bot.get('scopes')} names a scope Teams does not know")
        lists = bot.get("commandLists", [])
        if len(lists) > 3:
            out.append("a bot has at most 3 command lists")
        seen: set[str] = set()
        for menu in lists:
            scopes = menu.get("scopes", [])
            where = "the " + "/".join(scopes) + " menu"
            if seen & set(scopes):
                out.append(f"{where} repeats a scope another menu has")
            seen |= set(scopes)
            commands = menu.get("commands", [])
            if len(commands) > MAX_COMMANDS:
                out.append(f"{where} has {len(commands)} commands; Teams shows {MAX_COMMANDS}")
            titles = [c.get("title") for c in commands]
            if len(set(titles)) != len(titles):
                out.append(f"{where} names a command twice")
            for command in commands:
                said = f"{where}'s {command.get('title')!r}"
                _length(out, f"{said} title", command.get("title"), MAX_COMMAND_TITLE)
                _length(
                    out, f"{said} description", command.get("description"), MAX_COMMAND_DESCRIPTION
                )
    extensions = data.get("composeExtensions", [])
    if len(extensions) > 1:
        out.append("Teams takes one compose extension an app")
    for extension in extensions:
        _guid(out, "composeExtensions[0].botId", extension.get("botId"))
        commands = extension.get("commands", [])
        if len(commands) > MAX_COMMANDS:
            out.append(f"the message extension has more than {MAX_COMMANDS} commands")
        for command in commands:
            said = f"message action {command.get('id')!r}"
            _length(out, f"{said} id", command.get("id"), MAX_ACTION_ID)
            _length(out, f"{said} title", command.get("title"), MAX_COMMAND_TITLE)
            _length(out, f"{said} description", command.get("description"), MAX_COMMAND_DESCRIPTION)
            if command.get("type") not in ("query", "action"):
                out.append(f"{said} type must be query or action")
            if not set(command.get("context", [])) <= {"compose", "commandBox", "message"}:
                out.append(f"{said} context names a place Teams does not know")
    rsc = data.get("authorization", {}).get("permissions", {}).get("resourceSpecific", [])
    if len(rsc) > 16:
        out.append("at most 16 resource-specific permissions")
    for grant in rsc:
        _length(out, "a resource-specific permission's name", grant.get("name"), 128)
        if grant.get("type") not in ("Application", "Delegated"):
            out.append(f"resource-specific permission {grant.get('name')} has no valid type")
    if rsc:
        web = data.get("webApplicationInfo", {})
        _guid(out, "webApplicationInfo.id", web.get("id"))
        _length(out, "webApplicationInfo.resource", web.get("resource"), MAX_URL)
    domains = data.get("validDomains", [])
    if len(domains) > MAX_DOMAINS:
        out.append(f"at most {MAX_DOMAINS} validDomains")
    for domain in domains:
        _length(out, "a valid domain", domain, MAX_URL)
        if isinstance(domain, str) and ("://" in domain or "/" in domain):
            out.append(f"valid domain {domain!r} must be a host alone, without https:// or a path")
    return out


def _mark(size: int) -> Image.Image:
    """The mark, as coverage (mode L): a ring of six people around the one presenting,
    the shape of an Action Learning Set. Drawn four times larger and reduced, so its
    edges are smooth and the bytes still depend on nothing but Pillow's arithmetic."""
    scale = 4
    big = size * scale
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    centre = big / 2
    ring = big * 0.34
    seat = big * 0.095
    for k in range(6):  # the six seats, at 30°, 90°, … round the centre
        angle = math.radians(30 + 60 * k)
        cx, cy = centre + ring * math.cos(angle), centre + ring * math.sin(angle)
        draw.ellipse((cx - seat, cy - seat, cx + seat, cy + seat), fill=255)
    middle = big * 0.15
    draw.ellipse((centre - middle, centre - middle, centre + middle, centre + middle), fill=255)
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def icons(accent: str = ACCENT) -> dict[str, bytes]:
    """The colour icon (192×192: the white mark on the accent colour, edge to edge) and the
    outline icon (32×32: the mark in white on transparent, as Teams asks)."""
    rgb = tuple(int(accent[i : i + 2], 16) for i in (1, 3, 5))
    color = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), rgb)
    color.paste((255, 255, 255), (0, 0), _mark(COLOR_SIZE))
    outline = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (255, 255, 255, 0))
    outline.putalpha(_mark(OUTLINE_SIZE))
    return {COLOR_ICON: _png(color), OUTLINE_ICON: _png(outline)}


def package(data: dict[str, Any], images: dict[str, bytes]) -> bytes:
    """The app package: manifest.json, color.png and outline.png at the zip's root, with
    fixed timestamps and permissions so the same inputs give the same bytes."""
    files = [("manifest.json", (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())]
    files += [(name, images[name]) for name in (COLOR_ICON, OUTLINE_ICON)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, content)
    return buffer.getvalue()
