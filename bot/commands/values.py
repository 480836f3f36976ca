"""The commands of the `/als` grammar, as inert values.

They are what `bot.commands.grammar.parse` returns and what the services receive; keeping them apart
from the parser lets a service depend on the shape of a command without the parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.dates.recurrence import Recurrence


@dataclass(frozen=True, slots=True)
class UsageError:
    """What was wrong (`message`) and how to say it (`usage`), both short and friendly."""

    message: str
    usage: str


@dataclass(frozen=True, slots=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Start:
    presenters: tuple[str, ...] = ()  # user ids, in the order given


@dataclass(frozen=True, slots=True)
class Next:
    pass


@dataclass(frozen=True, slots=True)
class Pause:
    pass


@dataclass(frozen=True, slots=True)
class Resume:
    pass


@dataclass(frozen=True, slots=True)
class End:
    pass


@dataclass(frozen=True, slots=True)
class Join:
    pass


@dataclass(frozen=True, slots=True)
class Leave:
    pass


@dataclass(frozen=True, slots=True)
class FacilitatorChange:
    add: bool
    user: str


@dataclass(frozen=True, slots=True)
class Schedule:
    """`first` is aware (UTC) and in the future; `first is None` with `clear` False shows
    the schedule; `clear` (`schedule off`) removes it."""

    first: datetime | None = None
    recurrence: Recurrence | None = None
    clear: bool = False


@dataclass(frozen=True, slots=True)
class AddAction:
    text: str
    due: date | None = None


@dataclass(frozen=True, slots=True)
class ListActions:
    user: str | None = None


@dataclass(frozen=True, slots=True)
class GiveUpdate:
    text: str


@dataclass(frozen=True, slots=True)
class DosSearch:
    terms: str = ""
    page: int = 1


@dataclass(frozen=True, slots=True)
class DosRandom:
    pass


@dataclass(frozen=True, slots=True)
class DosRemove:
    do_id: int


@dataclass(frozen=True, slots=True)
class DosExport:
    format: Literal["md", "csv", "html"] = "html"


@dataclass(frozen=True, slots=True)
class Report:
    pass


@dataclass(frozen=True, slots=True)
class Settings:
    key: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class ExportMe:
    pass


@dataclass(frozen=True, slots=True)
class ForgetMe:
    confirmed: bool = False


Command = (
    Help
    | Start
    | Next
    | Pause
    | Resume
    | End
    | Join
    | Leave
    | FacilitatorChange
    | Schedule
    | AddAction
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
