"""docs/DEPLOY.md names only what exists: its links, its `alsbot` commands, its numbers."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from adapters.cli import main
from bot.config import load_config
from bot.store.db import sqlite_file
from tests.deploy.units import DEPLOY, ROOT, read_unit, seconds, stop_budget

DOC = ROOT / "docs" / "DEPLOY.md"


def test_every_file_it_links_to_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    targets = [t for t in re.findall(r"\]\(([^)#]+)\)", text) if not t.startswith("http")]
    assert targets
    for target in targets:
        assert (DOC.parent / target).exists(), target


def commands() -> set[tuple[str, ...]]:
    """`alsbot WORD [WORD]` in code (fenced blocks and `inline` spans), but the log line
    `alsbot is running` and the container named alsbot (`docker exec alsbot alsbot …`)."""
    text = DOC.read_text(encoding="utf-8")
    code = " ".join(re.findall(r"```.*?```", text, re.S) + re.findall(r"`[^`\n]+`", text))
    said = re.findall(r"(?:^|[\s/`])alsbot ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", code)
    named = {tuple(word for word in words if word) for words in said}
    return {words for words in named if words[0] != "alsbot"} - {("is", "running")}


def test_the_commands_it_names_are_found() -> None:
    """Else the test below would be parametrized with nothing, and only skipped."""
    assert {("run",), ("check-config",), ("db", "upgrade"), ("db", "backup")} <= commands()


@pytest.mark.parametrize("words", sorted(commands()), ids=" ".join)
def test_every_alsbot_command_it_names_exists(words: tuple[str, ...]) -> None:
    context = click.Context(main)
    command: click.Command = main
    for word in words:
        if not isinstance(command, click.Group):
            break  # the rest are arguments
        found = command.get_command(context, word)
        assert found is not None, f"`alsbot {' '.join(words)}`: no command {word!r}"
        command = found


def test_its_stop_times_are_the_units_and_the_code_s() -> None:
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    [timeout] = read_unit(DEPLOY / "systemd" / "alsbot.service")["Service"]["TimeoutStopSec"]
    assert f"TimeoutStopSec={timeout}" in text
    assert f"at most about {stop_budget():.0f} s" in text
    assert f"stop_grace_period: {timeout}s" in text and f"--time {seconds(timeout):.0f}" in text


def test_its_sqlite_config_names_the_state_directory_s_file(tmp_path: Path) -> None:
    [example] = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    config_file = tmp_path / "alsbot.toml"
    config_file.write_text(example, encoding="utf-8")
    config = load_config(config_file, env={})
    database = sqlite_file(config.database.url)
    assert database is not None and database.path == Path("/var/lib/alsbot/alsbot.db")
    [unit] = read_unit(DEPLOY / "systemd" / "alsbot.service")["Service"]["ReadWritePaths"]
    assert database.path.parent == Path(unit)
    assert config.health.port == 8081 and config.slack.enabled
