"""HTTP mode's fast path for Events API deliveries (`event_callback`), beside Bolt.

Most of what alsbot receives is events, and for each one Bolt's `async_dispatch` builds a
Web API client, runs eight middleware, matches listeners, injects arguments and runs its
listener runner — the larger part of the CPU an acknowledgement costs — only to reach
`Listeners.on_event`.  Here a verified envelope goes to `Listeners.take_event` directly.
`server.SlackHttpServer` has verified the signature (slack_sdk's `SignatureVerifier`) and
the core's refusal before this is asked; everything but a plain `event_callback` is still
Bolt's (url_verification, ssl_check, app_rate_limited, commands, interactivity).

What Bolt's chain does with an `event_callback` in this app, and how the answer here is
the same (`tests/adapters/slack/test_event_fast_path.py` sends each case both ways):

- the body: Bolt parses JSON when it starts with `{` (whatever the Content-Type); any
  other body, and any a JSON parse refuses, is Bolt's;
- `SslCheck` answers a body with `ssl_check=1` without a listener: Bolt's;
- `RequestVerification` is off (`build_bolt_app`); the server verified;
- Bolt reads its context (team, user, channel…) from the body, and a body whose fields
  make that raise is refused by the server with 400: the same reading is done here
  (`build_async_context`), and such a body is Bolt's;
- `before_authorize` shows the body to `EventsSeen`: done here too, first;
- `authorize` is alsbot's own: it asks `Workspaces` for the envelope's workspace
  (`authorizations[0]` first, as Bolt reads it: in a Slack Connect channel the envelope's
  `team_id` may be another organisation's) and the same question is asked here; a
  workspace alsbot is not installed in is acknowledged (200) and ignored, where Bolt
  answers 200 too, with a note no one reads; Bolt does not ask for `app_uninstalled` and
  `tokens_revoked` (`no_auth_test_events`), nor is it required here.  The workspace's
  identity feeds the next check and the translation;
- `IgnoringSelfEvents` acknowledges an event by the bot itself (its user or bot id, but
  not for `member_joined_channel`/`member_left_channel`, nor for the events Bolt
  authorizes without the bot's ids) without a listener: Bolt's own predicate is applied
  here to the same result.  `translate` ignores the bot's messages and reactions as well
  (and every message with a `bot_id`); the check stays because Bolt's is wider: an
  `app_home_opened` by the bot's user would otherwise publish a Home tab;
- `UrlVerification`, `AttachingFunctionToken` and the `app_rate_limited` middleware do
  nothing for an `event_callback`;
- the listener `app.event(ANY)` matches every event whose `type` is a string; an event
  without one is Bolt's (its 404); its `AttachingConversationKwargs` raises for an
  assistant event that names no channel and thread (Bolt's 500): such a body is Bolt's;
- the listener runner answers 200 and an empty body once `take_event` returned (the
  event is in the inbox), `on_error`'s 503 for `StoreUnavailable`, and 500 for anything
  else — here with one line, not a traceback;
- `X-Slack-Retry-Num` means nothing to Bolt: a retry carries the same `event_id`, so
  `submit` finds its key and it is acknowledged with no second effect;
- `X-Slack-Bolt-Lazy-Only`/`-Function-Name` are Bolt's own headers for lazy listeners
  (Slack never sends them; alsbot has none): such a request is Bolt's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.assistant.internals import has_channel_id_and_thread_ts
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.authorization.internals import no_auth_test_events
from slack_bolt.middleware.ignoring_self_events import IgnoringSelfEvents
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.payload_utils import is_assistant_event

from adapters.slack.bolt_app import Listeners, authorized
from adapters.slack.events_seen import EventsSeen
from adapters.slack.workspaces import Workspace, Workspaces
from bot.store.file_guard import StoreUnavailable

log = logging.getLogger(__name__)
LAZY_HEADERS = ("x-slack-bolt-lazy-only", "x-slack-bolt-lazy-function-name")


class EventCallbacks:
    """Answers a verified `event_callback` as Bolt would, without Bolt's dispatch."""

    def __init__(
        self,
        listeners: Listeners,
        workspaces: Workspaces,
        events_seen: EventsSeen | None = None,
    ) -> None:
        self.listeners = listeners
        self.workspaces = workspaces
        self.events_seen = events_seen
        self.answered = 0  # requests answered here: the tests' and the curious' count

    async def __call__(self, text: str, headers: Mapping[str, str]) -> int | None:
        """The HTTP status for a verified request, or None when it is Bolt's to answer."""
        found = self.envelope(text, headers)
        if found is None:
            return None
        body, context = found
        self.answered += 1
        try:
            if self.events_seen is not None:
                await self.events_seen.note(body)
            workspace = None
            if body["event"]["type"] not in no_auth_test_events:  # Bolt asks no one for these
                # The workspace Bolt's `authorize` would be asked about.
                workspace = await self.workspaces.find(context.team_id, context.enterprise_id)
                if workspace is None:
                    log.debug("an event for %s, where alsbot is not installed", context.team_id)
                    return 200
                if self.by_the_bot(body, context.user_id, workspace):
                    return 200
            await self.listeners.take_event(
                body, workspace.identity if workspace is not None else None
            )
        except StoreUnavailable:  # the core has said so once; Slack retries it later
            return 503
        except Exception as error:  # by its type: a message can quote the person's words
            log.error("an event could not be taken in: %s (answered 500)", type(error).__name__)
            log.debug("the failure in full", exc_info=error)
            return 500
        return 200

    def envelope(
        self, text: str, headers: Mapping[str, str]
    ) -> tuple[dict[str, Any], AsyncBoltContext] | None:
        """The parsed body, and the context Bolt would read from it (team, enterprise,
        user), when Bolt would run `on_event` on it and nothing else; None when it is
        Bolt's to answer."""
        if not text.startswith("{") or any(name in headers for name in LAZY_HEADERS):
            return None
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):  # Bolt's reading raises the same: a 400
            return None
        if not isinstance(body, dict) or body.get("type") != "event_callback":
            return None
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return None
        if "ssl_check" in body and body["ssl_check"] == "1":
            return None
        try:
            context = build_async_context(AsyncBoltContext(), body)  # Bolt's own reading
            if context.channel_id is not None and is_assistant_event(body):
                # What `AttachingConversationKwargs` needs, or it raises.
                if not has_channel_id_and_thread_ts(event) and (
                    event.get("channel") is None or event.get("thread_ts") is None
                ):
                    return None
        except Exception:  # as Bolt's would: a 400 or a 500 that Bolt gives itself
            return None
        return body, context

    def by_the_bot(self, body: dict[str, Any], user_id: str | None, workspace: Workspace) -> bool:
        # What alsbot's `authorize` gives Bolt for this workspace (`build_bolt_app`).
        result: AuthorizeResult = authorized(workspace)
        return bool(
            IgnoringSelfEvents._is_self_event(result, user_id, body["event"].get("bot_id"), body)
        )
