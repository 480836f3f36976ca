"""The report through Slack: `/als report` → the summary privately, then the two charts
uploaded with `files_upload_v2` (to the facilitator's DM, with their alt text as `alt_txt`);
`/als report share` → the same in the set's channel."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SET, SlackWorld

ALICE = "UALICE"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.asyncio
async def test_the_report_arrives_as_text_then_charts_with_alt_text(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    w = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        for line in ("start", "end"):
            assert (await w.command(ALICE, line)).status == 200
            await w.settle()
        assert (await w.command(ALICE, "report")).status == 200
        await w.settle()
        assert any("how the set is doing" in str(r) for r in web_api.responses + web_api.ephemerals)
        charts = [f for f in web_api.files if f["channel_id"] == "DALICE"]
        assert [f["title"] for f in charts] == [
            "Ratings and attendance by session",
            "Action outcomes by session",
        ]
        assert all(f["content"].startswith(PNG) for f in charts)
        alt = [f["alt_txt"] or "" for f in charts]
        assert alt[0].startswith("Ratings and attendance by session") and "session 1" in alt[0]
        assert alt[1] == (
            "Action outcomes by session, Action Learning Set (12 January 2026). "
            "No actions were agreed at these sessions."
        )

        assert (await w.command(ALICE, "report share")).status == 200
        await w.settle()
        shared = [f for f in web_api.files if f["channel_id"] == SET]
        assert len(shared) == 2 and all(f["content"].startswith(PNG) for f in shared)
    finally:
        await w.close()
