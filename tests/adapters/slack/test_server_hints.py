"""A wrong SLACK_SIGNING_SECRET as the operator meets it: every one of Slack's requests is
refused (401), and the log says so at WARNING, at most once a minute, with where to look
(issue 15, point 7)."""

from __future__ import annotations

import json
import logging

import pytest

from testkit.slack import signing as sign
from testkit.slack.world import SlackWorld

HINT = "check SLACK_SIGNING_SECRET (Basic Information → App Credentials)"


@pytest.mark.asyncio
async def test_a_wrong_signing_secret_is_one_warning_with_the_hint(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    statuses = []
    for n in range(30):  # Slack, signing with the app's real secret, which is not ours
        body = json.dumps({"type": "event_callback", "event_id": f"Ev{n}"})
        headers = sign.signed_headers("the-app-s-real-secret-not-ours", body)
        statuses.append((await http_world.send_http(body, headers)).status)
    assert set(statuses) == {401}
    lines = [r for r in caplog.records if "refused requests" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    [line] = lines
    assert line.levelno == logging.WARNING
    assert "1 bad signature" in line.getMessage() and HINT in line.getMessage()


@pytest.mark.asyncio
async def test_unsigned_probes_get_no_secret_hint(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """A scanner's unsigned request says nothing about the secret: no hint to mislead."""
    caplog.set_level(logging.INFO)
    assert (await http_world.send_http("{}", {"Content-Type": "application/json"})).status == 401
    [line] = [r.getMessage() for r in caplog.records if "refused requests" in r.getMessage()]
    assert "1 unsigned" in line and "SLACK_SIGNING_SECRET" not in line
