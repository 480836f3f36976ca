"""The Teams outlet over real HTTP, against a small Bot Connector of the test's own on
loopback (`/v3/conversations…` as Microsoft documents them): posts, reply chains, edits in
place, proactive 1:1 chats opened once, and the connector's errors sorted for the core."""

from __future__ import annotations

import dataclasses
import itertools
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from adapters.forms import ASKING, form_id
from adapters.teams import ids
from adapters.teams.conversations import ChannelAddress, Conversations, PersonAddress
from adapters.teams.outlet import TeamsOutlet
from adapters.teams.source import PostTexts, TeamsMessageSource
from bot.clock import FakeClock
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, MessageRef
from bot.replies import (
    Button,
    Direct,
    Edit,
    Ephemeral,
    File,
    GroupDirect,
    Mention,
    Post,
    text,
)
from bot.store.db import Store

pytestmark = pytest.mark.asyncio

TENANT_ID = "6e4f2c1a-0000-4000-8000-000000000001"
CHANNEL_ID = "19:abc123@thread.tacv2"
CHANNEL = ids.channel(TENANT_ID, CHANNEL_ID)
BOB = ids.person(TENANT_ID, "0b0b0b0b-0000-4000-8000-00000000b0b0")
ANA = ids.person(TENANT_ID, "0a0a0a0a-0000-4000-8000-00000000a0a0")
NOBODY = ids.person(TENANT_ID, "0c0c0c0c-0000-4000-8000-00000000c0c0")
BOT_ID = "00000000-0000-4000-8000-0000000000b0"


@dataclass
class Call:
    method: str
    conversation: str | None
    activity_id: str | None
    body: dict[str, Any]
    authorization: str


@dataclass
class Connector:
    """A Bot Connector stand-in: records each call, answers a queued failure first."""

    token: str = "good"
    calls: list[Call] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    refuse: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    origin: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1700000000001))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._send)
        return app

    async def _answer(self, request: web.Request, call: Call) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        assert request.headers["Content-Type"].startswith("application/json")
        self.calls.append(call)
        if self.failures:
            status, headers, body = self.failures.pop(0)
            return web.json_response(body, status=status, headers=headers)
        if call.conversation in self.refuse:
            status, body = self.refuse[call.conversation]
            return web.json_response(body, status=status)
        return None

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = Call("CREATE", None, None, body, request.headers.get("Authorization", ""))
        refused = await self._answer(request, call)
        if refused is not None:
            return refused
        return web.json_response({"id": f"a:1personal-{body['members'][0]['id']}"}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = request.match_info["conversation"]
        activity = request.match_info.get("activity")
        call = Call(request.method, conversation, activity, body, "")
        call.authorization = request.headers.get("Authorization", "")
        refused = await self._answer(request, call)
        if refused is not None:
            return refused
        return web.json_response({"id": activity or str(next(self._ids))}, status=201)

    def sent(self) -> list[Call]:
        return [c for c in self.calls if c.method != "CREATE"]


class Tokens:
    """`BotTokens` with a cache that a 401 drops (`invalidate`)."""

    def __init__(self, first: str, then: str) -> None:
        self.current, self.then = first, then
        self.dropped = 0

    async def bot_token(self) -> str:
        return self.current

    def invalidate(self) -> None:
        self.dropped += 1
        self.current = self.then


@pytest_asyncio.fixture
async def connector() -> AsyncIterator[Connector]:
    stand_in = Connector()
    runner = web.AppRunner(stand_in.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stand_in.origin = f"http://127.0.0.1:{port}/"
    try:
        yield stand_in
    finally:
        await runner.cleanup()


@dataclass
class Rig:
    outlet: TeamsOutlet
    conversations: Conversations
    posts: PostTexts
    tokens: Tokens


@pytest_asyncio.fixture
async def rig(connector: Connector, store: Store, clock: FakeClock) -> AsyncIterator[Rig]:
    conversations = Conversations(store)
    await conversations.remember_channel(
        CHANNEL, ChannelAddress(CHANNEL_ID, connector.origin, TENANT_ID, "channel", "19:team")
    )
    for user, name in ((BOB, "Bob Stone"), (ANA, "Ana Lima")):
        await conversations.remember_person(
            user, PersonAddress(f"29:1{name.split()[0].lower()}", name, connector.origin, TENANT_ID)
        )
    posts = PostTexts(store, clock)
    tokens = Tokens("good", "good")
    outlet = TeamsOutlet(conversations, tokens, bot_id=BOT_ID, posts=posts, timeout=5.0)
    try:
        yield Rig(outlet, conversations, posts, tokens)
    finally:
        await outlet.close()


def card_of(call: Call) -> dict[str, Any]:
    content: dict[str, Any] = call.body["attachments"][0]["content"]
    return content


def words(call: Call) -> str:
    content = card_of(call)
    out = [b.get("text", "") for b in content["body"]]
    out += [r["text"] for b in content["body"] for r in b.get("inlines", [])]
    return " ".join(out)


async def test_post_in_a_channel(rig: Rig, connector: Connector) -> None:
    body = text("Round started by ", Mention(BOB))
    sent = await rig.outlet.deliver(Delivery(Post(channel=CHANNEL, text=body)))
    (call,) = connector.calls
    assert call.method == "POST" and call.conversation == CHANNEL_ID
    assert call.authorization == "Bearer good"
    assert call.body["type"] == "message"
    assert card_of(call)["msteams"]["entities"][0]["mentioned"] == {
        "id": "29:1bob",
        "name": "Bob Stone",
    }
    assert sent == MessageRef(CHANNEL, "1700000000001")
    fetched = await TeamsMessageSource(rig.posts).fetch_message(sent)
    assert fetched is not None and fetched.author_is_bot
    assert fetched.text == "Round started by @Bob Stone" and fetched.thread is None


async def test_reply_in_a_chain_and_edit_in_place(rig: Rig, connector: Connector) -> None:
    root = MessageRef(CHANNEL, "1699999999999")
    reply = Post(channel=CHANNEL, text=text("Phase 2"), buttons=(Button("r:next", "Next", "7"),))
    sent = await rig.outlet.deliver(Delivery(reply, thread=root))
    assert connector.calls[0].conversation == f"{CHANNEL_ID};messageid=1699999999999"
    assert sent == MessageRef(CHANNEL, "1700000000001"), "the channel, without the suffix"

    edit = Edit(handle="round:7:phase", text=text("Phase 2 (done)"))
    assert await rig.outlet.deliver(Delivery(edit, target=sent)) == sent
    put = connector.calls[1]
    assert (put.method, put.activity_id) == ("PUT", "1700000000001")
    assert put.conversation == f"{CHANNEL_ID};messageid=1699999999999"
    assert put.body["id"] == "1700000000001" and "actions" not in card_of(put)

    fetched = await TeamsMessageSource(rig.posts).fetch_message(sent)
    assert fetched is not None and fetched.text == "Phase 2 (done)"
    assert fetched.thread == root


async def test_direct_opens_the_1_1_chat_once_and_reuses_it(rig: Rig, connector: Connector) -> None:
    first = await rig.outlet.deliver(Delivery(Direct(user=BOB, text=text("Nudge 1"))))
    second = await rig.outlet.deliver(Delivery(Direct(user=BOB, text=text("Nudge 2"))))
    creates = [c for c in connector.calls if c.method == "CREATE"]
    assert len(creates) == 1
    assert creates[0].body["members"] == [{"id": "29:1bob"}]
    assert creates[0].body["tenantId"] == TENANT_ID
    assert creates[0].body["channelData"] == {"tenant": {"id": TENANT_ID}}
    assert creates[0].body["bot"] == {"id": f"28:{BOT_ID}"}
    personal = "a:1personal-29:1bob"
    assert [c.conversation for c in connector.sent()] == [personal, personal]
    assert first is not None and second is not None
    assert first.channel == ChannelRef(BOB.workspace, ids.encode(personal))
    # Remembered for every process: a new outlet on the same store does not open it again.
    known = await Conversations(rig.conversations.store).person(BOB)
    assert known is not None and known.personal_conversation == personal
    assert await rig.conversations.channel(first.channel) is not None


async def test_a_1_1_post_is_not_kept_and_is_edited_in_its_chat(
    rig: Rig, connector: Connector
) -> None:
    """Keeping a private answer's text would be a write per answer that nothing reads: a 1:1
    chat has no reply chain, and the bot's own words are never saved as a do."""
    offer = Direct(user=BOB, text=text("Record it?"), buttons=(Button("a:rec", "Record", "4"),))
    sent = await rig.outlet.deliver(Delivery(offer))
    assert sent is not None
    assert await rig.posts.get(sent) is None
    edit = Edit(handle="draft:4", text=text("Recorded as #9"))
    assert await rig.outlet.deliver(Delivery(edit, target=sent)) == sent
    put = connector.sent()[-1]
    assert (put.method, put.conversation, put.activity_id) == (
        "PUT",
        "a:1personal-29:1bob",
        sent.id,
    )
    assert await rig.posts.get(sent) is None
    fetched = await TeamsMessageSource(rig.posts).fetch_message(sent)
    assert fetched is None, "a reaction on it reads as on a post not kept: nothing is saved"


async def test_ephemeral_is_a_private_1_1_message_saying_where_from(
    rig: Rig, connector: Connector
) -> None:
    reply = Ephemeral(channel=CHANNEL, user=ANA, text=text("Only questions now, please."))
    assert await rig.outlet.deliver(Delivery(reply)) is None
    (sent,) = connector.sent()
    assert sent.conversation == "a:1personal-29:1ana"
    assert "Only you can see this, from a Teams channel." in words(sent)
    assert CHANNEL_ID not in {c.conversation for c in connector.calls}


async def test_ephemeral_names_the_channel_when_teams_gave_its_name(
    rig: Rig, connector: Connector
) -> None:
    known = await rig.conversations.channel(CHANNEL)
    assert known is not None
    await rig.conversations.remember_channel(
        CHANNEL, ChannelAddress(**{**dataclasses.asdict(known), "name": "Set A <at>x</at>"})
    )
    reply = Ephemeral(channel=CHANNEL, user=ANA, text=text("Only questions now, please."))
    await rig.outlet.deliver(Delivery(reply))
    (sent,) = connector.sent()
    said = words(sent)
    assert "Only you can see this, from the channel “Set A <\u2060at>x<\u2060/at>”." in said
    assert "<at>" not in said  # a typed tag is broken, as in any text people chose
    assert "entities" not in json.dumps(sent.body)  # a channel's name is text, never a mention


async def test_group_direct_names_the_others_and_goes_on_past_a_refusal(
    rig: Rig, connector: Connector
) -> None:
    connector.refuse["a:1personal-29:1ana"] = (
        403,
        {"error": {"code": "ConversationBlockedByUser", "message": "User blocked"}},
    )
    reply = GroupDirect(users=(BOB, ANA), text=text("Will you two pair up?"))
    with pytest.raises(DeliveryFailed, match="reached 1 of 2.*blocked alsbot"):
        await rig.outlet.deliver(Delivery(reply, key="k1"))
    to_bob = next(c for c in connector.sent() if c.conversation == "a:1personal-29:1bob")
    assert card_of(to_bob)["msteams"]["entities"][0]["mentioned"]["id"] == "29:1ana"
    assert "Also sent to" in words(to_bob)


async def test_group_direct_retried_does_not_write_twice(rig: Rig, connector: Connector) -> None:
    reply = GroupDirect(users=(BOB, ANA), text=text("Pair up?"))
    connector.refuse["a:1personal-29:1ana"] = (503, {})
    with pytest.raises(DeliveryRetry):
        await rig.outlet.deliver(Delivery(reply, key="k2"))
    del connector.refuse["a:1personal-29:1ana"]
    await rig.outlet.deliver(Delivery(reply, key="k2"))
    reached = [c.conversation for c in connector.sent() if c.conversation]
    assert reached.count("a:1personal-29:1bob") == 1


async def test_429_is_retried_after_retry_after(rig: Rig, connector: Connector) -> None:
    connector.failures.append(
        (429, {"Retry-After": "7"}, {"error": {"code": "Throttled", "message": "Too many"}})
    )
    with pytest.raises(DeliveryRetry) as caught:
        await rig.outlet.deliver(Delivery(Post(channel=CHANNEL, text=text("x"))))
    assert caught.value.after == 7.0 and caught.value.rate_limited


async def test_5xx_and_412_are_retried(rig: Rig, connector: Connector) -> None:
    for status in (502, 412):
        connector.failures.append((status, {}, {"error": {"code": "ServiceError"}}))
        with pytest.raises(DeliveryRetry) as caught:
            await rig.outlet.deliver(Delivery(Post(channel=CHANNEL, text=text("x"))))
        assert not caught.value.rate_limited


async def test_403_fails_for_good_with_a_reason(rig: Rig, connector: Connector) -> None:
    connector.failures.append(
        (403, {}, {"error": {"code": "BotNotInConversationRoster", "message": "…"}})
    )
    with pytest.raises(DeliveryFailed, match="no longer in that conversation"):
        await rig.outlet.deliver(Delivery(Post(channel=CHANNEL, text=text("x"))))


async def test_404_on_edit_fails_for_good(rig: Rig, connector: Connector) -> None:
    connector.failures.append((404, {}, {"error": {"code": "ActivityNotFoundInConversation"}}))
    edit = Edit(handle="h", text=text("y"))
    with pytest.raises(DeliveryFailed, match="message is gone"):
        await rig.outlet.deliver(Delivery(edit, target=MessageRef(CHANNEL, "1")))


async def test_a_person_never_met_cannot_be_written_to(rig: Rig, connector: Connector) -> None:
    with pytest.raises(DeliveryFailed, match="not installed alsbot in Teams"):
        await rig.outlet.deliver(Delivery(Direct(user=NOBODY, text=text("hello"))))
    assert connector.calls == []


async def test_a_channel_never_seen_fails(rig: Rig) -> None:
    elsewhere = ids.channel(TENANT_ID, "19:other@thread.tacv2")
    with pytest.raises(DeliveryFailed, match="no reference"):
        await rig.outlet.deliver(Delivery(Post(channel=elsewhere, text=text("x"))))


async def test_a_401_fetches_a_new_token_once(rig: Rig, connector: Connector) -> None:
    rig.tokens.current, rig.tokens.then = "stale", "good"
    await rig.outlet.deliver(Delivery(Post(channel=CHANNEL, text=text("x"))))
    assert rig.tokens.dropped == 1
    assert [c.authorization for c in connector.calls] == ["Bearer good"]


async def test_a_401_that_stays_is_retried_later(rig: Rig, connector: Connector) -> None:
    rig.tokens.current = rig.tokens.then = "wrong"
    with pytest.raises(DeliveryRetry, match="401"):
        await rig.outlet.deliver(Delivery(Post(channel=CHANNEL, text=text("x"))))
    assert rig.tokens.dropped == 1


async def test_a_connector_that_cannot_be_reached_is_retried(
    store: Store, clock: FakeClock
) -> None:
    with socket_closed() as origin:
        conversations = Conversations(store)
        await conversations.remember_channel(
            CHANNEL, ChannelAddress(CHANNEL_ID, origin, TENANT_ID, "channel")
        )
        outlet = TeamsOutlet(conversations, Tokens("good", "good"), bot_id=BOT_ID, timeout=2.0)
        try:
            with pytest.raises(DeliveryRetry, match="network"):
                await outlet.deliver(Delivery(Post(channel=CHANNEL, text=text("x"))))
        finally:
            await outlet.close()


async def test_open_form_sends_the_form_card_to_the_1_1_chat(
    rig: Rig, connector: Connector
) -> None:
    spec = ASKING["offer add"]
    await rig.outlet.open_form(BOB, CHANNEL, form_id(spec))
    (sent,) = connector.sent()
    assert sent.conversation == "a:1personal-29:1bob"
    (submit,) = card_of(sent)["actions"]
    assert submit["data"]["als_form"] == form_id(spec)
    assert "Only you can see this form" in words(sent)


async def test_a_private_file_goes_to_the_1_1_chat(rig: Rig, connector: Connector) -> None:
    reply = File(channel=CHANNEL, user=BOB, filename="my-data.json", content=b'{"a": 1}')
    assert await rig.outlet.deliver(Delivery(reply)) is None
    (sent,) = connector.sent()
    assert sent.conversation == "a:1personal-29:1bob"
    assert '{"a": 1}' in words(sent)


class socket_closed:
    """An origin nothing listens on (a port bound, then released)."""

    def __enter__(self) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_: object) -> None:
        return None
