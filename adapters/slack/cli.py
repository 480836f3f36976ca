"""`alsbot slack …`: operator commands for the Slack side.

Registered lazily on the main CLI (`adapters.cli.LazyGroup`), so `alsbot demo` never
imports this; nothing here imports Bolt or slack_sdk either.
"""

from __future__ import annotations

import click

from adapters.slack.manifest import BadUrl, render


@click.group("slack", help="Slack: the app manifest and other operator tasks.")
def slack_cli() -> None:
    pass


@slack_cli.command(
    "manifest",
    help="Print the Slack app manifest to paste into api.slack.com/apps → Create New App → "
    "From a manifest. HTTP mode unless --socket; give --url for your public HTTPS address "
    "(https://your.host, or https://your.host/slack/events).",
)
@click.option("--socket", is_flag=True, help="The Socket Mode variant (no public address).")
@click.option(
    "--url",
    default=None,
    help="alsbot's public HTTPS origin; /slack/events is appended. Without it the manifest "
    "carries a placeholder to replace.",
)
def manifest_command(socket: bool, url: str | None) -> None:
    try:
        text = render(socket=socket, url=url)
    except BadUrl as bad:
        raise click.BadParameter(str(bad), param_hint="--url") from None
    click.echo(text, nl=False)
