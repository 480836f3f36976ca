"""The Bot Connector stand-in speaks the wire protocol every later Teams test relies on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest
import pytest_asyncio
from microsoft_teams.api import Account, ApiClient, CreateConversationParams, MessageActivityInput
from microsoft_teams.common import ClientOptions

from testkit.teams.connector import BotConnector
from testkit.teams.login import FixedTokens
from testkit.teams.records import split_conversation_id
from testkit.teams.tokens import SigningKey

pytestmark = pytest.mark.asyncio

CHANNEL = "19:c0ffee0123456789abcdef0123456789@thread.tacv2"


@pytest_asyncio.fixture
async def bf() -> AsyncIterator[BotConnector]:
    async with BotConnector() as connector:
        yield connector


async def call(
    bf: BotConnector, method: str, path: str, body: Any = None, *, token: str | None = "ok"
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {bf.static_token if token == 'ok' else token}"
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method, bf.service_url.rstrip("/") + path, json=body, headers=headers
        ) as r:
            text = await r.text()
            return r.status, (json.loads(text) if text else None), r.headers


def message(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text}


async def test_openid_metadata_and_keys_as_the_bot_framework_serves_them(bf: BotConnector) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(bf.openid_metadata_url) as r:
            meta = await r.json()
        async with session.get(meta["jwks_uri"]) as r:
            keys = await r.json()
    assert meta["issuer"] == bf.token_issuer
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    # Where the SDK looks: the metadata URL with /openidconfiguration → /keys.
    assert meta["jwks_uri"] == bf.openid_metadata_url.replace("/openidconfiguration", "/keys")
    (key,) = keys["keys"]
    assert key["kid"] == bf.key.kid and key["kty"] == "RSA" and key["use"] == "sig"
    assert key["endorsements"] == ["msteams"]


async def test_a_signed_token_verifies_against_the_published_keys_and_carries_the_claims(
    bf: BotConnector,
) -> None:
    activity = {"type": "message", "serviceUrl": bf.service_url}
    token = bf.sign(activity)
    client = jwt.PyJWKClient(bf.jwks_url)
    key = await asyncio.to_thread(client.get_signing_key_from_jwt, token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=bf.client_id)
    assert claims["iss"] == bf.token_issuer
    assert claims["serviceurl"] == bf.service_url
    assert claims["nbf"] <= claims["iat"] < claims["exp"]
    assert jwt.get_unverified_header(token)["kid"] == bf.key.kid
    # Signed by another key: the published keys do not verify it.
    forged = bf.sign(activity, key=SigningKey.generate(kid=bf.key.kid))
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key.key, algorithms=["RS256"], audience=bf.client_id)


async def test_every_connector_call_needs_a_token_it_issued(bf: BotConnector) -> None:
    for token in (None, "not-a-token", bf.sign(message("x"))):
        status, body, _ = await call(
            bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("hi"), token=token
        )
        assert status == 401
        assert body["error"]["code"] == "Unauthorized"
    assert bf.posts() == []
    status, _, _ = await call(bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("hi"))
    assert status == 201
    bf.revoke_tokens()
    status, _, _ = await call(bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("hi"))
    assert status == 401


async def test_an_expired_token_is_refused(bf: BotConnector) -> None:
    token = bf.issue_token(expires_in=-1)
    status, _, _ = await call(bf, "GET", f"/v3/conversations/{CHANNEL}/members/29:x", token=token)
    assert status == 401


async def test_a_one_on_one_conversation_is_created_once_per_member(bf: BotConnector) -> None:
    bob = bf.add_member("5B1F3E6A-1111-4222-8333-944445555666", "Bob Builder")
    params = {
        "bot": {"id": bf.bot_id},
        "members": [{"id": bob.id}],
        "tenantId": bf.tenant_id,
        "channelData": {"tenant": {"id": bf.tenant_id}},
        "isGroup": False,
    }
    s1, first, _ = await call(bf, "POST", "/v3/conversations", params)
    s2, again, _ = await call(bf, "POST", "/v3/conversations", params)
    assert (s1, s2) == (201, 201)
    assert first["id"].startswith("a:") and first["id"] == again["id"]
    assert bf.one_on_one(bob.id) == bf.one_on_one(bob.aad_object_id.upper()) == first["id"]
    s3, other, _ = await call(
        bf, "POST", "/v3/conversations", {**params, "members": [{"id": "29:other"}]}
    )
    assert s3 == 201 and other["id"] != first["id"]
    s4, _, _ = await call(bf, "POST", "/v3/conversations", {**params, "isGroup": True})
    assert s4 == 400


async def test_posts_replies_updates_and_deletes_are_recorded(bf: BotConnector) -> None:
    s, root, _ = await call(bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("round"))
    assert s == 201
    rid = root["id"]
    # Into the reply chain by conversation id, and as a reply to the root.
    s, in_chain, _ = await call(
        bf, "POST", f"/v3/conversations/{CHANNEL};messageid={rid}/activities", message("one")
    )
    s2, reply, _ = await call(
        bf, "POST", f"/v3/conversations/{CHANNEL}/activities/{rid}", message("two")
    )
    assert (s, s2) == (201, 201)
    assert len({rid, in_chain["id"], reply["id"]}) == 3
    posts = bf.posts(CHANNEL)
    assert [p.body["text"] for p in posts] == ["round", "one", "two"]
    assert [p.root for p in posts] == [None, rid, rid]
    assert [p.reply_to for p in posts] == [None, None, rid]
    assert all(p.conversation == CHANNEL for p in posts)
    assert bf.posts(f"{CHANNEL};messageid={rid}") == posts

    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "v2"}]}
    updated = {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }
    s, answer, _ = await call(bf, "PUT", f"/v3/conversations/{CHANNEL}/activities/{rid}", updated)
    assert s == 200 and answer == {"id": rid}
    assert bf.card_of(rid) == card and bf.text_of(rid) == ""
    assert [u.activity_id for u in bf.updates(CHANNEL)] == [rid]
    assert bf.activities[rid].versions[0]["text"] == "round"

    s, _, _ = await call(bf, "PUT", f"/v3/conversations/{CHANNEL}/activities/999", updated)
    assert s == 404
    s, _, _ = await call(bf, "DELETE", f"/v3/conversations/{CHANNEL}/activities/{reply['id']}")
    assert s == 200 and bf.activities[reply["id"]].deleted
    assert [c.op for c in bf.find("delete")] == ["delete"]


async def test_members_are_answered_as_teams_channel_accounts(bf: BotConnector) -> None:
    bob = bf.add_member("5b1f3e6a-1111-4222-8333-944445555666", "Bob Builder")
    for key in (bob.id, bob.aad_object_id):
        s, body, _ = await call(bf, "GET", f"/v3/conversations/{CHANNEL}/members/{key}")
        assert s == 200
        assert body["aadObjectId"] == bob.aad_object_id and body["name"] == "Bob Builder"
        assert body["id"].startswith("29:")
    s, body, _ = await call(bf, "GET", f"/v3/conversations/{CHANNEL}/members/29:nobody")
    assert s == 404 and body["error"]["code"]


async def test_faults_answer_the_next_calls_with_teams_errors_and_retry_after(
    bf: BotConnector,
) -> None:
    bf.fail(429, count=2, retry_after=3)
    bf.fail(403, path=r"/members/")
    for _ in range(2):
        s, body, headers = await call(
            bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("x")
        )
        assert s == 429 and headers["Retry-After"] == "3"
        assert body["error"]["code"] == "TooManyRequests"
    s, body, _ = await call(bf, "GET", f"/v3/conversations/{CHANNEL}/members/29:x")
    assert s == 403 and body["error"]["code"] == "BotNotInConversationRoster"
    s, _, _ = await call(bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("x"))
    assert s == 201
    assert [c.status for c in bf.calls] == [429, 429, 403, 201]
    assert len(bf.posts()) == 1
    bf.fail(502, count=None, code="BadGateway", message="upstream")
    s, body, _ = await call(bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("x"))
    assert s == 502 and body == {"error": {"code": "BadGateway", "message": "upstream"}}
    bf.clear_faults()
    s, _, _ = await call(bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("x"))
    assert s == 201


async def test_an_activity_over_28_kb_is_refused(bf: BotConnector) -> None:
    big = message("x" * (28 * 1024))
    s, body, _ = await call(bf, "POST", f"/v3/conversations/{CHANNEL}/activities", big)
    assert s == 413 and body["error"]["code"] == "RequestEntityTooLarge"
    assert bf.posts() == []
    s, _, _ = await call(
        bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("x" * 27_000)
    )
    assert s == 201


async def test_wait_for_wakes_on_a_call(bf: BotConnector) -> None:
    waiter = asyncio.create_task(bf.wait_for(lambda b: b.posts(CHANNEL)))
    await asyncio.sleep(0)
    await call(bf, "POST", f"/v3/conversations/{CHANNEL}/activities", message("late"))
    posts = await waiter
    assert posts[0].body["text"] == "late"


async def test_conversation_ids_split_at_the_reply_chain() -> None:
    assert split_conversation_id(f"{CHANNEL};messageid=1712") == (CHANNEL, "1712")
    assert split_conversation_id("a:1abc") == ("a:1abc", None)


async def test_the_sdks_own_connector_client_is_answered(bf: BotConnector) -> None:
    """The Teams SDK's `ApiClient` (what the outlet may use) against the stand-in."""
    bob = bf.add_member("5b1f3e6a-1111-4222-8333-944445555666", "Bob Builder")
    tokens = FixedTokens(bf.static_token)
    api = ApiClient(bf.service_url, ClientOptions(token=tokens.bot_token))
    chat = await api.conversations.create(
        CreateConversationParams(
            members=[Account(id=bob.id)],
            tenant_id=bf.tenant_id,
            channel_data={"tenant": {"id": bf.tenant_id}},
            activity=MessageActivityInput().with_text("hello"),
        )
    )
    assert chat.id == bf.one_on_one(bob.id)
    assert chat.activity_id and bf.text_of(chat.activity_id) == "hello"
    thread = f"{CHANNEL};messageid=1767225599999"
    sent = await api.conversations.activities(thread).create(
        MessageActivityInput().with_text("in chain")
    )
    replied = await api.conversations.activities(CHANNEL).reply(
        sent.id, MessageActivityInput().with_text("re")
    )
    await api.conversations.activities(CHANNEL).update(
        sent.id, MessageActivityInput().with_text("edited")
    )
    await api.conversations.activities(CHANNEL).delete(replied.id)
    member = await api.conversations.members(CHANNEL).get(bob.aad_object_id)
    everyone = await api.conversations.members(CHANNEL).get_all()
    assert member.aad_object_id == bob.aad_object_id and member.name == "Bob Builder"
    assert [m.id for m in everyone] == [bob.id]
    assert [c.op for c in bf.calls] == [
        "create_conversation",
        "send",
        "send",
        "send",  # the SDK's reply(): POST …/activities with replyToId
        "update",
        "delete",
        "get_member",
        "get_members",
    ]
    assert all(c.status < 300 for c in bf.calls)
    assert tokens.asked == len(bf.calls) - 1  # the new chat's first post came with its create
    assert bf.calls[2].root == "1767225599999"
    # replyToId alone does not put a post in a reply chain; the conversation id does.
    assert (bf.calls[3].root, bf.calls[3].reply_to) == (None, sent.id)
    assert bf.text_of(sent.id) == "edited" and bf.activities[replied.id].deleted


async def test_the_connector_lives_under_the_service_urls_path(bf: BotConnector) -> None:
    """Teams' serviceUrl has a path (…/amer/, …/teams/): a client that drops it gets 404."""
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{bf.origin}/v3/conversations/{CHANNEL}/activities",
            json=message("x"),
            headers={"Authorization": f"Bearer {bf.static_token}"},
        ) as r:
            assert r.status == 404
    assert bf.calls == []
