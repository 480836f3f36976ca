"""Every documented Slack payload shape, blanked, through the real HTTP endpoint.

The corpus (java-slack-sdk's json-logs samples) has every id empty and every timestamp
zero.  Each file is sent signed, as Slack would send it: events inside an
`event_callback` envelope (and once exactly as stored), the slash command as a form,
every other app-backend payload as a `payload=` form.  Each must get a clean 2xx or 4xx,
log no error, write nothing to the inbox, and make the bot post nothing anywhere.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from adapters.slack import translate
from testkit.slack import signing as sign
from testkit.slack.world import (
    CORPUS,
    CORPUS_BACKEND,
    CORPUS_EVENTS,
    IDENTITY,
    SECRET,
    SlackWorld,
)

EVENTS, BACKEND = CORPUS_EVENTS, CORPUS_BACKEND

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="payload corpus not present")


def test_the_corpus_is_all_there() -> None:
    assert len(EVENTS) >= 90 and len(BACKEND) == 9


async def _send_all(world: SlackWorld) -> dict[str, int]:
    statuses: dict[str, int] = {}
    for path in EVENTS:
        stored = json.loads(path.read_text())
        wrapped = {**stored, "type": "event_callback"}
        for name, body in ((f"{path.name} (wrapped)", wrapped), (path.name, stored)):
            raw = json.dumps(body)
            statuses[name] = (await world.send_http(raw, sign.signed_headers(SECRET, raw))).status
    for path in BACKEND:
        payload = json.loads(path.read_text())
        if path.name == "SlashCommandPayload.json":
            raw = sign.form_body(payload)
        else:
            raw = sign.payload_body(payload)
        answer = await world.send_http(raw, sign.form_headers(SECRET, raw))
        statuses[path.name] = answer.status
    return statuses


@pytest.mark.asyncio
async def test_every_shape_gets_a_clean_answer_and_nothing_is_posted(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    statuses = await _send_all(http_world)
    await http_world.settle()
    await http_world.service.background.drain()
    server_errors = {name: s for name, s in statuses.items() if s >= 500}
    assert server_errors == {}
    assert all(200 <= s < 500 for s in statuses.values())
    assert await http_world.inbox_count() == 0, "no event on the strength of an empty id"
    assert [c.method for c in http_world.api.calls] == ["auth.test"], "nothing was sent to Slack"
    assert http_world.api.responses == []
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert problems == [], [r.getMessage()[:200] for r in problems]


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.stem)
def test_translating_each_event_shape_is_ignored_with_a_reason(path: Path) -> None:
    stored = json.loads(path.read_text())
    outcome = translate.from_event_callback({**stored, "type": "event_callback"}, IDENTITY)
    assert isinstance(outcome, translate.Ignored) and outcome.reason


@pytest.mark.parametrize("path", BACKEND, ids=lambda p: p.stem)
def test_translating_each_backend_shape_is_ignored_with_a_reason(path: Path) -> None:
    payload = json.loads(path.read_text())
    for translator in (translate.from_slash_command, translate.from_block_actions):
        outcome = translator(payload)
        assert isinstance(outcome, translate.Ignored) and outcome.reason
