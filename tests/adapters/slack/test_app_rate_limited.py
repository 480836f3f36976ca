"""Slack's `app_rate_limited` notice: acknowledged, and told once per workspace and minute.

Slack sends it to the Request URL, signed, while it drops the app's events for a workspace
(over 30,000 an hour).  It is not an `event_callback`, so no listener matches it; without
the middleware Bolt answered 404 and logged a WARNING per request.
"""

from __future__ import annotations

import json
import logging

import pytest

from testkit.slack import signing as sign
from testkit.slack.world import SECRET, SlackWorld

MINUTE = 1_767_225_600  # 2026-01-01 00:00 UTC


async def notify(world: SlackWorld, minute: int, team_id: str = sign.TEAM) -> int:
    body = json.dumps(sign.app_rate_limited(minute, team_id=team_id))
    return (await world.send_http(body, sign.signed_headers(SECRET, body))).status


@pytest.mark.asyncio
async def test_the_notice_is_acknowledged_and_logged_once_per_workspace_and_minute(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    statuses = [await notify(http_world, MINUTE) for _ in range(5)]
    statuses += [await notify(http_world, MINUTE + 60) for _ in range(3)]
    statuses += [await notify(http_world, MINUTE, team_id="T0OTHER") for _ in range(2)]
    assert statuses == [200] * 10

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "Slack is rate-limiting event deliveries for workspace T0TEST since 2026-01-01 00:00"
        " UTC (over 30,000 events an hour): events in this window are dropped by Slack",
        "Slack is rate-limiting event deliveries for workspace T0TEST since 2026-01-01 00:01"
        " UTC (over 30,000 events an hour): events in this window are dropped by Slack",
        "Slack is rate-limiting event deliveries for workspace T0OTHER since 2026-01-01 00:00"
        " UTC (over 30,000 events an hour): events in this window are dropped by Slack",
    ]
    assert await http_world.inbox_count() == 0, "a notice is not an event to process"


@pytest.mark.asyncio
async def test_an_unsigned_notice_is_still_refused(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(sign.app_rate_limited(MINUTE))
    headers = sign.signed_headers("not-the-secret", body)
    assert (await http_world.send_http(body, headers)).status == 401
    assert not any("rate-limiting" in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
async def test_a_garbled_notice_is_acknowledged_without_echoing_its_fields(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    raw = {**sign.app_rate_limited(MINUTE), "team_id": "<!channel>\n", "minute_rate_limited": "x"}
    body = json.dumps(raw)
    assert (await http_world.send_http(body, sign.signed_headers(SECRET, body))).status == 200
    told = [r.getMessage() for r in caplog.records if "rate-limiting" in r.getMessage()]
    assert told == [
        "Slack is rate-limiting event deliveries for workspace unknown since an unknown minute"
        " (over 30,000 events an hour): events in this window are dropped by Slack"
    ]
