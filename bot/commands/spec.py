"""The words a command is declared in: who may run it, which set it acts on, its options.

Each command value class in `bot.commands.values` carries one `CommandSpec`. Everything
that describes a command is read from there — the parser's verb table, `/als help`, the
dispatcher's guards and every adapter's command surface (Discord's app-command tree) — so
a command is described once and the surfaces cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Who may run a command; the dispatcher checks it before the handler runs.

    A check that depends on data only the handler reads (the author of a do, which setting a
    key names) is not a role: such a command is declared `ANYONE` and its handler refuses.
    """

    ANYONE = "anyone"
    MEMBER = "member"  # an active member of the command's set
    PRESENTER = "presenter"  # while a session runs: its presenter, when the engine allows it
    FACILITATOR = "facilitator"  # a facilitator of the command's set


class SetPolicy(StrEnum):
    """Which set a command acts on, resolved once by the dispatcher into `ctx.set_info`."""

    OPTIONAL = "optional"  # the channel's set if it has one, else None
    EXISTING = "existing"  # the channel's set; refused where the channel has none
    CREATE = "create"  # the channel's set, created by the first command that needs it
    FOR_PERSON = "for person"  # the channel's set, else the person's only set (from a DM)
    # The channel's set, or None: the handler sets one up with the runner as its facilitator
    # (`bot.sets.setup`), so the role is checked only where a set already exists.
    SET_UP = "set up"


class OptionKind(StrEnum):
    TEXT = "text"
    PERSON = "person"
    INTEGER = "integer"
    FLAG = "flag"  # a yes/no option; when yes, its `words` are added to the text
    CHOICE = "choice"  # one of `choices`


@dataclass(frozen=True, slots=True)
class Option:
    """A typed option, for platforms whose command UI has them (Discord's app commands).

    Typed options are turned back into the grammar's one text form before parsing: `words`
    says how the value reads there (`"by {}"` makes `due: friday` read `by friday`).
    """

    name: str
    kind: OptionKind = OptionKind.TEXT
    description: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    words: str = "{}"
    field: str = ""  # the command class's field, when it is named differently

    @property
    def attribute(self) -> str:
        return self.field or self.name


@dataclass(frozen=True, slots=True)
class Group:
    """A verb with several forms (`dos`, `dos random`, …), each its own command class.

    `summary` and `detail` are what `/als help` says of the verb as a whole; `about` is the
    description of the group where a platform shows one (Discord's `/als dos`).
    """

    verb: str
    summary: str
    detail: str
    about: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AskField:
    """One question of an `Ask` form: a text box (`long`: several lines)."""

    name: str
    label: str
    placeholder: str = ""
    long: bool = False
    required: bool = True
    max_length: int = 500
    as_tags: bool = (
        False  # "funding, writing" is added to the command's words as `#funding #writing`
    )


@dataclass(frozen=True, slots=True)
class Ask:
    """A form that asks for a command's words when it is run with none: a Slack modal, a
    Discord modal, the console's lines. The answers become the command's text again
    (`words`), so a form is only another way of typing the command: one grammar, one
    handler, one set of checks."""

    title: str
    fields: tuple[AskField, ...]
    submit: str = "Save"

    def words(self, answers: Mapping[str, str]) -> str:
        """The command's words (after its verb and form) that these answers make."""
        out: list[str] = []
        for field in self.fields:
            value = " ".join(str(answers.get(field.name) or "").split())
            if field.as_tags:
                tags = [t.strip().lstrip("#") for t in re.split(r"[,\s]+", value)]
                value = " ".join(f"#{t}" for t in tags if t)
            if value:
                out.append(value)
        return " ".join(out)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command, declared once.

    For a form of a `group`, `summary` and `usage` are the form's own, and `form` names it
    (Discord's `/als dos random`); `words` are the grammar's words the form starts with
    (`dos random`; just `dos` for a search). `reads_only` marks values of the command that
    only show something: anyone may run those, whatever the `role` (`/als schedule`).
    `ask` is the form a platform with forms shows for the command given no words.
    `doing` completes "Only a facilitator of this set can …" and defaults to the summary.
    """

    verb: str
    usage: str
    summary: str
    detail: str = ""
    role: Role = Role.ANYONE
    where: SetPolicy = SetPolicy.OPTIONAL
    options: tuple[Option, ...] = ()
    aliases: tuple[str, ...] = ()
    any_workspace: bool = False  # Slack Connect guests may run it (only `help`)
    group: Group | None = None
    form: str = ""
    words: str = ""
    doing: str = ""
    reads_only: Callable[[Any], bool] | None = None
    ask: Ask | None = None  # the form an adapter shows when the command comes with no words

    @property
    def text_words(self) -> str:
        """The grammar's words this command (or form) starts with."""
        return self.words or " ".join(w for w in (self.verb, self.form) if w)

    @property
    def path(self) -> str:
        """The command's name on a platform with nested commands: `schedule`, `dos random`."""
        return " ".join(w for w in (self.verb, self.form) if w)

    def role_for(self, command: object) -> Role:
        if self.reads_only is not None and self.reads_only(command):
            return Role.ANYONE
        return self.role

    def what(self) -> str:
        return self.doing or self.summary
