"""The Bolt `AsyncApp`: listeners that make each payload durable, then acknowledge.

Bolt normally acknowledges an event before its listener runs; with
`process_before_response=True` the listener runs first and Bolt answers Slack with what
`ack()` set.  So each listener translates the payload, awaits `alsbot.submit(event)` — which
returns once the event is committed to the inbox — and only then acks.  Processing and
replies happen later in the core's own loops, so nothing on this path calls the Web API:
a slow Slack cannot delay an acknowledgement.

Duplicates need no special case: a retried event (`X-Slack-Retry-Num`) has the same
`event_id`, so `submit` finds its key and returns False, and it is acked again with no
second effect.  If the inbox write itself fails, an event is *not* acknowledged (500, or
no Socket Mode ack) so that Slack retries it; a slash command, which Slack never retries,
gets a polite ephemeral instead.

Authorization asks `Workspaces` for the workspace a request comes from: its bot token
(Bolt's per-request client) and who the bot is there, which the listeners translate with
(`context.authorize_result`), so a payload from workspace B is filed under B and answered
with B's token.  It answers from memory (single-token mode: `auth.test` fetched once at
start), so no request waits for the Web API to learn who the bot is.  A workspace alsbot
is not installed in gets Bolt's own answer (200, and a short note for a command), and no
listener runs.

Slack's `app_rate_limited` notice is not an `event_callback`, so no listener matches it;
a global middleware acknowledges it (Slack counts unacknowledged deliveries against the
app) and logs it once per workspace and rate-limited minute.

In HTTP mode every verified request is first shown to `events_seen.EventsSeen` (Bolt's
`before_authorize` hook, which runs before Bolt answers a `url_verification` or drops the
bot's own events): commands that come without any events mean an unverified Request URL.

In HTTP mode a plain `event_callback` skips Bolt's dispatch: `event_callbacks` answers
it as this app would, through `Listeners.take_event`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render, translate
from adapters.slack.events_seen import EventsSeen
from adapters.slack.home import HomePublisher
from adapters.slack.interactions import ResponseUrls
from adapters.slack.tasks import Background
from adapters.slack.translate import BotIdentity, HomeOpened, Ignored, Inbound
from adapters.slack.workspace_clients import Clients, clients_of
from adapters.slack.workspaces import SingleWorkspace, Workspace, Workspaces
from bot.events import AppRemoved, Event
from bot.ports import Submitter
from bot.refs import Platform
from bot.reply_handles import SLACK_LIFETIME, Handle
from bot.store.file_guard import StoreUnavailable

log = logging.getLogger(__name__)
ANY = re.compile(r".*", re.S)
ACK_BUDGET = 2.0  # seconds; Slack allows 3 for commands and interactions
SORRY = "Sorry — I couldn't take that in just now. Nothing was changed; please try again."
SLOW = "Got it. I'm a little slow right now; your answer will follow shortly."
NO_FORM = "I couldn't open the form just now. You can type it instead: `{usage}`"
NOT_INSTALLED = (
    "alsbot is not installed in this workspace (any more). Ask a workspace admin to add it "
    "again; nothing was recorded."
)


class Listeners:
    """The listeners, separate from Bolt's registration so each reads as one unit."""

    def __init__(
        self,
        *,
        submitter: Submitter,
        identity: BotIdentity | None,
        response_urls: ResponseUrls,
        background: Background,
        home: HomePublisher | None = None,
        ack_budget: float = ACK_BUDGET,
        forms: AsyncWebClient | Clients | None = None,
        workspaces: Workspaces | None = None,
    ) -> None:
        """`identity`: who the bot is when a request does not say (Bolt's authorisation
        names each request's own workspace and bot; None where there is no one answer).
        `forms`: the client, or each workspace's, that opens a command's form
        (`views.open`), one that never sleeps on a rate limit — the trigger it uses dies
        3 s after the command.  `workspaces`: told when the app is removed from one
        (`AppRemoved`, once durable), so that its token is never used again."""
        self.submitter = submitter
        self.workspaces = workspaces
        self.identity = identity
        self.response_urls = response_urls
        self.background = background
        self.home = home
        self.ack_budget = ack_budget
        self.forms = clients_of(forms) if forms is not None else None

    async def on_event(
        self,
        body: dict[str, Any],
        ack: Callable[..., Awaitable[Any]],
        identity: BotIdentity | None = None,
    ) -> None:
        await self.take_event(body, identity)
        await ack()

    async def take_event(self, body: dict[str, Any], identity: BotIdentity | None = None) -> None:
        """An Events API envelope made durable (or set aside), ready to be acknowledged:
        Bolt's listener above and HTTP mode's fast path (`event_callbacks`) share it.
        `identity`: the bot's in the workspace the envelope is for."""
        outcome = translate.from_event_callback(body, identity or self.identity)
        if isinstance(outcome, Inbound):
            fresh = await self.submitter.submit(outcome.event)
            log.debug("event %s %s", outcome.event.key, "stored" if fresh else "was a duplicate")
            if isinstance(outcome.event, AppRemoved) and self.workspaces is not None:
                # Its tokens are dead: the installation goes now (the core keeps the
                # workspace's data for the grace period, and stops its work).
                await self.workspaces.forget(outcome.event.workspace.id)
        elif isinstance(outcome, HomeOpened):
            if self.home is not None:
                self.background.spawn(self.home.publish(outcome.user), name="slack-home")
        else:
            _ignored(outcome)

    async def on_command(
        self,
        body: dict[str, Any],
        ack: Callable[..., Awaitable[Any]],
        identity: BotIdentity | None = None,
    ) -> None:
        outcome = translate.from_slash_command(body, identity or self.identity)
        if isinstance(outcome, translate.OpenForm):
            await self._open_form(outcome, ack)
            return
        await self._interaction(outcome, ack)

    async def _open_form(
        self, form: translate.OpenForm, ack: Callable[..., Awaitable[Any]]
    ) -> None:
        """Open the command's form before acknowledging: Slack's trigger lasts 3 s, and
        nothing needs to be durable yet — the command is what its submission makes."""
        client = None
        if self.forms is not None:
            client = await self.forms.for_team(form.channel.workspace.id)
        if client is None:
            await ack(text=NO_FORM.format(usage=form.spec.usage))
            return
        try:
            async with asyncio.timeout(self.ack_budget):
                await client.views_open(
                    trigger_id=form.trigger_id,
                    view=render.form_view(form.spec, form.channel.id),
                )
        except (SlackApiError, SlackClientError, TimeoutError, OSError) as error:
            log.info("could not open the %s form (%s)", form.spec.path, type(error).__name__)
            await ack(text=NO_FORM.format(usage=form.spec.usage))
            return
        await ack()

    async def on_view_submission(
        self,
        body: dict[str, Any],
        ack: Callable[..., Awaitable[Any]],
        identity: BotIdentity | None = None,
    ) -> None:
        """A form sent back: durable as the command it makes, then the modal closes."""
        outcome = translate.from_view_submission(body, identity or self.identity)
        if isinstance(outcome, translate.FormErrors):
            await ack(response_action="errors", errors=outcome.errors)
            return
        if not isinstance(outcome, Inbound):
            _ignored(outcome)
            await ack()
            return
        if await self._submitted(outcome.event) == "failed":
            first = next(iter(translate.form_answers(body)), None)
            if first is not None:  # the form stays open, with the words, to send again
                await ack(response_action="errors", errors={first: SORRY})
                return
        await ack()

    async def on_block_action(
        self,
        body: dict[str, Any],
        ack: Callable[..., Awaitable[Any]],
        identity: BotIdentity | None = None,
    ) -> None:
        await self._interaction(translate.from_block_actions(body, identity or self.identity), ack)

    async def on_save_as_do(
        self,
        body: dict[str, Any],
        ack: Callable[..., Awaitable[Any]],
        identity: BotIdentity | None = None,
    ) -> None:
        """The "Save as do" message shortcut: durable as a `MessageSaved`, then acked; the
        answer comes privately through its `response_url`."""
        outcome = translate.from_message_shortcut(body, identity or self.identity)
        await self._interaction(outcome, ack)

    async def _interaction(
        self, outcome: translate.Outcome, ack: Callable[..., Awaitable[Any]]
    ) -> None:
        """Commands and buttons: always acknowledged within the budget."""
        if isinstance(outcome, translate.Declined):
            await ack(text=outcome.answer)
            return
        if not isinstance(outcome, Inbound):
            _ignored(outcome)
            await ack()
            return
        event = outcome.event
        handle = None
        if outcome.response_url:
            # Here for this process's outlet; with the event, for any process's.
            self.response_urls.remember(event.key, outcome.response_url, event.user.id)
            handle = Handle(
                event.key,
                Platform.SLACK.value,
                event.user.id,
                outcome.response_url,
                lifetime=SLACK_LIFETIME,
            )
        submitted = await self._submitted(event, handle)
        if submitted == "slow":
            await ack(text=SLOW)
        elif submitted == "failed":
            await ack(text=SORRY)
        else:
            await ack()

    async def _submitted(
        self, event: Event, handle: Handle | None = None
    ) -> Literal["durable", "slow", "failed"]:
        """Record an interaction's event within the acknowledgement budget: durable, or
        slow (it goes on in the background; the person is answered in time), or failed
        (the person is told; the traceback is logged by `Background`)."""
        task = self.background.spawn(
            self.submitter.submit(event, handle), name=f"submit {event.key}"
        )
        try:
            await asyncio.wait_for(asyncio.shield(task), self.ack_budget)
        except TimeoutError:
            log.warning("submitting %s is slow; acknowledged before it was durable", event.key)
            return "slow"
        except Exception as error:
            # By its type: a database error's message quotes the row, the person's words.
            log.warning(
                "could not record %s (%s); told the person", event.key, type(error).__name__
            )
            return "failed"
        return "durable"

    async def on_other(self, body: dict[str, Any], ack: Callable[..., Awaitable[Any]]) -> None:
        """Shortcuts, closed views, dialogs, legacy attachments: alsbot offers none; say OK."""
        log.debug("ignored a %r interaction", body.get("type") if isinstance(body, dict) else None)
        await ack()

    async def on_options(self, ack: Callable[..., Awaitable[Any]]) -> None:
        await ack(options=[])


def _ignored(outcome: translate.Outcome) -> None:
    if isinstance(outcome, Ignored):
        log.debug("ignored: %s", outcome.reason)


def authorized(workspace: Workspace) -> AuthorizeResult:
    """What Bolt is told about a request's workspace: the bot's ids there and its token."""
    return AuthorizeResult(
        enterprise_id=workspace.enterprise_id,
        team_id=workspace.identity.team_id,
        bot_user_id=workspace.identity.user_id,
        bot_id=workspace.identity.bot_id,
        bot_token=workspace.token,
    )


def identity_of(context: AsyncBoltContext | None) -> BotIdentity | None:
    """Who the bot is in the workspace `authorize` found for this request; None when Bolt
    did not ask (`app_uninstalled`, `tokens_revoked`: the listeners' default then)."""
    result = context.authorize_result if context is not None else None
    if result is None or not (result.team_id and result.bot_user_id and result.bot_id):
        return None
    return BotIdentity(result.team_id, result.bot_user_id, result.bot_id)


class RateLimitNotices:
    """Slack's `app_rate_limited` notices, told once each.

    Slack sends one when the app would get more than 30,000 events an hour from a
    workspace, and keeps sending it while the limit holds; the events of that window are
    not delivered at all.  An operator needs to know that once per workspace and minute,
    not once per request, so the (team, minute) pairs already told are remembered (a
    bounded few: a new minute is a new notice).
    """

    def __init__(self, *, capacity: int = 1024) -> None:
        self._told: OrderedDict[tuple[str, int | None], None] = OrderedDict()
        self._capacity = capacity

    def note(self, body: Any) -> None:
        team = body.get("team_id") if isinstance(body, dict) else None
        minute = body.get("minute_rate_limited") if isinstance(body, dict) else None
        team = team if isinstance(team, str) and translate.ID.match(team) else "unknown"
        minute = minute if isinstance(minute, int) and not isinstance(minute, bool) else None
        if (team, minute) in self._told:
            return
        self._told[(team, minute)] = None
        while len(self._told) > self._capacity:
            self._told.popitem(last=False)
        since = _utc_minute(minute)
        log.warning(
            "Slack is rate-limiting event deliveries for workspace %s since %s "
            "(over 30,000 events an hour): events in this window are dropped by Slack",
            team,
            since,
        )


def _utc_minute(epoch: int | None) -> str:
    if epoch is None:
        return "an unknown minute"
    try:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return "an unknown minute"


class WithholdBodies(logging.Filter):
    """Bolt logs a rejected request's whole body — response_url included, which lets
    anyone answer as the app for 30 minutes — so the body is dropped from that line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid request signature detected"):
            record.msg, record.args = "Invalid request signature detected (body withheld)", ()
        return True


class ExpectedNoise(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that the
    `client` we give it (pointed at `api_base_url`) wins.  That is the intent: drop it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("As you gave `client` as well")


class NotInstalledNote(logging.Filter):
    """Bolt logs an ERROR for every request from a workspace `authorize` does not know,
    in words that blame the installation store; after an uninstall Slack may still send a
    few, and a request from anywhere else is no fault of alsbot's: one INFO line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Although the app should be installed"):
            record.msg, record.args = "a request from a workspace alsbot is not installed in", ()
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def build_bolt_app(
    *,
    client: AsyncWebClient,
    signing_secret: str,
    listeners: Listeners,
    bot_token: str | None = None,
    identity: BotIdentity | None = None,
    workspaces: Workspaces | None = None,
    logger: logging.Logger | None = None,
    rate_limits: RateLimitNotices | None = None,
    events_seen: EventsSeen | None = None,
) -> AsyncApp:
    """An `AsyncApp` for HTTP (verified by `server.SlackHttpServer` first) and Socket Mode alike.

    `client` carries no token (Bolt would warn that `authorize` overrides it); the token
    reaches Bolt's per-request clients through the `AuthorizeResult`: each workspace's
    from `workspaces`, or (without them) `bot_token` and `identity` for every request.
    `events_seen` (HTTP mode only) sees every request before Bolt's own middleware can
    answer or drop it.
    """
    if workspaces is None:
        if bot_token is None or identity is None:
            raise ValueError("build_bolt_app needs workspaces, or a bot token and its identity")
        workspaces = SingleWorkspace(Workspace(identity, bot_token))
    serving = workspaces

    # Bolt passes what it names by parameter name (read with getfullargspec's `args`).
    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult | None:
        found = await serving.find(team_id, enterprise_id)
        return authorized(found) if found is not None else None

    async def before_authorize(body: Any, next_: Callable[[], Awaitable[None]]) -> None:
        if events_seen is not None:
            await events_seen.note(body)
        await next_()

    logger = logger or logging.getLogger("adapters.slack.bolt")
    if not any(isinstance(f, ExpectedNoise) for f in logger.filters):
        logger.addFilter(ExpectedNoise())
    app = AsyncApp(
        name="alsbot",
        client=client,
        signing_secret=signing_secret,
        before_authorize=before_authorize if events_seen is not None else None,
        # Bolt answers None as "not installed" (`AsyncMultiTeamsAuthorization`), though
        # its annotation names only a result.
        authorize=authorize,  # type: ignore[arg-type]
        process_before_response=True,
        # `server.SlackHttpServer` verifies every HTTP request before Bolt sees it, and
        # Socket Mode needs no signature: a second HMAC per event here would be waste.
        request_verification_enabled=False,
        user_facing_authorize_error_message=NOT_INSTALLED,
        logger=logger,
    )
    verification_log = logging.getLogger("slack_bolt.RequestVerification")
    if not any(isinstance(f, WithholdBodies) for f in verification_log.filters):
        verification_log.addFilter(WithholdBodies())
    authorization_log = logging.getLogger("slack_bolt.AsyncMultiTeamsAuthorization")
    if not any(isinstance(f, NotInstalledNote) for f in authorization_log.filters):
        authorization_log.addFilter(NotInstalledNote())

    notices = rate_limits or RateLimitNotices()

    # Global middleware runs after Bolt's signature check, so only Slack reaches this.
    async def app_rate_limited(
        body: dict[str, Any], response: BoltResponse, next_: Callable[[], Awaitable[None]]
    ) -> BoltResponse:
        if isinstance(body, dict) and body.get("type") == "app_rate_limited":
            notices.note(body)
            return BoltResponse(status=200, body="")
        await next_()
        return response

    app.middleware(app_rate_limited)

    # A listener whose `submit` was refused because the database is lost (its file deleted
    # or replaced) must not be acknowledged — Slack retries it — but the core has already
    # said so in one line; Bolt's default handler would add a traceback per event.
    async def on_error(error: Exception) -> BoltResponse | None:
        if isinstance(error, StoreUnavailable):
            return BoltResponse(status=503, body="")
        logger.exception("Failed to run listener function (error: %s)", type(error).__name__)
        return None

    app.error(on_error)

    # Bolt injects arguments by parameter name and reads names with getfullargspec, which
    # counts a bound method's `self`; so each listener is wrapped in a plain function.
    # `context.authorize_result` is what `authorize` found: the request's own workspace.
    async def on_event(body: dict[str, Any], ack: Any, context: AsyncBoltContext) -> None:
        await listeners.on_event(body, ack, identity_of(context))

    async def on_command(body: dict[str, Any], ack: Any, context: AsyncBoltContext) -> None:
        await listeners.on_command(body, ack, identity_of(context))

    async def on_block_action(body: dict[str, Any], ack: Any, context: AsyncBoltContext) -> None:
        await listeners.on_block_action(body, ack, identity_of(context))

    async def on_view_submission(body: dict[str, Any], ack: Any, context: AsyncBoltContext) -> None:
        await listeners.on_view_submission(body, ack, identity_of(context))

    async def on_options(ack: Any) -> None:
        await listeners.on_options(ack)

    async def on_other(body: dict[str, Any], ack: Any) -> None:
        await listeners.on_other(body, ack)

    async def on_save_as_do(body: dict[str, Any], ack: Any, context: AsyncBoltContext) -> None:
        await listeners.on_save_as_do(body, ack, identity_of(context))

    app.event(ANY)(on_event)
    app.command(ANY)(on_command)
    app.block_action(ANY)(on_block_action)
    app.options(ANY)(on_options)
    app.dialog_suggestion(ANY)(on_options)
    app.view_submission(ANY)(on_view_submission)
    app.message_shortcut(translate.SAVE_AS_DO)(on_save_as_do)  # before `shortcut(ANY)`
    for register in (
        app.shortcut,
        app.view_closed,
        app.dialog_submission,
        app.dialog_cancellation,
        app.attachment_action,
    ):
        register(ANY)(on_other)
    return app
