"""'Add to Slack': Bolt's OAuth flow, served as two pages on the Slack HTTP server.

`GET /slack/install` shows a page with one link to Slack's authorize page (client id, the
manifest's bot scopes, a one-time state also set as a cookie, the redirect URL);
`GET /slack/oauth_redirect` is where Slack sends the installer back: Bolt checks the
state against the cookie and the database (`installations.StateStore`), exchanges the
code at `oauth.v2.access` (against `[slack] api_base_url`, so a stand-in or a proxy
answers) and saves the workspace's bot token (`installations.InstallationStore`).  Then
the core is told (`AppInstalled`: a deletion pending since an uninstall is called off)
and the installer is told what to do next.

Whatever goes wrong is a page in plain words with a way to start again, and one log line
naming the reason — never a code, a state, a token or a traceback.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.installations import STATE_SECONDS, InstallationStore, StateStore
from adapters.slack.manifest import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from bot.events import AppInstalled, Event
from bot.refs import Platform, UserRef, WorkspaceRef

log = logging.getLogger(__name__)
Submit = Callable[[Event], Awaitable[Any]]
HTML = {"Content-Type": "text/html; charset=utf-8"}

# Why an install failed (Bolt's reasons, and Slack's `error` on the redirect), in words.
REASONS = {
    "access_denied": "The installation was cancelled in Slack, so nothing was installed.",
    "invalid_browser": (
        "This page was opened in a different browser from the one that started the "
        "installation, or the installation took longer than ten minutes."
    ),
    "invalid_state": "This installation link has expired or has already been used.",
    "missing_code": "Slack sent you back without an installation code.",
    "invalid_code": "Slack did not accept this installation (its code was wrong or had expired).",
    "storage_error": "alsbot could not save the installation.",
}
_SLACK_ERROR = re.compile(r"'error': '([a-z_]{1,60})'")


class _NoSecrets(logging.Filter):
    """Bolt logs a failed `oauth.v2.access` with the code and Slack's whole answer: one
    line naming Slack's error code instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Failed to fetch oauth.v2.access"):
            found = _SLACK_ERROR.search(message)
            record.msg = "Slack refused an installation (oauth.v2.access or auth.test: %s)"
            record.args = (found.group(1) if found else "no answer",)
        return True


def oauth_flow(
    *,
    client_id: str,
    client_secret: str,
    public_url: str,
    client: AsyncWebClient,
    installations: InstallationStore,
    states: StateStore,
    submit: Submit,
) -> AsyncOAuthFlow:
    """Bolt's flow with alsbot's stores and pages; `client` is the Web API client for
    `oauth.v2.access` and `auth.test` (`[slack] api_base_url`)."""
    flow_log = logging.getLogger(f"{__name__}.bolt")
    if not any(isinstance(f, _NoSecrets) for f in flow_log.filters):
        flow_log.addFilter(_NoSecrets())
    pages = _Pages(submit)
    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=BOT_SCOPES,
        user_scopes=[],
        redirect_uri=public_url.rstrip("/") + REDIRECT_PATH,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=AsyncCallbackOptions(success=pages.success, failure=pages.failure),
        installation_store=installations,
        state_store=states,
        state_expiration_seconds=STATE_SECONDS,
        logger=flow_log,
    )
    return _Flow(client=client, logger=flow_log, settings=settings)


class _Flow(AsyncOAuthFlow):
    async def build_install_page_html(self, url: str, request: AsyncBoltRequest) -> str:
        return install_page(url)


class OAuthPages:
    """The two GET routes (`server.SlackHttpServer` adds them in OAuth mode), as Bolt's
    own aiohttp adapter serves them, with a page instead of a 500 for anything raised."""

    def __init__(self, flow: AsyncOAuthFlow) -> None:
        self.flow = flow

    def routes(self) -> list[web.RouteDef]:
        return [web.get(INSTALL_PATH, self.install), web.get(REDIRECT_PATH, self.redirect)]

    async def install(self, request: web.Request) -> web.Response:
        try:
            answer = await self.flow.handle_installation(await _bolt_request(request))
        except Exception as error:  # the database: the state could not be kept
            log.warning("the Add to Slack page failed: %s", type(error).__name__)
            return _page(
                503, "alsbot cannot start an installation just now", "Please try again in a minute."
            )
        return await to_aiohttp_response(answer)

    async def redirect(self, request: web.Request) -> web.Response:
        try:
            answer = await self.flow.handle_callback(await _bolt_request(request))
        except Exception as error:  # Slack unreachable, the database, the core's inbox
            log.warning("a Slack installation failed: %s", type(error).__name__)
            return _failure_page(500, "alsbot could not finish the installation.")
        return await to_aiohttp_response(answer)


async def _bolt_request(request: web.Request) -> AsyncBoltRequest:
    return AsyncBoltRequest(body="", query=request.query_string, headers=request.headers)  # type: ignore[arg-type]


class _Pages:
    def __init__(self, submit: Submit) -> None:
        self.submit = submit

    async def success(self, args: AsyncSuccessArgs) -> BoltResponse:
        done = args.installation
        team = done.team_id or done.enterprise_id or ""
        await self.submit(
            AppInstalled(
                key=f"slack:installed:{team}:{done.installed_at:.6f}",
                user=UserRef(WorkspaceRef(Platform.SLACK, team), done.user_id),
            )
        )
        log.info("alsbot was installed in the Slack workspace %s", team)
        name = html.escape(done.team_name or "your workspace")
        body = _html(
            f"alsbot is installed in {name}",
            "<ol><li>In Slack, open the private channel your Action Learning Set meets in "
            "and invite the bot: <code>/invite @alsbot</code>.</li>"
            "<li>Type <code>/als help</code> there to see what it does, and "
            "<code>/als setup</code> to set up the set.</li></ol>"
            "<p>You can close this page.</p>",
        )
        return _response(200, body, args)

    async def failure(self, args: AsyncFailureArgs) -> BoltResponse:
        reason = args.reason or "unknown"
        log.warning("a Slack installation was refused: %s", reason[:60])
        words = REASONS.get(reason, f"Slack reported a problem ({html.escape(reason[:60])}).")
        status = 400 if args.suggested_status_code in (400, 401) else args.suggested_status_code
        return _response(status, _failure_html(words), args)


def _response(status: int, body: str, args: AsyncSuccessArgs | AsyncFailureArgs) -> BoltResponse:
    """The page, and the state cookie deleted: it is used up whatever happened."""
    cookie = args.settings.state_utils.build_set_cookie_for_deletion()
    return BoltResponse(status=status, body=body, headers={**HTML, "Set-Cookie": cookie})


def install_page(url: str) -> str:
    """The 'Add to Slack' page: one link, no script, nothing loaded from elsewhere."""
    return _html(
        "Add alsbot to Slack",
        "<p>alsbot keeps Action Learning Sets going: rounds, actions, nudges and do's.</p>"
        f'<p><a class="button" href="{html.escape(url)}">Add to Slack</a></p>'
        "<p>Slack will ask you to choose a workspace and to allow what alsbot needs.</p>",
    )


def _failure_html(words: str) -> str:
    return _html(
        "alsbot was not installed",
        f'<p>{words}</p><p><a class="button" href="{INSTALL_PATH}">Start again</a></p>',
    )


def _failure_page(status: int, words: str) -> web.Response:
    return web.Response(
        status=status, text=_failure_html(html.escape(words)), content_type="text/html"
    )


def _page(status: int, title: str, words: str) -> web.Response:
    body = _html(title, f"<p>{html.escape(words)}</p>")
    return web.Response(status=status, text=body, content_type="text/html")


def _html(title: str, inner: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;"
        "padding:0 1rem;line-height:1.5;color:#1d1c1d}"
        "a.button{display:inline-block;padding:.6rem 1.2rem;background:#2c4a52;color:#fff;"
        "border-radius:.3rem;text-decoration:none;font-weight:600}"
        "a.button:focus{outline:3px solid #e8912d}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{inner}</body></html>"
    )
