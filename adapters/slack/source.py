"""The Slack `MessageSource`: what a reacted-to message said, and who said it.

`reaction_added` carries only the channel, the ts and the author, but the do's toolkit
needs the text and whether it sits in a round's thread.  The core asks after the event is
durable (never on the acknowledgement path), so a slow Web API costs nothing but latency.
Top-level messages come from `conversations.history`; replies inside a thread only from
`conversations.replies`, hence two tries. Whether a channel is private comes from
`conversations.info`, asked only before `/als start` (`bot.rounds.room`).

A message that is gone is None; one the bot may not read (no history scope, not in the
channel) raises `FetchRefused`, so the reactor is told to use "Save as do"; Slack failing
for now (429 with its `Retry-After`, a 5xx page, a transient `ok:false`, a timeout or a
dropped connection) raises `FetchRetry`, so the core tries the event again later instead
of losing the do.

Each read spends the workspace's history budget (`adapters.slack.history_budget`: one a
minute for a distributed app), and what was read is kept for the undo window
(`adapters.slack.recent_messages`), so a reaction removed and added again reads nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.history_budget import HISTORY, REPLIES, HistoryBudget
from adapters.slack.outlet import classify
from adapters.slack.recent_messages import RecentMessages
from adapters.slack.translate import ID, core_text
from adapters.slack.workspace_clients import Clients, clients_of
from bot.ports import DeliveryRetry, FetchedMessage, FetchRefused, FetchRetry
from bot.refs import ChannelRef, MessageRef, UserRef

log = logging.getLogger(__name__)
GONE = frozenset(
    {"channel_not_found", "thread_not_found", "message_not_found", "not_in_channel", "is_archived"}
)


# Reading refused for good, though the message is there: the reactor can "Save as do".
REFUSED = frozenset(
    {"missing_scope", "not_in_channel", "no_permission", "access_denied", "ekm_access_denied"}
)


class SlackMessageSource:
    def __init__(
        self,
        client: AsyncWebClient | Clients,
        *,
        history: HistoryBudget | None = None,
        recent: RecentMessages | None = None,
    ) -> None:
        """`client`: one for every workspace, or each workspace's own (a workspace alsbot
        is not installed in will not say anything: as if the message were out of sight).
        `history`: the workspace budgets shared with the outlet's look-ups; `recent`: what
        was read lately (see `adapters.slack.recent_messages`), on the budget's clock."""
        self.clients = clients_of(client)
        self.history = (
            history if history is not None else HistoryBudget.for_distribution("internal")
        )
        self.recent = recent if recent is not None else RecentMessages(self.history.clock)

    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None:
        """Read lately: no call.  Otherwise `conversations.history`, then `.replies` for a
        thread reply — or, for a distributed app, `.replies` alone, which answers for any
        message (Slack: "if no replies, just the single message referenced by ts"), so
        one call a do — each within the workspace's budget (`FetchRetry(after=…)` when it
        is spent: the core tries again at this message's slot)."""
        known = self.recent.get(message.key)
        if known is not None:
            return known
        channel, ts, team = message.channel.id, message.id, message.channel.workspace.id
        client = await self.clients.for_team(team)
        if client is None:
            return None
        method = HISTORY
        try:
            found = None
            if not (self.history.replies_only or self.recent.is_reply(message.key)):
                self._spend(team, HISTORY, message.key)
                history = await client.conversations_history(
                    channel=channel, limit=1, latest=ts, oldest=ts, inclusive=True
                )
                found = _with_ts(history.get("messages"), ts)
                if found is None:  # a thread reply, or gone: only `.replies` can say
                    self.recent.note_reply(message.key)
            if found is None:
                method = REPLIES
                self._spend(team, REPLIES, message.key)
                replies = await client.conversations_replies(
                    channel=channel,
                    ts=ts,
                    limit=self.history.limit(2),
                    latest=ts,
                    oldest=ts,
                    inclusive=True,
                )
                found = _with_ts(replies.get("messages"), ts)
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            if data.get("error") in REFUSED:
                raise FetchRefused(f"slack: {data.get('error')}") from error
            if data.get("error") in GONE:
                return None
            verdict = classify(error)
            if isinstance(verdict, DeliveryRetry):
                after = verdict.after if verdict.rate_limited else None
                if after is not None:
                    self.history.hold(team, method, after)
                raise FetchRetry(str(verdict), after=after) from error
            raise
        except (aiohttp.ClientError, TimeoutError) as error:
            raise FetchRetry(f"slack: {type(error).__name__}") from error
        if found is None:
            return None
        fetched = to_fetched(message, found)
        self.recent.put(message.key, fetched)
        return fetched

    def _spend(self, team: str, method: str, key: str) -> None:
        wait = self.history.take(team, method, key)
        if wait > 0:
            raise FetchRetry(f"slack: {method} budget spent in this workspace", after=wait)

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        """`conversations.info`: `is_private` for a channel; a DM or group DM is private.
        None when Slack will not say (the channel out of the bot's sight, a missing scope)."""
        client = await self.clients.for_team(channel.workspace.id)
        if client is None:
            return None
        try:
            answer = await client.conversations_info(channel=channel.id)
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            if data.get("error") in GONE or data.get("error") == "missing_scope":
                return None
            raise
        info = answer.get("channel")
        if not isinstance(info, Mapping):
            return None
        if info.get("is_im") or info.get("is_mpim"):
            return True
        private = info.get("is_private")
        return private if isinstance(private, bool) else None

    async def user_is_admin(self, user: UserRef) -> bool | None:
        """`users.info`: a workspace admin or owner. None when Slack will not say (an
        unknown user, a missing scope); the core then counts them as no admin."""
        client = await self.clients.for_team(user.workspace.id)
        if client is None:
            return None
        try:
            answer = await client.users_info(user=user.id)
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            if data.get("error") in ("user_not_found", "missing_scope", "user_not_visible"):
                return None
            raise
        info = answer.get("user")
        if not isinstance(info, Mapping) or info.get("team_id") not in (None, user.workspace.id):
            return None  # a Slack Connect guest administers their organisation, not this one
        if info.get("is_stranger") is True:
            return None
        return info.get("is_admin") is True or info.get("is_owner") is True

    async def display_name(self, user: UserRef) -> str | None:
        """`users.info`: the name Slack shows (the display name a person chose, else their
        full name), for the set's web pages. None for anything Slack will not say, or
        whatever fails: the page then shows "A member", never the id."""
        client = await self.clients.for_team(user.workspace.id)
        if client is None:
            return None
        try:
            answer = await client.users_info(user=user.id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.info("slack: no display name for a person (%s)", _why(error))
            return None
        info = answer.get("user")
        if not isinstance(info, Mapping):
            return None
        profile = info.get("profile")
        profile = profile if isinstance(profile, Mapping) else {}
        for name in (
            profile.get("display_name"),
            profile.get("real_name"),
            info.get("real_name"),
        ):
            if isinstance(name, str) and name.strip():
                return name.strip()
        return None


def _why(error: Exception) -> str:
    if isinstance(error, SlackApiError) and isinstance(error.response.data, dict):
        return str(error.response.data.get("error") or "error")
    return type(error).__name__


def _with_ts(messages: Any, ts: str) -> Mapping[str, Any] | None:
    if not isinstance(messages, list):
        return None
    for item in messages:
        if isinstance(item, Mapping) and item.get("ts") == ts:
            return item
    return None


def to_fetched(message: MessageRef, raw: Mapping[str, Any]) -> FetchedMessage:
    workspace = message.channel.workspace
    user = raw.get("user")
    author = UserRef(workspace, user) if isinstance(user, str) and ID.match(user) else None
    text = raw.get("text")
    text = text if isinstance(text, str) else ""
    thread_ts = raw.get("thread_ts")
    thread = (
        MessageRef(message.channel, thread_ts)
        if isinstance(thread_ts, str) and thread_ts and thread_ts != message.id
        else None
    )
    is_bot = bool(raw.get("bot_id")) or raw.get("subtype") == "bot_message"
    return FetchedMessage(author=author, text=core_text(text), thread=thread, author_is_bot=is_bot)
