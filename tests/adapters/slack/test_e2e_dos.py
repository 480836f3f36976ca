"""Do's through Slack: a ✅ reaction → the message fetched back → saved → Home and export.

`reaction_added` carries no text, so this exercises the adapter's `MessageSource` from the
core's preparer, after the event is durable.  The do's service is registered here if the
core's default router does not include it yet.
"""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.compose import build_router
from bot.events import ReactionAdded
from bot.router import Router
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SET, SlackWorld

ALICE, CAROL = "UALICE", "UCAROL"


def router_with_dos() -> Router:
    router = build_router()
    if ReactionAdded not in router.preparers:
        from bot.dos import toolkit

        toolkit.register(router)
    return router


@pytest.mark.asyncio
async def test_a_reaction_saves_a_do_shown_on_home_and_exported_as_a_file(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    w = await SlackWorld.open(web_api, sqlite_url, clock, router=router_with_dos())
    try:
        for who, line in ((ALICE, "start"), (ALICE, "end"), (CAROL, "join")):
            assert (await w.command(who, line)).status == 200
            await w.settle()
        tip = web_api.seed_message(SET, "Try a 2-minute &lt;check-in&gt; <!here>", user=CAROL)
        reaction = sign.reaction_event(
            "reaction_added",
            user=ALICE,
            reaction="white_check_mark",
            channel=SET,
            ts=tip.ts,
            item_user=CAROL,
        )
        assert (await w.event(reaction)).status == 200
        await w.settle()
        assert web_api.calls_to("conversations.history"), "the text was fetched from Slack"
        assert any("saved as do" in e["text"] for e in web_api.ephemerals)

        await w.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
        await web_api.wait_for("views.publish")
        await w.service.background.drain()
        home = str(web_api.views[ALICE])
        assert "Try a 2-minute &lt;check-in&gt; @here" in home and "<!here>" not in home

        assert (await w.command(ALICE, "dos export md")).status == 200
        await w.settle()
        assert [f["channel_id"] for f in web_api.files] == ["DALICE"], "privately, as a file"
        assert b"check-in" in web_api.files[0]["content"]
    finally:
        await w.close()
