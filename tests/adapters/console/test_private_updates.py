"""Issue 12, items 1 and 4, as a set lives them in the console.

Bob has two open actions after a session. Ten days later he DMs the bot the way people
write to a person ("is the meeting still in Room 8? I might be late, my dad is in hospital
again"): that must reach nobody — not Alice's digest, not the next Updates phase, not
`/als actions`, `/als report`, the do's export or anyone's export but his own. A DM he
confirms with [Share as my update] opens the next session; what he says live in the
Updates phase counts as his update; a status in words changes an action after one press.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.console.runner import ConsoleRunner
from adapters.console.session import console_session
from adapters.console.world import CHANNEL, Message
from bot.config import load_config
from bot.store.models import Action, Draft, OutcomeUpdate

START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
HOSPITAL = "hi, is the meeting still in Room 8? I might be late, my dad is in hospital again"

SESSION_ONE = """\
alice: /als start @bob
carol: /als join
dave: /als join
alice: /als schedule 9 Feb 2026 10am every 4 weeks
alice: [Next phase]
alice: [Next phase]
bob: Our volunteer rota keeps collapsing and I end up covering the shifts myself.
alice: [Next phase]
dave: What keeps the volunteers who stay?
alice: [Next phase]
alice: [Next phase]
bob: Draft a shared rota with the team leader
bob: Review the budget with finance
alice: [Next phase]
alice: [Next phase]
@wait 10d
""".splitlines()

NEXT_SESSION = """\
@wait 18d
alice: /als actions
alice: /als start @dave
alice: [Next phase]
""".splitlines()


async def run(tmp_path: Path, *parts: list[str]) -> tuple[ConsoleRunner, str]:
    out = io.StringIO()
    config = load_config(None, {})
    lines = [line for part in parts for line in part]
    async with console_session(
        config, out, db_path=str(tmp_path / "private.db"), start=START
    ) as runner:
        problems = await runner.run_lines(lines)
        assert problems == 0, out.getvalue()
        runner.rows = await _rows(runner)  # type: ignore[attr-defined]
    return runner, out.getvalue()


async def _rows(runner: ConsoleRunner) -> dict[str, list]:
    async with runner.app.store.read() as conn:
        return {
            name: list(await conn.execute(select(model.__table__)))
            for name, model in (
                ("updates", OutcomeUpdate),
                ("drafts", Draft),
                ("actions", Action),
            )
        }


def seen_by_others(runner: ConsoleRunner, author: str) -> list[Message]:
    """Every message anyone but `author` can see: public posts, others' DMs, ephemerals."""
    return [
        m for m in runner.world.messages.values() if m.author != author and m.only_for != author
    ]


def nobody_else_sees(runner: ConsoleRunner, author: str, *words: str) -> None:
    """None of `words` is in any message someone other than `author` can see."""
    others = seen_by_others(runner, author)
    assert others, "nobody else was shown anything: the check would prove nothing"
    for message in others:
        assert not any(word in message.text for word in words), message


def private_to(runner: ConsoleRunner, who: str) -> list[str]:
    return [m.text for m in runner.world.messages.values() if m.only_for == who]


def in_thread_to(runner: ConsoleRunner, who: str) -> list[str]:
    """What only `who` sees in the set's channel (ephemeral answers, not DMs)."""
    return [
        m.text for m in runner.world.messages.values() if m.only_for == who and m.channel == CHANNEL
    ]


def public(runner: ConsoleRunner) -> list[str]:
    return [
        m.text
        for m in runner.world.messages.values()
        if m.only_for is None and m.author == "alsbot"
    ]


@pytest.mark.asyncio
async def test_the_hospital_dm_never_reaches_anyone_else(tmp_path: Path) -> None:
    script = [
        f"bob: dm: {HOSPITAL}",
        "bob: /als export-me",
        "carol: /als export-me",
        "alice: /als export-me",
        "alice: /als report",
        "alice: /als dos export md",
        "alice: /als actions @bob",
    ]
    runner, out = await run(tmp_path, SESSION_ONE, script, NEXT_SESSION, ["alice: /als end"])
    # Bob got an answer to his question, privately, and was told nothing else is shared.
    to_bob = "\n".join(private_to(runner, "bob"))
    assert "The next session is on Monday 9 February, 10:00 (Europe/London time)." in to_bob
    assert "I don't have a venue recorded" in to_bob
    assert "Nothing else from your message is shared with your set." in to_bob
    assert "Here is your message as an update" not in to_bob, "a question is not an update"
    # Nobody else sees a word of it: no post, DM, digest, Updates phase, actions, report.
    nobody_else_sees(runner, "bob", "hospital", "Room 8")
    digest = [t for t in private_to(runner, "alice") if "Before the next session" in t]
    assert digest and "@bob — no update yet" in digest[0]
    updates = [t for t in public(runner) if t.startswith("Updates from last time")]
    assert updates and "No update yet from @bob" in updates[-1]
    # Nor any export (only Bob's own may hold his words; here it needs not even that).
    # Three export-me files (the set has no do's yet) and the report's two charts, whose
    # pictures are checked by their text alternatives (PNG bytes cannot be searched).
    assert len(runner.world.files) == 5
    for name, content in runner.world.files:
        assert b"hospital" not in content and b"Room 8" not in content, name
    shown = "\n".join(line for line in out.splitlines() if "(image: " in line)
    assert shown.count("(image: ") == 2 and "hospital" not in shown
    # Nor the database: no update, no draft.
    rows = runner.rows  # type: ignore[attr-defined]
    assert rows["updates"] == [] and rows["drafts"] == []
    assert "hospital" not in out.replace(f"bob (DM to alsbot): {HOSPITAL}", "")


@pytest.mark.asyncio
async def test_thanks_and_a_question_are_not_updates(tmp_path: Path) -> None:
    script = [
        "bob: dm: Thanks!",
        "bob: dm: what time is the next meeting?",
        "bob: dm: is it still on?",
        "bob: dm: where are we meeting",
        "alice: /als actions @bob",
    ]
    runner, _ = await run(tmp_path, SESSION_ONE, script)
    to_bob = private_to(runner, "bob")[-4:]
    assert to_bob[0].startswith("You're welcome!")
    assert to_bob[1] == "The next session is on Monday 9 February, 10:00 (Europe/London time)."
    assert to_bob[2].startswith("As far as I know it's on: the next session is on Monday 9")
    assert "I don't have a venue recorded" in to_bob[3]
    assert not any("Here is your message as an update" in t for t in to_bob)
    assert "@bob — no update yet" in private_to(runner, "alice")[-1]
    rows = runner.rows  # type: ignore[attr-defined]
    assert rows["updates"] == [] and rows["drafts"] == []


@pytest.mark.asyncio
async def test_a_shared_dm_opens_the_next_session_and_an_unshared_one_does_not(
    tmp_path: Path,
) -> None:
    script = [
        "bob: dm: I spoke to the team leader and we have a first version",
        "bob: [Edit]",
        "bob: dm: The team leader and I have a first rota: volunteers pick shifts.",
        "bob: [Share as my update]",
        "bob: dm: Between us: I nearly gave up on the whole thing this month",
        "bob: dm: Also thinking of leaving the charity altogether",
        "bob: [Not an update]",
    ]
    runner, out = await run(tmp_path, SESSION_ONE, script, NEXT_SESSION)
    assert "Shared — it will be in the next session's Updates" in out
    assert "OK — I've discarded it: nothing of it is shared or kept." in out
    updates = [t for t in public(runner) if t.startswith("Updates from last time")][-1]
    assert "Update: “The team leader and I have a first rota: volunteers pick shifts.”" in updates
    assert "first version" not in updates, "the edited wording replaced the first one"
    nobody_else_sees(runner, "bob", "gave up", "leaving")
    rows = runner.rows  # type: ignore[attr-defined]
    assert [r.text for r in rows["updates"]] == [
        "The team leader and I have a first rota: volunteers pick shifts."
    ]
    # The one never answered waits for Bob alone (and expires); the discarded one is gone.
    assert [r.text for r in rows["drafts"]] == [
        "Between us: I nearly gave up on the whole thing this month"
    ]


@pytest.mark.asyncio
async def test_a_live_update_counts_during_the_session_and_after_it(tmp_path: Path) -> None:
    live = [
        "bob: The rota is drafted and the team leader is on board",
        "carol: Sounds great, well done",
        "alice: /als actions @bob",
        "@wait 2m",
        "alice: [Next phase]",
        "alice: /als end",
        "@wait 1h",
        "alice: /als actions @bob",
    ]
    runner, _ = await run(tmp_path, SESSION_ONE, NEXT_SESSION, live)
    to_bob = in_thread_to(runner, "bob")
    shown = [t for t in to_bob if t.startswith("✓ Recorded as your update for this session")]
    assert shown and "“The rota is drafted and the team leader is on board”" in shown[0]
    assert any(t.startswith("• Review the budget with finance — open") for t in to_bob)
    to_alice = private_to(runner, "alice")
    assert "@bob — has given an update" in to_alice[-2]
    assert "@bob — has given an update (live, at the last session)" in to_alice[-1]
    rows = runner.rows  # type: ignore[attr-defined]
    assert [(r.user_key, r.text, r.session_id) for r in rows["updates"]] == [
        ("console:local:bob", "The rota is drafted and the team leader is on board", 2)
    ], "Carol's reply is not recorded: she is not a previous presenter"


@pytest.mark.asyncio
async def test_status_in_words_changes_an_action_after_one_press(tmp_path: Path) -> None:
    script = [
        "bob: dm: the rota one is done",
        "alice: /als actions @bob",
        "bob: [Yes, mark done]",
        "bob: dm: not yet started the budget one",
        "bob: [No]",
        "alice: /als actions @bob",
    ]
    runner, _ = await run(tmp_path, SESSION_ONE, script)
    to_bob = private_to(runner, "bob")
    assert "Mark “Draft a shared rota with the team leader” as done?" in to_bob
    assert "✓ “Draft a shared rota with the team leader” is now marked done." in to_bob
    assert "Mark “Review the budget with finance” as not yet done?" in to_bob
    before, after = [t for t in private_to(runner, "alice") if t.startswith("Open actions")]
    assert "Draft a shared rota with the team leader [open]" in before, "not before the press"
    assert "Draft a shared rota" not in after and "Review the budget with finance [open]" in after
    statuses = {r.text: r.status for r in runner.rows["actions"]}  # type: ignore[attr-defined]
    assert statuses == {
        "Draft a shared rota with the team leader": "done",
        "Review the budget with finance": "open",
    }


@pytest.mark.asyncio
async def test_status_in_words_in_the_updates_thread(tmp_path: Path) -> None:
    live = [
        "bob: The budget one is partly done, finance gave me the numbers",
        "bob: [Yes, mark partly done]",
        "alice: /als actions @bob",
    ]
    runner, _ = await run(tmp_path, SESSION_ONE, NEXT_SESSION, live)
    to_bob = in_thread_to(runner, "bob")
    assert "Mark “Review the budget with finance” as partly done?" in to_bob
    # The budget action was asked about in words; the rota one is offered with buttons.
    assert any(t.startswith("• Draft a shared rota with the team leader — open") for t in to_bob)
    assert not any(t.startswith("• Review the budget") for t in to_bob)
    assert "Review the budget with finance [partly done]" in private_to(runner, "alice")[-1]
