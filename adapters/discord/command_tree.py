"""`/als`: one app command group, one subcommand per verb of the core grammar.

The tree is built from the commands' declarations (`bot.commands.values`): names, descriptions
and typed options, so Discord's own UI helps people (a member picker for presenters, choices
for `facilitator add|remove`, a number for `dos remove`). Every callback does the same thing:
hand the raw interaction to the client, which rebuilds the command text with
`translate.command_text` (from the same declarations) and gives it to the core's one grammar.
"""

from __future__ import annotations

import inspect
import keyword
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Literal, Protocol, runtime_checkable

import discord
from discord import app_commands

from bot.commands.registry import SPECS
from bot.commands.spec import CommandSpec, Option, OptionKind

log = logging.getLogger(__name__)
# Discord's limits: names are 1-32 lowercase characters, descriptions 1-100 characters.
MAX_NAME, MAX_DESCRIPTION = 32, 100
NO_DESCRIPTION = "…"  # what discord.py shows for an option described nowhere


@runtime_checkable
class CommandHandler(Protocol):
    async def handle_command(self, interaction: discord.Interaction) -> None: ...


async def _forward(interaction: discord.Interaction, **_options: Any) -> None:
    client = interaction.client
    if isinstance(client, CommandHandler):
        await client.handle_command(interaction)


def described(words: str) -> str:
    """A summary as a Discord description: capitalised, and refused if it would not fit."""
    description = words[:1].upper() + words[1:]
    if not 1 <= len(description) <= MAX_DESCRIPTION:
        raise ValueError(f"{description!r} is not 1-{MAX_DESCRIPTION} characters")
    return description


def _annotation(option: Option) -> Any:
    kinds: dict[OptionKind, Any] = {
        OptionKind.TEXT: str,
        OptionKind.PERSON: discord.User,
        OptionKind.FLAG: bool,
    }
    if option.kind is OptionKind.INTEGER:
        low = option.minimum if option.minimum is not None else -(2**53)
        high = option.maximum if option.maximum is not None else 2**53
        kind: Any = app_commands.Range[int, low, high]
    elif option.kind is OptionKind.CHOICE:
        kind = Literal[option.choices]
    else:
        kind = kinds[option.kind]
    return kind if option.required else kind | None


def _callback(spec: CommandSpec) -> Callable[..., Coroutine[Any, Any, None]]:
    """A callback whose signature is the declared options: discord.py reads the options'
    types from it. It forwards, like every other: the values are read again from the raw
    interaction by the client."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        await _forward(interaction, **options)

    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    names = {option.name: _parameter_name(option.name, i) for i, option in enumerate(spec.options)}
    for option in spec.options:
        parameters.append(
            inspect.Parameter(
                names[option.name],
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(option),
                **({} if option.required else {"default": None}),
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    described_options = {names[o.name]: o.description for o in spec.options if o.description}
    if described_options:
        callback = app_commands.describe(**described_options)(callback)
    renamed = {name: option for option, name in names.items() if name != option}
    if renamed:
        callback = app_commands.rename(**renamed)(callback)
    return callback


def _parameter_name(option: str, index: int) -> str:
    """A Python name for the option (`for`, `due-date` are not), renamed back for Discord."""
    return option if option.isidentifier() and not keyword.iskeyword(option) else f"option{index}"


def _command(spec: CommandSpec) -> app_commands.Command[Any, ..., None]:
    return app_commands.Command(
        name=spec.form or spec.verb, description=described(spec.summary), callback=_callback(spec)
    )


class AlsCommands(app_commands.Group):
    """Action Learning Sets; `guild_only` because a set is a channel in a server."""

    def __init__(self) -> None:
        super().__init__(name="als", description="Action Learning Sets", guild_only=True)
        groups: dict[str, app_commands.Group] = {}
        for spec in SPECS.values():
            if spec.group is None:
                self.add_command(_command(spec))
                continue
            group = groups.get(spec.verb)
            if group is None:
                group = app_commands.Group(
                    name=spec.verb, description=described(spec.group.about), parent=self
                )
                groups[spec.verb] = group  # `parent=self` has added it
            group.add_command(_command(spec))


class AlsTree(app_commands.CommandTree):
    """The client's command tree. `/als` declares no autocompleted option, so a Discord
    client asking for suggestions (an older `/als`, or a typed partial value) gets an
    empty list (response type 8) instead of discord.py's logged "Ignoring exception" and
    a spinner that never ends."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.type is discord.InteractionType.autocomplete:
            if not interaction.response.is_done():
                try:
                    await interaction.response.autocomplete([])
                except discord.HTTPException as exc:
                    log.info("discord: autocomplete %s not answered: %s", interaction.id, exc)
            return False
        return True
