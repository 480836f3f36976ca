"""The `dos` group's commands: search, browse, remove or export the set's do's.

Handled by `bot.dos.toolkit`. Like every command class, each is an inert value carrying its
declaration; `bot.commands.values.Command` lists them all in help order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.commands.spec import CommandSpec, Group, Option, OptionKind, Role, SetPolicy

OPTIONAL, EXISTING, CREATE, FOR_PERSON, SET_UP = SetPolicy
TEXT, PERSON, INTEGER, FLAG, CHOICE = OptionKind


DOS = Group(
    "dos",
    "search, browse or export the set's do's",
    "Do's are small practical tips, collected when people react to a message. E.g. "
    "`/als dos volunteers`, `/als dos random`, `/als dos export csv`.",
    about="The set's do's: small, practical tips",
    aliases=("do's",),
)


@dataclass(frozen=True, slots=True)
class DosSearch:
    terms: str = ""
    page: int = 1

    spec: ClassVar[CommandSpec] = CommandSpec(
        DOS.verb,
        "/als dos [terms] [page N]",
        "search or browse the set's do's",
        where=FOR_PERSON,
        options=(
            Option("terms"),
            Option("page", INTEGER, minimum=1, maximum=999, words="page {}"),
        ),
        group=DOS,
        form="search",
        words="dos",
    )


@dataclass(frozen=True, slots=True)
class DosRandom:
    spec: ClassVar[CommandSpec] = CommandSpec(
        DOS.verb,
        "/als dos random",
        "show one do at random",
        where=FOR_PERSON,
        group=DOS,
        form="random",
    )


@dataclass(frozen=True, slots=True)
class DosRemove:
    """Its author or a facilitator of its set may remove a do: the handler knows the author."""

    do_id: int

    spec: ClassVar[CommandSpec] = CommandSpec(
        DOS.verb,
        "/als dos remove <id>",
        "remove a do by its number",
        options=(Option("number", INTEGER, required=True, minimum=1, maximum=999_999_999),),
        group=DOS,
        form="remove",
    )


@dataclass(frozen=True, slots=True)
class DosExport:
    format: Literal["md", "csv", "html"] = "html"

    spec: ClassVar[CommandSpec] = CommandSpec(
        DOS.verb,
        "/als dos export [md|csv|html]",
        "export the do's as a file",
        where=FOR_PERSON,
        options=(Option("format", CHOICE, choices=("html", "md", "csv")),),
        group=DOS,
        form="export",
    )


@dataclass(frozen=True, slots=True)
class DosAdd:
    """A do typed straight in, saved with the same dedupe and merge rules as a reaction's."""

    text: str

    spec: ClassVar[CommandSpec] = CommandSpec(
        DOS.verb,
        "/als dos add <text>",
        "add a do in your own words",
        role=Role.MEMBER,
        where=FOR_PERSON,
        options=(Option("text", required=True, description="The do, e.g. Ask what worked"),),
        group=DOS,
        form="add",
        doing="add a do to this set",
    )
