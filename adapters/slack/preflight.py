"""`check-config --online` for Slack: the calls `alsbot run` makes, asked beforehand.

`auth.test` with the bot token, and `apps.connections.open` with the app token: its
refusal in Socket Mode is the line `run` would print (`socket_mode.connections_refusal`),
and its success in HTTP mode means the pasted manifest is the Socket Mode one.  The URL
it returns is never connected to; it expires unused.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from adapters.slack.client import (
    SlackStartupError,
    fetch_identity,
    patient_client,
    slack_code,
    unreachable,
)
from adapters.slack.socket_mode import connections_refusal
from bot.preflight import Finding, passed, warn


async def check_slack(
    bot_token: str, app_token: str, mode: str, api_base_url: str
) -> list[Finding]:
    client = patient_client(bot_token, api_base_url)
    try:
        identity = await fetch_identity(client)
    except SlackStartupError as refused:
        return [refused.finding]
    out = [passed(f"Slack accepts SLACK_BOT_TOKEN (bot {identity.user_id} in {identity.team_id})")]
    if not app_token:
        return out
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        code = slack_code(error)
        if mode == "socket":
            out.append(connections_refusal(code).finding)
        elif code != "socket_mode_not_enabled":
            out.append(
                warn(
                    f"SLACK_APP_TOKEN is set but Slack refused it ({code})",
                    "unset it: HTTP mode does not use it",
                )
            )
        return out
    except Exception as error:  # no answer: the line `run` prints (SlackSocketMode.start)
        out.append(unreachable(client.base_url, error).finding)
        return out
    if mode == "socket":
        out.append(passed("Slack accepts SLACK_APP_TOKEN: Socket Mode is on"))
    else:
        out.append(
            Finding(
                'Socket Mode is on for this Slack app but [slack] mode is "http": Slack sends '
                "events over Socket Mode and none to the Request URL",
                'paste manifest.yaml (App Manifest), or set [slack] mode = "socket"',
            )
        )
    return out
