"""One alsbot serving two workspaces: each request answered with its own workspace's token.

Workspace A is the stand-in's first (`T0TEST`, the default token); workspace B another
installation (`T0TWO`, its own token and bot).  The bot serves both through one
`Workspaces` (here a dict, where OAuth mode plugs in its installations) over one HTTP
endpoint — events by the fast path and by Bolt's dispatch — and over Socket Mode.  Every
Web API call the bot makes is checked against the stand-in's record of which
workspace's token it came with.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.slack.bolt_app import NOT_INSTALLED
from adapters.slack.client import delivery_client
from adapters.slack.outlet import SlackOutlet
from adapters.slack.translate import BotIdentity
from adapters.slack.workspace_clients import ClientsByWorkspace
from adapters.slack.workspaces import Workspace
from bot.clock import FakeClock
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, Platform, WorkspaceRef
from bot.replies import Post, text
from bot.store.models import Member, Outbox, Set
from testkit.slack import signing as sign
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import Call, SlackWebApi, dm_channel
from testkit.slack.world import SET, SlackWorld

A, B, NOWHERE = sign.TEAM, "T0TWO", "T0NONE"
B_TOKEN = "xoxb-two-token"
SET_B = "C0SETB"
ALICE, CAROL = "UALICE", "UCAROL"  # in A
BEN, BEA = "UBEN", "UBEA"  # in B
PEOPLE = {ALICE: A, CAROL: A, BEN: B, BEA: B}
CHANNELS = {SET: A, SET_B: B, **{dm_channel(p): team for p, team in PEOPLE.items()}}
# The calls made for someone in a workspace: each must carry that workspace's token.
CHECKED = (
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "conversations.open",
    "conversations.history",
    "conversations.replies",
    "views.open",
    "views.publish",
)


class InstalledHere:
    """`Workspaces` from a dict, as OAuth mode's installations answer it."""

    def __init__(self, *workspaces: Workspace) -> None:
        self.by_team = {w.identity.team_id: w for w in workspaces}

    async def find(self, team_id: str | None, enterprise_id: str | None = None) -> Workspace | None:
        return self.by_team.get(team_id) if team_id else None

    async def forget(self, team_id: str, enterprise_id: str | None = None) -> None:
        self.by_team.pop(team_id, None)


def two_workspaces(api: SlackWebApi) -> InstalledHere:
    api.add_workspace(B, B_TOKEN, "UBOT2", "BBOT2", team="Second Charity")
    return InstalledHere(
        Workspace(BotIdentity(A, "UBOT", "BBOT"), api.token),
        Workspace(BotIdentity(B, "UBOT2", "BBOT2"), B_TOKEN),
    )


@pytest_asyncio.fixture(params=["http", "bolt", "socket"])
async def world(
    request: pytest.FixtureRequest, web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[SlackWorld]:
    """ "http": events by the fast path; "bolt": every request through Bolt's dispatch."""
    mode = "socket" if request.param == "socket" else "http"
    socket = await SocketModeServer().start() if mode == "socket" else None
    w = await SlackWorld.open(
        web_api, sqlite_url, clock, mode=mode, socket=socket, workspaces=two_workspaces(web_api)
    )
    if request.param == "bolt":
        assert w.service.http is not None
        w.service.http.events = None
    try:
        yield w
    finally:
        await w.close()
        if socket is not None:
            await socket.close()


def owner(world: SlackWorld, call: Call) -> str | None:
    """The workspace a call was made for, by the channel, person or trigger it names."""
    args = call.args
    if args.get("channel") in CHANNELS:
        return CHANNELS[args["channel"]]
    for name in ("user", "user_id", "users"):
        if args.get(name) in PEOPLE:
            return PEOPLE[args[name]]
    asker = world.askers.get(str(args.get("trigger_id")))
    return PEOPLE.get(asker) if asker is not None else None


async def members(world: SlackWorld) -> dict[str, set[str]]:
    async with world.bot.store.read() as conn:
        rows = await conn.execute(
            select(Set.channel_key, Member.user_key).join(Member, Member.set_id == Set.id)
        )
        out: dict[str, set[str]] = {}
        for channel, user in rows:
            out.setdefault(channel, set()).add(user)
    return out


@pytest.mark.asyncio
async def test_each_workspace_is_answered_with_its_own_token_and_kept_apart(
    world: SlackWorld,
) -> None:
    api = world.api
    tips = {A: "Try a two-minute check-in", B: "Rotate who chairs each month"}
    for team, channel, host, guest in ((A, SET, ALICE, CAROL), (B, SET_B, BEN, BEA)):
        assert (await world.command(host, "start", channel=channel, team=team)).status == 200
        assert (await world.command(guest, "join", channel=channel, team=team)).status == 200
        await world.settle()
        assert world.header(channel).user == api.teams[team][1], "posted as that bot"
        assert (
            await world.press(host, "Next phase", channel=channel, workspace=team)
        ).status == 200
        await world.settle()
        assert "Updates" in world.header(channel).text
        said = await world.say(guest, "All went well this month.", channel=channel, workspace=team)
        assert said.status == 200
        assert (await world.dm(guest, "help", workspace=team)).status == 200
        tip = api.seed_message(channel, tips[team], user=guest)
        assert (await world.react(host, tip, channel=channel, workspace=team)).status == 200
        assert (await world.command(guest, "offer", channel=channel, team=team)).status == 200
        await world.settle()
        home = {"type": "app_home_opened", "user": guest, "tab": "home"}
        assert (await world.event(home, workspace=team)).status == 200
        await world.service.background.drain()

    # Each workspace's bot is known as itself there: its own words are not taken in.
    before = await world.inbox_count()
    for team, channel in ((A, SET), (B, SET_B)):
        bot_user = api.teams[team][1]
        own = sign.message_event(user=bot_user, channel=channel, text="hi", ts="1767225609.000001")
        assert (await world.event(own, workspace=team)).status == 200
    assert await world.inbox_count() == before

    checked = [c for c in api.calls if c.method in CHECKED]
    wrong = [
        (c.method, c.args, api.team_of(c)) for c in checked if api.team_of(c) != owner(world, c)
    ]
    assert not wrong, wrong
    for team in (A, B):
        for method in CHECKED:
            if method != "conversations.replies":  # only a reply in a thread is read so
                assert api.calls_to(method, team=team), f"no {method} for {team}"
    # Each do saved in its own workspace, told privately there.
    assert {e["channel"] for e in api.ephemerals if "saved as do" in e["text"]} == {SET, SET_B}
    # Filed under its own workspace: B's set knows only B's people, A's only A's.
    assert await members(world) == {
        f"slack:{A}:{SET}": {f"slack:{A}:{ALICE}", f"slack:{A}:{CAROL}"},
        f"slack:{B}:{SET_B}": {f"slack:{B}:{BEN}", f"slack:{B}:{BEA}"},
    }
    # Each Home tab shows its own workspace's do, never the other's.
    assert tips[B] in str(api.views[BEA]) and tips[A] not in str(api.views[BEA])
    assert tips[A] in str(api.views[CAROL]) and tips[B] not in str(api.views[CAROL])


@pytest.mark.asyncio
async def test_a_workspace_alsbot_is_not_installed_in_is_acknowledged_and_ignored(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    command = await world.command(ALICE, "start", channel="C0ELSE", team=NOWHERE)
    assert command.status == 200
    message = sign.message_event(
        user=ALICE, channel="C0ELSE", text="hello", ts="1767225601.000100", team=NOWHERE
    )
    event = await world.event(message, workspace=NOWHERE)
    assert event.status == 200, "acknowledged: Slack must not retry it"
    home = await world.event({"type": "app_home_opened", "user": ALICE}, workspace=NOWHERE)
    assert home.status == 200
    await world.settle()
    assert await world.inbox_count() == 0, "nothing written"
    assert not [c for c in world.api.calls if c.token and c.method != "apps.connections.open"]
    if world.socket is None:  # over HTTP, the command's person is told (Socket Mode: the ack)
        told = [r["text"] for r in world.api.responses] + [command.body]
        assert any(NOT_INSTALLED in text for text in told)
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no error either"


async def deliver_some(world: SlackWorld) -> None:
    """Passes of the core without `settle`, which would wait out A's Retry-After."""
    for _ in range(3):
        await world.bot.process_pending()
        await world.bot.deliver_pending()


@pytest.mark.asyncio
async def test_a_rate_limit_in_one_workspace_does_not_hold_the_other(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    world = await SlackWorld.open(web_api, sqlite_url, clock, workspaces=two_workspaces(web_api))
    try:
        web_api.rate_limit(retry_after=60, methods=["chat.postMessage"], teams=[A])
        assert (await world.command(ALICE, "start", channel=SET, team=A)).status == 200
        assert (await world.command(BEN, "start", channel=SET_B, team=B)).status == 200
        await deliver_some(world)
        assert web_api.posted(SET_B), "B's header went out"
        assert not web_api.posted(SET)
        assert all(c.status == 429 for c in web_api.calls_to("chat.postMessage", team=A))
        async with world.bot.store.read() as conn:
            held = (
                await conn.execute(
                    select(Outbox.lane, Outbox.status, Outbox.error).where(
                        Outbox.status == "pending"
                    )
                )
            ).all()
        assert held and all(lane.startswith(f"slack:{A}:") for lane, _, _ in held), held
    finally:
        await world.close()


@pytest.mark.asyncio
async def test_a_lookup_rate_limit_holds_only_its_own_workspace(web_api: SlackWebApi) -> None:
    """The outlet's hold on looking for an earlier copy (`_already_posted`) is per workspace."""
    installed = two_workspaces(web_api)
    clients = ClientsByWorkspace(installed, lambda token: delivery_client(token, web_api.url))
    outlet = SlackOutlet(delivery_client(None, web_api.url), clients=clients)
    web_api.rate_limit(count=1, retry_after=60, methods=["conversations.history"], teams=[A])

    def retried(team: str, channel: str) -> Delivery:
        room = ChannelRef(WorkspaceRef(Platform.SLACK, team), channel)
        return Delivery(
            reply=Post(channel=room, text=text("again")), key=f"k-{team}", maybe_delivered=True
        )

    with pytest.raises(DeliveryRetry) as held:
        await outlet.deliver(retried(A, SET))
    assert held.value.rate_limited and held.value.after > 50
    with pytest.raises(DeliveryRetry):  # A waits without asking Slack again
        await outlet.deliver(retried(A, SET))
    assert len(web_api.calls_to("conversations.history", team=A)) == 1
    posted = await outlet.deliver(retried(B, SET_B))  # B looks, finds nothing, posts
    assert posted is not None and posted.channel.workspace.id == B
    assert [web_api.team_of(c) for c in web_api.calls_to("chat.postMessage")] == [B]


@pytest.mark.asyncio
async def test_a_reply_to_a_workspace_no_longer_installed_is_dropped(
    web_api: SlackWebApi,
) -> None:
    installed = two_workspaces(web_api)
    clients = ClientsByWorkspace(installed, lambda token: delivery_client(token, web_api.url))
    outlet = SlackOutlet(delivery_client(None, web_api.url), clients=clients)
    await installed.forget(B)
    room = ChannelRef(WorkspaceRef(Platform.SLACK, B), SET_B)
    with pytest.raises(DeliveryFailed, match="not installed"):
        await outlet.deliver(Delivery(reply=Post(channel=room, text=text("hello"))))
    assert not web_api.calls
