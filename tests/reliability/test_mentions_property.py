"""No output derived from user text can ping anyone (issue 8, item 5), on either platform.

Hypothesis writes the text people type — every mention form of Slack and Discord
(`@everyone`, `<!channel>`, `<!subteam^S…|@team>`, `<@U…>`, `<@&role>`, `<@!id>`, zero-width
and fullwidth look-alikes, entities) mixed with odd characters — and the real core, on a
Slack workspace and on a Discord guild, echoes it on every path that shows user text: a
question list sent to the presenter, "Action recorded", the session summary, `/als actions`,
the Updates phase of the next session, a saved do's confirmation, do search, the do
exports, the report, a nudge DM quoting the action, and the Slack App Home. Every reply is
rendered by its platform's real renderer and checked the way the platform would read it:

- Slack: in every text field, the only `<…>` markup is the bot's own mentions (and the
  Home tab's link to the set's channel); `&`, `<`, `>` from users arrive escaped.
- Discord: `allowed_mentions` never allows everyone/roles and names only the people the
  bot itself mentions; no unescaped `@everyone`/`@here`/`<@…>`/`<@&…>` is left in content.

`tests/adapters/discord/test_mentions.py` and `tests/adapters/slack/test_e2e_wire.py` check
one hand-written text over the wire; this varies the text and covers every echoing path.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord import render as discord_render
from adapters.slack import home as slack_home
from adapters.slack import render as slack_render
from bot.clock import FakeClock
from bot.events import ButtonPressed, DirectMessage
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef
from bot.replies import File, Mention, Reply
from testkit.config import START_OF_TESTS
from testkit.harness import Harness
from testkit.worlds.lookalike import Driver, World
from tests.reliability.odd_text import INVISIBLE, MENTIONS, SYNTAX

SLACK = World(WorkspaceRef(Platform.SLACK, "T0PING"), "slack")
DISCORD = World(WorkspaceRef(Platform.DISCORD, "900000000000000001"), "discord",
                prefix="11111111111111111")  # fmt: skip

piece = st.sampled_from(MENTIONS) | st.sampled_from(SYNTAX + INVISIBLE) | st.text(max_size=6)
user_text = st.lists(piece, min_size=1, max_size=8).map(
    lambda parts: "ping " + " ".join(parts) + " " + parts[0]
)
SLACK_TOKEN = re.compile(r"<([^<>]*)>")
DISCORD_PING = re.compile(r"(?<!\\)<@[!&]?\u200b?(\d+)>|@(everyone|here)\b")


def mentioned_ids(reply: Reply) -> set[str]:
    value = getattr(reply, "text", None)
    return {p.user.id for p in value.parts if isinstance(p, Mention)} if value else set()


def check_slack_text(shown: str, allowed: set[str], where: str) -> None:
    for token in SLACK_TOKEN.findall(shown):
        assert token in allowed, f"{where}: <{token}> would be parsed by Slack in {shown[:300]!r}"


def check_slack(reply: Reply, channel_id: str) -> int:
    value = getattr(reply, "text", None)
    if value is None:
        return 0
    allowed = {f"@{i}" for i in mentioned_ids(reply)}
    message = slack_render.message(value, getattr(reply, "buttons", ()))
    fields = [message["text"]] + [b["text"]["text"] for b in message["blocks"] if "text" in b]
    for shown in fields:
        check_slack_text(shown, allowed, type(reply).__name__)
        assert not re.search(r"&(?!amp;|lt;|gt;)", shown), f"an unescaped & in {shown[:200]!r}"
    return 1


def check_discord(reply: Reply) -> int:
    value = getattr(reply, "text", None)
    if value is None:
        return 0
    rendered = discord_render.render(value, getattr(reply, "buttons", ()))
    own = {int(i) for i in mentioned_ids(reply) if i.isdigit()}
    allowed = rendered.allowed_mentions.to_dict()
    assert allowed["parse"] == [] and set(allowed.get("users", [])) <= own, allowed
    assert not allowed.get("roles") and not allowed.get("replied_user")
    for user_id, everyone in DISCORD_PING.findall(rendered.content):
        assert not everyone, f"@{everyone} left live in {rendered.content[:300]!r}"
        assert int(user_id) in own, f"<@{user_id}> is not the bot's own mention"
    return 1


def check_file(reply: File) -> None:
    body = reply.content.decode("utf-8", "replace")
    if reply.filename.endswith(".html"):
        for raw in MENTIONS:
            if "<" in raw:
                assert raw not in body, f"{raw!r} left unescaped in the HTML export"
    if reply.filename.endswith(".csv"):
        for line in body.splitlines()[1:]:
            assert not re.match(r'^"?[=+\-@]', line), f"a formula-looking cell: {line[:80]!r}"


async def scenario(d: Driver, w: World, texts: list[str]) -> list[Reply]:
    """Every path that shows user text, with `texts` as what people typed."""
    t = (texts * 5)[:5]
    await d.cmd(w, 1, "start <@" + w.user(2).id + ">")
    await d.cmd(w, 1, "schedule 2026-02-09 10:00")
    await d.cmd(w, 3, "join")
    for _ in range(3):
        await d.cmd(w, 1, "next")  # → questions for U2
    await d.say(w, 3, f"What would help with {t[0]}?")
    for _ in range(2):
        await d.cmd(w, 1, "next")  # → actions: the questions went to U2 by DM
    for offer in [b for r in await d.say(w, 2, t[1]) for b in getattr(r, "buttons", ())
                  if b.action_id == "action:record"]:  # fmt: skip
        # Words that did not read as a commitment: the presenter records them with a press.
        await d.h.app.handle(ButtonPressed(key=f"ping:record:{w.marker}:{offer.value}",
                                           user=w.user(2), channel=w.channel,
                                           action_id=offer.action_id, value=offer.value))  # fmt: skip
    await d.cmd(w, 1, "next")
    await d.say(w, 2, f"4 {t[2][:20]}")
    await d.cmd(w, 1, "next")  # → closed: the summary lists the action
    await d.react(w, 3, 4, "tip1", t[3])
    for line in ("actions", f"actions <@{w.user(2).id}>", "dos", "dos " + t[3][:30],
                 "dos export md", "dos export csv", "dos export html", "report", "export-me"):  # fmt: skip
        await d.cmd(w, 2 if line == "export-me" else 1, line)
    await d.h.wait(timedelta(days=25, hours=1))  # a nudge quoting the action; the digest
    channel = ChannelRef(w.ws, "D2")
    await d.h.app.handle(DirectMessage(key=f"ping:dm:{w.marker}", user=w.user(2), channel=channel,
                                       message=MessageRef(channel, "dm1"), text=t[4]))  # fmt: skip
    await d.h.wait(timedelta(days=3))  # reminders
    await d.cmd(w, 1, "start <@" + w.user(3).id + ">")
    await d.cmd(w, 1, "next")  # → updates: the update is shown
    d.new(w)
    return [x.reply for x in d.outlets[w.ws.platform].sent]


async def run(texts: list[str], tmp: Path) -> dict[str, int]:
    db = tmp / f"mentions-{abs(hash(tuple(texts)))}.db"
    db.unlink(missing_ok=True)
    h = await Harness.open(f"sqlite+aiosqlite:///{db}", FakeClock(START_OF_TESTS),
                           ALSBOT_SLACK_CHANNEL_RATE_PER_SECOND="0")  # fmt: skip
    counts = {"slack": 0, "discord": 0, "files": 0}
    try:
        d = Driver(h)
        for reply in await scenario(d, SLACK, texts):
            counts["slack"] += check_slack(reply, SLACK.channel.id)
            if isinstance(reply, File):
                check_file(reply)
                counts["files"] += 1
        for who in (1, 2, 3):
            view = slack_home.home_view(await h.app.home_summary(SLACK.user(who)))
            for block in view["blocks"]:
                shown = block.get("text", {}).get("text", "")
                check_slack_text(shown, {f"#{SLACK.channel.id}"}, "App Home")
        for reply in await scenario(d, DISCORD, texts):
            counts["discord"] += check_discord(reply)
    finally:
        await h.close()
    return counts


def test_the_scenario_reaches_every_echoing_path(tmp_path: Path) -> None:
    """The property below is only as good as its coverage: the marker text must come back
    on each path, so a path that stopped echoing would be noticed."""
    text = "zqx <!channel> @everyone <@U0SOMEONE> <@&123456789012345678>"
    h_counts = asyncio.run(run([text], tmp_path))
    assert h_counts["slack"] > 30 and h_counts["discord"] > 30 and h_counts["files"] >= 3
    replies = asyncio.run(_slack_replies(text, tmp_path))
    echoed = [type(r).__name__ + ":" + _head(r) for r in replies if "zqx" in _plain(r)]
    for needle in ("Action recorded", "questions you were asked", "Session summary",
                   "Open actions", "Do's", "Updates"):  # fmt: skip
        assert any(needle.lower() in e.lower() for e in echoed), (needle, echoed)
    assert any(isinstance(r, File) and b"zqx" in r.content for r in replies)
    assert any(e.startswith("Direct:• zqx") for e in echoed), "the nudge quotes the action"
    assert any(e.startswith("Direct:📋 Before the next session") for e in echoed), "the digest"


def _plain(reply: Reply) -> str:
    value = getattr(reply, "text", None)
    return value.plain() if value is not None else ""


def _head(reply: Reply) -> str:
    return _plain(reply)[:60]


async def _slack_replies(text: str, tmp: Path) -> list[Reply]:
    db = tmp / "coverage.db"
    h = await Harness.open(f"sqlite+aiosqlite:///{db}", FakeClock(START_OF_TESTS),
                           ALSBOT_SLACK_CHANNEL_RATE_PER_SECOND="0")  # fmt: skip
    try:
        return await scenario(Driver(h), SLACK, [text])
    finally:
        await h.close()


@pytest.mark.reliability
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(texts=st.lists(user_text, min_size=1, max_size=5))
def test_user_text_never_pings_on_either_platform(texts: list[str], tmp_path: Path) -> None:
    counts: dict[str, Any] = asyncio.run(run(texts, tmp_path))
    assert counts["slack"] and counts["discord"]
