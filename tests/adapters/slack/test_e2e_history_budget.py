"""Do's through Slack within the history budget: nothing lost, nothing read twice.

Signed HTTP into the Slack adapter, the Web API stand-in, the real core on SQLite; core
time is a FakeClock, and the adapter's history budget runs on the same clock
(`adapters.slack.service.history_budget`), so a simulated minute is a minute for both.
For a distributed app the stand-in plays Slack's own limits (`HistoryLimits`: 1 call a
minute per method, 15 messages a page, 429 beyond), so a call over budget would show.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.slack.service import start_slack
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.preparing import RETRY_DELAYS
from bot.store.models import Do, Inbox
from testkit.slack import signing as sign
from testkit.slack.web_api import HistoryLimits, SlackWebApi
from testkit.slack.world import SET, SlackWorld, slack_config

ALICE, CAROL, DAVE = "UALICE", "UCAROL", "UDAVE"
HISTORY, REPLIES = "conversations.history", "conversations.replies"
INBOX = Inbox.__table__


async def open_world(
    api: SlackWebApi, db_url: str, clock: FakeClock, distribution: str
) -> SlackWorld:
    config = slack_config(api, db_url, ALSBOT_SLACK_DISTRIBUTION=distribution)
    bot = await Alsbot.open(config, clock=clock)
    return SlackWorld(api, bot, await start_slack(bot, bot.config), None)


@pytest_asyncio.fixture
async def distributed(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[SlackWorld]:
    web_api.history_limits = HistoryLimits(clock=lambda: clock.now().timestamp())
    w = await open_world(web_api, sqlite_url, clock, "distributed")
    try:
        yield w
    finally:
        await w.close()


async def make_set(w: SlackWorld) -> None:
    for who, line in ((ALICE, "start"), (ALICE, "end"), (CAROL, "join"), (DAVE, "join")):
        assert (await w.command(who, line)).status == 200
        await w.settle()


async def react(w: SlackWorld, who: str, ts: str, kind: str = "reaction_added") -> None:
    event = sign.reaction_event(
        kind, user=who, reaction="white_check_mark", channel=SET, ts=ts, item_user=CAROL
    )
    assert (await w.event(event)).status == 200


async def saved(w: SlackWorld) -> list[str]:
    table = Do.__table__
    async with w.bot.store.read() as conn:
        return [r.text for r in await conn.execute(select(table.c.text).order_by(table.c.id))]


async def pending(w: SlackWorld) -> list[Any]:
    async with w.bot.store.read() as conn:
        return list(await conn.execute(select(INBOX).where(INBOX.c.status == "pending")))


async def run_retries(w: SlackWorld, clock: FakeClock, limit: timedelta) -> datetime:
    """Move time to each deferred event's turn until none is left; when that was."""
    start = clock.now()
    while rows := await pending(w):
        due = min(r.not_before for r in rows)
        assert due - start <= limit, f"still waiting after {due - start}"
        clock.set(max(due, clock.now()))
        await w.settle()
    return clock.now()


def reads(api: SlackWebApi) -> list[Any]:
    return [c for c in api.calls if c.method in (HISTORY, REPLIES)]


@pytest.mark.parametrize("distribution", ["internal", "distributed"])
@pytest.mark.asyncio
async def test_a_429_on_history_with_a_60_s_retry_after_does_not_lose_the_do(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock, distribution: str
) -> None:
    w = await open_world(web_api, sqlite_url, clock, distribution)
    try:
        await make_set(w)
        tip = web_api.seed_message(SET, "Ask what they have tried already", user=CAROL)
        web_api.rate_limit(count=1, retry_after=60, methods=[HISTORY, REPLIES])
        await react(w, ALICE, tip.ts)
        await w.settle()
        assert await saved(w) == []
        [row] = await pending(w)
        assert row.not_before == clock.now() + timedelta(seconds=60), "Retry-After honoured"

        clock.advance(timedelta(seconds=RETRY_DELAYS[0]))
        await w.settle()
        assert len(reads(web_api)) == 1, "no read before Retry-After has passed"
        await run_retries(w, clock, timedelta(minutes=2))
        assert await saved(w) == ["Ask what they have tried already"]
        assert [c.status for c in reads(web_api)] == [429, 200]
        assert any("saved as do" in e["text"] for e in web_api.ephemerals)
    finally:
        await w.close()


@pytest.mark.asyncio
async def test_three_dos_in_one_minute_are_read_one_a_minute_and_all_saved(
    distributed: SlackWorld, web_api: SlackWebApi, clock: FakeClock
) -> None:
    w = distributed
    await make_set(w)
    started = clock.now()
    tips = [web_api.seed_message(SET, f"Tip for the minute {n}", user=CAROL) for n in range(3)]
    for tip in tips:
        await react(w, ALICE, tip.ts)
    await w.settle()
    assert len(reads(web_api)) == 1, "one read in the first minute"
    assert len(await saved(w)) == 1

    finished = await run_retries(w, clock, timedelta(minutes=3))
    assert sorted(await saved(w)) == sorted(t.text for t in tips), "none lost"
    assert finished - started <= timedelta(minutes=2, seconds=5), "one a minute, in turn"
    calls = reads(web_api)
    assert len(calls) == 3 and all(c.status == 200 for c in calls), "Slack never said 429"
    assert all(c.method == REPLIES for c in calls), "one call a do, whatever the message"
    assert all(int(c.args["limit"]) <= 15 for c in calls)
    answered = [at for _, at in web_api.history_limits.answered]  # simulated seconds
    assert all(b - a >= 60 - 0.01 for a, b in zip(answered, answered[1:], strict=False))
    thanked = [e for e in web_api.ephemerals if e["user"] == ALICE and "saved as do" in e["text"]]
    assert len(thanked) == 3
    print(f"\nthree do's, distributed: saved within {finished - started}, {len(calls)} reads")


@pytest.mark.asyncio
async def test_a_reaction_removed_and_added_again_reads_the_message_once(
    distributed: SlackWorld, web_api: SlackWebApi, clock: FakeClock
) -> None:
    w = distributed
    await make_set(w)
    tip = web_api.seed_message(SET, "Name the feeling first", user=CAROL)
    await react(w, ALICE, tip.ts)
    await w.settle()
    assert await saved(w) == ["Name the feeling first"]
    await react(w, ALICE, tip.ts, kind="reaction_removed")  # undone, within 10 minutes
    await w.settle()
    assert await saved(w) == []
    clock.advance(timedelta(minutes=2))
    await react(w, ALICE, tip.ts)  # and saved again, from what was read 2 minutes ago
    await w.settle()
    assert await saved(w) == ["Name the feeling first"]
    assert len(reads(web_api)) == 1
    assert await pending(w) == [], "nothing waited for the budget"


@pytest.mark.asyncio
async def test_a_thread_reply_is_one_read_for_a_distributed_app(
    distributed: SlackWorld, web_api: SlackWebApi
) -> None:
    w = distributed
    await make_set(w)
    root = web_api.seed_message(SET, "A question for the set", user=DAVE)
    reply = web_api.seed_message(SET, "Try saying it back", user=CAROL, thread_ts=root.ts)
    await react(w, ALICE, reply.ts)
    await w.settle()
    assert await saved(w) == ["Try saying it back"]
    assert [c.method for c in reads(web_api)] == [REPLIES]


@pytest.mark.parametrize("error", ["not_in_channel", "missing_scope"])
@pytest.mark.asyncio
async def test_a_refused_read_tells_the_reactor_to_use_save_as_do(
    distributed: SlackWorld, web_api: SlackWebApi, error: str
) -> None:
    w = distributed
    await make_set(w)
    tip = web_api.seed_message(SET, "Pause before answering", user=CAROL)
    web_api.slack_error(error, count=None, methods=[HISTORY, REPLIES])
    await react(w, ALICE, tip.ts)
    await w.settle()
    [told] = [e for e in web_api.ephemerals if e["user"] == ALICE]
    assert told["channel"] == SET, "privately, where they reacted"
    assert "not allowed to read that message" in told["text"]
    assert "“Save as do” from the message's ⋯ menu" in told["text"]
    assert await saved(w) == [] and await pending(w) == [], "not retried: it would not help"


@pytest.mark.asyncio
async def test_a_deleted_message_says_nothing(
    distributed: SlackWorld, web_api: SlackWebApi
) -> None:
    w = distributed
    await make_set(w)
    await react(w, ALICE, "1767225999.000001")  # no such message any more
    await w.settle()
    assert [e for e in web_api.ephemerals if e["user"] == ALICE] == []
    assert [c.error for c in reads(web_api)] == ["thread_not_found"]
