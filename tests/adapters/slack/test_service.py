"""Starting the adapter: clear failures for missing or refused secrets, never a token shown."""

from __future__ import annotations

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
