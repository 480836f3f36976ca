"""The set's commands: set it up, join or leave it, its facilitators, schedule and settings,
and a person's own data.

Handled in `bot.sets` and by `bot.followup.schedule`. Like every command class, each is an
inert value carrying its declaration; `bot.commands.values.Command` lists them all in help
order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.commands.spec import CommandSpec, Option, OptionKind, Role, SetPolicy
from bot.dates.recurrence import Recurrence
from bot.dates.sessions import SessionPhrase

ANYONE, MEMBER, PRESENTER, FACILITATOR = Role
OPTIONAL, EXISTING, CREATE, FOR_PERSON, SET_UP = SetPolicy
TEXT, PERSON, INTEGER, FLAG, CHOICE = OptionKind


@dataclass(frozen=True, slots=True)
class SetUp:
    spec: ClassVar[CommandSpec] = CommandSpec(
        "setup",
        "/als setup",
        "set up an Action Learning Set in this channel, with you as its facilitator",
        "Run `/als setup` once in the set's own (preferably private) channel, before the "
        "first session; it shows the next steps: the schedule, inviting people, settings. "
        "Run again, it says who facilitates and shows the steps again.",
        aliases=("set-up",),
    )


@dataclass(frozen=True, slots=True)
class Join:
    spec: ClassVar[CommandSpec] = CommandSpec(
        "join",
        "/als join",
        "become a member of this set",
        "Run `/als join` in the set's channel. Members get nudges and reminders between "
        "sessions. In a set with no facilitator, the person who joins becomes it.",
        where=CREATE,
    )


@dataclass(frozen=True, slots=True)
class Leave:
    spec: ClassVar[CommandSpec] = CommandSpec(
        "leave",
        "/als leave",
        "stop being a member of this set",
        "Run `/als leave` in the set's channel. Your past actions stay until you use "
        "`/als forget-me`. A set's only facilitator, while others remain, adds another first.",
        where=EXISTING,
    )


@dataclass(frozen=True, slots=True)
class FacilitatorChange:
    add: bool
    user: str

    spec: ClassVar[CommandSpec] = CommandSpec(
        "facilitator",
        "/als facilitator add|remove @user",
        "add or remove a facilitator",
        "Facilitators run sessions and change the set's schedule and settings, e.g. "
        "`/als facilitator add @sam`. A set keeps at least one: the last can't be removed "
        "or leave while others remain. A set with members but no facilitator (one made by "
        "an older alsbot) gets one from a workspace admin: `/als facilitator add @name`.",
        role=FACILITATOR,
        where=CREATE,
        options=(
            Option("change", CHOICE, required=True, choices=("add", "remove")),
            Option("person", PERSON, required=True),
        ),
        aliases=("facilitators",),
    )


def _shows_schedule(command: Schedule) -> bool:
    return command.when is None and not command.clear


@dataclass(frozen=True, slots=True)
class Schedule:
    """`when` is the announcement as read (day, time or none, end, venue, link); the handler
    fills a missing time with the set's usual one. `when is None` with `clear` False shows
    the schedule; `clear` (`schedule off`) removes it."""

    when: SessionPhrase | None = None
    recurrence: Recurrence | None = None
    clear: bool = False

    spec: ClassVar[CommandSpec] = CommandSpec(
        "schedule",
        "/als schedule <when> [where or link] [every N weeks | weekly | fortnightly | "
        "every other thursday | monthly | monthly on the 2nd tuesday] · /als schedule · "
        "/als schedule off",
        "set, show or clear when (and where) the set meets",
        "Say a day and a time in your time zone, and where if you like, e.g. "
        "`/als schedule 23rd January in Room 8 of the Town Hall at 10 – 12`, "
        "`/als schedule tuesday at 10 https://meet.google.com/abc-defg-hij`, "
        "`/als schedule every other thursday 2pm` or "
        "`/als schedule 10am monthly on the last friday`. With no time, the set's usual time "
        "is used (`/als settings default_time`, else the last session's, else 10:00). "
        "In a channel with no set yet, setting a schedule sets one up, with you as its "
        "facilitator.",
        role=FACILITATOR,
        where=SET_UP,
        options=(
            Option(
                "when",
                description="e.g. 'thursday 10am', 'tuesday 10-12 in Room 8', "
                "'monthly on the 2nd tuesday 10am' or 'off'",
            ),
            Option(
                "repeat",
                CHOICE,
                "How often it repeats",
                choices=("weekly", "fortnightly", "every 3 weeks", "every 4 weeks", "monthly"),
            ),
        ),
        doing="change the schedule",
        reads_only=_shows_schedule,
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """Who may change a setting depends on the key (your own, or the set's): the handler
    checks it, since the keys are the settings module's."""

    key: str | None = None
    value: str | None = None

    spec: ClassVar[CommandSpec] = CommandSpec(
        "settings",
        "/als settings [key [value]]",
        "show or change the set's settings",
        "With no key, lists them all; with a key, shows it; with a value, changes it, e.g. "
        "`/als settings timezone Europe/London`. `/als settings ground_rules + Phones on "
        "silent` adds a ground rule to the Opening's; other text replaces them, `default` "
        "restores the bot's own.",
        options=(Option("key"), Option("value")),
        aliases=("setting",),
    )


@dataclass(frozen=True, slots=True)
class ExportMe:
    spec: ClassVar[CommandSpec] = CommandSpec(
        "export-me",
        "/als export-me",
        "get a copy of everything stored about you",
        "`/als export-me` sends it to you privately.",
        aliases=("exportme", "export_me"),
    )


@dataclass(frozen=True, slots=True)
class ForgetMe:
    confirmed: bool = False

    spec: ClassVar[CommandSpec] = CommandSpec(
        "forget-me",
        "/als forget-me [confirm]",
        "delete everything stored about you",
        "Run it once to see what would go, then `/als forget-me confirm`.",
        options=(
            Option(
                "confirm",
                FLAG,
                "Yes to delete; leave empty to see what would go",
                words="confirm",
            ),
        ),
        aliases=("forgetme", "forget_me"),
    )
