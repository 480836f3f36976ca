"""The report's and the web pages' commands: how the set is doing, shared or exported, and
the links to its pages online.

Handled by `bot.reports`. Like every command class, each is an inert value carrying its
declaration; `bot.commands.values.Command` lists them all in help order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.commands.spec import CommandSpec, Group, Option, OptionKind, Role, SetPolicy

ANYONE, MEMBER, PRESENTER, FACILITATOR = Role
OPTIONAL, EXISTING, CREATE, FOR_PERSON, SET_UP = SetPolicy
TEXT, PERSON, INTEGER, FLAG, CHOICE = OptionKind

REPORT = Group(
    "report",
    "how the set is doing: sessions, attendance, ratings, actions, do's",
    "`/als report` shows you (only you) the last six sessions with a chart; `/als report "
    "share` posts it in the channel with nobody named; `/als report export csv` or `html` "
    "gives you a file for funders. Only counts and what people chose to record: never what "
    "was said.",
    about="How the set is doing, for its facilitators",
)

LINK = Group(
    "link",
    "the links to the set's toolkit and report pages online",
    "`/als link` gives you the links (anyone with a link can read the page, so share it with "
    "care); `/als link rotate` replaces them, and the old links stop working at once.",
    about="The set's pages online",
)


@dataclass(frozen=True, slots=True)
class Report:
    spec: ClassVar[CommandSpec] = CommandSpec(
        REPORT.verb,
        "/als report",
        "show you how the set is doing, with a chart",
        role=FACILITATOR,
        where=EXISTING,
        group=REPORT,
        form="show",
        words="report",
        doing="see the set's report",
    )


@dataclass(frozen=True, slots=True)
class ReportShare:
    spec: ClassVar[CommandSpec] = CommandSpec(
        REPORT.verb,
        "/als report share",
        "post the report, with nobody named, in the set's channel",
        role=FACILITATOR,
        where=EXISTING,
        group=REPORT,
        form="share",
    )


@dataclass(frozen=True, slots=True)
class ReportExport:
    format: Literal["csv", "html"] = "html"

    spec: ClassVar[CommandSpec] = CommandSpec(
        REPORT.verb,
        "/als report export [csv|html]",
        "the report as a file for funders",
        role=FACILITATOR,
        where=EXISTING,
        options=(Option("format", CHOICE, choices=("html", "csv")),),
        group=REPORT,
        form="export",
    )


@dataclass(frozen=True, slots=True)
class Link:
    spec: ClassVar[CommandSpec] = CommandSpec(
        LINK.verb,
        "/als link",
        "give you the links to the set's toolkit and report pages",
        role=FACILITATOR,
        where=EXISTING,
        group=LINK,
        form="show",
        words="link",
        doing="see the set's links",
    )


@dataclass(frozen=True, slots=True)
class LinkRotate:
    spec: ClassVar[CommandSpec] = CommandSpec(
        LINK.verb,
        "/als link rotate",
        "replace the set's links; the old ones stop working",
        role=FACILITATOR,
        where=EXISTING,
        group=LINK,
        form="rotate",
    )
