"""Web API clients pointed at `slack.api_base_url` (Slack, GovSlack, a proxy, a stand-in)."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import BotIdentity
from bot.preflight import BOT_TOKEN_HOME, Refused

DEFAULT_BASE_URL = "https://slack.com/api/"


class SlackStartupError(Refused):
    """The adapter cannot start; the message says why and never contains a token."""


# What to do about each code `auth.test` answers a bot token with (Slack's own words are
# in the line too: they are what its docs and forums are searched by).
AUTH_FIXES = {
    "invalid_auth": f"copy {BOT_TOKEN_HOME} again into SLACK_BOT_TOKEN",
    "not_authed": f"set SLACK_BOT_TOKEN to {BOT_TOKEN_HOME}",
    "account_inactive": "the app was uninstalled or its workspace deactivated: reinstall it "
    "(OAuth & Permissions → Install to Workspace) and copy the new token",
    "token_revoked": "reinstall the app (OAuth & Permissions → Install to Workspace) and copy "
    "the new token",
    "token_expired": "token rotation is on: turn it off, or reinstall and copy the new token",
    "not_allowed_token_type": f"set SLACK_BOT_TOKEN to {BOT_TOKEN_HOME}",
    "team_access_not_granted": "an Org admin must add the app to this workspace",
}


def auth_refusal(code: str) -> SlackStartupError:
    fix = AUTH_FIXES.get(code, "check SLACK_BOT_TOKEN and [slack] api_base_url")
    return SlackStartupError(f"Slack refused SLACK_BOT_TOKEN (auth.test: {code})", fix)


def unreachable(base: str, error: BaseException) -> SlackStartupError:
    reason = str(error).strip() or type(error).__name__
    return SlackStartupError(
        f"cannot reach Slack's Web API at {base} ({reason})",
        "check the network (a proxy?) and [slack] api_base_url",
    )


def base_url(configured: str | None) -> str:
    url = (configured or DEFAULT_BASE_URL).strip()
    return url if url.endswith("/") else url + "/"


def delivery_session(timeout: int = 15) -> aiohttp.ClientSession:
    """One connection pool for every delivery and fetch (call inside the running loop).

    Without it slack_sdk opens a new session, so a new TCP (and TLS) connection, for every
    call: measured here, that was a fifth of the CPU spent per saved do.  The timeout is
    the one slack_sdk would give a session of its own.
    """
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))


def delivery_client(
    token: str | None,
    api_base_url: str | None,
    timeout: int = 15,
    session: aiohttp.ClientSession | None = None,
    *,
    retry_connection_errors: bool = False,
) -> AsyncWebClient:
    """For the outlet and the message source: errors surface, the core decides on retries.

    Only a reader may retry a dropped connection at once: Slack may have acted on a post
    before the connection went, and an immediate re-post is a second copy, where the
    core's retry first looks for the message (`adapters.slack.outlet`)."""
    return AsyncWebClient(
        token=token,
        base_url=base_url(api_base_url),
        timeout=timeout,
        session=session,
        retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=1)]
        if retry_connection_errors
        else [],
    )


def patient_client(
    token: str | None, api_base_url: str | None, timeout: int = 15
) -> AsyncWebClient:
    """For one-off calls outside the delivery loop (auth.test, views.publish, Bolt)."""
    return AsyncWebClient(
        token=token,
        base_url=base_url(api_base_url),
        timeout=timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


async def fetch_identity(client: AsyncWebClient) -> BotIdentity:
    """`auth.test`, once at start: who the bot is, so no request ever waits for it."""
    try:
        result = await client.auth_test()
    except SlackApiError as error:
        raise auth_refusal(slack_code(error)) from None
    except Exception as error:  # no answer: connection refused, DNS, TLS, timeout
        raise unreachable(client.base_url, error) from None
    team_id, user_id, bot_id = result.get("team_id"), result.get("user_id"), result.get("bot_id")
    if not (team_id and user_id and bot_id):
        raise SlackStartupError(
            "auth.test did not name a bot user: SLACK_BOT_TOKEN is not a bot token",
            f"set it to {BOT_TOKEN_HOME}",
        )
    return BotIdentity(team_id=str(team_id), user_id=str(user_id), bot_id=str(bot_id))


def slack_code(error: SlackApiError) -> str:
    """Slack's error code (`invalid_auth`, …), or the HTTP status when the answer had none."""
    data = error.response.data
    code = data.get("error") if isinstance(data, dict) else None
    return str(code or f"HTTP {error.response.status_code}")
