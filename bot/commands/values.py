"""The commands of the `/als` grammar, as inert values, each with its declaration.

They are what `bot.commands.grammar.parse` returns and what the services receive; keeping them apart
from the parser lets a service depend on the shape of a command without the parser. Each class's
`spec` says everything else about it once (see `bot.commands.spec`): its verb and help, who may
run it, which set it acts on and its typed options. The order of `Command` is the order of
`/als help` and of Discord's command list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.commands.spec import CommandSpec, Group, Option, OptionKind, Role, SetPolicy
from bot.dates.recurrence import Recurrence
from bot.dates.sessions import SessionPhrase

ANYONE, MEMBER, PRESENTER, FACILITATOR = Role
OPTIONAL, EXISTING, CREATE, FOR_PERSON, SET_UP = SetPolicy
TEXT, PERSON, INTEGER, FLAG, CHOICE = OptionKind


@dataclass(frozen=True, slots=True)
class UsageError:
    """What was wrong (`message`) and how to say it (`usage`), both short and friendly."""

    message: str
    usage: str


@dataclass(frozen=True, slots=True)
class Help:
    topic: str | None = None

    spec: ClassVar[CommandSpec] = CommandSpec(
        "help",
        "/als help [topic]",
        "list the commands, or explain one",
        "Try `/als help schedule` or `/als help dates`.",
        options=(Option("topic", description="A command, or 'dates'"),),
        aliases=("?",),
        any_workspace=True,
    )


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
        "or leave while others remain. A set with no facilitator (one made by an older "
        "alsbot) gets one from the first person to run `/als facilitator add @yourname` "
        "or `/als join` in it.",
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
class Report:
    spec: ClassVar[CommandSpec] = CommandSpec(
        "report",
        "/als report",
        "summarise the set's sessions, actions and ratings",
        "`/als report` shows only counts and what people chose to record; never what was said.",
        role=FACILITATOR,
        where=EXISTING,
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


Command = (
    Help
    | SetUp
    | Start
    | Next
    | Pause
    | Resume
    | More
    | End
    | Join
    | Leave
    | FacilitatorChange
    | Schedule
    | AddAction
    | AddActionFor
    | EditAction
    | RemoveAction
    | ListActions
    | GiveUpdate
    | DosSearch
    | DosRandom
    | DosRemove
    | DosExport
    | Report
    | Settings
    | ExportMe
    | ForgetMe
)
