"""`alsbot demo` and `alsbot console --script` as a user runs them: real subprocesses."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.console import script
from tests.adapters.console.console_helpers import alsbot, assert_in_order

run = alsbot


def test_demo_shows_all_three_things_the_bot_is_for(tmp_path: Path) -> None:
    """The README's first command: a round with confirmed actions, weeks on the simulated
    clock, a nudge answered with a confirmed update while a private DM stays private, the
    next session opening with that update, a do saved by a reaction and found, and the
    set's report with the path of its chart."""
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    order = [
        "Part 1 of 6",
        "Ground rules",
        "Presenting: @bob",
        "One minute left for Presenting",
        "Questions for @bob",
        "(only dave sees) alsbot: A gentle reminder",
        "Part 2 of 6",
        "(DM to bob)",
        "Summary: @bob",
        "Actions: @bob",
        "Action recorded for @bob: Ask three long-standing volunteers what keeps them coming"
        " (by Fri 16 Jan 2026) · #1  [Edit] [Remove]",
        "Action recorded for @bob: Draft a shared rota with the team leader"
        " (by Fri 30 Jan 2026) · #2  [Edit] [Remove]",
        "(only bob sees) alsbot: I haven't recorded “Thanks everyone",
        "#1 now reads: Ask four long-standing volunteers",
        "Thanks — your rating of 5/5 (“energising”) is recorded.",
        "Session summary",
        "• @bob: Ask four long-standing volunteers what keeps them coming",
        "Evaluation: 3 ratings, average 4.7/5 — energising ×2.",
        "Next session: Tuesday 10 February 2026",
        "Part 3 of 6",
        "Fri 10:00  ✉ (DM to bob)",
        "👋 Hi @bob",
        "bob (DM to alsbot): hi, is the meeting still in Room 8?",
        "The next session is on Tuesday 10 February, 10:00",
        "Nothing is shared until you press [Share as my update].",
        "bob pressed [Share as my update]",
        "Mark “Ask four long-standing volunteers what keeps them coming” as done?",
        "is now marked done",
        "Part 4 of 6",
        "Updates from previous presenters so far:",
        "Updates from last time",
        "• Ask four long-standing volunteers what keeps them coming (by Fri 16 Jan) — done",
        "Update: “I asked four volunteers: all said they stay for the people.",
        "Part 5 of 6",
        "dave reacted ✅",
        "That message is saved as do #1",
        "Do's matching “listening” — 1 found",
        "#1 Ask what they have already tried before suggesting anything",
        "Part 6 of 6",
        "Action Learning Set: how the set is doing",
        "2 sessions (12 Jan 2026 – 10 Feb 2026)",
        "Ratings (mean per session): 4.7, –",
        "(only alice sees) alsbot sent a file: report-ratings-attendance-",
        "(image: ",
        "The report's chart, made by this demo: ",
    ]
    assert_in_order(out, order)
    # The demo ends with the path of a chart it made: a real PNG a person can open.
    chart = Path(out.strip().splitlines()[-1].split("made by this demo: ")[1])
    assert chart.suffix == ".png" and chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Bob's private DM stays his: his own line shows it; nothing the bot says repeats it.
    private = [line for line in out.splitlines() if "hospital" in line or "Room 8" in line]
    assert private and all("bob (DM to alsbot)" in line for line in private), private
    # Thanks is not an action, so neither the summary nor a nudge shows it.
    assert "Action recorded for @bob: Thanks" not in out
    assert "• Thanks everyone" not in out
    # Each part fits on a screen.
    parts = out.split("— Part ")[1:]
    assert len(parts) == 6 and all(len(part.splitlines()) <= 50 for part in parts)
    assert "Traceback" not in out + result.stderr
    assert not list(tmp_path.iterdir()), "the demo leaves no database behind"


def test_scripted_console_session_with_waits(tmp_path: Path) -> None:
    lines = tmp_path / "session.txt"
    lines.write_text(
        "alice: /als start @bob\n"
        "@wait 3m\n"  # opening runs out
        "@wait 10m\n"  # updates run out: presenting starts
        "bob: Here is my problem\n"
        "@wait 8m\n"  # presenting runs out: questions
        "carol: What matters most to you here?\n"
        "alice: /als end\n"
        "carol: +✅ #999\n",  # a reaction to a message that doesn't exist: a clear complaint
        encoding="utf-8",
    )
    db = tmp_path / "kept.db"
    result = run("console", "--script", str(lines), "--db", str(db), cwd=tmp_path)
    out = result.stdout
    assert "Presenting: @bob" in out and "Questions for @bob" in out
    assert "Session summary (ended early)" in out
    assert "there is no message #999" in out
    assert result.returncode == 1, "a script with a bad line exits non-zero"
    assert db.exists(), "--db keeps the data"


def test_interactive_console_reads_stdin(tmp_path: Path) -> None:
    result = run("console", cwd=tmp_path, stdin="alice: /als help\nalice: /als frobnicate\n")
    assert result.returncode == 0, result.stderr
    assert "/als start" in result.stdout
    assert "frobnicate" in result.stdout and "Traceback" not in result.stdout


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("alice: /als start @bob", script.Command("alice", "start @bob")),
        ("Dave: +✅ #12", script.React("dave", "✅", 12, True)),
        ("dave: -:white_check_mark: #12", script.React("dave", ":white_check_mark:", 12, False)),
        ("carol: [Next phase]", script.Press("carol", "Next phase", None)),
        ("carol: [4] #1", script.Press("carol", "4", 1)),
        ("bob: dm: it went well", script.Dm("bob", "it went well")),
        ("bob: hello: world", script.Say("bob", "hello: world")),
        ("@wait 90s", script.Wait(__import__("datetime").timedelta(seconds=90))),
        ("# a note", script.Narrate("a note")),
        ("", None),
    ],
)
def test_console_lines(line: str, expected: script.Op) -> None:
    assert script.read_line(line) == expected


@pytest.mark.parametrize("line", ["@wait soon", "no colon here", "bob:"])
def test_bad_console_lines_say_why(line: str) -> None:
    op = script.read_line(line)
    assert isinstance(op, script.Bad) and op.why
