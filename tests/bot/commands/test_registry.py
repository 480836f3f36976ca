"""The command declarations: complete, consistent, and what the other surfaces are read from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest

from bot.commands import grammar, registry, words
from bot.commands.spec import CommandSpec, Option, OptionKind, Role, SetPolicy
from bot.commands.values import Help, Schedule, UsageError
from bot.compose import build_router

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
TODAY = "help start next pause resume end join leave facilitator schedule action actions update dos report settings export-me forget-me"  # fmt: skip


def test_every_declared_command_has_a_handler_a_role_and_a_set_policy() -> None:
    router = build_router()
    for cls, spec in registry.SPECS.items():
        assert cls is Help or cls in router.commands, f"/als {spec.path} has no handler"
        assert isinstance(spec.role, Role) and isinstance(spec.where, SetPolicy), spec.path
        if spec.role is not Role.ANYONE:  # a role is held in a set: the command must have one
            assert spec.where is not SetPolicy.OPTIONAL, spec.path
    assert set(router.commands) <= set(registry.SPECS), "a handler for an undeclared command"


def test_every_verb_has_a_parser_and_help() -> None:
    assert set(grammar._PARSERS) == set(registry.BY_VERB)
    for verb in registry.VERBS:
        assert verb.usage.startswith(f"/als {verb.name}") and verb.summary and verb.detail
        assert grammar.help_text(verb.name).startswith(f"`{verb.usage}`")


def test_aliases_read_as_their_verb() -> None:
    assert registry.ALIASES["do's"] == "dos" and registry.ALIASES["?"] == "help"
    for alias, verb in registry.ALIASES.items():
        assert grammar.help_text(alias) == grammar.help_text(verb)


def test_a_value_that_only_shows_is_open_to_anyone() -> None:
    spec = Schedule.spec
    assert spec.role_for(Schedule()) is Role.ANYONE
    assert spec.role_for(Schedule(clear=True)) is Role.FACILITATOR
    assert spec.what() == "change the schedule"


def test_the_readme_lists_every_verb_with_its_declared_role() -> None:
    """The README's commands table: every verb in it is declared, every verb declared today
    is in it, and where a command is declared for a member, presenter or facilitator, the
    row's "who" says so. A new verb's row is not forced here: adding a command touches its
    declaration, its handler and its test, and the README row follows when it is documented."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands (`/als …`)", 1)[1].split("\n\n", 2)[1]
    rows = [re.split(r"(?<!\\)\|", line)[1:-1] for line in table.splitlines()[2:]]
    listed: dict[str, str] = {}
    paths = {spec.path for spec in registry.SPECS.values()}
    for command, who, _what in rows:
        for usage in re.findall(r"`([^`]+)`", command):
            words = usage.split()
            two = " ".join(words[:2])
            listed[two if two in paths else words[0]] = who
    readme_verbs = {p.split()[0] for p in listed}
    assert readme_verbs <= set(registry.BY_VERB)
    assert readme_verbs >= set(TODAY.split())
    for spec in registry.SPECS.values():
        who = listed.get(spec.path, listed.get(spec.verb, ""))
        if spec.role is not Role.ANYONE and spec.verb in readme_verbs:
            assert spec.role.value in who, f"README: /als {spec.path} is for a {spec.role}"


# --- a command declared with options needs no parser of its own ----------------------------


@dataclass(frozen=True, slots=True)
class Thank:
    """A command as a newcomer would add it: declared options, no hand-written parser."""

    who: str
    times: int = 1
    loudly: bool = False
    how: str = ""
    note: str = ""

    spec: ClassVar[CommandSpec] = CommandSpec(
        "thank",
        "/als thank @person [times] [loudly] [how] [note]",
        "thank someone",
        options=(
            Option("person", OptionKind.PERSON, required=True, field="who"),
            Option("times", OptionKind.INTEGER, minimum=1, maximum=3),
            Option("loudly", OptionKind.FLAG, words="loudly"),
            Option("how", OptionKind.CHOICE, choices=("warmly", "briefly")),
            Option("note"),
        ),
    )


def thank(text: str) -> object:
    return words.by_options(Thank, Thank.spec)(text, NOW, LONDON)  # type: ignore[arg-type]


def test_declared_options_are_read_in_order() -> None:
    assert thank("<@U1>") == Thank(who="U1")
    assert thank("<@U1> 2 loudly warmly for the  cake") == Thank(
        "U1", 2, True, "warmly", "for the  cake"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "Say the person"), ("Sam", "@mention"), ("<@U1> 9", "number"), ("<@U1> 2 quietly", "`loudly`"),
     ("<@U1> 2 loudly kindly", "warmly or briefly")],
)  # fmt: skip
def test_declared_options_explain_what_they_could_not_read(text: str, fragment: str) -> None:
    result = thank(text)
    assert isinstance(result, UsageError) and fragment in result.message, result
    assert result.usage == Thank.spec.usage
