"""Slack names people for the web pages through `users.info` (the stand-in speaks it): the
display name a person chose, else their full name; nothing, never an id, when Slack will
not say; and a toolkit page served from a Slack set shows those names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.slack.client import delivery_client
from adapters.slack.source import SlackMessageSource
from adapters.web.service import directories
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.ports import NameDirectory
from bot.refs import Platform, UserRef, WorkspaceRef
from bot.reports.names import UNNAMED, names_for
from testkit.config import START_OF_TESTS, make_config
from testkit.recording import RecordingOutlet
from testkit.slack.web_api import SlackWebApi

WS = WorkspaceRef(Platform.SLACK, "T0001")
pytestmark = pytest.mark.asyncio


async def test_display_name_then_full_name_then_nothing(web_api: SlackWebApi) -> None:
    source = SlackMessageSource(delivery_client(web_api.token, web_api.url))
    assert isinstance(source, NameDirectory)
    web_api.users["U0ADA"] = {"name": "ada", "real_name": "Ada Lovelace"}
    web_api.users["U0BEN"] = {"name": "", "real_name": "Ben Okri"}  # no display name set
    assert await source.display_name(UserRef(WS, "U0ADA")) == "ada"
    assert await source.display_name(UserRef(WS, "U0BEN")) == "Ben Okri"
    web_api.missing_users.add("U0GONE")
    assert await source.display_name(UserRef(WS, "U0GONE")) is None
    web_api.slack_error("fatal_error", methods=["users.info"])
    assert await source.display_name(UserRef(WS, "U0ADA")) is None  # raises nothing
    asked = [c.args.get("user") for c in web_api.calls_to("users.info")]
    assert asked == ["U0ADA", "U0BEN", "U0GONE", "U0ADA"]


async def test_a_page_s_names_come_from_slack_and_are_kept(
    web_api: SlackWebApi, sqlite_url: str
) -> None:
    app = await Alsbot.open(make_config(sqlite_url), clock=FakeClock(START_OF_TESTS))
    app.attach(
        RecordingOutlet(platform=Platform.SLACK),
        SlackMessageSource(delivery_client(web_api.token, web_api.url)),
    )
    web_api.users["U0ADA"] = {"name": "Ada"}
    web_api.missing_users.add("U0GONE")
    try:
        keys = [UserRef(WS, "U0ADA").key, UserRef(WS, "U0GONE").key]
        for _ in range(2):
            names = await names_for(
                app.store, directories(app), keys, now=START_OF_TESTS, max_age=timedelta(days=7)
            )
            assert names == {keys[0]: "Ada", keys[1]: UNNAMED}
        asked = [c.args.get("user") for c in web_api.calls_to("users.info")]
        assert asked == ["U0ADA", "U0GONE", "U0GONE"]  # Ada's name was kept; no answer is not
    finally:
        await app.close()
