"""The Slack HTTP endpoint under hostile traffic: garbage, unsigned, malformed, slow.

A request is checked for a valid signature and a fresh timestamp before anything parses
it, so nothing an unsigned sender writes reaches Bolt; refusals are counted, not logged
one by one.
"""

from __future__ import annotations

import json
import logging

import pytest

from testkit.slack import signing as sign
from testkit.slack.world import SECRET, SlackWorld

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def garbage() -> list[tuple[str, dict[str, str]]]:
    """Every shape the probe sent: non-object bodies, bad or missing signature headers."""
    bodies = [('"hello"', JSON), ("[]", JSON), ("1", JSON), ("null", JSON), ("payload=x", FORM)]
    bodies += [("{}", JSON), ("", JSON), ("payload=%5B%5D", FORM), ("not json", JSON)]
    shapes: list[tuple[str, dict[str, str]]] = []
    for body, kind in bodies:
        shapes.append((body, dict(kind)))  # no signature at all
        shapes.append((body, {**kind, "X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""}))
        shapes.append(
            (body, {**kind, "X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"})
        )
        signed = sign.signed_headers("not-the-secret", body, content_type=kind["Content-Type"])
        shapes.append((body, signed))
        stale = sign.signed_headers(SECRET, body, timestamp=1, content_type=kind["Content-Type"])
        shapes.append((body, stale))
    return shapes


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "".join(formatter.format(record) + "\n" for record in caplog.records)


@pytest.mark.asyncio
async def test_200_unsigned_garbage_requests_are_refused_quietly(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shapes = garbage()
    statuses: list[int] = []
    for i in range(200):
        body, headers = shapes[i % len(shapes)]
        statuses.append((await http_world.send_http(body, headers)).status)
    assert sorted(set(statuses)) in ([400, 401], [401], [400])
    assert all(400 <= s < 500 for s in statuses), statuses
    text = log_text(caplog)
    assert len(text.splitlines()) < 10, text[:3000]
    assert "Traceback" not in text
    assert await http_world.inbox_count() == 0


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ('"hello"', "application/json"),
        ("[]", "application/json"),
        ("1", "application/json"),
        ("null", "application/json"),
        ("not json", "application/json"),
        ("payload=x", "application/x-www-form-urlencoded"),
        ("payload=%5B1%5D", "application/x-www-form-urlencoded"),
        ("payload=%22x%22", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_signed_non_object_body_is_a_client_error(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture, body: str, kind: str
) -> None:
    caplog.set_level(logging.WARNING)
    answer = await http_world.send_http(body, sign.signed_headers(SECRET, body, content_type=kind))
    assert answer.status == 400, answer
    assert "Traceback" not in log_text(caplog)
    assert len(caplog.records) <= 1


@pytest.mark.asyncio
async def test_a_signed_event_still_goes_through(http_world: SlackWorld) -> None:
    answer = await http_world.command("UALICE", "help")
    assert answer.status == 200
    challenge = json.dumps(sign.url_verification("abc"))
    answer = await http_world.send_http(challenge, sign.signed_headers(SECRET, challenge))
    assert answer.status == 200 and "abc" in answer.body
