"""`/als` in a group DM (docs/SLACK.md, "Group DMs are not supported"), as documented.

Slack delivers a slash command typed in a group DM, but the bot is not a member of it:
every post there is refused (`channel_not_found`), only the person's private answers
arrive, and the failures are listed in `/als report`.
"""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SlackWorld

GROUP_DM = "G0MPIM"


@pytest.mark.asyncio
async def test_als_in_a_group_dm_answers_privately_and_its_posts_are_refused(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    web_api.channel_errors[GROUP_DM] = "channel_not_found"
    world = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        for line in ("setup", "start <@UBOB|bob>", "report"):
            assert (await world.command("UALICE", line, channel=GROUP_DM)).status == 200
            await world.settle()
    finally:
        await world.close()
    posts = [c for c in web_api.calls if c.method == "chat.postMessage"]
    assert posts and all(c.error == "channel_not_found" for c in posts)
    answers = [r["text"] for r in web_api.responses]
    assert len(answers) == 2, "setup's next steps and the report; start says nothing"
    assert "facilitator" in answers[0]
    assert "could not be delivered" in answers[1] and "channel_not_found" in answers[1]
