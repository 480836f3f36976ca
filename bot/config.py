"""Configuration: TOML, every key overridable by `ALSBOT_<SECTION>_<KEY>`.

Secrets are never read from the file, only from the environment under the names the
platforms' own docs use, and `Secrets.__repr__` hides them so that a config dump or a
traceback cannot leak a token into a log.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit

from bot import logs
from bot.dates.zones import UnknownZone, choose_zone, read_zone


class ConfigError(ValueError):
    """A bad config value; the message names the key."""


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite+aiosqlite:///alsbot.db"

    def __repr__(self) -> str:
        """The URL's password is a secret too (like `Secrets`, never in a dump or a log)."""
        shown = _PASSWORD.sub(r"\1***@", self.url)
        return f"DatabaseConfig(url={shown!r})"


_PASSWORD = re.compile(r"(://[^/@:]*:)[^/@]*@")


@dataclass(frozen=True)
class SchedulerConfig:
    tick_seconds: float = 5.0
    process_name: str = ""


@dataclass(frozen=True)
class DefaultsConfig:
    """Defaults for new sets; each set can change its own with `/als settings`."""

    name: str = ""  # a set's name on its report and web pages; "" = "Action Learning Set"
    timezone: str = "Europe/London"
    opening_minutes: int = 3
    updates_minutes: int = 10
    presenting_minutes: int = 8
    questions_minutes: int = 15
    summary_minutes: int = 5
    actions_minutes: int = 5
    evaluation_minutes: int = 5
    do_emoji: str = "white_check_mark"
    do_threshold: int = 1
    do_allow_self: bool = False
    do_of_week: bool = False
    evaluation_named: bool = False
    nudge_lead_days: str = "3,1"
    nudge_fallback_days: int = 14
    quiet_hours: str = "20:00-08:00"
    reminder_leads: str = "1d,1h"
    default_time: str = ""  # a session time when none is said; "" = the last session's, else 10:00
    locale: str = "uk"  # how 03/04 is read: uk = 3 April, us = March 4
    send_on_weekends: bool = False  # else Saturday/Sunday nudges and reminders move to Friday
    auto_advance: bool = True  # phases move on when their time is up
    ground_rules: str = ""  # "" = the bot's own ground rules
    advice_named: bool = False  # name supporters in the facilitator's advice counts
    offer_days: int = 90  # how long an offer or a want lasts before it expires (reminded first)
    prompts: str = "off"  # the prompt of the week: "off", or a weekday and time ("monday 10:00")
    pairs: bool = False  # pair members a week after each session


DISTRIBUTIONS = ("internal", "marketplace", "distributed")


@dataclass(frozen=True)
class SlackConfig:
    enabled: bool = False
    mode: str = "http"
    api_base_url: str = ""
    host: str = "127.0.0.1"
    port: int = 3000
    channel_rate_per_second: float = 1.0
    channel_burst: int = 5
    # HTTP mode, against slow and idle clients (see adapters/slack/http_guard.py).
    idle_timeout: float = 15.0  # seconds to send a request's headers, or to sit idle
    body_timeout: float = 10.0  # seconds to send a body once its headers are in
    max_connections: int = 1000  # open at once; at the cap the oldest idle one is closed
    # How the app is distributed, which sets Slack's budget for reading messages
    # (`conversations.history`/`.replies`): "internal" (one organisation's own app) and
    # "marketplace" keep Tier 3 (50+ a minute); "distributed" (installed by OAuth in other
    # workspaces, not listed in the Marketplace) gets 1 a minute and 15 messages a page.
    distribution: str = "internal"
    # After `app_uninstalled` or `tokens_revoked`, a workspace's data is kept this many days
    # (in case it was a mistake and the app is installed again), then deleted.
    uninstall_grace_days: float = 30.0
    # OAuth install (SLACK_CLIENT_ID): alsbot's public HTTPS origin, as people's browsers and
    # Slack reach it; Slack sends installers back to <public_url>/slack/oauth_redirect.
    public_url: str = ""


@dataclass(frozen=True)
class DiscordConfig:
    enabled: bool = False
    api_base_url: str = ""
    gateway_url: str = ""
    dev_guild_id: int = 0
    application_id: int = 0
    # With several processes on PostgreSQL one holds the gateway, renewing this lease every
    # third of it; when it stops renewing another takes over within about 1⅓ of it.
    gateway_lease_seconds: float = 30.0
    # The servers this bot may serve (empty = any, with a warning at start); it leaves
    # every other server it is added to (see docs/DISCORD.md, "Who can add the bot").
    allowed_guild_ids: tuple[int, ...] = ()
    # Ask for the privileged MESSAGE_CONTENT intent. false: run without it (rounds through
    # the bot's buttons and forms, do's through "Save as do"); see docs/DISCORD.md.
    message_content: bool = True


TEAMS_CLOUDS = ("public", "usgov", "usgovdod", "china")


@dataclass(frozen=True)
class TeamsConfig:
    """Microsoft Teams (issue 20): the Bot Framework messaging endpoint `POST /api/messages`
    on its own listener. `cloud` names the Microsoft cloud the bot is registered in (the
    Teams SDK's `CloudEnvironment`); each location below, when set, replaces that cloud's
    own — for a sovereign cloud the SDK does not name, or a local stand-in."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 3978  # the Bot Framework's customary port
    cloud: str = "public"
    login_endpoint: str = ""  # e.g. https://login.microsoftonline.com (tokens for the bot)
    login_tenant: str = ""  # the multi-tenant login tenant, e.g. botframework.com
    openid_metadata_url: str = ""  # where the keys that sign inbound activities are named
    token_issuer: str = ""  # the issuer inbound activities' tokens must carry
    bot_scope: str = ""  # the scope the bot's own tokens are asked for
    # The app package (`alsbot teams manifest`): the name people see, and the public origin
    # of the messaging endpoint (its host goes in the manifest's validDomains).
    app_name: str = "alsbot"
    public_url: str = ""


@dataclass(frozen=True)
class HealthConfig:
    """An optional health endpoint in every mode (`GET /healthz`); port 0 = none of its own.
    In Slack HTTP mode the Slack server answers `/healthz` as well."""

    host: str = "127.0.0.1"
    port: int = 0


@dataclass(frozen=True)
class WebConfig:
    """The set's toolkit and report as web pages at unguessable links (`/als link`).

    `base_url` is how people reach this server (behind a proxy: its public address); the
    links `/als link` gives start with it.  In Slack HTTP mode with the same host and port
    the Slack server serves the pages too."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = ""  # e.g. https://alsbot.example.org; "" = http://host:port
    name_cache_days: float = 7.0  # how long a person's display name is kept before asking again

    def public_base(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


@dataclass(frozen=True)
class RetentionConfig:
    """How long the event path keeps people's words (see `bot/retention.py`)."""

    text_hours: float = 24.0
    keys_days: float = 14.0


@dataclass(frozen=True)
class LoggingConfig:
    """See `bot/logs.py`: "text" for a terminal or journald, "json" for hosted log search."""

    level: str = "info"
    format: str = "text"


@dataclass(frozen=True)
class Secrets:
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_client_id: str = ""  # OAuth install for many workspaces (with the secret)
    slack_client_secret: str = ""
    discord_bot_token: str = ""
    # Teams: the Azure bot's app registration (Microsoft Entra ID). With no secret and a
    # managed identity, TEAMS_CLIENT_ID alone (and TEAMS_MANAGED_IDENTITY_CLIENT_ID for a
    # user-assigned identity other than the app's own).
    teams_client_id: str = ""
    teams_client_secret: str = ""
    teams_tenant_id: str = ""
    teams_managed_identity_client_id: str = ""

    def __repr__(self) -> str:
        present = [f.name for f in fields(self) if getattr(self, f.name)]
        return f"Secrets(present={present})"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Secrets:
        return cls(
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            slack_client_id=env.get("SLACK_CLIENT_ID", ""),
            slack_client_secret=env.get("SLACK_CLIENT_SECRET", ""),
            discord_bot_token=env.get("DISCORD_BOT_TOKEN", ""),
            teams_client_id=env.get("TEAMS_CLIENT_ID", ""),
            teams_client_secret=env.get("TEAMS_CLIENT_SECRET", ""),
            teams_tenant_id=env.get("TEAMS_TENANT_ID", ""),
            teams_managed_identity_client_id=env.get("TEAMS_MANAGED_IDENTITY_CLIENT_ID", ""),
        )

    def values(self) -> list[str]:
        return [v for f in fields(self) if (v := getattr(self, f.name))]


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    defaults: DefaultsConfig = field(default_factory=DefaultsConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    teams: TeamsConfig = field(default_factory=TeamsConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    web: WebConfig = field(default_factory=WebConfig)
    secrets: Secrets = field(default_factory=Secrets)

    def with_database(self, url: str) -> Config:
        return replace(self, database=DatabaseConfig(url=url))


SECTIONS = (
    "database",
    "scheduler",
    "defaults",
    "slack",
    "discord",
    "teams",
    "logging",
    "retention",
    "health",
    "web",
)


def _coerce(section: str, key: str, kind: type, raw: Any) -> Any:
    where = f"[{section}] {key}"
    if kind == tuple[int, ...]:
        return _whole_numbers(where, raw)
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if isinstance(raw, str) and raw.strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{where} must be true or false, not {raw!r}")
    if kind is int:
        if isinstance(raw, bool):
            raise ConfigError(f"{where} must be a whole number")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be a whole number, not {raw!r}") from None
    if kind is float:
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be a number, not {raw!r}") from None
    if not isinstance(raw, str):
        raise ConfigError(f"{where} must be a string, not {raw!r}")
    return raw


def _whole_numbers(where: str, raw: Any) -> tuple[int, ...]:
    """A TOML list of ids, or (from the environment) the same separated by commas."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise ConfigError(f"{where} must be a list of whole numbers, not {raw!r}")
    out: list[int] = []
    for item in items:
        text = str(item).strip() if not isinstance(item, bool) else ""
        if isinstance(item, bool) or not text.isdigit():
            raise ConfigError(f"{where} must be a list of whole numbers; {item!r} is not one")
        out.append(int(text))
    return tuple(out)


def _build(section: str, cls: type, table: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"[{section}] has unknown key(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for f in fields(cls):
        env_name = f"ALSBOT_{section.upper()}_{f.name.upper()}"
        if env_name in env:
            values[f.name] = _coerce(section, f.name, hints[f.name], env[env_name])
        elif f.name in table:
            values[f.name] = _coerce(section, f.name, hints[f.name], table[f.name])
    return cls(**values)


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(sorted(unknown))}")
    hints = get_type_hints(Config)
    built = {name: _build(name, hints[name], data.get(name, {}), env) for name in SECTIONS}
    config = Config(**built, secrets=Secrets.from_env(env))
    validate(config)
    return config


def _check_zone(name: str) -> None:
    """The default zone must load as written (it is used as written) and be a place's:
    `Factory`, `localtime`, `right/…` load but are no place's clocks."""
    try:
        read_zone(name)
    except UnknownZone as exc:
        try:
            hint = f"; did you mean {choose_zone(name).name}?"
        except UnknownZone:
            hint = ""
        raise ConfigError(f"[defaults] timezone {exc}{hint}") from None
    try:
        choose_zone(name)
    except UnknownZone as exc:
        raise ConfigError(f"[defaults] timezone must be {exc}") from None


def warnings_for(config: Config) -> list[str]:
    """What `alsbot check-config` warns about but accepts: a default zone with no summer
    time (GMT, UTC, Etc/…), which puts a UK set's sessions an hour off all summer."""
    choice = choose_zone(config.defaults.timezone)
    if choice.warning is None:
        return []
    hint = f"; did you mean {choice.suggest}?" if choice.suggest else ""
    return [f"[defaults] timezone: {choice.warning}{hint}"]


# `[defaults] prompts`: "off", or a weekday and a time as `/als prompts on` stores them.
_WEEKLY = re.compile(
    r"off|(monday|tuesday|wednesday|thursday|friday|saturday|sunday) ([01]?\d|2[0-3]):[0-5]\d"
)


def validate(config: Config) -> None:
    _check_zone(config.defaults.timezone)
    if config.retention.text_hours < 0:
        raise ConfigError("[retention] text_hours cannot be negative")
    if config.retention.keys_days < 1:
        raise ConfigError(
            "[retention] keys_days must be at least 1: late retries and replays are "
            "recognised by the keys kept that long"
        )
    if config.retention.text_hours > config.retention.keys_days * 24:
        raise ConfigError("[retention] text_hours cannot be longer than keys_days")
    if not 6 <= config.defaults.presenting_minutes <= 10:
        raise ConfigError("[defaults] presenting_minutes must be between 6 and 10")
    if not 7 <= config.defaults.offer_days <= 365:
        raise ConfigError("[defaults] offer_days must be between 7 and 365")
    if not _WEEKLY.fullmatch(config.defaults.prompts.strip().lower()):
        raise ConfigError(
            f'[defaults] prompts {config.defaults.prompts!r} is neither "off" nor a weekday '
            'and a 24-hour time, such as "monday 10:00"'
        )
    if config.slack.mode not in ("http", "socket"):
        raise ConfigError(
            f'[slack] mode {config.slack.mode!r} is neither "http" nor "socket" — set '
            '[slack] mode = "http" (manifest.yaml) or "socket" (manifest.socket.yaml)'
        )
    if config.slack.idle_timeout <= 0 or config.slack.body_timeout <= 0:
        raise ConfigError("[slack] idle_timeout and body_timeout must be positive")
    if config.slack.max_connections < 1:
        raise ConfigError("[slack] max_connections must be at least 1")
    if config.slack.distribution not in DISTRIBUTIONS:
        raise ConfigError(
            f"[slack] distribution {config.slack.distribution!r} is not one of "
            + ", ".join(f'"{d}"' for d in DISTRIBUTIONS)
        )
    if not 0 <= config.slack.uninstall_grace_days <= 3650:
        raise ConfigError("[slack] uninstall_grace_days must be between 0 and 3650")
    if config.slack.public_url and not _origin(config.slack.public_url):
        raise ConfigError(
            f"[slack] public_url {config.slack.public_url!r} is not an origin: give alsbot's "
            'public address alone, such as "https://alsbot.example.org"'
        )
    if config.scheduler.tick_seconds <= 0:
        raise ConfigError("[scheduler] tick_seconds must be positive")
    if config.discord.gateway_lease_seconds <= 0:
        raise ConfigError("[discord] gateway_lease_seconds must be positive")
    if config.teams.cloud.strip().lower() not in TEAMS_CLOUDS:
        raise ConfigError(
            f"[teams] cloud {config.teams.cloud!r} is not one of "
            + ", ".join(f'"{c}"' for c in TEAMS_CLOUDS)
        )
    if config.teams.public_url and not _origin(config.teams.public_url):
        raise ConfigError(
            f"[teams] public_url {config.teams.public_url!r} is not an origin: give the "
            'public address alone, such as "https://alsbot.example.org"'
        )
    if config.logging.level.lower() not in logs.LEVELS:
        raise ConfigError(
            f"[logging] level {config.logging.level!r} is not a level — use one of "
            f"{', '.join(logs.LEVELS)}"
        )
    if config.logging.format not in logs.FORMATS:
        raise ConfigError(f"[logging] format must be one of {', '.join(logs.FORMATS)}")


def _origin(url: str) -> bool:
    """`https://host[:port]` (plain http only for this machine), nothing after it."""
    parts = urlsplit(url.strip())
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    return (
        (parts.scheme == "https" or (parts.scheme == "http" and local))
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or parts.username)
    )


def slack_oauth(config: Config) -> bool:
    """OAuth mode: alsbot is installed in many workspaces with "Add to Slack"
    (`SLACK_CLIENT_ID`), each with its own bot token; `SLACK_BOT_TOKEN`, if also set, is
    not used.  Otherwise single-workspace mode: one `SLACK_BOT_TOKEN`."""
    return bool(config.secrets.slack_client_id)


def problems_for_running(config: Config) -> list[str]:
    """What stops `alsbot run` from starting; `alsbot check-config` prints these."""
    out: list[str] = []
    s = config.secrets
    if not (config.slack.enabled or config.discord.enabled or config.teams.enabled):
        out.append("none of [slack], [discord] and [teams] is enabled")
    if config.slack.enabled and slack_oauth(config):
        if not s.slack_client_secret:
            out.append("[slack] SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not")
        if config.slack.mode == "socket":
            out.append(
                '[slack] OAuth install (SLACK_CLIENT_ID) needs [slack] mode = "http": Slack '
                "sends installers back to alsbot's public address, which Socket Mode has none of"
            )
        if not config.slack.public_url:
            out.append(
                "[slack] OAuth install (SLACK_CLIENT_ID) needs [slack] public_url, the public "
                "HTTPS address Slack sends installers back to"
            )
    elif config.slack.enabled:
        if s.slack_client_secret:
            out.append("[slack] SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not")
        if not s.slack_bot_token:
            out.append(
                "[slack] is enabled but SLACK_BOT_TOKEN is not set (or, to install alsbot "
                "in many workspaces, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)"
            )
    if config.slack.enabled:
        if config.slack.mode == "http" and not s.slack_signing_secret:
            out.append("[slack] HTTP mode needs SLACK_SIGNING_SECRET to verify requests")
        if config.slack.mode == "socket" and not s.slack_app_token:
            out.append("[slack] Socket Mode needs SLACK_APP_TOKEN (xapp-…)")
    if config.discord.enabled and not s.discord_bot_token:
        out.append("[discord] is enabled but DISCORD_BOT_TOKEN is not set")
    if config.teams.enabled and not s.teams_client_id:
        out.append(
            "[teams] is enabled but TEAMS_CLIENT_ID is not set (the Azure bot's Microsoft "
            "App ID, with TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID; see docs/TEAMS.md)"
        )
    return out
