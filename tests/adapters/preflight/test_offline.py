"""`alsbot check-config` without the network: each mistake an operator makes on the first
day is one ✗ line with its fix, and exit 2 (issue 15, point 1)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from adapters.preflight.offline import try_bind
from bot.preflight import bind_finding
from testkit.worlds.live import free_port
from tests.adapters.preflight.cli_helpers import check_config, marked

SLACK = {
    "ALSBOT_SLACK_ENABLED": "true",
    # HTTP mode: check-config tries to bind this port; not the default 3000, which
    # anything else on the machine may hold.
    "ALSBOT_SLACK_PORT": str(free_port()),
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
}
SOCKET = {**SLACK, "ALSBOT_SLACK_MODE": "socket", "SLACK_APP_TOKEN": "xapp-1-A1-2-abc"}
DISCORD = {
    "ALSBOT_DISCORD_ENABLED": "true",
    "DISCORD_BOT_TOKEN": "MTAx.GaBcDe.abcdefghij",
    "ALSBOT_DISCORD_ALLOWED_GUILD_IDS": "234567890123456789",
}

MISTAKES = {
    "xapp as the bot token": (
        {**SLACK, "SLACK_BOT_TOKEN": "xapp-1-A1-2-abc"},
        "✗ SLACK_BOT_TOKEN is an app-level token (xapp-…), not the bot token — set "
        "SLACK_BOT_TOKEN to OAuth & Permissions → Bot User OAuth Token (xoxb-…); the xapp- "
        "token goes in SLACK_APP_TOKEN",
    ),
    "xoxp as the bot token": (
        {**SLACK, "SLACK_BOT_TOKEN": "xoxp-1-2-abc"},
        "✗ SLACK_BOT_TOKEN is a user token (xoxp-…), not the bot token — set SLACK_BOT_TOKEN "
        "to OAuth & Permissions → Bot User OAuth Token (xoxb-…)",
    ),
    "xoxb as the app token": (
        {**SOCKET, "SLACK_APP_TOKEN": "xoxb-1-2-abc"},
        "✗ SLACK_APP_TOKEN is the bot token (xoxb-…), not an app-level token — Socket Mode "
        "needs Basic Information → App-Level Tokens (xapp-…, scope connections:write)",
    ),
    "a quoted bot token": (
        {**SLACK, "SLACK_BOT_TOKEN": '"xoxb-1-2-abc"'},
        "✗ SLACK_BOT_TOKEN is wrapped in quotes — set it without the quotes",
    ),
    "a space-padded app token": (
        {**SOCKET, "SLACK_APP_TOKEN": "xapp-1-A1-2-abc "},
        "✗ SLACK_APP_TOKEN has spaces or a line break around it — set it to the value alone "
        "(an EnvironmentFile line is taken exactly as written)",
    ),
    "a quoted signing secret": (
        {**SLACK, "SLACK_SIGNING_SECRET": "'8f742231b10e8888abcd99yyyzzz85a5'"},
        "✗ SLACK_SIGNING_SECRET is wrapped in quotes — set it without the quotes",
    ),
    "a Discord token with a line break": (
        {**DISCORD, "DISCORD_BOT_TOKEN": "MTAx.GaBcDe.abcdefghij\n"},
        "✗ DISCORD_BOT_TOKEN has spaces or a line break around it — set it to the value alone "
        "(an EnvironmentFile line is taken exactly as written)",
    ),
    "a Discord token prefixed Bot": (
        {**DISCORD, "DISCORD_BOT_TOKEN": "Bot MTAx.GaBcDe.abcdefghij"},
        '✗ DISCORD_BOT_TOKEN starts with "Bot " — set the token alone: alsbot adds "Bot " itself',
    ),
    "a Discord client secret as the token": (
        {**DISCORD, "DISCORD_BOT_TOKEN": "kq3v9XGm0_aRpX1xN2s7oYw4bQ8cLd5e"},
        "✗ DISCORD_BOT_TOKEN is not a bot token (three parts separated by dots) — copy it from "
        "the Developer Portal → Bot → Reset Token (not the client secret or the public key)",
    ),
    "sqlite without aiosqlite": (
        {**SLACK, "ALSBOT_DATABASE_URL": "sqlite:////srv/alsbot/alsbot.db"},
        "✗ [database] url uses sqlite:// (no async driver) — use "
        "sqlite+aiosqlite:////srv/alsbot/alsbot.db",
    ),
    "postgres://": (
        {**SLACK, "ALSBOT_DATABASE_URL": "postgres://alsbot:hunter2@db:5432/alsbot"},
        "✗ [database] url uses postgres:// (no async driver) — use "
        "postgresql+asyncpg://alsbot:***@db:5432/alsbot",
    ),
    "postgresql://": (
        {**SLACK, "ALSBOT_DATABASE_URL": "postgresql://alsbot:hunter2@db/alsbot"},
        "✗ [database] url uses postgresql:// (no async driver) — use "
        "postgresql+asyncpg://alsbot:***@db/alsbot",
    ),
    "postgresql+psycopg2://": (
        {**SLACK, "ALSBOT_DATABASE_URL": "postgresql+psycopg2://alsbot@db/alsbot"},
        "✗ [database] url uses postgresql+psycopg2:// (no async driver) — use "
        "postgresql+asyncpg://alsbot@db/alsbot",
    ),
    "a SQLite file in a folder that does not exist": (
        {**SLACK, "ALSBOT_DATABASE_URL": "sqlite+aiosqlite:////srv/no-such-folder/alsbot.db"},
        "✗ the folder /srv/no-such-folder for the SQLite database does not exist — create it "
        "(writable by alsbot's user), or correct [database] url",
    ),
    "a log level that is not one": (
        {**SLACK, "ALSBOT_LOGGING_LEVEL": "verbose"},
        "✗ [logging] level 'verbose' is not a level — use one of debug, info, warning, error, "
        "critical",
    ),
    "a Slack port out of range": (
        {**SLACK, "ALSBOT_SLACK_PORT": "70000"},
        "✗ [slack] port 70000 is out of range — use 1–65535",
    ),
    "a health port out of range": (
        {**SLACK, "ALSBOT_HEALTH_PORT": "-1"},
        "✗ [health] port -1 is out of range — use 1–65535, or 0 for none",
    ),
    "a Slack mode that is neither": (
        {**SLACK, "ALSBOT_SLACK_MODE": "websocket"},
        '✗ [slack] mode \'websocket\' is neither "http" nor "socket" — set [slack] mode = '
        '"http" (manifest.yaml) or "socket" (manifest.socket.yaml)',
    ),
}


@pytest.mark.parametrize(("env", "line"), MISTAKES.values(), ids=MISTAKES.keys())
def test_each_mistake_is_one_line_with_its_fix(
    env: dict[str, str], line: str, tmp_path: Path
) -> None:
    env = {"ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/alsbot.db", **env}
    result = check_config(env, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert marked(result.stderr) == [line], result.stderr
    assert "hunter2" not in result.output
    assert "looks good" not in result.stdout


def test_a_config_file_error_is_a_line_too(tmp_path: Path) -> None:
    config = tmp_path / "alsbot.toml"
    config.write_text('[slack]\nenabled = true\nport = "eighty"\n', encoding="utf-8")
    env = {k: v for k, v in SLACK.items() if k != "ALSBOT_SLACK_PORT"}  # the file's port
    result = check_config(env, cwd=tmp_path, config=config)
    assert result.exit_code == 2
    assert result.stderr == "✗ [slack] port must be a whole number, not 'eighty'\n"


@pytest.mark.parametrize("section", ["slack", "health"])
def test_a_port_in_use_is_one_line(section: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = {
            **SLACK,
            "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/alsbot.db",
            f"ALSBOT_{section.upper()}_PORT": str(port),
        }
        if section == "health":
            env["ALSBOT_SLACK_PORT"] = "0"
            env["ALSBOT_SLACK_MODE"], env["SLACK_APP_TOKEN"] = "socket", "xapp-1-A-2-x"
        result = check_config(env, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert marked(result.stderr) == [
        f"✗ [{section}] port {port} on 127.0.0.1 is already in use (another alsbot, or another "
        f"program) — stop it, or choose another [{section}] port"
    ], result.stderr


def test_a_host_this_machine_does_not_have_is_one_line(tmp_path: Path) -> None:
    env = {
        **SLACK,
        "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/alsbot.db",
        "ALSBOT_SLACK_HOST": "192.0.2.1",  # TEST-NET-1: nobody's address
    }
    result = check_config(env, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert marked(result.stderr) == [
        "✗ [slack] host 192.0.2.1 is not an address of this machine — use 127.0.0.1 (behind a "
        "proxy on this machine) or 0.0.0.0, in [slack] host"
    ]


def test_a_port_below_1024_for_a_user_without_the_right() -> None:
    """Root (as these tests may run) can bind it; the line is what a user gets."""
    refused = PermissionError(13, "Permission denied")
    assert bind_finding("slack", "0.0.0.0", 80, refused).line() == (
        "✗ [slack] port 80 on 0.0.0.0 cannot be opened by this user (permission denied) — use a "
        "port above 1023 (behind the reverse proxy)"
    )
    assert try_bind("127.0.0.1", 0) is None


def test_a_relative_sqlite_path_is_a_warning_naming_the_file(tmp_path: Path) -> None:
    result = check_config(
        {**SLACK, "ALSBOT_DATABASE_URL": "sqlite+aiosqlite:///alsbot.db"}, cwd=tmp_path
    )
    assert result.exit_code == 0, result.output
    assert marked(result.stderr, "⚠") == [
        f"⚠ [database] url names alsbot.db relative to the working folder: {tmp_path}/alsbot.db "
        "from here, but elsewhere under systemd (which starts in /) — write an absolute path: "
        f"sqlite+aiosqlite:///{tmp_path}/alsbot.db"
    ]
    assert "✓ configuration looks good" in result.stdout


def test_an_app_token_in_http_mode_warns_about_the_manifest(tmp_path: Path) -> None:
    env = {
        **SLACK,
        "SLACK_APP_TOKEN": "xapp-1-A-2-x",
        "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/alsbot.db",
    }
    result = check_config(env, cwd=tmp_path)
    assert result.exit_code == 0
    [line] = marked(result.stderr, "⚠")
    assert 'paste manifest.yaml, or set [slack] mode = "socket"' in line


def test_a_good_configuration_passes(tmp_path: Path) -> None:
    env = {**SOCKET, **DISCORD, "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/a.db"}
    result = check_config(env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout == (
        "✓ Slack: single workspace (SLACK_BOT_TOKEN)\n✓ configuration looks good\n"
    )


def test_discord_open_to_any_server_is_a_warning(tmp_path: Path) -> None:
    env = {**DISCORD, "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/a.db"}
    del env["ALSBOT_DISCORD_ALLOWED_GUILD_IDS"]
    result = check_config(env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    [line] = marked(result.stderr, "⚠")
    assert line.startswith("⚠ [discord] allowed_guild_ids is empty: anyone who sees")
    assert line.endswith(
        "— list your servers' ids in [discord] allowed_guild_ids, and untick Public Bot"
    )


def test_a_dev_guild_off_the_allow_list_is_a_warning(tmp_path: Path) -> None:
    """Commands synced only to a server the bot leaves at once: /als exists nowhere."""
    env = {
        **DISCORD,
        "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/a.db",
        "ALSBOT_DISCORD_ALLOWED_GUILD_IDS": "111, 222",
        "ALSBOT_DISCORD_DEV_GUILD_ID": "333",
    }
    result = check_config(env, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    [line] = marked(result.stderr, "⚠")
    assert line.startswith("⚠ [discord] dev_guild_id 333 is not in allowed_guild_ids")
    env["ALSBOT_DISCORD_DEV_GUILD_ID"] = "222"
    assert marked(check_config(env, cwd=tmp_path).stderr, "⚠") == []
