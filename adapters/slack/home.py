"""The App Home tab: my open actions, my sets' next sessions, recent do's.

`app_home_opened` is answered with `views.publish` in the background, never on the
acknowledgement path.  The summary is read, not written: the core has no "home" query
yet, so `StoreHomeReader` reads through the core's own read helpers on a read-only
connection (see the report in docs/SLACK.md: the core should own this query).  The view
itself is pure (`home_view`) and escapes every piece of text people wrote.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import escape
from adapters.slack.workspace_clients import Clients, clients_of
from bot.app import Alsbot
from bot.followup.home import HomeSummary
from bot.refs import Platform, UserRef

log = logging.getLogger(__name__)
MAX_ITEMS = 15


class HomeReader(Protocol):
    async def summary(self, user: UserRef) -> HomeSummary: ...


def _section(body: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": body[:3000], "verbatim": True}}


def home_view(summary: HomeSummary) -> dict[str, Any]:
    """The Home tab's view.  Pure; channel ids come from refs, all text is escaped."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your Action Learning Sets"}},
    ]
    blocks.append(_section("*Your open actions*"))
    if summary.actions:
        lines = [
            f"• {escape(a.text)}{escape(a.due)} — <#{a.channel.id}>"
            for a in summary.actions[:MAX_ITEMS]
        ]
        blocks.append(_section("\n".join(lines)))
    else:
        blocks.append(_section("Nothing open. Actions you commit to in a round show up here."))
    blocks.append({"type": "divider"})
    blocks.append(_section("*Next sessions*"))
    if summary.sessions:
        lines = []
        for s in summary.sessions[:MAX_ITEMS]:
            if s.shown:  # with its end, venue and link
                lines.append(f"• <#{s.channel.id}>: {escape(s.shown)}")
                continue
            local = s.at.astimezone(ZoneInfo(s.timezone))
            when = local.strftime("%A %-d %B %Y, %H:%M")
            lines.append(f"• <#{s.channel.id}>: {escape(when)} ({escape(s.timezone)})")
        blocks.append(_section("\n".join(lines)))
    else:
        blocks.append(_section("No session is scheduled. A facilitator can use `/als schedule`."))
    blocks.append({"type": "divider"})
    blocks.append(_section("*Recent do's*"))
    if summary.dos:
        blocks.append(_section("\n".join(f"• {escape(d)}" for d in summary.dos[:MAX_ITEMS])))
    else:
        blocks.append(_section("No do's saved yet."))
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Type `/als help` in a set's channel."}],
        }
    )
    return {"type": "home", "blocks": blocks}


class HomePublisher:
    """Reads a summary and publishes it; failures are logged, never raised at Slack."""

    def __init__(self, client: AsyncWebClient | Clients, reader: HomeReader | None = None) -> None:
        """`client`: one for every workspace, or each workspace's own."""
        self.clients = clients_of(client)
        self.reader = reader

    async def publish(self, user: UserRef) -> None:
        summary = HomeSummary()
        if self.reader is not None:
            try:
                summary = await self.reader.summary(user)
            except Exception:
                log.exception("reading the Home summary failed; publishing an empty one")
        try:
            client = await self.clients.for_team(user.workspace.id)
            if client is None:
                log.info("no Home tab for a workspace alsbot is not installed in")
                return
            await client.views_publish(user_id=user.id, view=home_view(summary))
        except Exception as error:
            log.warning("views.publish for the Home tab failed: %s", error)


class StoreHomeReader:
    """The core's own summary (`Alsbot.home_summary`), shown on Slack's Home tab."""

    def __init__(self, alsbot: Alsbot) -> None:
        self.alsbot = alsbot

    async def summary(self, user: UserRef) -> HomeSummary:
        if user.workspace.platform != Platform.SLACK:
            return HomeSummary()
        return await self.alsbot.home_summary(user)
