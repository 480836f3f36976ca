"""Reading console lines: `alice: /als start @bob`, `dave: +✅ #12`, `@wait 9m`.

Pure: a line in, an `Op` out, so the grammar of the console is testable on its own and
the runner only decides what each op does to the world.
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
PRESS = re.compile(r"^\[(?P<label>[^\]]{1,80})\](?:\s+#(?P<n>\d{1,9}))?\s*$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Say:
    who: str
    text: str


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
class Press:
    who: str
    label: str
    number: int | None


@dataclass(frozen=True)
class Dm:
    who: str
    text: str


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


Op = Say | Command | React | Press | Dm | Wait | Narrate | Bad | None


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
    react = REACT.match(body)
    if react:
        return React(who, react["emoji"], int(react["n"]), react["sign"] == "+")
    press = PRESS.match(body)
    if press:
        return Press(who, press["label"].strip(), int(press["n"]) if press["n"] else None)
    return Say(who, body)


def linked(text: str) -> str:
    """A command's `@name`s as the core's mentions (`<@name>`): what an adapter does for a
    mention the platform resolved (the core refuses a bare `@name` as nobody it can find)."""
    return AT_NAME.sub(lambda m: f"<@{m[1]}>", text)
