"""Forged Slack requests (issue 8, item 8): unsigned, wrongly signed and stale requests get
401 and change nothing — not one row of any table, not one call to Slack.

They go to the real HTTP endpoint `alsbot run` serves (`SlackWorld` in HTTP mode), for each
kind of request Slack sends (slash command, event, block action, view submission). Each
forged request is one that *would* change something if accepted: the facilitator moving a
running session on, or a message in its thread. After all of them, the same requests
signed properly are accepted, so the test shows the 401s are the signature's doing.
`test_e2e_wire.py` covers the slash command's forms and the inbox; this covers the rest.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from bot.clock import FakeClock
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET, SET, SlackWorld
from tests.reliability.db_dump import dump

ALICE, BOB = "UALICE", "UBOB"
FORM = "application/x-www-form-urlencoded"


@pytest_asyncio.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[SlackWorld]:
    async with SlackWebApi() as api:
        w = await SlackWorld.open(api, sqlite_url, clock)
        try:
            yield w
        finally:
            await w.close()


def requests(w: SlackWorld) -> dict[str, tuple[str, str]]:
    """(body, content type) of each kind of request, as Slack would build it."""
    header = w.header()
    next_button = next(b for b in w.buttons(header) if b["text"]["text"] == "Next phase")
    command = sign.slash_command_fields(
        text="next", user_id=ALICE, channel_id=SET, response_url=w.api.response_url("forged-1")
    )
    message = w.api.seed_message(SET, "What have you tried?", user=BOB, thread_ts=header.ts)
    event = sign.event_envelope(
        sign.message_event(
            user=BOB, channel=SET, text=message.text, ts=message.ts, thread_ts=header.ts
        )
    )
    action = sign.block_actions_payload(
        user_id=ALICE,
        channel_id=SET,
        action_id=next_button["action_id"],
        value=next_button.get("value", ""),
        message_ts=header.ts,
        label="Next phase",
        response_url=w.api.response_url("forged-2"),
    )
    view = {
        "type": "view_submission",
        "team": {"id": sign.TEAM, "domain": "als-test"},
        "user": {"id": ALICE, "team_id": sign.TEAM},
        "api_app_id": sign.APP,
        "trigger_id": sign.new_id("trig."),
        "view": {"id": "V0FORGED", "type": "modal", "callback_id": "als", "state": {}},
    }
    return {
        "slash command": (sign.form_body(command), FORM),
        "event": (json.dumps(event), "application/json"),
        "block action": (sign.payload_body(action), FORM),
        "view submission": (sign.payload_body(view), FORM),
    }


def forgeries() -> dict[str, Callable[[str, str], dict[str, str]]]:
    """Headers that must not pass, from the body and its content type."""
    now = int(time.time())
    return {
        "no signature": lambda body, kind: {"Content-Type": kind},
        "no timestamp": lambda body, kind: {
            "Content-Type": kind,
            "X-Slack-Signature": sign.signature(SECRET, now, body),
        },
        "wrong signature": lambda body, kind: sign.signed_headers(
            "0" * 32, body, content_type=kind
        ),
        "301 s old": lambda body, kind: sign.signed_headers(
            SECRET, body, content_type=kind, timestamp=now - 301
        ),
        "6 min in the future": lambda body, kind: sign.signed_headers(
            SECRET, body, content_type=kind, timestamp=now + 360
        ),
        "signed for another body": lambda body, kind: sign.signed_headers(
            SECRET, body + "&x=1", content_type=kind
        ),
    }


@pytest.mark.asyncio
async def test_forged_requests_get_401_and_change_nothing(world: SlackWorld) -> None:
    w = world
    assert (await w.command(ALICE, f"start <@{BOB}|bob>")).status == 200
    await w.settle()
    for _ in range(3):  # → Questions, so a thread message and "next" both have effects
        await w.press(ALICE, "Next phase")
        await w.settle()
    kinds = requests(w)
    before = await dump(w.bot.store)
    calls_before = len(w.api.calls)
    for kind, (body, content_type) in kinds.items():
        for name, headers in forgeries().items():
            answer = await w.send_http(body, headers(body, content_type))
            assert answer.status == 401, f"{kind} with {name}: {answer.status} {answer.body}"
    await w.settle()
    assert await dump(w.bot.store) == before, "a forged request changed the database"
    assert len(w.api.calls) == calls_before, [c.method for c in w.api.calls[calls_before:]]

    # The same requests, signed with the right secret and now, are accepted and act.
    for kind, (body, content_type) in kinds.items():
        headers = sign.signed_headers(SECRET, body, content_type=content_type)
        answer = await w.send_http(body, headers)
        assert answer.status == 200, f"{kind}: {answer.status} {answer.body}"
    await w.settle()
    after = await dump(w.bot.store)
    assert len(after["inbox"]) == len(before["inbox"]) + 3, "command, event and button"
    assert after["sessions"] != before["sessions"], "the session moved on"


@pytest.mark.asyncio
async def test_a_stale_retry_of_a_real_event_is_refused(world: SlackWorld) -> None:
    """A captured, once-valid request replayed after five minutes is a replay attack."""
    w = world
    assert (await w.command(ALICE, "start")).status == 200
    await w.settle()
    body = json.dumps(sign.event_envelope(sign.message_event(
        user=BOB, channel=SET, text="hello", ts="1767225601.000100")))  # fmt: skip
    captured = sign.signed_headers(SECRET, body, timestamp=int(time.time()) - 400)
    before = await dump(w.bot.store)
    for retry in (None, 1, 2):
        headers = dict(captured)
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
        assert (await w.send_http(body, headers)).status == 401
    await w.settle()
    assert await dump(w.bot.store) == before
