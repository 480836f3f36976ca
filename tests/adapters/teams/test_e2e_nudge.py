"""Nudges after a restart, end to end: proactive 1:1 messages from the references in the
database, a reply in the 1:1 chat shared as an update, and a person the bot cannot write
to first reported to the facilitator as any undeliverable DM is.

The process that ran the round stops; a new one (new port, new memory) opens the same
database, so every reference it uses was read from `adapter_state`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy import delete

from adapters.teams import ids
from adapters.teams.conversations import member_name, person_name
from adapters.teams.outlet import NOT_INSTALLED
from bot.clock import FakeClock
from bot.store.models import AdapterState
from testkit.teams import payloads as p
from testkit.teams.running import TeamsWorld, labels_of, run_teams

pytestmark = pytest.mark.asyncio

NUDGES_AT = datetime(2026, 1, 26, 10, tzinfo=UTC)  # three days before Thursday's session
DIGEST_AT = datetime(2026, 1, 28, 10, tzinfo=UTC)  # the facilitator's, the day before


@pytest_asyncio.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[TeamsWorld]:
    async with run_teams(sqlite_url, clock) as w:
        yield w


async def a_round_with_actions(world: TeamsWorld, presenters: list[tuple[p.Member, str]]) -> None:
    """Ana runs a round with `@alsbot next`; each presenter types their action in the reply
    chain; the next session is on Thursday 29 January."""
    ana = world.person("Ana Lopez")
    tags = " ".join(f"<at>{who.name}</at>" for who, _ in presenters)
    await world.command(ana, f"start {tags}", people=tuple(who for who, _ in presenters))
    header = world.header()
    for n, (who, action) in enumerate(presenters):
        for _ in range(5 if n == 0 else 4):  # → Actions: theirs
            await world.command(ana, "next")
        await world.say(who, action, header)
    await world.command(ana, "next")  # Evaluation
    await world.command(ana, "next")  # Closed
    await world.command(ana, "schedule 29 Jan 2026 10am")
    assert "this session has ended" in world.text(header)


async def test_nudges_after_a_restart_reach_each_presenter_in_their_1_1_chat(
    world: TeamsWorld,
) -> None:
    bf = world.bf
    ana, bob, carol, dave = (
        world.person(name) for name in ("Ana Lopez", "Bob Smith", "Carol Jones", "Dave Kim")
    )
    await world.command(ana, "setup")
    for person in (bob, carol, dave):
        await world.command(person, "join")
    await world.dm(carol, "als help")  # Carol has a 1:1 chat with the bot; Bob has none yet
    carol_chat = bf.one_on_one(carol.teams_id)
    await a_round_with_actions(
        world,
        [
            (bob, "Call the volunteer centre"),
            (carol, "Plan the quarter"),
            (dave, "Write to the council"),
        ],
    )
    assert bf.one_on_one(bob.teams_id) is None
    # Dave is as someone the bot has no reference for (it never had an activity from or
    # about him): nobody can open a chat with him.
    tenant = bf.tenant_id
    dave_ref = ids.person(tenant, str(dave.aad))
    table = AdapterState.__table__
    async with world.app.store.write() as conn:
        await conn.execute(
            delete(table).where(
                table.c.name.in_([person_name(dave_ref), member_name(tenant, dave.teams_id)])
            )
        )

    await world.restart()
    opened_before = len(bf.find("create_conversation"))
    await world.advance_to(NUDGES_AT)

    # Bob: no 1:1 chat was stored, so one is opened (POST /v3/conversations) to him.
    opened = bf.find("create_conversation")[opened_before:]
    assert [c.body["members"] for c in opened] == [[{"id": bob.teams_id}]]
    assert opened[0].body["tenantId"] == tenant
    assert opened[0].body["bot"] == {"id": bf.bot_id}
    bob_nudge = world.dms_to(bob)  # a header, then each open action with its buttons
    assert len(bob_nudge) == 2 and "👋 Hi <at>Bob Smith</at>" in bob_nudge[0]
    assert bob_nudge[1] == "• Call the volunteer centre — open"
    # Carol: her stored chat is reused, nothing opened.
    assert bf.one_on_one(carol.teams_id) == carol_chat
    assert any("👋 Hi <at>Carol Jones</at>" in t for t in world.dms_to(carol))
    # Carol marks her action done on its card: the same activity is replaced in her chat.
    card = world.dm_with(carol, "Plan the quarter")
    assert labels_of(bf.latest(card)) == ["Done", "Partly", "Not yet", "Dropped"]
    await world.press(carol, card, "Done")
    assert [c.conversation for c in bf.updates(activity_id=card)] == [carol_chat]
    assert world.text(card) == "• Plan the quarter — done ✓"
    # Nothing about anyone's actions went to the channel.
    assert not any("👋" in world.text(str(c.activity_id)) for c in world.posts_in())

    # Bob answers in his 1:1 chat: shown back to him only, with [Share as my update].
    await world.dm(bob, "I called them and they said yes")
    preview = world.dm_with(bob, "Share as my update")
    assert "I called them and they said yes" in world.text(preview)
    await world.press(bob, preview, "Share as my update")
    assert any("✓ Shared: " in t for t in world.dms_to(bob)), world.dms_to(bob)
    channel_text = "\n".join(world.text(str(c.activity_id)) for c in world.posts_in())
    assert "they said yes" not in channel_text

    # Dave: reported to the facilitator, in her report and in the digest the day before.
    await world.command(ana, "report")
    [report] = [t for t in world.dms_to(ana) if "could not be delivered" in t]
    assert f"• to {dave.aad} — teams: {NOT_INSTALLED}" in report
    await world.advance_to(DIGEST_AT)
    [digest] = [t for t in world.dms_to(ana) if "Before the next session" in t]
    assert "has updated: “I called them and they said yes”" in digest
    assert f"⚠ my nudge could not be delivered (teams: {NOT_INSTALLED})" in digest
    assert world.refused() == []
