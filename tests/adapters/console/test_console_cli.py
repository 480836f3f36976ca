"""`alsbot demo` and `alsbot console --script` as a user runs them: real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import script

ALSBOT = [sys.executable, "-m", "adapters.cli"]
ROOT = Path(__file__).resolve().parents[3]


def run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ALSBOT_DATABASE_URL", None)
    return subprocess.run(
        [*ALSBOT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, input=stdin
    )


def test_demo_shows_a_complete_session(tmp_path: Path) -> None:
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    order = [
        "Ground rules",
        "Updates from last time",
        "Presenting: @bob",
        "One minute left for Presenting",
        "Questions for @bob",
        "(only dave sees) alsbot: A gentle reminder",
        "(DM to bob)",
        "Summary: @bob",
        "Actions: @bob",
        "Action recorded for @bob",
        "Evaluation:",
        "Session summary",
        "average 4.5/5",
        "Next session: Monday 9 February 2026",
    ]
    at = 0
    for marker in order:  # each appears, and after the one before it
        found = out.find(marker, at)
        assert found >= 0, f"{marker!r} missing (or out of order) in the demo"
        at = found + len(marker)
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
