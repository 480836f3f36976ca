"""The same-work floor does the work it stands for: every acknowledged reaction is in its
inbox at that moment, becomes a do with the message's text, and (with `--confirm`) is
confirmed to the reactor — a real process against the Web API stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench._load import burst
from bench._process import ReadOnlyDb, Server, clean_env
from bench._slack_bench import DOS, REACTOR, SECRET, Client, IndexedWebApi, reactions, session
from testkit.eventually import reached
from testkit.worlds.live import free_port

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 20


@pytest.mark.asyncio
async def test_acknowledged_reactions_are_durable_saved_and_confirmed(tmp_path: Path) -> None:
    async with IndexedWebApi() as api:
        port, db_path = free_port(), tmp_path / "floor.db"
        server = Server(
            ["-m", "bench._slack_same_work_floor", str(port), SECRET, api.url, str(db_path)]
            + ["--confirm"],
            env=clean_env(SLACK_BOT_TOKEN=api.token, PYTHONPATH=str(ROOT)),
            log_path=tmp_path / "floor.log",
        )
        await server.start(ROOT)
        try:
            await server.wait_http(f"http://127.0.0.1:{port}/healthz")
            db = ReadOnlyDb(db_path)
            async with session(8) as http:
                client = Client(http, f"http://127.0.0.1:{port}/slack/events", db)
                load = reactions(api, EVENTS)
                phase = await burst(client.send, load, 8)
                assert phase.acked == EVENTS, server.output()
                assert client.checked == EVENTS and client.not_durable == []
                saved = await reached(lambda: db.scalar(DOS) >= EVENTS, 5)
                assert saved is not None, server.output()
                assert await reached(lambda: len(api.ephemerals) >= EVENTS, 5) is not None
                bad = dict(load[0].headers, **{"X-Slack-Signature": "v0=00"})
                async with http.post(client.url, data=load[0].body, headers=bad) as refused:
                    assert refused.status == 401
            texts = db.conn.execute("SELECT text, reactor FROM dos").fetchall()
            db.close()
        finally:
            await server.stop()
    assert len(texts) == EVENTS and all(r == REACTOR and t.startswith("Tip") for t, r in texts)
    assert {e["user"] for e in api.ephemerals} == {REACTOR}
