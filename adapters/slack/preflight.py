"""`check-config --online` for Slack: the calls `alsbot run` makes, asked beforehand.

`auth.test` with the bot token, and `apps.connections.open` with the app token: its
refusal in Socket Mode is the line `run` would print (`socket_mode.connections_refusal`),
and its success in HTTP mode means the pasted manifest is the Socket Mode one.  The URL
it returns is never connected to; it expires unused.

In OAuth mode (`SLACK_CLIENT_ID`) there is no bot token to test: `oauth.v2.access` is asked
with the app's credentials and a made-up code.  Slack checks the credentials first, so
`invalid_code` means it accepted them.  Then the database says how many workspaces are
installed.
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
from adapters.slack.installations import InstallationStore
from adapters.slack.socket_mode import connections_refusal
from bot.config import Config
from bot.preflight import Finding, passed, slack_mode, warn
from bot.store.db import open_store, sqlite_file

CREDENTIALS_HOME = "Basic Information → App Credentials"
CHECK_CODE = "alsbot-check-config"  # never a real code: Slack answers invalid_code


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


async def check_slack_oauth(config: Config) -> list[Finding]:
    s = config.secrets
    client = patient_client(None, config.slack.api_base_url)
    try:
        await client.oauth_v2_access(
            client_id=s.slack_client_id, client_secret=s.slack_client_secret, code=CHECK_CODE
        )
    except SlackApiError as error:
        code = slack_code(error)
        if code == "invalid_client_id":
            return [
                Finding(
                    "Slack refused SLACK_CLIENT_ID (oauth.v2.access: invalid_client_id)",
                    f"copy the Client ID from {CREDENTIALS_HOME} again into SLACK_CLIENT_ID",
                )
            ]
        if code == "bad_client_secret":
            return [
                Finding(
                    "Slack refused SLACK_CLIENT_SECRET (oauth.v2.access: bad_client_secret)",
                    f"copy the Client Secret from {CREDENTIALS_HOME} again into "
                    "SLACK_CLIENT_SECRET",
                )
            ]
        if code != "invalid_code":
            return [warn(f"Slack's oauth.v2.access answered {code} to alsbot's credentials")]
    except Exception as error:  # no answer: the line `run` prints
        return [unreachable(client.base_url, error).finding]
    else:  # a code Slack accepted: not alsbot's made-up one
        return [warn("Slack's oauth.v2.access accepted a made-up code")]
    out = [passed("Slack accepts SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")]
    return out + slack_mode(config, await installed_workspaces(config))


async def installed_workspaces(config: Config) -> int | None:
    """How many workspaces have alsbot installed (None: the database cannot say yet, e.g.
    before its first `alsbot db upgrade`; the database check says why).  A SQLite file
    that does not exist yet is not created: nothing is installed."""
    file = sqlite_file(config.database.url)
    if file is not None and not file.path.exists():
        return 0
    try:
        store = await open_store(config.database.url, migrate=False)
    except Exception:
        return None
    try:
        return await InstallationStore(store, config.secrets.slack_client_id).count_workspaces()
    except Exception:
        return None
    finally:
        await store.close()
