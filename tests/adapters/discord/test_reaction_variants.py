"""Super (burst) reactions, skin tones and custom emoji on the wire (issue 14.14): one
person's variants of the do emoji are one reaction until the last is gone, and a server's
custom emoji named `white_check_mark` is not ✅."""

from __future__ import annotations

import pytest

from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import UserInfo
from testkit.discord.running import Running, dm_texts, inbox_keys, wait_inbox, wait_text
from testkit.discord.world import StoredMessage
from testkit.eventually import eventually
from tests.adapters.discord.test_gateway_recovery import saved_dos


async def a_set_and_a_tip(standin: DiscordStandIn, running: Running) -> StoredMessage:
    w = standin.world
    alice, hal = w.add_user("alice"), w.add_user("hal")
    await standin.slash(alice, "start")
    await wait_text(standin, w.general.id, "Action Learning session")
    tip = await standin.say(hal, w.general.id, "Ask what they would try first")
    await wait_inbox(running.app, f"discord:message:{tip.id}")
    return tip


async def reaction_events(running: Running, prefix: str, count: int) -> None:
    """Wait until `count` reaction events are *processed*, not only recorded: the bot's own
    loop may be preparing them (fetching the message) while `settle` finds nothing to do
    — which made the skin-tone test fail about one run in three."""

    async def enough() -> bool:
        done = await inbox_keys(running.app, processed=True)
        return len([k for k in done if k.startswith(prefix)]) >= count

    await eventually(enough, what=f"{count} reaction events processed")
    await running.app.settle()


def undone(standin: DiscordStandIn, user: UserInfo) -> list[str]:
    return [t for t in dm_texts(standin, user) if "no longer saved" in t]


@pytest.mark.asyncio
async def test_removing_a_burst_check_keeps_the_do_while_the_normal_one_stays(
    standin: DiscordStandIn, running: Running
) -> None:
    tip = await a_set_and_a_tip(standin, running)
    ivy = standin.world.add_user("ivy")
    prefix = f"discord:reaction:{tip.id}:white_check_mark:{ivy.id}:"
    await standin.react(ivy, tip, "✅")
    await standin.react(ivy, tip, "✅", burst=True)
    await standin.react(ivy, tip, "✅", burst=True, added=False)
    await reaction_events(running, prefix, 3)
    assert await saved_dos(running) == 1, "the normal ✅ is still on the message"
    assert not undone(standin, ivy)
    await standin.react(ivy, tip, "✅", added=False)
    await reaction_events(running, prefix, 4)
    assert await saved_dos(running) == 0, "the last ✅ gone within 10 minutes: undone"


@pytest.mark.asyncio
async def test_skin_tones_of_the_do_emoji_do_not_cancel_each_other(
    standin: DiscordStandIn, running: Running
) -> None:
    tip = await a_set_and_a_tip(standin, running)
    alice = next(u for u in standin.world.users.values() if u.username == "alice")
    info = await standin.slash(alice, "settings", key="do_emoji", value="👍")
    await wait_inbox(running.app, f"discord:interaction:{info.id}")
    await running.app.settle()
    ivy = standin.world.add_user("ivy")
    prefix = f"discord:reaction:{tip.id}:thumbsup:{ivy.id}:"
    await standin.react(ivy, tip, "👍🏽")
    await standin.react(ivy, tip, "👍🏻")
    await standin.react(ivy, tip, "👍🏻", added=False)
    await reaction_events(running, prefix, 3)
    assert await saved_dos(running) == 1, "👍🏽 is still there"


@pytest.mark.asyncio
async def test_a_custom_emoji_named_white_check_mark_saves_nothing(
    standin: DiscordStandIn, running: Running
) -> None:
    tip = await a_set_and_a_tip(standin, running)
    standin.world.custom_emoji["white_check_mark"] = "1234567890123456789"
    ivy = standin.world.add_user("ivy")
    await standin.react(ivy, tip, "white_check_mark")
    await reaction_events(running, f"discord:reaction:{tip.id}:", 1)
    assert await saved_dos(running) == 0
    custom = f"discord:reaction:{tip.id}:custom:white_check_mark:1234567890123456789:{ivy.id}:"
    assert [k for k in await inbox_keys(running.app) if k.startswith(custom)]
    await standin.react(ivy, tip, "✅")  # the real one does
    await standin.wait_for(lambda: [t for t in dm_texts(standin, ivy) if "saved as do" in t])
