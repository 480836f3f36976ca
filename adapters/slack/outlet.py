"""The Slack outlet: one core reply → one Web API call (or a `response_url` POST).

It decides nothing about retries: Slack's answer is classified into the core's two
exceptions — `DeliveryRetry(after=Retry-After)` for 429s, 5xx pages, Slack's own transient
errors and network trouble; `DeliveryFailed` for what will never work (channel gone, user
deactivated, DMs to a bot) — and the core's delivery loop paces, retries and records.  So
the Web API client here has no rate-limit retry handler on purpose: a sleeping SDK would
hold a delivery lane hostage instead of letting the core release it.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import render
from adapters.slack.interactions import ResponseUrls
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, UserRef
from bot.replies import Direct, Ephemeral, File, Post, Update

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


def retry_after(headers: Any, default: float = 1.0) -> float:
    try:
        value = float((headers or {}).get("Retry-After", default))
    except (TypeError, ValueError):
        return default
    return max(value, 0.0)


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
        webhook_timeout: int = 10,
    ) -> None:
        self.client = client
        self.response_urls = response_urls if response_urls is not None else ResponseUrls()
        self.webhook_timeout = webhook_timeout
        self._dm_channels: dict[str, str] = {}

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
                reply.channel, render.message(reply.text, reply.buttons), thread_ts
            )
        if isinstance(reply, Direct):
            channel = await self._dm_channel(reply.user)
            return await self._post(channel, render.message(reply.text, reply.buttons), None)
        if isinstance(reply, Ephemeral):
            await self._ephemeral(reply, delivery.cause, thread_ts)
            return None
        if isinstance(reply, Update):
            target = delivery.target
            if target is None:
                raise DeliveryFailed("update without a target message")
            await self.client.chat_update(
                channel=target.channel.id, ts=target.id, **render.message(reply.text, reply.buttons)
            )
            return target
        if isinstance(reply, File):
            channel = await self._dm_channel(reply.user) if reply.user else reply.channel
            await self.client.files_upload_v2(
                channel=channel.id,
                content=reply.content,
                filename=reply.filename,
                title=reply.title or reply.filename,
            )
            return None
        raise DeliveryFailed(f"Slack cannot show a {type(reply).__name__}")

    async def _post(
        self, channel: ChannelRef, kwargs: dict[str, Any], thread_ts: str | None
    ) -> MessageRef:
        response = await self.client.chat_postMessage(
            channel=channel.id,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **kwargs,
        )
        return MessageRef(channel, str(response["ts"]))

    async def _dm_channel(self, user: UserRef) -> ChannelRef:
        channel_id = self._dm_channels.get(user.key)
        if channel_id is None:
            response = await self.client.conversations_open(users=user.id)
            channel_id = str(response["channel"]["id"])
            self._dm_channels[user.key] = channel_id
        return ChannelRef(user.workspace, channel_id)

    async def _ephemeral(self, reply: Ephemeral, cause: str | None, thread_ts: str | None) -> None:
        kwargs = render.message(reply.text, reply.buttons)
        url = None if thread_ts else self.response_urls.take(cause, reply.user.id)
        if url is not None and await self._via_response_url(url, kwargs):
            return
        try:
            await self.client.chat_postEphemeral(
                channel=reply.channel.id, user=reply.user.id, thread_ts=thread_ts, **kwargs
            )
        except SlackApiError as error:
            code = (
                error.response.data.get("error") if isinstance(error.response.data, dict) else None
            )
            if code not in EPHEMERAL_TO_DM:
                raise
            log.info("ephemeral in %s failed (%s); sending it as a DM", reply.channel.id, code)
            await self._post(await self._dm_channel(reply.user), kwargs, None)

    async def _via_response_url(self, url: str, kwargs: dict[str, Any]) -> bool:
        """True when Slack took it; False to fall back (expired or used-up url)."""
        hook = AsyncWebhookClient(url, timeout=self.webhook_timeout)
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
