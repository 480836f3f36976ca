"""Drive the real core like a platform would: events in, replies out, time under control.

A `Harness` is an `Alsbot` on a real SQLite file with a `FakeClock` and a recording outlet
on the console platform. It tracks the round header so tests can talk in its thread.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from adapters.console.script import linked
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.events import ButtonPressed, CommandInvoked, DirectMessage, MessagePosted
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.replies import Button, Direct, Edit, Ephemeral, Post, Reply
from testkit.config import make_config
from testkit.recording import CONSOLE, RecordingOutlet
from testkit.timeline import advance

WS = CONSOLE
GENERAL = ChannelRef(WS, "general")


def u(name: str, ws: WorkspaceRef = WS) -> UserRef:
    return UserRef(ws, name)


class Harness:
    def __init__(self, app: Alsbot, outlet: RecordingOutlet) -> None:
        self.app = app
        self.outlet = outlet
        self._seq = itertools.count(1)
        self._seen = 0

    @classmethod
    async def open(cls, url: str, clock: FakeClock, **env: str) -> Harness:
        app = await Alsbot.open(make_config(url, **env), clock=clock)
        outlet = RecordingOutlet(platform=Platform.CONSOLE)
        app.attach(outlet)
        return cls(app, outlet)

    async def close(self) -> None:
        await self.app.close()

    @property
    def clock(self) -> FakeClock:
        assert isinstance(self.app.clock, FakeClock)
        return self.app.clock

    def key(self) -> str:
        return f"test:{next(self._seq)}"

    def new(self) -> list[Reply]:
        """Replies delivered since the last call."""
        out = self.outlet.replies()[self._seen :]
        self._seen = len(self.outlet.sent)
        return out

    async def cmd(
        self, who: str, text: str, channel: ChannelRef = GENERAL, ws: WorkspaceRef = WS
    ) -> list[Reply]:
        """`/als <text>` as the console adapter hands it over: `@name` linked as `<@name>`."""
        await self.app.handle(
            CommandInvoked(key=self.key(), user=u(who, ws), channel=channel, text=linked(text))
        )
        return self.new()

    def header(self) -> MessageRef:
        for delivery in reversed(self.outlet.sent):
            reply = delivery.reply
            if isinstance(reply, Post) and reply.handle and reply.handle.endswith(":header"):
                return MessageRef(reply.channel, str(self.outlet.sent.index(delivery) + 1))
        raise AssertionError("no round header was posted")

    async def say(self, who: str, text: str, *, in_thread: bool = True) -> list[Reply]:
        n = next(self._seq)
        message = MessageRef(GENERAL, f"u{n}")
        await self.app.handle(
            MessagePosted(
                key=f"test:msg:{n}",
                user=u(who),
                channel=GENERAL,
                message=message,
                text=text,
                thread=self.header() if in_thread else None,
            )
        )
        return self.new()

    async def dm(self, who: str, text: str) -> list[Reply]:
        n = next(self._seq)
        channel = ChannelRef(WS, f"dm-{who}")
        await self.app.handle(
            DirectMessage(
                key=f"test:dm:{n}",
                user=u(who),
                channel=channel,
                message=MessageRef(channel, f"d{n}"),
                text=text,
            )
        )
        return self.new()

    def button(self, label: str, *, who: str | None = None) -> Button:
        for reply in reversed(self.outlet.replies()):
            if isinstance(reply, Ephemeral) or (
                isinstance(reply, Direct) and who and reply.user.id != who
            ):
                continue
            for b in getattr(reply, "buttons", ()):
                if b.label == label:
                    return b
        raise AssertionError(f"no [{label}] button visible")

    async def press(self, who: str, label: str, ws: WorkspaceRef = WS) -> list[Reply]:
        b = self.button(label, who=who)
        await self.app.handle(
            ButtonPressed(
                key=self.key(),
                user=u(who, ws),
                channel=GENERAL,
                action_id=b.action_id,
                value=b.value,
            )
        )
        return self.new()

    async def wait(self, delta: timedelta) -> list[Reply]:
        """Move time forward, firing each due timer at its own moment."""
        await advance(self.app, delta)
        return self.new()


def texts(replies: list[Reply]) -> list[str]:
    return [r.text.plain() for r in replies if hasattr(r, "text")]


def private_to(replies: list[Reply], who: str) -> list[str]:
    return [
        r.text.plain() for r in replies if isinstance(r, (Ephemeral, Direct)) and r.user.id == who
    ]


def public(replies: list[Reply]) -> list[str]:
    return [r.text.plain() for r in replies if isinstance(r, (Post, Edit))]
