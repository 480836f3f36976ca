"""Do's through Slack when `conversations.history` fails: nothing is lost, nobody waits.

Signed HTTP into the Slack adapter; the Web API stand-in answers the fetch of the
reacted-to message badly (5xx, 429 + Retry-After, `ok:false`, or no answer at all) and is
counted, so each test also shows how many calls the bot made.  Core time is a FakeClock
(the retry backoff is advanced, never slept); only the fetch's own time limit is real time
(a few tenths of a second here).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.preparing import RETRY_DELAYS, TRIES
from bot.store.models import Do, Inbox
from testkit.eventually import eventually
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SET, SlackWorld

ALICE, CAROL, DAVE = "UALICE", "UCAROL", "UDAVE"
HISTORY = "conversations.history"
FETCH = (HISTORY,)
INBOX = Inbox.__table__
SHORT = 0.3  # the fetch's time limit here: a hung call counts as failed after this


async def make_set(w: SlackWorld) -> None:
    for who, line in ((ALICE, "start"), (ALICE, "end"), (CAROL, "join"), (DAVE, "join")):
        assert (await w.command(who, line)).status == 200
        await w.settle()


async def react(
    w: SlackWorld, who: str, ts: str, emoji: str = "white_check_mark", channel: str = SET
) -> None:
    event = sign.reaction_event(
        "reaction_added", user=who, reaction=emoji, channel=channel, ts=ts, item_user=CAROL
    )
    assert (await w.event(event)).status == 200


async def saved(w: SlackWorld) -> list[str]:
    table = Do.__table__
    async with w.bot.store.read() as conn:
        return [r.text for r in await conn.execute(select(table.c.text).order_by(table.c.id))]


async def pending(w: SlackWorld) -> list[Any]:
    async with w.bot.store.read() as conn:
        return list(await conn.execute(select(INBOX).where(INBOX.c.status == "pending")))


FAULTS: dict[str, Callable[[SlackWebApi], None]] = {
    "http_500": lambda api: api.server_error(count=1, status=500, methods=FETCH),
    "http_503": lambda api: api.server_error(count=1, status=503, methods=FETCH),
    "http_429_retry_after": lambda api: api.rate_limit(count=1, retry_after=45, methods=FETCH),
    "ok_false_ratelimited": lambda api: api.slack_error("ratelimited", methods=FETCH),
    "ok_false_internal_error": lambda api: api.slack_error("internal_error", methods=FETCH),
    "ok_false_fatal_error": lambda api: api.slack_error("fatal_error", methods=FETCH),
    "ok_false_service_unavailable": lambda api: api.slack_error(
        "service_unavailable", methods=FETCH
    ),
    "timeout": lambda api: api.hang(count=1, methods=FETCH),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.asyncio
async def test_a_do_is_saved_once_the_fault_clears(
    http_world: SlackWorld, web_api: SlackWebApi, clock: FakeClock, fault: str
) -> None:
    w = http_world
    w.bot.processor.preparations.time_limit = SHORT
    await make_set(w)
    tip = web_api.seed_message(SET, "Ask what they have tried already", user=CAROL)
    FAULTS[fault](web_api)
    await react(w, ALICE, tip.ts)
    await w.settle()
    assert await saved(w) == [], "not saved while Slack fails"
    [row] = await pending(w)
    assert row.attempts == 1, "kept pending for another try, not marked done"
    wait = 45 if fault == "http_429_retry_after" else RETRY_DELAYS[0]
    assert row.not_before == clock.now() + timedelta(seconds=wait)

    web_api.release()  # a hung call may answer now; too late, it was given up on
    if fault == "http_429_retry_after":  # Retry-After (45 s) beats the 20 s backoff
        clock.advance(timedelta(seconds=RETRY_DELAYS[0]))
        await w.settle()
        assert len(web_api.calls_to(HISTORY)) == 1, "not asked again before Retry-After"
    clock.set(row.not_before)
    await w.settle()
    assert await saved(w) == ["Ask what they have tried already"]
    assert len(web_api.calls_to(HISTORY)) == 2
    assert any("saved as do" in e["text"] for e in web_api.ephemerals)
    assert await pending(w) == []


@pytest.mark.asyncio
async def test_a_fault_that_never_clears_is_told_to_the_reactor_and_saves_nothing(
    http_world: SlackWorld, web_api: SlackWebApi, clock: FakeClock
) -> None:
    w = http_world
    await make_set(w)
    tip = web_api.seed_message(SET, "Pause before answering", user=CAROL)
    web_api.slack_error("internal_error", count=None, methods=FETCH)
    await react(w, ALICE, tip.ts)
    await w.settle()
    for delay in RETRY_DELAYS:
        assert not [
            e for e in web_api.ephemerals if e["user"] == ALICE and "try again" in e["text"]
        ]
        clock.advance(timedelta(seconds=delay))
        await w.settle()
    assert len(web_api.calls_to(HISTORY)) == TRIES
    assert await saved(w) == [] and await pending(w) == []
    [told] = [e for e in web_api.ephemerals if "couldn't read that message" in e["text"]]
    assert told["user"] == ALICE and told["channel"] == SET, "privately, in the channel"
    assert "try again later" in told["text"]


@pytest.mark.parametrize("hung", [3, 20])  # 20: more than the 16 calls allowed at once
@pytest.mark.asyncio
async def test_help_is_answered_promptly_behind_hung_fetches(
    http_world: SlackWorld, web_api: SlackWebApi, hung: int
) -> None:
    w = http_world
    await make_set(w)
    tips = [web_api.seed_message(SET, f"Tip number {n}", user=CAROL) for n in range(hung)]
    web_api.hang(count=None, methods=FETCH)  # every fetch hangs (the time limit is 5 s)
    for tip in tips:
        await react(w, ALICE, tip.ts)
    assert (await w.command(DAVE, "help")).status == 200
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(5):  # without the fix the batch waits for the hung fetches
        await w.settle()
    took = loop.time() - started
    assert [r for r in web_api.responses if w.askers.get(r["key"]) == DAVE], "help answered"
    assert took < 1.0, f"/als help waited {took:.2f} s behind the hung fetches"
    print(f"\n/als help answered in {took:.3f} s behind {hung} hung fetches")

    web_api.clear_faults()
    web_api.release()  # Slack answers at last, within the time limit: nothing was lost

    async def all_saved() -> bool:
        await w.settle()
        return len(await saved(w)) == hung

    await eventually(all_saved, within=2, what="every do saved")


@pytest.mark.asyncio
async def test_reactions_that_cannot_save_a_do_make_no_web_api_call(
    http_world: SlackWorld, web_api: SlackWebApi
) -> None:
    w = http_world
    other = web_api.seed_message("C0OTHER", "Not in a set's channel", user=CAROL)
    await react(w, ALICE, other.ts, channel="C0OTHER")  # before any set exists
    await w.settle()
    await make_set(w)
    assert (await w.command(ALICE, "settings do_threshold 2")).status == 200
    await w.settle()
    tip = web_api.seed_message(SET, "Say what you noticed", user=CAROL)
    await react(w, ALICE, other.ts, channel="C0OTHER")  # no set in that channel
    await react(w, ALICE, tip.ts, emoji="thumbsup")  # not the do emoji
    await react(w, ALICE, tip.ts, emoji="tada")  # not the do emoji either
    await react(w, ALICE, tip.ts)  # the do emoji, but one person of two
    await react(w, CAROL, tip.ts)  # the author: never counts
    await w.settle()
    assert web_api.calls_to(HISTORY) == [] and web_api.calls_to("conversations.replies") == []
    assert await saved(w) == []

    await react(w, DAVE, tip.ts)  # the second person: now the text is needed
    await w.settle()
    assert len(web_api.calls_to(HISTORY)) == 1
    assert await saved(w) == ["Say what you noticed"]


@pytest.mark.asyncio
async def test_two_reactions_in_one_batch_reach_the_threshold_together(
    http_world: SlackWorld, web_api: SlackWebApi
) -> None:
    """Each was prepared before the other counted (neither alone reaches 2): the second
    is prepared again once the first is applied, so the do is saved, with one fetch."""
    w = http_world
    await make_set(w)
    assert (await w.command(ALICE, "settings do_threshold 2")).status == 200
    await w.settle()
    tip = web_api.seed_message(SET, "Name the feeling first", user=CAROL)
    await react(w, ALICE, tip.ts)
    await react(w, DAVE, tip.ts)
    await w.settle()
    assert await saved(w) == ["Name the feeling first"]
    assert len(web_api.calls_to(HISTORY)) == 1


@pytest.mark.asyncio
async def test_fault_run_50_reactions_with_18_percent_history_faults_lose_nothing(
    http_world: SlackWorld, web_api: SlackWebApi, clock: FakeClock
) -> None:
    w = http_world
    w.bot.processor.preparations.time_limit = SHORT
    await make_set(w)
    tips = [web_api.seed_message(SET, f"Practical tip {n:02d}", user=CAROL) for n in range(50)]
    web_api._random = random.Random(18)  # seeded: the same calls fail on every run
    web_api.server_error(count=None, fraction=0.05, status=503, methods=FETCH)
    web_api.rate_limit(fraction=0.05, retry_after=30, methods=FETCH)
    web_api.slack_error("internal_error", count=None, fraction=0.05, methods=FETCH)
    web_api.hang(count=None, fraction=0.03, methods=FETCH)
    for n, tip in enumerate(tips):
        await react(w, (ALICE, DAVE)[n % 2], tip.ts)
    await w.settle()
    for _ in range(len(RETRY_DELAYS) + 2):
        if not await pending(w):
            break
        web_api.release()
        clock.advance(timedelta(seconds=max(RETRY_DELAYS[-1], 30)))
        await w.settle()
    calls = web_api.calls_to(HISTORY)
    failed = [c for c in calls if c.status != 200 or c.error is not None]
    hung = len(calls) - len(failed) - 50
    lost = 50 - len(await saved(w))
    print(
        f"\nfault run: {len(calls)} history calls, {len(failed)} answered with a fault, "
        f"{hung} hung, {len(failed) + hung} faulted of {len(calls)} "
        f"({(len(failed) + hung) / len(calls):.0%}); lost {lost} of 50"
    )
    assert lost == 0
    assert sorted(await saved(w)) == sorted(t.text for t in tips)
    assert 0.10 < (len(failed) + hung) / len(calls) < 0.30, "about 18 % of the calls failed"


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_two_processes_on_postgres_share_the_do_emoji_at_once(
    web_api: SlackWebApi, postgres_url: str, clock: FakeClock
) -> None:
    """`/als settings do_emoji tada` through one process; `tada` reactions handled by the
    other save their do's at once (each process used to cache the emoji for 60 s)."""
    one = await SlackWorld.open(web_api, postgres_url, clock)
    other = await SlackWorld.open(web_api, postgres_url, clock)
    try:
        await make_set(one)
        first = web_api.seed_message(SET, "Check in before checking out", user=CAROL)
        await react(other, ALICE, first.ts)  # the other process has handled a ✅ already
        await other.settle()
        assert await saved(other) == ["Check in before checking out"]

        assert (await one.command(ALICE, "settings do_emoji tada")).status == 200
        await one.settle()
        tips = [web_api.seed_message(SET, f"Tada tip {n}", user=CAROL) for n in range(4)]
        for n, tip in enumerate(tips):
            await react(other, (ALICE, DAVE)[n % 2], tip.ts, emoji="tada")
            await react(other, DAVE, first.ts, emoji="thumbsup")  # never fetched
        await other.settle()
        assert await saved(other) == [
            "Check in before checking out",
            *(t.text for t in tips),
        ], "every tada counted"
        assert len(web_api.calls_to(HISTORY)) == 5, "one fetch per do, none for the rest"
    finally:
        await other.close()
        await one.close()


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_two_running_processes_fetch_each_needed_message_once(
    web_api: SlackWebApi, postgres_url: str, clock: FakeClock
) -> None:
    """Both processes' loops read the same pending reactions; only one prepares each."""
    one = await SlackWorld.open(web_api, postgres_url, clock)
    other = await SlackWorld.open(web_api, postgres_url, clock)
    try:
        await make_set(one)
        await one.bot.start()
        await other.bot.start()
        tips = [web_api.seed_message(SET, f"Shared tip {n}", user=CAROL) for n in range(10)]
        for n, tip in enumerate(tips):
            await react((one, other)[n % 2], ALICE, tip.ts)
            await react((other, one)[n % 2], DAVE, tips[0].ts, emoji="thumbsup")

        async def all_saved() -> bool:
            return len(await saved(one)) == 10

        await eventually(all_saved, within=5, what="the ten do's saved")
        calls = len(web_api.calls_to(HISTORY))
        print(f"\ntwo running processes: 20 reactions, 10 do's, {calls} history calls")
        assert calls == 10
    finally:
        await other.close()
        await one.close()
