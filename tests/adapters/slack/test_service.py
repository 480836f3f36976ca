"""Starting the adapter: clear failures for missing or refused secrets, never a token shown."""

from __future__ import annotations

import socket

import pytest

from adapters.slack.client import SlackStartupError, base_url
from adapters.slack.service import start_slack
from adapters.slack.traits import archive_link
from bot.app import Alsbot
from bot.refs import Platform
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import slack_config


def test_base_url_defaults_to_slack_and_always_ends_with_a_slash() -> None:
    assert base_url("") == "https://slack.com/api/"
    assert base_url("https://slack-gov.com/api") == "https://slack-gov.com/api/"


@pytest.mark.parametrize(
    ("mode", "missing", "message"),
    [
        ("http", "SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        ("http", "SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
        ("socket", "SLACK_APP_TOKEN", "SLACK_APP_TOKEN"),
    ],
)
@pytest.mark.asyncio
async def test_missing_secrets_stop_the_start(
    web_api: SlackWebApi, sqlite_url: str, mode: str, missing: str, message: str
) -> None:
    config = slack_config(web_api, sqlite_url, mode, **{missing: ""})
    bot = await Alsbot.open(config)
    try:
        with pytest.raises(SlackStartupError, match=message):
            await start_slack(bot, config)
        assert web_api.calls == []
    finally:
        await bot.close()


@pytest.mark.asyncio
async def test_a_refused_bot_token_stops_the_start_without_showing_it(
    web_api: SlackWebApi, sqlite_url: str
) -> None:
    config = slack_config(web_api, sqlite_url, SLACK_BOT_TOKEN="xoxb-revoked-secret")
    bot = await Alsbot.open(config)
    try:
        with pytest.raises(SlackStartupError) as failed:
            await start_slack(bot, config)
        assert "xoxb-revoked-secret" not in str(failed.value)
        assert "auth.test" in str(failed.value)
    finally:
        await bot.close()


@pytest.mark.asyncio
async def test_starting_declares_slack_s_traits_to_the_core(
    web_api: SlackWebApi, sqlite_url: str
) -> None:
    """The core's Slack pacing and links come from the adapter, on attach."""
    config = slack_config(
        web_api,
        sqlite_url,
        ALSBOT_SLACK_CHANNEL_RATE_PER_SECOND="2.5",
        ALSBOT_SLACK_CHANNEL_BURST="3",
    )
    bot = await Alsbot.open(config)
    try:
        service = await start_slack(bot, config)
        try:
            pacer = bot.deliverers[Platform.SLACK].pacer
            assert (pacer.rate, pacer.burst) == (2.5, 3)
            traits = bot.traits.of(Platform.SLACK)
            assert traits.permalink is archive_link and not traits.global_user_ids
        finally:
            await service.stop()
    finally:
        await bot.close()


@pytest.mark.asyncio
async def test_a_port_taken_at_start_is_one_line_and_closes_what_was_opened(
    web_api: SlackWebApi, sqlite_url: str
) -> None:
    """Taken between `run`'s own check and the listener: the same line as check-config."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        config = slack_config(web_api, sqlite_url, ALSBOT_SLACK_PORT=str(port))
        bot = await Alsbot.open(config)
        try:
            with pytest.raises(SlackStartupError) as failed:
                await start_slack(bot, config)
            session = bot.deliverers[Platform.SLACK].outlet.client.session  # type: ignore[attr-defined]
        finally:
            await bot.close()
    assert failed.value.finding.line() == (
        f"✗ [slack] port {port} on 127.0.0.1 is already in use (another alsbot, or another "
        "program) — stop it, or choose another [slack] port"
    )
    assert session is not None and session.closed, "no 'Unclosed client session' at exit"


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        ("invalid_auth", "again into SLACK_BOT_TOKEN"),
        ("account_inactive", "reinstall it"),
        ("token_revoked", "reinstall the app"),
    ],
)
@pytest.mark.asyncio
async def test_auth_test_refusals_carry_slack_s_code(
    web_api: SlackWebApi, sqlite_url: str, code: str, fix: str
) -> None:
    web_api.slack_error(code, methods=["auth.test"])
    config = slack_config(web_api, sqlite_url)
    bot = await Alsbot.open(config)
    try:
        with pytest.raises(SlackStartupError) as failed:
            await start_slack(bot, config)
    finally:
        await bot.close()
    line = failed.value.finding.line()
    assert line.startswith(f"✗ Slack refused SLACK_BOT_TOKEN (auth.test: {code}) — "), line
    assert fix in line
