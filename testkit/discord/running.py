"""The real core and the real discord.py client run against the gateway stand-in, and how a
test reads what the stand-in's Discord now shows.

Used by the Discord adapter tests (their fixtures in `tests/adapters/discord/conftest.py`),
the reliability worlds and the duplicates soak.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from adapters.discord.client import AlsClient, serve_discord
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.store.models import Inbox
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import UserInfo
from testkit.discord.world import StoredMessage
from testkit.eventually import eventually

# READY without waiting 2 s for more guilds; scripted presses are not double-clicks; a new
# IDENTIFY without discord.py's 5 s pause; reconnects after 50 ms, not seconds.
FAST = {
    "guild_ready_timeout": 0.05,
    "double_click_window": 0.0,
    "identify_wait": 0.0,
    "reconnect_backoff": (0.05, 0.2),
}


def discord_config(standin: DiscordStandIn, db: Path, **env: str) -> Config:
    return load_config(
        None,
        {
            "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
            "ALSBOT_DISCORD_ENABLED": "true",
            "ALSBOT_DISCORD_API_BASE_URL": standin.api_base_url,
            "ALSBOT_DISCORD_GATEWAY_URL": standin.gateway_url,
            "DISCORD_BOT_TOKEN": standin.world.token,
            **env,
        },
    )


@dataclass
class Running:
    """One process: the core with its loops running, and the Discord adapter attached."""

    app: Alsbot
    stop: Any

    @property
    def client(self) -> AlsClient:
        return self.stop.client

    async def close(self) -> None:
        await self.stop()
        await self.app.close()

    async def kill(self) -> None:
        """As if the process died: no goodbye to Discord (its session stays resumable),
        and nothing more written — not even the last gateway state."""
        client = self.client
        for task in list(client._background):
            task.cancel()
        self.stop.task.cancel()
        with contextlib.suppress(BaseException):
            await self.stop.task
        if client.ws is not None and client.ws._keep_alive is not None:
            client.ws._keep_alive.stop()
        await client.http.close()  # drops the socket without a close frame
        await self.app.close()


async def run_bot(config: Config, clock: FakeClock, **options: Any) -> Running:
    """As `alsbot run` does: the platform first, then the core's loops — what a RESUME
    replays on connecting waits in the inbox until the message source is attached."""
    running = await run_adapter_only(config, clock, **options)
    await running.app.start()
    return running


# --------------------------------------------------------------------------- reading the world


def buttons_of(message: StoredMessage) -> dict[str, str]:
    """label -> custom_id of the buttons on a message."""
    return {
        c["label"]: c["custom_id"]
        for row in message.components
        for c in row.get("components", [])
        if "custom_id" in c
    }


def in_channel(standin: DiscordStandIn, channel_id: str) -> list[StoredMessage]:
    return [m for m in standin.world.messages.values() if m.channel_id == channel_id]


def texts(standin: DiscordStandIn, channel_id: str) -> list[str]:
    return [m.content for m in in_channel(standin, channel_id)]


async def wait_text(standin: DiscordStandIn, channel_id: str, needle: str) -> StoredMessage:
    """The first message in `channel_id` containing `needle`, once it exists."""
    return await standin.wait_for(
        lambda: next((m for m in in_channel(standin, channel_id) if needle in m.content), None)
    )


def dm_texts(standin: DiscordStandIn, user: UserInfo) -> list[str]:
    channel = standin.world.dm_channel(user.id)
    return texts(standin, channel.id)


async def inbox_keys(app: Alsbot, *, processed: bool = False) -> list[str]:
    """Every event the core recorded, in order (each key once: the inbox is keyed); with
    `processed`, only those no longer pending."""
    inbox = Inbox.__table__
    query = select(inbox.c.key).order_by(inbox.c.id)
    if processed:
        query = query.where(inbox.c.status != "pending")
    async with app.store.read() as conn:
        return [r[0] for r in await conn.execute(query)]


async def start_session(
    standin: DiscordStandIn, presenter: UserInfo, facilitator: UserInfo
) -> StoredMessage:
    """`/als start`, and the header once its thread has the opening."""
    await standin.slash(facilitator, "start", presenter1=presenter)
    header = await wait_text(standin, standin.world.general.id, "Action Learning session")
    await wait_text(standin, header.id, "Ground rules")
    return header


async def advance_to(
    standin: DiscordStandIn, header: StoredMessage, facilitator: UserInfo, phase: str
) -> None:
    """Press "Next phase" until the header names `phase`."""
    for _ in range(10):
        if f"phase: {phase}" in header.content:
            return
        before = header.content
        await standin.click(facilitator, header, buttons_of(header)["Next phase"])
        await standin.wait_for(lambda b=before: header.content != b)
    raise AssertionError(f"never reached {phase}: {header.content}")


async def wait_inbox(app: Alsbot, key: str, within: float = 5.0) -> None:
    """Wait until the core has durably recorded `key` (the inbox is written by the
    adapter's own task, so this polls it briefly)."""

    async def recorded() -> bool:
        return key in await inbox_keys(app)

    await eventually(recorded, within=within, what=f"{key} reaching the inbox")


# --------------------------------------------------------------------------- several processes
# Issue 15: several processes on one PostgreSQL database, one of them holding the gateway
# (`adapters/discord/gateway_lease.py`).


def shared_config(
    standin: DiscordStandIn, url: str, name: str, lease_seconds: float = 0.6, **env: str
) -> Config:
    """One of several processes on database `url`, named `name`; a short gateway lease
    (renewed, and polled for, every third of it)."""
    return load_config(
        None,
        {
            "ALSBOT_DATABASE_URL": url,
            "ALSBOT_SCHEDULER_PROCESS_NAME": name,
            "ALSBOT_DISCORD_ENABLED": "true",
            "ALSBOT_DISCORD_API_BASE_URL": standin.api_base_url,
            "ALSBOT_DISCORD_GATEWAY_URL": standin.gateway_url,
            "ALSBOT_DISCORD_GATEWAY_LEASE_SECONDS": str(lease_seconds),
            "DISCORD_BOT_TOKEN": standin.world.token,
            **env,
        },
    )


async def run_adapter_only(config: Config, clock: FakeClock, **options: Any) -> Running:
    """A process whose core loops do not run: it records what its gateway receives, and
    leaves processing and delivery to the others."""
    app = await Alsbot.open(config, clock=clock)
    try:
        stop = await serve_discord(app, config, ready_timeout=10, **{**FAST, **options})
    except BaseException:
        await app.close()
        raise
    return Running(app, stop)


def gateway_opens(standin: DiscordStandIn) -> tuple[int, int]:
    """How many IDENTIFYs and RESUMEs every process together sent the gateway."""
    ops = [frame.get("op") for frame in standin.received]
    return ops.count(2), ops.count(6)


def health_of(bot: Running) -> dict[str, object]:
    part = bot.app.health.snapshot().get("discord")
    assert part is not None, "discord never reported"
    return part
