"""End-to-end properties on the wire: retries, signatures, escaping, slow Slack, DMs, Home."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.clock import FakeClock
from bot.store.models import OutcomeUpdate
from testkit.slack import signing as sign
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi, dm_channel
from testkit.slack.world import SECRET, SET, SlackWorld

ALICE, BOB, CAROL = "UALICE", "UBOB", "UCAROL"


@pytest_asyncio.fixture(params=["http", "socket"])
async def world(
    request: pytest.FixtureRequest, web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[SlackWorld]:
    socket = await SocketModeServer().start() if request.param == "socket" else None
    w = await SlackWorld.open(web_api, sqlite_url, clock, mode=request.param, socket=socket)
    try:
        yield w
    finally:
        await w.close()
        if socket is not None:
            await socket.close()


async def with_open_action(world: SlackWorld, text: str) -> None:
    """Alice facilitates a set (start, end) and commits to an action outside a session."""
    for line in ("start", "end", f"action {text}"):
        assert (await world.command(ALICE, line)).status == 200
        await world.settle()


def dm_event(user: str, text: str, ts: str) -> dict:
    channel = "D" + user.lstrip("U")
    return sign.message_event(user=user, channel=channel, text=text, ts=ts, channel_type="im")


# ---------------------------------------------------------------------- retries


@pytest.mark.asyncio
async def test_a_retried_event_has_no_second_effect(world: SlackWorld) -> None:
    await with_open_action(world, "Call the trustees by 30 Jan 2026")
    message = world.api.seed_message("DALICE", "It went well: two said yes.", user=ALICE)
    event = dm_event(ALICE, message.text, message.ts)
    first = await world.event(event, event_id="Ev0RETRY1")
    again = await world.event(event, event_id="Ev0RETRY1", retry_num=1)
    third = await world.event(event, event_id="Ev0RETRY1", retry_num=2)
    assert first.status == again.status == third.status == 200
    await world.settle()
    previews = [t for t in world.private(ALICE) if "as an update for your set" in t]
    assert len(previews) == 1, "one DM, however often Slack delivers the event"
    assert await world.inbox_has("slack:event:Ev0RETRY1")


@pytest.mark.asyncio
async def test_a_repeated_trigger_id_is_one_command(world: SlackWorld) -> None:
    for _ in range(2):
        assert (await world.command(ALICE, "start", trigger_id="trig.same")).status == 200
    await world.settle()
    headers = [m for m in world.api.messages[SET] if "Action Learning session" in m.text]
    assert len(headers) == 1


# ---------------------------------------------------------------------- signatures


@pytest.mark.asyncio
async def test_bad_signatures_get_401_and_nothing_is_processed(http_world: SlackWorld) -> None:
    w = http_world
    body = sign.form_body(sign.slash_command_fields(text="start", user_id=ALICE, channel_id=SET))
    form = "application/x-www-form-urlencoded"
    now = int(time.time())
    attempts = {
        "unsigned": {"Content-Type": form},
        "wrong secret": sign.form_headers("not-the-secret", body),
        "stale": sign.form_headers(SECRET, body, timestamp=now - 6 * 60),
        "from the future": sign.form_headers(SECRET, body, timestamp=now + 6 * 60),
        "tampered": sign.form_headers(SECRET, body.replace("start", "stop")),
        "garbage signature": {
            "Content-Type": form,
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": "v0=zz",
        },
    }
    for name, headers in attempts.items():
        answer = await w.send_http(body, headers)
        assert answer.status == 401, name
    event_body = json.dumps(sign.event_envelope(dm_event(ALICE, "hi", "1767225601.000001")))
    answer = await w.send_http(event_body, sign.signed_headers("wrong", event_body))
    assert answer.status == 401
    await w.settle()
    assert await w.inbox_count() == 0
    assert [c.method for c in w.api.calls] == ["auth.test"]


@pytest.mark.asyncio
async def test_url_verification_and_healthz(http_world: SlackWorld) -> None:
    body = json.dumps(sign.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))
    answer = await http_world.send_http(body, sign.signed_headers(SECRET, body))
    assert answer.status == 200 and "3eZbrw1aBm2rZgRNFdxV" in answer.body
    health_url = http_world.service.url.replace("/slack/events", "/healthz")
    async with http_world.http.get(health_url) as response:
        assert response.status == 200
        assert (await response.json())["ok"] is True


@pytest.mark.asyncio
async def test_a_body_that_is_not_utf8_is_a_clean_400(http_world: SlackWorld) -> None:
    raw = b"payload=\xff\xfe"
    headers = sign.signed_headers(SECRET, raw, content_type="application/x-www-form-urlencoded")
    async with http_world.http.post(http_world.service.url, data=raw, headers=headers) as r:
        assert r.status == 400


# ---------------------------------------------------------------------- escaping


@pytest.mark.asyncio
async def test_channel_pings_in_user_text_never_fire(world: SlackWorld) -> None:
    # Typed literally, Slack sends `&lt;!channel&gt;`; typed as a real @here, `<!here>`.
    typed = (
        "Tell &lt;!channel&gt; &amp; &lt;!everyone&gt; and <!here> and <!subteam^S0LEADS|@leads>"
    )
    await with_open_action(world, typed + " by 30 Jan 2026")
    assert (await world.command(ALICE, f"start <@{BOB}|bob>")).status == 200
    await world.settle()
    await world.press(ALICE, "Next phase")
    await world.press(ALICE, "Next phase")
    await world.settle()
    await world.say(BOB, "Nobody reads &lt;!channel&gt; posts any more <!here>")
    await world.settle()
    sent = world.everything_sent()
    assert any("&lt;!channel&gt;" in s for s in sent), "the text is shown, escaped"
    for s in sent:
        for ping in ("<!channel>", "<!here>", "<!everyone>", "<!subteam"):
            assert ping not in s
    assert f"<@{BOB}>" in world.header().text, "the bot's own mentions still render"


# ---------------------------------------------------------------------- a slow Slack


@pytest.mark.asyncio
async def test_a_slow_web_api_does_not_delay_the_ack(world: SlackWorld) -> None:
    api = world.api
    await world.bot.start()  # the background loops deliver as they would in production
    api.hold()
    command = await world.command(ALICE, "start")
    await api.wait_for("conversations.info")  # the bot is asking Slack, and Slack is stuck
    message = api.seed_message("DALICE", "hello", user=ALICE)
    event = await world.event(dm_event(ALICE, message.text, message.ts))
    opened = await world.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    assert command.status == event.status == opened.status == 200
    assert max(command.seconds, event.seconds, opened.seconds) < 1.0
    assert SET not in api.messages, "nothing could be posted while Slack was stuck"
    api.release()
    await world.settle()
    assert "Action Learning session" in world.header().text
    await api.wait_for("views.publish")


@pytest.mark.asyncio
async def test_429_is_retried_after_retry_after(world: SlackWorld) -> None:
    world.api.rate_limit(count=2, retry_after=0, methods=["chat.postMessage"])
    assert (await world.command(ALICE, "start")).status == 200
    await world.settle()
    statuses = [c.status for c in world.api.calls_to("chat.postMessage")]
    assert statuses[:2] == [429, 429] and statuses[2] == 200
    headers = [m for m in world.api.messages[SET] if "Action Learning session" in m.text]
    assert len(headers) == 1, "retried, not duplicated"


@pytest.mark.asyncio
async def test_server_errors_are_retried(world: SlackWorld) -> None:
    world.api.server_error(count=1, status=503, methods=["chat.postMessage"])
    assert (await world.command(ALICE, "start")).status == 200
    # DeliveryRetry waits 5 s after a 5xx; move the row along instead of sleeping.
    await world.bot.process_pending()
    await world.bot.deliver_pending()
    from sqlalchemy import update

    from bot.store.models import Outbox

    async with world.bot.store.write() as conn:
        await conn.execute(update(Outbox.__table__).values(not_before=None))
    await world.settle()
    assert [c.status for c in world.api.calls_to("chat.postMessage")][0] == 503
    assert "Action Learning session" in world.header().text


# ---------------------------------------------------------------------- private answers


@pytest.mark.asyncio
async def test_errors_and_help_are_private(world: SlackWorld) -> None:
    assert (await world.command(ALICE, "frobnicate")).status == 200
    assert (await world.command(CAROL, "help")).status == 200
    await world.settle()
    answers = world.api.responses
    assert {world.askers[a["key"]] for a in answers} == {ALICE, CAROL}
    assert all(a["response_type"] == "ephemeral" for a in answers)
    assert world.api.posted() == [], "nothing public"


@pytest.mark.asyncio
async def test_private_answer_falls_back_to_ephemeral_then_dm(world: SlackWorld) -> None:
    """An expired response_url → chat.postEphemeral → (bot not in channel) → a DM."""
    world.api.channel_errors["C0NOTIN"] = "not_in_channel"
    world.api.expired_response_urls.add("trig.expired")
    answer = await world.command(ALICE, "frobnicate", channel="C0NOTIN", trigger_id="trig.expired")
    assert answer.status == 200
    await world.settle()
    route = [(c.method, c.error) for c in world.api.calls if c.method != "auth.test"]
    assert [m for m, _ in route if m != "apps.connections.open"] == [
        "response_url",
        "chat.postEphemeral",
        "conversations.open",
        "chat.postMessage",
    ]
    assert ("chat.postEphemeral", "not_in_channel") in route
    assert world.private(ALICE), "the answer still reached Alice, privately"
    assert world.api.posted("C0NOTIN") == []


@pytest.mark.asyncio
async def test_dm_outcome_update_is_answered_by_dm(world: SlackWorld) -> None:
    await with_open_action(world, "Call the trustees by 30 Jan 2026")
    assert (await world.dm(ALICE, "Done: the trustees said yes.")).status == 200
    await world.settle()
    assert any("Mark “Call the trustees” as done?" in t for t in world.private(ALICE))
    assert world.api.calls_to("conversations.open")[0].args["users"] == ALICE


async def shared_updates(world: SlackWorld) -> list[str]:
    async with world.bot.store.read() as conn:
        return [r[0] for r in await conn.execute(select(OutcomeUpdate.__table__.c.text))]


@pytest.mark.asyncio
async def test_a_dm_is_shared_only_when_its_author_presses_share(world: SlackWorld) -> None:
    """On the real wire: the DM's preview comes back by DM with Block Kit buttons; nothing
    reaches the set's channel or the record until Alice clicks [Share as my update]."""
    await with_open_action(world, "Call the trustees by 30 Jan 2026")
    words = "Trustees call went well, though my mum is unwell again"
    assert (await world.dm(ALICE, words)).status == 200
    await world.settle()
    assert any("Nothing is shared until you press" in t for t in world.private(ALICE))
    assert not any(words in (m.get("text") or "") for m in world.api.posted(SET))
    assert await shared_updates(world) == []
    assert (await world.press(ALICE, "Share as my update", channel=dm_channel(ALICE))).status == 200
    await world.settle()
    assert any("Shared — it will be in the next session" in t for t in world.private(ALICE))
    assert await shared_updates(world) == [words]


@pytest.mark.asyncio
async def test_not_an_update_keeps_nothing(world: SlackWorld) -> None:
    await with_open_action(world, "Call the trustees by 30 Jan 2026")
    assert (await world.dm(ALICE, "Sorry, I can't make it next time")).status == 200
    await world.settle()
    assert (await world.press(ALICE, "Not an update", channel=dm_channel(ALICE))).status == 200
    await world.settle()
    assert await shared_updates(world) == []
    with pytest.raises(AssertionError, match="no \\[Share as my update\\] button"):
        await world.press(ALICE, "Share as my update", channel=dm_channel(ALICE))


@pytest.mark.asyncio
async def test_home_tab_shows_my_open_actions(world: SlackWorld) -> None:
    await with_open_action(world, "Call the &lt;trustees&gt; &amp; the board by 30 Jan 2026")
    answer = await world.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    assert answer.status == 200
    await world.api.wait_for("views.publish")
    await world.service.background.drain()
    view = json.dumps(world.api.views[ALICE])
    assert "Call the &lt;trustees&gt; &amp; the board" in view
    assert f"<#{SET}>" in view


# ---------------------------------------------------------------------- ignoring


@pytest.mark.asyncio
async def test_own_and_non_user_messages_are_acked_and_ignored(world: SlackWorld) -> None:
    ts = "1767225601.000001"
    events = [
        sign.message_event(user="UBOT", channel=SET, text="my own post", ts=ts),
        sign.message_event(user=ALICE, channel=SET, text="via bot", ts=ts, bot_id="B0OTHER"),
        sign.message_event(user=ALICE, channel=SET, text="", ts=ts, subtype="channel_join"),
        {"type": "message", "subtype": "message_changed", "channel": SET, "ts": ts},
        {"type": "app_mention", "user": ALICE, "channel": SET, "text": "<@UBOT>", "ts": ts},
        {"type": "team_join", "user": {"id": "U0NEW"}},
    ]
    for event in events:
        assert (await world.event(event)).status == 200
    await world.settle()
    assert await world.inbox_count() == 0


@pytest.mark.asyncio
async def test_every_socket_envelope_is_acked_after_it_is_durable(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    async with SocketModeServer() as socket:
        w = await SlackWorld.open(web_api, sqlite_url, clock, mode="socket", socket=socket)
        try:
            ids = [f"Ev0BURST{n:03d}" for n in range(25)]
            messages = [web_api.seed_message("DALICE", f"n{n}", user=ALICE) for n in range(25)]
            sent = await asyncio.gather(
                *(
                    socket.send(
                        "events_api",
                        sign.event_envelope(dm_event(ALICE, m.text, m.ts), event_id=i),
                    )
                    for i, m in zip(ids, messages, strict=True)
                )
            )
            for envelope in sent:
                await socket.wait_ack(envelope)
            assert socket.unacked() == []
            assert all(len(acks) == 1 for acks in socket.acks.values())
            for event_id in ids:
                assert await w.inbox_has(f"slack:event:{event_id}")
        finally:
            await w.close()
