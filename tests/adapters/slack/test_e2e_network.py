"""Between sessions through Slack (issue 18), over the real HTTP endpoint and the Web API
stand-in: an offer made through its form and a want typed as a command are proposed to
both people by DM; one [Let's talk] opens nothing, both open exactly one group DM
(`conversations.open` with both users) holding one message that names them; pairs a week
after a session each get one group DM of their own, and are asked by DM whether they met."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from testkit.slack.web_api import SlackWebApi, dm_channel
from testkit.slack.world import SlackWorld

ALICE, BOB, CAROL, DAVE = "UALICE", "UBOB", "UCAROL", "UDAVE"


def bot_texts(api: SlackWebApi, channel: str) -> list[str]:
    return [m.text for m in api.messages.get(channel, []) if m.user == "UBOT"]


async def a_set(w: SlackWorld, *members: str) -> None:
    for who, line in ((ALICE, "start"), (ALICE, "end"), *((m, "join") for m in members)):
        assert (await w.command(who, line)).status == 200
        await w.settle()


@pytest.mark.asyncio
async def test_an_offer_and_a_want_open_one_group_dm_only_after_both_say_yes(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    w = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        await a_set(w, BOB, CAROL)
        assert (await w.command(CAROL, "offer")).status == 200  # the form opens
        answer = await w.submit_form(
            CAROL,
            {
                "text": "I have written lottery and council grant bids and can read a draft",
                "tags": "funding",
            },
        )
        assert answer.status == 200
        await w.settle()
        want = "want I'd like help writing a grant bid for our youth project #funding"
        assert (await w.command(BOB, want)).status == 200
        await w.settle()

        for who, other in ((BOB, CAROL), (CAROL, BOB)):
            [asked] = [t for t in bot_texts(web_api, dm_channel(who)) if "A possible match" in t]
            assert f"<@{other}>" in asked and "grant bid" in asked
        assert not web_api.group_dms

        assert (await w.press(BOB, "Let's talk", channel=dm_channel(BOB))).status == 200
        await w.settle()
        assert not web_api.group_dms, "one yes opens nothing"
        assert (await w.press(CAROL, "Let's talk", channel=dm_channel(CAROL))).status == 200
        await w.settle()

        channel = web_api.group_dm(BOB, CAROL)
        assert channel is not None and len(web_api.group_dms) == 1
        opened = [c for c in web_api.calls_to("conversations.open") if "," in c.args["users"]]
        assert [c.args["users"] for c in opened] == [f"{BOB},{CAROL}"]
        [hello] = bot_texts(web_api, channel)
        assert f"<@{BOB}>" in hello and f"<@{CAROL}>" in hello
        assert "youth project" in hello and "lottery and council grant bids" in hello
        # Nothing of it reached the set's channel or anyone else.
        assert not [t for t in bot_texts(web_api, "C0SET") if "youth project" in t]
        assert not [t for t in bot_texts(web_api, dm_channel(ALICE)) if "grant" in t]
    finally:
        await w.close()


@pytest.mark.asyncio
async def test_pairs_each_get_one_group_dm_and_are_asked_whether_they_met(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    w = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        steps = [(ALICE, "start"), (ALICE, "pairs on"), *((m, "join") for m in (BOB, CAROL, DAVE))]
        for who, line in [*steps, (ALICE, "end")]:
            assert (await w.command(who, line)).status == 200
            await w.settle()
        assert not web_api.group_dms
        await w.wait(timedelta(days=8))
        await w.settle()
        groups = list(web_api.group_dms.values())
        people = sorted(p for g in groups for p in g if p != "UBOT")
        assert len(groups) == 2 and people == sorted([ALICE, BOB, CAROL, DAVE])
        for channel in web_api.group_dms:
            [hello] = bot_texts(web_api, channel)
            assert "You're paired until the next session" in hello

        await w.wait(timedelta(days=8))
        await w.settle()
        for who in (ALICE, BOB, CAROL, DAVE):
            asked = [t for t in bot_texts(web_api, dm_channel(who)) if "meet?" in t]
            assert len(asked) == 1, (who, asked)
        assert (await w.press(BOB, "We met", channel=dm_channel(BOB))).status == 200
        await w.settle()
        assert any("glad you met" in t for t in bot_texts(web_api, dm_channel(BOB)))
    finally:
        await w.close()


@pytest.mark.asyncio
async def test_dos_add_saves_a_do_from_a_slash_command(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    w = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        await a_set(w, CAROL)
        line = "dos add Ask what they have already tried <!channel> #listening"
        assert (await w.command(CAROL, line)).status == 200
        await w.settle()
        [saved] = [t for t in w.private(CAROL) if "Saved as *do #1*" in t]
        assert "@channel" in saved and "<!channel>" not in saved  # shown, never obeyed
        assert (await w.command(ALICE, "dos tried")).status == 200
        await w.settle()
        assert any("#1" in t and "Ask what they have already tried" in t for t in w.private(ALICE))
    finally:
        await w.close()
