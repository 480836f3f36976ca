"""One process, one database, Slack and Discord at once (issue 4, "done when").

`adapters.runtime.serve` is what `alsbot run` runs; here it serves a set on Slack (HTTP
mode, signed requests, Web API stand-in) and a set on Discord (gateway + REST stand-in)
side by side, and both sets land in the one database, each on its own platform.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from adapters.runtime import serve
from bot.config import load_config
from bot.store.db import open_store
from bot.store.models import Session
from bot.store.models import Set as SetRow
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import wait_text
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET
from testkit.worlds.live import free_port


@pytest.mark.asyncio
async def test_one_process_serves_slack_and_discord(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "both.db"
    async with SlackWebApi() as web_api, DiscordStandIn() as discord:
        config = load_config(
            None,
            {
                "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
                "ALSBOT_SCHEDULER_TICK_SECONDS": "0.2",
                "ALSBOT_SLACK_ENABLED": "true",
                "ALSBOT_SLACK_API_BASE_URL": web_api.url,
                "ALSBOT_SLACK_PORT": str(port),
                "ALSBOT_SLACK_CHANNEL_RATE_PER_SECOND": "0",
                "SLACK_BOT_TOKEN": web_api.token,
                "SLACK_SIGNING_SECRET": SECRET,
                "ALSBOT_DISCORD_ENABLED": "true",
                "ALSBOT_DISCORD_API_BASE_URL": discord.api_base_url,
                "ALSBOT_DISCORD_GATEWAY_URL": discord.gateway_url,
                "DISCORD_BOT_TOKEN": discord.world.token,
            },
        )
        stop = asyncio.Event()
        running = asyncio.create_task(serve(config, stop_event=stop))
        try:
            # Discord: wait for the gateway session and the synced /als commands.
            await discord.wait_for(lambda: discord.world.commands and discord.live_sessions(), 15)
            alice, bob = discord.world.add_user("alice"), discord.world.add_user("bob")
            await discord.slash(alice, "start", presenter1=bob)
            await wait_text(discord, discord.world.general.id, "Action Learning session")

            # Slack: a signed slash command to the same process.
            fields = sign.slash_command_fields(
                text="start <@UBOB|bob>", user_id="UALICE", channel_id="C0SET"
            )
            body = sign.form_body(fields)
            async with aiohttp.ClientSession() as http:
                for _ in range(100):  # the HTTP listener comes up alongside the gateway
                    try:
                        async with http.post(
                            f"http://127.0.0.1:{port}/slack/events",
                            data=body,
                            headers=sign.form_headers(SECRET, body),
                        ) as response:
                            assert response.status == 200
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
            await web_api.wait_for("chat.postMessage", count=2)
            assert "Action Learning session" in web_api.messages["C0SET"][0].text
        finally:
            stop.set()
            await asyncio.wait_for(running, 20)

    store = await open_store(f"sqlite+aiosqlite:///{db}", migrate=False)
    try:
        async with store.read() as conn:
            sets = [
                r.channel_key.split(":")[0] for r in await conn.execute(select(SetRow.__table__))
            ]
            sessions = list(await conn.execute(select(Session.__table__)))
    finally:
        await store.close()
    assert sorted(sets) == ["discord", "slack"]
    assert len(sessions) == 2 and {s.status for s in sessions} == {"active"}
