"""Slack Connect: people of a connected organisation take part in a set as its guests.

In a shared channel Slack names the Events API envelope after a team of the channel that
need not be the installation's (even for the host's own people), a guest's button click
carries their own team in `user.team_id`, and a guest's slash command may carry their own
team in `team_id`.  alsbot files every channel and person under the installation
(`authorizations[0].team_id`, or the `auth.test` team), so the set of a shared channel is
found whoever speaks.  Everything goes over the wire: signed HTTP, and the same script
over Socket Mode (one translate path).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.slack.translate import from_block_actions, from_event_callback, from_slash_command
from bot.clock import FakeClock
from bot.compose import build_router
from bot.dispatch import OTHER_WORKSPACE
from bot.events import ReactionAdded
from bot.router import Router
from bot.store.models import Action, Do, DoSource, Evaluation, Member, Set
from testkit.slack import signing as sign
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import IDENTITY, SET, SlackWorld

ALICE, BOB = "UALICE", "UBOB"  # the installing workspace's people
GUEST, GUEST2 = "W0GUEST1", "W0GUEST2"  # a connected organisation's (Grid ids start W)
GUEST_TEAM = sign.GUEST_TEAM
HOST = f"slack:{sign.TEAM}"


def router_with_dos() -> Router:
    router = build_router()
    if ReactionAdded not in router.preparers:
        from bot.dos import toolkit

        toolkit.register(router)
    return router


@pytest_asyncio.fixture(params=["http", "socket"])
async def world(
    request: pytest.FixtureRequest, web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[SlackWorld]:
    socket = await SocketModeServer().start() if request.param == "socket" else None
    w = await SlackWorld.open(
        web_api, sqlite_url, clock, mode=request.param, socket=socket, router=router_with_dos()
    )
    try:
        yield w
    finally:
        await w.close()
        if socket is not None:
            await socket.close()


async def rows(w: SlackWorld, model: Any) -> list[Any]:
    async with w.bot.store.read() as conn:
        return list((await conn.execute(select(model.__table__))).all())


async def guest_joins(w: SlackWorld, who: str = GUEST) -> None:
    answer = await w.command(who, "join", team=GUEST_TEAM)
    assert answer.status == 200
    await w.settle()
    assert not any(OTHER_WORKSPACE in said for said in w.private(who)), "refused as a stranger"


@pytest.mark.asyncio
async def test_a_guests_command_joins_the_shared_channels_own_set(world: SlackWorld) -> None:
    assert (await world.command(ALICE, "join")).status == 200
    await world.settle()
    await guest_joins(world)
    sets = await rows(world, Set)
    assert [s.channel_key for s in sets] == [f"{HOST}:{SET}"], "one set, the installation's"
    members = {m.user_key: m.is_facilitator for m in await rows(world, Member)}
    assert members == {f"{HOST}:{ALICE}": True, f"{HOST}:{GUEST}": False}


@pytest.mark.asyncio
async def test_a_guests_and_the_hosts_reactions_save_a_do(world: SlackWorld) -> None:
    for who, line in ((ALICE, "join"), (ALICE, "settings do_threshold 2")):
        assert (await world.command(who, line)).status == 200
        await world.settle()
    await guest_joins(world)
    api = world.api
    hosts_tip = api.seed_message(SET, "Open with a two-minute silent check-in", user=ALICE)
    guests_tip = api.seed_message(SET, "Write the question on a sticky note first", user=GUEST)

    # The guest's ✅ and the host's ✅ on the host's message; Slack names both envelopes
    # after the connected organisation.
    assert (await world.react(GUEST, hosts_tip, shared_as=GUEST_TEAM)).status == 200
    await world.settle()
    assert await rows(world, Do) == [], "one ✅ of two"
    assert (await world.react(BOB, hosts_tip, shared_as=GUEST_TEAM)).status == 200
    # A message the guest wrote, reacted to by the host and another guest.
    assert (await world.react(BOB, guests_tip, shared_as=sign.TEAM)).status == 200
    assert (await world.react(GUEST2, guests_tip, shared_as=GUEST_TEAM)).status == 200
    await world.settle()

    dos = {d.text: d.author_key for d in await rows(world, Do)}
    assert dos == {
        "Open with a two-minute silent check-in": f"{HOST}:{ALICE}",
        "Write the question on a sticky note first": f"{HOST}:{GUEST}",
    }
    assert {s.status for s in await rows(world, DoSource)} == {"saved"}


@pytest.mark.asyncio
async def test_a_guest_presents_and_their_thread_messages_count_in_the_round(
    world: SlackWorld,
) -> None:
    assert (await world.command(ALICE, f"start <@{GUEST}|guest>")).status == 200
    await world.settle()
    assert f"<@{GUEST}>" in world.header().text, "the guest is the round's presenter"
    await guest_joins(world)
    await guest_joins(world, GUEST2)
    for _ in range(5):  # Opening → Updates → Presenting → Questions → Summary → Actions
        assert (await world.command(ALICE, "next")).status == 200
        await world.settle()
    assert "Actions" in world.header().text

    said = "I will ask three long-standing volunteers what keeps them coming by Friday"
    answer = await world.say(GUEST, said, team=GUEST_TEAM, shared_as=GUEST_TEAM)
    assert answer.status == 200
    await world.settle()
    assert any("Action recorded" in t for t in world.thread())
    actions = await rows(world, Action)
    assert [(a.owner_key, a.session_id is not None) for a in actions] == [(f"{HOST}:{GUEST}", True)]

    assert (await world.command(ALICE, "next")).status == 200  # → Evaluation
    await world.settle()
    assert (await world.press(GUEST2, "4", team=GUEST_TEAM)).status == 200
    await world.settle()
    ratings = [(e.user_key, e.rating) for e in await rows(world, Evaluation)]
    assert ratings == [(f"{HOST}:{GUEST2}", 4)], "a guest's click counts in the round"
    failed = [c for c in world.api.calls if c.error and c.method != "auth.test"]
    assert failed == [], [(c.method, c.error) for c in failed]


# ---------------------------------------------------------------------- the payloads alone


def test_every_payload_kind_from_a_shared_channel_names_the_installation() -> None:
    """The shapes Slack sends (bolt-python's captured Slack Connect fixtures): envelope
    and `context_team_id` after the guest's team, `user_team`/`source_team` on the event,
    `user.team_id` on a click; only `authorizations[0]` (or `auth.test`) names the
    installation."""
    message = sign.message_event(
        user=GUEST, channel=SET, text="hi", ts="1767225601.000100", team=GUEST_TEAM
    )
    reaction = sign.reaction_event(
        "reaction_added", user=GUEST, reaction="white_check_mark", channel=SET,
        ts="1767225601.000100", item_user=ALICE,
    )  # fmt: skip
    click = sign.block_actions_payload(
        user_id=GUEST, channel_id=SET, action_id="round:volunteer",
        message_ts="1767225600.000001", user_team_id=GUEST_TEAM,
    )  # fmt: skip
    command = sign.slash_command_fields(
        text="join", user_id=GUEST, channel_id=SET, team_id=GUEST_TEAM
    )
    outcomes = [
        from_event_callback(sign.shared_envelope(message), IDENTITY),
        from_event_callback(sign.shared_envelope(reaction), IDENTITY),
        from_event_callback(sign.shared_envelope(message)),  # no identity: authorizations
        from_block_actions(click, IDENTITY),
        from_block_actions(click),  # no identity: `team.id`, the message's installation
        from_slash_command(command, IDENTITY),
        from_slash_command({**command, "team_id": sign.TEAM}, IDENTITY),  # either team_id
    ]
    for outcome in outcomes:
        event = outcome.event  # type: ignore[union-attr]
        assert event.user.key == f"{HOST}:{GUEST}", outcome
        where = event.message.channel if isinstance(event, ReactionAdded) else event.channel
        assert where.key == f"{HOST}:{SET}", outcome
    assert outcomes[1].event.author.key == f"{HOST}:{ALICE}"  # type: ignore[union-attr]
