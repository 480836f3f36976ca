"""'Add to Slack' from end to end: the install page, Slack's authorize step and redirect
(played by the Web API stand-in, `testkit.slack.oauth_grants`), `oauth.v2.access`, the
installation in alsbot's database, its token from `InstalledWorkspaces`, and
`AppInstalled` in the core's inbox — on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import html
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import pytest_asyncio
from slack_bolt.async_app import AsyncApp
from sqlalchemy import select

from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.server import SlackHttpServer
from adapters.slack.service import OAuthMode, oauth_mode
from adapters.slack.translate import BotIdentity
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.store.models import Inbox
from testkit.slack.oauth_grants import CLIENT_ID, CLIENT_SECRET
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET

pytestmark = pytest.mark.asyncio
PUBLIC = "https://alsbot.example.org"
COOKIE = "slack-app-oauth-state"


@dataclass
class Site:
    """alsbot's HTTP server in OAuth mode, and a browser's view of it."""

    bot: Alsbot
    mode: OAuthMode
    server: SlackHttpServer
    api: SlackWebApi
    http: aiohttp.ClientSession

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def get(self, path: str, cookie: str | None = None) -> tuple[int, str, str]:
        """Status, page and the Set-Cookie header, as a browser sees them."""
        headers = {"Cookie": cookie} if cookie else {}
        async with self.http.get(self.origin + path, headers=headers) as response:
            return response.status, await response.text(), response.headers.get("Set-Cookie", "")

    async def start_install(self) -> tuple[str, str]:
        """The authorize link on the install page, and the cookie Bolt set with it."""
        status, page, set_cookie = await self.get("/slack/install")
        assert status == 200
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize[^"]+)"', page)
        assert link is not None, page
        cookie = set_cookie.split(";")[0]
        assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in set_cookie
        return html.unescape(link.group(1)), cookie

    async def back_from_slack(self, redirect: str, cookie: str | None) -> tuple[int, str, str]:
        """Follow Slack's redirect to the public URL, which reaches this server."""
        assert redirect.startswith(PUBLIC + "/slack/oauth_redirect?")
        return await self.get(redirect.removeprefix(PUBLIC), cookie)

    async def install(self, team_id: str, team_name: str, user_id: str) -> str:
        link, cookie = await self.start_install()
        redirect = self.api.grants.approve(
            link, team_id=team_id, team_name=team_name, user_id=user_id
        )
        status, page, _ = await self.back_from_slack(redirect, cookie)
        assert status == 200, page
        return page

    async def inbox_keys(self) -> list[str]:
        async with self.bot.store.read() as conn:
            return list((await conn.execute(select(Inbox.key).order_by(Inbox.id))).scalars())


def _events_app() -> AsyncApp:
    """Bolt for POST /slack/events, which these tests never send to."""

    async def authorize(**_: object) -> None:
        return None

    return AsyncApp(authorize=authorize, request_verification_enabled=False)


@contextlib.asynccontextmanager
async def _site(db_url: str, clock: FakeClock, web_api: SlackWebApi) -> AsyncIterator[Site]:
    config = load_config(
        None,
        {
            "ALSBOT_DATABASE_URL": db_url,
            "ALSBOT_SLACK_ENABLED": "true",
            "ALSBOT_SLACK_API_BASE_URL": web_api.url,
            "ALSBOT_SLACK_PUBLIC_URL": PUBLIC,
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_SIGNING_SECRET": SECRET,
        },
    )
    bot = await Alsbot.open(config, clock=clock)
    mode = oauth_mode(bot, config)
    assert mode is not None
    server = SlackHttpServer(_events_app(), signing_secret=SECRET, oauth=mode.pages)
    await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as http:
            yield Site(bot, mode, server, web_api, http)
    finally:
        await server.stop()
        await bot.close()


@pytest_asyncio.fixture
async def site(sqlite_url: str, clock: FakeClock, web_api: SlackWebApi) -> AsyncIterator[Site]:
    async with _site(sqlite_url, clock, web_api) as s:
        yield s


@pytest_asyncio.fixture
async def any_site(any_db_url: str, clock: FakeClock, web_api: SlackWebApi) -> AsyncIterator[Site]:
    """On SQLite, and on PostgreSQL when ALSBOT_TEST_POSTGRES_URL is set."""
    async with _site(any_db_url, clock, web_api) as s:
        yield s


async def test_two_workspaces_install_with_the_button_and_each_gets_its_own_token(
    any_site: Site, clock: FakeClock
) -> None:
    site = any_site
    link, cookie = await site.start_install()
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    state = cookie.split("=", 1)[1]
    assert query["client_id"] == CLIENT_ID
    assert query["scope"] == ",".join(BOT_SCOPES)
    assert site.mode.pages.flow.settings.scopes is BOT_SCOPES, "the manifest's one list"
    assert query["state"] == state
    assert query["redirect_uri"] == f"{PUBLIC}/slack/oauth_redirect"

    redirect = site.api.grants.approve(link, team_id="T1", team_name="Acorn Trust", user_id="UANA")
    status, page, set_cookie = await site.back_from_slack(redirect, cookie)
    assert status == 200
    assert "alsbot is installed in Acorn Trust" in page and "/als help" in page
    assert "/invite @alsbot" in page
    assert set_cookie.startswith(f"{COOKIE}=deleted"), "the state is used up"

    (exchange,) = site.api.calls_to("oauth.v2.access")
    assert exchange.args["client_id"] == CLIENT_ID
    assert exchange.args["client_secret"] == CLIENT_SECRET
    assert exchange.args["code"] == parse_qs(urlsplit(redirect).query)["code"][0]
    assert exchange.args["redirect_uri"] == f"{PUBLIC}/slack/oauth_redirect"
    (issued,) = site.api.grants.tokens
    # Bolt asked who the bot is with the new token (for its bot id).
    assert [c.token for c in site.api.calls_to("auth.test")] == [issued]

    found = await site.mode.workspaces.find("T1")
    assert found is not None and found.token == issued
    assert found.identity == BotIdentity("T1", "UBOT1", "BBOT1")
    saved = await site.mode.workspaces.installations.async_find_installation(
        enterprise_id=None, team_id="T1"
    )
    assert saved is not None and saved.bot_token == issued and saved.user_id == "UANA"
    assert saved.bot_scopes == BOT_SCOPES
    (key,) = await site.inbox_keys()
    assert key.startswith("slack:installed:T1:")

    site.api.grants.rotation = True  # the app turned token rotation on meanwhile
    await site.install("T2", "Birch Network", "UBEN")
    second = await site.mode.workspaces.find("T2")
    assert second is not None and second.token not in (issued, "")
    assert second.identity == BotIdentity("T2", "UBOT2", "BBOT2")
    assert (await site.mode.workspaces.find("T1")).token == issued  # type: ignore[union-attr]
    assert await site.mode.workspaces.installations.count_workspaces() == 2
    keys = await site.inbox_keys()
    assert len(keys) == 2 and keys[1].startswith("slack:installed:T2:")

    # Bolt saved when the rotating token expires (wall-clock time, as Slack counts it);
    # a minute before, the next request gets a fresh one from `[slack] api_base_url`.
    rotating = await site.mode.workspaces.installations.latest_bot("T2", None)
    assert rotating is not None and rotating.bot_refresh_token
    assert rotating.bot_token_expires_at is not None
    clock.set(datetime.fromtimestamp(rotating.bot_token_expires_at - 60, UTC))
    fresh = await site.mode.workspaces.find("T2")
    assert fresh is not None and fresh.token not in (second.token, issued)
    assert site.api.calls_to("oauth.v2.access")[-1].args["grant_type"] == "refresh_token"
    assert (await site.mode.workspaces.find("T1")).token == issued  # type: ignore[union-attr]


async def test_a_bad_or_reused_state_is_refused_with_a_page_and_nothing_saved(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    link, cookie = await site.start_install()
    redirect = site.api.grants.approve(link, team_id="T1")
    forged = re.sub(r"state=[^&]+", "state=forged", redirect)
    status, page, _ = await site.back_from_slack(forged, f"{COOKIE}=forged")
    assert status == 400
    assert "alsbot was not installed" in page and "expired or has already been used" in page
    assert 'href="/slack/install"' in page
    assert site.api.calls_to("oauth.v2.access") == []

    status, page, _ = await site.back_from_slack(redirect, None)  # another browser
    assert status == 400 and "different browser" in page

    status, _, _ = await site.back_from_slack(redirect, cookie)
    assert status == 200
    status, page, _ = await site.back_from_slack(redirect, cookie)  # replayed
    assert status == 400 and "already been used" in page
    assert len(site.api.calls_to("oauth.v2.access")) == 1
    assert await site.mode.workspaces.installations.count_workspaces() == 1
    assert len(await site.inbox_keys()) == 1
    text = caplog.text
    assert "Traceback" not in text and "forged" not in text
    assert cookie.split("=", 1)[1] not in text, "no state in the log"


async def test_slack_refusing_the_code_or_the_person_cancelling_is_a_clear_page(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    link, cookie = await site.start_install()
    status, page, _ = await site.back_from_slack(site.api.grants.deny(link), cookie)
    assert status == 200 and "cancelled" in page

    link, cookie = await site.start_install()
    redirect = site.api.grants.approve(link, team_id="T1")
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    site.api.grants.codes.clear()  # the code expired before the browser came back
    status, page, _ = await site.back_from_slack(redirect, cookie)
    assert status == 400 and "Slack did not accept this installation" in page
    assert [c.error for c in site.api.calls_to("oauth.v2.access")] == ["invalid_code"]
    assert await site.mode.workspaces.installations.count_workspaces() == 0
    assert await site.inbox_keys() == []
    refused = [r.getMessage() for r in caplog.records if "oauth.v2.access" in r.getMessage()]
    assert refused == ["Slack refused an installation (oauth.v2.access or auth.test: invalid_code)"]
    assert code not in caplog.text and CLIENT_SECRET not in caplog.text
    assert "Traceback" not in caplog.text


async def test_slack_unreachable_is_a_page_not_a_traceback(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    link, cookie = await site.start_install()
    redirect = site.api.grants.approve(link, team_id="T1")
    await site.api.close()  # Slack's Web API is gone
    status, page, _ = await site.back_from_slack(redirect, cookie)
    assert status == 500 and "alsbot could not finish the installation" in page
    assert "Start again" in page
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING][-1] == (
        "a Slack installation failed: ClientConnectorError"
    )


async def test_single_token_mode_has_no_install_pages(web_api: SlackWebApi, app: Alsbot) -> None:
    config = load_config(None, {"SLACK_BOT_TOKEN": web_api.token})
    assert oauth_mode(app, config) is None
    server = SlackHttpServer(_events_app(), signing_secret=SECRET)
    port = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as http:
            for path in ("/slack/install", "/slack/oauth_redirect"):
                async with http.get(f"http://127.0.0.1:{port}{path}") as response:
                    assert response.status == 404
    finally:
        await server.stop()
