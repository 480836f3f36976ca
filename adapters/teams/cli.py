"""`alsbot teams …`: operator commands for the Teams side.

Registered lazily on the main CLI (`adapters.cli.LazyGroup`), so `alsbot demo` never
imports this; nothing here imports the Teams SDK either (the package is only JSON and PNGs).
"""

from __future__ import annotations

from pathlib import Path

import click

from adapters.teams.manifest import (
    GUID,
    MESSAGES_PATH,
    SEMVER,
    Developer,
    default_developer,
    icons,
    manifest,
    origin,
    package,
    problems,
)
from bot.config import Config, ConfigError, load_config, problems_for_running

config_option = click.option(
    "--config", "config_path", default=None, type=click.Path(dir_okay=False), help="alsbot.toml"
)


def _config(path: str | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("teams", help="Microsoft Teams: the app package and other operator tasks.")
def teams_cli() -> None:
    pass


@teams_cli.command(
    "manifest",
    help="Write the Teams app package (a zip: manifest.json and two icons) to upload in Teams "
    "or the Teams admin centre. Needs the Azure bot's Microsoft App ID: TEAMS_CLIENT_ID, or "
    "--app-id. See docs/TEAMS.md.",
)
@config_option
@click.option(
    "--out", default="alsbot-teams.zip", show_default=True, type=click.Path(dir_okay=False)
)
@click.option("--app-id", default=None, help="The Microsoft App ID (instead of TEAMS_CLIENT_ID).")
@click.option(
    "--app-version",
    default="1.0.0",
    show_default=True,
    help="The package's version: raise it for each new upload, or Teams keeps the old one.",
)
@click.option("--developer-name", default=None, help="Who runs this alsbot (≤ 32 characters).")
@click.option("--website", default=None, help="An https:// page about this alsbot.")
@click.option("--privacy", default=None, help="An https:// page with your privacy notice.")
@click.option("--terms", default=None, help="An https:// page with your terms of use.")
def manifest_command(
    config_path: str | None,
    out: str,
    app_id: str | None,
    app_version: str,
    developer_name: str | None,
    website: str | None,
    privacy: str | None,
    terms: str | None,
) -> None:
    config = _config(config_path)
    client_id = (app_id or config.secrets.teams_client_id).strip()
    if not client_id:
        raise click.ClickException(
            "set TEAMS_CLIENT_ID (the Azure bot's Microsoft App ID, on its Configuration page), "
            "or give --app-id"
        )
    if not GUID.fullmatch(client_id):
        raise click.ClickException(
            f"{client_id!r} is not a Microsoft App ID: it is a GUID such as "
            "00000000-0000-0000-0000-000000000000 (Azure bot → Configuration)"
        )
    if not SEMVER.fullmatch(app_version):
        raise click.BadParameter("three numbers, such as 1.0.1", param_hint="--app-version")
    section = config.teams
    guessed = default_developer(section)
    developer = Developer(
        name=developer_name if developer_name is not None else guessed.name,
        website=website or guessed.website,
        privacy=privacy or guessed.privacy,
        terms=terms or guessed.terms,
    )
    data = manifest(
        app_id=client_id.lower(), section=section, developer=developer, version=app_version
    )
    found = problems(data)
    if found:
        raise click.ClickException("the package would be refused by Teams: " + "; ".join(found))
    Path(out).write_bytes(package(data, icons()))
    click.echo(f"Wrote {out} (app {client_id.lower()}, version {app_version}).")
    if not origin(section):
        click.echo(
            "! [teams] public_url is not set: the developer links point at "
            "alsbot.example.org; set it, or give --website, --privacy and --terms.",
            err=True,
        )
    elif not (privacy and terms):
        click.echo(
            f"! The privacy and terms links are {developer.privacy} and {developer.terms}: "
            "alsbot does not serve them; publish your notices there or give --privacy and --terms.",
            err=True,
        )
    endpoint = (origin(section) or "https://<your host>") + MESSAGES_PATH
    click.echo(
        "Next:\n"
        f"  1. The Azure bot's messaging endpoint must be {endpoint}, with the Microsoft Teams "
        "channel on.\n"
        f"  2. Upload {out} in Teams: Apps → Manage your apps → Upload an app (for yourself, "
        "or your org's catalogue),\n"
        "     or in the Teams admin centre: Teams apps → Manage apps → Upload new app.\n"
        "  3. Add it to a team, then in a channel: @alsbot help. docs/TEAMS.md has the rest."
    )


@teams_cli.command("check", help="Say what in the settings stops Teams from starting.")
@config_option
def check_command(config_path: str | None) -> None:
    config = _config(config_path)
    lines = [line for line in problems_for_running(config) if "[teams]" in line]
    secrets = config.secrets
    if secrets.teams_client_secret and not secrets.teams_tenant_id:
        lines.append(
            "[teams] TEAMS_CLIENT_SECRET is set but TEAMS_TENANT_ID is not: a single-tenant bot "
            "(every new one since July 2025) logs in to its own tenant (Azure bot → Configuration "
            "→ App Tenant ID)"
        )
    if config.teams.enabled and not config.teams.public_url:
        lines.append(
            "[teams] public_url is not set: the app package has no validDomains and its "
            "developer links are placeholders (alsbot teams manifest)"
        )
    if not config.teams.enabled:
        lines.append("[teams] enabled is false: alsbot run will not serve Teams")
    for line in lines:
        click.echo(f"✗ {line}", err=True)
    if lines:
        raise SystemExit(2)
    click.echo("✓ the Teams settings look complete")
