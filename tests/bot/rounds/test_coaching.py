"""Coaching in the Questions phase: reminders for advice (at most twice per supporter per
presenter, varied, with their words offered back as a question), one tip for closed
questions, advice kept out of the presenter's list, and the facilitators' private counts."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from bot.app import Alsbot
from bot.clock import FakeClock
from bot.events import MessagePosted
from bot.refs import MessageRef
from bot.replies import Direct, Ephemeral
from bot.rounds import coaching
from bot.store.models import Outbox, Session
from testkit.config import make_config
from testkit.harness import GENERAL, Harness, private_to, public, u

ADVICE = (
    "You should escalate it to the director.",
    "Maybe a WhatsApp group would help?",
    "Wouldn't a shared calendar fix it?",
    "have u tried mentoring?",
    "In my experience a rota app works well.",
)


async def to_questions(h: Harness, presenters: str = "@bob") -> None:
    await h.cmd("alice", f"start {presenters}")
    for who in ("carol", "dave"):
        await h.cmd(who, "join")
    for _ in range(3):  # updates, presenting, questions
        await h.cmd("alice", "next")


def reminders(replies: list, who: str) -> list[str]:
    return [
        r.text.plain()
        for r in replies
        if isinstance(r, Ephemeral) and r.user.id == who and r.text.plain() != coaching.CLOSED_TIP
    ]


async def say_all(h: Harness, who: str, messages: tuple[str, ...]) -> list:
    out: list = []
    for message in messages:
        out += await h.say(who, message)
    return out


@pytest.mark.asyncio
async def test_advice_is_reminded_at_most_twice_per_presenter_each_time_worded_anew(
    h: Harness,
) -> None:
    await to_questions(h, "@bob @erin")
    out = await say_all(h, "dave", ADVICE)
    got = reminders(out, "dave")
    assert len(got) == 2, got
    assert got[0].split(".")[0] != got[1].split(".")[0], "the second reminder is worded anew"
    assert all(isinstance(r, Ephemeral) and r.thread for r in out if r.user.id == "dave")
    assert not public(out), "a reminder is never public"
    assert len(reminders(await h.say("carol", ADVICE[0]), "carol")) == 1, "caps are per person"

    for _ in range(4):  # summary, actions, erin's presenting, erin's questions
        await h.cmd("alice", "next")
    later = reminders(await say_all(h, "dave", ADVICE[:3]), "dave")
    assert len(later) == 2, "a new presenter, a new allowance"
    openings = {text.split(".")[0].split(":")[0] for text in got + later}
    assert len(openings) == 4, "four reminders this session, four wordings"


@pytest.mark.asyncio
async def test_the_cap_survives_a_restart(sqlite_url: str, clock: FakeClock) -> None:
    first = await Harness.open(sqlite_url, clock)
    await to_questions(first)
    thread = first.header()
    assert len(reminders(await first.say("dave", ADVICE[0]), "dave")) == 1
    await first.close()

    second = await Harness.open(sqlite_url, clock)
    try:
        got = []
        for n, message in enumerate(ADVICE[1:]):
            await second.app.handle(
                MessagePosted(
                    key=f"after-restart:{n}",
                    user=u("dave"),
                    channel=GENERAL,
                    message=MessageRef(GENERAL, f"r{n}"),
                    text=message,
                    thread=thread,
                )
            )
            got += reminders(second.new(), "dave")
        assert len(got) == 1, got
        assert got[0].startswith(coaching.reminder_text(2).split(".")[0])
    finally:
        await second.close()


async def _together(first: Alsbot, second: Alsbot) -> None:
    """Both processes take events at once: the first one at a time, the second whatever
    the first has not locked — so two messages of one thread are handled side by side."""
    while sum(
        await asyncio.gather(
            first.processor.process_pending(limit=1), second.processor.process_pending()
        )
    ):
        pass


@pytest.mark.asyncio
async def test_two_processes_together_send_no_third_reminder(
    any_db_url: str, clock: FakeClock
) -> None:
    h = await Harness.open(any_db_url, clock)
    other = await Alsbot.open(make_config(any_db_url), clock=clock)
    try:
        await to_questions(h)
        thread = h.header()
        for n in range(6):
            await h.app.submit(
                MessagePosted(
                    key=f"burst:{n}",
                    user=u("dave"),
                    channel=GENERAL,
                    message=MessageRef(GENERAL, f"b{n}"),
                    text=ADVICE[n % len(ADVICE)],
                    thread=thread,
                )
            )
        await _together(h.app, other)
        async with h.app.store.read() as conn:
            bodies = [json.loads(row.body) for row in await conn.execute(select(Outbox.__table__))]
        to_dave = [b for b in bodies if b["type"] == "ephemeral" and b["user"].endswith(":dave")]
        assert len(to_dave) == 2, to_dave
    finally:
        await other.close()
        await h.close()


@pytest.mark.asyncio
async def test_the_reminder_offers_their_own_words_as_an_open_question(h: Harness) -> None:
    await to_questions(h)
    out = await h.say("dave", "Could you try asking the council for funding?")
    (got,) = reminders(out, "dave")
    assert "“What might asking the council for funding make possible?”" in got
    out = await h.say("carol", "We did exactly this in Bexley, you have to get them on board.")
    (general,) = reminders(out, "carol")
    assert "What options have you considered?" in general, "no rewrite: a general example"


@pytest.mark.asyncio
async def test_advice_is_not_forwarded_to_the_presenter_as_a_question(h: Harness) -> None:
    await to_questions(h)
    await say_all(h, "dave", ADVICE)
    await h.say("carol", "What have you tried so far?")
    await h.say("carol", "Is the chair supportive?")
    out = await h.cmd("alice", "next")  # summary
    (listing,) = [r.text.plain() for r in out if isinstance(r, Direct) and r.user.id == "bob"]
    assert "What have you tried so far?" in listing and "Is the chair supportive?" in listing
    for advice in ADVICE:
        assert advice not in listing


@pytest.mark.asyncio
async def test_a_closed_question_gets_one_tip_per_person_per_session(h: Harness) -> None:
    await to_questions(h, "@bob @erin")
    out = await h.say("carol", "Is the chair supportive?")
    (tip,) = private_to(out, "carol")
    assert tip == coaching.CLOSED_TIP and "what, how" in tip
    assert not private_to(await h.say("carol", "Did the ICB reply?"), "carol")
    assert not private_to(await h.say("dave", "What would success look like?"), "dave")
    assert private_to(await h.say("dave", "Are you ok?"), "dave") == [coaching.CLOSED_TIP]
    for _ in range(4):  # on to erin's questions
        await h.cmd("alice", "next")
    assert not private_to(await h.say("carol", "Has it happened before?"), "carol")


def counts_for(replies: list, who: str) -> list[str]:
    return [
        r.text.plain()
        for r in replies
        if isinstance(r, Direct) and r.user.id == who and "only facilitators" in r.text.plain()
    ]


@pytest.mark.asyncio
async def test_facilitators_see_the_counts_privately_without_names(h: Harness) -> None:
    await to_questions(h)
    await say_all(h, "dave", ADVICE[:3])
    await h.say("carol", "Is the chair supportive?")
    await h.say("carol", "What would success look like?")
    out = await h.cmd("alice", "next")  # summary: bob's questions are over
    (counts,) = counts_for(out, "alice")
    assert "1 open question, 1 closed question, 3 messages read as advice" in counts
    assert "from 2 supporters" in counts
    assert "@dave" not in counts and "@carol" not in counts
    assert not counts_for(out, "bob") and not counts_for(out, "carol")
    assert not any("read as advice" in t for t in public(out))
    assert not counts_for(await h.cmd("alice", "next"), "alice"), "told once per phase"


@pytest.mark.asyncio
async def test_all_open_questions_send_the_facilitators_nothing(h: Harness) -> None:
    await to_questions(h)
    await h.say("carol", "What would success look like?")
    await h.say("dave", "How did the trustees respond?")
    assert not counts_for(await h.cmd("alice", "next"), "alice")


@pytest.mark.asyncio
async def test_facilitators_see_names_when_the_set_says_so(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.cmd("alice", "settings advice_named on")
    for who in ("carol", "dave"):
        await h.cmd(who, "join")
    for _ in range(3):
        await h.cmd("alice", "next")
    await say_all(h, "dave", ADVICE[:3])
    await h.say("carol", "Is the chair supportive?")
    out = await h.cmd("alice", "end")  # ending mid-questions still tells the facilitators
    (counts,) = counts_for(out, "alice")
    assert "Advice: @dave ×3" in counts and "Closed questions: @carol" in counts


@pytest.mark.asyncio
async def test_no_tally_outlives_the_session(h: Harness) -> None:
    await to_questions(h)
    await h.say("dave", ADVICE[0])
    async with h.app.store.read() as conn:
        (scratch,) = [row.scratch for row in await conn.execute(select(Session.__table__))]
    assert scratch[coaching.KEY]["phases"][u("bob").key]["advice"]
    await h.cmd("alice", "end")
    async with h.app.store.read() as conn:
        (scratch,) = [row.scratch for row in await conn.execute(select(Session.__table__))]
    assert coaching.KEY not in scratch


def test_the_reminder_wording_varies_and_stays_short_and_kind() -> None:
    texts = [coaching.reminder_text(n) for n in range(1, 6)]
    assert len({t.split(".")[0] for t in texts}) == 5, "five different openings"
    assert coaching.reminder_text(6) == coaching.reminder_text(1), "then round again"
    assert coaching.reminder_text(1).startswith("A gentle reminder")
    for body in texts + [coaching.reminder_text(2, "What might asking the council make possible?")]:
        assert "\n" not in body and len(body) < 300 and "?" in body
