"""`check-config --online`: ask Slack, Discord and the database what `run` would ask them.

Each question is the one `alsbot run` asks at start, against the configured base URLs (so
a proxy, GovSlack or a stand-in is asked, not the public service): Slack's `auth.test`
for the bot token, `apps.connections.open` for the app token, Discord's `/users/@me` and
`/applications/@me`, and one connection to PostgreSQL.  In OAuth mode, Slack's
`oauth.v2.access` with the client id and secret and a made-up code (Slack answers
`invalid_code` only once it has accepted the app's credentials), and how many workspaces
are installed.  Their refusals are the lines
`run` would print.  A question whose input already failed offline (a quoted token, a URL
without its driver) is not asked: it would only fail again for the same reason.

`apps.connections.open` is asked in HTTP mode too when an app token is set: if it
succeeds, Socket Mode is on, and Slack sends the events there, not to the Request URL —
the silence of an app configured from manifest.socket.yaml and run in HTTP mode.
"""

from __future__ import annotations

from bot.config import Config, slack_oauth
from bot.preflight import Finding, slack_mode


async def online_findings(config: Config, offline: list[Finding]) -> list[Finding]:
    failed = {f.about for f in offline if f.blocking and f.about}
    out: list[Finding] = []
    s = config.secrets
    if config.slack.enabled and slack_oauth(config):
        from adapters.slack.preflight import check_slack_oauth

        if not {"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"} & failed:
            out.extend(await check_slack_oauth(config))
    elif config.slack.enabled and s.slack_bot_token and "SLACK_BOT_TOKEN" not in failed:
        from adapters.slack.preflight import check_slack

        app_token = s.slack_app_token if "SLACK_APP_TOKEN" not in failed else ""
        out.extend(
            await check_slack(
                s.slack_bot_token, app_token, config.slack.mode, config.slack.api_base_url
            )
        )
        out.extend(slack_mode(config))
    if config.discord.enabled and s.discord_bot_token and "DISCORD_BOT_TOKEN" not in failed:
        from adapters.discord.startup import check_discord

        out.extend(
            await check_discord(
                s.discord_bot_token,
                config.discord.api_base_url,
                wanted=config.discord.message_content,
            )
        )
    if "database" not in failed:
        from adapters.preflight.database import check_database

        out.extend(await check_database(config.database.url))
    return out
