"""The settings' own checks (bot/preflight.py): one line per mistake, each naming what it
is about, so `check-config --online` does not ask Slack about a token already refused.
(Each mistake's exact line, through the real command: tests/adapters/preflight.)"""

from __future__ import annotations

from pathlib import Path

from bot.config import load_config
from bot.preflight import Finding, config_findings


def findings(tmp_path: Path, **env: str) -> list[Finding]:
    base = {"ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/a.db"}
    return config_findings(load_config(None, {**base, **env}))


def test_a_quoted_token_of_the_wrong_kind_is_one_line_about_its_variable(tmp_path: Path) -> None:
    [found] = findings(
        tmp_path,
        ALSBOT_SLACK_ENABLED="true",
        SLACK_BOT_TOKEN="'xapp-1-A-2-x'",
        SLACK_SIGNING_SECRET="s",
    )
    assert found.problem == "SLACK_BOT_TOKEN is wrapped in quotes"
    assert found.about == "SLACK_BOT_TOKEN" and found.blocking


def test_database_lines_are_about_the_database(tmp_path: Path) -> None:
    [found] = findings(
        tmp_path,
        ALSBOT_DISCORD_ENABLED="true",
        ALSBOT_DISCORD_ALLOWED_GUILD_IDS="1",
        DISCORD_BOT_TOKEN="a.b.c",
        ALSBOT_DATABASE_URL="postgres://u@h/d",
    )
    assert found.about == "database" and found.blocking


def test_tokens_of_a_platform_not_enabled_are_not_judged(tmp_path: Path) -> None:
    assert (
        findings(
            tmp_path,
            ALSBOT_DISCORD_ENABLED="true",
            ALSBOT_DISCORD_ALLOWED_GUILD_IDS="1",
            DISCORD_BOT_TOKEN="a.b.c",
            SLACK_BOT_TOKEN="xapp-wrong-kind",
        )
        == []
    )


def test_lines_read_as_problem_then_fix() -> None:
    assert Finding("x is wrong", "do y").line() == "✗ x is wrong — do y"
    assert Finding("x is odd", "do y", "⚠").line() == "⚠ x is odd — do y"
    assert not Finding("x is odd", mark="⚠").blocking
