"""Data rights (export-me, forget-me) checked in the database, and settings validation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.replies import File
from bot.store.models import Action, Evaluation, Inbox, Member, OutcomeUpdate, Person, Round
from bot.store.models import Set as SetRow
from testkit.harness import Harness, private_to, public, texts


async def table(h: Harness, model) -> list:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(model.__table__)))


async def session_with_bob(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.cmd("carol", "join")
    for _ in range(5):
        await h.cmd("alice", "next")  # → actions
    await h.say("bob", "Phone the volunteer centre")
    await h.cmd("alice", "next")
    await h.say("bob", "4 useful")
    await h.say("carol", "5")
    await h.cmd("alice", "next")
    await h.dm("bob", "I phoned them and they will help.")
    await h.press("bob", "Share as my update")
    await h.dm("bob", "Not sure I want to share this one.")  # held, never shared
    await h.cmd("bob", "settings my_timezone America/New_York")


@pytest.mark.asyncio
async def test_export_me_is_exactly_my_data(h: Harness) -> None:
    await session_with_bob(h)
    out = await h.cmd("bob", "export-me")
    files = [r for r in out if isinstance(r, File)]
    assert len(files) == 1 and files[0].user is not None and files[0].user.id == "bob"
    data = json.loads(files[0].content)
    assert data["person"] == "console:local:bob"
    assert [a["text"] for a in data["actions"]] == ["Phone the volunteer centre"]
    assert [u["text"] for u in data["outcome_updates"]] == ["I phoned them and they will help."]
    assert [d["text"] for d in data["drafts_not_shared"]] == ["Not sure I want to share this one."]
    assert [(r["rating"], r["word"]) for r in data["ratings"]] == [(4, "useful")]
    assert data["preferences"][0]["timezone"] == "America/New_York"
    assert "carol" not in json.dumps(data), "nobody else's data is in my export"


@pytest.mark.asyncio
async def test_forget_me_needs_confirmation_then_removes(h: Harness) -> None:
    await session_with_bob(h)
    out = await h.cmd("bob", "forget-me")
    assert "confirm" in private_to(out, "bob")[0]
    assert len(await table(h, OutcomeUpdate)) == 1, "nothing is removed without confirmation"
    await h.cmd("bob", "forget-me confirm")
    actions = await table(h, Action)
    assert [(a.text, a.owner_key) for a in actions] == [("Phone the volunteer centre", None)]
    assert await table(h, OutcomeUpdate) == []
    assert [e.user_key for e in await table(h, Evaluation)] == ["console:local:carol"]
    assert await table(h, Person) == []
    assert "console:local:bob" not in [m.user_key for m in await table(h, Member)]
    assert [r.presenter_key for r in await table(h, Round)] == [None]


@pytest.mark.asyncio
async def test_settings_validate_and_respect_roles(h: Harness) -> None:
    await h.cmd("alice", "start")
    out = await h.cmd("alice", "settings presenting_minutes 12")
    assert private_to(out, "alice") == [
        "presenting_minutes must be a whole number of minutes from 6 to 10."
    ]
    out = await h.cmd("carol", "settings presenting_minutes 7")
    assert "Only a facilitator" in private_to(out, "carol")[0]
    out = await h.cmd("alice", "settings presenting 7")
    assert private_to(out, "alice") == ["Saved: presenting_minutes = 7."]
    out = await h.cmd("alice", "settings timezone Mars/Olympus")
    assert "time zone name" in private_to(out, "alice")[0]
    out = await h.cmd("carol", "settings nudges off")
    assert private_to(out, "carol") == ["Saved: nudges = off."]
    out = await h.cmd("carol", "settings colour blue")
    assert "no setting called" in private_to(out, "carol")[0]
    out = await h.cmd("alice", "settings")
    assert "presenting_minutes = 7" in private_to(out, "alice")[0]
    sets = await table(h, SetRow)
    assert sets[0].settings == {"presenting_minutes": 7}
    await h.cmd("alice", "end")
    out = await h.cmd("alice", "start @bob")
    await h.cmd("alice", "next")
    out = await h.cmd("alice", "next")
    assert any("the floor is yours for 7 min" in t for t in public(out))


@pytest.mark.asyncio
async def test_facilitator_role_rules(h: Harness) -> None:
    await h.cmd("alice", "start @bob")  # bob is a member: alice may not leave him leaderless
    out = await h.cmd("alice", "facilitator remove @alice")
    assert "at least one facilitator" in private_to(out, "alice")[0]
    out = await h.cmd("alice", "leave")
    assert "only facilitator" in private_to(out, "alice")[0]
    await h.cmd("alice", "facilitator add @carol")
    out = await h.cmd("carol", "facilitator remove @alice")
    assert any("no longer a facilitator" in t for t in public(out))
    out = await h.cmd("alice", "next")
    assert "Only a facilitator" in private_to(out, "alice")[0]


@pytest.mark.asyncio
async def test_a_time_zone_name_too_long_for_a_path_is_a_usage_error(h: Harness) -> None:
    """ZoneInfo looks names up as files: one over the OS's limit raised OSError (found by
    tests/reliability/test_bad_input.py), which failed the event instead of answering."""
    await h.cmd("bob", "join")
    out = await h.cmd("bob", "settings my_timezone Europe/" + "x" * 300)
    assert any("time zone name" in t for t in texts(out)), texts(out)
    async with h.app.store.read() as conn:
        failed = (await conn.execute(select(Inbox.__table__.c.status))).scalars().all()
    assert "failed" not in failed


@pytest.mark.asyncio
async def test_evaluation_named_is_a_set_setting_off_by_default(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    listing = private_to(await h.cmd("alice", "settings"), "alice")[0]
    assert "• evaluation_named = off — name the author when passing an evaluation comment" in (
        listing
    )
    out = await h.cmd("carol", "settings evaluation_named on")
    assert any("Only a facilitator" in t for t in private_to(out, "carol"))
    out = await h.cmd("alice", "settings evaluation_named maybe")
    assert private_to(out, "alice") == ["evaluation_named must be on or off."]
    out = await h.cmd("alice", "settings evaluation_named on")
    assert private_to(out, "alice") == ["Saved: evaluation_named = on."]
    listing = private_to(await h.cmd("alice", "settings"), "alice")[0]
    assert "• evaluation_named = on" in listing
