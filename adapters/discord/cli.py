"""`alsbot discord …`: operator commands for the Discord side.

Registered on the main CLI with `main.add_command(discord_cli)`; kept here so that the
composition root only has to know one name.
"""

from __future__ import annotations

import asyncio

import click

from adapters.discord.invite import explain, invite_url, reminder
from adapters.discord.transport import CompatHTTPClient, Endpoints
from bot.config import Config, ConfigError, load_config


async def fetch_application_id(config: Config) -> int:
    """Ask Discord (or the configured Discord-compatible server) who this token belongs to."""
    token = config.secrets.discord_bot_token
    if not token:
        raise click.ClickException(
            "set DISCORD_BOT_TOKEN, or give --application-id (Developer Portal → General "
            "Information → Application ID)"
        )
    section = config.discord
    http = CompatHTTPClient(
        asyncio.get_running_loop(),
        endpoints=Endpoints.from_config(section.api_base_url, section.gateway_url),
    )
    try:
        await http.static_login(token)
        return int((await http.application_info())["id"])
    finally:
        await http.close()


@click.group("discord", help="Discord: the install link and other operator tasks.")
def discord_cli() -> None:
    pass


@discord_cli.command("invite-url", help="Print the URL that adds alsbot to a Discord server.")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False))
@click.option("--application-id", type=int, default=None, help="Skip asking Discord for it.")
@click.option(
    "--explain/--no-explain", "explain_", default=True, help="Say why each permission is needed."
)
def invite_url_command(config_path: str | None, application_id: int | None, explain_: bool) -> None:
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    app_id = application_id or config.discord.application_id
    if not app_id:
        app_id = asyncio.run(fetch_application_id(config))
    click.echo(invite_url(app_id))
    if explain_:
        click.echo(explain())
    click.echo(reminder(config.discord.allowed_guild_ids), err=True)  # stdout: the link alone
