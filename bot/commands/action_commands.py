"""The action commands: commit to an action, change or remove one, list them, give an update.

The `action` group's forms and the commands that read actions back between sessions, handled
by `bot.rounds.commitments`, `bot.rounds.action_changes` and `bot.followup.actions`. Like every
command class, each is an inert value carrying its declaration; `bot.commands.values.Command`
lists them all in help order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.commands.spec import CommandSpec, Group, Option, OptionKind, Role, SetPolicy

ANYONE, MEMBER, PRESENTER, FACILITATOR = Role
OPTIONAL, EXISTING, CREATE, FOR_PERSON, SET_UP = SetPolicy
TEXT, PERSON, INTEGER, FLAG, CHOICE = OptionKind


ACTION = Group(
    "action",
    "commit to an action; edit or remove one; record one for a presenter",
    "Add `by friday`, `by next week` (its Friday), `by end of month`, `by 23/01`, `in two weeks` "
    "or `before the next session` at the end to give it a due date. Several actions in one "
    "message (one a line, or `X by Friday, and Y by Monday`) are recorded one by one. An action "
    "can be edited or removed, by the person who committed to it or a facilitator, until the "
    "next session starts; `<n>` is its number as `/als actions` shows it. E.g. "
    "`/als action call Sam by friday`, `/als action @bob ask the board by 23/01`, "
    "`/als action edit 3 call Sam by monday`, `/als action remove 3`.",
    about="Your actions: record, edit or remove one",
)


@dataclass(frozen=True, slots=True)
class AddAction:
    """The words as typed, due dates included: the round reads them into one or more actions
    with their dates (`bot.rounds.action_items`), since `before the next session` needs the
    set's schedule and `by friday` the set's time zone."""

    text: str

    spec: ClassVar[CommandSpec] = CommandSpec(
        ACTION.verb,
        "/als action <what you will do> [by <date>]",
        "commit to an action",
        role=PRESENTER,
        where=FOR_PERSON,
        options=(
            Option("what", description="What you will do", required=True),
            Option(
                "due",
                description="By when: 'friday', 'next week', '23/01', 'in 2 weeks'",
                words="by {}",
            ),
        ),
        group=ACTION,
        form="add",
        words="action",
    )


@dataclass(frozen=True, slots=True)
class AddActionFor:
    """A facilitator records a presenter's action for them (someone who was not at the
    keyboard in the Actions phase, or a commitment said aloud in a room)."""

    user: str
    text: str

    spec: ClassVar[CommandSpec] = CommandSpec(
        ACTION.verb,
        "/als action @presenter <what they will do> [by <date>]",
        "record an action for a presenter (facilitators)",
        where=FOR_PERSON,
        options=(
            Option("person", PERSON, "Whose action it is", required=True, field="user"),
            Option("what", description="What they will do", required=True, field="text"),
            Option("due", description="By when: 'friday', 'next week', '23/01'", words="by {}"),
        ),
        group=ACTION,
        form="for",
        words="action for",
        role=FACILITATOR,
    )


ACTION_NUMBER = Option(
    "number", INTEGER, required=True, minimum=1, maximum=999_999_999, field="action_id"
)


@dataclass(frozen=True, slots=True)
class EditAction:
    action_id: int
    text: str

    spec: ClassVar[CommandSpec] = CommandSpec(
        ACTION.verb,
        "/als action edit <n> <new words> [by <date>]",
        "change an action's words or due date",
        where=FOR_PERSON,
        options=(
            ACTION_NUMBER,
            Option(
                "what",
                description="The action's new words, with any due date",
                required=True,
                field="text",
            ),
        ),
        group=ACTION,
        form="edit",
    )


@dataclass(frozen=True, slots=True)
class RemoveAction:
    action_id: int

    spec: ClassVar[CommandSpec] = CommandSpec(
        ACTION.verb,
        "/als action remove <n>",
        "remove an action",
        where=FOR_PERSON,
        options=(ACTION_NUMBER,),
        group=ACTION,
        form="remove",
    )


@dataclass(frozen=True, slots=True)
class ListActions:
    user: str | None = None

    spec: ClassVar[CommandSpec] = CommandSpec(
        "actions",
        "/als actions [@user]",
        "list the set's open actions, or one person's",
        "`/als actions` shows everyone's open actions and who has given an update; "
        "`/als actions @sam` shows only Sam's.",
        where=FOR_PERSON,
        options=(Option("person", PERSON),),
    )


@dataclass(frozen=True, slots=True)
class GiveUpdate:
    text: str

    spec: ClassVar[CommandSpec] = CommandSpec(
        "update",
        "/als update <what happened>",
        "report progress on your actions",
        "E.g. `/als update I spoke to Sam; the rota starts in May`. Updates are shared at "
        "the start of the next session.",
        role=MEMBER,
        where=FOR_PERSON,
        options=(Option("what", description="What happened", required=True),),
    )
