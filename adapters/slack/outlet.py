"""The Slack outlet: one core reply → one Web API call (or a `response_url` POST).

It decides nothing about retries: Slack's answer is classified into the core's two
exceptions — `DeliveryRetry(after=Retry-After)` for 429s, 5xx pages, Slack's own transient
errors and network trouble; `DeliveryFailed` for what will never work (channel gone, user
deactivated, DMs to a bot) — and the core's delivery loop paces, retries and records.  So
the Web API client here has no rate-limit retry handler on purpose: a sleeping SDK would
hold a delivery lane hostage instead of letting the core release it.

Every call goes out with the bot token of the workspace the reply is for (its refs name
it; `adapters.slack.workspace_clients`), and Slack's holds are that workspace's alone: a
rate limit in one organisation never slows another's replies.  A workspace alsbot is no
longer installed in fails the reply for good (`DeliveryFailed`), so it is not retried.

`chat.postMessage` has no idempotency key, so every message carries the outbox row's key
as message metadata; when an earlier attempt may have posted it (`maybe_delivered`: the
process died, or the request failed, after Slack may have accepted it) the outlet first
looks for that key in the conversation and, if it is there, returns that message instead
of posting it a second time.  The look-up reads pages of 15 within the workspace's history
budget (`adapters.slack.history_budget`: one call a minute for a distributed app).  A lookup that fails for a passing reason (429, 5xx, network)
retries the reply later like a failed post; one that can never work (no history scope,
not in the channel) posts anyway: at-least-once stays the floor.  Ephemerals and files
carry no metadata and cannot be looked up.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.http_waits import retry_after
from adapters.slack import render
from adapters.slack.history_budget import HISTORY, REPLIES, HistoryBudget
from adapters.slack.interactions import MAX_USES, ResponseUrls
from adapters.slack.workspace_clients import Clients, OneClient
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.replies import Direct, Edit, Ephemeral, File, GroupDirect, Post
from bot.reply_handles import ReplyHandles

log = logging.getLogger(__name__)

# Slack's documented transient errors; anything else with ok=false will not get better.
TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# When an ephemeral message cannot be shown in the channel, a DM keeps it private.
EPHEMERAL_TO_DM = frozenset(
    {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"}
)
SERVER_ERROR_WAIT = 5.0
NETWORK_ERROR_WAIT = 2.0
# Message metadata naming the outbox row a message was sent for (see the module doc).
REPLY_EVENT = "alsbot_reply"
# Look back this much before the reply was written: Slack's clock may be behind ours.
LOOKUP_SKEW = timedelta(minutes=2)
# A retry follows its lost attempt within minutes, so the message is recent: pages of 15
# (all an app distributed outside the Marketplace gets), newest first, stopping at the
# first match, at most LOOKUP_PAGES of them (as many messages as the one page of 200 this
# used to read) — a reply not found in them is posted: at-least-once stays the floor.
LOOKUP_PAGE = 15
LOOKUP_PAGES = 14
LOOKUPS_KEPT = 1000  # look-ups waiting for the budget, remembered where they stopped
# Only slash commands and buttons come with a response_url (their keys: `translate.py`):
# for any other cause none is stored, and asking would hold SQLite's writer for nothing.
WITH_RESPONSE_URL = ("slack:command:", "slack:action:")
URL = re.compile(r"https?://[^\s,'\"]+")


class WithholdResponseUrls(logging.Filter):
    """slack_sdk's webhook client logs each request's URL and body at DEBUG: a
    response_url lets anyone answer as the app for 30 minutes, and the body is what the
    person was told."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = URL.sub("<response_url>", record.getMessage())
        record.msg, record.args = re.sub(r"body: .*", "body withheld", message, flags=re.S), ()
        return True


# The logger `AsyncWebhookClient` gets, instead of its own module's.
WEBHOOK_LOG = logging.getLogger("adapters.slack.response_url")
if not any(isinstance(f, WithholdResponseUrls) for f in WEBHOOK_LOG.filters):
    WEBHOOK_LOG.addFilter(WithholdResponseUrls())


def _tagged(messages: Any, key: str) -> str | None:
    """The ts of the message tagged with the reply's `key` (`REPLY_EVENT` metadata)."""
    for message in messages if isinstance(messages, list) else []:
        metadata = message.get("metadata") if isinstance(message, dict) else None
        if not isinstance(metadata, dict) or metadata.get("event_type") != REPLY_EVENT:
            continue
        payload = metadata.get("event_payload")
        if isinstance(payload, dict) and payload.get("key") == key and message.get("ts"):
            return str(message["ts"])
    return None


def classify(error: SlackApiError) -> DeliveryRetry | DeliveryFailed:
    """Slack's answer → the core's retry-or-give-up decision."""
    response = error.response
    status = getattr(response, "status_code", 200) or 200
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    code = str(data.get("error") or f"http_{status}")
    if status == 429 or code == "ratelimited":
        return DeliveryRetry(
            f"slack: {code}", after=retry_after(response.headers), rate_limited=True
        )
    if status >= 500 or code in TRANSIENT:
        return DeliveryRetry(f"slack: {code}", after=SERVER_ERROR_WAIT)
    return DeliveryFailed(f"slack: {code}")


class SlackOutlet:
    """Implements `bot.ports.Outlet` for Slack."""

    platform = Platform.SLACK

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        response_urls: ResponseUrls | None = None,
        handles: ReplyHandles | None = None,
        webhook_timeout: int = 10,
        clients: Clients | None = None,
        history: HistoryBudget | None = None,
    ) -> None:
        """`response_urls`: those this process received; `handles`: those stored with
        the events, which any process received (see `adapters.slack.interactions`).
        `clients`: each workspace's own (`adapters.slack.workspace_clients`); without
        them `client` serves every workspace. `history`: the workspaces' history budgets,
        shared with the message source."""
        self.client = client
        self.clients = clients if clients is not None else OneClient(client)
        self.response_urls = response_urls if response_urls is not None else ResponseUrls()
        self.handles = handles
        self.webhook_timeout = webhook_timeout
        self._dm_channels: dict[str, str] = {}
        self.history = (
            history if history is not None else HistoryBudget.for_distribution("internal")
        )
        # A look-up that had to wait: the reply's key → where it goes on (cursor, pages read).
        self._lookups: OrderedDict[str, tuple[str, int]] = OrderedDict()

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        try:
            return await self._deliver(delivery)
        except (DeliveryRetry, DeliveryFailed):
            raise
        except SlackApiError as error:
            raise classify(error) from error
        except render.RenderError as error:
            raise DeliveryFailed(f"cannot render for Slack: {error}") from error
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise DeliveryRetry(f"network: {type(error).__name__}", NETWORK_ERROR_WAIT) from error
        except SlackClientError as error:  # e.g. an upload URL that answered non-200
            raise DeliveryRetry(f"slack client: {error}", SERVER_ERROR_WAIT) from error

    async def _deliver(self, delivery: Delivery) -> MessageRef | None:
        reply = delivery.reply
        thread_ts = delivery.thread.id if delivery.thread is not None else None
        if isinstance(reply, Post):
            return await self._post(
                reply.channel, render.message(reply.text, reply.buttons), thread_ts, delivery
            )
        if isinstance(reply, Direct):
            channel = await self._dm_channel(reply.user)
            return await self._post(
                channel, render.message(reply.text, reply.buttons), None, delivery
            )
        if isinstance(reply, GroupDirect):
            channel = await self._group_channel(reply.users)
            return await self._post(
                channel, render.message(reply.text, reply.buttons), None, delivery
            )
        if isinstance(reply, Ephemeral):
            await self._ephemeral(reply, delivery, thread_ts)
            return None
        if isinstance(reply, Edit):
            target = delivery.target
            if target is None:
                raise DeliveryFailed("edit without a target message")
            client = await self._client(target.channel.workspace)
            await client.chat_update(
                channel=target.channel.id, ts=target.id, **render.message(reply.text, reply.buttons)
            )
            return target
        if isinstance(reply, File):
            channel = await self._dm_channel(reply.user) if reply.user else reply.channel
            client = await self._client(channel.workspace)
            await client.files_upload_v2(
                channel=channel.id,
                content=reply.content,
                filename=reply.filename,
                title=reply.title or reply.filename,
                alt_txt=reply.alt[:1000] or None,
            )
            return None
        raise DeliveryFailed(f"Slack cannot show a {type(reply).__name__}")

    async def _client(self, workspace: WorkspaceRef) -> AsyncWebClient:
        """The client with `workspace`'s own token.  A workspace alsbot is no longer
        installed in will never take the reply: the row is dropped, not retried."""
        client = await self.clients.for_team(workspace.id)
        if client is None:
            raise DeliveryFailed("slack: not installed")
        return client

    async def _post(
        self,
        channel: ChannelRef,
        kwargs: dict[str, Any],
        thread_ts: str | None,
        delivery: Delivery,
    ) -> MessageRef:
        key = delivery.key
        if key and delivery.maybe_delivered:
            found = await self._already_posted(channel, thread_ts, key, delivery.created_at)
            if found is not None:
                log.info("reply %s was already in %s; not posting it again", key, channel.id)
                return found
        if key:
            kwargs = {
                **kwargs,
                "metadata": {"event_type": REPLY_EVENT, "event_payload": {"key": key}},
            }
        client = await self._client(channel.workspace)
        response = await client.chat_postMessage(
            channel=channel.id,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **kwargs,
        )
        return MessageRef(channel, str(response["ts"]))

    async def _already_posted(
        self, channel: ChannelRef, thread_ts: str | None, key: str, created_at: datetime | None
    ) -> MessageRef | None:
        """The message an earlier attempt posted for `key`, if Slack has it.  Slack returns
        metadata only when asked (`include_all_metadata`); a thread reply is not in the
        channel's history, only in `conversations.replies`.

        Pages of `LOOKUP_PAGE`, newest first, back to `created_at - LOOKUP_SKEW` (`oldest`)
        and at most `LOOKUP_PAGES` of them, stopping at the first match.  Each page spends
        the workspace's history budget: when it is spent the reply waits
        (`DeliveryRetry(rate_limited=True)`, uncounted) and goes on from the page it
        reached (`self._lookups`), so a busy channel read at one page a minute still ends."""
        method = REPLIES if thread_ts else HISTORY
        team, client = channel.workspace.id, await self._client(channel.workspace)
        window: dict[str, Any] = {
            "limit": self.history.limit(LOOKUP_PAGE),
            "include_all_metadata": True,
        }
        if created_at is not None:
            window["oldest"] = f"{(created_at - LOOKUP_SKEW).timestamp():.6f}"
        cursor, pages = self._lookups.pop(key, ("", 0))
        while pages < LOOKUP_PAGES:
            wait = self.history.take(team, method, key)
            if wait > 0:  # Slack's pace, not a failure: try the reply later, from here
                self._remember_lookup(key, cursor, pages)
                raise DeliveryRetry(f"slack: {method} budget spent", after=wait, rate_limited=True)
            page = {**window, "cursor": cursor} if cursor else window
            try:
                if thread_ts:
                    response = await client.conversations_replies(
                        channel=channel.id, ts=thread_ts, **page
                    )
                else:
                    response = await client.conversations_history(channel=channel.id, **page)
            except SlackApiError as error:
                verdict = classify(error)
                if isinstance(verdict, DeliveryRetry):
                    # Slack is slow or unwell (429, 5xx; a timeout or a dropped connection
                    # propagates the same way): the post would likely fail too, so try the
                    # whole reply later, still looking first, as any failed post is retried.
                    if verdict.rate_limited:
                        self.history.hold(team, method, verdict.after)
                    self._remember_lookup(key, cursor, pages)
                    raise verdict from error
                # It will never work (no history scope, not in the channel): post anyway,
                # a possible second copy rather than a reply never sent.
                log.info(
                    "cannot look for reply %s in %s (%s); posting it", key, channel.id, verdict
                )
                return None
            except BaseException:
                self._remember_lookup(key, cursor, pages)
                raise
            found = _tagged(response.get("messages"), key)
            if found is not None:
                return MessageRef(channel, found)
            pages += 1
            metadata = response.get("response_metadata")
            following = metadata.get("next_cursor") if isinstance(metadata, dict) else None
            if not following or not isinstance(following, str):
                return None  # the whole window was read
            cursor = following
        log.info("reply %s not in the newest %d pages of %s; posting it", key, pages, channel.id)
        return None

    def _remember_lookup(self, key: str, cursor: str, pages: int) -> None:
        self._lookups[key] = (cursor, pages)
        while len(self._lookups) > LOOKUPS_KEPT:
            self._lookups.popitem(last=False)

    async def _dm_channel(self, user: UserRef) -> ChannelRef:
        channel_id = self._dm_channels.get(user.key)
        if channel_id is None:
            client = await self._client(user.workspace)
            response = await client.conversations_open(users=user.id)
            channel_id = str(response["channel"]["id"])
            self._dm_channels[user.key] = channel_id
        return ChannelRef(user.workspace, channel_id)

    async def _group_channel(self, users: tuple[UserRef, ...]) -> ChannelRef:
        """The group DM (Slack's mpim) of these people and the bot: `conversations.open`
        with all of them gives the same conversation for the same people, so a retry, or
        a second reply to them, lands in the one conversation."""
        ids = render.group_users(users)
        workspace = users[0].workspace
        channel_id = self._dm_channels.get(f"{workspace.key}:{ids}")
        if channel_id is None:
            client = await self._client(workspace)
            response = await client.conversations_open(users=ids)
            channel_id = str(response["channel"]["id"])
            self._dm_channels[f"{workspace.key}:{ids}"] = channel_id
        return ChannelRef(workspace, channel_id)

    async def _ephemeral(self, reply: Ephemeral, delivery: Delivery, thread_ts: str | None) -> None:
        kwargs = render.message(reply.text, reply.buttons)
        client = await self._client(reply.channel.workspace)  # installed there, first
        url = None if thread_ts else await self._response_url(delivery.cause, reply.user.id)
        if url is not None and await self._via_response_url(url, kwargs):
            return
        try:
            await client.chat_postEphemeral(
                channel=reply.channel.id, user=reply.user.id, thread_ts=thread_ts, **kwargs
            )
        except SlackApiError as error:
            code = (
                error.response.data.get("error") if isinstance(error.response.data, dict) else None
            )
            if code not in EPHEMERAL_TO_DM:
                raise
            log.info("ephemeral in %s failed (%s); sending it as a DM", reply.channel.id, code)
            await self._post(await self._dm_channel(reply.user), kwargs, None, delivery)

    async def _response_url(self, cause: str | None, user_id: str) -> str | None:
        """This process's own url for `cause` (no database call), else the one stored
        with the event by whichever process received it."""
        url = self.response_urls.take(cause, user_id)
        if url is not None or self.handles is None:
            return url
        if cause is None or not cause.startswith(WITH_RESPONSE_URL):
            return None
        return await self.handles.take_use(cause, user_id, MAX_USES)

    async def _via_response_url(self, url: str, kwargs: dict[str, Any]) -> bool:
        """True when Slack took it; False to fall back (expired or used-up url)."""
        hook = AsyncWebhookClient(url, timeout=self.webhook_timeout, logger=WEBHOOK_LOG)
        try:
            response = await hook.send(response_type="ephemeral", replace_original=False, **kwargs)
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise DeliveryRetry(
                f"response_url: {type(error).__name__}", NETWORK_ERROR_WAIT
            ) from error
        if response.status_code == 200:
            return True
        if response.status_code == 429:
            raise DeliveryRetry(
                "response_url: ratelimited", retry_after(response.headers), rate_limited=True
            )
        if response.status_code >= 500:
            raise DeliveryRetry(f"response_url: http_{response.status_code}", SERVER_ERROR_WAIT)
        log.info("response_url refused (%s %s); falling back", response.status_code, response.body)
        return False
