"""A month between two sessions in the console, from the example a user can run (issue 18).

`docs/examples/between-sessions.txt`: an offer (through the form) matched with a want,
both asked privately and introduced only after both said yes, then asked whether they
talked; a do added with `/als dos add`; pairs introduced a week after the session (a pair
and a trio for five members) and asked a week later whether they met; prompts of the week
on three Tuesdays with replies in their threads (one saved as a do by ✅), none in the
session's week; the next session opening.
Run in-process through `ConsoleRunner` and as `alsbot console --script` in a subprocess.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.adapters.console.console_helpers import (
    ROOT,
    assert_in_order,
    script_as_a_user,
    script_in_process,
    script_lines,
)

SCRIPT = ROOT / "docs" / "examples" / "between-sessions.txt"
START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)

IN_ORDER = [
    "The prompt of the week is on: Tuesday 10:00 (Europe/London), except in weeks the set "
    "meets. The next: Tuesday 20 January 2026, 10:00",
    "🤝 On Monday 19 January, 10:00 I'll pair you up",
    # The offer, through the form, and the want: each confirmed privately.
    "📝 (only carol sees) Offer help",
    "carol sent the form: /als offer I have written lottery and council grant bids",
    "(only carol sees) alsbot: Offer 1 saved",
    "(only bob sees) alsbot: Want 2 saved",
    # The match: asked privately, each on their own.
    "✉ (DM to bob) [#13] alsbot: A possible match for your want",
    "@carol posted an offer",
    "[Let's talk] [Not now]",
    "✉ (DM to carol) [#14] alsbot: A possible match for your offer",
    "bob pressed [Let's talk]",
    "I'll open a chat for you both if the other person says yes too.",
    "carol pressed [Let's talk]",
    "✉ [group DM → bob, carol]",
    "@bob's want: “I'd like help writing a grant bid for our youth project”. @carol's offer:",
    # The typed do.
    "(only dave sees) alsbot: Saved as do #1",
    # A week later: pairs (five members: a pair and a trio), then "did you talk?".
    "✉ [group DM → carol, erin]",
    "You're paired until the next session",
    "✉ [group DM → alice, bob, dave]",
    "(Rather not be paired? `/als settings pairs off`",
    "✉ (DM to bob) [#19] alsbot: A week ago I opened a chat for you and @carol",
    "Did you talk?  [We talked] [Not yet]",
    "✎ [#19] now reads: Thanks — noted that you talked.",
    # The first prompt, replies in its thread, one saved as a do.
    "Tue 10:00  [#21] alsbot: 💬 Prompt of the week: Where does your power lie, and how do you use it?",
    "↳ [#22] carol: My power is in who I know",
    "↳ [#23] erin: In saying no to meetings",
    "(only dave sees) alsbot: ✅ That message is saved as do #2.",
    # Did the pairs meet?
    "✉ (DM to carol) [#25] alsbot: Did you and @erin meet?",
    "✉ (DM to alice) [#27] alsbot: Did you and @bob and @dave meet?",
    "✎ [#25] now reads: Did you and @erin meet? You were paired on Monday 19 January. ✓ You met.",
    "— not yet.  [We met]",
    # Two more prompts; none in the session's week.
    "[#33] alsbot: 💬 Prompt of the week: What is one small 'do' you saw this week?",
    "↳ [#34] bob: A volunteer brought her own tea urn",
    "[#36] alsbot: 💬 Prompt of the week: What would you like to do, and what do you like doing?",
    "⏰ Reminder: the set meets in about an hour",
    "alice ran: /als start",
    "💡 A recent do from this set",
]


def check(out: str) -> None:
    assert_in_order(out, IN_ORDER)
    assert "Traceback" not in out and "!!" not in out
    assert out.count("💬 Prompt of the week") == 3  # 20 Jan, 27 Jan, 3 Feb; not 9 Feb's week
    assert out.count("group DM →") == 3  # one for the match, two for the pairs
    # The proposal went to the two of them only, before anyone said yes.
    before_yes = out.split("bob pressed [Let's talk]", 1)[0]
    assert "group DM" not in before_yes
    for who in ("alice", "dave", "erin"):
        assert f"DM to {who}) [#1" not in before_yes


@pytest.mark.asyncio
async def test_between_sessions_through_the_console_runner(tmp_path: Path) -> None:
    check(await script_in_process(tmp_path, START, script_lines(SCRIPT)))
    # Replies to a prompt stay the platform's: outside the inbox and outbox (durability:
    # blanked after a day, `[retention] text_hours`) the bot keeps only the one saved as a do.
    db = sqlite3.connect(tmp_path / "script.db")
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        kept: list[str] = []
        for table in tables:
            if table in ("inbox", "outbox") or table.startswith("dos_fts"):
                continue
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from sqlite
                said = " ".join(str(v) for v in row)
                if "who I know" in said or "tea urn" in said:
                    kept.append(table)
                if "meetings that have no purpose" in said:
                    kept.append(f"{table} (saved as a do)")
        assert sorted(set(kept)) == ["do_sources (saved as a do)", "dos (saved as a do)"], kept
    finally:
        db.close()


def test_between_sessions_as_a_user_runs_the_script(tmp_path: Path) -> None:
    check(script_as_a_user(tmp_path, START, script_lines(SCRIPT)))
