"""Composition: config + an `Alsbot` → a running Slack adapter in HTTP or Socket Mode.

The only place that knows every piece: the workspaces served and their tokens
(`Workspaces`: single-token mode's `SLACK_BOT_TOKEN` and its `auth.test`, fetched once,
or those installed through OAuth), two kinds of Web API clients per workspace (one that
surfaces errors for the outlet, one that retries for one-off calls), the outlet and
message source attached to the core, the Bolt app, and the transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from adapters.health_server import reader_for
from adapters.slack.bolt_app import Listeners, build_bolt_app
from adapters.slack.client import (
    SlackStartupError,
    base_url,
    delivery_client,
    delivery_session,
    fetch_identity,
    patient_client,
)
from adapters.slack.event_callbacks import EventCallbacks
from adapters.slack.events_seen import EventsSeen
from adapters.slack.history_budget import HistoryBudget, steady
from adapters.slack.home import HomePublisher, StoreHomeReader
from adapters.slack.http_guard import HttpLimits
from adapters.slack.installations import InstallationStore, InstalledWorkspaces, StateStore
from adapters.slack.interactions import ResponseUrls
from adapters.slack.oauth import OAuthPages, oauth_flow
from adapters.slack.outlet import SlackOutlet
from adapters.slack.server import SlackHttpServer
from adapters.slack.socket_mode import PART, SlackSocketMode
from adapters.slack.source import SlackMessageSource
from adapters.slack.tasks import Background
from adapters.slack.traits import slack_traits
from adapters.slack.translate import BotIdentity
from adapters.slack.workspace_clients import ClientsByWorkspace
from adapters.slack.workspaces import SingleWorkspace, Workspace, Workspaces
from bot.config import Config, slack_oauth
from bot.departed import departed_among
from bot.events import AppInstalled
from bot.preflight import bind_finding
from bot.refs import Platform, UserRef, WorkspaceRef

log = logging.getLogger(__name__)
Mount = Callable[[web.Application], None]
STOP_GRACE = 5.0  # seconds for Home publishing and late inbox writes to finish on stop


@dataclass
class SlackService:
    identity: BotIdentity | None  # single-token mode's bot; None when serving many
    outlet: SlackOutlet
    listeners: Listeners
    background: Background
    http: SlackHttpServer | None = None
    socket: SlackSocketMode | None = None
    session: Any = None  # the delivery clients' aiohttp session, closed last
    events_seen: EventsSeen | None = None  # HTTP mode: commands without events?

    @property
    def url(self) -> str:
        return self.http.url if self.http is not None else ""

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.stop()
        if self.socket is not None:
            await self.socket.stop()
        if self.events_seen is not None:
            await self.events_seen.aclose()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_GRACE):
                await self.background.drain()
        await self.background.aclose()
        if self.session is not None:
            await self.session.close()


@dataclass(frozen=True)
class OAuthMode:
    """OAuth mode's parts: every installed workspace with its own token (the `Workspaces`
    the adapter asks), and the "Add to Slack" pages the HTTP server serves."""

    workspaces: InstalledWorkspaces
    pages: OAuthPages


def oauth_mode(alsbot: Any, config: Config) -> OAuthMode | None:
    """OAuth mode (`SLACK_CLIENT_ID`, `bot.config.slack_oauth`); None in single-token mode.
    Its tables are migration 0010's, in the core's database; its Web API calls
    (`oauth.v2.access`, `auth.test`) go to `[slack] api_base_url`."""
    if not slack_oauth(config):
        return None
    s = config.secrets
    client = patient_client(None, config.slack.api_base_url)
    installations = InstallationStore(alsbot.store, s.slack_client_id)
    flow = oauth_flow(
        client_id=s.slack_client_id,
        client_secret=s.slack_client_secret,
        public_url=config.slack.public_url,
        # No retries: a code is good once, and the person waiting can press Start again.
        client=AsyncWebClient(base_url=base_url(config.slack.api_base_url), retry_handlers=[]),
        installations=installations,
        states=StateStore(alsbot.store),
        submit=alsbot.submit,
    )
    workspaces = InstalledWorkspaces(
        installations, client_secret=s.slack_client_secret, client=client, clock=alsbot.clock
    )
    return OAuthMode(workspaces, OAuthPages(flow))


def history_budget(alsbot: Any, config: Config) -> HistoryBudget:
    """One budget for the outlet and the source (`[slack] distribution`), timed by the
    core's clock so that a test's FakeClock moves it as it moves the retries."""
    clock = getattr(alsbot, "clock", None)
    seconds = steady(lambda: clock.now().timestamp()) if clock is not None else time.monotonic
    return HistoryBudget.for_distribution(config.slack.distribution, seconds)


def check(config: Config, *, bot_token: bool = True) -> None:
    """`bot_token`: whether single-token mode's `SLACK_BOT_TOKEN` is needed."""
    s = config.secrets
    if bot_token and not s.slack_bot_token:
        raise SlackStartupError("SLACK_BOT_TOKEN is not set")
    if config.slack.mode == "http" and not s.slack_signing_secret:
        raise SlackStartupError("HTTP mode needs SLACK_SIGNING_SECRET")
    if config.slack.mode == "socket" and not s.slack_app_token:
        raise SlackStartupError("Socket Mode needs SLACK_APP_TOKEN (xapp-…)")


async def start_slack(
    alsbot: Any,
    config: Config,
    *,
    identity: BotIdentity | None = None,
    mount: Mount | None = None,
    workspaces: Workspaces | None = None,
) -> SlackService:
    """`mount` adds routes of another part (the set's pages online) to the HTTP server,
    before it listens; Socket Mode has no server, and ignores it.

    `workspaces`: the workspaces served and each one's token. In OAuth mode
    (`SLACK_CLIENT_ID`) they are the installations in the database; without either,
    single-token mode serves `SLACK_BOT_TOKEN`'s workspace with its `auth.test` identity
    (or `identity`, already known)."""
    oauth = oauth_mode(alsbot, config) if workspaces is None else None
    if oauth is not None:
        workspaces = oauth.workspaces
    check(config, bot_token=workspaces is None)
    base = config.slack.api_base_url
    token = config.secrets.slack_bot_token if workspaces is None else None
    patient = patient_client(token, base)
    if workspaces is None:
        assert token is not None  # `check` said so
        identity = identity or await fetch_identity(patient)
        workspaces = SingleWorkspace(Workspace(identity, token))
        await _token_works(alsbot, identity, token)
    response_urls = ResponseUrls()
    session = delivery_session()
    # Each workspace's clients (its token's), on the one connection pool.
    outlet_client = delivery_client(token, base, session=session)
    delivery = ClientsByWorkspace(
        workspaces, lambda t: delivery_client(t, base, session=session), known=(outlet_client,)
    )
    readers = ClientsByWorkspace(
        workspaces,
        lambda t: delivery_client(t, base, session=session, retry_connection_errors=True),
    )
    patients = ClientsByWorkspace(workspaces, lambda t: patient_client(t, base), known=(patient,))
    history = history_budget(alsbot, config)
    outlet = SlackOutlet(
        outlet_client,
        response_urls=response_urls,
        handles=getattr(alsbot, "reply_handles", None),
        clients=delivery,
        history=history,
    )
    source = SlackMessageSource(readers, history=history)
    alsbot.attach(outlet, source, traits=slack_traits(config.slack))
    background = Background()
    listeners = Listeners(
        submitter=alsbot,
        identity=identity,
        response_urls=response_urls,
        background=background,
        home=HomePublisher(patients, StoreHomeReader(alsbot)),
        forms=delivery,
        workspaces=workspaces,
    )
    http = config.slack.mode != "socket"
    health = getattr(alsbot, "health", None)  # the core's board (`bot.health`)
    # Which workspace's app has delivered events: single-token mode's one workspace.
    events_seen = EventsSeen(alsbot.store, identity.team_id) if http and identity else None
    bolt = build_bolt_app(
        client=patient_client(None, base),
        signing_secret=config.secrets.slack_signing_secret,
        workspaces=workspaces,
        listeners=listeners,
        events_seen=events_seen,
    )
    service = SlackService(
        identity, outlet, listeners, background, session=session, events_seen=events_seen
    )
    try:
        if config.slack.mode == "socket":
            service.socket = SlackSocketMode(
                bolt,
                config.secrets.slack_app_token,
                patient,
                health=health,
            )
            await service.socket.start()
        else:
            service.http = SlackHttpServer(
                bolt,
                signing_secret=config.secrets.slack_signing_secret,
                health=reader_for(alsbot).body,
                # One `os.stat` per request: a lost database is refused here, before Bolt
                # (whose listener would log a traceback when `submit` refuses).
                refusal=getattr(alsbot, "check_store", None),
                events=EventCallbacks(listeners, workspaces, events_seen),
                limits=HttpLimits(
                    idle_seconds=config.slack.idle_timeout,
                    body_seconds=config.slack.body_timeout,
                    max_connections=config.slack.max_connections,
                ),
                oauth=oauth.pages if oauth is not None else None,
            )
            if mount is not None:
                mount(service.http.web_app)
            port = await _listen(service.http, config.slack.host, config.slack.port)
            if health is not None:
                # The port only: `/healthz` says nothing about where the bot is reachable.
                health.report(PART, True, f"listening on port {port}")
    except BaseException:  # close what was opened: no "Unclosed client session" after it
        await service.stop()
        raise
    return service


async def _token_works(alsbot: Any, identity: BotIdentity, token: str) -> None:
    """Single-token mode's "installed": a token that `auth.test` accepts means the app is
    installed in its workspace.  After an uninstall an operator reinstalls, copies the new
    token and restarts; without this the workspace would stay departed, silent, until its
    data were deleted.  Keyed by the token's digest, so each new token counts once and a
    restart with the same token is a duplicate; asked only while the workspace is departed."""
    store = getattr(alsbot, "store", None)
    workspace = WorkspaceRef(Platform.SLACK, identity.team_id)
    if store is None:
        return
    async with store.read() as conn:
        if not await departed_among(conn, [workspace.key]):
            return
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    event = AppInstalled(
        key=f"slack:token:{identity.team_id}:{digest}", user=UserRef(workspace, identity.user_id)
    )
    await alsbot.submit(event)


async def _listen(http: SlackHttpServer, host: str, port: int) -> int:
    try:
        return await http.start(host, port)
    except OSError as error:  # in use, not allowed, not this machine's address
        found = bind_finding("slack", host, port, error)
        raise SlackStartupError(found.problem, found.fix) from None


async def serve_slack(
    alsbot: Any, config: Config, mount: Mount | None = None
) -> Callable[[], Awaitable[None]]:
    """`alsbot run`'s entry point: start Slack in the configured mode; return its stop."""
    service = await start_slack(alsbot, config, mount=mount)
    return service.stop
