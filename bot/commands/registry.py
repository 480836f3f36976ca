"""Every `/als` command's declaration, indexed: by verb, by value class, in help order.

The declarations themselves sit on the command classes (`bot.commands.values`); this module
only reads them, so the parser, `/als help`, the dispatcher and the adapters all look up the
same thing. The checks at import fail loudly on a declaration that would otherwise break a
surface quietly: a verb declared twice, a form outside its group, an alias that hides a verb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from bot.commands.spec import CommandSpec, Group
from bot.commands.values import Command


@dataclass(frozen=True, slots=True)
class Verb:
    """What `/als help` says of one verb: a plain command, or a group's forms together."""

    name: str
    usage: str
    summary: str
    detail: str
    specs: tuple[CommandSpec, ...]
    group: Group | None = None


COMMAND_CLASSES: tuple[type[Command], ...] = get_args(Command)
SPECS: dict[type[Command], CommandSpec] = {cls: cls.spec for cls in COMMAND_CLASSES}


def _verbs() -> tuple[Verb, ...]:
    by_name: dict[str, list[CommandSpec]] = {}
    for spec in SPECS.values():
        by_name.setdefault(spec.verb, []).append(spec)
    verbs = []
    for name, specs in by_name.items():
        group = specs[0].group
        if group is None:
            if len(specs) > 1:
                raise ValueError(f"the verb {name!r} is declared {len(specs)} times")
            only = specs[0]
            verbs.append(Verb(name, only.usage, only.summary, only.detail, (only,)))
            continue
        if any(s.group is not group or not s.form for s in specs) or group.verb != name:
            raise ValueError(f"every form of {name!r} must name the group {group.verb!r}")
        usage = " · ".join(s.usage for s in specs)
        verbs.append(Verb(name, usage, group.summary, group.detail, tuple(specs), group))
    return tuple(verbs)


VERBS: tuple[Verb, ...] = _verbs()
BY_VERB: dict[str, Verb] = {verb.name: verb for verb in VERBS}


def _aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for verb in VERBS:
        said = verb.group.aliases if verb.group else verb.specs[0].aliases
        for alias in said:
            if alias in BY_VERB or alias in aliases:
                raise ValueError(f"the alias {alias!r} is taken")
            aliases[alias] = verb.name
    return aliases


ALIASES: dict[str, str] = _aliases()


def spec_of(command: Command) -> CommandSpec:
    return SPECS[type(command)]


def usage(verb: str) -> str:
    return BY_VERB[verb].usage
