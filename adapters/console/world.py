"""The console's chat world: numbered messages, threads, DMs, and who saw what.

It plays the platform: it stores what was posted so that reactions and buttons can refer
to `#12`, and the outlet prints each reply the way a chat client would show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.ports import Delivery, FetchedMessage
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.replies import Button, Direct, Edit, Ephemeral, File, GroupDirect, Mention, Post, Text

WORKSPACE = WorkspaceRef(Platform.CONSOLE, "local")
CHANNEL = ChannelRef(WORKSPACE, "general")
BOT = "alsbot"


def user(name: str) -> UserRef:
    return UserRef(WORKSPACE, name)


def dm_channel(name: str) -> ChannelRef:
    return ChannelRef(WORKSPACE, f"dm-{name}")


def group_channel(names: tuple[str, ...] | list[str]) -> ChannelRef:
    """One group conversation per set of people, as Slack keeps one mpim per set."""
    return ChannelRef(WORKSPACE, "group-" + "+".join(sorted(set(names))))


@dataclass
class Message:
    number: int
    author: str
    text: str
    channel: ChannelRef
    thread: int | None = None
    buttons: tuple[Button, ...] = ()
    only_for: str | None = None
    handle: str | None = None
    members: tuple[str, ...] = ()  # a group DM's people: only they see it and press its buttons

    @property
    def ref(self) -> MessageRef:
        return MessageRef(self.channel, str(self.number))


def render(text: Text) -> str:
    out = []
    for part in text.parts:
        out.append("@" + part.user.id if isinstance(part, Mention) else part.text)
    return "".join(out)


@dataclass
class ConsoleWorld:
    clock: Clock
    out: TextIO
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    messages: dict[int, Message] = field(default_factory=dict)
    open_thread: int | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    # Where files the bot sends are written, so a person can open them (the report's chart);
    # None keeps them in memory only.
    files_dir: Path | None = None
    # The names people show (a script's `alice` is "Alice" unless given another here).
    names: dict[str, str] = field(default_factory=dict)

    def _next(self) -> int:
        return len(self.messages) + 1

    def stamp(self) -> str:
        return self.clock.now().astimezone(self.tz).strftime("%a %H:%M")

    def add(self, message: Message) -> Message:
        self.messages[message.number] = message
        return message

    def said(
        self, author: str, text: str, *, channel: ChannelRef = CHANNEL, reply_to: int | None = None
    ) -> Message:
        """Someone typed a message: in the thread of `reply_to` when given (its root's, if it
        is itself a reply), else in the open round thread if there is one."""
        thread = self.open_thread if channel == CHANNEL else None
        if reply_to is not None:
            root = self.messages.get(reply_to)
            if root is None or root.channel != channel:
                raise ValueError(f"there is no message #{reply_to} to reply to here")
            thread = root.thread or root.number
        message = self.add(Message(self._next(), author, text, channel, thread))
        indent = "    ↳ " if thread else ""
        where = " (DM to alsbot)" if channel != CHANNEL else ""
        self.print(f"{indent}[#{message.number}] {author}{where}: {text}")
        return message

    def print(self, line: str) -> None:
        self.out.write(f"{self.stamp()}  {line}\n")
        self.out.flush()

    def group_dms(self, *names: str) -> list[Message]:
        """What alsbot said in the group DM of exactly these people, oldest first."""
        channel = group_channel(names)
        return [m for m in self.messages.values() if m.channel == channel]

    def find_button(
        self, who: str, label: str, number: int | None
    ) -> tuple[Message, Button] | None:
        candidates = [self.messages[number]] if number in self.messages else []
        if number is None:
            candidates = sorted(self.messages.values(), key=lambda m: -m.number)
        for message in candidates:
            if message.only_for not in (None, who):
                continue
            if message.members and who not in message.members:
                continue
            for button in message.buttons:
                if button.label.lower() == label.lower():
                    return message, button
        return None


class ConsoleSource:
    """What the core may ask the console's world: a message by its number, and the names
    people show (the set's web pages name people, never by id).  Whether a channel is
    private the console cannot say (None, as a platform that will not say)."""

    def __init__(self, world: ConsoleWorld) -> None:
        self.world = world

    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None:
        found = self.world.messages.get(int(message.id)) if message.id.isdigit() else None
        if found is None or found.channel != message.channel:
            return None
        thread = self.world.messages[found.thread].ref if found.thread else None
        is_bot = found.author == BOT
        return FetchedMessage(
            author=None if is_bot else user(found.author),
            text=found.text,
            thread=thread,
            author_is_bot=is_bot,
        )

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        return None

    async def display_name(self, person: UserRef) -> str | None:
        if person.workspace != WORKSPACE:
            return None
        return self.world.names.get(person.id) or person.id.title()


class ConsoleOutlet:
    """Prints replies as a chat client would, and remembers them as platform messages."""

    platform = Platform.CONSOLE

    def __init__(self, world: ConsoleWorld) -> None:
        self.world = world

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        w = self.world
        reply = delivery.reply
        if isinstance(reply, Edit):
            target = w.messages.get(int(delivery.target.id)) if delivery.target else None
            if target is None:
                return None
            target.text, target.buttons = render(reply.text), reply.buttons
            if target.handle and target.handle.startswith("session:") and not reply.buttons:
                if w.open_thread == target.number:
                    w.open_thread = None
            w.print(
                f"✎ [#{target.number}] now reads: {_one_line(target.text)}{_buttons(target.buttons)}"
            )
            return target.ref
        if isinstance(reply, File):
            w.files.append((reply.filename, reply.content))
            who = f" (only {reply.user.id} sees)" if reply.user else ""
            w.print(f"📎{who} alsbot sent a file: {reply.filename} ({len(reply.content)} bytes)")
            if reply.alt:
                w.print(f"   (image: {_one_line(reply.alt)})")
            if w.files_dir is not None:
                w.files_dir.mkdir(parents=True, exist_ok=True)
                path = w.files_dir / Path(reply.filename).name
                path.write_bytes(reply.content)
                w.print(f"   saved as {path}")
            return None
        thread = int(delivery.thread.id) if delivery.thread else None
        if isinstance(reply, Direct):
            message = w.add(
                Message(
                    w._next(),
                    BOT,
                    render(reply.text),
                    dm_channel(reply.user.id),
                    None,
                    reply.buttons,
                    reply.user.id,
                    reply.handle,
                )
            )
            w.print(
                f"✉ (DM to {reply.user.id}) [#{message.number}] alsbot: {_indent(message.text)}{_buttons(message.buttons)}"
            )
            return message.ref
        if isinstance(reply, GroupDirect):
            names = tuple(sorted({person.id for person in reply.users}))
            message = w.add(
                Message(
                    w._next(),
                    BOT,
                    render(reply.text),
                    group_channel(names),
                    None,
                    reply.buttons,
                    members=names,
                )
            )
            w.print(
                f"✉ [group DM → {', '.join(names)}] [#{message.number}] alsbot: {_indent(message.text)}{_buttons(message.buttons)}"
            )
            return message.ref
        if isinstance(reply, Ephemeral):
            message = w.add(
                Message(
                    w._next(),
                    BOT,
                    render(reply.text),
                    reply.channel,
                    thread,
                    reply.buttons,
                    reply.user.id,
                )
            )
            indent = "    " if thread else ""
            w.print(
                f"{indent}🔒 (only {reply.user.id} sees) alsbot: {_indent(message.text)}{_buttons(message.buttons)}"
            )
            return message.ref
        assert isinstance(reply, Post)
        message = w.add(
            Message(
                w._next(),
                BOT,
                render(reply.text),
                reply.channel,
                thread,
                reply.buttons,
                None,
                reply.handle,
            )
        )
        if (
            reply.handle
            and reply.handle.startswith("session:")
            and reply.handle.endswith(":header")
        ):
            w.open_thread = message.number
        indent = "    ↳ " if thread else ""
        w.print(
            f"{indent}[#{message.number}] alsbot: {_indent(message.text)}{_buttons(message.buttons)}"
        )
        return message.ref


def _indent(body: str) -> str:
    return body.replace("\n", "\n" + " " * 14)


def _one_line(body: str) -> str:
    return body.split("\n", 1)[0]


def _buttons(buttons: tuple[Button, ...]) -> str:
    return ("  " + " ".join(f"[{b.label}]" for b in buttons)) if buttons else ""
