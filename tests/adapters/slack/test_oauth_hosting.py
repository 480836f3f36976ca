"""One hosted alsbot for two organisations, as an operator runs it (docs/SLACK.md,
"Hosting alsbot for many workspaces"): `SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`,
`SLACK_SIGNING_SECRET` and `[slack] public_url`, no `SLACK_BOT_TOKEN`.  The real
`start_slack` picks OAuth mode itself; two workspaces install it with "Add to Slack"
(Slack's side played by the Web API stand-in); each one's rounds are then answered with
its own token; an uninstall forgets that workspace's installation at once while the
other goes on."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.slack.service import start_slack
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.store.models import DepartedWorkspace, Set
from testkit.slack.oauth_grants import CLIENT_ID, CLIENT_SECRET
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET, SlackWorld

pytestmark = pytest.mark.asyncio
PUBLIC = "https://alsbot.example.org"
ACORN, BIRCH = "T0ACORN", "T0BIRCH"
ROOMS = {ACORN: "C0ACORN", BIRCH: "C0BIRCH"}
LEADS = {ACORN: "UANA", BIRCH: "UBEN"}
PRESENTERS = {ACORN: "UAMY", BIRCH: "UBEA"}


@pytest_asyncio.fixture
async def hosted(
    sqlite_url: str, clock: FakeClock, web_api: SlackWebApi
) -> AsyncIterator[SlackWorld]:
    config = load_config(
        None,
        {
            "ALSBOT_DATABASE_URL": sqlite_url,
            "ALSBOT_SLACK_ENABLED": "true",
            "ALSBOT_SLACK_API_BASE_URL": web_api.url,
            "ALSBOT_SLACK_PORT": "0",
            "ALSBOT_SLACK_CHANNEL_RATE_PER_SECOND": "0",
            "ALSBOT_SLACK_PUBLIC_URL": PUBLIC,
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_SIGNING_SECRET": SECRET,
        },
    )
    bot = await Alsbot.open(config, clock=clock)
    service = await start_slack(bot, config)
    world = SlackWorld(web_api, bot, service, None)
    try:
        yield world
    finally:
        await world.close()


async def install(world: SlackWorld, team: str, name: str) -> str:
    """A person presses "Add to Slack" on the install page and Allow on Slack's."""
    origin = world.service.url.removesuffix("/slack/events")
    async with world.http.get(origin + "/slack/install") as response:
        assert response.status == 200
        page, cookie = await response.text(), response.headers["Set-Cookie"].split(";")[0]
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize[^"]+)"', page)
    assert link is not None, page
    redirect = world.api.grants.approve(
        html.unescape(link.group(1)), team_id=team, team_name=name, user_id=LEADS[team]
    )
    async with world.http.get(
        origin + redirect.removeprefix(PUBLIC), headers={"Cookie": cookie}
    ) as response:
        assert response.status == 200, await response.text()
    (token,) = [t for t, grant in world.api.grants.tokens.items() if grant.team_id == team]
    return token


async def run_a_round(world: SlackWorld, team: str) -> None:
    room, lead = ROOMS[team], LEADS[team]
    for line in ("setup", f"start <@{PRESENTERS[team]}|p>"):
        answer = await world.command(lead, line, channel=room, team=team)
        assert answer.status == 200
        await world.settle()


async def test_two_organisations_install_it_and_each_is_served_with_its_own_token(
    hosted: SlackWorld,
) -> None:
    world = hosted
    assert world.service.identity is None, "no one workspace: OAuth mode"
    tokens = {ACORN: await install(world, ACORN, "Acorn Trust")}
    tokens[BIRCH] = await install(world, BIRCH, "Birch Network")
    assert tokens[ACORN] != tokens[BIRCH]

    for team in (ACORN, BIRCH):
        await run_a_round(world, team)
    posts = world.api.calls_to("chat.postMessage")
    assert {c.args["channel"] for c in posts} >= set(ROOMS.values())
    for call in posts:
        team = ACORN if call.args["channel"] == ROOMS[ACORN] else BIRCH
        if call.args["channel"] in ROOMS.values():
            assert call.token == tokens[team], "each header with its own workspace's token"
    async with world.bot.store.read() as conn:
        sets = {r.workspace_key for r in await conn.execute(select(Set.__table__))}
    assert sets == {f"slack:{ACORN}", f"slack:{BIRCH}"}

    # Acorn uninstalls: its installation goes at once, Birch goes on.
    answer = await world.event({"type": "app_uninstalled"}, event_id="EvGONE", workspace=ACORN)
    assert answer.status == 200
    await world.settle()
    workspaces = world.service.listeners.workspaces
    assert workspaces is not None
    assert await workspaces.find(ACORN) is None
    assert (await workspaces.find(BIRCH)) is not None
    async with world.bot.store.read() as conn:
        departed = [
            r.workspace_key for r in await conn.execute(select(DepartedWorkspace.__table__))
        ]
    assert departed == [f"slack:{ACORN}"]

    before = len(world.api.calls)
    refused = await world.command(LEADS[ACORN], "next", channel=ROOMS[ACORN], team=ACORN)
    assert refused.status == 200
    await world.settle()
    assert not [c for c in world.api.calls[before:] if c.token == tokens[ACORN]]
    assert (
        await world.command(LEADS[BIRCH], "next", channel=ROOMS[BIRCH], team=BIRCH)
    ).status == 200
    await world.settle()
    edits = [c for c in world.api.calls[before:] if c.method == "chat.update"]
    assert edits and all(c.token == tokens[BIRCH] for c in edits)
