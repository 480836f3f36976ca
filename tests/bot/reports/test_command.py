"""`/als report`, `report share`, `report export`: the figures in chat, the charts as PNG
files with their alt text, files for funders — names only in the facilitator's own view."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from PIL import Image

from bot.replies import File, Post, Reply
from testkit.harness import Harness, private_to, public

pytestmark = pytest.mark.asyncio


async def session_rated(h: Harness, *given: tuple[str, str]) -> None:
    await h.cmd("alice", "start @bob")
    for _ in range(6):
        await h.cmd("alice", "next")  # → evaluation
    for who, rating in given:
        await h.say(who, rating)
    await h.cmd("alice", "next")


def files(replies: list[Reply]) -> list[File]:
    return [r for r in replies if isinstance(r, File)]


def png_size(file: File) -> tuple[int, int]:
    with Image.open(io.BytesIO(file.content)) as image:
        image.load()
        return image.size


async def test_the_facilitator_sees_the_figures_then_two_charts(h: Harness) -> None:
    await session_rated(h, ("carol", "4 energising"))
    await h.wait(timedelta(days=7))
    await session_rated(h, ("carol", "5 focused"), ("dave", "five - Energising"), ("erin", "3"))
    replies = await h.cmd("alice", "report")
    [report] = private_to(replies, "alice")
    assert "2 sessions (12 Jan 2026 – 19 Jan 2026)" in report
    assert "Ratings (mean per session): 4.0, 4.3; 4 ratings, overall 4.2/5" in report
    assert "Words people gave: energising ×2, focused" in report
    charts = files(replies)
    assert [c.filename for c in charts] == [
        "report-ratings-attendance-2026-01-19.png",
        "report-outcomes-2026-01-19.png",
    ]
    for chart in charts:
        assert chart.user is not None and chart.user.id == "alice", "privately, to the asker"
        assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = png_size(chart)
        assert width >= 800 and height >= 400
        assert "session" in chart.alt.lower()
    assert "4.3" in charts[0].alt, "the alt text says the figures the chart shows"


async def test_a_set_with_no_sessions_gets_words_and_no_chart(h: Harness) -> None:
    await h.cmd("alice", "setup")
    replies = await h.cmd("alice", "report")
    assert "No sessions held yet" in private_to(replies, "alice")[0]
    assert files(replies) == []


async def test_only_a_facilitator_may_ask(h: Harness) -> None:
    await session_rated(h, ("carol", "4"))
    await h.cmd("carol", "join")
    replies = await h.cmd("carol", "report")
    assert files(replies) == []
    assert "Only a facilitator" in private_to(replies, "carol")[0]


async def test_share_posts_in_the_channel_with_nobody_named(h: Harness) -> None:
    await session_rated(h, ("carol", "4 calm"))
    replies = await h.cmd("alice", "report share")
    [posted] = [r for r in replies if isinstance(r, Post)]
    assert "how the set is doing" in public([posted])[0]
    assert "only you see" not in public([posted])[0]
    charts = files(replies)
    assert len(charts) == 2 and all(c.user is None for c in charts), "in the channel"
    assert "Posted the report in the channel" in private_to(replies, "alice")[0]


async def test_export_gives_the_asker_a_csv_or_an_html_page(h: Harness) -> None:
    await session_rated(h, ("carol", "4 calm"), ("dave", "2"))
    replies = await h.cmd("alice", "report export csv")
    assert "Making the report as CSV" in private_to(replies, "alice")[0]
    [table] = files(replies)
    assert table.filename.endswith(".csv") and table.user and table.user.id == "alice"
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[1][:5] == ["1", "2026-01-12", "2", "1", "2"]
    [page] = files(await h.cmd("alice", "report export html"))
    body = page.content.decode()
    assert page.filename.endswith(".html") and "Content-Security-Policy" in body
    assert body.count("data:image/png;base64,") == 2


async def test_report_files_are_limited_per_person_per_hour(h: Harness) -> None:
    await session_rated(h, ("carol", "4"))
    for _ in range(5):
        assert len(files(await h.cmd("alice", "report"))) == 2
    refused = await h.cmd("alice", "report")
    assert files(refused) == []
    assert "ask again in" in private_to(refused, "alice")[0]
    await h.wait(timedelta(hours=1, minutes=1))
    assert len(files(await h.cmd("alice", "report"))) == 2
