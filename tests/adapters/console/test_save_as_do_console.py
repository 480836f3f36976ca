""" "Save as do" in the console, as a person types it: `carol: save #3`."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.console import script
from adapters.console.session import console_session
from bot.config import load_config
from bot.store.models import Do
from tests.adapters.console.console_helpers import play

START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)


def test_the_line_reads_as_a_choice() -> None:
    assert script.read_line("Carol: save #12") == script.SaveAsDo("carol", 12)
    assert script.read_line("carol: save the date #12 for me") == script.Say(
        "carol", "save the date #12 for me"
    )


@pytest.mark.asyncio
async def test_one_save_line_saves_whatever_the_threshold(tmp_path: Path) -> None:
    out = io.StringIO()
    config = load_config(None, {})
    async with console_session(
        config, out, db_path=str(tmp_path / "console.db"), start=START
    ) as runner:
        await play(
            runner,
            "alice: /als facilitator add @alice",
            "alice: /als settings do_threshold 3",
            "dave: Ask what they have already tried first",
        )
        number = max(n for n, m in runner.world.messages.items() if m.author == "dave")
        mark = len(out.getvalue())
        await play(runner, f"carol: save #{number}")
        printed = out.getvalue()[mark:]
        assert f"carol chose “Save as do” on #{number}" in printed
        assert "(only carol sees)" in printed and "Saved as do #1" in printed
        async with runner.app.store.read() as conn:
            rows = list(await conn.execute(select(Do.__table__.c.text)))
        assert [r[0] for r in rows] == ["Ask what they have already tried first"]
        assert await runner.run_lines(["carol: save #999"]) == 1
        assert runner.problems == ["there is no message #999 to save"]
