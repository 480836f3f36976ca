"""What an operator is told about a mistake in the settings: one line each, with the fix.

`alsbot check-config` prints these before anything runs, and `alsbot run` checks the same
first, so a token pasted into the wrong variable, a database URL without an async driver
or a port nobody can bind is one `✗ <problem> — <fix>` line, never a traceback half a
minute into the start.  The checks here read only the settings and the local file system
(no network, no platform SDK); the adapters add what needs a socket or an SDK
(`adapters/preflight`), and raise `Refused` with the same kind of line for what only a
start can find out (a token the platform refuses, a database that cannot be reached).

Nothing here repeats a secret: a line names the variable, never its value.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Config, problems_for_running, slack_oauth
from bot.counts import counted
from bot.store.db import sqlite_file

BOT_TOKEN_HOME = "OAuth & Permissions → Bot User OAuth Token (xoxb-…)"
APP_TOKEN_HOME = "Basic Information → App-Level Tokens (xapp-…, scope connections:write)"
DISCORD_TOKEN_HOME = "the Developer Portal → Bot → Reset Token"
ASYNC_URLS = "sqlite+aiosqlite:///… or postgresql+asyncpg://…"


@dataclass(frozen=True, slots=True)
class Finding:
    """One line: ✗ stops the start, ⚠ is worth knowing, ✓ is a check passed (online).
    `about` names what it concerns (a variable, "database"), so that a check that needs
    it can be skipped instead of failing a second time for the same reason."""

    problem: str
    fix: str = ""
    mark: str = "✗"
    about: str = ""

    @property
    def blocking(self) -> bool:
        return self.mark == "✗"

    def line(self) -> str:
        text = f"{self.problem} — {self.fix}" if self.fix else self.problem
        return f"{self.mark} {text}"


class Refused(RuntimeError):
    """A start-up failure with a known cause: `alsbot run` prints its one line, closes what
    it started and exits 2.  The message never contains a secret."""

    def __init__(self, problem: str, fix: str = "") -> None:
        self.finding = Finding(problem, fix)
        super().__init__(self.finding.line()[2:])


def warn(problem: str, fix: str = "", about: str = "") -> Finding:
    return Finding(problem, fix, "⚠", about)


def passed(what: str) -> Finding:
    return Finding(what, mark="✓")


def config_findings(config: Config) -> list[Finding]:
    """Everything wrong with `config` that can be seen without the network."""
    out = [Finding(problem) for problem in problems_for_running(config)]
    out.extend(_secrets(config))
    out.extend(_about("database", database_findings(config.database.url)))
    out.extend(_ports(config))
    out.extend(_web(config))
    return out


def _web(config: Config) -> Iterator[Finding]:
    web = config.web
    if web.enabled and not web.base_url:
        yield warn(
            f"[web] base_url is empty: the links `/als link` gives start with "
            f"{web.public_base()}, which people elsewhere cannot open",
            'set [web] base_url to the pages\' public address, e.g. "https://alsbot.example.org"',
        )


# ------------------------------------------------------------------ tokens and secrets


def slack_mode(config: Config, installed: int | None = None) -> list[Finding]:
    """The ✓ line `check-config` prints saying which Slack mode `run` uses, with how many
    workspaces are installed when the database was asked (`--online`)."""
    if not config.slack.enabled:
        return []
    if slack_oauth(config):
        count = "" if installed is None else f", {counted(installed, 'workspace')} installed"
        return [passed(f"Slack: OAuth install for many workspaces (SLACK_CLIENT_ID){count}")]
    return [passed("Slack: single workspace (SLACK_BOT_TOKEN)")]


def _secrets(config: Config) -> Iterator[Finding]:
    s = config.secrets
    if config.slack.enabled and slack_oauth(config) and s.slack_bot_token:
        yield warn(
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: alsbot runs for every workspace "
            "installed with Add to Slack, each with its own token, and SLACK_BOT_TOKEN is "
            "not used",
            "unset SLACK_BOT_TOKEN (or SLACK_CLIENT_ID for one workspace with its own app)",
            about="SLACK_BOT_TOKEN",
        )
    elif config.slack.enabled:
        if s.slack_bot_token:
            yield from _first("SLACK_BOT_TOKEN", s.slack_bot_token, _bot_token)
        if config.slack.mode == "socket" and s.slack_app_token:
            yield from _first("SLACK_APP_TOKEN", s.slack_app_token, _app_token)
    if config.slack.enabled:
        if config.slack.mode == "http" and s.slack_signing_secret:
            yield from _first("SLACK_SIGNING_SECRET", s.slack_signing_secret, None)
        if slack_oauth(config):
            yield from _first("SLACK_CLIENT_ID", s.slack_client_id, None)
            if s.slack_client_secret:
                yield from _first("SLACK_CLIENT_SECRET", s.slack_client_secret, None)
        if config.slack.mode == "http" and s.slack_app_token:
            yield warn(
                'SLACK_APP_TOKEN is set but [slack] mode is "http": with manifest.socket.yaml '
                "pasted, Slack sends events over Socket Mode and none to the Request URL",
                'paste manifest.yaml, or set [slack] mode = "socket"',
            )
    if config.discord.enabled and s.discord_bot_token:
        yield from _first("DISCORD_BOT_TOKEN", s.discord_bot_token, _discord_token)
    if config.discord.enabled and not config.discord.allowed_guild_ids:
        yield warn(
            "[discord] allowed_guild_ids is empty: anyone who sees the invite link's client id "
            "can add the bot to a server of theirs, and what is said there lands here",
            "list your servers' ids in [discord] allowed_guild_ids, and untick Public Bot",
        )
    allowed, dev = config.discord.allowed_guild_ids, config.discord.dev_guild_id
    if config.discord.enabled and allowed and dev and dev not in allowed:
        yield warn(
            f"[discord] dev_guild_id {dev} is not in allowed_guild_ids: /als would be synced "
            "to a server the bot leaves at once, and nowhere else",
            "add it to allowed_guild_ids, or set dev_guild_id = 0 to sync /als everywhere",
        )


def _first(
    name: str, value: str, kind: Callable[[str], Iterator[Finding]] | None
) -> Iterator[Finding]:
    """One line per variable (a quoted token is not also reported as the wrong kind),
    marked as being about that variable."""
    found = list(_padding(name, value)) or (list(kind(value)) if kind is not None else [])
    return (replace(f, about=name) for f in found)


def _about(name: str, found: list[Finding]) -> list[Finding]:
    return [replace(f, about=name) for f in found]


def _padding(name: str, value: str) -> Iterator[Finding]:
    if value != value.strip():
        yield Finding(
            f"{name} has spaces or a line break around it",
            "set it to the value alone (an EnvironmentFile line is taken exactly as written)",
        )
    elif len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        yield Finding(f"{name} is wrapped in quotes", "set it without the quotes")


def _bot_token(token: str) -> Iterator[Finding]:
    if token.startswith("xoxb-"):
        return
    if token.startswith("xapp-"):
        yield Finding(
            "SLACK_BOT_TOKEN is an app-level token (xapp-…), not the bot token",
            f"set SLACK_BOT_TOKEN to {BOT_TOKEN_HOME}; the xapp- token goes in SLACK_APP_TOKEN",
        )
    elif token.startswith("xoxp-"):
        yield Finding(
            "SLACK_BOT_TOKEN is a user token (xoxp-…), not the bot token",
            f"set SLACK_BOT_TOKEN to {BOT_TOKEN_HOME}",
        )
    else:
        yield Finding("SLACK_BOT_TOKEN does not start with xoxb-", f"set it to {BOT_TOKEN_HOME}")


def _app_token(token: str) -> Iterator[Finding]:
    if token.startswith("xapp-"):
        return
    if token.startswith("xoxb-"):
        yield Finding(
            "SLACK_APP_TOKEN is the bot token (xoxb-…), not an app-level token",
            f"Socket Mode needs {APP_TOKEN_HOME}",
        )
    else:
        yield Finding(
            "SLACK_APP_TOKEN does not start with xapp-", f"Socket Mode needs {APP_TOKEN_HOME}"
        )


def _discord_token(token: str) -> Iterator[Finding]:
    if token.lower().startswith("bot "):
        yield Finding(
            'DISCORD_BOT_TOKEN starts with "Bot "',
            'set the token alone: alsbot adds "Bot " itself',
        )
    elif len(parts := token.split(".")) != 3 or not all(parts):
        yield Finding(
            "DISCORD_BOT_TOKEN is not a bot token (three parts separated by dots)",
            f"copy it from {DISCORD_TOKEN_HOME} (not the client secret or the public key)",
        )


# ------------------------------------------------------------------ the database URL


def database_findings(url: str) -> list[Finding]:
    try:
        parsed = make_url(url)
    except ArgumentError:
        return [Finding("[database] url is not a database URL", f"use {ASYNC_URLS}")]
    backend, _, driver = parsed.drivername.partition("+")  # without loading a dialect
    if backend in ("postgres", "postgresql") and driver != "asyncpg":
        fixed = parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=True)
        written = parsed.drivername
        return [Finding(f"[database] url uses {written}:// (no async driver)", f"use {fixed}")]
    if backend == "sqlite" and driver != "aiosqlite":
        where = parsed.database or "alsbot.db"
        return [
            Finding(
                f"[database] url uses {parsed.drivername}:// (no async driver)",
                f"use sqlite+aiosqlite:///{where}",
            )
        ]
    if backend not in ("sqlite", "postgresql"):
        return [Finding(f"[database] url: {backend} is not supported", f"use {ASYNC_URLS}")]
    if backend == "sqlite":
        return _sqlite_file(url, parsed.database or "")
    return []


def _sqlite_file(url: str, database: str) -> list[Finding]:
    """The file as the store will open it (`sqlite_file`): named relative to the working
    folder, or in a folder that is not there (which the store refuses at start)."""
    file = sqlite_file(url)
    if file is None:  # `:memory:`
        return []
    out: list[Finding] = []
    if not Path(database).expanduser().is_absolute():
        out.append(
            warn(
                f"[database] url names {database} relative to the working folder: {file.path} "
                "from here, but elsewhere under systemd (which starts in /)",
                f"write an absolute path: sqlite+aiosqlite:///{file.path}",
            )
        )
    folder = file.path.parent
    if not folder.is_dir():
        out.append(
            Finding(
                f"the folder {folder} for the SQLite database does not exist",
                "create it (writable by alsbot's user), or correct [database] url",
            )
        )
    return out


# ------------------------------------------------------------------ ports


def web_on_slack_server(config: Config) -> bool:
    """Whether the set's pages are served by the Slack HTTP server (same host and port)
    rather than by a listener of their own."""
    slack, web = config.slack, config.web
    return (
        web.enabled
        and slack.enabled
        and slack.mode == "http"
        and (web.host, web.port) == (slack.host, slack.port)
    )


def _listeners(config: Config) -> Iterator[tuple[str, str, int]]:
    """(section, host, port) of every listener `alsbot run` would open, as configured."""
    if config.slack.enabled and config.slack.mode == "http":
        yield "slack", config.slack.host, config.slack.port
    if config.health.port:  # 0: no health server of its own
        yield "health", config.health.host, config.health.port
    if config.web.enabled and not web_on_slack_server(config):
        yield "web", config.web.host, config.web.port


def _in_range(port: int) -> bool:
    return 1 <= port <= 65535


def _ports(config: Config) -> Iterator[Finding]:
    for section, _host, port in _listeners(config):
        if not _in_range(port):
            fix = "use 1–65535, or 0 for none" if section == "health" else "use 1–65535"
            yield Finding(f"[{section}] port {port} is out of range", fix)


def ports_to_bind(config: Config) -> list[tuple[str, str, int]]:
    """The listeners whose ports `check-config` and `run` try before starting (those out of
    range are already a line of `_ports`)."""
    return [(s, host, port) for s, host, port in _listeners(config) if _in_range(port)]


def bind_finding(section: str, host: str, port: int, error: OSError) -> Finding:
    """The line for a listener that could not be opened (here or at start)."""
    where = f"[{section}] port {port} on {host}"
    if error.errno == errno.EADDRINUSE:
        return Finding(
            f"{where} is already in use (another alsbot, or another program)",
            f"stop it, or choose another [{section}] port",
        )
    if error.errno == errno.EACCES:
        return Finding(
            f"{where} cannot be opened by this user (permission denied)",
            "use a port above 1023 (behind the reverse proxy)",
        )
    if error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
        return Finding(
            f"[{section}] host {host} is not an address of this machine",
            f"use 127.0.0.1 (behind a proxy on this machine) or 0.0.0.0, in [{section}] host",
        )
    return Finding(
        f"{where} cannot be opened ({error.strerror or type(error).__name__})",
        f"check [{section}] host and port",
    )
