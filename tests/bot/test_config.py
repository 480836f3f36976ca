"""Config: TOML, environment overrides for every key, secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SECTIONS, Config, ConfigError, load_config, problems_for_running

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_example_config_documents_every_key() -> None:
    config = load_config(EXAMPLE, {})
    text = EXAMPLE.read_text()
    for section in SECTIONS:
        assert f"[{section}]" in text
        for key in getattr(config, section).__dataclass_fields__:
            assert f"{key} =" in text or f"# {key} =" in text, f"[{section}] {key} is undocumented"


def test_every_key_is_overridable_from_the_environment() -> None:
    env = {
        "ALSBOT_DATABASE_URL": "postgresql+asyncpg://x@h/db",
        "ALSBOT_SLACK_ENABLED": "yes",
        "ALSBOT_SLACK_PORT": "8080",
        "ALSBOT_DEFAULTS_PRESENTING_MINUTES": "9",
        "ALSBOT_SCHEDULER_TICK_SECONDS": "2.5",
        "ALSBOT_DISCORD_DEV_GUILD_ID": "123",
    }
    config = load_config(EXAMPLE, env)
    assert config.database.url == "postgresql+asyncpg://x@h/db"
    assert config.slack.enabled is True and config.slack.port == 8080
    assert config.defaults.presenting_minutes == 9
    assert config.scheduler.tick_seconds == 2.5
    assert config.discord.dev_guild_id == 123


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALSBOT_SLACK_PORT": "eighty"}, "[slack] port must be a whole number"),
        ({"ALSBOT_DEFAULTS_PRESENTING_MINUTES": "12"}, "between 6 and 10"),
        ({"ALSBOT_DEFAULTS_TIMEZONE": "Mars/Base"}, "is unknown"),
        ({"ALSBOT_DEFAULTS_TIMEZONE": "A" * 300}, "[defaults] timezone 'AAAA"),
        (
            {"ALSBOT_LOGGING_LEVEL": "loud"},
            "[logging] level 'loud' is not a level — use one of debug, info",
        ),
        ({"ALSBOT_LOGGING_FORMAT": "xml"}, "[logging] format must be one of text, json"),
        ({"ALSBOT_SLACK_MODE": "carrier-pigeon"}, 'neither "http" nor "socket" — set [slack] mode'),
        (
            {"ALSBOT_SLACK_PUBLIC_URL": "alsbot.example.org"},
            "[slack] public_url 'alsbot.example.org' is not an origin",
        ),
        (
            {"ALSBOT_SLACK_PUBLIC_URL": "https://alsbot.example.org/slack/events"},
            "is not an origin: give alsbot's public address alone",
        ),
    ],
)
def test_bad_values_name_the_key(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(None, env)


def test_unknown_keys_and_sections_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text("[slack]\nenabeld = true\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(bad, {})
    bad.write_text("[slak]\n")
    with pytest.raises(ConfigError, match="unknown section"):
        load_config(bad, {})


def test_secrets_come_from_the_environment_and_never_print() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-SENTINEL-1",
        "SLACK_SIGNING_SECRET": "SENTINEL-2",
        "ALSBOT_SLACK_ENABLED": "1",
    }
    config = load_config(None, env)
    assert config.secrets.slack_bot_token == "xoxb-SENTINEL-1"
    assert "SENTINEL" not in repr(config) and "SENTINEL" not in str(config)
    assert problems_for_running(config) == []


def test_http_mode_without_signing_secret_is_refused() -> None:
    config = load_config(None, {"SLACK_BOT_TOKEN": "x", "ALSBOT_SLACK_ENABLED": "1"})
    assert any("SLACK_SIGNING_SECRET" in p for p in problems_for_running(config))
    assert problems_for_running(Config()) == ["none of [slack], [discord] and [teams] is enabled"]


def test_allowed_guild_ids_from_the_file_or_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text("[discord]\nallowed_guild_ids = [123, 456]\n[health]\nport = 8081\n")
    config = load_config(path, env={})
    assert config.discord.allowed_guild_ids == (123, 456)
    assert config.health.port == 8081
    env = {"ALSBOT_DISCORD_ALLOWED_GUILD_IDS": "7, 8,9"}
    assert load_config(path, env=env).discord.allowed_guild_ids == (7, 8, 9)
    path.write_text('[discord]\nallowed_guild_ids = ["abc"]\n')
    with pytest.raises(ConfigError, match="allowed_guild_ids"):
        load_config(path, env={})


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"ALSBOT_DEFAULTS_PROMPTS": "mondays at ten"}, "[defaults] prompts 'mondays at ten'"),
        ({"ALSBOT_DEFAULTS_PROMPTS": "monday 25:00"}, 'is neither "off" nor a weekday'),
        ({"ALSBOT_DEFAULTS_OFFER_DAYS": "3"}, "[defaults] offer_days must be between 7 and 365"),
    ],
)
def test_between_sessions_defaults_are_checked(env: dict[str, str], said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(None, env)
    assert said in str(refused.value)
    assert load_config(None, {"ALSBOT_DEFAULTS_PROMPTS": "Tuesday 09:30"}).defaults.prompts
