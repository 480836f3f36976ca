"""Look-alike chat worlds on one core: each a workspace (Slack team or Discord guild) with
channel `C1` and people `U1`, `U2`, … driven as the adapters would drive the core, with a
recording outlet per platform so replies can be rendered by that platform's renderer."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from bot.events import CommandInvoked, MessagePosted, ReactionAdded
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.replies import Post, Reply
from testkit.harness import Harness
from testkit.recording import RecordingOutlet


@dataclass(frozen=True)
class World:
    ws: WorkspaceRef
    marker: str
    prefix: str = "U"  # people are `U1`, `U2`… (Discord worlds may use snowflakes)

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.ws, "C1")

    def user(self, n: int) -> UserRef:
        return UserRef(self.ws, f"{self.prefix}{n}")


_keys = itertools.count(1)


class Driver:
    """The core with a recording outlet per platform, driven as the adapters would."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.outlets = {p: RecordingOutlet(platform=p) for p in (Platform.SLACK, Platform.DISCORD)}
        for outlet in self.outlets.values():
            h.app.attach(outlet)
        self.seen = {p: 0 for p in self.outlets}

    def new(self, w: World) -> list[Reply]:
        outlet = self.outlets[w.ws.platform]
        out = [d.reply for d in outlet.sent[self.seen[w.ws.platform] :]]
        self.seen[w.ws.platform] = len(outlet.sent)
        return out

    async def cmd(
        self, w: World, who: int, text: str, *, ws: WorkspaceRef | None = None
    ) -> list[Reply]:
        user = UserRef(ws or w.ws, w.user(who).id)
        await self.h.app.handle(
            CommandInvoked(key=f"iso:{next(_keys)}", user=user, channel=w.channel, text=text)
        )
        return self.new(w)

    def header(self, w: World) -> MessageRef:
        sent = self.outlets[w.ws.platform].sent
        for index in range(len(sent) - 1, -1, -1):
            reply = sent[index].reply
            if (
                isinstance(reply, Post)
                and reply.channel == w.channel
                and (reply.handle or "").endswith(":header")
            ):
                return MessageRef(w.channel, str(index + 1))
        raise AssertionError("no header")

    async def say(self, w: World, who: int, text: str) -> list[Reply]:
        n = next(_keys)
        await self.h.app.handle(
            MessagePosted(
                key=f"iso:msg:{n}",
                user=w.user(who),
                channel=w.channel,
                message=MessageRef(w.channel, f"m{n}"),
                text=text,
                thread=self.header(w),
            )
        )
        return self.new(w)

    async def react(self, w: World, who: int, author: int, message: str, text: str) -> None:
        await self.h.app.handle(
            ReactionAdded(
                key=f"iso:react:{next(_keys)}",
                user=w.user(who),
                message=MessageRef(w.channel, message),
                emoji="white_check_mark",
                author=w.user(author),
                text=text,
            )
        )
        self.new(w)
