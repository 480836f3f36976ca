"""A person named in a command is the platform's own kind of id (issue 14, point 8): each
adapter declares it (`PlatformTraits.user_id`), and dispatch refuses any other before a
handler could store it — on Discord a snowflake, on Slack `U…`/`W…`."""

from __future__ import annotations

import pytest

from adapters.discord.traits import DISCORD_TRAITS
from adapters.slack.traits import USER_ID as SLACK_USER_ID
from bot.commands.words import UNLINKED
from bot.events import CommandInvoked
from bot.ports import PlatformTraits
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from testkit.harness import Harness, private_to, public
from testkit.recording import RecordingOutlet

OUTLETS: dict[Platform, RecordingOutlet] = {}


async def run(h: Harness, ws: WorkspaceRef, who: str, line: str) -> list:
    outlet = OUTLETS[ws.platform]
    seen = len(outlet.replies())
    await h.app.handle(
        CommandInvoked(key=h.key(), user=UserRef(ws, who), channel=ChannelRef(ws, "100"), text=line)
    )
    return outlet.replies()[seen:]


@pytest.mark.asyncio
async def test_each_platform_accepts_only_its_own_user_ids(h: Harness) -> None:
    for platform in (Platform.DISCORD, Platform.SLACK):
        OUTLETS[platform] = RecordingOutlet(platform=platform)
    h.app.attach(OUTLETS[Platform.DISCORD], traits=DISCORD_TRAITS)
    h.app.attach(OUTLETS[Platform.SLACK], traits=PlatformTraits(user_id=SLACK_USER_ID))
    discord, slack = WorkspaceRef(Platform.DISCORD, "G1"), WorkspaceRef(Platform.SLACK, "T1")
    for ws, who, bad, good in (
        (discord, "1", ["<@U0BOB>", "<@bob>", "<@12a>"], "<@222>"),
        (slack, "U0ALICE", ["<@123>", "<@bob>", "<@u0bob>", "<@B0BOT>"], "<@U0BOB>"),
    ):
        for target in bad:
            out = await run(h, ws, who, f"facilitator add {target}")
            assert private_to(out, who)[0].startswith(UNLINKED.format(name=target)), target
            assert public(out) == []
            out = await run(h, ws, who, f"start {target}")
            assert private_to(out, who)[0].startswith(UNLINKED.format(name=target)), target
        out = await run(h, ws, who, f"facilitator add {good}")
        assert public(out)[-1].endswith("is now a facilitator of this set."), ws
