"""[I'm here] on the console (issue 17): shown on the Opening, pressed by its label, answered
to the presser alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.rounds.attendance import ALREADY, MARKED
from bot.store.models import Attendance
from tests.adapters.console.console_helpers import console_at, play_and_show

START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)


@pytest.mark.asyncio
async def test_im_here_is_on_the_opening_and_answers_privately(tmp_path) -> None:
    async with console_at(tmp_path, START) as (runner, out):
        shown = await play_and_show(runner, out, "alice: /als start @bob")
        opening = shown[shown.index("alsbot: Opening") :]
        assert opening.splitlines()[-1].strip() == "Presenters: @bob  [I'm here]", shown
        shown = await play_and_show(runner, out, "dave: [I'm here]", "dave: [I'm here]")
        assert f"🔒 (only dave sees) alsbot: {MARKED}" in shown
        assert f"🔒 (only dave sees) alsbot: {ALREADY}" in shown
        async with runner.app.store.read() as conn:
            rows = list(await conn.execute(select(Attendance.__table__)))
        assert [(r.user_key.rsplit(":", 1)[1], r.how) for r in rows] == [("dave", "here")]
