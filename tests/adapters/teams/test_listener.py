"""The listener with the real core on a SQLite test database: each activity's event is in
the inbox when the listener returns (before Teams hears an answer), a retried activity is
recorded once, references are kept from every activity, and a mention is resolved through
the references or, failing them, the Bot Connector (a small connector of the test's own on
loopback, spoken to through the Teams SDK's client)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import select

from adapters.teams import ids
from adapters.teams.conversations import Conversations, PersonAddress
from adapters.teams.listener import NOT_SAVED, SAVED, ConnectorMembers, Listener
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.commands.words import mentions
from bot.events import CommandInvoked, Event, MessageSaved, event_from_json
from bot.ports import DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, UserRef
from bot.store.models import Inbox
from testkit.config import make_config
from testkit.teams import payloads as p

pytestmark = pytest.mark.asyncio

TENANT = "3f1e7a52-8c4d-4b6e-a9f0-2d1c3b4a5e6f"
BOT = p.bot()
ANA = p.person("Ana Lopez")
BOB = p.person("Bob Smith")
CAROL = p.person("Carol Jones")  # a member the connector has never heard of
TOKEN = "test-bot-token"


class FixedToken:
    async def bot_token(self) -> str:
        return TOKEN

    def invalidate(self) -> None:
        """The same token every time."""


@dataclass
class Connector:
    """`GET /v3/conversations/{id}/members/{memberId}`, as the Bot Connector answers it."""

    members: dict[str, p.Member]
    asked: list[tuple[str, str, str]] = field(default_factory=list)  # (conversation, id, auth)
    fail: bool = False

    async def member(self, request: web.Request) -> web.Response:
        conversation, member_id = request.match_info["conversation"], request.match_info["member"]
        self.asked.append((conversation, member_id, request.headers.get("Authorization", "")))
        if self.fail:
            return web.json_response({"error": {"code": "ServiceError"}}, status=500)
        found = self.members.get(member_id)
        if found is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation", "message": "not found"}},
                status=404,
            )
        return web.json_response(
            {
                "id": found.teams_id,
                "name": found.name,
                "aadObjectId": found.aad,
                "givenName": found.name.split()[0],
                "email": "someone@example.org",
                "userPrincipalName": "someone@example.org",
                "tenantId": TENANT,
                "userRole": "user",
            }
        )


@dataclass
class World:
    app: Alsbot
    conversations: Conversations
    listener: Listener
    connector: Connector
    service_url: str
    forms: list[tuple[UserRef, ChannelRef, str]]

    def place(self, kind: str = "channel", **kw: Any) -> p.Place:
        made = {
            "channel": p.channel,
            "groupChat": p.group_chat,
            "personal": p.personal_chat,
        }[kind](TENANT, **kw)
        return p.Place(**{**made.__dict__, "service_url": self.service_url})


@pytest_asyncio.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[World]:
    connector = Connector({BOB.teams_id: BOB})
    http = web.Application()
    http.router.add_get("/v3/conversations/{conversation}/members/{member}", connector.member)
    runner = web.AppRunner(http)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    app = await Alsbot.open(make_config(sqlite_url), clock=clock)
    members = ConnectorMembers(FixedToken())
    conversations = Conversations(app.store)
    forms: list[tuple[UserRef, ChannelRef, str]] = []

    async def open_form(user: UserRef, channel: ChannelRef, ask_id: str) -> None:
        forms.append((user, channel, ask_id))

    listener = Listener(app, conversations, BOT.teams_id[3:], members, open_form)
    try:
        yield World(app, conversations, listener, connector, f"http://127.0.0.1:{port}/", forms)
    finally:
        await members.close()
        await app.close()
        await runner.cleanup()


async def inbox(app: Alsbot) -> list[Event]:
    table = Inbox.__table__
    async with app.store.read() as conn:
        rows = await conn.execute(select(table.c.body).order_by(table.c.id))
        return [event_from_json(r[0]) for r in rows]


def person(member: p.Member) -> UserRef:
    return ids.person(TENANT, str(member.aad))


async def test_a_command_is_in_the_inbox_when_the_listener_returns(world: World) -> None:
    place = world.place()
    await world.conversations.remember_person(  # Bob seen before: no connector needed
        person(BOB), PersonAddress(BOB.teams_id, BOB.name, world.service_url, TENANT)
    )
    activity = p.command(place, ANA, "start <at>Bob Smith</at>", to=BOT, people=(BOB,))
    assert await world.listener(activity) == (200, None)
    [event] = await inbox(world.app)
    assert isinstance(event, CommandInvoked)
    assert event.text == f"start <@{BOB.aad}>"
    assert event.user == person(ANA)
    assert world.connector.asked == []


async def test_the_same_activity_twice_is_one_inbox_row(world: World) -> None:
    activity = p.command(world.place(), ANA, "help", to=BOT)
    assert await world.listener(activity) == (200, None)
    assert await world.listener(dict(activity)) == (200, None)  # Teams' retry
    assert len(await inbox(world.app)) == 1


async def test_a_mention_is_resolved_by_the_connector_once(world: World) -> None:
    place = world.place()
    first = p.command(place, ANA, "start <at>Bob Smith</at>", to=BOT, people=(BOB,))
    await world.listener(first)
    assert world.connector.asked == [(place.conversation, BOB.teams_id, f"Bearer {TOKEN}")]
    again = p.command(place, ANA, "next <at>Bob Smith</at>", to=BOT, people=(BOB,))
    await world.listener(again)
    assert len(world.connector.asked) == 1  # now a known person
    texts = [e.text for e in await inbox(world.app) if isinstance(e, CommandInvoked)]
    assert texts == [f"start <@{BOB.aad}>", f"next <@{BOB.aad}>"]
    known = await world.conversations.person(person(BOB))
    assert known is not None and known.teams_id == BOB.teams_id


@pytest.mark.parametrize("fail", [False, True])
async def test_an_unresolvable_mention_is_left_unlinked(world: World, fail: bool) -> None:
    world.connector.fail = fail  # 404 (not a member) or the connector failing: not an error
    activity = p.command(world.place(), ANA, "start <at>Carol Jones</at>", to=BOT, people=(CAROL,))
    assert await world.listener(activity) == (200, None)
    [event] = await inbox(world.app)
    assert isinstance(event, CommandInvoked)
    read = mentions(event.text)
    assert read.ids == [] and read.unlinked == ["@Carol"]


async def test_references_are_kept_from_every_activity_and_refreshed(world: World) -> None:
    place = world.place()
    added = p.bot_added_to_team(place, ANA, to=BOT, added=(BOB,))
    assert await world.listener(added) == (200, None)
    team = ids.channel(TENANT, str(place.team))
    general = await world.conversations.channel(team)
    assert general is not None and general.kind == "channel" and general.team_id == place.team
    bob = await world.conversations.person(person(BOB))
    assert bob is not None and bob.service_url == world.service_url
    assert await world.conversations.object_id(TENANT, BOB.teams_id) == BOB.aad

    await world.listener(p.channel_created(place, ANA, to=BOT))
    assert await world.conversations.channel(ids.channel(TENANT, place.conversation))

    chat = world.place("personal")
    await world.listener(p.installation_update(chat, ANA, to=BOT))
    ana = await world.conversations.person(person(ANA))
    assert ana is not None and ana.personal_conversation == chat.conversation

    moved = p.Place(**{**place.__dict__, "service_url": "https://smba.trafficmanager.net/amer/"})
    await world.listener(p.typing(moved, ANA, to=BOT))
    ana = await world.conversations.person(person(ANA))
    assert ana is not None and ana.service_url == moved.service_url
    assert ana.personal_conversation == chat.conversation  # a channel does not forget it
    channel = await world.conversations.channel(ids.channel(TENANT, place.conversation))
    assert channel is not None and channel.service_url == moved.service_url
    assert channel.name == place.channel_name  # for "from the channel …" in 1:1 answers
    assert await inbox(world.app) == []  # none of these is an event
    nameless = p.typing(moved, ANA, to=BOT)
    nameless["channelData"]["channel"].pop("name")
    nameless["conversation"].pop("name", None)
    await world.listener(nameless)
    kept = await world.conversations.channel(ids.channel(TENANT, place.conversation))
    assert kept is not None and kept.name == place.channel_name  # not forgotten


async def test_save_as_do_is_recorded_then_answered(world: World) -> None:
    said = p.message_payload("1700000000123", "<p>I will ring the council</p>", BOB)
    invoke = p.save_as_do(world.place(), ANA, said, to=BOT)
    assert await world.listener(invoke) == (200, {"task": {"type": "message", "value": SAVED}})
    [event] = await inbox(world.app)
    assert isinstance(event, MessageSaved) and event.text == "I will ring the council"
    guest = p.Member(p.teams_id(), "Guest")
    anonymous = p.save_as_do(world.place(), guest, said, to=BOT)
    answer = await world.listener(anonymous)
    assert answer == (200, {"task": {"type": "message", "value": NOT_SAVED}})
    assert len(await inbox(world.app)) == 1


async def test_a_command_with_a_form_opens_it_and_records_nothing(world: World) -> None:
    place = world.place()
    assert await world.listener(p.command(place, ANA, "offer", to=BOT)) == (200, None)
    assert world.forms == [
        (person(ANA), ids.channel(TENANT, place.conversation), "als_form:offer add")
    ]
    assert await inbox(world.app) == []


async def test_a_failure_to_record_reaches_the_ingress(world: World) -> None:
    class Broken:
        async def submit(self, event: Event, handle: object = None) -> bool:
            raise RuntimeError("the database went away")

    listener = Listener(Broken(), world.conversations, BOT.teams_id, None)
    with pytest.raises(RuntimeError):
        await listener(p.command(world.place(), ANA, "help", to=BOT))


async def test_a_form_that_cannot_reach_its_person_is_answered_and_one_for_now_is_retried(
    world: World,
) -> None:
    async def unreachable(user: UserRef, channel: ChannelRef, ask_id: str) -> None:
        raise DeliveryFailed("blocked the bot")

    async def busy(user: UserRef, channel: ChannelRef, ask_id: str) -> None:
        raise DeliveryRetry("429", after=3, rate_limited=True)

    place = world.place()
    listener = Listener(world.app, world.conversations, BOT.teams_id, None, unreachable)
    assert await listener(p.command(place, ANA, "offer", to=BOT)) == (200, None)
    listener = Listener(world.app, world.conversations, BOT.teams_id, None, busy)
    with pytest.raises(DeliveryRetry):  # the ingress answers 500: Teams sends it again
        await listener(p.command(place, ANA, "offer", to=BOT))
    assert await inbox(world.app) == []
