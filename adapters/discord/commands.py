"""`/als`: one app command group, one subcommand per verb of the core grammar.

Options are typed so Discord's own UI helps people (a member picker for presenters, choices
for `facilitator add|remove`, a number for `dos remove`), but every callback does the same
thing: hand the raw interaction to the client, which rebuilds the command text with
`translate.command_text` and gives it to the core's one grammar.  So the options declared
here must be the ones `translate.FORMS` names; `tests/adapters/discord` checks that.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import discord
from discord import app_commands


@runtime_checkable
class CommandHandler(Protocol):
    async def handle_command(self, interaction: discord.Interaction) -> None: ...


async def _forward(interaction: discord.Interaction) -> None:
    client = interaction.client
    if isinstance(client, CommandHandler):
        await client.handle_command(interaction)


Repeat = Literal["weekly", "fortnightly", "every 3 weeks", "every 4 weeks", "monthly"]
Person = discord.User


class AlsCommands(app_commands.Group):
    """Action Learning Sets; `guild_only` because a set is a channel in a server."""

    def __init__(self) -> None:
        super().__init__(name="als", description="Action Learning Sets", guild_only=True)

    dos = app_commands.Group(name="dos", description="The set's do's: small, practical tips")

    @app_commands.command(name="help", description="List the commands, or explain one")
    @app_commands.describe(topic="A command, or 'dates'")
    async def help_(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        await _forward(interaction)

    @app_commands.command(description="Open a session, with presenters in the order given")
    @app_commands.describe(presenter1="Who presents first", presenter2="Then", presenter3="Then")
    async def start(
        self,
        interaction: discord.Interaction,
        presenter1: Person | None = None,
        presenter2: Person | None = None,
        presenter3: Person | None = None,
        presenter4: Person | None = None,
        presenter5: Person | None = None,
        presenter6: Person | None = None,
    ) -> None:
        await _forward(interaction)

    @app_commands.command(name="next", description="Move the session on to its next phase")
    async def next_(self, interaction: discord.Interaction) -> None:
        await _forward(interaction)

    @app_commands.command(description="Pause the session's timer")
    async def pause(self, interaction: discord.Interaction) -> None:
        await _forward(interaction)

    @app_commands.command(description="Carry on after a pause")
    async def resume(self, interaction: discord.Interaction) -> None:
        await _forward(interaction)

    @app_commands.command(description="Close the session and post its summary")
    async def end(self, interaction: discord.Interaction) -> None:
        await _forward(interaction)

    @app_commands.command(description="Become a member of this set")
    async def join(self, interaction: discord.Interaction) -> None:
        await _forward(interaction)

    @app_commands.command(description="Stop being a member of this set")
    async def leave(self, interaction: discord.Interaction) -> None:
        await _forward(interaction)

    @app_commands.command(description="Add or remove a facilitator")
    async def facilitator(
        self,
        interaction: discord.Interaction,
        change: Literal["add", "remove"],
        person: Person,
    ) -> None:
        await _forward(interaction)

    @app_commands.command(description="Set, show or clear when the set meets")
    @app_commands.describe(
        when="e.g. 'thursday 10am', '3 Dec 14:00', 'monthly on the 2nd tuesday 10am' or 'off'",
        repeat="How often it repeats",
    )
    async def schedule(
        self,
        interaction: discord.Interaction,
        when: str | None = None,
        repeat: Repeat | None = None,
    ) -> None:
        await _forward(interaction)

    @app_commands.command(description="Commit to an action")
    @app_commands.describe(what="What you will do", due="By when: 'friday', '3 Dec', 'in 2 weeks'")
    async def action(
        self, interaction: discord.Interaction, what: str, due: str | None = None
    ) -> None:
        await _forward(interaction)

    @app_commands.command(description="List open actions, yours or someone else's")
    async def actions(self, interaction: discord.Interaction, person: Person | None = None) -> None:
        await _forward(interaction)

    @app_commands.command(description="Report progress on your actions")
    @app_commands.describe(what="What happened")
    async def update(self, interaction: discord.Interaction, what: str) -> None:
        await _forward(interaction)

    @dos.command(name="search", description="Search or browse the set's do's")
    async def dos_search(
        self,
        interaction: discord.Interaction,
        terms: str | None = None,
        page: app_commands.Range[int, 1, 999] | None = None,
    ) -> None:
        await _forward(interaction)

    @dos.command(name="random", description="Show one do at random")
    async def dos_random(self, interaction: discord.Interaction) -> None:
        await _forward(interaction)

    @dos.command(name="remove", description="Remove a do by its number")
    async def dos_remove(
        self, interaction: discord.Interaction, number: app_commands.Range[int, 1, 999_999_999]
    ) -> None:
        await _forward(interaction)

    @dos.command(name="export", description="Export the do's as a file")
    async def dos_export(
        self, interaction: discord.Interaction, format: Literal["html", "md", "csv"] | None = None
    ) -> None:
        await _forward(interaction)

    @app_commands.command(description="Summarise the set's sessions, actions and ratings")
    async def report(self, interaction: discord.Interaction) -> None:
        await _forward(interaction)

    @app_commands.command(description="Show or change the set's settings")
    async def settings(
        self, interaction: discord.Interaction, key: str | None = None, value: str | None = None
    ) -> None:
        await _forward(interaction)

    @app_commands.command(name="export-me", description="Get a copy of everything stored about you")
    async def export_me(self, interaction: discord.Interaction) -> None:
        await _forward(interaction)

    @app_commands.command(name="forget-me", description="Delete everything stored about you")
    @app_commands.describe(confirm="Yes to delete; leave empty to see what would go")
    async def forget_me(
        self, interaction: discord.Interaction, confirm: bool | None = None
    ) -> None:
        await _forward(interaction)
