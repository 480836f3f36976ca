"""Mention targets typed as text (issue 14, points 7 and 8), through signed HTTP into the
Slack adapter with the stand-in Web API: `<@<!channel>` once reached the round header, the
Opening, the summary and "… is now a facilitator" raw, pinging the whole channel; an
unlinked `@bob` became a facilitator nobody is. Now both are refused privately, nothing is
stored for them, and no message the bot sends carries a broadcast."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.store.models import Member, Session
from testkit.slack.world import SET, SlackWorld

ALICE, BOB = "UALICE", "UBOB"
BROADCASTS = ("<!channel>", "<!here>", "<!everyone>", "<!channel", "<!here", "<!everyone")
# What people type, as Slack's slash command sends it (`<`, `>` and `&` escaped by Slack).
HOSTILE = [
    "start &lt;@&lt;!channel&gt;",
    "start &lt;@&lt;!here&gt; &lt;@&lt;!everyone&gt;",
    "facilitator add &lt;@&lt;!channel&gt;",
    "facilitator add &lt;@<!everyone>&gt;",
    "facilitator add &lt;@bob&gt;",  # shaped like no Slack user id
    "facilitator add @bob",  # a name Slack could not link
    "start @sam.jones",
    "actions @kim",
    "action @bob call the venue",
]


async def stored(world: SlackWorld) -> tuple[list[str], list[str]]:
    async with world.bot.store.read() as conn:
        members = [r[0] for r in await conn.execute(select(Member.__table__.c.user_key))]
        states = [r[0] for r in await conn.execute(select(Session.__table__.c.state))]
    return sorted(members), states


@pytest.mark.asyncio
async def test_typed_mention_targets_are_refused_and_never_reach_slack_raw(
    http_world: SlackWorld,
) -> None:
    w = http_world
    await w.command(ALICE, "setup")
    await w.settle()
    members_before, _ = await stored(w)
    for line in HOSTILE:
        answer = await w.command(ALICE, line)
        assert answer.status == 200, line
        await w.settle()
        said = w.private(ALICE)[-1]
        assert "pick them from the @-menu" in said, (line, said)
    assert await stored(w) == (members_before, []), "no phantom member, no session"

    # A real session with a real presenter still runs and names them.
    await w.command(ALICE, f"start <@{BOB}|bob>")
    await w.settle()
    assert f"<@{BOB}>" in w.header().text
    await w.command(ALICE, "end")
    await w.settle()

    sent = w.everything_sent()
    assert sent, "the bot did post"
    for body in sent:
        for broadcast in BROADCASTS:
            assert broadcast not in body, (broadcast, body[:200])
    for post in w.api.posted() + [c.args for c in w.api.calls_to("chat.update")]:
        shown = json.dumps(post, ensure_ascii=False)
        for word in ("@everyone", "@channel", "@here"):
            assert word not in shown, (word, shown[:200])
    assert all(p.get("channel") == SET for p in w.api.posted() if "Round" in str(p))
