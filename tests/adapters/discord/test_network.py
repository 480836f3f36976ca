"""Between sessions through Discord (issue 18), with the real discord.py client against the
gateway/REST stand-in: an offer made through its modal and a want typed as a command are
proposed to both people by DM; both [Let's talk] presses open exactly one conversation —
Discord bots cannot open group DMs, so one DM to each naming the other — and one press
alone opens nothing; pairs a week after a session are introduced the same way and asked
by DM whether they met."""

from __future__ import annotations

from datetime import timedelta

import pytest

from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import UserInfo
from testkit.discord.running import Running, buttons_of, dm_texts, in_channel, wait_text
from testkit.timeline import advance

OPENED = "you both said yes, so here is a chat for the two of you"


def dm_with(standin: DiscordStandIn, user: UserInfo, needle: str) -> list[str]:
    return [t for t in dm_texts(standin, user) if needle in t]


async def press_in_dm(standin: DiscordStandIn, user: UserInfo, needle: str, label: str) -> None:
    channel = standin.world.dm_channel(user.id).id
    message = await standin.wait_for(
        lambda: next((m for m in in_channel(standin, channel) if needle in m.content), None)
    )
    await standin.click(user, message, buttons_of(message)[label])


async def joined(standin: DiscordStandIn, count: int) -> None:
    general = standin.world.general.id
    await standin.wait_for(
        lambda: (
            len([m for m in in_channel(standin, general) if "joined this" in m.content]) >= count
        )
    )


@pytest.mark.asyncio
async def test_an_offer_and_a_want_open_one_conversation_only_after_both_say_yes(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice, bob, carol = w.add_user("alice"), w.add_user("bob"), w.add_user("carol")
    await standin.slash(alice, "start")
    await wait_text(standin, w.general.id, "Action Learning session")
    for who in (bob, carol):
        await standin.slash(who, "join")
    await joined(standin, 2)

    opened = await standin.slash(carol, "offer add")
    await standin.wait_for(lambda: opened.callbacks)
    await standin.submit_modal(
        carol,
        standin.modal_of(opened),
        {
            "text": "I have written lottery and council grant bids and can read a draft",
            "tags": "funding",
        },
    )
    await standin.slash(
        bob, "want add", text="I'd like help writing a grant bid for our youth project #funding"
    )
    for who in (bob, carol):
        await standin.wait_for(lambda who=who: dm_with(standin, who, "A possible match"))

    await press_in_dm(standin, bob, "A possible match", "Let's talk")
    await standin.wait_for(lambda: dm_with(standin, bob, "if the other person says yes too"))
    assert not dm_with(standin, bob, OPENED) and not dm_with(standin, carol, OPENED)

    await press_in_dm(standin, carol, "A possible match", "Let's talk")
    for who in (bob, carol):
        await standin.wait_for(lambda who=who: dm_with(standin, who, OPENED))
    await running.app.settle()
    for who, other in ((bob, carol), (carol, bob)):
        [hello] = dm_with(standin, who, OPENED)
        assert f"<@{other.id}>" in hello and "youth project" in hello
    assert not dm_with(standin, alice, "youth project")
    public = [m for m in in_channel(standin, w.general.id) if not m.ephemeral]
    assert not [m for m in public if "youth project" in m.content]


@pytest.mark.asyncio
async def test_pairs_are_introduced_by_dm_and_asked_whether_they_met(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    people = [w.add_user(name) for name in ("alice", "bob", "carol", "dave")]
    alice = people[0]
    await standin.slash(alice, "start")
    await wait_text(standin, w.general.id, "Action Learning session")
    await standin.slash(alice, "pairs on")
    for who in people[1:]:
        await standin.slash(who, "join")
    await joined(standin, 3)
    await standin.slash(alice, "end")
    await wait_text(standin, w.general.id, "Session summary")
    await running.app.settle()

    await advance(running.app, timedelta(days=8))
    for who in people:
        await standin.wait_for(lambda who=who: dm_with(standin, who, "You're paired until"))
    for who in people:
        assert len(dm_with(standin, who, "You're paired until")) == 1

    await advance(running.app, timedelta(days=8))
    for who in people:
        await standin.wait_for(lambda who=who: dm_with(standin, who, "meet?"))
    await press_in_dm(standin, people[1], "meet?", "We met")
    await standin.wait_for(lambda: dm_with(standin, people[1], "glad you met"))


@pytest.mark.asyncio
async def test_dos_add_saves_a_do_from_the_app_command(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice, bob = w.add_user("alice"), w.add_user("bob")
    await standin.slash(alice, "start")
    await wait_text(standin, w.general.id, "Action Learning session")
    await standin.slash(bob, "join")
    await joined(standin, 1)
    info = await standin.slash(bob, "dos add", text="Ask what they have already tried #listening")
    [saved] = await standin.wait_for(
        lambda: [
            m for m in in_channel(standin, w.general.id)
            if m.interaction_token == info.token and "Saved as **do #1**" in m.content
        ]
    )  # fmt: skip
    assert saved.ephemeral and "Ask what they have already tried" in saved.content
