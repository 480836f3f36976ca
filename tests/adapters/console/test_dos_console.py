"""Do's through the console adapter, as a person types them: `dave: +✅ #12`, `-✅ #12`.

The console plays the platform (numbered messages, threads, DMs, files); these tests read
what it printed and what it kept, as a user of `alsbot console` would.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.console.runner import ConsoleRunner
from adapters.console.session import console_session
from bot.config import load_config
from bot.dos.export import csv_unguard
from bot.store.models import Do
from tests.adapters.console.console_helpers import alsbot
from tests.bot.dos.test_export import parse_html, parse_markdown

START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
NASTY = "Say <!channel> and @everyone out loud <script>document.title='x'</script> #safety"


@pytest_asyncio.fixture
async def console(tmp_path) -> AsyncIterator[tuple[ConsoleRunner, io.StringIO]]:
    out = io.StringIO()
    config = load_config(None, {})
    async with console_session(
        config, out, db_path=str(tmp_path / "console.db"), start=START
    ) as runner:
        await play(runner, "alice: /als facilitator add @alice")
        yield runner, out


async def play(runner: ConsoleRunner, *lines: str) -> None:
    assert await runner.run_lines(lines) == 0, runner.problems


def last_by(runner: ConsoleRunner, who: str) -> int:
    return max(n for n, m in runner.world.messages.items() if m.author == who)


def printed_since(out: io.StringIO, mark: int) -> str:
    return out.getvalue()[mark:]


async def saved(runner: ConsoleRunner) -> list[str]:
    async with runner.app.store.read() as conn:
        rows = await conn.execute(select(Do.__table__.c.text).order_by(Do.__table__.c.id))
        return [r[0] for r in rows]


@pytest.mark.asyncio
async def test_react_to_save_threshold_self_and_undo(console) -> None:
    runner, out = console
    await play(runner, "dave: Ask what they have already tried #listening")
    n = last_by(runner, "dave")
    mark = out.tell()
    await play(runner, f"dave: +✅ #{n}")  # the author's own reaction does not count
    assert await saved(runner) == []
    await play(runner, f"carol: +✅ #{n}", f"carol: +✅ #{n}")  # twice: saved once
    assert await saved(runner) == ["Ask what they have already tried #listening"]
    shown = printed_since(out, mark)
    assert shown.count("(only carol sees) alsbot: ✅ That message is saved as do #1") == 1
    await play(runner, f"carol: -✅ #{n}")
    assert await saved(runner) == []
    assert "no longer saved" in printed_since(out, mark)

    await play(runner, "alice: /als settings do_threshold 2", "erin: Pause before answering")
    m = last_by(runner, "erin")
    await play(runner, f"carol: +:white_check_mark: #{m}")
    assert await saved(runner) == []
    await play(runner, f"frank: +✅ #{m}")
    assert await saved(runner) == ["Pause before answering"]


@pytest.mark.asyncio
async def test_duplicate_delivery_and_merge(console) -> None:
    runner, _ = console
    await play(runner, "dave: Ask open questions!", "erin: ask open questions")
    first, second = last_by(runner, "dave"), last_by(runner, "erin")
    await play(runner, f"carol: +✅ #{first}")
    event = runner._event(runner_react(f"frank: +✅ #{first}"))
    assert await runner.app.handle(event) is True
    assert await runner.app.handle(event) is False, "the same event twice is one event"
    await play(runner, f"carol: +✅ #{second}")
    assert await saved(runner) == ["Ask open questions!"]
    async with runner.app.store.read() as conn:
        [row] = list(await conn.execute(select(Do.__table__)))
    assert [k.rsplit(":", 1)[1] for k in row.saved_by] == ["carol", "frank"]


def runner_react(line: str):
    from adapters.console import script

    op = script.read_line(line)
    assert isinstance(op, script.React)
    return op


@pytest.mark.asyncio
async def test_reactions_on_the_bots_messages_are_ignored(console) -> None:
    runner, _ = console
    bot_message = last_by(runner, "alsbot")
    await play(runner, f"carol: +✅ #{bot_message}")
    assert await saved(runner) == []


@pytest.mark.asyncio
async def test_consent_in_a_round_thread(console) -> None:
    runner, out = console
    await play(runner, "alice: /als start @bob", "bob: I keep a list of what each volunteer enjoys")
    n = last_by(runner, "bob")
    assert runner.world.messages[n].thread is not None, "said in the round's thread"
    mark = out.tell()
    await play(runner, f"carol: +✅ #{n}")
    shown = printed_since(out, mark)
    assert "(DM to bob)" in shown and "[Yes, save it] [No, keep it private]" in shown
    assert await saved(runner) == []
    assert await runner.run_lines(["carol: [Yes, save it]"]) == 1
    assert runner.problems == ["carol sees no [Yes, save it] button"], "bob's DM is his alone"
    runner.problems.clear()
    await play(runner, "bob: [Yes, save it]")
    assert await saved(runner) == ["I keep a list of what each volunteer enjoys"]
    assert "Thank you: it is saved as do #1" in printed_since(out, mark)


@pytest.mark.asyncio
async def test_search_remove_and_export_round_trip(console, tmp_path) -> None:
    runner, out = console
    tips = [
        "Ask what they have already tried #listening",
        "Write the action down with a date #actions",
        NASTY,
        "Count to ten before you speak #listening",
    ]
    for tip in tips:
        await play(runner, f"dave: {tip}")
        await play(runner, f"carol: +✅ #{last_by(runner, 'dave')}")
    mark = out.tell()
    await play(runner, "erin: /als dos listening")
    shown = printed_since(out, mark)
    assert "2 found, newest first" in shown
    assert shown.index("#4 Count to ten") < shown.index("#1 Ask what they")
    await play(runner, "erin: /als dos remove 2")
    assert "Only a facilitator" in printed_since(out, mark)
    await play(runner, "alice: /als dos remove 2")
    kept = {1: tips[0], 3: tips[2], 4: tips[3]}

    for fmt in ("md", "csv", "html"):
        await play(runner, f"erin: /als dos export {fmt}")
        name, content = runner.world.files[-1]
        assert name.endswith("." + fmt)
        body = content.decode("utf-8")
        if fmt == "md":
            assert parse_markdown(body) == kept
            assert "<script>" not in body and "<!channel>" not in body
        elif fmt == "csv":
            table = list(csv.DictReader(io.StringIO(body, newline="")))
            assert {int(r["id"]): csv_unguard(r["text"]) for r in table} == kept
        else:
            page = parse_html(body)
            assert page.found == kept and "script" not in page.tags
            assert "&lt;script&gt;" in body and "&lt;!channel&gt;" in body
    assert "(only erin sees) alsbot sent a file: dos-2026-01-12.html" in out.getvalue()


# --------------------------------------------------------------------------- alsbot export dos


cli = alsbot


async def _console_db(db: Path) -> None:
    async with console_session(load_config(None, {}), io.StringIO(), db_path=str(db)) as runner:
        await play(runner, "alice: /als facilitator add @alice")
        for tip in ("Ask what they have already tried #listening", NASTY):
            await play(runner, f"dave: {tip}")
            await play(runner, f"carol: +✅ #{last_by(runner, 'dave')}")


def test_alsbot_export_dos_reads_the_configured_database(tmp_path: Path) -> None:
    db = tmp_path / "alsbot.db"
    asyncio.run(_console_db(db))
    config = tmp_path / "alsbot.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{db}"\n', encoding="utf-8")

    result = cli(
        "export", "dos", "--format", "csv", "--output", "-", "--config", str(config), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert sorted(csv_unguard(r["text"]) for r in table) == sorted(
        ["Ask what they have already tried #listening", NASTY]
    )

    result = cli(
        "export", "dos", "--config", str(config), "--channel", "console:local:general", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    [page] = list(tmp_path.glob("dos-*.html"))
    assert f"wrote 2 do's to {page.name}" in result.stderr
    assert parse_html(page.read_text(encoding="utf-8")).found.keys() == {1, 2}

    for fmt in ("md", "html"):
        out = tmp_path / f"toolkit.{fmt}"
        result = cli(
            "export",
            "dos",
            "--format",
            fmt,
            "--output",
            str(out),
            "--config",
            str(config),
            cwd=tmp_path,
        )
        assert result.returncode == 0 and out.stat().st_size > 0, result.stderr

    result = cli("export", "dos", "--config", str(config), "--channel", "slack:T1:C1", cwd=tmp_path)
    assert result.returncode != 0 and "no set in channel 'slack:T1:C1'" in result.stderr
    missing = tmp_path / "missing.toml"
    missing.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "nope.db"}"\n')
    result = cli("export", "dos", "--config", str(missing), cwd=tmp_path)
    assert result.returncode != 0 and "there is no database" in result.stderr
    assert not (tmp_path / "nope.db").exists(), "exporting never creates a database"
