"""HTTP mode: notice when Slack sends `/als` commands but never any events.

Slack verifies an app's Event Subscriptions Request URL once, when the app is created from
its manifest — before alsbot can run there, because alsbot needs that app's tokens — and
never re-checks by itself.  Slash commands and buttons have URLs of their own that need no
verification, so such an app half works: `/als` answers, while thread messages, DMs,
reactions and the Home tab never arrive, and nothing anywhere says why.  The fix is one
click (Event Subscriptions → Retry), so this module says so in the log.

When a command or button arrives for an app and workspace that have never delivered an
Events API request, and still none has arrived `delay` later, one WARNING is logged (once
per workspace and app per process).  "Events seen" is remembered in memory and durably
in `adapter_state` (one row per workspace and app, `slack:events-seen:T…:A…`), so that a
restart, or a second process behind the same proxy that got the events, does not cry wolf.
The app id is part of the key because an app re-created from the manifest gets a new one
and needs its own verification.  The workspace is the installation's (`auth.test`):
alsbot serves one workspace, and a Slack Connect guest's command carries their own team.

A `url_verification` (Slack checking the Request URL, on Retry or when the URL is
changed) is logged at INFO and ends the watch for this process: events can now arrive.

Nothing here runs in Socket Mode, where commands and events share one connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from adapters.slack.tasks import Background
from adapters.slack.translate import ID
from bot.store.models import AdapterState
from bot.store.upsert import insert_ignore

log = logging.getLogger(__name__)
STATE = AdapterState.__table__
PREFIX = "slack:events-seen:"
DELAY = 120.0  # seconds: a verified Request URL brings the bot's own header back within this
ADVICE = (
    "Slack is sending /als commands for workspace %s but no events (thread messages, DMs, "
    "reactions, the Home tab) have reached alsbot in %d minutes: the Event Subscriptions "
    "Request URL is probably not verified. Open https://api.slack.com/apps → the app → "
    "Event Subscriptions and press Retry next to the Request URL (see docs/SLACK.md)"
)

Sleep = Callable[[float], Awaitable[None]]
Now = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class EventsSeen:
    """Which workspaces' apps have delivered events, and a watch for those that have not.

    The first event for a key is recorded before it is acknowledged (one small write per
    key and process, so the row is there once Slack has its answer); a watch runs in a
    task of its own, which `aclose` cancels (a two-minute wait must not hold up a stop).
    """

    def __init__(
        self,
        store: Any,
        team_id: str,
        *,
        delay: float = DELAY,
        sleep: Sleep = asyncio.sleep,
        now: Now = _now,
    ) -> None:
        self.store = store
        self.team_id = team_id
        self.delay = delay
        self.sleep = sleep
        self.now = now
        self.seen: set[str] = set()
        self.watching: set[str] = set()
        self.warned: set[str] = set()
        self.verified = False
        self.tasks = Background()

    def key(self, body: Any) -> str:
        """The `adapter_state` name for this workspace and the payload's app."""
        app = body.get("api_app_id") if isinstance(body, dict) else None
        app = app if isinstance(app, str) and ID.match(app) else "unknown"
        return f"{PREFIX}{self.team_id}:{app}"

    async def note(self, body: Any) -> None:
        """Look at a verified request's body before Bolt acts on it."""
        if not isinstance(body, dict):
            return
        kind = body.get("type")
        if kind == "url_verification":
            self.url_verified()
        elif kind in ("event_callback", "app_rate_limited"):
            await self.event(self.key(body))
        elif kind == "block_actions" or "command" in body:
            self.command(self.key(body))

    def url_verified(self) -> None:
        log.info(
            "Slack verified the Request URL (answered its url_verification challenge); "
            "events can now arrive"
        )
        self.verified = True

    async def event(self, key: str) -> None:
        if key in self.seen:
            return
        self.seen.add(key)
        await self._record(key)

    def command(self, key: str) -> None:
        if self.verified or key in self.seen or key in self.watching or key in self.warned:
            return
        self.watching.add(key)
        self.tasks.spawn(self._watch(key), name="slack-events-watch")

    async def _watch(self, key: str) -> None:
        try:
            if await self._stored(key) is not False:
                return
            await self.sleep(self.delay)
            if self.verified or key in self.seen or await self._stored(key) is not False:
                return
            self.warned.add(key)
            log.warning(ADVICE, self.team_id, round(self.delay / 60))
        finally:
            self.watching.discard(key)

    async def _stored(self, key: str) -> bool | None:
        """Whether any process has recorded events for `key`; None when the database
        cannot say (then no warning: a guess would send the operator on a false errand)."""
        try:
            async with self.store.read() as conn:
                row = (await conn.execute(select(STATE.c.name).where(STATE.c.name == key))).first()
        except Exception as error:
            log.debug("events seen: could not read %s (%s)", key, type(error).__name__)
            return None
        if row is not None:
            self.seen.add(key)
            return True
        return False

    async def _record(self, key: str) -> None:
        values = {"name": key, "value": self.now().isoformat(), "updated_at": self.now()}
        try:
            async with self.store.write() as conn:
                await conn.execute(insert_ignore(STATE, conn.dialect.name, ["name"]), values)
        except Exception as error:  # remembered in memory; the next process asks again
            log.debug("events seen: could not record %s (%s)", key, type(error).__name__)

    async def drain(self) -> None:
        await self.tasks.drain()

    async def aclose(self) -> None:
        await self.tasks.aclose()
