"""Running a console session: each op becomes a core event, and `@wait` moves the clock.

Waiting advances the simulated clock timer by timer, so a one-minute warning shows at the
minute it is due and a phase that runs out moves on exactly when it would have.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable
from datetime import datetime

from adapters.console import script
from adapters.console.traits import CONSOLE_TRAITS
from adapters.console.world import (
    BOT,
    CHANNEL,
    ConsoleOutlet,
    ConsoleSource,
    ConsoleWorld,
    dm_channel,
    user,
)
from adapters.forms import ask_of, asked_by, command_text, missing
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.commands.spec import CommandSpec
from bot.emoji_names import normalise_emoji
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessage,
    Event,
    MessagePosted,
    MessageSaved,
    ReactionAdded,
    ReactionRemoved,
)
from bot.store.models import Timer


class ConsoleRunner:
    def __init__(self, app: Alsbot, world: ConsoleWorld) -> None:
        self.app = app
        self.world = world
        self.run_id = uuid.uuid4().hex[:8]
        self._seq = itertools.count(1)
        self.problems: list[str] = []
        self._narrating = False
        self.forms: dict[str, CommandSpec] = {}  # who has which command's form open
        app.attach(ConsoleOutlet(world), ConsoleSource(world), traits=CONSOLE_TRAITS)

    def _key(self, kind: str) -> str:
        return f"console:{self.run_id}:{kind}:{next(self._seq)}"

    async def run_lines(self, lines: Iterable[str]) -> int:
        for number, line in enumerate(lines, 1):
            await self.run_line(line, number)
        await self.app.settle()
        return len(self.problems)

    async def run_line(self, line: str, number: int = 0) -> None:
        op = script.read_line(line)
        if op is None:
            return
        if isinstance(op, script.Bad):
            self._problem(f"line {number}: {op.why}: {op.line}")
            return
        if isinstance(op, script.Narrate):
            lead = "  " if self._narrating else "\n— "
            self.world.out.write(f"{lead}{op.text}\n")
            self._narrating = True
            return
        self._narrating = False
        if isinstance(op, script.Wait):
            await self.wait_until(self.app.clock.now() + op.delta)
            return
        event = self._event(op)
        if event is not None:
            await self.app.handle(event)

    def _problem(self, message: str) -> None:
        self.problems.append(message)
        self.world.out.write(f"!! {message}\n")

    def _event(self, op: script.Op) -> Event | None:
        w = self.world
        if isinstance(op, script.Command):
            w.print(f"{op.who} ran: /als {op.text}")
            form = asked_by(op.text)
            if form is not None:
                self._show_form(op.who, form)
                return None
            return CommandInvoked(
                key=self._key("cmd"),
                user=user(op.who),
                channel=CHANNEL,
                text=script.linked(op.text),
            )
        if isinstance(op, script.Say):
            try:
                message = w.said(op.who, op.text, reply_to=op.reply_to)
            except ValueError as exc:
                self._problem(f"{exc}: {op.who}: re #{op.reply_to}")
                return None
            thread = w.messages[message.thread].ref if message.thread else None
            return MessagePosted(
                key=self._key("msg"),
                user=user(op.who),
                channel=CHANNEL,
                message=message.ref,
                text=op.text,
                thread=thread,
            )
        if isinstance(op, script.Dm):
            message = w.said(op.who, op.text, channel=dm_channel(op.who))
            return DirectMessage(
                key=self._key("dm"),
                user=user(op.who),
                channel=message.channel,
                message=message.ref,
                text=op.text,
            )
        if isinstance(op, script.FormAnswers):
            return self._answer_form(op)
        if isinstance(op, script.React):
            return self._reaction(op)
        if isinstance(op, script.SaveAsDo):
            return self._save_as_do(op)
        if isinstance(op, script.Press):
            found = w.find_button(op.who, op.label, op.number)
            if found is None:
                self._problem(
                    f"{op.who} sees no [{op.label}] button"
                    + (f" on #{op.number}" if op.number else "")
                )
                return None
            message, button = found
            w.print(f"{op.who} pressed [{button.label}] on #{message.number}")
            return ButtonPressed(
                key=self._key("press"),
                user=user(op.who),
                channel=message.channel,
                action_id=button.action_id,
                value=button.value,
                message=message.ref,
            )
        return None

    def _show_form(self, who: str, spec: CommandSpec) -> None:
        """A command's form, as the console shows one: its questions, numbered, for one
        `form:` line to answer in order. Nothing is sent until it is answered."""
        ask = ask_of(spec)
        self.forms[who] = spec
        lines = [f"📝 (only {who} sees) {ask.title} — answer as `{who}: form: … | …`:"]
        for n, field in enumerate(ask.fields, 1):
            hint = f" (e.g. {field.placeholder})" if field.placeholder else ""
            optional = " [optional]" if not field.required else ""
            lines.append(f"   {n}. {field.label}{optional}{hint}")
        self.world.print("\n".join(lines))

    def _answer_form(self, op: script.FormAnswers) -> Event | None:
        spec = self.forms.get(op.who)
        if spec is None:
            self._problem(f"{op.who} has no form open (e.g. `{op.who}: /als offer` opens one)")
            return None
        fields = ask_of(spec).fields
        if len(op.answers) > len(fields):
            self._problem(f"{op.who}'s form has {len(fields)} questions, not {len(op.answers)}")
            return None
        answers = {field.name: value for field, value in zip(fields, op.answers, strict=False)}
        empty = missing(spec, answers)
        if empty:
            labels = ", ".join(f.label for f in fields if f.name in empty)
            self.world.print(f"📝 (only {op.who} sees) Please fill in: {labels}")
            return None
        del self.forms[op.who]
        said = command_text(spec, answers)
        self.world.print(f"{op.who} sent the form: /als {said}")
        return CommandInvoked(key=self._key("form"), user=user(op.who), channel=CHANNEL, text=said)

    def _reaction(self, op: script.React) -> Event | None:
        w = self.world
        target = w.messages.get(op.number)
        if target is None:
            self._problem(f"there is no message #{op.number} to react to")
            return None
        name = normalise_emoji(op.emoji)
        if not name:
            self._problem(f"{op.emoji!r} is not an emoji I know")
            return None
        w.print(
            f"{op.who} {'reacted' if op.add else 'removed their reaction'} {op.emoji} on #{op.number}"
        )
        if not op.add:
            return ReactionRemoved(
                key=self._key("unreact"), user=user(op.who), message=target.ref, emoji=name
            )
        thread = w.messages[target.thread].ref if target.thread else None
        author = None if target.author == "alsbot" else user(target.author)
        return ReactionAdded(
            key=self._key("react"),
            user=user(op.who),
            message=target.ref,
            emoji=name,
            author=author,
            text=target.text,
            thread=thread,
        )

    def _save_as_do(self, op: script.SaveAsDo) -> Event | None:
        """The message goes with the choice, as Slack's shortcut and Discord's menu send it."""
        w = self.world
        target = w.messages.get(op.number)
        if target is None:
            self._problem(f"there is no message #{op.number} to save")
            return None
        w.print(f"{op.who} chose “Save as do” on #{op.number}")
        return MessageSaved(
            key=self._key("save"),
            user=user(op.who),
            channel=target.channel,
            message=target.ref,
            text=target.text,
            author=None if target.author == BOT else user(target.author),
            thread=w.messages[target.thread].ref if target.thread else None,
        )

    async def wait_until(self, target: datetime) -> None:
        """Advance the clock to each due timer in turn, then to `target`."""
        clock = self.app.clock
        assert isinstance(clock, FakeClock), "@wait needs the simulated clock"
        timers = Timer.__table__
        from sqlalchemy import func, select

        while True:
            async with self.app.store.read() as conn:
                due = (
                    await conn.execute(
                        select(func.min(timers.c.due_at)).where(timers.c.status == "pending")
                    )
                ).scalar()
            if due is None or due > target:
                break
            if due > clock.now():
                clock.set(due)
            await self.app.settle()
        clock.set(max(target, clock.now()))
        await self.app.settle()
