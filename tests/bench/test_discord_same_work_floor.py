"""The same-work floor is a benchmark's yardstick, so it must do the work it claims: each
✅ a durable inbox row under alsbot's key shape, one fetch, one do; anything else inboxed
and done without a do; with `--confirm`, one DM per do."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench._discord_load import BenchDiscord, InboxWatch, occurrence
from bench._process import Server, clean_env
from testkit.eventually import eventually

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.asyncio
@pytest.mark.parametrize("confirm", [False, True])
async def test_each_check_mark_becomes_one_do(tmp_path: Path, confirm: bool) -> None:
    db = tmp_path / "floor.db"
    async with BenchDiscord() as discord:
        argv = ["-m", "bench._discord_same_work_floor", discord.api_base_url]
        argv += [discord.gateway_url, str(db), *(["--confirm"] if confirm else [])]
        server = Server(
            argv,
            env=clean_env(PYTHONPATH=str(ROOT), DISCORD_BOT_TOKEN=discord.world.token),
            log_path=tmp_path / "floor.log",
        )
        await server.start(ROOT)
        watch = InboxWatch(db)
        try:
            await eventually(lambda: bool(discord.live_sessions()), within=30, what=server.output)
            watch.open()
            sent = await discord.push_all(discord.seed(20))
            for message in discord.seed(5):
                await discord.push(message, 0.0, "👍")
            done = "SELECT count(*) FROM inbox WHERE status = 'done'"
            await eventually(lambda: watch.scalar(done) == 25, within=10, what=server.output)
            watch.poll()
            assert watch.all_durable(sent)
            assert watch.scalar("SELECT count(*) FROM dos") == 20
            fetched = [
                c for c in discord.rest.calls if c.method == "GET" and "/messages/" in c.path
            ]
            assert len(fetched) == 20
            keys = [k for (k,) in watch._db.conn.execute("SELECT key FROM inbox")]  # type: ignore[union-attr]
            assert all(occurrence(k) is not None for k in keys)
            if confirm:
                dm = discord.world.dm_channel(discord.reactor.id)
                await eventually(lambda: dm.message_count == 20, within=10, what=server.output)
        finally:
            watch.close()
            await server.stop()
