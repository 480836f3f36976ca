"""Actions through the console, as a presenter and a facilitator type them (issue 12, items 2
and 3): only a commitment is recorded; anything else is offered privately with [Record as
action]; one message may hold several actions with their own dates in the set's time zone;
an action can be edited or removed (command or button) until the next session starts; a
facilitator records for a presenter; the same words are kept once; an unreadable date is said.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.console.runner import ConsoleRunner
from bot.store.models import Action
from tests.adapters.console.console_helpers import console_at, play, play_and_show

# Sunday 18 January 2026, 12:00 UTC: already Monday 19 January, 01:00, in Auckland.
START = datetime(2026, 1, 18, 12, 0, tzinfo=UTC)
TO_ACTIONS = [
    "alice: /als facilitator add @alice",
    "alice: /als settings timezone Pacific/Auckland",
    "alice: /als start @bob",
    "carol: /als join",
    "alice: /als schedule 9 Feb 2026 10am",
    "alice: [Next phase]",
    "alice: [Next phase]",
    "bob: Our volunteer rota keeps collapsing.",
    "alice: [Next phase]",
    "carol: What keeps the volunteers who stay?",
    "alice: [Next phase]",
    "alice: [Next phase]",
]


@pytest_asyncio.fixture
async def console(tmp_path) -> AsyncIterator[tuple[ConsoleRunner, io.StringIO]]:
    async with console_at(tmp_path, START, *TO_ACTIONS) as opened:
        yield opened


async def actions(runner: ConsoleRunner) -> list[tuple[str, date | None]]:
    async with runner.app.store.read() as conn:
        rows = await conn.execute(select(Action.__table__).order_by(Action.__table__.c.id))
        return [(row.text, row.due) for row in rows]


@pytest.mark.asyncio
async def test_thanks_is_not_an_action_until_the_presenter_presses(
    console: tuple[ConsoleRunner, io.StringIO],
) -> None:
    runner, out = console
    shown = await play_and_show(runner, out, "bob: Thanks everyone, that was really helpful!")
    assert await actions(runner) == []
    assert "Action recorded" not in shown
    assert "🔒 (only bob sees) alsbot: I haven't recorded “Thanks everyone" in shown
    assert "If that was an action, press [Record as action].  [Record as action]" in shown
    # Carol cannot see (so cannot press) Bob's offer.
    assert await runner.run_lines(["carol: [Record as action]"]) == 1
    assert runner.problems == ["carol sees no [Record as action] button"]
    runner.problems.clear()
    assert await actions(runner) == []

    await play(runner, "bob: [Record as action]")
    assert await actions(runner) == [("Thanks everyone, that was really helpful!", None)]
    assert "alsbot: ✅ Action recorded for @bob: Thanks everyone, that was really helpful!" in (
        out.getvalue()
    )


@pytest.mark.asyncio
async def test_two_actions_in_one_message_with_dates_in_the_set_s_zone(
    console: tuple[ConsoleRunner, io.StringIO],
) -> None:
    runner, out = console
    await play(runner, "bob: Write up notes by Friday, and share with the team by Monday")
    # Monday in Auckland is today (the 19th), so "by Monday" is the next one, the 26th;
    # read in UTC (Sunday the 18th) it would have been the 19th.
    assert await actions(runner) == [
        ("Write up notes", date(2026, 1, 23)),
        ("Share with the team", date(2026, 1, 26)),
    ]
    printed = out.getvalue()
    assert (
        "✅ Action recorded for @bob: Write up notes (by Fri 23 Jan 2026) · #1  [Edit] [Remove]"
        in printed
    )
    assert "✅ Action recorded for @bob: Share with the team (by Mon 26 Jan 2026) · #2" in printed


@pytest.mark.asyncio
async def test_edit_and_remove_by_command_and_by_button(
    console: tuple[ConsoleRunner, io.StringIO],
) -> None:
    runner, out = console
    await play(runner, "bob: Draft a rota by Friday", "bob: Talk to my manager")
    shown = await play_and_show(
        runner, out, "bob: /als action edit 1 Draft a rota with the team leader by 23/01"
    )
    assert (
        "now reads: ✅ Action recorded for @bob: Draft a rota with the team leader (by Fri 23 Jan 2026)"
        in shown
    )
    assert "(only bob sees) alsbot: ✏️ #1 now reads: Draft a rota with the team leader" in shown

    await play(runner, "bob: /als action remove 2")
    assert await actions(runner) == [("Draft a rota with the team leader", date(2026, 1, 23))]
    assert "🗑 An action of @bob was removed (#2)." in out.getvalue()

    await play(runner, "bob: Ring the council in two weeks")
    assert "Ring the council by 02/02/2026" in await play_and_show(runner, out, "bob: [Edit]")
    await play(runner, "alice: [Remove]")  # a facilitator may remove it too
    assert [text for text, _ in await actions(runner)] == ["Draft a rota with the team leader"]

    await play(runner, "alice: [Next phase]", "alice: [Next phase]")  # evaluation, closed
    summary = out.getvalue().rsplit("Session summary", 1)[1]
    assert "Draft a rota with the team leader (by Fri 23 Jan 2026)" in summary
    assert "Talk to my manager" not in summary and "Ring the council" not in summary


@pytest.mark.asyncio
async def test_no_change_after_the_next_session_has_started(
    console: tuple[ConsoleRunner, io.StringIO],
) -> None:
    runner, out = console
    await play(runner, "bob: Draft a rota by Friday", "alice: /als end", "@wait 1d")
    await play(runner, "bob: /als action edit 1 Draft a rota by next week")  # still fine
    assert await actions(runner) == [("Draft a rota", date(2026, 1, 30))]
    await play(runner, "alice: /als start @carol")
    shown = await play_and_show(runner, out, "bob: /als action remove 1", "bob: [Edit]")
    assert shown.count("The next session has started, so #1 can no longer be edited") == 2
    assert await actions(runner) == [("Draft a rota", date(2026, 1, 30))]


@pytest.mark.asyncio
async def test_a_facilitator_records_for_bob_and_the_same_words_are_kept_once(
    console: tuple[ConsoleRunner, io.StringIO],
) -> None:
    runner, out = console
    await play(runner, "alice: /als action @bob Ring the council before the next session")
    assert await actions(runner) == [("Ring the council", date(2026, 2, 9))]
    assert (
        "✅ Action recorded for @bob: Ring the council (by Mon 9 Feb 2026) · #1 · recorded by @alice"
        in out.getvalue()
    )
    shown = await play_and_show(runner, out, "bob: ring the Council!")
    assert len(await actions(runner)) == 1
    assert "(only bob sees) alsbot: That's already recorded as #1" in shown


@pytest.mark.asyncio
async def test_an_unreadable_date_is_said_and_the_action_kept(
    console: tuple[ConsoleRunner, io.StringIO],
) -> None:
    runner, out = console
    shown = await play_and_show(runner, out, "bob: Book the venue by the Ides of March")
    assert await actions(runner) == [("Book the venue by the Ides of March", None)]
    assert "✅ Action recorded for @bob: Book the venue by the Ides of March · #1" in shown
    assert (
        "🔒 (only bob sees) alsbot: I couldn't read the date in “by the Ides of March”" in shown
        and "I've kept the action without a date — `/als action edit 1" in shown
    )
