"""Reading console lines: `alice: /als start @bob`, `dave: +✅ #12`, `@wait 9m`.

Pure: a line in, an `Op` out, so the grammar of the console is testable on its own and
the runner only decides what each op does to the world.

The lines a script may hold:

    alice: /als start @bob          a command (`@name` is that person)
    alice: Hello all                a message (in the open round's thread, if any)
    alice: re #12: Hello            a reply in the thread of message #12 (a prompt of the week)
    alice: dm: done                 a DM to alsbot
    alice: +✅ #12 / -✅ #12         a reaction added to / removed from message #12
    alice: save #12                 "Save as do" on message #12 (as from a message's menu on
                                    Slack and Discord: her choice alone saves it)
    alice: [Next phase] #12         a button pressed (the newest one she sees without `#n`)
    alice: /als offer               a command with a form (`/als offer`, `/als want`) and
                                    no words prints the form's questions, numbered …
    alice: form: I can help with grant applications | funding, writing
                                    … and `form:` answers them in order, split at `|`
                                    (an optional question may be left empty: `text |`);
                                    the answers are sent as the command they make
                                    (`/als offer I can help … #funding #writing`)
    @wait 9m                        time passes (s, m, h or d), timers firing on the way
    # words                         narration, printed as it is

A group DM from alsbot prints as `✉ [group DM → alice, bob] [#n] alsbot: …`; any of its
members may press its buttons (`bob: [We talked] #n`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

NAME = r"[A-Za-z][\w.\-]{0,31}"
LINE = re.compile(rf"^\s*(?P<name>{NAME})\s*:\s?(?P<body>.*)$", re.S)
# `@bob` in a command: the console has no directory, so every name typed is a person, and
# is linked the way Slack and Discord link a mention picked from their @-menu (`<@ID>`).
AT_NAME = re.compile(r"(?<![\w@<])@(\w(?:[\w.\-]*\w)?)")
WAIT = re.compile(r"^@wait\s+(?P<n>\d{1,5})\s*(?P<unit>[smhd])\s*$", re.I)
REACT = re.compile(r"^(?P<sign>[+-])(?P<emoji>\S+)\s+#(?P<n>\d{1,9})\s*$")
REPLY = re.compile(r"^re\s+#(?P<n>\d{1,9})\s*:\s*(?P<text>\S.*)$", re.I | re.S)
SAVE = re.compile(r"^save\s+#(?P<n>\d{1,9})\s*$", re.I)
PRESS = re.compile(r"^\[(?P<label>[^\]]{1,80})\](?:\s+#(?P<n>\d{1,9}))?\s*$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Say:
    who: str
    text: str
    reply_to: int | None = None  # the message whose thread it is in (`re #12: …`)


@dataclass(frozen=True)
class Command:
    who: str
    text: str


@dataclass(frozen=True)
class React:
    who: str
    emoji: str
    number: int
    add: bool


@dataclass(frozen=True)
class SaveAsDo:
    """`alice: save #12`: "Save as do" chosen on message #12."""

    who: str
    number: int


@dataclass(frozen=True)
class Press:
    who: str
    label: str
    number: int | None


@dataclass(frozen=True)
class Dm:
    who: str
    text: str


@dataclass(frozen=True)
class FormAnswers:
    """`alice: form: answer | answer`: the answers to the form she has open, in order."""

    who: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Wait:
    delta: timedelta


@dataclass(frozen=True)
class Narrate:
    text: str


@dataclass(frozen=True)
class Bad:
    line: str
    why: str


Op = Say | Command | React | SaveAsDo | Press | Dm | FormAnswers | Wait | Narrate | Bad | None


def read_line(line: str) -> Op:
    stripped = line.strip()
    if not stripped:
        return None
    if stripped.startswith("#"):
        return Narrate(stripped.lstrip("#").strip())
    if stripped.lower().startswith("@wait"):
        match = WAIT.match(stripped)
        if not match:
            return Bad(stripped, "write waits as `@wait 9m` (s, m, h or d)")
        unit = UNITS[match["unit"].lower()]
        return Wait(timedelta(**{unit: int(match["n"])}))
    match = LINE.match(line)
    if not match:
        return Bad(stripped, "write lines as `name: text`")
    who, body = match["name"].lower(), match["body"].strip()
    if not body:
        return Bad(stripped, "there is nothing after the name")
    if body.startswith("/als"):
        return Command(who, body[4:].strip())
    if body.lower().startswith("dm:"):
        return Dm(who, body[3:].strip())
    if body.lower().startswith("form:"):
        return FormAnswers(who, tuple(part.strip() for part in body[5:].split("|")))
    react = REACT.match(body)
    if react:
        return React(who, react["emoji"], int(react["n"]), react["sign"] == "+")
    chosen = SAVE.match(body)
    if chosen:
        return SaveAsDo(who, int(chosen["n"]))
    reply = REPLY.match(body)
    if reply:
        return Say(who, reply["text"].strip(), int(reply["n"]))
    press = PRESS.match(body)
    if press:
        return Press(who, press["label"].strip(), int(press["n"]) if press["n"] else None)
    return Say(who, body)


def linked(text: str) -> str:
    """A command's `@name`s as the core's mentions (`<@name>`): what an adapter does for a
    mention the platform resolved (the core refuses a bare `@name` as nobody it can find)."""
    return AT_NAME.sub(lambda m: f"<@{m[1]}>", text)
