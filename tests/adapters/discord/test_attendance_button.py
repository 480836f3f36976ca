"""Attendance on Discord (issue 17): [I'm here] is a persistent DynamicItem button on the
Opening in the round's thread, answered by an ephemeral followup; the bot's own messages
and another bot's never count."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.discord.views import MAX_CUSTOM_ID, custom_id, parse_custom_id
from bot.rounds.attendance import ALREADY, HERE_ACTION, MARKED, here_button
from bot.store.models import Attendance
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import UserInfo, snowflake
from testkit.discord.running import Running, buttons_of, wait_text
from testkit.discord.world import EPHEMERAL
from testkit.eventually import eventually


def test_the_button_id_fits_discord_for_any_session() -> None:
    button = here_button(2**63 - 1)  # the largest id either database gives
    encoded = custom_id(button)
    assert len(encoded) <= MAX_CUSTOM_ID
    assert parse_custom_id(encoded) == (HERE_ACTION, str(2**63 - 1))


async def attended(running: Running) -> dict[str, str]:
    table = Attendance.__table__
    async with running.app.store.read() as conn:
        return {r.user_key.rsplit(":", 1)[1]: r.how for r in await conn.execute(select(table))}


@pytest.mark.asyncio
async def test_im_here_on_the_opening_and_bots_never_count(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice, bob, carol, dave = (w.add_user(n) for n in ("alice", "bob", "carol", "dave"))
    await standin.slash(alice, "start", presenter1=bob)
    header = await wait_text(standin, w.general.id, "Action Learning session")
    opening = await wait_text(standin, header.id, "Ground rules")  # in the round's thread
    here = buttons_of(opening)["I'm here"]
    assert buttons_of(opening) == {"I'm here": here}

    async def press() -> str:
        info = await standin.click(carol, opening, here)
        answer = await standin.wait_for_call("POST", rf"/webhooks/{w.app_id}/{info.token}")
        assert answer.body["flags"] & EPHEMERAL, "the answer is carol's alone"
        return str(answer.body["content"])

    assert await press() == MARKED
    assert await press() == ALREADY

    other_bot = UserInfo(snowflake(), "standup-bot", bot=True)
    w.users[other_bot.id] = other_bot
    await standin.say(w.bot, header.id, "the bot's own words, as the gateway echoes them")
    await standin.say(other_bot, header.id, "Reminder: stand-up at 11")
    await standin.say(dave, header.id, "Sorry I'm late")

    async def dave_counted() -> dict[str, str] | None:
        found = await attended(running)
        return found if str(dave.id) in found else None

    found = await eventually(dave_counted, what="dave's message in the thread counted")
    assert found == {str(carol.id): "here", str(dave.id): "spoke"}
