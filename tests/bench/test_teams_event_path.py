"""The Teams event-path benchmark measures what it says: its floor validates every token
as alsbot does (a floor that let anything through would flatter nothing but itself), and
against the real `alsbot run` its set-up reaches a round's Actions phase, every activity
of the mix acknowledged is in the inbox, processed, and answered where it should be."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench._load import burst
from bench._process import Server, clean_env
from bench._slack_bench import Client, session
from bench._teams_bench import CountingConnector, World
from bench.teams_event_path import measure_alsbot
from testkit.teams.tokens import SigningKey
from testkit.worlds.live import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.asyncio
async def test_the_floor_acknowledges_signed_activities_and_refuses_others(
    tmp_path: Path,
) -> None:
    async with CountingConnector() as bf:
        port = free_port()
        server = Server(
            ["-m", "bench._teams_floor", str(port), bf.client_id]
            + [bf.openid_metadata_url, bf.token_issuer],
            env=clean_env(PYTHONPATH=str(ROOT)),
            log_path=tmp_path / "floor.log",
        )
        await server.start(ROOT)
        try:
            await server.wait_http(f"http://127.0.0.1:{port}/healthz")
            url = f"http://127.0.0.1:{port}/api/messages"
            world = World.of(bf)
            world.thread, world.bot_posts = "1767225600000", ["1767225600000"]
            load, replies = world.mix(10)
            assert replies == 8, "one in five is a reaction"
            async with session(4) as http:
                phase = await burst(Client(http, url, None).send, load, 4)
            assert phase.acked == 10, server.output()
            activity = world.command(world.presenter, "help")
            assert (await bf.send(url, activity))[0] == 200
            assert (await bf.send(url, activity, signed=SigningKey.generate()))[0] == 401
            assert (await bf.send(url, activity, signed=False))[0] == 401
            assert (await bf.send(url, activity, audience="another-bot"))[0] == 401
        finally:
            await server.stop()


@pytest.mark.asyncio
async def test_alsbot_takes_the_mix_durably_and_answers_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = argparse.Namespace(
        events=40,
        warmup=10,
        in_flight=8,
        rate=50.0,
        steady_events=25,
        server_prefix="",
        no_sql_counts=False,
    )
    async with CountingConnector() as bf:
        result = await measure_alsbot(tmp_path, bf, args)
    assert result["setup_moves_to_actions"] >= 1
    assert result["acked"] == 40 and result["steady_acked"] == 25
    assert result["acked_not_in_inbox"] == 0 and result["checked_after_ack"] == 75
    assert result["acked_not_in_inbox_after_burst"] == 0
    assert result["acked_missing_from_inbox_at_end"] == 0
    assert result["inbox_failed"] == 0
    assert result["replies_expected"] == 32 and result["replies_delivered"] == 32
    assert result["durable_per_s"] > 0 and result["replies_delivered_per_s"] > 0
    assert result["drafts_held"] == 8 + 32 + 20, "every word of Paul's held as a draft"
    assert result["burst_statements_per_event"] > 0
