"""The round's commands: open a session and steer it through its phases.

A facilitator's commands for the live round, handled by `bot.rounds.control`. Like every
command class, each is an inert value carrying its declaration; `bot.commands.values.Command`
lists them all in help order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.commands.spec import CommandSpec, Option, OptionKind, Role, SetPolicy

ANYONE, MEMBER, PRESENTER, FACILITATOR = Role
OPTIONAL, EXISTING, CREATE, FOR_PERSON, SET_UP = SetPolicy
TEXT, PERSON, INTEGER, FLAG, CHOICE = OptionKind


@dataclass(frozen=True, slots=True)
class Start:
    presenters: tuple[str, ...] = ()  # user ids, in the order given

    spec: ClassVar[CommandSpec] = CommandSpec(
        "start",
        "/als start [@presenter …]",
        "open a session, with presenters in the order given",
        "E.g. `/als start @sam @alex`: Sam presents first. Without presenters, the bot asks "
        "who would like to present.",
        role=FACILITATOR,
        where=CREATE,
        doing="start a session",
        options=tuple(
            Option(f"presenter{i}", PERSON, description)
            for i, description in enumerate(("Who presents first", "Then", "Then", "", "", ""), 1)
        ),
    )


@dataclass(frozen=True, slots=True)
class Next:
    spec: ClassVar[CommandSpec] = CommandSpec(
        "next",
        "/als next",
        "move the session on to its next phase",
        "Facilitators use `/als next` when a phase is done before its time is up.",
        role=FACILITATOR,
        where=EXISTING,
    )


@dataclass(frozen=True, slots=True)
class Pause:
    spec: ClassVar[CommandSpec] = CommandSpec(
        "pause",
        "/als pause",
        "pause the session's timer",
        "`/als pause` stops the clock; `/als resume` carries on.",
        role=FACILITATOR,
        where=EXISTING,
    )


@dataclass(frozen=True, slots=True)
class More:
    minutes: int = 5

    spec: ClassVar[CommandSpec] = CommandSpec(
        "more",
        "/als more [minutes]",
        "give the current phase more time",
        "Adds 5 minutes unless you say how many, from 1 to 30: `/als more 10`.",
        role=FACILITATOR,
        where=EXISTING,
        options=(
            Option("minutes", INTEGER, "How many more minutes (1–30)", minimum=1, maximum=30),
        ),
    )


@dataclass(frozen=True, slots=True)
class Resume:
    spec: ClassVar[CommandSpec] = CommandSpec(
        "resume",
        "/als resume",
        "carry on after a pause",
        "After `/als pause`, `/als resume` continues the phase with the time left.",
        role=FACILITATOR,
        where=EXISTING,
    )


@dataclass(frozen=True, slots=True)
class End:
    spec: ClassVar[CommandSpec] = CommandSpec(
        "end",
        "/als end",
        "close the session and post its summary",
        "`/als end` closes it at once, even early; actions recorded so far are kept.",
        role=FACILITATOR,
        where=EXISTING,
    )
