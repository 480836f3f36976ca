"""`/als` in a group DM (docs/SLACK.md, "Group DMs are not supported").

Slack delivers a slash command typed in a group DM (`channel_name` `mpdm-…`), but the
bot is not a member of it: every post there would be refused (`channel_not_found`).  Before,
`/als setup` there made a set nobody could use and `/als start` showed nothing at all; now
the person is told at once, privately, and nothing is recorded.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from adapters.slack import translate
from bot.clock import FakeClock
from bot.store.models import Inbox, Set
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SlackWorld

GROUP_DM = "G0MPIM"
MPDM_NAME = "mpdm-alice--bob--carol-1"


@pytest.mark.asyncio
async def test_als_in_a_group_dm_is_declined_privately_and_nothing_is_recorded(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    web_api.channel_errors[GROUP_DM] = "channel_not_found"
    world = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        for line in ("setup", "start <@UBOB|bob>"):
            answer = await world.command("UALICE", line, channel=GROUP_DM, channel_name=MPDM_NAME)
            assert answer.status == 200, answer
            assert answer.body == translate.GROUP_DM  # Slack shows it to the person only
            await world.settle()
        async with world.bot.store.read() as conn:
            events = await conn.scalar(select(func.count()).select_from(Inbox))
            sets = await conn.scalar(select(func.count()).select_from(Set))
        # The same command in a private channel is recorded as usual.
        assert (await world.command("UALICE", "help")).status == 200
        await world.settle()
        async with world.bot.store.read() as conn:
            after = await conn.scalar(select(func.count()).select_from(Inbox))
    finally:
        await world.close()
    assert events == 0 and sets == 0
    assert after == 1
    assert not [c for c in web_api.calls if c.method == "chat.postMessage"]
