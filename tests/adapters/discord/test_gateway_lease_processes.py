"""Two real `alsbot run` processes on one PostgreSQL database, Discord enabled in both:
one gateway session between them, and after `kill -9` of its holder the other takes the
gateway over within the configured lease, RESUMEing the session.

This process plays Discord (the stand-in); the lease is 1.5 s of real time here (30 s by
default), renewed and polled for every 0.5 s.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bench._process import Server, clean_env
from bot.store.db import open_store
from bot.store.models import Inbox
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import gateway_opens
from testkit.eventually import eventually

ROOT = Path(__file__).resolve().parents[3]
LEASE = 1.5


def alsbot(standin: DiscordStandIn, url: str, name: str, work: Path) -> Server:
    return Server(
        ["-m", "adapters.cli", "run"],
        env=clean_env(
            PYTHONPATH=str(ROOT),
            ALSBOT_DATABASE_URL=url,
            ALSBOT_SCHEDULER_PROCESS_NAME=name,
            ALSBOT_DISCORD_ENABLED="true",
            ALSBOT_DISCORD_API_BASE_URL=standin.api_base_url,
            ALSBOT_DISCORD_GATEWAY_URL=standin.gateway_url,
            ALSBOT_DISCORD_GATEWAY_LEASE_SECONDS=str(LEASE),
            ALSBOT_DISCORD_ALLOWED_GUILD_IDS=standin.world.guild_id,
            DISCORD_BOT_TOKEN=standin.world.token,
        ),
        log_path=work / f"{name}.log",
    )


async def logged(server: Server, needle: str, within: float = 30.0) -> None:
    def said() -> bool:
        process = server.process
        if process is not None and process.returncode is not None:
            raise AssertionError(f"alsbot exited:\n{server.output()}")
        return needle in server.output(tail=100_000)

    await eventually(
        said, within=within, every=0.02, what=lambda: f"{needle!r} in {server.output()}"
    )


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_kill_9_of_the_holder_hands_the_gateway_to_the_other_process(
    standin: DiscordStandIn, postgres_url: str, tmp_path: Path
) -> None:
    store = await open_store(postgres_url)  # migrated once, before either process starts
    await store.close()
    first = alsbot(standin, postgres_url, "first", tmp_path)
    second = alsbot(standin, postgres_url, "second", tmp_path)
    try:
        await first.start(ROOT)
        await logged(first, "alsbot is running")
        await second.start(ROOT)
        await logged(second, "alsbot is running")
        await logged(second, "standing by; the gateway is held by first/")
        assert gateway_opens(standin) == (1, 0) and len(standin.live_sessions()) == 1
        session = standin.live_sessions()[0].id

        await first.kill9()
        killed = time.monotonic()
        hal = standin.world.add_user("hal")
        said = await standin.say(hal, standin.world.general.id, "While nobody listens")
        await standin.wait_for(lambda: standin.live_sessions(), within=LEASE * 4 / 3 + 5)
        took = time.monotonic() - killed
        await logged(second, "takes over the gateway from first/")
        assert gateway_opens(standin) == (1, 1), "RESUMEd, not IDENTIFYed again"
        assert [s.id for s in standin.live_sessions()] == [session]
        # At most the lease and one poll, plus connecting (a second on a busy machine).
        assert took < LEASE * 4 / 3 + 1.5, f"took {took:.2f}s"

        store = await open_store(postgres_url, migrate=False)
        try:

            async def recorded() -> bool:
                async with store.read() as conn:
                    keys = (await conn.execute(select(Inbox.__table__.c.key))).scalars().all()
                return f"discord:message:{said.id}" in keys

            await eventually(recorded, within=5, what="the message sent meanwhile recorded")
        finally:
            await store.close()
        print(f"takeover after kill -9: {took:.2f}s (lease {LEASE}s)")
    finally:
        await first.kill9()
        code = await second.stop()
    assert code == 0, second.output()
    assert "released the gateway" in second.output(tail=100_000)
