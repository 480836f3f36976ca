"""Discord's `/als` tree, built from the commands' declarations, within Discord's limits."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest
from discord import app_commands

from adapters.discord import command_tree
from adapters.discord.command_tree import AlsCommands
from bot.commands import registry
from bot.commands.spec import CommandSpec, Option, OptionKind

NAME = re.compile(r"^[-_\w]{1,32}$")  # Discord's rule for names, lowercase only
SUBCOMMAND, GROUP = 1, 2


def tree() -> dict[str, Any]:
    return AlsCommands().to_dict(
        app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    )


def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node.get("options", []):
        found += nodes(child)
    return found


def test_every_name_and_description_fits_discord_s_limits() -> None:
    for node in nodes(tree()):
        assert NAME.match(node["name"]) and node["name"] == node["name"].lower(), node["name"]
        assert 1 <= len(node["description"]) <= command_tree.MAX_DESCRIPTION, node["name"]
        assert len(node.get("options", [])) <= 25, node["name"]
        for choice in node.get("choices") or []:
            assert 1 <= len(choice["name"]) <= 100


def test_descriptions_are_the_declared_summaries() -> None:
    declared = {
        f"{parent['name']} {sub['name']}" if parent["type"] == GROUP else sub["name"]: sub
        for parent in tree()["options"]
        for sub in (parent["options"] if parent["type"] == GROUP else [parent])
    }
    assert set(declared) == {spec.path for spec in registry.SPECS.values()}
    for spec in registry.SPECS.values():
        node = declared[spec.path]
        assert node["description"] == spec.summary[0].upper() + spec.summary[1:]
        assert [o["name"] for o in node["options"]] == [
            o.name for o in sorted(spec.options, key=lambda o: not o.required)
        ]


def test_a_summary_too_long_for_discord_is_refused_when_the_tree_is_built() -> None:
    with pytest.raises(ValueError, match="1-100"):
        command_tree.described("x" * 101)
    assert command_tree.described("open a session") == "Open a session"


def test_an_option_named_like_a_python_keyword_keeps_its_name() -> None:
    spec = CommandSpec(
        "thank",
        "/als thank @person [what for]",
        "thank someone",
        options=(
            Option("person", OptionKind.PERSON, required=True),
            Option("for", description="Why"),
        ),
    )
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    shown = command_tree._command(spec).to_dict(tree)
    assert [(o["name"], o["description"], o["required"]) for o in shown["options"]] == [
        ("person", "…", True),
        ("for", "Why", False),
    ]
