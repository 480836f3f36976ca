"""The commands of the `/als` grammar, as inert values, each with its declaration.

They are what `bot.commands.grammar.parse` returns and what the services receive; keeping them apart
from the parser lets a service depend on the shape of a command without the parser. Each class's
`spec` says everything else about it once (see `bot.commands.spec`): its verb and help, who may
run it, which set it acts on and its typed options. The order of `Command` is the order of
`/als help` and of Discord's command list.

The classes live by feature (`round_commands`, `set_commands`, `action_commands`,
`dos_commands`, `report_commands`, `network_commands`); this module holds the two that belong to no feature and `Command`, and
re-exports the rest so that callers and the registry have one place to import them from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.commands.action_commands import (
    AddAction,
    AddActionFor,
    EditAction,
    GiveUpdate,
    ListActions,
    RemoveAction,
)
from bot.commands.dos_commands import DosAdd, DosExport, DosRandom, DosRemove, DosSearch
from bot.commands.network_commands import (
    OfferAdd,
    OfferEdit,
    OfferList,
    OfferRemove,
    PairsOff,
    PairsOn,
    PairsShow,
    PromptsAdd,
    PromptsList,
    PromptsOff,
    PromptsOn,
    PromptsRemove,
    WantAdd,
    WantEdit,
    WantList,
    WantRemove,
)
from bot.commands.report_commands import Link, LinkRotate, Report, ReportExport, ReportShare
from bot.commands.round_commands import End, More, Next, Pause, Resume, Start
from bot.commands.set_commands import (
    ExportMe,
    FacilitatorChange,
    ForgetMe,
    Join,
    Leave,
    Schedule,
    Settings,
    SetUp,
)
from bot.commands.spec import CommandSpec, Option

__all__ = [
    "named_people",
    "AddAction",
    "AddActionFor",
    "Command",
    "DosAdd",
    "DosExport",
    "DosRandom",
    "DosRemove",
    "DosSearch",
    "EditAction",
    "End",
    "ExportMe",
    "FacilitatorChange",
    "ForgetMe",
    "GiveUpdate",
    "Help",
    "Join",
    "Leave",
    "Link",
    "LinkRotate",
    "ListActions",
    "More",
    "Next",
    "OfferAdd",
    "OfferEdit",
    "OfferList",
    "OfferRemove",
    "PairsOff",
    "PairsOn",
    "PairsShow",
    "Pause",
    "PromptsAdd",
    "PromptsList",
    "PromptsOff",
    "PromptsOn",
    "PromptsRemove",
    "RemoveAction",
    "Report",
    "ReportExport",
    "ReportShare",
    "Resume",
    "Schedule",
    "SetUp",
    "Settings",
    "Start",
    "UsageError",
    "WantAdd",
    "WantEdit",
    "WantList",
    "WantRemove",
]


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
    | DosAdd
    | Report
    | ReportShare
    | ReportExport
    | Link
    | LinkRotate
    | OfferAdd
    | OfferList
    | OfferEdit
    | OfferRemove
    | WantAdd
    | WantList
    | WantEdit
    | WantRemove
    | PromptsOn
    | PromptsOff
    | PromptsAdd
    | PromptsList
    | PromptsRemove
    | PairsOn
    | PairsOff
    | PairsShow
    | Settings
    | ExportMe
    | ForgetMe
)


def named_people(command: Command) -> tuple[str, ...]:
    """The user ids a command names (its `PERSON` options), for the platform's own check of
    what an id looks like (`PlatformTraits.user_id`) before anyone is stored."""
    if isinstance(command, Start):
        return command.presenters
    if isinstance(command, (FacilitatorChange, AddActionFor, ListActions)) and command.user:
        return (command.user,)
    return ()
