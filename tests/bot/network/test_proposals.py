"""Match proposals through the real core: proposed privately to both, opened only on both
yeses, never twice, declined never again, nobody told who declined, asked a week later."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import delete

from bot.clock import FakeClock
from bot.network import proposal_words as words
from bot.replies import Direct, Edit, File, GroupDirect, Mention, Reply
from testkit.harness import Harness, private_to, u
from testkit.nudges import button_on, dms, press_button, timers_of
from tests.bot.network.network_helpers import (
    ITEMS,
    add_item,
    groups,
    proposal_dms,
    proposals,
    remove_item,
    resave_item,
    set_of,
)

GRANT_OFFER = "I've written successful grant bids and can read through a draft application"
GRANT_WANT = "I'd like feedback on my first grant application before it goes off"


@pytest_asyncio.fixture
async def h(any_db_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await Harness.open(any_db_url, clock, ALSBOT_DEFAULTS_SEND_ON_WEEKENDS="true")
    try:
        yield harness
    finally:
        await harness.close()


async def _proposed(h: Harness) -> tuple[int, Direct, Direct]:
    """fran facilitates; bob offers grant help, carol spreadsheets; alice wants grant help."""
    set_id = await set_of(h, "fran", "alice", "bob", "carol")
    await add_item(h, set_id, "bob", "offer", GRANT_OFFER, ("funding",))
    await add_item(h, set_id, "carol", "offer", "Advanced Excel: pivot tables and lookups")
    assert not h.new(), "offers alone propose nothing"
    await add_item(h, set_id, "alice", "want", GRANT_WANT, ("funding",))
    out = h.new()
    to_alice, to_bob = proposal_dms(out, "alice"), proposal_dms(out, "bob")
    assert len(to_alice) == 1 and len(to_bob) == 1 and not dms(out, "carol")
    return set_id, to_alice[0], to_bob[0]


async def _press(h: Harness, who: str, reply: Direct, label: str) -> list[Reply]:
    return await press_button(h, who, *button_on(reply, label))


def _texts_to(replies: list[Reply], who: str) -> list[str]:
    return private_to(replies, who)


@pytest.mark.asyncio
async def test_a_want_is_proposed_its_best_offer_privately_to_both(h: Harness) -> None:
    _set_id, to_alice, to_bob = await _proposed(h)
    assert Mention(u("bob")) in to_alice.text.parts
    assert GRANT_OFFER in to_alice.text.plain() and GRANT_WANT in to_alice.text.plain()
    assert Mention(u("alice")) in to_bob.text.parts and GRANT_WANT in to_bob.text.plain()
    for reply in (to_alice, to_bob):
        assert [b.label for b in reply.buttons] == ["Let's talk", "Not now"]
        assert all(b.action_id.startswith("match:") for b in reply.buttons)
    [row] = await proposals(h)
    assert (row.wanter_key, row.offerer_key, row.status) == (
        u("alice").key,
        u("bob").key,
        "proposed",
    )


@pytest.mark.asyncio
async def test_both_yes_opens_exactly_one_conversation(h: Harness) -> None:
    _set_id, to_alice, to_bob = await _proposed(h)
    out = await _press(h, "alice", to_alice, "Let's talk")
    assert not groups(out) and not dms(out, "bob"), "bob hears nothing of alice's answer"
    assert any("if the other person says yes too" in r.text.plain() for r in out)

    out = await _press(h, "bob", to_bob, "Let's talk")
    [group] = groups(out)
    assert group.users == (u("alice"), u("bob"))
    assert Mention(u("alice")) in group.text.parts and Mention(u("bob")) in group.text.parts
    assert GRANT_WANT in group.text.plain() and GRANT_OFFER in group.text.plain()
    assert [r.handle for r in out if isinstance(r, Edit)] == ["match:1:want", "match:1:offer"]

    again = await _press(h, "bob", to_bob, "Let's talk")
    again += await _press(h, "alice", to_alice, "Let's talk")
    assert not groups(again)
    assert _texts_to(again, "alice") == [words.ALREADY_OPEN]
    [row] = await proposals(h)
    assert (row.status, row.want_answer, row.offer_answer) == ("opened", "yes", "yes")
    [check] = await timers_of(h, "match_check", "pending")
    assert check.due_at == row.opened_at + timedelta(days=7)


@pytest.mark.asyncio
async def test_a_no_opens_nothing_tells_nobody_who_and_never_returns(h: Harness) -> None:
    set_id, to_alice, to_bob = await _proposed(h)
    out = await _press(h, "bob", to_bob, "Not now")
    assert not dms(out, "alice"), "alice is not told"
    assert "won't be told you said no" in [r for r in out if isinstance(r, Edit)][0].text.plain()
    out = await _press(h, "alice", to_alice, "Let's talk")
    assert not groups(out)
    assert _texts_to(out, "alice") == [words.NOT_GOING_AHEAD]
    [row] = await proposals(h)
    assert row.status == "declined"

    # An unrelated item, then the want saved again (edited): the pair is never proposed again.
    await add_item(h, set_id, "carol", "want", "Somebody to go running with at lunchtime")
    assert not proposal_dms(h.new(), "alice")
    await resave_item(h, set_id, row.want_id)
    assert not proposal_dms(h.new(), "bob")
    assert len(await proposals(h)) == 1

    # A new offer that meets the want is proposed: only the declined pair is closed.
    await h.cmd("dave", "join")
    await add_item(h, set_id, "dave", "offer", "Happy to review grant bids for small charities")
    out = h.new()
    assert len(proposal_dms(out, "alice")) == 1 and not proposal_dms(out, "bob")


@pytest.mark.asyncio
async def test_yes_then_no_opens_nothing_and_reads_like_a_lapse(h: Harness) -> None:
    set_id, to_alice, to_bob = await _proposed(h)
    await _press(h, "alice", to_alice, "Let's talk")
    out = await _press(h, "bob", to_bob, "Not now")
    assert not groups(out) and not dms(out, "alice")
    declined_reads = _texts_to(await _press(h, "alice", to_alice, "Let's talk"), "alice")

    # A proposal that lapsed (its offer removed) reads word for word the same.
    await h.cmd("erin", "join")
    await h.cmd("gina", "join")
    await add_item(h, set_id, "erin", "offer", "I can check a grant application's budget")
    await add_item(h, set_id, "gina", "want", "Someone to look over a grant application budget")
    gina = proposal_dms(h.new(), "gina")[0]
    [lapsing] = [p for p in await proposals(h) if p.wanter_key == u("gina").key]
    await remove_item(h, set_id, lapsing.offer_id)
    assert not h.new(), "a lapse is quiet"
    on_offer = [p.id for p in await proposals(h) if p.offer_id == lapsing.offer_id]
    assert len(on_offer) == 2, "erin's offer was proposed to alice's freed want too"
    notes = {t.subject: t.note for t in await timers_of(h, "match_lapse", "cancelled")}
    assert notes == {"match:1": "answered"} | {f"match:{i}": "cancelled" for i in on_offer}
    lapsed_reads = _texts_to(await _press(h, "gina", gina, "Let's talk"), "gina")
    assert declined_reads == lapsed_reads == [words.NOT_GOING_AHEAD]
    assert {p.status for p in await proposals(h)} == {"declined", "lapsed"}


@pytest.mark.asyncio
async def test_nobody_is_matched_with_themselves(h: Harness) -> None:
    set_id = await set_of(h, "fran", "alice", "bob")
    await add_item(h, set_id, "alice", "offer", GRANT_OFFER)
    await add_item(h, set_id, "alice", "want", GRANT_WANT)
    assert not h.new() and not await proposals(h)
    await add_item(h, set_id, "bob", "offer", "I can read grant applications before they go")
    [row] = await proposals(h)
    assert row.offerer_key == u("bob").key and row.wanter_key == u("alice").key


@pytest.mark.asyncio
async def test_only_members_answer_and_only_their_own(h: Harness) -> None:
    _set_id, to_alice, _to_bob = await _proposed(h)
    out = await _press(h, "carol", to_alice, "Let's talk")
    assert _texts_to(out, "carol") == [words.NOT_YOURS]
    [row] = await proposals(h)
    assert row.want_answer is None


@pytest.mark.asyncio
async def test_waiting_proposals_are_capped(h: Harness) -> None:
    set_id = await set_of(h, "fran", "alice", "bob", "carol", "dave", "erin")
    await add_item(h, set_id, "bob", "offer", GRANT_OFFER)
    await add_item(h, set_id, "carol", "offer", "I can read grant applications before they go")
    await add_item(h, set_id, "alice", "want", GRANT_WANT)
    assert len(await proposals(h)) == 1, "one waiting proposal per want"
    await add_item(h, set_id, "gus", "offer", "Grant application feedback from a former funder")
    assert len(await proposals(h)) == 1, "the only matching want already has one waiting"


@pytest.mark.asyncio
async def test_a_person_has_at_most_three_proposals_waiting(h: Harness) -> None:
    set_id = await set_of(h, "fran", "alice", "bob", "carol", "dave", "erin")
    await add_item(h, set_id, "bob", "offer", GRANT_OFFER)
    wants = {
        who: await add_item(h, set_id, who, "want", "Feedback on a grant application, please")
        for who in ("alice", "carol", "dave", "erin")
    }
    made = await proposals(h)
    assert [p.wanter_key for p in made] == [u(w).key for w in ("alice", "carol", "dave")]
    await _press(h, "bob", proposal_dms(h.new(), "bob")[0], "Not now")
    await resave_item(h, set_id, wants["erin"])  # erin edits her want
    assert [p.wanter_key for p in await proposals(h)][-1] == u("erin").key, "bob had room"


@pytest.mark.asyncio
async def test_an_offer_is_proposed_to_the_wants_it_meets(h: Harness) -> None:
    set_id = await set_of(h, "fran", "alice", "bob", "carol", "dave")
    for who in ("alice", "carol", "dave"):
        await add_item(h, set_id, who, "want", f"{who.title()} would like help with a grant bid")
    assert not await proposals(h)
    await add_item(h, set_id, "bob", "offer", GRANT_OFFER)
    made = await proposals(h)
    assert len(made) == 2 and {p.offerer_key for p in made} == {u("bob").key}


@pytest.mark.asyncio
async def test_asked_a_week_later_and_talked_beats_not_yet(h: Harness) -> None:
    _set_id, to_alice, to_bob = await _proposed(h)
    await _press(h, "alice", to_alice, "Let's talk")
    await _press(h, "bob", to_bob, "Let's talk")
    assert not [r for r in await h.wait(timedelta(days=6, hours=23)) if isinstance(r, Direct)]
    out = await h.wait(timedelta(hours=1))
    asks = [r for r in out if isinstance(r, Direct)]
    assert sorted(r.user.id for r in asks) == ["alice", "bob"]
    for ask in asks:
        assert "Did you talk?" in ask.text.plain()
        assert [b.label for b in ask.buttons] == ["We talked", "Not yet"]
    ask_alice = [a for a in asks if a.user.id == "alice"][0]
    ask_bob = [a for a in asks if a.user.id == "bob"][0]
    await _press(h, "alice", ask_alice, "Not yet")
    assert (await proposals(h))[0].outcome == "not_yet"
    await _press(h, "bob", ask_bob, "We talked")
    assert (await proposals(h))[0].outcome == "talked"
    await _press(h, "alice", ask_alice, "Not yet")
    assert (await proposals(h))[0].outcome == "talked", "talked beats not yet"
    [done] = await timers_of(h, "match_check")
    assert (done.status, done.note) == ("done", "sent: asked both whether they talked")


@pytest.mark.asyncio
async def test_export_shows_only_ones_own_side_and_forget_removes_proposals(h: Harness) -> None:
    _set_id, to_alice, to_bob = await _proposed(h)
    await _press(h, "alice", to_alice, "Let's talk")
    await _press(h, "bob", to_bob, "Not now")

    def exported(replies: list[Reply]) -> list[dict[str, object]]:
        [file] = [r for r in replies if isinstance(r, File)]
        return list(json.loads(file.content)["match_proposals"])

    [alice_sees] = exported(await h.cmd("alice", "export-me"))
    assert alice_sees["your_answer"] == "yes" and alice_sees["status"] == "not going ahead"
    assert alice_sees["other_item_text"] == GRANT_OFFER
    assert "offer_answer" not in alice_sees and u("bob").key not in json.dumps(alice_sees)
    [bob_sees] = exported(await h.cmd("bob", "export-me"))
    assert bob_sees["your_answer"] == "no" and bob_sees["status"] == "declined"

    await h.cmd("alice", "forget-me confirm")
    assert await proposals(h) == []
    out = await _press(h, "bob", to_bob, "Let's talk")
    assert "out of date" in " ".join(_texts_to(out, "bob"))


@pytest.mark.asyncio
async def test_forget_me_cancels_the_week_later_question(h: Harness) -> None:
    _set_id, to_alice, to_bob = await _proposed(h)
    await _press(h, "alice", to_alice, "Let's talk")
    await _press(h, "bob", to_bob, "Let's talk")
    await h.cmd("bob", "forget-me confirm")
    assert await proposals(h) == []
    out = await h.wait(timedelta(days=8))
    assert not [r for r in out if isinstance(r, Direct | GroupDirect)]


@pytest.mark.asyncio
async def test_unanswered_lapses_after_two_weeks_and_a_yes_want_gets_its_next_offer(
    h: Harness,
) -> None:
    set_id, to_alice, to_bob = await _proposed(h)
    await h.cmd("dave", "join")
    await add_item(h, set_id, "dave", "offer", "I review grant applications for a funder")
    assert not proposal_dms(h.new(), "alice"), "alice's want already has one waiting"
    await _press(h, "alice", to_alice, "Let's talk")
    out = await h.wait(timedelta(days=14))
    assert not dms(out, "bob"), "a lapse is quiet"
    [next_one] = proposal_dms(out, "alice")
    assert Mention(u("dave")) in next_one.text.parts
    first, second = await proposals(h)
    assert (first.status, second.status) == ("lapsed", "proposed")
    assert _texts_to(await _press(h, "bob", to_bob, "Let's talk"), "bob") == [words.NOT_GOING_AHEAD]
    lapses = {t.note for t in await timers_of(h, "match_lapse", "done")}
    assert lapses == {"lapsed: unanswered for 14 days"}


@pytest.mark.asyncio
async def test_the_one_who_declined_is_reminded_of_it_and_leaving_lapses(h: Harness) -> None:
    set_id, to_alice, to_bob = await _proposed(h)
    await _press(h, "bob", to_bob, "Not now")
    out = await _press(h, "bob", to_bob, "Let's talk")
    assert _texts_to(out, "bob") == [words.ALREADY_DECLINED]

    await h.cmd("erin", "join")
    await add_item(h, set_id, "erin", "offer", "I can read a grant application before it goes")
    to_alice = proposal_dms(h.new(), "alice")[0]
    await h.cmd("erin", "leave")
    assert [p.status for p in await proposals(h)] == ["declined", "lapsed"]
    out = await _press(h, "alice", to_alice, "Let's talk")
    assert not groups(out) and _texts_to(out, "alice") == [words.NOT_GOING_AHEAD]


@pytest.mark.asyncio
async def test_forgetting_cancels_the_timers_of_proposals_gone_with_their_items(
    h: Harness,
) -> None:
    """If the items' own forget runs first, its deleted items take their proposals with
    them (the foreign key); the proposals' timers are cancelled all the same."""
    _set_id, to_alice, _to_bob = await _proposed(h)
    async with h.app.store.write() as conn:
        await conn.execute(delete(ITEMS).where(ITEMS.c.author_key == u("alice").key))
    assert await proposals(h) == []
    assert len(await timers_of(h, "match_lapse", "pending")) == 1
    await h.cmd("alice", "forget-me confirm")
    assert await timers_of(h, "match_lapse", "pending") == []


@pytest.mark.asyncio
async def test_expired_offers_and_people_who_left_are_not_proposed(h: Harness) -> None:
    set_id = await set_of(h, "fran", "alice", "bob", "carol")
    await add_item(h, set_id, "bob", "offer", GRANT_OFFER)
    await add_item(h, set_id, "carol", "offer", "I can read grant applications before they go")
    await h.cmd("carol", "leave")
    await h.wait(timedelta(days=91))  # bob's offer expired (90 days)
    await add_item(h, set_id, "alice", "want", GRANT_WANT)
    assert not await proposals(h)
