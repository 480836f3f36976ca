"""A Slack workspace for end-to-end tests: the real core, the real adapter, real wire traffic.

`SlackWorld` runs `start_slack` (HTTP or Socket Mode) against the Web API stand-in and
plays the people: their slash commands, button clicks and messages are built and signed
exactly as Slack builds them and sent over loopback; what they see is read back from what
the bot posted to the stand-in.  Core time is a `FakeClock`; `wait` fires each timer at
its own moment, so no test sleeps.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from adapters.slack.service import SlackService, start_slack
from adapters.slack.translate import BotIdentity
from adapters.slack.workspaces import Workspaces
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.router import Router
from bot.store.models import Inbox
from testkit.slack import signing as sign
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import Message, SlackWebApi, dm_channel
from testkit.timeline import advance

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# Every payload shape Slack documents (shared/fixtures, beside the project), values blanked.
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "slack-payload-shapes"
if not CORPUS.exists():  # a checkout elsewhere on this machine (CI clones to a temp dir)
    CORPUS = Path("/work/shared/fixtures/slack-payload-shapes")
CORPUS_EVENTS = sorted((CORPUS / "events").glob("*.json"))
CORPUS_BACKEND = sorted((CORPUS / "app-backend").glob("*.json"))
IDENTITY = BotIdentity(sign.TEAM, "UBOT", "BBOT")
SET = "C0SET"


@dataclass
class Answer:
    """What Slack got back: HTTP status and body (or the Socket Mode ack) and how fast."""

    status: int
    body: str
    seconds: float

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def slack_config(api: SlackWebApi, db_url: str, mode: str = "http", **extra: str) -> Config:
    env = {
        "ALSBOT_DATABASE_URL": db_url,
        "ALSBOT_SLACK_ENABLED": "true",
        "ALSBOT_SLACK_MODE": mode,
        "ALSBOT_SLACK_API_BASE_URL": api.url,
        "ALSBOT_SLACK_PORT": "0",
        "ALSBOT_SLACK_CHANNEL_RATE_PER_SECOND": "0",
        "SLACK_BOT_TOKEN": api.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": api.app_token,
        **extra,
    }
    return load_config(None, env)


class SlackWorld:
    def __init__(
        self,
        api: SlackWebApi,
        bot: Alsbot,
        service: SlackService,
        socket: SocketModeServer | None,
    ) -> None:
        self.api = api
        self.bot = bot
        self.service = service
        self.socket = socket
        self.http = aiohttp.ClientSession()
        self.askers: dict[str, str] = {}  # trigger_id → who typed the command / clicked

    @classmethod
    async def open(
        cls,
        api: SlackWebApi,
        db_url: str,
        clock: FakeClock,
        *,
        mode: str = "http",
        socket: SocketModeServer | None = None,
        router: Router | None = None,
        workspaces: Workspaces | None = None,
    ) -> SlackWorld:
        """`workspaces`: the bot serves those (each with its own token, as OAuth installs
        are served) instead of `SLACK_BOT_TOKEN`'s one workspace."""
        bot = await Alsbot.open(slack_config(api, db_url, mode), clock=clock, router=router)
        if mode == "socket":
            assert socket is not None, "Socket Mode needs the Socket Mode stand-in"
            api.socket_mode_url = socket.url
        service = await start_slack(bot, bot.config, workspaces=workspaces)
        if socket is not None:
            await socket.wait_connected()
        return cls(api, bot, service, socket if mode == "socket" else None)

    async def close(self) -> None:
        await self.http.close()
        await self.service.stop()
        await self.bot.close()

    @property
    def clock(self) -> FakeClock:
        assert isinstance(self.bot.clock, FakeClock)
        return self.bot.clock

    # ------------------------------------------------------------------ transport

    async def send_http(self, body: str, headers: dict[str, str]) -> Answer:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with self.http.post(self.service.url, data=body, headers=headers) as response:
            text = await response.text()
            return Answer(response.status, text, loop.time() - started)

    async def _deliver(self, kind: str, payload: dict[str, Any], **http: Any) -> Answer:
        if self.socket is not None:
            envelope = await self.socket.send(
                kind, payload, retry_attempt=http.get("retry_num") or 0
            )
            ack = await self.socket.wait_ack(envelope)
            body = json.dumps(ack.payload) if ack.payload else ""
            return Answer(200, body, self.socket.ack_delay(envelope))
        if kind == "events_api":
            body = json.dumps(payload)
            return await self.send_http(body, sign.signed_headers(SECRET, body, **http))
        body = sign.form_body(payload) if kind == "slash_commands" else sign.payload_body(payload)
        return await self.send_http(body, sign.form_headers(SECRET, body, **http))

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        shared_as: str | None = None,
        workspace: str = sign.TEAM,
    ) -> Answer:
        """Send an event; `shared_as` sends it from a Slack Connect channel whose envelope
        Slack named after that team (see `signing.shared_envelope`); `workspace`: the
        installation it is delivered for (another of `api.add_workspace`'s)."""
        if shared_as is None:
            bot_user = self.api.teams[workspace][1] if workspace in self.api.teams else "UBOT"
            envelope = sign.event_envelope(
                event, event_id=event_id, team_id=workspace, bot_user_id=bot_user
            )
        else:
            envelope = sign.shared_envelope(event, envelope_team=shared_as, event_id=event_id)
        return await self._deliver("events_api", envelope, retry_num=retry_num)

    async def command(
        self,
        user: str,
        text: str,
        *,
        channel: str = SET,
        trigger_id: str | None = None,
        team: str = sign.TEAM,
        channel_name: str = "als-set",
    ) -> Answer:
        """`/als <text>` typed by `user`; `team` is the `team_id` the form carries (for a
        Slack Connect guest, possibly their own organisation's); a group DM's
        `channel_name` is `mpdm-…`."""
        trigger_id = trigger_id or sign.new_id("trig.")
        self.askers[trigger_id] = user
        fields = sign.slash_command_fields(
            text=text,
            user_id=user,
            channel_id=channel,
            team_id=team,
            trigger_id=trigger_id,
            response_url=self.api.response_url(trigger_id),
            channel_name=channel_name,
        )
        return await self._deliver("slash_commands", fields)

    async def submit_form(
        self,
        user: str,
        answers: dict[str, str | None],
        *,
        view: dict[str, Any] | None = None,
        team: str = sign.TEAM,
    ) -> Answer:
        """`user` fills in and sends the newest modal the bot opened (or `view`)."""
        opened = view if view is not None else self.api.modals[-1]
        payload = sign.view_submission_payload(
            user_id=user, view=opened, answers=answers, team_id=team
        )
        return await self._deliver("interactive", payload)

    async def react(
        self,
        user: str,
        message: Message,
        *,
        emoji: str = "white_check_mark",
        channel: str = SET,
        shared_as: str | None = None,
        workspace: str = sign.TEAM,
    ) -> Answer:
        """`user` adds a reaction to a message Slack holds (`reaction_added` carries no
        team for the reactor, in a shared channel or not)."""
        event = sign.reaction_event(
            "reaction_added",
            user=user,
            reaction=emoji,
            channel=channel,
            ts=message.ts,
            item_user=message.user,
        )
        return await self.event(event, shared_as=shared_as, workspace=workspace)

    # ------------------------------------------------------------------ people

    async def say(
        self,
        user: str,
        text: str,
        *,
        thread: bool = True,
        channel: str = SET,
        team: str = sign.TEAM,
        shared_as: str | None = None,
        workspace: str = sign.TEAM,
    ) -> Answer:
        """A person posts in the round's thread (or the channel): it exists in Slack, and
        Slack sends the `message` event.  `team` is the person's own organisation (a Slack
        Connect guest's); `shared_as` sends it as from a shared channel; `workspace` is
        the installation (another of `api.add_workspace`'s)."""
        thread_ts = self.header(channel).ts if thread else None
        message = self.api.seed_message(channel, text, user=user, thread_ts=thread_ts)
        event = sign.message_event(
            user=user, channel=channel, text=text, ts=message.ts, thread_ts=thread_ts, team=team
        )
        if workspace != sign.TEAM and team == sign.TEAM:  # one of that workspace's people
            event["team"] = workspace
        return await self.event(event, shared_as=shared_as, workspace=workspace)

    async def dm(self, user: str, text: str, *, workspace: str = sign.TEAM) -> Answer:
        channel = dm_channel(user)
        message = self.api.seed_message(channel, text, user=user)
        event = sign.message_event(
            user=user, channel=channel, text=text, ts=message.ts, channel_type="im"
        )
        event["team"] = workspace
        return await self.event(event, workspace=workspace)

    async def save_as_do(self, user: str, message: Message, *, channel: str = SET) -> Answer:
        """`user` chooses "Save as do" from a message's menu: Slack sends the message along
        (its `thread_ts` when it is a reply) and a `response_url` for the answer."""
        trigger_id = sign.new_id("trig.")
        self.askers[trigger_id] = user
        payload = sign.message_shortcut_payload(
            user_id=user,
            channel_id=channel,
            message=message.as_slack(),
            trigger_id=trigger_id,
            response_url=self.api.response_url(trigger_id),
        )
        return await self._deliver("interactive", payload)

    def buttons(self, message: Message) -> list[dict[str, Any]]:
        return [
            element
            for block in message.blocks or []
            if block.get("type") == "actions"
            for element in block["elements"]
        ]

    async def press(
        self,
        user: str,
        label: str,
        *,
        channel: str = SET,
        team: str | None = None,
        workspace: str = sign.TEAM,
    ) -> Answer:
        """Click the newest visible button with this label, as Slack reports a click
        (`team`: the clicker's own organisation, a Slack Connect guest's; `workspace`:
        the installation whose message holds the button)."""
        for message in reversed(self.api.messages.get(channel, [])):
            for button in self.buttons(message):
                if button["text"]["text"] == label:
                    trigger_id = sign.new_id("trig.")
                    self.askers[trigger_id] = user
                    payload = sign.block_actions_payload(
                        user_id=user,
                        channel_id=channel,
                        action_id=button["action_id"],
                        value=button.get("value", ""),
                        message_ts=message.ts,
                        team_id=workspace,
                        user_team_id=team or workspace,
                        trigger_id=trigger_id,
                        response_url=self.api.response_url(trigger_id),
                        label=label,
                    )
                    return await self._deliver("interactive", payload)
        raise AssertionError(f"no [{label}] button in {channel}")

    async def press_private(self, user: str, label: str, *, channel: str = SET) -> Answer:
        """Click the newest button with this label in what only `user` saw (an ephemeral,
        or a `response_url` answer), as Slack reports a click on an ephemeral message."""
        seen = [e for e in self.api.ephemerals if e.get("user") == user]
        seen += [r for r in self.api.responses if self.askers.get(r["key"]) == user]
        for said in reversed(seen):
            blocks = said.get("blocks") or []
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            for block in blocks:
                for button in block.get("elements", []) if block.get("type") == "actions" else []:
                    if button["text"]["text"] != label:
                        continue
                    trigger_id = sign.new_id("trig.")
                    self.askers[trigger_id] = user
                    payload = sign.block_actions_payload(
                        user_id=user,
                        channel_id=channel,
                        action_id=button["action_id"],
                        value=button.get("value", ""),
                        message_ts="1767225600.000001",
                        trigger_id=trigger_id,
                        response_url=self.api.response_url(trigger_id),
                        label=label,
                        is_ephemeral=True,
                    )
                    return await self._deliver("interactive", payload)
        raise AssertionError(f"no private [{label}] button for {user}")

    # ------------------------------------------------------------------ what people see

    def header(self, channel: str = SET) -> Message:
        """The newest round header in the channel."""
        for message in reversed(self.api.messages.get(channel, [])):
            if message.user in self.api.bot_users and message.thread_ts is None:
                if "Action Learning session" in message.text:
                    return message
        raise AssertionError("no round header was posted")

    def thread(self, channel: str = SET) -> list[str]:
        root = self.header(channel).ts
        return [
            m.text
            for m in self.api.messages.get(channel, [])
            if m.thread_ts == root and m.user in self.api.bot_users
        ]

    def private(self, user: str) -> list[str]:
        """What only `user` saw: ephemerals, response_url answers and DMs."""
        seen = [e["text"] for e in self.api.ephemerals if e.get("user") == user]
        seen += [r["text"] for r in self.api.responses if self.askers.get(r["key"]) == user]
        dm = dm_channel(user)
        seen += [m.text for m in self.api.messages.get(dm, []) if m.user in self.api.bot_users]
        return seen

    def everything_sent(self) -> list[str]:
        """Every text and block the bot sent anywhere, as JSON, for escaping checks."""
        out = []
        for call in self.api.calls:
            if call.method.startswith(("chat.", "views.", "response_url")):
                out.append(json.dumps(call.args, ensure_ascii=False))
        return out

    # ------------------------------------------------------------------ the core

    async def settle(self) -> None:
        await self.bot.settle()

    async def inbox_count(self) -> int:
        table = Inbox.__table__
        async with self.bot.store.read() as conn:
            return (await conn.execute(select(func.count()).select_from(table))).scalar_one()

    async def inbox_has(self, key: str) -> bool:
        table = Inbox.__table__
        async with self.bot.store.read() as conn:
            row = (await conn.execute(select(table.c.id).where(table.c.key == key))).first()
        return row is not None

    async def wait(self, delta: timedelta) -> None:
        """Move core time forward, firing each due timer at its own moment."""
        await advance(self.bot, delta)
