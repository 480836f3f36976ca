"""The report and the set's pages online (issue 17): what they cost a set with a long history.

A set of two years of weekly sessions (104; `--quick` 24), eight people at each, ratings,
actions in every outcome, outcome updates, nudges, and 20,000 do's (`--quick` 2,000).
Measured, each as p50/p99 over repeated runs where it repeats:
- `gather_ms`: `report_figures` (the default range, the last six sessions) and over the
  whole history (`gather_all_ms`), with the statements each ran;
- `charts_cold_ms` (the first draw, matplotlib's import included, and the memory it adds)
  and `charts_ms` (later draws), `html_ms` (the page around them);
- `toolkit_view_ms` and `report_view_ms`: a page read through the real web server over
  loopback, and `loop_block_ms`: the longest the event loop went without running a 1 ms
  ticker while pages were being read (what an acknowledgement would have waited).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

from adapters.web.server import WebServer
from adapters.web.service import pages_for
from bench.common import NullOutlet, emit, percentile, rss_mb
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import load_config
from bot.dos.do_text import hashtags, normalise_text
from bot.events import CommandInvoked
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.reports import files, html_report
from bot.reports.gather import report_figures
from bot.reports.links import set_for_token
from bot.store.models import (
    Action,
    Attendance,
    Do,
    Evaluation,
    OutcomeUpdate,
    Round,
    Session,
    Timer,
)

WS = WorkspaceRef(Platform.CONSOLE, "bench")
CHANNEL = ChannelRef(WS, "set")
START = datetime(2024, 12, 2, 10, tzinfo=UTC)
PEOPLE = [UserRef(WS, f"p{i}") for i in range(8)]
STATUSES = ("done", "partly", "not_yet", "dropped", "open")
WORDS = ("energising", "focused", "calm", "rushed", "useful", None)


async def seed(app: Alsbot, set_id: int, sessions: int, dos: int) -> datetime:
    rng = random.Random(17)
    at = START
    async with app.store.write() as conn:
        for n in range(sessions):
            at = START + timedelta(weeks=n)
            sid = (
                await conn.execute(
                    insert(Session).values(
                        set_id=set_id, status="closed", state="{}", started_at=at,
                        closed_at=at + timedelta(hours=2), scratch={},
                    ).returning(Session.id)
                )
            ).scalar_one()  # fmt: skip
            presenters = rng.sample(PEOPLE, 2)
            for pos, who in enumerate(presenters):
                await conn.execute(
                    insert(Round).values(session_id=sid, presenter_key=who.key, position=pos)
                )
                for k in range(2):
                    await conn.execute(
                        insert(Action).values(
                            set_id=set_id, session_id=sid, owner_key=who.key,
                            text=f"action {n}.{pos}.{k}", status=rng.choice(STATUSES),
                            created_at=at, updated_at=at + timedelta(days=3),
                        )
                    )  # fmt: skip
                await conn.execute(
                    insert(OutcomeUpdate).values(
                        set_id=set_id, user_key=who.key, session_id=sid, text="went well",
                        created_at=at + timedelta(days=5),
                    )
                )  # fmt: skip
                await conn.execute(
                    insert(Timer).values(
                        kind="nudge", due_at=at + timedelta(days=4), status="done",
                        subject=who.key, payload={"set": set_id}, dedupe=f"plan:{set_id}:nudge:{who.key}:{sid}",
                        done_at=at + timedelta(days=4), note="sent: 2 actions",
                    )
                )  # fmt: skip
            for who in PEOPLE:
                await conn.execute(
                    insert(Attendance).values(
                        session_id=sid, user_key=who.key, how="spoke", first_at=at
                    )
                )
                await conn.execute(
                    insert(Evaluation).values(
                        session_id=sid, user_key=who.key, rating=rng.randint(2, 5),
                        word=rng.choice(WORDS), created_at=at + timedelta(hours=2),
                    )
                )  # fmt: skip
        for i in range(dos):
            body = f"Do number {i}: ask before advising #tag{i % 40} #listening"
            await conn.execute(
                insert(Do).values(
                    set_id=set_id, text=body, norm_text=normalise_text(body),
                    author_key=PEOPLE[i % 8].key, saved_by=[PEOPLE[(i + 1) % 8].key],
                    tags=hashtags(body), status="saved",
                    created_at=START + timedelta(minutes=i * 50),
                )
            )  # fmt: skip
    return at + timedelta(days=6)


class LoopWatch:
    """The longest gap between ticks of a 1 ms ticker: how long the loop was held."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.001)
            last = now

    def __enter__(self) -> LoopWatch:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def timed(runs: int, go) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        await go()
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 50), 2), "p99": round(percentile(values, 99), 2)}


async def main(quick: bool) -> None:
    sessions, dos, runs = (24, 2_000, 10) if quick else (104, 20_000, 30)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        config = load_config(None, {"ALSBOT_DATABASE_URL": url, "ALSBOT_WEB_ENABLED": "true"})
        app = await Alsbot.open(config, clock=FakeClock(START))
        app.attach(NullOutlet(Platform.CONSOLE))
        await app.handle(
            CommandInvoked(key="bench:setup", user=PEOPLE[0], channel=CHANNEL, text="setup")
        )
        async with app.store.read() as conn:
            set_id = (await conn.exec_driver_sql("SELECT id FROM sets")).scalar_one()
        now = await seed(app, set_id, sessions, dos)
        assert isinstance(app.clock, FakeClock)
        app.clock.set(now)
        await app.handle(
            CommandInvoked(key="bench:link", user=PEOPLE[0], channel=CHANNEL, text="link")
        )
        statements: list[int] = [0]

        def count(*_: object) -> None:
            statements[0] += 1

        tz = ZoneInfo("Europe/London")

        async def gather(since: object = None) -> None:
            async with app.store.read() as conn:
                await report_figures(
                    conn, set_id=set_id, title="Bench", tz=tz, now=now,
                    since=START.date() if since else None,
                )  # fmt: skip

        event.listen(Engine, "before_cursor_execute", count)
        await gather()
        per_report = statements[0]
        event.remove(Engine, "before_cursor_execute", count)
        gather_ms = await timed(runs, gather)
        gather_all_ms = await timed(max(3, runs // 3), lambda: gather(since=True))

        async with app.store.read() as conn:
            figures = await report_figures(conn, set_id=set_id, title="Bench", tz=tz, now=now)
        before = rss_mb()
        started = time.perf_counter()
        charts = await asyncio.to_thread(files.draw_charts, figures)
        charts_cold_ms = (time.perf_counter() - started) * 1000
        charts_rss_mb = rss_mb() - before
        charts_ms = await timed(runs, lambda: asyncio.to_thread(files.draw_charts, figures))
        html_ms = await timed(runs, lambda: asyncio.to_thread(html_report.to_html, figures, charts))

        async with app.store.read() as conn:
            token = (await conn.exec_driver_sql("SELECT token FROM web_links")).scalar_one()
            assert await set_for_token(conn, token) == set_id
        server = WebServer(pages_for(app, config))
        await server.start("127.0.0.1", 0)
        base = f"http://127.0.0.1:{server.port}/s/{token}"
        try:
            async with aiohttp.ClientSession() as http:

                async def read(path: str) -> None:
                    async with http.get(base + path) as response:
                        assert response.status == 200, response.status
                        await response.read()

                with LoopWatch() as toolkit_watch:
                    toolkit_ms = await timed(runs, lambda: read("/toolkit"))
                    search_ms = await timed(runs, lambda: read("/toolkit?q=advising"))
                    tag_ms = await timed(runs, lambda: read("/toolkit?tag=tag7"))
                with LoopWatch() as report_watch:
                    report_first_ms = await timed(1, lambda: read("/report"))
                    report_ms = await timed(runs, lambda: read("/report"))
        finally:
            await server.stop()
            await app.close()
    emit(
        {
            "benchmark": "report_pages",
            "quick": quick,
            "sessions": sessions,
            "dos": dos,
            "statements_per_report": per_report,
            "gather_ms": summary(gather_ms),
            "gather_all_ms": summary(gather_all_ms),
            "charts_cold_ms": round(charts_cold_ms, 1),
            "charts_rss_mb": round(charts_rss_mb, 1),
            "charts_ms": summary(charts_ms),
            "html_ms": summary(html_ms),
            "toolkit_view_ms": summary(toolkit_ms),
            "toolkit_search_ms": summary(search_ms),
            "toolkit_tag_ms": summary(tag_ms),
            "toolkit_loop_block_ms": round(toolkit_watch.worst * 1000, 1),
            "report_view_first_ms": round(report_first_ms[0], 1),
            "report_view_ms": summary(report_ms),
            "report_loop_block_ms": round(report_watch.worst * 1000, 1),
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    asyncio.run(main(parser.parse_args().quick))
