"""The Web API stand-in answers the real slack_sdk client the way Slack does."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from testkit.slack.web_api import SlackWebApi


def client(api: SlackWebApi, token: str | None = None, **kwargs) -> AsyncWebClient:
    return AsyncWebClient(token=token or api.token, base_url=api.url, **kwargs)


@pytest.mark.asyncio
async def test_auth_test_checks_the_bearer_token(web_api: SlackWebApi) -> None:
    ok = await client(web_api).auth_test()
    assert ok["user_id"] == "UBOT" and ok["team_id"] == "T0TEST" and ok["bot_id"] == "BBOT"
    with pytest.raises(SlackApiError) as bad:
        await client(web_api, "xoxb-wrong").auth_test()
    assert bad.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        await AsyncWebClient(base_url=web_api.url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    assert [c.method for c in web_api.calls] == ["auth.test"] * 3


@pytest.mark.asyncio
async def test_post_message_records_and_returns_increasing_ts(web_api: SlackWebApi) -> None:
    c = client(web_api)
    first = await c.chat_postMessage(channel="C1", text="hello", blocks=[{"type": "divider"}])
    second = await c.chat_postMessage(channel="C1", text="in thread", thread_ts=first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    posted = web_api.posted("C1")
    assert posted[0]["blocks"] == [{"type": "divider"}]
    assert posted[1]["thread_ts"] == first["ts"]
    with pytest.raises(SlackApiError) as bad:
        await c.chat_postMessage(channel="C1", text="x", thread_ts="1.000001")
    assert bad.value.response["error"] == "thread_not_found"


@pytest.mark.asyncio
async def test_form_and_json_bodies_are_read_alike(web_api: SlackWebApi) -> None:
    c = client(web_api)
    await c.api_call("chat.postMessage", data={"channel": "C2", "text": "form"})
    await c.api_call("chat.postMessage", json={"channel": "C2", "text": "json"})
    await c.api_call("chat.postMessage", params={"channel": "C2", "text": "query"})
    assert [p["text"] for p in web_api.posted("C2")] == ["form", "json", "query"]


@pytest.mark.asyncio
async def test_update_ephemeral_permalink_and_dm(web_api: SlackWebApi) -> None:
    c = client(web_api)
    posted = await c.chat_postMessage(channel="C1", text="v1")
    await c.chat_update(channel="C1", ts=posted["ts"], text="v2", blocks=[])
    assert web_api.find("C1", posted["ts"]).text == "v2"
    eph = await c.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert eph["message_ts"]
    assert web_api.ephemerals[0]["user"] == "U1"
    link = await c.chat_getPermalink(channel="C1", message_ts=posted["ts"])
    assert link["permalink"].endswith(posted["ts"].replace(".", ""))
    dm = await c.conversations_open(users="U1")
    assert dm["channel"]["id"] == "D1"
    with pytest.raises(SlackApiError) as bot:
        await c.conversations_open(users="UBOT")
    assert bot.value.response["error"] == "cannot_dm_bot"
    web_api.missing_users.add("U9")
    with pytest.raises(SlackApiError) as gone:
        await c.conversations_open(users="U9")
    assert gone.value.response["error"] == "user_not_found"


@pytest.mark.asyncio
async def test_history_and_replies_return_seeded_and_posted_messages(web_api: SlackWebApi) -> None:
    c = client(web_api)
    root = web_api.seed_message("C1", "root", user="U1")
    reply = web_api.seed_message("C1", "reply", user="U2", thread_ts=root.ts)
    mine = await c.chat_postMessage(channel="C1", text="bot reply", thread_ts=root.ts)
    history = await c.conversations_history(channel="C1", latest=root.ts, inclusive=True, limit=1)
    assert [m["text"] for m in history["messages"]] == ["root"]
    replies = await c.conversations_replies(channel="C1", ts=reply.ts)
    assert [m["text"] for m in replies["messages"]] == ["root", "reply", "bot reply"]
    assert replies["messages"][2]["bot_id"] == "BBOT" and replies["messages"][2]["ts"] == mine["ts"]
    one = await c.conversations_replies(
        channel="C1", ts=root.ts, oldest=reply.ts, latest=reply.ts, inclusive=True
    )
    assert [m["text"] for m in one["messages"]] == ["root", "reply"]
    got = await c.reactions_get(channel="C1", timestamp=reply.ts)
    assert got["message"]["user"] == "U2"
    web_api.channel_errors["C404"] = "channel_not_found"
    with pytest.raises(SlackApiError):
        await c.conversations_history(channel="C404")


@pytest.mark.asyncio
async def test_users_info_and_views_publish(web_api: SlackWebApi) -> None:
    c = client(web_api)
    web_api.users["U1"] = {"name": "ana", "tz": "Europe/Paris"}
    info = await c.users_info(user="U1")
    assert info["user"]["tz"] == "Europe/Paris"
    await c.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert web_api.views["U1"]["type"] == "home"
    with pytest.raises(SlackApiError):
        await c.views_publish(user_id="U1", view={"type": "modal", "blocks": []})


@pytest.mark.asyncio
async def test_files_upload_v2_runs_all_three_steps(web_api: SlackWebApi) -> None:
    c = client(web_api)
    result = await c.files_upload_v2(
        channel="C1", content=b"a,b\n1,2\n", filename="dos.csv", title="Do's"
    )
    assert result["file"]["title"] == "Do's"
    methods = [call.method for call in web_api.calls]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert web_api.files[0]["content"] == b"a,b\n1,2\n" and web_api.files[0]["channel_id"] == "C1"


@pytest.mark.asyncio
async def test_apps_connections_open_needs_the_app_token(web_api: SlackWebApi) -> None:
    web_api.socket_mode_url = "ws://127.0.0.1:1/link"
    c = client(web_api)
    opened = await c.apps_connections_open(app_token=web_api.app_token)
    assert opened["url"] == "ws://127.0.0.1:1/link"
    with pytest.raises(SlackApiError) as bad:
        await c.apps_connections_open(app_token="xapp-wrong")
    assert bad.value.response["error"] == "invalid_auth"


@pytest.mark.asyncio
async def test_rate_limit_answers_429_with_retry_after(web_api: SlackWebApi) -> None:
    web_api.rate_limit(count=1, retry_after=7)
    c = client(web_api)
    with pytest.raises(SlackApiError) as limited:
        await c.chat_postMessage(channel="C1", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert (await c.chat_postMessage(channel="C1", text="x"))["ok"]
    assert [c.status for c in web_api.calls] == [429, 200]


@pytest.mark.asyncio
async def test_fractional_faults_are_seeded() -> None:
    outcomes = []
    for _ in range(2):
        async with SlackWebApi(seed=42) as api:
            api.rate_limit(fraction=0.5, methods=["chat.postMessage"])
            c = client(api)
            for _ in range(20):
                try:
                    await c.chat_postMessage(channel="C1", text="x")
                except SlackApiError:
                    pass
            outcomes.append([call.status for call in api.calls])
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0].count(429) < 20


@pytest.mark.asyncio
async def test_server_errors_and_slack_errors(web_api: SlackWebApi) -> None:
    web_api.server_error(count=1, status=503)
    web_api.slack_error("is_archived", methods=["chat.postMessage"])
    c = client(web_api)
    with pytest.raises(SlackApiError) as down:
        await c.auth_test()
    assert down.value.response.status_code == 503
    with pytest.raises(SlackApiError) as archived:
        await c.chat_postMessage(channel="C1", text="x")
    assert archived.value.response["error"] == "is_archived"


@pytest.mark.asyncio
async def test_hold_keeps_answers_until_release(web_api: SlackWebApi) -> None:
    web_api.hold()
    task = asyncio.create_task(client(web_api).chat_postMessage(channel="C1", text="x"))
    await web_api.wait_for("chat.postMessage")
    assert not task.done()
    web_api.release()
    assert (await task)["ok"]


@pytest.mark.asyncio
async def test_response_urls_record_what_was_sent(web_api: SlackWebApi) -> None:
    hook = AsyncWebhookClient(web_api.response_url("cmd1"))
    sent = await hook.send(text="only you", response_type="ephemeral")
    assert sent.status_code == 200 and sent.body == "ok"
    assert web_api.responses == [{"key": "cmd1", "text": "only you", "response_type": "ephemeral"}]
    web_api.expired_response_urls.add("old")
    expired = await AsyncWebhookClient(web_api.response_url("old")).send(text="late")
    assert expired.status_code == 404
